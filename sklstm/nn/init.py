"""Initialisation of recurrent networks: Keras', chrono, and the estimators' default.

PyTorch initialises every LSTM weight and bias uniformly in
``[-1/sqrt(hidden), 1/sqrt(hidden)]``. Keras' defaults learn long dependencies
much faster: Glorot (Xavier) uniform input weights, orthogonal recurrent
weights, zero biases except a forget-gate bias of one (Jozefowicz et al.,
2015), and Glorot uniform dense layers with zero bias. The "chrono" gate
biases of Tallec & Ollivier (2018) spread the units' memory over the
sequence length, and shorten the loss plateau of long-memory tasks further.
:func:`default_init_` is what the estimators use.
"""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["chrono_init_", "default_init_", "keras_init_"]


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


def _lstm_layers(module: nn.Module):
    from .peephole import PeepholeLSTM

    return [sub for sub in module.modules() if isinstance(sub, (nn.LSTM, PeepholeLSTM))]


@torch.no_grad()
def chrono_init_(
    module: nn.Module, max_length: int, generator: torch.Generator | None = None
) -> nn.Module:
    """Set the gate biases of every LSTM in ``module`` to the "chrono" initialisation.

    Tallec & Ollivier (2018, "Can recurrent neural networks warp time?"):
    each hidden unit's forget-gate bias is ``log(u)`` with ``u`` uniform in
    ``[1, max_length - 1]`` and its input-gate bias is ``-log(u)``, so the
    units start with memories spread over time scales of 1 to ``max_length``
    steps. PyTorch adds ``bias_ih`` and ``bias_hh``: ``bias_ih`` (a
    PeepholeLSTM's one bias) carries the values, the gate slices of
    ``bias_hh`` are zeroed. Other biases and all
    weights are left as they are; GRU and tanh RNN layers are not touched.

    Parameters
    ----------
    module : nn.Module
        Any module; its ``nn.LSTM`` and :class:`~sklstm.nn.PeepholeLSTM`
        layers (every layer and direction) are changed.
    max_length : int
        The longest dependency to expect, in steps (e.g. the longest training
        sequence). Below 3 every unit gets ``u = 1`` (biases 0).
    generator : torch.Generator or None, default=None
        Source of the random draws; None uses PyTorch's global generator.

    Returns
    -------
    module : nn.Module
        The same module, for chaining.

    Examples
    --------
    >>> import torch
    >>> from torch import nn
    >>> from sklstm.nn import chrono_init_
    >>> lstm = chrono_init_(nn.LSTM(3, 4), max_length=100, generator=torch.Generator().manual_seed(0))
    >>> forget = lstm.bias_ih_l0[4:8]
    >>> bool((forget >= 0).all() and (forget <= torch.log(torch.tensor(99.0))).all())
    True
    >>> torch.equal(lstm.bias_ih_l0[0:4], -forget)
    True
    """
    high = max(float(max_length) - 1.0, 1.0)
    for lstm in _lstm_layers(module):
        hidden = lstm.hidden_size
        for name, param in lstm.named_parameters():
            if name.startswith("bias_hh"):
                param[: 2 * hidden] = 0.0
            elif name.startswith("bias"):  # bias_ih_* (nn.LSTM), bias_* (PeepholeLSTM)
                u = torch.empty(hidden, dtype=param.dtype).uniform_(1.0, high, generator=generator)
                forget = torch.log(u).to(param.device)
                param[hidden : 2 * hidden] = forget  # gate order: i, f, g, o
                param[:hidden] = -forget
    return module


@torch.no_grad()
def default_init_(
    module: nn.Module,
    generator: torch.Generator | None = None,
    *,
    max_length: int | None = None,
) -> nn.Module:
    """The estimators' initialisation: Keras', unit-variance embeddings, chrono LSTM gates.

    - recurrent and ``nn.Linear`` layers: :func:`keras_init_`;
    - ``nn.Embedding``: normal with mean 0 and standard deviation 1, PyTorch's
      default (Keras' uniform ±0.05 leaves a character-level model at chance
      for tens of epochs: the LSTM's inputs are too small to move its gates);
    - LSTM gate biases, when ``max_length`` is given: :func:`chrono_init_`.

    Parameters
    ----------
    module : nn.Module
        Any module; its recurrent, ``nn.Linear`` and ``nn.Embedding``
        submodules are changed.
    generator : torch.Generator or None, default=None
        Source of the random draws; None uses PyTorch's global generator.
    max_length : int or None, default=None
        The longest training sequence: the time scale of the chrono gate
        biases. None keeps Keras' forget-gate bias of 1.

    Returns
    -------
    module : nn.Module
        The same module, for chaining.

    Examples
    --------
    >>> import torch
    >>> from torch import nn
    >>> from sklstm.nn import default_init_
    >>> net = default_init_(nn.Embedding(100, 8), torch.Generator().manual_seed(0))
    >>> round(float(net.weight.detach().std()), 1)
    1.0
    """
    keras_init_(module, generator=generator)
    for sub in module.modules():
        if isinstance(sub, nn.Embedding):
            nn.init.normal_(sub.weight, generator=generator)
    if max_length is not None:
        chrono_init_(module, max_length, generator=generator)
    return module
