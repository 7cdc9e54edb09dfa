"""Converters between sequence layouts: long tables, ragged lists, padded arrays.

Layouts of padded 3D arrays are always named, never guessed:

- ``"ntf"``: (n_samples, n_timesteps, n_features) — sklstm, PyTorch
  ``batch_first``, Keras, tslearn;
- ``"nft"``: (n_samples, n_features, n_timesteps) — sktime/aeon's
  (n_instances, n_channels, n_timepoints).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._data import pad_ragged, padding_mask

__all__ = ["from_long", "from_padded", "to_long", "to_padded"]

_LAYOUTS = ("ntf", "nft")


def _check_layout(layout):
    if layout not in _LAYOUTS:
        raise ValueError(
            f"layout must be 'ntf' (n_samples, n_timesteps, n_features) or 'nft' "
            f"(n_samples, n_features, n_timesteps; sktime's layout), got {layout!r}."
        )


def _check_no_missing_keys(df, col, role):
    """Refuse rows whose sequence id or time is missing: they have no place to go."""
    missing = df[col].isna().to_numpy()
    n_missing = int(missing.sum())
    if n_missing:
        shown = ", ".join(repr(label) for label in df.index[missing][:5])
        shown += ", ..." if n_missing > 5 else ""
        consequence = (
            "so they belong to no sequence"
            if role == "id_col"
            else "so their place within their sequence is unknown"
        )
        raise ValueError(
            f"{n_missing} of {len(df)} rows have a missing value in {role} column "
            f"{col!r} (index labels {shown}), {consequence}. Drop them "
            f"(df.dropna(subset=[{col!r}])) or fill them (df.fillna({{{col!r}: ...}})) "
            "before calling from_long."
        )


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
    value_cols : list of str
        Feature columns.

    Returns
    -------
    sequences : list of ndarray of shape (T_i, n_features)
        One float64 array per sequence, rows in time order.
    ids : ndarray of shape (n_sequences,)
        The id of each sequence, in sorted order.

    Raises
    ------
    ValueError
        If a column is absent, if a row's id or time is missing (NaN, None,
        ``pd.NA``): drop or fill those rows first, or if an (id, time) pair
        appears twice.

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
    value_cols = [value_cols] if isinstance(value_cols, str) else list(value_cols)
    missing = [c for c in [id_col, time_col, *value_cols] if c not in df.columns]
    if missing:
        raise ValueError(f"Columns {missing} are not in the DataFrame: {list(df.columns)}.")
    for role, col in (("id_col", id_col), ("time_col", time_col)):
        _check_no_missing_keys(df, col, role)
    ordered = df.sort_values([id_col, time_col], kind="stable")
    if ordered.duplicated([id_col, time_col]).any():
        raise ValueError(
            f"Some ({id_col}, {time_col}) pairs appear twice; each sequence needs "
            "one row per time step."
        )
    groups = ordered.groupby(id_col, sort=True)
    ids = np.array(list(groups.groups.keys()))
    sequences = [group[value_cols].to_numpy(dtype=np.float64) for _, group in groups]
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
        Feature column names; by default ``x0, x1, …``.
    id_col, time_col : str, default="id", "time"
        Names of the id and time-position columns.

    Returns
    -------
    df : pandas DataFrame
        Columns ``id_col, time_col, *value_cols``; time counts 0, 1, … within
        each sequence.

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
    values, lengths = _padded_sequences(sequences, "to_long")
    if ids is None:
        ids = np.arange(len(lengths))
    if len(ids) != len(lengths):
        raise ValueError(
            f"Got {len(ids)} ids for {len(lengths)} sequences; pass one id per "
            "sequence (or none for 0, 1, ...)."
        )
    n_features = values.shape[2]
    value_cols = [f"x{j}" for j in range(n_features)] if value_cols is None else list(value_cols)
    real = np.arange(values.shape[1])[None, :] < lengths[:, None]
    frame = pd.DataFrame(values[real], columns=value_cols)
    frame.insert(0, time_col, np.nonzero(real)[1])
    frame.insert(0, id_col, np.repeat(np.asarray(ids, dtype=object), lengths))
    return frame


def _padded_sequences(sequences, name):
    """The data layer's zero-padded float64 values and lengths of a list of sequences."""
    items = list(sequences)
    if not items:
        raise ValueError(f"{name} needs at least one sequence; got none.")
    return pad_ragged(items, np.float64)


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
    _check_layout(layout)
    X, lengths = _padded_sequences(sequences, "to_padded")
    length = X.shape[1] if max_length is None else max_length
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

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm.preprocessing import from_padded
    >>> X = np.array([[[1.0], [2.0]], [[3.0], [np.nan]]])
    >>> [s[:, 0].tolist() for s in from_padded(X)]
    [[1.0, 2.0], [3.0]]
    """
    _check_layout(layout)
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 3:
        raise ValueError(
            f"X must be a 3D padded array in layout {layout!r}, got shape "
            f"{X.shape}; for a list of sequences there is nothing to unpad."
        )
    if np.isinf(X).any():
        raise ValueError("X contains infinity; only NaN marks padding. Clip or impute first.")
    if layout == "nft":
        X = X.transpose(0, 2, 1)
    real = padding_mask(X)
    return [X[i][real[i]].copy() for i in range(len(X))]
