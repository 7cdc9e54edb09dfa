"""Rolling-origin backtests, forecast scoring and model selection for forecasters.

``sklstm.model_selection.backtest`` (origins, cuts, no look-ahead, the
forecasts' and metrics' layout, many series), ``score_forecast`` and
``LSTMForecaster.score``, ``ForecastSplit(gap=0)`` with ``GridSearchCV``
(with ``make_forecast_scorer`` and with the default ``score``), and the
forecast metrics of ``sklstm.metrics``.
"""

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, cross_val_score

from sklstm import LSTMForecaster
from sklstm._backtest import score_forecast
from sklstm.metrics import (
    interval_coverage,
    interval_width,
    make_forecast_scorer,
    mase_scale,
    mean_absolute_scaled_error,
    symmetric_mean_absolute_percentage_error,
)
from sklstm.model_selection import BacktestResult, ForecastSplit, backtest

pytestmark = pytest.mark.filterwarnings(
    "ignore:early_stopping=True would hold out:UserWarning")

COVERAGE = (0.8, 0.95)


def _f(**kwargs):
    params = dict(hidden_size=4, max_iter=2, random_state=0, window_size=12, n_paths=20)
    params.update(kwargs)
    return LSTMForecaster(**params)


def _monthly(n=48, seed=0, name="sales"):
    rng = np.random.RandomState(seed)
    t = np.arange(n)
    values = 20 + 0.2 * t + 3 * np.sin(2 * np.pi * t / 12) + rng.normal(0, 0.5, n)
    return pd.Series(values, index=pd.period_range("2000-01", periods=n, freq="M"), name=name)


def _covariates(index, seed=1):
    rng = np.random.RandomState(seed)
    return pd.DataFrame({"weather": rng.normal(size=len(index)),
                         "promo": (np.arange(len(index)) % 3 == 0).astype(float)}, index=index)


class _Recording(LSTMForecaster):
    """An LSTMForecaster that notes the time labels of every y it is fitted on."""

    fits: list = []

    def fit(self, y, X=None):
        _Recording.fits.append(y.copy())
        return super().fit(y, X)


@pytest.fixture
def recording():
    _Recording.fits = []
    yield _Recording
    _Recording.fits = []


@pytest.fixture(scope="module")
def series_result():
    """A backtest of one monthly series with covariates: 3 origins, 2 steps apart, fh=3."""
    y = _monthly(48)
    X = _covariates(y.index)
    forecaster = _f(horizon=3, past_covariates=["weather"])
    return backtest(forecaster, y, X, n_origins=3, step=2, coverage=COVERAGE), y, X


# -- origins and cuts --------------------------------------------------------------------


def test_origins_step_back_by_step(series_result):
    result, y, _ = series_result
    assert isinstance(result, BacktestResult)
    # the last origin leaves max(fh) = 3 steps; the others step back by 2
    expected = [y.index[-1] - 3 - 2 * k for k in (2, 1, 0)]
    assert list(result.metrics.index) == expected
    assert result.metrics.index.name == "origin"
    assert list(result.forecasts["origin"].unique()) == expected


def test_every_forecast_lies_after_its_origin(series_result):
    result, y, _ = series_result
    forecasts = result.forecasts
    assert len(forecasts) == 3 * 3
    assert (forecasts["time"] > forecasts["origin"]).all()
    for _, row in forecasts.iterrows():
        assert row["time"] == row["origin"] + row["step"]
        assert row["y_true"] == y[row["time"]]
    assert forecasts.groupby("origin")["step"].apply(list).tolist() == [[1, 2, 3]] * 3


def test_training_cut_excludes_the_forecast_window(recording):
    y = _monthly(48)
    result = backtest(recording(horizon=3, hidden_size=4, max_iter=2, random_state=0,
                                window_size=12), y, n_origins=3, step=2)
    assert len(recording.fits) == 3
    for history, (origin, rows) in zip(recording.fits, result.forecasts.groupby("origin")):
        assert history.index[-1] == origin
        assert history.index[0] == y.index[0]  # expanding window: all history before it
        assert (rows["time"] > history.index[-1]).all()
        assert not set(rows["time"]) & set(history.index)


def test_default_step_gives_windows_that_do_not_overlap():
    y = _monthly(48)
    result = backtest(_f(horizon=3), y, n_origins=3)
    origins = list(result.metrics.index)
    assert origins == [y.index[-1] - 3 * k for k in (3, 2, 1)]
    times = result.forecasts["time"]
    assert not times.duplicated().any()
    assert list(times) == list(y.index[-9:])


def test_fh_list_forecasts_those_steps_only():
    y = _monthly(48)
    result = backtest(_f(horizon=4), y, fh=[1, 4], n_origins=2, step=3)
    assert list(result.metrics.index) == [y.index[-1] - 4 - 3, y.index[-1] - 4]
    assert result.forecasts["step"].tolist() == [1, 4, 1, 4]
    assert (result.forecasts["time"] == result.forecasts["origin"] + result.forecasts["step"]).all()


def test_sliding_window_keeps_the_last_train_size_steps(recording):
    y = _monthly(48)
    backtest(recording(horizon=2, hidden_size=4, max_iter=2, random_state=0, window_size=8),
             y, n_origins=2, window="sliding", train_size=20)
    assert [len(h) for h in recording.fits] == [20, 20]
    assert [h.index[-1] for h in recording.fits] == [y.index[-1] - 4, y.index[-1] - 2]


def test_refit_false_fits_once_and_forecasts_every_origin(recording):
    y = _monthly(48)
    forecaster = recording(horizon=2, hidden_size=4, max_iter=2, random_state=0, window_size=8)
    once = backtest(forecaster, y, n_origins=3, refit=False)
    assert len(recording.fits) == 1
    assert recording.fits[0].index[-1] == once.metrics.index[0]
    assert list(once.metrics.index) == [y.index[-1] - 2 * k for k in (3, 2, 1)]
    assert (once.forecasts["time"] > once.forecasts["origin"]).all()
    # at the first origin the model is the refitted one: the same forecasts
    recording.fits = []
    every = backtest(forecaster, y, n_origins=3, refit=True)
    first = once.metrics.index[0]
    pd.testing.assert_frame_equal(once.forecasts[once.forecasts["origin"] == first],
                                  every.forecasts[every.forecasts["origin"] == first])


def test_backtest_leaves_the_forecaster_unfitted():
    forecaster = _f(horizon=2)
    backtest(forecaster, _monthly(40), n_origins=1)
    assert not hasattr(forecaster, "cutoffs_")


# -- no look-ahead -----------------------------------------------------------------------


def test_an_origin_forecast_ignores_values_after_it(series_result):
    """Change y and the past covariate after the first origin: the first origin's
    forecasts and intervals stay the same (only its y_true changes)."""
    result, y, X = series_result
    first = result.metrics.index[0]
    after = y.index > first
    rng = np.random.RandomState(3)
    y_changed = y.copy()
    y_changed[after] += rng.normal(0, 50, after.sum())
    X_changed = X.copy()
    X_changed.loc[after, "weather"] = rng.normal(0, 50, after.sum())
    changed = backtest(_f(horizon=3, past_covariates=["weather"]), y_changed, X_changed,
                       n_origins=3, step=2, coverage=COVERAGE)
    columns = ["origin", "time", "step", "y_pred"] + [
        f"{side}_{c:g}" for c in COVERAGE for side in ("lower", "upper")]
    before = result.forecasts[result.forecasts["origin"] == first]
    later = changed.forecasts[changed.forecasts["origin"] == first]
    pd.testing.assert_frame_equal(before[columns], later[columns], check_exact=True)
    assert not np.allclose(before["y_true"], later["y_true"])
    # a later origin sees the changed values: its forecasts move
    last = result.metrics.index[-1]
    assert not np.allclose(result.forecasts.loc[result.forecasts["origin"] == last, "y_pred"],
                           changed.forecasts.loc[changed.forecasts["origin"] == last, "y_pred"])


@pytest.mark.parametrize("refit", [True, False])
def test_recursive_origin_forecast_ignores_values_after_it(refit):
    y = _monthly(48)
    cut = len(y) - 2 * 3  # after the first of two origins, fh=3
    changed = y.copy()
    changed.iloc[cut:] = 1e4
    a = backtest(_f(strategy="recursive", horizon=3), y, n_origins=2, refit=refit)
    b = backtest(_f(strategy="recursive", horizon=3), changed, n_origins=2, refit=refit)
    first = a.metrics.index[0]
    assert first == y.index[cut - 1]
    pick = ["time", "y_pred", "lower_0.8", "upper_0.95"]
    pd.testing.assert_frame_equal(a.forecasts.loc[a.forecasts["origin"] == first, pick],
                                  b.forecasts.loc[b.forecasts["origin"] == first, pick],
                                  check_exact=True)


# -- forecasts and metrics ---------------------------------------------------------------


def test_forecast_and_metric_columns(series_result):
    result, _, _ = series_result
    assert list(result.forecasts.columns) == [
        "origin", "series", "time", "step", "y_true", "y_pred",
        "lower_0.8", "upper_0.8", "lower_0.95", "upper_0.95"]
    assert set(result.forecasts["series"]) == {"sales"}
    assert list(result.metrics.columns) == [
        "mae", "rmse", "mape", "smape", "mase", "coverage_0.8", "width_0.8",
        "coverage_0.95", "width_0.95", "fit_seconds"]
    assert np.isfinite(result.metrics.to_numpy()).all()
    assert (result.metrics["fit_seconds"] > 0).all()


def test_intervals_of_the_backtest_are_ordered_and_nested(series_result):
    f = series_result[0].forecasts
    assert (f["lower_0.95"] <= f["lower_0.8"]).all()
    assert (f["lower_0.8"] <= f["y_pred"]).all()
    assert (f["y_pred"] <= f["upper_0.8"]).all()
    assert (f["upper_0.8"] <= f["upper_0.95"]).all()


def test_metrics_are_computed_from_the_forecasts(series_result):
    result, y, _ = series_result
    forecasts = result.forecasts
    for origin, rows in forecasts.groupby("origin"):
        row = result.metrics.loc[origin]
        error = rows["y_true"] - rows["y_pred"]
        assert row["mae"] == pytest.approx(error.abs().mean())
        assert row["rmse"] == pytest.approx(np.sqrt((error ** 2).mean()))
        assert row["mape"] == pytest.approx(100 * (error.abs() / rows["y_true"].abs()).mean())
        assert row["smape"] == pytest.approx(
            symmetric_mean_absolute_percentage_error(rows["y_true"], rows["y_pred"]))
        history = y[y.index <= origin].to_numpy()
        assert row["mase"] == pytest.approx(mean_absolute_scaled_error(
            rows["y_true"], rows["y_pred"], y_train=history, seasonal_period=12))
        assert row["coverage_0.8"] == pytest.approx(
            interval_coverage(rows["y_true"], rows["lower_0.8"], rows["upper_0.8"]))
        assert row["width_0.95"] == pytest.approx(
            (rows["upper_0.95"] - rows["lower_0.95"]).mean())
    summary = result.summary()
    error = forecasts["y_true"] - forecasts["y_pred"]
    assert summary["mae"] == pytest.approx(error.abs().mean())
    assert summary["mase"] == pytest.approx(result.metrics["mase"].mean())
    assert summary["coverage_0.95"] == pytest.approx(
        interval_coverage(forecasts["y_true"], forecasts["lower_0.95"],
                          forecasts["upper_0.95"]))
    assert summary["fit_seconds"] == pytest.approx(result.metrics["fit_seconds"].sum())


# -- many series -------------------------------------------------------------------------


def _long_table():
    rng = np.random.RandomState(0)
    parts = [pd.DataFrame({"id": sid, "time": pd.period_range(start, periods=n, freq="M"),
                           "value": level + np.cumsum(rng.normal(0, 1, n))})
             for sid, start, n, level in (("a", "2000-01", 36, 10.0), ("b", "2000-10", 30, 80.0))]
    return pd.concat(parts, ignore_index=True)


def test_backtest_of_a_long_table_of_unequal_series(recording):
    table = _long_table()
    result = backtest(recording(horizon=2, hidden_size=4, max_iter=2, random_state=0,
                                window_size=8), table, n_origins=2)
    forecasts = result.forecasts
    assert set(forecasts["series"]) == {"a", "b"}
    assert len(forecasts) == 2 * 2 * 2
    assert (forecasts["time"] > forecasts["origin"]).all()
    for history in recording.fits:  # every series cut by the same number of steps
        ends = history.groupby("id")["time"].max()
        full = table.groupby("id")["time"].max()
        assert len({(full[sid] - ends[sid]).n for sid in ("a", "b")}) == 1
    for (origin, sid), rows in forecasts.groupby(["origin", "series"]):
        truth = table[table["id"] == sid].set_index("time")["value"]
        np.testing.assert_array_equal(rows["y_true"], truth[rows["time"]].to_numpy())
        assert (rows["time"] > origin).all()


def test_backtest_of_a_wide_table():
    rng = np.random.RandomState(0)
    frame = pd.DataFrame({"x": 10 + np.cumsum(rng.normal(size=36)),
                          "z": 90 + np.cumsum(rng.normal(size=36))},
                         index=pd.period_range("2000-01", periods=36, freq="M"))
    frame.iloc[:6, 1] = np.nan
    result = backtest(_f(horizon=2, window_size=8), frame, n_origins=2)
    assert set(result.forecasts["series"]) == {"x", "z"}
    assert len(result.forecasts) == 8
    assert (result.forecasts["time"] > result.forecasts["origin"]).all()
    assert np.isfinite(result.metrics["mase"]).all()


# -- refused settings --------------------------------------------------------------------


@pytest.mark.parametrize("kwargs, match", [
    (dict(n_origins=20), r"fewer origins"),
    (dict(n_origins=0), r"n_origins"),
    (dict(step=0), r"step"),
    (dict(window="rolling"), r"window"),
    (dict(window="sliding"), r"train_size"),
    (dict(fh=0), r"fh"),
])
def test_bad_backtest_settings_are_refused(kwargs, match):
    with pytest.raises(ValueError, match=match):
        backtest(_f(horizon=3), _monthly(40), **kwargs)


# -- scoring -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def fitted():
    y = _monthly(48)
    return _f(horizon=3).fit(y.iloc[:-3]), y


def test_score_is_minus_the_mase_of_the_forecast(fitted):
    f, y = fitted
    test = y.iloc[-3:]
    expected = mean_absolute_scaled_error(test, f.predict(3), y_train=y.iloc[:-3],
                                          seasonal_period=12)
    assert f.score(test) == pytest.approx(-expected)
    assert score_forecast(f, test, metric="mae") == pytest.approx(
        np.abs(test.to_numpy() - f.predict(3).to_numpy()).mean())
    # the steps of y_test pick the forecast steps
    assert f.score(test.iloc[[1]]) == pytest.approx(-mean_absolute_scaled_error(
        test.iloc[[1]], f.predict([2]), y_train=y.iloc[:-3], seasonal_period=12))


def test_scoring_values_that_do_not_follow_the_fit_is_refused(fitted):
    f, y = fitted
    with pytest.raises(ValueError, match=r"gap=0"):
        f.score(y.iloc[-6:-3])  # inside the training data
    with pytest.raises(ValueError, match=r"not fitted"):
        score_forecast(f, y.iloc[-3:].rename("other"))


def test_forecast_split_without_a_gap_continues_each_training_fold():
    y = _monthly(48)
    cv = ForecastSplit(n_splits=3, horizon=3, test_size=3, gap=0)
    splits = list(cv.split(y))
    assert len(splits) == 3
    for train, test in splits:
        assert train.max() + 1 == test.min()
        assert test.tolist() == list(range(test.min(), test.min() + 3))
    assert splits[-1][1].max() == len(y) - 1


def _manual_scores(estimator, y, cv, metric):
    scores = []
    for train, test in cv.split(y):
        f = clone(estimator).fit(y.iloc[train])
        pred = f.predict(len(test))
        if metric == "mase":
            score = mean_absolute_scaled_error(y.iloc[test], pred, y_train=y.iloc[train],
                                               seasonal_period=12)
        else:
            score = np.abs(y.iloc[test].to_numpy() - pred.to_numpy()).mean()
        scores.append(-score)
    return np.array(scores)


@pytest.mark.parametrize("scoring, metric", [(make_forecast_scorer("mae"), "mae"),
                                              (None, "mase")])
def test_grid_search_over_forecasters(scoring, metric):
    y = _monthly(48)
    cv = ForecastSplit(n_splits=2, horizon=3, test_size=3, gap=0)
    search = GridSearchCV(_f(horizon=3), {"hidden_size": [2, 4]}, cv=cv, scoring=scoring,
                          error_score="raise").fit(y)
    assert search.best_params_["hidden_size"] in (2, 4)
    for i, params in enumerate(search.cv_results_["params"]):
        expected = _manual_scores(_f(horizon=3, **params), y, cv, metric)
        got = [search.cv_results_[f"split{k}_test_score"][i] for k in range(2)]
        np.testing.assert_allclose(got, expected, rtol=1e-10)
    assert search.best_estimator_.cutoffs_ == [y.index[-1]]  # refitted on all of y
    assert len(search.best_estimator_.predict(3)) == 3


def test_cross_val_score_with_a_forecast_scorer():
    y = _monthly(48)
    cv = ForecastSplit(n_splits=2, horizon=2, test_size=2, gap=0)
    scores = cross_val_score(_f(horizon=2), y, cv=cv, scoring=make_forecast_scorer("smape"))
    assert scores.shape == (2,) and (scores <= 0).all() and np.isfinite(scores).all()


def test_forecast_split_with_its_default_gap_is_refused_by_the_scorer():
    y = _monthly(48)
    cv = ForecastSplit(n_splits=2, horizon=3, test_size=3)  # gap=2: the test fold skips 2 steps
    with pytest.raises(ValueError, match=r"horizon=3"):
        cross_val_score(_f(horizon=3), y, cv=cv, scoring=make_forecast_scorer("mae"),
                        error_score="raise")


# -- forecast metrics --------------------------------------------------------------------


def test_mase_and_its_scale():
    history = [1.0, 2.0, 4.0, 5.0, 7.0]
    assert mase_scale(history) == pytest.approx(np.mean([1, 2, 1, 2]))
    assert mase_scale(history, seasonal_period=2) == pytest.approx(np.mean([3, 3, 3]))
    assert mase_scale([1.0, 3.0], seasonal_period=12) == 2.0  # too short: naive
    assert np.isnan(mase_scale([1.0]))
    assert mean_absolute_scaled_error([8.0, 9.0], [7.0, 11.0], y_train=history) == pytest.approx(
        1.5 / 1.5)
    assert mean_absolute_scaled_error([8.0, 9.0], [7.0, 11.0], y_train=history,
                                      seasonal_period=2) == pytest.approx(0.5)
    assert np.isnan(mean_absolute_scaled_error([1.0], [2.0], y_train=[3.0, 3.0, 3.0]))


def test_naive_forecast_has_mase_one_in_sample():
    rng = np.random.RandomState(0)
    y = np.cumsum(rng.normal(size=50))
    assert mean_absolute_scaled_error(y[1:], y[:-1], y_train=y) == pytest.approx(1.0)


def test_smape():
    assert symmetric_mean_absolute_percentage_error([100, 200], [110, 180]) == pytest.approx(
        100 * np.mean([20 / 210, 40 / 380]))
    assert symmetric_mean_absolute_percentage_error([0.0, 1.0], [0.0, 1.0]) == 0.0
    assert symmetric_mean_absolute_percentage_error([1.0], [-1.0]) == pytest.approx(200.0)


def test_interval_coverage_and_width():
    assert interval_coverage([1, 5, 2], [0, 0, 2], [2, 2, 3]) == pytest.approx(2 / 3)
    assert interval_coverage([0.0], [0.0], [0.0]) == 1.0  # bounds included
    assert interval_width([0, 1], [2, 5]) == 3.0


def test_make_forecast_scorer():
    scorer = make_forecast_scorer("rmse")
    assert repr(scorer) == "make_forecast_scorer('rmse')"
    with pytest.raises(ValueError, match=r"metric must be one of"):
        make_forecast_scorer("r2")
