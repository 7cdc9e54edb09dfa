"""PyTorch's LSTM, trained on the CPU with the peephole LSTM's fused C time loops.

The plain LSTM is the peephole LSTM (``peephole``) with zero peephole
weights: the same gate order (i, f, g, o), the same equations once the
peephole terms vanish. So for training, :class:`LSTM` runs each layer and
direction as the peephole's autograd Function (``_PeepholeRecurrence``, C
forward and backward loops, see ``peephole``) with ``bias = b_ih + b_hh``
(both biases get that sum's gradient, as in ``nn.LSTM``) and a zero,
non-trainable peephole weight, through the shared stack driver (``_stack``:
layers, bidirectional, variable lengths without packing, dropout between
layers). The peephole arithmetic on zeros is kept: it is three
multiply-adds per element and step forward and a few backward beside the
gate nonlinearities and the recurrent product, not worth a second C path.

The fused path runs only for a **training** forward: gradients enabled (not
``no_grad`` nor ``inference_mode``) with the input or a weight requiring
one, float32 CPU tensors, the compiled loops available (``_native``),
``proj_size == 0``, no initial state ``hx``, a padded tensor (not a
``PackedSequence``), and a batch and hidden size where it measured faster
than ``nn.LSTM`` (hidden size at most :data:`FUSED_MAX_HIDDEN` or batch at
least :data:`FUSED_MIN_BATCH`). Everything else,
inference in particular, is ``nn.LSTM``'s own forward (oneDNN's fused
kernels), so the predictions of a fitted or saved model are exactly
``nn.LSTM``'s; training results differ from ``nn.LSTM``'s at float32
rounding only.

Measured (forward + backward of one batch, F=8, x86-64 AVX2, 1 and 2
threads, T=50 and T=400, two runs; time of the fused path / ``nn.LSTM``'s):

- hidden 16 and 64, batch 1 to 256: 0.46-1.03x (0.5-0.6x for batch 256
  and for batch 1 at T=400; about 1.0x only at batch 1 and 64, T=50);
- hidden 256, batch 64 and 256: 0.66-0.85x;
- hidden 128 and 256, batch 1 to 32: mostly slower, 1.02-1.74x (oneDNN's
  recurrent product of a small batch with a large hidden size, split over
  the gates, beats the C loops' per-thread products): ``nn.LSTM`` runs there.

With zero peepholes the fused path times as the peephole LSTM does
(``benchmarks/cells.py``, batch 64, hidden 64: 0.86x / 0.54x of nn.LSTM at
T=50 / 400 with 1 thread, 0.96x / 0.53x with 2).

Variable lengths (``lengths=``) run through the zeroed padding; the outputs
after a sequence's end are zeros and ``h_n``, ``c_n`` its states at its last
real step, as ``nn.LSTM`` on a packed sequence gives them. Without the fused
path ``lengths`` packs the batch for ``nn.LSTM``.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils.rnn import PackedSequence

from . import _native
from ._stack import run_packed, run_stack
from .peephole import _PeepholeRecurrence

__all__ = ["LSTM"]

#: The fused path runs for hidden sizes up to this ...
FUSED_MAX_HIDDEN = 64

#: ... and for larger hidden sizes from this batch size on (below it,
#: oneDNN's nn.LSTM measured faster: its recurrent product of a small batch
#: with a large hidden size runs better than the per-thread products here).
FUSED_MIN_BATCH = 64


def _fused_size(B, H):
    """Whether batch B and hidden size H are sizes where the fused path measured faster."""
    return H <= FUSED_MAX_HIDDEN or B >= FUSED_MIN_BATCH


class LSTM(nn.LSTM):
    """``nn.LSTM`` whose float32 CPU training forward runs fused C time loops.

    The same parameters, state-dict keys and pickles as ``nn.LSTM``;
    inference and every case the fused path does not cover run
    ``nn.LSTM``'s own forward. ``forward`` also takes the true ``lengths``
    of a padded batch (instead of a ``PackedSequence``). See the module
    docstring.

    Examples
    --------
    >>> import torch
    >>> from sklstm.nn import LSTM
    >>> lstm = LSTM(3, 5, batch_first=True, bidirectional=True)
    >>> out, (h_n, c_n) = lstm(torch.randn(2, 7, 3), lengths=torch.tensor([7, 4]))
    >>> out.shape, h_n.shape
    (torch.Size([2, 7, 10]), torch.Size([2, 2, 5]))
    >>> bool((out[1, 4:] == 0).all())
    True
    """

    def _fused(self, x, hx):
        """Whether this call runs the C loops."""
        if hx is not None or self.proj_size or not torch.is_grad_enabled() or x.dim() != 3:
            return False
        B = x.shape[0] if self.batch_first else x.shape[1]
        if not _fused_size(B, self.hidden_size):
            return False
        if not (x.requires_grad or any(p.requires_grad for p in self._flat_weights)):
            return False
        return _native.runs_on(x)

    def forward(self, input, hx=None, lengths=None):  # noqa: A002 - nn.LSTM's name
        """Run the stack.

        Parameters
        ----------
        input : Tensor of shape (batch, time, input_size) with ``batch_first``,
            else (time, batch, input_size); or a ``PackedSequence``.
        hx : tuple of Tensors (h_0, c_0), default=None
            Initial states (zeros when None); given, ``nn.LSTM``'s forward runs.
        lengths : Tensor of shape (batch,), default=None
            True lengths of a padded batch (at least 1 each).

        Returns
        -------
        output : Tensor of shape (batch, time, hidden_size * directions) (batch
            first), zeros after each sequence's end; a ``PackedSequence`` for one.
        (h_n, c_n) : Tensors of shape (num_layers * directions, batch, hidden_size)
            States after each sequence's last real step (h_n of ``proj_size``).
        """
        if isinstance(input, PackedSequence) or not self._fused(input, hx):
            return run_packed(super().forward, input, hx, lengths, self.batch_first)
        x = input if self.batch_first else input.transpose(0, 1)
        grad_enabled = torch.is_grad_enabled()
        directions = 2 if self.bidirectional else 1
        H = self.hidden_size
        zero_peep = x.new_zeros(3, H)  # not a parameter: no gradient

        def direction(seq, lengths, index, reverse):
            suffix = f"l{index // directions}{'_reverse' if reverse else ''}"
            w_ih, w_hh = getattr(self, f"weight_ih_{suffix}"), getattr(self, f"weight_hh_{suffix}")
            if self.bias:
                bias = getattr(self, f"bias_ih_{suffix}") + getattr(self, f"bias_hh_{suffix}")
            else:
                bias = w_hh.new_zeros(4 * H)
            return _PeepholeRecurrence.apply(seq, w_ih, bias, w_hh, zero_peep, lengths,
                                             grad_enabled)

        output, (h_n, c_n) = run_stack(
            x, lengths, direction, hidden_size=H, num_layers=self.num_layers,
            bidirectional=self.bidirectional, dropout=self.dropout, training=self.training,
            zero_after_end=True,
        )
        return (output if self.batch_first else output.transpose(0, 1)), (h_n, c_n)
