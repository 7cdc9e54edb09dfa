"""Every bad input gets a clear ValueError/TypeError that names the problem.

One table of the bad inputs users meet (the README's "Errors and safety"
section lists the same), plus parameter validation for every public class
and memory stability over many fits (reproducibility and ``deterministic``:
test_base.py).
"""

import gc
import inspect
import os

import numpy as np
import pandas as pd
import pytest
from sklearn.utils._param_validation import InvalidParameterError

from sklstm import (
    LSTMClassifier,
    LSTMRegressor,
    SequenceScaler,
    SlidingWindowTransformer,
    Tokenizer,
)

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")

RNG = np.random.RandomState(0)
X3 = RNG.normal(size=(20, 5, 2))
X2 = RNG.normal(size=(20, 5))
Y = np.arange(20) % 2


def _with(array, index, value):
    array = array.astype(float).copy()
    array[index] = value
    return array


def _clf():
    return LSTMClassifier(hidden_size=2, max_iter=1, random_state=0)


def _reg():
    return LSTMRegressor(hidden_size=2, max_iter=1, random_state=0)


FIT_ERRORS = [
    ("NaN inside X", _clf, lambda: (_with(X3, (0, 2, 0), np.nan), Y), ValueError, "NaN inside sequence 0"),
    ("NaN in 2D X", _clf, lambda: (_with(X2, (3, 0), np.nan), Y), ValueError, "NaN"),
    ("inf in X", _clf, lambda: (_with(X3, (1, 1, 1), np.inf), Y), ValueError, "infinity"),
    ("overflow-sized ints", _reg, lambda: (np.full((20, 5), 10**300, dtype=object), Y), ValueError, "infinity"),
    ("empty X", _clf, lambda: (np.empty((0, 5, 2)), np.empty(0)), ValueError, "0 sample"),
    ("1-D X", _clf, lambda: (np.arange(20.0), Y), ValueError, "Expected 2D array"),
    ("4-D X", _clf, lambda: (np.zeros((20, 5, 2, 2)), Y), ValueError, "4 dimensions"),
    ("string X", _clf, lambda: (np.full((20, 5), "a"), Y), ValueError, "could not convert|string"),
    ("complex X", _clf, lambda: (X2 + 1j, Y), ValueError, "[Cc]omplex"),
    ("X/y lengths differ", _clf, lambda: (X3, Y[:-1]), ValueError, "inconsistent numbers of samples"),
    ("NaN in y", _reg, lambda: (X3, _with(Y, 0, np.nan)), ValueError, "NaN"),
    ("one class", _clf, lambda: (X3, np.zeros(20)), ValueError, "at least 2 classes"),
    ("continuous y for a classifier", _clf, lambda: (X3, np.random.RandomState(1).normal(size=20)), ValueError, "Unknown label type"),
    ("string y for a regressor", _reg, lambda: (X3, np.array(["a", "b"] * 10)), ValueError, "numeric"),
    ("y is None", _clf, lambda: (X3, None), ValueError, "requires y"),
    ("ragged, inconsistent features", _clf, lambda: ([np.ones((3, 2)), np.ones((4, 3))], [0, 1]), ValueError, "Sequence 1 of X has 3 features"),
    ("ragged, empty sequence", _clf, lambda: ([np.ones((3, 2)), np.ones((0, 2))], [0, 1]), ValueError, "Sequence 1 of X is empty"),
    ("all-NaN sequence", _clf, lambda: (_with(X3, (4,), np.nan), Y), ValueError, "Sequence 4 of X is empty"),
    ("negative sample_weight", _clf, lambda: (X3, Y, -np.ones(20)), ValueError, "Negative values"),
    ("all-zero sample_weight", _clf, lambda: (X3, Y, np.zeros(20)), ValueError, "non-zero"),
]


@pytest.mark.parametrize(
    "make, data, error, match",
    [case[1:] for case in FIT_ERRORS],
    ids=[case[0] for case in FIT_ERRORS],
)
def test_bad_input_at_fit(make, data, error, match):
    with pytest.raises(error, match=match):
        make().fit(*data())


def test_bad_input_at_predict():
    clf = _clf().fit(X3, Y)
    with pytest.raises(ValueError, match="3 features per time step.*expecting 2"):
        clf.predict(np.random.RandomState(2).normal(size=(4, 5, 3)))
    # sequences longer (or shorter) than anything seen at fit are allowed
    assert clf.predict(np.random.RandomState(3).normal(size=(4, 50, 2))).shape == (4,)
    df = pd.DataFrame(X2, columns=[f"t{i}" for i in range(5)])
    reg = _reg().fit(df, Y.astype(float))
    with pytest.raises(ValueError, match="feature names should match"):
        reg.predict(df.rename(columns={"t0": "renamed"}))
    # a plain array after a DataFrame fit warns first, then the width is refused
    with pytest.warns(UserWarning, match="does not have valid feature names"):
        with pytest.raises(ValueError, match="X has 4 features"):
            reg.predict(X2[:, :4])
    with pytest.warns(UserWarning, match="does not have valid feature names"):
        reg.predict(X2)


def test_partial_fit_with_unseen_classes():
    clf = _clf().partial_fit(X3, Y, classes=[0, 1])
    with pytest.raises(ValueError, match=r"labels \[2\] that are not in classes_"):
        clf.partial_fit(X3, np.full(20, 2))


PUBLIC = [LSTMClassifier, LSTMRegressor, SlidingWindowTransformer, SequenceScaler, Tokenizer]


@pytest.mark.parametrize("cls", PUBLIC, ids=lambda c: c.__name__)
def test_every_parameter_has_a_declared_constraint(cls):
    params = set(inspect.signature(cls.__init__).parameters) - {"self"}
    assert params == set(cls._parameter_constraints)


BAD_PARAMS = [
    (LSTMClassifier, {"num_layers": 0}), (LSTMClassifier, {"solver": "lbfgs"}),
    (LSTMClassifier, {"learning_rate": "adaptive"}), (LSTMClassifier, {"clip_grad_norm": -1.0}),
    (LSTMRegressor, {"validation_split": "first"}), (LSTMRegressor, {"embedding_dim": 0}),
    (LSTMRegressor, {"momentum": 2.0}), (LSTMRegressor, {"deterministic": "yes"}),
    (SlidingWindowTransformer, {"window_size": 0}), (SequenceScaler, {"with_mean": "no"}),
    (Tokenizer, {"level": "sentence"}), (Tokenizer, {"min_frequency": 0}),
    (LSTMClassifier, {"hidden_size": 0}), (LSTMClassifier, {"dropout": 1.0}),
    (LSTMClassifier, {"learning_rate_init": 0}), (LSTMClassifier, {"batch_size": 1.5}),
    (LSTMClassifier, {"validation_fraction": 1.0}), (LSTMClassifier, {"device": 3}),
    (LSTMClassifier, {"class_weight": "auto"}),
]


@pytest.mark.parametrize("cls, params", BAD_PARAMS, ids=[f"{c.__name__}-{list(p)[0]}" for c, p in BAD_PARAMS])
def test_invalid_parameter_names_allowed_values(cls, params):
    data = {Tokenizer: ["ab"], SequenceScaler: X3, SlidingWindowTransformer: X2}.get(cls, X3)
    with pytest.raises(InvalidParameterError, match=f"The '{list(params)[0]}' parameter"):
        cls(**params).fit(data) if cls in (Tokenizer, SequenceScaler, SlidingWindowTransformer) else cls(**params).fit(data, Y)


def _rss_bytes():
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


@pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="reads /proc/self/statm (Linux)")
def test_memory_does_not_grow_over_100_fit_predict_cycles():
    X, y = np.random.RandomState(4).normal(size=(64, 10, 3)), np.arange(64) % 2
    for _ in range(10):  # warm-up: allocator pools, lazy imports
        _clf().fit(X, y).predict_proba(X)
    gc.collect()
    before = _rss_bytes()
    for _ in range(100):
        _clf().fit(X, y).predict_proba(X)
    gc.collect()
    growth = _rss_bytes() - before
    assert growth < 20 * 2**20, f"RSS grew by {growth / 2**20:.1f} MiB over 100 cycles"
