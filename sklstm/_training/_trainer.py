"""The training loop: batch → forward → loss → backward → clip → step → epoch end.

:class:`Trainer` takes a network, an optimizer, a per-sample loss, tensors
and settings. It knows nothing about classifiers, regressors or
scikit-learn: an estimator hands it its target head's loss and, for
validation, its score. Each step is a method, so that a subclass can replace
one of them (another loss, a hook per batch) and keep the rest; when to stop
and the learning rate are policy objects (``_policies``).
"""

from __future__ import annotations

import math
import time
import warnings
from dataclasses import dataclass
from typing import Callable

import torch
from torch import nn

from ._history import TrainingHistory
from ._policies import ConstantSchedule, StoppingRule
from ._progress import ProgressReporter
from ._tensors import TensorData, snapshot

__all__ = [
    "Trainer",
    "TrainingSettings",
    "batch_indices",
    "clip_gradients",
    "predict_outputs",
]

LossFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
ScoreFn = Callable[[torch.Tensor, torch.Tensor, torch.Tensor], float]


@dataclass
class TrainingSettings:
    """How to train, besides the policies; the estimator fills it from its parameters.

    Examples
    --------
    >>> from sklstm.training import TrainingSettings
    >>> TrainingSettings(max_iter=5, batch_size=32, clip_grad_norm=1.0).shuffle
    True
    """

    max_iter: int
    batch_size: int
    shuffle: bool = True
    clip_grad_norm: float | None = None
    verbose: int = 0
    predict_batch_size: int = 4096


class Diverged(Exception):
    """A batch's loss, or the weights after an epoch, were not finite (handled by ``fit``)."""

    def __init__(self, where: str):
        super().__init__(where)
        self.where = where


def predict_outputs(module: nn.Module, data: TensorData, batch_size: int) -> torch.Tensor:
    """Network outputs for all rows of ``data``, in eval mode, without autograd.

    Sequences of different lengths are predicted in order of length (each
    batch cut at its longest sequence) and returned in their original order;
    per-step outputs ``(n, time, n_outputs)`` are padded with zeros to the
    full time length of ``data``.

    Examples
    --------
    >>> import torch
    >>> from sklstm.nn import RecurrentNetwork
    >>> from sklstm._training import TensorData, predict_outputs
    >>> net = RecurrentNetwork(input_size=1, output_size=2, hidden_size=4)
    >>> predict_outputs(net, TensorData(torch.zeros(5, 3, 1), None), batch_size=2).shape
    torch.Size([5, 2])
    """
    order = None
    if data.lengths is not None and len(data) > batch_size:
        order = torch.argsort(data.lengths, stable=True)
    was_training = module.training
    if was_training:  # a fitted network is in eval mode already (Trainer.fit)
        module.eval()
    try:
        with torch.inference_mode():
            outputs = []
            for start in range(0, len(data), batch_size):
                rows = slice(start, start + batch_size)
                if order is not None:
                    rows = order[rows]
                outputs.append(module(*data.batch(rows)[:2]))
    finally:
        if was_training:
            module.train()
    if outputs[0].dim() == 3:  # per-step outputs: each batch was cut at its longest sequence
        steps = data.X.shape[1]
        outputs = [torch.nn.functional.pad(o, (0, 0, 0, steps - o.shape[1])) for o in outputs]
    outputs = outputs[0] if len(outputs) == 1 else torch.cat(outputs)
    if order is not None:
        outputs = outputs[torch.argsort(order.to(outputs.device))]
    return outputs


def clip_gradients(parameters, max_norm: float) -> torch.Tensor:
    """Scale gradients to a global L2 norm of at most ``max_norm``; return the norm.

    The same rule as ``torch.nn.utils.clip_grad_norm_`` (factor
    ``max_norm / (norm + 1e-6)`` when below 1, the same norm to the bit)
    with one multiply for all gradients; on the CPU, gradients within
    the bound are not touched (no multiply at all).

    Examples
    --------
    >>> import torch
    >>> from sklstm._training import clip_gradients
    >>> w = torch.zeros(2, requires_grad=True)
    >>> w.grad = torch.tensor([3.0, 4.0])
    >>> float(clip_gradients([w], 1.0)), [round(g, 4) for g in w.grad.tolist()]
    (5.0, [0.6, 0.8])
    """
    grads = [p.grad for p in parameters if p.grad is not None]
    if not grads:
        return torch.tensor(0.0)
    # the norm of the per-tensor norms, as PyTorch: no copy of the gradients
    norm = torch.linalg.vector_norm(torch.stack(torch._foreach_norm(grads)))
    factor = max_norm / (norm + 1e-6)  # in the gradients' precision, as PyTorch
    if norm.device.type == "cpu":  # reading the factor costs nothing here
        if factor.item() < 1.0:
            torch._foreach_mul_(grads, factor)
    else:  # no host synchronisation on an accelerator
        torch._foreach_mul_(grads, torch.clamp(factor, max=1.0))
    return norm


def batch_indices(n: int, size: int, shuffle: bool, generator, lengths=None) -> list:
    """The batches of one epoch: slices in order, or shuffled index tensors.

    With ``lengths`` (sequences of different lengths), shuffled batches group
    similar lengths: the shuffled rows are sorted by length within pools of 50
    batches and the batches are then shuffled, so that each batch wastes
    little padding while the epoch stays random.

    Examples
    --------
    >>> from sklstm._training import batch_indices
    >>> batch_indices(5, 2, shuffle=False, generator=None)
    [slice(0, 2, None), slice(2, 4, None), slice(4, 5, None)]
    """
    if not shuffle:
        return [slice(start, min(start + size, n)) for start in range(0, n, size)]
    order = torch.randperm(n, generator=generator)
    if lengths is None:
        return list(order.split(size))
    pool = size * 50
    batches = []
    for chunk in order.split(pool):
        batches.extend(chunk[torch.argsort(lengths[chunk], stable=True)].split(size))
    return [batches[i] for i in torch.randperm(len(batches), generator=generator)]


class Trainer:
    """Train a network for up to ``settings.max_iter`` epochs, one named step at a time.

    ``fit`` runs the epochs; each epoch runs :meth:`train_step` on every
    batch of :meth:`batches` (:meth:`prepare_batch` → :meth:`forward` → :meth:`compute_loss` →
    :meth:`backward` → :meth:`clip` → :meth:`step`), then :meth:`validate`
    (with validation data) and :meth:`end_epoch` (history, progress, best
    weights, stopping and the schedule). Override any of them in a subclass;
    an estimator uses its ``trainer_class``.

    Stopping follows scikit-learn's MLP (:class:`StoppingRule`); on a plateau
    the ``schedule`` may lower the learning rate instead (``PlateauSchedule``).
    The weights of the epoch of lowest validation loss (with validation) or of
    lowest training loss (without) are restored at the end: at a learning rate
    that trains fast, the loss of a small set can jump up after its best epoch
    and not come back within the patience. A non-finite loss stops at once,
    restores the weights and optimizer state of the last good epoch and raises
    ``ValueError``.
    ``KeyboardInterrupt`` ends training with a warning, leaving a usable
    model. The module is left in eval mode.

    Parameters
    ----------
    module : torch.nn.Module
        The network: ``module(X, lengths)`` gives a batch's outputs.
    optimizer : torch.optim.Optimizer
        The optimizer over the module's parameters.
    loss_fn : callable
        ``loss_fn(outputs, target)``: the loss of each sample, shape (batch,).
    settings : TrainingSettings
        Epochs, batch size, shuffling, clipping, verbosity.
    history : TrainingHistory
        Where epochs are recorded (kept across calls).
    generator : torch.Generator
        Draws the shuffling.
    score_fn : callable, default=None
        ``score_fn(outputs, target, weight)``: the validation score (higher
        is better); needed with validation data.
    stopping : StoppingRule, default=None
        When to stop; by default ``tol=1e-4``, ``n_iter_no_change=10``.
    schedule : ConstantSchedule, default=None
        The learning-rate schedule; by default constant.

    Examples
    --------
    A trainer whose loss is the absolute error, used as an estimator's:

    >>> import numpy as np
    >>> from sklstm import LSTMRegressor
    >>> from sklstm.training import Trainer
    >>> class L1Trainer(Trainer):
    ...     def compute_loss(self, outputs, target, weight):
    ...         loss = (outputs - target).abs().mean(dim=1)
    ...         return loss.mean() if weight is None else (loss * weight).mean()
    >>> class L1Regressor(LSTMRegressor):
    ...     trainer_class = L1Trainer
    >>> X = np.random.RandomState(0).normal(size=(20, 5, 1))
    >>> reg = L1Regressor(hidden_size=4, max_iter=3, random_state=0).fit(X, X[:, -1, 0])
    >>> reg.n_iter_
    3
    """

    def __init__(
        self,
        module: nn.Module,
        optimizer: torch.optim.Optimizer,
        loss_fn: LossFn,
        *,
        settings: TrainingSettings,
        history: TrainingHistory,
        generator: torch.Generator,
        score_fn: ScoreFn | None = None,
        stopping: StoppingRule | None = None,
        schedule: ConstantSchedule | None = None,
    ) -> None:
        self.module = module
        self.optimizer = optimizer
        self.loss_fn = loss_fn
        self.settings = settings
        self.history = history
        self.generator = generator
        self.score_fn = score_fn
        self.stopping = stopping or StoppingRule(tol=1e-4, n_iter_no_change=10)
        self.schedule = schedule or ConstantSchedule()
        self.reporter = None
        self.best_state = None
        self.validating = False

    # -- one batch -----------------------------------------------------------------
    def prepare_batch(self, data: TensorData, index):
        """The batch at ``index``: (X, lengths, target, weight) on the device."""
        return data.batch(index)

    def forward(self, X: torch.Tensor, lengths: torch.Tensor | None) -> torch.Tensor:
        """The network's outputs for a batch."""
        return self.module(X, lengths)

    def compute_loss(self, outputs, target, weight) -> torch.Tensor:
        """The batch loss: the weighted mean of ``loss_fn``'s per-sample losses."""
        loss = self.loss_fn(outputs, target)
        return (loss if weight is None else loss * weight).mean()

    def backward(self, loss: torch.Tensor) -> None:
        """Gradients of the batch loss."""
        loss.backward()

    def clip(self) -> None:
        """Clip the gradients' global norm to ``settings.clip_grad_norm`` (if set)."""
        if self.settings.clip_grad_norm is not None:
            clip_gradients(self._parameters, self.settings.clip_grad_norm)

    def step(self) -> None:
        """Update the weights."""
        self.optimizer.step()

    def train_step(self, batch) -> torch.Tensor:
        """One batch: zero gradients, forward, loss, backward, clip, step; the loss."""
        X, lengths, target, weight = batch
        self.optimizer.zero_grad(set_to_none=True)
        loss = self.compute_loss(self.forward(X, lengths), target, weight)
        self.backward(loss)
        self.clip()
        self.step()
        return loss.detach()

    # -- one epoch -----------------------------------------------------------------
    def batches(self, data: TensorData) -> list:
        """The row indices of each batch of one epoch (:func:`batch_indices`)."""
        settings = self.settings
        return batch_indices(
            len(data), settings.batch_size, settings.shuffle, self.generator, data.lengths
        )

    def run_epoch(self, data: TensorData) -> float:
        """One pass over ``data``; the weighted mean training loss.

        Raises :class:`Diverged` at the first batch whose loss is not finite.
        """
        self.module.train()
        total = 0.0
        for number, index in enumerate(self.batches(data), start=1):
            batch = self.prepare_batch(data, index)
            loss = self.train_step(batch).item()
            if not math.isfinite(loss):
                raise Diverged(f"batch {number}: the loss became {loss}")
            total += loss * len(batch[0])
        return total / len(data)

    def check_weights(self) -> None:
        """Raise :class:`Diverged` when a weight is no longer finite (after an epoch)."""
        norms = torch._foreach_norm([p.detach() for p in self._parameters])
        if not bool(torch.isfinite(torch.stack(norms)).all()):
            raise Diverged("its last step: the weights became non-finite")

    def validate(self, data: TensorData) -> tuple[float, float]:
        """Validation loss and score (``score_fn``) of the whole of ``data``."""
        outputs = predict_outputs(self.module, data, self.settings.predict_batch_size)
        weight = data.weight
        if weight is None:
            weight = torch.ones(len(data), device=outputs.device)
        loss = float(self.compute_loss(outputs, data.y, weight))
        return loss, self.score_fn(outputs, data.y, weight)

    def end_epoch(self, record: dict) -> bool:
        """Record the epoch, keep the best weights, report; whether to stop now.

        ``record`` is the epoch's row of the history (``valid_loss`` and
        ``valid_score`` are NaN when ``fit`` was given no validation data).
        """
        history = self.history
        if self.validating:
            _, is_best = self.stopping.update(
                history, record["train_loss"],
                valid_loss=record["valid_loss"], valid_score=record["valid_score"],
            )
        else:
            _, is_best = self.stopping.update(history, record["train_loss"])
        if is_best:
            history.best_epoch = record["epoch"]
            self.best_state = snapshot(self.module.state_dict())
        history.records.append(record)
        self.reporter.epoch(record, is_best)
        if not self.stopping.exhausted(history):
            return False
        new_rate = self.schedule.on_plateau(self.optimizer, record["learning_rate"])
        if new_rate is not None:
            history.no_improvement_count = 0
            self.reporter.note(f"Plateau: learning rate reduced to {new_rate:.2e}.")
            return False
        if not self.stopping.stop:
            return False
        self.reporter.note(f"Stopping: {self.stopping.describe()}.")
        return True

    def _divergence_message(self, exc: Diverged) -> str:
        remedies = ["a lower learning_rate_init"]
        if self.settings.clip_grad_norm is None:
            remedies.append("gradient clipping (clip_grad_norm=1.0)")
        elif self.settings.clip_grad_norm > 1.0:
            remedies.append("a lower clip_grad_norm")
        remedies.append("scaling the inputs (e.g. StandardScaler)")
        return (
            f"Training diverged in epoch {self.history.n_iter + 1}, {exc.where}. The "
            "weights and optimizer state from the end of the previous epoch were "
            f"restored. Try {', '.join(remedies)}, or check X and y for extreme values."
        )

    # -- the loop ------------------------------------------------------------------
    def fit(self, train: TensorData, validation: TensorData | None = None) -> bool:
        """Train for up to ``settings.max_iter`` epochs; return whether it stopped early."""
        history, module, optimizer = self.history, self.module, self.optimizer
        self._parameters = list(module.parameters())
        self.best_state = None
        self.validating = validation is not None
        self.stopping.start(history, validating=self.validating)
        self.reporter = ProgressReporter(self.settings.verbose, self.settings.max_iter)
        stopped = False
        try:
            for epoch_in_call in range(self.settings.max_iter):
                self.schedule.epoch_start(optimizer, epoch_in_call)
                started = time.perf_counter()
                good = (snapshot(module.state_dict()), snapshot(optimizer.state_dict()))
                try:
                    loss = self.run_epoch(train)
                    self.check_weights()
                except Diverged as exc:
                    module.load_state_dict(good[0])
                    optimizer.load_state_dict(good[1])
                    history.best_epoch = None  # the last good epoch's weights, not the best
                    raise ValueError(self._divergence_message(exc)) from None
                record = {
                    "epoch": history.n_iter + 1,
                    "train_loss": loss,
                    "valid_loss": math.nan,
                    "valid_score": math.nan,
                    "learning_rate": optimizer.param_groups[0]["lr"],
                }
                if validation is not None:
                    record["valid_loss"], record["valid_score"] = self.validate(validation)
                record["seconds"] = time.perf_counter() - started
                if self.end_epoch(record):
                    stopped = True
                    break
        except KeyboardInterrupt:
            warnings.warn(
                f"Training interrupted by user after {history.n_iter} epochs; the "
                "model keeps the weights of its best epoch so far.",
                UserWarning,
                stacklevel=3,
            )
            stopped = True
        finally:
            self.reporter.close()
            module.eval()  # ready for inference, also after a divergence error
        if self.best_state is not None:
            module.load_state_dict(self.best_state)
        return stopped
