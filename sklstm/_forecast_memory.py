"""What a fitted forecaster remembers of its series, what a forecast reads, and its layout.

:class:`ForecastMemory` holds plain values only (arrays, strings, numbers),
so pickling and model files store it as it is: the series' values, where
they start, the time axis, the covariates and their standardisation. The
frame builders turn forecasts (one array per series) into the pandas objects
``predict``, ``predict_quantiles`` and ``predict_interval`` return.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ._data._covariates import CovariateColumns, align_covariates
from ._data._forecast_windows import ForecastWindows, series_windows
from ._data._series import SeriesPanel, TimeAxis, check_series

__all__ = [
    "ForecastMemory", "interpolate_quantiles", "one_series", "point_frame", "quantile_frame",
]


def _label_to_plain(label, kind: str):
    return int(label) if kind == "integer" else str(label)


@dataclass(eq=False)
class ForecastMemory:
    """The fitted series (values, starts, time axis) and covariates, as plain values."""

    form: str
    name: object
    id_col: object
    time_col: object
    ids: list
    axis_kind: str
    freq: object
    starts: list
    values: list
    covariate_names: tuple = ()
    covariate_past: tuple = ()
    covariates: list | None = None
    covariate_mean: np.ndarray | None = None
    covariate_scale: np.ndarray | None = None

    @classmethod
    def from_panel(cls, panel: SeriesPanel, columns: CovariateColumns | None, covariates,
                   mean, scale) -> "ForecastMemory":
        return cls(
            form=panel.form, name=panel.name, id_col=panel.id_col, time_col=panel.time_col,
            ids=list(panel.ids), axis_kind=panel.axis.kind, freq=panel.axis.freq,
            starts=[_label_to_plain(index[0], panel.axis.kind) for index in panel.indexes],
            values=[np.asarray(v, dtype=np.float64) for v in panel.values],
            covariate_names=() if columns is None else tuple(columns.names),
            covariate_past=() if columns is None else tuple(columns.past),
            covariates=covariates, covariate_mean=mean, covariate_scale=scale,
        )

    @property
    def axis(self) -> TimeAxis:
        return TimeAxis(self.axis_kind, self.freq)

    @property
    def columns(self) -> CovariateColumns | None:
        if not self.covariate_names:
            return None
        return CovariateColumns(tuple(self.covariate_names), tuple(self.covariate_past))

    def panel(self) -> SeriesPanel:
        """The fitted series as a :class:`SeriesPanel` (indexes rebuilt)."""
        axis = self.axis
        indexes = [axis.labels(start, len(v)) for start, v in zip(self.starts, self.values)]
        return SeriesPanel(list(self.ids), list(self.values), indexes, axis, self.form,
                           self.name, self.id_col, self.time_col)

    def cutoffs(self) -> list:
        """The last time label of each series (its forecast origin)."""
        return [index[-1] for index in self.panel().indexes]

    def windows(self, values, covariates, origins, *, window_size: int, horizon: int,
                baseline: tuple) -> ForecastWindows:
        """Windows of one series' ``values`` at ``origins`` with these covariate columns.

        ``baseline``: (season or None, drift), see ``series_windows``.
        """
        columns = self.columns
        season, drift = baseline
        return series_windows(
            values, covariates, origins, window_size=window_size, horizon=horizon,
            past=np.zeros(0, bool) if columns is None else np.array(columns.past),
            covariate_mean=self.covariate_mean, covariate_scale=self.covariate_scale,
            future_steps=columns is not None and columns.n_future > 0,
            season=season, drift=drift,
        )

    def at_origin(self, y, X, max_step: int):
        """What a forecast reads: the series, their covariates, their future labels.

        ``y``: another history to forecast from (None: the fitted series).
        The covariates of each series run over its history and ``max_step``
        steps ahead (future covariates from ``X``; past ones only in the
        history, 0 after it). Returns (panel, covariates or None, future labels).
        """
        columns = self.columns
        if y is None:
            panel = self.panel()
            histories = None if columns is None else self.covariates
        else:
            panel = check_series(y, id_col=self.id_col, time_col=self.time_col)
            for sid, values in zip(panel.ids, panel.values):
                if len(values) < 2:
                    raise ValueError(
                        f"series {sid!r} of y has {len(values)} value; a forecast reads "
                        "at least 2 values of history."
                    )
            if panel.axis != self.axis:
                raise ValueError(
                    f"y's time index ({panel.axis.kind}, {panel.axis.freq}) is not of the "
                    f"kind and frequency the forecaster was fitted on ({self.axis_kind}, "
                    f"{self.freq}); give y on that kind of index (e.g. y.asfreq) or fit "
                    "the forecaster on this one."
                )
            histories = None
        steps_ahead = np.arange(1, max_step + 1)
        future = [panel.axis.following(index[-1], steps_ahead) for index in panel.indexes]
        if columns is None:
            if X is not None:
                raise ValueError(
                    "X was given, but the forecaster was fitted without covariates: pass "
                    "X=None, or fit with X to use covariates."
                )
            return panel, None, future
        needs_future = columns.n_future > 0
        if X is None and (needs_future or histories is None):
            raise ValueError(
                "The forecaster was fitted with covariates: pass X"
                + (" with the future covariates over the forecast horizon "
                   f"({[n for n, p in zip(columns.names, columns.past) if not p]})"
                   if needs_future else " covering y's history") + "."
            )
        past = np.array(columns.past)
        n_cols = len(columns.names)
        if histories is None:  # a new history: X covers it too
            labels = [index.append(f) for index, f in zip(panel.indexes, future)]
            known = [np.vstack([np.ones((len(v), n_cols), bool),
                                np.tile(~past, (max_step, 1))]) for v in panel.values]
            positions = [np.arange(len(lab)) for lab in labels]
            return panel, align_covariates(X, panel, columns, labels, known=known,
                                           positions=positions,
                                           n_history=[len(v) for v in panel.values]), future
        if not needs_future:
            return panel, [np.vstack([h, np.zeros((max_step, n_cols))]) for h in histories], future
        known = [np.tile(~past, (max_step, 1)) for _ in future]
        ahead = align_covariates(X, panel, columns, future, known=known,
                                 positions=[np.arange(max_step) for _ in future],
                                 n_history=[0 for _ in future])
        return panel, [np.vstack([h, a]) for h, a in zip(histories, ahead)], future


def interpolate_quantiles(quantiles: np.ndarray, levels: np.ndarray, wanted) -> np.ndarray:
    """Quantiles at levels ``wanted`` from quantiles at ``levels`` (last axis), linearly.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm._forecast_memory import interpolate_quantiles
    >>> interpolate_quantiles(np.array([[0.0, 1.0, 3.0]]), np.array([0.1, 0.5, 0.9]), [0.5, 0.7])
    array([[1., 2.]])
    """
    wanted = np.asarray(wanted, dtype=np.float64)
    flat = quantiles.reshape(-1, quantiles.shape[-1])
    out = np.stack([np.interp(wanted, levels, row) for row in flat])
    return out.reshape(*quantiles.shape[:-1], len(wanted))


def _variable(panel: SeriesPanel, i: int):
    if panel.form == "wide":
        return panel.ids[i]
    return panel.name if panel.name is not None else 0


def _rows(panel: SeriesPanel, labels: list, blocks: list, columns) -> pd.DataFrame:
    """One frame of forecasts: blocks[i] is (n_steps, n_columns) for series i."""
    if panel.form == "long":  # rows (id, time), one block of rows per series
        ids = np.repeat(np.array(panel.ids, dtype=object), [len(lab) for lab in labels])
        times = labels[0].append(list(labels[1:])) if len(labels) > 1 else labels[0]
        index = pd.MultiIndex.from_arrays([ids, times], names=[panel.id_col, panel.time_col])
        return pd.DataFrame(np.concatenate(blocks), index=index, columns=columns)
    frames = []  # rows: the shared future labels; columns per series
    for i, block in enumerate(blocks):
        variable = _variable(panel, i)
        names = (pd.MultiIndex.from_tuples([(variable, *c) for c in columns])
                 if isinstance(columns[0], tuple) else [variable])
        frames.append(pd.DataFrame(block, index=labels[0], columns=names))
    return pd.concat(frames, axis=1)


def point_frame(panel: SeriesPanel, labels: list, points: list):
    """``predict``'s result: a Series (one series), a wide or a long DataFrame."""
    if panel.form == "series":
        return pd.Series(points[0], index=labels[0], name=panel.name)
    if panel.form == "wide":
        return pd.DataFrame({panel.ids[i]: p for i, p in enumerate(points)}, index=labels[0])
    return _rows(panel, labels, [p[:, None] for p in points], [panel.name])


def quantile_frame(panel: SeriesPanel, labels: list, blocks: list, columns: list) -> pd.DataFrame:
    """Quantiles or intervals with columns (variable, *column) (sktime's layout)."""
    if panel.form == "long":
        frame = _rows(panel, labels, blocks, list(range(len(columns))))
        frame.columns = pd.MultiIndex.from_tuples([(panel.name, *c) for c in columns])
        return frame
    return _rows(panel, labels, blocks, columns)


def one_series(form: str, frame, series):
    """One series' rows of a forecast in the layout of ``form`` ("series", "wide" or "long").

    A point forecast gives a Series indexed by time; intervals or quantiles
    give a DataFrame indexed by time whose columns drop the variable level
    (``(coverage, "lower")``, ``(alpha,)``...).

    Examples
    --------
    >>> import pandas as pd
    >>> from sklstm._forecast_memory import one_series
    >>> wide = pd.DataFrame({"a": [1.0, 2.0], "b": [3.0, 4.0]}, index=[10, 11])
    >>> one_series("wide", wide, "b").tolist()
    [3.0, 4.0]
    """
    if form == "long":
        rows = frame.xs(series, level=0)
        return rows.iloc[:, 0] if rows.columns.nlevels == 1 else rows.droplevel(0, axis=1)
    if form == "wide":
        return frame[series]
    if isinstance(frame, pd.DataFrame) and frame.columns.nlevels > 1:
        return frame.droplevel(0, axis=1)
    return frame
