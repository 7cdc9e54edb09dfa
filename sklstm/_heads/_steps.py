"""Per-step heads: a label or values at every time step, unlabelled steps masked.

The network's outputs are ``(batch, time, n_outputs)`` (``per_step=True``).
Targets are encoded as float32 ``(n, time, 2)`` for labels (class index, step
weight) and ``(n, time, 2 * n_outputs)`` for values (standardised value,
1/0 labelled): a step without a target has weight 0 and value 0, so
whatever y held there, the encoded targets — and the fit — are the same.

The loss of a sequence is the sum of its steps' losses divided by the mean
number of labelled steps per training sequence (``steps_per_sample``): a
batch's mean is then the mean over its labelled steps, exactly so for one
batch of equally weighted sequences.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.utils import column_or_1d
from sklearn.utils.class_weight import compute_sample_weight

from .._data._steps import StepTargets
from ._base import TargetHead
from ._classification import _class_weighted

__all__ = [
    "StepClassificationHead",
    "StepRegressionHead",
    "check_step_partial_fit",
    "choose_step_classification_head",
    "choose_step_regression_head",
]


def _steps_per_sample(targets: StepTargets) -> float:
    return max(len(targets.rows) / max(targets.n_samples, 1), 1e-12)


def _require_labelled(y: StepTargets) -> None:
    if not len(y.rows):
        raise ValueError(
            "y has no labelled step (every target is NaN, None or ignore_label, or at a "
            "padding step of X): there is nothing to learn from.")


def _cut(target: torch.Tensor, outputs: torch.Tensor) -> torch.Tensor:
    """The targets of the steps the batch's outputs cover (a batch is cut at its longest)."""
    return target[:, : outputs.shape[1]]


@dataclass(eq=False)
class StepClassificationHead(TargetHead):
    """One label per step from ``classes`` (softmax over them, two classes included).

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm._heads import StepClassificationHead
    >>> head = StepClassificationHead(np.array(["a", "b"]), steps_per_sample=2.0)
    >>> head.n_outputs, head.predict(np.array([[[0.0, 1.0], [2.0, 0.0]]], np.float32)).tolist()
    (2, [['b', 'a']])
    """

    name = "step_classification"
    classes: np.ndarray
    steps_per_sample: float

    @property
    def n_outputs(self) -> int:
        return len(self.classes)

    def fitted_attributes(self) -> dict:
        return {"classes_": self.classes, "n_outputs_": 1}

    def check_labels(self, labels: np.ndarray, name: str = "y") -> None:
        unseen = np.setdiff1d(np.unique(labels), self.classes) if len(labels) else []
        if len(unseen):
            raise ValueError(
                f"{name} contains labels {list(unseen)} that are not in classes_ "
                f"{self.classes.tolist()}. Pass every label in `classes` on the first "
                "partial_fit call, or refit on data with every label."
            )

    def encode(self, y: StepTargets, sample_weight, class_weight=None):
        _require_labelled(y)
        self.check_labels(y.values)
        weight = np.ones(len(y.values))
        if class_weight is not None:
            # the sequence heads' checks, on the labelled steps and their sequences' weights
            _class_weighted(sample_weight[y.rows], class_weight, y.values, self.classes)
            weight = compute_sample_weight(class_weight, y.values)  # the loss's step weights
        target = np.zeros((y.n_samples, y.n_steps, 2), dtype=np.float32)
        target[y.rows, y.steps, 0] = np.searchsorted(self.classes, y.values)
        target[y.rows, y.steps, 1] = weight
        return target, sample_weight

    def loss(self, outputs, target):
        target = _cut(target, outputs)
        step_loss = F.cross_entropy(
            outputs.transpose(1, 2), target[..., 0].long(), reduction="none"
        )
        return (step_loss * target[..., 1]).sum(dim=1) / self.steps_per_sample

    def score(self, outputs, target, weight):
        """Accuracy over the labelled steps, sequences weighted by ``weight``."""
        target = _cut(target, outputs)
        labelled = (target[..., 1] > 0).double() * weight.double()[:, None]
        correct = (outputs.argmax(dim=2) == target[..., 0].long()).double()
        return float((correct * labelled).sum() / labelled.sum().clamp_min(1e-300))

    def predict(self, outputs):
        return self.classes[outputs.argmax(axis=2)]

    def predict_proba(self, outputs):
        # in float64 as the sequence heads' scipy softmax, but PyTorch's is 2x faster
        return torch.softmax(torch.from_numpy(outputs).double(), dim=2).numpy()

    def predict_log_proba(self, outputs):
        return torch.log_softmax(torch.from_numpy(outputs).double(), dim=2).numpy()


@dataclass(eq=False)
class StepRegressionHead(TargetHead):
    """``len(mean)`` values per step, trained standardised; NaN elements masked.

    ``ndim`` is the dimension of one sequence's targets at fit: per-step
    predictions are 1D per sequence exactly when it was 1.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm._heads import StepRegressionHead
    >>> head = StepRegressionHead(np.array([10.0]), np.array([2.0]), 1, steps_per_sample=3.0)
    >>> head.predict(np.array([[[0.0], [1.0]]], np.float32)).tolist()
    [[10.0, 12.0]]
    """

    name = "step_regression"
    mean: np.ndarray
    scale: np.ndarray
    ndim: int
    steps_per_sample: float

    @property
    def n_outputs(self) -> int:
        return len(self.mean)

    def encode(self, y: StepTargets, sample_weight, class_weight=None):
        _require_labelled(y)
        k = self.n_outputs
        values = y.values.reshape(len(y.values), -1)
        if values.shape[1] != k:
            raise ValueError(
                f"y has {values.shape[1]} outputs per step, but the regressor was fitted "
                f"with {k}.")
        labelled = ~np.isnan(values)
        target = np.zeros((y.n_samples, y.n_steps, 2 * k), dtype=np.float32)
        target[y.rows, y.steps, :k] = np.where(labelled, (values - self.mean) / self.scale, 0.0)
        target[y.rows, y.steps, k:] = labelled
        return target, sample_weight

    def loss(self, outputs, target):
        target = _cut(target, outputs)
        k = self.n_outputs
        squared = (outputs - target[..., :k]) ** 2 * target[..., k:]
        return squared.sum(dim=(1, 2)) / (self.steps_per_sample * k)

    def score(self, outputs, target, weight):
        """R² over the labelled steps, per output then averaged (as ``r2_score``)."""
        target = _cut(target, outputs).double()
        k = self.n_outputs
        w = target[..., k:] * weight.double()[:, None, None]
        values, outputs = target[..., :k], outputs.double()
        total = w.sum(dim=(0, 1)).clamp_min(1e-300)
        mean = (w * values).sum(dim=(0, 1)) / total
        ss_res = (w * (values - outputs) ** 2).sum(dim=(0, 1))
        ss_tot = (w * (values - mean) ** 2).sum(dim=(0, 1))
        return float((1 - ss_res / ss_tot.clamp_min(1e-12)).mean())

    def predict(self, outputs):
        y = outputs.astype(np.float64) * self.scale + self.mean
        return y[..., 0] if self.ndim == 1 else y


def choose_step_classification_head(y: StepTargets, sample_weight, classes=None):
    """The head for the labelled steps of ``y`` (``classes``: all labels, for partial_fit)."""
    if classes is not None:
        classes = np.unique(column_or_1d(np.asarray(classes)))
    else:
        classes = np.unique(y.values)
    if len(classes) < 2:
        found = "no labelled step" if not len(classes) else f"only one class: {classes[0]!r}"
        raise ValueError(
            "LSTMStepClassifier needs labelled steps of at least 2 classes in the data, "
            f"but the data contains {found}.")
    return StepClassificationHead(classes, _steps_per_sample(y))


def choose_step_regression_head(y: StepTargets, sample_weight, classes=None):
    """The head for the labelled steps of ``y``: weighted mean and std of each output."""
    _require_labelled(y)
    values = y.values.reshape(len(y.values), -1)
    weights = sample_weight[y.rows][:, None] * ~np.isnan(values)
    filled = np.nan_to_num(values)
    total = weights.sum(axis=0)
    if (total == 0).any():
        raise ValueError("An output of y has no labelled step (all NaN): nothing to learn.")
    mean = (weights * filled).sum(axis=0) / total
    var = (weights * (filled - mean) ** 2).sum(axis=0) / total
    scale = np.sqrt(var)
    scale = np.where(scale > 1e-12 * np.maximum(np.abs(mean), 1), scale, 1.0)
    return StepRegressionHead(mean, scale, y.ndim, _steps_per_sample(y))


def check_step_partial_fit(head, y, classes) -> None:
    """``classes`` of a per-step ``partial_fit`` call: required first, then the same."""
    if head is None:
        if classes is None:
            raise ValueError(
                "classes must be passed on the first call to partial_fit: every label "
                "that will ever appear, e.g. partial_fit(X, y, classes=[0, 1, 2]).")
        return
    if classes is not None:
        given = np.unique(column_or_1d(np.asarray(classes)))
        if not np.array_equal(given, head.classes):
            raise ValueError(
                f"classes={given.tolist()} is not the same as on the first call to "
                f"partial_fit, was {head.classes.tolist()}. Refit with fit() to change "
                "the classes.")
