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

    Internally the cell input g comes from ``s = sigmoid(2 z_g)`` as
    ``g = 2 s - 1`` and the cell state is kept doubled (``2 c``) so that
    ``tanh(c) = 2 sigmoid(2 c) - 1`` shares one sigmoid call with the o gate:
    PyTorch's CPU tanh costs several times its sigmoid. The caller passes the
    g columns of ``x_proj`` already doubled; ``w_hh`` is doubled here.

    Forward, per step: one ``addmm`` and nine elementwise kernels on a
    ``(B, 7H)`` work row ``[i, f, s, z_o -> h, 2c, o, tanh c]`` (two rows,
    used in turn, so that their views are made once), then one copy of it
    into the history. Backward: the derivative factors of all steps come
    from a dozen whole-sequence kernels; the loop then runs three
    elementwise kernels and one ``addmm`` per step, and the weight gradients
    are single products over all steps.
    """

    @staticmethod
    def forward(ctx, x_proj, w_hh, w_peep, lengths):
        # x_proj: (T, B, 4H) input projections incl. bias, g columns doubled;
        # w_hh: (4H, H); w_peep: (3, H) = w_ci, w_cf, w_co; lengths: (B,) int64
        # or None. Returns the hidden states (T + 1, B, H), the first one
        # zero, and h_n, c_n after each sequence's last real step.
        T, B, H4 = x_proj.shape
        H = H4 // 4
        w2 = w_hh * w_hh.new_tensor([1.0, 1.0, 2.0, 1.0]).repeat_interleave(H)[:, None]
        w_if = 0.5 * w_peep[:2]  # the state is doubled: halve the peepholes
        w_co = 0.5 * w_peep[2]
        history = x_proj.new_empty(T + 1, B, 7 * H)  # row t + 1: step t's work row
        history[0] = 0.0
        rows = [x_proj.new_zeros(B, 7 * H), x_proj.new_zeros(B, 7 * H)]
        views = []
        for row in rows:
            r = row.view(B, 7, H)
            views.append((
                row[:, :H4], r[:, :2], row[:, : 3 * H], r[:, 0], r[:, 1], r[:, 2],
                r[:, 3], r[:, 4], r[:, 4:5], row[:, 3 * H : 5 * H], row[:, 5 * H :],
                r[:, 5], r[:, 6],
            ))
        minus_one = x_proj.new_tensor(-1.0)
        w_t = w2.t()
        sigmoid, mul, add, addmm = torch.sigmoid, torch.mul, torch.add, torch.addmm
        for t, (x_t, saved) in enumerate(zip(x_proj.unbind(0), history[1:].unbind(0))):
            gates, pre_if, ifs, i, f, s, h, c, _, oc_in, oc, o, th = views[t & 1]
            h_prev, c_prev, c_prev_col = views[1 - (t & 1)][6:9]
            addmm(x_t, h_prev, w_t, out=gates)
            pre_if.addcmul_(w_if, c_prev_col)
            ifs.sigmoid_()
            mul(f, c_prev, out=c).addcmul_(i, s, value=4.0).sub_(i, alpha=2.0)  # 2 (f c + i g)
            h.addcmul_(w_co, c)  # z_o
            sigmoid(oc_in, out=oc)  # o, sigmoid(2 c)
            add(minus_one, th, alpha=2.0, out=th)  # tanh(c)
            mul(o, th, out=h)
            saved.copy_(rows[t & 1])
        h_all = history[:, :, 3 * H : 4 * H]
        if lengths is None:
            h_n, c_n = h_all[T].clone(), 0.5 * history[T, :, 4 * H : 5 * H]
        else:
            batch = torch.arange(B, device=lengths.device)
            h_n, c_n = h_all[lengths, batch], 0.5 * history[lengths, batch, 4 * H : 5 * H]
        ctx.save_for_backward(w2, w_peep, history, lengths)
        return h_all, h_n, c_n

    @staticmethod
    def backward(ctx, grad_h_all, grad_h_n, grad_c_n):
        w2, w_peep, history, lengths = ctx.saved_tensors
        T, B, H7 = history.shape
        T, H = T - 1, H7 // 7
        hist = history.view(T + 1, B, 7, H)
        i, f, s, o, th = hist[1:, :, 0], hist[1:, :, 1], hist[1:, :, 2], hist[1:, :, 5], hist[1:, :, 6]
        c_prev, c, ifs = hist[:-1, :, 4], hist[1:, :, 4], hist[1:, :, :3]
        w_ci, w_cf, w_co = (0.5 * w_peep).unbind(0)
        # d_all row t: [carry, dz_i, dz_f, dz_g, dz_o] where carry is the
        # gradient of the doubled state 2c_{t-1} through step t (the slot is
        # scratch space before the loop)
        d_all = history.new_empty(T, B, 5, H)
        # Factors of all steps at once (with respect to 2c and the gate
        # pre-activations, z_g doubled):
        #   dz_o = dh * A;  d2c = carry + dh * Bc;
        #   (carry_prev, dz_i, dz_f, dz_g) = d2c * (K, M_i, M_f, M_g)
        kmig = history.new_empty(T, B, 4, H)
        a_bc = history.new_empty(T, B, 2, H)
        u = torch.addcmul(ifs, ifs, ifs, value=-1.0, out=d_all[:, :, 1:4])  # x(1 - x)
        m_i, m_f, m_g = kmig[:, :, 1], kmig[:, :, 2], kmig[:, :, 3]
        torch.add(history.new_tensor(-2.0), s, alpha=4.0, out=m_i).mul_(u[:, :, 0])  # 2g i(1-i)
        torch.mul(c_prev, u[:, :, 1], out=m_f)
        torch.mul(i, u[:, :, 2], out=m_g).mul_(4.0)  # 2i 2s(1-s)
        torch.addcmul(f, m_i, w_ci, out=kmig[:, :, 0]).addcmul_(m_f, w_cf)
        o_th = torch.mul(o, th, out=d_all[:, :, 4])
        a = torch.addcmul(o_th, o_th, o, value=-1.0, out=a_bc[:, :, 0])  # tanh(c) o(1-o)
        # o (1 - tanh^2) / 2 + A w_co
        torch.mul(o, 0.5, out=a_bc[:, :, 1]).addcmul_(o_th, th, value=-0.5).addcmul_(a, w_co)
        # the final states' gradients enter at each sequence's last real step
        if lengths is None:
            grad_out = grad_h_all[1:]
            dh = grad_out[T - 1] + grad_h_n
            carry = 0.5 * grad_c_n
            grad_c = None
        else:
            batch = torch.arange(B, device=lengths.device)
            grad_out = grad_h_all.index_put((lengths, batch), grad_h_n, accumulate=True)[1:]
            grad_c = grad_h_all.new_zeros(T + 1, B, H).index_put_((lengths, batch), 0.5 * grad_c_n)[1:]
            dh, carry = grad_out[T - 1].clone(), grad_c[T - 1]
        d2c = torch.empty_like(dh)
        d2c_col = d2c.unsqueeze(1)
        d_flat = d_all.view(T, B, 5 * H)
        steps = zip(
            range(T - 1, -1, -1), a_bc[:, :, 0].unbind(0)[::-1], a_bc[:, :, 1].unbind(0)[::-1],
            kmig.unbind(0)[::-1], d_all[:, :, 4].unbind(0)[::-1], d_all[:, :, :4].unbind(0)[::-1],
            d_flat[:, :, H:].unbind(0)[::-1],
        )
        carries = [carry] + list(d_all[1:, :, 0].unbind(0)[::-1])
        grads_prev = [None] + list(grad_out[:-1].unbind(0)[::-1])
        grads_c = None if grad_c is None else [None] + list(grad_c[:-1].unbind(0)[::-1])
        mul, addcmul, addmm = torch.mul, torch.addcmul, torch.addmm
        for t, a_t, bc_t, kmig_t, d_o, d_cifg, d_gates in steps:
            mul(dh, a_t, out=d_o)
            addcmul(carries[T - 1 - t], dh, bc_t, out=d2c)
            if grads_c is not None and t < T - 1:
                d2c.add_(grads_c[T - 1 - t])
            mul(kmig_t, d2c_col, out=d_cifg)
            if t:
                addmm(grads_prev[T - t], d_gates, w2, out=dh)
        d_gates = d_flat[:, :, H:]
        d_w_hh = d_gates.reshape(T * B, 4 * H).t().mm(history[:-1, :, 3 * H : 4 * H].reshape(T * B, H))
        d_w_hh[2 * H : 3 * H] *= 2.0  # w_hh's g rows were doubled
        # peephole gradients: sum over steps and batch of dz * c (2c / 2)
        prods = torch.mul(d_all[:, :, 1:3], c_prev.unsqueeze(2), out=kmig[:, :, :2])
        torch.mul(d_all[:, :, 4], c, out=kmig[:, :, 2])
        d_peep = kmig[:, :, :3].sum((0, 1)).mul_(0.5)
        del prods
        return d_gates, d_w_hh, d_peep, None


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
        """Hidden states (T + 1, B, H), the first one zero, and h_n, c_n of one direction."""
        T, B, _ = x.shape
        # the g columns enter doubled: tanh(z) = 2 sigmoid(2 z) - 1 (see the Function)
        scale = x.new_ones(4, 1)
        scale[2] = 2.0
        w_ih = getattr(self, f"weight_ih_{name}")
        w_ih = (w_ih.view(4, self.hidden_size, -1) * scale[:, :, None]).view_as(w_ih)
        bias = (getattr(self, f"bias_{name}").view(4, -1) * scale).view(-1)
        x_proj = torch.addmm(bias, x.reshape(T * B, -1), w_ih.t())
        return _PeepholeRecurrence.apply(
            x_proj.view(T, B, -1), getattr(self, f"weight_hh_{name}"),
            getattr(self, f"weight_peep_{name}"), lengths,
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
            outputs = [h_all[1:] if lengths is None else h_all.gather(0, held)]
            h_states.append(h_n)
            c_states.append(c_n)
            if self.bidirectional:
                if lengths is None:
                    h_all, h_n, c_n = self._direction(seq.flip(0), None, f"l{layer}_reverse")
                    outputs.append(h_all[1:].flip(0))
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
