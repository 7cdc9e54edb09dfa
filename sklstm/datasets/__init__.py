"""Small real data sets shipped with sklstm.

Examples
--------
>>> from sklstm.datasets import load_airline
>>> load_airline().iloc[:2]
Period
1949-01    112.0
1949-02    118.0
Freq: M, Name: Passengers, dtype: float64
"""

from __future__ import annotations

from importlib import resources
from numbers import Integral

import numpy as np
import pandas as pd
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, validate_params

__all__ = ["load_airline", "make_adding_problem"]


def load_airline() -> pd.Series:
    """Monthly international airline passengers, 1949-01 to 1960-12.

    The classic Box & Jenkins "Series G" (Box, Jenkins & Reinsel, *Time
    Series Analysis*): 144 monthly totals, in thousands of passengers, with a
    trend and a multiplicative yearly season. Public-domain data; the same
    values ship with sktime and statsmodels.

    Returns
    -------
    y : pandas.Series of shape (144,)
        float64 values named "Passengers", indexed by a monthly
        ``PeriodIndex`` named "Period".

    Examples
    --------
    >>> from sklstm.datasets import load_airline
    >>> y = load_airline()
    >>> len(y), str(y.index[0]), str(y.index[-1]), float(y.max())
    (144, '1949-01', '1960-12', 622.0)
    """
    source = resources.files("sklstm.datasets").joinpath("airline.csv")
    with source.open("r") as handle:
        frame = pd.read_csv(handle)
    index = pd.PeriodIndex(frame["Date"], freq="M", name="Period")
    return pd.Series(frame["Passengers"].to_numpy(dtype=float), index=index, name="Passengers")


@validate_params(
    {
        "n_samples": [Interval(Integral, 1, None, closed="left")],
        # one marker in each half: each half needs at least one step
        "n_timesteps": [Interval(Integral, 2, None, closed="left")],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def make_adding_problem(n_samples: int = 1000, n_timesteps: int = 100, *, random_state=None):
    """The adding problem of Hochreiter & Schmidhuber (1997), a long-memory test.

    Each sequence has two features per step: a value drawn uniformly from
    [0, 1], and a marker that is 1 at exactly two steps — one in the first
    half, one in the second — and 0 elsewhere. The target is the sum of the
    two marked values. Predicting 1 for everything gives a mean squared error
    of about 0.167; a sequence counts as solved when the absolute error is
    below 0.04. A model must carry the first marked value across up to
    ``n_timesteps`` steps, which plain RNNs fail to learn for long sequences.

    Parameters
    ----------
    n_samples : int, default=1000
        Number of sequences (at least 1).
    n_timesteps : int, default=100
        Length of every sequence (at least 2: one step per half). The first
        marker lies in steps ``0 .. n_timesteps // 2 - 1``, the second in
        ``n_timesteps // 2 .. n_timesteps - 1``.
    random_state : int, RandomState instance or None, default=None
        Seed of the values and marker positions.

    Returns
    -------
    X : ndarray of shape (n_samples, n_timesteps, 2), float32
    y : ndarray of shape (n_samples,), float32

    Raises
    ------
    sklearn.utils._param_validation.InvalidParameterError
        A ``ValueError`` (and ``TypeError``) naming the parameter, for a
        non-integer or too small ``n_samples`` or ``n_timesteps``, or an
        invalid ``random_state``.

    Examples
    --------
    >>> from sklstm.datasets import make_adding_problem
    >>> X, y = make_adding_problem(3, 10, random_state=0)
    >>> X.shape, X[:, :, 1].sum(axis=1).tolist()
    ((3, 10, 2), [2.0, 2.0, 2.0])
    >>> bool(abs((X[:, :, 0] * X[:, :, 1]).sum(axis=1) - y).max() < 1e-6)
    True
    """
    n_samples, n_timesteps = int(n_samples), int(n_timesteps)  # numpy ints, bools
    rng = check_random_state(random_state)
    values = rng.uniform(0.0, 1.0, size=(n_samples, n_timesteps))
    half = n_timesteps // 2
    first = rng.randint(0, half, size=n_samples)
    second = rng.randint(half, n_timesteps, size=n_samples)
    markers = np.zeros((n_samples, n_timesteps))
    rows = np.arange(n_samples)
    markers[rows, first] = 1.0
    markers[rows, second] = 1.0
    X = np.stack([values, markers], axis=2).astype(np.float32)
    y = (values[rows, first] + values[rows, second]).astype(np.float32)
    return X, y
