"""Targets: validation of class labels and regression targets."""

from __future__ import annotations

from numbers import Integral

import numpy as np
from sklearn.utils import check_array, column_or_1d
from sklearn.utils.multiclass import check_classification_targets, type_of_target

from ._padding import float_overflow_is_value_error

__all__ = ["check_class_labels", "check_regression_targets"]


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
    with float_overflow_is_value_error("y"):
        y = check_array(y, ensure_2d=False, dtype="numeric", input_name="y", estimator=estimator)
    if not np.isfinite(y.astype(np.float32)).all():
        raise ValueError("y has values too large for float32 (|y| > 3.4e38); rescale y.")
    return y.astype(np.float64)


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
