"""Windows of series for a forecasting network: inputs, targets and each window's scale.

A sample is a forecast origin ``t`` of one series: its context is the last
``window_size`` values before ``t`` (fewer at a series' start: the missing
steps are leading NaN padding, which the network skips), its targets are the
``horizon`` values from ``t`` on (NaN beyond the series' end: unobserved,
left out of the loss). Every window is scaled on its own context (mean and
standard deviation), so series of any level train together and nothing
after the origin enters the scaling. Covariates are standardised with
statistics of the training rows. With future covariates the window goes on
for ``horizon`` steps after the origin: those steps carry the future
covariates, a target value of 0 and an "observed" flag of 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

__all__ = [
    "ForecastWindows", "baseline", "correction_weight", "error_scale", "interval_factors",
    "path_windows", "series_windows", "stack_windows", "window_scale",
]


@dataclass
class ForecastWindows:
    """Network inputs ``X`` (n, steps, features) float32, scaled targets ``y`` (n, horizon),
    and the ``loc``/``scale`` that map scaled values back (n,)."""

    X: np.ndarray
    y: np.ndarray
    loc: np.ndarray
    scale: np.ndarray
    age: np.ndarray  # steps from each origin to its series' end (0 = forecast from the end)
    base: np.ndarray  # (n, horizon): the baseline forecast the network corrects

    def unscale(self, outputs: np.ndarray) -> np.ndarray:
        """Network outputs (n, horizon, ...) in the series' units."""
        scale = self.scale.reshape((-1,) + (1,) * (outputs.ndim - 1))
        base = self.base.reshape(self.base.shape + (1,) * (outputs.ndim - 2))
        return outputs * scale + base


def window_scale(context: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard deviation of each context (NaN padding left out); std 0 -> a safe scale."""
    observed = np.isfinite(context)
    count = observed.sum(axis=1)
    filled = np.where(observed, context, 0.0)
    loc = filled.sum(axis=1) / count
    var = (np.where(observed, context - loc[:, None], 0.0) ** 2).sum(axis=1) / count
    scale = np.sqrt(var)
    floor = 1e-6 * np.maximum(np.abs(loc), 1e-12)
    fallback = np.where(np.abs(loc) > 0, np.abs(loc), 1.0)
    return loc, np.where(scale > floor, scale, fallback)


def baseline(context: np.ndarray, horizon: int, season: int | None,
             drift: bool = False) -> np.ndarray:
    """The baseline forecast of each context (n, horizon).

    Its last season repeated (``season``; the last value where a context is
    shorter than a season), with ``drift`` plus, for each season ahead, the
    mean change from one season to the next over the context, or its mean
    (``season=None``).

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm._data._forecast_windows import baseline
    >>> baseline(np.array([[np.nan, 1.0, 2.0, 3.0]]), 4, 2).tolist()
    [[2.0, 3.0, 2.0, 3.0]]
    >>> baseline(np.array([[0.0, 1.0, 2.0, 3.0]]), 4, 2, drift=True).tolist()
    [[4.0, 5.0, 6.0, 7.0]]
    >>> baseline(np.array([[np.nan, 1.0, 3.0, 5.0]]), 2, 1, drift=True).tolist()
    [[7.0, 9.0]]
    >>> baseline(np.array([[np.nan, np.nan, 2.0, 3.0]]), 2, 3).tolist()
    [[3.0, 3.0]]
    """
    n, W = context.shape
    if season is None:
        return np.repeat(np.nanmean(context, axis=1, keepdims=True), horizon, axis=1)
    season = min(int(season), W)
    steps = np.arange(horizon)
    seasonal = context[:, W - season + steps % season]
    last = np.repeat(context[:, -1:], horizon, axis=1)
    short = ~np.isfinite(context[:, W - season])  # less than a season of history
    base = np.where(short[:, None], last, seasonal)
    if drift and season < W:
        changes = context[:, season:] - context[:, :-season]
        found = np.isfinite(changes)
        change = np.where(found, changes, 0.0).sum(axis=1) / np.maximum(found.sum(axis=1), 1)
        base = base + np.where(short, 0.0, change)[:, None] * (steps // season + 1)
    return base


def series_windows(values, covariates, origins, *, window_size: int, horizon: int,
                   past: np.ndarray, covariate_mean=None, covariate_scale=None,
                   future_steps: bool = False, season: int | None = None,
                   drift: bool = False) -> ForecastWindows:
    """The windows of one series at the forecast ``origins`` (context ends, exclusive).

    Parameters
    ----------
    values : ndarray of shape (T,)
        The observed history.
    covariates : ndarray of shape (T + extra, C) or None
        Covariates at the history's steps and, for future ones, after it.
    origins : ndarray of int
        Context ends in ``1..T`` (``T``: forecast from the end).
    window_size, horizon : int
    past : ndarray of bool, shape (C,)
        Which covariates are past-only (left out after the origin).
    covariate_mean, covariate_scale : ndarray of shape (C,)
        Standardisation of the covariates.
    future_steps : bool
        Whether the window goes on over the horizon (future covariates).
    season : int or None
        The network learns the difference to the context's last season
        repeated (1: its last value), plus its drift with ``drift``; None: to
        its mean.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm._data._forecast_windows import series_windows
    >>> w = series_windows(np.arange(6.0), None, np.array([3, 6]), window_size=3, horizon=2,
    ...                    past=np.zeros(0, bool))
    >>> w.X.shape, w.y.round(3).tolist()
    ((2, 3, 1), [[2.449, 3.674], [nan, nan]])
    >>> w.unscale(w.y)[0].tolist()
    [3.0, 4.0]
    """
    W, H = int(window_size), int(horizon)
    values = np.asarray(values, dtype=np.float64)
    origins = np.asarray(origins, dtype=np.int64)
    T = len(values)
    padded = np.concatenate([np.full(W, np.nan), values, np.full(H, np.nan)])
    context = sliding_window_view(padded, W)[origins]
    target = sliding_window_view(padded, H)[origins + W]
    loc, scale = window_scale(context)
    n_cov = 0 if covariates is None else covariates.shape[1]
    Hf = H if future_steps else 0
    n_features = 1 + n_cov + (1 if future_steps else 0)
    X = np.zeros((len(origins), W + Hf, n_features), dtype=np.float64)
    X[:, :W, 0] = (context - loc[:, None]) / scale[:, None]
    if n_cov:
        cov = (np.asarray(covariates, dtype=np.float64) - covariate_mean) / covariate_scale
        rows = np.zeros((W + T + H, n_cov))
        rows[W:W + min(len(cov), T + H)] = cov[:T + H]
        X[:, :W, 1:1 + n_cov] = sliding_window_view(rows, (W, n_cov))[origins, 0]
        if future_steps:
            ahead = sliding_window_view(rows, (H, n_cov))[origins + W, 0].copy()
            ahead[:, :, np.asarray(past, dtype=bool)] = 0.0
            X[:, W:, 1:1 + n_cov] = ahead
    if future_steps:
        X[:, :W, -1] = 1.0
    X[:, :W][~np.isfinite(context)] = np.nan  # padding: every feature NaN
    base = baseline(context, H, season, drift)
    y = (target - base) / scale[:, None]
    return ForecastWindows(X.astype(np.float32), y, loc, scale, T - origins, base)


def stack_windows(parts: list) -> ForecastWindows:
    """The windows of several series as one set."""
    return ForecastWindows(*(np.concatenate([getattr(p, f) for p in parts])
                             for f in ("X", "y", "loc", "scale", "age", "base")))


def error_scale(y: np.ndarray) -> np.ndarray:
    """How far the baseline misses at each step ahead: mean |scaled error| per step (horizon,).

    ``y`` (n, horizon) are the scaled training targets, i.e. the baseline's
    errors in units of each window's scale (NaN: unobserved). The baseline
    is fitted to nothing, so these errors are out of sample at every step
    ahead; the scale never decreases with the step (a step whose errors are
    unobserved takes the one before it).

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm._data._forecast_windows import error_scale
    >>> error_scale(np.array([[1.0, -3.0, np.nan], [-1.0, 1.0, np.nan]])).tolist()
    [1.0, 2.0, 2.0]
    """
    observed = np.isfinite(y)
    count = observed.sum(axis=0)
    mean = np.where(observed, np.abs(y), 0.0).sum(axis=0) / np.maximum(count, 1)
    mean = np.where(count > 0, mean, 0.0)
    scale = np.maximum.accumulate(mean)
    return np.where(scale > 0, scale, 1.0)


def interval_factors(residuals: np.ndarray, levels: np.ndarray) -> np.ndarray:
    """Split-conformal half-widths of each quantile level, in units of the error scale.

    ``residuals`` (n, horizon): held-out errors of the median divided by
    each step's error scale (NaN: unobserved). For a level tau, the factor
    is the split-conformal quantile of ``|residual|`` at coverage
    ``|2 tau - 1|`` (with the finite-sample correction), signed: negative
    below the median, positive above, 0 at it. Normalising by the error
    scale lets every step ahead pool, and makes intervals widen with it.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm._data._forecast_windows import interval_factors
    >>> r = np.random.RandomState(0).normal(0, 1, size=(4000, 1))
    >>> f = interval_factors(r, np.array([0.05, 0.5, 0.95]))
    >>> float(f[1]), bool(1.5 < f[2] < 1.8), bool(f[0] == -f[2])
    (0.0, True, True)
    """
    scores = np.abs(residuals[np.isfinite(residuals)])
    factors = np.zeros(len(levels))
    if len(scores) == 0:
        return factors
    for k, tau in enumerate(levels):
        coverage = round(abs(2 * tau - 1), 12)  # tau and 1 - tau: the same width
        rank = min(1.0, coverage * (len(scores) + 1) / len(scores))
        factors[k] = np.sign(tau - 0.5) * float(np.quantile(scores, rank))
    return factors


def path_windows(template: ForecastWindows, paths: np.ndarray, window_size: int,
                 season: int | None, drift: bool) -> ForecastWindows:
    """Windows at the ends of several paths that share one series' covariates.

    ``template``: the window of one path at the same origin (its covariates
    and padding are every path's); ``paths`` (n_paths, T): the values.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm._data._forecast_windows import path_windows, series_windows
    >>> paths = np.array([[1.0, 2.0, 3.0], [1.0, 2.0, 5.0]])
    >>> template = series_windows(paths[0], None, np.array([3]), window_size=4, horizon=1,
    ...                           past=np.zeros(0, bool), season=1)
    >>> w = path_windows(template, paths, 4, 1, False)
    >>> w.X[:, 1:, 0].astype(float).round(3).tolist(), w.base.tolist()
    ([[-1.225, 0.0, 1.225], [-0.981, -0.392, 1.373]], [[3.0], [5.0]])
    """
    W, n_paths = int(window_size), len(paths)
    context = paths[:, -W:]
    if context.shape[1] < W:
        context = np.column_stack([np.full((n_paths, W - context.shape[1]), np.nan), context])
    loc, scale = window_scale(context)
    X = np.repeat(template.X, n_paths, axis=0)
    real = np.flatnonzero(np.isfinite(context[0]))  # steps of history, not padding
    X[:, real, 0] = (context[:, real] - loc[:, None]) / scale[:, None]
    horizon = template.base.shape[1]
    return ForecastWindows(X, np.repeat(template.y, n_paths, axis=0), loc, scale,
                           np.repeat(template.age, n_paths),
                           baseline(context, horizon, season, drift))


def correction_weight(y: np.ndarray, correction: np.ndarray) -> float:
    """How much of a network's correction to its baseline to keep: 0, 0.25, ..., 1.

    ``y`` (n, horizon): held-out scaled targets, i.e. the baseline's errors
    (NaN: unobserved); ``correction``: the network's output for them. The
    weight whose corrected forecasts miss least (mean absolute error) wins;
    a tie keeps the smaller weight.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm._data._forecast_windows import correction_weight
    >>> y = np.array([[1.0, 2.0], [1.0, np.nan]])
    >>> correction_weight(y, y), correction_weight(y, -y), correction_weight(y, y / 2)
    (1.0, 0.0, 1.0)
    """
    seen = np.isfinite(y)
    grid = np.linspace(0, 1, 5)
    errors = [np.abs(y - w * correction)[seen].mean() for w in grid]
    return float(grid[int(np.argmin(errors))])
