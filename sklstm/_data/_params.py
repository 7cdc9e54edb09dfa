"""Parameters whose form the declarative constraints cannot express."""

from __future__ import annotations

from numbers import Integral

import numpy as np

__all__ = ["check_head_hidden_sizes"]


def check_head_hidden_sizes(value) -> tuple:
    """``head_hidden_sizes`` as a tuple of positive ints (one per dense layer).

    Examples
    --------
    >>> from sklstm._data import check_head_hidden_sizes
    >>> check_head_hidden_sizes([64, 32])
    (64, 32)
    """
    sizes = np.asarray(value, dtype=object)
    if sizes.ndim > 1 or not all(
        isinstance(n, Integral) and not isinstance(n, bool) and n >= 1 for n in sizes.ravel()
    ):
        raise ValueError(
            f"head_hidden_sizes must be a tuple of positive integers (one per dense "
            f"layer, e.g. (64, 32)), got {value!r}."
        )
    return tuple(sizes.tolist())
