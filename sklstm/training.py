"""Training, for those who change a step: the :class:`Trainer` and its policies.

Every estimator trains through its ``trainer_class`` (by default
:class:`Trainer`). Subclass the trainer to replace one step (the loss, a hook
per batch, the optimizer step) and set it as ``trainer_class`` on a subclass
of the estimator; everything else (validation, early stopping, history,
pickling, ``GridSearchCV``) keeps working.

Examples
--------
>>> from sklstm.training import Trainer
>>> [name for name in ("prepare_batch", "forward", "compute_loss", "backward", "clip",
...                    "step", "train_step", "run_epoch", "validate", "end_epoch", "fit")
...  if not hasattr(Trainer, name)]
[]
"""

from ._training import (
    ConstantSchedule,
    CosineSchedule,
    PlateauSchedule,
    StoppingRule,
    TensorData,
    Trainer,
    TrainingHistory,
    TrainingSettings,
)

__all__ = [
    "ConstantSchedule",
    "CosineSchedule",
    "PlateauSchedule",
    "StoppingRule",
    "TensorData",
    "Trainer",
    "TrainingHistory",
    "TrainingSettings",
]
