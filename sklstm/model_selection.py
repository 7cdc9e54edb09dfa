"""Cross-validation for forecasting.

Examples
--------
>>> from sklstm.model_selection import ForecastSplit
>>> ForecastSplit(n_splits=3, horizon=4).gap
3
"""

from __future__ import annotations

from sklearn.model_selection import TimeSeriesSplit

from ._data import check_horizon

__all__ = ["ForecastSplit"]


class ForecastSplit(TimeSeriesSplit):
    """``TimeSeriesSplit`` with the gap that a forecast ``horizon`` needs.

    With targets from :func:`sklstm.make_supervised`, the target of a training
    row ``t`` is the value at ``t + horizon``. A gap of ``horizon - 1`` rows
    between each training fold and its test fold keeps every training target
    at or before the first test row, so no test-period value leaks into
    training.

    Parameters
    ----------
    n_splits : int, default=5
        Number of splits.
    horizon : int, default=1
        Forecast horizon of the targets; the gap is ``horizon - 1``.
    max_train_size : int, default=None
        Maximum size of a training fold (a sliding rather than expanding window).
    test_size : int, default=None
        Size of each test fold; by default ``n_samples // (n_splits + 1)``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm.model_selection import ForecastSplit
    >>> train, test = list(ForecastSplit(n_splits=2, horizon=3).split(np.zeros((9, 1))))[-1]
    >>> train.tolist(), test.tolist()
    ([0, 1, 2, 3], [6, 7, 8])
    """

    def __init__(self, n_splits=5, *, horizon=1, max_train_size=None, test_size=None):
        check_horizon(horizon)
        super().__init__(
            n_splits=n_splits, max_train_size=max_train_size, test_size=test_size,
            gap=horizon - 1,
        )
        self.horizon = horizon
