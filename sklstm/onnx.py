"""Export fitted sklstm estimators and whole Pipelines to ONNX.

An exported model runs with onnxruntime alone: no PyTorch, no scikit-learn,
no sklstm. It needs the optional packages ``onnx``, ``onnxruntime`` and
``skl2onnx`` (``pip install "sklstm[onnx]"``); ``import sklstm`` never imports
them, and this module imports them only when it exports or registers.

Importing this module registers sklstm's converters with skl2onnx when
skl2onnx is installed (:func:`register_converters` does it explicitly), so
``skl2onnx.to_onnx`` and ``skl2onnx.convert_sklearn`` convert Pipelines that
hold sklstm steps, e.g. ``StandardScaler → SlidingWindowTransformer →
LSTMRegressor``. :func:`to_onnx` does the same and declares the input with
dynamic batch *and* time axes, which ``skl2onnx.to_onnx(model, X)`` (it fixes
every axis of ``X`` but the first) does not.

What the graph computes is what ``predict``/``predict_proba`` compute, the
data layer included: feed onnxruntime the float32 array ``predict`` reads
(NaN-padded sequences; a ragged list as its NaN-padded array, e.g.
``sklstm.preprocessing.to_padded(X)``; int64 token ids padded with 0).
A batch without padding (no NaN, no id <= 0) takes a branch of the graph
(``If``) that skips the padding handling, the costliest part of a short
sequence's call; both branches compute what ``predict`` computes.

Covered: every cell ("lstm", "peephole", "gru", "rnn"), stacked and
bidirectional, ``proj_size`` (unrolled with ``Scan``), every pooling with the
padding masked, dense layers, embeddings, variable lengths; LSTMClassifier
(binary, multiclass, multilabel), LSTMRegressor, LSTMStepClassifier,
LSTMStepRegressor, SlidingWindowTransformer, SequenceScaler and Tokenizer
(with onnxruntime's contrib ``Tokenizer`` operator). Refused with an error at
export: LSTMForecaster (it forecasts from the series it remembers, not from
an input tensor), classifiers with non-integer float labels, and Tokenizer
word patterns other than the default ones.

Examples
--------
>>> import numpy as np
>>> import onnxruntime as ort
>>> from sklstm import LSTMRegressor
>>> from sklstm.onnx import to_onnx
>>> rng = np.random.RandomState(0)
>>> X = rng.normal(size=(40, 6, 2)).astype(np.float32)
>>> reg = LSTMRegressor(hidden_size=8, max_iter=2, random_state=0).fit(X, X.sum(axis=(1, 2)))
>>> onx = to_onnx(reg, X)
>>> session = ort.InferenceSession(onx.SerializeToString(), providers=["CPUExecutionProvider"])
>>> X_new = rng.normal(size=(3, 9, 2)).astype(np.float32)  # another length
>>> X_new[0, 6:] = np.nan                                   # padding
>>> y_onnx = session.run(None, {"X": X_new})[0]
>>> bool(np.allclose(y_onnx[:, 0], reg.predict(X_new), rtol=1e-4, atol=1e-5))
True
"""

from __future__ import annotations

import importlib

import numpy as np

__all__ = ["register_converters", "to_onnx"]

_INSTALL = (
    "sklstm's ONNX export needs the optional packages onnx, onnxruntime and skl2onnx: "
    'pip install "sklstm[onnx]" (or pip install onnx onnxruntime skl2onnx).'
)


def _require():
    """Import the export machinery, or say what to install."""
    try:
        for package in ("onnx", "skl2onnx"):
            importlib.import_module(package)
    except ImportError as exc:
        raise ImportError(f"{_INSTALL} ({exc})") from exc
    from ._onnx import _register

    return _register


def register_converters() -> None:
    """Register sklstm's converters with skl2onnx (done when this module is imported).

    Afterwards ``skl2onnx.to_onnx`` / ``convert_sklearn`` convert sklstm
    estimators and transformers, alone or inside Pipelines. Calling it again
    does nothing.

    Raises
    ------
    ImportError
        When onnx or skl2onnx is not installed.

    Examples
    --------
    >>> from sklstm.onnx import register_converters
    >>> register_converters()
    """
    _require().register_converters()


def _first_step(model):
    """The step that reads the model's input (the first of nested Pipelines)."""
    from sklearn.pipeline import Pipeline

    while isinstance(model, Pipeline):
        model = model.steps[0][1]
    return model


def _initial_types(model, X_sample):
    """The declared input: dynamic batch and time axes, features from the fitted step."""
    from skl2onnx.common.data_types import FloatTensorType, Int64TensorType, StringTensorType

    from ._base import BaseLSTM
    from .preprocessing import SequenceScaler, Tokenizer

    first = _first_step(model)
    if isinstance(first, Tokenizer):
        return [("X", StringTensorType([None]))]
    if isinstance(first, BaseLSTM) and hasattr(first, "_input_layout"):
        layout = first._input_layout
        if layout.tokens:
            return [("X", Int64TensorType([None, None]))]
        if layout.kind == "2d":  # univariate sequences of the fitted length
            return [("X", FloatTensorType([None, int(layout.n_features_in)]))]
        return [("X", FloatTensorType([None, None, int(layout.n_step_features)]))]
    if isinstance(first, SequenceScaler) and hasattr(first, "n_features_in_"):
        return [("X", FloatTensorType([None, None, int(first.n_features_in_)]))]
    if X_sample is None:
        raise ValueError(
            f"to_onnx needs X_sample to find the input of a model starting with "
            f"{type(first).__name__}: pass a few rows of what its fit or predict reads."
        )
    X = np.asarray(X_sample) if not hasattr(X_sample, "dtype") else X_sample
    shape = getattr(X, "shape", ())
    if len(shape) == 2:  # a 2D table (a scikit-learn scaler, a SlidingWindowTransformer)
        return [("X", FloatTensorType([None, int(shape[1])]))]
    if len(shape) == 3:
        return [("X", FloatTensorType([None, None, int(shape[2])]))]
    raise ValueError(
        f"X_sample must be a 2D table or 3D sequences, got shape {shape}; for documents, "
        "start the Pipeline with sklstm.preprocessing.Tokenizer."
    )


def _check_models(model) -> None:
    """Refuse, before converting, what cannot be exported (fitted state, forecaster)."""
    from sklearn.pipeline import Pipeline
    from sklearn.utils.validation import check_is_fitted

    from ._forecaster import LSTMForecaster
    from ._onnx._estimators import refuse_forecaster

    steps = [step for _, step in model.steps] if isinstance(model, Pipeline) else [model]
    for step in steps:
        if isinstance(step, Pipeline):
            _check_models(step)
        elif isinstance(step, LSTMForecaster):
            refuse_forecaster(None, step, None)
        elif step not in (None, "passthrough"):
            check_is_fitted(step)


def to_onnx(model, X_sample=None, *, target_opset: int | dict | None = None,
            options: dict | None = None, name: str | None = None):
    """Convert a fitted sklstm estimator or a Pipeline holding sklstm steps to ONNX.

    Parameters
    ----------
    model : estimator or Pipeline
        Fitted. sklstm steps anywhere in it, scikit-learn steps that
        skl2onnx converts around them.
    X_sample : array-like, default=None
        A few rows of what the model reads; needed only when its first step
        is not an sklstm step (e.g. a 2D table for ``StandardScaler``). Its
        number of features (not its length) sets the input's.
    target_opset : int or dict, default=None
        ONNX opset (at least 15); skl2onnx's default when None.
    options : dict, default=None
        skl2onnx's converter options, e.g. ``{LSTMClassifier: {"zipmap":
        False}}`` for plain label and probability tensors.
    name : str, default=None
        Name of the ONNX graph.

    Returns
    -------
    onnx.ModelProto
        One input ``"X"``: float32 ``(N, T, F)`` sequences (NaN padding), a
        float32 ``(N, n_features_in_)`` table of univariate sequences for
        an estimator fitted on 2D X, int64 ``(N, T)`` token ids (0 padding),
        or strings ``(N,)`` for a Pipeline starting with a Tokenizer. N and T
        are dynamic. Outputs follow skl2onnx: ``label`` and
        ``probabilities`` (``output_label`` and ``output_probability``, a
        list of dicts, with the default ``zipmap=True``), ``variable`` for
        regressors ((N, n_outputs): (N, 1) for a 1D ``y``).

    Raises
    ------
    ImportError
        When onnx or skl2onnx is not installed.
    TypeError or ValueError
        For a model that cannot be exported (say which and why), or a
        model that is not fitted.

    Examples
    --------
    >>> import numpy as np
    >>> import onnxruntime as ort
    >>> from sklstm import LSTMClassifier
    >>> from sklstm.onnx import to_onnx
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(30, 5, 3)).astype(np.float32)
    >>> y = np.where(X[:, -1, 0] > 0, "up", "down")
    >>> clf = LSTMClassifier(hidden_size=8, max_iter=2, random_state=0).fit(X, y)
    >>> onx = to_onnx(clf, options={LSTMClassifier: {"zipmap": False}})
    >>> [o.name for o in onx.graph.output]
    ['label', 'probabilities']
    >>> sess = ort.InferenceSession(onx.SerializeToString(), providers=["CPUExecutionProvider"])
    >>> label, proba = sess.run(None, {"X": X[:4]})
    >>> bool((label == clf.predict(X[:4])).all())
    True
    >>> bool(np.allclose(proba, clf.predict_proba(X[:4]), rtol=1e-4, atol=1e-5))
    True
    """
    register = _require()
    register.register_converters()
    from skl2onnx import convert_sklearn

    _check_models(model)
    return convert_sklearn(
        model, initial_types=_initial_types(model, X_sample), target_opset=target_opset,
        options=options, name=name or type(model).__name__,
    )


try:  # register at import when the packages are there; to_onnx says what is missing
    _require().register_converters()
except ImportError:
    pass
