"""Covariates of series to forecast: aligned with each series' time labels.

``X`` is a table of covariates: indexed by time and shared by every series
(calendar features, prices), a long table with the series' id and time
columns (one row per series and step), or a numpy array whose rows follow the
series' steps (integer time). Columns named in ``past_covariates`` are
observed up to the forecast origin only; every other column is known in
advance (``future``) and must cover the forecast horizon.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ._series import SeriesPanel

__all__ = [
    "CovariateColumns", "align_covariates", "check_covariate_columns", "covariate_scaling",
]


@dataclass(frozen=True)
class CovariateColumns:
    """The covariate columns of a fit: their names and which are past-only."""

    names: tuple
    past: tuple  # bool per column

    @property
    def n_past(self) -> int:
        return int(sum(self.past))

    @property
    def n_future(self) -> int:
        return len(self.names) - self.n_past


def _is_long(X, panel: SeriesPanel) -> bool:
    return (isinstance(X, pd.DataFrame) and panel.form == "long"
            and panel.id_col in X.columns and panel.time_col in X.columns)


def _frame(X, panel: SeriesPanel) -> pd.DataFrame | np.ndarray:
    """X as a DataFrame (pandas input) or a 2D float array (numpy input)."""
    if isinstance(X, pd.Series):
        return X.to_frame(name=X.name if X.name is not None else 0)
    if isinstance(X, pd.DataFrame):
        return X
    array = np.asarray(X)
    if array.ndim == 1:
        array = array.reshape(-1, 1)
    if array.ndim != 2 or array.dtype.kind not in "biuf":
        raise ValueError(
            f"X must be a table of numeric covariates (rows = time steps), got an "
            f"array of shape {array.shape} and dtype {array.dtype}."
        )
    if panel.axis.kind != "integer" or panel.n_series != 1:
        raise TypeError(
            "X is a numpy array, but y has time labels (or several series): give X "
            "as a DataFrame indexed by the same time labels (or, for a long y, with "
            f"the columns {panel.id_col!r} and {panel.time_col!r}), so that rows are "
            "matched by time, not by position."
        )
    return array.astype(np.float64)


def check_covariate_columns(X, panel: SeriesPanel, past_covariates) -> CovariateColumns:
    """The covariate columns of ``X`` at fit, with ``past_covariates`` checked against them.

    Examples
    --------
    >>> import pandas as pd
    >>> from sklstm._data._series import check_series
    >>> from sklstm._data._covariates import check_covariate_columns
    >>> y = pd.Series([1.0, 2.0, 3.0])
    >>> X = pd.DataFrame({"price": [1.0, 1, 2], "promo": [0.0, 1, 0]})
    >>> check_covariate_columns(X, check_series(y), ["price"])
    CovariateColumns(names=('price', 'promo'), past=(True, False))
    """
    table = _frame(X, panel)
    if isinstance(table, pd.DataFrame):
        names = [c for c in table.columns
                 if not (_is_long(X, panel) and c in (panel.id_col, panel.time_col))]
    else:
        names = list(range(table.shape[1]))
    if not names:
        raise ValueError("X has no covariate columns; pass X=None to forecast without them.")
    past = [] if past_covariates is None else (
        [past_covariates] if isinstance(past_covariates, (str, int)) else list(past_covariates))
    unknown = [c for c in past if c not in names]
    if unknown:
        raise ValueError(
            f"past_covariates names {unknown}, which are not covariate columns of X "
            f"({names}); name columns of X (or positions, for an array)."
        )
    return CovariateColumns(tuple(names), tuple(name in past for name in names))


def _rows(table, panel: SeriesPanel, series: int, labels: pd.Index, columns, positions):
    """The covariate rows of one series at ``labels`` (NaN where X has none)."""
    if isinstance(table, np.ndarray):
        rows = np.full((len(labels), table.shape[1]), np.nan)
        inside = (positions >= 0) & (positions < len(table))
        rows[inside] = table[positions[inside]]
        return rows
    if panel.form == "long" and panel.id_col in table.columns and panel.time_col in table.columns:
        group = table[table[panel.id_col] == panel.ids[series]]
        group = group.set_index(panel.time_col)
        group.index = pd.Index(group.index)
        if isinstance(labels, pd.PeriodIndex) and not isinstance(group.index, pd.PeriodIndex):
            group.index = pd.PeriodIndex(group.index, freq=labels.freq)
        source = group
    else:
        source = table
    if source.index.has_duplicates:
        raise ValueError(
            "X has several rows for the same time label"
            + (f" of series {panel.ids[series]!r}" if panel.n_series > 1 else "")
            + "; keep one row per time step."
        )
    try:
        found = source.reindex(labels)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"X's index ({type(source.index).__name__}) cannot be matched with y's time "
            f"labels ({type(labels).__name__}): index X like y. ({exc})"
        ) from None
    return np.asarray(found[list(columns)].apply(pd.to_numeric, errors="coerce"),
                      dtype=np.float64)


def align_covariates(X, panel: SeriesPanel, columns: CovariateColumns, labels: list,
                     *, known: list, positions: list | None = None,
                     n_history: list | None = None) -> list:
    """Covariates of each series at its ``labels``, checked where they must be known.

    Parameters
    ----------
    X : DataFrame, Series or array
        The covariates.
    panel : SeriesPanel
        The series they belong to.
    columns : CovariateColumns
        The columns of the fit.
    labels : list of pandas Index
        For each series, the time labels to read.
    known : list of ndarray of bool, shape (n_labels_i, n_covariates)
        Where values are needed: a missing one there is an error.
    positions : list of ndarray, optional
        For numpy X: the row of X for each label (else unused).
    n_history : list of int, optional
        How many of each series' labels are its history (the rest lie in
        the horizon), for the error message; default: past covariates are
        read in the history, future ones in the horizon.

    Returns
    -------
    list of ndarray of shape (n_labels_i, n_covariates)
        Float64; 0 where a value is not needed and X has none.
    """
    table = _frame(X, panel)
    if isinstance(table, pd.DataFrame):
        needed = np.any([k.any(axis=0) for k in known], axis=0)  # columns read somewhere
        missing = [c for c, need in zip(columns.names, needed) if need and c not in table.columns]
        if missing:
            raise ValueError(
                f"X lacks the covariate columns {missing} that the forecaster was "
                f"fitted with ({list(columns.names)})."
            )
        absent = [c for c in columns.names if c not in table.columns]  # not needed here
        if absent:
            table = table.assign(**{str(c): np.nan for c in absent}) if all(
                isinstance(c, str) for c in absent) else table.reindex(
                columns=[*table.columns, *absent])
    elif table.shape[1] != len(columns.names):
        raise ValueError(
            f"X has {table.shape[1]} columns, but the forecaster was fitted with "
            f"{len(columns.names)} covariates."
        )
    out = []
    for i, series_labels in enumerate(labels):
        rows = _rows(table, panel, i, series_labels, columns.names,
                     None if positions is None else positions[i])
        bad = known[i] & ~np.isfinite(rows)
        if bad.any():
            row, col = (int(v[0]) for v in np.nonzero(bad))
            name = columns.names[col]
            kind = "past" if columns.past[col] else "future"
            who = f" of series {panel.ids[i]!r}" if panel.n_series > 1 else ""
            in_history = columns.past[col] if n_history is None else row < n_history[i]
            hint = (
                "Covariates must be observed at every step of the history: give X "
                "rows for all of y's time labels (fill gaps, e.g. X.ffill())."
                if in_history else
                "A future covariate must be given for every forecast step: pass X "
                "with rows for the horizon's time labels."
            )
            raise ValueError(
                f"X has no value for {kind} covariate {name!r}{who} at "
                f"{series_labels[row]} ({int(bad.sum())} such values missing). {hint}"
            )
        out.append(np.where(np.isfinite(rows), rows, 0.0))
    return out


def covariate_scaling(covariates: list) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard deviation of each covariate over the training rows of all series.

    A constant covariate gets scale 1 (it is only centred).

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm._data._covariates import covariate_scaling
    >>> mean, scale = covariate_scaling([np.array([[1.0, 5.0], [3.0, 5.0]])])
    >>> mean.tolist(), scale.tolist()
    ([2.0, 5.0], [1.0, 1.0])
    """
    rows = np.concatenate(covariates)
    mean, scale = rows.mean(axis=0), rows.std(axis=0)
    return mean, np.where(scale > 1e-12 * np.maximum(np.abs(mean), 1), scale, 1.0)
