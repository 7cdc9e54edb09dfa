"""Per-thread scratch buffers of the peephole loops, and the gate scaling they share.

Both the PyTorch loops (``peephole``) and the C loops (``_native``) keep their
chunk buffers here, made once and reused from call to call.
"""

from __future__ import annotations

import threading

import torch

__all__ = ["cached", "gate_scale"]

_scratch = threading.local()


def cached(key, make):
    """Scratch buffers (and views) for ``key``: kept per thread, rebuilt when absent.

    Examples
    --------
    >>> import torch
    >>> from sklstm.nn._scratch import cached
    >>> a = cached(("doc", 3), lambda: torch.zeros(3))
    >>> a is cached(("doc", 3), lambda: torch.ones(3))
    True
    """
    store = _scratch.__dict__
    if key not in store:
        if len(store) >= 4:
            store.clear()
        with torch.inference_mode(False):  # ordinary tensors, whatever the caller's mode
            store[key] = make()
    return store[key]


def gate_scale(H, like, i, f, g, o):
    """(4H, 1) column: the given factor for each gate's rows.

    Examples
    --------
    >>> import torch
    >>> from sklstm.nn._scratch import gate_scale
    >>> gate_scale(1, torch.zeros(1), 1.0, 1.0, 2.0, 1.0).ravel().tolist()
    [1.0, 1.0, 2.0, 1.0]
    """
    return like.new_tensor([i, f, g, o]).repeat_interleave(H)[:, None]
