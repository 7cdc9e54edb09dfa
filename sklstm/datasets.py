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

import pandas as pd

__all__ = ["load_airline"]


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
    source = resources.files("sklstm.data").joinpath("airline.csv")
    with source.open("r") as handle:
        frame = pd.read_csv(handle)
    index = pd.PeriodIndex(frame["Date"], freq="M", name="Period")
    return pd.Series(frame["Passengers"].to_numpy(dtype=float), index=index, name="Passengers")
