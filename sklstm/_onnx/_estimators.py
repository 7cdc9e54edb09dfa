"""Parsers, shape calculators and converters of the sklstm estimators.

The outputs follow skl2onnx's conventions, so that a converted Pipeline
ending in an sklstm estimator reads like one ending in a scikit-learn model:

- classifiers: ``label`` (N,) (int64 for integer, boolean or whole-number
  float classes, string otherwise; (N, L) int64 indicators for multilabel)
  and ``probabilities`` (N, n_classes) float, columns in ``classes_`` order;
  skl2onnx's own classifier parser adds the ``zipmap`` option (default True:
  a list of {class: probability} maps, as for LogisticRegression).
- regressors: ``variable`` (N, n_outputs) float ((N, 1) for a 1D ``y``, as
  skl2onnx's regressors give), the target standardisation undone in the graph.
- per-step estimators: at the user's steps, ``(N, T)`` / ``(N, T, k)``
  values and ``(N, T)`` labels with ``(N, T, n_classes)`` probabilities; padding
  steps hold NaN (labels: see :func:`_label_fill`). No zipmap: a map per time
  step has no ONNX type.

The forecaster is refused at parse time (see ``refuse_forecaster``).
"""

from __future__ import annotations

import numpy as np
from onnx import TensorProto
from skl2onnx.common.data_types import (
    DoubleTensorType,
    FloatTensorType,
    Int32TensorType,
    Int64TensorType,
    StringTensorType,
)

from ._graph import Graph
from ._inputs import float_steps, full_steps, needs_packing, to_user_steps, token_steps
from ._network import network_outputs

__all__ = [
    "check_exportable",
    "classifier_shape", "convert_classifier",
    "regressor_shape", "convert_regressor",
    "step_classifier_shape", "convert_step_classifier", "parse_step_classifier",
    "step_regressor_shape", "convert_step_regressor",
    "refuse_forecaster",
]

_FLOAT_TYPES = (FloatTensorType, DoubleTensorType)
_ID_TYPES = (Int64TensorType, Int32TensorType)


# -- what can be exported ---------------------------------------------------------------
def check_exportable(estimator) -> None:
    """Refuse, at export time, an estimator the graph cannot reproduce."""
    name = type(estimator).__name__
    if not hasattr(estimator, "module_"):
        raise ValueError(f"This {name} is not fitted yet: fit it before exporting it to ONNX.")
    module = estimator.module_
    if module.cell not in ("lstm", "peephole", "gru", "rnn"):
        raise ValueError(f"{name} has cell={module.cell!r}, which the ONNX export does not know.")


def refuse_forecaster(scope, model, inputs, custom_parsers=None):
    """The parser of LSTMForecaster: it cannot be expressed as a function of an input tensor."""
    raise TypeError(
        "LSTMForecaster cannot be exported to ONNX: its predict(fh, X=None) takes a "
        "horizon, not an input tensor, and forecasts from the series it remembers "
        "(the last window of each series kept at fit), a per-window baseline and "
        "scaling computed from that memory, and, for the recursive strategy, its own "
        "forecasts fed back step by step. An ONNX graph maps input tensors to outputs "
        "and keeps no series. Export the network's window model instead: fit an "
        "LSTMRegressor on SlidingWindowTransformer windows (sklstm.make_supervised "
        "builds the targets) and export that Pipeline."
    )


# -- inputs ------------------------------------------------------------------------------
def _rank(variable) -> int | None:
    shape = getattr(variable.type, "shape", None)
    return None if shape is None or len(shape) == 0 else len(shape)


def _check_input(operator) -> None:
    """Refuse input types and ranks the estimator cannot read, saying what it expects."""
    estimator = operator.raw_operator
    name = type(estimator).__name__
    layout = estimator._input_layout
    variable = operator.inputs[0]
    rank = _rank(variable)
    if layout.tokens:
        if not isinstance(variable.type, _ID_TYPES + _FLOAT_TYPES) or rank not in (None, 2):
            raise TypeError(
                f"{name} was fitted on token ids: its ONNX input is an int64 tensor "
                f"(N, T) of ids, 0 for padding; got {variable.type} (put "
                "sklstm.preprocessing.Tokenizer before it for strings)."
            )
        return
    if not isinstance(variable.type, _FLOAT_TYPES):
        raise TypeError(
            f"{name}'s ONNX input is a float tensor, got {variable.type}."
        )
    F = layout.n_step_features
    if rank == 2 and layout.kind != "2d" and F != 1:
        raise ValueError(
            f"{name} was fitted on sequences with {F} features per time step: its ONNX "
            f"input is 3D (N, T, {F}), got a 2D input {variable.type}. In a Pipeline, "
            "put a SlidingWindowTransformer before it to window a 2D table."
        )
    shape = variable.type.shape
    if rank == 3 and shape[2] not in (None, F):
        raise ValueError(
            f"{name} expects {F} features per time step, but its ONNX input has "
            f"{shape[2]} ({variable.type})."
        )
    if rank not in (None, 2, 3):
        raise ValueError(f"{name} expects a 2D or 3D ONNX input, got {variable.type}.")


def _input_paths(g: Graph, operator):
    """The estimator's input, as (condition, packed, full).

    ``packed(sub)`` and ``full(sub)`` give the network's input Steps in a
    Graph: the data layer in the graph, and the input as it is. The bool
    ``condition`` says that the data layer has work (padding); None when it
    never has (univariate sequences), and ``full`` is then None.
    """
    estimator = operator.raw_operator
    layout = estimator._input_layout
    variable = operator.inputs[0]
    X = variable.full_name
    if layout.tokens:
        if not isinstance(variable.type, Int64TensorType):
            X = g.cast(X, TensorProto.INT64)  # ids as floats or int32, as predict accepts
        if _rank(variable) is None:
            X = g.reshape(X, [0, -1])
        return (needs_packing(g, X, tokens=True),
                lambda sub: token_steps(sub, X, int(layout.n_tokens)),
                lambda sub: full_steps(X))
    if isinstance(variable.type, DoubleTensorType):
        X = g.cast(X, TensorProto.FLOAT)  # predict computes in float32
    if _rank(variable) == 2:
        return None, lambda sub: float_steps(sub, X, univariate=True), None
    return (needs_packing(g, X, tokens=False),
            lambda sub: float_steps(sub, X, univariate=False),
            lambda sub: full_steps(X))


def _batch(operator):
    shape = getattr(operator.inputs[0].type, "shape", None)
    return shape[0] if shape else None


def _time(operator):
    shape = getattr(operator.inputs[0].type, "shape", None)
    return shape[1] if shape and len(shape) > 1 else None


# -- labels ------------------------------------------------------------------------------
def _labels(estimator):
    """``classes_`` as an ONNX constant's values and the label tensor type."""
    classes = np.asarray(estimator.classes_)
    name = type(estimator).__name__
    values = classes.tolist()
    if classes.dtype.kind in "USO" and all(isinstance(c, str) for c in values):
        return np.array(values, dtype=object), StringTensorType
    if classes.dtype.kind in "iub" or all(
        isinstance(c, (bool, int, np.integer, np.bool_)) for c in values
    ):
        return classes.astype(np.int64), Int64TensorType
    if classes.dtype.kind == "f" and np.all(classes == np.round(classes)):
        # as skl2onnx does for its classifiers: whole-number floats become int64
        return classes.astype(np.int64), Int64TensorType
    raise ValueError(
        f"{name}'s classes_ {values[:5]}... cannot be ONNX labels: ONNX classifiers "
        "output int64 or string labels (skl2onnx's convention). Refit with integer or "
        "string labels (e.g. encode y with sklearn.preprocessing.LabelEncoder)."
    )


def _label_fill(estimator, values: np.ndarray):
    """The label of padding steps: ``ignore_label`` if set, else "" or min(classes) - 1.

    ``predict`` gives ``None`` there when ``ignore_label`` is None, which
    an ONNX tensor cannot hold; the probabilities are NaN at those steps.
    """
    fill = getattr(estimator, "ignore_label", None)
    strings = values.dtype == object
    if fill is not None:
        if strings:
            return str(fill)
        if isinstance(fill, (int, np.integer)) or (
            isinstance(fill, (float, np.floating)) and float(fill).is_integer()
        ):
            return int(fill)
    return "" if strings else int(min(values.min(), 0) - 1)


# -- shape calculators -------------------------------------------------------------------
def classifier_shape(operator) -> None:
    _check_input(operator)
    estimator = operator.raw_operator
    N = _batch(operator)
    n_classes = len(estimator.classes_)
    if estimator._head.name == "multilabel":
        operator.outputs[0].type = Int64TensorType([N, n_classes])
    else:
        operator.outputs[0].type = _labels(estimator)[1]([N])
    operator.outputs[1].type = FloatTensorType([N, n_classes])


def regressor_shape(operator) -> None:
    _check_input(operator)
    operator.outputs[0].type = FloatTensorType(
        [_batch(operator), operator.raw_operator._head.n_outputs])


def step_classifier_shape(operator) -> None:
    _check_input(operator)
    estimator = operator.raw_operator
    N, T = _batch(operator), _time(operator)
    operator.outputs[0].type = _labels(estimator)[1]([N, T])
    operator.outputs[1].type = FloatTensorType([N, T, len(estimator.classes_)])


def step_regressor_shape(operator) -> None:
    _check_input(operator)
    head = operator.raw_operator._head
    N, T = _batch(operator), _time(operator)
    shape = [N, T] if head.ndim == 1 else [N, T, head.n_outputs]
    operator.outputs[0].type = FloatTensorType(shape)


def parse_step_classifier(scope, model, inputs, custom_parsers=None):
    """Label and probabilities per step, without ZipMap (a map per step has no ONNX type)."""
    from skl2onnx._parse import _parse_sklearn_simple_model

    return _parse_sklearn_simple_model(scope, model, inputs, custom_parsers=custom_parsers)


# -- converters ----------------------------------------------------------------------------
def _convert(scope, operator, container, finish, types, affine=None) -> None:
    """The estimator's graph: input → network → ``finish`` → the operator's outputs.

    ``finish(g, estimator, steps, outputs)`` turns the network's outputs
    into the estimator's, returning their names; ``types`` are their ONNX
    element types; ``affine`` is folded into the network's head (see
    ``network_outputs``). Input that may hold padding runs in an ``If``: the data
    layer, the network and ``finish`` in each branch, with and without the
    padding handling (see ``_inputs``).
    """
    estimator = operator.raw_operator
    check_exportable(estimator)
    g = Graph(scope, container, operator.onnx_name)
    condition, packed, full = _input_paths(g, operator)
    names = [v.full_name for v in operator.outputs[:len(types)]]

    def build(steps_of):
        def run(sub):
            steps = steps_of(sub)
            outputs = network_outputs(sub, estimator.module_, steps, affine)
            return list(zip(finish(sub, estimator, steps, outputs), types))
        return run

    if condition is None:
        for output, name in zip(build(packed)(g), names):
            g.op("Identity", output[0], outputs=[name])
        return
    g.op("If", condition, outputs=names, then_branch=g.branch("padded", build(packed)),
         else_branch=g.branch("full", build(full)))


def _label_type(estimator) -> int:
    return TensorProto.STRING if _labels(estimator)[0].dtype == object else TensorProto.INT64


def convert_classifier(scope, operator, container) -> None:
    estimator = operator.raw_operator
    if estimator._head.name == "multilabel":
        _convert(scope, operator, container, _finish_multilabel,
                 [TensorProto.INT64, TensorProto.FLOAT])
    else:
        _convert(scope, operator, container, _finish_classifier,
                 [_label_type(estimator), TensorProto.FLOAT])


def _finish_multilabel(g: Graph, estimator, steps, logits):
    label = g.cast(g.op("Greater", logits, g.const(np.float32(0.0))), TensorProto.INT64)
    return [label, g.op("Sigmoid", logits)]


def _finish_classifier(g: Graph, estimator, steps, logits):
    values = _labels(estimator)[0]
    if estimator._head.name == "binary":  # one logit: p(classes_[1]) = sigmoid(z)
        p = g.op("Sigmoid", logits)
        proba = g.op("Concat", g.op("Sub", g.const(np.float32(1.0)), p), p, axis=1)
        index = g.cast(g.squeeze(g.op("Greater", logits, g.const(np.float32(0.0))), [1]),
                       TensorProto.INT64)  # classes_[1] when z > 0
    else:
        proba = g.op("Softmax", logits, axis=1)
        index = g.op("ArgMax", logits, axis=1, keepdims=0)
    if values.dtype != object and np.array_equal(values, np.arange(len(values))):
        return [index, proba]  # classes 0..n-1 (digits): the index is the label
    return [g.op("Gather", g.const(values, hint="classes"), index, axis=0), proba]


def _standardisation(estimator):
    """(scale, mean) that bring the network's outputs back to the units of ``y``."""
    head = estimator._head
    return head.scale, head.mean


def convert_regressor(scope, operator, container) -> None:
    def finish(g, estimator, steps, outputs):
        return [outputs]
    _convert(scope, operator, container, finish, [TensorProto.FLOAT],
             affine=_standardisation(operator.raw_operator))


def convert_step_regressor(scope, operator, container) -> None:
    def finish(g, estimator, steps, outputs):
        y = to_user_steps(g, steps, outputs, g.const(np.float32(np.nan)))
        return [g.squeeze(y, [2]) if estimator._head.ndim == 1 else y]
    _convert(scope, operator, container, finish, [TensorProto.FLOAT],
             affine=_standardisation(operator.raw_operator))


def convert_step_classifier(scope, operator, container) -> None:
    estimator = operator.raw_operator
    _convert(scope, operator, container, _finish_step_classifier,
             [_label_type(estimator), TensorProto.FLOAT])


def _finish_step_classifier(g: Graph, estimator, steps, logits):
    proba = to_user_steps(g, steps, g.op("Softmax", logits, axis=2),
                          g.const(np.float32(np.nan)))
    values, _ = _labels(estimator)
    n_classes = len(values)
    # one more "class", the label of padding steps, picked where a step is padding
    fill = np.array([_label_fill(estimator, values)], dtype=values.dtype)
    classes = g.const(np.concatenate([values, fill]), hint="classes")
    index = g.op("ArgMax", logits, axis=2, keepdims=1)  # (B, T, 1)
    index = to_user_steps(g, steps, index, g.const(np.int64(n_classes)))
    return [g.op("Gather", classes, g.squeeze(index, [2]), axis=0), proba]
