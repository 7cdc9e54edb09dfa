"""Property-based tests (hypothesis) of every public estimator and transformer.

Random shapes (including 0 and 1 samples, time steps and features), dtypes
(float64, float32, int64, int8, uint8, bool, object arrays of Python numbers,
strings, complex), layouts (2D arrays and DataFrames, 3D arrays with NaN
padding, ragged lists, token ids, garbage such as ``None``) and values (finite,
tiny, huge like 1e30/1e300, NaN, inf, in random positions) are fed to
``fit`` / ``predict`` / ``predict_proba`` / ``transform`` / ``fit_transform``
/ ``inverse_transform``, with fit and predict inputs that disagree (other
feature counts, other lengths, other layouts), together with random targets
(labels of every kind, multilabel/multi-output, wrong lengths, NaN) and
sample weights (negative, zero, tiny, huge, NaN) and random tiny models
(layers, directions, dropout, solvers, schedules, early stopping, batch sizes).

The property, everywhere:

- the only acceptable failures are ``ValueError`` or ``TypeError`` (sklearn's
  ``InvalidParameterError`` is a ValueError) with a non-empty message; any
  other exception fails the test (calls are not timed: ``deadline=None``);
- whatever a call accepts has the documented shape: ``(n,)`` or
  ``(n, n_outputs)`` for predict, ``(n, n_classes)`` for predict_proba,
  ``(n_rows, window_size, n_features)`` windows, the input's shape for
  SequenceScaler, one non-empty id array per document for Tokenizer;
- when every input is finite and of sane magnitude (|x| < 1e6, real dtype),
  outputs hold no NaN/inf (outside the NaN padding a transformer keeps),
  predict_proba rows lie in [0, 1] and sum to 1, and predict agrees with
  the most probable class;
- inputs that must work do (a sane fit; predict on the training input;
  other sequence lengths), and inputs that must fail do (another number of
  features per step, another 2D width) with a ValueError.

Example counts: each of the 10 property tests below runs with
``max_examples=25`` (250 generated examples in all, plus hypothesis' shrinking
when something fails); about half of the estimator examples are "plausible"
(sane, matching lengths, class labels of at least two classes) and must fit,
so that the output checks bite. The models are tiny (hidden_size 2..4,
max_iter 1..2, batch_size 1..4, random_state=0), so an example takes
milliseconds and the whole file runs in about 5 s (10 s with interpreter
start-up) on 2 cores.

The bugs hypothesis found (huge token ids, Python ints beyond float range,
a malformed token_pattern, infinite ids in Tokenizer.inverse_transform,
denormal sample weights) are fixed and pinned by explicit regression tests
at the end of this file (14 cases).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from sklearn.pipeline import make_pipeline

from sklstm import (
    LSTMClassifier,
    LSTMRegressor,
    SequenceScaler,
    SlidingWindowTransformer,
    Tokenizer,
)
from tests._helpers import outputs

pytestmark = [
    pytest.mark.filterwarnings("ignore::RuntimeWarning"),  # overflow/invalid casts
    pytest.mark.filterwarnings("ignore::numpy.exceptions.ComplexWarning"),
    pytest.mark.filterwarnings("ignore::sklearn.exceptions.DataConversionWarning"),
    pytest.mark.filterwarnings("ignore::UserWarning"),
]

SETTINGS = settings(
    max_examples=25, deadline=None, derandomize=True,  # the same examples in every CI run
    suppress_health_check=[HealthCheck.too_slow],
)

SANE = 1e6  # |x| below this (and finite) counts as sane input
# Larger token ids make the embedding table itself huge (see the regression
# test test_huge_token_id_is_a_clear_error): the property stays below this.
_MAX_TOKEN_ID = 50
# Object arrays with Python ints beyond float64's range raise OverflowError
# (see test_object_int_beyond_float_range_*): stay inside it.
_OBJECT_INT_BOUND = 2**1000

TINY = dict(hidden_size=2, max_iter=1, batch_size=2, random_state=0)


# --------------------------------------------------------------------------
# The property
# --------------------------------------------------------------------------
class Refused:
    """What a call returns when it (acceptably) raised ValueError/TypeError."""

    def __init__(self, exc):
        self.exc = exc

    def __repr__(self):
        return f"Refused({type(self.exc).__name__}: {self.exc})"


def call(fn, *args, **kwargs):
    """``fn(*args)``, or ``Refused`` for a ValueError/TypeError with a message.

    Any other exception propagates and fails the test.
    """
    name = getattr(fn, "__name__", "call")
    try:
        result = fn(*args, **kwargs)
    except (ValueError, TypeError) as exc:
        assert str(exc).strip(), f"{type(exc).__name__} with an empty message"
        event(f"{name}: {type(exc).__name__}")
        return Refused(exc)
    event(f"{name}: ok")
    return result


def ok(result) -> bool:
    return not isinstance(result, Refused)


def assert_finite(values, what):
    values = np.asarray(values, dtype=np.float64)
    assert np.isfinite(values).all(), f"{what} holds NaN/inf for sane input: {values}"


# --------------------------------------------------------------------------
# Strategies
# --------------------------------------------------------------------------
DTYPES = ["float64", "float32", "int64", "int8", "uint8", "bool", "object", "str", "complex"]
NUMERIC_REAL = {"float64", "float32", "int64", "int8", "uint8", "bool", "object"}
NAN_CAPABLE = {"float64", "float32", "object"}



def _f32(x):
    return float(np.float32(x))


HUGE64 = [1e7, -1e7, 1e30, -1e30, 3.4e38, -3.4e38, 1e300, -1e300, 1.7e308]
HUGE32 = [_f32(v) for v in (1e7, -1e7, 1e30, -1e30, 3.4e38, -3.4e38)]
TINY64 = [1e-300, -1e-300, 5e-324, 2.2e-308, 1e-30]
TINY32 = [_f32(v) for v in (1e-30, 1e-38, -1e-40, 1e-45)]
NONFINITE = [math.nan, math.inf, -math.inf]


def elements(dtype: str, wild: bool):
    """Values of one dtype: sane ones, plus (``wild``) huge and non-finite ones."""
    if dtype == "float64":
        sane = st.floats(-1e3, 1e3) | st.sampled_from(TINY64)
        extra = st.sampled_from(HUGE64 + NONFINITE)
    elif dtype == "float32":
        sane = st.floats(-1e3, 1e3, width=32) | st.sampled_from(TINY32)
        extra = st.sampled_from(HUGE32 + NONFINITE)
    elif dtype == "int64":
        sane = st.integers(-1000, 1000)
        extra = st.integers(-(2**63), 2**63 - 1) | st.sampled_from([-(2**63), 2**63 - 1])
    elif dtype == "int8":
        return st.integers(-128, 127)
    elif dtype == "uint8":
        return st.integers(0, 255)
    elif dtype == "bool":
        return st.booleans()
    elif dtype == "object":  # Python numbers in an object array
        sane = st.integers(-1000, 1000) | st.floats(-1e3, 1e3) | st.booleans()
        extra = st.sampled_from(HUGE64 + NONFINITE) | st.integers(
            -_OBJECT_INT_BOUND, _OBJECT_INT_BOUND
        )
    elif dtype == "str":  # numeric-looking and not
        return st.text(alphabet="0123456789.-+eE nainf", max_size=4)
    elif dtype == "complex":
        sane = st.complex_numbers(max_magnitude=1e3, allow_nan=False, allow_infinity=False)
        extra = st.sampled_from([complex(math.nan, 0), complex(math.inf, 1), complex(1e300, 0)])
    else:  # pragma: no cover
        raise AssertionError(dtype)
    return sane | extra if wild else sane


def np_dtype(dtype: str):
    return {"str": np.dtype("U4"), "complex": np.dtype(np.complex128)}.get(
        dtype, np.dtype(dtype)
    )


def number_arrays(dtype: str, shape, wild: bool):
    return arrays(np_dtype(dtype), shape, elements=elements(dtype, wild))


def is_sane(values) -> bool:
    """Finite real numbers of magnitude below SANE (strings/complex never are)."""
    values = np.asarray(values)
    if values.dtype.kind not in "fiubO":
        return False
    try:
        as_float = values.astype(np.float64)
    except (TypeError, ValueError, OverflowError):
        return False
    return bool(np.isfinite(as_float).all() and (np.abs(as_float) < SANE).all())


@dataclass
class Inputs:
    """Generated estimator input and what is known about it."""

    X: object
    layout: str  # "2d", "frame", "3d", "ragged", "tokens", "garbage"
    n: int  # number of sequences (len(X))
    n_features: int | None  # features per time step
    n_timesteps: int | None  # time steps of 2D/3D arrays
    sane: bool
    # A list whose items all have one shape is a regular array (documented in
    # sklstm._data._ragged.as_ragged): "2d" for (T,) items, "3d" for (T, F).
    effective: str | None = None

    def __post_init__(self):
        if self.effective is None:
            self.effective = "2d" if self.layout == "frame" else self.layout

    def __repr__(self):
        return (
            f"Inputs({self.layout}, n={self.n}, F={self.n_features}, "
            f"T={self.n_timesteps}, sane={self.sane}, X={self.X!r})"
        )


WILD = st.sampled_from([False, False, True])  # huge/non-finite values: 1 in 3

GARBAGE = [None, 3.0, "abc", [], [[]], [[], []], {}, [1.0, [1.0, 2.0]], np.float64(1.0)]


@st.composite
def sequence_inputs(
    draw, n=None, layouts=("2d", "frame", "3d", "ragged", "garbage"), dtypes=DTYPES,
    n_features=None, wild=None, min_size=0,
):
    """Sequences for LSTMClassifier/LSTMRegressor in any layout, dtype and value.

    ``min_size=1``: at least one sequence, time step (real, after padding)
    and feature.
    """
    layout = draw(st.sampled_from(layouts))
    if layout == "garbage":
        X = draw(st.sampled_from(GARBAGE))
        return Inputs(X, layout, -1, None, None, False)
    dtype = draw(st.sampled_from(dtypes))
    wild = draw(WILD) if wild is None else wild
    n = draw(st.integers(min_size, 5)) if n is None else n
    if layout in ("2d", "frame"):
        T = draw(st.integers(min_size, 4))
        X = draw(number_arrays(dtype, (n, T), wild))
        sane = is_sane(X)
        if layout == "frame":
            X = pd.DataFrame(X)
        return Inputs(X, layout, n, 1, T, sane)
    F = draw(st.integers(min_size, 3)) if n_features is None else n_features
    if layout == "3d":
        T = draw(st.integers(min_size, 4))
        X = draw(number_arrays(dtype, (n, T, F), wild))
        real = np.ones((n, T), dtype=bool)
        if dtype in NAN_CAPABLE and T and draw(st.booleans()):
            for i in range(n):  # leading / trailing all-NaN steps: padding
                lead = draw(st.integers(0, T - min_size))
                trail = draw(st.integers(0, T - lead - min_size))
                X[i, :lead] = np.nan
                X[i, T - trail :] = np.nan
                real[i, :lead] = False
                real[i, T - trail :] = False
        sane = is_sane(X[real]) and bool(real.any(axis=1).all())
        return Inputs(X, layout, n, F, T, sane)
    # ragged: a list of (T_i,) or (T_i, F) arrays
    univariate = draw(st.booleans())
    items = []
    for _ in range(n):
        T_i = draw(st.integers(min_size, 4))
        shape = (T_i,) if univariate else (T_i, F)
        items.append(draw(number_arrays(dtype, shape, wild)))
    sane = all(is_sane(item) and len(item) > 0 for item in items)
    return ragged_inputs(items, univariate, F, sane)


def ragged_inputs(items, univariate, F, sane):
    shapes = {item.shape for item in items}
    if len(shapes) == 1:  # one shape: a regular 2D or 3D array
        T = len(items[0])
        return Inputs(items, "ragged", len(items), 1 if univariate else F, T, sane,
                      effective="2d" if univariate else "3d")
    return Inputs(items, "ragged", len(items), 1 if univariate else F, None, sane)


@st.composite
def class_labels(draw, n, plausible=False):
    """Labels of various types; occasionally wrong length, NaN or multilabel.

    Plausible labels are what a classifier must accept: ``n`` of them, of two
    classes or more (for ``n >= 2``), floats only with integral values.
    """
    kinds = ["int", "str", "bool", "float", "signed", "multilabel"]
    kind = draw(st.sampled_from(kinds if plausible else kinds + ["nan", "weird"]))
    length = n if plausible else draw(LENGTH(n))
    if kind == "weird":  # object mixes, None, bytes, complex
        pool = draw(st.sampled_from(
            [[0, "a"], [None, "a"], [b"a", b"b"], [1j, 0j], [1.0, math.inf]]
        ))
        values = draw(st.lists(st.sampled_from(pool), min_size=length, max_size=length))
        array = np.empty(length, dtype=object)
        array[:] = values
        return array if draw(st.booleans()) else np.array(values)
    if kind == "multilabel":
        k = draw(st.integers(1, 3))
        Y = draw(arrays(np.int64, (length, k), elements=st.integers(0, 1)))
        if plausible and k == 1 and length >= 2 and len(np.unique(Y)) == 1:
            Y[draw(st.integers(0, length - 1)), 0] ^= 1  # one column is 1D y: two classes
        return Y
    pool = {
        "int": [0, 1, 2],
        "str": ["a", "b", "c"],
        "bool": [False, True],
        "float": [0.0, 1.0, 2.0] if plausible else [0.5, 1.5],  # 0.5/1.5: continuous
        "signed": [-1, 1],
        "nan": [0.0, 1.0, math.nan],
    }[kind]
    values = draw(st.lists(st.sampled_from(pool), min_size=length, max_size=length))
    if plausible and length >= 2 and len(set(values)) == 1:  # one class: make two
        values[draw(st.integers(0, length - 1))] = next(v for v in pool if v != values[0])
    return np.array(values)


@st.composite
def regression_targets(draw, n, plausible=False):
    """Targets (n,) or (n, k) of any dtype; occasionally wrong length."""
    length = n if plausible else draw(LENGTH(n))
    shape = draw(st.sampled_from([(length,), (length,), (length, 1), (length, 2)]))
    dtypes = ["float64", "float64", "float32", "int64", "bool", "object"]
    dtype = draw(st.sampled_from(dtypes if plausible else dtypes + ["str", "complex"]))
    return draw(number_arrays(dtype, shape, False if plausible else draw(WILD)))


def LENGTH(n):
    """Usually n; sometimes one more or one less (a length mismatch)."""
    return st.sampled_from([n] * 6 + [n + 1, max(n - 1, 0)])


@st.composite
def sample_weights(draw, n, plausible=False):
    """None, or weights (sane, or with negative/huge/non-finite values)."""
    if draw(st.booleans()):
        return None
    if plausible:
        return draw(arrays(np.float64, (n,), elements=st.floats(0.1, 1e3)))
    sane = st.floats(0, 1e3) | st.sampled_from([0.0, 1e-300, 5e-324])
    wild = st.sampled_from([-1.0, 1e300, math.nan, math.inf])
    elements = sane | wild if draw(WILD) else sane
    return draw(arrays(np.float64, (draw(LENGTH(n)),), elements=elements))


model_params = st.fixed_dictionaries(
    {
        "hidden_size": st.integers(2, 4),
        "max_iter": st.integers(1, 2),
        "batch_size": st.integers(1, 4),
        "random_state": st.just(0),
    },
    optional={
        "num_layers": st.integers(1, 2),
        "bidirectional": st.booleans(),
        "dropout": st.sampled_from([0.0, 0.5]),
        "solver": st.sampled_from(["adam", "adamw", "sgd", "rmsprop"]),
        "learning_rate": st.sampled_from(["constant", "plateau", "cosine"]),
        "clip_grad_norm": st.sampled_from([None, 1.0]),
        "shuffle": st.booleans(),
        "early_stopping": st.booleans(),
        "validation_split": st.sampled_from(["random", "last"]),
        "predict_batch_size": st.sampled_from([1, 2, 4096]),
        "n_iter_no_change": st.integers(1, 2),
    },
)


def different_inputs(fit: Inputs):
    """Predict-time input: same layout with other F/T, or anything at all."""
    if fit.layout == "garbage":
        return sequence_inputs()
    return st.one_of(sequence_inputs(layouts=(fit.layout,)), sequence_inputs())


# --------------------------------------------------------------------------
# Output checks
# --------------------------------------------------------------------------
def check_classifier_outputs(clf, X: Inputs, y, fit_sane=True):
    """predict / predict_proba on X: refused, or of the right shape (finite for sane input)."""
    multilabel = np.ndim(y) == 2 and np.shape(y)[1] != 1  # a column is 1D y
    pred = call(clf.predict, X.X)
    proba = call(clf.predict_proba, X.X)
    assert ok(pred) == ok(proba), (pred, proba)
    if not ok(pred):
        return
    n = len(pred)
    if X.n >= 0:
        assert n == X.n
    if multilabel:
        assert pred.shape == (n, len(clf.classes_))
        assert set(np.unique(pred)) <= {0, 1}
        assert proba.shape == (n, len(clf.classes_))
    else:
        assert pred.shape == (n,)
        assert np.isin(pred, clf.classes_).all()
        assert proba.shape == (n, len(clf.classes_))
    if X.sane and fit_sane:
        assert_finite(proba, "predict_proba")
        assert ((proba >= 0) & (proba <= 1)).all()
        if not multilabel:
            np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)
            # predict agrees with the most probable class, except at exact
            # ties (a logit of 1e-18 gives probabilities 0.5 / 0.5)
            top2 = np.sort(proba, axis=1)[:, -2:] if proba.shape[1] > 1 else proba
            clear = (top2[:, -1] - top2[:, 0]) > 1e-9
            np.testing.assert_array_equal(
                pred[clear], clf.classes_[proba.argmax(axis=1)][clear]
            )


def check_regressor_outputs(reg, X: Inputs, y, fit_sane=True):
    """predict on X: refused, or of the right shape (finite for sane input)."""
    pred = call(reg.predict, X.X)
    if not ok(pred):
        return
    if X.n >= 0:
        assert len(pred) == X.n
    expected = (len(pred),) if np.ndim(y) == 1 else (len(pred), np.shape(y)[1])
    assert pred.shape == expected
    if X.sane and fit_sane:
        assert_finite(pred, "predict")


# --------------------------------------------------------------------------
# LSTMClassifier / LSTMRegressor
# --------------------------------------------------------------------------
# (estimator, target strategy, output check, whether y itself must be sane)
ESTIMATOR_CASES = {
    "classifier": (LSTMClassifier, class_labels, check_classifier_outputs, False),
    "regressor": (LSTMRegressor, regression_targets, check_regressor_outputs, True),
}


@pytest.mark.parametrize("case", sorted(ESTIMATOR_CASES))
@SETTINGS
@given(data=st.data(), params=model_params)
def test_estimator_any_input(case, data, params):
    """fit/predict(/predict_proba) of each estimator on arbitrary inputs and targets.

    Half of the examples are plausible (sane numbers, matching lengths, two
    classes or more), so that fits succeed often enough for the output checks
    to bite.
    """
    estimator, targets, check_outputs, y_must_be_sane = ESTIMATOR_CASES[case]
    plausible = data.draw(st.sampled_from([True, False]), label="plausible")
    X = data.draw(sane_inputs() if plausible else sequence_inputs(), label="X")
    y = data.draw(targets(max(X.n, 0), plausible), label="y")
    weights = data.draw(sample_weights(max(X.n, 0), plausible), label="sample_weight")
    model = call(estimator(**params).fit, X.X, y, sample_weight=weights)
    if plausible and not params.get("early_stopping"):  # (a tiny split may be refused)
        assert ok(model), model  # sane data, matching targets: the fit must work
    if not ok(model):
        return
    if X.sane:  # predicting its own (sane) training data must work
        pred = call(model.predict, X.X)
        assert ok(pred), pred
    fit_sane = (weights is None or is_sane(weights)) and (not y_must_be_sane or is_sane(y))
    check_outputs(model, X, y, fit_sane)
    X_predict = data.draw(different_inputs(X), label="X_predict")
    check_outputs(model, X_predict, y, fit_sane)


@st.composite
def sane_inputs(draw, min_n=2):
    """Inputs that must be accepted: sane sequences with n, T, F >= 1."""
    layout = draw(st.sampled_from(["2d", "frame", "3d", "ragged", "ragged"]))
    dtype = draw(st.sampled_from(sorted(NUMERIC_REAL)))
    n = draw(st.integers(min_n, 5))
    F = draw(st.integers(1, 3))
    if layout in ("2d", "frame"):
        T = draw(st.integers(1, 4))
        X = draw(number_arrays(dtype, (n, T), False))
        return Inputs(pd.DataFrame(X) if layout == "frame" else X, layout, n, 1, T, True)
    if layout == "3d":
        T = draw(st.integers(1, 4))
        return Inputs(draw(number_arrays(dtype, (n, T, F), False)), layout, n, F, T, True)
    univariate = draw(st.booleans())
    shapes = [draw(st.integers(1, 4)) for _ in range(n)]
    shapes = [(T,) if univariate else (T, F) for T in shapes]
    items = [draw(number_arrays(dtype, shape, False)) for shape in shapes]
    return ragged_inputs(items, univariate, F, True)


def expected_mismatch(fit: Inputs, pred: Inputs) -> bool:
    """Whether predict must refuse ``pred`` after fitting on ``fit`` (both sane)."""
    if pred.effective == "2d":
        if fit.effective == "2d":
            return pred.n_timesteps != fit.n_timesteps  # columns are features
        return fit.n_features != 1  # univariate sequences of any length
    return pred.n_features != fit.n_features


@SETTINGS
@given(
    data=st.data(),
    params=model_params.map(lambda p: {**p, "early_stopping": False}),
    estimator=st.sampled_from(["clf", "reg"]),
)
def test_fit_predict_mismatch(data, params, estimator):
    """Sane fit, then predict with other feature counts / lengths / layouts.

    Other lengths of 3D/ragged input must work; other features per step (or
    other 2D widths after a 2D fit) must be a ValueError.
    """
    X = data.draw(sane_inputs(), label="X")
    if estimator == "clf":
        y = np.arange(X.n) % 2
        model = call(LSTMClassifier(**params).fit, X.X, y)
    else:
        y = np.linspace(-1.0, 1.0, X.n)
        model = call(LSTMRegressor(**params).fit, X.X, y)
    assert ok(model), model  # sane input with two classes must fit
    X2 = data.draw(sane_inputs(min_n=1), label="X_predict")
    pred = call(model.predict, X2.X)
    if expected_mismatch(X, X2):
        assert isinstance(pred, Refused) and isinstance(pred.exc, ValueError), pred
        return
    assert ok(pred), pred
    assert pred.shape == (X2.n,)
    assert_finite(pred, "predict")
    if estimator == "clf":
        check_classifier_outputs(model, X2, y)


@st.composite
def token_inputs(draw, plausible=False):
    """Token ids: lists of 1D arrays or 2D arrays; sometimes not ids at all."""
    n = draw(st.integers(2 if plausible else 0, 5))
    valid = ["ids", "ids", "float-int"]
    invalid = ["negative", "float", "bool", "str", "3d", "garbage"]
    kinds = valid if plausible else valid + invalid
    kind = draw(st.sampled_from(kinds))
    as_list = draw(st.booleans())
    if kind == "garbage":
        return Inputs(draw(st.sampled_from(GARBAGE)), "garbage", -1, None, None, False)
    if kind == "3d":
        X = draw(arrays(np.int64, (n, 2, 2), elements=st.integers(0, 5)))
        return Inputs(X, "3d", n, 2, 2, False)
    id_dtype = draw(st.sampled_from([np.int64, np.int32, np.int8, np.uint8]))
    odd_floats = st.sampled_from([math.nan, math.inf, -math.inf, 1e300])
    dtype, elems = {
        "ids": (id_dtype, st.integers(0, _MAX_TOKEN_ID)),
        "negative": (np.int64, st.integers(-5, 5)),
        "float-int": (np.float64, st.integers(0, _MAX_TOKEN_ID).map(float)),
        "float": (np.float64, st.floats(-100, 100) | odd_floats),
        "bool": (np.bool_, st.booleans()),
        "str": (np.dtype("U3"), st.text(alphabet="ab12", max_size=3)),
    }[kind]
    if as_list:
        min_T = 1 if plausible else 0
        lengths = [draw(st.integers(min_T, 4)) for _ in range(n)]
        X = [draw(arrays(dtype, (T,), elements=elems)) for T in lengths]
        sane = kind in ("ids", "float-int") and all(len(x) for x in X)
    else:
        T = draw(st.integers(1 if plausible else 0, 4))
        X = draw(arrays(dtype, (n, T), elements=elems))
        sane = kind in ("ids", "float-int") and T > 0
    return Inputs(X, "tokens", n, 1, None, sane)


@SETTINGS
@given(data=st.data(), params=model_params, estimator=st.sampled_from(["clf", "reg"]))
def test_token_estimators(data, params, estimator):
    """Estimators with embedding_dim on token ids (valid, out-of-vocabulary, garbage)."""
    plausible = data.draw(st.sampled_from([True, False]), label="plausible")
    X = data.draw(token_inputs(plausible), label="X")
    n = max(X.n, 0)
    params = {**params, "embedding_dim": data.draw(st.integers(1, 3))}
    if estimator == "clf":
        y = data.draw(class_labels(n, plausible), label="y")
        model = call(LSTMClassifier(**params).fit, X.X, y)
    else:
        y = data.draw(regression_targets(n, plausible), label="y")
        model = call(LSTMRegressor(**params).fit, X.X, y)
    if plausible and X.sane and not params.get("early_stopping"):
        assert ok(model), model  # valid ids, matching targets: the fit must work
    if not ok(model):
        return
    assert 1 <= model.n_tokens_ <= _MAX_TOKEN_ID + 1
    if X.sane:  # predicting its own training ids must work
        pred = call(model.predict, X.X)
        assert ok(pred), pred
    for X_pred in (X, data.draw(token_inputs(), label="X_predict")):
        if estimator == "clf":
            check_classifier_outputs(model, X_pred, y)
        else:
            check_regressor_outputs(model, X_pred, y, fit_sane=is_sane(y))


# --------------------------------------------------------------------------
# SlidingWindowTransformer
# --------------------------------------------------------------------------
@st.composite
def tables(draw):
    """2D time-ordered tables of any dtype/value, sometimes 1D/3D/garbage.

    Half are plausible (numeric, finite, at least one row and column).
    """
    if draw(st.sampled_from([True, False])):  # plausible
        kind = draw(st.sampled_from(["2d", "2d", "frame"]))
        dtype = draw(st.sampled_from(sorted(NUMERIC_REAL)))
        wild, n_rows, F = False, draw(st.integers(1, 6)), draw(st.integers(1, 3))
    else:
        kind = draw(st.sampled_from(["2d", "2d", "2d", "frame", "1d", "3d", "garbage"]))
        if kind == "garbage":
            return Inputs(draw(st.sampled_from(GARBAGE)), kind, -1, None, None, False)
        dtype = draw(st.sampled_from(DTYPES))
        wild = draw(WILD)
        n_rows = draw(st.integers(0, 6))
        F = draw(st.integers(0, 3))
    shape = {"2d": (n_rows, F), "frame": (n_rows, F), "1d": (n_rows,), "3d": (n_rows, F, 2)}[kind]
    X = draw(number_arrays(dtype, shape, wild))
    sane = is_sane(X) and kind in ("2d", "frame")
    return Inputs(pd.DataFrame(X) if kind == "frame" else X, kind, n_rows, F, None, sane)


window_params = st.fixed_dictionaries(
    {
        "window_size": st.integers(1, 8),
        "step": st.integers(1, 3),
        "include_current": st.booleans(),
        "padding": st.sampled_from(["mask", "zero"]),
    }
)


def check_windows(windows, table: Inputs, params):
    n_rows = table.n
    assert windows.shape == (n_rows, params["window_size"], table.n_features)
    if not table.sane:
        return
    # Padding (history before the first row) sits at the start of each window.
    span = (params["window_size"] - 1) * params["step"] + 1
    lead = span - 1 if params["include_current"] else span
    # output row k holds rows k + step * j - lead of X, j = 0 .. window_size - 1
    steps = params["step"] * np.arange(params["window_size"])
    rows = np.arange(n_rows)[:, None] + steps[None, :] - lead
    padded = rows < 0
    values = windows.astype(np.float64)
    assert np.isfinite(values[~padded]).all(), "NaN/inf in a window of sane rows"
    if params["padding"] == "mask":
        assert np.isnan(values[padded]).all()
    else:
        assert (values[padded] == 0).all()
    source = np.asarray(table.X, dtype=np.float64)
    np.testing.assert_array_equal(values[~padded], source[rows[~padded]])


@SETTINGS
@given(data=st.data(), params=window_params)
def test_sliding_window_transformer(data, params):
    """fit / transform / fit_transform of SlidingWindowTransformer."""
    table = data.draw(tables(), label="table")
    swt = SlidingWindowTransformer(**params)
    fitted = call(swt.fit, table.X)
    both = call(SlidingWindowTransformer(**params).fit_transform, table.X)
    if table.sane and table.n >= 1 and table.n_features >= 1:
        # a finite numeric 2D table with a row and a column must be accepted
        assert ok(fitted) and ok(both), (fitted, both)
    if not ok(fitted):
        assert not ok(both)
        return
    windows = call(swt.transform, table.X)
    assert ok(windows) and ok(both), (windows, both)
    np.testing.assert_array_equal(windows, both)
    if np.asarray(table.X).dtype in (np.float32, np.float64):
        assert windows.dtype == np.asarray(table.X).dtype
    check_windows(windows, table, params)
    other = data.draw(tables(), label="table_transform")
    windows = call(swt.transform, other.X)
    if ok(windows):
        assert other.n_features == table.n_features, "other feature count accepted"
        check_windows(windows, other, params)


# --------------------------------------------------------------------------
# SequenceScaler
# --------------------------------------------------------------------------
@st.composite
def padded_3d(draw, n_features=None):
    """3D arrays (leading/trailing NaN padding), sometimes 2D/ragged/garbage.

    Half are plausible: numeric, finite, with at least one real step each.
    """
    kind = draw(st.sampled_from(["plausible", "3d", "other"]))
    if kind == "plausible":
        return draw(sequence_inputs(layouts=("3d",), dtypes=sorted(NUMERIC_REAL),
                                    n_features=n_features, wild=False, min_size=1))
    if kind == "3d":
        return draw(sequence_inputs(layouts=("3d",), n_features=n_features))
    return draw(sequence_inputs(layouts=("2d", "ragged", "garbage")))


def check_scaled(out, X: Inputs):
    assert out.shape == np.shape(X.X)
    if not X.sane:
        return
    src = np.asarray(X.X, dtype=np.float64)
    padding = np.isnan(src).all(axis=2)
    out = out.astype(np.float64)
    assert np.isfinite(out[~padding]).all(), "NaN/inf in scaled sane steps"
    assert np.isnan(out[padding]).all(), "padding did not stay NaN"


@SETTINGS
@given(data=st.data(), with_mean=st.booleans(), with_std=st.booleans())
def test_sequence_scaler(data, with_mean, with_std):
    """fit / transform / fit_transform / inverse_transform of SequenceScaler."""
    X = data.draw(padded_3d(), label="X")
    scaler = SequenceScaler(with_mean=with_mean, with_std=with_std)
    fitted = call(scaler.fit, X.X)
    both = call(SequenceScaler(with_mean=with_mean, with_std=with_std).fit_transform, X.X)
    if X.sane and X.layout == "3d" and X.n >= 1 and X.n_features >= 1:
        # finite numeric 3D sequences, each with a real step, must be accepted
        assert ok(fitted) and ok(both), (fitted, both)
    if not ok(fitted):
        assert not ok(both)
        return
    assert X.effective == "3d"
    if X.sane:
        assert np.isfinite(scaler.mean_).all() and np.isfinite(scaler.scale_).all()
        assert (scaler.scale_ > 0).all()
    out = call(scaler.transform, X.X)
    assert ok(out) and ok(both), (out, both)
    np.testing.assert_array_equal(out, both)
    check_scaled(out, X)
    back = call(scaler.inverse_transform, out)
    if X.sane:  # (huge input may have overflowed to inf, which is refused)
        assert ok(back), back
        src = np.asarray(X.X, dtype=np.float64)
        tol = 1e-3 * (1 + np.abs(src[np.isfinite(src)]).max(initial=0))
        np.testing.assert_allclose(back.astype(np.float64), src, atol=tol, rtol=1e-4)
    other = data.draw(padded_3d(), label="X_transform")
    out = call(scaler.transform, other.X)
    if ok(out):
        assert other.effective == "3d" and other.n_features == X.n_features
        check_scaled(out, other)


# --------------------------------------------------------------------------
# Tokenizer (and a text pipeline)
# --------------------------------------------------------------------------
documents = st.one_of(
    st.lists(st.text(max_size=12), max_size=5),
    st.lists(
        st.text(max_size=6) | st.none() | st.integers() | st.binary(max_size=3) | st.floats(),
        max_size=4,
    ),
    st.sampled_from(
        [None, "one string", b"bytes", 3, np.array(["a", "bb"]), pd.Series(["x y", "z"])]
    ),
)

tokenizer_params = st.fixed_dictionaries(
    {
        "level": st.sampled_from(["char", "word"]),
        "lowercase": st.booleans(),
        "max_features": st.one_of(st.none(), st.integers(1, 5)),
        "min_frequency": st.integers(1, 3),
        "max_length": st.one_of(st.none(), st.integers(1, 5)),
    },
    optional={
        # Only well-formed regular expressions: an invalid one raises re.error
        # (see test_tokenizer_invalid_token_pattern_is_a_clear_error).
        "token_pattern": st.sampled_from(
            [r"(?u)\b\w+\b", r"\S+", r"[a-z]", r"(a)(b)", r"x*", ""]
        ),
    },
)

token_id_lists = st.one_of(
    st.lists(arrays(np.int64, st.integers(0, 4), elements=st.integers(-3, 60)), max_size=4),
    # Only finite floats: inf raises OverflowError (see
    # test_tokenizer_inverse_transform_infinite_id_is_a_clear_error).
    st.lists(st.lists(st.floats(-1e3, 1e3) | st.just(math.nan), max_size=3), max_size=3),
    st.lists(st.lists(st.text(alphabet="1a", max_size=2), max_size=3), max_size=3),
    st.sampled_from([None, 3, [3], [[None]], "12"]),
)


def is_documents(docs) -> bool:
    """Whether ``docs`` is what Tokenizer must accept: a non-empty list-like of str."""
    return (
        isinstance(docs, (list, np.ndarray, pd.Series))
        and len(docs) >= 1
        and all(isinstance(doc, str) for doc in docs)
    )


def check_ids(ids, tokenizer, docs):
    assert isinstance(ids, list) and len(ids) == len(list(docs))
    for seq in ids:
        assert seq.dtype == np.int64 and seq.ndim == 1 and len(seq) >= 1
        assert ((seq >= 1) & (seq < tokenizer.n_tokens_)).all()
        if tokenizer.max_length:
            assert len(seq) <= tokenizer.max_length


@SETTINGS
@given(docs=documents, other=documents, params=tokenizer_params)
def test_tokenizer(docs, other, params):
    """fit / transform / fit_transform / inverse_transform of Tokenizer."""
    tok = Tokenizer(**params)
    fitted = call(tok.fit, docs)
    both = call(Tokenizer(**params).fit_transform, docs)
    if is_documents(docs):  # a non-empty list-like of str must be accepted
        assert ok(fitted) and ok(both), (fitted, both)
    if not ok(fitted):
        assert not ok(both)
        return
    ids = call(tok.transform, docs)
    assert ok(ids) and ok(both), (ids, both)
    check_ids(ids, tok, docs)
    assert all(np.array_equal(a, b) for a, b in zip(ids, both))
    assert len(tok.vocabulary_) + 2 == tok.n_tokens_
    words = call(tok.inverse_transform, ids)
    assert ok(words) and len(words) == len(ids)
    ids_other = call(tok.transform, other)
    if ok(ids_other):
        check_ids(ids_other, tok, other)


@SETTINGS
@given(
    docs=st.lists(st.text(max_size=8), min_size=1, max_size=4),
    ids=token_id_lists,
    level=st.sampled_from(["char", "word"]),
)
def test_tokenizer_inverse_transform(docs, ids, level):
    """inverse_transform of arbitrary id sequences: lists of str, or refused."""
    tok = Tokenizer(level=level).fit(docs)
    tokens = call(tok.inverse_transform, ids)
    if isinstance(ids, list) and all(
        isinstance(seq, np.ndarray) and seq.ndim == 1 and seq.dtype.kind in "iu"
        and (seq >= 0).all()
        for seq in ids
    ):  # integer id arrays (as transform returns) must be decoded
        assert ok(tokens), tokens
    if ok(tokens):
        assert len(tokens) == len(ids)
        assert all(isinstance(t, str) for seq in tokens for t in seq)


@SETTINGS
@given(
    docs=st.lists(st.text(max_size=8), min_size=0, max_size=5),
    new_docs=st.lists(st.text(max_size=8), min_size=0, max_size=3),
    labels=st.lists(st.sampled_from(["neg", "pos", "meh"]), min_size=5, max_size=5),
    level=st.sampled_from(["char", "word"]),
)
def test_text_pipeline(docs, new_docs, labels, level):
    """Tokenizer → LSTMClassifier(embedding_dim) on random text."""
    pipe = make_pipeline(Tokenizer(level=level), LSTMClassifier(embedding_dim=2, **TINY))
    y = np.array(labels[: len(docs)])
    fitted = call(pipe.fit, docs, y)
    if len(docs) >= 2 and len(set(y)) >= 2:
        # two documents or more, of two labels or more: the pipeline must fit
        assert ok(fitted), fitted
    if not ok(fitted):
        return
    assert len(set(y)) >= 2 and len(docs) >= 1
    for X in (docs, new_docs):
        proba = call(pipe.predict_proba, X)
        pred = call(pipe.predict, X)
        if not X:
            assert not ok(proba) and not ok(pred)
            continue
        assert ok(proba) and ok(pred), (proba, pred)
        assert proba.shape == (len(X), len(pipe.classes_)) and pred.shape == (len(X),)
        assert_finite(proba, "predict_proba")
        np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)


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
    if X.n < 2:  # one row is one class: refusing is right
        assert not ok(clf) or kind == "multilabel"
        return
    assert ok(clf), clf  # sane sequences and well-formed labels must fit
    check_classifier_outputs(clf, X, y)


# --------------------------------------------------------------------------
# Regression tests for the bugs hypothesis found (all fixed).
# --------------------------------------------------------------------------
@pytest.mark.parametrize("estimator", [LSTMClassifier, LSTMRegressor])
def test_huge_token_id_is_a_clear_error(estimator):
    X = np.array([[0, 2**62], [1, 1]])
    with pytest.raises(ValueError, match="token id .* huge embedding"):
        estimator(embedding_dim=2, **TINY).fit(X, [0, 1])


def test_token_id_beyond_memory_is_a_clear_error():
    X = [np.array([1.0, 2.0]), np.array([1e18])]
    with pytest.raises(ValueError, match="token id 1000000000000000000;"):  # exact, not 1e+18
        LSTMClassifier(embedding_dim=2, **TINY).fit(X, [0, 1])


_BIG = 10**400  # a Python int beyond float64's range


def test_object_int_beyond_float_range_ragged():
    X = [np.array([_BIG, 1], dtype=object), np.array([1.0])]
    with pytest.raises(ValueError, match="Sequence 0 of X cannot be converted"):
        LSTMRegressor(**TINY).fit(X, [1.0, 2.0])


@pytest.mark.parametrize(
    "entry",
    ["regressor-2d", "regressor-3d", "regressor-y", "scaler", "window"],
)
def test_object_int_beyond_float_range_arrays(entry):
    big = np.array([[_BIG, 1], [2, 3]], dtype=object)
    with pytest.raises(ValueError, match="too large to convert to a float"):
        if entry == "regressor-2d":
            LSTMRegressor(**TINY).fit(big, [1.0, 2.0])
        elif entry == "regressor-3d":
            LSTMRegressor(**TINY).fit(big[:, :, None], [1.0, 2.0])
        elif entry == "regressor-y":
            LSTMRegressor(**TINY).fit(np.ones((2, 2)), np.array([_BIG, 1], dtype=object))
        elif entry == "scaler":
            SequenceScaler().fit(big[:, :, None])
        else:
            SlidingWindowTransformer(window_size=2).fit(big)


@pytest.mark.parametrize("level", ["char", "word"])
def test_tokenizer_invalid_token_pattern_is_a_clear_error(level):
    with pytest.raises(ValueError, match="not a valid regular expression"):
        Tokenizer(level=level, token_pattern="(").fit(["a b"])


def test_tokenizer_inverse_transform_infinite_id_is_a_clear_error():
    tok = Tokenizer().fit(["ab"])
    with pytest.raises(ValueError, match="not integer token ids"):
        tok.inverse_transform([[math.inf]])


@pytest.mark.parametrize("estimator", [LSTMClassifier, LSTMRegressor])
def test_tiny_sample_weight_trains(estimator):
    X = np.linspace(0.0, 1.0, 12).reshape(4, 3)
    est = estimator(**TINY).fit(X, [0, 1, 0, 1], sample_weight=[5e-324, 0.0, 0.0, 0.0])
    # probabilities for the classifier: its labels are finite even after a NaN fit
    assert np.isfinite(outputs(est, X)).all()
