"""sklstm.datasets: the airline passengers series and the adding problem."""

import numpy as np
import pandas as pd
import pytest
from sklearn.utils._param_validation import InvalidParameterError

from sklstm.datasets import load_airline, make_adding_problem


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
    assert y.sum() == 40363.0  # checked against sklstm/datasets/airline.csv


def test_each_call_returns_a_fresh_copy():
    y = load_airline()
    y.iloc[0] = -1.0
    assert load_airline().iloc[0] == 112.0


# -- make_adding_problem ------------------------------------------------------------------


@pytest.mark.parametrize("n_timesteps", [2, 3, 7, 50])
def test_adding_problem_one_marker_in_each_half(n_timesteps):
    X, y = make_adding_problem(200, n_timesteps, random_state=0)
    assert X.shape == (200, n_timesteps, 2) and y.shape == (200,)
    assert X.dtype == np.float32 and y.dtype == np.float32
    markers = X[:, :, 1]
    assert set(np.unique(markers).tolist()) <= {0.0, 1.0}
    half = n_timesteps // 2
    np.testing.assert_array_equal(markers[:, :half].sum(axis=1), 1.0)
    np.testing.assert_array_equal(markers[:, half:].sum(axis=1), 1.0)
    values = X[:, :, 0]
    assert values.min() >= 0.0 and values.max() <= 1.0


def test_adding_problem_target_is_the_sum_of_the_two_marked_values():
    X, y = make_adding_problem(100, 20, random_state=1)
    for values, markers, target in zip(X[:, :, 0], X[:, :, 1], y):
        first, second = np.flatnonzero(markers)
        assert target == pytest.approx(values[first] + values[second], abs=1e-6)


def test_adding_problem_markers_reach_every_step():
    X, _ = make_adding_problem(2000, 10, random_state=2)
    assert (X[:, :, 1].sum(axis=0) > 0).all()  # both halves fully covered


def test_adding_problem_same_random_state_same_data():
    X1, y1 = make_adding_problem(30, 12, random_state=3)
    X2, y2 = make_adding_problem(30, 12, random_state=np.random.RandomState(3))
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    X3, _ = make_adding_problem(30, 12, random_state=4)
    assert not np.array_equal(X1, X3)


def test_adding_problem_smallest_sizes():
    X, y = make_adding_problem(1, 2, random_state=0)
    assert X.shape == (1, 2, 2)
    np.testing.assert_array_equal(X[0, :, 1], [1.0, 1.0])
    assert y[0] == pytest.approx(X[0, :, 0].sum())
    assert make_adding_problem(np.int64(2), np.int64(4), random_state=0)[0].shape == (2, 4, 2)


@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"n_samples": 0}, "n_samples"),
        ({"n_samples": 2.5}, "n_samples"),
        ({"n_samples": "a"}, "n_samples"),
        ({"n_timesteps": 1}, "n_timesteps"),
        ({"n_timesteps": 0}, "n_timesteps"),
        ({"n_timesteps": 2.5}, "n_timesteps"),
        ({"n_timesteps": "a"}, "n_timesteps"),
        ({"n_timesteps": None}, "n_timesteps"),
        ({"random_state": "seed"}, "random_state"),
        ({"random_state": -1}, "random_state"),
    ],
)
def test_adding_problem_bad_arguments_name_the_parameter(kwargs, name):
    match = f"The '{name}' parameter of make_adding_problem"
    with pytest.raises(InvalidParameterError, match=match):
        make_adding_problem(**{"n_samples": 3, "n_timesteps": 10, **kwargs})
