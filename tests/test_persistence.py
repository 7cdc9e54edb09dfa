"""sklstm.save / sklstm.load: exact round trips, and no code runs on load."""

import json
import math
import pickle
import re

import numpy as np
import pandas as pd
import pytest
import torch
from safetensors import safe_open
from safetensors.torch import load_file, save_file
from sklearn.base import clone

import sklstm
from sklstm import LSTMClassifier, LSTMRegressor
from tests._helpers import outputs

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

MARKER = "sklstm_payload_ran"


class Payload:
    """Unpickling this object creates a marker file: proof that code ran."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))


CASES = {
    "classifier-3d-strings": lambda rng: (
        LSTMClassifier(hidden_size=4, max_iter=3, early_stopping=True, random_state=0),
        rng.normal(size=(40, 5, 2)), np.array(["no", "yes"] * 20)),
    "classifier-multilabel": lambda rng: (
        LSTMClassifier(hidden_size=4, max_iter=2, bidirectional=True, random_state=0),
        rng.normal(size=(40, 5, 2)), (rng.normal(size=(40, 3)) > 0).astype(int)),
    "regressor-2d-multioutput-sgd": lambda rng: (
        LSTMRegressor(hidden_size=4, max_iter=3, solver="sgd", num_layers=2, random_state=0),
        rng.normal(size=(40, 6)), rng.normal(size=(40, 2)) * 100),
    "classifier-tokens": lambda rng: (
        LSTMClassifier(hidden_size=4, max_iter=2, embedding_dim=3, random_state=0),
        [rng.randint(0, 9, rng.randint(2, 8)) for _ in range(40)], np.arange(40) % 3),
}


# Attributes a loaded estimator may hold differently: device_ is rebuilt on
# load and always the CPU (sklstm._persistence._SKIPPED; checked on its own).
_ROUND_TRIP_EXCEPTIONS = {"device_"}


def _assert_same(loaded, original, where, skip=frozenset()):
    """Recursive exact equality of fitted state (tensors, arrays, NaN included).

    ``skip``: dict keys / DataFrame columns not compared (wall-clock timings).
    """
    same = lambda a, b, at: _assert_same(a, b, at, skip)  # noqa: E731
    assert type(loaded) is type(original), f"{where}: {type(loaded)} != {type(original)}"
    if isinstance(original, (torch.nn.Module, torch.optim.Optimizer)):
        same(loaded.state_dict(), original.state_dict(), f"{where}.state_dict()")
    elif isinstance(original, torch.Tensor):
        assert loaded.dtype == original.dtype and loaded.shape == original.shape, where
        assert torch.equal(loaded.cpu(), original.cpu()), where
    elif isinstance(original, np.ndarray):
        assert loaded.dtype == original.dtype, f"{where}: {loaded.dtype} != {original.dtype}"
        np.testing.assert_array_equal(loaded, original, err_msg=where)
    elif isinstance(original, np.random.RandomState):
        same(loaded.get_state(), original.get_state(), f"{where}.get_state()")
    elif isinstance(original, pd.DataFrame):
        assert list(loaded.columns) == list(original.columns), where
        drop = [c for c in original.columns if c in skip]
        assert loaded.drop(columns=drop).equals(original.drop(columns=drop)), where
    elif isinstance(original, dict):
        assert loaded.keys() == original.keys(), f"{where}: {loaded.keys()} != {original.keys()}"
        for key in original.keys() - skip:
            same(loaded[key], original[key], f"{where}[{key!r}]")
    elif isinstance(original, (list, tuple)):
        assert len(loaded) == len(original), where
        for i, (a, b) in enumerate(zip(loaded, original)):
            same(a, b, f"{where}[{i}]")
    elif isinstance(original, float) and math.isnan(original):
        assert math.isnan(loaded), where
    elif hasattr(original, "__dict__") and not isinstance(original, torch.device):
        same(vars(loaded), vars(original), f"vars({where})")  # e.g. _history
    else:
        assert loaded == original, f"{where}: {loaded!r} != {original!r}"


def assert_same_fitted_state(loaded, est, skip=frozenset()):
    """Every attribute of ``est`` came back, equal (a field lost in save/load fails)."""
    assert vars(loaded).keys() == vars(est).keys(), (
        set(vars(loaded)) ^ set(vars(est))
    )
    for key in vars(est).keys() - _ROUND_TRIP_EXCEPTIONS:
        _assert_same(getattr(loaded, key), getattr(est, key), key, frozenset(skip))


@pytest.mark.parametrize("case", sorted(CASES))
def test_round_trip_predicts_and_continues_identically(case, tmp_path):
    est, X, y = CASES[case](np.random.RandomState(0))
    est.fit(X, y)
    path = tmp_path / "model.safetensors"
    sklstm.save(est, path)
    loaded = sklstm.load(path)
    assert type(loaded) is type(est)
    assert loaded.get_params() == est.get_params()
    np.testing.assert_array_equal(outputs(loaded, X), outputs(est, X))
    assert loaded.loss_curve_ == est.loss_curve_
    assert loaded.history_.equals(est.history_)
    assert loaded._history.best_epoch == est._history.best_epoch
    assert loaded.device_ == torch.device("cpu")
    # every attribute (classes_, n_iter_, n_features_in_, n_tokens_, loss_curve_,
    # best_loss_, ..., network and optimizer state, random stream) came back
    assert_same_fitted_state(loaded, est)
    # optimizer state and random stream come back too: training continues identically
    est.partial_fit(X, y)
    loaded.partial_fit(X, y)
    np.testing.assert_array_equal(outputs(loaded, X), outputs(est, X))
    # (the continued epoch's wall-clock time differs, of course)
    assert_same_fitted_state(loaded, est, skip={"seconds"})


def test_dataframe_feature_names_survive(tmp_path):
    X = pd.DataFrame(np.random.RandomState(0).normal(size=(30, 4)), columns=list("abcd"))
    est = LSTMRegressor(hidden_size=4, max_iter=2, random_state=0).fit(X, X["a"])
    sklstm.save(est, tmp_path / "m.safetensors")
    loaded = sklstm.load(tmp_path / "m.safetensors")
    assert list(loaded.feature_names_in_) == list("abcd")
    with pytest.raises(ValueError, match="feature names"):
        loaded.predict(X.rename(columns={"a": "z"}))


def test_file_holds_no_pickle(tmp_path):
    est, X, y = CASES["classifier-3d-strings"](np.random.RandomState(0))
    path = tmp_path / "m.safetensors"
    sklstm.save(est.fit(X, y), path)
    with safe_open(str(path), framework="pt") as handle:
        header = json.loads(handle.metadata()["sklstm"])
    assert header["format_version"] == sklstm._persistence.FORMAT_VERSION
    assert header["class"] == "LSTMClassifier"
    # fitted state is plain JSON: the string labels are stored as a list of str
    assert header["fitted"]["classes_"]["__ndarray__"] == ["no", "yes"]


def test_load_never_unpickles(tmp_path, monkeypatch):
    est, X, y = CASES["classifier-3d-strings"](np.random.RandomState(0))
    path = tmp_path / "m.safetensors"
    sklstm.save(est.fit(X, y), path)

    def refuse(*args, **kwargs):
        raise AssertionError("load unpickled something")

    for module, name in [(pickle, "loads"), (pickle, "load"), (pickle, "Unpickler"),
                         (torch, "load")]:
        monkeypatch.setattr(module, name, refuse)
    np.testing.assert_array_equal(sklstm.load(path).predict_proba(X), est.predict_proba(X))


def test_forged_file_cannot_replace_methods(tmp_path):
    est, X, y = CASES["classifier-3d-strings"](np.random.RandomState(0))
    path = tmp_path / "m.safetensors"
    sklstm.save(est.fit(X, y), path)
    _rewrite(path, lambda header, tensors: header["fitted"].update(predict=1), redigest=True)
    with pytest.raises(ValueError, match="'predict' is not a fitted attribute"):
        sklstm.load(path)


def _rewrite(path, change, *, redigest=False, edit_text=None):
    """Rewrite a saved file with its header changed.

    The old digest is kept (a careless edit), or with ``redigest`` a new one is
    computed (a deliberate forgery, which reaches the decoder). ``edit_text``
    changes the header's JSON text after ``change`` (for what json.dumps
    cannot write).
    """
    tensors = load_file(str(path))
    with safe_open(str(path), framework="pt") as handle:
        metadata = handle.metadata()
    header = json.loads(metadata["sklstm"])
    change(header, tensors)
    metadata["sklstm"] = json.dumps(header, sort_keys=True)
    if edit_text is not None:
        metadata["sklstm"] = edit_text(metadata["sklstm"])
    if redigest:
        metadata["sha256"] = sklstm._persistence._digest(tensors, metadata["sklstm"])
    save_file(tensors, str(path), metadata=metadata)


def test_tampered_weights_or_header_are_refused(tmp_path):
    est, X, y = CASES["classifier-3d-strings"](np.random.RandomState(0))
    path = tmp_path / "m.safetensors"
    sklstm.save(est.fit(X, y), path)

    def bump_weight(header, tensors):
        tensors["module.head.bias"] = tensors["module.head.bias"] + 1.0

    _rewrite(path, bump_weight)
    with pytest.raises(ValueError, match="modified or corrupted"):
        sklstm.load(path)
    sklstm.save(est, path)
    _rewrite(path, lambda header, tensors: header["params"].update(hidden_size=5))
    with pytest.raises(ValueError, match="modified or corrupted"):
        sklstm.load(path)


def test_newer_format_is_refused_with_upgrade_advice(tmp_path, monkeypatch):
    est, X, y = CASES["classifier-3d-strings"](np.random.RandomState(0))
    path = tmp_path / "m.safetensors"
    monkeypatch.setattr(sklstm._persistence, "FORMAT_VERSION", 99)
    sklstm.save(est.fit(X, y), path)
    monkeypatch.undo()
    with pytest.raises(ValueError, match="format 99, newer .* Upgrade sklstm"):
        sklstm.load(path)


def test_malicious_pickle_is_never_executed(tmp_path):
    marker = tmp_path / MARKER
    payload = pickle.dumps(Payload(str(marker)))
    # 1) a pickle file posing as a model file
    evil = tmp_path / "evil.safetensors"
    evil.write_bytes(payload)
    with pytest.raises(ValueError, match="not an sklstm model file"):
        sklstm.load(evil)
    # 2) a pickle payload smuggled into a real model file's header and tensors
    est, X, y = CASES["classifier-3d-strings"](np.random.RandomState(0))
    path = tmp_path / "m.safetensors"
    sklstm.save(est.fit(X, y), path)

    def smuggle(header, tensors):
        header["fitted"]["classes_"] = {"__pickle__": payload.hex()}
        tensors["module.payload"] = torch.frombuffer(bytearray(payload), dtype=torch.uint8)

    for redigest in (False, True):
        sklstm.save(est, path)
        _rewrite(path, smuggle, redigest=redigest)
        with pytest.raises(ValueError, match="modified or corrupted|does not hold a valid"):
            sklstm.load(path)
    assert not marker.exists()
    # sanity: the payload does run when unpickled, so the test can tell
    pickle.loads(payload)
    assert marker.exists()


def test_save_refuses_unfitted_and_foreign_objects(tmp_path):
    from sklearn.exceptions import NotFittedError
    from sklearn.linear_model import LinearRegression

    with pytest.raises(NotFittedError):
        sklstm.save(LSTMRegressor(), tmp_path / "m.safetensors")
    with pytest.raises(TypeError, match="LSTMClassifier, LSTMForecaster, LSTMRegressor"):
        sklstm.save(LinearRegression().fit([[0.0], [1.0]], [0.0, 1.0]), tmp_path / "m")


def test_missing_file_and_foreign_safetensors(tmp_path):
    with pytest.raises(FileNotFoundError):
        sklstm.load(tmp_path / "nope.safetensors")
    other = tmp_path / "other.safetensors"
    save_file({"w": torch.zeros(2)}, str(other))
    content = other.read_bytes()
    with pytest.raises(ValueError, match="not an sklstm model file"):
        sklstm.load(other)
    assert other.read_bytes() == content  # refused, and left as it was


def test_file_stores_the_pickled_state(tmp_path):
    est, X, y = CASES["classifier-3d-strings"](np.random.RandomState(0))
    path = tmp_path / "m.safetensors"
    sklstm.save(est.fit(X, y), path)
    state = est.__getstate__()
    tensors = load_file(str(path))
    for name, tensor in state["module_"].items():
        assert torch.equal(tensors[f"module.{name}"], tensor)
    with safe_open(str(path), framework="pt") as handle:
        header = json.loads(handle.metadata()["sklstm"])
    # everything pickle stores, less the parameters, the networks (tensors) and
    # what load rebuilds or derives
    expected = set(state) - set(est.get_params()) - {"module_", "optimizer_", "device_", "history_"}
    assert set(header["fitted"]) == expected


@pytest.mark.parametrize("device", [torch.device("cpu"), "cpu"])
def test_device_parameter_round_trips_with_its_type(device, tmp_path):
    X, y = np.random.RandomState(0).normal(size=(20, 4)), np.arange(20.0)
    est = LSTMRegressor(hidden_size=4, max_iter=2, random_state=0, device=device).fit(X, y)
    sklstm.save(est, tmp_path / "m.safetensors")
    loaded = sklstm.load(tmp_path / "m.safetensors")
    assert loaded.get_params() == est.get_params()
    assert type(loaded.device) is type(device)


def _refuse_constant(name):
    raise AssertionError(f"the header is not strict JSON: it holds {name}")


def test_header_is_strict_json_and_non_finite_values_round_trip(tmp_path):
    # without validation: best_validation_score is -inf and valid_loss is NaN
    X, y = np.random.RandomState(0).normal(size=(20, 4)), np.arange(20.0)
    est = LSTMRegressor(hidden_size=4, max_iter=2, random_state=0).fit(X, y)
    path = tmp_path / "m.safetensors"
    sklstm.save(est, path)
    with safe_open(str(path), framework="pt") as handle:
        text = handle.metadata()["sklstm"]
    header = json.loads(text, parse_constant=_refuse_constant)
    history = header["fitted"]["_history"]["__history__"]
    assert history["best_validation_score"] == {"__float__": "-inf"}
    assert history["records"][0]["valid_loss"] == {"__float__": "nan"}
    loaded = sklstm.load(path)
    assert loaded._history.best_validation_score == -np.inf
    assert np.isnan(loaded._history.records[0]["valid_loss"])
    assert loaded.history_.equals(est.history_)


def _as_format_1(value, *, tuples=False):
    """A header part as format 1 wrote it: non-finite floats and devices as plain
    JSON values; optimizer groups without tuple tags (``tuples``)."""
    if isinstance(value, list):
        return [_as_format_1(v, tuples=tuples) for v in value]
    if isinstance(value, dict):
        if "__float__" in value:
            return float(value["__float__"])
        if "__device__" in value:
            return value["__device__"]
        if tuples and "__tuple__" in value:
            return _as_format_1(value["__tuple__"], tuples=tuples)
        return {k: _as_format_1(v, tuples=tuples) for k, v in value.items()}
    return value


def test_format_1_files_still_load(tmp_path):
    X, y = np.random.RandomState(0).normal(size=(20, 4)), np.arange(20.0)
    est = LSTMRegressor(hidden_size=4, max_iter=2, random_state=0).fit(X, y)
    path = tmp_path / "m.safetensors"
    sklstm.save(est, path)

    def downgrade(header, tensors):
        groups = header.pop("optimizer_groups")
        header.update(_as_format_1(header), format_version=1)
        header["optimizer_groups"] = _as_format_1(groups, tuples=True)

    _rewrite(path, downgrade, redigest=True)
    with safe_open(str(path), framework="pt") as handle:
        assert "-Infinity" in handle.metadata()["sklstm"]  # as format 1 wrote it
    loaded = sklstm.load(path)
    assert loaded.get_params() == est.get_params()
    assert loaded._history.best_validation_score == -np.inf
    np.testing.assert_array_equal(loaded.predict(X), est.predict(X))
    est.partial_fit(X, y)
    loaded.partial_fit(X, y)
    np.testing.assert_array_equal(loaded.predict(X), est.predict(X))


def test_dict_keys_keep_their_types():
    from sklstm._persistence import _decode, _encode

    for value in [{0: 1, 1: 3.5}, {np.int64(2): "a", True: None, 1.5: 1}, {"__float__": 1},
                  {"a": {-1: 2}}]:
        decoded = _decode(json.loads(json.dumps(_encode(value))))
        assert decoded == value
        assert [type(k) for k in decoded] == [type(k.item() if isinstance(k, np.generic) else k)
                                              for k in value]
    with pytest.raises(TypeError, match="dict key of type tuple"):
        _encode({(0, 1): 1})


def _class_weighted(tmp_path):
    X, y = np.random.RandomState(0).normal(size=(20, 4, 1)), np.arange(20) % 2
    est = LSTMClassifier(hidden_size=2, max_iter=1, random_state=0, class_weight={0: 1, 1: 3})
    path = tmp_path / "m.safetensors"
    sklstm.save(est.fit(X, y), path)
    return est, X, y, path


def _assert_class_weight_works(loaded, est, X, y):
    assert loaded.class_weight == {0: 1, 1: 3}
    assert [type(k) for k in loaded.class_weight] == [int, int]
    clone(loaded).fit(X, y)
    est.partial_fit(X, y)
    loaded.partial_fit(X, y)
    np.testing.assert_array_equal(loaded.predict_proba(X), est.predict_proba(X))


def test_class_weight_keys_keep_their_types(tmp_path):
    est, X, y, path = _class_weighted(tmp_path)
    with safe_open(str(path), framework="pt") as handle:
        header = json.loads(handle.metadata()["sklstm"])
    assert header["params"]["class_weight"] == {"__dict__": [[0, 1], [1, 3]]}
    _assert_class_weight_works(sklstm.load(path), est, X, y)


def test_class_weight_of_format_2_files_names_the_fitted_classes(tmp_path):
    est, X, y, path = _class_weighted(tmp_path)

    def as_format_2(header, tensors):  # format 2 wrote keys as str(key)
        header["params"]["class_weight"] = {"0": 1, "1": 3}
        header["format_version"] = 2

    _rewrite(path, as_format_2, redigest=True)
    _assert_class_weight_works(sklstm.load(path), est, X, y)


@pytest.fixture(scope="module")
def tiny_model_files(tmp_path_factory):
    """The bytes of a saved tiny classifier (3D input) and regressor (2D input)."""
    rng = np.random.RandomState(0)
    X3, X2 = rng.normal(size=(20, 4, 1)), rng.normal(size=(20, 4))
    files = {}
    for kind, est, X, y in [
        ("classifier", LSTMClassifier(hidden_size=2, max_iter=1, random_state=0), X3,
         np.arange(20) % 2),
        ("regressor", LSTMRegressor(hidden_size=2, max_iter=1, random_state=0), X2,
         np.arange(20.0)),
    ]:
        path = tmp_path_factory.mktemp(kind) / "m.safetensors"
        sklstm.save(est.fit(X, y), path)
        files[kind] = path.read_bytes()
    return files


def _set(where, value):
    """A header change: set the value at a path of keys (the last one is set)."""
    *keys, last = where

    def change(header, tensors):
        for key in keys:
            header = header[key]
        header[last] = value

    return change


def _tensor(name, value):
    def change(header, tensors):
        tensors[name] = torch.full_like(tensors[name], value)

    return change


_HEAD = ("fitted", "_head", "state")
_LAYOUT = ("fitted", "_input_layout", "__layout__")
FORGERIES = {  # name: (model, header change, header text change)
    "list-nested-5000-deep": ("classifier", _set(("params", "hidden_size"), "NEST"),
                              lambda text: text.replace('"NEST"', "[" * 5000 + "]" * 5000)),
    "malformed-random-state": ("classifier",
                               _set(("fitted", "_random_state"), {"__random_state__": ["MT19937"]}),
                               None),
    "int-overflow": ("classifier", _set(("fitted", "classes_", "__ndarray__"), [10**30, 1]), None),
    "empty-classes-in-head": ("classifier", _set((*_HEAD, "classes", "__ndarray__"), []), None),
    "empty-classes_": ("classifier", _set(("fitted", "classes_", "__ndarray__"), []), None),
    "nan-weight": ("classifier", _tensor("module.head.bias", math.nan), None),
    "inf-optimizer-state": ("classifier", _tensor("optimizer.0.exp_avg", math.inf), None),
    "invalid-parameter": ("classifier", _set(("params", "max_iter"), 0), None),
    "layout-size-negative": ("classifier", _set((*_LAYOUT, "n_features_in"), -1), None),
    "n_iter_-not-history": ("classifier", _set(("fitted", "n_iter_"), 7), None),
    "regression-scale-shape": ("regressor", _set((*_HEAD, "scale", "__ndarray__"), [1.0, 2.0]),
                               None),
    "regression-mean-2d": ("regressor", _set((*_HEAD, "mean", "__ndarray__"), [[0.0]]), None),
    "regression-scale-zero": ("regressor", _set((*_HEAD, "scale", "__ndarray__"), [0.0]), None),
    "regression-ndim-3": ("regressor", _set((*_HEAD, "ndim"), 3), None),
    # 10**7 x 4 * 10**7 float32 weights would be 1.6 PB: refused before any allocation
    "huge-hidden-size": ("classifier", _set(("fitted", "_architecture", "hidden_size"), 10**7),
                         None),
}


@pytest.mark.parametrize("forgery", sorted(FORGERIES))
def test_forged_files_raise_one_documented_error(forgery, tiny_model_files, tmp_path):
    """A forged file (valid digest) raises ValueError, never loads half-valid."""
    kind, change, edit_text = FORGERIES[forgery]
    path = tmp_path / "m.safetensors"
    path.write_bytes(tiny_model_files[kind])
    sklstm.load(path)  # the file is valid until forged
    _rewrite(path, change, redigest=True, edit_text=edit_text)
    message = "not a valid sklstm model file.*Save the model again"
    with pytest.raises(ValueError, match=message) as info:
        sklstm.load(path)
    assert type(info.value) is ValueError


def test_save_into_a_missing_directory_or_onto_a_directory_says_so(tiny_model_files, tmp_path):
    path = tmp_path / "m.safetensors"
    path.write_bytes(tiny_model_files["regressor"])
    est = sklstm.load(path)
    missing = tmp_path / "missing"
    message = f"directory {re.escape(str(missing))} does not exist. Create it"
    with pytest.raises(FileNotFoundError, match=message):
        sklstm.save(est, missing / "m.safetensors")
    assert not missing.exists()
    with pytest.raises(IsADirectoryError, match="it is a directory"):
        sklstm.save(est, tmp_path)
