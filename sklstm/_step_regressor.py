"""LSTMStepRegressor: real values at every time step (per-step regression, rollouts)."""

from __future__ import annotations

import numpy as np
from sklearn.base import RegressorMixin
from sklearn.metrics import r2_score

from ._data._steps import scatter_steps
from ._docs import fill_doc
from ._heads import STEP_REGRESSION
from ._step_base import BaseStepLSTM, roll_out

__all__ = ["LSTMStepRegressor"]


@fill_doc
class LSTMStepRegressor(RegressorMixin, BaseStepLSTM):
    """LSTM regressor with one value, or ``n_outputs`` values, at every time step.

%(step_architecture)s The loss is the squared error of every labelled
    step, averaged over them. Targets are standardised internally (weighted
    mean and standard deviation of each output over the labelled steps).
%(step_input)s
    For several outputs per step ``y`` is ``(n_samples, n_timesteps,
    n_outputs)`` or a list of ``(T_i, n_outputs)`` arrays. A NaN target is
    unlabelled: left out of the loss and of :meth:`score`, never filled.

    Parameters
    ----------
%(step_network_params)s
%(training_params)s
    Attributes
    ----------
%(fitted_attributes)s
    See Also
    --------
    LSTMStepClassifier : A label at every step.
    LSTMRegressor : One target per sequence.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm import LSTMStepRegressor
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(40, 12, 1))
    >>> y = np.cumsum(X[:, :, 0], axis=1)  # the running sum at every step
    >>> reg = LSTMStepRegressor(hidden_size=16, max_iter=30, random_state=0).fit(X, y)
    >>> reg.predict(X[:2]).shape
    (2, 12)
    """

    _heads = STEP_REGRESSION

    def fit(self, X, y, sample_weight=None) -> "LSTMStepRegressor":
        """Fit the regressor to sequences ``X`` and per-step targets ``y``.

        Parameters
        ----------
%(X_fit)s
%(step_y)s
%(step_sample_weight)s

        Returns
        -------
        self : LSTMStepRegressor
        """
        return self._fit(X, y, sample_weight, incremental=False)

    def partial_fit(self, X, y, sample_weight=None) -> "LSTMStepRegressor":
        """Train for exactly one epoch on ``X, y``, keeping weights and optimizer.

        The target standardisation is fixed by the first call.

        Parameters
        ----------
%(X_fit)s
%(step_y)s
%(step_sample_weight)s

        Returns
        -------
        self : LSTMStepRegressor
        """
        return self._fit(X, y, sample_weight, incremental=True)

    def predict(self, X):
        """Predict the target(s) of every time step.

        Parameters
        ----------
%(X_predict)s

        Returns
        -------
        y : ndarray of shape (n_samples, n_timesteps[, n_outputs]) or list of ndarray
            One array for array ``X`` (NaN at steps that are padding in X);
            for a list ``X``, one array ``(T_i,)`` or ``(T_i, n_outputs)``
            per sequence. 1D per sequence exactly when y was at fit.
        """
        outputs, _, positions = self._step_outputs(X)
        return scatter_steps(self._head.predict(outputs), positions, np.nan)

    def score(self, X, y, sample_weight=None) -> float:
        """R² over all labelled steps (flat), averaged over the outputs.

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
        values = targets.values.reshape(len(targets.values), -1)
        predicted = predicted.reshape(len(values), -1)
        if values.shape[1] != predicted.shape[1]:
            raise ValueError(
                f"y has {values.shape[1]} outputs per step, but the regressor was fitted "
                f"with {predicted.shape[1]}.")
        scores = []
        for column in range(values.shape[1]):
            labelled = ~np.isnan(values[:, column])
            scores.append(r2_score(values[labelled, column], predicted[labelled, column],
                                   sample_weight=weight[labelled]))
        return float(np.mean(scores))

    def generate(self, prompt, n_steps: int) -> np.ndarray:
        """A free-running rollout: ``n_steps`` predictions, each fed back as the next input.

        For a model fitted on next-step targets
        (:func:`sklstm.preprocessing.next_step_targets`: as many outputs per
        step as input features). The recurrent state is carried from step to
        step (the prompt is read once).

        Parameters
        ----------
        prompt : array-like of shape (n_prompt, n_features) or (n_prompt,)
            The steps to start from (1D for one feature).
        n_steps : int
            Number of steps to generate.

        Returns
        -------
        rollout : ndarray of shape (n_steps, n_features), or (n_steps,) for a 1D prompt

        Examples
        --------
        >>> import numpy as np
        >>> from sklstm import LSTMStepRegressor
        >>> from sklstm.preprocessing import next_step_targets
        >>> waves = [np.sin(0.3 * np.arange(40) + phase) for phase in np.linspace(0, 6, 30)]
        >>> X, y = next_step_targets(waves)
        >>> reg = LSTMStepRegressor(hidden_size=16, max_iter=60, random_state=0).fit(X, y)
        >>> reg.generate(waves[0][:20], 5).shape
        (5,)
        """
        return roll_out(self, prompt, n_steps)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags
