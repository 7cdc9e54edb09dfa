"""The data layer: input semantics of sklstm._data."""

import warnings

import numpy as np
import pandas as pd
import pytest

from sklstm import LSTMClassifier, LSTMRegressor
from sklstm._data import (
    InputLayout,
    check_layout,
    check_padded_3d,
    check_table,
    check_regression_targets,
    check_sample_weight,
    check_sequences,
)
from sklstm.preprocessing import SequenceScaler, SlidingWindowTransformer


def test_2d_is_univariate_sequences_with_columns_as_features():
    est = LSTMRegressor()
    X = np.arange(12, dtype=np.float64).reshape(3, 4)
    seqs, layout = check_sequences(est, X)
    assert seqs.values.shape == (3, 4, 1)
    assert seqs.values.dtype == np.float32 and seqs.values.flags.c_contiguous
    np.testing.assert_array_equal(seqs.values[:, :, 0], X)
    assert seqs.lengths.tolist() == [4, 4, 4]
    assert layout.n_features_in == 4 and layout.feature_names is None
    assert not hasattr(est, "n_features_in_")  # the data layer writes nothing


def test_2d_width_is_checked_at_predict():
    est = LSTMRegressor()
    _, layout = check_sequences(est, np.zeros((3, 4)))
    with pytest.raises(ValueError, match="X has 5 features"):
        check_sequences(est, np.zeros((3, 5)), fitted=layout)[0]


def test_3d_features_fixed_length_free():
    est = LSTMRegressor()
    seqs, layout = check_sequences(est, np.zeros((2, 7, 3)))
    assert layout == InputLayout("3d", n_step_features=3) and layout.n_features_in == 3
    assert not hasattr(est, "n_features_in_")  # the estimator keeps the layout
    assert seqs.values.shape == (2, 7, 3)
    assert check_sequences(est, np.zeros((5, 11, 3)), fitted=layout)[0].values.shape == (5, 11, 3)
    with pytest.raises(ValueError, match="2 features per time step.*expecting 3"):
        check_sequences(est, np.zeros((5, 7, 2)), fitted=layout)[0]


def test_2d_predict_after_3d_univariate_fit():
    est = LSTMRegressor()
    _, layout = check_sequences(est, np.zeros((2, 7, 1)))
    assert check_sequences(est, np.ones((4, 9)), fitted=layout)[0].values.shape == (4, 9, 1)
    est3 = LSTMRegressor()
    _, layout = check_sequences(est3, np.zeros((2, 7, 3)))
    with pytest.raises(ValueError, match="fitted on sequences with 3 features"):
        check_sequences(est3, np.ones((4, 9)), fitted=layout)[0]


def test_dataframe_records_feature_names_and_3d_forgets_them():
    est = LSTMRegressor(hidden_size=2, max_iter=1)
    df = pd.DataFrame(np.zeros((3, 2)), columns=["t0", "t1"])
    _, layout = check_sequences(est, df)
    assert layout.feature_names == ("t0", "t1") and layout.n_features_in == 2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(df, np.arange(3.0))
    assert list(est.feature_names_in_) == ["t0", "t1"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(np.zeros((3, 4, 2)), np.arange(3.0))
    assert not hasattr(est, "feature_names_in_") and est.n_features_in_ == 2


def test_trailing_nan_steps_are_padding():
    X = np.ones((3, 4, 2))
    X[1, 2:] = np.nan
    X[2, 1:] = np.nan
    seqs, layout = check_sequences(LSTMRegressor(), X)
    assert seqs.lengths.tolist() == [4, 2, 1]
    assert (seqs.lengths < seqs.values.shape[1]).any()
    assert np.isfinite(seqs.values).all()
    assert seqs.values[1, 2:].sum() == 0


@pytest.mark.parametrize(
    "where, match",
    [((0, 1, 0), "NaN inside sequence 0 at time step 1"), ((0, 3, 1), "NaN inside")],
)
def test_nan_inside_a_sequence_is_an_error(where, match):
    X = np.ones((2, 4, 2))
    X[where] = np.nan
    with pytest.raises(ValueError, match=match):
        _, layout = check_sequences(LSTMRegressor(), X)


@pytest.mark.parametrize("cls", [LSTMClassifier, LSTMRegressor])
def test_fitting_on_padding_only_is_refused_but_predicting_it_works(cls):
    X = np.full((3, 4, 2), np.nan)
    with pytest.raises(ValueError, match="X is empty: every sequence is NaN padding only"):
        cls(max_iter=1).fit(X, [0, 1, 0])
    X[:2, 1:] = 1.0
    est = cls(hidden_size=4, max_iter=1, random_state=0).fit(X, [0, 1, 0])
    assert est.predict(np.full((2, 4, 2), np.nan)).shape == (2,)


def test_a_sequence_of_padding_only_has_length_zero():
    X = np.ones((2, 3, 1))
    X[1] = np.nan
    sequences, _ = check_sequences(LSTMRegressor(), X)
    assert sequences.lengths.tolist() == [3, 0]
    assert np.isfinite(sequences.values).all()


@pytest.mark.parametrize(
    "X, match",
    [
        (np.zeros(5), r"1D array of shape \(5,\)"),
        (np.zeros((2, 2, 2, 2)), "4 dimensions"),
        (np.zeros((2, 0, 2)), "at least one time step"),
        (np.full((2, 3, 1), np.inf), "infinity"),
        (np.full((2, 3, 1), 1e300), "infinity"),
        (np.full((2, 3), np.nan), "NaN"),
        ([[[1.0], [2.0, 3.0]], [[1.0]]], "itself ragged"),
    ],
)
def test_bad_input_messages(X, match):
    with pytest.raises(ValueError, match=match):
        _, layout = check_sequences(LSTMRegressor(), X)


NAN_IN_2D = (
    r"Input X contains NaN \(sequence 1, time step 2\)\. A 2D X holds univariate "
    r"sequences .*only allowed as padding of 3D input.*np\.asarray\(X\)\[:, :, None\]"
)


def test_nan_in_2d_says_where_nan_is_allowed_at_fit_and_predict():
    X = np.ones((3, 4))
    X[1, 2] = np.nan
    for fit_X in (None, np.ones((3, 4)), np.ones((2, 5, 1))):  # fit; after a 2D / 3D fit
        est = LSTMRegressor()
        layout = None if fit_X is None else check_sequences(est, fit_X)[1]
        for bad in (X, pd.DataFrame(X)):
            with pytest.raises(ValueError, match=NAN_IN_2D) as info:
                check_sequences(est, bad, fitted=layout)
            assert "HistGradientBoosting" not in str(info.value)
    # infinity keeps scikit-learn's message (NaN is no padding there either)
    with pytest.raises(ValueError, match=r"Input X contains infinity or a value too large for dtype\('float32'\)"):
        check_sequences(LSTMRegressor(), np.where(np.isnan(X), np.inf, X))
    # the NaN-padded 3D array the message suggests is accepted
    padded = np.ones((2, 4))
    padded[1, 2:] = np.nan
    seqs, _ = check_sequences(LSTMRegressor(), padded[:, :, None])
    assert seqs.lengths.tolist() == [4, 2]


@pytest.mark.parametrize("X", [np.ones(5), [1.0, 2.0], pd.Series([1.0, 2.0, 3.0])])
def test_1d_says_what_to_pass_at_fit_and_predict(X):
    # "Reshape your data": the phrase scikit-learn's check_fit2d_predict1d expects
    message = (
        r"Expected sequences, got a 1D array of shape \(\d+,\)\. Reshape your data: "
        r"pass a 2D array \(n_samples, n_timesteps\).*X\[None, :\]"
    )
    with pytest.raises(ValueError, match=message) as info:
        check_sequences(LSTMRegressor(), X)
    assert "reshape(-1, 1)" not in str(info.value)
    for fit_X in (np.ones((3, 2)), np.ones((3, 2, 1)), [np.ones(3), np.ones(2)]):
        est = LSTMRegressor()
        _, layout = check_sequences(est, fit_X)
        with pytest.raises(ValueError, match=message):
            check_sequences(est, X, fitted=layout)


def test_empty_1d_x_says_it_holds_no_sequences():
    for X in ([], np.empty(0)):
        with pytest.raises(ValueError, match="X holds no sequences .*Pass at least one sequence"):
            check_sequences(LSTMRegressor(), X)


def test_dataframe_without_columns_is_refused_at_fit_and_predict():
    empty = pd.DataFrame(index=range(3))
    message = r"X is a DataFrame with no columns \(shape \(3, 0\)\); LSTMRegressor needs at least one"
    with pytest.raises(ValueError, match=message):
        check_sequences(LSTMRegressor(), empty)
    for fit_X in (np.ones((3, 2)), np.ones((3, 2, 1))):
        est = LSTMRegressor()
        _, layout = check_sequences(est, fit_X)
        with pytest.raises(ValueError, match=message):
            check_sequences(est, empty, fitted=layout)
    with pytest.raises(ValueError, match="no columns.*SlidingWindowTransformer needs at least one"):
        check_table(SlidingWindowTransformer(), empty, reset=True)
    # a numpy array without columns keeps scikit-learn's message (its estimator checks pin it)
    with pytest.raises(ValueError, match=r"0 feature\(s\) \(shape=\(3, 0\)\) while a minimum of 1"):
        check_sequences(LSTMRegressor(), np.ones((3, 0)))


@pytest.mark.parametrize(
    "make",
    [
        lambda: (row for row in np.ones((3, 4))),
        lambda: iter([np.ones(3), np.ones(2)]),
        lambda: map(np.ones, [3, 2]),
    ],
    ids=["generator", "list_iterator", "map"],
)
def test_one_pass_iterator_is_refused_with_what_to_pass(make):
    message = r"X is a \w+ \(a one-pass iterator\), not a list or an array.*list\(X\)"
    with pytest.raises(TypeError, match=message):
        check_sequences(LSTMRegressor(), make())
    with pytest.raises(TypeError, match=message):
        check_sequences(LSTMRegressor(), make(), tokens=True)
    est = LSTMRegressor()
    _, layout = check_sequences(est, [np.ones(3), np.ones(2)])
    with pytest.raises(TypeError, match=message):
        check_sequences(est, make(), fitted=layout)
    with pytest.raises(TypeError, match=message):
        check_table(SlidingWindowTransformer(), make(), reset=True)


@pytest.mark.parametrize(
    "y, where",
    [
        ([1.0, None, 2.0], "None at index 1"),
        (np.array([1.0, 2.0, None], dtype=object), "None at index 2"),
        ([[1.0, 2.0], [None, 3.0], [4.0, 5.0]], r"None at index \(1, 0\)"),
    ],
)
def test_regression_targets_with_none_say_they_are_missing(y, where):
    with pytest.raises(ValueError, match=rf"y holds missing or non-numeric values \({where}\)\. "
                       "LSTMRegressor needs a number for every sample") as info:
        check_regression_targets(LSTMRegressor(), y)
    assert "too large" not in str(info.value)


def test_read_only_input_is_copied_to_writeable():
    X = np.zeros((2, 3, 1), dtype=np.float32)
    X.setflags(write=False)
    seqs, layout = check_sequences(LSTMRegressor(), X)
    assert seqs.values.flags.writeable


def test_sample_weight_validation():
    assert check_sample_weight(None, 2).tolist() == [1.0, 1.0]
    with pytest.raises(ValueError, match="Negative values"):
        check_sample_weight([1.0, -1.0], 2)
    with pytest.raises(ValueError, match=r"sample_weight.shape == \(3,\), expected \(2,\)"):
        check_sample_weight([1.0, 1.0, 1.0], 2)
    with pytest.raises(ValueError, match="at least one non-zero"):
        check_sample_weight([0.0, 0.0], 2)


@pytest.mark.parametrize("weight", [np.nan, np.inf])
def test_non_finite_scalar_sample_weight_says_what_to_pass(weight):
    with pytest.raises(ValueError, match="NaN or infinity; pass finite, non-negative weights, or None"):
        check_sample_weight(weight, 2)


def test_ragged_list_is_padded_with_lengths():
    est = LSTMRegressor()
    X = [np.ones((3, 2)), np.ones((1, 2)) * 2, np.arange(10.0).reshape(5, 2)]
    seqs, layout = check_sequences(est, X)
    assert seqs.values.shape == (3, 5, 2) and seqs.lengths.tolist() == [3, 1, 5]
    assert layout == InputLayout("ragged", n_step_features=2)
    assert seqs.values[1, 1:].sum() == 0
    univariate, _ = check_sequences(LSTMRegressor(), [np.ones(4), np.ones(2)])
    assert univariate.values.shape == (2, 4, 1)
    as_object = np.empty(2, dtype=object)
    as_object[:] = [np.ones((2, 2)), np.ones((3, 2))]
    assert check_sequences(est, as_object, fitted=layout)[0].lengths.tolist() == [2, 3]


@pytest.mark.parametrize(
    "X, match",
    [
        ([np.ones((3, 2)), np.ones((2, 3))], "has 3 features per time step, but sequence 0 has 2"),
        ([np.ones((3, 2)), np.ones((0, 2))], "Sequence 1 of X is empty"),
        ([np.ones(3), np.array([1.0, np.nan])], "NaN or infinity at time step 1"),
        (
            [np.ones((4, 2)), np.ones((3, 2)), np.array([[1.0, 2], [3, 4], [5, np.nan]])],
            "Sequence 2 of X contains NaN or infinity at time step 2",
        ),
        ([np.ones(3), np.ones((2, 2, 2))], "must be \\(n_timesteps,\\)"),
        ([np.ones(3), ["a", "b"]], "cannot be converted to numbers"),
    ],
)
def test_ragged_errors(X, match):
    # the fit-time checks of a list (predict time: test_data_ragged.py)
    with pytest.raises(ValueError, match=match):
        _, layout = check_sequences(LSTMRegressor(), X)


def test_ragged_feature_count_checked_at_predict():
    est = LSTMRegressor()
    _, layout = check_sequences(est, [np.ones((3, 2)), np.ones((1, 2))])
    with pytest.raises(ValueError, match="3 features per time step.*expecting 2"):
        check_sequences(est, [np.ones((3, 3)), np.ones((1, 3))], fitted=layout)[0]


def test_leading_nan_padding_is_moved_to_the_front():
    X = np.arange(8.0).reshape(2, 4, 1)
    X[0, :2] = np.nan  # window-style padding at the start
    before = X.copy()
    seqs, layout = check_sequences(LSTMRegressor(), X)
    assert seqs.lengths.tolist() == [2, 4]
    assert seqs.values[0, :, 0].tolist() == [2.0, 3.0, 0.0, 0.0]
    np.testing.assert_array_equal(X, before)  # the caller's array is untouched


@pytest.mark.parametrize("bad", [np.inf, -np.inf, np.nan])
def test_finiteness_is_checked_block_by_block(monkeypatch, bad):
    # Large inputs are checked in blocks of rows (a small temporary); a bad
    # value in the last block must still be found, and only padding NaN passes.
    import sklstm._data._padding as padding

    monkeypatch.setattr(padding, "_FINITE_BLOCK", 8)  # 2 rows of 2x2 per block
    X = np.ones((7, 2, 2), np.float32)
    assert padding._all_finite(X)
    X[6, 1, 0] = bad
    assert not padding._all_finite(X)
    est = LSTMRegressor(max_iter=1, hidden_size=2)
    if np.isnan(bad):  # a partial NaN step inside a sequence
        with pytest.raises(ValueError, match="NaN inside sequence 6"):
            est.fit(X, np.ones(7))
    else:
        with pytest.raises(ValueError, match="infinity"):
            est.fit(X, np.ones(7))


def test_regression_targets_too_large_for_float32_error_without_a_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # numpy's overflow RuntimeWarning would fail here
        with pytest.raises(ValueError, match="too large for float32"):
            check_regression_targets(LSTMRegressor(), np.array([1.0, 1e300]))
        with pytest.raises(ValueError, match="infinity"):
            _, layout = check_sequences(LSTMRegressor(), np.full((2, 3, 1), 1e300))


@pytest.mark.parametrize(
    "X, remedy",
    [
        (np.ones((4, 3)), r"For a 2D table of time steps.*SlidingWindowTransformer.*X\[\.\.\., None\]"),
        (np.ones(4), r"Reshape X to \(n_samples, n_timesteps, n_features\)"),
        (np.ones((2, 3, 1, 1)), r"Reshape X"),
    ],
)
def test_not_3d_for_a_transformer_says_how_to_get_3d(X, remedy):
    with pytest.raises(ValueError, match=rf"got an array with {X.ndim} dimensions\. {remedy}"):
        check_padded_3d(SequenceScaler(), X, reset=True)


def test_ragged_refusals_share_one_check():
    ragged = [np.ones((3, 2)), np.ones((1, 2))]
    inner = [[[1.0], [2.0, 3.0]], [[1.0]]]  # a sequence that is itself ragged
    for X in (ragged, inner):
        with pytest.raises(ValueError, match="different lengths, but SequenceScaler needs a padded"):
            check_padded_3d(SequenceScaler(), X, reset=True)
        with pytest.raises(ValueError, match="different lengths, not a 3D padded array in layout 'nft'"):
            check_padded_3d(None, X, reset=False, layout="nft")
        with pytest.raises(ValueError, match="different lengths, but SlidingWindowTransformer needs one"):
            check_table(SlidingWindowTransformer(), X, reset=True)
    # plain arrays, object or not, are no ragged list
    assert check_table(SlidingWindowTransformer(), np.ones((3, 2)), reset=True).shape == (3, 2)


@pytest.mark.parametrize("layout", ["tnf", None, ["ntf"]])
def test_layout_is_checked_where_it_enters_the_data_layer(layout):
    message = r"layout must be 'ntf' \(n_samples, n_timesteps, n_features\) or 'nft'"
    with pytest.raises(ValueError, match=message):
        check_layout(layout)
    with pytest.raises(ValueError, match=message):
        check_padded_3d(None, [np.ones(2), np.ones(3)], reset=False, layout=layout)
    check_layout("ntf")
    check_layout("nft")
