"""LSTMRegressor: sequence regression with an sklearn face."""

from __future__ import annotations

import numpy as np
from sklearn.base import RegressorMixin

from ._base import BaseLSTM
from ._data import check_regression_targets
from ._docs import fill_doc

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
        y = self._forward(X) * self._y_scale + self._y_mean
        return y[:, 0] if self._y_ndim == 1 else y

    # -- hooks of BaseLSTM -------------------------------------------------------
    def _validate_targets(self, y):
        return check_regression_targets(self, y)

    def _encode_targets(self, y, sample_weight, *, fresh, classes):
        y2d = y.reshape(len(y), -1)
        if fresh:
            self._y_ndim = y.ndim
            self.n_outputs_ = y2d.shape[1]
            mean = np.average(y2d, axis=0, weights=sample_weight)
            var = np.average((y2d - mean) ** 2, axis=0, weights=sample_weight)
            scale = np.sqrt(var)
            self._y_mean = mean
            self._y_scale = np.where(scale > 1e-12 * np.maximum(np.abs(mean), 1), scale, 1.0)
        elif y2d.shape[1] != self.n_outputs_:
            raise ValueError(
                f"y has {y2d.shape[1]} outputs, but the regressor was fitted "
                f"with {self.n_outputs_}."
            )
        target = ((y2d - self._y_mean) / self._y_scale).astype(np.float32)
        return target, sample_weight

    def _loss(self, outputs, target):
        return ((outputs - target) ** 2).mean(dim=1)

    def _score_outputs(self, outputs, target, weight):
        """Weighted R² averaged over outputs (invariant to the standardisation)."""
        weight, target, outputs = weight.double(), target.double(), outputs.double()
        w = weight[:, None]
        mean = (w * target).sum(0) / weight.sum()
        ss_res = (w * (target - outputs) ** 2).sum(0)
        ss_tot = (w * (target - mean) ** 2).sum(0)
        r2 = 1 - ss_res / ss_tot.clamp_min(1e-12)
        return float(r2.mean())

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags
