"""make_supervised: align a target ``horizon`` steps ahead of each row."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._data import check_forecast_table

__all__ = ["make_supervised", "next_step_targets"]


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


def next_step_targets(sequences):
    """Inputs and next-step targets of sequences: ``s[:-1]`` and ``s[1:]`` of each.

    What a per-step model learns to generate from (a language model over
    token ids with :class:`~sklstm.LSTMStepClassifier`, or a rollout of
    real values with :class:`~sklstm.LSTMStepRegressor`): the target at step
    ``t`` is the input at step ``t + 1``.

    Parameters
    ----------
    sequences : list of array-like or array of shape (n_samples, n_timesteps[, n_features])
        Sequences of at least 2 steps: a list of per-sequence arrays (token
        ids ``(T_i,)`` or values ``(T_i,)`` / ``(T_i, n_features)``), or one
        array. Padding stays padding: a NaN-padded step gives a NaN
        (unlabelled) target; for zero-padded token ids, fit the classifier
        with ``ignore_label=0``.

    Returns
    -------
    inputs : list of ndarray or ndarray
        Each sequence without its last step (a list for a list, an array
        for an array).
    targets : list of ndarray or ndarray
        Each sequence without its first step.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm.preprocessing import next_step_targets
    >>> X, y = next_step_targets([np.array([5, 6, 7]), np.array([8, 9])])
    >>> [x.tolist() for x in X], [t.tolist() for t in y]
    ([[5, 6], [8]], [[6, 7], [9]])
    """
    if isinstance(sequences, str) or not hasattr(sequences, "__len__"):
        raise TypeError(
            "sequences must be a list of per-sequence arrays or one array (n_samples, "
            f"n_timesteps[, n_features]), got {type(sequences).__name__}.")
    if isinstance(sequences, (list, tuple)) or (
        isinstance(sequences, np.ndarray) and sequences.dtype == object
    ):
        seqs = [np.asarray(s) for s in sequences]
        for i, s in enumerate(seqs):
            if s.ndim not in (1, 2) or len(s) < 2:
                raise ValueError(
                    f"Sequence {i} has shape {s.shape}: each sequence needs at least 2 "
                    "steps (an input and the next step as its target), as an array "
                    "(T_i,) or (T_i, n_features).")
        return [s[:-1] for s in seqs], [s[1:] for s in seqs]
    array = np.asarray(sequences)
    if array.ndim not in (2, 3) or array.shape[1] < 2:
        raise ValueError(
            f"sequences of shape {array.shape}: an array must be (n_samples, n_timesteps"
            "[, n_features]) with at least 2 steps.")
    return array[:, :-1], array[:, 1:]
