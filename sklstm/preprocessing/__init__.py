"""Transformers and helpers that produce what the sklstm estimators accept.

Examples
--------
>>> from sklstm.preprocessing import SlidingWindowTransformer, SequenceScaler
>>> SlidingWindowTransformer(12).window_size
12
"""

from ._convert import from_long, from_padded, to_long, to_padded
from ._scaler import SequenceScaler
from ._supervised import make_supervised, next_step_targets
from ._text import Tokenizer
from ._window import SlidingWindowTransformer

__all__ = [
    "SequenceScaler",
    "SlidingWindowTransformer",
    "Tokenizer",
    "from_long",
    "from_padded",
    "make_supervised",
    "next_step_targets",
    "to_long",
    "to_padded",
]
