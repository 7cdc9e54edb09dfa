"""NaN padding of 3D arrays: which steps are real, and moving them to the front."""

from __future__ import annotations

from contextlib import contextmanager

import numpy as np
from sklearn.utils import check_array

from ._ragged import refuse_ragged

__all__ = [
    "check_3d",
    "check_layout",
    "check_padded_3d",
    "float_overflow_is_value_error",
    "padding_mask",
    "unpad",
]


def overflow_error(name: str, exc: OverflowError) -> ValueError:
    """The ValueError for numpy's OverflowError (a Python int beyond float range)."""
    return ValueError(
        f"{name} holds a number too large to convert to a float ({exc}); "
        "rescale or clip it first."
    )


@contextmanager
def float_overflow_is_value_error(name: str):
    """Turn numpy's OverflowError (a Python int beyond float range) into a ValueError."""
    try:
        yield
    except OverflowError as exc:
        raise overflow_error(name, exc) from None


def _is_plain_float32_3d(X, dtype) -> bool:
    return (
        type(X) is np.ndarray and X.ndim == 3 and X.dtype == np.float32
        and dtype is np.float32 and X.flags.c_contiguous and X.flags.writeable
    )


#: Elements checked per ``np.isfinite`` call: bounds its temporary (1 MiB of bools).
_FINITE_BLOCK = 1 << 20


def _all_finite(values: np.ndarray) -> bool:
    """True when no value is NaN or infinite.

    ``np.isfinite(...).all()`` in blocks of rows: faster than a finite sum
    (no floating-point error state to guard) and its temporary stays small.
    """
    if values.size <= _FINITE_BLOCK:
        return bool(np.isfinite(values).all())
    rows = max(1, _FINITE_BLOCK // values[0].size)
    return all(
        bool(np.isfinite(values[start : start + rows]).all())
        for start in range(0, len(values), rows)
    )


def padding_mask(values: np.ndarray) -> np.ndarray:
    """Which time steps of 3D ``values`` are real, validating the NaN padding.

    Leading and trailing time steps whose features are all NaN are padding
    (leading: windows of rows without full history; trailing: tslearn's
    convention for shorter sequences). Any other NaN is an error. A sequence
    of padding only (e.g. the first window of a SlidingWindowTransformer
    with ``include_current=False``) has no real step: the network reads it
    as its initial state, as Keras reads a fully masked sequence.

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
    candidate = ~nan.all(axis=2)  # a sequence of padding only is empty: length 0
    start = np.argmax(candidate, axis=1)
    stop = T - np.argmax(candidate[:, ::-1], axis=1)
    steps = np.arange(T)[None, :]
    real = (steps >= start[:, None]) & (steps < stop[:, None]) & candidate.any(axis=1)[:, None]
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


def no_real_step_error() -> ValueError:
    """What fitting on sequences of padding only says."""
    return ValueError(
        "X is empty: every sequence is NaN padding only, so there is no time "
        "step to learn from. Pass sequences with real steps (only a few may be "
        "padding only, e.g. the first window of a SlidingWindowTransformer "
        "with include_current=False)."
    )


def unpad(values: np.ndarray, finite: bool):
    """Real steps moved to the front, zeros after them, and the lengths.

    Never modifies ``values`` (it may be the caller's array). ``finite``:
    whether ``values`` is known to hold no NaN.
    """
    n, T = values.shape[:2]
    if finite:  # the common case
        return values, np.full(n, T, dtype=np.int64)
    real = padding_mask(values)
    lengths = real.sum(axis=1).astype(np.int64)
    if real.all():
        return values, lengths
    start = np.argmax(real, axis=1)
    source = np.minimum(start[:, None] + np.arange(T)[None, :], T - 1)
    values = np.take_along_axis(values, source[:, :, None], axis=1)  # a copy
    values[np.arange(T)[None, :] >= lengths[:, None]] = 0.0
    return values, lengths


def _record_n_features(estimator, n_step_features: int, *, reset: bool) -> None:
    """A transformer's ``n_features_in_`` (features per step), as ``validate_data`` keeps it."""
    if reset:
        if hasattr(estimator, "feature_names_in_"):  # no column names here
            del estimator.feature_names_in_
        estimator.n_features_in_ = n_step_features
    elif n_step_features != estimator.n_features_in_:
        raise ValueError(
            f"X has {n_step_features} features per time step, but "
            f"{type(estimator).__name__} is expecting "
            f"{estimator.n_features_in_} features per time step as input."
        )


#: Axis order of a padded 3D array, by layout name.
_AXES = {
    "ntf": "(n_samples, n_timesteps, n_features)",
    "nft": "(n_samples, n_features, n_timesteps)",
}


def check_layout(layout) -> None:
    """Refuse a layout name that is not a key of ``_AXES`` ("ntf" or "nft").

    Examples
    --------
    >>> from sklstm._data import check_layout
    >>> check_layout("nft")
    >>> check_layout("tnf")
    Traceback (most recent call last):
    ...
    ValueError: layout must be 'ntf' (n_samples, n_timesteps, n_features) or 'nft' (n_samples, n_features, n_timesteps; sktime's layout), got 'tnf'.
    """
    if not isinstance(layout, str) or layout not in _AXES:
        raise ValueError(
            f"layout must be 'ntf' {_AXES['ntf']} or 'nft' (n_samples, "
            f"n_features, n_timesteps; sktime's layout), got {layout!r}."
        )


def _as_numbers(X):
    """A list or array ``X`` as an ndarray of numbers; other array-likes unchanged.

    Gives a clear message (of numpy's exception type) for values that are
    not numbers and for nested lists numpy cannot read as an array.
    """
    if not isinstance(X, (list, tuple, np.ndarray)):
        return X  # torch tensors, array API objects...: check_array converts them
    if isinstance(X, np.ndarray) and X.dtype.kind not in "OUSVT":
        return X
    try:
        X = np.asarray(X)
    except ValueError:  # numpy refuses ragged nested lists
        raise ValueError(
            "X is a nested list that numpy cannot read as an array: its "
            "sequences differ in length or shape. Pass a padded 3D array, or pad "
            "the list first with sklstm.preprocessing.to_padded."
        ) from None
    if X.dtype.kind in "OUSVT":
        try:
            X = X.astype(np.float64)
        except (TypeError, ValueError) as exc:
            raise type(exc)(
                f"X holds values that are not numbers ({exc}). Pass numeric "
                "sequences: encode categories first, and turn text into token "
                "ids with sklstm.preprocessing.Tokenizer."
            ) from None
    return X


def check_3d(estimator, X, *, dtype, layout: str = "ntf") -> tuple[np.ndarray, bool]:
    """Validate a 3D array (NaN allowed for padding).

    ``estimator`` is named in messages; ``None`` validates the array alone
    (for a helper function such as ``from_padded``), allowing 0 samples.
    ``layout`` names the axis order of ``X`` ("ntf" or "nft"); the array
    returned is always (n_samples, n_timesteps, n_features).

    Returns the array and whether it is free of NaN.
    """
    if _is_plain_float32_3d(X, dtype) and layout == "ntf" and estimator is not None:
        # Already what sklstm computes on: only the checks that can fail.
        values = X
        if values.shape[0] < 1:
            raise ValueError(
                f"Found array with 0 sample(s) (shape={values.shape}) while a "
                f"minimum of 1 is required by {type(estimator).__name__}."
            )
    else:
        with np.errstate(over="ignore"):  # too large for float32: refused below
            values = check_array(
                _as_numbers(X),
                allow_nd=True,
                ensure_2d=False,  # 1D or 2D get the 3D message below
                dtype=dtype,
                ensure_all_finite=False,  # NaN is padding; infinity is refused below
                ensure_min_samples=1 if estimator is not None else 0,
                input_name="X",
                estimator=estimator,
            )
    if values.ndim != 3:
        feature_axis = "X[..., None]" if layout == "ntf" else "X[:, None, :]"
        remedy = (
            "For a 2D table of time steps (rows = time steps, columns = "
            "features), window it into sequences with "
            "sklstm.preprocessing.SlidingWindowTransformer; for univariate "
            f"sequences (n_samples, n_timesteps), add the feature axis with "
            f"{feature_axis}."
            if values.ndim == 2
            else f"Reshape X to {_AXES[layout]}."
        )
        if estimator is None:
            raise ValueError(
                f"X must be a 3D padded array in layout {layout!r} {_AXES[layout]}, "
                f"got an array with {values.ndim} dimensions (shape "
                f"{values.shape}). {remedy} For a list of sequences there is "
                "nothing to unpad."
            )
        raise ValueError(
            f"Expected a 3D array {_AXES[layout]}, got an array with "
            f"{values.ndim} dimensions. {remedy}"
        )
    if values.shape[1] < 1 or values.shape[2] < 1:
        raise ValueError(
            f"Found array with shape {values.shape}: X needs at least one "
            f"time step and one feature (shape {_AXES[layout]})."
        )
    if layout == "nft":
        values = values.transpose(0, 2, 1)
    finite = _all_finite(values)
    if not finite and np.isinf(values).any():
        raise ValueError(
            "Input X contains infinity or a value too large for "
            f"dtype({values.dtype.name!r}). Scale or clip the data first; only "
            "NaN marks padding."
        )
    return values, finite


def _padded_needs(estimator, layout: str) -> str:
    """What :func:`check_padded_3d` needs instead of a ragged list, and how to get it."""
    if estimator is None:
        return (
            f"not a 3D padded array in layout {layout!r} {_AXES[layout]}; for a "
            "list of sequences there is nothing to unpad."
        )
    name = type(estimator).__name__
    return (
        f"but {name} needs a padded 3D array (n_samples, n_timesteps, "
        "n_features). Pad the list first with sklstm.preprocessing.to_padded(X) "
        f"(NaN padding is ignored by {name} and masked by the sklstm "
        "estimators), or, in a pipeline, put "
        f"FunctionTransformer(sklstm.preprocessing.to_padded) before {name}."
    )


def check_padded_3d(estimator, X, *, reset: bool, layout: str = "ntf", dtype=None):
    """Validate 3D sequences for a transformer, keeping their NaN padding.

    Returns a float copy of ``X`` in layout (n_samples, n_timesteps,
    n_features) (float32 stays float32 unless ``dtype`` says otherwise) and
    the mask of real time steps (see :func:`padding_mask`). A ragged list of
    sequences is refused with a message that says how to pad it.

    Parameters
    ----------
    estimator : BaseEstimator or None
        The transformer. Its ``n_features_in_`` (features per step) is
        recorded (``reset``) or checked, as scikit-learn's ``validate_data``
        does. ``None``: validate the array alone.
    X : array-like, 3D
        Padded sequences in ``layout``.
    reset : bool
        Whether this call fits.
    layout : {"ntf", "nft"}, default="ntf"
        Axis order of ``X``: (n_samples, n_timesteps, n_features) or
        (n_samples, n_features, n_timesteps).
    dtype : dtype or tuple of dtypes, default=None
        Accepted float dtypes; by default float64 and float32.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm.preprocessing import SequenceScaler
    >>> from sklstm._data import check_padded_3d
    >>> values, real = check_padded_3d(SequenceScaler(), np.ones((2, 3, 1)), reset=True)
    >>> values.shape, bool(real.all())
    ((2, 3, 1), True)
    >>> check_padded_3d(None, np.ones((2, 1, 3)), reset=False, layout="nft")[0].shape
    (2, 3, 1)
    """
    check_layout(layout)
    refuse_ragged(X, _padded_needs(estimator, layout))
    dtype = (np.float64, np.float32) if dtype is None else dtype
    with float_overflow_is_value_error("X"):
        values, _ = check_3d(estimator, X, dtype=dtype, layout=layout)
    if estimator is not None and not reset:
        _record_n_features(estimator, values.shape[2], reset=False)
    values = np.array(values, order="C")  # a copy the caller may modify
    real = padding_mask(values)
    if reset and not real.any():
        raise no_real_step_error()
    if estimator is not None and reset:  # recorded once X proved valid
        _record_n_features(estimator, values.shape[2], reset=True)
    return values, real
