"""ONNX export of whole Pipelines and the transformers, and what is refused at export."""

import subprocess
import sys
import warnings

import numpy as np
import pytest

pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")
skl2onnx = pytest.importorskip("skl2onnx")

from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from sklstm import (  # noqa: E402
    LSTMClassifier,
    LSTMForecaster,
    LSTMRegressor,
    SlidingWindowTransformer,
)
from sklstm.onnx import to_onnx  # noqa: E402
from sklstm.preprocessing import SequenceScaler, Tokenizer  # noqa: E402
from tests._onnx_helpers import close, inputs, session, train_sequences  # noqa: E402

NO_ZIPMAP = {LSTMClassifier: {"zipmap": False}}


def _quiet_fit(model, X, y=None):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return model.fit(X, y)


def _table(n, seed):
    rng = np.random.RandomState(seed)
    return (rng.normal(size=(n, 4)) * [1, 10, 100, 0.1] + [0, 5, 50, 1]).astype(np.float32)


@pytest.fixture(scope="module", params=[
    dict(window_size=5),
    dict(window_size=4, step=2, include_current=False),
    dict(window_size=3, padding="zero"),
], ids=["mask", "step2-previous", "zero"])
def window_pipeline(request):
    table = _table(80, 0)
    y = table[:, 1] * 3 + 7
    pipe = make_pipeline(StandardScaler(), SlidingWindowTransformer(**request.param),
                         LSTMRegressor(hidden_size=4, cell="gru", max_iter=2, random_state=0))
    return _quiet_fit(pipe, table, y)


@pytest.mark.parametrize("rows", [1, 37])
def test_scaler_window_lstm_pipeline(window_pipeline, rows):
    """skl2onnx.to_onnx converts the whole Pipeline once sklstm.onnx is imported."""
    table = _table(rows, rows)
    expected = window_pipeline.predict(table)
    for onx in (skl2onnx.to_onnx(window_pipeline, table[:5]), to_onnx(window_pipeline, table)):
        close(session(onx).run(None, {onx.graph.input[0].name: table})[0][:, 0], expected)


def test_window_transformer_alone():
    table = _table(30, 0).astype(np.float64)
    window = SlidingWindowTransformer(window_size=6, step=3).fit(table)
    onx = skl2onnx.to_onnx(window, table[:2])
    out = session(onx).run(None, {onx.graph.input[0].name: table[:11]})[0]
    assert out.dtype == np.float64  # the transformer keeps the dtype; so does the graph
    np.testing.assert_array_equal(out, window.transform(table[:11]))


def test_sequence_scaler_and_classifier():
    X = train_sequences() * [1, 100, 0.01] + [0, 1000, 0]
    y = (X[:, -1, 1] > 1000).astype(int)
    pipe = _quiet_fit(make_pipeline(SequenceScaler(), LSTMClassifier(
        hidden_size=4, pooling="mean", max_iter=2, random_state=0)), X.astype(np.float32), y)
    sess = session(to_onnx(pipe, options=NO_ZIPMAP))
    for n in (1, 37):
        for name, X_pred, X_onnx in inputs(n):
            if name == "ragged":
                continue  # SequenceScaler reads padded 3D arrays only
            X_onnx = X_onnx * np.float32([1, 100, 0.01]) + np.float32([0, 1000, 0])
            label, proba = sess.run(None, {"X": X_onnx})
            close(proba, pipe.predict_proba(X_onnx), name)
            np.testing.assert_array_equal(label, pipe.predict(X_onnx))


DOCS = ["a good film", "A bad film!", "good good", "bad", "très bon film", "film noir",
        "an awful film", "great", "GOOD", "the worst film"] * 4
LABELS = ["pos", "neg", "pos", "neg", "pos", "pos", "neg", "pos", "pos", "neg"] * 4
NEW = ["", "good film", "unknown words here", "Très GOOD", "!!", "film"]


@pytest.mark.parametrize("tokenizer", [
    Tokenizer(level="char"),
    Tokenizer(level="word", max_length=3),
    Tokenizer(level="word", lowercase=False, min_frequency=2),
], ids=["char", "word-max_length", "word-case"])
def test_tokenizer_and_classifier(tokenizer):
    pipe = _quiet_fit(make_pipeline(tokenizer, LSTMClassifier(
        hidden_size=4, embedding_dim=3, max_iter=2, random_state=0)), DOCS, LABELS)
    onx = to_onnx(pipe, options=NO_ZIPMAP)
    sess = session(onx)
    for docs in (NEW, NEW[1:2], DOCS[:37]):
        label, proba = sess.run(None, {"X": np.array(docs, dtype=object)})
        close(proba, pipe.predict_proba(docs))
        np.testing.assert_array_equal(label, pipe.predict(docs))
    tokens = tokenizer.transform(NEW)
    ids = session(skl2onnx.to_onnx(tokenizer, initial_types=[
        ("X", skl2onnx.common.data_types.StringTensorType([None]))])).run(
        None, {"X": np.array(NEW, dtype=object)})[0]
    for row, expected in zip(ids, tokens):  # the same ids, then 0 padding
        np.testing.assert_array_equal(row[row != 0], expected[expected != 0])


# -- refused at export ---------------------------------------------------------------------
def test_forecaster_is_refused(airline):
    forecaster = LSTMForecaster(window_size=6, horizon=2, hidden_size=4, max_iter=1,
                                n_paths=5, random_state=0)
    forecaster = _quiet_fit(forecaster, airline)
    with pytest.raises(TypeError, match="LSTMForecaster cannot be exported.*remembers"):
        to_onnx(forecaster)
    with pytest.raises(TypeError, match="LSTMForecaster cannot be exported"):
        skl2onnx.to_onnx(forecaster, np.zeros((1, 1), np.float32))


def test_custom_token_pattern_is_refused():
    pipe = _quiet_fit(make_pipeline(Tokenizer(level="word", token_pattern=r"[a-z]+"),
                                    LSTMClassifier(hidden_size=4, embedding_dim=3, max_iter=1)),
                      DOCS, LABELS)
    with pytest.raises(ValueError, match="token_pattern.*cannot be exported"):
        to_onnx(pipe)


def test_unfitted_and_wrong_inputs_are_refused():
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        to_onnx(LSTMRegressor())
    X = train_sequences()
    reg = _quiet_fit(LSTMRegressor(hidden_size=4, max_iter=1), X, X.sum(axis=(1, 2)))
    with pytest.raises(ValueError, match="target_opset >= 15"):
        to_onnx(reg, target_opset=13)
    with pytest.raises(ValueError, match="3 features per time step.*SlidingWindowTransformer"):
        skl2onnx.to_onnx(reg, np.zeros((2, 3), np.float32))  # a 2D table, not windows


def test_a_table_pipeline_needs_x_sample(window_pipeline):
    with pytest.raises(ValueError, match="X_sample"):
        to_onnx(window_pipeline)


def test_missing_packages_say_what_to_install(monkeypatch):
    import sklstm.onnx

    monkeypatch.setitem(sys.modules, "skl2onnx", None)
    with pytest.raises(ImportError, match=r'pip install "sklstm\[onnx\]"'):
        sklstm.onnx.to_onnx(LSTMRegressor())


def test_import_sklstm_does_not_import_onnx():
    code = ("import sys, sklstm; sklstm.LSTMRegressor; "
            "assert not {'onnx', 'onnxruntime', 'skl2onnx'} & set(sys.modules)")
    subprocess.run([sys.executable, "-c", code], check=True)
