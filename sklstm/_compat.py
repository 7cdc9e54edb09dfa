"""Fitted state of older sklstm versions, brought up to date.

Used when unpickling an estimator (``BaseLSTM.__setstate__``) and when
loading a model file of an older format (:func:`sklstm.load`). Each step
turns attributes an older version wrote into those of today:

- no ``_architecture`` (model files of format 1, older pickles): the network
  structure is read from the parameters (``_embedding_dim`` if present);
- ``_target_kind`` / ``_y_mean``, ``_y_scale``, ``_y_ndim`` (0.1.0): a target
  head (``_head``);
- ``_n_step_features``, ``_fitted_on_2d`` (0.1.0): the input layout
  (``_input_layout``), with ``n_tokens_`` for token input.
"""

from __future__ import annotations

import numpy as np

from ._data import InputLayout
from ._heads import BinaryHead, MulticlassHead, MultilabelHead, RegressionHead

__all__ = ["upgrade_state"]


def _head(state: dict):
    kind = state.pop("_target_kind", None)
    if kind == "multilabel":
        return MultilabelHead(n_labels=len(state["classes_"]))
    if kind in ("binary", "multiclass"):
        cls = BinaryHead if kind == "binary" else MulticlassHead
        return cls(np.asarray(state["classes_"]))
    return RegressionHead(
        mean=np.asarray(state.pop("_y_mean")),
        scale=np.asarray(state.pop("_y_scale")),
        ndim=int(state.pop("_y_ndim")),
    )


def _layout(state: dict) -> InputLayout:
    n_step_features = state.pop("_n_step_features", None)
    fitted_on_2d = state.pop("_fitted_on_2d", False)
    if state["_architecture"]["embedding_dim"] is not None:
        return InputLayout("tokens", 1, int(state["n_tokens_"]))
    if not fitted_on_2d:
        return InputLayout("3d", int(n_step_features))
    names = state.get("feature_names_in_")
    return InputLayout(
        "2d", 1, n_features_in=int(state["n_features_in_"]),
        feature_names=None if names is None else tuple(names),
    )


def upgrade_state(state: dict, architecture_names: tuple) -> dict:
    """A fitted estimator's ``__dict__`` (parameters included) in today's form.

    ``architecture_names``: the parameters that shape the network. State that
    is already current is returned unchanged.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm._compat import upgrade_state
    >>> old = {"hidden_size": 4, "embedding_dim": None, "_target_kind": "binary",
    ...        "classes_": np.array([0, 1]), "_n_step_features": 2, "_fitted_on_2d": False}
    >>> new = upgrade_state(old, ("hidden_size", "embedding_dim"))
    >>> type(new["_head"]).__name__, new["_input_layout"].kind
    ('BinaryHead', '3d')
    """
    state = dict(state)
    if "_architecture" not in state:
        architecture = {name: state[name] for name in architecture_names}
        if "head_hidden_sizes" in architecture:
            architecture["head_hidden_sizes"] = tuple(
                np.asarray(architecture["head_hidden_sizes"], dtype=object).ravel().tolist()
            )
        architecture["embedding_dim"] = state.pop("_embedding_dim", state["embedding_dim"])
        state["_architecture"] = architecture
    if "_head" not in state:
        state["_head"] = _head(state)
    if "_input_layout" not in state:
        state["_input_layout"] = _layout(state)
    return state
