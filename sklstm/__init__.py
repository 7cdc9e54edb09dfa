"""sklstm: scikit-learn compatible LSTM estimators on PyTorch.

The public submodules (``sklstm.datasets``, ``sklstm.model_selection``,
``sklstm.nn``, ``sklstm.preprocessing``, ``sklstm.training``) are reachable
as attributes after ``import sklstm`` and imported on first use, as in
scikit-learn.

Examples
--------
>>> from sklstm import LSTMClassifier, LSTMRegressor
>>> LSTMClassifier(hidden_size=32).get_params()["hidden_size"]
32
>>> import sklstm
>>> sklstm.datasets.load_airline().shape
(144,)
"""

import importlib

from ._classifier import LSTMClassifier
from ._forecaster import LSTMForecaster
from ._persistence import load, save
from ._plotting import plot_forecast, plot_history
from ._regressor import LSTMRegressor
from ._show_versions import show_versions
from ._step_classifier import LSTMStepClassifier
from ._step_regressor import LSTMStepRegressor
from .model_selection import ForecastSplit
from .preprocessing import SequenceScaler, SlidingWindowTransformer, Tokenizer, make_supervised

__version__ = "0.2.0.dev0"

#: Public submodules, imported on first attribute access.
_SUBMODULES = ("datasets", "metrics", "model_selection", "nn", "preprocessing", "training")


def __getattr__(name: str):
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list:
    return sorted(set(globals()) | set(_SUBMODULES))

__all__ = [
    "ForecastSplit",
    "LSTMClassifier",
    "LSTMForecaster",
    "LSTMRegressor",
    "LSTMStepClassifier",
    "LSTMStepRegressor",
    "SequenceScaler",
    "SlidingWindowTransformer",
    "Tokenizer",
    "load",
    "make_supervised",
    "plot_forecast",
    "plot_history",
    "save",
    "show_versions",
    "__version__",
]
