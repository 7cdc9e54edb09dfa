"""The training loop: batches → forward → loss → backward → step → epoch end.

It takes a network, tensors and settings. It knows nothing about classifiers,
regressors or scikit-learn: the estimator hands it a per-sample loss function
and, for validation, a score function.
"""

from __future__ import annotations

import math
import time
import warnings
from dataclasses import dataclass, field
from typing import Callable

import torch
from torch import nn

__all__ = ["TensorData", "TrainingHistory", "predict_outputs", "train_epochs"]

LossFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
ScoreFn = Callable[[torch.Tensor, torch.Tensor, torch.Tensor], float]


@dataclass
class TensorData:
    """Sequences as tensors on the training device; batches are slices of them.

    ``lengths`` lives on the CPU (``pack_padded_sequence`` wants it there) and
    is ``None`` when no sequence is padded. ``weight`` is normalised to mean 1,
    so a batch loss is ``mean(weight * loss)``.
    """

    X: torch.Tensor
    lengths: torch.Tensor | None
    y: torch.Tensor | None = None
    weight: torch.Tensor | None = None

    def __len__(self) -> int:
        return self.X.shape[0]

    def batch(self, index):
        """Rows ``index`` (a slice, or an int64 index tensor on the CPU)."""
        lengths = None if self.lengths is None else self.lengths[index]
        if isinstance(index, torch.Tensor):
            index = index.to(self.X.device, non_blocking=True)
        y = None if self.y is None else self.y[index]
        w = None if self.weight is None else self.weight[index]
        return self.X[index], lengths, y, w


@dataclass
class TrainingHistory:
    """What the loop records; it survives ``warm_start`` and ``partial_fit``."""

    loss_curve: list = field(default_factory=list)
    validation_scores: list = field(default_factory=list)
    best_loss: float = math.inf
    best_validation_score: float = -math.inf
    no_improvement_count: int = 0
    n_iter: int = 0


def predict_outputs(module: nn.Module, data: TensorData, batch_size: int) -> torch.Tensor:
    """Network outputs for all rows of ``data``, in eval mode, without autograd."""
    was_training = module.training
    module.eval()
    try:
        with torch.inference_mode():
            outputs = [
                module(*data.batch(slice(start, start + batch_size))[:2])
                for start in range(0, len(data), batch_size)
            ]
    finally:
        module.train(was_training)
    return torch.cat(outputs)


def _snapshot(module: nn.Module) -> dict:
    return {k: v.detach().clone() for k, v in module.state_dict().items()}


def _run_epoch(module, optimizer, loss_fn, data, batch_size, shuffle, generator):
    """One pass over ``data``; returns the weighted mean training loss."""
    module.train()
    n = len(data)
    order = torch.randperm(n, generator=generator) if shuffle else None
    total = torch.zeros((), dtype=torch.float64, device=data.X.device)
    for start in range(0, n, batch_size):
        stop = min(start + batch_size, n)
        index = slice(start, stop) if order is None else order[start:stop]
        xb, lb, yb, wb = data.batch(index)
        optimizer.zero_grad(set_to_none=True)
        loss = (loss_fn(module(xb, lb), yb) * wb).mean()
        loss.backward()
        optimizer.step()
        total += loss.detach() * (stop - start)
    return (total / n).item()


def train_epochs(
    module: nn.Module,
    optimizer: torch.optim.Optimizer,
    loss_fn: LossFn,
    train: TensorData,
    history: TrainingHistory,
    *,
    max_iter: int,
    batch_size: int,
    shuffle: bool,
    generator: torch.Generator,
    tol: float,
    n_iter_no_change: int,
    validation: TensorData | None = None,
    score_fn: ScoreFn | None = None,
    stop_on_plateau: bool = True,
    verbose: int = 0,
    predict_batch_size: int = 1024,
) -> bool:
    """Train for up to ``max_iter`` epochs; return whether training stopped early.

    Stopping follows scikit-learn's MLP: with ``validation`` the epoch's
    validation score must beat the best by ``tol``, otherwise the training
    loss must drop below the best by ``tol``; after more than
    ``n_iter_no_change`` epochs without that, training stops. With
    ``validation``, the weights of the best-scoring epoch are restored at the
    end. A non-finite loss restores the weights of the last good epoch and
    raises ``ValueError``. ``KeyboardInterrupt`` ends training with a warning,
    leaving a usable model.
    """
    best_state = None
    if validation is not None:
        history.best_validation_score = -math.inf
        history.no_improvement_count = 0
    stopped = False
    try:
        for _ in range(max_iter):
            started = time.perf_counter()
            good_state = _snapshot(module)
            loss = _run_epoch(
                module, optimizer, loss_fn, train, batch_size, shuffle, generator
            )
            if not math.isfinite(loss):
                module.load_state_dict(good_state)
                raise ValueError(
                    f"Training diverged in epoch {history.n_iter + 1}: the loss "
                    f"became {loss}. The weights of the previous epoch were "
                    "restored. Try a lower learning_rate_init, scale the inputs "
                    "(e.g. StandardScaler) or check X and y for extreme values."
                )
            history.n_iter += 1
            history.loss_curve.append(loss)
            message = f"Iteration {history.n_iter}, loss = {loss:.8f}"
            if validation is not None:
                outputs = predict_outputs(module, validation, predict_batch_size)
                score = score_fn(outputs, validation.y, validation.weight)
                history.validation_scores.append(score)
                message += f", validation score = {score:.6f}"
                improved = score > history.best_validation_score + tol
                if score > history.best_validation_score:
                    history.best_validation_score = score
                    best_state = _snapshot(module)
            else:
                improved = loss < history.best_loss - tol
                history.best_loss = min(history.best_loss, loss)
            history.no_improvement_count = 0 if improved else history.no_improvement_count + 1
            if verbose:
                print(f"{message}, {time.perf_counter() - started:.2f} s")
            if stop_on_plateau and history.no_improvement_count > n_iter_no_change:
                if verbose:
                    print(
                        f"Stopping: no improvement of more than tol={tol} for "
                        f"{n_iter_no_change} consecutive epochs."
                    )
                stopped = True
                break
    except KeyboardInterrupt:
        warnings.warn("Training interrupted by user.", UserWarning, stacklevel=3)
        stopped = True
    if best_state is not None:
        module.load_state_dict(best_state)
    return stopped
