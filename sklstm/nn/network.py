"""The recurrent network behind the estimators: a recurrent stack and a linear head.

Plain PyTorch: nothing here imports scikit-learn or the estimator layer, so the
network can be reused in a hand-written training loop.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from .gru import GRU
from .init import default_init_
from .lstm import LSTM
from .peephole import PeepholeLSTM

__all__ = ["CELLS", "POOLINGS", "RecurrentNetwork", "SequencePooling"]

CELLS = ("lstm", "peephole", "gru", "rnn")
POOLINGS = ("last", "mean", "max", "attention")


def _make_recurrent(cell, input_size, hidden_size, num_layers, bidirectional, dropout, proj_size):
    """The recurrent stack for ``cell``: sklstm's LSTM, GRU or PeepholeLSTM, or ``nn.RNN``."""
    between = dropout if num_layers > 1 else 0.0
    common = dict(num_layers=num_layers, bidirectional=bidirectional, dropout=between)
    if cell == "lstm":
        # proj_size included: sklstm's LSTM runs nn.LSTM's own forward for it
        return LSTM(input_size, hidden_size, batch_first=True, proj_size=proj_size, **common)
    if proj_size:
        raise ValueError(
            f"proj_size is only supported by cell='lstm', not {cell!r}: use "
            "cell='lstm' or proj_size=0."
        )
    if cell == "gru":
        return GRU(input_size, hidden_size, batch_first=True, **common)
    if cell == "rnn":
        return nn.RNN(input_size, hidden_size, nonlinearity="tanh", batch_first=True, **common)
    if cell == "peephole":
        return PeepholeLSTM(input_size, hidden_size, **common)
    raise ValueError(f"cell must be one of {CELLS}, got {cell!r}.")


class SequencePooling(nn.Module):
    """Summarise per-step outputs over each sequence's real steps.

    "mean" and "max" pool over the valid steps only; "attention" learns a
    score per step (a linear layer) and takes the softmax-weighted sum over
    the valid steps. (The last step, ``RecurrentNetwork(pooling="last")``,
    needs no module: it is read from the recurrent stack's final state.)

    Parameters
    ----------
    mode : {"mean", "max", "attention"}
        How the steps are summarised.
    features : int
        Features per step (the size of the attention scorer's input).

    Examples
    --------
    >>> import torch
    >>> from sklstm.nn import SequencePooling
    >>> out = torch.tensor([[[1.0], [3.0], [100.0]]])  # the last step is padding
    >>> SequencePooling("mean", 1)(out, torch.tensor([2])).tolist()
    [[2.0]]
    """

    def __init__(self, mode: str, features: int) -> None:
        super().__init__()
        if mode not in POOLINGS[1:]:
            raise ValueError(
                f"SequencePooling mode must be one of {POOLINGS[1:]}, got {mode!r} "
                f"(pooling='last' needs no pooling module)."
            )
        self.mode = mode
        self.score = nn.Linear(features, 1) if mode == "attention" else None

    def forward(self, outputs: torch.Tensor, lengths: torch.Tensor | None) -> torch.Tensor:
        """``outputs`` (batch, time, features) → (batch, features)."""
        if lengths is None:
            valid = None
        else:
            steps = torch.arange(outputs.shape[1], device=outputs.device)
            valid = (steps[None, :] < lengths.to(outputs.device)[:, None]).unsqueeze(2)
        if self.mode == "mean":
            if valid is None:
                return outputs.mean(dim=1)
            return (outputs * valid).sum(dim=1) / valid.sum(dim=1)
        if self.mode == "max":
            if valid is not None:
                outputs = outputs.masked_fill(~valid, float("-inf"))
            return outputs.max(dim=1).values
        scores = self.score(outputs)
        if valid is not None:
            scores = scores.masked_fill(~valid, float("-inf"))
        return (torch.softmax(scores, dim=1) * outputs).sum(dim=1)



class RecurrentNetwork(nn.Module):
    """A recurrent stack, a readout over time, dense layers and a linear head.

    The input is a batch-first padded tensor ``(batch, time, input_size)``
    (or token ids ``(batch, time)`` with an embedding) and, optionally, the
    true length of every sequence. The readout ("last") is the hidden state
    at each sequence's last real step — for a bidirectional stack, the
    forward state at the last step concatenated with the backward state at
    the first step — or a mean, max or attention pooling over the real steps
    of the top layer's outputs. Padding never changes a result.

    Parameters
    ----------
    input_size : int
        Number of features per time step.
    output_size : int
        Number of outputs of the linear head (logits or regression targets).
    hidden_size : int, default=64
        Number of features of the hidden state of each layer and direction.
    num_layers : int, default=1
        Number of stacked recurrent layers.
    bidirectional : bool, default=False
        Whether each layer also reads the sequence backwards.
    dropout : float, default=0.0
        Dropout probability between stacked layers, before the head and
        after each dense layer. ``nn.LSTM``'s own ``dropout`` only acts
        between layers, so a single layer stack still gets dropout here.
    num_embeddings : int, default=None
        With ``embedding_dim``: the input is token ids ``(batch, time)``
        below ``num_embeddings``, looked up in a learned ``nn.Embedding``.
    embedding_dim : int, default=None
        Size of each token's embedding; it replaces ``input_size``.
    cell : {"lstm", "peephole", "gru", "rnn"}, default="lstm"
        The recurrent unit: :class:`LSTM` (``nn.LSTM``, trained with fused
        loops on the CPU), the peephole LSTM
        of :class:`PeepholeLSTM`, :class:`GRU` (``nn.GRU`` with fused loops
        on the CPU), or a tanh ``nn.RNN``.
    pooling : {"last", "mean", "max", "attention"}, default="last"
        How the sequence of outputs becomes one vector (see above).
    head_hidden_sizes : tuple of int, default=()
        Sizes of ReLU dense layers between the readout and the output layer.
    proj_size : int, default=0
        LSTM projection size (``nn.LSTM``'s ``proj_size``; "lstm" only).
    per_step : bool, default=False
        Apply the dense layers and the head at every time step instead of
        once per sequence (Keras' ``return_sequences=True`` followed by
        ``TimeDistributed(Dense)``): the output is ``(batch, time,
        output_size)`` and ``pooling`` is not used. Outputs at padded steps
        are computed from zeros and mean nothing.

    Examples
    --------
    >>> import torch
    >>> from sklstm.nn import RecurrentNetwork
    >>> net = RecurrentNetwork(input_size=3, output_size=2, hidden_size=8)
    >>> x = torch.zeros(4, 10, 3)
    >>> net(x).shape
    torch.Size([4, 2])
    >>> net(x, lengths=torch.tensor([10, 7, 3, 1])).shape
    torch.Size([4, 2])
    >>> RecurrentNetwork(3, 2, hidden_size=8, cell="gru", pooling="attention",
    ...                  head_hidden_sizes=(16,))(x).shape
    torch.Size([4, 2])
    >>> RecurrentNetwork(3, 2, hidden_size=8, per_step=True)(x).shape
    torch.Size([4, 10, 2])
    """

    def __init__(
        self,
        input_size: int,
        output_size: int,
        hidden_size: int = 64,
        num_layers: int = 1,
        bidirectional: bool = False,
        dropout: float = 0.0,
        num_embeddings: int | None = None,
        embedding_dim: int | None = None,
        cell: str = "lstm",
        pooling: str = "last",
        head_hidden_sizes: tuple = (),
        proj_size: int = 0,
        per_step: bool = False,
    ) -> None:
        super().__init__()
        if pooling not in POOLINGS:
            raise ValueError(f"pooling must be one of {POOLINGS}, got {pooling!r}.")
        self.embedding = None
        if embedding_dim is not None:
            if num_embeddings is None:
                raise ValueError(
                    "embedding_dim needs num_embeddings, the number of token ids "
                    "(the largest id + 1, e.g. Tokenizer.n_tokens_)."
                )
            self.embedding = nn.Embedding(num_embeddings, embedding_dim)
            input_size = embedding_dim
        self.cell = cell
        self.recurrent = _make_recurrent(
            cell, input_size, hidden_size, num_layers, bidirectional, dropout, proj_size
        )
        self.bidirectional = bidirectional
        features = (proj_size or hidden_size) * (2 if bidirectional else 1)
        self.per_step = per_step
        self.pooling = (
            None if pooling == "last" or per_step else SequencePooling(pooling, features)
        )
        self.dropout = nn.Dropout(dropout)
        layers = []
        for size in head_hidden_sizes:
            layers += [nn.Linear(features, size), nn.ReLU(), nn.Dropout(dropout)]
            features = size
        self.dense = nn.Sequential(*layers)
        self.head = nn.Linear(features, output_size)
        default_init_(self)

    def _run(self, x, lengths):
        """Top-layer outputs (padded, batch first) and final hidden states."""
        if isinstance(self.recurrent, PeepholeLSTM):
            outputs, (h_n, _) = self.recurrent(x, lengths)
            return outputs, h_n
        if isinstance(self.recurrent, GRU):  # lengths without packing (a plain nn.GRU packs)
            return self.recurrent(x, lengths=lengths)
        if isinstance(self.recurrent, LSTM) and self.recurrent._fused(x, None):
            # training in the C loops, lengths without packing; otherwise (inference,
            # and an nn.LSTM unpickled from an older version) nn.LSTM packs as below,
            # where only pooling and per-step outputs pay for padding the outputs
            # back (handing the lengths to LSTM.forward would pad them always:
            # ragged predict with "last" pooling measured 20% slower)
            outputs, (h_n, _) = self.recurrent(x, lengths=lengths)
            return outputs, h_n
        packed = x if lengths is None else pack_padded_sequence(
            x, lengths, batch_first=True, enforce_sorted=False
        )
        outputs, state = self.recurrent(packed)
        h_n = state[0] if isinstance(state, tuple) else state
        if lengths is not None and (self.pooling is not None or self.per_step):
            outputs, _ = pad_packed_sequence(outputs, batch_first=True, total_length=x.shape[1])
        return outputs, h_n

    def forward(
        self, x: torch.Tensor, lengths: torch.Tensor | None = None
    ) -> torch.Tensor:
        """Map a padded batch to one output row per sequence.

        Parameters
        ----------
        x : Tensor of shape (batch, time, input_size)
            Padded input (int64 ids ``(batch, time)`` with an embedding);
            steps past a sequence's length are ignored.
        lengths : Tensor of shape (batch,), default=None
            True lengths (CPU int64). ``None`` means every sequence uses all
            ``time`` steps, which skips packing. A length of 0 (a sequence of
            padding only) gives the output of the initial state: features of
            zeros, as a fully masked sequence in Keras.

        Returns
        -------
        Tensor of shape (batch, output_size), or (batch, time, output_size)
        with ``per_step``
        """
        empty = None
        if lengths is not None and not bool(lengths.all()):
            # an empty sequence (padding only) is read as the initial state, zeros
            empty = (lengths == 0).to(x.device)[:, None]
            lengths = lengths.clamp(min=1)
        if self.embedding is not None:
            x = self.embedding(x)
        outputs, h_n = self._run(x, lengths)
        if self.per_step:
            return self.readout_steps(outputs)
        if self.pooling is not None:
            features = self.pooling(outputs, lengths)
        elif self.bidirectional:  # h_n: (num_layers * directions, batch, hidden)
            features = torch.cat((h_n[-2], h_n[-1]), dim=1)
        else:
            features = h_n[-1]
        if empty is not None:
            features = features.masked_fill(empty, 0.0)
        return self.head(self.dense(self.dropout(features)))

    def readout_steps(self, outputs: torch.Tensor) -> torch.Tensor:
        """The head at every step of the top layer's ``outputs`` (batch, time, features)."""
        return self.head(self.dense(self.dropout(outputs)))
