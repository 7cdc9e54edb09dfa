"""Input conversion and validation: the one place where user data becomes arrays.

Every estimator calls :func:`check_sequences` (and the target/weight helpers
below); nothing else in the package converts or validates user input. The
result is a C-contiguous float32 array ``(n_samples, n_timesteps, n_features)``
plus the true length of every sequence, converted once and then sliced into
batches by the training loop.

Input semantics (see DESIGN.md):

- 3D ``(n_samples, n_timesteps, n_features)``: the canonical form. The number
  of features is fixed at fit; the sequence length may differ at predict.
  Leading or trailing time steps whose features are all NaN are padding
  (the real steps are moved to the front and packed); any other NaN is an
  error.
- 2D ``(n_samples, n_timesteps)`` array or DataFrame: n univariate sequences.
  ``n_features_in_`` is ``X.shape[1]`` (the number of columns), exactly as
  scikit-learn expects, and a different width at predict is an error.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from sklearn.utils import check_array
from sklearn.utils.validation import _check_sample_weight, validate_data

from ._training import TensorData

__all__ = [
    "Sequences",
    "check_padded_3d",
    "check_sample_weight",
    "check_sequences",
    "check_table",
    "padding_mask",
    "to_tensor_data",
]


@dataclass(frozen=True)
class Sequences:
    """Validated sequences: padded values and the true length of each one.

    Attributes
    ----------
    values : ndarray of shape (n_samples, n_timesteps, n_features), float32
        C-contiguous and writeable; padded steps hold zeros.
    lengths : ndarray of shape (n_samples,), int64
        Number of real steps of each sequence (at least 1).
    """

    values: np.ndarray
    lengths: np.ndarray

    @property
    def n_samples(self) -> int:
        return self.values.shape[0]

    def take(self, index) -> "Sequences":
        """The sequences at ``index`` (a copy)."""
        return Sequences(self.values[index], self.lengths[index])

    @property
    def all_full(self) -> bool:
        """Whether no sequence is padded (then packing can be skipped)."""
        return bool((self.lengths == self.values.shape[1]).all())


def _ndim(X) -> int:
    ndim = getattr(X, "ndim", None)
    if ndim is None and hasattr(X, "shape"):
        ndim = len(X.shape)
    if ndim is None:
        try:
            ndim = np.asarray(X).ndim
        except ValueError as exc:  # numpy refuses ragged nested lists
            raise ValueError(
                "X is a ragged nested list. Pass a 2D array (n_samples, "
                "n_timesteps), a 3D array (n_samples, n_timesteps, n_features), "
                "or pad the sequences to one length with trailing NaN steps."
            ) from exc
    return ndim


def padding_mask(values: np.ndarray) -> np.ndarray:
    """Which time steps of 3D ``values`` are real, validating the NaN padding.

    Leading and trailing time steps whose features are all NaN are padding
    (leading: windows of rows without full history; trailing: tslearn's
    convention for shorter sequences). Any other NaN is an error, and so is a
    sequence with no real step.

    Returns
    -------
    real : ndarray of shape (n_samples, n_timesteps), bool

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm._data import padding_mask
    >>> X = np.ones((1, 4, 1)); X[0, 0] = X[0, 3] = np.nan
    >>> padding_mask(X).astype(int).tolist()
    [[0, 1, 1, 0]]
    """
    nan = np.isnan(values)
    n, T = values.shape[:2]
    if not nan.any():
        return np.ones((n, T), dtype=bool)
    candidate = ~nan.all(axis=2)
    empty = ~candidate.any(axis=1)
    if empty.any():
        i = int(np.flatnonzero(empty)[0])
        raise ValueError(
            f"Sequence {i} of X is empty (all its time steps are NaN padding). "
            "Every sequence needs at least one real time step: drop empty ones "
            "(a SlidingWindowTransformer with include_current=False gives the "
            "first row an empty window; drop that row or use padding='zero')."
        )
    start = np.argmax(candidate, axis=1)
    stop = T - np.argmax(candidate[:, ::-1], axis=1)
    steps = np.arange(T)[None, :]
    real = (steps >= start[:, None]) & (steps < stop[:, None])
    bad = nan.any(axis=2) & real
    if bad.any():
        i, t = np.argwhere(bad)[0]
        raise ValueError(
            f"Input X contains NaN inside sequence {i} at time step {t}. Only "
            "leading or trailing time steps whose features are all NaN are read "
            "as padding; impute missing values inside a sequence first (for "
            "example with sklearn.impute.SimpleImputer on the 2D table)."
        )
    return real


def _unpad(values: np.ndarray):
    """Real steps moved to the front, zeros after them, and the lengths.

    Never modifies ``values`` (it may be the caller's array).
    """
    real = padding_mask(values)
    lengths = real.sum(axis=1).astype(np.int64)
    if real.all():
        return values, lengths
    T = values.shape[1]
    start = np.argmax(real, axis=1)
    source = np.minimum(start[:, None] + np.arange(T)[None, :], T - 1)
    values = np.take_along_axis(values, source[:, :, None], axis=1)  # a copy
    values[np.arange(T)[None, :] >= lengths[:, None]] = 0.0
    return values, lengths


def _check_3d(estimator, X, *, reset: bool, dtype) -> np.ndarray:
    """Validate a 3D array (NaN allowed for padding) and its feature count."""
    values = check_array(
        X,
        allow_nd=True,
        dtype=dtype,
        ensure_all_finite="allow-nan",
        input_name="X",
        estimator=estimator,
    )
    if values.ndim != 3:
        raise ValueError(
            f"Expected a 3D array (n_samples, n_timesteps, n_features), got an "
            f"array with {values.ndim} dimensions."
        )
    if values.shape[1] < 1 or values.shape[2] < 1:
        raise ValueError(
            f"Found array with shape {values.shape}: X needs at least one "
            "time step and one feature (shape (n_samples, n_timesteps, "
            "n_features))."
        )
    if np.isinf(values).any():
        raise ValueError(
            "Input X contains infinity or a value too large for "
            f"dtype({values.dtype.name!r}). Scale or clip the data first."
        )
    n_step_features = values.shape[2]
    if reset:
        # 3D input has no column names; forget those of an earlier fit.
        if hasattr(estimator, "feature_names_in_"):
            del estimator.feature_names_in_
        estimator.n_features_in_ = n_step_features
        estimator._n_step_features = n_step_features
        estimator._fitted_on_2d = False
    elif n_step_features != estimator._n_step_features:
        raise ValueError(
            f"X has {n_step_features} features per time step, but "
            f"{type(estimator).__name__} is expecting "
            f"{estimator._n_step_features} features per time step as input."
        )
    return values


def check_padded_3d(estimator, X, *, reset: bool):
    """Validate 3D sequences for a transformer, keeping their NaN padding.

    Returns a float copy of ``X`` (float32 stays float32) and the mask of
    real time steps (see :func:`padding_mask`).

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm.preprocessing import SequenceScaler
    >>> from sklstm._data import check_padded_3d
    >>> values, real = check_padded_3d(SequenceScaler(), np.ones((2, 3, 1)), reset=True)
    >>> values.shape, bool(real.all())
    ((2, 3, 1), True)
    """
    values = _check_3d(estimator, X, reset=reset, dtype=(np.float64, np.float32))
    values = np.array(values, order="C")  # a copy the caller may modify
    return values, padding_mask(values)


def check_sequences(estimator, X, *, reset: bool) -> Sequences:
    """Validate ``X`` and convert it to padded float32 sequences.

    On ``reset`` the input layout and ``n_features_in_`` (and, for a
    DataFrame, ``feature_names_in_``) are recorded on ``estimator``; otherwise
    they are checked against what was recorded.

    Parameters
    ----------
    estimator : BaseEstimator
        The estimator being fitted or used.
    X : array-like of shape (n_samples, n_timesteps) or \
            (n_samples, n_timesteps, n_features)
        Input sequences.
    reset : bool
        Whether this call fits (records the input layout) or predicts.

    Returns
    -------
    Sequences

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm import LSTMRegressor
    >>> from sklstm._data import check_sequences
    >>> seqs = check_sequences(LSTMRegressor(), np.zeros((5, 7)), reset=True)
    >>> seqs.values.shape, seqs.lengths.tolist()
    ((5, 7, 1), [7, 7, 7, 7, 7])
    """
    ndim = _ndim(X)
    if ndim == 3:
        values = _check_3d(estimator, X, reset=reset, dtype=np.float32)
        if not values.flags.writeable or not values.flags.c_contiguous:
            values = np.array(values, dtype=np.float32, order="C")
        values, lengths = _unpad(values)
        return Sequences(values, lengths)

    if ndim == 2 and (reset or estimator._fitted_on_2d):
        values = validate_data(
            estimator, X, reset=reset, dtype=np.float32, ensure_min_features=1
        )
        if reset:
            estimator._n_step_features = 1
            estimator._fitted_on_2d = True
    elif ndim == 2:
        # Fitted on 3D data: a 2D table is univariate sequences of any length.
        values = check_array(X, dtype=np.float32, input_name="X", estimator=estimator)
        if estimator._n_step_features != 1:
            raise ValueError(
                f"X is 2D, i.e. univariate sequences, but "
                f"{type(estimator).__name__} was fitted on sequences with "
                f"{estimator._n_step_features} features per time step. Pass a "
                "3D array (n_samples, n_timesteps, n_features)."
            )
    elif ndim > 3:
        raise ValueError(
            f"X has {ndim} dimensions; expected a 2D array (n_samples, "
            "n_timesteps) of univariate sequences or a 3D array (n_samples, "
            "n_timesteps, n_features)."
        )
    else:
        # validate_data gives scikit-learn's standard message for 0D and 1D.
        validate_data(estimator, X, reset=reset, dtype=np.float32)
        raise ValueError(  # pragma: no cover - validate_data raised already
            f"X must be 2D or 3D, got an array with {ndim} dimensions."
        )
    values = np.array(values[:, :, None], dtype=np.float32, order="C")
    lengths = np.full(values.shape[0], values.shape[1], dtype=np.int64)
    return Sequences(values, lengths)


def check_table(estimator, X, *, reset: bool) -> np.ndarray:
    """Validate a time-ordered 2D table (rows = time steps), keeping its float dtype.

    Records (``reset``) or checks ``n_features_in_`` and ``feature_names_in_``.
    NaN and infinity are errors: impute or clip the table first.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm import SlidingWindowTransformer
    >>> from sklstm._data import check_table
    >>> check_table(SlidingWindowTransformer(), np.zeros((4, 2), np.float32), reset=True).dtype
    dtype('float32')
    """
    return validate_data(estimator, X, reset=reset, dtype=(np.float64, np.float32))


def check_sample_weight(sample_weight, n_samples: int) -> np.ndarray:
    """Validate sample weights: finite, non-negative, not all zero, length n.

    Parameters
    ----------
    sample_weight : array-like of shape (n_samples,) or None
        Weights; ``None`` means equal weights.
    n_samples : int
        Number of samples they must match.

    Returns
    -------
    ndarray of shape (n_samples,), float64

    Examples
    --------
    >>> from sklstm._data import check_sample_weight
    >>> check_sample_weight(None, 3).tolist()
    [1.0, 1.0, 1.0]
    """
    placeholder = np.empty((n_samples, 1))
    return _check_sample_weight(
        sample_weight, placeholder, dtype=np.float64, ensure_non_negative=True
    )


def to_tensor_data(
    sequences: Sequences,
    device: torch.device,
    y: np.ndarray | None = None,
    sample_weight: np.ndarray | None = None,
) -> TensorData:
    """Move validated sequences (and targets, weights) to ``device`` once.

    Weights are normalised to mean 1 so that a batch loss is
    ``mean(weight * loss)``; with one batch this is exactly the weighted mean.

    Examples
    --------
    >>> import numpy as np, torch
    >>> from sklstm._data import Sequences, to_tensor_data
    >>> seqs = Sequences(np.zeros((2, 3, 1), np.float32), np.array([3, 3]))
    >>> to_tensor_data(seqs, torch.device("cpu")).lengths is None
    True
    """
    X = torch.from_numpy(sequences.values).to(device)
    lengths = None if sequences.all_full else torch.from_numpy(sequences.lengths)
    y_t = None if y is None else torch.from_numpy(np.ascontiguousarray(y)).to(device)
    w_t = None
    if sample_weight is not None:
        w = sample_weight * (len(sample_weight) / sample_weight.sum())
        w_t = torch.from_numpy(w.astype(np.float32)).to(device)
    return TensorData(X, lengths, y_t, w_t)
