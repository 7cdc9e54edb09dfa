"""load_airline: the Box & Jenkins airline passengers series."""

import numpy as np
import pandas as pd

from sklstm.datasets import load_airline


def test_shape_dtype_and_name():
    y = load_airline()
    assert isinstance(y, pd.Series)
    assert y.shape == (144,)
    assert y.dtype == np.float64
    assert y.name == "Passengers"
    assert np.isfinite(y.to_numpy()).all()


def test_monthly_period_index():
    y = load_airline()
    assert isinstance(y.index, pd.PeriodIndex)
    assert y.index.freqstr == "M"
    assert y.index.name == "Period"
    assert y.index[0] == pd.Period("1949-01", freq="M")
    assert y.index[-1] == pd.Period("1960-12", freq="M")
    assert y.index.equals(pd.period_range("1949-01", "1960-12", freq="M"))
    assert y.index.is_unique and y.index.is_monotonic_increasing


def test_known_values():
    y = load_airline()
    assert y.iloc[:3].tolist() == [112.0, 118.0, 132.0]
    assert y.iloc[-1] == 432.0
    assert y.max() == 622.0
    assert y.idxmax() == pd.Period("1960-07", freq="M")
    assert y.min() == 104.0
    assert y.sum() == 40363.0  # checked against sklstm/data/airline.csv


def test_each_call_returns_a_fresh_copy():
    y = load_airline()
    y.iloc[0] = -1.0
    assert load_airline().iloc[0] == 112.0
