"""Small policy objects of the training loop: when to stop, and the learning rate.

As scikit-learn's ``_stochastic_optimizers.py`` keeps its optimizers, each
policy is a small class with one job; :class:`sklstm.training.Trainer` asks
them at the start and end of every epoch. A new schedule is a new class with
the two methods of :class:`ConstantSchedule`.
"""

from __future__ import annotations

import math

__all__ = [
    "AUTO_MAX_ITER",
    "AUTO_PATIENCE",
    "AUTO_PATIENCE_VALIDATION",
    "MIN_LEARNING_RATE",
    "PLATEAU_FACTOR",
    "SCHEDULES",
    "ConstantSchedule",
    "CosineSchedule",
    "PlateauSchedule",
    "StoppingRule",
    "cosine_learning_rate",
    "make_schedule",
    "resolve_epochs",
    "set_learning_rate",
]

#: "plateau" divides the learning rate by this on each plateau, as MLP's "adaptive".
PLATEAU_FACTOR = 5.0
#: ... and stops training once the rate would fall below this.
MIN_LEARNING_RATE = 1e-6


#: ``n_iter_no_change="auto"``: wait at least this many epochs AND this many
#: updates (gradient steps) without progress. An epoch of 50 sequences is 2
#: updates; 10 of them are too few to tell a plateau from noise. GunPoint's
#: 50 series sat on their plateau for up to 100 epochs without progress on one
#: seed in five with 200 updates (0.71 where the others reach 0.95-0.98).
AUTO_PATIENCE = (10, 400)
#: ... but 10 epochs when stopping on a validation set: its loss is measured
#: on fixed data with each epoch's final weights, not averaged over a few noisy
#: updates, and waiting longer there only trains past the best epoch (the
#: airline forecaster: 6.8% MAPE with 10 epochs, 13.5-14.7% with 200 updates).
AUTO_PATIENCE_VALIDATION = (10, 0)
#: ``max_iter="auto"``: train for up to this many epochs, or up to this many
#: updates where that takes more epochs (sets of fewer than 320 sequences at
#: batch 32).
AUTO_MAX_ITER = (200, 2000)


def resolve_epochs(value: int | str, n_batches: int, auto: tuple[int, int]) -> int:
    """An epoch count as given, or for ``"auto"`` the epochs that ``auto`` asks for.

    ``auto`` is ``(epochs, updates)``: at least ``epochs`` epochs and at least
    ``updates`` updates, at ``n_batches`` updates per epoch.

    Examples
    --------
    >>> from sklstm._training import AUTO_PATIENCE, resolve_epochs
    >>> resolve_epochs(7, 2, AUTO_PATIENCE)
    7
    >>> resolve_epochs("auto", 2, AUTO_PATIENCE), resolve_epochs("auto", 45, AUTO_PATIENCE)
    (200, 10)
    """
    if isinstance(value, str):
        epochs, updates = auto
        return max(epochs, math.ceil(updates / max(int(n_batches), 1)))
    return int(value)


def set_learning_rate(optimizer, value: float) -> None:
    """Set the learning rate of every parameter group."""
    for group in optimizer.param_groups:
        group["lr"] = value


def cosine_learning_rate(initial: float, epoch: int, total: int) -> float:
    """Cosine annealing from ``initial`` at epoch 0 towards 0 at ``total``.

    Examples
    --------
    >>> from sklstm._training import cosine_learning_rate
    >>> cosine_learning_rate(0.1, 0, 10), round(cosine_learning_rate(0.1, 5, 10), 6)
    (0.1, 0.05)
    """
    epoch = min(epoch, total)
    return initial * 0.5 * (1.0 + math.cos(math.pi * epoch / total))


class ConstantSchedule:
    """The learning rate the optimizer has; a plateau changes nothing.

    Examples
    --------
    >>> from sklstm._training import ConstantSchedule
    >>> ConstantSchedule().on_plateau(None, 0.1) is None
    True
    """

    def epoch_start(self, optimizer, epoch_in_call: int) -> None:
        """Set the rate for the coming epoch (the ``epoch_in_call``-th of this call)."""

    def on_plateau(self, optimizer, learning_rate: float) -> float | None:
        """React to a plateau; the new rate if training goes on, else None (stop)."""
        return None


class PlateauSchedule(ConstantSchedule):
    """Divide the rate by ``factor`` on each plateau until it would fall below ``min_rate``.

    Examples
    --------
    >>> import torch
    >>> from sklstm._training import PlateauSchedule
    >>> opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
    >>> PlateauSchedule().on_plateau(opt, 0.1), opt.param_groups[0]["lr"]
    (0.02, 0.02)
    """

    def __init__(self, factor: float = PLATEAU_FACTOR, min_rate: float = MIN_LEARNING_RATE):
        self.factor, self.min_rate = factor, min_rate

    def on_plateau(self, optimizer, learning_rate: float) -> float | None:
        new_rate = learning_rate / self.factor
        if new_rate < self.min_rate:
            return None
        set_learning_rate(optimizer, new_rate)
        return new_rate


class CosineSchedule(ConstantSchedule):
    """Cosine annealing over ``total`` epochs; this call starts at epoch ``offset``.

    Examples
    --------
    >>> import torch
    >>> from sklstm._training import CosineSchedule
    >>> opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
    >>> CosineSchedule(0.1, total=4, offset=2).epoch_start(opt, 0)
    >>> round(opt.param_groups[0]["lr"], 6)
    0.05
    """

    def __init__(self, initial: float, total: int, offset: int = 0):
        self.initial, self.total, self.offset = initial, total, offset

    def epoch_start(self, optimizer, epoch_in_call: int) -> None:
        rate = cosine_learning_rate(self.initial, self.offset + epoch_in_call, self.total)
        set_learning_rate(optimizer, rate)


#: The ``learning_rate`` parameter's options.
SCHEDULES = ("constant", "plateau", "cosine")


def make_schedule(name: str, *, learning_rate_init: float, total: int, offset: int):
    """The schedule object for a ``learning_rate`` option.

    Examples
    --------
    >>> from sklstm._training import make_schedule
    >>> type(make_schedule("plateau", learning_rate_init=0.1, total=5, offset=0)).__name__
    'PlateauSchedule'
    """
    if name == "cosine":
        return CosineSchedule(learning_rate_init, total, offset)
    if name == "plateau":
        return PlateauSchedule()
    if name == "constant":
        return ConstantSchedule()
    raise ValueError(f"learning_rate must be one of {SCHEDULES}, got {name!r}.")


class StoppingRule:
    """scikit-learn MLP's rule: stop after ``n_iter_no_change`` epochs without a gain of ``tol``.

    With validation the epoch's validation loss must drop below the best by
    ``tol`` (as Keras' ``EarlyStopping`` monitors it: the loss moves with
    every sample's confidence, where the accuracy of a small validation set
    stays flat for many epochs); otherwise the training loss must.
    The counts and bests live in the :class:`TrainingHistory`, so that they
    carry over ``warm_start`` and ``partial_fit``. ``stop=False`` (partial_fit)
    only counts.

    Examples
    --------
    >>> from sklstm._training import StoppingRule, TrainingHistory
    >>> rule, history = StoppingRule(tol=0.1, n_iter_no_change=1), TrainingHistory()
    >>> [rule.update(history, loss) for loss in (1.0, 0.95, 0.9)]
    [(True, True), (False, True), (False, True)]
    >>> rule.exhausted(history)
    True
    """

    def __init__(self, tol: float, n_iter_no_change: int, stop: bool = True):
        self.tol, self.n_iter_no_change, self.stop = tol, n_iter_no_change, stop

    def start(self, history, validating: bool) -> None:
        """Before a call's first epoch: a new validation split resets the best score."""
        history.best_epoch = None
        if validating:  # earlier losses and scores are not comparable
            history.best_validation_loss = math.inf
            history.best_validation_score = -math.inf
            history.no_improvement_count = 0

    def update(self, history, train_loss: float, *, valid_loss: float | None = None,
               valid_score: float | None = None):
        """Count the epoch; return (improved by more than tol, best so far).

        With ``valid_loss`` (validation), the best epoch is that of the lowest
        validation loss, and ``valid_score`` is recorded as its score.
        """
        if valid_loss is not None:
            improved = valid_loss < history.best_validation_loss - self.tol
            is_best = valid_loss < history.best_validation_loss
            if is_best:
                history.best_validation_loss = valid_loss
                history.best_validation_score = valid_score
        else:
            improved = train_loss < history.best_loss - self.tol
            is_best = train_loss < history.best_loss
            history.best_loss = min(history.best_loss, train_loss)
        history.no_improvement_count = 0 if improved else history.no_improvement_count + 1
        return improved, is_best

    def exhausted(self, history) -> bool:
        """Whether the epochs without improvement exceed ``n_iter_no_change``."""
        return history.no_improvement_count > self.n_iter_no_change

    def describe(self) -> str:
        return (
            f"no improvement of more than tol={self.tol} for more than "
            f"{self.n_iter_no_change} consecutive epochs"
        )
