"""Text: documents for a tokenizer, and the token-id sequences that feed an embedding."""

from __future__ import annotations

import numpy as np

from ._ragged import as_ragged, pad_ragged

__all__ = ["MAX_TOKEN_ID", "check_documents", "check_token_sequences", "check_tokens"]

#: Ids above this would make an embedding table of gigabytes.
MAX_TOKEN_ID = 10_000_000


def check_documents(estimator, X) -> list:
    """Validate text documents: a list-like of strings, at least one.

    A single string is refused (it would be read as one document per
    character), and so is any document that is not a ``str`` (``None``,
    NaN, bytes, numbers), naming its position.

    Parameters
    ----------
    estimator : estimator instance
        The caller, named in the messages.
    X : iterable of str
        Documents: a list, tuple, 1D array or pandas Series of strings. A
        DataFrame or an array with ndim != 1 is refused: pass one column.

    Returns
    -------
    documents : list of str

    Examples
    --------
    >>> import pandas as pd
    >>> from sklstm.preprocessing import Tokenizer
    >>> from sklstm._data import check_documents
    >>> check_documents(Tokenizer(), pd.Series(["a b", "c"]))
    ['a b', 'c']
    """
    name = type(estimator).__name__
    if isinstance(X, (str, bytes)):
        raise TypeError(
            f"{name} expects a list of strings (one per document), got a single "
            "string; wrap it in a list."
        )
    ndim = getattr(X, "ndim", 1)
    if ndim != 1:
        raise TypeError(
            f"{name} expects one column of text (one string per document), got "
            f"{type(X).__name__} with {ndim} dimensions; pass one column, e.g. "
            "df['text'] or X[:, 0]."
        )
    try:
        documents = list(X)
    except TypeError:
        raise TypeError(f"{name} expects a list of strings, got {type(X).__name__}.") from None
    for i, doc in enumerate(documents):
        if not isinstance(doc, str):
            raise TypeError(
                f"Document {i} is {type(doc).__name__} ({doc!r}), not a string. "
                f"{name} needs text; fill or drop missing values first."
            )
    if not documents:
        raise ValueError(f"Found 0 documents, while a minimum of 1 is required by {name}.")
    return documents


def _holds_whole_numbers(array: np.ndarray) -> bool:
    """Whether ``array`` can hold token ids: integer dtype, or finite whole floats."""
    kind = array.dtype.kind
    if kind in "iu":
        return True
    return kind == "f" and bool(np.isfinite(array).all()) and bool((array % 1 == 0).all())


def check_token_sequences(X) -> list:
    """Validate token-id sequences to decode: finite whole numbers, any length.

    Unlike :func:`check_tokens` (the input of an estimator), ids are not
    padded, bounded or compared with a fitted vocabulary: an unknown id is
    for the decoder to handle.

    Parameters
    ----------
    X : iterable of array-like
        One sequence of ids per document, integer or whole-valued float. A
        string or a non-iterable is refused.

    Returns
    -------
    sequences : list of 1D ndarray
        Each sequence flattened, its dtype kept.

    Examples
    --------
    >>> from sklstm._data import check_token_sequences
    >>> [ids.tolist() for ids in check_token_sequences([[2, 3], [1.0]])]
    [[2, 3], [1.0]]
    """
    if isinstance(X, (str, bytes)) or not hasattr(X, "__iter__"):
        raise TypeError(
            f"Expected a list of token-id sequences, got {type(X).__name__}; pass "
            "the list of id sequences that transform returned."
        )
    sequences = []
    for n, ids in enumerate(X):
        ids = np.asarray(ids)
        if not _holds_whole_numbers(ids):
            raise ValueError(
                f"Sequence {n} holds values that are not integer token ids; "
                "pass the ids that transform returned (finite whole numbers)."
            )
        sequences.append(ids.ravel())
    return sequences


def check_tokens(estimator, X, *, n_tokens: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Validate token-id sequences; return padded int64 ids (n, T) and lengths.

    ``X`` is a list of 1D integer arrays (as :class:`sklstm.preprocessing.Tokenizer`
    makes) or a 2D integer array (n_samples, n_timesteps): one id per time
    step. A trailing axis of size 1 (a sequence of shape (T_i, 1), an array
    (n_samples, n_timesteps, 1)) is one id per step too; more columns are
    refused, naming the sequence. Id 0 is padding, as Keras' ``mask_zero``
    reads it: every 0 step is left out (trailing zeros of a zero-padded
    array, leading ones of a pre-padded one); a sequence of zeros only keeps
    one step, an empty document. Lengths may differ at predict. With
    ``n_tokens`` (the number of ids seen at fit: max id + 1), larger ids are
    an error.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm import LSTMClassifier
    >>> from sklstm._data._tokens import check_tokens
    >>> ids, lengths = check_tokens(
    ...     LSTMClassifier(embedding_dim=4), [np.array([2, 3]), np.array([4])]
    ... )
    >>> ids.tolist(), lengths.tolist()
    ([[2, 3], [4, 0]], [2, 1])
    >>> ids, lengths = check_tokens(LSTMClassifier(embedding_dim=4), [[2, 3, 0], [0, 0, 4]])
    >>> ids.tolist(), lengths.tolist()
    ([[2, 3], [4, 0]], [2, 1])
    """
    name = type(estimator).__name__
    items = as_ragged(X)
    if items is None:
        try:
            array = np.asarray(X)
        except ValueError:  # numpy refuses a list mixing numbers and sequences
            raise ValueError(
                f"{name} with embedding_dim expects a list of token-id sequences "
                "or a 2D array (n_samples, n_timesteps), got a nested list that "
                "numpy cannot read as an array; pass one sequence of ids per "
                "sample (sklstm.preprocessing.Tokenizer makes them)."
            ) from None
        if array.dtype.kind in "OUS":
            raise TypeError(
                f"{name} with embedding_dim expects token ids (lists of integers, "
                "e.g. from sklstm.preprocessing.Tokenizer), not strings or objects."
            )
        if array.ndim == 3 and array.shape[2] == 1:
            array = array[:, :, 0]  # one id per step, with a feature axis of 1
        if array.ndim != 2:
            raise ValueError(
                f"{name} with embedding_dim expects a list of token-id sequences "
                "or a 2D array (n_samples, n_timesteps), one token id per time "
                f"step; got shape {array.shape}."
            )
        items = list(array)
    if len(items) == 0:
        raise ValueError(f"Found 0 sequences, while a minimum of 1 is required by {name}.")
    for i, item in enumerate(items):
        array = np.asarray(item)
        if array.dtype.kind in "iuf" and array.size and np.abs(array).max() > MAX_TOKEN_ID:
            big = array.flat[np.abs(array).argmax()].item()
            if isinstance(big, float) and big.is_integer():
                big = int(big)  # the exact id, not 1.23457e+10
            raise ValueError(
                f"Sequence {i} of X holds token id {big}; ids above "
                f"{MAX_TOKEN_ID:,} would need a huge embedding table. Map tokens to "
                "consecutive ids (sklstm.preprocessing.Tokenizer does, and "
                "max_features caps the vocabulary)."
            )
        if not _holds_whole_numbers(array):
            raise TypeError(
                f"Sequence {i} of X holds {array.dtype} values, but "
                f"{name} with embedding_dim expects integer token ids. Tokenize "
                "text with sklstm.preprocessing.Tokenizer, or set embedding_dim=None "
                "for numeric sequences."
            )
        if array.ndim != 1 and not (array.ndim == 2 and array.shape[1] == 1):
            raise ValueError(
                f"Sequence {i} of X has shape {array.shape}, but with embedding_dim "
                "each sequence is a 1D array of token ids (one per time step), "
                "e.g. from sklstm.preprocessing.Tokenizer."
            )
    values, lengths = pad_ragged(items, np.int64)
    values, lengths = _drop_padding(values[:, :, 0], lengths)
    if values.min() < 0:
        raise ValueError(
            "Token ids must be non-negative; found a negative id. Use the ids a "
            "sklstm.preprocessing.Tokenizer produces (0 padding, 1 unknown, 2...)."
        )
    if n_tokens is not None and values.max() >= n_tokens:
        raise ValueError(
            f"X holds token id {int(values.max())}, but {name} was fitted on ids "
            f"below {n_tokens}. Use the tokenizer fitted with the "
            "model (inside one Pipeline) so that ids stay in its vocabulary."
        )
    return values, lengths


def _drop_padding(ids: np.ndarray, lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Leave out the 0 (padding) steps of padded ids, keeping the order of the others.

    A sequence of padding only keeps one 0 step (an empty document).
    """
    steps = np.arange(ids.shape[1])
    real = (ids != 0) & (steps < lengths[:, None])
    n_real = real.sum(axis=1)
    if np.array_equal(n_real, lengths):
        return ids, lengths  # no padding inside the given lengths
    order = np.argsort(~real, axis=1, kind="stable")  # the real steps first, in order
    ids = np.take_along_axis(ids, order, axis=1) * (steps < n_real[:, None])
    new_lengths = np.maximum(n_real, 1)
    return ids[:, : new_lengths.max()], new_lengths.astype(lengths.dtype)
