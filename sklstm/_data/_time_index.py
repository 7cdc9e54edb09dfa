"""Time indexes of tables: does one table continue another?

sklearn's splitters index a DataFrame by position and keep its index, so a
test fold of ``TimeSeriesSplit`` on a DataFrame still says where in time it
starts. :class:`sklstm.SlidingWindowTransformer` uses that to complete the
windows of a fold's first rows from the end of the table it was fitted on.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import pandas as pd

__all__ = ["TableEnd", "table_end"]


@dataclass(frozen=True)
class TableEnd:
    """The last index label of a table and the label that would follow it."""

    last: object
    following: object

    def continued_by(self, X) -> bool:
        """Whether ``X`` (any input) is a pandas table whose first label follows this end.

        Examples
        --------
        >>> import pandas as pd
        >>> from sklstm._data._time_index import table_end
        >>> end = table_end(pd.DataFrame({"a": [1.0, 2.0]}, index=[10, 11]))
        >>> end.continued_by(pd.DataFrame({"a": [3.0]}, index=[12]))
        True
        >>> end.continued_by(pd.DataFrame({"a": [3.0]}, index=[14]))
        False
        """
        index = getattr(X, "index", None)
        if not isinstance(index, pd.Index) or len(index) == 0:
            return False
        first = index[0]
        try:
            return bool(first == self.following)
        except (TypeError, ValueError):  # labels of another kind (e.g. tz-aware vs naive)
            return False


def table_end(X) -> TableEnd | None:
    """Where a time-ordered pandas table ends, when its index tells it; else None.

    An index tells where the table ends when it is of integers (steps of one:
    the next label is ``last + 1``), a ``PeriodIndex`` (the next period), or a
    ``DatetimeIndex`` whose frequency is set or can be inferred (the next
    timestamp at that frequency). Other indexes (strings, floats, irregular
    times) and numpy arrays say nothing.

    Examples
    --------
    >>> import pandas as pd
    >>> from sklstm._data._time_index import table_end
    >>> months = pd.date_range("2020-01", periods=3, freq="MS")
    >>> table_end(pd.DataFrame({"a": [1.0, 2.0, 3.0]}, index=months)).following
    Timestamp('2020-04-01 00:00:00')
    >>> table_end(pd.DataFrame({"a": [1.0, 2.0]}, index=[0, 1])).following
    2
    >>> table_end([[1.0], [2.0]]) is None
    True
    """
    index = getattr(X, "index", None)
    if not isinstance(index, pd.Index) or len(index) == 0:
        return None
    last = index[-1]
    if isinstance(index, pd.PeriodIndex):
        return TableEnd(last, last + 1)
    if isinstance(index, pd.DatetimeIndex):
        freq = index.freq
        if freq is None and len(index) >= 3:
            with warnings.catch_warnings():  # pandas 3 warns that it will return an offset
                warnings.simplefilter("ignore")
                inferred = pd.infer_freq(index)
            freq = None if inferred is None else pd.tseries.frequencies.to_offset(inferred)
        return None if freq is None else TableEnd(last, last + freq)
    if pd.api.types.is_integer_dtype(index.dtype) and index.is_monotonic_increasing:
        return TableEnd(int(last), int(last) + 1)
    return None
