"""Rolling-origin backtests of forecasters, and scoring a forecast against what followed.

Each origin cuts every series some steps before its end: the forecaster is
fitted (``refit=True``) on the values up to the cut only — covariates are
read at those time labels only, future covariates also over the horizon —
and forecasts the values after it, which it never saw.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.utils.validation import check_is_fitted

from ._data._series import check_fh, check_series, series_frequency
from ._forecast_memory import one_series
from ._forecast_metrics import FORECAST_METRICS, interval_coverage, interval_width

__all__ = ["BacktestResult", "backtest", "score_forecast"]


@dataclass
class BacktestResult:
    """The forecasts of a backtest and their metrics.

    ``forecasts``: one row per origin, series and step ahead (columns
    ``origin``, ``series``, ``time``, ``step``, ``y_true``, ``y_pred`` and
    ``lower_<c>``/``upper_<c>`` per coverage). ``metrics``: one row per
    origin (MAE, RMSE, MAPE and sMAPE in percent, MASE averaged over series,
    coverage and mean width of each interval, fit seconds). ``summary()``
    pools every forecast.

    Examples
    --------
    >>> from sklstm import LSTMForecaster
    >>> from sklstm.datasets import load_airline
    >>> from sklstm.model_selection import backtest
    >>> result = backtest(LSTMForecaster(horizon=3, max_iter=2, random_state=0),
    ...                   load_airline(), n_origins=2)
    >>> result.forecasts.columns[:6].tolist()
    ['origin', 'series', 'time', 'step', 'y_true', 'y_pred']
    >>> bool(result.summary()["coverage_0.95"] >= 0)
    True
    """

    forecasts: pd.DataFrame
    metrics: pd.DataFrame
    coverage: tuple
    seasonal_period: int

    def summary(self) -> pd.Series:
        """Metrics over all origins, series and steps (MASE: the mean of each origin's)."""
        return _metrics(self.forecasts, self.coverage, self.metrics["mase"].mean(),
                        self.metrics["fit_seconds"].sum())


def _metrics(frame: pd.DataFrame, coverage, mase, seconds) -> pd.Series:
    y, p = frame["y_true"].to_numpy(), frame["y_pred"].to_numpy()
    out = {name: FORECAST_METRICS[name](y, p) for name in ("mae", "rmse", "mape", "smape")}
    out["mase"] = mase
    for c in coverage:
        lo, hi = frame[f"lower_{c:g}"], frame[f"upper_{c:g}"]
        out[f"coverage_{c:g}"] = interval_coverage(y, lo, hi)
        out[f"width_{c:g}"] = interval_width(lo, hi)
    out["fit_seconds"] = seconds
    return pd.Series(out)


def _cut(y, panel, drop: int, keep: int | None = None):
    """``y`` without the last ``drop`` steps of each series, and only the ``keep`` steps
    before them (all with None), in y's own form (y is pandas: see ``_as_pandas``)."""
    if panel.form == "long":
        y = y.sort_values([panel.id_col, panel.time_col], kind="stable")
        from_end = y.groupby(panel.id_col, sort=False, observed=True).cumcount(ascending=False)
        from_end = from_end.to_numpy()
    else:
        from_end = np.arange(len(y))[::-1]
    inside = (from_end >= drop) & (True if keep is None else from_end < drop + keep)
    return y[inside] if panel.form == "long" else y.iloc[np.flatnonzero(inside)]


def _as_pandas(y, X):
    """Numpy input on an integer time index, so that cuts and covariates align by label."""
    if not isinstance(y, (pd.Series, pd.DataFrame)):
        y = pd.Series(np.asarray(y, dtype=np.float64))
        if X is not None and not isinstance(X, (pd.Series, pd.DataFrame)):
            X = pd.DataFrame(np.asarray(X, dtype=np.float64).reshape(len(np.asarray(X)), -1))
    return y, X


def backtest(forecaster, y, X=None, *, fh=None, n_origins: int = 3, step: int | None = None,
             window: str = "expanding", train_size: int | None = None, refit: bool = True,
             coverage=(0.8, 0.95), seasonal_period: int | None = None) -> BacktestResult:
    """Rolling-origin evaluation of a forecaster (Hyndman's "evaluation on a rolling origin").

    The last origin leaves ``max(fh)`` steps of each series to forecast;
    the ones before it step back by ``step`` each. At every origin the
    forecaster sees nothing after it.

    Parameters
    ----------
    forecaster : LSTMForecaster
        Cloned for each fit (the given one is not changed).
    y : pandas Series, DataFrame or 1D array
        The whole series, as :meth:`LSTMForecaster.fit` takes them.
    X : DataFrame or array-like, default=None
        Covariates over the whole period (future covariates are read over
        each horizon, past ones only up to each origin).
    fh : int or list of int, default=None
        Steps ahead; default: the forecaster's ``horizon``.
    n_origins : int, default=3
        Number of forecast origins.
    step : int, default=None
        Steps between origins; default ``max(fh)``: test windows that do
        not overlap.
    window : {"expanding", "sliding"}, default="expanding"
        Train on all history up to each origin, or on its last
        ``train_size`` steps.
    train_size : int, default=None
        Steps of history kept by ``window="sliding"``.
    refit : bool, default=True
        Fit at every origin; False fits once at the first origin and
        forecasts the later ones from their history with that model
        (``predict(..., y=history)``), much faster.
    coverage : sequence of float, default=(0.8, 0.95)
        Coverages of the intervals evaluated.
    seasonal_period : int, default=None
        Season of the MASE scale; default: the frequency's.

    Returns
    -------
    BacktestResult

    Examples
    --------
    >>> from sklstm import LSTMForecaster
    >>> from sklstm.datasets import load_airline
    >>> from sklstm.model_selection import backtest
    >>> result = backtest(LSTMForecaster(horizon=6, max_iter=3, random_state=0),
    ...                   load_airline(), n_origins=2)
    >>> result.metrics.index.astype(str).tolist(), len(result.forecasts)
    (['1959-12', '1960-06'], 12)
    """
    if window not in ("expanding", "sliding"):
        raise ValueError(f'window must be "expanding" or "sliding", got {window!r}.')
    if window == "sliding" and (train_size is None or train_size < 2):
        raise ValueError("window='sliding' needs train_size, the steps of history to keep (>= 2).")
    y, X = _as_pandas(y, X)
    steps = check_fh(forecaster.horizon if fh is None else fh)
    h = int(steps.max())
    step = h if step is None else int(step)
    if n_origins < 1 or step < 1:
        raise ValueError(f"n_origins and step must be at least 1, got {n_origins} and {step}.")
    panel = check_series(y, id_col=forecaster.id_col, time_col=forecaster.time_col)
    season = seasonal_period or series_frequency(panel.axis)
    coverage = tuple(float(c) for c in np.atleast_1d(coverage))
    shortest = min(len(v) for v in panel.values)
    cuts = [h + step * k for k in reversed(range(n_origins))]
    if cuts[0] >= shortest:
        raise ValueError(
            f"{n_origins} origins {step} steps apart with fh up to {h} need series longer "
            f"than {cuts[0]} steps; the shortest has {shortest}. Use fewer origins or a "
            "smaller step."
        )
    rows, metrics, model = [], [], None
    for cut in cuts:
        history = _cut(y, panel, cut, train_size if window == "sliding" else None)
        start = time.perf_counter()
        if refit or model is None:
            model = clone(forecaster).fit(history, X)
            forecast_from = None
        else:
            forecast_from = history
        seconds = time.perf_counter() - start
        point = model.predict(steps, X, y=forecast_from)
        intervals = model.predict_interval(steps, X, coverage=list(coverage), y=forecast_from)
        frame = _long_frame(panel, history, point, intervals, steps, coverage, forecaster)
        origin = frame["origin"].iloc[0]
        rows.append(frame)
        metrics.append(_origin_metrics(frame, history, forecaster, coverage, season, seconds)
                       .rename(origin))
    forecasts = pd.concat(rows, ignore_index=True)
    table = pd.DataFrame(metrics)
    table.index.name = "origin"
    return BacktestResult(forecasts, table, coverage, season)


def _long_frame(panel, history, point, intervals, steps, coverage, forecaster) -> pd.DataFrame:
    """One row per series and step: truth, forecast and interval bounds."""
    past = check_series(history, id_col=forecaster.id_col, time_col=forecaster.time_col)
    truth = {sid: pd.Series(v, index=idx) for sid, v, idx in
             zip(panel.ids, panel.values, panel.indexes)}
    out = []
    for i, sid in enumerate(past.ids):
        pred = one_series(panel.form, point, sid)
        bounds = one_series(panel.form, intervals, sid)
        frame = pd.DataFrame({
            "origin": past.indexes[i][-1], "series": sid, "time": pred.index, "step": steps,
            "y_true": truth[sid].reindex(pred.index).to_numpy(), "y_pred": pred.to_numpy(),
        })
        for c in coverage:
            frame[f"lower_{c:g}"] = bounds[(c, "lower")].to_numpy()
            frame[f"upper_{c:g}"] = bounds[(c, "upper")].to_numpy()
        out.append(frame)
    return pd.concat(out, ignore_index=True)


def _origin_metrics(frame, history, forecaster, coverage, season, seconds) -> pd.Series:
    past = check_series(history, id_col=forecaster.id_col, time_col=forecaster.time_col)
    mase = []
    for sid, values in zip(past.ids, past.values):
        part = frame[frame["series"] == sid] if sid is not None else frame
        mase.append(FORECAST_METRICS["mase"](part["y_true"], part["y_pred"], y_train=values,
                                             seasonal_period=season))
    return _metrics(frame, coverage, float(np.nanmean(mase)), seconds)


def score_forecast(forecaster, y, X=None, metric: str = "mase") -> float:
    """The ``metric`` of the fitted forecaster's forecast of the values ``y`` that follow its data.

    ``y`` (the form given to fit) holds, for each fitted series, values at
    time labels after the series' end; the forecaster forecasts those steps.

    Examples
    --------
    >>> from sklstm import LSTMForecaster
    >>> from sklstm.datasets import load_airline
    >>> from sklstm._backtest import score_forecast
    >>> y = load_airline()
    >>> f = LSTMForecaster(horizon=12, max_iter=3, random_state=0).fit(y[:-12])
    >>> score_forecast(f, y[-12:], metric="mape") > 0
    True
    """
    check_is_fitted(forecaster)
    y, X = _as_pandas(y, X)
    panel = check_series(y, id_col=forecaster.id_col, time_col=forecaster.time_col)
    memory = forecaster._memory
    cutoffs = memory.cutoffs()
    scores, needed = [], []
    for sid, index in zip(panel.ids, panel.indexes):
        if sid not in memory.ids:
            raise ValueError(f"series {sid!r} was not fitted; score the series of the fit.")
        k = memory.ids.index(sid)
        cutoff = cutoffs[k]
        steps = memory.axis.steps_after(cutoff, index)
        if (steps < 1).any():
            raise ValueError(
                f"y's time labels must all follow the fitted series' end ({cutoff}); "
                "score a forecaster on the values after its training data (with "
                "ForecastSplit, set gap=0)."
            )
        needed.append(steps)
    point = forecaster.predict(np.unique(np.concatenate(needed)), X)
    for i, sid in enumerate(panel.ids):
        pred = one_series(panel.form, point, sid)
        k = memory.ids.index(sid)
        pred = pred.reindex(panel.indexes[i]).to_numpy()
        scores.append(FORECAST_METRICS[metric](
            panel.values[i], pred, y_train=memory.values[k],
            seasonal_period=forecaster.seasonal_period_))
    return float(np.mean(scores))
