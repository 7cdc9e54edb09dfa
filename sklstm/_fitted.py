"""The fitted state of an estimator: the pieces a fit builds aside, and what it publishes.

A fit trains a *state* — a dict of the private fitted attributes (``_head``,
``_input_layout``, ``_architecture``, ``device_``, ``_random_state``,
``module_``, ``_solver``, ``optimizer_``, ``_history``) — and the estimator
publishes it together with the public attributes derived here
(:func:`public_attributes`) in one update, only when training succeeded.
"""

from __future__ import annotations

import copy

import numpy as np
import torch

from ._data import InputLayout
from ._heads import TargetHead
from ._training import TrainingHistory, history_frame, snapshot
from .nn import RecurrentNetwork

__all__ = ["copied_network", "empty_module", "history_attributes", "public_attributes"]

#: Public attributes a fit may or may not define (removed when it does not).
OPTIONAL = ("feature_names_in_", "n_tokens_")


def empty_module(layout: InputLayout, head: TargetHead, architecture: dict, like=None):
    """The network's structure on the CPU, weights uninitialised.

    Built on the "meta" device, so building draws no random numbers
    (``nn`` checks cell and proj_size). ``like``: a state dict the weights
    must match in names and shapes, checked before any memory is allocated
    (a ValueError otherwise).
    """
    with torch.device("meta"):
        module = RecurrentNetwork(
            input_size=layout.n_step_features,
            output_size=head.n_outputs,
            num_embeddings=layout.n_tokens,
            **architecture,
        )
    if like is not None:
        shapes = {name: tuple(t.shape) for name, t in module.state_dict().items()}
        given = {name: tuple(getattr(t, "shape", ())) for name, t in like.items()}
        if shapes != given:
            raise ValueError(
                "the stored weights do not match the network the fitted attributes "
                "describe (names or shapes differ)"
            )
    return module.to_empty(device="cpu")


def copied_network(module, optimizer, new_optimizer):
    """Copies of a fitted network and its optimizer state, to train without touching them.

    ``new_optimizer(module)`` makes an optimizer of the same kind for the copy.
    """
    module = copy.deepcopy(module)
    copied = new_optimizer(module)
    copied.load_state_dict(snapshot(optimizer.state_dict()))
    return module, copied


def history_attributes(history: TrainingHistory, used_validation: bool) -> dict:
    """``history_``, ``n_iter_``, ``loss_curve_`` and the best scores, from the history."""
    frame = history_frame(history)
    return {
        "history_": frame,
        "n_iter_": history.n_iter,
        "loss_curve_": frame["train_loss"].tolist(),
        "best_loss_": None if used_validation else history.best_loss,
        "validation_scores_": frame["valid_score"].tolist() if used_validation else None,
        "best_validation_score_": (
            history.best_validation_score if used_validation else None
        ),
    }


def public_attributes(state: dict, used_validation: bool) -> dict:
    """The public fitted attributes of a trained state (``classes_``, ``n_features_in_``...).

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm._data import InputLayout
    >>> from sklstm._fitted import public_attributes
    >>> from sklstm._heads import BinaryHead
    >>> from sklstm._training import TrainingHistory
    >>> state = {"_head": BinaryHead(np.array([0, 1])), "_history": TrainingHistory(),
    ...          "_input_layout": InputLayout("3d", n_step_features=2)}
    >>> sorted(public_attributes(state, False))[:3]
    ['best_loss_', 'best_validation_score_', 'classes_']
    """
    layout, head = state["_input_layout"], state["_head"]
    public = {**head.fitted_attributes(), "n_features_in_": layout.n_features_in}
    if layout.feature_names is not None:
        public["feature_names_in_"] = np.asarray(layout.feature_names, dtype=object)
    if layout.tokens:
        public["n_tokens_"] = layout.n_tokens
    public.update(history_attributes(state["_history"], used_validation))
    return public
