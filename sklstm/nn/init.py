"""Keras-style initialisation of recurrent networks.

PyTorch initialises every LSTM weight and bias uniformly in
``[-1/sqrt(hidden), 1/sqrt(hidden)]``. Keras' defaults learn long dependencies
much faster: Glorot (Xavier) uniform input weights, orthogonal recurrent
weights, zero biases except a forget-gate bias of one (Jozefowicz et al.,
2015), and Glorot uniform dense layers with zero bias.
"""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["keras_init_"]


@torch.no_grad()
def keras_init_(module: nn.Module) -> nn.Module:
    """Initialise every LSTM and Linear layer of ``module`` in place, as Keras does.

    - ``weight_ih_*``: Xavier (Glorot) uniform over the stacked gate matrix;
    - ``weight_hh_*``: orthogonal;
    - ``bias_ih_*``: zero, except the forget-gate slice set to 1;
    - ``bias_hh_*``: zero (PyTorch adds both biases, so the forget bias is 1);
    - ``nn.Linear``: Xavier uniform weight, zero bias;
    - ``nn.Embedding``: uniform in [-0.05, 0.05].

    Parameters
    ----------
    module : nn.Module
        Any module; its ``nn.LSTM`` and ``nn.Linear`` submodules are changed.

    Returns
    -------
    module : nn.Module
        The same module, for chaining.

    Examples
    --------
    >>> from torch import nn
    >>> from sklstm.nn import keras_init_
    >>> lstm = keras_init_(nn.LSTM(3, 4))
    >>> lstm.bias_ih_l0[4:8].tolist()
    [1.0, 1.0, 1.0, 1.0]
    """
    for sub in module.modules():
        if isinstance(sub, nn.LSTM):
            hidden = sub.hidden_size
            for name, param in sub.named_parameters():
                if name.startswith("weight_ih"):
                    nn.init.xavier_uniform_(param)
                elif name.startswith("weight_hh"):
                    nn.init.orthogonal_(param)
                elif name.startswith("bias_ih"):
                    param.zero_()
                    param[hidden : 2 * hidden] = 1.0  # gate order: i, f, g, o
                elif name.startswith("bias_hh"):
                    param.zero_()
        elif isinstance(sub, nn.Embedding):
            nn.init.uniform_(sub.weight, -0.05, 0.05)
        elif isinstance(sub, nn.Linear):
            nn.init.xavier_uniform_(sub.weight)
            if sub.bias is not None:
                sub.bias.zero_()
    return module
