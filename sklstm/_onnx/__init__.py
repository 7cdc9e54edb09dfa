"""ONNX export of the sklstm estimators and transformers (private; see :mod:`sklstm.onnx`).

Everything here imports onnx and skl2onnx, so only :mod:`sklstm.onnx` imports it,
and only when a user asks for an export: ``import sklstm`` never needs them.

- ``_graph``: a small node builder over skl2onnx's container (unique names,
  constants, opset-dependent reductions).
- ``_inputs``: the data layer in the graph (NaN padding and token ids → packed
  steps and lengths, and back to the user's steps).
- ``_network``: the graph of a fitted :class:`sklstm.nn.RecurrentNetwork`.
- ``_scan``: the LSTM with a projection (``proj_size``), unrolled with ``Scan``.
- ``_estimators``: parsers, shape calculators and converters of the estimators.
- ``_transformers``: those of the transformers.
- ``_register``: registration with skl2onnx.
"""
