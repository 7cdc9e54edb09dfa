"""The hand-written PyTorch baseline of ``benchmarks/defaults.py``.

What a user writes from the PyTorch documentation: ``nn.LSTM(batch_first=True)``
(after an ``nn.Embedding(n_tokens, 16)`` for token ids), a ``nn.Linear`` on
the hidden state at each sequence's last real step (``pack_padded_sequence``
when a batch holds sequences of different lengths), PyTorch's default
initialisation, ``Adam(lr=1e-3)``, batches of 32 reshuffled every epoch,
cross-entropy or MSE, a fixed number of epochs, hidden size 64, no gradient
clipping, no early stopping. Regression targets are standardised (and
predictions mapped back), as sklstm and any careful user do.
"""

import numpy as np
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence


class LastStepLSTM(nn.Module):
    def __init__(self, n_features, n_outputs, hidden_size=64, n_tokens=None, embedding_dim=16):
        super().__init__()
        self.embedding = nn.Embedding(n_tokens, embedding_dim) if n_tokens else None
        n_inputs = embedding_dim if n_tokens else n_features
        self.lstm = nn.LSTM(n_inputs, hidden_size, batch_first=True)
        self.linear = nn.Linear(hidden_size, n_outputs)

    def forward(self, x, lengths):
        if self.embedding is not None:
            x = self.embedding(x)
        if (lengths == x.shape[1]).all():  # no padding: nothing to pack
            _, (h, _) = self.lstm(x)
        else:
            packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
            _, (h, _) = self.lstm(packed)
        return self.linear(h[-1])  # the hidden state after each sequence's last real step


def pad(sequences, tokens):
    """A list of (T_i, F) float or (T_i,) int arrays -> zero-padded tensor and lengths."""
    lengths = torch.tensor([len(s) for s in sequences])
    shape = (len(sequences), int(lengths.max())) + sequences[0].shape[1:]
    out = np.zeros(shape, dtype=np.int64 if tokens else np.float32)
    for i, s in enumerate(sequences):
        out[i, : len(s)] = s
    return torch.from_numpy(out), lengths


class TorchLoop:
    """fit(sequences, y) / predict(sequences) around :class:`LastStepLSTM`."""

    def __init__(self, kind, epochs=40, hidden_size=64, batch_size=32, lr=1e-3,
                 n_tokens=None, seed=0):
        self.kind, self.epochs, self.hidden_size = kind, epochs, hidden_size
        self.batch_size, self.lr, self.n_tokens, self.seed = batch_size, lr, n_tokens, seed

    def fit(self, sequences, y):
        tokens = self.n_tokens is not None
        X, lengths = pad(sequences, tokens)
        if self.kind == "classification":
            self.classes_, codes = np.unique(y, return_inverse=True)
            target, n_out = torch.from_numpy(codes.astype(np.int64)), len(self.classes_)
            loss_fn = nn.functional.cross_entropy
        else:
            self.mean_, self.std_ = float(np.mean(y)), float(np.std(y)) or 1.0
            target = torch.from_numpy(((y - self.mean_) / self.std_).astype(np.float32))[:, None]
            n_out, loss_fn = 1, nn.functional.mse_loss
        torch.manual_seed(self.seed)  # PyTorch's default initialisation, seeded
        self.net = LastStepLSTM(None if tokens else X.shape[2], n_out, self.hidden_size,
                                n_tokens=self.n_tokens)
        opt = torch.optim.Adam(self.net.parameters(), lr=self.lr)
        gen = torch.Generator().manual_seed(self.seed)
        self.net.train()
        for _ in range(self.epochs):
            for idx in torch.randperm(len(X), generator=gen).split(self.batch_size):
                steps = int(lengths[idx].max())
                opt.zero_grad()
                loss = loss_fn(self.net(X[idx, :steps], lengths[idx]), target[idx])
                loss.backward()
                opt.step()
        return self

    def predict(self, sequences):
        X, lengths = pad(sequences, self.n_tokens is not None)
        self.net.eval()
        with torch.inference_mode():
            out = torch.cat([self.net(X[i:i + 4096], lengths[i:i + 4096])
                             for i in range(0, len(X), 4096)]).numpy()
        if self.kind == "classification":
            return self.classes_[out.argmax(axis=1)]
        return out[:, 0] * self.std_ + self.mean_
