"""Peephole LSTM (Gers & Schmidhuber, 2000), which PyTorch does not provide.

The input and forget gates see the previous cell state c_{t-1}, the output
gate sees the new cell state c_t, each through a diagonal (elementwise)
weight::

    i_t = sigmoid(W_ii x_t + W_hi h_{t-1} + w_ci * c_{t-1} + b_i)
    f_t = sigmoid(W_if x_t + W_hf h_{t-1} + w_cf * c_{t-1} + b_f)
    g_t = tanh(W_ig x_t + W_hg h_{t-1} + b_g)
    c_t = f_t * c_{t-1} + i_t * g_t
    o_t = sigmoid(W_io x_t + W_ho h_{t-1} + w_co * c_t + b_o)
    h_t = o_t * tanh(c_t)

Speed: the input projection of all time steps is one matrix product before
the time loop, and the recurrence runs in a custom autograd Function with a
hand-written backward pass, so autograd records a few operations per layer
and direction instead of a dozen per time step; inside, gates are laid out
gate-major so that every elementwise kernel runs on contiguous memory, and
tanh of the cell input is computed through the gates' sigmoid call. Variable lengths are handled by
masking: a sequence's state stops changing after its last real step, and the
backward direction reads each sequence reversed within its own length.
"""

from __future__ import annotations

import math

import torch
from torch import nn

__all__ = ["PeepholeLSTM"]


class _PeepholeRecurrence(torch.autograd.Function):
    """The time loop of one layer and direction, with a hand-written backward.

    Layout: gates are ``(T, 4, B, H)`` so that each gate of a step is one
    contiguous block (elementwise kernels are fastest on those). The cell
    input g enters pre-scaled by 2 and goes through the same sigmoid call as
    the i and f gates: ``tanh(z) = 2 * sigmoid(2 z) - 1`` (PyTorch's CPU
    tanh costs several times its sigmoid). Everything that does not depend on
    the previous step is computed for all steps at once, outside the loop;
    inside it, results go straight into preallocated storage (``out=``).
    """

    @staticmethod
    def forward(ctx, x_proj, w_hh, w_peep, mask):
        # x_proj: (T, 4, B, H) input projections incl. biases, g rows doubled;
        # w_hh: (4H, H), g rows doubled; w_peep: (3, H) = w_ci, w_cf, w_co;
        # mask: (T, B, 1) bool or None.
        T, _, B, H = x_proj.shape
        w4t = w_hh.view(4, H, H).transpose(1, 2)
        w_if = w_peep[:2].unsqueeze(1)  # (2, 1, H)
        w_co = w_peep[2]
        gates_all = torch.empty_like(x_proj)  # i, f, sigmoid(2 g_pre), o
        c_all = x_proj.new_zeros(T + 1, B, H)  # c_all[t] = state before step t
        h_all = x_proj.new_zeros(T + 1, B, H)
        tanh_all = x_proj.new_empty(T, B, H)
        for t in range(T):
            h, c = h_all[t], c_all[t]
            gates = torch.baddbmm(x_proj[t], h.expand(4, B, H), w4t, out=gates_all[t])
            gates[:2].addcmul_(w_if, c)
            gates[:3].sigmoid_()
            i, f, sg = gates[0], gates[1], gates[2]
            # c_t = f c + i g with g = 2 sg - 1
            c_new = torch.mul(f, c, out=c_all[t + 1]).addcmul_(i, sg, value=2.0).sub_(i)
            o = gates[3].addcmul_(w_co, c_new).sigmoid_()
            torch.mul(o, torch.tanh(c_new, out=tanh_all[t]), out=h_all[t + 1])
            if mask is not None:
                m = mask[t]
                torch.where(m, h_all[t + 1], h, out=h_all[t + 1])
                torch.where(m, c_new, c, out=c_all[t + 1])
        ctx.save_for_backward(w_hh, w_peep, gates_all, c_all, h_all, tanh_all, mask)
        return h_all[1:], h_all[T].clone(), c_all[T].clone()

    @staticmethod
    def backward(ctx, grad_out, grad_h_n, grad_c_n):
        w_hh, w_peep, gates_all, c_all, h_all, tanh_all, mask = ctx.saved_tensors
        T, _, B, H = gates_all.shape
        i, f, sg, o = gates_all.unbind(1)
        g = 2 * sg - 1
        # Step-independent factors, for all steps at once:
        #   d_o = dh * A;  dc += dh * Bf;  (d_i, d_f, d_g') = dc * M
        A = tanh_all * o * (1 - o)
        Bf = o * (1 - tanh_all * tanh_all)
        M = torch.stack((g * i * (1 - i), c_all[:-1] * f * (1 - f), 2 * i * sg * (1 - sg)), dim=1)
        w4 = w_hh.view(4, H, H)
        w_ci, w_cf, w_co = w_peep[0], w_peep[1], w_peep[2]
        dh_next = grad_h_n.clone() if grad_h_n is not None else gates_all.new_zeros(B, H)
        dc_next = grad_c_n.clone() if grad_c_n is not None else gates_all.new_zeros(B, H)
        d_gates = torch.empty_like(gates_all)
        for t in range(T - 1, -1, -1):
            dh = dh_next if grad_out is None else dh_next + grad_out[t]
            if mask is not None:
                m = mask[t]
                dh_pass, dc_pass = dh.masked_fill(m, 0.0), dc_next.masked_fill(m, 0.0)
                dh, dc_next = dh.masked_fill(~m, 0.0), dc_next.masked_fill(~m, 0.0)
            step = d_gates[t]
            d_o = torch.mul(dh, A[t], out=step[3])
            dc = torch.addcmul(dc_next, dh, Bf[t]).addcmul_(d_o, w_co)
            torch.mul(M[t], dc, out=step[:3])
            dc_next = (dc * f[t]).addcmul_(step[0], w_ci).addcmul_(step[1], w_cf)
            dh_next = torch.bmm(step, w4).sum(0)
            if mask is not None:
                dh_next += dh_pass
                dc_next += dc_pass
        h_prev = h_all[:-1].reshape(T * B, H)
        d_w_hh = torch.matmul(d_gates.permute(1, 3, 0, 2).reshape(4, H, T * B), h_prev).reshape(4 * H, H)
        d_peep = torch.stack((
            (d_gates[:, 0] * c_all[:-1]).sum((0, 1)),
            (d_gates[:, 1] * c_all[:-1]).sum((0, 1)),
            (d_gates[:, 3] * c_all[1:]).sum((0, 1)),
        ))
        return d_gates, d_w_hh, d_peep, None


def _reverse_within_lengths(x: torch.Tensor, lengths: torch.Tensor | None) -> torch.Tensor:
    """Reverse each sequence of ``x`` (T, B, F) along time within its own length."""
    if lengths is None:
        return x.flip(0)
    T = x.shape[0]
    steps = torch.arange(T, device=x.device)[:, None]
    lengths = lengths.to(x.device)[None, :]
    index = torch.where(steps < lengths, lengths - 1 - steps, steps)  # (T, B)
    return x.gather(0, index[:, :, None].expand_as(x))


class PeepholeLSTM(nn.Module):
    """Multi-layer, optionally bidirectional peephole LSTM (batch first).

    Parameters
    ----------
    input_size : int
        Features per time step.
    hidden_size : int
        Features of the hidden and cell state.
    num_layers : int, default=1
        Stacked layers.
    bidirectional : bool, default=False
        Also read each sequence backwards (within its length).
    dropout : float, default=0.0
        Dropout between stacked layers (as ``nn.LSTM``).

    Examples
    --------
    >>> import torch
    >>> from sklstm.nn import PeepholeLSTM
    >>> lstm = PeepholeLSTM(3, 5, bidirectional=True)
    >>> out, (h_n, c_n) = lstm(torch.randn(2, 7, 3), lengths=torch.tensor([7, 4]))
    >>> out.shape, h_n.shape
    (torch.Size([2, 7, 10]), torch.Size([2, 2, 5]))
    """

    def __init__(self, input_size, hidden_size, num_layers=1, bidirectional=False, dropout=0.0):
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bidirectional = bidirectional
        self.dropout = dropout
        directions = 2 if bidirectional else 1
        for layer in range(num_layers):
            layer_input = input_size if layer == 0 else hidden_size * directions
            for suffix in ["", "_reverse"][:directions]:
                name = f"l{layer}{suffix}"
                self.register_parameter(f"weight_ih_{name}", nn.Parameter(torch.empty(4 * hidden_size, layer_input)))
                self.register_parameter(f"weight_hh_{name}", nn.Parameter(torch.empty(4 * hidden_size, hidden_size)))
                self.register_parameter(f"bias_{name}", nn.Parameter(torch.empty(4 * hidden_size)))
                self.register_parameter(f"weight_peep_{name}", nn.Parameter(torch.empty(3, hidden_size)))
        self.reset_parameters()

    @torch.no_grad()
    def reset_parameters(self) -> None:
        """PyTorch's LSTM default: uniform in ±1/sqrt(hidden_size) for all weights."""
        bound = 1.0 / math.sqrt(self.hidden_size)
        for param in self.parameters():
            nn.init.uniform_(param, -bound, bound)

    def _direction(self, x, lengths, mask, name):
        T, B, _ = x.shape
        H = self.hidden_size
        # tanh(z) = 2 sigmoid(2 z) - 1: the g rows enter doubled (see the Function)
        scale = x.new_ones(4, 1)
        scale[2] = 2.0
        w_ih = (getattr(self, f"weight_ih_{name}").view(4, H, -1) * scale[:, :, None]).view(4 * H, -1)
        bias = (getattr(self, f"bias_{name}").view(4, H) * scale).view(4 * H)
        w_hh = (getattr(self, f"weight_hh_{name}").view(4, H, H) * scale[:, :, None]).view(4 * H, H)
        x_proj = torch.addmm(bias, x.reshape(T * B, -1), w_ih.t())
        x_proj = x_proj.view(T, B, 4, H).transpose(1, 2).contiguous()
        return _PeepholeRecurrence.apply(x_proj, w_hh, getattr(self, f"weight_peep_{name}"), mask)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor | None = None):
        """Run the stack.

        Parameters
        ----------
        x : Tensor of shape (batch, time, input_size)
        lengths : Tensor of shape (batch,), default=None
            True lengths; steps after them are ignored (the state is held).

        Returns
        -------
        output : Tensor of shape (batch, time, hidden_size * directions)
            Hidden state at each step (held constant after a sequence ends).
        (h_n, c_n) : Tensors of shape (num_layers * directions, batch, hidden_size)
            States after each sequence's last real step, ordered as ``nn.LSTM``'s.
        """
        seq = x.transpose(0, 1)  # (T, B, F)
        mask = None
        if lengths is not None:
            lengths = lengths.to(x.device)
            mask = (torch.arange(seq.shape[0], device=x.device)[:, None] < lengths[None, :])[:, :, None]
            seq = seq.masked_fill(~mask, 0.0)  # padding, NaN included, never reaches the gates
        h_states, c_states = [], []
        for layer in range(self.num_layers):
            outputs = []
            out, h_n, c_n = self._direction(seq, lengths, mask, f"l{layer}")
            outputs.append(out)
            h_states.append(h_n)
            c_states.append(c_n)
            if self.bidirectional:
                reversed_seq = _reverse_within_lengths(seq, lengths)
                out_r, h_r, c_r = self._direction(reversed_seq, lengths, mask, f"l{layer}_reverse")
                outputs.append(_reverse_within_lengths(out_r, lengths))
                h_states.append(h_r)
                c_states.append(c_r)
            seq = torch.cat(outputs, dim=2) if len(outputs) > 1 else outputs[0]
            if self.dropout and self.training and layer < self.num_layers - 1:
                seq = nn.functional.dropout(seq, self.dropout, training=True)
        return seq.transpose(0, 1), (torch.stack(h_states), torch.stack(c_states))
