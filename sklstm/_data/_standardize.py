"""Standardising the features of sequences over their real time steps.

The estimators' ``standardize=True`` trains the network on features of mean
0 and variance 1 (the scale its initialisation is made for). The moments come
from the real steps of the training sequences only, never from padding.
"""

from __future__ import annotations

import numpy as np

__all__ = ["feature_moments", "standardized"]


def feature_moments(
    values: np.ndarray, lengths: np.ndarray, sample_weight: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard deviation of each feature over the real steps, in float64.

    ``sample_weight`` (one per sequence) weighs every real step of its
    sequence, so a weight of 2 counts as the sequence given twice. A feature
    that does not vary gets the scale 1 (as ``StandardScaler`` does), so it
    is only centred.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm._data import feature_moments
    >>> values = np.array([[[1.0, 5.0], [3.0, 5.0]], [[2.0, 5.0], [0.0, 0.0]]])
    >>> mean, scale = feature_moments(values, np.array([2, 1]))  # padding not counted
    >>> mean.tolist(), scale.round(6).tolist()
    ([2.0, 5.0], [0.816497, 1.0])
    >>> feature_moments(values, np.array([2, 1]), sample_weight=np.array([1.0, 2.0]))[0]
    array([2., 5.])
    """
    real = np.arange(values.shape[1])[None, :] < np.asarray(lengths)[:, None]
    steps = values[real].astype(np.float64)  # (n_real_steps, n_features)
    weights = None
    if sample_weight is not None:
        weights = np.broadcast_to(np.asarray(sample_weight, np.float64)[:, None], real.shape)
        weights = weights[real]
    mean = np.average(steps, axis=0, weights=weights)
    scale = np.sqrt(np.average((steps - mean) ** 2, axis=0, weights=weights))
    tiny = 10 * np.finfo(np.float64).eps * np.maximum(1.0, np.abs(mean))
    scale[scale <= tiny] = 1.0
    return mean, scale


def standardized(values: np.ndarray, mean: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """``(values - mean) / scale`` per feature, as float32 (a new array).

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm._data import standardized
    >>> standardized(np.ones((1, 2, 1), np.float32), np.array([0.5]), np.array([2.0])).ravel()
    array([0.25, 0.25], dtype=float32)
    """
    return ((values - mean) / scale).astype(np.float32)
