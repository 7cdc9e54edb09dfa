"""LSTMForecaster: h-step forecasts of one or many series, with covariates and intervals.

fh forms and the forecast's time labels for every kind of time index; the
direct and recursive strategies; no leakage of anything after the forecast
origin; intervals and quantiles that are ordered and nested; determinism;
persistence (sklstm.save/load, pickle); refused inputs; scikit-learn's
parameter protocol. Covariates and many series are tested in
tests/test_forecast_memory.py, the data layer in tests/test_data_series.py,
backtests and forecast metrics in tests/test_backtest.py; the shared fitted
forecasters are fixtures of tests/conftest.py.
"""

import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

import sklstm
from sklstm import LSTMForecaster
from tests._forecast_cases import (
    ALPHAS,
    COVERAGES,
    assert_same as _assert_same,
    monthly as _monthly,
    small_forecaster as _f,
    wide_table as _wide_table,
    with_covariates as _with_covariates,
)

# Small fits hold out fewer than 20 validation windows: the forecaster says so and
# trains as without early stopping (what these tests want: speed, not accuracy).
pytestmark = pytest.mark.filterwarnings(
    "ignore:early_stopping=True would hold out:UserWarning")

# -- fh and the forecast's time labels ---------------------------------------------------


def test_forecast_of_a_monthly_series(direct, airline):
    forecast = direct.predict(3)
    assert isinstance(forecast, pd.Series)
    assert forecast.name == airline.name
    assert forecast.index.equals(pd.period_range("1961-01", periods=3, freq="M"))
    assert np.isfinite(forecast.to_numpy()).all()
    assert direct.horizon_ == 4 and direct.window_size_ == 24 and direct.seasonal_period_ == 12
    assert direct.cutoffs_ == [pd.Period("1960-12", "M")]
    assert direct.series_ids_ == [airline.name]


def test_fh_list_picks_steps_of_the_int_form(direct):
    full = direct.predict(4)
    for fh in ([1, 3], [3, 1], np.array([3, 1]), [3, 1, 3]):
        picked = direct.predict(fh)
        _assert_same(picked, full.iloc[[0, 2]])
    _assert_same(direct.predict([4]), full.iloc[[3]])


@pytest.mark.parametrize("fh, error", [
    (0, ValueError), (-1, ValueError), ([0, 2], ValueError), ([], TypeError),
    ([1.5], TypeError), ("2", TypeError), (None, TypeError), (True, TypeError),
])
def test_bad_fh_is_refused(direct, fh, error):
    with pytest.raises(error, match="fh"):
        direct.predict(fh)
    with pytest.raises(error, match="fh"):
        direct.predict_interval(fh)


def _index_cases():
    return {
        "monthly periods": pd.period_range("2000-01", periods=30, freq="M"),
        "quarterly periods": pd.period_range("2000Q1", periods=30, freq="Q"),
        "daily timestamps": pd.date_range("2021-01-01", periods=30, freq="D"),
        "month-start timestamps": pd.date_range("2000-01-01", periods=30, freq="MS"),
        "hourly timestamps": pd.date_range("2021-03-27", periods=30, freq="h"),
        "business days": pd.date_range("2021-01-01", periods=30, freq="B"),
        "range index": pd.RangeIndex(30),
        "integers from 100": pd.Index(np.arange(100, 130)),
    }


@pytest.mark.parametrize("case", list(_index_cases()))
def test_forecast_index_continues_the_input_frequency(case):
    index = _index_cases()[case]
    y = pd.Series(np.sin(np.arange(30) / 2.0) + 5, index=index)
    f = _f(horizon=3, window_size=8, max_iter=2).fit(y)
    forecast = f.predict(3)
    if isinstance(index, pd.PeriodIndex):
        expected = pd.period_range(index[-1] + 1, periods=3, freq=index.freq)
    elif isinstance(index, pd.DatetimeIndex):
        expected = pd.date_range(index[-1] + index.freq, periods=3, freq=index.freq)
    else:
        expected = pd.Index(np.arange(index[-1] + 1, index[-1] + 4))
    assert forecast.index.equals(expected), (forecast.index, expected)
    assert type(forecast.index) is type(expected) or case == "range index"
    assert list(f.predict([3]).index) == [expected[2]]
    # the intervals share the labels
    assert f.predict_interval(3).index.equals(expected)


def test_daily_forecast_index_keeps_its_freq():
    """A forecast of steps 1..h of a daily series is a DatetimeIndex at freq "D",
    like the input (so that it can be re-fed, plotted and resampled as it is)."""
    y = pd.Series(np.arange(30.0), index=pd.date_range("2021-01-01", periods=30, freq="D"))
    forecast = _f(horizon=3, window_size=8, max_iter=2).fit(y).predict(3)
    assert forecast.index.freq == "D"


def test_range_index_and_array_forecast_integer_labels():
    values = np.sin(np.arange(30) / 2.0) + 5
    for y in (pd.Series(values), values):
        forecast = _f(horizon=2, window_size=8, max_iter=2).fit(y).predict(2)
        assert forecast.index.tolist() == [30, 31]
        assert pd.api.types.is_integer_dtype(forecast.index.dtype)


# -- strategies --------------------------------------------------------------------------


def test_direct_and_recursive_agree_one_step_ahead(airline):
    one = _f(horizon=1).fit(airline)
    rec = _f(strategy="recursive").fit(airline)
    _assert_same(one.predict(1), rec.predict(1))
    np.testing.assert_allclose(one.predict_interval(1, coverage=COVERAGES).to_numpy(),
                               rec.predict_interval(1, coverage=COVERAGES).to_numpy(),
                               rtol=1e-6)


def test_direct_refuses_steps_beyond_its_horizon(direct):
    for fh in (5, [1, 5], [6]):
        with pytest.raises(ValueError, match=r"horizon=4.*recursive"):
            direct.predict(fh)
    with pytest.raises(ValueError, match=r"horizon"):
        direct.predict_quantiles(5)


def test_recursive_forecasts_any_fh(recursive):
    assert recursive.horizon_ == 1
    long = recursive.predict(6)
    assert long.index.equals(pd.period_range("1961-01", periods=6, freq="M"))
    assert np.isfinite(long.to_numpy()).all()
    _assert_same(recursive.predict([6, 2]), long.iloc[[1, 5]])
    intervals = recursive.predict_interval([5], coverage=0.8)
    assert intervals.shape == (1, 2) and np.isfinite(intervals.to_numpy()).all()


def _baseline_forecast(kind, y, W=24, m=12):
    window = y.to_numpy()[-W:]
    steps = np.arange(1, 4)
    if kind == "last":
        return np.repeat(window[-1], 3)
    if kind == "drift":
        return window[-1] + steps * np.diff(window).mean()
    if kind == "seasonal":
        return window[-m:][:3]
    if kind == "seasonal_drift":
        return window[-m:][:3] + (window[m:] - window[:-m]).mean()
    return np.repeat(window.mean(), 3)


@pytest.mark.parametrize("baseline", ["seasonal_drift", "seasonal", "drift", "last", None])
def test_a_network_that_learned_nothing_forecasts_its_baseline(baseline):
    """One step at a tiny learning rate: the network's outputs stay near zero, and
    the forecast is the baseline (window 24 and season 12 of a monthly series)."""
    y = _monthly(36)
    f = _f(horizon=3, baseline=baseline, max_iter=1, learning_rate_init=1e-7).fit(y)
    np.testing.assert_allclose(f.predict(3).to_numpy(), _baseline_forecast(baseline, y),
                               atol=0.1)


# -- no leakage --------------------------------------------------------------------------


def test_nothing_after_the_origin_reaches_the_forecast():
    """Fit on y[:cut] and X; every value after the origin changed (in y, in a past
    covariate, in a future covariate beyond the horizon) changes nothing."""
    n, cut, horizon = 60, 48, 3
    y, X = _with_covariates(n=n, extra=0)
    rng = np.random.RandomState(7)
    after = y.index[cut:]
    y_changed = y.copy()
    y_changed.loc[after] += rng.normal(0, 100, len(after))
    X_changed = X.copy()
    X_changed.loc[after, "weather"] = rng.normal(0, 100, len(after))
    X_changed.loc[after[horizon:], "promo"] = 9.0  # future, but beyond the horizon

    params = dict(horizon=horizon, window_size=12, past_covariates=["weather"])
    fitted = _f(**params).fit(y.iloc[:cut], X)
    point = fitted.predict(horizon, X)
    bands = fitted.predict_interval(horizon, X, coverage=COVERAGES)
    assert point.index.equals(after[:horizon])

    # the fitted model, handed the changed covariates
    _assert_same(fitted.predict(horizon, X_changed), point)
    _assert_same(fitted.predict_interval(horizon, X_changed, coverage=COVERAGES), bands)
    # a model fitted on the changed data up to the same cut
    refitted = _f(**params).fit(y_changed.iloc[:cut], X_changed)
    _assert_same(refitted.predict(horizon, X_changed), point)
    _assert_same(refitted.predict_interval(horizon, X_changed, coverage=COVERAGES), bands)
    # a forecast from the history handed to predict
    _assert_same(fitted.predict(horizon, X_changed, y=y_changed.iloc[:cut]), point)
    # ...which does read the history: a change before the origin moves it
    y_before = y.iloc[:cut].copy()
    y_before.iloc[-1] += 10.0
    assert not np.allclose(fitted.predict(horizon, X, y=y_before).to_numpy(), point.to_numpy())


def test_recursive_forecast_reads_nothing_after_the_origin():
    y = _monthly(60)
    changed = y.copy()
    changed.iloc[48:] *= -3.0
    a = _f(strategy="recursive").fit(y.iloc[:48])
    b = _f(strategy="recursive").fit(changed.iloc[:48])
    _assert_same(a.predict(4), b.predict(4))
    _assert_same(a.predict_interval(4, coverage=COVERAGES),
                 b.predict_interval(4, coverage=COVERAGES))


# -- intervals and quantiles -------------------------------------------------------------


def _interval_checks(f, fh, X=None):
    point = f.predict(fh, X).to_numpy()
    bands = f.predict_interval(fh, X, coverage=COVERAGES).droplevel(0, axis=1)
    lower = np.column_stack([bands[(c, "lower")] for c in COVERAGES])
    upper = np.column_stack([bands[(c, "upper")] for c in COVERAGES])
    assert np.isfinite(lower).all() and np.isfinite(upper).all()
    # ordered: lower <= median <= upper at every coverage
    assert (lower <= point[:, None]).all(), (lower, point)
    assert (point[:, None] <= upper).all(), (point, upper)
    # nested: a wider coverage holds every narrower interval
    assert (np.diff(lower, axis=1) <= 0).all(), lower
    assert (np.diff(upper, axis=1) >= 0).all(), upper
    quantiles = f.predict_quantiles(fh, X, alpha=ALPHAS)
    values = quantiles.to_numpy()
    assert (np.diff(values, axis=1) >= 0).all(), values
    np.testing.assert_allclose(quantiles.droplevel(0, axis=1)[0.5].to_numpy(), point, rtol=1e-12)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_intervals_are_ordered_and_nested_direct(airline, seed):
    _interval_checks(_f(horizon=4, random_state=seed).fit(airline), 4)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_intervals_are_ordered_and_nested_recursive(airline, seed):
    _interval_checks(_f(strategy="recursive", random_state=seed).fit(airline), 4)


def test_intervals_are_ordered_and_nested_with_covariates(covariate_model):
    f, _, X = covariate_model
    _interval_checks(f, 3, X)


def test_interval_and_quantile_layout(direct, airline):
    bands = direct.predict_interval(2, coverage=[0.8, 0.95])
    assert list(bands.columns) == [(airline.name, 0.8, "lower"), (airline.name, 0.8, "upper"),
                                   (airline.name, 0.95, "lower"), (airline.name, 0.95, "upper")]
    quantiles = direct.predict_quantiles(2, alpha=[0.1, 0.9])
    assert list(quantiles.columns) == [(airline.name, 0.1), (airline.name, 0.9)]
    # an interval's bounds are the quantiles (1 - c) / 2 and (1 + c) / 2
    np.testing.assert_allclose(bands[(airline.name, 0.8, "lower")],
                               quantiles[(airline.name, 0.1)], rtol=1e-12)
    np.testing.assert_allclose(bands[(airline.name, 0.8, "upper")],
                               quantiles[(airline.name, 0.9)], rtol=1e-12)
    assert direct.predict_interval(2).shape == (2, 2)  # default coverage 0.9
    assert direct.predict_quantiles(2).shape == (2, 2)  # default alpha (0.05, 0.95)


def test_levels_outside_the_learned_quantiles_are_refused(direct):
    with pytest.raises(ValueError, match=r"quantiles="):
        direct.predict_interval(2, coverage=0.99)
    with pytest.raises(ValueError, match=r"quantiles="):
        direct.predict_quantiles(2, alpha=[0.01])
    for coverage in (0.0, 1.0, 1.5):
        with pytest.raises(ValueError, match=r"coverage"):
            direct.predict_interval(2, coverage=coverage)


def test_quantiles_parameter(airline):
    f = _f(horizon=2, quantiles=[0.1, 0.9]).fit(airline)
    assert f.quantiles_.tolist() == [0.1, 0.5, 0.9]  # the median is always added
    assert f.predict_interval(2, coverage=0.8).shape == (2, 2)
    for bad in ([0.0, 0.5], [1.2], []):
        with pytest.raises(ValueError, match=r"quantiles"):
            _f(quantiles=bad).fit(airline)


# -- determinism and persistence ---------------------------------------------------------


def _outputs(f, fh=3, X=None):
    return (f.predict(fh, X), f.predict_interval(fh, X, coverage=COVERAGES),
            f.predict_quantiles(fh, X, alpha=[0.1, 0.5, 0.9]))


def _assert_same_outputs(a, b):
    for u, v in zip(a, b):
        _assert_same(u, v)


@pytest.mark.parametrize("strategy", ["direct", "recursive"])
def test_same_random_state_same_forecasts(airline, strategy):
    a = _f(horizon=3, strategy=strategy, random_state=3).fit(airline)
    b = _f(horizon=3, strategy=strategy, random_state=3).fit(airline)
    _assert_same_outputs(_outputs(a), _outputs(b))
    _assert_same_outputs(_outputs(a), _outputs(a))  # predicting again: the same paths


def _persisted_cases(direct, recursive, covariate_model, long_model, wide_model):
    f, _, X = covariate_model
    return {"direct": (direct, None), "recursive": (recursive, None), "covariates": (f, X),
            "long": (long_model, None), "wide": (wide_model, None)}


CASES = ["direct", "recursive", "covariates", "long", "wide"]


@pytest.mark.parametrize("case", CASES)
def test_pickle_round_trip(case, direct, recursive, covariate_model, long_model, wide_model):
    f, X = _persisted_cases(direct, recursive, covariate_model, long_model, wide_model)[case]
    loaded = pickle.loads(pickle.dumps(f))
    _assert_same_outputs(_outputs(loaded, X=X), _outputs(f, X=X))
    assert loaded.cutoffs_ == f.cutoffs_ and loaded.series_ids_ == f.series_ids_


@pytest.mark.parametrize("case", CASES)
def test_save_load_round_trip(case, tmp_path, direct, recursive, covariate_model, long_model,
                              wide_model):
    f, X = _persisted_cases(direct, recursive, covariate_model, long_model, wide_model)[case]
    path = tmp_path / "forecaster.safetensors"
    sklstm.save(f, path)
    loaded = sklstm.load(path)
    assert type(loaded) is LSTMForecaster
    assert loaded.get_params() == f.get_params()
    _assert_same_outputs(_outputs(loaded, X=X), _outputs(f, X=X))
    assert loaded.cutoffs_ == f.cutoffs_ and loaded.series_ids_ == f.series_ids_
    np.testing.assert_array_equal(loaded.interval_factors_, f.interval_factors_)


# -- refused inputs ----------------------------------------------------------------------


def _bad_inputs():
    y = _monthly(36)
    irregular = pd.Series(np.arange(10.0), index=pd.DatetimeIndex(
        ["2020-01-01", "2020-01-02", "2020-01-04", "2020-01-07", "2020-01-08", "2020-01-12",
         "2020-01-13", "2020-01-20", "2020-01-21", "2020-01-30"]))
    wide = _wide_table()
    wide.iloc[-3:, 0] = np.nan
    return {
        "gap in the index": (y.drop(y.index[10]), r"regular time index.*reindex"),
        "NaN in y": (y.where(y.index != y.index[20]), r"missing.*(interpolate|fill)"),
        "too short for the window": (y.iloc[:6], r"window_size.*at least"),
        "no inferable frequency": (irregular, r"frequency.*asfreq"),
        "wide column ends early": (wide, r"'early'.*ends.*long table"),
    }


@pytest.mark.parametrize("case", list(_bad_inputs()))
def test_bad_series_are_refused_with_advice(case):
    y, match = _bad_inputs()[case]
    with pytest.raises(ValueError, match=match):
        _f(window_size=12).fit(y)


@pytest.mark.parametrize("case", list(_bad_inputs()))
def test_a_failed_fit_leaves_the_fitted_forecaster_unchanged(case, airline):
    f = _f(horizon=3, window_size=12).fit(airline)
    before = _outputs(f)
    attributes = (list(f.cutoffs_), list(f.series_ids_), f.interval_factors_.copy(), f.n_iter_)
    y, _ = _bad_inputs()[case]
    with pytest.raises(ValueError):
        f.fit(y)
    _assert_same_outputs(_outputs(f), before)
    assert f.cutoffs_ == attributes[0] and f.series_ids_ == attributes[1]
    np.testing.assert_array_equal(f.interval_factors_, attributes[2])
    assert f.n_iter_ == attributes[3]


def test_a_failed_fit_with_bad_covariates_leaves_the_forecaster_unchanged(covariate_model):
    y, X = _with_covariates()
    f = clone(covariate_model[0]).fit(y, X)
    before = _outputs(f, X=X)
    with pytest.raises(ValueError, match="weather"):
        f.fit(y, X.drop(columns="weather"))
    _assert_same_outputs(_outputs(f, X=X), before)


def test_predict_before_fit_raises():
    with pytest.raises(NotFittedError):
        _f().predict(3)
    with pytest.raises(NotFittedError):
        _f().predict_interval(3)


@pytest.mark.parametrize("param, value", [
    ("strategy", "multi"), ("horizon", 0), ("baseline", "mean"), ("n_paths", 0),
    ("window_size", 0), ("seasonal_period", 0),
])
def test_invalid_parameters_are_refused(airline, param, value):
    with pytest.raises(ValueError, match=param):
        _f(**{param: value}).fit(airline)


# -- scikit-learn's parameter protocol ---------------------------------------------------


def test_clone_get_params_set_params(direct):
    params = direct.get_params()
    for name, value in dict(horizon=4, strategy="direct", window_size=None,
                            baseline="auto", past_covariates=None, n_paths=20,
                            id_col="id", time_col="time", hidden_size=4, max_iter=3,
                            early_stopping=True, validation_split="last",
                            validation_fraction=0.2).items():
        assert params[name] == value, name
    assert "embedding_dim" not in params
    copy = clone(direct)
    assert copy.get_params() == params
    assert not hasattr(copy, "cutoffs_")
    with pytest.raises(NotFittedError):
        copy.predict(1)
    assert copy.set_params(horizon=2, strategy="recursive") is copy
    assert copy.horizon == 2 and copy.strategy == "recursive"
    assert direct.horizon == 4 and direct.strategy == "direct"  # the original is untouched


def test_refit_with_other_parameters_forgets_the_old_fit(airline):
    f = _f(horizon=2).fit(airline)
    f.set_params(strategy="recursive", window_size=12).fit(airline.iloc[:-12])
    assert f.horizon_ == 1 and f.window_size_ == 12
    assert f.cutoffs_ == [pd.Period("1959-12", "M")]
    assert f.predict(3).index.equals(pd.period_range("1960-01", periods=3, freq="M"))


# -- scikit-learn's API checks that apply to a forecaster ---------------------------------
# (its fit takes the series first, fit(y, X=None), as sktime's and skforecast's do, so the
# checks that fit on (X, y) tables do not apply; these check the parameter contract)


@pytest.mark.parametrize("check", [
    "check_parameters_default_constructible",
    "check_no_attributes_set_in_init",
    "check_get_params_invariance",
    "check_set_params",
])
def test_sklearn_parameter_checks(check):
    from sklearn.utils import estimator_checks

    getattr(estimator_checks, check)("LSTMForecaster", LSTMForecaster())
