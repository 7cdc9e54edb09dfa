"""What a forecast reads and how it is laid out (sklstm/_forecast_memory.py).

Covariates at the forecast origin (past and future ones, their alignment
errors) and forecasts of many series (long and wide tables, a new history).
"""

import numpy as np
import pandas as pd
import pytest

from tests._forecast_cases import (
    assert_same as _assert_same,
    long_table as _long_table,
    small_forecaster as _f,
    wide_table as _wide_table,
    with_covariates as _with_covariates,
)

pytestmark = pytest.mark.filterwarnings(
    "ignore:early_stopping=True would hold out:UserWarning")


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
