"""LSTMRegressor: sequence regression with an sklearn face."""

from __future__ import annotations

import numpy as np
from sklearn.base import RegressorMixin

from ._base import BaseLSTM
from ._docs import fill_doc
from ._heads import REGRESSION

__all__ = ["LSTMRegressor"]


@fill_doc
class LSTMRegressor(RegressorMixin, BaseLSTM):
    """LSTM regressor of sequences, single- or multi-output.

%(architecture)s The loss is the squared error. Targets are standardised
    internally (weighted mean and standard deviation of each output) and
    predictions mapped back, so ``y`` in the thousands trains as well as
    ``y`` near 1.
%(input)s

    Parameters
    ----------
%(network_params)s
%(training_params)s
    Attributes
    ----------
%(fitted_attributes)s
    See Also
    --------
    LSTMClassifier : The classifier with the same network and training.
    sklearn.neural_network.MLPRegressor : The parameter names follow it.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm import LSTMRegressor
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(80, 12, 1)).astype("float32")
    >>> y = 1000 + 50 * X[:, -3:, 0].sum(axis=1)
    >>> reg = LSTMRegressor(hidden_size=16, max_iter=30, random_state=0).fit(X, y)
    >>> reg.predict(X[:4]).shape
    (4,)
    """

    _heads = REGRESSION

    def fit(self, X, y, sample_weight=None) -> "LSTMRegressor":
        """Fit the regressor to sequences ``X`` and targets ``y``.

        Parameters
        ----------
%(X_fit)s
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets.
%(sample_weight)s

        Returns
        -------
        self : LSTMRegressor
        """
        return self._fit(X, y, sample_weight, incremental=False)

    def partial_fit(self, X, y, sample_weight=None) -> "LSTMRegressor":
        """Train for exactly one epoch on ``X, y``, keeping weights and optimizer.

        The target standardisation is fixed by the first call.

        Parameters
        ----------
%(X_fit)s
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets.
%(sample_weight)s

        Returns
        -------
        self : LSTMRegressor
        """
        return self._fit(X, y, sample_weight, incremental=True)

    def predict(self, X) -> np.ndarray:
        """Predict targets.

        Parameters
        ----------
%(X_predict)s

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            2D exactly when ``y`` was 2D at fit.
        """
        outputs = self._outputs(X)  # checks that the model is fitted first
        return self._head.predict(outputs)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags
