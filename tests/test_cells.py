"""Estimator-level tests of the recurrent cells, pooling, dense head and projection.

``cell`` in {"lstm", "peephole", "gru", "rnn"}, ``pooling`` in {"last", "mean",
"max", "attention"}, ``head_hidden_sizes`` and ``proj_size`` through
LSTMClassifier / LSTMRegressor: fitting and predicting on fixed-length and
ragged input, padding invariance of every readout, the built layers, errors and
scikit-learn's estimator checks (reproducibility for every cell: test_base.py).
The networks are tiny.
"""

from functools import partial

import numpy as np
import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks
from torch import nn

from sklstm import LSTMClassifier, LSTMRegressor
from sklstm.nn import CELLS, GRU, LSTM, POOLINGS, PeepholeLSTM
from sklstm.preprocessing import to_padded
from tests._helpers import (
    CHECK_PARAMS,
    TOL,
    first_feature_sums,
    lstm_expected_failed_checks,
    random_ragged,
)

TINY = dict(hidden_size=4, max_iter=2, random_state=0)


def test_all_cells_and_poolings_are_covered():
    assert set(CELLS) == {"lstm", "peephole", "gru", "rnn"}
    assert set(POOLINGS) == {"last", "mean", "max", "attention"}


# This module's ragged data: 18 short sequences (1 to 8 steps) of 2 features.
_ragged = partial(random_ragged, 18, n_features=2, low=1, high=8)


def _fixed(n=18, T=5, n_features=2, seed=0):
    return np.random.default_rng(seed).normal(size=(n, T, n_features)).astype(np.float32)


def _three_labels(X):
    s = np.array([float(np.sum(seq[:, 0])) for seq in X])
    return np.digitize(s, np.quantile(s, [1 / 3, 2 / 3]))


# -- every cell fits and predicts -----------------------------------------------


@pytest.mark.parametrize("ragged", [False, True], ids=["fixed", "ragged"])
@pytest.mark.parametrize("bidirectional", [False, True], ids=["uni", "bi"])
@pytest.mark.parametrize("num_layers", [1, 2])
@pytest.mark.parametrize("cell", CELLS)
def test_classifier_fits_and_predicts(cell, num_layers, bidirectional, ragged):
    X = _ragged() if ragged else _fixed()
    y = np.array(["a", "b", "c"])[_three_labels(X)]
    clf = LSTMClassifier(cell=cell, num_layers=num_layers, bidirectional=bidirectional, **TINY)
    clf.fit(X, y)
    assert clf.module_.cell == cell
    recurrent = clf.module_.recurrent
    assert (recurrent.num_layers, recurrent.bidirectional) == (num_layers, bidirectional)
    assert list(clf.classes_) == ["a", "b", "c"]
    assert clf.n_iter_ == 2
    pred = clf.predict(X)
    assert pred.shape == (len(X),) and set(pred) <= {"a", "b", "c"}
    proba = clf.predict_proba(X)
    assert proba.shape == (len(X), 3)
    assert np.isfinite(proba).all() and (proba >= 0).all()
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)
    np.testing.assert_array_equal(clf.classes_[proba.argmax(axis=1)], pred)


_RECURRENT_TYPES = {"lstm": LSTM, "gru": GRU, "rnn": nn.RNN}  # LSTM, GRU: nn.LSTM, nn.GRU


@pytest.mark.parametrize("cell", CELLS)
def test_the_cell_parameter_builds_that_cell(cell):
    X = _fixed()
    y = first_feature_sums(X)
    reg = LSTMRegressor(cell=cell, num_layers=2, bidirectional=True, **TINY).fit(X, y)
    recurrent = reg.module_.recurrent
    expected = PeepholeLSTM if cell == "peephole" else _RECURRENT_TYPES[cell]
    assert type(recurrent) is expected
    assert recurrent.hidden_size == 4 and recurrent.num_layers == 2 and recurrent.bidirectional
    if cell == "rnn":
        assert recurrent.nonlinearity == "tanh"


@pytest.mark.parametrize("cell", CELLS)
def test_regressor_fits_and_predicts(cell):
    X = _ragged()
    y = np.column_stack([first_feature_sums(X), 100.0 + 5 * first_feature_sums(X)])
    reg = LSTMRegressor(cell=cell, **TINY).fit(X, y)
    pred = reg.predict(X)
    assert pred.shape == (len(X), 2)
    assert np.isfinite(pred).all()
    # targets are standardised internally: predictions come back on their scale
    assert 80 < pred[:, 1].mean() < 120
    reg1 = LSTMRegressor(cell=cell, **TINY).fit(_fixed(), first_feature_sums(_fixed()))
    assert reg1.predict(_fixed()).shape == (18,)


# -- pooling ignores padding -----------------------------------------------------


@pytest.mark.parametrize("bidirectional", [False, True], ids=["uni", "bi"])
@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("pooling", POOLINGS)
def test_pooling_ignores_padding(pooling, cell, bidirectional):
    X = _ragged()
    reg = LSTMRegressor(cell=cell, pooling=pooling, bidirectional=bidirectional, **TINY)
    reg.fit(X, first_feature_sums(X))
    assert (reg.module_.pooling is None) == (pooling == "last")
    if pooling != "last":
        assert reg.module_.pooling.mode == pooling

    batched = reg.predict(X)
    padded = reg.predict(to_padded(X))  # NaN after each sequence's end
    alone = np.concatenate([reg.predict([seq]) for seq in X])
    np.testing.assert_allclose(padded, batched, **TOL)
    np.testing.assert_allclose(alone, batched, **TOL)
    # small prediction batches: sequences are predicted grouped by length
    reg.set_params(predict_batch_size=4)
    np.testing.assert_allclose(reg.predict(X), batched, **TOL)
    # the readout really depends on the sequence (padding is not all it sees)
    assert np.ptp(batched) > 1e-4


@pytest.mark.parametrize("pooling", POOLINGS)
def test_poolings_differ(pooling):
    # guards the test above: each pooling is a different readout of the same network
    X = _ragged()
    y = first_feature_sums(X)
    preds = {p: LSTMRegressor(pooling=p, **TINY).fit(X, y).predict(X) for p in POOLINGS}
    for other in POOLINGS:
        if other != pooling:
            assert not np.allclose(preds[pooling], preds[other], **TOL), (pooling, other)


# -- head_hidden_sizes ---------------------------------------------------------


@pytest.mark.parametrize("bidirectional", [False, True], ids=["uni", "bi"])
@pytest.mark.parametrize(
    "head_hidden_sizes, cell", [((6,), "gru"), ((6, 5), "lstm"), ([7, 3, 2], "peephole")]
)
def test_head_hidden_sizes_builds_relu_dense_layers(head_hidden_sizes, cell, bidirectional):
    X = _fixed()
    clf = LSTMClassifier(cell=cell, bidirectional=bidirectional,
                         head_hidden_sizes=head_hidden_sizes, **TINY)
    clf.fit(X, _three_labels(X))
    dense = clf.module_.dense
    linears = [m for m in dense if isinstance(m, nn.Linear)]
    assert [lin.out_features for lin in linears] == list(head_hidden_sizes)
    features = 4 * (2 if bidirectional else 1)
    assert [lin.in_features for lin in linears] == [features, *head_hidden_sizes[:-1]]
    modules = list(dense)
    for lin in linears:  # every dense layer is followed by a ReLU
        assert isinstance(modules[modules.index(lin) + 1], nn.ReLU)
    assert sum(isinstance(m, nn.ReLU) for m in modules) == len(head_hidden_sizes)
    assert clf.module_.head.in_features == head_hidden_sizes[-1]
    assert clf.module_.head.out_features == 3
    assert clf.predict_proba(X).shape == (len(X), 3)


def test_no_head_hidden_sizes_means_no_dense_layers():
    X = _fixed()
    clf = LSTMClassifier(**TINY).fit(X, _three_labels(X))
    assert len(clf.module_.dense) == 0
    assert clf.module_.head.in_features == 4


def test_head_hidden_sizes_learns():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 5, 1)).astype(np.float32)
    y = (X.sum(axis=(1, 2)) > 0).astype(int)
    clf = LSTMClassifier(hidden_size=8, head_hidden_sizes=(8, 6), max_iter=40,
                         learning_rate_init=0.02, random_state=0).fit(X, y)
    assert clf.loss_curve_[-1] < 0.6 * clf.loss_curve_[0]
    assert clf.score(X, y) > 0.85
    initial = LSTMClassifier(hidden_size=8, head_hidden_sizes=(8, 6), max_iter=1,
                             learning_rate_init=1e-9, random_state=0).fit(X, y)
    for trained, start in zip(clf.module_.dense, initial.module_.dense):
        if isinstance(trained, nn.Linear):  # the dense layers themselves are trained
            assert not np.allclose(trained.weight.detach().numpy(), start.weight.detach().numpy())


# not array-like: sklearn's InvalidParameterError (a ValueError)
_NOT_ARRAY_LIKE = r"The 'head_hidden_sizes' parameter of LSTMClassifier must be an array-like"
# array-like with bad entries (or nested): sklstm/_base.py's own check
_BAD_ENTRIES = r"head_hidden_sizes must be a tuple of positive integers \(one per dense layer"


@pytest.mark.parametrize(
    "head_hidden_sizes, match",
    [(bad, _NOT_ARRAY_LIKE) for bad in [0, -1, 1.5, "a"]]
    + [(bad, _BAD_ENTRIES) for bad in [
        (0,), (-1,), (1.5,), ("a",), (4, 0), (4, -2), [3, 2.5], ((2, 3),), [[4]], (True,),
    ]],
)
def test_invalid_head_hidden_sizes_raise_at_fit(head_hidden_sizes, match):
    X = _fixed()
    clf = LSTMClassifier(head_hidden_sizes=head_hidden_sizes, **TINY)  # no check here
    with pytest.raises(ValueError, match=match):
        clf.fit(X, _three_labels(X))


# -- proj_size -------------------------------------------------------------------

# PyTorch's notice that its oneDNN kernels do not cover projections (it falls back)
NO_ONEDNN = pytest.mark.filterwarnings("ignore:LSTM with projections is not supported")


@NO_ONEDNN
@pytest.mark.parametrize("pooling", ["last", "mean", "attention"])
@pytest.mark.parametrize("bidirectional", [False, True], ids=["uni", "bi"])
def test_proj_size_sets_the_readout_width(bidirectional, pooling):
    X = _ragged()
    clf = LSTMClassifier(proj_size=2, bidirectional=bidirectional, pooling=pooling, **TINY)
    clf.fit(X, _three_labels(X))
    assert clf.module_.recurrent.proj_size == 2
    assert clf.module_.head.in_features == 2 * (2 if bidirectional else 1)
    proba = clf.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)
    alone = np.concatenate([clf.predict_proba([seq]) for seq in X])
    np.testing.assert_allclose(alone, proba, **TOL)


@NO_ONEDNN
def test_proj_size_feeds_the_dense_layers():
    X = _fixed()
    clf = LSTMClassifier(proj_size=3, bidirectional=True, head_hidden_sizes=(5,), **TINY)
    clf.fit(X, _three_labels(X))
    assert clf.module_.dense[0].in_features == 6
    assert clf.module_.head.in_features == 5


@pytest.mark.parametrize("cell", ["peephole", "gru", "rnn"])
def test_proj_size_needs_the_lstm_cell(cell):
    X = _fixed()
    with pytest.raises(ValueError, match="proj_size"):
        LSTMClassifier(cell=cell, proj_size=2, **TINY).fit(X, _three_labels(X))


@pytest.mark.parametrize("proj_size", [4, 5])
def test_proj_size_must_be_below_hidden_size(proj_size):
    X = _fixed()
    with pytest.raises(ValueError, match="proj_size"):
        LSTMClassifier(proj_size=proj_size, **TINY).fit(X, _three_labels(X))


@pytest.mark.parametrize("proj_size", [-1, 1.5, "2"])
def test_invalid_proj_size_type_raises(proj_size):
    X = _fixed()
    with pytest.raises(ValueError, match="The 'proj_size' parameter"):
        LSTMClassifier(proj_size=proj_size, **TINY).fit(X, _three_labels(X))


# -- scikit-learn's estimator checks for non-default cells -------------------------

# The same settings and expected failure as tests/test_estimator_checks.py, whose
# module docstring explains it.
CHECKED = [
    LSTMClassifier(cell="gru", pooling="mean", **CHECK_PARAMS),
    LSTMRegressor(cell="peephole", **CHECK_PARAMS),
]


def _expected_failed_checks(estimator):
    return lstm_expected_failed_checks(estimator)


# Regressors' check_methods_subset_invariance is a non-strict expected failure
# (float32 rounding, gemv vs gemm): see FLOAT32_SUBSET in tests/_helpers.py.
@parametrize_with_checks(CHECKED, expected_failed_checks=_expected_failed_checks)
def test_sklearn_compatible_with_other_cells(estimator, check):
    check(estimator)
