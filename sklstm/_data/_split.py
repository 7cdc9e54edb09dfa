"""Which rows validate: the hold-out of early stopping."""

from __future__ import annotations

import numpy as np
from sklearn.model_selection import train_test_split

__all__ = ["MIN_VALIDATION_SAMPLES", "split_validation", "validation_size"]

#: Fewer validation samples than this judge nothing: their loss and score move
#: by whole samples, and early stopping on them quits at random.
MIN_VALIDATION_SAMPLES = 20


def validation_size(n: int, fraction: float) -> int:
    """How many of ``n`` samples ``fraction`` holds out; a ValueError when a side is empty.

    Examples
    --------
    >>> from sklstm._data import validation_size
    >>> validation_size(50, 0.1)
    5
    """
    n_valid = int(np.ceil(fraction * n))
    if n_valid < 1 or n - n_valid < 1:
        raise ValueError(
            f"validation_fraction={fraction} leaves an empty training or "
            f"validation set with {n} samples; use more samples or set "
            "early_stopping=False."
        )
    return n_valid


def split_validation(n: int, fraction: float, how: str, stratify, seed: int):
    """Indices of the training and validation rows among ``n``.

    ``how="random"``: a random ``fraction`` (stratified by ``stratify``
    labels when given); ``how="last"``: the last rows, in time order.

    Examples
    --------
    >>> from sklstm._data import split_validation
    >>> train, valid = split_validation(10, 0.2, "last", None, seed=0)
    >>> valid.tolist()
    [8, 9]
    """
    n_valid = validation_size(n, fraction)
    rows = np.arange(n)
    if how == "last":  # time order: no shuffling
        return rows[: n - n_valid], rows[n - n_valid :]
    return train_test_split(rows, test_size=n_valid, random_state=seed, stratify=stratify)
