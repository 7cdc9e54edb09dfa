"""PyTorch's GRU with fused C time loops on the CPU (a drop-in ``nn.GRU``).

The equations are PyTorch's (gate order r, z, n)::

    r_t = sigmoid(W_ir x_t + b_ir + W_hr h_{t-1} + b_hr)
    z_t = sigmoid(W_iz x_t + b_iz + W_hz h_{t-1} + b_hz)
    n_t = tanh(W_in x_t + b_in + r_t * (W_hn h_{t-1} + b_hn))
    h_t = (1 - z_t) * n_t + z_t * h_{t-1}

PyTorch's CPU ``nn.GRU`` runs a dozen small kernels per step (it has no fused
CPU GRU), several times slower than its fused ``nn.LSTM``. :class:`GRU` keeps
``nn.GRU``'s parameters, state-dict keys and results, and for float32 CPU
tensors runs each layer and direction as one custom autograd Function whose
time loops are in C (``_gru_loops.c``, built with the package, see
``_native``): per chunk of steps the input projection ``W_ih x + b`` (with
``b_hr``, ``b_hz`` folded in) is one product; per step the recurrent product
``W_hh h_{t-1}`` is one product and all the gate arithmetic one vectorised
pass (``tanh(a) = 2 sigmoid(2a) - 1``), each thread running the recurrence
for its own slice of the batch. The history of the steps keeps, per step,
``[r, z, n, hn, h]`` with ``hn = W_hn h_{t-1} + b_hn`` (only h without
gradients). Backward, with ``d`` the gradient of ``h_t`` (from outside, from
the next step's gates, and the next step's direct part ``d_{t+1} z_{t+1}``)::

    da_n = d (1 - z) (1 - n^2)
    da_z = d (h_{t-1} - n) z (1 - z)
    da_r = da_n hn r (1 - r)
    d_{t-1} += d z + (da_r, da_z, da_n r) @ W_hh

and the weight gradients are products over a chunk of steps: ``W_hh``'s
from ``(da_r, da_z, da_n r)`` and ``h_{t-1}``, ``W_ih``'s from ``(da_r, da_z,
da_n)`` and ``x``. Everywhere else (float64, CUDA, no compiled loops,
``SKLSTM_NATIVE=0``, a ``PackedSequence``) ``nn.GRU``'s own forward runs.
The C loops are used for every float32 CPU batch: measured forward +
backward on x86-64 (AVX2) at 1 and 2 threads, T=50, they take 0.05-0.9x
``nn.GRU``'s time for batch 1 to 256 and hidden sizes 16 to 256 (inference
0.15-1.0x), the smallest ratios for small batches and hidden sizes, where
``nn.GRU``'s per-step kernel calls cost most.

Variable lengths (``lengths=``) run through the zeroed padding, as the
peephole LSTM does (``_stack``): the outputs after a sequence's end are zeros
and ``h_n`` its state at its last real step, as ``nn.GRU`` on a packed
sequence gives them.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.autograd.function import once_differentiable
from torch.nn.utils.rnn import PackedSequence

from . import _native
from ._scratch import cached
from ._stack import run_packed, run_stack

__all__ = ["GRU"]

#: Most time steps whose input projection and weight gradients are computed together.
CHUNK = 32

#: At most this many batch x hidden elements per chunk (but at least 4 steps):
#: shorter chunks of large batches and hidden sizes stay in cache.
CHUNK_ELEMENTS = 32 * 64 * 64


def _chunk(T, B, H):
    """Steps per chunk and the most any call with B, H uses (the scratch size)."""
    limit = min(CHUNK, max(4, CHUNK_ELEMENTS // (B * H)))
    chunks = max(1, -(-T // limit))
    return max(1, -(-T // chunks)), limit


def _pointers(*tensors):
    return [None if t is None else t.data_ptr() for t in tensors]


class _GRURecurrence(torch.autograd.Function):
    """One layer and direction in the C loops (see the module docstring).

    ``x`` (T, B, F) float32; ``h0`` (B, H) or None (zeros); ``lengths`` (B,)
    int64 in [0, T] or None. Returns the hidden states ((T + 1, B, H) from
    h0 with lengths, (T, B, H) without) and h_n at each sequence's last step.
    """

    @staticmethod
    def forward(ctx, x, w_ih, w_hh, b_ih, b_hh, h0, lengths, grad_enabled):
        lib = _native.loops()
        T, B, F = x.shape
        H = w_hh.shape[1]
        C, limit = _chunk(T, B, H)
        training = grad_enabled and any(ctx.needs_input_grad)
        width, h_at = (5 * H, 4 * H) if training else (H, 0)
        history = x.new_empty(T + 1, B, width)
        history[0] = 0.0
        if h0 is not None:
            history[0, :, h_at:] = h0
        x = x.reshape(T * B, F).contiguous()
        bias = torch.cat([b_ih[: 2 * H] + b_hh[: 2 * H], b_ih[2 * H :]]).contiguous()
        threads = _native._threads(B)
        scratch = cached(("gru", limit, B, H, threads),
                         lambda: x.new_empty((limit + 1) * B * 3 * H + threads * 4 * H))
        w_ih_c, w_hh_c, b_hn = w_ih.contiguous(), w_hh.contiguous(), b_hh[2 * H :].contiguous()
        lib.sklstm_gru_forward(T, B, H, F, C, *_pointers(x, w_ih_c, bias, w_hh_c, b_hn, history),
                               width, scratch.data_ptr(), threads)
        h_all = history[:, :, h_at : h_at + H]
        if lengths is None:
            h_n = h_all[T].clone()
        else:
            h_n = h_all[lengths, torch.arange(B)]
        if training:
            ctx.save_for_backward(x, w_ih, w_hh, history, lengths)
            ctx.set_materialize_grads(False)  # unused outputs cost no zero tensors
        return (h_all[1:] if lengths is None else h_all), h_n

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_h_all, grad_h_n):
        # Gradients of unused outputs arrive as None (not materialised).
        x, w_ih, w_hh, history, lengths = ctx.saved_tensors
        T, F = history.shape[0] - 1, x.shape[1]
        B, H = history.shape[1], w_hh.shape[1]
        C, limit = _chunk(T, B, H)
        grad_out, grad_last, grad_first = grad_h_all, grad_h_n, None
        if lengths is not None:  # h_n's gradient enters at each sequence's last step
            if grad_h_n is not None:
                if grad_out is None:
                    grad_out = history.new_zeros(T + 1, B, H)
                grad_out = grad_out.index_put((lengths, torch.arange(B)), grad_h_n, accumulate=True)
            if grad_out is not None:  # row 0: the initial state's own
                grad_first, grad_out = grad_out[0], grad_out[1:]
            grad_last = None
        threads = _native._threads(B)
        grads, dh = cached(("gru-backward", limit, B, H, threads), lambda: (
            x.new_empty((limit + 1) * B * 5 * H), x.new_empty(B * H)))
        need_x = ctx.needs_input_grad[0]
        d_x = x.new_empty(T * B, F) if need_x else None
        d_w_ih_t, d_w_hh, d_bias = x.new_zeros(F, 3 * H), torch.zeros_like(w_hh), x.new_zeros(4 * H)
        w_ih_t, w_hh_c = w_ih.t().contiguous(), w_hh.contiguous()
        given = [None if g is None else g.contiguous() for g in (grad_out, grad_last)]
        _native.loops().sklstm_gru_backward(
            T, B, H, F, C, *_pointers(x, w_ih_t, w_hh_c, history, *given, grads, dh, d_x,
                                      d_w_ih_t, d_w_hh, d_bias), threads)
        d_h0 = None
        if ctx.needs_input_grad[5]:  # from step 0: d z + (da_r, da_z, da_n r) @ W_hh
            first = grads[: B * 5 * H].view(B, 5 * H)
            d_h0 = torch.addmm(first[:, :H], first[:, H : 4 * H], w_hh)
            if grad_first is not None:
                d_h0 += grad_first
        s_r, s_z, s_nr, s_n = d_bias.view(4, H)
        d_b_ih = torch.cat([s_r, s_z, s_n])
        d_b_hh = d_bias[: 3 * H].clone()
        return (None if d_x is None else d_x.view(T, B, F), d_w_ih_t.t(), d_w_hh, d_b_ih, d_b_hh,
                d_h0, None, None)


class GRU(nn.GRU):
    """``nn.GRU`` whose float32 CPU forward runs fused C time loops.

    The same parameters, state-dict keys and results (within float32
    rounding) as ``nn.GRU``; ``forward`` also takes the true ``lengths`` of a
    padded batch (instead of a ``PackedSequence``). See the module docstring.

    Examples
    --------
    >>> import torch
    >>> from sklstm.nn import GRU
    >>> gru = GRU(3, 5, batch_first=True, bidirectional=True)
    >>> out, h_n = gru(torch.randn(2, 7, 3), lengths=torch.tensor([7, 4]))
    >>> out.shape, h_n.shape
    (torch.Size([2, 7, 10]), torch.Size([2, 2, 5]))
    >>> bool((out[1, 4:] == 0).all())
    True
    """

    def _fused(self, x, hx):
        """Whether this call runs the C loops."""
        return _native.runs_on(x) and (
            hx is None or (hx.dtype == x.dtype and hx.device == x.device))

    def forward(self, input, hx=None, lengths=None):  # noqa: A002 - nn.GRU's name
        """Run the stack.

        Parameters
        ----------
        input : Tensor of shape (batch, time, input_size) with ``batch_first``,
            else (time, batch, input_size); or a ``PackedSequence``.
        hx : Tensor of shape (num_layers * directions, batch, hidden_size), default=None
            Initial state (zeros when None).
        lengths : Tensor of shape (batch,), default=None
            True lengths of a padded batch (at least 1 each).

        Returns
        -------
        output : Tensor of shape (batch, time, hidden_size * directions) (batch
            first), zeros after each sequence's end; a ``PackedSequence`` for one.
        h_n : Tensor of shape (num_layers * directions, batch, hidden_size)
            States after each sequence's last real step.
        """
        if isinstance(input, PackedSequence) or not self._fused(input, hx):
            return run_packed(super().forward, input, hx, lengths, self.batch_first)
        x = input if self.batch_first else input.transpose(0, 1)
        grad_enabled = torch.is_grad_enabled()
        directions = 2 if self.bidirectional else 1

        def direction(seq, lengths, index, reverse):
            suffix = f"l{index // directions}{'_reverse' if reverse else ''}"
            w_ih, w_hh = getattr(self, f"weight_ih_{suffix}"), getattr(self, f"weight_hh_{suffix}")
            if self.bias:
                b_ih, b_hh = getattr(self, f"bias_ih_{suffix}"), getattr(self, f"bias_hh_{suffix}")
            else:
                b_ih = b_hh = w_hh.new_zeros(w_hh.shape[0])
            h0 = None if hx is None else hx[index]
            return _GRURecurrence.apply(seq, w_ih, w_hh, b_ih, b_hh, h0, lengths, grad_enabled)

        output, (h_n,) = run_stack(
            x, lengths, direction, hidden_size=self.hidden_size, num_layers=self.num_layers,
            bidirectional=self.bidirectional, dropout=self.dropout, training=self.training,
            zero_after_end=True,
        )
        return (output if self.batch_first else output.transpose(0, 1)), h_n
