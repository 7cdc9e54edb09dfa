"""An LSTM layer with a projection (``nn.LSTM(proj_size=P)``), unrolled with ``Scan``.

ONNX's LSTM operator has no projection, so the layer is written out: the
input projection of every step is one MatMul over the whole sequence, and a
``Scan`` runs the step::

    gates = xw_t + h_{t-1} W_hh^T          (i, f, g, o as PyTorch orders them)
    c_t = sigmoid(f) c_{t-1} + sigmoid(i) tanh(g)
    h_t = (sigmoid(o) tanh(c_t)) W_hr^T    (the projection, P features)

Variable lengths: a step after a sequence's end keeps the state and outputs
zeros. Since the state starts at zero, the reverse direction (a Scan run from
the last step backwards) stays at zero through the padding and starts each
sequence at its own last real step, as PyTorch's packed sequences do.
"""

from __future__ import annotations

import numpy as np
from onnx import TensorProto, helper, numpy_helper

from ._graph import Graph
from ._inputs import Steps

__all__ = ["projected_lstm_layer"]


def _body(prefix: str, w_hh: np.ndarray, w_hr: np.ndarray) -> "helper.GraphProto":
    """The Scan body of one direction: states (h, c), scan inputs (xw_t, m_t)."""
    H = w_hh.shape[0] // 4
    n = lambda name: f"{prefix}_{name}"  # noqa: E731  (names unique in the whole model)
    init = [
        numpy_helper.from_array(np.ascontiguousarray(w_hh.T, np.float32), n("Rt")),
        numpy_helper.from_array(np.ascontiguousarray(w_hr.T, np.float32), n("Pt")),
        numpy_helper.from_array(np.array([H] * 4, np.int64), n("split")),
        numpy_helper.from_array(np.float32(0.0), n("zero")),
    ]
    node = helper.make_node
    nodes = [
        node("MatMul", [n("h"), n("Rt")], [n("hr")]),
        node("Add", [n("xw"), n("hr")], [n("gates")]),
        node("Split", [n("gates"), n("split")], [n("zi"), n("zf"), n("zg"), n("zo")], axis=1),
        node("Sigmoid", [n("zi")], [n("i")]),
        node("Sigmoid", [n("zf")], [n("f")]),
        node("Tanh", [n("zg")], [n("gg")]),
        node("Sigmoid", [n("zo")], [n("o")]),
        node("Mul", [n("f"), n("c")], [n("fc")]),
        node("Mul", [n("i"), n("gg")], [n("ig")]),
        node("Add", [n("fc"), n("ig")], [n("c_new")]),
        node("Tanh", [n("c_new")], [n("tc")]),
        node("Mul", [n("o"), n("tc")], [n("h_full")]),
        node("MatMul", [n("h_full"), n("Pt")], [n("h_new")]),
        node("Where", [n("m"), n("h_new"), n("h")], [n("h_out")]),
        node("Where", [n("m"), n("c_new"), n("c")], [n("c_out")]),
        node("Where", [n("m"), n("h_new"), n("zero")], [n("y")]),
    ]
    value = helper.make_tensor_value_info
    inputs = [value(n("h"), TensorProto.FLOAT, None), value(n("c"), TensorProto.FLOAT, None),
              value(n("xw"), TensorProto.FLOAT, None), value(n("m"), TensorProto.BOOL, None)]
    outputs = [value(n("h_out"), TensorProto.FLOAT, None),
               value(n("c_out"), TensorProto.FLOAT, None),
               value(n("y"), TensorProto.FLOAT, None)]
    return helper.make_graph(nodes, f"{prefix}_body", inputs, outputs, initializer=init)


def projected_lstm_layer(g: Graph, x: str, steps: Steps, state: dict, layer: int,
                         directions: int):
    """One layer of an ``nn.LSTM`` with ``proj_size``: Y (T, D, B, P) and Y_h (D, B, P).

    ``x``: the layer's time-major input (T, B, F); ``state``: the LSTM's
    state dict as float32 numpy arrays.
    """
    # m_t: (T, B, 1) bool, the real steps (every step when none is padding)
    if steps.valid is None:
        shape = g.op("Shape", x, start=0, end=2)
        valid = g.op("Expand", g.const(np.array(True)), shape)
    else:
        valid = g.op("Transpose", steps.valid, perm=[1, 0])
    mask = g.unsqueeze(valid, [2])
    batch = g.dim(x, 1)
    ys, finals = [], []
    for d, suffix in enumerate(("", "_reverse")[:directions]):
        key = f"l{layer}{suffix}"
        w_ih, w_hh, w_hr = (state[f"{kind}_{key}"] for kind in ("weight_ih", "weight_hh",
                                                                 "weight_hr"))
        bias = state[f"bias_ih_{key}"] + state[f"bias_hh_{key}"]
        xw = g.linear(x, w_ih, bias)  # (T, B, 4H): the input projection of every step
        P, H = w_hr.shape
        zeros = lambda size: g.op(  # noqa: E731
            "ConstantOfShape", g.op("Concat", batch, g.const(np.array([size], np.int64)),
                                    axis=0),
            value=numpy_helper.from_array(np.zeros(1, np.float32)))
        body = _body(g.name(f"scan_l{layer}_d{d}"), w_hh, w_hr)
        h_n, _, y = g.op(
            "Scan", zeros(P), zeros(H), xw, mask, outputs=3, hint="scan", body=body,
            num_scan_inputs=2, scan_input_directions=[d, d], scan_output_directions=[d],
        )
        ys.append(g.unsqueeze(y, [1]))
        finals.append(g.unsqueeze(h_n, [0]))
    if directions == 1:
        return ys[0], finals[0]
    return g.op("Concat", *ys, axis=1), g.op("Concat", *finals, axis=0)
