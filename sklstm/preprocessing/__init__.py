"""Transformers and helpers that produce what the sklstm estimators accept.

Examples
--------
>>> from sklstm.preprocessing import SlidingWindowTransformer, SequenceScaler
>>> SlidingWindowTransformer(12).window_size
12
"""

from ._scaler import SequenceScaler
from ._supervised import make_supervised
from ._window import SlidingWindowTransformer

__all__ = ["SequenceScaler", "SlidingWindowTransformer", "make_supervised"]
