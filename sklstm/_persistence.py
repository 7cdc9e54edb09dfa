"""Safe model files: ``save``/``load`` that never execute code on load.

A model file is one safetensors file: the network's weights and the
optimizer's tensors as raw tensors, and everything else (class, parameters,
fitted attributes, training history) as strict JSON in the safetensors
header (non-finite floats, tuples, arrays, devices and dicts whose keys are
not all strings are tagged objects, so every value comes back with its
type), with a format version and a SHA-256 digest over all of it. The
state stored is the one pickling stores (``BaseLSTM.__getstate__``), with
the network's and the optimizer's tensors moved out of the JSON. Loading
reads tensors and JSON only — no pickle anywhere — rebuilds the estimator from a
fixed list of classes, sets only attributes that are not methods or
properties of that class, and refuses files of a newer format or whose
digest does not match. The digest catches corruption and edits that did not
update it; it is not a signature — anyone can write a valid file — so
loading also checks everything it rebuilt (parameters, finite weights and
optimizer state, target head, input layout, history) and raises
``ValueError`` for any file that is not a valid model, whatever is wrong
with it. A file from elsewhere may still hold a model that predicts badly,
but it can never run code.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import os

import numpy as np
import pandas as pd
import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import save_file
from sklearn.utils.validation import check_is_fitted

from ._base import _ARCHITECTURE
from ._compat import upgrade_state
from ._data import InputLayout
from ._fitted import history_attributes
from ._forecast_memory import ForecastMemory
from ._heads import TargetHead, head_from_state
from ._model_checks import validate_loaded
from ._training import TrainingHistory

__all__ = ["FORMAT_VERSION", "load", "save"]

FORMAT = "sklstm-model"
# 2: non-finite floats and torch.device parameters tagged; optimizer groups
# encoded like the rest. 3: the target head and the input layout as tagged
# records, dicts whose keys are not all strings as "__dict__" records
# (formats 1 and 2 are still read: sklstm._compat upgrades them).
FORMAT_VERSION = 3
# Not stored: rebuilt on load (device_) or derived from _history (history_).
_SKIPPED = {"device_", "history_"}
_NON_FINITE = ("nan", "inf", "-inf")
# The keys that mark a tagged object (a plain dict holding one is tagged too).
_TAGS = frozenset({
    "__float__", "__device__", "__ndarray__", "__tuple__", "__dict__", "__history__",
    "__head__", "__layout__", "__random_state__", "__forecast__", "__period__",
    "__timestamp__",
})
# What a forged or corrupted file can make decoding and rebuilding raise;
# load reports every one of them as ValueError.
_LOAD_ERRORS = (
    ArithmeticError, AssertionError, AttributeError, LookupError, RuntimeError,
    TypeError, ValueError,
)


def _classes():
    from ._classifier import LSTMClassifier
    from ._forecaster import LSTMForecaster
    from ._regressor import LSTMRegressor
    from ._step_classifier import LSTMStepClassifier
    from ._step_regressor import LSTMStepRegressor

    return {cls.__name__: cls for cls in (LSTMClassifier, LSTMRegressor, LSTMStepClassifier,
                                          LSTMStepRegressor, LSTMForecaster)}


def _encode(value):
    """Strict-JSON form of a parameter or fitted attribute (plain data types only).

    Examples
    --------
    >>> import math, torch
    >>> from sklstm._persistence import _decode, _encode
    >>> _encode({"score": -math.inf, "betas": (0.9, 0.999)})
    {'score': {'__float__': '-inf'}, 'betas': {'__tuple__': [0.9, 0.999]}}
    >>> _decode(_encode(torch.device("cuda:1")))
    device(type='cuda', index=1)
    >>> _encode({0: 1.0, 1: 3.0})  # JSON object keys are strings: tagged
    {'__dict__': [[0, 1.0], [1, 3.0]]}
    """
    if isinstance(value, float) and not math.isfinite(value):
        return {"__float__": repr(float(value))}  # 'nan', 'inf' or '-inf'
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, np.generic):
        return _encode(value.item())
    if isinstance(value, np.ndarray):
        _check_array(value)
        return {
            "__ndarray__": _encode(value.tolist()),
            "dtype": value.dtype.str if value.dtype.kind != "O" else "O",
        }
    if isinstance(value, tuple):
        return {"__tuple__": [_encode(v) for v in value]}
    if isinstance(value, list):
        return [_encode(v) for v in value]
    if isinstance(value, dict):
        if all(isinstance(k, str) and k not in _TAGS for k in value):
            return {k: _encode(v) for k, v in value.items()}
        # keys keep their types (class_weight={0: 1, 1: 3})
        return {"__dict__": [[_encode(_key(k)), _encode(v)] for k, v in value.items()]}
    if isinstance(value, TrainingHistory):
        return {"__history__": _encode(dataclasses.asdict(value))}
    if isinstance(value, TargetHead):
        return {"__head__": value.name, "state": _encode(value.state())}
    if isinstance(value, InputLayout):
        return {"__layout__": _encode(dataclasses.asdict(value))}
    if isinstance(value, ForecastMemory):
        return {"__forecast__": _encode({f.name: getattr(value, f.name)
                                         for f in dataclasses.fields(value)})}
    if isinstance(value, pd.Period):
        return {"__period__": str(value), "freq": value.freqstr}
    if isinstance(value, pd.Timestamp):
        return {"__timestamp__": value.isoformat()}
    if isinstance(value, torch.device):
        return {"__device__": str(value)}
    if isinstance(value, np.random.RandomState):
        return {"__random_state__": _encode(list(value.get_state()))}
    raise TypeError(f"cannot store a {type(value).__name__} in a model file")


def _check_array(array: np.ndarray) -> None:
    if array.dtype.kind not in "biufUO":
        raise TypeError(f"cannot store an array of dtype {array.dtype}")
    if array.dtype.kind == "O" and not all(isinstance(v, (str, int, float)) for v in array.ravel()):
        raise TypeError("cannot store an object array of non-scalar values")


def _key(key):
    """A dict key as a plain scalar (numpy scalars as Python ones)."""
    if isinstance(key, np.generic):
        key = key.item()
    if key is None or isinstance(key, (bool, int, float, str)):
        return key
    raise TypeError(f"cannot store a dict key of type {type(key).__name__} in a model file")


def _decode(value):
    if isinstance(value, list):
        return [_decode(v) for v in value]
    if isinstance(value, dict):
        if "__float__" in value:
            if value["__float__"] not in _NON_FINITE:
                raise ValueError(f"{value['__float__']!r} is not a non-finite float")
            return float(value["__float__"])
        if "__device__" in value:
            return torch.device(value["__device__"])
        if "__ndarray__" in value:
            array = np.array(_decode(value["__ndarray__"]), dtype=np.dtype(value["dtype"]))
            _check_array(array)
            return array
        if "__tuple__" in value:
            return tuple(_decode(v) for v in value["__tuple__"])
        if "__dict__" in value:
            return {_key(_decode(k)): _decode(v) for k, v in value["__dict__"]}
        if "__history__" in value:
            return TrainingHistory(**_decode(value["__history__"]))
        if "__head__" in value:
            return head_from_state(value["__head__"], _decode(value["state"]))
        if "__layout__" in value:
            return InputLayout(**_decode(value["__layout__"]))
        if "__forecast__" in value:
            return ForecastMemory(**_decode(value["__forecast__"]))
        if "__period__" in value:
            return pd.Period(value["__period__"], freq=value["freq"])
        if "__timestamp__" in value:
            return pd.Timestamp(value["__timestamp__"])
        if "__random_state__" in value:
            random_state = np.random.RandomState()
            random_state.set_state(tuple(_decode(value["__random_state__"])))
            return random_state
        return {k: _decode(v) for k, v in value.items()}
    return value


def _digest(tensors: dict, header: str) -> str:
    sha = hashlib.sha256(header.encode())
    for name in sorted(tensors):
        tensor = tensors[name]
        sha.update(name.encode())
        sha.update(str(tensor.dtype).encode())
        sha.update(str(tuple(tensor.shape)).encode())
        sha.update(tensor.detach().cpu().contiguous().reshape(-1).view(torch.uint8).numpy().tobytes())
    return sha.hexdigest()


def save(estimator, path: str | os.PathLike) -> None:
    """Save a fitted LSTMClassifier or LSTMRegressor to a safe model file.

    The file holds tensors and JSON only (safetensors), so loading it cannot
    run code. It keeps the weights, the optimizer state (``warm_start`` and
    ``partial_fit`` continue where they stopped), the parameters, the fitted
    attributes and the history.

    Parameters
    ----------
    estimator : LSTMClassifier or LSTMRegressor
        A fitted estimator. Its parameters must be plain values (a
        ``random_state`` given as a ``RandomState`` instance is stored as None).
    path : str or path-like
        Where to write (conventionally ``*.safetensors``). Its directory must
        exist; an existing file is replaced.

    Raises
    ------
    FileNotFoundError
        If the directory of ``path`` does not exist.
    IsADirectoryError
        If ``path`` is a directory.

    Examples
    --------
    >>> import numpy as np, tempfile, os
    >>> import sklstm
    >>> X, y = np.random.RandomState(0).normal(size=(20, 4, 1)), np.arange(20) % 2
    >>> clf = sklstm.LSTMClassifier(hidden_size=4, max_iter=2, random_state=0).fit(X, y)
    >>> path = os.path.join(tempfile.mkdtemp(), "model.safetensors")
    >>> sklstm.save(clf, path)
    >>> bool((sklstm.load(path).predict_proba(X) == clf.predict_proba(X)).all())
    True
    """
    name = type(estimator).__name__
    if _classes().get(name) is not type(estimator):
        raise TypeError(
            f"sklstm.save stores sklstm's estimators ({', '.join(sorted(_classes()))}), "
            f"not {name}. "
            "Use pickle or joblib for other objects (and only load those from "
            "sources you trust)."
        )
    check_is_fitted(estimator)
    path = os.fspath(path)
    if os.path.isdir(path):
        raise IsADirectoryError(
            f"Cannot save the model to {path}: it is a directory. Give a file "
            f"path, e.g. {os.path.join(path, 'model.safetensors')}."
        )
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise FileNotFoundError(
            f"Cannot save the model to {path}: the directory {directory} does not "
            "exist. Create it first (os.makedirs), then save."
        )
    state = estimator.__getstate__()  # what pickle stores: network states on the CPU
    module_state, optimizer_state = state.pop("module_"), state.pop("optimizer_")
    params = estimator.get_params(deep=False)
    if isinstance(params.get("random_state"), np.random.RandomState):
        params["random_state"] = None
    fitted = {k: v for k, v in state.items() if k not in _SKIPPED and k not in params}
    tensors = {f"module.{k}": v.contiguous() for k, v in module_state.items()}
    slots = {}
    for index, slot in optimizer_state["state"].items():
        for key, value in slot.items():
            if isinstance(value, torch.Tensor):
                tensors[f"optimizer.{index}.{key}"] = value.contiguous()
            else:
                slots[f"{index}.{key}"] = value
    header = json.dumps(
        _encode({
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "class": name,
            "params": params,
            "fitted": fitted,
            "optimizer_groups": optimizer_state["param_groups"],
            "optimizer_slots": slots,
        }),
        sort_keys=True,
        allow_nan=False,  # strict JSON: non-finite floats are tagged by _encode
    )
    save_file(tensors, path, metadata={"sklstm": header, "sha256": _digest(tensors, header)})


def _read(path):
    """Tensors and header text of a model file, checked against the saved digest."""
    if not os.path.exists(path):
        raise FileNotFoundError(f"No such model file: {path}")
    try:
        with safe_open(os.fspath(path), framework="pt") as handle:
            metadata = handle.metadata() or {}
            tensors = {name: handle.get_tensor(name) for name in handle.keys()}
    except (SafetensorError, OSError, ValueError) as exc:
        raise ValueError(
            f"{path} is not an sklstm model file (it is not a valid safetensors "
            f"file: {exc}). sklstm.load reads files written by sklstm.save; for "
            "pickle files use pickle/joblib, and only with files you trust."
        ) from None
    if "sklstm" not in metadata or "sha256" not in metadata:
        raise ValueError(f"{path} is a safetensors file but not an sklstm model file.")
    if _digest(tensors, metadata["sklstm"]) != metadata["sha256"]:
        raise ValueError(
            f"{path} has been modified or corrupted: its content does not match "
            "the digest written by sklstm.save. Refusing to load it."
        )
    return tensors, metadata["sklstm"]


def load(path: str | os.PathLike):
    """Load a model written by :func:`save`, on the CPU, without running code.

    Parameters
    ----------
    path : str or path-like
        A file written by :func:`sklstm.save`.

    Returns
    -------
    estimator : LSTMClassifier or LSTMRegressor
        Fitted, on the CPU, predicting exactly as the saved one did.

    Raises
    ------
    FileNotFoundError
        If there is no file at ``path``.
    ValueError
        For any file that is not a valid model: not an sklstm model file,
        written by a newer format version, not matching its digest (corrupted,
        or edited without updating it), or holding content no fitted sklstm
        model has (invalid parameters, non-finite weights, a target head or
        input layout that does not fit the network, a history that does not
        match ``n_iter_``...). Loading raises no other exception for a bad
        file; the message says to save the model again.

    Examples
    --------
    >>> import numpy as np, tempfile, os
    >>> import sklstm
    >>> X, y = np.random.RandomState(0).normal(size=(20, 4)), np.arange(20.0)
    >>> reg = sklstm.LSTMRegressor(hidden_size=4, max_iter=2, random_state=0).fit(X, y)
    >>> path = os.path.join(tempfile.mkdtemp(), "reg.safetensors")
    >>> sklstm.save(reg, path)
    >>> loaded = sklstm.load(path)
    >>> type(loaded).__name__, loaded.device_.type, loaded.n_iter_
    ('LSTMRegressor', 'cpu', 2)
    """
    tensors, text = _read(path)
    try:
        header = json.loads(text)  # format 1 may hold NaN/Infinity
    except _LOAD_ERRORS as exc:  # e.g. RecursionError: lists nested too deep
        raise ValueError(_invalid(path, "its header is not valid JSON", exc)) from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise ValueError(f"{path} is not an sklstm model file.")
    version = header.get("format_version")
    if type(version) is not int or version < 1:
        raise ValueError(f"{path} is not an sklstm model file (format version {version!r}).")
    if version > FORMAT_VERSION:
        raise ValueError(
            f"{path} was written in sklstm model format {version}, newer than the "
            f"format {FORMAT_VERSION} this sklstm reads. Upgrade sklstm to load it."
        )
    name = header.get("class")
    cls = _classes().get(name) if isinstance(name, str) else None
    if cls is None:
        raise ValueError(f"{path} holds an unknown model class {name!r}.")
    try:
        return _rebuild(cls, header, tensors, version)
    except _LOAD_ERRORS as exc:
        raise ValueError(
            _invalid(path, f"it does not hold a valid {cls.__name__}", exc)
        ) from None


def _invalid(path, what: str, exc: BaseException) -> str:
    detail = str(exc) if len(str(exc)) <= 300 else str(exc)[:300] + "..."
    return (
        f"{path} is not a valid sklstm model file: {what} ({type(exc).__name__}: "
        f"{detail}). Save the model again with sklstm.save."
    )


def _class_weight_from_strings(class_weight, classes):
    """``class_weight`` of a format 1-2 file, whose keys JSON made strings.

    Each key goes back to the fitted class it names (``str(c) == key``) where
    exactly one does; other keys are left as they are.
    """
    if not isinstance(class_weight, dict) or classes is None:
        return class_weight
    named = {}
    for label in np.asarray(classes).ravel().tolist():
        named.setdefault(str(label), []).append(label)
    return {
        named[key][0] if len(named.get(key, ())) == 1 else key: weight
        for key, weight in class_weight.items()
    }


def _rebuild(cls, header, tensors, version):
    """The fitted estimator described by a model file's header and tensors (validated)."""
    # files written before gate_bias_init / standardize existed were initialised as
    # Keras does and trained on raw features
    params = {"gate_bias_init": "keras", "standardize": False, **_decode(header["params"])}
    fitted = _decode(header["fitted"])
    if version < 3:
        fitted = upgrade_state({**params, **fitted}, _ARCHITECTURE)
        fitted = {key: value for key, value in fitted.items() if key not in params}
        if "class_weight" in params:
            params["class_weight"] = _class_weight_from_strings(
                params["class_weight"], fitted.get("classes_")
            )
    estimator = cls(**params)
    for key, value in fitted.items():
        if not key.isidentifier() or hasattr(cls, key):  # e.g. "predict"
            raise ValueError(f"{key!r} is not a fitted attribute")
        setattr(estimator, key, value)
    module_state = {k[len("module."):]: v for k, v in tensors.items() if k.startswith("module.")}
    state = {}
    for name, value in tensors.items():
        if name.startswith("optimizer."):
            _, index, key = name.split(".", 2)
            state.setdefault(int(index), {})[key] = value
    for name, value in _decode(header["optimizer_slots"]).items():
        index, key = name.split(".", 1)
        state.setdefault(int(index), {})[key] = value
    estimator._restore_network(
        module_state, {"state": state, "param_groups": _decode(header["optimizer_groups"])}
    )
    validate_loaded(estimator)
    used_validation = estimator.validation_scores_ is not None
    vars(estimator).update(history_attributes(estimator._history, used_validation))
    return estimator
