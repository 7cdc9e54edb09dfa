"""Forecast accuracy: MAE, RMSE, MAPE, sMAPE, MASE, interval coverage and width, and a scorer.

Re-exported by :mod:`sklstm.metrics`. MASE divides each series' MAE by the
in-sample MAE of the seasonal naive forecast on that series' training
history (Hyndman & Koehler 2006), so it compares across series and below 1
means better than the seasonal naive forecast.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "FORECAST_METRICS",
    "interval_coverage",
    "interval_width",
    "make_forecast_scorer",
    "mase_scale",
    "mean_absolute_scaled_error",
    "symmetric_mean_absolute_percentage_error",
]


def symmetric_mean_absolute_percentage_error(y_true, y_pred) -> float:
    """sMAPE in percent: mean of ``200 |y - ŷ| / (|y| + |ŷ|)`` (0 where both are 0).

    Examples
    --------
    >>> from sklstm.metrics import symmetric_mean_absolute_percentage_error
    >>> round(symmetric_mean_absolute_percentage_error([100, 200], [110, 180]), 3)
    10.025
    """
    y_true, y_pred = np.asarray(y_true, float), np.asarray(y_pred, float)
    denominator = np.abs(y_true) + np.abs(y_pred)
    ratio = np.divide(2 * np.abs(y_true - y_pred), denominator,
                      out=np.zeros_like(denominator), where=denominator > 0)
    return float(100 * ratio.mean())


def mase_scale(history, seasonal_period: int = 1) -> float:
    """In-sample MAE of the seasonal naive forecast of ``history`` (naive if it is too short).

    Examples
    --------
    >>> from sklstm.metrics import mase_scale
    >>> mase_scale([1.0, 2.0, 4.0, 5.0], seasonal_period=2)
    3.0
    """
    history = np.asarray(history, float)
    m = int(seasonal_period) if len(history) > int(seasonal_period) else 1
    if len(history) <= m:
        return float("nan")
    return float(np.mean(np.abs(history[m:] - history[:-m])))


def mean_absolute_scaled_error(y_true, y_pred, *, y_train, seasonal_period: int = 1) -> float:
    """MASE: MAE divided by the seasonal naive forecast's in-sample MAE on ``y_train``.

    Examples
    --------
    >>> from sklstm.metrics import mean_absolute_scaled_error
    >>> mean_absolute_scaled_error([5.0, 6.0], [6.0, 6.0], y_train=[1.0, 2.0, 3.0, 4.0])
    0.5
    """
    scale = mase_scale(y_train, seasonal_period)
    mae = float(np.mean(np.abs(np.asarray(y_true, float) - np.asarray(y_pred, float))))
    return mae / scale if scale > 0 else float("nan")


def interval_coverage(y_true, lower, upper) -> float:
    """Fraction of values inside their interval [lower, upper].

    Examples
    --------
    >>> from sklstm.metrics import interval_coverage
    >>> interval_coverage([1, 5], [0, 0], [2, 2])
    0.5
    """
    y_true = np.asarray(y_true, float)
    lower, upper = np.asarray(lower, float), np.asarray(upper, float)
    return float(np.mean((y_true >= lower) & (y_true <= upper)))


def interval_width(lower, upper) -> float:
    """Mean width of intervals.

    Examples
    --------
    >>> from sklstm.metrics import interval_width
    >>> interval_width([0, 1], [2, 5])
    3.0
    """
    return float(np.mean(np.asarray(upper, float) - np.asarray(lower, float)))


def _mae(y_true, y_pred, **_):
    return float(np.mean(np.abs(np.asarray(y_true, float) - np.asarray(y_pred, float))))


def _rmse(y_true, y_pred, **_):
    return float(np.sqrt(np.mean((np.asarray(y_true, float) - np.asarray(y_pred, float)) ** 2)))


def _mape(y_true, y_pred, **_):
    y_true = np.asarray(y_true, float)
    return float(100 * np.mean(np.abs(y_true - np.asarray(y_pred, float)) / np.abs(y_true)))


def _smape(y_true, y_pred, **_):
    return symmetric_mean_absolute_percentage_error(y_true, y_pred)


def _mase(y_true, y_pred, *, y_train, seasonal_period):
    return mean_absolute_scaled_error(y_true, y_pred, y_train=y_train,
                                      seasonal_period=seasonal_period)


#: Point metrics by name (lower is better); MAPE and sMAPE in percent.
FORECAST_METRICS = {"mae": _mae, "rmse": _rmse, "mape": _mape, "smape": _smape, "mase": _mase}


class _ForecastScorer:
    """Scores a fitted forecaster on the values that follow its training series."""

    def __init__(self, metric: str):
        self.metric = metric

    def __call__(self, forecaster, y, X=None) -> float:
        from ._backtest import score_forecast

        return -score_forecast(forecaster, y, X, self.metric)

    def __repr__(self) -> str:
        return f"make_forecast_scorer({self.metric!r})"


def make_forecast_scorer(metric: str = "mase"):
    """A scorer for GridSearchCV and cross_val_score over forecasters.

    Called as ``scorer(forecaster, y_test, X_test)``: the forecaster, fitted
    on the series up to a cutoff, forecasts the steps of ``y_test`` (which
    follow the cutoff, as :class:`sklstm.model_selection.ForecastSplit` with
    ``gap=0`` lays them out) and the scorer returns minus the metric
    (greater is better, as scikit-learn's ``neg_*`` scorers).

    Parameters
    ----------
    metric : {"mase", "mae", "rmse", "mape", "smape"}, default="mase"

    Examples
    --------
    >>> from sklstm.metrics import make_forecast_scorer
    >>> make_forecast_scorer("smape")
    make_forecast_scorer('smape')
    """
    if metric not in FORECAST_METRICS:
        raise ValueError(f"metric must be one of {sorted(FORECAST_METRICS)}, got {metric!r}.")
    return _ForecastScorer(metric)
