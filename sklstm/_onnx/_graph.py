"""A small node builder over skl2onnx's ``ModelComponentContainer``.

skl2onnx converters add nodes one by one with unique names; this wrapper
keeps that short (``g.op("Add", a, b)`` returns the output's name) and hides
what changed between opsets (reductions take ``axes`` as an input from opset
13 for ReduceSum and 18 for the others).

Constants are deduplicated here: skl2onnx's container turns a repeated
initializer into an ``Identity`` node of the main graph, one more kernel per
call at run time. :meth:`Graph.branch` builds the subgraph of an ``If``
branch: its nodes go into the branch, its constants into the model's
initializers, which a subgraph reads from the outer scope.
"""

from __future__ import annotations

import numpy as np
from onnx import TensorProto, helper, numpy_helper

__all__ = ["Graph", "MIN_OPSET"]

#: Softmax over one axis, Squeeze/Unsqueeze/ReduceSum with axes as inputs (13),
#: Shape with start and end (15).
MIN_OPSET = 15


class _BranchNodes:
    """Stands for the container while a branch is built: keeps its nodes.

    Initializers go to the model's container (the branch reads them from the
    outer scope), so both branches of an ``If`` share the weights.
    """

    def __init__(self, container) -> None:
        self.model = container
        self.target_opset = container.target_opset
        self.nodes = []

    def add_initializer(self, *args) -> None:
        self.model.add_initializer(*args)

    def add_node(self, op_type, inputs, outputs, op_domain="", op_version=None, name=None,
                 **attrs) -> None:
        self.nodes.append(helper.make_node(op_type, inputs, outputs, name=name,
                                           domain=op_domain or None, **attrs))


class Graph:
    """Add nodes and constants to a skl2onnx container with unique names.

    Parameters
    ----------
    scope : skl2onnx Scope
        Gives unique variable and node names.
    container : skl2onnx ModelComponentContainer
        Receives the nodes and initializers.
    prefix : str
        Prefix of every name (the operator's name), for readable graphs.
    """

    def __init__(self, scope, container, prefix: str) -> None:
        self.scope = scope
        self.container = container
        self.prefix = prefix
        opset = container.target_opset
        self.opset = 10**6 if opset is None else int(opset)
        self._consts = {}  # (dtype, shape, bytes) -> initializer name
        if self.opset < MIN_OPSET:
            raise ValueError(
                f"sklstm's ONNX export needs target_opset >= {MIN_OPSET}, got {opset}; "
                "pass a higher target_opset (or leave it at skl2onnx's default)."
            )

    def name(self, hint: str) -> str:
        """A new unique variable name."""
        return self.scope.get_unique_variable_name(f"{self.prefix}_{hint}")

    def const(self, value, dtype=None, hint: str = "const") -> str:
        """An initializer holding ``value`` (a number or an array; strings allowed)."""
        array = np.asarray(value, dtype=dtype)
        strings = array.dtype.kind in "OUS"
        data = [str(v).encode("utf-8") for v in array.ravel()] if strings else None
        key = (array.dtype.str, array.shape, tuple(data) if strings else array.tobytes())
        if key in self._consts:
            return self._consts[key]
        name = self._consts[key] = self.name(hint)
        if strings:
            self.container.add_initializer(name, TensorProto.STRING, list(array.shape), data)
        else:
            self.container.add_initializer(name, None, None,
                                           numpy_helper.from_array(array, name))
        return name

    def branch(self, hint: str, build) -> "helper.GraphProto":
        """The subgraph of an ``If`` branch.

        ``build(sub)`` adds the branch's nodes to the Graph ``sub`` and returns
        its outputs as (name, ONNX element type) pairs, in the If's order.
        """
        sub = Graph(self.scope, _BranchNodes(self.container), self.prefix)
        sub._consts = self._consts  # constants are the model's, shared by both branches
        outputs = [helper.make_tensor_value_info(name, elem_type, None)
                   for name, elem_type in build(sub)]
        return helper.make_graph(sub.container.nodes, self.name(hint), [], outputs)

    def op(self, op_type: str, *inputs: str, outputs: int | list = 1, domain: str = "",
           op_version: int | None = None, hint: str | None = None, **attrs):
        """Add a node; returns its output's name (a list when ``outputs`` > 1 or a list)."""
        hint = hint or op_type.lower()
        names = outputs if isinstance(outputs, list) else [
            self.name(hint) for _ in range(outputs)
        ]
        self.container.add_node(
            op_type, list(inputs), names, op_domain=domain, op_version=op_version,
            name=self.scope.get_unique_operator_name(f"{self.prefix}_{op_type}"), **attrs,
        )
        return names if isinstance(outputs, list) or outputs > 1 else names[0]

    def axes(self, axes) -> str:
        return self.const(np.array(axes, dtype=np.int64), hint="axes")

    def reduce(self, op_type: str, x: str, axes, keepdims: bool = False) -> str:
        """``op_type`` (ReduceSum, ReduceMax...) over ``axes``, whatever the opset."""
        axes_input = op_type == "ReduceSum" or self.opset >= 18
        if axes_input:
            return self.op(op_type, x, self.axes(axes), keepdims=int(keepdims))
        return self.op(op_type, x, axes=list(axes), keepdims=int(keepdims))

    def unsqueeze(self, x: str, axes) -> str:
        return self.op("Unsqueeze", x, self.axes(axes))

    def squeeze(self, x: str, axes) -> str:
        return self.op("Squeeze", x, self.axes(axes))

    def cast(self, x: str, to: int) -> str:
        return self.op("Cast", x, to=to)

    def dim(self, x: str, axis: int) -> str:
        """The size of ``x`` along ``axis``, as a 1D int64 tensor of one element."""
        return self.op("Shape", x, start=axis, end=axis + 1)

    def reshape(self, x: str, shape) -> str:
        return self.op("Reshape", x, self.const(np.array(shape, dtype=np.int64), hint="shape"))

    def linear(self, x: str, weight: np.ndarray, bias: np.ndarray | None) -> str:
        """``x @ weight.T + bias`` (an ``nn.Linear``), for inputs of any rank."""
        out = self.op("MatMul", x, self.const(np.ascontiguousarray(weight.T, np.float32), hint="W"))
        if bias is not None:
            out = self.op("Add", out, self.const(np.asarray(bias, np.float32), hint="b"))
        return out
