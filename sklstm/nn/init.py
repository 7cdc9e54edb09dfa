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
def keras_init_(module: nn.Module, generator: torch.Generator | None = None) -> nn.Module:
    """Initialise every recurrent, Embedding and Linear layer of ``module`` in place.

    For ``nn.LSTM``, ``nn.GRU``, ``nn.RNN`` and :class:`~sklstm.nn.PeepholeLSTM`:

    - input weights ``weight_ih_*`` (and LSTM projections ``weight_hr_*``):
      Xavier (Glorot) uniform over the stacked gate matrix;
    - recurrent weights ``weight_hh_*``: orthogonal;
    - biases: zero, except an LSTM's forget-gate bias, set to 1 (PyTorch adds
      ``bias_ih`` and ``bias_hh``, so only ``bias_ih`` carries it);
    - peephole weights: zero (the cell starts as a plain LSTM).

    ``nn.Linear``: Xavier uniform weight, zero bias. ``nn.Embedding``: uniform
    in [-0.05, 0.05].

    Parameters
    ----------
    module : nn.Module
        Any module; its recurrent, ``nn.Linear`` and ``nn.Embedding``
        submodules are changed.
    generator : torch.Generator or None, default=None
        Source of the random draws; None uses PyTorch's global generator.
        With a generator of its own, initialising is reproducible even while
        other threads draw random numbers.

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
    >>> import torch
    >>> a = keras_init_(nn.LSTM(3, 4), torch.Generator().manual_seed(0))
    >>> b = keras_init_(nn.LSTM(3, 4), torch.Generator().manual_seed(0))
    >>> torch.equal(a.weight_hh_l0, b.weight_hh_l0)
    True
    """
    from .peephole import PeepholeLSTM

    for sub in module.modules():
        if isinstance(sub, (nn.LSTM, nn.GRU, nn.RNN, PeepholeLSTM)):
            lstm_like = isinstance(sub, (nn.LSTM, PeepholeLSTM))
            hidden = sub.hidden_size
            for name, param in sub.named_parameters():
                if name.startswith(("weight_ih", "weight_hr")):
                    nn.init.xavier_uniform_(param, generator=generator)
                elif name.startswith("weight_hh"):
                    nn.init.orthogonal_(param, generator=generator)
                elif name.startswith("weight_peep"):
                    param.zero_()
                elif name.startswith("bias"):
                    param.zero_()
                    if lstm_like and not name.startswith("bias_hh"):
                        param[hidden : 2 * hidden] = 1.0  # gate order: i, f, g, o
        elif isinstance(sub, nn.Embedding):
            nn.init.uniform_(sub.weight, -0.05, 0.05, generator=generator)
        elif isinstance(sub, nn.Linear):
            nn.init.xavier_uniform_(sub.weight, generator=generator)
            if sub.bias is not None:
                sub.bias.zero_()
    return module
