"""LSTMClassifier: sequence classification with an sklearn face."""

from __future__ import annotations

import numpy as np
from sklearn.base import ClassifierMixin
from sklearn.utils._param_validation import StrOptions

from ._base import BaseLSTM
from ._docs import fill_doc
from ._heads import CLASSIFICATION

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
    recurrent weights), embeddings as PyTorch does (N(0, 1)), and the LSTM
    gate biases by ``gate_bias_init`` ("chrono" by default); see
    :func:`sklstm.nn.default_init_`.

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

    _heads = CLASSIFICATION
    _parameter_constraints: dict = {
        **BaseLSTM._parameter_constraints,
        "class_weight": [dict, StrOptions({"balanced"}), None],
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
        pooling: str = "last",
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
            gate_bias_init=gate_bias_init,
            standardize=standardize,
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
        return self._fit(X, y, sample_weight, incremental=False, class_weight=self.class_weight)

    def partial_fit(self, X, y, classes=None, sample_weight=None) -> "LSTMClassifier":
        """Train for exactly one epoch on ``X, y``, keeping weights and optimizer.

        Parameters
        ----------
%(X_fit)s
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Class labels, or a 0/1 indicator matrix for multilabel.
        classes : array-like of shape (n_classes,), default=None
            All labels that will ever appear; required on the first call
            (except for multilabel ``y``). Later calls may omit it; if given,
            it must be the same as on the first call (a ValueError otherwise).
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
        return self._fit(
            X, y, sample_weight, incremental=True, classes=classes, class_weight=self.class_weight
        )

    def predict(self, X) -> np.ndarray:
        """Predict class labels (a 0/1 indicator matrix for multilabel).

        Parameters
        ----------
%(X_predict)s

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_labels)
        """
        outputs = self._outputs(X)  # float32 decides as float64 would
        return self._head.predict(outputs)

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
        outputs = self._outputs(X)  # checks that the model is fitted first
        return self._head.predict_proba(outputs)

    def predict_log_proba(self, X) -> np.ndarray:
        """Logarithm of :meth:`predict_proba`, computed stably from the logits.

        Parameters
        ----------
%(X_predict)s

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
        """
        outputs = self._outputs(X)
        return self._head.predict_log_proba(outputs)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags
