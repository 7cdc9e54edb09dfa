"""The graph of a fitted :class:`sklstm.nn.RecurrentNetwork`.

Each recurrent layer is one ONNX recurrent operator (``LSTM``, ``GRU``,
``RNN``) over the time-major input with ``sequence_lens``: the operators
read each sequence within its own length in both directions and give zeros
after its end, as PyTorch's packed sequences do. PyTorch and ONNX order the
gates differently, so the weights are reordered:

- LSTM: PyTorch (i, f, g, o) → ONNX (i, o, f, c). The peephole LSTM is
  ONNX's LSTM with the peephole weights ``P = (p_i, p_o, p_f)`` and its one
  bias as the input bias (the recurrent bias is 0).
- GRU: PyTorch (r, z, n) → ONNX (z, r, h), with ``linear_before_reset=1``
  (PyTorch applies the reset gate after the recurrent product).
- RNN: the same weights, ``Tanh``.
- LSTM with ``proj_size``: ONNX's LSTM has no projection; such a layer is
  unrolled with ``Scan`` (``_scan``).

Weights are read from the network's ``state_dict`` by name (``weight_ih_l0``,
``weight_ih_l0_reverse``, ...), so any module with nn.LSTM/nn.GRU's names
converts (sklstm's own GRU subclass included). Dropout is the identity at
prediction and leaves no node.
"""

from __future__ import annotations

import numpy as np
from onnx import TensorProto, numpy_helper

from ._graph import Graph
from ._inputs import Steps
from ._scan import projected_lstm_layer

__all__ = ["network_outputs"]

#: Blocks of PyTorch's gate rows in ONNX's order, per operator.
_GATE_ORDER = {"LSTM": (0, 3, 1, 2), "GRU": (1, 0, 2), "RNN": (0,)}
_OPERATOR = {"lstm": "LSTM", "peephole": "LSTM", "gru": "GRU", "rnn": "RNN"}


def _gates(weight: np.ndarray, op_type: str) -> np.ndarray:
    """Rows of ``weight`` (gates stacked along axis 0) in ONNX's gate order."""
    blocks = np.split(weight, len(_GATE_ORDER[op_type]), axis=0)
    return np.concatenate([blocks[i] for i in _GATE_ORDER[op_type]], axis=0)


def _layer_weights(state: dict, cell: str, layer: int, directions: int):
    """W, R, B (and P for the peephole LSTM) of one layer, stacked over directions."""
    op_type = _OPERATOR[cell]
    W, R, B, P = [], [], [], []
    for suffix in ("", "_reverse")[:directions]:
        key = f"l{layer}{suffix}"
        W.append(_gates(state[f"weight_ih_{key}"], op_type))
        R.append(_gates(state[f"weight_hh_{key}"], op_type))
        if cell == "peephole":
            bias = _gates(state[f"bias_{key}"], op_type)
            B.append(np.concatenate([bias, np.zeros_like(bias)]))
            w_ci, w_cf, w_co = state[f"weight_peep_{key}"]
            P.append(np.concatenate([w_ci, w_co, w_cf]))
        else:
            B.append(np.concatenate([_gates(state[f"bias_ih_{key}"], op_type),
                                     _gates(state[f"bias_hh_{key}"], op_type)]))
    stack = lambda arrays: np.ascontiguousarray(np.stack(arrays), np.float32)  # noqa: E731
    return stack(W), stack(R), stack(B), (stack(P) if P else None)


def _recurrent_layer(g: Graph, x: str, seq_lens: str | None, state: dict, cell: str,
                     layer: int, hidden: int, directions: int):
    """One ONNX recurrent operator: Y (T, D, B, H) and Y_h (D, B, H).

    ``seq_lens`` None: every sequence runs all T steps (the input is omitted,
    which only happens inside an ``If`` branch: skl2onnx's graph sorter,
    which sees the main graph only, cannot skip an empty optional input).
    """
    op_type = _OPERATOR[cell]
    W, R, B, P = _layer_weights(state, cell, layer, directions)
    inputs = [x, g.const(W, hint="W"), g.const(R, hint="R"), g.const(B, hint="B")]
    if seq_lens is not None or P is not None:
        inputs.append(seq_lens or "")
    attrs = {"hidden_size": hidden,
             "direction": "bidirectional" if directions == 2 else "forward"}
    if op_type == "GRU":
        attrs["linear_before_reset"] = 1
    if op_type == "RNN":
        attrs["activations"] = ["Tanh"] * directions
    if P is not None:
        # zero initial states spelled out: skl2onnx's graph sorter cannot skip an
        # optional input left empty ("") before P
        shape = g.op("Concat", g.const(np.array([directions], np.int64)), g.dim(x, 1),
                     g.const(np.array([hidden], np.int64)), axis=0)
        zeros = g.op("ConstantOfShape", shape,
                     value=numpy_helper.from_array(np.zeros(1, np.float32)))
        inputs += [zeros, zeros, g.const(P, hint="P")]
    n_outputs = 3 if op_type == "LSTM" else 2
    outputs = g.op(op_type, *inputs, outputs=n_outputs, hint=op_type.lower(), **attrs)
    return outputs[0], outputs[1]


def _recurrent_stack(g: Graph, module, x_tbf: str, steps: Steps, need_outputs: bool):
    """Top layer's outputs (B, T, D H), None unless ``need_outputs``, and final states (B, D H).

    One direction needs no Transpose between layers: (T, 1, B, H) squeezes
    to (T, B, H). Every node counts at batch 1, and a transpose of all the
    outputs that nobody reads (pooling "last") costs milliseconds at batch 256.
    """
    recurrent = module.recurrent
    state = {k: v.detach().cpu().numpy().astype(np.float32)
             for k, v in recurrent.state_dict().items()}
    directions = 2 if module.bidirectional else 1
    hidden = int(recurrent.hidden_size)
    proj = int(getattr(recurrent, "proj_size", 0) or 0)
    seq_lens = None if steps.run_lengths is None else g.cast(steps.run_lengths,
                                                             TensorProto.INT32)
    x = x_tbf
    n_layers = int(recurrent.num_layers)
    for layer in range(n_layers):
        if proj:
            Y, Y_h = projected_lstm_layer(g, x, steps, state, layer, directions)
        else:
            Y, Y_h = _recurrent_layer(g, x, seq_lens, state, module.cell, layer, hidden,
                                      directions)
        if layer == n_layers - 1 and not need_outputs:
            x = None
        elif directions == 1:
            x = g.squeeze(Y, [1])
        else:  # (T, D, B, H) → (T, B, D H): the next layer reads both directions' outputs
            x = g.reshape(g.op("Transpose", Y, perm=[0, 2, 1, 3]), [0, 0, -1])
    outputs = None if x is None else g.op("Transpose", x, perm=[1, 0, 2])
    if directions == 1:
        final = g.squeeze(Y_h, [0])
    else:
        final = g.reshape(g.op("Transpose", Y_h, perm=[1, 0, 2]), [0, -1])
    return outputs, final


def _pool(g: Graph, pooling, outputs: str, steps: Steps) -> str:
    """Mean, max or attention pooling over the real steps of ``outputs`` (B, T, D H)."""
    mode = pooling.mode
    valid = None if steps.valid is None else g.unsqueeze(steps.valid, [2])  # (B, T, 1)
    if mode == "mean":
        if valid is None:
            return g.reduce("ReduceMean", outputs, [1])
        weight = g.cast(valid, TensorProto.FLOAT)
        total = g.reduce("ReduceSum", g.op("Mul", outputs, weight), [1])
        return g.op("Div", total, g.reduce("ReduceSum", weight, [1]))
    minus_inf = g.const(np.float32(-np.inf))
    if mode == "max":
        if valid is not None:
            outputs_ = g.op("Where", valid, outputs, minus_inf)
        else:
            outputs_ = outputs
        return g.reduce("ReduceMax", outputs_, [1])
    score = pooling.score
    scores = g.linear(outputs, score.weight.detach().cpu().numpy(),
                      score.bias.detach().cpu().numpy())  # (B, T, 1)
    if valid is not None:
        scores = g.op("Where", valid, scores, minus_inf)
    weights = g.op("Softmax", scores, axis=1)
    return g.reduce("ReduceSum", g.op("Mul", weights, outputs), [1])


def _dense_and_head(g: Graph, module, features: str, affine=None) -> str:
    """The ReLU dense layers and the linear head (Dropout is the identity).

    ``affine``: (scale, shift) arrays (n_outputs,) applied to the head's
    outputs, folded into its weights (``scale * (x W^T + b) + shift`` is
    ``x (scale W)^T + (scale b + shift)``): two nodes fewer per call.
    """
    from torch import nn

    layers = list(module.dense) + [module.head]
    for i, layer in enumerate(layers):
        if isinstance(layer, nn.Linear):
            weight = layer.weight.detach().cpu().numpy().astype(np.float64)
            bias = None if layer.bias is None else layer.bias.detach().cpu().numpy()
            if affine is not None and i == len(layers) - 1:
                scale, shift = (np.asarray(a, np.float64).reshape(-1) for a in affine)
                weight = weight * scale[:, None]
                bias = shift + (0.0 if bias is None else scale * bias)
                affine = None
            features = g.linear(features, weight, None if bias is None else bias)
        elif isinstance(layer, nn.ReLU):
            features = g.op("Relu", features)
        elif not isinstance(layer, nn.Dropout):
            raise ValueError(
                f"The network's dense layers hold a {type(layer).__name__}, which the ONNX "
                "export does not know; only Linear, ReLU and Dropout layers are exported."
            )
    if affine is not None:  # a head that is not a Linear layer
        scale, shift = (np.asarray(a, np.float32) for a in affine)
        features = g.op("Add", g.op("Mul", features, g.const(scale, hint="scale")),
                        g.const(shift, hint="shift"))
    return features


def network_outputs(g: Graph, module, steps: Steps, affine=None) -> str:
    """The network's outputs for packed ``steps``: (B, n_outputs), or (B, T, n_outputs).

    Per-step networks give their outputs at the packed steps (see
    ``_inputs.to_user_steps``). ``affine``: (scale, shift) of the outputs
    (a regressor's target standardisation undone), folded into the head.
    """
    module = module.eval()
    x = steps.x
    if module.embedding is not None:
        table = module.embedding.weight.detach().cpu().numpy().astype(np.float32)
        x_tbf = g.op("Gather", g.const(table, hint="embedding"),
                     g.op("Transpose", x, perm=[1, 0]), axis=0)
    else:
        x_tbf = g.op("Transpose", x, perm=[1, 0, 2])
    need_outputs = module.per_step or module.pooling is not None
    outputs, final = _recurrent_stack(g, module, x_tbf, steps, need_outputs)
    if module.per_step:
        return _dense_and_head(g, module, outputs, affine)
    features = final if module.pooling is None else _pool(g, module.pooling, outputs, steps)
    if steps.empty is not None:  # a sequence of padding only reads the initial state: zeros
        features = g.op("Where", g.unsqueeze(steps.empty, [1]), g.const(np.float32(0.0)),
                        features)
    return _dense_and_head(g, module, features, affine)
