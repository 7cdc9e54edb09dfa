"""The Tokenizer in the graph: strings → token ids, with onnxruntime's ``Tokenizer``.

Standard ONNX has no operator that splits a string into characters or regex
matches (``StringSplit`` splits at a separator only), so the graph uses
onnxruntime's contrib operator ``com.microsoft.Tokenizer`` (as skl2onnx's own
text vectorizers do): character mode for ``level="char"``, a regular
expression for ``level="word"``. Such a model runs on onnxruntime (any
platform it supports), not on other ONNX runtimes. Then:

- ``lowercase``: ``StringNormalizer(case_change_action="LOWER")`` before,
  with the locale ``C.UTF-8`` (glibc's, on Linux). It lowercases each
  character on its own (``towlower``): the few characters whose Python
  ``str.lower`` is longer (``"İ"``) differ.
- the vocabulary: ``ai.onnx.ml.LabelEncoder`` (unknown tokens → 1, the
  operator's padding string → 0).
- ``max_length``: the first ``max_length`` tokens.
- an empty document becomes the one id 1, as ``transform`` gives it.

The output is an int64 array (N, T) padded with 0, which the estimators read
as ``transform``'s list of arrays (0 is padding).

Word patterns: onnxruntime's regular expressions are RE2's, where ``\\w`` and
``\\b`` are ASCII only, and Python's ``(?u)`` flag is unknown. The default
pattern ``(?u)\\b\\w+\\b`` (and scikit-learn's ``(?u)\\b\\w\\w+\\b``) are
translated to Unicode classes (``[\\p{L}\\p{N}_]+``: a maximal run of word
characters, which is what the word boundaries delimit); other patterns are
refused at export rather than tokenized differently.
"""

from __future__ import annotations

import numpy as np
from onnx import TensorProto
from skl2onnx.common.data_types import Int64TensorType, StringTensorType

from ._graph import Graph

__all__ = ["convert_tokenizer", "tokenizer_shape"]

#: Python patterns onnxruntime's RE2 cannot read as Python does → RE2 equivalents.
_PATTERNS = {
    r"(?u)\b\w+\b": r"[\p{L}\p{N}_]+",
    r"\b\w+\b": r"[\p{L}\p{N}_]+",
    r"(?u)\b\w\w+\b": r"[\p{L}\p{N}_]{2,}",
    r"\b\w\w+\b": r"[\p{L}\p{N}_]{2,}",
}

#: The padding string of the Tokenizer operator: longer than one character
#: (no character token) and not a word character run (no word token).
_PAD = "<pad>"


def _pattern(tokenizer) -> str:
    try:
        return _PATTERNS[tokenizer.token_pattern]
    except KeyError:
        raise ValueError(
            f"Tokenizer(token_pattern={tokenizer.token_pattern!r}) cannot be exported: "
            "onnxruntime's regular expressions (RE2) differ from Python's (ASCII-only "
            "\\w and \\b, no look-around or back-references), so the ONNX model could "
            "split words differently. The default pattern and r'(?u)\\b\\w\\w+\\b' are "
            "exported; use one of them, or level='char'."
        ) from None


def tokenizer_shape(operator) -> None:
    tokenizer = operator.raw_operator
    if not isinstance(operator.inputs[0].type, StringTensorType):
        raise TypeError(
            f"Tokenizer's ONNX input is a string tensor (N,) of documents, got "
            f"{operator.inputs[0].type}."
        )
    if tokenizer.level == "word":
        _pattern(tokenizer)
    shape = operator.inputs[0].type.shape
    operator.outputs[0].type = Int64TensorType([shape[0] if shape else None, None])


def convert_tokenizer(scope, operator, container) -> None:
    tokenizer = operator.raw_operator
    g = Graph(scope, container, operator.onnx_name)
    documents = g.reshape(operator.inputs[0].full_name, [-1])
    if tokenizer.lowercase:
        # C.UTF-8: Unicode lowercasing without a language pack (onnxruntime's default
        # locale, en_US.UTF-8, is missing from many servers and containers)
        documents = g.op("StringNormalizer", documents, case_change_action="LOWER",
                         locale="C.UTF-8")
    mode = ({"separators": [""]} if tokenizer.level == "char"
            else {"tokenexp": _pattern(tokenizer)})
    tokens = g.op("Tokenizer", documents, domain="com.microsoft", op_version=1, mark=0, mincharnum=1,
                  pad_value=_PAD, **mode)
    if tokenizer.max_length is not None:
        tokens = g.op("Slice", tokens, g.const(np.array([0], np.int64)),
                      g.const(np.array([int(tokenizer.max_length)], np.int64)),
                      g.const(np.array([1], np.int64)))
    vocabulary = sorted(tokenizer.vocabulary_.items(), key=lambda item: item[1])
    keys = [token for token, _ in vocabulary] + [_PAD]
    values = [int(i) for _, i in vocabulary] + [0]
    ids = g.op("LabelEncoder", tokens, domain="ai.onnx.ml", op_version=2, keys_strings=keys,
               values_int64s=values, default_int64=1)
    # a column of padding more, so that a batch of empty documents (N, 0) has a step
    batch = g.dim(documents, 0)
    zeros = g.op("ConstantOfShape", g.op("Concat", batch, g.const(np.array([1], np.int64)),
                                         axis=0),
                 value=_int64_zero())
    ids = g.op("Concat", ids, zeros, axis=1)
    # an empty document (no token at all) is the one unknown id, as transform gives it
    n_real = g.reduce("ReduceSum", g.cast(g.op("Not", g.op("Equal", ids, g.const(np.int64(0)))),
                                          TensorProto.INT64), [1], keepdims=True)
    T = g.squeeze(g.dim(ids, 1), [0])
    t = g.unsqueeze(g.op("Range", g.const(np.int64(0)), T, g.const(np.int64(1))), [0])
    first_of_empty = g.op("And", g.op("Equal", t, g.const(np.int64(0))),
                          g.op("Equal", n_real, g.const(np.int64(0))))
    g.op("Where", first_of_empty, g.const(np.int64(1)), ids,
         outputs=[operator.outputs[0].full_name])


def _int64_zero():
    from onnx import numpy_helper

    return numpy_helper.from_array(np.zeros(1, np.int64))
