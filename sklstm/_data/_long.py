"""Long tables: one row per sequence and time step (``from_long`` / ``to_long``)."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["check_long_table", "check_sequence_labels"]


def _check_no_missing_keys(df: pd.DataFrame, col, role: str) -> None:
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


def _plain(value):
    """A numpy scalar as the Python scalar it holds (for messages)."""
    return value.item() if isinstance(value, np.generic) else value


def _check_no_repeated_steps(ordered: pd.DataFrame, id_col, time_col, value_cols) -> None:
    """Refuse a second row for the same (id, time) pair, naming the first such pair."""
    repeated = ordered.duplicated([id_col, time_col], keep=False).to_numpy()
    if not repeated.any():
        return
    first = ordered[repeated].iloc[0]
    pair = tuple(_plain(first[col]) for col in (id_col, time_col))
    same = (ordered[id_col] == pair[0]) & (ordered[time_col] == pair[1])
    labels = ", ".join(repr(label) for label in ordered.index[same.to_numpy()][:5])
    keys = [id_col, time_col]
    raise ValueError(
        f"Some ({id_col}, {time_col}) pairs appear twice; each sequence needs one "
        f"row per time step. The first is {pair!r}, in the rows with index labels "
        f"{labels}. Keep one row per pair (df.drop_duplicates(subset={keys!r})) or "
        f"average the repeats (df.groupby({keys!r}, as_index=False)"
        f"[{list(value_cols)!r}].mean()) before calling from_long."
    )


def _first_non_number(column: pd.Series):
    """The (index label, value) of the first entry of ``column`` that is not a number."""
    for label, value in column.items():
        if pd.api.types.is_scalar(value) and pd.isna(value):
            continue  # missing values become NaN
        try:
            float(value)
        except (TypeError, ValueError):
            return label, value
    return None  # pragma: no cover - only called when the conversion failed


def _check_numeric(df: pd.DataFrame, col) -> None:
    """Refuse a value column that cannot be read as float features."""
    try:
        df[col].to_numpy(dtype=np.float64, na_value=np.nan)
    except (TypeError, ValueError) as exc:
        found = _first_non_number(df[col])  # None only if every value converts alone
        example = f"index label {found[0]!r} holds {found[1]!r}" if found else str(exc)
        raise ValueError(
            f"Value column {col!r} holds values that are not numbers ({example}); "
            "value_cols must be numeric features. Convert the column first "
            f"(pd.to_numeric(df[{col!r}], errors='coerce') turns non-numbers into "
            "NaN), encode it (for example with pd.get_dummies), or leave it out of "
            "value_cols."
        ) from None


def check_long_table(df, id_col, time_col, value_cols):
    """Validate a long table and order its rows by sequence id, then time.

    The input checks of :func:`sklstm.preprocessing.from_long`: ``df`` is a
    DataFrame holding every named column, no row lacks its id or time, no
    (id, time) pair appears twice, and the value columns are numeric.

    Parameters
    ----------
    df : pandas DataFrame
        Long table, one row per sequence and time step.
    id_col, time_col : str
        Columns identifying the sequence of each row and ordering the rows
        within a sequence.
    value_cols : str or list of str
        Feature columns.

    Returns
    -------
    ordered : pandas DataFrame
        The rows of ``df`` sorted by ``id_col``, then ``time_col`` (a stable
        sort; ``df`` itself is left as it is).
    value_cols : list
        The feature columns, a single name wrapped in a list.

    Raises
    ------
    TypeError
        If ``df`` is not a DataFrame.
    ValueError
        If a column is absent, a row's id or time is missing, an (id, time)
        pair appears twice or a value column is not numeric. Each message
        says how to fix the table.

    Examples
    --------
    >>> import pandas as pd
    >>> from sklstm._data import check_long_table
    >>> df = pd.DataFrame({"id": [1, 0, 0], "t": [0, 1, 0], "x": [3.0, 2.0, 1.0]})
    >>> ordered, cols = check_long_table(df, "id", "t", "x")
    >>> ordered["x"].tolist(), cols
    ([1.0, 2.0, 3.0], ['x'])
    >>> check_long_table(df.assign(t=0), "id", "t", ["x"])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: Some (id, t) pairs appear twice; ...
    """
    if not isinstance(df, pd.DataFrame):
        raise TypeError(
            "from_long needs a pandas DataFrame in long format (one row per "
            f"sequence and time step), got {type(df).__name__}. Build one first, "
            "e.g. pd.DataFrame(data, columns=[...])."
        )
    value_cols = [value_cols] if isinstance(value_cols, str) else list(value_cols)
    missing = [c for c in [id_col, time_col, *value_cols] if c not in df.columns]
    if missing:
        raise ValueError(
            f"Columns {missing} are not in the DataFrame; its columns are "
            f"{list(df.columns)}. Pass id_col, time_col and value_cols naming "
            "columns of the DataFrame."
        )
    for role, col in (("id_col", id_col), ("time_col", time_col)):
        _check_no_missing_keys(df, col, role)
    for col in value_cols:
        _check_numeric(df, col)
    ordered = df.sort_values([id_col, time_col], kind="stable")
    _check_no_repeated_steps(ordered, id_col, time_col, value_cols)
    return ordered, value_cols


def check_sequence_labels(n_sequences: int, n_features: int, ids, value_cols, id_col, time_col):
    """Validate the ids and column names that label sequences in a long table.

    The input checks of :func:`sklstm.preprocessing.to_long`.

    Parameters
    ----------
    n_sequences, n_features : int
        Number of sequences and of features per time step.
    ids : array-like of shape (n_sequences,) or None
        One id per sequence; ``None`` for 0, 1, …. A scalar, a string or an
        array that is not 1D is refused.
    value_cols : str, list of str or None
        One column name per feature; ``None`` for ``x0, x1, …``.
    id_col, time_col : str
        Names of the id and time-position columns.

    Returns
    -------
    ids : ndarray of shape (n_sequences,), object
    value_cols : list

    Examples
    --------
    >>> from sklstm._data import check_sequence_labels
    >>> ids, cols = check_sequence_labels(2, 1, None, None, "id", "time")
    >>> ids.tolist(), cols
    ([0, 1], ['x0'])
    """
    if ids is None:
        ids = np.arange(n_sequences)
    if isinstance(ids, (str, bytes)) or not hasattr(ids, "__len__"):
        raise TypeError(
            f"ids must be a list or 1D array with one id per sequence, got "
            f"{type(ids).__name__} {ids!r}; pass one id per sequence (or none for "
            "0, 1, ...)."
        )
    if np.ndim(np.asarray(ids, dtype=object)) != 1:
        raise ValueError(
            f"ids must be 1D, one id per sequence, got an array of shape "
            f"{np.shape(np.asarray(ids, dtype=object))}; pass a flat list or 1D "
            "array (ravel a column of ids first)."
        )
    if len(ids) != n_sequences:
        raise ValueError(
            f"Got {len(ids)} ids for {n_sequences} sequences; pass one id per "
            "sequence (or none for 0, 1, ...)."
        )
    if value_cols is None:
        value_cols = [f"x{j}" for j in range(n_features)]
    value_cols = [value_cols] if isinstance(value_cols, str) else list(value_cols)
    if len(value_cols) != n_features:
        raise ValueError(
            f"Got {len(value_cols)} value_cols {value_cols!r} for sequences with "
            f"{n_features} features per time step; pass one column name per "
            "feature (or none for x0, x1, ...)."
        )
    names = [id_col, time_col, *value_cols]
    repeated = next((name for i, name in enumerate(names) if name in names[:i]), None)
    if repeated is not None:
        raise ValueError(
            f"The column name {repeated!r} is used twice among id_col={id_col!r}, "
            f"time_col={time_col!r} and value_cols={value_cols!r}; give every "
            "column its own name."
        )
    return np.asarray(ids, dtype=object), value_cols
