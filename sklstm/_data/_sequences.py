"""Sequences: the one form every estimator input is converted to."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from sklearn.utils import check_array
from sklearn.utils.validation import _check_sample_weight, validate_data

from .._training import TensorData
from ._padding import (
    check_3d,
    float_overflow_is_value_error,
    overflow_error,
    record_step_features,
    unpad,
)
from ._ragged import as_ragged, pad_ragged, refuse_ragged
from ._tokens import check_tokens

__all__ = ["Sequences", "check_sequences", "check_sample_weight", "check_table", "to_tensor_data"]


@dataclass(frozen=True)
class Sequences:
    """Validated sequences: padded values and the true length of each one.

    Attributes
    ----------
    values : ndarray of shape (n_samples, n_timesteps, n_features), float32
        C-contiguous and writeable; padded steps hold zeros. For token ids,
        int64 of shape (n_samples, n_timesteps).
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
                "X is a nested list that numpy cannot read as an array. Pass a "
                "2D array (n_samples, n_timesteps), a 3D array (n_samples, "
                "n_timesteps, n_features), or a list of per-sequence arrays of "
                "shape (n_timesteps,) or (n_timesteps, n_features)."
            ) from exc
    return ndim


def check_sequences(estimator, X, *, reset: bool) -> Sequences:
    """Validate ``X`` and convert it to padded sequences (see :func:`_check_sequences`)."""
    try:  # (a try block costs nothing, unlike a context manager)
        return _check_sequences(estimator, X, reset=reset)
    except OverflowError as exc:
        raise overflow_error("X", exc) from None


def _check_sequences(estimator, X, *, reset: bool) -> Sequences:
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
    if reset:
        embedding_dim = estimator.embedding_dim
    else:  # as fitted (the estimators' _architecture), whatever the parameter says now
        embedding_dim = getattr(estimator, "_architecture", {}).get("embedding_dim")
    if embedding_dim is not None:
        values, lengths = check_tokens(estimator, X, reset=reset)
        return Sequences(values, lengths)
    items = as_ragged(X)
    if items is not None:
        values, lengths = pad_ragged(items, np.float32)
        record_step_features(estimator, values.shape[2], reset=reset)
        return Sequences(values, lengths)
    ndim = _ndim(X)
    if ndim == 3:
        values, finite = check_3d(estimator, X, reset=reset, dtype=np.float32)
        if not values.flags.writeable or not values.flags.c_contiguous:
            values = np.array(values, dtype=np.float32, order="C")
        values, lengths = unpad(values, finite)
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
    NaN and infinity are errors: impute or clip the table first. A list of
    sequences of different lengths (ragged) is refused with a message that
    says what the table should be.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm import SlidingWindowTransformer
    >>> from sklstm._data import check_table
    >>> check_table(SlidingWindowTransformer(), np.zeros((4, 2), np.float32), reset=True).dtype
    dtype('float32')
    """
    refuse_ragged(
        X,
        f"but {type(estimator).__name__} needs one time-ordered 2D table (rows = "
        "time steps, columns = features; a numpy array or a DataFrame). Window "
        "each sequence's table separately, or pass the list of sequences "
        "straight to an sklstm estimator, which pads and masks them itself.",
    )
    if isinstance(X, (list, tuple)):
        try:
            np.asarray(X)
        except ValueError:  # numpy refuses rows of different lengths
            raise ValueError(
                f"X is a nested list that numpy cannot read as a table: its rows differ "
                f"in length, or numbers and lists are mixed. {type(estimator).__name__} "
                "needs one time-ordered 2D table (rows = time steps, columns = the same "
                "features in every row; a numpy array or a DataFrame)."
            ) from None
    with float_overflow_is_value_error("X"):
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
        Scaled so that the largest weight is 1 (only relative weights matter).

    Examples
    --------
    >>> from sklstm._data import check_sample_weight
    >>> check_sample_weight(None, 3).tolist()
    [1.0, 1.0, 1.0]
    """
    placeholder = np.empty((n_samples, 1))
    with float_overflow_is_value_error("sample_weight"):
        weights = _check_sample_weight(
            sample_weight, placeholder, dtype=np.float64, ensure_non_negative=True
        )
    if not np.isfinite(weights).all():
        raise ValueError(
            "sample_weight contains NaN or infinity; pass finite, non-negative "
            "weights, or None for equal weights."
        )
    # Only relative weights matter; scaling by the largest keeps tiny weights
    # (e.g. 5e-324) from overflowing when normalised later.
    return weights / weights.max()


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
    X = torch.from_numpy(sequences.values)
    if device.type != "cpu" and fits_on_device(X.nbytes, device):
        X = X.to(device)  # once; batches are slices on the device
    lengths = None if sequences.all_full else torch.from_numpy(sequences.lengths)
    y_t = None if y is None else torch.from_numpy(np.ascontiguousarray(y)).to(device)
    w_t = None  # equal weights: the loss is a plain mean
    if sample_weight is not None and not np.all(sample_weight == sample_weight[0]):
        w = sample_weight * (len(sample_weight) / sample_weight.sum())
        w_t = torch.from_numpy(w.astype(np.float32)).to(device)
    return TensorData(X, lengths, y_t, w_t, device=device)


def fits_on_device(nbytes: int, device: torch.device, share: float = 0.5) -> bool:
    """Whether ``nbytes`` of data may live on ``device`` during training.

    Always on the CPU; on a GPU when it takes at most ``share`` of the
    currently free memory (the rest is left to the network and activations).

    Examples
    --------
    >>> import torch
    >>> from sklstm._data import fits_on_device
    >>> fits_on_device(10**12, torch.device("cpu"))
    True
    """
    if device.type != "cuda":
        return True
    free, _ = torch.cuda.mem_get_info(device)
    return nbytes <= share * free
