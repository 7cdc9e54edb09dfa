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
import torch
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
    ("NaN inside X", _clf, lambda: (_with(X3, (0, 2, 0), np.nan), Y), ValueError, "NaN inside sequence 0 at time step 2.*impute"),
    ("NaN in 2D X", _clf, lambda: (_with(X2, (3, 0), np.nan), Y), ValueError, r"Input X contains NaN \(sequence 3, time step 0\).*only allowed as padding of 3D input.*np\.asarray\(X\)\[:, :, None\] with NaN padding, or a list of sequences.*impute"),
    ("inf in X", _clf, lambda: (_with(X3, (1, 1, 1), np.inf), Y), ValueError, "Input X contains infinity.*Scale or clip"),
    ("overflow-sized ints", _reg, lambda: (np.full((20, 5), 10**300, dtype=object), Y), ValueError, "Input X contains infinity or a value too large"),
    ("empty X", _clf, lambda: (np.empty((0, 5, 2)), np.empty(0)), ValueError, r"Found array with 0 sample\(s\)"),
    ("1-D X", _clf, lambda: (np.arange(20.0), Y), ValueError, r"1D array of shape \(20,\)\. Reshape your data: pass a 2D array \(n_samples, n_timesteps\) of univariate sequences, a 3D array .*a list of sequences; for one univariate sequence, pass X\[None, :\]"),
    ("generator X", _reg, lambda: ((row for row in X2), Y), TypeError, r"X is a generator .*pass the sequences as a list or an array, for example list\(X\)"),
    ("DataFrame X without columns", _reg, lambda: (pd.DataFrame(index=range(20)), Y), ValueError, r"X is a DataFrame with no columns \(shape \(20, 0\)\).*Select the columns"),
    ("4-D X", _clf, lambda: (np.zeros((20, 5, 2, 2)), Y), ValueError, "4 dimensions"),
    ("string X", _clf, lambda: (np.full((20, 5), "a"), Y), ValueError, "could not convert string to float"),
    ("complex X", _clf, lambda: (X2 + 1j, Y), ValueError, "Complex data not supported"),
    ("X/y lengths differ", _clf, lambda: (X3, Y[:-1]), ValueError, "inconsistent numbers of samples"),
    ("NaN in y", _reg, lambda: (X3, _with(Y, 0, np.nan)), ValueError, "Input y contains NaN"),
    ("None in a regressor's y", _reg, lambda: (X3, [1.0, None] + [2.0] * 18), ValueError, r"y holds missing or non-numeric values \(None at index 1\).*drop the samples"),
    ("None in a regressor's object y", _reg, lambda: (X3, np.array([1.0] * 19 + [None], dtype=object)), ValueError, r"y holds missing or non-numeric values \(None at index 19\)"),
    ("one class", _clf, lambda: (X3, np.full(20, "up")), ValueError, "at least 2 classes in the data, but the data contains only one class: .*'up'"),
    ("continuous y for a classifier", _clf, lambda: (X3, np.random.RandomState(1).normal(size=20)), ValueError, "Unknown label type"),
    ("string y for a regressor", _reg, lambda: (X3, np.array(["a", "b"] * 10)), ValueError, "dtype='numeric' is not compatible"),
    ("y is None", _clf, lambda: (X3, None), ValueError, "requires y"),
    ("ragged, inconsistent features", _clf, lambda: ([np.ones((3, 2)), np.ones((4, 3))], [0, 1]), ValueError, "Sequence 1 of X has 3 features"),
    ("ragged, empty sequence", _clf, lambda: ([np.ones((3, 2)), np.ones((0, 2))], [0, 1]), ValueError, "Sequence 1 of X is empty.*drop empty ones"),
    ("all sequences all-NaN", _clf, lambda: (np.full_like(X3, np.nan), Y), ValueError, "X is empty: every sequence is NaN padding only"),
    ("negative sample_weight", _clf, lambda: (X3, Y, -np.ones(20)), ValueError, "Negative values"),
    ("all-zero sample_weight", _clf, lambda: (X3, Y, np.zeros(20)), ValueError, "at least one non-zero"),
    ("sample_weight of the wrong length", _clf, lambda: (X3, Y, np.ones(19)), ValueError, r"sample_weight.shape == \(19,\), expected \(20,\)"),
    ("strings for an estimator with embedding_dim", lambda: LSTMClassifier(embedding_dim=2, hidden_size=2, max_iter=1), lambda: (["ab", "cd"], [0, 1]), TypeError, "expects token ids.*not strings"),
]


@pytest.mark.parametrize(
    "make, data, error, match",
    [case[1:] for case in FIT_ERRORS],
    ids=[case[0] for case in FIT_ERRORS],
)
def test_bad_input_at_fit(make, data, error, match):
    with pytest.raises(error, match=match):
        make().fit(*data())


MISLEADING = ["HistGradientBoosting", "too large for float32", "at least one array or dtype", "reshape(-1, 1)"]


@pytest.mark.parametrize("case", [case for case in FIT_ERRORS if case[0] in (
    "NaN in 2D X", "1-D X", "DataFrame X without columns", "None in a regressor's y",
)], ids=lambda case: case[0])
def test_no_misleading_advice_at_fit(case):
    _, make, data, error, _ = case
    with pytest.raises(error) as info:
        make().fit(*data())
    assert not any(advice in str(info.value) for advice in MISLEADING), str(info.value)


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
    # token ids beyond the fitted vocabulary
    emb = LSTMClassifier(embedding_dim=2, hidden_size=2, max_iter=1, random_state=0)
    emb.fit([np.array([1, 2]), np.array([3])], [0, 1])
    with pytest.raises(ValueError, match="token id 9, but LSTMClassifier was fitted on ids below 4"):
        emb.predict([np.array([9])])


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


def _live_torch_objects():
    """Tensors (parameters included) and modules that are still reachable."""
    gc.collect()
    # issubclass(type(o)), not isinstance: that would read o.__class__, which
    # warns for deprecated module-level proxies (torch.distributed.reduce_op)
    kinds = (torch.Tensor, torch.nn.Module)
    return sum(issubclass(type(o), kinds) for o in gc.get_objects())


@pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="reads /proc/self/statm (Linux)")
def test_memory_does_not_grow_over_100_fit_predict_cycles():
    """Nothing survives a fit/predict cycle, and RSS levels off.

    Keeping every fitted network alive costs only ~35 KiB of RSS per cycle
    here (hidden_size=2), well inside allocator noise, so the exact check is
    on live tensors/modules: a cycle whose estimator is dropped leaves none
    behind. RSS guards against native leaks: after a warm-up and a first
    window of 50 cycles (allocator pools, lazy imports, arenas settling),
    a second window of 50 cycles may not grow it by more than 8 MiB
    (~160 KiB per cycle; it grows by well under 1 MiB).
    """
    X, y = np.random.RandomState(4).normal(size=(64, 10, 3)), np.arange(64) % 2

    def cycles(n):
        for _ in range(n):
            _clf().fit(X, y).predict_proba(X)

    cycles(10)  # warm-up
    live_before = _live_torch_objects()
    cycles(50)  # first window: lets RSS settle
    live_after_first = _live_torch_objects()
    before = _rss_bytes()
    cycles(50)  # second window: measured
    live_after = _live_torch_objects()  # (collects garbage first)
    growth = _rss_bytes() - before
    assert live_after_first == live_before == live_after, (
        f"{live_after - live_before} tensors/modules outlived 100 dropped estimators"
    )
    assert growth < 8 * 2**20, f"RSS grew by {growth / 2**20:.1f} MiB over the last 50 cycles"
