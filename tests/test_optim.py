"""Optimizers, L2 penalty and learning-rate schedules, alone and through the estimators."""

import math

import numpy as np
import pytest
import torch
from torch import nn

from sklstm import LSTMClassifier, LSTMRegressor
from sklstm._optim import SOLVERS, make_optimizer, set_penalty
from sklstm._training import MIN_LEARNING_RATE, PLATEAU_FACTOR, cosine_learning_rate
from sklstm.nn import RecurrentNetwork
from tests._helpers import regression_data

OPTIMIZER_CLASSES = {
    "adam": torch.optim.Adam,
    "adamw": torch.optim.AdamW,
    "sgd": torch.optim.SGD,
    "rmsprop": torch.optim.RMSprop,
}


def _network():
    torch.manual_seed(0)
    return RecurrentNetwork(1, 1, hidden_size=4)


def _reg(**kwargs):
    params = dict(hidden_size=4, max_iter=3, random_state=0, device="cpu")
    params.update(kwargs)
    return LSTMRegressor(**params)


# -- make_optimizer ------------------------------------------------------------


def test_solver_table_is_complete():
    assert set(SOLVERS) == set(OPTIMIZER_CLASSES)


@pytest.mark.parametrize("solver", sorted(OPTIMIZER_CLASSES))
def test_make_optimizer_class_and_groups(solver):
    net = _network()
    opt = make_optimizer(solver, net, learning_rate=0.05, momentum=0.7)
    assert type(opt) is OPTIMIZER_CLASSES[solver]
    assert len(opt.param_groups) == 2
    weights, biases = opt.param_groups
    named = list(net.named_parameters())
    expected_weights = [p for n, p in named if "bias" not in n]
    expected_biases = [p for n, p in named if "bias" in n]
    assert len(expected_weights) > 0 and len(expected_biases) > 0
    assert [id(p) for p in weights["params"]] == [id(p) for p in expected_weights]
    assert [id(p) for p in biases["params"]] == [id(p) for p in expected_biases]
    # every parameter is optimised exactly once
    all_ids = [id(p) for g in opt.param_groups for p in g["params"]]
    assert sorted(all_ids) == sorted(id(p) for p in net.parameters())
    assert biases["weight_decay"] == 0.0
    assert weights["weight_decay"] == 0.0  # set_penalty sets it later
    assert all(g["lr"] == 0.05 for g in opt.param_groups)


def test_make_optimizer_sgd_uses_given_momentum():
    opt = make_optimizer("sgd", _network(), learning_rate=0.1, momentum=0.37)
    assert all(g["momentum"] == 0.37 for g in opt.param_groups)
    opt0 = make_optimizer("sgd", nn.Linear(2, 1), learning_rate=0.1, momentum=0.0)
    assert all(g["momentum"] == 0.0 for g in opt0.param_groups)


def test_make_optimizer_unknown_solver():
    with pytest.raises(ValueError, match=r"solver must be one of .*'lbfgs'"):
        make_optimizer("lbfgs", _network(), learning_rate=0.1, momentum=0.9)


# -- set_penalty -------------------------------------------------------------------


@pytest.mark.parametrize("solver", ["adam", "sgd", "rmsprop"])
def test_set_penalty_coupled_divides_by_the_batch_weight(solver):
    opt = make_optimizer(solver, _network(), learning_rate=0.01, momentum=0.9)
    set_penalty(opt, solver, alpha=0.32, batch_weight=16)
    assert opt.param_groups[0]["weight_decay"] == pytest.approx(0.02)
    assert opt.param_groups[1]["weight_decay"] == 0.0


def test_set_penalty_adamw_is_decoupled():
    opt = make_optimizer("adamw", _network(), learning_rate=0.01, momentum=0.9)
    set_penalty(opt, "adamw", alpha=0.32, batch_weight=16)
    assert opt.param_groups[0]["weight_decay"] == pytest.approx(0.32)
    assert opt.param_groups[1]["weight_decay"] == 0.0


def test_set_penalty_can_be_changed_again():
    opt = make_optimizer("adam", _network(), learning_rate=0.01, momentum=0.9)
    set_penalty(opt, "adam", alpha=1.0, batch_weight=4)
    set_penalty(opt, "adam", alpha=0.0, batch_weight=4)
    assert opt.param_groups[0]["weight_decay"] == 0.0
    assert opt.param_groups[1]["weight_decay"] == 0.0


# -- cosine_learning_rate ------------------------------------------------------------


def test_cosine_learning_rate_shape():
    assert cosine_learning_rate(0.1, 0, 10) == pytest.approx(0.1)
    assert cosine_learning_rate(0.1, 5, 10) == pytest.approx(0.05)
    assert cosine_learning_rate(0.1, 10, 10) == pytest.approx(0.0, abs=1e-15)
    assert cosine_learning_rate(0.1, 11, 10) == pytest.approx(0.0, abs=1e-15)
    assert cosine_learning_rate(0.1, 100, 10) == pytest.approx(0.0, abs=1e-15)
    values = [cosine_learning_rate(0.1, e, 10) for e in range(11)]
    assert all(a > b for a, b in zip(values, values[1:]))
    # symmetric around the midpoint: lr(e) + lr(total - e) == initial
    for e in range(11):
        assert values[e] + values[10 - e] == pytest.approx(0.1)


# -- through the estimators (the training loop alone: test_training.py) ---------------


@pytest.mark.parametrize("solver", sorted(OPTIMIZER_CLASSES))
def test_regressor_fits_with_each_solver(solver):
    X, y = regression_data()
    reg = _reg(solver=solver, alpha=0.16, batch_size=8, learning_rate_init=0.01,
               max_iter=5).fit(X, y)
    assert type(reg.optimizer_) is OPTIMIZER_CLASSES[solver]
    assert reg.n_iter_ == 5
    assert np.isfinite(reg.predict(X)).all()
    # the optimizer trains (measured: every solver lowers the loss by 20-73% in 5 epochs)
    assert reg.loss_curve_[-1] < 0.9 * reg.loss_curve_[0]
    expected_decay = 0.16 if solver == "adamw" else 0.16 / 8
    assert reg.optimizer_.param_groups[0]["weight_decay"] == pytest.approx(expected_decay)
    assert reg.optimizer_.param_groups[1]["weight_decay"] == 0.0
    if solver == "sgd":
        assert reg.optimizer_.param_groups[0]["momentum"] == 0.9


@pytest.mark.parametrize("solver", sorted(OPTIMIZER_CLASSES))
def test_classifier_fits_with_each_solver(solver):
    X, y = regression_data()
    clf = LSTMClassifier(
        hidden_size=4, max_iter=3, solver=solver, momentum=0.5, learning_rate_init=0.01,
        random_state=0, device="cpu",
    ).fit(X, y > 0)
    assert type(clf.optimizer_) is OPTIMIZER_CLASSES[solver]
    assert clf.n_iter_ == 3
    # that each solver trains is shown on the regressor above (19-65% lower
    # loss); here the classifier's own settings must reach the optimizer
    assert all(g["lr"] == 0.01 for g in clf.optimizer_.param_groups)
    if solver == "sgd":
        assert all(g["momentum"] == 0.5 for g in clf.optimizer_.param_groups)


def test_cosine_schedule_in_history():
    X, y = regression_data()
    reg = _reg(
        learning_rate="cosine", learning_rate_init=0.02, max_iter=6, n_iter_no_change=100
    ).fit(X, y)
    lr = reg.history_["learning_rate"].to_numpy()
    assert len(lr) == 6
    assert lr[0] == pytest.approx(0.02)
    assert np.all(np.diff(lr) < 0)
    assert lr[-1] > 0
    expected = [cosine_learning_rate(0.02, e, 6) for e in range(6)]
    np.testing.assert_allclose(lr, expected, rtol=1e-12)


def test_constant_schedule_keeps_the_rate():
    X, y = regression_data()
    reg = _reg(learning_rate_init=0.02, max_iter=4, n_iter_no_change=100).fit(X, y)
    np.testing.assert_allclose(reg.history_["learning_rate"], 0.02)


def test_plateau_schedule_divides_then_stops():
    X, y = regression_data()
    init = 1e-5
    reg = _reg(
        learning_rate="plateau", learning_rate_init=init, tol=1e9, n_iter_no_change=1,
        max_iter=20,
    ).fit(X, y)
    lr = reg.history_["learning_rate"].to_numpy()
    assert lr[0] == pytest.approx(init)
    # the rate only ever stays or drops by exactly PLATEAU_FACTOR
    ratios = lr[:-1] / lr[1:]
    assert np.all(np.isclose(ratios, 1.0) | np.isclose(ratios, PLATEAU_FACTOR))
    assert np.isclose(ratios, PLATEAU_FACTOR).any()
    assert lr.min() == pytest.approx(init / PLATEAU_FACTOR)
    assert lr.min() >= MIN_LEARNING_RATE
    # stopped because the next reduction would go below MIN_LEARNING_RATE
    assert lr.min() / PLATEAU_FACTOR < MIN_LEARNING_RATE
    assert reg.n_iter_ < reg.max_iter
    assert reg.n_iter_ == len(lr)


def _parameter_change(clip_grad_norm):
    """L2 norm of the change of all parameters over one SGD step (one epoch)."""
    X, y = regression_data()
    reg = _reg(
        solver="sgd", momentum=0.0, alpha=0.0, learning_rate_init=1.0,
        clip_grad_norm=clip_grad_norm, batch_size=1000, max_iter=1, warm_start=True,
        shuffle=False,
    )
    reg.fit(X, y)
    before = {k: v.detach().clone() for k, v in reg.module_.named_parameters()}
    reg.fit(X, y)  # warm start: exactly one more epoch == one more step
    assert reg.n_iter_ == 2
    after = dict(reg.module_.named_parameters())
    squared = sum(float(((after[k].detach() - before[k]) ** 2).sum()) for k in before)
    return math.sqrt(squared)


def test_clip_grad_norm_bounds_one_step():
    clipped = _parameter_change(1e-3)
    assert 0 < clipped <= 1e-3 * (1 + 1e-4) + 1e-7
    unclipped = _parameter_change(None)
    assert unclipped > 1e-3
    assert unclipped > 10 * clipped


def test_set_penalty_refuses_a_coupled_penalty_beyond_float32():
    opt = make_optimizer("rmsprop", nn.Linear(2, 1), learning_rate=0.1, momentum=0.9)
    with pytest.raises(ValueError, match=r"alpha / \(weight sum\).*scale them up, or set alpha=0"):
        set_penalty(opt, "rmsprop", alpha=1.0, batch_weight=1e-300)
    set_penalty(opt, "adamw", alpha=1.0, batch_weight=1e-300)  # decoupled: no division
    set_penalty(opt, "rmsprop", alpha=0.0, batch_weight=1e-300)
    assert opt.param_groups[0]["weight_decay"] == 0.0
