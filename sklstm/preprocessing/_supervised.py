"""make_supervised: align a target ``horizon`` steps ahead of each row."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._data import check_forecast_table

__all__ = ["make_supervised"]


def make_supervised(data, target=None, horizon: int = 1, *, multi_output: bool = False):
    """Pair each row of a time-ordered table with the target ``horizon`` steps ahead.

    Row ``t`` of ``X`` is row ``t`` of ``data`` (everything known at time
    ``t``); ``y[t]`` is ``target[t + horizon]``, or with ``multi_output`` the
    block ``target[t + 1], ..., target[t + horizon]``. The last ``horizon``
    rows have no complete target and are dropped from both. Window ``X``
    inside the pipeline (:class:`~sklstm.SlidingWindowTransformer`); when
    cross-validating, leave a gap of ``horizon - 1`` rows between training and
    test folds (:class:`~sklstm.model_selection.ForecastSplit`) so that no
    training target lies beyond the start of a test fold.

    Parameters
    ----------
    data : pandas DataFrame, pandas Series or array-like of shape (n_rows, n_features)
        Time-ordered table, one row per time step.
    target : str or int, default=None
        Column of ``data`` to forecast: a name for a DataFrame, a position for
        an array. May be omitted when ``data`` is a Series or has one column.
    horizon : int, default=1
        How many steps ahead to forecast.
    multi_output : bool, default=False
        Whether ``y`` holds every step ``1..horizon`` (multi-output
        regression) instead of only step ``horizon``.

    Returns
    -------
    X : DataFrame or ndarray of shape (n_rows - horizon, n_features)
        The first ``n_rows - horizon`` rows of ``data`` (a Series becomes a
        one-column DataFrame), index preserved.
    y : Series, DataFrame or ndarray of shape (n_rows - horizon,) or \
            (n_rows - horizon, horizon)
        Targets, on the index of ``X`` (the forecast origin). Multi-output
        columns are named ``"<target>+1"``, ..., ``"<target>+<horizon>"``.

    Examples
    --------
    >>> import pandas as pd
    >>> from sklstm import make_supervised
    >>> s = pd.Series([10.0, 11, 12, 13, 14], name="sales")
    >>> X, y = make_supervised(s, horizon=2)
    >>> X["sales"].tolist(), y.tolist()
    ([10.0, 11.0, 12.0], [12.0, 13.0, 14.0])
    >>> X, Y = make_supervised(s, horizon=2, multi_output=True)
    >>> Y.columns.tolist(), Y.iloc[0].tolist()
    (['sales+1', 'sales+2'], [11.0, 12.0])
    """
    data, target, horizon = check_forecast_table(data, target, horizon)
    n_rows = len(data)
    series = data[target] if isinstance(data, pd.DataFrame) else data[:, target]
    n_out = n_rows - horizon
    steps = range(1, horizon + 1) if multi_output else [horizon]
    if isinstance(data, pd.DataFrame):
        X = data.iloc[:n_out]
        values = {f"{target}+{k}": series.iloc[k : k + n_out].to_numpy() for k in steps}
        if multi_output:
            return X, pd.DataFrame(values, index=X.index)
        return X, pd.Series(values[f"{target}+{horizon}"], index=X.index, name=series.name)
    X = data[:n_out]
    y = np.column_stack([series[k : k + n_out] for k in steps])
    return X, (y if multi_output else y[:, 0])
