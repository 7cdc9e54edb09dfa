"""Cross-validation for forecasting.

Examples
--------
>>> from sklstm.model_selection import ForecastSplit
>>> ForecastSplit(n_splits=3, horizon=4).gap
3
"""

from __future__ import annotations

from sklearn.model_selection import TimeSeriesSplit

from ._backtest import BacktestResult, backtest
from ._data import check_horizon

__all__ = ["BacktestResult", "ForecastSplit", "backtest"]


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
    gap : int, default=None
        Rows left out between training and test folds; default
        ``horizon - 1`` (for ``make_supervised`` rows). For
        :class:`sklstm.LSTMForecaster`, whose training rows are the series
        itself, use ``gap=0`` and ``test_size=horizon``: each test fold is
        then the ``horizon`` steps after its training fold, and
        :func:`sklstm.metrics.make_forecast_scorer` scores them.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm.model_selection import ForecastSplit
    >>> train, test = list(ForecastSplit(n_splits=2, horizon=3).split(np.zeros((9, 1))))[-1]
    >>> train.tolist(), test.tolist()
    ([0, 1, 2, 3], [6, 7, 8])
    >>> splits = ForecastSplit(n_splits=2, horizon=3, test_size=3, gap=0).split(np.zeros((9, 1)))
    >>> [(train[-1], test.tolist()) for train, test in splits]
    [(np.int64(2), [3, 4, 5]), (np.int64(5), [6, 7, 8])]
    """

    def __init__(self, n_splits=5, *, horizon=1, max_train_size=None, test_size=None, gap=None):
        check_horizon(horizon)
        super().__init__(
            n_splits=n_splits, max_train_size=max_train_size, test_size=test_size,
            gap=horizon - 1 if gap is None else gap,
        )
        self.horizon = horizon  # self.gap holds the gap in force (TimeSeriesSplit's)
