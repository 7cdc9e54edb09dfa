"""The regression head: standardised targets, squared error, R²."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._base import TargetHead

__all__ = ["RegressionHead", "choose_regression_head"]


@dataclass(eq=False)
class RegressionHead(TargetHead):
    """One or several real outputs, trained standardised (weighted mean and std).

    ``ndim`` is the dimension of ``y`` at fit: predictions are 1D exactly
    when it was 1.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm._heads import choose_regression_head
    >>> head = choose_regression_head(np.array([10.0, 20.0, 30.0]), np.ones(3))
    >>> [round(float(v), 4) for v in head.encode(np.array([10.0, 30.0]), np.ones(2))[0].ravel()]
    [-1.2247, 1.2247]
    >>> head.predict(np.array([[0.0]], np.float32)).tolist()
    [20.0]
    """

    name = "regression"
    mean: np.ndarray
    scale: np.ndarray
    ndim: int

    @property
    def n_outputs(self) -> int:
        return len(self.mean)

    def encode(self, y, sample_weight, class_weight=None):
        y2d = y.reshape(len(y), -1)
        if y2d.shape[1] != self.n_outputs:
            raise ValueError(
                f"y has {y2d.shape[1]} outputs, but the regressor was fitted "
                f"with {self.n_outputs}."
            )
        return ((y2d - self.mean) / self.scale).astype(np.float32), sample_weight

    def loss(self, outputs, target):
        return ((outputs - target) ** 2).mean(dim=1)

    def score(self, outputs, target, weight):
        """Weighted R² averaged over outputs (invariant to the standardisation)."""
        weight, target, outputs = weight.double(), target.double(), outputs.double()
        w = weight[:, None]
        mean = (w * target).sum(0) / weight.sum()
        ss_res = (w * (target - outputs) ** 2).sum(0)
        ss_tot = (w * (target - mean) ** 2).sum(0)
        r2 = 1 - ss_res / ss_tot.clamp_min(1e-12)
        return float(r2.mean())

    def predict(self, outputs):
        y = outputs.astype(np.float64) * self.scale + self.mean
        return y[:, 0] if self.ndim == 1 else y


def choose_regression_head(y, sample_weight, classes=None) -> RegressionHead:
    """The head for validated float64 targets ``y`` (1D or 2D) and their weights."""
    y2d = y.reshape(len(y), -1)
    mean = np.average(y2d, axis=0, weights=sample_weight)
    var = np.average((y2d - mean) ** 2, axis=0, weights=sample_weight)
    scale = np.sqrt(var)
    scale = np.where(scale > 1e-12 * np.maximum(np.abs(mean), 1), scale, 1.0)
    return RegressionHead(mean=mean, scale=scale, ndim=y.ndim)
