"""Converters between sequence layouts: long tables, ragged lists, padded arrays.

Layouts of padded 3D arrays are always named, never guessed:

- ``"ntf"``: (n_samples, n_timesteps, n_features) — sklstm, PyTorch
  ``batch_first``, Keras, tslearn;
- ``"nft"``: (n_samples, n_features, n_timesteps) — sktime/aeon's
  (n_instances, n_channels, n_timepoints).
"""

from __future__ import annotations

from numbers import Integral

import numpy as np
import pandas as pd

from .._data import (
    check_layout,
    check_long_table,
    check_padded_3d,
    check_sequence_labels,
    check_sequence_list,
)

__all__ = ["from_long", "from_padded", "to_long", "to_padded"]

def from_long(df: pd.DataFrame, id_col, time_col, value_cols):
    """Ragged sequences from a long table (one row per sequence and time step).

    Parameters
    ----------
    df : pandas DataFrame
        Long table.
    id_col : str
        Column identifying the sequence of each row.
    time_col : str
        Column ordering the rows within a sequence.
    value_cols : str or list of str
        Feature columns (numeric).

    Returns
    -------
    sequences : list of ndarray of shape (T_i, n_features)
        One float64 array per sequence, rows in time order.
    ids : ndarray of shape (n_sequences,)
        The id of each sequence, in sorted order.

    Raises
    ------
    TypeError
        If ``df`` is not a DataFrame.
    ValueError
        If a column is absent, if a row's id or time is missing (NaN, None,
        ``pd.NA``): drop or fill those rows first, if an (id, time) pair
        appears twice (the message names the first), or if a value column is
        not numeric. Missing values in value columns become NaN.

    Examples
    --------
    >>> import pandas as pd
    >>> from sklstm.preprocessing import from_long
    >>> df = pd.DataFrame({"id": ["b", "a", "a", "b", "b"], "t": [2, 1, 0, 0, 1],
    ...                    "x": [5.0, 2.0, 1.0, 3.0, 4.0]})
    >>> seqs, ids = from_long(df, "id", "t", ["x"])
    >>> ids.tolist(), [s[:, 0].tolist() for s in seqs]
    (['a', 'b'], [[1.0, 2.0], [3.0, 4.0, 5.0]])
    """
    ordered, value_cols = check_long_table(df, id_col, time_col, value_cols)
    groups = ordered.groupby(id_col, sort=True, observed=True)  # categorical ids: only those present
    ids = np.array(list(groups.groups.keys()))
    sequences = [
        group[value_cols].to_numpy(dtype=np.float64, na_value=np.nan) for _, group in groups
    ]
    return sequences, ids


def to_long(sequences, ids=None, *, value_cols=None, id_col="id", time_col="time"):
    """A long table from ragged sequences (the inverse of :func:`from_long`).

    Parameters
    ----------
    sequences : list of array-like of shape (T_i,) or (T_i, n_features)
        Sequences.
    ids : array-like of shape (n_sequences,), default=None
        Their ids; by default 0, 1, ….
    value_cols : list of str, default=None
        Feature column names, one per feature; by default ``x0, x1, …``.
    id_col, time_col : str, default="id", "time"
        Names of the id and time-position columns.

    Returns
    -------
    df : pandas DataFrame
        Columns ``id_col, time_col, *value_cols``; time counts 0, 1, … within
        each sequence.

    Raises
    ------
    ValueError
        If there is no sequence, a sequence is empty, not numeric or not
        finite, the number of ids is not the number of sequences, the number
        of ``value_cols`` is not the number of features, or a column name is
        used twice.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm.preprocessing import to_long
    >>> to_long([np.array([1.0, 2.0]), np.array([3.0])], ids=["a", "b"])
      id  time   x0
    0  a     0  1.0
    1  a     1  2.0
    2  b     0  3.0
    """
    values, lengths = check_sequence_list(sequences, "to_long")
    ids, value_cols = check_sequence_labels(
        len(lengths), values.shape[2], ids, value_cols, id_col, time_col
    )
    real = np.arange(values.shape[1])[None, :] < lengths[:, None]
    frame = pd.DataFrame(values[real], columns=value_cols)
    frame.insert(0, time_col, np.nonzero(real)[1])
    frame.insert(0, id_col, np.repeat(ids, lengths))
    return frame


def to_padded(sequences, *, layout="ntf", max_length=None, fill_value=np.nan):
    """A padded 3D array from ragged sequences, padding after each sequence.

    Parameters
    ----------
    sequences : list of array-like of shape (T_i,) or (T_i, n_features)
        Sequences.
    layout : {"ntf", "nft"}, default="ntf"
        Axis order of the result (see the module docstring).
    max_length : int, default=None
        Length of the time axis; by default the longest sequence. Longer
        sequences are an error (cut them first if that is what you want).
    fill_value : float, default=NaN
        Padding value. NaN is what the sklstm estimators and tslearn read as
        padding.

    Returns
    -------
    X : ndarray of float64, 3D in the requested layout

    Raises
    ------
    ValueError
        If there is no sequence, a sequence is empty, not numeric or not
        finite, the sequences differ in their number of features, or one is
        longer than ``max_length``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm.preprocessing import to_padded
    >>> to_padded([np.array([1.0, 2.0]), np.array([3.0])])[:, :, 0]
    array([[ 1.,  2.],
           [ 3., nan]])
    >>> to_padded([np.ones((2, 3)), np.ones((1, 3))], layout="nft").shape
    (2, 3, 2)
    """
    check_layout(layout)
    if max_length is not None and (
        not isinstance(max_length, Integral) or isinstance(max_length, bool) or max_length < 1
    ):
        raise ValueError(
            f"max_length must be a positive integer or None (the longest "
            f"sequence), got {max_length!r}."
        )
    X, lengths = check_sequence_list(sequences, "to_padded")
    length = X.shape[1] if max_length is None else int(max_length)
    if X.shape[1] > length:
        raise ValueError(
            f"A sequence has {X.shape[1]} steps, more than max_length={length}; "
            "cut the sequences first or raise max_length."
        )
    if length > X.shape[1]:
        X = np.concatenate([X, np.zeros((len(X), length - X.shape[1], X.shape[2]))], axis=1)
    X[np.arange(length)[None, :] >= lengths[:, None]] = fill_value
    return X if layout == "ntf" else X.transpose(0, 2, 1).copy()


def from_padded(X, *, layout="ntf"):
    """Ragged sequences from a NaN-padded 3D array (the inverse of :func:`to_padded`).

    Leading and trailing time steps whose features are all NaN are padding
    and are removed; NaN anywhere else is an error.

    Parameters
    ----------
    X : array-like, 3D
        Padded sequences in ``layout``.
    layout : {"ntf", "nft"}, default="ntf"
        Axis order of ``X`` (see the module docstring).

    Returns
    -------
    sequences : list of ndarray of shape (T_i, n_features)
        float64 copies.

    Raises
    ------
    ValueError
        If ``X`` is not 3D (a list of sequences of different lengths needs no
        unpadding), holds infinity or values that are not numbers, has a NaN
        inside a sequence, or a sequence with no real step. The same checks
        as the sklstm estimators' input.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm.preprocessing import from_padded
    >>> X = np.array([[[1.0], [2.0]], [[3.0], [np.nan]]])
    >>> [s[:, 0].tolist() for s in from_padded(X)]
    [[1.0, 2.0], [3.0]]
    """
    values, real = check_padded_3d(None, X, reset=False, layout=layout, dtype=np.float64)
    return [values[i][real[i]] for i in range(len(values))]
