"""Shape calculators and converters of the sklstm transformers.

- ``SlidingWindowTransformer``: pad the table at the top with ``lead`` rows
  (NaN or 0), then one ``Gather`` of rows ``k + j * step`` for window k and
  step j. ``continuation="index"`` continues a table from the fitted one's
  last rows when its pandas index says so; an ONNX graph gets arrays, which
  have no index, so it windows as ``transform`` windows a numpy table (pads).
- ``SequenceScaler``: ``(X - mean_) / scale_``; NaN padding stays NaN.
- ``Tokenizer``: see ``_text``.
"""

from __future__ import annotations

import numpy as np
from skl2onnx.common.data_types import DoubleTensorType, FloatTensorType

from ._graph import Graph

__all__ = ["convert_scaler", "convert_window", "scaler_shape", "window_shape"]


def _float_type(operator, what: str, rank: int):
    variable = operator.inputs[0]
    name = type(operator.raw_operator).__name__
    if not isinstance(variable.type, (FloatTensorType, DoubleTensorType)):
        raise TypeError(f"{name}'s ONNX input is a float tensor ({what}), got {variable.type}.")
    shape = variable.type.shape
    if shape and len(shape) != rank:
        raise ValueError(f"{name}'s ONNX input is {what}, got {variable.type}.")
    return type(variable.type), (shape or [None] * rank)


def window_shape(operator) -> None:
    window = operator.raw_operator
    kind, shape = _float_type(operator, "a 2D table (n_rows, n_features)", 2)
    F = shape[1] if shape[1] is not None else window.n_features_in_
    if F != window.n_features_in_:
        raise ValueError(
            f"SlidingWindowTransformer was fitted on {window.n_features_in_} columns, but "
            f"its ONNX input has {F}."
        )
    operator.outputs[0].type = kind([shape[0], int(window.window_size), F])


def convert_window(scope, operator, container) -> None:
    window = operator.raw_operator
    g = Graph(scope, container, operator.onnx_name)
    X = operator.inputs[0].full_name
    dtype = np.float64 if isinstance(operator.inputs[0].type, DoubleTensorType) else np.float32
    size, step = int(window.window_size), int(window.step)
    lead = (size - 1) * step + (0 if window.include_current else 1)
    fill = np.nan if window.padding == "mask" else 0.0
    # the table with `lead` padding rows on top: window k, step j is its row k + j * step
    padded = g.op("Pad", X, g.const(np.array([lead, 0, 0, 0], np.int64), hint="pads"),
                  g.const(np.array(fill, dtype)), mode="constant")
    n_rows = g.squeeze(g.dim(X, 0), [0])
    rows = g.op("Range", g.const(np.int64(0)), n_rows, g.const(np.int64(1)))
    index = g.op("Add", g.unsqueeze(rows, [1]),
                 g.const((np.arange(size, dtype=np.int64) * step)[None, :], hint="offsets"))
    g.op("Gather", padded, index, outputs=[operator.outputs[0].full_name], axis=0)


def scaler_shape(operator) -> None:
    scaler = operator.raw_operator
    kind, shape = _float_type(
        operator, "3D sequences (n_samples, n_timesteps, n_features)", 3)
    if shape[2] not in (None, scaler.n_features_in_):
        raise ValueError(
            f"SequenceScaler was fitted on {scaler.n_features_in_} features per step, but "
            f"its ONNX input has {shape[2]}."
        )
    operator.outputs[0].type = kind([shape[0], shape[1], scaler.n_features_in_])


def convert_scaler(scope, operator, container) -> None:
    scaler = operator.raw_operator
    g = Graph(scope, container, operator.onnx_name)
    dtype = np.float64 if isinstance(operator.inputs[0].type, DoubleTensorType) else np.float32
    centred = g.op("Sub", operator.inputs[0].full_name,
                   g.const(np.asarray(scaler.mean_, dtype), hint="mean"))
    g.op("Div", centred, g.const(np.asarray(scaler.scale_, dtype), hint="scale"),
         outputs=[operator.outputs[0].full_name])
