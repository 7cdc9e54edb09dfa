"""ForecastSplit: TimeSeriesSplit with a gap of horizon - 1."""

import numpy as np
import pytest
from sklearn.model_selection import TimeSeriesSplit

from sklstm import make_supervised
from sklstm.model_selection import ForecastSplit


@pytest.mark.parametrize("horizon", [1, 2, 3, 7])
def test_gap_is_horizon_minus_one(horizon):
    cv = ForecastSplit(n_splits=3, horizon=horizon)
    assert cv.gap == horizon - 1
    assert cv.horizon == horizon
    assert cv.get_n_splits() == 3


@pytest.mark.parametrize("horizon", [1, 2, 4, 6])
@pytest.mark.parametrize(
    "options",
    [{}, {"max_train_size": 10}, {"test_size": 5}, {"max_train_size": 8, "test_size": 4}],
)
def test_no_training_target_beyond_the_first_test_row(horizon, options):
    X = np.zeros((60, 2))
    splits = list(ForecastSplit(n_splits=4, horizon=horizon, **options).split(X))
    assert len(splits) == 4
    for train, test in splits:
        assert len(train) and len(test)
        # Training row t has its target at t + horizon: exactly at the test start
        # (not later: no leak; not earlier: the gap is no larger than needed).
        assert train.max() + horizon == test.min()
        assert np.array_equal(test, np.arange(test.min(), test.max() + 1))
        if "max_train_size" in options:
            assert len(train) <= options["max_train_size"]
        if "test_size" in options:
            assert len(test) == options["test_size"]


def test_targets_from_make_supervised_do_not_reach_the_test_fold():
    """End to end: the time index of every training target precedes each test row."""
    horizon = 3
    values = np.arange(40.0)  # the value is its own time index
    X, y = make_supervised(values, horizon=horizon)
    for train, test in ForecastSplit(n_splits=3, horizon=horizon).split(X):
        assert y[train].max() <= X[test, 0].min()


@pytest.mark.parametrize("options", [{}, {"max_train_size": 10}, {"test_size": 5}])
def test_horizon_one_equals_time_series_split(options):
    X = np.zeros((37, 1))
    ours = list(ForecastSplit(n_splits=4, horizon=1, **options).split(X))
    theirs = list(TimeSeriesSplit(n_splits=4, **options).split(X))
    assert len(ours) == len(theirs) == 4
    for (train, test), (train_ref, test_ref) in zip(ours, theirs):
        np.testing.assert_array_equal(train, train_ref)
        np.testing.assert_array_equal(test, test_ref)


def test_default_horizon_is_one():
    assert ForecastSplit().horizon == 1
    assert ForecastSplit().gap == 0
    assert ForecastSplit().n_splits == 5


@pytest.mark.parametrize("horizon", [0, -2, 1.5, 2.0, True, "3", None])
def test_invalid_horizon_raises(horizon):
    with pytest.raises(ValueError, match="horizon"):
        ForecastSplit(n_splits=3, horizon=horizon)


def test_numpy_integer_horizon_is_accepted():
    cv = ForecastSplit(n_splits=3, horizon=np.int64(3))
    assert cv.gap == 2


def test_repr_mentions_horizon():
    text = repr(ForecastSplit(n_splits=3, horizon=4))
    assert text.startswith("ForecastSplit(")
    assert "horizon=4" in text
    assert "n_splits=3" in text
