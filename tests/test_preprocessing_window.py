"""SlidingWindowTransformer: shapes, exact contents, causality, masking, pipelines."""

import tracemalloc
import warnings

import numpy as np
import pandas as pd
import pytest
import sklearn
import torch
from hypothesis import given
from hypothesis import strategies as st
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils._param_validation import InvalidParameterError

from sklstm import LSTMRegressor, SlidingWindowTransformer, make_supervised
from sklstm.model_selection import ForecastSplit
from tests._strategies import SETTINGS, Inputs, call, ok, quiet, tables

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


NAN = np.nan


def _toy():
    """Six time steps, two features: row t holds (t + 1, -10 * (t + 1))."""
    a = np.arange(1.0, 7.0)
    return np.column_stack([a, -10.0 * a])


def _random_table(n=30, n_features=2, seed=0):
    return np.random.RandomState(seed).normal(size=(n, n_features))


# --------------------------------------------------------------------------- shape


@pytest.mark.parametrize("window_size", [1, 4, 10])
@pytest.mark.parametrize("step", [1, 3])
@pytest.mark.parametrize("include_current", [True, False])
def test_shape_keeps_every_row(window_size, step, include_current):
    X = _random_table(n=17, n_features=3)
    swt = SlidingWindowTransformer(window_size, step=step, include_current=include_current)
    windows = swt.fit_transform(X)
    assert isinstance(windows, np.ndarray)
    assert windows.shape == (17, window_size, 3)
    assert windows.flags.c_contiguous


def test_numpy_input_feature_names():
    swt = SlidingWindowTransformer(3).fit(_toy())
    assert swt.n_features_in_ == 2
    assert not hasattr(swt, "feature_names_in_")
    assert swt.get_feature_names_out().tolist() == ["x0", "x1"]


def test_dataframe_input_keeps_feature_names():
    df = pd.DataFrame(_toy(), columns=["temp", "load"], index=pd.date_range("2020", periods=6))
    swt = SlidingWindowTransformer(3)
    windows = swt.fit_transform(df)
    assert windows.shape == (6, 3, 2)
    assert swt.feature_names_in_.tolist() == ["temp", "load"]
    assert swt.get_feature_names_out().tolist() == ["temp", "load"]
    np.testing.assert_array_equal(windows, SlidingWindowTransformer(3).fit_transform(_toy()))


def test_dataframe_with_reordered_columns_at_transform_raises():
    df = pd.DataFrame(_toy(), columns=["temp", "load"])
    swt = SlidingWindowTransformer(3).fit(df)
    with pytest.raises(ValueError, match="feature names"):
        swt.transform(df[["load", "temp"]])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_float_dtype_is_preserved(dtype):
    X = _toy().astype(dtype)
    for padding in ("mask", "zero"):
        windows = SlidingWindowTransformer(3, padding=padding).fit_transform(X)
        assert windows.dtype == dtype


def test_integer_input_becomes_float64():
    X = np.arange(12).reshape(6, 2)
    windows = SlidingWindowTransformer(2).fit_transform(X)
    assert windows.dtype == np.float64
    assert np.isnan(windows[0, 0]).all()


# --------------------------------------------------------------- exact contents

# Window of each row over the toy's first feature (values t + 1); window_size=3.
EXPECTED_FEATURE_0 = {
    # include_current, step: rows t-2, t-1, t
    (True, 1): [
        [NAN, NAN, 1], [NAN, 1, 2], [1, 2, 3], [2, 3, 4], [3, 4, 5], [4, 5, 6],
    ],
    # rows t-3, t-2, t-1
    (False, 1): [
        [NAN, NAN, NAN], [NAN, NAN, 1], [NAN, 1, 2], [1, 2, 3], [2, 3, 4], [3, 4, 5],
    ],
    # rows t-4, t-2, t
    (True, 2): [
        [NAN, NAN, 1], [NAN, NAN, 2], [NAN, 1, 3], [NAN, 2, 4], [1, 3, 5], [2, 4, 6],
    ],
    # rows t-5, t-3, t-1
    (False, 2): [
        [NAN, NAN, NAN], [NAN, NAN, 1], [NAN, NAN, 2], [NAN, 1, 3], [NAN, 2, 4], [1, 3, 5],
    ],
}


@pytest.mark.parametrize("include_current, step", sorted(EXPECTED_FEATURE_0))
@pytest.mark.parametrize("padding", ["mask", "zero"])
def test_exact_window_contents(include_current, step, padding):
    swt = SlidingWindowTransformer(
        3, step=step, include_current=include_current, padding=padding
    )
    windows = swt.fit_transform(_toy())
    expected = np.array(EXPECTED_FEATURE_0[include_current, step])
    expected = np.stack([expected, -10.0 * expected], axis=2)
    if padding == "zero":
        expected = np.nan_to_num(expected, nan=0.0)
    np.testing.assert_array_equal(windows, expected)


def test_window_size_one_is_the_row_itself():
    X = _toy()
    np.testing.assert_array_equal(SlidingWindowTransformer(1).fit_transform(X), X[:, None, :])


def test_transform_uses_the_table_it_is_given():
    """No state from fit leaks into transform: a new table is windowed on its own."""
    swt = SlidingWindowTransformer(2).fit(_toy())
    other = _toy()[3:] + 100.0
    windows = swt.transform(other)
    assert windows.shape == (3, 2, 2)
    assert np.isnan(windows[0, 0]).all()
    np.testing.assert_array_equal(windows[1:, 0], other[:-1])
    np.testing.assert_array_equal(windows[:, 1], other)


# ---------------------------------------------------------------------- causality


@pytest.mark.parametrize("window_size", [1, 3, 5])
@pytest.mark.parametrize("step", [1, 2, 3])
@pytest.mark.parametrize("include_current", [True, False])
@pytest.mark.parametrize("padding", ["mask", "zero"])
def test_later_rows_never_change_a_window(window_size, step, include_current, padding):
    rng = np.random.RandomState(window_size * 100 + step)
    X = rng.normal(size=(25, 2))
    swt = SlidingWindowTransformer(
        window_size, step=step, include_current=include_current, padding=padding
    ).fit(X)
    reference = swt.transform(X)
    for t in [0, 1, 4, 11, 23]:
        changed = X.copy()
        changed[t + 1 :] = rng.uniform(50, 60, size=changed[t + 1 :].shape)
        windows = swt.transform(changed)
        # Window t and every earlier one are untouched by rows after t.
        np.testing.assert_array_equal(windows[: t + 1], reference[: t + 1])
        # ...while the changed rows do show up in later windows (non-vacuous);
        # without the current row, row t + 1 first appears in window t + 2.
        if t + 2 < len(X):
            assert not np.array_equal(windows[t + 1 :], reference[t + 1 :], equal_nan=True)


@pytest.mark.parametrize("window_size, step", [(1, 1), (3, 1), (4, 2)])
def test_newest_row_of_a_window(window_size, step):
    """The newest step of window t is row t, or row t - 1 without the current row."""
    X = _random_table(n=12)
    current = SlidingWindowTransformer(window_size, step=step).fit_transform(X)
    np.testing.assert_array_equal(current[:, -1], X)
    previous = SlidingWindowTransformer(
        window_size, step=step, include_current=False
    ).fit_transform(X)
    np.testing.assert_array_equal(previous[1:, -1], X[:-1])
    # The oldest step is (window_size - 1) * step rows before the newest one.
    lag = (window_size - 1) * step
    np.testing.assert_array_equal(current[lag:, 0], X[: len(X) - lag])


@pytest.mark.parametrize("window_size, step", [(1, 1), (3, 1), (5, 2), (4, 3)])
@pytest.mark.parametrize("padding", ["mask", "zero"])
def test_without_current_row_window_never_holds_row_t(window_size, step, padding):
    X = np.random.RandomState(1).uniform(1, 2, size=(20, 3))  # all values distinct, non-zero
    windows = SlidingWindowTransformer(
        window_size, step=step, include_current=False, padding=padding
    ).fit_transform(X)
    for t in range(len(X)):
        assert not np.isin(X[t], windows[t]).any(), t


# ----------------------------------------------------- masked padding and the LSTM


@pytest.fixture(scope="module")
def fitted_on_windows():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(80, 2))
    y = X[:, 0] + 0.5 * np.roll(X[:, 1], 1)
    windows = SlidingWindowTransformer(10).fit_transform(X)
    reg = LSTMRegressor(hidden_size=8, max_iter=5, random_state=0).fit(windows, y)
    return reg, windows


@pytest.mark.parametrize("i", [0, 1, 4, 8])
def test_masked_padding_equals_the_shorter_sequence(fitted_on_windows, i):
    reg, windows = fitted_on_windows
    k = 9 - i  # leading padded steps of row i's window
    assert np.isnan(windows[i, :k]).all() and not np.isnan(windows[i, k:]).any()
    in_batch = reg.predict(windows)[i]
    alone = reg.predict(windows[i : i + 1])
    shorter = reg.predict(windows[i : i + 1, k:, :])
    assert np.isfinite(in_batch)
    np.testing.assert_allclose(alone, [in_batch], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(shorter, [in_batch], rtol=1e-5, atol=1e-6)


def test_masked_padding_is_not_the_same_as_zero_padding(fitted_on_windows):
    """Masking really skips the steps: zeros instead of NaN change the prediction."""
    reg, windows = fitted_on_windows
    zeroed = np.nan_to_num(windows[:3], nan=0.0)
    assert not np.allclose(reg.predict(zeroed), reg.predict(windows[:3]), rtol=1e-5)
    # Rows with full history are identical under both paddings.
    np.testing.assert_allclose(
        reg.predict(np.nan_to_num(windows[9:], nan=0.0)), reg.predict(windows[9:]), rtol=1e-5
    )


def test_first_window_without_current_row_is_empty_and_read_as_the_initial_state():
    X = _random_table(n=20)
    y = X[:, 0]
    windows = SlidingWindowTransformer(4, include_current=False).fit_transform(X)
    assert np.isnan(windows[0]).all()
    assert not np.isnan(windows[1:, -1]).any()
    reg = LSTMRegressor(hidden_size=4, max_iter=2, random_state=0).fit(windows, y)
    # the empty window predicts what the network says with no input: its initial state
    expected = reg.module_.head(reg.module_.dense(torch.zeros(1, 4))).item()
    assert reg._outputs(windows[:1])[0, 0] == pytest.approx(expected, rel=1e-6)
    assert reg.predict(np.full((1, 9, X.shape[1]), np.nan)) == reg.predict(windows[:1])
    # the other rows predict as they do without the empty one beside them
    np.testing.assert_allclose(reg.predict(windows)[1:], reg.predict(windows[1:]), rtol=1e-6)


def test_pipeline_without_current_row_fits_and_cross_validates():
    """Before: every Pipeline fit failed with 'Sequence 0 of X is empty'."""
    X, y = _sine_supervised()
    pipe = make_pipeline(
        StandardScaler(),
        SlidingWindowTransformer(5, include_current=False),
        LSTMRegressor(hidden_size=4, max_iter=3, random_state=0),
    )
    assert pipe.fit(X, y).predict(X).shape == (len(X),)
    scores = cross_val_score(pipe, X, y, cv=TimeSeriesSplit(3))
    assert np.isfinite(scores).all()


# ------------------------------------------------------------------------ pipelines


def _sine_supervised(n=90, horizon=1, multi_output=False):
    t = np.arange(n)
    s = pd.Series(np.sin(2 * np.pi * t / 12) + 0.01 * t, name="signal")
    return make_supervised(s, horizon=horizon, multi_output=multi_output)


def _pipe():
    return make_pipeline(
        StandardScaler(),
        SlidingWindowTransformer(5),
        LSTMRegressor(hidden_size=4, max_iter=3, random_state=0),
    )


def test_grid_search_with_time_series_split():
    X, y = _sine_supervised()
    grid = {
        "slidingwindowtransformer__window_size": [3, 6],
        "lstmregressor__hidden_size": [4, 8],
    }
    cv = TimeSeriesSplit(n_splits=3)
    search = GridSearchCV(_pipe(), grid, cv=cv).fit(X, y)
    results = search.cv_results_
    scores = results["mean_test_score"]
    assert len(results["params"]) == 4
    assert np.isfinite(scores).all()
    for split in range(3):
        assert np.isfinite(results[f"split{split}_test_score"]).all()
    # the selected candidate is the top-ranked one
    best = search.best_index_
    assert results["rank_test_score"][best] == 1
    assert scores[best] == scores.max()
    assert search.best_params_ == results["params"][best]
    # sklstm-specific: the search's score is reproducible by hand, i.e. the
    # pipeline survives clone/set_params (window_size, hidden_size routed to
    # the right step) and a refit with random_state=0 is deterministic
    by_hand = [
        _pipe()
        .set_params(**search.best_params_)
        .fit(X.iloc[train], y.iloc[train])
        .score(X.iloc[test], y.iloc[test])
        for train, test in cv.split(X)
    ]
    assert scores[best] == pytest.approx(np.mean(by_hand), rel=1e-6, abs=1e-9)
    best_pipe = search.best_estimator_
    assert best_pipe.named_steps["slidingwindowtransformer"].window_size == (
        search.best_params_["slidingwindowtransformer__window_size"]
    )
    assert search.predict(X).shape == (len(X),)


def _full_history_predictions(X, y, cv, window_size):
    """Test-fold predictions from windows of the whole past (the reference)."""
    predictions = []
    for train, test in cv.split(X):
        scaler = StandardScaler().fit(X.iloc[train])
        windows = SlidingWindowTransformer(window_size).fit_transform(
            scaler.transform(X.iloc[: test[-1] + 1])
        )
        reg = LSTMRegressor(hidden_size=4, max_iter=3, random_state=0)
        predictions.append(reg.fit(windows[train], y.iloc[train]).predict(windows[test]))
    return predictions


def test_test_folds_of_a_dataframe_are_windowed_with_the_past_they_continue():
    """Before: the first window_size - 1 rows of each test fold had truncated windows."""
    X, y = _sine_supervised()
    cv = TimeSeriesSplit(n_splits=3)
    reference = _full_history_predictions(X, y, cv, window_size=8)
    pipe = make_pipeline(
        StandardScaler().set_output(transform="pandas"),  # keeps the index for the windows
        SlidingWindowTransformer(8),
        LSTMRegressor(hidden_size=4, max_iter=3, random_state=0),
    )
    truncated = make_pipeline(StandardScaler(), SlidingWindowTransformer(8), clone(pipe[-1]))
    for (train, test), expected in zip(cv.split(X), reference):
        got = pipe.fit(X.iloc[train], y.iloc[train]).predict(X.iloc[test])
        np.testing.assert_array_equal(got, expected)
        # numpy input has no index: the first rows of the fold are padded, as before
        old = truncated.fit(X.iloc[train], y.iloc[train]).predict(X.iloc[test])
        assert not np.allclose(old[:7], expected[:7], rtol=1e-4)
        np.testing.assert_allclose(old[7:], expected[7:], rtol=1e-5)


@pytest.mark.parametrize(
    "index",
    [
        pd.RangeIndex(100, 130),
        pd.date_range("2001-01-01", periods=30, freq="D"),
        pd.period_range("2001-01", periods=30, freq="M"),
        # sklearn's splitters index by position: a DatetimeIndex loses its freq
        pd.DatetimeIndex(list(pd.date_range("2001-01-01", periods=30, freq="MS"))),
    ],
    ids=["integers", "daily", "periods", "months-without-freq"],
)
def test_a_table_continuing_the_fitted_one_is_windowed_with_its_last_rows(index):
    table = pd.DataFrame({"a": np.arange(30.0), "b": np.arange(30.0) ** 2}, index=index)
    whole = SlidingWindowTransformer(4, step=2).fit_transform(table)
    swt = SlidingWindowTransformer(4, step=2).fit(table.iloc[:20])
    assert swt.tail_.shape == (6, 2)
    np.testing.assert_array_equal(swt.transform(table.iloc[20:]), whole[20:])
    # not a continuation: a gap, the fitted table itself, numpy, continuation="none"
    for other in (table.iloc[21:], table.iloc[:20], table.iloc[20:].to_numpy()):
        with warnings.catch_warnings():  # numpy after a DataFrame: no feature names
            warnings.simplefilter("ignore", UserWarning)
            assert np.isnan(swt.transform(other)[0, :-1]).all()
    off = SlidingWindowTransformer(4, step=2, continuation="none").fit(table.iloc[:20])
    assert off.tail_ is None
    assert np.isnan(off.transform(table.iloc[20:])[0, :-1]).all()


def test_numpy_and_unordered_indexes_keep_no_tail():
    assert SlidingWindowTransformer(3).fit(np.zeros((5, 1))).tail_ is None
    strings = pd.DataFrame({"a": np.arange(3.0)}, index=["x", "y", "z"])
    assert SlidingWindowTransformer(3).fit(strings).tail_ is None
    shuffled = pd.DataFrame({"a": np.arange(3.0)}, index=[2, 0, 1])
    assert SlidingWindowTransformer(3).fit(shuffled).tail_ is None


def test_cross_val_score_with_forecast_split_and_horizon_3():
    X, y = _sine_supervised(horizon=3)
    assert len(X) == len(y) == 87
    cv = ForecastSplit(n_splits=3, horizon=3)
    scores = cross_val_score(_pipe(), X, y, cv=cv)
    assert scores.shape == (3,)
    assert np.isfinite(scores).all()


def test_pipeline_multi_output_horizon():
    X, Y = _sine_supervised(horizon=3, multi_output=True)
    pipe = _pipe().fit(X, Y)
    assert pipe.predict(X).shape == (len(X), 3)


def test_pipeline_prediction_for_a_row_only_depends_on_the_past():
    """Inside a fitted pipeline, the prediction at row t ignores rows after t."""
    X, y = _sine_supervised()
    pipe = _pipe().fit(X, y)
    full = pipe.predict(X)
    head = pipe.predict(X.iloc[:40])
    np.testing.assert_allclose(head, full[:40], rtol=1e-5, atol=1e-6)


# ------------------------------------------------------------------------ set_output


def test_set_output_pandas_raises_and_default_is_accepted():
    swt = SlidingWindowTransformer(3)
    with pytest.raises(ValueError, match="3D"):
        swt.set_output(transform="pandas")
    with pytest.raises(ValueError, match="3D"):
        swt.set_output(transform="polars")
    assert swt.set_output(transform="default") is swt
    assert swt.set_output(transform=None) is swt


def test_pipeline_set_output_pandas_raises():
    with pytest.raises(ValueError, match="3D"):
        _pipe().set_output(transform="pandas")


def test_global_pandas_output_config_still_returns_numpy():
    X = _toy()
    with sklearn.config_context(transform_output="pandas"):
        swt = SlidingWindowTransformer(3)
        fitted = swt.fit_transform(X)
        transformed = swt.transform(X)
    for windows in (fitted, transformed):
        assert type(windows) is np.ndarray
        assert windows.shape == (6, 3, 2)


def test_pipeline_runs_under_global_pandas_output():
    X, y = _sine_supervised(n=40)
    with sklearn.config_context(transform_output="pandas"):
        pred = _pipe().fit(X, y).predict(X)
    assert pred.shape == (len(X),)
    assert np.isfinite(pred).all()


# ----------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    "params",
    [
        {"window_size": 0},
        {"window_size": -2},
        {"window_size": 2.5},
        {"step": 0},
        {"padding": "edge"},
        {"include_current": "yes"},
    ],
)
def test_invalid_parameters_raise_at_fit(params):
    swt = SlidingWindowTransformer(**{"window_size": 3, **params})  # construction is lazy
    with pytest.raises(InvalidParameterError):
        swt.fit(_toy())


def test_nan_in_the_table_raises():
    X = _toy()
    X[2, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        SlidingWindowTransformer(3).fit(X)
    swt = SlidingWindowTransformer(3).fit(_toy())
    with pytest.raises(ValueError, match="NaN"):
        swt.transform(X)


def test_3d_table_raises():
    with pytest.raises(ValueError, match="dim"):
        SlidingWindowTransformer(3).fit(np.zeros((4, 3, 2)))
    swt = SlidingWindowTransformer(3).fit(_toy())
    with pytest.raises(ValueError, match="dim"):
        swt.transform(np.zeros((4, 3, 2)))


RAGGED = "X is a list of sequences of different lengths"
UNREADABLE = "X is a nested list that numpy cannot read as a table"


@pytest.mark.parametrize(
    "X, says",
    [
        ([np.ones((3, 2)), np.ones((5, 2))], RAGGED),  # sequences of different lengths
        ([[1.0, 2.0], [3.0]], RAGGED),  # rows of different widths
        (pd.Series([np.ones(3), np.ones(4)]), RAGGED),
        ([1.0, [1.0, 2.0], 3.0], UNREADABLE),  # numbers mixed with lists
        ([[1.0, 2.0], 3.0], UNREADABLE),
    ],
)
@pytest.mark.parametrize("method", ["fit", "transform"])
def test_what_is_not_one_table_is_refused_with_what_a_table_is(X, says, method):
    swt = SlidingWindowTransformer(3) if method == "fit" else SlidingWindowTransformer(3).fit(_toy())
    with pytest.raises(ValueError) as info:
        getattr(swt, method)(X)
    message = str(info.value)
    assert message.startswith(says)
    assert "SlidingWindowTransformer needs one time-ordered 2D table" in message
    assert "inhomogeneous" not in message


def test_a_list_of_equal_width_rows_is_a_table():
    swt = SlidingWindowTransformer(3)
    assert swt.fit_transform([[1.0, 2.0], [3.0, 4.0]]).shape == (2, 3, 2)


def test_wrong_number_of_columns_at_transform_raises():
    swt = SlidingWindowTransformer(3).fit(_toy())
    with pytest.raises(ValueError, match="features"):
        swt.transform(np.zeros((6, 3)))


@pytest.mark.parametrize("step", [10**12, 10**30])  # beyond int64 too
@pytest.mark.parametrize("include_current", [True, False])
@pytest.mark.parametrize("padding", ["mask", "zero"])
def test_a_huge_step_allocates_only_the_output(step, include_current, padding):
    # Rows before the start of X are padding: a step beyond the table's length
    # leaves only the newest step of each window inside X. Padding rows are
    # never allocated (step=10**12 used to ask numpy for 29.1 TiB of them).
    X = _toy()
    swt = SlidingWindowTransformer(3, step=step, include_current=include_current, padding=padding)
    tracemalloc.start()
    try:
        windows = swt.fit_transform(X)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2**20  # (numpy reports its allocations to tracemalloc)
    fill = NAN if padding == "mask" else 0.0
    expected = np.full((6, 3, 2), fill)
    expected[:, 2] = X if include_current else np.vstack([np.full((1, 2), fill), X[:-1]])
    np.testing.assert_array_equal(windows, expected)
    assert windows.dtype == X.dtype and windows.flags.c_contiguous


@pytest.mark.parametrize("step", [1, 2, 3, 5, 7])
@pytest.mark.parametrize("include_current", [True, False])
def test_a_step_longer_than_the_table_gives_the_same_windows(step, include_current):
    # a step that leaves most of each window before the start of X: each
    # window step holds row k + j * step - lead of X, or padding
    X = _random_table(n=4, seed=3)
    windows = SlidingWindowTransformer(4, step=step, include_current=include_current).fit_transform(X)
    lead = 3 * step + (0 if include_current else 1)
    rows = np.arange(4)[:, None] + step * np.arange(4)[None, :] - lead
    np.testing.assert_array_equal(windows[rows >= 0], X[rows[rows >= 0]])
    assert np.isnan(windows[rows < 0]).all()


@pytest.mark.parametrize("window_size", [10**12, 10**20])
def test_an_impossibly_large_output_is_refused_with_its_size(window_size):
    swt = SlidingWindowTransformer(window_size).fit(_toy())
    message = (
        rf"The windows of X would take [\d,.]+ GiB \(6 rows x window_size={window_size} x 2 "
        r"features of float64\), more than can be allocated\. Lower window_size"
    )
    with pytest.raises(ValueError, match=message):
        swt.transform(_toy())


def test_what_cannot_be_a_table_says_so():
    with pytest.raises(ValueError, match="X is a DataFrame with no columns"):
        SlidingWindowTransformer(3).fit(pd.DataFrame(index=range(4)))
    with pytest.raises(TypeError, match="X is a generator .*list or an array"):
        SlidingWindowTransformer(3).fit(row for row in _toy())


def test_transform_before_fit_raises():
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        SlidingWindowTransformer(3).transform(_toy())


# --------------------------------------------------- property (tests/_strategies.py)


window_params = st.fixed_dictionaries(
    {
        "window_size": st.integers(1, 8),
        "step": st.integers(1, 3),
        "include_current": st.booleans(),
        "padding": st.sampled_from(["mask", "zero"]),
    }
)


def check_windows(windows, table: Inputs, params):
    n_rows = table.n
    assert windows.shape == (n_rows, params["window_size"], table.n_features)
    if not table.sane:
        return
    # Padding (history before the first row) sits at the start of each window.
    span = (params["window_size"] - 1) * params["step"] + 1
    lead = span - 1 if params["include_current"] else span
    # output row k holds rows k + step * j - lead of X, j = 0 .. window_size - 1
    steps = params["step"] * np.arange(params["window_size"])
    rows = np.arange(n_rows)[:, None] + steps[None, :] - lead
    padded = rows < 0
    values = windows.astype(np.float64)
    assert np.isfinite(values[~padded]).all(), "NaN/inf in a window of sane rows"
    if params["padding"] == "mask":
        assert np.isnan(values[padded]).all()
    else:
        assert (values[padded] == 0).all()
    source = np.asarray(table.X, dtype=np.float64)
    np.testing.assert_array_equal(values[~padded], source[rows[~padded]])


@quiet
@SETTINGS
@given(data=st.data(), params=window_params)
def test_sliding_window_transformer(data, params):
    """fit / transform / fit_transform of SlidingWindowTransformer."""
    table = data.draw(tables(), label="table")
    swt = SlidingWindowTransformer(**params)
    fitted = call(swt.fit, table.X)
    both = call(SlidingWindowTransformer(**params).fit_transform, table.X)
    if table.sane and table.n >= 1 and table.n_features >= 1:
        # a finite numeric 2D table with a row and a column must be accepted
        assert ok(fitted) and ok(both), (fitted, both)
    if not ok(fitted):
        assert not ok(both)
        return
    windows = call(swt.transform, table.X)
    assert ok(windows) and ok(both), (windows, both)
    np.testing.assert_array_equal(windows, both)
    if np.asarray(table.X).dtype in (np.float32, np.float64):
        assert windows.dtype == np.asarray(table.X).dtype
    check_windows(windows, table, params)
    other = data.draw(tables(), label="table_transform")
    windows = call(swt.transform, other.X)
    if ok(windows):
        assert other.n_features == table.n_features, "other feature count accepted"
        check_windows(windows, other, params)


def test_a_pickle_made_before_continuation_still_windows_and_clones():
    swt = SlidingWindowTransformer(3).fit(np.arange(8.0).reshape(-1, 2))
    state = dict(swt.__getstate__())  # may be swt.__dict__ itself
    for name in ("continuation", "tail_", "_table_end"):
        state.pop(name)  # what 0.1.0 pickled
    old = SlidingWindowTransformer.__new__(SlidingWindowTransformer)
    old.__setstate__(state)
    np.testing.assert_array_equal(old.transform(np.ones((2, 2))), swt.transform(np.ones((2, 2))))
    assert clone(old).get_params() == swt.get_params()
