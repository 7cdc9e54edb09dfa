"""The forecaster's data layer: series, time axes, fh, covariates and forecast windows.

Unit tests of ``sklstm._data._series`` (check_series in its four input forms,
the regular-time-index checks, TimeAxis, series_frequency, check_fh),
``sklstm._data._covariates`` (column checks and alignment by time label) and
``sklstm._data._forecast_windows`` (windows scaled on their own context, the
baselines, the conformal interval factors). The estimator built on them is
tested in tests/test_forecaster.py.
"""

import numpy as np
import pandas as pd
import pytest

from sklstm._data._covariates import (
    CovariateColumns,
    align_covariates,
    check_covariate_columns,
)
from sklstm._data._forecast_windows import (
    baseline,
    correction_weight,
    error_scale,
    interval_factors,
    series_windows,
    stack_windows,
    window_scale,
)
from sklstm._data._series import TimeAxis, check_fh, check_series, series_frequency

MONTHS = pd.period_range("2000-01", periods=12, freq="M")


def _monthly(n=12, start="2000-01", name="y"):
    return pd.Series(np.arange(1.0, n + 1), index=pd.period_range(start, periods=n, freq="M"),
                     name=name)


def _long(freq="M"):
    """Two series of unequal length and start, rows shuffled."""
    make = pd.period_range if freq == "M" else pd.date_range
    a = pd.DataFrame({"id": "a", "time": make("2000-01", periods=6, freq=freq),
                      "value": np.arange(6.0)})
    b = pd.DataFrame({"id": "b", "time": make("2000-01", periods=6, freq=freq)[3:],
                      "value": [10.0, 11.0, 12.0]})
    return pd.concat([b, a], ignore_index=True).sample(frac=1.0, random_state=0)


# -- check_series: the four forms ----------------------------------------------------------


def test_series_with_period_index():
    y = _monthly()
    panel = check_series(y)
    assert panel.form == "series"
    assert panel.n_series == 1
    assert panel.ids == ["y"] and panel.name == "y"
    assert panel.axis == TimeAxis("period", "M")
    np.testing.assert_array_equal(panel.values[0], y.to_numpy())
    assert panel.values[0].dtype == np.float64
    assert panel.indexes[0].equals(y.index)


def test_integer_series_and_arrays_are_on_an_integer_axis():
    panel = check_series(pd.Series([1.0, 2.0, 3.0], index=[5, 6, 7]))
    assert panel.axis == TimeAxis("integer", None)
    assert list(panel.indexes[0]) == [5, 6, 7]
    for y in (np.array([1, 2, 3]), [1.0, 2.0, 3.0]):
        panel = check_series(y)
        assert panel.form == "series" and panel.axis.kind == "integer"
        assert list(panel.indexes[0]) == [0, 1, 2]
        assert panel.values[0].tolist() == [1.0, 2.0, 3.0]


def test_wide_frame_with_leading_nan_keeps_each_series_from_its_start():
    frame = pd.DataFrame({"a": np.arange(12.0), "b": [np.nan] * 4 + list(range(8))},
                         index=MONTHS)
    panel = check_series(frame)
    assert panel.form == "wide" and panel.ids == ["a", "b"]
    assert [len(v) for v in panel.values] == [12, 8]
    assert panel.indexes[1][0] == pd.Period("2000-05", "M")
    assert panel.indexes[1][-1] == panel.indexes[0][-1] == MONTHS[-1]
    np.testing.assert_array_equal(panel.values[1], np.arange(8.0))


@pytest.mark.parametrize("freq", ["M", "D"])
def test_long_frame_of_unequal_series(freq):
    panel = check_series(_long(freq))
    assert panel.form == "long" and panel.ids == ["a", "b"] and panel.name == "value"
    assert panel.axis.kind == ("period" if freq == "M" else "datetime")
    assert [len(v) for v in panel.values] == [6, 3]
    # rows come back in time order whatever order the table had
    np.testing.assert_array_equal(panel.values[0], np.arange(6.0))
    np.testing.assert_array_equal(panel.values[1], [10.0, 11.0, 12.0])
    assert panel.indexes[1][0] == panel.indexes[0][3]
    assert panel.indexes[1][-1] == panel.indexes[0][-1]


def test_long_frame_with_other_column_names():
    frame = _long().rename(columns={"id": "store", "time": "t", "value": "sales"})
    panel = check_series(frame, id_col="store", time_col="t")
    assert panel.form == "long" and panel.ids == ["a", "b"] and panel.name == "sales"
    assert panel.id_col == "store" and panel.time_col == "t"


# -- check_series: what it refuses --------------------------------------------------------


def _gappy_period():
    y = _monthly()
    return y.drop(y.index[4])


def _irregular_datetime():
    index = pd.DatetimeIndex(["2020-01-01", "2020-01-02", "2020-01-05", "2020-01-06",
                              "2020-01-09"])
    return pd.Series(np.arange(5.0), index=index)


BAD_SERIES = {
    "gap in a PeriodIndex": (_gappy_period, ValueError, r"regular time index.*reindex"),
    "gap in integer labels": (lambda: pd.Series(np.arange(5.0), index=[0, 1, 2, 4, 5]),
                              ValueError, r"regular time index.*reindex"),
    "gap in a DatetimeIndex with freq": (
        lambda: pd.Series(np.arange(5.0), index=pd.DatetimeIndex(
            ["2020-01-01", "2020-01-02", "2020-01-03", "2020-01-05", "2020-01-06"])),
        ValueError, r"regular time index"),
    "no inferable frequency": (_irregular_datetime, ValueError, r"frequency.*asfreq"),
    "unsorted timestamps": (
        lambda: _irregular_datetime().iloc[::-1], ValueError, r"increasing.*sort"),
    "NaN inside": (lambda: _monthly().where(lambda s: s != 5.0), ValueError,
                   r"missing or infinite.*2000-05.*(interpolate|fill)"),
    "inf inside": (lambda: _monthly().replace(5.0, np.inf), ValueError, r"missing or infinite"),
    "leading NaN in a Series": (lambda: _monthly().where(lambda s: s > 2), ValueError,
                                r"starts with missing values.*(dropna|fill)"),
    "wide column ends early": (
        lambda: pd.DataFrame({"a": np.arange(12.0), "b": list(range(9)) + [np.nan] * 3},
                             index=MONTHS),
        ValueError, r"'b'.*ends at 2000-09.*long table"),
    "wide column all NaN": (
        lambda: pd.DataFrame({"a": np.arange(12.0), "b": np.nan}, index=MONTHS),
        ValueError, r"'b'.*no values"),
    "string index": (lambda: pd.Series([1.0, 2.0, 3.0], index=["a", "b", "c"]), TypeError,
                     r"PeriodIndex.*DatetimeIndex"),
    "time-zone aware": (
        lambda: pd.Series(np.arange(5.0), index=pd.date_range("2020", periods=5, freq="D",
                                                              tz="UTC")),
        ValueError, r"tz_localize"),
    "not numbers": (lambda: pd.Series(list("abc")), ValueError, r"to_numeric"),
    "2D array": (lambda: np.zeros((4, 2)), ValueError, r"1D.*DataFrame"),
    "empty array": (lambda: np.array([]), ValueError, r"empty"),
    "a dict": (lambda: {"a": 1.0}, TypeError, r"pandas Series"),
    "None": (lambda: None, TypeError, r"pandas Series"),
    "long with two value columns": (lambda: _long().assign(other=1.0), ValueError,
                                    r"one value column.*X"),
}


@pytest.mark.parametrize("case", list(BAD_SERIES))
def test_bad_series_are_refused_with_advice(case):
    make, error, match = BAD_SERIES[case]
    with pytest.raises(error, match=match):
        check_series(make())


def test_long_series_of_another_frequency_is_refused():
    frame = _long()
    other = pd.DataFrame({"id": "c", "time": pd.period_range("2000Q1", periods=3, freq="Q"),
                          "value": 1.0})
    with pytest.raises(ValueError, match=r"'c'.*frequency"):
        check_series(pd.concat([frame, other], ignore_index=True))


def test_long_series_with_a_gap_names_the_series():
    frame = _long()
    frame = frame[~((frame["id"] == "a") & (frame["time"] == pd.Period("2000-03", "M")))]
    with pytest.raises(ValueError, match=r"'a'.*regular time index"):
        check_series(frame)


# -- TimeAxis and series_frequency --------------------------------------------------------


def test_time_axis_continues_each_kind():
    period = TimeAxis("period", "M").following(pd.Period("2000-11", "M"), [1, 2, 3])
    assert period.equals(pd.period_range("2000-12", periods=3, freq="M"))
    day = TimeAxis("datetime", "D").following(pd.Timestamp("2020-02-28"), [1, 2])
    assert list(day) == [pd.Timestamp("2020-02-29"), pd.Timestamp("2020-03-01")]
    month_start = TimeAxis("datetime", "MS").following(pd.Timestamp("2020-12-01"), [2])
    assert list(month_start) == [pd.Timestamp("2021-02-01")]
    assert TimeAxis("integer", None).following(9, [1, 3]).tolist() == [10, 12]


def test_time_axis_labels_rebuild_an_index():
    assert TimeAxis("period", "M").labels("2000-01", 12).equals(MONTHS)
    assert TimeAxis("integer", None).labels(5, 3).tolist() == [5, 6, 7]
    days = TimeAxis("datetime", "D").labels(pd.Timestamp("2020-01-30"), 3)
    assert days.equals(pd.date_range("2020-01-30", periods=3, freq="D"))


@pytest.mark.parametrize("make, freq, season", [
    (pd.period_range, "M", 12), (pd.period_range, "Q", 4), (pd.period_range, "D", 7),
    (pd.date_range, "MS", 12), (pd.date_range, "D", 7), (pd.date_range, "h", 24),
    (pd.date_range, "W-SUN", 52), (pd.date_range, "B", 5),
])
def test_seasonal_period_from_the_frequency(make, freq, season):
    y = pd.Series(np.arange(10.0), index=make("2020-01-01", periods=10, freq=freq))
    assert series_frequency(check_series(y).axis) == season


def test_no_season_without_a_frequency():
    assert series_frequency(TimeAxis("integer", None)) == 1


def test_datetime_frequency_is_inferred_when_not_set():
    index = pd.DatetimeIndex(pd.date_range("2020-01-01", periods=6, freq="D").tolist())
    assert index.freq is None
    assert check_series(pd.Series(np.arange(6.0), index=index)).axis == TimeAxis("datetime", "D")


# -- check_fh -----------------------------------------------------------------------------


@pytest.mark.parametrize("fh, steps", [
    (3, [1, 2, 3]), (1, [1]), (np.int64(2), [1, 2]), ([2], [2]), ([3, 1], [1, 3]),
    ([2, 2, 1], [1, 2]), (np.array([4, 1]), [1, 4]), (range(1, 3), [1, 2]),
])
def test_fh_forms(fh, steps):
    out = check_fh(fh)
    assert out.dtype == np.int64
    assert out.tolist() == steps


@pytest.mark.parametrize("fh, error", [
    (0, ValueError), (-2, ValueError), ([0, 1], ValueError), ([-1], ValueError),
    ([], TypeError), ([1.0, 2.0], TypeError), (["1"], TypeError), ("3", TypeError),
    (None, TypeError), (True, TypeError), ([[1, 2]], TypeError), (np.array(3), TypeError),
    (1.5, TypeError), (np.float64(2.0), TypeError),
])
def test_bad_fh(fh, error):
    # every refusal says what fh must be (a float scalar included)
    with pytest.raises(error, match=r"fh"):
        check_fh(fh)


# -- covariates ----------------------------------------------------------------------------


def _covariates(n=12):
    return pd.DataFrame({"weather": np.arange(n, dtype=float) + 100,
                         "promo": np.arange(n, dtype=float) % 2},
                        index=pd.period_range("2000-01", periods=n, freq="M"))


def _known(n, columns):
    return [np.ones((n, len(columns.names)), bool)]


def test_covariate_columns_mark_the_past_ones():
    panel = check_series(_monthly())
    columns = check_covariate_columns(_covariates(), panel, "weather")
    assert columns == CovariateColumns(("weather", "promo"), (True, False))
    assert columns.n_past == 1 and columns.n_future == 1
    assert check_covariate_columns(_covariates(), panel, None).n_past == 0


def test_unknown_past_covariate_is_refused():
    with pytest.raises(ValueError, match=r"past_covariates.*'rain'.*weather"):
        check_covariate_columns(_covariates(), check_series(_monthly()), ["rain"])


def test_covariates_without_columns_are_refused():
    with pytest.raises(ValueError, match=r"no covariate columns.*X=None"):
        check_covariate_columns(_covariates().iloc[:, :0], check_series(_monthly()), None)


def test_covariates_align_by_time_label_not_by_position():
    panel = check_series(_monthly())
    X = _covariates(18).iloc[::-1]  # reversed and longer: matched by label
    columns = check_covariate_columns(X, panel, None)
    (rows,) = align_covariates(X, panel, columns, panel.indexes, known=_known(12, columns))
    np.testing.assert_array_equal(rows[:, 0], np.arange(12.0) + 100)
    np.testing.assert_array_equal(rows[:, 1], np.arange(12.0) % 2)


@pytest.mark.parametrize("past, kind", [(["weather"], "past"), (None, "future")])
def test_covariates_missing_a_history_row_are_refused(past, kind):
    panel = check_series(_monthly())
    X = _covariates().drop(pd.Period("2000-04", "M"))
    columns = check_covariate_columns(X, panel, past)
    with pytest.raises(ValueError, match=rf"no value for {kind} covariate 'weather' at 2000-04"):
        align_covariates(X, panel, columns, panel.indexes, known=_known(12, columns))


def test_future_covariate_not_covering_the_horizon_names_it():
    panel = check_series(_monthly())
    X = _covariates(13)
    columns = check_covariate_columns(X, panel, ["weather"])
    future = [TimeAxis("period", "M").following(panel.indexes[0][-1], [1, 2, 3])]
    known = [np.tile(~np.array(columns.past), (3, 1))]
    with pytest.raises(ValueError, match=r"future covariate 'promo' at 2001-02.*horizon"):
        align_covariates(X, panel, columns, future, known=known)
    # the past covariate is not needed there: what X lacks of it is filled with 0
    (rows,) = align_covariates(_covariates(15), panel, columns, future, known=known)
    assert rows.shape == (3, 2)


def test_values_not_needed_are_zero():
    panel = check_series(_monthly())
    X = _covariates(13)
    columns = check_covariate_columns(X, panel, ["weather", "promo"])
    future = [TimeAxis("period", "M").following(panel.indexes[0][-1], [1, 2])]
    (rows,) = align_covariates(X, panel, columns, future, known=[np.zeros((2, 2), bool)])
    np.testing.assert_array_equal(rows, [[112.0, 0.0], [0.0, 0.0]])


def test_numpy_covariates_with_time_labels_are_refused():
    panel = check_series(_monthly())
    with pytest.raises(TypeError, match=r"numpy array.*DataFrame indexed"):
        check_covariate_columns(np.zeros((12, 2)), panel, None)


def test_numpy_covariates_follow_an_integer_series_by_position():
    panel = check_series(np.arange(5.0))
    X = np.arange(10.0).reshape(5, 2)
    columns = check_covariate_columns(X, panel, None)
    assert columns.names == (0, 1)
    (rows,) = align_covariates(X, panel, columns, panel.indexes, known=_known(5, columns),
                               positions=[np.arange(5)])
    np.testing.assert_array_equal(rows, X)


def test_covariates_lacking_a_fitted_column_are_refused():
    panel = check_series(_monthly())
    columns = check_covariate_columns(_covariates(), panel, None)
    with pytest.raises(ValueError, match=r"lacks the covariate columns \['promo'\]"):
        align_covariates(_covariates()[["weather"]], panel, columns, panel.indexes,
                         known=_known(12, columns))


def test_covariates_with_repeated_time_labels_are_refused():
    panel = check_series(_monthly())
    X = pd.concat([_covariates(), _covariates().iloc[:1]])
    columns = check_covariate_columns(X, panel, None)
    with pytest.raises(ValueError, match=r"several rows for the same time label"):
        align_covariates(X, panel, columns, panel.indexes, known=_known(12, columns))


def test_long_covariates_are_matched_per_series():
    y = _long()
    panel = check_series(y)
    X = y.rename(columns={"value": "price"})
    X["price"] = np.where(X["id"] == "a", 1.0, 2.0) * np.arange(len(X))
    columns = check_covariate_columns(X, panel, None)
    assert columns.names == ("price",)
    rows = align_covariates(X, panel, columns, panel.indexes,
                            known=[np.ones((len(v), 1), bool) for v in panel.values])
    for i, sid in enumerate(panel.ids):
        expected = X[X["id"] == sid].sort_values("time")["price"].to_numpy()
        np.testing.assert_array_equal(rows[i][:, 0], expected)


# -- forecast windows ----------------------------------------------------------------------


def test_window_scale_ignores_padding_and_survives_constant_windows():
    loc, scale = window_scale(np.array([[np.nan, 1.0, 3.0], [5.0, 5.0, 5.0], [0.0, 0.0, 0.0]]))
    np.testing.assert_allclose(loc, [2.0, 5.0, 0.0])
    np.testing.assert_allclose(scale, [1.0, 5.0, 1.0])  # constant: |mean|, or 1 at 0
    assert (scale > 0).all()


@pytest.mark.parametrize("season, drift, expected", [
    (1, False, [[5.0, 5.0, 5.0]]),                 # last value
    (1, True, [[6.0, 7.0, 8.0]]),                  # drift: last + mean step
    (2, False, [[4.0, 5.0, 4.0]]),                 # last season repeated
    (2, True, [[6.0, 7.0, 8.0]]),                  # ... plus its change per season
    (None, False, [[3.0, 3.0, 3.0]]),              # the mean
])
def test_baselines(season, drift, expected):
    context = np.array([[1.0, 2.0, 3.0, 4.0, 5.0]])
    np.testing.assert_allclose(baseline(context, 3, season, drift), expected)


def test_seasonal_baseline_on_a_short_context_is_the_last_value():
    context = np.array([[np.nan, np.nan, 7.0, 8.0]])
    np.testing.assert_allclose(baseline(context, 3, 3, drift=True), [[8.0, 8.0, 8.0]])


def test_windows_are_scaled_on_their_own_context():
    values = np.array([1.0, 2.0, 3.0, 4.0, 50.0, 60.0, 70.0])
    w = series_windows(values, None, np.array([4]), window_size=4, horizon=2,
                       past=np.zeros(0, bool), season=1)
    context = values[:4]
    np.testing.assert_allclose(w.loc, [context.mean()])
    np.testing.assert_allclose(w.scale, [context.std()])
    np.testing.assert_allclose(w.X[0, :, 0], (context - context.mean()) / context.std(),
                               rtol=1e-6)
    np.testing.assert_allclose(w.base, [[4.0, 4.0]])
    np.testing.assert_allclose(w.y, [[(50.0 - 4.0) / context.std(), (60.0 - 4.0) / context.std()]])
    np.testing.assert_allclose(w.unscale(w.y), [[50.0, 60.0]])
    assert w.age.tolist() == [3]


def test_window_inputs_do_not_depend_on_values_after_the_origin():
    rng = np.random.RandomState(0)
    values = rng.normal(size=20)
    changed = values.copy()
    changed[10:] += rng.normal(scale=100, size=10)
    origins = np.arange(2, 11)  # every origin up to 10: its context ends before index 10
    cov = rng.normal(size=(20, 1))
    cov_changed = cov.copy()
    cov_changed[10:] = 1e3
    a = series_windows(values, cov, origins, window_size=6, horizon=3, past=np.array([True]),
                       covariate_mean=np.zeros(1), covariate_scale=np.ones(1), season=2,
                       drift=True)
    b = series_windows(changed, cov_changed, origins, window_size=6, horizon=3,
                       past=np.array([True]), covariate_mean=np.zeros(1),
                       covariate_scale=np.ones(1), season=2, drift=True)
    np.testing.assert_array_equal(a.X, b.X)
    for field in ("loc", "scale", "base"):
        np.testing.assert_array_equal(getattr(a, field), getattr(b, field))
    # the targets are the values after the origin: those do change
    assert not np.allclose(a.y[-1], b.y[-1])


def test_window_padding_at_the_start_and_unobserved_targets_at_the_end():
    w = series_windows(np.arange(6.0), None, np.array([2, 6]), window_size=4, horizon=2,
                       past=np.zeros(0, bool), season=1)
    assert np.isnan(w.X[0, :2]).all() and np.isfinite(w.X[0, 2:]).all()
    assert np.isfinite(w.y[0]).all() and np.isnan(w.y[1]).all()
    assert w.X.dtype == np.float32


def test_future_steps_carry_future_covariates_only():
    values = np.arange(8.0)
    cov = np.column_stack([np.arange(10.0) + 1, np.arange(10.0) + 100])  # past, future
    w = series_windows(values, cov, np.array([8]), window_size=4, horizon=2,
                       past=np.array([True, False]), covariate_mean=np.zeros(2),
                       covariate_scale=np.ones(2), future_steps=True, season=1)
    assert w.X.shape == (1, 6, 4)  # value, 2 covariates, observed flag; 4 + 2 steps
    np.testing.assert_array_equal(w.X[0, :4, 1], [5.0, 6.0, 7.0, 8.0])
    np.testing.assert_array_equal(w.X[0, 4:, 1], [0.0, 0.0])  # past: unknown ahead
    np.testing.assert_array_equal(w.X[0, 4:, 2], [108.0, 109.0])  # future: known ahead
    np.testing.assert_array_equal(w.X[0, :, 3], [1, 1, 1, 1, 0, 0])
    np.testing.assert_array_equal(w.X[0, 4:, 0], [0.0, 0.0])  # no values ahead


def test_stack_windows_concatenates():
    parts = [series_windows(np.arange(float(n)), None, np.array([n]), window_size=3, horizon=1,
                            past=np.zeros(0, bool), season=1) for n in (4, 5)]
    stacked = stack_windows(parts)
    assert stacked.X.shape == (2, 3, 1)
    np.testing.assert_array_equal(stacked.base[:, 0], [3.0, 4.0])


# -- error scale and interval factors ---------------------------------------------------

LEVELS = np.array([0.1, 0.25, 0.5, 0.75, 0.9])
NORMAL_Q = np.array([-1.2816, -0.6745, 0.0, 0.6745, 1.2816])


@pytest.mark.parametrize("spread", [0.5, 1.0, 3.0])
def test_interval_factors_are_the_quantiles_of_the_residuals(spread):
    residuals = np.random.RandomState(0).normal(0, spread, size=(4000, 2))
    factors = interval_factors(residuals, LEVELS)
    assert factors[2] == 0.0
    np.testing.assert_allclose(factors, spread * NORMAL_Q, rtol=0.1)
    np.testing.assert_array_equal(factors, -factors[::-1])  # a pair shares its width


def test_intervals_of_the_factors_cover_their_nominal_share():
    rng = np.random.RandomState(0)
    factors = interval_factors(rng.standard_t(3, size=(2000, 3)), LEVELS)
    fresh = rng.standard_t(3, size=(20000, 3))
    for lo, hi in ((0, 4), (1, 3)):
        inside = (fresh >= factors[lo]) & (fresh <= factors[hi])
        assert abs(inside.mean() - (LEVELS[hi] - LEVELS[lo])) < 0.02


def test_interval_factors_skip_unobserved_values():
    residuals = np.random.RandomState(0).normal(0, 2.0, size=(2000, 2))
    residuals[::2, 1] = np.nan
    assert np.isfinite(interval_factors(residuals, LEVELS)).all()
    assert interval_factors(np.full((1, 2), np.nan), LEVELS).tolist() == [0.0] * 5


def test_error_scale_grows_with_the_step_and_skips_unobserved_steps():
    errors = np.array([[1.0, -4.0, np.nan, 1.0], [-1.0, 2.0, np.nan, 1.0]])
    assert error_scale(errors).tolist() == [1.0, 3.0, 3.0, 3.0]
    assert error_scale(np.zeros((2, 2))).tolist() == [1.0, 1.0]  # a perfect baseline: unit scale


def test_correction_weight_keeps_what_helps_on_held_out_windows():
    rng = np.random.RandomState(0)
    errors = rng.normal(0, 1, size=(200, 3))  # the baseline's errors, scaled
    errors[::7, 2] = np.nan
    assert correction_weight(errors, errors) == 1.0  # a network that sees the errors
    assert correction_weight(errors, rng.normal(0, 1, size=(200, 3))) == 0.0  # noise
    half = 0.5 * errors + rng.normal(0, 0.1, size=(200, 3))
    assert correction_weight(errors, 2 * half) == 1.0
    assert correction_weight(errors, 4 * half) == 0.5  # an overshooting network is damped
