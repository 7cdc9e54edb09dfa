"""The shared base of the per-step estimators: a network read at every time step.

``LSTMStepClassifier`` and ``LSTMStepRegressor`` are :class:`BaseLSTM` with a
per-step head family, a network built with ``per_step=True`` and no
``pooling`` parameter; this module adds what differs for them: predictions
put back at the user's steps (``sklstm._data._steps``), the flat score over
labelled steps, and generation.
"""

from __future__ import annotations

from dataclasses import replace
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, validate_params
from sklearn.utils.validation import check_is_fitted

from ._base import _ARCHITECTURE, BaseLSTM
from ._data import check_sample_weight, check_sequences
from ._data._steps import check_prompt, step_positions
from .nn import run_with_state

__all__ = ["BaseStepLSTM"]


class BaseStepLSTM(BaseLSTM):
    """Shared machinery of the per-step estimators; not for direct use."""

    _architecture_names = tuple(name for name in _ARCHITECTURE if name != "pooling")
    _network_options = {"per_step": True}
    _parameter_constraints: dict = {
        name: rule for name, rule in BaseLSTM._parameter_constraints.items() if name != "pooling"
    }
    def __init__(
        self,
        *,
        hidden_size: int = 128,
        num_layers: int = 1,
        bidirectional: bool = False,
        dropout: float = 0.2,
        embedding_dim: int | None = None,
        cell: str = "lstm",
        head_hidden_sizes: tuple = (),
        proj_size: int = 0,
        gate_bias_init: str = "chrono",
        standardize: bool = True,
        solver: str = "adam",
        learning_rate: str = "constant",
        learning_rate_init: float = 0.01,
        momentum: float = 0.9,
        alpha: float = 0.0001,
        batch_size: int = 32,
        max_iter: int | str = "auto",
        shuffle: bool = True,
        clip_grad_norm: float | None = 1.0,
        tol: float = 1e-4,
        n_iter_no_change: int | str = "auto",
        early_stopping: bool = False,
        validation_fraction: float = 0.1,
        validation_split: str = "random",
        random_state=None,
        verbose: int = 0,
        warm_start: bool = False,
        device="auto",
        deterministic: bool = False,
        predict_batch_size: int = 4096,
        n_threads: int | None = None,
        flush_denormal: bool = True,
    ):
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bidirectional = bidirectional
        self.dropout = dropout
        self.embedding_dim = embedding_dim
        self.cell = cell
        self.head_hidden_sizes = head_hidden_sizes
        self.proj_size = proj_size
        self.gate_bias_init = gate_bias_init
        self.standardize = standardize
        self.solver = solver
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.momentum = momentum
        self.alpha = alpha
        self.batch_size = batch_size
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.clip_grad_norm = clip_grad_norm
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.validation_split = validation_split
        self.random_state = random_state
        self.verbose = verbose
        self.warm_start = warm_start
        self.device = device
        self.deterministic = deterministic
        self.predict_batch_size = predict_batch_size
        self.n_threads = n_threads
        self.flush_denormal = flush_denormal

    def _fitted_layout(self, layout, head):
        """Token models also embed the ids that appear only as targets (e.g. an end token).

        A language model generates the ids it predicts: a class that is a
        token id must be an input it can read back, even when no training
        input held it (``next_step_targets`` drops each sequence's last id).
        """
        classes = getattr(head, "classes", None)
        if not (layout.tokens and classes is not None and classes.dtype.kind in "iu"):
            return layout
        largest = int(classes.max())
        # labels far above the vocabulary are tags, not token ids: no rows for them
        if layout.n_tokens <= largest <= layout.n_tokens + len(classes) and classes.min() >= 0:
            layout = replace(layout, n_tokens=largest + 1)
        return layout

    def _step_outputs(self, X):
        """Per-step network outputs for ``X`` (n, steps, n_outputs), its sequences and steps."""
        check_is_fitted(self)
        sequences, _ = check_sequences(self, X, fitted=self._input_layout)
        positions = step_positions(X, sequences.n_samples, tokens=self._input_layout.tokens)
        return self._network_outputs(sequences), sequences, positions

    def _scored_steps(self, X, y, sample_weight):
        """Predictions and targets of the labelled steps of ``y``, and their weights."""
        outputs, sequences, positions = self._step_outputs(X)
        targets = self._heads.validate(self, X, y, sequences)  # as fit reads y
        if not len(targets.rows):
            raise ValueError("y has no labelled step: there is nothing to score.")
        weight = check_sample_weight(sample_weight, len(positions.lengths))[targets.rows]
        predicted = self._head.predict(outputs)[targets.rows, targets.steps]
        return predicted, targets, weight

    # -- generation -------------------------------------------------------------------
    def _generate(self, prompt, n_steps, next_input):
        """Run the prompt, then ``n_steps`` steps each fed ``next_input(outputs)``'s input.

        ``next_input(last)`` gets the float32 numpy outputs of the last step
        (1, n_outputs) and returns (what to record, the next input tensor).
        """
        if self._architecture["bidirectional"]:
            raise ValueError(
                "generate needs a causal model: a bidirectional network reads every "
                "sequence backwards too. Fit with bidirectional=False to generate."
            )
        values, one_feature = check_prompt(prompt, self._input_layout)
        x = torch.from_numpy(values)[None]
        module, device = self.module_, self.device_
        was_training = module.training
        module.eval()
        generated = []
        try:
            with self._compute_settings(device, training=False):
                outputs, state = run_with_state(module, x.to(device))
                for _ in range(int(n_steps)):
                    record, x = next_input(outputs[:, -1].cpu().numpy())
                    generated.append(record)
                    outputs, state = run_with_state(module, x.to(device), state)
        finally:
            module.train(was_training)
        return generated, one_feature


_GENERATE_CONSTRAINTS = {
    "prompt": ["array-like"],
    "n_steps": [Interval(Integral, 1, None, closed="left")],
    "temperature": [Interval(Real, 0, None, closed="left")],
    "random_state": ["random_state"],
}


@validate_params(_GENERATE_CONSTRAINTS, prefer_skip_nested_validation=True)
def sample_tokens(estimator, prompt, n_steps, *, temperature=1.0, random_state=None):
    """Token ids sampled from a fitted per-step classifier; see ``LSTMStepClassifier.generate``."""
    check_is_fitted(estimator)
    head, layout = estimator._head, estimator._input_layout
    classes = head.classes
    if not layout.tokens:
        raise ValueError(
            "generate feeds each sampled label back as the next input, which needs token "
            "input: fit with embedding_dim set on sequences of token ids whose next-step "
            "targets are token ids (sklstm.preprocessing.next_step_targets).")
    if classes.dtype.kind not in "iu" or (classes <= 0).any() or (classes >= layout.n_tokens).any():
        raise ValueError(
            "generate needs classes_ that are token ids (1..n_tokens_ - 1) to feed back as "
            f"input; this model's classes_ are {classes[:10].tolist()}...")
    rng = check_random_state(random_state)

    def next_input(last):
        logits = last[0].astype(np.float64)
        if temperature == 0:
            index = int(np.argmax(logits))
        else:
            z = logits / temperature
            p = np.exp(z - z.max())
            index = int(rng.choice(len(p), p=p / p.sum()))
        token = int(classes[index])
        return token, torch.tensor([[token]], dtype=torch.int64)

    generated, _ = estimator._generate(prompt, n_steps, next_input)
    return np.asarray(generated, dtype=classes.dtype)


@validate_params(
    {key: _GENERATE_CONSTRAINTS[key] for key in ("prompt", "n_steps")},
    prefer_skip_nested_validation=True,
)
def roll_out(estimator, prompt, n_steps):
    """A free-running rollout of a fitted per-step regressor; see ``LSTMStepRegressor.generate``."""
    check_is_fitted(estimator)
    layout, head = estimator._input_layout, estimator._head
    if layout.tokens or head.n_outputs != layout.n_step_features:
        raise ValueError(
            "generate feeds each step's prediction back as the next input, which needs as "
            f"many outputs per step ({head.n_outputs}) as input features per step "
            f"({'token ids' if layout.tokens else layout.n_step_features}): fit on "
            "next-step targets (sklstm.preprocessing.next_step_targets).")

    def next_input(last):
        values = head.predict(last[:, None, :]).reshape(-1)  # back in the units of y
        return values, torch.from_numpy(values.astype(np.float32))[None, None, :]

    generated, one_feature = estimator._generate(prompt, n_steps, next_input)
    result = np.stack(generated)
    return result[:, 0] if one_feature else result
