"""ONNX export of the networks and estimators: onnxruntime equals predict/predict_proba.

Every configuration is fitted once (module-scoped, tiny, max_iter=1) and checked
on fixed-length, NaN-padded and ragged input (given to onnxruntime as its
NaN-padded array) at lengths other than the fitted one, batches of 1 and 37.
Pipelines, transformers and refusals: tests/test_onnx_pipelines.py.
"""

import warnings

import numpy as np
import pytest

pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")
pytest.importorskip("skl2onnx")

from sklstm import (  # noqa: E402
    LSTMClassifier,
    LSTMRegressor,
    LSTMStepClassifier,
    LSTMStepRegressor,
)
from sklstm.onnx import to_onnx  # noqa: E402
from tests._onnx_helpers import close, inputs, session, train_sequences  # noqa: E402

BATCHES = (1, 37)

#: (cell, pooling, bidirectional, num_layers, proj_size, head_hidden_sizes)
NETWORKS = [
    ("lstm", "last", False, 1, 0, ()),
    ("lstm", "mean", True, 2, 0, (5,)),
    ("lstm", "attention", True, 1, 2, ()),  # proj_size: unrolled with Scan
    ("lstm", "max", False, 2, 3, ()),
    ("peephole", "last", True, 2, 0, ()),
    ("peephole", "max", False, 1, 0, (5,)),
    ("peephole", "attention", True, 1, 0, ()),
    ("gru", "last", True, 1, 0, ()),
    ("gru", "mean", False, 2, 0, ()),
    ("gru", "attention", True, 2, 0, (5,)),
    ("rnn", "last", False, 2, 0, ()),
    ("rnn", "max", True, 1, 0, ()),
    ("rnn", "mean", True, 1, 0, ()),
]


def _fit(cls, X, y, config, **params):
    cell, pooling, bidirectional, num_layers, proj_size, dense = config
    if cls in (LSTMClassifier, LSTMRegressor):
        params["pooling"] = pooling
    model = cls(hidden_size=4, cell=cell, bidirectional=bidirectional, num_layers=num_layers,
                proj_size=proj_size, head_hidden_sizes=dense, max_iter=1, random_state=0,
                **params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return model.fit(X, y)


def _ids(config):
    cell, pooling, bidirectional, num_layers, proj_size, dense = config
    return (f"{cell}-{pooling}-{'bi' if bidirectional else 'uni'}-{num_layers}l"
            f"{f'-proj{proj_size}' if proj_size else ''}{'-dense' if dense else ''}")


def _run(sess, X):
    return sess.run(None, {"X": X})


@pytest.fixture(scope="module", params=NETWORKS, ids=_ids)
def regressor(request):
    X = train_sequences()
    y = 1000 + 50 * X.sum(axis=(1, 2))
    model = _fit(LSTMRegressor, X, y, request.param)
    return model, session(to_onnx(model))


@pytest.mark.parametrize("n", BATCHES)
def test_regressor_every_network(regressor, n):
    model, sess = regressor
    for name, X, X_onnx in inputs(n):
        close(_run(sess, X_onnx)[0][:, 0], model.predict(X), name)


@pytest.fixture(scope="module", params=NETWORKS[::2], ids=_ids)
def multiclass(request):
    X = train_sequences()
    y = np.digitize(X[:, -1, 0], [-0.5, 0.5]) * 10  # classes 0, 10, 20
    model = _fit(LSTMClassifier, X, y, request.param)
    return model, session(to_onnx(model, options={LSTMClassifier: {"zipmap": False}}))


@pytest.mark.parametrize("n", BATCHES)
def test_multiclass_every_other_network(multiclass, n):
    model, sess = multiclass
    for name, X, X_onnx in inputs(n):
        label, proba = _run(sess, X_onnx)
        close(proba, model.predict_proba(X), name)
        assert label.dtype == np.int64
        np.testing.assert_array_equal(label, model.predict(X))


@pytest.fixture(scope="module")
def binary():
    X = train_sequences()
    model = _fit(LSTMClassifier, X, np.where(X[:, -1, 0] > 0, "up", "down"),
                 ("gru", "mean", True, 1, 0, ()))
    return model


@pytest.mark.parametrize("zipmap", [False, True, "columns"])
def test_binary_labels_and_zipmap(binary, zipmap):
    onx = to_onnx(binary, options={LSTMClassifier: {"zipmap": zipmap}})
    sess = session(onx)
    for name, X, X_onnx in inputs(37):
        outputs = _run(sess, X_onnx)
        expected = binary.predict_proba(X)
        np.testing.assert_array_equal(outputs[0], binary.predict(X))
        if zipmap is False:
            proba = outputs[1]
        elif zipmap is True:  # skl2onnx's ZipMap: one {class: probability} per row
            proba = np.array([[row[c] for c in binary.classes_] for row in outputs[1]])
        else:  # one output per class
            proba = np.column_stack(outputs[1:])
        close(proba, expected, name)


def test_multilabel():
    X = train_sequences()
    Y = np.column_stack([X[:, -1, 0] > 0, X[:, 0, 1] > 0, X[:, 3, 2] > 0]).astype(int)
    model = _fit(LSTMClassifier, X, Y, ("lstm", "max", True, 1, 0, ()))
    sess = session(to_onnx(model, options={LSTMClassifier: {"zipmap": False}}))
    for name, X_pred, X_onnx in inputs(37):
        label, proba = _run(sess, X_onnx)
        close(proba, model.predict_proba(X_pred), name)
        np.testing.assert_array_equal(label, model.predict(X_pred))


def test_multioutput_regressor_on_2d_input():
    """Fitted on a 2D table (univariate sequences of one length): a (N, T) input."""
    rng = np.random.RandomState(0)
    X = rng.normal(size=(40, 6)).astype(np.float32)
    Y = np.column_stack([X.sum(axis=1), 100 * X[:, -1]])
    model = _fit(LSTMRegressor, X, Y, ("peephole", "attention", True, 1, 0, ()))
    onx = to_onnx(model)
    assert [d.dim_value for d in onx.graph.input[0].type.tensor_type.shape.dim][1] == 6
    sess = session(onx)
    for n in BATCHES:
        X_new = rng.normal(size=(n, 6)).astype(np.float32)
        close(_run(sess, X_new)[0], model.predict(X_new))


@pytest.fixture(scope="module", params=[("lstm", "last", False, 1, 0, ()),
                                        ("gru", "last", True, 2, 0, (5,)),
                                        ("lstm", "attention", True, 1, 2, ())], ids=_ids)
def token_classifier(request):
    rng = np.random.RandomState(0)
    ids = [rng.randint(1, 12, size=rng.randint(2, 9)) for _ in range(50)]
    y = np.array([int(s[0] > 6) + int(s[-1] > 6) for s in ids])  # 3 classes
    model = _fit(LSTMClassifier, ids, y, request.param, embedding_dim=3)
    return model, session(to_onnx(model, options={LSTMClassifier: {"zipmap": False}}))


@pytest.mark.parametrize("n", BATCHES)
def test_token_ids_with_embedding(token_classifier, n):
    """Zeros anywhere are padding (left out), a sequence of zeros is one 0 step."""
    model, sess = token_classifier
    rng = np.random.RandomState(n)
    ids = rng.randint(0, 12, size=(n, 13)).astype(np.int64)
    ids[0, :4] = 0
    if n > 2:
        ids[1] = 0
        ids[2, 5:] = 0
    label, proba = _run(sess, ids)
    close(proba, model.predict_proba(ids))
    np.testing.assert_array_equal(label, model.predict(ids))


def test_token_ids_out_of_range_fail_at_run(token_classifier):
    """predict refuses ids outside the vocabulary: onnxruntime raises too, never a guess."""
    _, sess = token_classifier
    for bad in (99, -3):
        with pytest.raises(Exception, match="(?i)indices|out of|bounds|range"):
            _run(sess, np.array([[2, 3, bad]], np.int64))


# -- per-step estimators -----------------------------------------------------------------
@pytest.fixture(scope="module", params=[("lstm", None, False, 1, 0, ()),
                                        ("gru", None, True, 2, 0, (5,)),
                                        ("peephole", None, True, 1, 0, ()),
                                        ("rnn", None, False, 1, 0, ()),
                                        ("lstm", None, True, 1, 2, ())], ids=_ids)
def step_regressor(request):
    X = train_sequences()
    Y = np.stack([np.cumsum(X[:, :, 0], axis=1), 10 * X[:, :, 1]], axis=2)
    return _fit(LSTMStepRegressor, X, Y, request.param)


@pytest.mark.parametrize("n", BATCHES)
def test_step_regressor(step_regressor, n):
    sess = session(to_onnx(step_regressor))
    for name, X, X_onnx in inputs(n):
        out = _run(sess, X_onnx)[0]
        expected = step_regressor.predict(X)
        if isinstance(expected, list):  # ragged: each sequence's steps
            for i, e in enumerate(expected):
                close(out[i, : len(e)], e, name)
        else:
            close(out, expected, name)  # NaN at the same padding steps


@pytest.fixture(scope="module")
def step_classifier():
    X = train_sequences()
    y = np.where(np.cumsum(X[:, :, 0], axis=1) > 0, "pos", "neg")
    return _fit(LSTMStepClassifier, X, y, ("gru", None, True, 2, 0, ()), ignore_label="pad")


@pytest.mark.parametrize("n", BATCHES)
def test_step_classifier(step_classifier, n):
    sess = session(to_onnx(step_classifier))
    for name, X, X_onnx in inputs(n):
        label, proba = _run(sess, X_onnx)
        expected_label, expected_proba = step_classifier.predict(X), step_classifier.predict_proba(X)
        if isinstance(expected_label, list):
            for i, (e_label, e_proba) in enumerate(zip(expected_label, expected_proba)):
                np.testing.assert_array_equal(label[i, : len(e_label)], e_label)
                close(proba[i, : len(e_label)], e_proba, name)
        else:
            np.testing.assert_array_equal(label, expected_label)  # "pad" at padding steps
            close(proba, expected_proba, name)


def test_step_classifier_on_token_ids():
    rng = np.random.RandomState(0)
    ids = [rng.randint(1, 9, size=rng.randint(2, 8)) for _ in range(40)]
    y = [(s > 4).astype(int) * 7 for s in ids]  # classes 0 and 7
    model = _fit(LSTMStepClassifier, ids, y, ("lstm", None, False, 1, 0, ()), embedding_dim=3)
    sess = session(to_onnx(model))
    X = rng.randint(0, 9, size=(37, 10)).astype(np.int64)
    X[0] = 0
    label, proba = _run(sess, X)
    close(proba, model.predict_proba(X))  # NaN where the ids are 0
    real = X != 0
    # predict gives None at padding steps (ignore_label=None), ONNX min(classes) - 1
    np.testing.assert_array_equal(label[real], model.predict(X)[real].astype(np.int64))
    assert (label[~real] == -1).all()


# -- the two branches of the graph: input without padding, and the data layer ------------
def _if_node(onx):
    nodes = [n for n in onx.graph.node if n.op_type == "If"]
    assert len(nodes) == 1, [n.op_type for n in onx.graph.node]
    return nodes[0]


@pytest.mark.parametrize("config", [("lstm", "last", False, 1, 0, ()),
                                    ("peephole", "mean", True, 2, 0, (5,)),
                                    ("lstm", "max", False, 1, 2, ())], ids=_ids)
def test_branches_without_and_with_padding(config):
    """A batch without NaN runs the branch without the data layer, the same batch with
    one padded sequence the other: both give predict's rows, the others unchanged."""
    X = train_sequences()
    model = _fit(LSTMRegressor, X, 1000 + 50 * X.sum(axis=(1, 2)), config)
    onx = to_onnx(model)
    _if_node(onx)
    sess = session(onx)
    X_full = np.random.RandomState(3).normal(size=(6, 10, 3)).astype(np.float32)
    X_pad = X_full.copy()
    X_pad[1, 7:] = np.nan  # trailing padding
    X_pad[4, :2] = np.nan  # leading padding
    full, padded = _run(sess, X_full)[0][:, 0], _run(sess, X_pad)[0][:, 0]
    close(full, model.predict(X_full), "no padding")
    close(padded, model.predict(X_pad), "padded")
    same = [0, 2, 3, 5]
    close(padded[same], full[same], "rows without padding")
    assert not np.allclose(padded[[1, 4]], full[[1, 4]])
    for n in BATCHES:  # batch 1 in both branches
        close(_run(sess, X_full[:n])[0][:, 0], model.predict(X_full[:n]))
        close(_run(sess, X_pad[1:1 + n])[0][:, 0], model.predict(X_pad[1:1 + n]))


def test_step_branches_without_and_with_padding(step_regressor):
    sess = session(to_onnx(step_regressor))
    X_full = np.random.RandomState(4).normal(size=(5, 8, 3)).astype(np.float32)
    X_pad = X_full.copy()
    X_pad[2, 5:] = np.nan
    full, padded = _run(sess, X_full)[0], _run(sess, X_pad)[0]
    close(full, step_regressor.predict(X_full))
    close(padded, step_regressor.predict(X_pad))  # NaN at the padding steps
    close(padded[[0, 1, 3, 4]], full[[0, 1, 3, 4]])
    if not step_regressor.bidirectional:  # earlier steps do not read the later ones
        close(padded[2, :5], full[2, :5])


def test_token_branches_without_and_with_padding(token_classifier):
    """Ids without 0 skip the data layer; a 0 or a negative id takes it (and fails)."""
    model, sess = token_classifier
    ids = np.random.RandomState(5).randint(1, 12, size=(4, 9)).astype(np.int64)
    padded = ids.copy()
    padded[3, 6:] = 0
    for X in (ids, padded, ids[:1], padded[3:]):
        label, proba = _run(sess, X)
        close(proba, model.predict_proba(X))
        np.testing.assert_array_equal(label, model.predict(X))
    close(_run(sess, padded)[1][:3], _run(sess, ids)[1][:3])
    with pytest.raises(Exception, match="(?i)indices|out of|bounds|range"):
        _run(sess, np.array([[2, 3, -1]], np.int64))
