"""What training records: one row per epoch, kept across ``warm_start`` and ``partial_fit``."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

__all__ = ["HISTORY_COLUMNS", "TrainingHistory", "history_frame"]

#: The keys of each epoch's record; ``history_`` has all but "epoch" as columns.
HISTORY_COLUMNS = (
    "epoch", "train_loss", "valid_loss", "valid_score", "learning_rate", "seconds"
)


@dataclass
class TrainingHistory:
    """What the loop records; it survives ``warm_start`` and ``partial_fit``.

    ``records`` holds one dict per epoch: epoch, train_loss, valid_loss,
    valid_score, learning_rate, seconds (NaN where there is no validation).
    ``best_epoch`` is the epoch (as numbered in ``records``) whose weights the
    last call restored: the epoch of its lowest validation loss
    (``best_validation_loss``; ``best_validation_score`` is that epoch's
    score). It is None
    when the last call had no validation, or restored nothing (it diverged, or
    no epoch scored), since the weights are then those of the last epoch.

    Examples
    --------
    >>> from sklstm._training import TrainingHistory
    >>> TrainingHistory().n_iter
    0
    """

    records: list = field(default_factory=list)
    best_loss: float = math.inf
    best_validation_score: float = -math.inf
    best_validation_loss: float = math.inf
    no_improvement_count: int = 0
    best_epoch: int | None = None

    @property
    def n_iter(self) -> int:
        return len(self.records)


def history_frame(history: TrainingHistory) -> pd.DataFrame:
    """The records as a DataFrame indexed by epoch (an estimator's ``history_``).

    Examples
    --------
    >>> from sklstm._training import TrainingHistory, history_frame
    >>> history = TrainingHistory([{"epoch": 1, "train_loss": 0.5, "valid_loss": 0.6,
    ...                             "valid_score": 0.7, "learning_rate": 0.1, "seconds": 1.0}])
    >>> history_frame(history)["train_loss"].tolist()
    [0.5]
    """
    table = np.array(
        [[record[name] for name in HISTORY_COLUMNS] for record in history.records],
        dtype=np.float64,
    ).reshape(-1, len(HISTORY_COLUMNS))
    return pd.DataFrame(
        table[:, 1:], columns=list(HISTORY_COLUMNS[1:]),
        index=pd.Index(table[:, 0].astype(np.int64), name="epoch"),
    )
