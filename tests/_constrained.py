"""Strategies of the slow reliability properties (tests/test_reliability_properties.py).

Parameters drawn from an estimator's own ``_parameter_constraints``, invalid
values, sane tables, documents and token ids. A plain module, no tests; the
shared strategies and checks it builds on are in ``tests/_strategies.py``.
"""

from __future__ import annotations

import math
from numbers import Integral, Real

import numpy as np
import pandas as pd
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from tests._strategies import (
    GARBAGE,
    MAX_TOKEN_ID,
    NONFINITE,
    NUMERIC_REAL,
    Inputs,
    number_arrays,
)


# --------------------------------------------------------------------------
# Parameters from an estimator's own constraints, documents, token ids
# (the slow reliability properties, tests/test_reliability_properties.py)
# --------------------------------------------------------------------------
def _interval_strategy(name, interval, ranges):
    """Values inside an sklearn ``Interval``, bounded by ``ranges[name]`` (tiny models)."""
    low, high = ranges.get(name, (None, None))
    left, right = interval.left, interval.right
    open_left = interval.closed in ("right", "neither")
    open_right = interval.closed in ("left", "neither")
    if issubclass(interval.type, Integral):
        lo = left + open_left if left is not None else -2
        hi = right - open_right if right is not None else lo + 2
        lo = lo if low is None else max(lo, low)
        hi = hi if high is None else min(hi, high)
        return st.integers(lo, hi)
    assert issubclass(interval.type, Real), interval
    lo = left if left is not None else -1.0
    hi = right if right is not None else lo + 1.0
    lo = lo if low is None else max(lo, low)
    hi = hi if high is None else min(hi, high)
    return st.floats(lo, hi, exclude_min=open_left and lo == left,
                     exclude_max=open_right and hi == right)


def constrained_params(estimator, *, ranges=None, overrides=None, required=()):
    """A dict strategy of valid parameters drawn from ``estimator._parameter_constraints``.

    Each parameter takes a value from one of its constraints: ``StrOptions``
    / ``Options`` (their options), ``"boolean"``, ``None`` and ``Interval``
    (inside ``ranges[name] = (low, high)`` where given, which keeps models
    tiny; unbounded integers otherwise stay within 2 of their lower bound).
    Parameters whose constraints say too little (types such as ``str`` or
    ``dict``, ``"array-like"``, ``"random_state"``, ``"verbose"``) must be
    in ``overrides`` (name -> strategy; overrides win everywhere), so a new
    parameter of an unknown kind fails the test instead of being skipped.
    Parameters in ``required`` are always drawn; the others only sometimes
    (absent ones keep their defaults).
    """
    from sklearn.utils._param_validation import Interval, Options, StrOptions

    ranges, overrides = ranges or {}, overrides or {}
    drawn = {}
    for name, constraints in estimator._parameter_constraints.items():
        if name in overrides:
            drawn[name] = overrides[name]
            continue
        choices = []
        for constraint in constraints:
            if constraint is None:
                choices.append(st.none())
            elif constraint == "boolean":
                choices.append(st.booleans())
            elif isinstance(constraint, StrOptions):
                choices.append(st.sampled_from(sorted(constraint.options - constraint.deprecated)))
            elif isinstance(constraint, Options):
                choices.append(st.sampled_from(sorted(constraint.options)))
            elif isinstance(constraint, Interval):
                choices.append(_interval_strategy(name, constraint, ranges))
            else:
                raise AssertionError(
                    f"{estimator.__name__}.{name}: no strategy for the constraint "
                    f"{constraint!r}; give one in overrides"
                )
        drawn[name] = st.one_of(choices)
    return st.fixed_dictionaries(
        {name: s for name, s in drawn.items() if name in required},
        optional={name: s for name, s in drawn.items() if name not in required},
    )


# What no constraint allows for most parameters (one of them, drawn, makes a
# parameter set invalid: fit must refuse it with InvalidParameterError).
INVALID_VALUES = ["bogus", -1, -0.5, 1.5, 2.5, None, [1], {"a": 1}]


@st.composite
def sane_tables(draw):
    """What ``tables`` calls plausible, always: must be accepted by SlidingWindowTransformer."""
    kind = draw(st.sampled_from(["2d", "2d", "frame"]))
    dtype = draw(st.sampled_from(sorted(NUMERIC_REAL)))
    n_rows, F = draw(st.integers(1, 6)), draw(st.integers(1, 3))
    X = draw(number_arrays(dtype, (n_rows, F), False))
    return Inputs(pd.DataFrame(X) if kind == "frame" else X, kind, n_rows, F, None, True)


sane_documents = st.lists(
    st.text(alphabet="ab cAB.,1\n\u00e9", max_size=10) | st.text(max_size=6),
    min_size=1, max_size=5,
)

# Documents for Tokenizer: plausible lists of str (empty lists too), lists with
# items that are no documents, and what is no list of documents at all.
any_documents = st.one_of(
    sane_documents,
    st.lists(st.text(max_size=8), max_size=3),
    st.lists(
        st.text(max_size=6) | st.none() | st.integers() | st.binary(max_size=3)
        | st.floats() | st.just(math.nan),
        max_size=4,
    ),
    st.sampled_from(
        [None, "one string", b"bytes", 3, 2.5, np.array(["a", "bb"]), pd.Series(["x y", "z"]),
         np.array([["a"], ["b"]]), pd.DataFrame({"text": ["a b", "c"]}), ("a", "b"), [["a"]]]
    ),
)


@st.composite
def token_id_inputs(draw, plausible=False, min_n=2):
    """Token ids for an estimator with ``embedding_dim``: 2D arrays or lists of 1D arrays.

    Plausible ones (integer or whole float ids in [0, MAX_TOKEN_ID], at
    least ``min_n`` sequences of at least one step) must be accepted; the
    others may hold negative, fractional, non-finite, bool or string ids,
    empty sequences, a 3D array or garbage.
    """
    kind = draw(st.sampled_from(
        ["ids", "ids", "float-int"] if plausible
        else ["ids", "float-int", "negative", "float", "bool", "str", "3d", "garbage"]
    ))
    if kind == "garbage":
        return Inputs(draw(st.sampled_from(GARBAGE)), "garbage", -1, None, None, False)
    n = draw(st.integers(min_n if plausible else 0, 5))
    if kind == "3d":
        X = draw(arrays(np.int64, (n, 2, 2), elements=st.integers(0, 5)))
        return Inputs(X, "3d", n, 2, 2, False)
    dtype, elems = {
        "ids": (draw(st.sampled_from([np.int64, np.int32, np.int8, np.uint8])),
                st.integers(0, MAX_TOKEN_ID)),
        "float-int": (np.float64, st.integers(0, MAX_TOKEN_ID).map(float)),
        "negative": (np.int64, st.integers(-5, 5)),
        "float": (np.float64, st.floats(-100, 100) | st.sampled_from(NONFINITE + [1e300])),
        "bool": (np.bool_, st.booleans()),
        "str": (np.dtype("U3"), st.text(alphabet="ab12", max_size=3)),
    }[kind]
    min_T = 1 if plausible else 0
    if draw(st.booleans()):  # a list of 1D arrays, lengths differ
        X = [draw(arrays(dtype, (draw(st.integers(min_T, 4)),), elements=elems))
             for _ in range(n)]
        sane = kind in ("ids", "float-int") and all(len(x) for x in X)
    else:
        T = draw(st.integers(min_T, 4))
        X = draw(arrays(dtype, (n, T), elements=elems))
        sane = kind in ("ids", "float-int") and T > 0
    return Inputs(X, "tokens", n, 1, None, sane)
