"""The interface every target head implements, and the families estimators choose from."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Callable, ClassVar

import numpy as np
import torch

__all__ = ["HeadFamily", "TargetHead"]


class TargetHead:
    """What differs between kinds of target, in one small object.

    A head is made at fit from the training targets (a family's ``choose``)
    and kept by the estimator as ``_head``. It owns, for its kind: encoding
    ``y`` (and sample/class weights) into the network's targets, the number
    of network outputs, the per-sample loss, the validation score,
    stratification of the validation split, and decoding network outputs
    into predictions. Heads are dataclasses of plain values (arrays, ints,
    strings), so that pickling and model files store them as they are.

    A new kind of target is a new subclass registered in ``HEADS``
    (``sklstm/_heads/__init__.py``) and a family that chooses it; nothing else
    changes.
    """

    #: The head's name in model files (the key of ``HEADS``).
    name: ClassVar[str] = ""

    @property
    def n_outputs(self) -> int:
        """Outputs of the network's final layer."""
        raise NotImplementedError

    def fitted_attributes(self) -> dict:
        """The public fitted attributes the estimator publishes (``n_outputs_``...)."""
        return {"n_outputs_": self.n_outputs}

    def encode(self, y, sample_weight, class_weight=None):
        """Validated ``y`` as the network's targets, and the sample weights to use.

        Raises ValueError when ``y`` does not fit this head (labels never seen,
        another number of outputs...).
        """
        raise NotImplementedError

    def loss(self, outputs: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """Loss of each sample, shape (batch,)."""
        raise NotImplementedError

    def score(self, outputs: torch.Tensor, target: torch.Tensor, weight: torch.Tensor) -> float:
        """Validation score of encoded targets (higher is better)."""
        raise NotImplementedError

    def stratify(self, target: np.ndarray) -> np.ndarray | None:
        """Labels to stratify the validation split by, or None."""
        return None

    def predict(self, outputs: np.ndarray) -> np.ndarray:
        """Predictions from the network's float32 outputs (n, n_outputs)."""
        raise NotImplementedError

    def state(self) -> dict:
        """The head's fields (what model files store)."""
        return {field.name: getattr(self, field.name) for field in dataclasses.fields(self)}


@dataclass(frozen=True)
class HeadFamily:
    """How an estimator validates its targets and chooses a head at fit.

    ``validate(estimator, X, y, sequences)`` returns the checked ``y`` (a
    data-layer function; ``sequences``: X validated, for targets that follow
    X's steps); ``choose(y, sample_weight, classes)`` returns a new head for
    it; ``check_partial_fit(head, y, classes)`` checks the ``classes`` of a
    ``partial_fit`` call (``head``: None on the first call). ``heads``: the
    head classes ``choose`` may return (what a model file may hold).
    """

    validate: Callable
    choose: Callable
    heads: tuple = ()
    check_partial_fit: Callable = lambda head, y, classes: None
