"""Sequences: the one form every estimator input is converted to."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.utils import assert_all_finite, check_array
from sklearn.utils.validation import _check_sample_weight, validate_data

from ._layout import InputLayout
from ._padding import (
    _all_finite,
    check_3d,
    float_overflow_is_value_error,
    no_real_step_error,
    overflow_error,
    unpad,
)
from ._ragged import as_ragged, pad_ragged, refuse_iterator, refuse_ragged
from ._tokens import check_tokens

__all__ = ["Sequences", "check_sequences", "check_sample_weight", "check_table"]


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


def check_sequences(
    estimator, X, *, fitted: InputLayout | None = None, tokens: bool = False
) -> tuple[Sequences, InputLayout]:
    """Validate ``X`` and convert it to padded sequences and their layout.

    At fit (``fitted=None``) the layout of ``X`` is found and returned;
    ``tokens`` says whether ``X`` holds token ids (an estimator with
    ``embedding_dim``). Afterwards (``fitted`` given) ``X`` is checked against
    that layout (and, for 2D input, against the estimator's
    ``n_features_in_`` and ``feature_names_in_``), which is returned
    unchanged. Nothing is written onto the estimator: at fit, scikit-learn's
    ``validate_data`` records the columns on an unfitted clone, and the
    layout carries them; the estimator publishes them when its fit succeeds.

    Parameters
    ----------
    estimator : BaseEstimator
        The estimator being fitted or used (named in messages).
    X : array-like of shape (n_samples, n_timesteps) or \
            (n_samples, n_timesteps, n_features), or list of arrays
        Input sequences.
    fitted : InputLayout or None, default=None
        The layout found at fit; None while fitting.
    tokens : bool, default=False
        While fitting: whether ``X`` is token ids.

    Returns
    -------
    sequences : Sequences
    layout : InputLayout

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm import LSTMRegressor
    >>> from sklstm._data import check_sequences
    >>> seqs, layout = check_sequences(LSTMRegressor(), np.zeros((5, 7)))
    >>> seqs.values.shape, seqs.lengths.tolist(), layout.kind
    ((5, 7, 1), [7, 7, 7, 7, 7], '2d')
    """
    try:  # (a try block costs nothing, unlike a context manager)
        sequences, layout = _check_sequences(estimator, X, fitted, tokens)
    except OverflowError as exc:
        raise overflow_error("X", exc) from None
    if fitted is None and not sequences.lengths.any():
        raise no_real_step_error()
    return sequences, layout


def _check_step_features(estimator, n_step_features: int, fitted) -> None:
    if fitted is not None and n_step_features != fitted.n_step_features:
        raise ValueError(
            f"X has {n_step_features} features per time step, but "
            f"{type(estimator).__name__} is expecting "
            f"{fitted.n_step_features} features per time step as input."
        )


def _refuse_frame_without_columns(estimator, X, what: str) -> None:
    """A DataFrame with no columns (numpy cannot find a dtype for it)."""
    if isinstance(X, pd.DataFrame) and X.shape[1] == 0:
        raise ValueError(
            f"X is a DataFrame with no columns (shape {X.shape}); "
            f"{type(estimator).__name__} needs at least one: {what}"
        )


def _check_2d_finite(estimator, values: np.ndarray) -> None:
    """Refuse NaN and infinity in 2D sequences, saying where NaN is allowed."""
    if _all_finite(values):
        return
    nan = np.isnan(values)
    if not nan.any():  # scikit-learn's message for infinity
        assert_all_finite(
            values, input_name="X", estimator_name=type(estimator).__name__
        )
    i, t = np.argwhere(nan)[0]
    raise ValueError(
        f"Input X contains NaN (sequence {i}, time step {t}). A 2D X holds "
        "univariate sequences of one length (n_samples, n_timesteps) and no NaN: "
        "NaN is only allowed as padding of 3D input (n_samples, n_timesteps, "
        "n_features), as leading or trailing time steps whose features are all "
        "NaN. For univariate sequences of different lengths, pass the 3D array "
        "np.asarray(X)[:, :, None] with NaN padding, or a list of sequences; "
        "otherwise impute the missing values first (for example with "
        "sklearn.impute.SimpleImputer)."
    )


def _refuse_1d(X) -> None:
    """A 1D X: what to pass instead (scikit-learn's advice, reshape(-1, 1), misleads)."""
    shape = np.shape(X)
    if shape == (0,):
        raise ValueError(
            "X holds no sequences (an empty 1D array or list). Pass at least one "
            "sequence: a 2D array (n_samples, n_timesteps) of univariate "
            "sequences, a 3D array (n_samples, n_timesteps, n_features), or a "
            "list of sequences."
        )
    raise ValueError(
        f"Expected sequences, got a 1D array of shape {shape}. Reshape "
        "your data: pass a 2D array (n_samples, n_timesteps) of univariate "
        "sequences, a 3D array (n_samples, n_timesteps, n_features), or a list "
        "of sequences; for one univariate sequence, pass X[None, :] (shape "
        "(1, n_timesteps))."
    )


def _check_sequences(estimator, X, fitted, tokens):
    refuse_iterator(X)
    if fitted is not None:
        tokens = fitted.tokens
    if tokens:
        values, lengths = check_tokens(
            estimator, X, n_tokens=None if fitted is None else fitted.n_tokens
        )
        n_tokens = int(values.max()) + 1 if fitted is None else fitted.n_tokens
        return Sequences(values, lengths), InputLayout("tokens", 1, n_tokens)
    items = as_ragged(X)
    if items is not None:
        values, lengths = pad_ragged(items, np.float32)
        _check_step_features(estimator, values.shape[2], fitted)
        return Sequences(values, lengths), fitted or InputLayout("ragged", values.shape[2])
    ndim = _ndim(X)
    if ndim == 3:
        values, finite = check_3d(estimator, X, dtype=np.float32)
        _check_step_features(estimator, values.shape[2], fitted)
        if not values.flags.writeable or not values.flags.c_contiguous:
            values = np.array(values, dtype=np.float32, order="C")
        values, lengths = unpad(values, finite)
        return Sequences(values, lengths), fitted or InputLayout("3d", values.shape[2])

    reset = fitted is None
    probe = clone(estimator) if reset else estimator  # validate_data records on it
    if ndim == 2:
        _refuse_frame_without_columns(
            estimator, X, "each row of a 2D X is a univariate sequence and each "
            "column a time step. Select the columns that hold the sequences."
        )
    if ndim == 2 and (reset or fitted.kind == "2d"):
        values = validate_data(
            probe, X, reset=reset, dtype=np.float32, ensure_min_features=1,
            ensure_all_finite=False,  # NaN: the message below says where it is allowed
        )
        _check_2d_finite(estimator, values)
        if not reset and values.shape[1] != fitted.n_features_in:
            raise ValueError(
                f"X has {values.shape[1]} features, but {type(estimator).__name__} "
                f"is expecting {fitted.n_features_in} features as input."
            )
    elif ndim == 2:
        # Fitted on 3D data: a 2D table is univariate sequences of any length.
        values = check_array(
            X, dtype=np.float32, input_name="X", estimator=estimator,
            ensure_all_finite=False,
        )
        _check_2d_finite(estimator, values)
        if fitted.n_step_features != 1:
            raise ValueError(
                f"X is 2D, i.e. univariate sequences, but "
                f"{type(estimator).__name__} was fitted on sequences with "
                f"{fitted.n_step_features} features per time step. Pass a "
                "3D array (n_samples, n_timesteps, n_features)."
            )
    elif ndim > 3:
        raise ValueError(
            f"X has {ndim} dimensions; expected a 2D array (n_samples, "
            "n_timesteps) of univariate sequences or a 3D array (n_samples, "
            "n_timesteps, n_features)."
        )
    elif ndim == 1:
        _refuse_1d(X)
    else:
        # validate_data gives scikit-learn's standard message for 0D.
        validate_data(probe, X, reset=reset, dtype=np.float32)
        raise ValueError(  # pragma: no cover - validate_data raised already
            f"X must be 2D or 3D, got an array with {ndim} dimensions."
        )
    if not values.flags.writeable or not values.flags.c_contiguous:
        values = np.array(values, dtype=np.float32, order="C")
    # a view with a feature axis: float64 input was copied once, to float32
    values = values[:, :, None]
    lengths = np.full(values.shape[0], values.shape[1], dtype=np.int64)
    if fitted is None:
        names = getattr(probe, "feature_names_in_", None)
        fitted = InputLayout(
            "2d", 1, n_features_in=probe.n_features_in_,
            feature_names=None if names is None else tuple(names),
        )
    return Sequences(values, lengths), fitted


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
    refuse_iterator(X)
    _refuse_frame_without_columns(
        estimator, X, "a time-ordered 2D table has one row per time step and one "
        "column per feature."
    )
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
        if not reset:
            return validate_data(estimator, X, reset=False, dtype=(np.float64, np.float32))
        # at fit, the columns are recorded on the estimator only once X proved valid
        probe = clone(estimator)
        values = validate_data(probe, X, reset=True, dtype=(np.float64, np.float32))
    estimator.n_features_in_ = probe.n_features_in_
    if hasattr(probe, "feature_names_in_"):
        estimator.feature_names_in_ = probe.feature_names_in_
    else:
        vars(estimator).pop("feature_names_in_", None)
    return values


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
        The weights as given (the training side normalises them once).

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
    return weights
