"""Property-based tests of the shared estimator base (``LSTMClassifier`` and
``LSTMRegressor`` alike): arbitrary inputs, targets and sample weights at fit
and predict, fit/predict inputs that disagree, and token ids with
``embedding_dim``.

The property and the strategies are in ``tests/_strategies.py``; the
explicit tests of the base are in ``test_base.py``.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sklstm import LSTMClassifier, LSTMRegressor
from tests._helpers import outputs
from tests._strategies import (
    GARBAGE,
    MAX_TOKEN_ID,
    SETTINGS,
    TINY,
    WARNING_FILTERS,
    Inputs,
    Refused,
    assert_finite,
    call,
    check_classifier_outputs,
    check_regressor_outputs,
    class_labels,
    is_sane,
    model_params,
    ok,
    regression_targets,
    sample_weights,
    sane_inputs,
    sequence_inputs,
)

pytestmark = WARNING_FILTERS


# (estimator, target strategy, output check, whether y itself must be sane)
ESTIMATOR_CASES = {
    "classifier": (LSTMClassifier, class_labels, check_classifier_outputs, False),
    "regressor": (LSTMRegressor, regression_targets, check_regressor_outputs, True),
}


def different_inputs(fit: Inputs):
    """Predict-time input: same layout with other F/T, or anything at all."""
    if fit.layout == "garbage":
        return sequence_inputs()
    return st.one_of(sequence_inputs(layouts=(fit.layout,)), sequence_inputs())


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
        "ids": (id_dtype, st.integers(0, MAX_TOKEN_ID)),
        "negative": (np.int64, st.integers(-5, 5)),
        "float-int": (np.float64, st.integers(0, MAX_TOKEN_ID).map(float)),
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
    assert 1 <= model.n_tokens_ <= MAX_TOKEN_ID + 1
    if X.sane:  # predicting its own training ids must work
        pred = call(model.predict, X.X)
        assert ok(pred), pred
    for X_pred in (X, data.draw(token_inputs(), label="X_predict")):
        if estimator == "clf":
            check_classifier_outputs(model, X_pred, y)
        else:
            check_regressor_outputs(model, X_pred, y, fit_sane=is_sane(y))


# Regression test for a bug hypothesis found (fixed): a denormal sample weight.
@pytest.mark.parametrize("estimator", [LSTMClassifier, LSTMRegressor])
def test_tiny_sample_weight_trains(estimator):
    # weights count like repeated rows (the L2 penalty is divided by their sum,
    # as in MLPClassifier): a denormal weight sum is refused with alpha > 0 ...
    X = np.linspace(0.0, 1.0, 12).reshape(4, 3)
    weights = [5e-324, 1e-323, 0.0, 5e-324]
    with pytest.raises(ValueError, match="penalty alpha / \\(weight sum\\).*scale them up"):
        estimator(**TINY).fit(X, [0, 1, 0, 1], sample_weight=weights)
    # ... and trains without a penalty (normalising the weights does not overflow)
    est = estimator(**TINY, alpha=0.0).fit(X, [0, 1, 0, 1], sample_weight=weights)
    # probabilities for the classifier: its labels are finite even after a NaN fit
    assert np.isfinite(outputs(est, X)).all()
