"""The recurrent network behind the estimators: a recurrent stack and a linear head.

Plain PyTorch: nothing here imports scikit-learn or the estimator layer, so the
network can be reused in a hand-written training loop.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence

from .init import keras_init_

__all__ = ["RecurrentNetwork"]


class RecurrentNetwork(nn.Module):
    """An LSTM stack whose final hidden state feeds a linear head.

    The input is a batch-first padded tensor ``(batch, time, input_size)`` and,
    optionally, the true length of every sequence. The readout is the hidden
    state at each sequence's last real step (for a bidirectional stack, the
    forward state at the last step concatenated with the backward state at the
    first step), so padding never changes a result.

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
        Dropout probability between stacked layers and before the head.
        ``nn.LSTM``'s own ``dropout`` only acts between layers, so a single
        layer stack still gets dropout before the head here.
    num_embeddings : int, default=None
        With ``embedding_dim``: the input is token ids ``(batch, time)``
        below ``num_embeddings``, looked up in a learned ``nn.Embedding``.
    embedding_dim : int, default=None
        Size of each token's embedding; it replaces ``input_size``.

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
    ) -> None:
        super().__init__()
        self.embedding = None
        if embedding_dim is not None:
            self.embedding = nn.Embedding(num_embeddings, embedding_dim)
            input_size = embedding_dim
        self.recurrent = nn.LSTM(
            input_size=input_size,
            hidden_size=hidden_size,
            num_layers=num_layers,
            bidirectional=bidirectional,
            dropout=dropout if num_layers > 1 else 0.0,
            batch_first=True,
        )
        self.dropout = nn.Dropout(dropout)
        num_directions = 2 if bidirectional else 1
        self.head = nn.Linear(hidden_size * num_directions, output_size)
        keras_init_(self)

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
            ``time`` steps, which skips packing.

        Returns
        -------
        Tensor of shape (batch, output_size)
        """
        if self.embedding is not None:
            x = self.embedding(x)
        if lengths is None:
            _, (h_n, _) = self.recurrent(x)
        else:
            packed = pack_padded_sequence(
                x, lengths, batch_first=True, enforce_sorted=False
            )
            _, (h_n, _) = self.recurrent(packed)
        # h_n: (num_layers * num_directions, batch, hidden); keep the top layer.
        if self.recurrent.bidirectional:
            features = torch.cat((h_n[-2], h_n[-1]), dim=1)
        else:
            features = h_n[-1]
        return self.head(self.dropout(features))
