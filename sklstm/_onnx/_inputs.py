"""The data layer in the graph: padded input → packed steps and lengths, and back.

What ``sklstm._data.check_sequences`` does to ``X`` before the network sees
it, as ONNX nodes (so that onnxruntime, given the NaN-padded array that
``predict`` reads, computes what ``predict`` computes):

- float sequences ``(B, T, F)``: a step whose features are all NaN is
  padding when it comes before the first or after the last real step
  (``_padding.padding_mask``); the real steps are moved to the front
  (``_padding.unpad``) and zeros fill the rest. A NaN inside a sequence,
  which ``predict`` refuses, is left in place, so its outputs are NaN (a
  graph cannot raise).
- univariate sequences ``(B, T)`` (an estimator fitted on a 2D table): no
  padding, every step is real.
- token ids ``(B, T)``: every 0 is padding wherever it is
  (``_tokens._drop_padding``): the other ids are packed to the front in
  order; a sequence of zeros keeps one 0 step (an empty document).

Per-step estimators put their outputs back at the user's steps
(``_steps.scatter_steps``): :func:`to_user_steps` inverts the packing.

Most batches hold no padding at all, and for them this layer is ~30 small
nodes that change nothing, which cost more than a short sequence's LSTM at
batch 1. The estimators' graphs therefore branch (``If``) on
:func:`needs_packing`: input without padding goes to :func:`full_steps`
(the network reads ``X`` as it is, without ``sequence_lens``), any other
input to the full handling above. Both compute what ``predict`` computes.
"""

from __future__ import annotations

import numpy as np
from onnx import TensorProto

from ._graph import Graph

__all__ = ["Steps", "float_steps", "full_steps", "needs_packing", "token_steps",
           "to_user_steps"]


class Steps:
    """The packed input of the network and what it takes to read its outputs.

    ``x``: (B, T, F) float32 packed steps, zeros after each sequence's end
    (int64 ids (B, T) for tokens). ``run_lengths``: (B,) int64 lengths at
    least 1 (what the network runs; PyTorch clamps 0 to 1 too), or None when
    every sequence runs its T steps (the recurrent operators then get no
    ``sequence_lens``). Built on first use, since each is a few nodes that
    every call runs (onnxruntime keeps nodes whose outputs nobody reads), or
    None when there is nothing to mask: ``empty``: (B,) bool, sequences of
    padding only (their features are zeroed); ``valid``: (B, T) bool, steps
    before ``run_lengths``; ``source``/``user_real``: for per-step outputs,
    the packed step of each user step (B, T) int64 and whether it is real
    (B, T) bool.
    """

    def __init__(self, x: str, run_lengths: str | None = None, **builders) -> None:
        self.x = x
        self.run_lengths = run_lengths
        self._builders = builders
        self._built = {}

    def _get(self, field: str) -> str | None:
        if field not in self._built:
            build = self._builders.get(field)
            self._built[field] = None if build is None else build()
        return self._built[field]

    empty = property(lambda self: self._get("empty"))
    valid = property(lambda self: self._get("valid"))
    source = property(lambda self: self._get("source"))
    user_real = property(lambda self: self._get("user_real"))


def _steps_index(g: Graph, x: str) -> tuple[str, str]:
    """``t = [0, 1, ..., T - 1]`` (1, T) int64 and ``T`` (scalar int64) of batch-first ``x``."""
    T = g.squeeze(g.dim(x, 1), [0])
    t = g.op("Range", g.const(np.int64(0)), T, g.const(np.int64(1)))
    return g.unsqueeze(t, [0]), T


def needs_packing(g: Graph, X: str, tokens: bool) -> str:
    """A bool scalar: whether ``X`` holds padding, so that the data layer has work.

    Float sequences: any NaN (the sum of all values is NaN; an overflow to
    inf, or inf - inf = NaN, only sends a batch to the full handling, which
    is right for any input). Token ids: any id <= 0 (a 0 is padding; a
    negative id must reach the data layer, which makes it fail).
    """
    if tokens:  # ReduceMin without axes reduces all of them, at every opset
        return g.op("LessOrEqual", g.op("ReduceMin", X, keepdims=0), g.const(np.int64(0)))
    return g.op("IsNaN", g.op("ReduceSum", X, keepdims=0))


def full_steps(X: str) -> Steps:
    """Input without padding: every sequence runs its T steps, nothing is moved."""
    return Steps(x=X)


def _once(build):
    """``build``, called on first use only (a node that two lazy fields share)."""
    result = []

    def get():
        if not result:
            result.append(build())
        return result[0]
    return get


def float_steps(g: Graph, X: str, univariate: bool) -> Steps:
    """Float sequences ``X`` (B, T, F), or (B, T) when ``univariate``, as packed steps."""
    if univariate:  # a 2D table of univariate sequences: no padding
        x = g.unsqueeze(X, [2])
        B = g.dim(X, 0)
        T = g.dim(X, 1)
        return Steps(x=x, run_lengths=g.op("Expand", g.squeeze(T, [0]), B))
    t, T = _steps_index(g, X)
    all_nan = g.reduce("ReduceMin", g.cast(g.op("IsNaN", X), TensorProto.FLOAT), [2])
    candidate = g.op("Sub", g.const(np.float32(1.0)), all_nan)  # (B, T): 1 where not all NaN
    first = g.op("ArgMax", candidate, axis=1, keepdims=0)
    last = g.op("ArgMax", candidate, axis=1, keepdims=0, select_last_index=1)
    any_real = g.cast(g.reduce("ReduceMax", candidate, [1]), TensorProto.INT64)
    # a sequence of padding only: ArgMax finds 0 and T - 1, any_real makes its length 0
    lengths = g.op("Mul", g.op("Add", g.op("Sub", last, first), g.const(np.int64(1))), any_real)
    first_col = g.unsqueeze(first, [1])
    source = g.op("Min", g.op("Add", first_col, t), g.op("Sub", T, g.const(np.int64(1))))
    index = g.op("Expand", g.unsqueeze(source, [2]), g.op("Shape", X))
    moved = g.op("GatherElements", X, index, axis=1)
    lengths_col = g.unsqueeze(lengths, [1])
    real = g.op("Less", t, lengths_col)  # (B, T): real steps after the move
    x = g.op("Where", g.unsqueeze(real, [2]), moved, g.const(np.float32(0.0)))
    run_lengths = g.op("Max", lengths, g.const(np.int64(1)))
    # user step u shows packed step u - first, when first <= u < first + length
    back = _once(lambda: g.op("Sub", t, first_col))
    return Steps(
        x=x, run_lengths=run_lengths,
        empty=lambda: g.op("Equal", lengths, g.const(np.int64(0))),
        valid=lambda: g.op("Less", t, g.unsqueeze(run_lengths, [1])),
        source=lambda: g.op("Max", back(), g.const(np.int64(0))),
        user_real=lambda: g.op("And", g.op("GreaterOrEqual", back(), g.const(np.int64(0))),
                               g.op("Less", back(), lengths_col)),
    )


def token_steps(g: Graph, X: str, n_tokens: int) -> Steps:
    """Token ids ``X`` (B, T) int64, zeros dropped wherever they are, as packed steps."""
    t, T = _steps_index(g, X)
    zero = g.const(np.int64(0))
    real = g.op("Not", g.op("Equal", X, zero))
    real_int = g.cast(real, TensorProto.INT64)
    n_real = g.reduce("ReduceSum", real_int, [1])
    # a stable sort of the real steps to the front: keys (not real) * T + t are unique
    key = g.op("Add", g.op("Mul", g.op("Sub", g.const(np.int64(1)), real_int), T), t)
    _, order = g.op("TopK", key, g.unsqueeze(T, [0]), outputs=2, axis=1, largest=0, sorted=1)
    moved = g.op("GatherElements", X, order, axis=1)
    ids = g.op("Where", g.op("Less", t, g.unsqueeze(n_real, [1])), moved, zero)
    # predict refuses negative ids and ids >= n_tokens; Gather would wrap a negative
    # one around, so it becomes n_tokens, out of range: onnxruntime raises as well
    ids = g.op("Where", g.op("Less", ids, zero), g.const(np.int64(n_tokens)), ids)
    run_lengths = g.op("Max", n_real, g.const(np.int64(1)))
    return Steps(x=ids, run_lengths=run_lengths,
                 valid=lambda: g.op("Less", t, g.unsqueeze(run_lengths, [1])),
                 source=lambda: g.op("Max", g.op("Sub", g.op("CumSum", real_int,
                                                             g.const(np.int64(1))),
                                                 g.const(np.int64(1))), zero),
                 user_real=lambda: real)


def to_user_steps(g: Graph, steps: Steps, outputs: str, fill) -> str:
    """Per-step ``outputs`` (B, T, K) at the packed steps → at the user's steps.

    Padding steps of the user's input hold ``fill`` (a constant's name).
    """
    if steps.source is None:
        return outputs
    index = g.op("Expand", g.unsqueeze(steps.source, [2]), g.op("Shape", outputs))
    moved = g.op("GatherElements", outputs, index, axis=1)
    return g.op("Where", g.unsqueeze(steps.user_real, [2]), moved, fill)
