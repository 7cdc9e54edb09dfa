"""Token ids: integer sequences that feed an embedding."""

from __future__ import annotations

import numpy as np

from ._ragged import as_ragged, pad_ragged

__all__ = ["MAX_TOKEN_ID", "check_tokens"]

#: Ids above this would make an embedding table of gigabytes.
MAX_TOKEN_ID = 10_000_000


def check_tokens(estimator, X, *, reset: bool) -> tuple[np.ndarray, np.ndarray]:
    """Validate token-id sequences; return padded int64 ids (n, T) and lengths.

    ``X`` is a list of 1D integer arrays (as :class:`sklstm.preprocessing.Tokenizer`
    makes) or a 2D integer array (n_samples, n_timesteps). Lengths may differ
    at predict. At fit the number of distinct ids (max id + 1) is recorded;
    later ids beyond it are an error.
    """
    name = type(estimator).__name__
    items = as_ragged(X)
    if items is None:
        array = np.asarray(X)
        if array.dtype.kind in "OUS":
            raise TypeError(
                f"{name} with embedding_dim expects token ids (lists of integers, "
                "e.g. from sklstm.preprocessing.Tokenizer), not strings or objects."
            )
        if array.ndim != 2:
            raise ValueError(
                f"{name} with embedding_dim expects a list of token-id sequences "
                f"or a 2D array (n_samples, n_timesteps); got shape {array.shape}."
            )
        items = list(array)
    if len(items) == 0:
        raise ValueError(f"Found 0 sequences, while a minimum of 1 is required by {name}.")
    for i, item in enumerate(items):
        array = np.asarray(item)
        if array.dtype.kind in "iuf" and array.size and np.abs(array).max() > MAX_TOKEN_ID:
            raise ValueError(
                f"Sequence {i} of X holds token id {array.flat[np.abs(array).argmax()]:g}; ids above "
                f"{MAX_TOKEN_ID:,} would need a huge embedding table. Map tokens to "
                "consecutive ids (sklstm.preprocessing.Tokenizer does, and "
                "max_features caps the vocabulary)."
            )
        kind = array.dtype.kind
        if kind not in "iu" and not (kind == "f" and np.all(np.mod(item, 1) == 0)):
            raise TypeError(
                f"Sequence {i} of X holds {np.asarray(item).dtype} values, but "
                f"{name} with embedding_dim expects integer token ids. Tokenize "
                "text with sklstm.preprocessing.Tokenizer, or set embedding_dim=None "
                "for numeric sequences."
            )
    values, lengths = pad_ragged(items, np.int64)
    values = values[:, :, 0]
    if values.min() < 0:
        raise ValueError(
            "Token ids must be non-negative; found a negative id. Use the ids a "
            "sklstm.preprocessing.Tokenizer produces (0 padding, 1 unknown, 2...)."
        )
    if reset:
        estimator.n_features_in_ = 1
        estimator.n_tokens_ = int(values.max()) + 1
        if hasattr(estimator, "feature_names_in_"):
            del estimator.feature_names_in_
    elif values.max() >= estimator.n_tokens_:
        raise ValueError(
            f"X holds token id {int(values.max())}, but {name} was fitted on ids "
            f"below {estimator.n_tokens_}. Use the tokenizer fitted with the "
            "model (inside one Pipeline) so that ids stay in its vocabulary."
        )
    return values, lengths
