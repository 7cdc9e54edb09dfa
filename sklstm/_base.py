"""The shared base of LSTMClassifier and LSTMRegressor.

It orchestrates the three layers: ``_data`` (validation and conversion),
``_training`` (the loop) and ``nn`` (the network). Subclasses only say how
targets are encoded, which loss is minimised and how outputs become
predictions.
"""

from __future__ import annotations

import threading
import warnings
from contextlib import contextmanager
from numbers import Integral, Real

import numpy as np
import pandas as pd
import torch
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, Options, StrOptions
from sklearn.utils.validation import check_consistent_length, check_is_fitted

from ._cpu import cpu_settings
from ._data import check_sample_weight, check_sequences, to_tensor_data
from ._optim import SCHEDULES, SOLVERS, make_optimizer, set_penalty
from ._training import (
    TrainingHistory,
    TrainingSettings,
    map_tensors,
    predict_outputs,
    train_epochs,
)
from .nn import CELLS, POOLINGS, RecurrentNetwork, keras_init_

_MAX_SEED = np.iinfo(np.int32).max

#: Parameters that shape the network: fixed when it is fitted (``_architecture``),
#: so that changing them later neither alters the fitted network nor breaks
#: unpickling or :func:`sklstm.load`.
_ARCHITECTURE = (
    "hidden_size", "num_layers", "bidirectional", "dropout", "embedding_dim",
    "cell", "pooling", "head_hidden_sizes", "proj_size",
)
_HISTORY_COLUMNS = (
    "epoch", "train_loss", "valid_loss", "valid_score", "learning_rate", "seconds"
)


def resolve_device(device) -> torch.device:
    """Turn the ``device`` parameter into a usable ``torch.device``.

    Examples
    --------
    >>> from sklstm._base import resolve_device
    >>> resolve_device("cpu")
    device(type='cpu')
    """
    if isinstance(device, str) and device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        resolved = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise ValueError(
            f"device={device!r} is not a valid torch device; use 'auto', 'cpu', "
            "'cuda' or 'cuda:<index>'."
        ) from exc
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(
            f"device={device!r} was requested but CUDA is not available on this "
            "machine; use device='auto' (CUDA when present) or device='cpu'."
        )
    return resolved


@contextmanager
def _backend_determinism(deterministic: bool, device: torch.device):
    """With ``deterministic`` on CUDA: cuDNN's deterministic kernels, no autotuning.

    The CPU kernels are deterministic already. Only cuDNN's flags change, and
    only inside the block; nothing global is left behind.
    """
    if deterministic and device.type == "cuda":
        with torch.backends.cudnn.flags(enabled=True, benchmark=False, deterministic=True):
            yield
    else:
        yield


#: PyTorch's dropout draws from the process-wide generator; fits that need it
#: take turns, so that fits running in threads of one process stay reproducible.
_GLOBAL_RNG_LOCK = threading.RLock()


@contextmanager
def _seeded(seed: int, device: torch.device, needed: bool = True):
    """Seed PyTorch's global generators inside, restore them outside.

    Only fits that draw from them (dropout) need this; they hold a process-wide
    lock meanwhile. Initialisation and shuffling use generators of their own.
    """
    if not needed:
        yield
        return
    devices = [device] if device.type == "cuda" else []
    with _GLOBAL_RNG_LOCK, torch.random.fork_rng(devices=devices):
        torch.random.default_generator.manual_seed(seed)
        if device.type == "cuda":
            with torch.cuda.device(device):
                torch.cuda.manual_seed(seed)
        yield


def _to_cpu(tensor: torch.Tensor) -> torch.Tensor:
    return tensor.detach().cpu()


class BaseLSTM(BaseEstimator):
    """Shared machinery of the LSTM estimators; not for direct use."""

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

    # -- hooks for subclasses -------------------------------------------------
    def _validate_targets(self, y):  # pragma: no cover - abstract
        raise NotImplementedError

    def _encode_targets(self, y, sample_weight, *, fresh, classes):  # pragma: no cover
        raise NotImplementedError

    def _loss(self, outputs, target):  # pragma: no cover - abstract
        raise NotImplementedError

    def _score_outputs(self, outputs, target, weight):  # pragma: no cover
        raise NotImplementedError

    def _stratify(self, target):
        return None

    # -- network and optimizer -------------------------------------------------
    def _architecture_params(self) -> dict:
        """The parameters that shape the network, as given now (checked)."""
        architecture = {name: getattr(self, name) for name in _ARCHITECTURE}
        sizes = np.asarray(self.head_hidden_sizes, dtype=object)
        if sizes.ndim > 1 or not all(
            isinstance(n, Integral) and not isinstance(n, bool) and n >= 1 for n in sizes.ravel()
        ):
            raise ValueError(
                f"head_hidden_sizes must be a tuple of positive integers (one per dense "
                f"layer, e.g. (64, 32)), got {self.head_hidden_sizes!r}."
            )
        architecture["head_hidden_sizes"] = tuple(sizes.tolist())
        return architecture

    def _build_module(self) -> RecurrentNetwork:
        """The fitted network's structure (nn checks cell/proj_size)."""
        architecture = self._architecture
        tokens = architecture["embedding_dim"] is not None
        return RecurrentNetwork(
            input_size=1 if tokens else self._n_step_features,
            output_size=self.n_outputs_,
            num_embeddings=self.n_tokens_ if tokens else None,
            **architecture,
        )

    def _empty_module(self) -> RecurrentNetwork:
        """The network on the CPU with uninitialised weights.

        Built on the "meta" device, so building draws no random numbers.
        """
        with torch.device("meta"):
            module = self._build_module()
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

    def _initialize(self, architecture):
        self._architecture = architecture
        self.device_ = resolve_device(self.device)
        self._random_state = check_random_state(self.random_state)
        seed = int(self._random_state.randint(_MAX_SEED))
        self.module_ = self._empty_module()
        # Initialised on the CPU with a generator of its own: the same weights
        # on every device, and no race with other threads drawing numbers.
        keras_init_(self.module_, generator=torch.Generator().manual_seed(seed))
        self.module_.to(self.device_)
        self.optimizer_ = self._build_optimizer(self.module_)
        self._history = TrainingHistory()

    def _compute_settings(self, *, training: bool):
        """Threads, denormal mode (training only) and cuDNN flags for one call."""
        if self.device_.type == "cpu":
            return cpu_settings(self.n_threads, training and self.flush_denormal)
        return _backend_determinism(self.deterministic, self.device_)

    # -- fitting -----------------------------------------------------------------
    def _fit(self, X, y, sample_weight, *, incremental, classes=None):
        self._validate_params()
        fresh = not hasattr(self, "module_") or not (self.warm_start or incremental)
        sequences = check_sequences(self, X, reset=fresh)
        y = self._validate_targets(y)
        check_consistent_length(sequences.values, y)
        sample_weight = check_sample_weight(sample_weight, sequences.n_samples)
        target, sample_weight = self._encode_targets(
            y, sample_weight, fresh=fresh, classes=classes
        )
        architecture = self._architecture_params()
        if fresh:
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

        seed = int(self._random_state.randint(_MAX_SEED))
        use_validation = self.early_stopping and not incremental
        if use_validation:
            train_idx, valid_idx = self._split_validation(target, seed)
            train = to_tensor_data(
                sequences.take(train_idx), self.device_,
                target[train_idx], sample_weight[train_idx],
            )
            validation = to_tensor_data(
                sequences.take(valid_idx), self.device_,
                target[valid_idx], sample_weight[valid_idx],
            )
        else:
            train = to_tensor_data(sequences, self.device_, target, sample_weight)
            validation = None

        self._configure_optimizer(len(train), incremental=incremental)
        settings = TrainingSettings(
            max_iter=1 if incremental else self.max_iter,
            batch_size=self.batch_size,
            shuffle=self.shuffle,
            tol=self.tol,
            n_iter_no_change=self.n_iter_no_change,
            stop_on_plateau=not incremental,
            learning_rate=self.learning_rate,
            learning_rate_init=self.learning_rate_init,
            cosine_epochs=self.max_iter,
            epoch_offset=self._history.n_iter if incremental else 0,
            clip_grad_norm=self.clip_grad_norm,
            verbose=self.verbose,
            predict_batch_size=self.predict_batch_size,
        )
        generator = torch.Generator().manual_seed(seed)
        try:
            with self._compute_settings(training=True), _seeded(
                seed, self.device_, needed=self._architecture["dropout"] > 0
            ):
                stopped = train_epochs(
                    self.module_, self.optimizer_, self._loss, train, self._history,
                    settings, generator, validation=validation,
                    score_fn=self._score_outputs,
                )
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

    def _split_validation(self, target, seed):
        """Indices of the training and validation rows."""
        n = len(target)
        n_valid = int(np.ceil(self.validation_fraction * n))
        if n_valid < 1 or n - n_valid < 1:
            raise ValueError(
                f"validation_fraction={self.validation_fraction} leaves an empty "
                f"training or validation set with {n} samples; use more samples "
                "or set early_stopping=False."
            )
        if self.validation_split == "last":  # time order: no shuffling
            rows = np.arange(n)
            return rows[: n - n_valid], rows[n - n_valid :]
        return train_test_split(
            np.arange(n), test_size=n_valid, random_state=seed,
            stratify=self._stratify(target),
        )

    def _publish_history(self, used_validation):
        history = self._history
        table = np.array(
            [[record[name] for name in _HISTORY_COLUMNS] for record in history.records],
            dtype=np.float64,
        ).reshape(-1, len(_HISTORY_COLUMNS))
        self.history_ = pd.DataFrame(
            table[:, 1:], columns=list(_HISTORY_COLUMNS[1:]),
            index=pd.Index(table[:, 0].astype(np.int64), name="epoch"),
        )
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

    def _outputs(self, X) -> torch.Tensor:
        """Raw network outputs for ``X``: a CPU float32 tensor (n, n_outputs_)."""
        check_is_fitted(self)
        sequences = check_sequences(self, X, reset=False)
        data = to_tensor_data(sequences, self.device_)
        with self._compute_settings(training=False):
            outputs = predict_outputs(self.module_, data, self.predict_batch_size)
        return outputs.cpu()

    def _forward(self, X) -> np.ndarray:
        """Raw network outputs for ``X`` as float64 numpy, shape (n, n_outputs_)."""
        return self._outputs(X).numpy().astype(np.float64)

    # -- persistence ------------------------------------------------------------------
    def __getstate__(self):
        state = dict(super().__getstate__())  # may be self.__dict__ itself
        if "module_" in state:
            state["module_"] = map_tensors(_to_cpu, self.module_.state_dict())
            state["optimizer_"] = map_tensors(_to_cpu, self.optimizer_.state_dict())
            state["device_"] = torch.device("cpu")
        return state

    def __setstate__(self, state):
        module_state = state.pop("module_", None)
        optimizer_state = state.pop("optimizer_", None)
        # parameters added since the pickle was made take their defaults
        defaults = type(self)().get_params(deep=False)
        state = {**{name: defaults[name] for name in defaults.keys() - state.keys()}, **state}
        super().__setstate__(state)
        if module_state is not None:
            self._restore_network(module_state, optimizer_state)

    def _restore_network(self, module_state: dict, optimizer_state: dict) -> None:
        """Rebuild ``module_`` and ``optimizer_`` on the CPU from their states.

        Used by unpickling and by :func:`sklstm.load`; the fitted attributes
        describing the network must already be set.
        """
        if not hasattr(self, "_architecture"):  # model files of format 1, older pickles
            self._architecture = self._architecture_params()
            self._architecture["embedding_dim"] = vars(self).pop("_embedding_dim", self.embedding_dim)
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
