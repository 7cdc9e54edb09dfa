"""Safe model files: ``save``/``load`` that never execute code on load.

A model file is one safetensors file: the network's weights and the
optimizer's tensors as raw tensors, and everything else (class, parameters,
fitted attributes, training history) as strict JSON in the safetensors
header (non-finite floats, tuples, arrays and devices are tagged objects,
so every value comes back with its type), with a format version and a
SHA-256 digest over all of it. The state stored is the one pickling stores
(``BaseLSTM.__getstate__``), with the network's and the optimizer's
tensors moved out of the JSON. Loading reads
tensors and JSON only — no pickle anywhere — rebuilds the estimator from a
fixed list of classes, sets only attributes that are not methods or
properties of that class, and refuses files of a newer format or whose
digest does not match. The digest catches corruption and edits that did not
update it; it is not a signature — anyone can write a valid file — so a
file from elsewhere may still hold a model that predicts badly, but it can
never run code.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import os

import numpy as np
import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import save_file
from sklearn.utils.validation import check_is_fitted

from ._base import _ARCHITECTURE
from ._compat import upgrade_state
from ._data import InputLayout
from ._heads import TargetHead, head_from_state
from ._training import TrainingHistory

__all__ = ["FORMAT_VERSION", "load", "save"]

FORMAT = "sklstm-model"
# 2: non-finite floats and torch.device parameters tagged; optimizer groups
# encoded like the rest. 3: the target head and the input layout as tagged
# records (formats 1 and 2 are still read: sklstm._compat upgrades them).
FORMAT_VERSION = 3
# Not stored: rebuilt on load (device_) or derived from _history (history_).
_SKIPPED = {"device_", "history_"}
_NON_FINITE = ("nan", "inf", "-inf")


def _classes():
    from ._classifier import LSTMClassifier
    from ._regressor import LSTMRegressor

    return {"LSTMClassifier": LSTMClassifier, "LSTMRegressor": LSTMRegressor}


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
    """
    if isinstance(value, float) and not math.isfinite(value):
        return {"__float__": repr(float(value))}  # 'nan', 'inf' or '-inf'
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, np.generic):
        return _encode(value.item())
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in "biufUO":
            raise TypeError(f"cannot store an array of dtype {value.dtype}")
        if value.dtype.kind == "O" and not all(isinstance(v, (str, int, float)) for v in value.ravel()):
            raise TypeError("cannot store an object array of non-scalar values")
        return {
            "__ndarray__": _encode(value.tolist()),
            "dtype": value.dtype.str if value.dtype.kind != "O" else "O",
        }
    if isinstance(value, tuple):
        return {"__tuple__": [_encode(v) for v in value]}
    if isinstance(value, list):
        return [_encode(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _encode(v) for k, v in value.items()}
    if isinstance(value, TrainingHistory):
        return {"__history__": _encode(dataclasses.asdict(value))}
    if isinstance(value, TargetHead):
        return {"__head__": value.name, "state": _encode(value.state())}
    if isinstance(value, InputLayout):
        return {"__layout__": _encode(dataclasses.asdict(value))}
    if isinstance(value, torch.device):
        return {"__device__": str(value)}
    if isinstance(value, np.random.RandomState):
        return {"__random_state__": _encode(list(value.get_state()))}
    raise TypeError(f"cannot store a {type(value).__name__} in a model file")


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
            return np.array(_decode(value["__ndarray__"]), dtype=np.dtype(value["dtype"]))
        if "__tuple__" in value:
            return tuple(_decode(v) for v in value["__tuple__"])
        if "__history__" in value:
            return TrainingHistory(**_decode(value["__history__"]))
        if "__head__" in value:
            return head_from_state(value["__head__"], _decode(value["state"]))
        if "__layout__" in value:
            return InputLayout(**_decode(value["__layout__"]))
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
        Where to write (conventionally ``*.safetensors``).

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
            f"sklstm.save stores LSTMClassifier and LSTMRegressor models, not {name}. "
            "Use pickle or joblib for other objects (and only load those from "
            "sources you trust)."
        )
    check_is_fitted(estimator)
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
    save_file(tensors, os.fspath(path), metadata={"sklstm": header, "sha256": _digest(tensors, header)})


def _read(path):
    """Tensors and header of a model file, checked against the saved digest."""
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
    return tensors, json.loads(metadata["sklstm"])  # format 1 may hold NaN/Infinity


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
    ValueError
        If the file is not an sklstm model file, was written by a newer format
        version, does not match its digest (corrupted, or edited without
        updating it) or holds content no sklstm model has.

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
    tensors, header = _read(path)
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise ValueError(f"{path} is not an sklstm model file.")
    version = header.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise ValueError(
            f"{path} was written in sklstm model format {version}, newer than the "
            f"format {FORMAT_VERSION} this sklstm reads. Upgrade sklstm to load it."
        )
    cls = _classes().get(header.get("class"))
    if cls is None:
        raise ValueError(f"{path} holds an unknown model class {header.get('class')!r}.")
    try:
        return _rebuild(cls, header, tensors, version)
    except (RuntimeError, KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ValueError(
            f"{path} does not hold a valid {cls.__name__} ({type(exc).__name__}: "
            f"{exc}). Save the model again with sklstm.save."
        ) from None


def _rebuild(cls, header, tensors, version):
    """The fitted estimator described by a model file's header and tensors."""
    params = _decode(header["params"])
    estimator = cls(**params)
    fitted = _decode(header["fitted"])
    if version < 3:
        fitted = upgrade_state({**params, **fitted}, _ARCHITECTURE)
        fitted = {key: value for key, value in fitted.items() if key not in params}
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
    used_validation = estimator.validation_scores_ is not None
    vars(estimator).update(estimator._history_attributes(estimator._history, used_validation))
    return estimator
