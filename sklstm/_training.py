"""The training loop: batch → forward → loss → backward → clip → step → epoch end.

It takes a network, tensors and settings. It knows nothing about classifiers,
regressors or scikit-learn: the estimator hands it a per-sample loss function
and, for validation, a score function. Each step is a small function so that
it can be read (and replaced) on its own.
"""

from __future__ import annotations

import math
import time
import warnings
from dataclasses import dataclass, field
from typing import Callable

import torch
from torch import nn

from ._optim import MIN_LEARNING_RATE, PLATEAU_FACTOR, cosine_learning_rate
from ._progress import ProgressReporter

__all__ = [
    "TensorData",
    "clip_gradients",
    "map_tensors",
    "batch_indices",
    "TrainingHistory",
    "TrainingSettings",
    "predict_outputs",
    "train_epochs",
]

LossFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
ScoreFn = Callable[[torch.Tensor, torch.Tensor, torch.Tensor], float]


@dataclass
class TensorData:
    """Sequences as tensors on the training device; batches are slices of them.

    ``lengths`` lives on the CPU (``pack_padded_sequence`` wants it there) and
    is ``None`` when no sequence is padded. ``weight`` is normalised to mean 1,
    so a batch loss is ``mean(weight * loss)``; ``None`` means equal weights. ``device`` is where batches
    are computed; when ``X`` is elsewhere (data too large for the GPU), each
    batch is gathered on the host and copied over through pinned memory.
    """

    X: torch.Tensor
    lengths: torch.Tensor | None
    y: torch.Tensor | None = None
    weight: torch.Tensor | None = None
    device: torch.device | None = None

    def __len__(self) -> int:
        return self.X.shape[0]

    def batch(self, index):
        """Rows ``index`` (a slice, or an int64 index tensor on the CPU).

        With lengths, the time axis is cut at the batch's longest sequence.
        """
        lengths = None if self.lengths is None else self.lengths[index]
        rows = _on(index, self.X.device)
        X = self.X[rows]
        if lengths is not None:
            X = X[:, : int(lengths.max())]
        if self.device is not None and X.device != self.device:
            if self.device.type == "cuda":
                X = X.pin_memory()  # page-locked, so the copy runs asynchronously
            X = X.to(self.device, non_blocking=True)
        targets = self.y if self.y is not None else self.weight
        if targets is not None:  # y and weight live together on the training device
            rows = _on(rows, targets.device)
        y = None if self.y is None else self.y[rows]
        w = None if self.weight is None else self.weight[rows]
        return X, lengths, y, w


def _on(index, device: torch.device):
    """A row index usable on ``device`` (slices are; index tensors are moved)."""
    if isinstance(index, torch.Tensor) and index.device != device:
        return index.to(device, non_blocking=True)
    return index


@dataclass
class TrainingSettings:
    """How to train; the estimator fills it from its parameters."""

    max_iter: int
    batch_size: int
    shuffle: bool = True
    tol: float = 1e-4
    n_iter_no_change: int = 10
    stop_on_plateau: bool = True
    learning_rate: str = "constant"  # "constant", "plateau" or "cosine"
    learning_rate_init: float = 1e-3
    cosine_epochs: int = 0  # epochs of the cosine schedule; 0 means max_iter
    epoch_offset: int = 0  # where this call starts in the cosine schedule
    clip_grad_norm: float | None = None
    verbose: int = 0
    predict_batch_size: int = 4096


@dataclass
class TrainingHistory:
    """What the loop records; it survives ``warm_start`` and ``partial_fit``.

    ``records`` holds one dict per epoch: epoch, train_loss, valid_loss,
    valid_score, learning_rate, seconds (NaN where there is no validation).
    ``best_epoch`` is the epoch (as numbered in ``records``) whose weights the
    last call restored: the best-scoring epoch of its validation. It is None
    when the last call had no validation, or restored nothing (it diverged, or
    no epoch scored), since the weights are then those of the last epoch.
    """

    records: list = field(default_factory=list)
    best_loss: float = math.inf
    best_validation_score: float = -math.inf
    no_improvement_count: int = 0
    best_epoch: int | None = None

    @property
    def n_iter(self) -> int:
        return len(self.records)


class _Diverged(Exception):
    def __init__(self, batch: int, loss: float):
        self.batch, self.loss = batch, loss


def predict_outputs(module: nn.Module, data: TensorData, batch_size: int) -> torch.Tensor:
    """Network outputs for all rows of ``data``, in eval mode, without autograd.

    Sequences of different lengths are predicted in order of length (each
    batch cut at its longest sequence) and returned in their original order.
    """
    order = None
    if data.lengths is not None and len(data) > batch_size:
        order = torch.argsort(data.lengths, stable=True)
    was_training = module.training
    if was_training:  # a fitted network is in eval mode already (train_epochs)
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
    outputs = outputs[0] if len(outputs) == 1 else torch.cat(outputs)
    if order is not None:
        outputs = outputs[torch.argsort(order.to(outputs.device))]
    return outputs


def map_tensors(fn, obj):
    """``obj`` (a state dict, possibly nested in dicts/lists) with ``fn`` applied to its tensors.

    Examples
    --------
    >>> import torch
    >>> from sklstm._training import map_tensors
    >>> map_tensors(lambda t: t * 2, {"a": [torch.tensor(1.0)], "lr": 0.1})
    {'a': [tensor(2.)], 'lr': 0.1}
    """
    if isinstance(obj, torch.Tensor):
        return fn(obj)
    if isinstance(obj, dict):
        return {k: map_tensors(fn, v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(map_tensors(fn, v) for v in obj)
    return obj


def _snapshot(state: dict) -> dict:
    """A copy of a module's or optimizer's state dict (tensors cloned)."""
    return map_tensors(lambda t: t.detach().clone(), state)


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


def _train_step(module, parameters, optimizer, loss_fn, batch, clip_grad_norm) -> torch.Tensor:
    xb, lb, yb, wb = batch
    optimizer.zero_grad(set_to_none=True)
    loss = loss_fn(module(xb, lb), yb)
    loss = (loss if wb is None else loss * wb).mean()
    loss.backward()
    if clip_grad_norm is not None:
        clip_gradients(parameters, clip_grad_norm)
    optimizer.step()
    return loss.detach()


def batch_indices(n: int, size: int, shuffle: bool, generator, lengths=None) -> list:
    """The batches of one epoch: slices in order, or shuffled index tensors.

    With ``lengths`` (sequences of different lengths), shuffled batches group
    similar lengths: the shuffled rows are sorted by length within pools of 50
    batches and the batches are then shuffled, so that each batch wastes
    little padding while the epoch stays random.
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


def _run_epoch(module, optimizer, loss_fn, data, settings, generator) -> float:
    """One pass over ``data``; returns the weighted mean training loss."""
    module.train()
    n = len(data)
    total = 0.0
    batches = batch_indices(n, settings.batch_size, settings.shuffle, generator, data.lengths)
    parameters = list(module.parameters())
    for number, index in enumerate(batches, start=1):
        batch = data.batch(index)
        loss = _train_step(
            module, parameters, optimizer, loss_fn, batch, settings.clip_grad_norm
        ).item()
        if not math.isfinite(loss):
            raise _Diverged(number, loss)
        total += loss * len(batch[0])
    return total / n


def _evaluate(module, loss_fn, score_fn, data, batch_size) -> tuple[float, float]:
    outputs = predict_outputs(module, data, batch_size)
    weight = data.weight
    if weight is None:
        weight = torch.ones(len(data), device=outputs.device)
    loss = float((loss_fn(outputs, data.y) * weight).mean())
    return loss, score_fn(outputs, data.y, weight)


def _set_learning_rate(optimizer, value: float) -> None:
    for group in optimizer.param_groups:
        group["lr"] = value


def train_epochs(
    module: nn.Module,
    optimizer: torch.optim.Optimizer,
    loss_fn: LossFn,
    train: TensorData,
    history: TrainingHistory,
    settings: TrainingSettings,
    generator: torch.Generator,
    validation: TensorData | None = None,
    score_fn: ScoreFn | None = None,
) -> bool:
    """Train for up to ``settings.max_iter`` epochs; return whether it stopped early.

    Stopping follows scikit-learn's MLP: with ``validation`` the epoch's
    validation score must beat the best by ``tol``, otherwise the training
    loss must drop below the best by ``tol``; after more than
    ``n_iter_no_change`` epochs without that, training stops — or, with the
    "plateau" schedule, the learning rate is divided by 5 (stopping once it
    would fall below 1e-6). With ``validation``, the weights of the
    best-scoring epoch are restored at the end. A non-finite loss stops at
    once, restores the weights and optimizer state of the last good epoch and
    raises ``ValueError``. ``KeyboardInterrupt`` ends training with a warning,
    leaving a usable model. The module is left in eval mode.
    """
    best_state = None
    history.best_epoch = None  # set below when this call's best weights are taken
    if validation is not None:  # a new split: earlier scores are not comparable
        history.best_validation_score = -math.inf
        history.no_improvement_count = 0
    reporter = ProgressReporter(settings.verbose, settings.max_iter)
    stopped = False
    try:
        for epoch_in_call in range(settings.max_iter):
            if settings.learning_rate == "cosine":
                _set_learning_rate(optimizer, cosine_learning_rate(
                    settings.learning_rate_init,
                    settings.epoch_offset + epoch_in_call,
                    settings.cosine_epochs or settings.max_iter,
                ))
            started = time.perf_counter()
            good = (_snapshot(module.state_dict()), _snapshot(optimizer.state_dict()))
            try:
                loss = _run_epoch(module, optimizer, loss_fn, train, settings, generator)
            except _Diverged as exc:
                module.load_state_dict(good[0])
                optimizer.load_state_dict(good[1])
                history.best_epoch = None  # the last good epoch's weights, not the best
                raise ValueError(
                    f"Training diverged in epoch {history.n_iter + 1}, batch "
                    f"{exc.batch}: the loss became {exc.loss}. The weights and "
                    "optimizer state from the end of the previous epoch were "
                    "restored. Try a lower learning_rate_init, gradient clipping "
                    "(clip_grad_norm=1.0), scaling the inputs (e.g. "
                    "StandardScaler), or check X and y for extreme values."
                ) from None
            record = {
                "epoch": history.n_iter + 1,
                "train_loss": loss,
                "valid_loss": math.nan,
                "valid_score": math.nan,
                "learning_rate": optimizer.param_groups[0]["lr"],
            }
            if validation is not None:
                record["valid_loss"], score = _evaluate(
                    module, loss_fn, score_fn, validation, settings.predict_batch_size
                )
                record["valid_score"] = score
                improved = score > history.best_validation_score + settings.tol
                is_best = score > history.best_validation_score
                if is_best:
                    history.best_validation_score = score
                    history.best_epoch = record["epoch"]
                    best_state = _snapshot(module.state_dict())
            else:
                improved = loss < history.best_loss - settings.tol
                is_best = loss < history.best_loss
                history.best_loss = min(history.best_loss, loss)
            record["seconds"] = time.perf_counter() - started
            history.records.append(record)
            history.no_improvement_count = 0 if improved else history.no_improvement_count + 1
            reporter.epoch(record, is_best)
            if history.no_improvement_count > settings.n_iter_no_change:
                if settings.learning_rate == "plateau":
                    new_lr = record["learning_rate"] / PLATEAU_FACTOR
                    if new_lr >= MIN_LEARNING_RATE:
                        _set_learning_rate(optimizer, new_lr)
                        history.no_improvement_count = 0
                        reporter.note(f"Plateau: learning rate reduced to {new_lr:.2e}.")
                        continue
                if settings.stop_on_plateau:
                    reporter.note(
                        f"Stopping: no improvement of more than tol={settings.tol} "
                        f"for more than {settings.n_iter_no_change} consecutive epochs."
                    )
                    stopped = True
                    break
    except KeyboardInterrupt:
        warnings.warn(
            f"Training interrupted by user after {history.n_iter} epochs; the "
            "model keeps its current (or, with validation, best) weights.",
            UserWarning,
            stacklevel=3,
        )
        stopped = True
    finally:
        reporter.close()
        module.eval()  # ready for inference, also after a divergence error
    if best_state is not None:
        module.load_state_dict(best_state)
    return stopped
