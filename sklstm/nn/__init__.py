"""Pure PyTorch building blocks of sklstm (no scikit-learn imports).

Examples
--------
>>> from sklstm.nn import RecurrentNetwork
>>> RecurrentNetwork(input_size=2, output_size=1, hidden_size=4).head
Linear(in_features=4, out_features=1, bias=True)
"""

from ._native import native_loops_available
from .gru import GRU
from .init import chrono_init_, default_init_, keras_init_
from .lstm import LSTM
from .network import CELLS, POOLINGS, RecurrentNetwork, SequencePooling
from .peephole import PeepholeLSTM
from .stateful import run_with_state

__all__ = [
    "CELLS", "GRU", "LSTM", "POOLINGS", "PeepholeLSTM", "RecurrentNetwork", "SequencePooling", "chrono_init_",
    "default_init_", "keras_init_", "native_loops_available", "run_with_state",
]
