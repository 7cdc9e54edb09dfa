"""Running a per-step network a chunk at a time, carrying the recurrent state.

Generating a sequence feeds each output back as the next input: running the
whole prefix again at every step would cost O(n²). :func:`run_with_state`
runs the recurrent stack of a :class:`RecurrentNetwork` built with
``per_step=True`` on new steps from a given state and returns the new
state, for every cell: PyTorch's modules take the state as their ``hx``;
the peephole LSTM is stepped here with its own weights (its fused loops
start from zeros).
"""

from __future__ import annotations

import torch

from .network import RecurrentNetwork
from .peephole import PeepholeLSTM

__all__ = ["run_with_state"]


def _peephole_steps(lstm: PeepholeLSTM, x: torch.Tensor, state):
    """The peephole stack on ``x`` (batch, time, features) from ``state`` (h, c) or zeros."""
    B, T = x.shape[:2]
    H, L = lstm.hidden_size, lstm.num_layers
    if state is None:
        zeros = x.new_zeros(L, B, H)
        state = (zeros, zeros.clone())
    h_all, c_all = list(state[0].unbind(0)), list(state[1].unbind(0))
    seq = x
    for layer in range(L):
        name = f"l{layer}"
        w_ih, w_hh = getattr(lstm, f"weight_ih_{name}"), getattr(lstm, f"weight_hh_{name}")
        bias, w_peep = getattr(lstm, f"bias_{name}"), getattr(lstm, f"weight_peep_{name}")
        h, c = h_all[layer], c_all[layer]
        inputs = torch.nn.functional.linear(seq, w_ih, bias)  # (B, T, 4H)
        outputs = []
        for t in range(T):
            z = inputs[:, t] + h @ w_hh.T
            z_i, z_f, z_g, z_o = z.split(H, dim=1)
            i = torch.sigmoid(z_i + w_peep[0] * c)
            f = torch.sigmoid(z_f + w_peep[1] * c)
            c = f * c + i * torch.tanh(z_g)
            o = torch.sigmoid(z_o + w_peep[2] * c)
            h = o * torch.tanh(c)
            outputs.append(h)
        h_all[layer], c_all[layer] = h, c
        seq = torch.stack(outputs, dim=1)
    return seq, (torch.stack(h_all), torch.stack(c_all))


@torch.inference_mode()
def run_with_state(network: RecurrentNetwork, x: torch.Tensor, state=None):
    """Per-step outputs of ``network`` for ``x``, starting from ``state``; and the new state.

    Parameters
    ----------
    network : RecurrentNetwork
        A unidirectional network built with ``per_step=True`` (in eval mode).
    x : Tensor of shape (batch, time, input_size), or int64 ids (batch, time)
        New steps, all real (no padding).
    state : tensor, tuple of tensors or None
        What the previous call returned; None starts from zeros.

    Returns
    -------
    outputs : Tensor of shape (batch, time, output_size)
    state : the recurrent state after the last step (pass it to the next call).

    Examples
    --------
    >>> import torch
    >>> from sklstm.nn import RecurrentNetwork, run_with_state
    >>> net = RecurrentNetwork(2, 3, hidden_size=4, per_step=True).eval()
    >>> x = torch.randn(1, 5, 2)
    >>> first, state = run_with_state(net, x[:, :3])
    >>> rest, _ = run_with_state(net, x[:, 3:], state)
    >>> torch.allclose(torch.cat([first, rest], 1), net(x), atol=1e-6)
    True
    """
    if not getattr(network, "per_step", False):
        raise ValueError("run_with_state needs a network built with per_step=True.")
    if network.bidirectional:
        raise ValueError(
            "a bidirectional network reads each sequence backwards too, so its outputs "
            "cannot be computed one step at a time; generate with bidirectional=False."
        )
    if network.embedding is not None:
        x = network.embedding(x)
    if isinstance(network.recurrent, PeepholeLSTM):
        outputs, state = _peephole_steps(network.recurrent, x, state)
    else:
        outputs, state = network.recurrent(x, state)
    return network.readout_steps(outputs), state
