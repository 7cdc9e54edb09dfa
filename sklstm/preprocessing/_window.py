"""SlidingWindowTransformer: a time-ordered table → one causal window per row."""

from __future__ import annotations

from numbers import Integral

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import _check_feature_names_in, check_is_fitted

from .._data import check_table, table_end
from ._output import NumpyOutputMixin

__all__ = ["SlidingWindowTransformer"]


class SlidingWindowTransformer(NumpyOutputMixin, TransformerMixin, BaseEstimator, auto_wrap_output_keys=None):
    """Turn a time-ordered 2D table into one causal window per row.

    Row ``t`` of the output holds rows ``t - (window_size - 1) * step, ...,
    t - step, t`` of the input (or the same ending at ``t - 1`` with
    ``include_current=False``): never a later row. No row is dropped and ``y``
    is never touched, so the transformer sits inside a Pipeline after a 2D
    scaler and before an LSTM estimator, and works with ``cross_val_score``
    and ``TimeSeriesSplit``. Rows without a full history are padded at the
    start; by default the padding is NaN, which the sklstm estimators mask,
    so the LSTM sees only the real steps.

    Parameters
    ----------
    window_size : int, default=24
        Number of time steps per window. Tunable in a grid search.
    step : int, default=1
        Dilation: take every ``step``-th row (``step=7`` on daily data gives
        the same weekday of the past ``window_size`` weeks).
    include_current : bool, default=True
        Whether the window of row ``t`` ends at ``t`` (the current row's
        features are known when predicting) or at ``t - 1``.
    padding : {"mask", "zero"}, default="mask"
        "mask": missing history is NaN, read by the estimators as padding and
        skipped (the first row's window under ``include_current=False`` is
        padding only: the estimators read it as the network's initial
        state). "zero": missing history is 0 (after a StandardScaler, the
        mean).
    continuation : {"index", "none"}, default="index"
        "index": when the table given to ``transform`` is a pandas object
        whose index continues the index of the table seen at ``fit`` (its
        first label is the one right after the last fitted label: the next
        integer, the next period, or the next timestamp at the index's
        frequency), the windows of its first rows are completed from the
        last rows of the fitted table instead of being padded. That is a
        test fold of ``TimeSeriesSplit`` on a DataFrame (sklearn's
        splitters keep the index): without it, the first
        ``window_size - 1`` rows of each test fold are predicted from
        truncated windows, which biases a search over ``window_size``
        towards small windows. Numpy input (no index), an index that does
        not continue (a gap, an overlap, the fitted table itself) and
        "none" pad as usual. In a Pipeline, keep the index up to this step:
        ``StandardScaler().set_output(transform="pandas")``.

    Attributes
    ----------
    n_features_in_ : int
        Number of columns of the table seen at fit.
    feature_names_in_ : ndarray of shape (``n_features_in_``,)
        Column names, when fitted on a DataFrame with string column names.
    tail_ : ndarray of shape (n_tail, ``n_features_in_``) or None
        The last rows of the fitted table (as many as a window reaches
        back), kept to continue it; None when the table's index does not
        say where it ends (numpy input) or ``continuation="none"``.

    See Also
    --------
    sklstm.make_supervised : Aligns the target ``horizon`` steps ahead.
    sklstm.model_selection.ForecastSplit : TimeSeriesSplit with the gap a horizon needs.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm import SlidingWindowTransformer
    >>> X = np.arange(5.0).reshape(-1, 1)
    >>> windows = SlidingWindowTransformer(window_size=3).fit_transform(X)
    >>> windows.shape
    (5, 3, 1)
    >>> windows[:, :, 0]
    array([[nan, nan,  0.],
           [nan,  0.,  1.],
           [ 0.,  1.,  2.],
           [ 1.,  2.,  3.],
           [ 2.,  3.,  4.]])

    A table that continues the fitted one (by its index) is windowed with the
    fitted rows before it:

    >>> import pandas as pd
    >>> table = pd.DataFrame({"x": np.arange(5.0)})
    >>> swt = SlidingWindowTransformer(window_size=3).fit(table.iloc[:3])
    >>> swt.transform(table.iloc[3:])[:, :, 0]
    array([[1., 2., 3.],
           [2., 3., 4.]])
    """

    _parameter_constraints: dict = {
        "window_size": [Interval(Integral, 1, None, closed="left")],
        "step": [Interval(Integral, 1, None, closed="left")],
        "include_current": ["boolean"],
        "padding": [StrOptions({"mask", "zero"})],
        "continuation": [StrOptions({"index", "none"})],
    }

    def __init__(
        self,
        window_size: int = 24,
        *,
        step: int = 1,
        include_current: bool = True,
        padding: str = "mask",
        continuation: str = "index",
    ):
        self.window_size = window_size
        self.step = step
        self.include_current = include_current
        self.padding = padding
        self.continuation = continuation

    def fit(self, X, y=None) -> "SlidingWindowTransformer":
        """Record the number (and names) of the table's columns, and its last rows.

        Parameters
        ----------
        X : array-like of shape (n_rows, n_features)
            Time-ordered table: rows are time steps.
        y : None
            Ignored.

        Returns
        -------
        self : SlidingWindowTransformer
        """
        self._validate_params()
        values = check_table(self, X, reset=True)
        end = table_end(X) if self.continuation == "index" else None
        self.tail_ = None if end is None else values[-self._reach():].copy()
        self._table_end = end
        return self

    def _reach(self) -> int:
        """How many rows before a row its window reaches back (at least 1)."""
        return max(1, (int(self.window_size) - 1) * int(self.step)
                   + (0 if self.include_current else 1))

    def transform(self, X) -> np.ndarray:
        """One window per row of the time-ordered table ``X``.

        Parameters
        ----------
        X : array-like of shape (n_rows, n_features)
            Time-ordered table with the columns seen at fit.

        Returns
        -------
        windows : ndarray of shape (n_rows, window_size, n_features)
            Padding (rows before the start of ``X``, or before the fitted
            table that ``X`` continues) is NaN or 0.
        """
        check_is_fitted(self)
        end = self._table_end  # None for numpy tables and continuation="none"
        continues = end is not None and end.continued_by(X)
        X = check_table(self, X, reset=False)
        if continues:  # the fitted table's last rows come first, then are cut off
            tail = self.tail_.astype(X.dtype, copy=False)
            return self._windows(np.concatenate([tail, X]))[len(tail):]
        return self._windows(X)

    def _windows(self, X: np.ndarray) -> np.ndarray:
        """The windows of a validated table."""
        n_rows, n_features = X.shape
        window_size, step = int(self.window_size), int(self.step)  # Python ints: no overflow
        fill = np.nan if self.padding == "mask" else 0.0
        # Step j of the window of row k holds row k + j * step - lead of X
        # (the last step: row k, or k - 1 without the current row); rows
        # before the start of X are padding.
        lead = (window_size - 1) * step + (0 if self.include_current else 1)
        windows = _allocate_windows(n_rows, window_size, n_features, X.dtype)
        # Steps before j0 lie before the start of X in every window (with a
        # large step, most of them): they are padding, and only the steps
        # from j0 on are read from X, after fewer than n_rows padding rows.
        j0 = min(window_size, max(0, (lead - n_rows) // step + 1))
        windows[:, :j0] = fill
        if j0 == window_size:
            return windows
        lead -= j0 * step  # < n_rows
        span = (window_size - j0 - 1) * step + 1  # <= lead + 1
        padded = np.concatenate([np.full((lead, n_features), fill, dtype=X.dtype), X])
        # view[k] covers padded rows k .. k + span - 1, i.e. it ends at row
        # k (include_current) or k - 1 of X; keep every step-th row of it.
        view = sliding_window_view(padded, span, axis=0)[:n_rows, :, ::step]
        windows[:, j0:] = view.transpose(0, 2, 1)
        return windows

    def __setstate__(self, state):
        # pickles of 0.1.0 have no continuation (nor a tail): they window as they did
        state = {"continuation": "index", **state}
        if "n_features_in_" in state:
            state = {"tail_": None, "_table_end": None, **state}
        super().__setstate__(state)

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        """Names of the last axis of the output: the input columns.

        The output is 3D (rows, window steps, features); its features per
        step are the input's columns, in order.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Input column names; by default ``feature_names_in_`` or
            ``x0, x1, ...``.

        Returns
        -------
        feature_names_out : ndarray of str
        """
        check_is_fitted(self)
        return _check_feature_names_in(self, input_features)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags


def _allocate_windows(n_rows: int, window_size: int, n_features: int, dtype) -> np.ndarray:
    """The output array, or a ValueError when it cannot be allocated."""
    try:
        return np.empty((n_rows, window_size, n_features), dtype=dtype)
    except (MemoryError, ValueError, OverflowError):  # beyond what numpy can address
        size = n_rows * window_size * n_features * np.dtype(dtype).itemsize
        raise ValueError(
            f"The windows of X would take {size / 2**30:,.1f} GiB ({n_rows} rows x "
            f"window_size={window_size} x {n_features} features of "
            f"{np.dtype(dtype).name}), more than can be allocated. Lower "
            "window_size (the number of time steps per window; step only spaces "
            "them out), or transform fewer rows at a time."
        ) from None
