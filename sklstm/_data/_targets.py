"""Targets: validation of class labels, regression targets and forecast targets."""

from __future__ import annotations

from collections.abc import Hashable
from numbers import Integral

import numpy as np
import pandas as pd
from sklearn.utils import check_array, column_or_1d
from sklearn.utils.multiclass import check_classification_targets, type_of_target

from ._padding import float_overflow_is_value_error

__all__ = [
    "check_class_labels",
    "check_forecast_table",
    "check_horizon",
    "check_regression_targets",
]


def _require_y(estimator, y) -> None:
    if y is None:
        raise ValueError(
            f"{type(estimator).__name__} requires y to be passed, but the target y is None."
        )


def check_class_labels(estimator, y) -> np.ndarray:
    """Validate labels: 1D of any type, or a 2D 0/1 indicator (multilabel).

    A column vector is raveled with a DataConversionWarning; continuous and
    multiclass-multioutput targets are errors that say what to use instead.

    Examples
    --------
    >>> from sklstm import LSTMClassifier
    >>> from sklstm._data import check_class_labels
    >>> check_class_labels(LSTMClassifier(), ["a", "b", "a"]).tolist()
    ['a', 'b', 'a']
    """
    _require_y(estimator, y)
    y = check_array(y, ensure_2d=False, dtype=None, input_name="y", estimator=estimator)
    if y.ndim == 2 and y.shape[1] == 1:
        y = column_or_1d(y, warn=True)
    check_classification_targets(y)
    if y.ndim == 2 and type_of_target(y, input_name="y") == "multiclass-multioutput":
        raise ValueError(
            "y is multiclass-multioutput (several columns of non-binary labels), "
            f"which {type(estimator).__name__} does not support. Wrap it in "
            "sklearn.multioutput.MultiOutputClassifier, or pass a 0/1 indicator "
            "matrix for multilabel classification."
        )
    return y


def check_regression_targets(estimator, y) -> np.ndarray:
    """Validate numeric targets, 1D or 2D (multi-output), as float64.

    Examples
    --------
    >>> from sklstm import LSTMRegressor
    >>> from sklstm._data import check_regression_targets
    >>> check_regression_targets(LSTMRegressor(), [1, 2]).dtype
    dtype('float64')
    """
    _require_y(estimator, y)
    _refuse_missing_targets(estimator, y)
    with float_overflow_is_value_error("y"):
        y = check_array(y, ensure_2d=False, dtype="numeric", input_name="y", estimator=estimator)
    with np.errstate(over="ignore", invalid="ignore"):  # the ValueError below says it
        y32 = y.astype(np.float32)
        fits_float32 = np.isfinite(y32).all()
    if not fits_float32:
        if np.isnan(y32).any():  # (scikit-learn lets None in an object array pass)
            _refuse_missing_targets(estimator, np.asarray(y, dtype=object), always=True)
        raise ValueError("y has values too large for float32 (|y| > 3.4e38); rescale y.")
    return y.astype(np.float64)


def _refuse_missing_targets(estimator, y, *, always: bool = False) -> None:
    """Refuse ``None`` in a list or object array ``y``, naming its position.

    numpy reads None as NaN or keeps it as an object, which scikit-learn's
    checks would report as NaN or, after the float32 cast, as overflow.
    ``always``: raise even when no None is found (``y`` is known to hold
    a missing value).
    """
    if isinstance(y, (list, tuple)):
        try:
            values = np.asarray(y)
        except (TypeError, ValueError, OverflowError):
            return  # check_array says what is wrong
    elif isinstance(y, np.ndarray):
        values = y
    else:
        return
    where = None
    if values.dtype == object:
        is_none = np.fromiter((v is None for v in values.flat), bool, values.size)
        missing = np.argwhere(is_none.reshape(values.shape))
        where = tuple(int(i) for i in missing[0]) if len(missing) else None
    if where is None and not always:
        return
    at = "" if where is None else f" (None at index {where[0] if len(where) == 1 else where})"
    raise ValueError(
        f"y holds missing or non-numeric values{at}. {type(estimator).__name__} "
        "needs a number for every sample: drop the samples whose target is "
        "missing, or fill it in first."
    )


def check_horizon(horizon) -> int:
    """A forecast horizon: a positive integer number of rows ahead.

    Examples
    --------
    >>> from sklstm._data import check_horizon
    >>> check_horizon(3)
    3
    """
    if not isinstance(horizon, Integral) or isinstance(horizon, bool) or horizon < 1:
        raise ValueError(
            f"horizon must be a positive integer, got {horizon!r}: the number of "
            "rows ahead to forecast (horizon=1 is the next row)."
        )
    return int(horizon)


def check_forecast_table(data, target, horizon):
    """Validate a time-ordered table, the column to forecast and the horizon.

    The input checks of :func:`sklstm.make_supervised`.

    Parameters
    ----------
    data : pandas DataFrame, pandas Series or array-like of shape (n_rows, n_features)
        Time-ordered table, one row per time step; a 1D array is one column.
    target : str, int or None
        A column name of a DataFrame or a column position of an array; may be
        ``None`` when there is only one column.
    horizon : int
        Steps ahead; must leave at least one row.

    Returns
    -------
    data : DataFrame or ndarray of shape (n_rows, n_features)
        A Series becomes a one-column DataFrame (named ``"y"`` if unnamed);
        anything else that is not a DataFrame becomes a 2D ndarray.
    target : object
        The column label (DataFrame) or position (ndarray) to forecast.
    horizon : int

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm._data import check_forecast_table
    >>> data, target, horizon = check_forecast_table(np.arange(4.0), None, 2)
    >>> data.shape, target, horizon
    ((4, 1), 0, 2)
    """
    horizon = check_horizon(horizon)
    if isinstance(data, pd.Series):
        data = data.to_frame(name=data.name if data.name is not None else "y")
    if isinstance(data, pd.DataFrame):
        if target is None:
            if data.shape[1] != 1:
                raise ValueError(
                    f"data has {data.shape[1]} columns; say which one to forecast "
                    f"with target=, one of {list(data.columns)}."
                )
            target = data.columns[0]
        if not isinstance(target, Hashable):
            raise TypeError(
                f"target must be a single column label, got {type(target).__name__} "
                f"{target!r}; pass one of {list(data.columns)} (make_supervised "
                "forecasts one column)."
            )
        if target not in data.columns:
            raise ValueError(
                f"target {target!r} is not a column of data; pass one of "
                f"{list(data.columns)}."
            )
    else:
        data = np.asarray(data)
        if data.ndim == 1:
            data = data.reshape(-1, 1)
        if data.ndim != 2:
            raise ValueError(
                f"data must be a time-ordered 2D table (rows = time steps), got "
                f"an array with {data.ndim} dimensions. Build the targets from the "
                "table before windowing it (SlidingWindowTransformer windows X "
                "afterwards, inside the pipeline)."
            )
        if target is None and data.shape[1] != 1:
            raise ValueError(
                f"data has {data.shape[1]} columns; say which one to forecast "
                "with target=<column position>."
            )
        target = 0 if target is None else target
        if not isinstance(target, Integral) or not -data.shape[1] <= target < data.shape[1]:
            raise ValueError(
                f"target must be an integer column position in [-{data.shape[1]}, "
                f"{data.shape[1]}) for an array, got {target!r}."
            )
    if horizon >= len(data):
        raise ValueError(
            f"horizon={horizon} leaves no rows: data has only {len(data)} rows."
        )
    return data, target, horizon
