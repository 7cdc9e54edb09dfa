"""sklstm: scikit-learn compatible LSTM estimators on PyTorch.

Examples
--------
>>> from sklstm import LSTMClassifier, LSTMRegressor
>>> LSTMClassifier(hidden_size=32).get_params()["hidden_size"]
32
"""

from ._classifier import LSTMClassifier
from ._persistence import load, save
from ._plotting import plot_history
from ._regressor import LSTMRegressor
from .model_selection import ForecastSplit
from .preprocessing import SequenceScaler, SlidingWindowTransformer, Tokenizer, make_supervised

__version__ = "0.1.0"

__all__ = [
    "ForecastSplit",
    "LSTMClassifier",
    "LSTMRegressor",
    "SequenceScaler",
    "SlidingWindowTransformer",
    "Tokenizer",
    "load",
    "make_supervised",
    "plot_history",
    "save",
    "__version__",
]
