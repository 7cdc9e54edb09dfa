"""Series to forecast: one pandas Series, a wide table or a long table, on a regular time index.

The input checks of :class:`sklstm.LSTMForecaster`. Every form becomes one
:class:`SeriesPanel`: for each series its float64 values and its (regular)
time index. Time indexes are of three kinds: periods (``PeriodIndex``),
timestamps at a frequency (``DatetimeIndex``) and integers in steps of one
(``RangeIndex``, numpy input). A :class:`TimeAxis` knows the kind and the
frequency and continues an index into the future.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from numbers import Integral

import numpy as np
import pandas as pd

__all__ = [
    "SeriesPanel", "TimeAxis", "check_coverage", "check_fh", "check_levels", "check_quantiles",
    "check_series", "series_frequency",
]

_FORMS = ("series", "wide", "long")


@dataclass(frozen=True)
class TimeAxis:
    """The kind of a time index (``"period"``, ``"datetime"``, ``"integer"``) and its frequency.

    ``freq`` is a pandas frequency string (None for integers).

    Examples
    --------
    >>> import pandas as pd
    >>> from sklstm._data._series import TimeAxis
    >>> axis = TimeAxis("period", "M")
    >>> axis.following(pd.Period("1960-12", "M"), [1, 2]).astype(str).tolist()
    ['1961-01', '1961-02']
    >>> TimeAxis("integer", None).following(9, [1, 3]).tolist()
    [10, 12]
    """

    kind: str
    freq: str | None

    def following(self, last, steps) -> pd.Index:
        """The labels ``steps`` (positive ints) after ``last``."""
        steps = np.asarray(steps, dtype=np.int64)
        if self.kind == "integer":
            return pd.Index(int(last) + steps)
        if self.kind == "period":
            return pd.PeriodIndex([last + int(s) for s in steps], freq=last.freq)
        offset = pd.tseries.frequencies.to_offset(self.freq)
        labels = pd.DatetimeIndex([last + int(s) * offset for s in steps])
        if len(steps) > 1 and (np.diff(steps) == 1).all():
            labels.freq = offset  # consecutive steps keep the series' frequency
        return labels

    def steps_after(self, last, labels) -> np.ndarray:
        """How many steps after ``last`` each of ``labels`` lies (0 or less: not after it).

        Examples
        --------
        >>> import pandas as pd
        >>> from sklstm._data._series import TimeAxis
        >>> TimeAxis("period", "M").steps_after(pd.Period("2000-01", "M"),
        ...                                     pd.period_range("1999-12", periods=3, freq="M"))
        array([-1,  0,  1])
        """
        if self.kind == "integer":
            return np.asarray(labels, dtype=np.int64) - int(last)
        if self.kind == "period":
            return np.asarray(pd.PeriodIndex(labels).asi8 - last.ordinal, dtype=np.int64)
        stamps = pd.DatetimeIndex(labels)
        span = pd.date_range(min(last, stamps.min()), max(last, stamps.max()), freq=self.freq)
        positions = span.get_indexer(stamps.append(pd.DatetimeIndex([last])))
        if (positions < 0).any():
            raise ValueError(
                f"time labels {list(stamps[positions[:-1] < 0][:3])} are not on the series' "
                f"frequency ({self.freq}); give labels at that frequency (e.g. y.asfreq).")
        return positions[:-1] - positions[-1]

    def labels(self, start, length: int) -> pd.Index:
        """A regular index of ``length`` labels from ``start``."""
        if self.kind == "integer":
            return pd.RangeIndex(int(start), int(start) + length)
        if self.kind == "period":
            return pd.period_range(start, periods=length, freq=self.freq)
        return pd.date_range(start, periods=length, freq=self.freq)


@dataclass
class SeriesPanel:
    """Validated series: for each, float64 values on a regular time index.

    ``form`` is how they were given (``"series"``, ``"wide"`` or
    ``"long"``); ``ids`` name them (the Series' name, the wide table's
    columns, the long table's ids); ``name`` is the value's name (the
    Series' name or the long table's value column).
    """

    ids: list
    values: list
    indexes: list
    axis: TimeAxis
    form: str
    name: object = None
    id_col: object = "id"
    time_col: object = "time"

    @property
    def n_series(self) -> int:
        return len(self.values)


def _gap_error(what: str, detail: str) -> ValueError:
    return ValueError(
        f"{what} is not on a regular time index ({detail}). A forecaster reads "
        "consecutive steps: reindex to a regular frequency (e.g. y.asfreq('MS') "
        "for a DatetimeIndex, or y.reindex(range(start, stop))) and fill the "
        "gaps (e.g. y.interpolate()) before fitting."
    )


def _axis_of(index: pd.Index, what: str, freq=None) -> TimeAxis:
    """The time axis of one series' index, checking it is regular."""
    if isinstance(index, pd.PeriodIndex):
        ordinals = index.asi8
        if len(index) > 1 and not (np.diff(ordinals) == 1).all():
            first = int(np.flatnonzero(np.diff(ordinals) != 1)[0])
            raise _gap_error(what, f"{index[first]} is followed by {index[first + 1]}")
        return TimeAxis("period", index.freqstr)
    if isinstance(index, pd.DatetimeIndex):
        if index.tz is not None:
            raise ValueError(
                f"{what} has a time-zone-aware DatetimeIndex ({index.tz}); convert it "
                "to naive local times first (index.tz_localize(None))."
            )
        if not index.is_monotonic_increasing or index.has_duplicates:
            raise _gap_error(what, "its timestamps are not strictly increasing; sort it first")
        freq = freq or index.freq
        if freq is None and len(index) >= 3:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                freq = pd.infer_freq(index)
        if freq is None:
            raise _gap_error(
                what, "no frequency could be inferred from its timestamps: there are "
                "gaps, irregular times or fewer than 3 of them; set one with asfreq")
        offset = pd.tseries.frequencies.to_offset(freq)
        expected = pd.date_range(index[0], periods=len(index), freq=offset)
        if not expected.equals(pd.DatetimeIndex(index)):
            bad = int(np.flatnonzero(expected != index)[0])
            raise _gap_error(what, f"at frequency {offset.freqstr}, {expected[bad]} "
                                   f"was expected where {index[bad]} is")
        return TimeAxis("datetime", offset.freqstr)
    if pd.api.types.is_integer_dtype(index.dtype):
        values = np.asarray(index, dtype=np.int64)
        if len(values) > 1 and not (np.diff(values) == 1).all():
            first = int(np.flatnonzero(np.diff(values) != 1)[0])
            raise _gap_error(what, f"integer label {values[first]} is followed by "
                                   f"{values[first + 1]}, not {values[first] + 1}")
        return TimeAxis("integer", None)
    raise TypeError(
        f"{what} has an index of {type(index).__name__} (dtype {index.dtype}); a "
        "forecaster needs time labels: a PeriodIndex, a DatetimeIndex with a "
        "regular frequency, or integers in steps of one (a RangeIndex). Set one "
        "with y.index = pd.period_range(...) or pd.date_range(...)."
    )


def _finite_values(values: np.ndarray, what: str, labels) -> np.ndarray:
    bad = ~np.isfinite(values)
    if bad.any():
        shown = ", ".join(str(label) for label in np.asarray(labels, dtype=object)[bad][:3])
        raise ValueError(
            f"{what} has {int(bad.sum())} missing or infinite values (at {shown}"
            f"{', ...' if bad.sum() > 3 else ''}). A forecaster needs every step of "
            "the history observed: fill the gaps (y.interpolate(), y.ffill()) or "
            "cut the series after its last gap."
        )
    return values


def _numeric(column, what: str) -> np.ndarray:
    try:
        return np.asarray(pd.to_numeric(column, errors="raise"), dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(
            f"{what} holds values that are not numbers; forecasts need numeric "
            "series (convert with pd.to_numeric)."
        ) from None


def _from_wide(frame: pd.DataFrame, axis_freq=None) -> SeriesPanel:
    if frame.shape[1] == 0 or len(frame) == 0:
        raise ValueError("y is an empty DataFrame; give at least one series with values.")
    if frame.columns.has_duplicates:
        raise ValueError("y's columns name the series and must be unique; rename the repeats.")
    axis = _axis_of(frame.index, "y", axis_freq)
    ids, values, indexes = [], [], []
    for column in frame.columns:
        series = _numeric(frame[column], f"column {column!r} of y")
        observed = np.flatnonzero(~np.isnan(series))
        if len(observed) == 0:
            raise ValueError(f"column {column!r} of y has no values; drop it.")
        start, stop = observed[0], observed[-1] + 1
        if stop < len(series):
            raise ValueError(
                f"column {column!r} of y ends at {frame.index[stop - 1]}, before the "
                f"table's last row ({frame.index[-1]}): in a wide table every series "
                "runs to the end (the forecast origin). Series that end at different "
                "times go in a long table (columns id, time, value)."
            )
        what = f"column {column!r} of y"
        values.append(_finite_values(series[start:], what, frame.index[start:]))
        indexes.append(frame.index[start:])
        ids.append(column)
    return SeriesPanel(ids, values, indexes, axis, "wide")


def _long_index(times: pd.Series) -> pd.Index:
    index = pd.Index(times.to_numpy())
    if pd.api.types.is_datetime64_any_dtype(times.dtype):
        return pd.DatetimeIndex(times)
    if isinstance(times.dtype, pd.PeriodDtype):
        return pd.PeriodIndex(times)
    return index


def _from_long(frame: pd.DataFrame, id_col, time_col) -> SeriesPanel:
    from ._long import check_long_table

    value_cols = [c for c in frame.columns if c not in (id_col, time_col)]
    if len(value_cols) != 1:
        raise ValueError(
            f"A long y holds columns {id_col!r}, {time_col!r} and one value column; "
            f"this one has value columns {value_cols}. Covariates go in X (a long "
            f"table with the same {id_col!r} and {time_col!r} columns)."
        )
    times = frame[time_col] if time_col in frame.columns else None
    if times is not None and times.dtype == object and len(times) and isinstance(
            times.iloc[0], pd.Period):  # periods of several frequencies cannot even be sorted
        freqs = frame.groupby(id_col, sort=True)[time_col].agg(
            lambda group: getattr(group.iloc[0], "freqstr", None))
        common = freqs.mode().iloc[0]
        odd = freqs[freqs != common]
        if len(odd):
            raise ValueError(
                f"series {odd.index[0]!r} of y has time labels of frequency {odd.iloc[0]}, "
                f"the others {common}: all series of one forecaster share a frequency. "
                "Convert them (e.g. .asfreq) or fit one forecaster per frequency."
            )
    ordered, _ = check_long_table(frame, id_col, time_col, value_cols)
    ids, values, indexes = [], [], []
    freq = None
    groups = list(ordered.groupby(id_col, sort=True, observed=True))
    longest = max(groups, key=lambda item: len(item[1]))
    axis = _axis_of(_long_index(longest[1][time_col]), f"series {longest[0]!r} of y")
    freq = axis.freq
    for key, group in groups:
        what = f"series {key!r} of y"
        index = _long_index(group[time_col])
        found = _axis_of(index, what, freq if axis.kind == "datetime" else None)
        if found.kind != axis.kind or (found.kind == "period" and found.freq != axis.freq):
            raise ValueError(
                f"{what} has time labels of another kind or frequency ({found.kind} "
                f"{found.freq}) than series {longest[0]!r} ({axis.kind} {axis.freq}); "
                "all series of one forecaster share a frequency."
            )
        vals = group[value_cols[0]].to_numpy(dtype=np.float64, na_value=np.nan)
        ids.append(key.item() if isinstance(key, np.generic) else key)
        values.append(_finite_values(vals, what, index))
        indexes.append(index)
    return SeriesPanel(ids, values, indexes, axis, "long", name=value_cols[0],
                       id_col=id_col, time_col=time_col)


def check_series(y, *, id_col="id", time_col="time") -> SeriesPanel:
    """Validate the series to forecast, in any of the three forms.

    Parameters
    ----------
    y : pandas Series, DataFrame or 1D array-like
        A Series (one series; its index the time), a wide DataFrame (one
        column per series, rows the time; series may start later, with
        leading NaN), a long DataFrame (columns ``id_col``, ``time_col`` and
        one value column) or a 1D array (an integer time index from 0).
    id_col, time_col : str
        The columns that make a DataFrame long.

    Returns
    -------
    SeriesPanel

    Raises
    ------
    TypeError, ValueError
        For anything that is not a series on a regular time index with every
        value observed; the message says what to do.

    Examples
    --------
    >>> import pandas as pd
    >>> from sklstm._data._series import check_series
    >>> y = pd.Series([1.0, 2.0, 3.0], index=pd.period_range("2000-01", periods=3, freq="M"))
    >>> panel = check_series(y)
    >>> panel.form, panel.axis.kind, panel.values[0].tolist()
    ('series', 'period', [1.0, 2.0, 3.0])
    """
    if isinstance(y, pd.DataFrame):
        if id_col in y.columns and time_col in y.columns:
            return _from_long(y, id_col, time_col)
        return _from_wide(y)
    if isinstance(y, pd.Series):
        name = y.name
        panel = _from_wide(y.to_frame(name=0))
        if len(panel.values[0]) != len(y):
            raise ValueError(
                "y starts with missing values; drop them (y.dropna() at the start) "
                "or fill them, so that the history is observed at every step."
            )
        panel.ids, panel.form, panel.name = [name], "series", name
        return panel
    if isinstance(y, (str, bytes, dict)) or y is None:
        raise TypeError(
            f"y must be a pandas Series, a DataFrame or a 1D array of numbers, got "
            f"{type(y).__name__}."
        )
    array = np.asarray(y)
    if array.ndim != 1:
        raise ValueError(
            f"y as an array must be 1D (one series), got shape {array.shape}. Give "
            "several series as a DataFrame: wide (one column per series) or long "
            "(columns id, time, value)."
        )
    if array.dtype.kind not in "biuf":
        raise ValueError(f"y must hold numbers, got an array of dtype {array.dtype}.")
    if len(array) == 0:
        raise ValueError("y is empty; give a series with at least a few values.")
    panel = _from_wide(pd.DataFrame({0: array.astype(np.float64)}))
    if len(panel.values[0]) != len(array):
        raise ValueError("y starts with missing values; drop or fill them.")
    panel.ids, panel.form = [None], "series"
    return panel


def series_frequency(axis: TimeAxis) -> int:
    """The seasonal period a frequency suggests (12 for months, 4 for quarters...; else 1).

    Examples
    --------
    >>> from sklstm._data._series import TimeAxis, series_frequency
    >>> series_frequency(TimeAxis("period", "M")), series_frequency(TimeAxis("integer", None))
    (12, 1)
    """
    if axis.freq is None:
        return 1
    if axis.kind == "period":  # period aliases ("M", "Q-DEC") are not offsets in pandas 3
        offset = pd.Period("2000-01-01", freq=axis.freq).freq
    else:
        offset = pd.tseries.frequencies.to_offset(axis.freq)
    base = offset.rule_code.split("-")[0].upper()  # "ME", "QS", "W", "h"...
    if len(base) == 2 and base[1] in "SE":  # start or end of month, quarter, year
        base = base[0]
    seasons = {"M": 12, "Q": 4, "W": 52, "D": 7, "B": 5, "H": 24, "MIN": 60, "T": 60}
    return seasons.get(base, 1)


def check_fh(fh) -> np.ndarray:
    """Steps ahead to forecast: an int h (steps 1..h) or a list of positive ints.

    Returns the sorted, unique steps as int64.

    Examples
    --------
    >>> from sklstm._data._series import check_fh
    >>> check_fh(3).tolist(), check_fh([12, 1]).tolist()
    ([1, 2, 3], [1, 12])
    """
    if isinstance(fh, bool) or fh is None:
        raise TypeError(f"fh must be an int or a list of ints (steps ahead), got {fh!r}.")
    if np.ndim(fh) == 0 and not isinstance(fh, Integral):
        raise TypeError(
            f"fh must be an int h (steps 1..h) or a list of ints (steps ahead), got "
            f"{type(fh).__name__} {fh!r}."
        )
    if isinstance(fh, Integral):
        if fh < 1:
            raise ValueError(f"fh={fh}: the number of steps ahead must be at least 1.")
        return np.arange(1, int(fh) + 1, dtype=np.int64)
    steps = np.asarray(list(fh) if not isinstance(fh, np.ndarray) else fh)
    if steps.ndim != 1 or len(steps) == 0 or steps.dtype.kind not in "iu":
        raise TypeError(
            f"fh must be an int h (steps 1..h) or a non-empty list of ints (steps "
            f"ahead, 1 = the next step), got {fh!r}."
        )
    if (steps < 1).any():
        raise ValueError(f"fh holds {steps[steps < 1].tolist()}; steps ahead start at 1.")
    return np.unique(steps.astype(np.int64))


def check_quantiles(quantiles) -> np.ndarray:
    """Quantile levels strictly between 0 and 1, sorted and unique, with 0.5 added.

    Examples
    --------
    >>> from sklstm._data._series import check_quantiles
    >>> check_quantiles([0.9, 0.1]).tolist()
    [0.1, 0.5, 0.9]
    """
    try:
        levels = np.asarray(quantiles, dtype=np.float64).ravel()
    except (TypeError, ValueError):
        levels = np.array([np.nan])
    if len(levels) == 0 or not ((levels > 0) & (levels < 1)).all():
        raise ValueError(
            f"quantiles must be levels strictly between 0 and 1, got {quantiles!r}."
        )
    return np.unique(np.append(levels, 0.5))


def check_coverage(coverage) -> np.ndarray:
    """Interval coverages: one or several probabilities in (0, 1).

    Examples
    --------
    >>> from sklstm._data._series import check_coverage
    >>> check_coverage(0.9).tolist()
    [0.9]
    """
    coverage = np.atleast_1d(np.asarray(coverage, dtype=np.float64))
    if coverage.ndim != 1 or not ((coverage > 0) & (coverage < 1)).all():
        raise ValueError(f"coverage must be in (0, 1), got {coverage.tolist()}.")
    return coverage


def check_levels(levels, learned: np.ndarray, what: str) -> np.ndarray:
    """Quantile levels within the range of those a forecaster calibrated (``learned``).

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm._data._series import check_levels
    >>> check_levels([0.1, 0.9], np.array([0.05, 0.5, 0.95]), "alpha").tolist()
    [0.1, 0.9]
    """
    levels = np.round(np.atleast_1d(np.asarray(levels, dtype=np.float64)), 12)
    low, high = learned[0], learned[-1]
    if levels.ndim != 1 or not ((levels >= low) & (levels <= high)).all():
        raise ValueError(
            f"{what} {levels.tolist()} needs quantiles outside the levels the "
            f"forecaster calibrated ({low}..{high}); add levels to quantiles= and fit again."
        )
    return levels
