"""Classification heads: binary (one logit), multiclass (softmax), multilabel (sigmoids)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from scipy.special import expit, log_expit, log_softmax, softmax
from sklearn.utils import column_or_1d
from sklearn.utils.class_weight import compute_sample_weight

from ._base import TargetHead

__all__ = [
    "BinaryHead",
    "MulticlassHead",
    "MultilabelHead",
    "check_partial_fit_classes",
    "choose_classification_head",
]


_KIND_CHANGED = (
    "y changed between multilabel (2D indicator) and single-label (1D) since the "
    "first fit; refit with warm_start=False."
)


def _weighted_accuracy(correct: torch.Tensor, weight: torch.Tensor) -> float:
    weight = weight.double()  # float64, as scikit-learn's accuracy_score
    return float((correct.double() * weight).sum() / weight.sum())


def _check_class_weight(class_weight: dict, classes) -> None:
    """Refuse weights that are not finite non-negative numbers, or of unknown labels."""
    if classes is not None:
        unknown = [key for key in class_weight if not np.isin(key, classes).any()]
        if unknown:
            raise ValueError(
                f"class_weight has labels {unknown} that are not classes of y "
                f"{classes.tolist()}; give weights for the labels in y (classes missing "
                "from class_weight get weight 1)."
            )
    try:
        values = np.array(list(class_weight.values()), dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(
            f"class_weight values must be numbers, got {class_weight!r}."
        ) from None
    if not np.isfinite(values).all() or (values < 0).any():
        raise ValueError(
            f"class_weight must give finite, non-negative weights, got {class_weight!r}; a "
            "negative weight would reverse the loss of its class."
        )


def _class_weighted(sample_weight, class_weight, y, classes=None):
    """``sample_weight`` times the weight of each sample's class; never all zero."""
    if class_weight is None:
        return sample_weight
    if isinstance(class_weight, dict):
        _check_class_weight(class_weight, classes)
    weights = sample_weight * compute_sample_weight(class_weight, y)
    if not (weights > 0).any():
        raise ValueError(
            "class_weight times sample_weight gives every sample a weight of 0: nothing "
            "would be learned. Give a class present in y, and its samples, positive weights."
        )
    return weights


class _LabelHead(TargetHead):
    """One label per sample, from ``classes`` (sorted, at least two)."""

    classes: np.ndarray

    def fitted_attributes(self) -> dict:
        return {"classes_": self.classes, "n_outputs_": self.n_outputs}

    def encode(self, y, sample_weight, class_weight=None):
        if y.ndim == 2:
            raise ValueError(_KIND_CHANGED)
        unseen = np.setdiff1d(np.unique(y), self.classes)
        if unseen.size:
            raise ValueError(
                f"y contains labels {unseen.tolist()} that are not in "
                f"classes_ {self.classes.tolist()}. Pass every label in "
                "`classes` on the first partial_fit call, or refit with "
                "warm_start=False."
            )
        target = self._targets(np.searchsorted(self.classes, y))
        return target, _class_weighted(sample_weight, class_weight, y, self.classes)

    def stratify(self, target):
        return target


@dataclass(eq=False)
class BinaryHead(_LabelHead):
    """Two classes: one logit, binary cross-entropy; targets 0.0/1.0 (n, 1).

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm._heads import BinaryHead
    >>> head = BinaryHead(np.array(["no", "yes"]))
    >>> head.encode(np.array(["yes", "no"]), np.ones(2))[0].ravel().tolist()
    [1.0, 0.0]
    >>> head.predict(np.array([[2.0], [-1.0]], np.float32)).tolist()
    ['yes', 'no']
    """

    name = "binary"
    classes: np.ndarray

    @property
    def n_outputs(self) -> int:
        return 1

    def _targets(self, index):
        return index.astype(np.float32)[:, None]

    def loss(self, outputs, target):
        return F.binary_cross_entropy_with_logits(outputs, target, reduction="none").mean(dim=1)

    def score(self, outputs, target, weight):
        return _weighted_accuracy(((outputs > 0) == (target > 0.5)).all(dim=1), weight)

    def predict(self, outputs):
        return self.classes[(outputs[:, 0] > 0).astype(np.intp)]

    def predict_proba(self, outputs):
        p = expit(outputs[:, 0].astype(np.float64))
        return np.column_stack((1.0 - p, p))

    def predict_log_proba(self, outputs):
        z = outputs[:, 0].astype(np.float64)
        return np.column_stack((log_expit(-z), log_expit(z)))


@dataclass(eq=False)
class MulticlassHead(_LabelHead):
    """Three or more classes: one logit per class, softmax cross-entropy.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm._heads import MulticlassHead
    >>> head = MulticlassHead(np.array([1, 2, 3]))
    >>> head.n_outputs, head.encode(np.array([3, 1]), np.ones(2))[0].tolist()
    (3, [2, 0])
    """

    name = "multiclass"
    classes: np.ndarray

    @property
    def n_outputs(self) -> int:
        return len(self.classes)

    def _targets(self, index):
        return index.astype(np.int64)

    def loss(self, outputs, target):
        return F.cross_entropy(outputs, target, reduction="none")

    def score(self, outputs, target, weight):
        return _weighted_accuracy(outputs.argmax(dim=1) == target, weight)

    def predict(self, outputs):
        return self.classes[outputs.argmax(axis=1)]

    def predict_proba(self, outputs):
        return softmax(outputs.astype(np.float64), axis=1)

    def predict_log_proba(self, outputs):
        return log_softmax(outputs.astype(np.float64), axis=1)


@dataclass(eq=False)
class MultilabelHead(TargetHead):
    """A 0/1 indicator matrix: one sigmoid per label, binary cross-entropy.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm._heads import MultilabelHead
    >>> head = MultilabelHead(n_labels=2)
    >>> head.predict(np.array([[1.0, -1.0]], np.float32)).tolist()
    [[1, 0]]
    """

    name = "multilabel"
    n_labels: int

    @property
    def n_outputs(self) -> int:
        return self.n_labels

    @property
    def classes(self) -> np.ndarray:
        return np.arange(self.n_labels)

    def fitted_attributes(self) -> dict:
        return {"classes_": self.classes, "n_outputs_": self.n_outputs}

    def encode(self, y, sample_weight, class_weight=None):
        if y.ndim != 2:
            raise ValueError(_KIND_CHANGED)
        if y.shape[1] != self.n_labels:
            raise ValueError(
                f"y has {y.shape[1]} labels, but the classifier was fitted "
                f"with {self.n_labels}."
            )
        return y.astype(np.float32), _class_weighted(sample_weight, class_weight, y)

    loss = BinaryHead.loss
    score = BinaryHead.score

    def predict(self, outputs):
        return (outputs > 0).astype(np.int64)

    def predict_proba(self, outputs):
        return expit(outputs.astype(np.float64))

    def predict_log_proba(self, outputs):
        return log_expit(outputs.astype(np.float64))


def check_partial_fit_classes(head: TargetHead | None, y, classes) -> None:
    """``classes`` of a ``partial_fit`` call, as MLPClassifier checks them.

    Required on the first call (``head`` None) for single-label ``y``; on later
    calls they must be those of the first.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm._heads import BinaryHead, check_partial_fit_classes
    >>> check_partial_fit_classes(BinaryHead(np.array([0, 1])), np.array([1]), [1, 0])
    """
    if head is None:
        if classes is None and y.ndim == 1:
            raise ValueError(
                "classes must be passed on the first call to partial_fit: every label "
                "that will ever appear, e.g. partial_fit(X, y, classes=[0, 1, 2])."
            )
        return
    known = getattr(head, "classes", None)
    if classes is not None and known is not None and y.ndim == 1:
        given = np.unique(column_or_1d(np.asarray(classes)))
        if not np.array_equal(given, known):
            raise ValueError(
                f"classes={given.tolist()} is not the same as on the first call to "
                f"partial_fit, was {known.tolist()}. Refit with fit() to change the classes."
            )


def choose_classification_head(y, sample_weight, classes=None) -> TargetHead:
    """The head for validated labels ``y`` (``classes``: all labels, for partial_fit).

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm._heads import choose_classification_head
    >>> type(choose_classification_head(np.array([0, 1, 2]), None)).__name__
    'MulticlassHead'
    """
    if y.ndim == 2:
        return MultilabelHead(n_labels=y.shape[1])
    if classes is not None:
        classes = np.unique(column_or_1d(np.asarray(classes)))
    else:
        classes = np.unique(y)
    if len(classes) < 2:
        raise ValueError(
            "LSTMClassifier needs samples of at least 2 classes in the data, "
            f"but the data contains only one class: {classes[0]!r}."
        )
    return BinaryHead(classes) if len(classes) == 2 else MulticlassHead(classes)
