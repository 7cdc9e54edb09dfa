"""Ragged input: a list of sequences of different lengths."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd

__all__ = [
    "as_ragged",
    "check_sequence_list",
    "pad_ragged",
    "refuse_iterator",
    "refuse_ragged",
]


def refuse_iterator(X) -> None:
    """Raise a TypeError when ``X`` is a generator or another one-pass iterator.

    numpy cannot read one as an array (it becomes a 0-d object array), and
    scikit-learn's tools index ``X`` more than once: the data must be a list
    or an array.
    """
    if isinstance(X, Iterator):
        raise TypeError(
            f"X is a {type(X).__name__} (a one-pass iterator), not a list or an "
            "array: pass the sequences as a list or an array, for example "
            "list(X) or np.asarray(list(X))."
        )


def as_ragged(X):
    """The list of per-sequence items when ``X`` is ragged, else None.

    Ragged means a 1D object array or object Series of array-likes (one
    sequence per item, whatever their shapes), or a list or tuple whose items
    are array-likes of different shapes. A list of items of one shape is a
    regular 2D or 3D array and takes that path instead.
    """
    container = False
    if isinstance(X, pd.Series) and X.dtype == object:
        items, container = list(X), True
    elif isinstance(X, np.ndarray) and X.dtype == object and X.ndim == 1:
        items, container = list(X), True
    elif isinstance(X, (list, tuple)):
        items = list(X)
    else:
        return None
    if not items:
        return None
    try:
        shapes = {np.shape(item) for item in items}
    except ValueError:  # an item that is itself ragged
        raise ValueError(
            "X holds a sequence that is itself ragged; each sequence must be an "
            "array of shape (n_timesteps,) or (n_timesteps, n_features)."
        ) from None
    if () in shapes:  # scalars: a 1D list, not sequences
        return None
    return items if container or len(shapes) > 1 else None


def refuse_ragged(X, needs: str) -> None:
    """Raise a ValueError when ``X`` is a list of sequences where an array is needed.

    ``needs`` completes the message "X is a list of sequences of different
    lengths, ..." with what the caller needs and how to get it. A sequence
    that is itself ragged counts as ragged too.
    """
    try:
        ragged = as_ragged(X) is not None
    except ValueError:  # a sequence that is itself ragged
        ragged = True
    if ragged:
        raise ValueError(f"X is a list of sequences of different lengths, {needs}")


def _complex_dtype(item) -> bool:
    """Whether ``item`` (an array, Series or DataFrame) has a complex dtype.

    Checks the dtype only (no conversion): numpy would cast complex values
    to real ones, discarding the imaginary part with a mere warning.
    """
    if isinstance(item, pd.DataFrame):
        return any(dtype.kind == "c" for dtype in item.dtypes)
    dtype = getattr(item, "dtype", None)
    return isinstance(dtype, np.dtype) and dtype.kind == "c"


def _holds_complex(item) -> bool:
    """Whether ``item``, which numpy could not convert to floats, holds complex numbers."""
    try:
        values = np.asarray(item)
    except (TypeError, ValueError, OverflowError):
        return False
    if values.dtype.kind == "c":
        return True
    return values.dtype == object and any(
        isinstance(value, (complex, np.complexfloating)) for value in values.ravel()
    )


def _complex_error(i: int) -> ValueError:
    return ValueError(
        f"Complex data not supported: sequence {i} of X holds complex numbers. "
        "Pass real-valued sequences, for example the real and imaginary parts as "
        "two features (np.stack([z.real, z.imag], axis=-1)) or the magnitude "
        "np.abs(z)."
    )


def pad_ragged(items, dtype) -> tuple[np.ndarray, np.ndarray]:
    """Pad sequences of shape (T_i,) or (T_i, F) with zeros after their end.

    Returns ``(values, lengths)`` with ``values`` of shape (n, max T_i, F).
    Raises a clear ValueError for empty sequences, sequences without features,
    complex or NaN/inf values, more than two dimensions, or a feature count
    that differs between sequences.
    """
    arrays = []
    n_features = None
    for i, item in enumerate(items):
        if _complex_dtype(item):
            raise _complex_error(i)
        try:
            seq = np.asarray(item, dtype=dtype)
        except (TypeError, ValueError, OverflowError) as exc:
            if _holds_complex(item):  # a list or object array of complex numbers
                raise _complex_error(i) from None
            raise ValueError(
                f"Sequence {i} of X cannot be converted to numbers ({exc}); pass "
                "numeric sequences (encode text with sklstm.preprocessing.Tokenizer, "
                "rescale or clip numbers beyond float range)."
            ) from None
        if seq.ndim == 1:
            seq = seq[:, None]
        if seq.ndim != 2:
            raise ValueError(
                f"Sequence {i} of X has shape {seq.shape}; each sequence must be "
                "(n_timesteps,) or (n_timesteps, n_features)."
            )
        if seq.shape[0] == 0:
            raise ValueError(
                f"Sequence {i} of X is empty. Every sequence needs at least one "
                "time step; drop empty ones."
            )
        if seq.shape[1] == 0:
            raise ValueError(
                f"Sequence {i} of X has no features (shape {seq.shape}). Every "
                "sequence needs at least one feature per time step: pass arrays "
                "of shape (n_timesteps, n_features) with n_features >= 1, or "
                "(n_timesteps,) for univariate sequences."
            )
        if n_features is None:
            n_features = seq.shape[1]
        elif seq.shape[1] != n_features:
            raise ValueError(
                f"Sequence {i} of X has {seq.shape[1]} features per time step, "
                f"but sequence 0 has {n_features}. All sequences need the same "
                "features."
            )
        arrays.append(seq)
    lengths = np.array([len(seq) for seq in arrays], dtype=np.int64)
    steps = np.concatenate(arrays) if len(arrays) > 1 else arrays[0]  # one pass from here
    if np.issubdtype(steps.dtype, np.floating) and not np.isfinite(steps).all():
        for i, seq in enumerate(arrays):
            if not np.isfinite(seq).all():
                t = int(np.argwhere(~np.isfinite(seq))[0][0])
                raise ValueError(
                    f"Sequence {i} of X contains NaN or infinity at time step {t}. "
                    "Sequences in a list need no padding: impute or drop missing "
                    "steps first."
                )
    values = np.zeros((len(arrays), int(lengths.max()), n_features), dtype=dtype)
    values[np.arange(values.shape[1])[None, :] < lengths[:, None]] = steps
    return values, lengths


def check_sequence_list(sequences, name: str) -> tuple[np.ndarray, np.ndarray]:
    """Validate the sequences given to a converter and pad them with zeros.

    At least one sequence, each of shape (T_i,) or (T_i, F), numeric, finite
    and not empty (see :func:`pad_ragged`), padded as float64. ``name`` is
    the converter, for the messages.

    Returns
    -------
    values : ndarray of shape (n_sequences, max T_i, F)
    lengths : ndarray of shape (n_sequences,), int64

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm._data import check_sequence_list
    >>> values, lengths = check_sequence_list([np.ones(2), np.ones(1)], "to_padded")
    >>> values.shape, lengths.tolist()
    ((2, 2, 1), [2, 1])
    """
    if isinstance(sequences, (str, bytes, pd.DataFrame)) or not np.iterable(sequences):
        hint = (
            " For a long table (one row per sequence and time step) use from_long."
            if isinstance(sequences, pd.DataFrame)
            else ""
        )
        raise TypeError(
            f"{name} needs a list of sequences (arrays of shape (n_timesteps,) or "
            f"(n_timesteps, n_features)), got {type(sequences).__name__}.{hint}"
        )
    items = list(sequences)
    if not items:
        raise ValueError(f"{name} needs at least one sequence; got none.")
    return pad_ragged(items, np.float64)
