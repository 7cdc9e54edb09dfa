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

Speed: each layer and direction is one custom autograd Function with a
hand-written backward pass. For float32 on the CPU its time loops run in C
(``_peephole_loops.c``, compiled at first use, see ``_native``): per step one
matrix product (PyTorch's own BLAS ``sgemm``) and one fused, vectorised pass
of gate arithmetic, each thread running the recurrence for its own slice of
the batch (a sequence's steps depend on its own earlier steps only), and per
chunk of steps the input projection and weight gradients as single products.
Everywhere else (float64, CUDA, no C compiler, ``SKLSTM_NATIVE=0``) the same
computation runs as PyTorch kernels, where each small kernel costs about a
microsecond, mostly call overhead, so what counts is how many calls a time
step makes:

- per step, forward: one in-place ``addmm_`` and eight elementwise kernels,
  all writing into preallocated memory. tanh is never called (PyTorch's CPU
  tanh costs several times its sigmoid): ``tanh(z) = 2 sigmoid(2 z) - 1 =
  1 - 2 sigmoid(-2 z)``, with the g rows of the weights doubled so that the
  cell input shares the sigmoid call of the i and f gates, and the cell state
  kept as ``-2 c`` so that ``tanh(c_t)`` shares the o gate's and
  ``h_t = o_t - 2 o_t sigmoid(-2 c_t)`` is a single ``addcmul``.
- per step, backward: three elementwise kernels and one in-place ``addmm_``,
  with derivative factors prepared for a whole chunk of steps at once.
- per chunk of up to ``CHUNK`` steps (fewer for large batch x hidden): the
  input projection, the copy into the history kept for the backward pass
  (only h and c when no gradient is needed), the derivative factors, the
  gradients of h from outside and the weight gradients are a few kernels
  each over all the chunk's steps.
- the scratch buffers and their per-step views are made once and reused from
  call to call (per thread), and the loops run under ``torch.inference_mode``,
  which dispatches kernels faster (nothing made there outlives the call).

Variable lengths cost nothing in the loop: a sequence's steps do not depend on
later ones, so the recurrence runs through the (zeroed) padding and each
sequence's outputs and final states are picked afterwards; the backward
direction reads each sequence reversed within its own length.
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.autograd.function import once_differentiable

from . import _native
from ._scratch import cached as _cached
from ._scratch import gate_scale as _gate_scale
from ._stack import run_stack

__all__ = ["PeepholeLSTM"]

#: Most time steps whose input projection, history copy, derivative factors
#: and weight gradients are computed together.
CHUNK = 32

#: At most this many batch x hidden elements per chunk, but at least 4 steps:
#: the scratch buffers hold about 20 values per element (~10 MiB in float32
#: up to batch x hidden = 32,768), and shorter chunks of large batches and
#: hidden sizes stay in cache better (batch 256, hidden 256: 10% faster than
#: 32-step chunks).
CHUNK_ELEMENTS = 32 * 64 * 64

def _chunk_limit(B, H):
    """Most steps per chunk for batch B and hidden size H: CHUNK, fewer for large B H."""
    return min(CHUNK, max(4, CHUNK_ELEMENTS // (B * H)))


def _chunk(T, limit):
    """Steps per chunk: at most ``limit``, as even as possible."""
    chunks = max(1, -(-T // limit))
    return max(1, -(-T // chunks))


def _new_history(like, rows, B, width):
    """The per-call history of the steps: (rows, B, width) (a test hook for its width)."""
    return like.new_empty(rows, B, width)


def _forward_ring(C, B, H, like):
    """Ring of C + 1 step rows ``(B, 7H)``: [i, f, s -> -2g, z_o -> h, -2c, o, v].

    Row 0 holds the step before row 1. Returns the ring, the rows' input
    projection slots as one ``(C B, 4H)`` matrix, and the views each step uses.
    """
    ring = like.new_empty(C + 1, B, 7 * H)
    slots = ring.view(C + 1, B, 7, H)
    views = list(zip(
        ring[1:, :, : 4 * H].unbind(0),  # gates
        slots[1:, :, :2].unbind(0),  # i, f pre-activations
        ring[1:, :, : 3 * H].unbind(0),  # i, f, s
        *(slots[1:, :, j].unbind(0) for j in range(5)),  # i, f, s, h, -2c
        ring[1:, :, 3 * H : 5 * H].unbind(0),  # z_o, -2c
        ring[1:, :, 5 * H :].unbind(0),  # o, v = sigmoid(-2c)
        slots[1:, :, 5].unbind(0), slots[1:, :, 6].unbind(0),
        slots[:-1, :, 3].unbind(0), slots[:-1, :, 4].unbind(0),  # h, -2c of the step before
        slots[:-1, :, 4:5].unbind(0),  # the same -2c as (B, 1, H)
    ))
    constants = _gate_scale(H, like, 1.0, 1.0, 2.0, 1.0), like.new_tensor(2.0)
    return ring, ring.view((C + 1) * B, 7 * H)[B:, : 4 * H], views, constants


def _backward_buffers(C, B, H, like):
    """Derivative factors and gate gradients of a chunk, each step's views, constants.

    ``kmig`` (C, B, 4, H): K, M_i, M_f, M_g; ``a_bc`` (C, B, 2, H): A, Bc;
    ``grads`` (C + 1, B, 5H): carry, -2 dz_i, -2 dz_f, 4 dz_g, dz_o, with row
    C the carry coming in from the next chunk.
    """
    kmig, a_bc = like.new_empty(C, B, 4, H), like.new_empty(C, B, 2, H)
    grads = like.new_empty(C + 1, B, 5 * H)
    slots = grads.view(C + 1, B, 5, H)
    dh = like.new_empty(C + 1, B, H)  # row k: gradient of h at step k; row C: scratch
    views = list(zip(
        a_bc[:, :, 0].unbind(0), a_bc[:, :, 1].unbind(0), kmig.unbind(0), slots[:, :, 4].unbind(0),
        slots[:, :, :4].unbind(0), grads[:, :, H:].unbind(0), slots[1:, :, 0].unbind(0),
        dh[:C].unbind(0), (dh[C], *dh[: C - 1].unbind(0)),  # dh of the step, of the one before
    ))
    dc = like.new_empty(B, H)  # gradient of the step's cell state
    constants = _gate_scale(H, like, -0.5, -0.5, 0.25, 1.0), like.new_tensor(4.0)
    return kmig, a_bc, grads, dh, views, dc, dc.unsqueeze(1), constants


class _PeepholeRecurrence(torch.autograd.Function):
    """Input projection and time loop of one layer and direction (see the module docstring).

    Inside, ``s = sigmoid(2 z_g)`` gives ``-2g = 2 - 4 s`` and the cell state
    is kept as ``-2c``, so ``v = sigmoid(-2c)`` gives ``tanh(c) = 1 - 2v`` and
    the peepholes act on ``-2c`` with weights times -1/2. Backward, with ``dh``
    and ``dc`` the gradients of ``h_t`` and ``c_t`` and ``carry`` the part of
    ``dc`` from later steps, each step is::

        dz_o = dh A;  dc = carry + dh Bc
        (carry_prev, -2 dz_i, -2 dz_f, 4 dz_g) = dc (K, M_i, M_f, M_g)
        dh_prev = grad_out_prev + (-2 dz_i, -2 dz_f, 4 dz_g, dz_o) @ (W_hh / (-2, -2, 4, 1))

    with the factors ``A = h (1 - o)``, ``Bc = o - h tanh(c) + A w_co``,
    ``M_i = -2g i (1 - i)``, ``M_f = -2c_prev f (1 - f)``, ``M_g = 4i (1 - g^2)``
    and ``K = f - (M_i w_ci + M_f w_cf) / 2``.
    """

    @staticmethod
    def forward(ctx, x, w_ih, bias, w_hh, w_peep, lengths, grad_enabled):
        # x: (T, B, F); lengths: (B,) int64 in [0, T] or None. Returns the
        # hidden states, (T + 1, B, H) from a zero one with lengths and (T, B,
        # H) without, and h_n, c_n after each sequence's last real step.
        T, B, F = x.shape
        H = w_hh.shape[1]
        limit = _chunk_limit(B, H)
        C = _chunk(T, limit)
        # row t + 1 of the history: step t; all 7 values for the backward
        # pass, only h and -2c when no gradient is needed. (Under no_grad the
        # weights still "need" gradients: the caller's grad mode decides.)
        training = grad_enabled and any(ctx.needs_input_grad)
        history = _new_history(x, T + 1, B, 7 * H if training else 2 * H)
        history[0] = 0.0
        x = x.reshape(T * B, F)
        lib = _native.loops() if x.dtype == torch.float32 and x.device.type == "cpu" and T else None
        if lib is None:
            _torch_forward(C, limit, x, w_ih, bias, w_hh, w_peep, history)
        else:
            x = x.contiguous()
            _native.forward(lib, C, limit, x, w_ih, bias, w_hh, w_peep, history)
        h_slot = 3 * H if training else 0
        h_all = history[:, :, h_slot : h_slot + H]
        c_all = history[:, :, h_slot + H : h_slot + 2 * H]
        if lengths is None:
            h_n, c_n = h_all[T].clone(), -0.5 * c_all[T]
        else:
            batch = torch.arange(B, device=lengths.device)
            h_n, c_n = h_all[lengths, batch], -0.5 * c_all[lengths, batch]
        if training:
            ctx.native = lib is not None
            ctx.save_for_backward(x, w_ih, w_hh, w_peep, history, lengths)
            ctx.set_materialize_grads(False)  # unused outputs cost no zero tensors
        return (h_all[1:] if lengths is None else h_all), h_n, c_n

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_h_all, grad_h_n, grad_c_n):
        # Gradients of unused outputs arrive as None (not materialised).
        x, w_ih, w_hh, w_peep, history, lengths = ctx.saved_tensors
        T, F = history.shape[0] - 1, x.shape[1]
        B, H = x.shape[0] // T, w_hh.shape[1]
        limit = _chunk_limit(B, H)
        C = _chunk(T, limit)
        # grad_out[t]: the gradient of h_t from outside; the final states'
        # gradients enter at each sequence's last real step
        grad_out, grad_c, dh_next = grad_h_all, None, grad_h_n
        carry = grad_c_n
        if lengths is not None:
            batch = torch.arange(B, device=lengths.device)
            if grad_h_n is not None:
                if grad_out is None:
                    grad_out = history.new_zeros(T + 1, B, H)
                grad_out = grad_out.index_put((lengths, batch), grad_h_n, accumulate=True)
            grad_out = None if grad_out is None else grad_out[1:]
            if grad_c_n is not None:
                grad_c = history.new_zeros(T + 1, B, H).index_put_((lengths, batch), grad_c_n)[1:]
                carry = grad_c[T - 1]
                grad_c = grad_c if ctx.native else grad_c.unbind(0)
            dh_next = None
        if ctx.native:
            sums = _native.backward(
                _native.loops(), C, limit, (x, w_ih, w_hh, w_peep, history),
                ctx.needs_input_grad[0], grad_out, grad_c, carry, dh_next,
            )
            return _gradients(*sums, (T, B, F))
        kmig, a_bc, grads, dh_rows, views, dc, dc_col, (scale, four) = _cached(
            ("backward", limit, B, H, x.dtype, x.device), lambda: _backward_buffers(limit, B, H, x))
        w_hh = w_hh * scale
        w_ci, w_cf = -0.5 * w_peep[:2]
        w_co = w_peep[2]
        slots = grads.view(limit + 1, B, 5, H)
        if carry is None:
            carry = history.new_zeros(B, H)
        hist = history.view(T + 1, B, 7, H)
        d_w_hh, d_w_ih_t = torch.zeros_like(w_hh), w_hh.new_zeros(F, 4 * H)
        d_bias, d_peep = w_hh.new_zeros(4 * H), w_hh.new_zeros(3, H)
        d_x = x.new_empty(T * B, F) if ctx.needs_input_grad[0] else None
        if d_x is not None:  # a column-major right factor: twice as fast as w_ih itself
            w_ih_t = (w_ih * scale).t().contiguous()
        mul, addcmul, vecdot = torch.mul, torch.addcmul, torch.linalg.vecdot
        with torch.inference_mode():  # only the accumulators outlive it
            for t0 in reversed(range(0, T, C)):
                n = min(C, T - t0)
                rows = hist[t0 + 1 : t0 + n + 1]
                i, f, g2, h, c, o, v = rows.unbind(2)  # g2 = -2g, c = -2c
                c_prev = hist[t0 : t0 + n, :, 4]
                # the chunk's factors (grads' i, f slots: scratch x(1 - x) until the loop)
                i_f = rows[:, :, :2]
                u = addcmul(i_f, i_f, i_f, value=-1.0, out=slots[:n, :, 1:3])
                m_i = mul(g2, u[:, :, 0], out=kmig[:n, :, 1])
                m_f = mul(c_prev, u[:, :, 1], out=kmig[:n, :, 2])
                addcmul(four, g2, g2, value=-1.0, out=kmig[:n, :, 3]).mul_(i)
                addcmul(f, m_i, w_ci, out=kmig[:n, :, 0]).addcmul_(m_f, w_cf)
                a = addcmul(h, h, o, value=-1.0, out=a_bc[:n, :, 0])
                bc = torch.sub(o, h, out=a_bc[:n, :, 1]).addcmul_(h, v, value=2.0)  # o - h tanh c
                bc.addcmul_(a, w_co)
                slots[n, :, 0] = carry
                # the gradients of h from outside, for the whole chunk at once;
                # the steps then add the recurrent part in place
                if grad_out is None:
                    dh_rows[:n].zero_()
                else:
                    dh_rows[:n].copy_(grad_out[t0 : t0 + n])
                if dh_next is not None:  # from the chunk after this one
                    dh_rows[n - 1].add_(dh_next)
                for k in range(n - 1, -1, -1):
                    a_k, bc_k, kmig_k, dz_o, d_cifg, dz, carry_in, dh, dh_prev = views[k]
                    mul(dh, a_k, out=dz_o)
                    addcmul(carry_in, dh, bc_k, out=dc)
                    if grad_c is not None and t0 + k < T - 1:
                        dc.add_(grad_c[t0 + k])
                    mul(kmig_k, dc_col, out=d_cifg)
                    if k:
                        dh_prev.addmm_(dz, w_hh)
                if t0:  # dh of the last step of the chunk before (row C: scratch)
                    dh_next = torch.mm(grads[0, :, H:], w_hh, out=dh_rows[limit])
                carry = slots[0, :, 0].clone()
                # the chunk's share of the weight gradients
                dz = grads[:n, :, H:].reshape(n * B, 4 * H)
                d_w_hh.addmm_(dz.t(), hist[t0 : t0 + n, :, 3].reshape(n * B, H))
                d_w_ih_t.addmm_(x[t0 * B : (t0 + n) * B].t(), dz)
                d_bias += dz.sum(0)
                if d_x is not None:
                    torch.mm(dz, w_ih_t.t(), out=d_x[t0 * B : (t0 + n) * B])
                for row, (slot, state) in enumerate(((1, c_prev), (2, c_prev), (4, c))):
                    pairs = slots[:n, :, slot].reshape(n * B, H), state.reshape(n * B, H)
                    d_peep[row] += vecdot(*pairs, dim=0)
        return _gradients(d_x, d_w_ih_t, d_bias, d_w_hh, d_peep, scale, (T, B, F))


def _torch_forward(C, limit, x, w_ih, bias, w_hh, w_peep, history):
    """The forward time loop in PyTorch kernels, writing ``history`` (see the module docstring)."""
    T, B, H = history.shape[0] - 1, history.shape[1], w_hh.shape[1]
    ring, projections, views, (scale, two) = _cached(
        ("forward", limit, B, H, x.dtype, x.device), lambda: _forward_ring(limit, B, H, x))
    w_ih_t, w_hh_t = (w_ih * scale).t(), (w_hh * scale).t()  # z_g doubled
    bias = bias * scale[:, 0]
    w_if, w_co = -0.5 * w_peep[:2], -0.5 * w_peep[2]  # they act on -2c
    ring[0, :, 3 * H : 5 * H] = 0.0  # h_0, c_0
    kept = slice(None) if history.shape[2] == 7 * H else slice(3 * H, 5 * H)
    sigmoid, mul, add, addcmul = torch.sigmoid, torch.mul, torch.add, torch.addcmul
    with torch.inference_mode():  # every kernel writes into existing memory
        for t0 in range(0, T, C):
            n = min(C, T - t0)
            if t0:
                ring[0].copy_(ring[C])
            torch.addmm(bias, x[t0 * B : (t0 + n) * B], w_ih_t, out=projections[: n * B])
            for step in views[:n]:
                (gates, pre_if, ifs, i, f, s, h, c, oc_in, oc, o, v,
                 h_prev, c_prev, c_prev_col) = step
                gates.addmm_(h_prev, w_hh_t)
                pre_if.addcmul_(w_if, c_prev_col)
                ifs.sigmoid_()
                add(two, s, alpha=-4.0, out=s)  # -2g
                mul(f, c_prev, out=c).addcmul_(i, s)  # -2c = f (-2c_prev) + i (-2g)
                h.addcmul_(w_co, c)  # z_o
                sigmoid(oc_in, out=oc)  # o, v
                addcmul(o, o, v, value=-2.0, out=h)  # o tanh(c)
            history[t0 + 1 : t0 + n + 1].copy_(ring[1 : n + 1, :, kept])


def _gradients(d_x, d_w_ih_t, d_bias, d_w_hh, d_peep, scale, x_shape):
    """What ``backward`` returns, from the sums both loops accumulate.

    The weight gradients are of the scaled gates (-2 dz_i, -2 dz_f, 4 dz_g,
    dz_o): ``scale`` undoes that. d_peep's rows are (-2 dz_i, -2 dz_f, dz_o)
    times -2c: 1/4, 1/4 and -1/2 give the gradients of w_ci, w_cf, w_co.
    """
    d_peep = d_peep * d_peep.new_tensor([[0.25], [0.25], [-0.5]])
    d_x = None if d_x is None else d_x.view(x_shape)
    return d_x, d_w_ih_t.t() * scale, d_bias * scale[:, 0], d_w_hh * scale, d_peep, None, None


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
                shapes = {
                    "weight_ih": (4 * hidden_size, layer_input),
                    "weight_hh": (4 * hidden_size, hidden_size),
                    "bias": (4 * hidden_size,),
                    "weight_peep": (3, hidden_size),
                }
                for kind, shape in shapes.items():
                    self.register_parameter(f"{kind}_{name}", nn.Parameter(torch.empty(shape)))
        self.reset_parameters()

    @torch.no_grad()
    def reset_parameters(self) -> None:
        """PyTorch's LSTM default: uniform in ±1/sqrt(hidden_size) for all weights."""
        bound = 1.0 / math.sqrt(self.hidden_size)
        for param in self.parameters():
            nn.init.uniform_(param, -bound, bound)

    def _direction(self, x, lengths, name):
        """Hidden states ((T + 1, B, H) from a zero one with lengths, else (T, B, H)), h_n, c_n."""
        kinds = ("weight_ih", "bias", "weight_hh", "weight_peep")
        weights = (getattr(self, f"{kind}_{name}") for kind in kinds)
        return _PeepholeRecurrence.apply(x, *weights, lengths, torch.is_grad_enabled())

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
        def direction(seq, lengths, index, reverse):
            name = f"l{index // (2 if self.bidirectional else 1)}{'_reverse' if reverse else ''}"
            return self._direction(seq, lengths, name)

        output, (h_n, c_n) = run_stack(
            x, lengths, direction, hidden_size=self.hidden_size, num_layers=self.num_layers,
            bidirectional=self.bidirectional, dropout=self.dropout, training=self.training,
        )
        return output, (h_n, c_n)
