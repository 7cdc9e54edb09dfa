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


#: Time steps handled together by the vectorised parts of the recurrence (the
#: input projection, the history copy, the derivative factors and the weight
#: gradients), on buffers reused from chunk to chunk.
CHUNK = 16


def _gate_scale(w, g):
    """(4H, 1) column of ones with ``g`` for the g rows (see the Function)."""
    scale = w.new_ones(4, w.shape[0] // 4)
    scale[2] = g
    return scale.view(-1, 1)


class _PeepholeRecurrence(torch.autograd.Function):
    """One layer and direction: input projection and time loop, hand-written backward.

    Internally the cell input g comes from ``s = sigmoid(2 z_g)`` as
    ``g = 2 s - 1`` and the cell state is kept doubled (``2 c``), so that
    ``tanh(c) = 2 sigmoid(2 c) - 1`` shares one sigmoid call with the o gate
    (PyTorch's CPU tanh costs several times its sigmoid).

    Forward, per step: one ``baddbmm_`` for the four gates and nine
    elementwise kernels, all on contiguous ``(B, H)`` blocks of a ring buffer
    ``(7, CHUNK + 1, B, H)`` holding ``[i, f, s -> 2g, z_o -> h, 2c, o,
    tanh c]`` whose views are made once; per chunk, four products project the
    inputs into the ring and one copy moves it into the history. Backward,
    per chunk: nine kernels give the derivative factors of all its steps,
    then three elementwise kernels and one ``addmm`` per step, then a few
    products accumulate the weight gradients.
    """

    @staticmethod
    def forward(ctx, x, w_ih, bias, w_hh, w_peep, lengths):
        # x: (T, B, F); lengths: (B,) int64 or None. Returns the hidden
        # states (T + 1, B, H) from a zero one, and h_n, c_n after each
        # sequence's last real step.
        T, B, F = x.shape
        H = w_hh.shape[1]
        scale = _gate_scale(w_hh, 2.0)  # g rows doubled
        w_ih_s = (w_ih * scale).view(4, H, F)
        w4 = (w_hh * scale).view(4, H, H).transpose(1, 2)
        bias_s = (bias[:, None] * scale).view(4, 1, H)
        w_if = 0.5 * w_peep[:2, None]  # the state is doubled: halve the peepholes
        w_co = 0.5 * w_peep[2]
        minus_one, minus_two = x.new_tensor(-1.0), x.new_tensor(-2.0)
        C = min(CHUNK, T)
        ring = x.new_empty(7, C + 1, B, H)  # row 0: the step before row 1
        ring[3:5, 0] = 0.0
        rows = list(zip(
            ring[:4].unbind(1), ring[3:4].expand(4, -1, -1, -1).unbind(1), ring[:2].unbind(1),
            ring[:3].unbind(1), *ring.unbind(0), ring[4:5].unbind(1),  # 2c as (1, B, H)
            ring[3:5].unbind(1), ring[5:].unbind(1),
        ))
        history = x.new_empty(7, T + 1, B, H)  # row t + 1: step t's ring row
        history[3:5, 0] = 0.0
        x = x.reshape(T * B, F)
        sigmoid, mul, add = torch.sigmoid, torch.mul, torch.add
        for t0 in range(0, T, C):
            n = min(C, T - t0)
            if t0:
                ring[3:5, 0].copy_(ring[3:5, C])
            for gate in range(4):
                torch.addmm(bias_s[gate], x[t0 * B : (t0 + n) * B], w_ih_s[gate].t(),
                            out=ring[gate, 1 : n + 1].view(n * B, H))
            for k in range(1, n + 1):
                gates, _, pre_if, ifs, i, f, s, h, c, o, th, _, oc_in, oc = rows[k]
                h_prev4, c_prev, c_prev_col = rows[k - 1][1], rows[k - 1][8], rows[k - 1][11]
                gates.baddbmm_(h_prev4, w4)
                pre_if.addcmul_(w_if, c_prev_col)
                ifs.sigmoid_()
                add(minus_two, s, alpha=4.0, out=s)  # 2g
                mul(f, c_prev, out=c).addcmul_(i, s)  # 2c = f 2c + i 2g
                h.addcmul_(w_co, c)  # z_o
                sigmoid(oc_in, out=oc)  # o, sigmoid(2 c)
                add(minus_one, th, alpha=2.0, out=th)  # tanh(c)
                mul(o, th, out=h)
            history[:, t0 + 1 : t0 + n + 1].copy_(ring[:, 1 : n + 1])
        h_all, c_all = history[3], history[4]
        if lengths is None:
            h_n, c_n = h_all[T].clone(), 0.5 * c_all[T]
        else:
            batch = torch.arange(B, device=lengths.device)
            h_n, c_n = h_all[lengths, batch], 0.5 * c_all[lengths, batch]
        ctx.save_for_backward(x, w_ih, w_hh, w_peep, history, lengths)
        return (h_all[1:] if lengths is None else h_all), h_n, c_n

    @staticmethod
    def backward(ctx, grad_h_all, grad_h_n, grad_c_n):
        x, w_ih, w_hh, w_peep, history, lengths = ctx.saved_tensors
        B, H = grad_h_n.shape
        T, F = x.shape[0] // B, x.shape[1]
        C = min(CHUNK, T)
        # dz_g is kept at twice the gradient of the (undoubled) z_g
        scale = _gate_scale(w_hh, 0.5)
        w_ih_s, w2 = w_ih * scale, w_hh * scale
        w_ci, w_cf = 0.5 * w_peep[:2]
        w_co2 = w_peep[2]
        new = history.new_empty
        # Per step, with respect to the doubled state 2c and the gate
        # pre-activations:
        #   dz_o = dh * A;  d2c = carry + dh * Bc / 2;
        #   (carry_prev, dz_i, dz_f, 2 dz_g) = d2c * (K, M_i, M_f, M_g)
        kmig, a_bc = new(C, 4, B, H), new(C, 2, B, H)
        d_buf = new(C + 1, B, 5, H)  # [carry, dz_i, dz_f, 2 dz_g, dz_o]; row C: carry in
        d_flat = d_buf.view(C + 1, B, 5 * H)
        steps = list(zip(
            a_bc[:, 0].unbind(0), a_bc[:, 1].unbind(0), kmig.unbind(0), d_buf[:, :, 4].unbind(0),
            d_buf[:, :, :4].transpose(1, 2).unbind(0), d_flat[:, :, H:].unbind(0),
            d_buf[1:, :, 0].unbind(0),
        ))
        # the final states' gradients enter at each sequence's last real step
        if lengths is None:
            grad_out = grad_h_all
            dh = grad_out[T - 1] + grad_h_n
            carry = 0.5 * grad_c_n
            grad_c = None
        else:
            batch = torch.arange(B, device=lengths.device)
            grad_out = grad_h_all.index_put((lengths, batch), grad_h_n, accumulate=True)[1:]
            grad_c = grad_h_all.new_zeros(T + 1, B, H).index_put_((lengths, batch), 0.5 * grad_c_n)[1:]
            dh, carry = grad_out[T - 1].clone(), grad_c[T - 1]
            grad_c = grad_c.unbind(0)
        grad_out = grad_out.unbind(0)
        d2c = torch.empty_like(dh)
        ones = history.new_ones(C * B)
        four = history.new_tensor(4.0)
        d_w_hh, d_w_ih_t = torch.zeros_like(w2), w2.new_zeros(F, 4 * H)
        d_bias, d_peep = w2.new_zeros(4 * H), w2.new_zeros(3, H)
        d_x = x.new_empty(T * B, F) if ctx.needs_input_grad[0] else None
        mul, addcmul, addmm = torch.mul, torch.addcmul, torch.addmm
        for t0 in reversed(range(0, T, C)):
            n = min(C, T - t0)
            now = slice(t0 + 1, t0 + n + 1)
            i, f, g2, h, c, o, th = history[:, now]
            c_prev = history[4, t0 : t0 + n]
            # factors of the chunk's steps (kmig[:, 1:3] first holds x(1-x) of i, f)
            m_i, m_f = kmig[:n, 1], kmig[:n, 2]
            addcmul(history[:2, now], history[:2, now], history[:2, now], value=-1.0,
                    out=kmig[:n, 1:3].transpose(0, 1))
            m_i.mul_(g2)  # 2g i(1-i)
            m_f.mul_(c_prev)
            addcmul(four, g2, g2, value=-1.0, out=kmig[:n, 3]).mul_(i)  # 4i (1 - g^2)
            addcmul(f, m_i, w_ci, out=kmig[:n, 0]).addcmul_(m_f, w_cf)
            # A = tanh(c) o(1-o) = h (1-o); Bc = o (1 - tanh^2) + 2 A w_co
            a = addcmul(h, h, o, value=-1.0, out=a_bc[:n, 0])
            addcmul(o, h, th, value=-1.0, out=a_bc[:n, 1]).addcmul_(a, w_co2)
            d_buf[n, :, 0] = carry
            for k in range(n - 1, -1, -1):
                a_k, bc_k, kmig_k, d_o, d_cifg, d_gates, carry_in = steps[k]
                t = t0 + k
                mul(dh, a_k, out=d_o)
                addcmul(carry_in, dh, bc_k, value=0.5, out=d2c)
                if grad_c is not None and t < T - 1:
                    d2c.add_(grad_c[t])
                mul(kmig_k, d2c, out=d_cifg)
                if t:
                    addmm(grad_out[t - 1], d_gates, w2, out=dh)
            carry = d_buf[0, :, 0].clone()
            # weight gradients of the chunk
            d_gates = d_flat[:n, :, H:].reshape(n * B, 4 * H)
            d_w_hh.addmm_(d_gates.t(), history[3, t0 : t0 + n].reshape(n * B, H))
            d_w_ih_t.addmm_(x[t0 * B : (t0 + n) * B].t(), d_gates)
            d_bias.addmv_(d_gates.t(), ones[: n * B])
            if d_x is not None:
                torch.mm(d_gates, w_ih_s, out=d_x[t0 * B : (t0 + n) * B])
            products = kmig[:n, :3]
            mul(d_buf[:n, :, 1], c_prev, out=products[:, 0])
            mul(d_buf[:n, :, 2], c_prev, out=products[:, 1])
            mul(d_buf[:n, :, 4], c, out=products[:, 2])
            d_peep += products.sum((0, 2))
        return (
            None if d_x is None else d_x.view(T, B, F), d_w_ih_t.t() * scale, d_bias * scale[:, 0],
            d_w_hh * scale, 0.5 * d_peep, None,
        )


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

    def _direction(self, x, lengths, name):
        """Hidden states (T, B, H), or (T + 1, B, H) from a zero one with lengths, h_n, c_n."""
        return _PeepholeRecurrence.apply(
            x, *(getattr(self, f"{kind}_{name}") for kind in ("weight_ih", "bias", "weight_hh", "weight_peep")),
            lengths,
        )

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
        T, B = seq.shape[:2]
        H = self.hidden_size
        if lengths is not None:
            # The recurrence runs through the padding (zeroed, so NaN never
            # reaches the gates): a sequence's real steps do not depend on
            # later ones. Outputs and final states are then picked per sequence.
            lengths = lengths.to(device=x.device, dtype=torch.long)
            steps = torch.arange(T, device=x.device)[:, None]
            real = steps < lengths
            seq = seq.masked_fill(~real[:, :, None], 0.0)
            # row of the (T + 1)-row hidden states each output step shows,
            # forwards (held after the end) and backwards (reversed within the length)
            held = torch.minimum(steps + 1, lengths).unsqueeze(2).expand(T, B, H)
            flipped = torch.where(real, lengths - steps, lengths).unsqueeze(2).expand(T, B, H)
            reverse_in = torch.where(real, lengths - 1 - steps, steps).unsqueeze(2)
        h_states, c_states = [], []
        for layer in range(self.num_layers):
            h_all, h_n, c_n = self._direction(seq, lengths, f"l{layer}")
            outputs = [h_all if lengths is None else h_all.gather(0, held)]
            h_states.append(h_n)
            c_states.append(c_n)
            if self.bidirectional:
                if lengths is None:
                    h_all, h_n, c_n = self._direction(seq.flip(0), None, f"l{layer}_reverse")
                    outputs.append(h_all.flip(0))
                else:
                    reversed_seq = seq.gather(0, reverse_in.expand_as(seq))
                    h_all, h_n, c_n = self._direction(reversed_seq, lengths, f"l{layer}_reverse")
                    outputs.append(h_all.gather(0, flipped))
                h_states.append(h_n)
                c_states.append(c_n)
            seq = torch.cat(outputs, dim=2) if len(outputs) > 1 else outputs[0]
            if self.dropout and self.training and layer < self.num_layers - 1:
                seq = nn.functional.dropout(seq, self.dropout, training=True)
        return seq.transpose(0, 1), (torch.stack(h_states), torch.stack(c_states))
