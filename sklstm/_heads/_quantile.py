"""The quantile head: several steps ahead, several quantiles each, pinball loss."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from ._base import HeadFamily, TargetHead

__all__ = ["QuantileHead", "draw_from_quantiles", "quantile_family"]


@dataclass(eq=False)
class QuantileHead(TargetHead):
    """``horizon`` steps ahead, each as the ``quantiles`` of its distribution.

    The network emits ``horizon * len(quantiles)`` outputs; the loss is the
    pinball (quantile) loss averaged over quantiles and over the observed
    steps of each target (a NaN target step is left out). Targets arrive
    already scaled (the forecaster scales each window); predictions are the
    scaled quantiles, sorted so that they never cross.

    Examples
    --------
    >>> import numpy as np, torch
    >>> from sklstm._heads import QuantileHead
    >>> head = QuantileHead(quantiles=np.array([0.1, 0.5, 0.9]), horizon=2)
    >>> target, _ = head.encode(np.array([[1.0, np.nan]]), np.ones(1))
    >>> target.tolist()
    [[1.0, 0.0, 1.0, 0.0]]
    >>> float(head.loss(torch.zeros(1, 6), torch.tensor(target))[0])  # mean of 0.1, 0.5, 0.9
    0.5
    >>> head.predict(np.array([[3, 1, 2, 0, 0, 0]], np.float32))[0, 0].tolist()
    [1.0, 2.0, 3.0]
    """

    name = "quantile"
    quantiles: np.ndarray
    horizon: int
    #: Mean observed steps per target (early stopping counts them as samples).
    steps_per_sample: float = 1.0

    @property
    def n_outputs(self) -> int:
        return int(self.horizon) * len(self.quantiles)

    def encode(self, y, sample_weight, class_weight=None):
        y = np.asarray(y, dtype=np.float64).reshape(len(y), -1)
        if y.shape[1] != self.horizon:
            raise ValueError(f"targets span {y.shape[1]} steps, the head {self.horizon}.")
        observed = np.isfinite(y)
        target = np.concatenate([np.where(observed, y, 0.0), observed], axis=1)
        return target.astype(np.float32), sample_weight

    def _pinball(self, outputs, target):
        H = int(self.horizon)
        taus = torch.as_tensor(np.asarray(self.quantiles), dtype=outputs.dtype,
                               device=outputs.device)
        predicted = outputs.reshape(len(outputs), H, len(taus))
        value, observed = target[:, :H], target[:, H:]
        diff = value[:, :, None] - predicted
        pinball = torch.maximum(taus * diff, (taus - 1) * diff).mean(dim=2)
        return (pinball * observed).sum(dim=1), observed.sum(dim=1)

    def loss(self, outputs, target):
        total, count = self._pinball(outputs, target)
        return total / count.clamp_min(1.0)

    def score(self, outputs, target, weight):
        """Minus the mean pinball loss over observed steps (higher is better)."""
        total, count = self._pinball(outputs.double(), target.double())
        weight = weight.double()
        return float(-(weight * total).sum() / (weight * count).sum().clamp_min(1e-12))

    def predict(self, outputs):
        H = int(self.horizon)
        quantiles = outputs.astype(np.float64).reshape(len(outputs), H, len(self.quantiles))
        return np.sort(quantiles, axis=2)


def quantile_family(quantiles, horizon: int) -> HeadFamily:
    """The head family of a forecaster: targets checked as float, one QuantileHead."""
    quantiles = np.asarray(quantiles, dtype=np.float64)
    return HeadFamily(
        validate=lambda estimator, X, y, sequences: np.asarray(y, dtype=np.float64),
        choose=lambda y, sample_weight, classes: QuantileHead(
            quantiles, int(horizon), float(np.isfinite(y).sum(axis=1).mean())),
        heads=(QuantileHead,),
    )


def draw_from_quantiles(quantiles: np.ndarray, levels: np.ndarray, rng) -> np.ndarray:
    """One draw per row from the distribution its sorted ``quantiles`` at ``levels`` describe.

    The quantile function is linear between levels; draws stay within the
    outermost levels.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm._heads import draw_from_quantiles
    >>> q = np.tile([0.0, 1.0, 2.0], (1000, 1))
    >>> draws = draw_from_quantiles(q, np.array([0.1, 0.5, 0.9]), np.random.default_rng(0))
    >>> bool(draws.min() >= 0 and draws.max() <= 2 and abs(np.median(draws) - 1) < 0.1)
    True
    """
    u = rng.uniform(levels[0], levels[-1], size=len(quantiles))
    upper = np.clip(np.searchsorted(levels, u), 1, len(levels) - 1)
    lower = upper - 1
    weight = (u - levels[lower]) / (levels[upper] - levels[lower])
    rows = np.arange(len(quantiles))
    return quantiles[rows, lower] + weight * (quantiles[rows, upper] - quantiles[rows, lower])
