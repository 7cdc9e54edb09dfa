"""Registration of the sklstm converters with skl2onnx (idempotent)."""

from __future__ import annotations

from skl2onnx import update_registered_converter

from . import _estimators as est
from . import _transformers as tr

__all__ = ["register_converters"]

_registered = False


def _refuse_shape(operator):  # never reached: the parser refuses first
    est.refuse_forecaster(None, operator.raw_operator, None)


def _refuse_convert(scope, operator, container):  # never reached either
    est.refuse_forecaster(scope, operator.raw_operator, None)


def register_converters() -> None:
    """Register the converters of every sklstm estimator and transformer with skl2onnx."""
    global _registered
    if _registered:
        return
    from .. import (
        LSTMClassifier,
        LSTMForecaster,
        LSTMRegressor,
        LSTMStepClassifier,
        LSTMStepRegressor,
        SlidingWindowTransformer,
    )
    from ..preprocessing import SequenceScaler, Tokenizer
    from . import _text

    # classifiers: skl2onnx's classifier parser (label, probabilities, zipmap option)
    update_registered_converter(
        LSTMClassifier, "SklstmLSTMClassifier", est.classifier_shape, est.convert_classifier,
        options={"zipmap": [True, False, "columns"], "nocl": [False]},
    )
    update_registered_converter(
        LSTMRegressor, "SklstmLSTMRegressor", est.regressor_shape, est.convert_regressor)
    update_registered_converter(
        LSTMStepClassifier, "SklstmLSTMStepClassifier", est.step_classifier_shape,
        est.convert_step_classifier, parser=est.parse_step_classifier,
    )
    update_registered_converter(
        LSTMStepRegressor, "SklstmLSTMStepRegressor", est.step_regressor_shape,
        est.convert_step_regressor)
    update_registered_converter(
        LSTMForecaster, "SklstmLSTMForecaster", _refuse_shape, _refuse_convert,
        parser=est.refuse_forecaster,
    )
    update_registered_converter(
        SlidingWindowTransformer, "SklstmSlidingWindowTransformer", tr.window_shape,
        tr.convert_window)
    update_registered_converter(
        SequenceScaler, "SklstmSequenceScaler", tr.scaler_shape, tr.convert_scaler)
    update_registered_converter(
        Tokenizer, "SklstmTokenizer", _text.tokenizer_shape, _text.convert_tokenizer)
    _registered = True
