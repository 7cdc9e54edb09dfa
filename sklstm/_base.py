"""The shared base of LSTMClassifier and LSTMRegressor: orchestration only.

``fit`` calls the layers in turn — ``_data`` (validation, one InputLayout),
the target head (``_heads``), ``_training`` (tensors, the Trainer) and ``nn``
— inside the settings of ``_runtime``, on a state built aside (``_fitted``)
and published only when training succeeded. Subclasses name a head family.
"""

from __future__ import annotations

import math
import warnings
from copy import deepcopy
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
    MIN_VALIDATION_SAMPLES,
    InputLayout,
    check_head_hidden_sizes,
    check_sample_weight,
    check_sequences,
    feature_moments,
    split_validation,
    standardized,
    validation_size,
)
from ._fitted import OPTIONAL, copied_network, empty_module, public_attributes
from ._heads import HeadFamily, TargetHead
from ._optim import SOLVERS, make_optimizer, set_penalty
from ._runtime import MAX_SEED, compute_settings, resolve_device, seeded
from ._training import (
    AUTO_MAX_ITER,
    AUTO_PATIENCE,
    AUTO_PATIENCE_VALIDATION,
    SCHEDULES,
    StoppingRule,
    Trainer,
    TrainingHistory,
    TrainingSettings,
    make_schedule,
    map_tensors,
    predict_outputs,
    resolve_epochs,
    to_tensor_data,
)
from .nn import CELLS, POOLINGS, default_init_
from .nn._input_scaling import fold_input_scaling_, unfold_input_scaling_

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
    #: The parameters that shape the network (per-step estimators have no pooling).
    _architecture_names: tuple = _ARCHITECTURE
    #: Options of the network that no parameter sets (per-step estimators: per_step=True).
    _network_options: dict = {}

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
        "gate_bias_init": [StrOptions({"chrono", "keras"})],
        "standardize": ["boolean"],
        "solver": [StrOptions(set(SOLVERS))],
        "learning_rate": [StrOptions(set(SCHEDULES))],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "momentum": [Interval(Real, 0, 1, closed="both")],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
        "shuffle": ["boolean"],
        "clip_grad_norm": [Interval(Real, 0, None, closed="neither"), None],
        "tol": [Interval(Real, 0, None, closed="left")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
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
        hidden_size=128,
        num_layers=1,
        bidirectional=False,
        dropout=0.2,
        embedding_dim=None,
        cell="lstm",
        pooling="last",
        head_hidden_sizes=(),
        proj_size=0,
        gate_bias_init="chrono",
        standardize=True,
        solver="adam",
        learning_rate="constant",
        learning_rate_init=0.01,
        momentum=0.9,
        alpha=0.0001,
        batch_size=32,
        max_iter="auto",
        shuffle=True,
        clip_grad_norm=1.0,
        tol=1e-4,
        n_iter_no_change="auto",
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

    # -- the fitted state ---------------------------------------------------------
    def _architecture_params(self) -> dict:
        """The parameters that shape the network, as given now (checked; numpy ints as ints)."""
        architecture = {name: getattr(self, name) for name in self._architecture_names}
        for name in ("hidden_size", "num_layers", "embedding_dim", "proj_size"):
            if architecture.get(name) is not None:
                architecture[name] = int(architecture[name])
        architecture["head_hidden_sizes"] = check_head_hidden_sizes(self.head_hidden_sizes)
        return {**architecture, **self._network_options}

    def _new_optimizer(self, module, solver: str) -> torch.optim.Optimizer:
        return make_optimizer(
            solver, module, learning_rate=self.learning_rate_init, momentum=self.momentum
        )

    def _new_state(self, head: TargetHead, layout: InputLayout, architecture: dict,
                   max_length: int) -> dict:
        """The fitted state of a new fit: a freshly initialised network, optimizer, history.

        ``max_length``, the longest training sequence, sets the time scales of
        the LSTM gate biases (``gate_bias_init="chrono"``, see ``default_init_``).
        """
        random_state = check_random_state(self.random_state)
        seed = int(random_state.randint(MAX_SEED))
        module = empty_module(layout, head, architecture)
        # Initialised on the CPU with a generator of its own: the same weights
        # on every device, and no race with other threads drawing numbers.
        chrono = self.gate_bias_init == "chrono"
        default_init_(module, generator=torch.Generator().manual_seed(seed),
                      max_length=max_length if chrono else None)
        device = resolve_device(self.device)
        module.to(device)
        return {
            "_head": head, "_input_layout": layout, "_architecture": architecture,
            "device_": device, "_random_state": random_state, "module_": module,
            "_solver": self.solver, "optimizer_": self._new_optimizer(module, self.solver),
            "_history": TrainingHistory(),
        }

    def _continued_state(self) -> dict:
        """A copy of the fitted state to go on training; the published one stays as it is."""
        module, optimizer = copied_network(
            self.module_, self.optimizer_, lambda copy: self._new_optimizer(copy, self._solver)
        )
        return {
            "_head": self._head, "_input_layout": self._input_layout,
            "_architecture": self._architecture, "device_": self.device_,
            "_random_state": deepcopy(self._random_state), "module_": module,
            "_solver": self._solver, "optimizer_": optimizer,
            "_history": deepcopy(self._history),
            "_input_scaling": getattr(self, "_input_scaling", None),
        }

    def _configure_optimizer(self, state: dict, batch_weight: float, *, incremental) -> None:
        """Apply solver, L2 strength, momentum and (for fit) the learning rate.

        ``batch_weight``: the sum of the sample weights of a typical batch, by
        which the L2 penalty is divided (as ``MLPClassifier`` divides by it).
        """
        if self.solver != state["_solver"]:
            state["_solver"] = self.solver
            state["optimizer_"] = self._new_optimizer(state["module_"], self.solver)
        optimizer = state["optimizer_"]
        set_penalty(optimizer, self.solver, self.alpha, batch_weight)
        for group in optimizer.param_groups:
            if "momentum" in group and self.solver == "sgd":
                group["momentum"] = self.momentum
            if not incremental or self.learning_rate == "constant":
                # partial_fit keeps the rate a "plateau"/"cosine" schedule set
                group["lr"] = self.learning_rate_init

    def _compute_settings(self, device, *, training: bool):
        """Threads, denormal mode (training only) and cuDNN flags for one call."""
        flush_denormal = training and self.flush_denormal
        return compute_settings(device, n_threads=self.n_threads,
                                flush_denormal=flush_denormal, deterministic=self.deterministic)

    # -- fitting -----------------------------------------------------------------
    def _fit(self, X, y, sample_weight, *, incremental, classes=None, class_weight=None,
             heads: HeadFamily | None = None):
        """Train a new state aside; publish it only when training succeeded.

        ``heads``: the head family of this fit, when it is not the estimator's
        ``_heads`` (the forecaster's depends on its parameters).

        Until then nothing of the estimator changes: a fit that raises leaves
        a fitted estimator exactly as it was (and an unfitted one unfitted),
        and predictions from other threads use the published state meanwhile.
        """
        self._validate_params()
        fresh = not self.__sklearn_is_fitted__() or not (self.warm_start or incremental)
        sequences, layout = check_sequences(
            self, X, fitted=None if fresh else self._input_layout,
            tokens=self.embedding_dim is not None,
        )
        heads = self._heads if heads is None else heads
        y = heads.validate(self, X, y, sequences)
        if incremental:
            heads.check_partial_fit(None if fresh else self._head, y, classes)
        check_consistent_length(sequences.values, y)
        sample_weight = check_sample_weight(sample_weight, sequences.n_samples)
        head = heads.choose(y, sample_weight, classes) if fresh else self._head
        target, sample_weight = head.encode(y, sample_weight, class_weight)
        architecture = self._architecture_params()
        if fresh:
            layout = self._fitted_layout(layout, head)
            state = self._new_state(head, layout, architecture, int(sequences.lengths.max()))
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
        else:
            state = self._continued_state()
        values, lengths = sequences.values, sequences.lengths
        if not (sample_weight > 0).all():  # zero-weight rows take no part at all
            rows = np.flatnonzero(sample_weight > 0)
            values, lengths, target, sample_weight = (
                a[rows] for a in (values, lengths, target, sample_weight)
            )
        if fresh:
            state["_input_scaling"] = (
                feature_moments(values, lengths, sample_weight)
                if self.standardize and layout.n_tokens is None else None
            )
        scaling = state["_input_scaling"]
        if scaling is not None:  # trained on standardised features (nn/_input_scaling.py)
            values = standardized(values, *scaling)
            if not fresh:
                unfold_input_scaling_(state["module_"], *scaling)
        seed = int(state["_random_state"].randint(MAX_SEED))
        device, history = state["device_"], state["_history"]
        use_validation = self.early_stopping and not incremental
        if use_validation:
            use_validation = self._validation_is_large_enough(
                len(target), getattr(head, "steps_per_sample", None))
        if use_validation:
            splits = split_validation(
                len(target), self.validation_fraction, self.validation_split,
                head.stratify(target), seed,
            )
            train, validation = (
                to_tensor_data(values[r], lengths[r], device, target[r], sample_weight[r])
                for r in splits
            )
            train_weight = sample_weight[splits[0]]
        else:
            train = to_tensor_data(values, lengths, device, target, sample_weight)
            validation, train_weight = None, sample_weight
        batch_weight = min(int(self.batch_size), len(train)) * float(train_weight.mean())
        self._configure_optimizer(state, batch_weight, incremental=incremental)
        n_batches = math.ceil(len(train) / int(self.batch_size))  # updates per epoch
        max_iter = resolve_epochs(self.max_iter, n_batches, AUTO_MAX_ITER)
        patience = resolve_epochs(self.n_iter_no_change, n_batches,
                                  AUTO_PATIENCE_VALIDATION if use_validation else AUTO_PATIENCE)
        trainer = self.trainer_class(
            state["module_"], state["optimizer_"], head.loss,
            settings=TrainingSettings(
                max_iter=1 if incremental else max_iter,
                batch_size=int(self.batch_size),
                shuffle=self.shuffle,
                clip_grad_norm=self.clip_grad_norm,
                verbose=self.verbose,
                predict_batch_size=int(self.predict_batch_size),
            ),
            history=history,
            generator=torch.Generator().manual_seed(seed),
            score_fn=head.score,
            stopping=StoppingRule(self.tol, patience, stop=not incremental),
            schedule=make_schedule(
                self.learning_rate, learning_rate_init=self.learning_rate_init,
                total=max_iter, offset=history.n_iter if incremental else 0,
            ),
        )
        with self._compute_settings(device, training=True), seeded(
            seed, device, needed=architecture["dropout"] > 0
        ):
            stopped = trainer.fit(train, validation)
        if scaling is not None:  # the published network takes raw features
            fold_input_scaling_(state["module_"], *scaling)
        self._publish(state, use_validation)
        if not stopped and not incremental:
            warnings.warn(
                f"Maximum iterations ({max_iter}) reached and the "
                "optimization hasn't converged yet. Increase max_iter, raise "
                "learning_rate_init, or relax tol.",
                ConvergenceWarning,
                stacklevel=3,  # the user's call of fit
            )
        return self

    def _fitted_layout(self, layout, head: TargetHead):
        """The input layout a new fit keeps (per-step token models widen it, see there)."""
        return layout

    def _validation_is_large_enough(self, n_samples: int, steps_per_sample=None) -> bool:
        """Whether early stopping has enough validation samples to judge by; else warn.

        ``steps_per_sample``: for per-step targets, the mean number of labelled
        steps per sequence; then the labelled steps are what is counted.
        """
        n_valid = validation_size(n_samples, self.validation_fraction)
        if n_valid * (steps_per_sample or 1) >= MIN_VALIDATION_SAMPLES:
            return True
        warnings.warn(
            f"early_stopping=True would hold out {n_valid} of {n_samples} samples "
            f"(validation_fraction={self.validation_fraction}); fewer than "
            f"{MIN_VALIDATION_SAMPLES} validation samples judge nothing (their loss "
            "and score move by whole samples), so this fit trains on all samples "
            "and stops on the training loss, as early_stopping=False does. Raise "
            "validation_fraction, or set early_stopping=False to silence this.",
            UserWarning,
            stacklevel=4,  # the user's call of fit
        )
        return False

    def _publish(self, state: dict, used_validation: bool) -> None:
        """Make a trained state the estimator's, with its public attributes, in one update."""
        public = public_attributes(state, used_validation)
        vars(self).update({**state, **public})
        for name in set(OPTIONAL) - public.keys():
            vars(self).pop(name, None)

    # -- prediction ----------------------------------------------------------------
    def __sklearn_is_fitted__(self) -> bool:
        """Fitted once the network exists (what ``check_is_fitted`` asks)."""
        return hasattr(self, "module_")

    def _outputs(self, X) -> np.ndarray:
        """Raw network outputs for ``X``: float32 numpy of shape (n, n_outputs_)."""
        check_is_fitted(self)
        sequences, _ = check_sequences(self, X, fitted=self._input_layout)
        return self._network_outputs(sequences)

    def _network_outputs(self, sequences) -> np.ndarray:
        """Raw network outputs for validated ``sequences`` (float32 numpy)."""
        data = to_tensor_data(sequences.values, sequences.lengths, self.device_)
        with self._compute_settings(self.device_, training=False):
            outputs = predict_outputs(self.module_, data, int(self.predict_batch_size))
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
        # parameters added since the pickle was made take their defaults, except
        # those whose default changed the behaviour: they keep the old one
        state = {"gate_bias_init": "keras", "standardize": False, **state}
        defaults = type(self)().get_params(deep=False)
        state = {**{name: defaults[name] for name in defaults.keys() - state.keys()}, **state}
        if module_state is not None:
            state = upgrade_state(state, self._architecture_names)  # fitted state of older versions
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
        self.module_ = empty_module(
            self._input_layout, self._head, self._architecture, like=module_state
        )
        self.module_.load_state_dict(module_state, strict=True)
        self.module_.eval()  # as fit leaves it
        # the rate and momentum given here are placeholders: the stored groups replace
        # them (the parameters may hold anything set_params accepted since)
        self.optimizer_ = make_optimizer(self._solver, self.module_, learning_rate=1e-3,
                                         momentum=0.9)
        self.optimizer_.load_state_dict(optimizer_state)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        return tags
