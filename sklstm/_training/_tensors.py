"""The numpy → torch hand-off: validated arrays become tensors once, batches are slices.

The data layer (``sklstm._data``) returns numpy arrays and imports no torch;
this module turns them into one :class:`TensorData` on the training device.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

__all__ = [
    "TensorData",
    "fits_on_device",
    "map_tensors",
    "normalized_weights",
    "snapshot",
    "to_tensor_data",
]


@dataclass
class TensorData:
    """Sequences as tensors on the training device; batches are slices of them.

    ``lengths`` lives on the CPU (``pack_padded_sequence`` wants it there) and
    is ``None`` when no sequence is padded. ``weight`` is normalised to mean 1,
    so a batch loss is ``mean(weight * loss)``; ``None`` means equal weights.
    ``device`` is where batches are computed; when ``X`` is elsewhere (data too
    large for the GPU), each batch is gathered on the host and copied over
    through pinned memory.

    Examples
    --------
    >>> import torch
    >>> from sklstm._training import TensorData
    >>> data = TensorData(torch.zeros(5, 3, 1), None, torch.arange(5.0))
    >>> X, lengths, y, w = data.batch(slice(1, 3))
    >>> tuple(X.shape), y.tolist(), lengths, w
    ((2, 3, 1), [1.0, 2.0], None, None)
    """

    X: torch.Tensor
    lengths: torch.Tensor | None
    y: torch.Tensor | None = None
    weight: torch.Tensor | None = None
    device: torch.device | None = None

    def __len__(self) -> int:
        return self.X.shape[0]

    def batch(self, index):
        """Rows ``index`` (a slice, or an int64 index tensor on the CPU).

        With lengths, the time axis is cut at the batch's longest sequence
        (one step at least: a batch of empty sequences still has a step).
        """
        lengths = None if self.lengths is None else self.lengths[index]
        rows = _on(index, self.X.device)
        X = self.X[rows]
        if lengths is not None:
            X = X[:, : max(int(lengths.max()), 1)]
        if self.device is not None and X.device != self.device:
            if self.device.type == "cuda":
                X = X.pin_memory()  # page-locked, so the copy runs asynchronously
            X = X.to(self.device, non_blocking=True)
        targets = self.y if self.y is not None else self.weight
        if targets is not None:  # y and weight live together on the training device
            rows = _on(rows, targets.device)
        y = None if self.y is None else self.y[rows]
        w = None if self.weight is None else self.weight[rows]
        return X, lengths, y, w


def _on(index, device: torch.device):
    """A row index usable on ``device`` (slices are; index tensors are moved)."""
    if isinstance(index, torch.Tensor) and index.device != device:
        return index.to(device, non_blocking=True)
    return index


def normalized_weights(sample_weight: np.ndarray) -> np.ndarray | None:
    """Sample weights scaled to mean 1 (float32), or None when all are equal.

    The one place weights are normalised. Only relative weights matter; when
    ``n / sum`` is not a finite positive number (weights as tiny as 5e-324,
    or so huge that their sum overflows) they are first divided by the
    largest one.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm._training import normalized_weights
    >>> normalized_weights(np.array([1.0, 3.0])).tolist()
    [0.5, 1.5]
    >>> normalized_weights(np.array([5e-324, 1e-323])).tolist()
    [0.6666666865348816, 1.3333333730697632]
    >>> normalized_weights(np.ones(3)) is None
    True
    """
    if np.all(sample_weight == sample_weight[0]):
        return None  # equal weights: the loss is a plain mean
    n = len(sample_weight)
    with np.errstate(over="ignore", divide="ignore"):
        factor = n / sample_weight.sum()
    if not 0.0 < factor < np.inf:
        sample_weight = sample_weight / sample_weight.max()
        factor = n / sample_weight.sum()
    return (sample_weight * factor).astype(np.float32)


def to_tensor_data(
    values: np.ndarray,
    lengths: np.ndarray,
    device: torch.device,
    y: np.ndarray | None = None,
    sample_weight: np.ndarray | None = None,
) -> TensorData:
    """Move validated sequences (and targets, weights) to ``device`` once.

    ``values`` and ``lengths`` are what the data layer returns
    (:class:`sklstm._data.Sequences`). Weights are normalised to mean 1
    (:func:`normalized_weights`) so that a batch loss is
    ``mean(weight * loss)``; with one batch this is exactly the weighted mean.

    Examples
    --------
    >>> import numpy as np, torch
    >>> from sklstm._training import to_tensor_data
    >>> data = to_tensor_data(np.zeros((2, 3, 1), np.float32), np.array([3, 3]), torch.device("cpu"))
    >>> data.lengths is None
    True
    """
    X = torch.from_numpy(values)
    if device.type != "cpu" and fits_on_device(X.nbytes, device):
        X = X.to(device)  # once; batches are slices on the device
    full = bool((lengths == values.shape[1]).all())
    lengths_t = None if full else torch.from_numpy(lengths)
    y_t = None if y is None else torch.from_numpy(np.ascontiguousarray(y)).to(device)
    w_t = None
    if sample_weight is not None:
        weights = normalized_weights(sample_weight)
        w_t = None if weights is None else torch.from_numpy(weights).to(device)
    return TensorData(X, lengths_t, y_t, w_t, device=device)


def fits_on_device(nbytes: int, device: torch.device, share: float = 0.5) -> bool:
    """Whether ``nbytes`` of data may live on ``device`` during training.

    Always on the CPU; on a GPU when it takes at most ``share`` of the
    currently free memory (the rest is left to the network and activations).

    Examples
    --------
    >>> import torch
    >>> from sklstm._training import fits_on_device
    >>> fits_on_device(10**12, torch.device("cpu"))
    True
    """
    if device.type != "cuda":
        return True
    free, _ = torch.cuda.mem_get_info(device)
    return nbytes <= share * free


def map_tensors(fn, obj):
    """``obj`` (a state dict, possibly nested in dicts/lists) with ``fn`` applied to its tensors.

    Examples
    --------
    >>> import torch
    >>> from sklstm._training import map_tensors
    >>> map_tensors(lambda t: t * 2, {"a": [torch.tensor(1.0)], "lr": 0.1})
    {'a': [tensor(2.)], 'lr': 0.1}
    """
    if isinstance(obj, torch.Tensor):
        return fn(obj)
    if isinstance(obj, dict):
        return {k: map_tensors(fn, v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(map_tensors(fn, v) for v in obj)
    return obj


def snapshot(state: dict) -> dict:
    """A copy of a module's or optimizer's state dict (tensors cloned).

    Examples
    --------
    >>> import torch
    >>> from sklstm._training import snapshot
    >>> state = {"w": torch.zeros(1)}
    >>> copy = snapshot(state); state["w"] += 1
    >>> copy["w"].tolist()
    [0.0]
    """
    return map_tensors(lambda t: t.detach().clone(), state)
