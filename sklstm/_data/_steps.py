"""Targets at every time step: aligning y with X's real steps, and predictions back.

X's real steps are packed to the front for the network (leading NaN padding
and token id 0 are left out), so step ``j`` of the network's output is not
always step ``j`` of the user's sequence. :func:`step_positions` records
where each real step of X was; :func:`check_step_targets` reads ``y`` in the
user's positions and returns the labelled steps at the network's positions;
:func:`scatter_steps` puts per-step outputs back at the user's positions.

Forms of ``y`` (the public contract):

- an array ``(n_samples, n_steps)`` (one target per step) or, for
  regression, ``(n_samples, n_steps, n_outputs)``. With an array X it has
  X's number of steps; with a list X at least the longest sequence's
  (steps past a sequence's end are ignored);
- a list of per-sequence arrays ``(T_i,)`` or ``(T_i, n_outputs)``, each as
  long as the sequence of X it labels.

A step is unlabelled, left out of the loss and the score, when its target
is NaN or None, or (classification) equals ``ignore_label``; so is a step
where X is padding.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.utils.multiclass import type_of_target

from ._padding import padding_mask

__all__ = ["StepPositions", "StepTargets", "check_prompt", "check_step_targets",
           "labelled_mask", "scatter_steps", "step_positions"]

def _one_per_step_error(regression: bool, got: str) -> ValueError:
    outputs = " or (n_samples, n_steps, n_outputs)" if regression else ""
    lists = " (T_i,) or (T_i, n_outputs)" if regression else " (T_i,)"
    other = "LSTMRegressor" if regression else "LSTMClassifier"
    return ValueError(
        f"per-step estimators need one target per time step: y must be an array "
        f"(n_samples, n_steps){outputs} or a list of per-sequence arrays{lists}, got {got}. "
        f"For one target per sequence use {other}."
    )


@dataclass(frozen=True)
class StepPositions:
    """Where the real steps of each sequence of X are, in the user's positions.

    Attributes
    ----------
    real : ndarray of shape (n_samples, n_steps), bool
        Real (not padding) steps; rows of shorter list sequences are False past their end.
    lengths : ndarray of shape (n_samples,)
        Each sequence's number of steps as given (padding included).
    array : bool
        Whether X was one array (predictions are then one array too).
    """

    real: np.ndarray
    lengths: np.ndarray
    array: bool

    @property
    def n_real(self) -> np.ndarray:
        return self.real.sum(axis=1)


@dataclass(frozen=True)
class StepTargets:
    """The labelled steps of y, at the network's (packed) positions.

    ``rows`` and ``steps`` index the labelled steps; ``values`` holds their
    targets, shape (m,) — or (m, n_outputs) for regression, where a NaN
    element is an unlabelled output — and ``ndim`` is the dimension of one
    sequence's targets as given (1, or 2 for several outputs).
    """

    n_samples: int
    n_steps: int
    rows: np.ndarray
    steps: np.ndarray
    values: np.ndarray
    ndim: int

    def __len__(self) -> int:
        return self.n_samples


def _is_sequence_list(obj) -> bool:
    if isinstance(obj, (list, tuple)):
        return True
    return isinstance(obj, np.ndarray) and obj.dtype == object and obj.ndim == 1 and (
        len(obj) == 0 or isinstance(obj[0], (list, tuple, np.ndarray))
    )


def step_positions(X, n_samples: int, *, tokens: bool) -> StepPositions:
    """The real steps of X (already validated by ``check_sequences``), as given.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm._data._steps import step_positions
    >>> step_positions([np.array([3, 0, 2]), np.array([1])], 2, tokens=True).real.tolist()
    [[True, False, True], [True, False, False]]
    """
    if _is_sequence_list(X):
        seqs = [np.asarray(x) for x in X]
        lengths = np.array([len(x) for x in seqs], dtype=np.int64)
        real = np.arange(max(lengths.max(initial=0), 1))[None, :] < lengths[:, None]
        if tokens:
            for i, x in enumerate(seqs):
                real[i, : len(x)] &= x.reshape(len(x)) != 0
        elif len({x.shape for x in seqs}) == 1 and seqs[0].dtype.kind == "f" and any(
            np.isnan(x).any() for x in seqs
        ):  # read as one NaN-padded array, as check_sequences reads it
            stacked = np.stack(seqs)
            real = padding_mask(stacked if stacked.ndim == 3 else stacked[:, :, None])
        return StepPositions(real, lengths, array=False)
    values = X.to_numpy() if hasattr(X, "to_numpy") else np.asarray(X)
    n, T = values.shape[:2]
    if tokens:
        real = values != 0
    elif values.ndim == 3 and values.dtype.kind == "f":  # only floats hold NaN padding
        real = padding_mask(values)
    else:
        real = np.ones((n, T), dtype=bool)
    return StepPositions(real, np.full(n, T, dtype=np.int64), array=True)


def _per_sequence(y, positions: StepPositions, regression: bool, name: str):
    """y as one padded array (n, T[, k]) in the user's positions, and its ndim per sequence."""
    n, T = positions.real.shape
    if len(y) != n:
        raise ValueError(f"{name} has {len(y)} sequences, but X has {n}: give one "
                         "sequence of targets per sequence of X.")
    if _is_sequence_list(y):
        seqs = [np.asarray(s) for s in y]
        ndims = {s.ndim for s in seqs}
        if 0 in ndims:
            raise _one_per_step_error(regression, "one target per sequence (a list of scalars)")
        if not ndims <= ({1, 2} if regression else {1}) or len(ndims) > 1:
            raise _one_per_step_error(regression, f"sequences of {sorted(ndims)} dimensions")
        missing = "NaN" if regression else "NaN, None or ignore_label"
        for i, (s, length) in enumerate(zip(seqs, positions.lengths)):
            if len(s) != length:
                raise ValueError(
                    f"Sequence {i} of {name} has {len(s)} steps, but sequence {i} of X has "
                    f"{length}: give one target per time step of X ({missing} for a step "
                    "without one)."
                )
        ndim = ndims.pop() if ndims else 1
        width = () if ndim == 1 else (seqs[0].shape[1],)
        if ndim == 2 and any(s.shape[1] != width[0] for s in seqs):
            raise ValueError(f"The sequences of {name} have different numbers of outputs.")
        kinds = {seq.dtype.kind for seq in seqs}
        if regression:
            filled = np.full((n, T, *width), np.nan)
        elif len(kinds) == 1 and kinds <= set("biufUS"):  # one type: no per-label checks
            dtype = np.result_type(*seqs)
            filled = np.full((n, T), np.nan) if dtype.kind == "f" else np.zeros((n, T), dtype)
        else:
            filled = np.full((n, T), None, dtype=object)
        for i, s in enumerate(seqs):
            try:
                filled[i, : len(s)] = s
            except (TypeError, ValueError):
                raise ValueError(f"{name} must hold numbers (NaN for a step without a "
                                 f"target); sequence {i} does not.") from None
        return filled, ndim
    arr = y
    if arr.ndim not in ((2, 3) if regression else (2,)):
        raise _one_per_step_error(regression, f"an array of shape {arr.shape}")
    if positions.array and arr.shape[1] != T:
        raise ValueError(
            f"{name} has {arr.shape[1]} steps per sequence, but X has {T}: give one target "
            "per time step of X."
        )
    if arr.shape[1] < positions.lengths.max(initial=0):
        raise ValueError(
            f"{name} has {arr.shape[1]} steps per sequence, but the longest sequence of X has "
            f"{positions.lengths.max()}: give one target per time step of X."
        )
    arr = arr[:, :T]
    return arr, arr.ndim - 1


def labelled_mask(values: np.ndarray, ignore_label=None) -> np.ndarray:
    """Which entries are labels (not NaN, not None, not ``ignore_label``).

    The one rule for unlabelled steps, shared by the estimators and
    :mod:`sklstm.metrics`.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm._data._steps import labelled_mask
    >>> labelled_mask(np.array([1, None, -1, float("nan")], dtype=object), -1).tolist()
    [True, False, False, False]
    """
    if values.dtype.kind in "fc":
        labelled = ~np.isnan(values)
    elif values.dtype.kind == "O":
        labelled = np.array([not (v is None or (isinstance(v, float) and v != v))
                             for v in values.ravel()], dtype=bool).reshape(values.shape)
    else:
        labelled = np.ones(values.shape, dtype=bool)
    if ignore_label is not None:
        with np.errstate(invalid="ignore"):
            same = np.asarray(values == ignore_label)
        if same.shape == values.shape:
            labelled &= ~same
    return labelled


def check_step_targets(y, positions: StepPositions, n_steps: int, *, regression: bool,
                       ignore_label=None, name: str = "y") -> StepTargets:
    """The labelled steps of per-step targets ``y``, at the network's positions.

    ``n_steps``: the time length of the network's input (the packed
    sequences). Raises ValueError for every form ``y`` may not take, naming
    the first bad sequence.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm._data._steps import check_step_targets, step_positions
    >>> X = np.ones((1, 3, 1)); X[0, 0] = np.nan  # step 0 is padding
    >>> t = check_step_targets(np.array([[9.0, 1.0, np.nan]]), step_positions(X, 1, tokens=False),
    ...                        2, regression=True)
    >>> t.steps.tolist(), t.values.ravel().tolist()
    ([0], [1.0])
    """
    if y is None:
        raise ValueError("requires y to be passed, but the target y is None.")
    if not isinstance(y, str) and not _is_sequence_list(y):
        y = y.to_numpy() if hasattr(y, "to_numpy") else np.asarray(y)
    if isinstance(y, str) or (not _is_sequence_list(y) and y.ndim < 2):
        kind = "a string" if isinstance(y, str) else f"an array of shape {np.shape(y)}"
        raise _one_per_step_error(regression, kind)
    values, ndim = _per_sequence(y, positions, regression, name)
    if regression:
        try:
            values = values.astype(np.float64)
        except (TypeError, ValueError):
            raise ValueError(f"{name} must hold numbers (NaN for a step without a target).") \
                from None
        if np.isinf(values).any():
            raise ValueError(f"{name} contains infinity; targets must be finite (or NaN "
                             "for a step without a target).")
        shaped = values if values.ndim == 3 else values[:, :, None]
        entry = ~np.isnan(shaped)
        step_labelled = entry.any(axis=2)
    else:
        step_labelled = labelled_mask(values, ignore_label)
    step_labelled &= positions.real
    # the packed position of each real step: its rank among the real steps
    packed = np.cumsum(positions.real, axis=1) - 1
    rows, cols = np.nonzero(step_labelled)
    steps = packed[rows, cols]
    keep = steps < n_steps
    rows, cols, steps = rows[keep], cols[keep], steps[keep]
    if regression:
        picked = shaped[rows, cols]
    else:
        picked = values[rows, cols]
        if picked.dtype == object:
            kinds = {"str" if isinstance(v, str) else "bool" if isinstance(v, (bool, np.bool_))
                     else "number" for v in picked}
            if len(kinds) > 1:
                raise TypeError(
                    f"The labels of {name} mix types ({', '.join(sorted(kinds))}); use labels "
                    "of one type (e.g. all str or all int).")
            try:
                picked = np.array(picked.tolist())
            except (TypeError, ValueError):
                pass
        kind = type_of_target(picked) if len(picked) else "binary"
        if kind not in ("binary", "multiclass"):
            raise ValueError(
                f"Unknown label type: {kind}. Per-step classification needs discrete labels "
                "(ints, strings or bools); for real-valued targets use LSTMStepRegressor.")
    return StepTargets(len(values), n_steps, rows.astype(np.intp), steps.astype(np.intp),
                       picked, ndim)


def scatter_steps(outputs: np.ndarray, positions: StepPositions, fill):
    """Per-step ``outputs`` (n, n_steps, ...) at the network's positions → the user's.

    Returns one array ``(n, T, ...)`` for array X (``fill`` at padding steps)
    and a list of per-sequence arrays (each as long as given) for a list X.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm._data._steps import scatter_steps, step_positions
    >>> pos = step_positions([np.array([1, 0, 2])], 1, tokens=True)
    >>> scatter_steps(np.array([[7.0, 8.0]]), pos, np.nan)[0].tolist()
    [7.0, nan, 8.0]
    """
    n, T = positions.real.shape
    n_real = positions.n_real
    if not positions.array:  # each sequence on its own: filled only where it has padding
        result = []
        full = n_real == positions.lengths
        for i, length in enumerate(positions.lengths.tolist()):
            if full[i]:
                result.append(outputs[i, :length])
            else:
                real = positions.real[i, :length]
                steps = outputs[i, : n_real[i]]
                filled = np.empty((length, *outputs.shape[2:]),
                                  dtype=_filled_dtype(outputs, fill))
                filled[...] = fill
                filled[real] = steps
                result.append(filled)
        return result
    if positions.real.all():
        return outputs[:, :T]
    valid = np.arange(outputs.shape[1])[None, :] < n_real[:, None]
    result = np.empty((n, T, *outputs.shape[2:]), dtype=_filled_dtype(outputs, fill))
    result[...] = fill
    result[positions.real] = outputs[valid]
    return result


def _filled_dtype(outputs: np.ndarray, fill) -> np.dtype:
    """The dtype holding ``outputs`` and ``fill`` without changing either (else object)."""
    if fill is None:
        return np.dtype(object)
    kinds = outputs.dtype.kind + np.asarray(fill).dtype.kind
    if kinds[0] == kinds[1] or set(kinds) <= set("iu") or (kinds[0] == "f" and kinds[1] in "iu"):
        return np.result_type(outputs.dtype, np.asarray(fill).dtype)
    return np.dtype(object)


def check_prompt(prompt, layout) -> tuple[np.ndarray, bool]:
    """A generation prompt checked against the fitted input layout.

    Returns the prompt as int64 ids ``(T,)`` (token models) or float32
    values ``(T, n_features)``, and whether it was given 1D with one feature
    (the rollout is then returned 1D too).

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm._data import InputLayout
    >>> from sklstm._data._steps import check_prompt
    >>> values, one_feature = check_prompt([0.5, 1.0], InputLayout("3d", n_step_features=1))
    >>> values.shape, one_feature
    ((2, 1), True)
    """
    if layout.tokens:
        ids = np.asarray(prompt)
        if ids.ndim != 1 or ids.dtype.kind not in "iu" or len(ids) == 0:
            got = f"shape {ids.shape}" if ids.dtype.kind in "iu" else f"dtype {ids.dtype}"
            raise ValueError(f"prompt must be a non-empty 1D array of token ids (ints), got {got}.")
        if ((ids <= 0) | (ids >= layout.n_tokens)).any():
            raise ValueError(
                f"prompt holds token ids outside 1..{layout.n_tokens - 1}, the ids the model "
                "reads (0 is padding); encode the prompt with the tokenizer fitted with it.")
        return ids.astype(np.int64), False
    try:
        values = np.asarray(prompt, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError("prompt must hold numbers: the first steps of a sequence.") from None
    one_feature = values.ndim == 1
    if one_feature:
        values = values[:, None]
    features = layout.n_step_features
    if values.ndim != 2 or len(values) == 0 or values.shape[1] != features:
        raise ValueError(
            f"prompt must be a non-empty array (n_steps, {features})"
            f"{' or (n_steps,)' if features == 1 else ''} of the features seen at fit, "
            f"got shape {np.shape(prompt)}.")
    if not np.isfinite(values).all():
        raise ValueError("prompt contains NaN or infinity; give real steps only (no padding).")
    return values.astype(np.float32), one_feature
