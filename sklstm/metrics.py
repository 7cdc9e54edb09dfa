"""Flat (per-step) metrics and scorers for sequence labelling.

Per-step estimators predict one label (or value, or ``k`` values) per time
step. ``y_true`` and ``y_pred`` are a list of per-sequence arrays ``(T_i,)``
or ``(T_i, k)``, or an array ``(n_sequences, T)`` or ``(n_sequences, T, k)``.
The metrics here flatten the labelled steps of all sequences into one array
and hand it to :mod:`sklearn.metrics`, as sklearn-crfsuite's ``flat_*``
metrics do.

**Unlabelled steps.** A step of ``y_true`` is unlabelled when it is NaN or
None, or equals ``ignore_label`` (e.g. ``-1`` padding). Unlabelled steps are
left out of every metric, in ``y_true`` and ``y_pred`` alike. With ``k``
values per step, a NaN leaves out that element only: a step is kept when
any element is labelled, and the regression metrics skip NaN elements
output by output. When ``y_true`` is a list and ``y_pred`` a padded array,
the steps of ``y_pred`` past each sequence's length are ignored; when
``y_true`` is a padded array and ``y_pred`` a list, the steps of ``y_true``
past each predicted sequence must be unlabelled (padding).

``sample_weight`` is per *sequence* and repeats for each of its steps.

**Forecasts.** ``mean_absolute_scaled_error`` (MASE),
``symmetric_mean_absolute_percentage_error`` (sMAPE), ``interval_coverage``,
``interval_width`` and ``make_forecast_scorer`` (for GridSearchCV over
:class:`sklstm.LSTMForecaster`) evaluate forecasts.

Examples
--------
>>> from sklstm.metrics import flat_accuracy_score
>>> flat_accuracy_score([[0, 1, 1], [1, -1]], [[0, 1, 0], [1, 0]], ignore_label=-1)
0.75
"""

from __future__ import annotations

import inspect
from typing import Any, Callable, Sequence

import numpy as np
from numpy.typing import ArrayLike
from sklearn import metrics as _m

from ._data._steps import labelled_mask

from ._forecast_metrics import (  # noqa: E402  (re-exported)
    interval_coverage,
    interval_width,
    make_forecast_scorer,
    mase_scale,
    mean_absolute_scaled_error,
    symmetric_mean_absolute_percentage_error,
)

__all__ = [
    "SCORERS", "flat_accuracy", "flat_accuracy_score", "flat_classification_report",
    "flat_f1", "flat_f1_micro", "flat_f1_score", "flat_f1_weighted", "flat_fbeta_score",
    "flat_mean_absolute_error", "flat_mean_squared_error", "flat_precision",
    "flat_precision_score", "flat_r2", "flat_r2_score", "flat_recall", "flat_recall_score",
    "flatten_steps", "get_flat_scorer", "make_flat_scorer", "neg_flat_mean_absolute_error",
    "neg_flat_mean_squared_error",
    # forecasts
    "interval_coverage", "interval_width", "make_forecast_scorer", "mase_scale",
    "mean_absolute_scaled_error", "symmetric_mean_absolute_percentage_error",
]

_PER_STEP = ("per-step metrics need one label per step: {} must be a list of per-sequence "
             "arrays or an array (n_sequences, n_steps); for one label per sequence use "
             "sklearn.metrics")


def _sequences(y: Any, name: str) -> tuple[list, tuple | None]:
    """``y`` as a list of per-sequence arrays, and its shape if it was a padded array."""
    shape = None
    if not isinstance(y, (list, tuple)):
        y = np.asarray(y)
        shape = y.shape
        # A 1D object array of sequences (what indexing a ragged y gives) is a list.
        if y.ndim == 1 and y.dtype == object and all(np.ndim(s) >= 1 for s in y):
            shape = None
        elif y.ndim < 2:
            raise ValueError(_PER_STEP.format(name))
    seqs = [np.asarray(s) for s in y]
    for i, s in enumerate(seqs):
        if s.ndim not in (1, 2) or s.shape[1:] != seqs[0].shape[1:]:
            raise ValueError(_PER_STEP.format(name) + f" (sequence {i} has shape {s.shape}"
                             f"{'' if i == 0 else f', sequence 0 {seqs[0].shape}'})")
    return seqs, shape


def _unlabelled(y: np.ndarray, ignore_label: Any) -> np.ndarray:
    """NaN, None or ``ignore_label``: the estimators' rule (``labelled_mask``)."""
    return ~labelled_mask(y, ignore_label)


def _plain(flat: np.ndarray) -> np.ndarray:
    """An object array of numbers (None taken out) as a numeric array sklearn can type."""
    if flat.dtype == object and flat.size and not any(isinstance(v, str) for v in flat.flat):
        return np.asarray(flat.tolist())
    return flat


def flatten_steps(y_true: ArrayLike, y_pred: ArrayLike, sample_weight: ArrayLike | None = None,
                  *, ignore_label: Any = None) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Concatenate the labelled steps of all sequences, for any sklearn metric.

    Parameters
    ----------
    y_true, y_pred : list of arrays (T_i,) or (T_i, k), or array (n, T) or (n, T, k)
        True and predicted labels or values per step. A padded array may go with
        a list: steps of ``y_pred`` past a sequence's end are dropped, steps of
        ``y_true`` past it must be unlabelled. Steps where ``y_pred`` has no
        prediction (None, NaN or ``ignore_label``: what the per-step
        estimators return at X's padding steps) are left out, as the
        estimators' ``score`` leaves them out.
    sample_weight : array-like of shape (n_sequences,), default=None
        One weight per sequence, repeated for each of its labelled steps.
    ignore_label : scalar, default=None
        Label marking unlabelled steps, besides NaN and None.

    Returns
    -------
    y_true_flat, y_pred_flat : ndarray (n_labelled_steps,) or (n_labelled_steps, k)
        With ``k`` values per step, NaN elements of ``y_true_flat`` remain
        where other elements of the step are labelled.
    sample_weight_flat : ndarray (n_labelled_steps,) or None

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm.metrics import flatten_steps
    >>> yt, yp, w = flatten_steps([np.array([0, 1, np.nan]), np.array([2])],
    ...                           np.array([[0, 0, 1], [2, 1, 1]]), sample_weight=[1, 3])
    >>> yt.tolist(), yp.tolist(), w.tolist()
    ([0.0, 1.0, 2.0], [0, 0, 2], [1.0, 1.0, 3.0])
    """
    trues, true_shape = _sequences(y_true, "y_true")
    preds, pred_shape = _sequences(y_pred, "y_pred")
    if len(trues) != len(preds):
        raise ValueError(f"y_true has {len(trues)} sequences but y_pred has {len(preds)}")
    if true_shape and pred_shape and true_shape != pred_shape:
        raise ValueError(f"y_true and y_pred are arrays of different shapes: "
                         f"{true_shape} and {pred_shape}")
    weights = None
    if sample_weight is not None:
        weights = np.asarray(sample_weight, dtype=float)
        if weights.shape != (len(trues),):
            raise ValueError(f"sample_weight must have one weight per sequence: shape "
                             f"{weights.shape} for {len(trues)} sequences")
    keep_t, keep_p, keep_w = [], [], []
    for i, (t, p) in enumerate(zip(trues, preds)):
        if pred_shape and not true_shape and len(p) >= len(t):
            p = p[:len(t)]  # a padded y_pred with a list y_true
        if (true_shape and not pred_shape and len(t) > len(p)
                and _unlabelled(t[len(p):], ignore_label).all()):
            t = t[:len(p)]  # a padded y_true (unlabelled padding) with a list y_pred
        if len(t) != len(p):
            raise ValueError(f"sequence {i} has {len(t)} steps in y_true but {len(p)} in y_pred")
        if t.shape[1:] != p.shape[1:]:
            raise ValueError(f"sequence {i} has per-step shape {t.shape[1:]} in y_true "
                             f"but {p.shape[1:]} in y_pred")
        # a step without a prediction (X's padding: None, NaN or ignore_label) is left out too
        mask = _unlabelled(t, ignore_label)
        missing = _unlabelled(p, ignore_label)
        keep = ~mask if mask.ndim == 1 else ~mask.all(axis=1)
        keep &= ~missing if missing.ndim == 1 else ~missing.all(axis=1)
        keep_t.append(t[keep])
        keep_p.append(p[keep])
        if weights is not None:
            keep_w.append(np.full(int(keep.sum()), weights[i]))
    n_kept = sum(len(t) for t in keep_t)
    if n_kept == 0:
        raise ValueError("no labelled steps in y_true: every step is NaN, None or "
                         f"ignore_label={ignore_label!r}")
    flat_t, flat_p = (_plain(np.concatenate(seqs)) for seqs in (keep_t, keep_p))
    if flat_t.dtype == object and flat_t.ndim == 2:  # None elements left in a kept step
        flat_t = np.where(_unlabelled(flat_t, None), np.nan, flat_t).astype(float)
    return flat_t, flat_p, (np.concatenate(keep_w) if weights is not None else None)


def _labels(y_true, y_pred, sample_weight, ignore_label):
    """Flattened labels; float labels that are whole numbers take y_pred's integer dtype."""
    t, p, w = flatten_steps(y_true, y_pred, sample_weight, ignore_label=ignore_label)
    if t.dtype.kind == "f" and p.dtype.kind in "iub" and np.all(t == np.round(t)):
        t = t.astype(p.dtype)
    return t, p, w


def flat_accuracy_score(y_true: ArrayLike, y_pred: ArrayLike, *,
                        sample_weight: ArrayLike | None = None, ignore_label: Any = None,
                        normalize: bool = True) -> float:
    """:func:`sklearn.metrics.accuracy_score` over the labelled steps.

    See :func:`flatten_steps` for the forms of ``y_true``/``y_pred``, for
    ``sample_weight`` (per sequence) and ``ignore_label``.

    Examples
    --------
    >>> from sklstm.metrics import flat_accuracy_score
    >>> flat_accuracy_score([["B", "I", None], ["O"]], [["B", "O", "O"], ["O"]])
    0.6666666666666666
    """
    t, p, w = _labels(y_true, y_pred, sample_weight, ignore_label)
    return float(_m.accuracy_score(t, p, normalize=normalize, sample_weight=w))


def _prf(metric: Callable, y_true, y_pred, sample_weight, ignore_label, **kwargs) -> Any:
    """Precision, recall or F-score from sklearn over the labelled steps."""
    t, p, w = _labels(y_true, y_pred, sample_weight, ignore_label)
    return metric(t, p, sample_weight=w, **kwargs)


def flat_precision_score(y_true: ArrayLike, y_pred: ArrayLike, *, labels: ArrayLike | None = None,
                         pos_label: Any = 1, average: str | None = "binary",
                         sample_weight: ArrayLike | None = None, ignore_label: Any = None,
                         zero_division: Any = "warn") -> float | np.ndarray:
    """:func:`sklearn.metrics.precision_score` over the labelled steps.

    ``labels``, ``pos_label``, ``average`` and ``zero_division`` are as in
    sklearn. See :func:`flatten_steps` for the forms of ``y_true``/``y_pred``,
    for ``sample_weight`` (per sequence) and ``ignore_label``.

    Examples
    --------
    >>> from sklstm.metrics import flat_precision_score
    >>> flat_precision_score([[0, 1, 1], [1, -1]], [[0, 1, 0], [1, 1]], ignore_label=-1)
    1.0
    """
    return _prf(_m.precision_score, y_true, y_pred, sample_weight, ignore_label, labels=labels,
                pos_label=pos_label, average=average, zero_division=zero_division)


def flat_recall_score(y_true: ArrayLike, y_pred: ArrayLike, *, labels: ArrayLike | None = None,
                      pos_label: Any = 1, average: str | None = "binary",
                      sample_weight: ArrayLike | None = None, ignore_label: Any = None,
                      zero_division: Any = "warn") -> float | np.ndarray:
    """:func:`sklearn.metrics.recall_score` over the labelled steps.

    Parameters as in :func:`flat_precision_score`.

    Examples
    --------
    >>> from sklstm.metrics import flat_recall_score
    >>> round(flat_recall_score([[0, 1, 1], [1, -1]], [[0, 1, 0], [1, 1]], ignore_label=-1), 4)
    0.6667
    """
    return _prf(_m.recall_score, y_true, y_pred, sample_weight, ignore_label, labels=labels,
                pos_label=pos_label, average=average, zero_division=zero_division)


def flat_f1_score(y_true: ArrayLike, y_pred: ArrayLike, *, labels: ArrayLike | None = None,
                  pos_label: Any = 1, average: str | None = "binary",
                  sample_weight: ArrayLike | None = None, ignore_label: Any = None,
                  zero_division: Any = "warn") -> float | np.ndarray:
    """:func:`sklearn.metrics.f1_score` over the labelled steps.

    Parameters as in :func:`flat_precision_score`.

    Examples
    --------
    >>> from sklstm.metrics import flat_f1_score
    >>> flat_f1_score([["B", "I"], ["O", "I", "O"]], [["B", "O"], ["O", "I", "O"]],
    ...               average="micro")
    0.8
    """
    return _prf(_m.f1_score, y_true, y_pred, sample_weight, ignore_label, labels=labels,
                pos_label=pos_label, average=average, zero_division=zero_division)


def flat_fbeta_score(y_true: ArrayLike, y_pred: ArrayLike, *, beta: float,
                     labels: ArrayLike | None = None, pos_label: Any = 1,
                     average: str | None = "binary", sample_weight: ArrayLike | None = None,
                     ignore_label: Any = None, zero_division: Any = "warn") -> float | np.ndarray:
    """:func:`sklearn.metrics.fbeta_score` over the labelled steps.

    Parameters as in :func:`flat_precision_score`, plus ``beta`` as in sklearn.

    Examples
    --------
    >>> from sklstm.metrics import flat_fbeta_score
    >>> round(flat_fbeta_score([[0, 1, 1], [1, -1]], [[0, 1, 0], [1, 1]], beta=2,
    ...                        ignore_label=-1), 4)
    0.7143
    """
    return _prf(_m.fbeta_score, y_true, y_pred, sample_weight, ignore_label, beta=beta,
                labels=labels, pos_label=pos_label, average=average, zero_division=zero_division)


def flat_classification_report(y_true: ArrayLike, y_pred: ArrayLike, *,
                               labels: ArrayLike | None = None,
                               target_names: Sequence[str] | None = None,
                               sample_weight: ArrayLike | None = None, digits: int = 2,
                               output_dict: bool = False, zero_division: Any = "warn",
                               ignore_label: Any = None) -> str | dict:
    """:func:`sklearn.metrics.classification_report` over the labelled steps.

    See :func:`flatten_steps` for the forms of ``y_true``/``y_pred``, for
    ``sample_weight`` (per sequence) and ``ignore_label``.

    Examples
    --------
    >>> from sklstm.metrics import flat_classification_report
    >>> report = flat_classification_report([[0, 1, 1], [1, -1]], [[0, 1, 0], [1, 1]],
    ...                                     ignore_label=-1, output_dict=True)
    >>> report["1"]["support"], report["accuracy"]
    (3.0, 0.75)
    """
    t, p, w = _labels(y_true, y_pred, sample_weight, ignore_label)
    return _m.classification_report(t, p, labels=labels, target_names=target_names,
                                     sample_weight=w, digits=digits, output_dict=output_dict,
                                     zero_division=zero_division)


def _regression(metric: Callable, y_true, y_pred, sample_weight, multioutput) -> Any:
    t, p, w = flatten_steps(y_true, y_pred, sample_weight)
    t = t.astype(float)
    nan = np.isnan(t)
    if not nan.any():
        return metric(t, p, sample_weight=w, multioutput=multioutput)
    # NaN elements of kept steps: score each output on its labelled elements.
    raw, denominators = [], []
    for j in range(t.shape[1]):
        keep = ~nan[:, j]
        if not keep.any():
            raise ValueError(f"no labelled steps in y_true for output {j}")
        wj = None if w is None else w[keep]
        raw.append(float(metric(t[keep, j], p[keep, j], sample_weight=wj)))
        denominators.append(np.average((t[keep, j] - np.average(t[keep, j], weights=wj)) ** 2,
                                       weights=wj) * (keep.sum() if wj is None else wj.sum()))
    raw = np.array(raw)
    if isinstance(multioutput, str):
        if multioutput == "raw_values":
            return raw
        if multioutput == "uniform_average":
            return float(raw.mean())
        if multioutput == "variance_weighted" and metric is _m.r2_score:
            weights = np.array(denominators)
            return float(np.average(raw, weights=weights if weights.any() else None))
        raise ValueError(f"invalid multioutput={multioutput!r} for {metric.__name__}")
    return float(np.average(raw, weights=np.asarray(multioutput, dtype=float)))


def flat_r2_score(y_true: ArrayLike, y_pred: ArrayLike, *, sample_weight: ArrayLike | None = None,
                  multioutput: Any = "uniform_average") -> float | np.ndarray:
    """:func:`sklearn.metrics.r2_score` over the labelled steps (NaN: unlabelled).

    With ``k`` values per step and NaN elements, each output is scored on its
    labelled elements, then combined as ``multioutput`` says.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm.metrics import flat_r2_score
    >>> flat_r2_score([np.array([1.0, 2.0, np.nan]), np.array([3.0])], [[1, 2, 9], [2]])
    0.5
    """
    return _regression(_m.r2_score, y_true, y_pred, sample_weight, multioutput)


def flat_mean_squared_error(y_true: ArrayLike, y_pred: ArrayLike, *,
                            sample_weight: ArrayLike | None = None,
                            multioutput: Any = "uniform_average") -> float | np.ndarray:
    """:func:`sklearn.metrics.mean_squared_error` over the labelled steps (NaN: unlabelled).

    Examples
    --------
    >>> from sklstm.metrics import flat_mean_squared_error
    >>> flat_mean_squared_error([[1.0, float("nan")], [3.0, 4.0]], [[2, 0], [3, 4]])
    0.3333333333333333
    """
    return _regression(_m.mean_squared_error, y_true, y_pred, sample_weight, multioutput)


def flat_mean_absolute_error(y_true: ArrayLike, y_pred: ArrayLike, *,
                             sample_weight: ArrayLike | None = None,
                             multioutput: Any = "uniform_average") -> float | np.ndarray:
    """:func:`sklearn.metrics.mean_absolute_error` over the labelled steps (NaN: unlabelled).

    Examples
    --------
    >>> from sklstm.metrics import flat_mean_absolute_error
    >>> flat_mean_absolute_error([[1.0, None], [3.0]], [[2, 0], [5]])
    1.5
    """
    return _regression(_m.mean_absolute_error, y_true, y_pred, sample_weight, multioutput)


def _ignore_label(estimator: Any) -> Any:
    """``ignore_label`` of the estimator, or of a Pipeline's last step."""
    while getattr(estimator, "ignore_label", None) is None and hasattr(estimator, "steps"):
        estimator = estimator.steps[-1][1]
    return getattr(estimator, "ignore_label", None)


class _FlatScorer:
    """Scorer ``scorer(estimator, X, y, sample_weight=None)`` for a flat metric."""

    def __init__(self, metric: Callable, sign: int, kwargs: dict):
        self._metric, self._sign, self._kwargs = metric, sign, kwargs
        self._reads_ignore_label = ("ignore_label" not in kwargs and "ignore_label"
                                    in inspect.signature(metric).parameters)

    def __call__(self, estimator: Any, X: Any, y_true: Any, sample_weight: Any = None) -> float:
        kwargs = dict(self._kwargs)
        if sample_weight is not None:
            kwargs["sample_weight"] = sample_weight
        if self._reads_ignore_label:
            kwargs["ignore_label"] = _ignore_label(estimator)
        return self._sign * self._metric(y_true, estimator.predict(X), **kwargs)

    def __repr__(self) -> str:
        args = "".join(f", {k}={v!r}" for k, v in self._kwargs.items())
        sign = ", greater_is_better=False" if self._sign < 0 else ""
        return f"make_flat_scorer({self._metric.__name__}{sign}{args})"


def make_flat_scorer(metric: Callable, *, greater_is_better: bool = True,
                     **kwargs: Any) -> _FlatScorer:
    """A scorer for ``GridSearchCV(scoring=...)`` from a flat metric.

    The scorer calls ``metric(y, estimator.predict(X), **kwargs)``, with
    ``ignore_label`` taken from the estimator (or a Pipeline's last step)
    when ``metric`` accepts it and ``kwargs`` does not set it; negated when
    ``greater_is_better=False``.

    Examples
    --------
    >>> from sklstm.metrics import flat_f1_score, make_flat_scorer
    >>> make_flat_scorer(flat_f1_score, average="macro")
    make_flat_scorer(flat_f1_score, average='macro')
    """
    return _FlatScorer(metric, 1 if greater_is_better else -1, kwargs)


flat_accuracy = make_flat_scorer(flat_accuracy_score)
flat_f1 = make_flat_scorer(flat_f1_score, average="macro")
flat_f1_weighted = make_flat_scorer(flat_f1_score, average="weighted")
flat_f1_micro = make_flat_scorer(flat_f1_score, average="micro")
flat_precision = make_flat_scorer(flat_precision_score, average="macro")
flat_recall = make_flat_scorer(flat_recall_score, average="macro")
flat_r2 = make_flat_scorer(flat_r2_score)
neg_flat_mean_squared_error = make_flat_scorer(flat_mean_squared_error, greater_is_better=False)
neg_flat_mean_absolute_error = make_flat_scorer(flat_mean_absolute_error, greater_is_better=False)

#: Ready-made scorers by name.
SCORERS = {
    "flat_accuracy": flat_accuracy, "flat_f1": flat_f1, "flat_f1_weighted": flat_f1_weighted,
    "flat_f1_micro": flat_f1_micro, "flat_precision": flat_precision, "flat_recall": flat_recall,
    "flat_r2": flat_r2, "neg_flat_mean_squared_error": neg_flat_mean_squared_error,
    "neg_flat_mean_absolute_error": neg_flat_mean_absolute_error,
}


def get_flat_scorer(name: str) -> _FlatScorer:
    """The ready-made scorer called ``name`` (a key of :data:`SCORERS`).

    Examples
    --------
    >>> from sklstm.metrics import get_flat_scorer
    >>> get_flat_scorer("flat_f1")
    make_flat_scorer(flat_f1_score, average='macro')
    """
    try:
        return SCORERS[name]
    except KeyError:
        raise ValueError(f"unknown flat scorer {name!r}; choose from {sorted(SCORERS)}") from None
