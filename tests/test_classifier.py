"""LSTMClassifier: labels, probabilities, class weights, partial_fit, learning.

A classifier given one class is refused in test_validation.py's table.
"""

import numpy as np
import pytest
import torch
from scipy.special import log_expit, log_softmax
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from hypothesis import given
from hypothesis import strategies as st
from sklearn.utils.class_weight import compute_sample_weight

from sklstm import LSTMClassifier
from tests._strategies import (
    SETTINGS,
    call,
    check_classifier_outputs,
    model_params,
    ok,
    quiet,
    sane_inputs,
)


def _sum_sign(n=120, T=6, seed=0):
    """Binary task: is the sum of a univariate sequence positive?"""
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, T, 1)).astype(np.float32)
    return X, (X.sum(axis=(1, 2)) > 0).astype(int)


def _three_classes(n=150, T=6, seed=0):
    X, _ = _sum_sign(n, T, seed)
    s = X.sum(axis=(1, 2))
    return X, np.digitize(s, np.quantile(s, [1 / 3, 2 / 3]))


def _clf(**kwargs):
    params = dict(hidden_size=16, max_iter=30, learning_rate_init=0.01, random_state=0)
    params.update(kwargs)
    return LSTMClassifier(**params)


@pytest.mark.parametrize(
    "labels", [np.array(["down", "up"]), np.array([-1, 1]), np.array([3, 7])]
)
def test_binary_any_labels(labels):
    X, y01 = _sum_sign()
    y = labels[y01]
    clf = _clf().fit(X, y)
    assert clf.n_outputs_ == 1
    assert list(clf.classes_) == sorted(labels.tolist())
    pred = clf.predict(X)
    assert set(pred) <= set(labels)
    assert np.mean(pred == y) > 0.9
    proba = clf.predict_proba(X)
    assert proba.shape == (len(X), 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_array_equal(clf.classes_[proba.argmax(axis=1)], pred)


def test_multiclass_with_gaps_in_labels():
    X, y012 = _three_classes()
    y = np.array([2, 5, 9])[y012]
    clf = _clf().fit(X, y)
    assert clf.n_outputs_ == 3
    assert list(clf.classes_) == [2, 5, 9]
    assert clf.score(X, y) > 0.8
    np.testing.assert_allclose(clf.predict_proba(X).sum(axis=1), 1.0)


def test_multilabel_indicator():
    X, _ = _sum_sign(160)
    Y = np.column_stack([X[:, :, 0].sum(1) > 0, X[:, -1, 0] > 0, X[:, 0, 0] > 0]).astype(int)
    clf = _clf(max_iter=40).fit(X, Y)
    assert clf.n_outputs_ == 3 and list(clf.classes_) == [0, 1, 2]
    pred = clf.predict(X)
    assert pred.shape == Y.shape and set(np.unique(pred)) <= {0, 1}
    assert np.mean(pred == Y) > 0.85
    proba = clf.predict_proba(X)
    assert proba.shape == Y.shape
    np.testing.assert_array_equal((proba > 0.5).astype(int), pred)


@pytest.mark.parametrize("make", [_sum_sign, _three_classes])
def test_predict_log_proba_is_stable_log_of_proba(make):
    X, y = make()
    clf = _clf(max_iter=5).fit(X, y)
    np.testing.assert_allclose(np.exp(clf.predict_log_proba(X)), clf.predict_proba(X), rtol=1e-10)
    # Huge logits: probabilities underflow to exactly 0, their logarithms must not.
    with torch.no_grad():
        clf.module_.head.weight.mul_(1e4)
        logits = clf.module_.eval()(torch.from_numpy(X)).double().numpy()
    proba = clf.predict_proba(X)
    with np.errstate(divide="ignore"):
        assert np.isneginf(np.log(proba)).any()  # log(predict_proba) would not do
    log_proba = clf.predict_log_proba(X)
    assert np.isfinite(log_proba).all()
    if logits.shape[1] == 1:  # binary: one logit, for the second class
        expected = np.column_stack((log_expit(-logits[:, 0]), log_expit(logits[:, 0])))
    else:
        expected = log_softmax(logits, axis=1)
    np.testing.assert_allclose(log_proba, expected, rtol=1e-12)


@quiet  # (the property and its strategies: tests/_strategies.py)
@SETTINGS
@given(
    X=sane_inputs(),
    params=model_params.map(lambda p: {**p, "early_stopping": False}),
    kind=st.sampled_from(["binary", "multiclass", "multilabel"]),
)
def test_classifier_probabilities(X, params, kind):
    """Each classification kind gives rows of probabilities in [0, 1]."""
    n = X.n
    y = {
        "binary": np.arange(n) % 2,
        "multiclass": np.arange(n) % 3,
        "multilabel": np.stack([np.arange(n) % 2, (np.arange(n) + 1) % 2], axis=1),
    }[kind]
    clf = call(LSTMClassifier(**params).fit, X.X, y)
    # sane_inputs draws 2 sequences or more, so y has 2 classes or more
    assert ok(clf), clf  # sane sequences and well-formed labels must fit
    check_classifier_outputs(clf, X, y)


def test_class_weight_zero_for_a_class_ignores_it():
    X, y = _sum_sign()
    clf = _clf(class_weight={0: 0.0, 1: 1.0}).fit(X, y)
    assert (clf.predict(X) == 1).all()


def test_class_weight_balanced_equals_explicit_sample_weight():
    X, y = _sum_sign()
    y[:80] = 0  # imbalance
    balanced = _clf(class_weight="balanced", max_iter=5).fit(X, y)
    explicit = _clf(max_iter=5).fit(X, y, sample_weight=compute_sample_weight("balanced", y))
    np.testing.assert_array_equal(balanced.predict_proba(X), explicit.predict_proba(X))


def test_continuous_target_is_an_error():
    X, _ = _sum_sign(10)
    with pytest.raises(ValueError, match="Unknown label type"):
        _clf().fit(X, np.linspace(0, 1, 10))


def test_partial_fit_one_epoch_per_call_and_classes():
    X, y = _three_classes()
    clf = _clf()
    with pytest.raises(ValueError, match="at least 2 classes"):
        clf.partial_fit(X[:5], np.zeros(5), classes=[0])
    clf = _clf()
    clf.partial_fit(X[y != 2], y[y != 2], classes=[0, 1, 2])
    assert clf.n_iter_ == 1 and len(clf.loss_curve_) == 1
    assert clf.predict_proba(X).shape == (len(X), 3)
    clf.partial_fit(X, y)
    assert clf.n_iter_ == 2 and len(clf.loss_curve_) == 2
    with pytest.raises(ValueError, match=r"labels \[7\] that are not in classes_"):
        clf.partial_fit(X[:3], [0, 1, 7])
    before = clf.predict_proba(X)
    with pytest.raises(ValueError, match=r"classes=\[0, 1\] is not the same as on the first call"):
        clf.partial_fit(X, y, classes=[0, 1])  # as MLPClassifier: a changed classes= is refused
    clf.partial_fit(X, y, classes=[2, 1, 0])  # the same classes, in any order
    assert clf.n_iter_ == 3
    assert not np.array_equal(clf.predict_proba(X), before)


def test_partial_fit_needs_classes_first_except_multilabel_and_refuses_balanced():
    X, y = _sum_sign(20)
    with pytest.raises(ValueError, match="classes must be passed on the first call"):
        _clf().partial_fit(X, y)
    assert not hasattr(_clf(), "classes_")
    multilabel = np.column_stack([y, 1 - y])
    assert list(_clf().partial_fit(X, multilabel).classes_) == [0, 1]  # the label columns
    with pytest.raises(ValueError, match="balanced"):
        _clf(class_weight="balanced").partial_fit(X, y, classes=[0, 1])


def test_warm_start_continues_training():
    X, y = _sum_sign()
    clf = _clf(max_iter=3, warm_start=True).fit(X, y)
    first = list(clf.loss_curve_)
    clf.fit(X, y)
    assert clf.n_iter_ == 6
    assert clf.loss_curve_[:3] == first
    assert clf.loss_curve_[3] < first[0]
    cold = _clf(max_iter=3).fit(X, y)
    cold.fit(X, y)
    assert cold.n_iter_ == 3 and cold.loss_curve_ == first


def test_warm_start_rejects_new_labels():
    X, y = _sum_sign()
    clf = _clf(max_iter=2, warm_start=True).fit(X, y)
    with pytest.raises(ValueError, match="not in classes_"):
        clf.fit(X, np.where(y == 1, 2, y))


def test_convergence_warning_when_max_iter_reached():
    X, y = _sum_sign(40)
    with pytest.warns(ConvergenceWarning, match="Maximum iterations \\(2\\)"):
        _clf(max_iter=2).fit(X, y)


def test_early_stopping_attributes():
    X, y = _sum_sign(200)
    clf = _clf(early_stopping=True, max_iter=15, n_iter_no_change=3).fit(X, y)
    assert clf.best_loss_ is None
    assert len(clf.validation_scores_) == clf.n_iter_
    # the kept epoch is the one of the lowest validation loss; its score is reported
    best = int(np.argmin(clf.history_["valid_loss"]))
    assert clf.best_validation_score_ == clf.validation_scores_[best]
    plain = _clf(max_iter=3).fit(X, y)
    assert plain.validation_scores_ is None
    assert plain.best_loss_ == min(plain.loss_curve_)


def _pulse(n, T=50, seed=0):
    """The sign of one pulse placed 15-50 steps before the end, in noise."""
    rng = np.random.RandomState(seed)
    X = rng.normal(scale=0.3, size=(n, T, 1)).astype(np.float32)
    y = rng.randint(0, 2, n)
    X[np.arange(n), T - rng.randint(15, 51, n), 0] += np.where(y == 1, 2.0, -2.0)
    return X, y


def test_defaults_carry_a_pulse_over_many_steps_quickly():
    """Issue 21's target: >= 0.98 after 5 epochs of batch 64 (PyTorch's defaults: ~0.56)."""
    X, y = _pulse(2000)
    X_test, y_test = _pulse(500, seed=1)
    clf = LSTMClassifier(max_iter=5, batch_size=64, random_state=0).fit(X, y)
    # random_state 0-2 score 0.994-1.0 (measured; at the hidden_size=64:
    # 0.998 each; with 0.1.0's defaults 0.53-0.90)
    assert clf.score(X_test, y_test) >= 0.98


def test_early_stopping_on_a_handful_of_samples_warns_and_trains_on_all():
    X, y = _sum_sign(60)  # 10% is 6 validation samples
    with pytest.warns(UserWarning, match="hold out 6 of 60 samples.*fewer than 20"):
        stopped = _clf(early_stopping=True, max_iter=3).fit(X, y)
    plain = _clf(max_iter=3).fit(X, y)
    assert stopped.validation_scores_ is None
    np.testing.assert_array_equal(stopped.predict_proba(X), plain.predict_proba(X))


def test_digits_as_row_sequences_reach_quickstart_accuracy():
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X / 16.0, y, test_size=0.25, stratify=y, random_state=0
    )
    clf = LSTMClassifier(random_state=0)  # the quickstart's: the defaults
    clf.fit(X_train.reshape(-1, 8, 8), y_train)
    # measured 0.991 (random_state 0-4: 0.980-0.991); MLPClassifier() 0.980
    assert clf.score(X_test.reshape(-1, 8, 8), y_test) >= 0.975


@pytest.mark.parametrize(
    "class_weight, match",
    [
        ({0: -1, 1: 2}, "finite, non-negative weights.*reverse the loss"),
        ({0: np.nan, 1: 1}, "finite, non-negative weights"),
        ({0: 1, 7: 2}, r"labels \[7\] that are not classes of y \[0, 1\]"),
        ({0: 0, 1: 0}, "every sample a weight of 0"),
    ],
)
def test_bad_class_weight_is_refused_before_training(class_weight, match):
    X, y = _sum_sign(20)
    clf = _clf(class_weight=class_weight)
    with pytest.raises(ValueError, match=match):
        clf.fit(X, y)
    assert not hasattr(clf, "classes_")


def test_class_weight_values_must_be_numbers():
    X, y = _sum_sign(20)
    with pytest.raises(TypeError, match="class_weight values must be numbers"):
        _clf(class_weight={0: "a", 1: 1}).fit(X, y)


def test_class_times_sample_weights_all_zero_is_refused():
    X, y = _sum_sign(20)
    with pytest.raises(ValueError, match="every sample a weight of 0"):
        _clf(class_weight={0: 0.0, 1: 1.0}).fit(X, y, sample_weight=(y == 0).astype(float))
