"""Hypothesis strategies and checks shared by the property-based tests.

A plain module, no tests: imported as ``from tests._strategies import ...``
(the repository root is on the test path). The property tests live in the
test file of the module they exercise: ``test_base_properties.py`` (the
estimators on any input, fit/predict mismatches, token ids),
``test_classifier.py`` (probabilities of every classification kind),
``test_preprocessing_window.py``, ``test_preprocessing_scaler.py`` and
``test_preprocessing_text.py`` (Tokenizer, inverse_transform, a text
pipeline). What one file alone uses stays in that file, except ``tables``
(the window property's input), kept here with the other generic inputs.

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

Example counts: each of the 10 property tests runs with ``max_examples=25``
(``SETTINGS``: 250 generated examples in all, plus hypothesis' shrinking when
something fails; ``derandomize=True``, so every CI run sees the same
examples); about half of the estimator examples are "plausible" (sane,
matching lengths, class labels of at least two classes) and must fit, so that
the output checks bite. The models are tiny (hidden_size 2..4, max_iter 1..2,
batch_size 1..4, random_state=0), so an example takes milliseconds and the 10
tests together take about 5 s on 2 cores.

The slow reliability properties (``tests/test_reliability_properties.py``,
marked ``slow``, 300 examples per public class, run by CI as ``pytest -m
slow``) add parameters drawn from each class's ``_parameter_constraints``
and refits that must change nothing when they raise; their own strategies
(``constrained_params``, ``sane_tables``, documents, token ids) are in
``tests/_constrained.py``.

The bugs hypothesis found are fixed and pinned by explicit regression tests:
huge token ids (test_data_tokens.py), Python ints beyond float range
(test_data_ragged.py), a malformed token_pattern and infinite ids in
Tokenizer.inverse_transform (test_preprocessing_text.py), denormal sample
weights (test_base_properties.py). The strategies stay inside the bounds
those bugs set (``MAX_TOKEN_ID``, ``OBJECT_INT_BOUND``, well-formed token
patterns, finite ids to decode).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

# Bad input may warn (overflowing or invalid casts, discarded imaginary parts,
# a column-vector y, ...) before it is refused: the property tests ignore that.
WARNING_FILTERS = [
    pytest.mark.filterwarnings("ignore::RuntimeWarning"),  # overflow/invalid casts
    pytest.mark.filterwarnings("ignore::numpy.exceptions.ComplexWarning"),
    pytest.mark.filterwarnings("ignore::sklearn.exceptions.DataConversionWarning"),
    pytest.mark.filterwarnings("ignore::UserWarning"),
]


def quiet(test):
    """``WARNING_FILTERS`` on one test (in a file whose other tests keep warnings)."""
    for mark in WARNING_FILTERS:
        test = mark(test)
    return test


SETTINGS = settings(
    max_examples=25, deadline=None, derandomize=True,  # the same examples in every CI run
    suppress_health_check=[HealthCheck.too_slow],
)

SANE = 1e6  # |x| below this (and finite) counts as sane input
# Larger token ids make the embedding table itself huge (see the regression
# test test_huge_token_id_is_a_clear_error in test_data_tokens.py): the
# property stays below this.
MAX_TOKEN_ID = 50
# Object arrays with Python ints beyond float64's range raised OverflowError
# (see test_object_int_beyond_float_range_* in test_data_ragged.py): stay
# inside it.
OBJECT_INT_BOUND = 2**1000

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
# Inputs
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
            -OBJECT_INT_BOUND, OBJECT_INT_BOUND
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
    # A list whose items all have one shape is a regular array (the data
    # layer's rule for lists): "2d" for (T,) items, "3d" for (T, F).
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


# --------------------------------------------------------------------------
# Targets, sample weights, models
# --------------------------------------------------------------------------
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
