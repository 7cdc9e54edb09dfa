"""Moving a per-feature standardisation into (and out of) a network's first layer.

A network trained on ``(x - mean) / scale`` computes, in its first recurrent
layer, ``W (x - mean) / scale + b = (W / scale) x + (b - (W / scale) mean)``.
:func:`fold_input_scaling_` writes those weights, so the network then takes
raw features; :func:`unfold_input_scaling_` undoes it to train on. Every cell
adds its input product to one bias (``bias_ih`` of ``nn.LSTM``/``nn.GRU``/
``nn.RNN``, the one ``bias`` of the peephole LSTM), so the fold is exact up
to float32 rounding (done in float64).
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

__all__ = ["fold_input_scaling_", "unfold_input_scaling_"]


def _first_layer(network: nn.Module):
    """(input weight, input bias) of each direction of the first recurrent layer."""
    params = dict(network.recurrent.named_parameters())
    for suffix in ("", "_reverse"):
        weight = params.get(f"weight_ih_l0{suffix}")
        if weight is None:
            continue
        bias = params.get(f"bias_ih_l0{suffix}", params.get(f"bias_l0{suffix}"))
        yield weight, bias


@torch.no_grad()
def _apply(network: nn.Module, mean: np.ndarray, scale: np.ndarray, fold: bool) -> nn.Module:
    if network.embedding is not None:
        raise ValueError("a network that reads token ids has no input features to scale")
    for weight, bias in _first_layer(network):
        w = weight.detach().cpu().double()
        m = torch.as_tensor(mean, dtype=torch.float64)
        s = torch.as_tensor(scale, dtype=torch.float64)
        if fold:  # W' = W / s, b' = b - W' m
            new_w = w / s
            shift = -(new_w @ m)
        else:  # W = W' s, b = b' + W' m
            new_w = w * s
            shift = w @ m
        weight.copy_(new_w.to(weight.dtype))
        if bias is not None:
            bias.copy_((bias.detach().cpu().double() + shift).to(bias.dtype))
    return network


def fold_input_scaling_(network: nn.Module, mean: np.ndarray, scale: np.ndarray) -> nn.Module:
    """Make a network trained on standardised features take raw ones.

    Examples
    --------
    >>> import numpy as np, torch
    >>> from sklstm.nn import RecurrentNetwork
    >>> from sklstm.nn._input_scaling import fold_input_scaling_
    >>> net = RecurrentNetwork(2, 1, hidden_size=4).eval()
    >>> x = torch.randn(3, 5, 2)
    >>> mean, scale = np.array([1.0, -2.0]), np.array([0.5, 3.0])
    >>> on_standardised = net((x - torch.tensor(mean).float()) / torch.tensor(scale).float())
    >>> torch.allclose(fold_input_scaling_(net, mean, scale)(x), on_standardised, atol=1e-6)
    True
    """
    return _apply(network, mean, scale, fold=True)


def unfold_input_scaling_(network: nn.Module, mean: np.ndarray, scale: np.ndarray) -> nn.Module:
    """Undo :func:`fold_input_scaling_` (to go on training on standardised features).

    Examples
    --------
    >>> import numpy as np, torch
    >>> from sklstm.nn import RecurrentNetwork
    >>> from sklstm.nn._input_scaling import fold_input_scaling_, unfold_input_scaling_
    >>> net = RecurrentNetwork(2, 1, hidden_size=4, cell="peephole", bidirectional=True)
    >>> before = {k: v.clone() for k, v in net.state_dict().items()}
    >>> mean, scale = np.array([1.0, -2.0]), np.array([0.5, 3.0])
    >>> net = unfold_input_scaling_(fold_input_scaling_(net, mean, scale), mean, scale)
    >>> all(torch.allclose(before[k], v, atol=1e-6) for k, v in net.state_dict().items())
    True
    """
    return _apply(network, mean, scale, fold=False)
