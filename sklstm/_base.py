"""The shared base of LSTMClassifier and LSTMRegressor: orchestration only.

``fit`` calls the layers in turn: ``_data`` (validation and conversion to
numpy, one :class:`~sklstm._data.InputLayout`), the target head (``_heads``:
encoding, loss, score, decoding), ``_training`` (tensors once, the
:class:`~sklstm.training.Trainer`) and ``nn`` (the network), inside the
settings of ``_runtime`` (device, threads, seeding). A subclass names its
head family (``_heads``) and documents its methods; it holds no logic of its
own about targets.
"""

from __future__ import annotations

import warnings
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, Options, StrOptions
from sklearn.utils.validation import check_consistent_length, check_is_fitted

from ._compat import upgrade_state
from ._data import (
    InputLayout,
    check_head_hidden_sizes,
    check_sample_weight,
    check_sequences,
    split_validation,
)
from ._heads import HeadFamily, TargetHead
from ._optim import SOLVERS, make_optimizer, set_penalty
from ._runtime import MAX_SEED, compute_settings, resolve_device, seeded
from ._training import (
    SCHEDULES,
    StoppingRule,
    Trainer,
    TrainingHistory,
    TrainingSettings,
    history_frame,
    make_schedule,
    map_tensors,
    predict_outputs,
    to_tensor_data,
)
from .nn import CELLS, POOLINGS, RecurrentNetwork, keras_init_

#: Parameters that shape the network: fixed when it is fitted (``_architecture``),
#: so that changing them later neither alters the fitted network nor breaks
#: unpickling or :func:`sklstm.load`.
_ARCHITECTURE = (
    "hidden_size", "num_layers", "bidirectional", "dropout", "embedding_dim",
    "cell", "pooling", "head_hidden_sizes", "proj_size",
)


class BaseLSTM(BaseEstimator):
    """Shared machinery of the LSTM estimators; not for direct use."""

    #: How targets are validated and which head is chosen at fit (set by subclasses).
    _heads: HeadFamily
    #: The training loop; a subclass may name a subclass of Trainer.
    trainer_class: type = Trainer

    _parameter_constraints: dict = {
        "hidden_size": [Interval(Integral, 1, None, closed="left")],
        "num_layers": [Interval(Integral, 1, None, closed="left")],
        "bidirectional": ["boolean"],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "embedding_dim": [Interval(Integral, 1, None, closed="left"), None],
        "cell": [StrOptions(set(CELLS))],
        "pooling": [StrOptions(set(POOLINGS))],
        "head_hidden_sizes": ["array-like"],
        "proj_size": [Interval(Integral, 0, None, closed="left")],
        "solver": [StrOptions(set(SOLVERS))],
        "learning_rate": [StrOptions(set(SCHEDULES))],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "momentum": [Interval(Real, 0, 1, closed="both")],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "shuffle": ["boolean"],
        "clip_grad_norm": [Interval(Real, 0, None, closed="neither"), None],
        "tol": [Interval(Real, 0, None, closed="left")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "validation_split": [StrOptions({"random", "last"})],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
        "warm_start": ["boolean"],
        "device": [str, torch.device],
        "deterministic": ["boolean"],
        "predict_batch_size": [Interval(Integral, 1, None, closed="left")],
        "n_threads": [
            Interval(Integral, 1, None, closed="left"),
            Options(Integral, {-1}),
            None,
        ],
        "flush_denormal": ["boolean"],
    }

    def __init__(
        self,
        *,
        hidden_size=64,
        num_layers=1,
        bidirectional=False,
        dropout=0.0,
        embedding_dim=None,
        cell="lstm",
        pooling="last",
        head_hidden_sizes=(),
        proj_size=0,
        solver="adam",
        learning_rate="constant",
        learning_rate_init=0.001,
        momentum=0.9,
        alpha=0.0001,
        batch_size=32,
        max_iter=200,
        shuffle=True,
        clip_grad_norm=1.0,
        tol=1e-4,
        n_iter_no_change=10,
        early_stopping=False,
        validation_fraction=0.1,
        validation_split="random",
        random_state=None,
        verbose=0,
        warm_start=False,
        device="auto",
        deterministic=False,
        predict_batch_size=4096,
        n_threads=None,
        flush_denormal=True,
    ):
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bidirectional = bidirectional
        self.dropout = dropout
        self.embedding_dim = embedding_dim
        self.cell = cell
        self.pooling = pooling
        self.head_hidden_sizes = head_hidden_sizes
        self.proj_size = proj_size
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

    # -- network and optimizer -------------------------------------------------
    def _architecture_params(self) -> dict:
        """The parameters that shape the network, as given now (checked)."""
        architecture = {name: getattr(self, name) for name in _ARCHITECTURE}
        architecture["head_hidden_sizes"] = check_head_hidden_sizes(self.head_hidden_sizes)
        return architecture

    def _empty_module(self) -> RecurrentNetwork:
        """The fitted network's structure on the CPU, weights uninitialised.

        Built on the "meta" device, so building draws no random numbers
        (``nn`` checks cell and proj_size).
        """
        layout = self._input_layout
        with torch.device("meta"):
            module = RecurrentNetwork(
                input_size=layout.n_step_features,
                output_size=self._head.n_outputs,
                num_embeddings=layout.n_tokens,
                **self._architecture,
            )
        return module.to_empty(device="cpu")

    def _build_optimizer(self, module, solver=None) -> torch.optim.Optimizer:
        """An optimizer of ``solver`` (default: the ``solver`` parameter) for ``module``."""
        self._solver = solver or self.solver
        return make_optimizer(
            self._solver, module, learning_rate=self.learning_rate_init, momentum=self.momentum
        )

    def _configure_optimizer(self, n_train: int, *, incremental: bool) -> None:
        """Apply solver, L2 strength, momentum and (for fit) the learning rate."""
        if self.solver != self._solver:
            self.optimizer_ = self._build_optimizer(self.module_)
        set_penalty(self.optimizer_, self.solver, self.alpha, min(self.batch_size, n_train))
        for group in self.optimizer_.param_groups:
            if "momentum" in group and self.solver == "sgd":
                group["momentum"] = self.momentum
            if not incremental or self.learning_rate == "constant":
                # partial_fit keeps the rate a "plateau"/"cosine" schedule set
                group["lr"] = self.learning_rate_init

    def _set_targets_and_input(self, head: TargetHead, layout: InputLayout) -> None:
        """Keep the head and the input layout of a new fit, and publish their attributes."""
        self._head = head
        for name, value in head.fitted_attributes().items():
            setattr(self, name, value)
        self._input_layout = layout
        if layout.n_features_in is not None:  # 2D: validate_data recorded them
            self.n_features_in_ = layout.n_features_in
            vars(self).pop("feature_names_in_", None)  # no column names here
        if layout.tokens:
            self.n_tokens_ = layout.n_tokens
        else:
            vars(self).pop("n_tokens_", None)

    def _initialize(self, architecture):
        self._architecture = architecture
        self.device_ = resolve_device(self.device)
        self._random_state = check_random_state(self.random_state)
        seed = int(self._random_state.randint(MAX_SEED))
        self.module_ = self._empty_module()
        # Initialised on the CPU with a generator of its own: the same weights
        # on every device, and no race with other threads drawing numbers.
        keras_init_(self.module_, generator=torch.Generator().manual_seed(seed))
        self.module_.to(self.device_)
        self.optimizer_ = self._build_optimizer(self.module_)
        self._history = TrainingHistory()

    def _compute_settings(self, *, training: bool):
        """Threads, denormal mode (training only) and cuDNN flags for one call."""
        flush_denormal = training and self.flush_denormal
        return compute_settings(self.device_, n_threads=self.n_threads,
                                flush_denormal=flush_denormal, deterministic=self.deterministic)

    # -- fitting -----------------------------------------------------------------
    def _fit(self, X, y, sample_weight, *, incremental, classes=None, class_weight=None):
        self._validate_params()
        fresh = not hasattr(self, "module_") or not (self.warm_start or incremental)
        sequences, layout = check_sequences(
            self, X, fitted=None if fresh else self._input_layout,
            tokens=self.embedding_dim is not None,
        )
        y = self._heads.validate(self, y)
        check_consistent_length(sequences.values, y)
        sample_weight = check_sample_weight(sample_weight, sequences.n_samples)
        head = self._heads.choose(y, sample_weight, classes) if fresh else self._head
        target, sample_weight = head.encode(y, sample_weight, class_weight)
        architecture = self._architecture_params()
        if fresh:
            self._set_targets_and_input(head, layout)
            self._initialize(architecture)
        elif architecture != self._architecture:
            changed = ", ".join(
                f"{name} {self._architecture[name]!r} -> {value!r}"
                for name, value in architecture.items() if value != self._architecture[name]
            )
            raise ValueError(
                f"The network's structure changed since it was fitted ({changed}); "
                f"warm_start=True and partial_fit keep training that network. Set the "
                f"parameters back, or set warm_start=False to fit a new network."
            )

        seed = int(self._random_state.randint(MAX_SEED))
        use_validation = self.early_stopping and not incremental
        if use_validation:
            train_idx, valid_idx = split_validation(
                len(target), self.validation_fraction, self.validation_split,
                head.stratify(target), seed,
            )
            train, validation = (
                to_tensor_data(
                    sequences.values[rows], sequences.lengths[rows], self.device_,
                    target[rows], sample_weight[rows],
                )
                for rows in (train_idx, valid_idx)
            )
        else:
            train = to_tensor_data(
                sequences.values, sequences.lengths, self.device_, target, sample_weight
            )
            validation = None

        self._configure_optimizer(len(train), incremental=incremental)
        trainer = self.trainer_class(
            self.module_, self.optimizer_, head.loss,
            settings=TrainingSettings(
                max_iter=1 if incremental else self.max_iter,
                batch_size=self.batch_size,
                shuffle=self.shuffle,
                clip_grad_norm=self.clip_grad_norm,
                verbose=self.verbose,
                predict_batch_size=self.predict_batch_size,
            ),
            history=self._history,
            generator=torch.Generator().manual_seed(seed),
            score_fn=head.score,
            stopping=StoppingRule(self.tol, self.n_iter_no_change, stop=not incremental),
            schedule=make_schedule(
                self.learning_rate, learning_rate_init=self.learning_rate_init,
                total=self.max_iter, offset=self._history.n_iter if incremental else 0,
            ),
        )
        try:
            with self._compute_settings(training=True), seeded(
                seed, self.device_, needed=self._architecture["dropout"] > 0
            ):
                stopped = trainer.fit(train, validation)
        finally:  # after a divergence too, the model and its history stay usable
            self._publish_history(use_validation)
        if not stopped and not incremental:
            warnings.warn(
                f"Maximum iterations ({self.max_iter}) reached and the "
                "optimization hasn't converged yet. Increase max_iter, raise "
                "learning_rate_init, or relax tol.",
                ConvergenceWarning,
            )
        return self

    def _publish_history(self, used_validation):
        history = self._history
        self.history_ = history_frame(history)
        self.n_iter_ = history.n_iter
        self.loss_curve_ = self.history_["train_loss"].tolist()
        if used_validation:
            self.best_loss_ = None
            self.validation_scores_ = self.history_["valid_score"].tolist()
            self.best_validation_score_ = history.best_validation_score
        else:
            self.best_loss_ = history.best_loss
            self.validation_scores_ = None
            self.best_validation_score_ = None

    # -- prediction ----------------------------------------------------------------
    def __sklearn_is_fitted__(self) -> bool:
        """Fitted once the network exists (what ``check_is_fitted`` asks)."""
        return hasattr(self, "module_")

    def _outputs(self, X) -> np.ndarray:
        """Raw network outputs for ``X``: float32 numpy of shape (n, n_outputs_)."""
        check_is_fitted(self)
        sequences, _ = check_sequences(self, X, fitted=self._input_layout)
        data = to_tensor_data(sequences.values, sequences.lengths, self.device_)
        with self._compute_settings(training=False):
            outputs = predict_outputs(self.module_, data, self.predict_batch_size)
        return outputs.cpu().numpy()

    # -- persistence ------------------------------------------------------------------
    def __getstate__(self):
        state = dict(super().__getstate__())  # may be self.__dict__ itself
        if "module_" in state:
            to_cpu = lambda tensor: tensor.detach().cpu()  # noqa: E731
            state["module_"] = map_tensors(to_cpu, self.module_.state_dict())
            state["optimizer_"] = map_tensors(to_cpu, self.optimizer_.state_dict())
            state["device_"] = torch.device("cpu")
        return state

    def __setstate__(self, state):
        module_state = state.pop("module_", None)
        optimizer_state = state.pop("optimizer_", None)
        # parameters added since the pickle was made take their defaults
        defaults = type(self)().get_params(deep=False)
        state = {**{name: defaults[name] for name in defaults.keys() - state.keys()}, **state}
        if module_state is not None:
            state = upgrade_state(state, _ARCHITECTURE)  # fitted state of older versions
        super().__setstate__(state)
        if module_state is not None:
            self._restore_network(module_state, optimizer_state)

    def _restore_network(self, module_state: dict, optimizer_state: dict) -> None:
        """Rebuild ``module_`` and ``optimizer_`` on the CPU from their states.

        Used by unpickling and by :func:`sklstm.load`; the fitted attributes
        describing the network must already be set (``upgrade_state`` brings
        those of older versions up to date).
        """
        self.device_ = torch.device("cpu")
        self.module_ = self._empty_module()
        self.module_.load_state_dict(module_state, strict=True)
        self.module_.eval()  # as fit leaves it
        self.optimizer_ = self._build_optimizer(self.module_, self._solver)
        self.optimizer_.load_state_dict(optimizer_state)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        return tags
