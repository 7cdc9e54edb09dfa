"""LSTMClassifier: sequence classification with an sklearn face."""

from __future__ import annotations

import numpy as np
import torch.nn.functional as F
from scipy.special import expit, log_expit, log_softmax, softmax
from sklearn.base import ClassifierMixin
from sklearn.utils import column_or_1d
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.class_weight import compute_sample_weight

from ._base import BaseLSTM
from ._data import check_class_labels
from ._docs import fill_doc

__all__ = ["LSTMClassifier"]


@fill_doc
class LSTMClassifier(ClassifierMixin, BaseLSTM):
    """LSTM classifier of sequences: binary, multiclass and multilabel.

%(architecture)s The loss is cross-entropy. Labels may be of any type
    (strings, ``{-1, 1}``, gaps); a 2D 0/1 indicator ``y`` trains a
    multilabel classifier with one sigmoid per label.
%(input)s

    Parameters
    ----------
%(network_params)s
%(training_params)s
    class_weight : dict, "balanced" or None, default=None
        Weights per class, multiplied into ``sample_weight``. "balanced"
        uses ``n_samples / (n_classes * np.bincount(y))``.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels (for multilabel ``y``, the label indices).

%(fitted_attributes)s
    See Also
    --------
    LSTMRegressor : The regressor with the same network and training.
    sklearn.neural_network.MLPClassifier : The parameter names follow it.

    Notes
    -----
    Weights are initialised as Keras does (Xavier input weights, orthogonal
    recurrent weights, zero biases with forget-gate bias 1); see
    :func:`sklstm.nn.keras_init_`.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm import LSTMClassifier
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(60, 10, 2)).astype("float32")
    >>> y = np.where(X[:, :, 0].sum(axis=1) > 0, "up", "down")
    >>> clf = LSTMClassifier(hidden_size=16, max_iter=20, random_state=0)
    >>> clf = clf.fit(X, y)
    >>> clf.predict(X[:3]).shape, clf.predict_proba(X[:3]).shape
    ((3,), (3, 2))
    >>> clf.classes_.tolist()
    ['down', 'up']
    """

    _parameter_constraints: dict = {
        **BaseLSTM._parameter_constraints,
        "class_weight": [dict, StrOptions({"balanced"}), None],
    }

    def __init__(
        self,
        *,
        hidden_size: int = 64,
        num_layers: int = 1,
        bidirectional: bool = False,
        dropout: float = 0.0,
        embedding_dim: int | None = None,
        cell: str = "lstm",
        pooling: str = "last",
        head_hidden_sizes: tuple = (),
        proj_size: int = 0,
        solver: str = "adam",
        learning_rate: str = "constant",
        learning_rate_init: float = 0.001,
        momentum: float = 0.9,
        alpha: float = 0.0001,
        batch_size: int = 32,
        max_iter: int = 200,
        shuffle: bool = True,
        clip_grad_norm: float | None = 1.0,
        tol: float = 1e-4,
        n_iter_no_change: int = 10,
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
        class_weight=None,
    ):
        super().__init__(
            hidden_size=hidden_size,
            num_layers=num_layers,
            bidirectional=bidirectional,
            dropout=dropout,
            embedding_dim=embedding_dim,
            cell=cell,
            pooling=pooling,
            head_hidden_sizes=head_hidden_sizes,
            proj_size=proj_size,
            solver=solver,
            learning_rate=learning_rate,
            learning_rate_init=learning_rate_init,
            momentum=momentum,
            alpha=alpha,
            batch_size=batch_size,
            max_iter=max_iter,
            shuffle=shuffle,
            clip_grad_norm=clip_grad_norm,
            tol=tol,
            n_iter_no_change=n_iter_no_change,
            early_stopping=early_stopping,
            validation_fraction=validation_fraction,
            validation_split=validation_split,
            random_state=random_state,
            verbose=verbose,
            warm_start=warm_start,
            device=device,
            deterministic=deterministic,
            predict_batch_size=predict_batch_size,
            n_threads=n_threads,
            flush_denormal=flush_denormal,
        )
        self.class_weight = class_weight

    # -- public API -----------------------------------------------------------
    def fit(self, X, y, sample_weight=None) -> "LSTMClassifier":
        """Fit the classifier to sequences ``X`` and labels ``y``.

        Parameters
        ----------
%(X_fit)s
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Class labels, or a 0/1 indicator matrix for multilabel.
%(sample_weight)s

        Returns
        -------
        self : LSTMClassifier
        """
        return self._fit(X, y, sample_weight, incremental=False)

    def partial_fit(self, X, y, classes=None, sample_weight=None) -> "LSTMClassifier":
        """Train for exactly one epoch on ``X, y``, keeping weights and optimizer.

        Parameters
        ----------
%(X_fit)s
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Class labels, or a 0/1 indicator matrix for multilabel.
        classes : array-like of shape (n_classes,), default=None
            All labels that will ever appear; required on the first call
            (except for multilabel ``y``), ignored afterwards if consistent.
%(sample_weight)s

        Returns
        -------
        self : LSTMClassifier
        """
        if self.class_weight == "balanced":
            raise ValueError(
                "class_weight='balanced' is not supported for partial_fit, which "
                "sees one batch of the data at a time. Compute the weights once "
                "with sklearn.utils.class_weight.compute_class_weight('balanced', "
                "classes=classes, y=y) on a large sample of y and pass them as a "
                "dict: class_weight={label: weight, ...}."
            )
        return self._fit(X, y, sample_weight, incremental=True, classes=classes)

    def predict(self, X) -> np.ndarray:
        """Predict class labels (a 0/1 indicator matrix for multilabel).

        Parameters
        ----------
%(X_predict)s

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_labels)
        """
        logits = self._outputs(X).numpy()  # float32 decides as float64 would
        if self._target_kind == "multilabel":
            return (logits > 0).astype(np.int64)
        if self._target_kind == "binary":
            index = (logits[:, 0] > 0).astype(np.intp)
        else:
            index = logits.argmax(axis=1)
        return self.classes_[index]

    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities (per-label probabilities for multilabel).

        Parameters
        ----------
%(X_predict)s

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Columns follow ``classes_``.
        """
        logits = self._forward(X)
        if self._target_kind == "multilabel":
            return expit(logits)
        if self._target_kind == "binary":
            p = expit(logits[:, 0])
            return np.column_stack((1.0 - p, p))
        return softmax(logits, axis=1)

    def predict_log_proba(self, X) -> np.ndarray:
        """Logarithm of :meth:`predict_proba`, computed stably from the logits.

        Parameters
        ----------
%(X_predict)s

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
        """
        logits = self._forward(X)
        if self._target_kind == "multilabel":
            return log_expit(logits)
        if self._target_kind == "binary":
            z = logits[:, 0]
            return np.column_stack((log_expit(-z), log_expit(z)))
        return log_softmax(logits, axis=1)

    # -- hooks of BaseLSTM ----------------------------------------------------------
    def _validate_targets(self, y):
        return check_class_labels(self, y)

    def _encode_targets(self, y, sample_weight, *, fresh, classes):
        multilabel = y.ndim == 2
        if fresh:
            self._set_classes(y, classes, multilabel)
        elif multilabel != (self._target_kind == "multilabel"):
            raise ValueError(
                "y changed between multilabel (2D indicator) and single-label "
                "(1D) since the first fit; refit with warm_start=False."
            )
        if multilabel:
            if y.shape[1] != len(self.classes_):
                raise ValueError(
                    f"y has {y.shape[1]} labels, but the classifier was fitted "
                    f"with {len(self.classes_)}."
                )
            target = y.astype(np.float32)
        else:
            unseen = np.setdiff1d(np.unique(y), self.classes_)
            if unseen.size:
                raise ValueError(
                    f"y contains labels {unseen.tolist()} that are not in "
                    f"classes_ {self.classes_.tolist()}. Pass every label in "
                    "`classes` on the first partial_fit call, or refit with "
                    "warm_start=False."
                )
            index = np.searchsorted(self.classes_, y)
            if self._target_kind == "binary":
                target = index.astype(np.float32)[:, None]
            else:
                target = index.astype(np.int64)
        if self.class_weight is not None:
            sample_weight = sample_weight * compute_sample_weight(self.class_weight, y)
        return target, sample_weight

    def _set_classes(self, y, classes, multilabel):
        if multilabel:
            self.classes_ = np.arange(y.shape[1])
            self._target_kind = "multilabel"
            self.n_outputs_ = y.shape[1]
            return
        if classes is not None:
            self.classes_ = np.unique(column_or_1d(np.asarray(classes)))
        else:
            self.classes_ = np.unique(y)
        if len(self.classes_) < 2:
            raise ValueError(
                "LSTMClassifier needs samples of at least 2 classes in the data, "
                f"but the data contains only one class: {self.classes_[0]!r}."
            )
        binary = len(self.classes_) == 2
        self._target_kind = "binary" if binary else "multiclass"
        self.n_outputs_ = 1 if binary else len(self.classes_)

    def _loss(self, outputs, target):
        if self._target_kind == "multiclass":
            return F.cross_entropy(outputs, target, reduction="none")
        return F.binary_cross_entropy_with_logits(
            outputs, target, reduction="none"
        ).mean(dim=1)

    def _score_outputs(self, outputs, target, weight):
        if self._target_kind == "multiclass":
            correct = outputs.argmax(dim=1) == target
        else:
            correct = ((outputs > 0) == (target > 0.5)).all(dim=1)
        weight = weight.double()  # float64, as scikit-learn's accuracy_score
        return float((correct.double() * weight).sum() / weight.sum())

    def _stratify(self, target):
        return None if self._target_kind == "multilabel" else target

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags




