"""Training: tensors, the loop with named steps, its policies and its history.

This side of the line holds torch: the data layer (``sklstm._data``) hands
over numpy arrays, and :func:`to_tensor_data` makes them tensors once. The
loop (:class:`Trainer`) takes a network, an optimizer, a per-sample loss and
settings; it knows nothing about classifiers or scikit-learn.
"""

from ._history import HISTORY_COLUMNS, TrainingHistory, history_frame
from ._policies import (
    AUTO_MAX_ITER,
    AUTO_PATIENCE,
    AUTO_PATIENCE_VALIDATION,
    MIN_LEARNING_RATE,
    PLATEAU_FACTOR,
    SCHEDULES,
    ConstantSchedule,
    CosineSchedule,
    PlateauSchedule,
    StoppingRule,
    cosine_learning_rate,
    make_schedule,
    resolve_epochs,
    set_learning_rate,
)
from ._tensors import (
    TensorData,
    fits_on_device,
    map_tensors,
    normalized_weights,
    snapshot,
    to_tensor_data,
)
from ._trainer import (
    Trainer,
    TrainingSettings,
    batch_indices,
    clip_gradients,
    predict_outputs,
)

__all__ = [
    "AUTO_MAX_ITER",
    "AUTO_PATIENCE",
    "AUTO_PATIENCE_VALIDATION",
    "HISTORY_COLUMNS",
    "MIN_LEARNING_RATE",
    "PLATEAU_FACTOR",
    "SCHEDULES",
    "ConstantSchedule",
    "CosineSchedule",
    "PlateauSchedule",
    "StoppingRule",
    "TensorData",
    "Trainer",
    "TrainingHistory",
    "TrainingSettings",
    "batch_indices",
    "clip_gradients",
    "cosine_learning_rate",
    "fits_on_device",
    "history_frame",
    "make_schedule",
    "map_tensors",
    "normalized_weights",
    "predict_outputs",
    "resolve_epochs",
    "set_learning_rate",
    "snapshot",
    "to_tensor_data",
]
