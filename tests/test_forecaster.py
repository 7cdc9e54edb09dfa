"""LSTMForecaster: h-step forecasts of one or many series, with covariates and intervals.

fh forms and the forecast's time labels for every kind of time index; the
direct and recursive strategies; covariates (past and future) and their
alignment errors; no leakage of anything after the forecast origin;
intervals and quantiles that are ordered and nested; many series (long and
wide tables); determinism; persistence (sklstm.save/load, pickle); refused
inputs; scikit-learn's parameter protocol. The data layer is unit-tested in
tests/test_data_series.py, backtests and forecast metrics in
tests/test_backtest.py.
"""

import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

import sklstm
from sklstm import LSTMForecaster
from sklstm.datasets import load_airline

# Small fits hold out fewer than 20 validation windows: the forecaster says so and
# trains as without early stopping (what these tests want: speed, not accuracy).
pytestmark = pytest.mark.filterwarnings(
    "ignore:early_stopping=True would hold out:UserWarning")

COVERAGES = [0.5, 0.8, 0.9, 0.95]
ALPHAS = [0.025, 0.05, 0.1, 0.2, 0.25, 0.4, 0.5, 0.6, 0.75, 0.85, 0.9, 0.95, 0.975]


def _f(**kwargs):
    params = dict(hidden_size=4, max_iter=3, random_state=0, n_paths=20)
    params.update(kwargs)
    return LSTMForecaster(**params)


def _monthly(n=48, seed=0, start="2000-01", name="sales"):
    """A trending, seasonal monthly series on a PeriodIndex."""
    rng = np.random.RandomState(seed)
    t = np.arange(n)
    values = 20 + 0.2 * t + 3 * np.sin(2 * np.pi * t / 12) + rng.normal(0, 0.5, n)
    return pd.Series(values, index=pd.period_range(start, periods=n, freq="M"), name=name)


def _with_covariates(n=48, extra=6, seed=0):
    """y (n months) and X over n + extra months: 'weather' (past), 'promo' (future)."""
    rng = np.random.RandomState(seed + 1)
    index = pd.period_range("2000-01", periods=n + extra, freq="M")
    X = pd.DataFrame({"weather": rng.normal(size=n + extra),
                      "promo": (np.arange(n + extra) % 3 == 0).astype(float)}, index=index)
    y = _monthly(n, seed) + 2 * X["promo"].iloc[:n].to_numpy()
    return y, X


def _long_table(seed=0):
    """Three monthly series of unequal length and start, as a long table (rows shuffled)."""
    rng = np.random.RandomState(seed)
    parts = []
    for sid, start, n, level in (("a", "2000-01", 40, 10.0), ("b", "2001-03", 26, 100.0),
                                 ("c", "2000-07", 30, 50.0)):
        parts.append(pd.DataFrame({
            "id": sid, "time": pd.period_range(start, periods=n, freq="M"),
            "value": level + np.cumsum(rng.normal(0, 1, n)),
        }))
    return pd.concat(parts, ignore_index=True).sample(frac=1.0, random_state=seed)


def _wide_table(seed=0):
    """Two monthly series ending together; 'late' starts 12 months after 'early'."""
    rng = np.random.RandomState(seed)
    index = pd.period_range("2000-01", periods=40, freq="M")
    frame = pd.DataFrame({"early": 10 + np.cumsum(rng.normal(0, 1, 40)),
                          "late": 500 + np.cumsum(rng.normal(0, 5, 40))}, index=index)
    frame.iloc[:12, 1] = np.nan
    return frame


def _assert_same(a, b):
    """Two forecasts with the same labels and bit-identical values."""
    if isinstance(a, pd.Series):
        pd.testing.assert_series_equal(a, b, check_exact=True)
    else:
        pd.testing.assert_frame_equal(a, b, check_exact=True)


# -- fitted models shared by several tests -----------------------------------------------


@pytest.fixture(scope="module")
def airline():
    return load_airline()


@pytest.fixture(scope="module")
def direct(airline):
    return _f(horizon=4).fit(airline)


@pytest.fixture(scope="module")
def recursive(airline):
    return _f(strategy="recursive").fit(airline)


@pytest.fixture(scope="module")
def covariate_model():
    y, X = _with_covariates()
    return _f(horizon=3, window_size=12, past_covariates=["weather"]).fit(y, X), y, X


@pytest.fixture(scope="module")
def long_model():
    return _f(horizon=3, window_size=8).fit(_long_table())


@pytest.fixture(scope="module")
def wide_model():
    return _f(horizon=3, window_size=8).fit(_wide_table())


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


# -- covariates --------------------------------------------------------------------------


def test_forecast_with_past_and_future_covariates(covariate_model):
    f, y, X = covariate_model
    forecast = f.predict(3, X)
    assert forecast.index.equals(pd.period_range(y.index[-1] + 1, periods=3, freq="M"))
    assert np.isfinite(forecast.to_numpy()).all()
    # a future covariate's value over the horizon reaches the forecast
    moved = X.copy()
    moved.loc[forecast.index, "promo"] += 5.0
    assert not np.allclose(f.predict(3, moved).to_numpy(), forecast.to_numpy())


@pytest.mark.parametrize("past", [["weather"], None])
def test_covariates_missing_history_rows_are_refused_at_fit(past):
    y, X = _with_covariates()
    X = X.drop(pd.Period("2001-04", "M"))
    with pytest.raises(ValueError, match=r"(?s)'weather'.*2001-04.*history"):
        _f(horizon=3, window_size=12, past_covariates=past).fit(y, X)


def test_future_covariate_not_covering_fh_is_refused(covariate_model):
    f, y, X = covariate_model
    short = X.loc[: y.index[-1] + 1]  # one step of the three ahead
    with pytest.raises(ValueError, match=r"future covariate 'promo'"):
        f.predict(3, short)
    with pytest.raises(ValueError, match=r"future covariate 'promo'"):
        f.predict_interval(2, short)
    # the direct network reads the future covariates of its whole horizon
    with pytest.raises(ValueError, match=r"'promo'"):
        f.predict(1, short)


def test_predict_without_the_future_covariates_names_them(covariate_model):
    f, _, _ = covariate_model
    with pytest.raises(ValueError, match=r"pass X with the future covariates.*\['promo'\]"):
        f.predict(3)


def test_past_covariates_only_need_no_x_at_predict():
    y, X = _with_covariates()
    f = _f(horizon=3, window_size=12, past_covariates=["weather", "promo"]).fit(y, X)
    _assert_same(f.predict(3), f.predict(3, X))


def test_x_given_to_a_model_fitted_without_covariates_is_refused(direct, airline):
    X = pd.DataFrame({"a": 1.0}, index=pd.period_range("1961-01", periods=4, freq="M"))
    with pytest.raises(ValueError, match=r"without covariates"):
        direct.predict(3, X)


def test_numpy_x_with_a_period_indexed_y_is_refused():
    y, X = _with_covariates()
    with pytest.raises(TypeError, match=r"numpy array.*DataFrame"):
        _f(horizon=3, window_size=12).fit(y, X.to_numpy()[: len(y)])


def test_numpy_x_follows_an_array_y():
    """Array covariates follow an array y by position: at fit its rows, at predict the
    horizon's rows; the same as the tables on a RangeIndex."""
    y, X = _with_covariates()
    n = len(y)
    arrays = _f(horizon=2, window_size=12).fit(y.to_numpy(), X.to_numpy()[:n])
    table = X.reset_index(drop=True)
    tables = _f(horizon=2, window_size=12).fit(y.reset_index(drop=True), table)
    forecast = arrays.predict(2, X.to_numpy()[n:n + 2])
    assert forecast.index.tolist() == [n, n + 1]
    np.testing.assert_array_equal(forecast.to_numpy(), tables.predict(2, table).to_numpy())
    with pytest.raises(ValueError, match=r"future covariate"):
        arrays.predict(2, X.to_numpy()[n:n + 1])


def test_bad_past_covariates_are_refused():
    y, X = _with_covariates()
    with pytest.raises(ValueError, match=r"past_covariates.*'rain'"):
        _f(past_covariates=["rain"]).fit(y, X)
    with pytest.raises(ValueError, match=r"past_covariates.*X=None"):
        _f(past_covariates=["weather"]).fit(y)


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


# -- many series -------------------------------------------------------------------------


def test_long_table_forecasts_are_indexed_by_id_and_time(long_model):
    table = _long_table()
    forecast = long_model.predict(3)
    assert isinstance(forecast, pd.DataFrame)
    assert forecast.index.names == ["id", "time"]
    assert list(forecast.columns) == ["value"]
    assert long_model.series_ids_ == ["a", "b", "c"]
    for sid in ("a", "b", "c"):
        last = table.loc[table["id"] == sid, "time"].max()
        times = forecast.xs(sid, level="id").index
        assert list(times) == [last + 1, last + 2, last + 3], sid
        assert long_model.cutoffs_[long_model.series_ids_.index(sid)] == last
    assert np.isfinite(forecast.to_numpy()).all()
    # each series is forecast on its own level
    means = table.groupby("id")["value"].mean()
    for sid in ("a", "b", "c"):
        assert abs(forecast.xs(sid, level="id")["value"].mean() - means[sid]) < 40


def test_long_table_intervals_share_the_rows(long_model):
    forecast = long_model.predict([1, 3])
    bands = long_model.predict_interval([1, 3], coverage=[0.8, 0.95])
    quantiles = long_model.predict_quantiles([1, 3], alpha=[0.1, 0.5, 0.9])
    assert bands.index.equals(forecast.index) and quantiles.index.equals(forecast.index)
    assert list(bands.columns) == [("value", 0.8, "lower"), ("value", 0.8, "upper"),
                                   ("value", 0.95, "lower"), ("value", 0.95, "upper")]
    np.testing.assert_allclose(quantiles[("value", 0.5)], forecast["value"], rtol=1e-12)


def test_wide_table_forecasts_have_a_column_per_series(wide_model):
    frame = _wide_table()
    forecast = wide_model.predict(3)
    assert list(forecast.columns) == ["early", "late"]
    assert forecast.index.equals(pd.period_range(frame.index[-1] + 1, periods=3, freq="M"))
    assert np.isfinite(forecast.to_numpy()).all()
    assert (forecast["late"] > forecast["early"]).all()  # levels 10 and 500
    bands = wide_model.predict_interval(3, coverage=0.9)
    assert list(bands.columns) == [("early", 0.9, "lower"), ("early", 0.9, "upper"),
                                   ("late", 0.9, "lower"), ("late", 0.9, "upper")]


def test_forecast_from_a_new_history(long_model):
    """predict(y=...) forecasts the series handed to it, from their own ends."""
    new = pd.DataFrame({"id": "z", "time": pd.period_range("2010-01", periods=12, freq="M"),
                        "value": np.linspace(50, 60, 12)})
    forecast = long_model.predict(2, y=new)
    assert forecast.index.tolist() == [("z", pd.Period("2011-01", "M")),
                                       ("z", pd.Period("2011-02", "M"))]
    with pytest.raises(ValueError, match=r"frequency"):
        long_model.predict(2, y=pd.DataFrame({
            "id": "z", "time": pd.period_range("2010Q1", periods=12, freq="Q"), "value": 1.0}))


def test_a_series_too_short_for_the_window_names_it():
    table = _long_table()
    tiny = pd.DataFrame({"id": "tiny", "time": pd.period_range("2003-01", periods=3, freq="M"),
                         "value": [1.0, 2.0, 3.0]})
    with pytest.raises(ValueError, match=r"series 'tiny' has 3 values.*window_size"):
        _f(window_size=12).fit(pd.concat([table, tiny], ignore_index=True))


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
