"""SequenceScaler: per-feature standardisation of 3D sequence data."""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from .._data import check_padded_3d
from ._output import NumpyOutputMixin

__all__ = ["SequenceScaler"]


class SequenceScaler(
    NumpyOutputMixin, OneToOneFeatureMixin, TransformerMixin, BaseEstimator, auto_wrap_output_keys=None
):
    """Standardise each feature of 3D sequences, ignoring padding.

    The mean and standard deviation of each feature are computed over all
    samples and all real time steps; NaN padding steps (leading or trailing,
    see the estimators) are ignored and stay NaN. For a 2D table of time
    steps, use scikit-learn's ``StandardScaler`` before windowing instead.

    Parameters
    ----------
    with_mean : bool, default=True
        Subtract the per-feature mean.
    with_std : bool, default=True
        Divide by the per-feature standard deviation (1 where it is 0).

    Attributes
    ----------
    mean_ : ndarray of shape (n_features,)
        Per-feature mean over real steps (0 when ``with_mean=False``).
    scale_ : ndarray of shape (n_features,)
        Per-feature standard deviation (1 when ``with_std=False``).
    n_features_in_ : int
        Number of features per time step.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm.preprocessing import SequenceScaler
    >>> X = np.array([[[1.0], [3.0]], [[5.0], [np.nan]]])  # second sequence padded
    >>> scaler = SequenceScaler().fit(X)
    >>> scaler.mean_, scaler.scale_.round(4)
    (array([3.]), array([1.633]))
    >>> scaler.transform(X)[:, :, 0].round(3)
    array([[-1.225,  0.   ],
           [ 1.225,    nan]])
    """

    _parameter_constraints: dict = {"with_mean": ["boolean"], "with_std": ["boolean"]}

    def __init__(self, *, with_mean: bool = True, with_std: bool = True):
        self.with_mean = with_mean
        self.with_std = with_std

    def fit(self, X, y=None) -> "SequenceScaler":
        """Compute per-feature statistics over all real time steps.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features)
            Sequences; all-NaN leading or trailing steps are padding.
        y : None
            Ignored.

        Returns
        -------
        self : SequenceScaler
        """
        self._validate_params()
        values, real = check_padded_3d(self, X, reset=True)
        steps = values[real].astype(np.float64)  # (n_real_steps, n_features)
        n_features = values.shape[2]
        self.mean_ = steps.mean(axis=0) if self.with_mean else np.zeros(n_features)
        if self.with_std:
            std = steps.std(axis=0)
            self.scale_ = np.where(std > 10 * np.finfo(np.float64).eps, std, 1.0)
        else:
            self.scale_ = np.ones(n_features)
        return self

    def transform(self, X) -> np.ndarray:
        """Standardise; padding stays NaN.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features)
            Sequences with the features seen at fit (any length).

        Returns
        -------
        X_scaled : ndarray of shape (n_samples, n_timesteps, n_features)
        """
        check_is_fitted(self)
        values, _ = check_padded_3d(self, X, reset=False)
        values -= self.mean_.astype(values.dtype)
        values /= self.scale_.astype(values.dtype)
        return values

    def inverse_transform(self, X) -> np.ndarray:
        """Undo :meth:`transform`.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features)
            Standardised sequences.

        Returns
        -------
        X_original : ndarray of shape (n_samples, n_timesteps, n_features)
        """
        check_is_fitted(self)
        values, _ = check_padded_3d(self, X, reset=False)
        values *= self.scale_.astype(values.dtype)
        values += self.mean_.astype(values.dtype)
        return values

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.input_tags.two_d_array = False
        tags.input_tags.allow_nan = True
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
