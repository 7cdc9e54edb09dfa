"""LSTMStepClassifier: a label at every time step (sequence labelling, language models)."""

from __future__ import annotations

import numpy as np
from sklearn.base import ClassifierMixin
from sklearn.metrics import accuracy_score
from sklearn.utils._param_validation import StrOptions

from ._data._steps import scatter_steps
from ._docs import fill_doc
from ._heads import STEP_CLASSIFICATION
from ._step_base import BaseStepLSTM, sample_tokens

__all__ = ["LSTMStepClassifier"]


@fill_doc
class LSTMStepClassifier(ClassifierMixin, BaseStepLSTM):
    """LSTM tagger: one label per time step of each sequence.

%(step_architecture)s The loss is the softmax cross-entropy of every
    labelled step, averaged over the labelled steps. Labels may be of any
    type (strings, ints, bools).
%(step_input)s
    A step whose label is missing (None or NaN) or equals ``ignore_label``
    is unlabelled: left out of the loss and of :meth:`score`, never filled.

    Parameters
    ----------
%(step_network_params)s
%(training_params)s
    class_weight : dict, "balanced" or None, default=None
        Weights per label, multiplied into the loss of each step with that
        label. "balanced" weighs each label by ``n_steps / (n_classes *
        count)`` over the labelled steps of ``y``.

    ignore_label : scalar or None, default=None
        A label that marks unlabelled steps (e.g. -100, as PyTorch's
        ``ignore_index``, or "O" if it should not be learned); it is never a
        class.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The labels seen at fit (or given to the first ``partial_fit``).

%(fitted_attributes)s
    See Also
    --------
    LSTMStepRegressor : Real values at every step.
    LSTMClassifier : One label per sequence.
    sklstm.metrics : Flat (per-step) metrics and scorers.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm import LSTMStepClassifier
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(40, 12, 1))
    >>> y = (np.cumsum(X[:, :, 0], axis=1) > 0).astype(int)  # the running sum's sign
    >>> clf = LSTMStepClassifier(hidden_size=16, max_iter=30, random_state=0).fit(X, y)
    >>> clf.predict(X[:2]).shape, clf.predict_proba(X[:2]).shape
    ((2, 12), (2, 12, 2))
    >>> clf.predict([X[0, :5], X[1]])[0].shape  # ragged in, ragged out
    (5,)
    """

    _heads = STEP_CLASSIFICATION
    _parameter_constraints: dict = {
        **BaseStepLSTM._parameter_constraints,
        "class_weight": [dict, StrOptions({"balanced"}), None],
        "ignore_label": "no_validation",
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
        class_weight=None,
        ignore_label=None,
    ):
        super().__init__(
            hidden_size=hidden_size,
            num_layers=num_layers,
            bidirectional=bidirectional,
            dropout=dropout,
            embedding_dim=embedding_dim,
            cell=cell,
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
        self.ignore_label = ignore_label

    def fit(self, X, y, sample_weight=None) -> "LSTMStepClassifier":
        """Fit the tagger to sequences ``X`` and per-step labels ``y``.

        Parameters
        ----------
%(X_fit)s
%(step_y)s
%(step_sample_weight)s

        Returns
        -------
        self : LSTMStepClassifier
        """
        return self._fit(X, y, sample_weight, incremental=False, class_weight=self.class_weight)

    def partial_fit(self, X, y, classes=None, sample_weight=None) -> "LSTMStepClassifier":
        """Train for exactly one epoch on ``X, y``, keeping weights and optimizer.

        Parameters
        ----------
%(X_fit)s
%(step_y)s
        classes : array-like of shape (n_classes,), default=None
            Every label that will ever appear; required on the first call.
%(step_sample_weight)s

        Returns
        -------
        self : LSTMStepClassifier
        """
        if self.class_weight == "balanced":
            raise ValueError(
                "class_weight='balanced' is not supported for partial_fit, which sees "
                "one batch of labels at a time; pass a dict: class_weight={label: weight}.")
        return self._fit(X, y, sample_weight, incremental=True, classes=classes,
                         class_weight=self.class_weight)

    def predict(self, X):
        """Predict the label of every time step.

        Parameters
        ----------
%(X_predict)s

        Returns
        -------
        y : ndarray of shape (n_samples, n_timesteps) or list of ndarray
            One array for array ``X`` (steps that are padding in X hold
            ``ignore_label``, or None when it is not set); for a list ``X``,
            one array ``(T_i,)`` per sequence.
        """
        outputs, _, positions = self._step_outputs(X)
        return scatter_steps(self._head.predict(outputs), positions, self.ignore_label)

    def predict_proba(self, X):
        """Probabilities of each class at every time step.

        Parameters
        ----------
%(X_predict)s

        Returns
        -------
        proba : ndarray of shape (n_samples, n_timesteps, n_classes) or list
            Columns follow ``classes_``; NaN at padding steps of an array ``X``;
            a list of ``(T_i, n_classes)`` arrays for a list ``X``.
        """
        outputs, _, positions = self._step_outputs(X)
        return scatter_steps(self._head.predict_proba(outputs), positions, np.nan)

    def predict_log_proba(self, X):
        """Logarithm of :meth:`predict_proba`, computed stably from the logits.

        Parameters
        ----------
%(X_predict)s

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_timesteps, n_classes) or list
        """
        outputs, _, positions = self._step_outputs(X)
        return scatter_steps(self._head.predict_log_proba(outputs), positions, np.nan)

    def score(self, X, y, sample_weight=None) -> float:
        """Accuracy over all labelled steps (flat, as ``flat_accuracy_score``).

        Parameters
        ----------
%(X_predict)s
%(step_y)s
%(step_sample_weight)s

        Returns
        -------
        score : float
        """
        predicted, targets, weight = self._scored_steps(X, y, sample_weight)
        self._head.check_labels(targets.values)
        return float(accuracy_score(targets.values, predicted, sample_weight=weight))

    def generate(self, prompt, n_steps: int, *, temperature: float = 1.0,
                 random_state=None) -> np.ndarray:
        """Sample ``n_steps`` token ids that continue ``prompt``, one step at a time.

        For a model fitted on token ids with next-token targets
        (:func:`sklstm.preprocessing.next_step_targets`), each sampled id is
        fed back as the next input; the recurrent state is carried from step
        to step (the prefix is read once).

        Parameters
        ----------
        prompt : array-like of shape (n_prompt,)
            Token ids to start from (1 .. ``n_tokens_ - 1``).
        n_steps : int
            Number of ids to generate.
        temperature : float, default=1.0
            Softmax temperature: below 1 sharper (more likely ids), above 1
            flatter; 0 always takes the most likely id.
        random_state : int, RandomState instance or None, default=None
            Draws the samples.

        Returns
        -------
        ids : ndarray of shape (n_steps,)

        Examples
        --------
        >>> import numpy as np
        >>> from sklstm import LSTMStepClassifier
        >>> from sklstm.preprocessing import next_step_targets
        >>> text = [np.array([1, 2, 3] * 5)] * 20
        >>> X, y = next_step_targets(text)
        >>> lm = LSTMStepClassifier(embedding_dim=4, hidden_size=8, max_iter=40,
        ...                         random_state=0).fit(X, y)
        >>> lm.generate([1, 2], 4, temperature=0).tolist()
        [3, 1, 2, 3]
        """
        return sample_tokens(self, prompt, n_steps, temperature=temperature,
                             random_state=random_state)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.two_d_labels = True
        return tags
