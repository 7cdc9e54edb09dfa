"""sklstm._data._steps: where X's real steps are, y at those steps, and predictions back.

The per-step estimators pack X's real steps to the front for the network
(leading NaN padding and token id 0 are left out); these are the unit tests
of the alignment between the user's positions and the network's. The
estimator-level consequences (padding invariance, masked steps) are in
tests/test_step_classifier.py and tests/test_step_regressor.py.
"""

import numpy as np
import pytest

from sklstm._data._steps import check_step_targets, scatter_steps, step_positions

NAN = np.nan


def _padded_3d():
    """Three sequences of 4 steps: leading padding (2 steps), none, trailing (1 step)."""
    X = np.arange(24, dtype=np.float64).reshape(3, 4, 2)
    X[0, :2] = NAN
    X[2, 3] = NAN
    return X


# -- step_positions -----------------------------------------------------------------


def test_positions_of_nan_padded_3d_array():
    pos = step_positions(_padded_3d(), 3, tokens=False)
    assert pos.array
    assert pos.real.tolist() == [
        [False, False, True, True],
        [True, True, True, True],
        [True, True, True, False],
    ]
    assert pos.lengths.tolist() == [4, 4, 4]  # as given, padding included
    assert pos.n_real.tolist() == [2, 4, 3]


def test_positions_of_2d_array_are_all_real():
    pos = step_positions(np.zeros((2, 5)), 2, tokens=False)
    assert pos.array and pos.real.shape == (2, 5) and pos.real.all()
    assert pos.lengths.tolist() == [5, 5]


def test_positions_of_a_ragged_list():
    X = [np.zeros((3, 2)), np.zeros((1, 2)), np.zeros((4, 2))]
    pos = step_positions(X, 3, tokens=False)
    assert not pos.array
    assert pos.lengths.tolist() == [3, 1, 4]
    assert pos.real.tolist() == [
        [True, True, True, False],
        [True, False, False, False],
        [True, True, True, True],
    ]


def test_positions_of_an_object_array_of_sequences():
    X = np.empty(2, dtype=object)
    X[:] = [np.zeros(2), np.zeros(3)]
    pos = step_positions(X, 2, tokens=False)
    assert not pos.array
    assert pos.lengths.tolist() == [2, 3]
    assert pos.n_real.tolist() == [2, 3]


def test_token_zeros_are_padding_in_lists_and_arrays():
    lists = step_positions([np.array([3, 0, 2]), np.array([0, 1])], 2, tokens=True)
    assert not lists.array
    assert lists.real.tolist() == [[True, False, True], [False, True, False]]
    assert lists.lengths.tolist() == [3, 2]
    array = step_positions(np.array([[3, 0, 2], [1, 0, 0]]), 2, tokens=True)
    assert array.array
    assert array.real.tolist() == [[True, False, True], [True, False, False]]
    assert array.lengths.tolist() == [3, 3]


# -- check_step_targets ---------------------------------------------------------------


def test_targets_are_packed_past_leading_padding():
    X = _padded_3d()
    pos = step_positions(X, 3, tokens=False)
    y = np.array([[9.0, 9.0, 1.0, 2.0], [3.0, NAN, 4.0, 5.0], [6.0, 7.0, 8.0, 9.0]])
    t = check_step_targets(y, pos, 4, regression=True)
    # sequence 0: user steps 2, 3 are network steps 0, 1; its padding targets (9) are dropped;
    # sequence 1: step 1 is NaN (unlabelled); sequence 2: step 3 is padding (dropped)
    assert t.rows.tolist() == [0, 0, 1, 1, 1, 2, 2, 2]
    assert t.steps.tolist() == [0, 1, 0, 2, 3, 0, 1, 2]
    assert t.values.ravel().tolist() == [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]
    assert t.values.shape == (8, 1) and t.ndim == 1
    assert len(t) == 3 and t.n_steps == 4


def test_targets_past_the_network_length_are_dropped():
    X = _padded_3d()
    pos = step_positions(X, 3, tokens=False)
    y = np.arange(12, dtype=np.float64).reshape(3, 4)
    t = check_step_targets(y, pos, 2, regression=True)
    assert t.steps.max() < 2
    assert t.rows.tolist() == [0, 0, 1, 1, 2, 2]
    assert t.values.ravel().tolist() == [2.0, 3.0, 4.0, 5.0, 8.0, 9.0]


def test_token_zero_steps_are_unlabelled_and_packed():
    X = [np.array([5, 0, 6, 7]), np.array([0, 3])]
    pos = step_positions(X, 2, tokens=True)
    y = [np.array(["a", "z", "b", "c"]), np.array(["z", "d"])]
    t = check_step_targets(y, pos, 3, regression=False)
    assert t.rows.tolist() == [0, 0, 0, 1]
    assert t.steps.tolist() == [0, 1, 2, 0]
    assert t.values.tolist() == ["a", "b", "c", "d"]  # the labels at id 0 ("z") are gone


def test_ignore_label_and_missing_labels_are_unlabelled():
    X = [np.zeros((3, 1)), np.zeros((2, 1))]
    pos = step_positions(X, 2, tokens=False)
    y = [np.array([1, -1, 2]), np.array([-1, 3])]
    t = check_step_targets(y, pos, 3, regression=False, ignore_label=-1)
    assert t.rows.tolist() == [0, 0, 1] and t.steps.tolist() == [0, 2, 1]
    assert t.values.tolist() == [1, 2, 3]
    none = [np.array(["x", None, "y"], dtype=object), np.array([None, "x"], dtype=object)]
    t = check_step_targets(none, pos, 3, regression=False)
    assert t.rows.tolist() == [0, 0, 1] and t.steps.tolist() == [0, 2, 1]
    assert t.values.tolist() == ["x", "y", "x"]
    with_nan = np.array([[0.0, NAN, 1.0], [1.0, 0.0, 7.0]])  # a padded array y, list X
    t = check_step_targets(with_nan, pos, 3, regression=False)
    assert t.rows.tolist() == [0, 0, 1, 1] and t.steps.tolist() == [0, 2, 0, 1]
    assert t.values.tolist() == [0.0, 1.0, 1.0, 0.0]  # the 7 past sequence 1's end is ignored


def test_nan_elements_of_several_outputs():
    X = np.zeros((2, 3, 1))
    pos = step_positions(X, 2, tokens=False)
    y = np.zeros((2, 3, 2))
    y[0, 0] = [NAN, 1.0]  # one element missing: the step stays, its NaN stays
    y[0, 1] = NAN  # both missing: the step is unlabelled
    t = check_step_targets(y, pos, 3, regression=True)
    assert t.ndim == 2
    assert t.rows.tolist() == [0, 0, 1, 1, 1] and t.steps.tolist() == [0, 2, 0, 1, 2]
    assert t.values.shape == (5, 2)
    assert np.isnan(t.values[0, 0]) and t.values[0, 1] == 1.0
    assert not np.isnan(t.values[1:]).any()
    lists = check_step_targets(list(y), step_positions(list(X), 2, tokens=False), 3,
                               regression=True)
    assert lists.rows.tolist() == t.rows.tolist() and lists.steps.tolist() == t.steps.tolist()
    np.testing.assert_array_equal(lists.values, t.values)


@pytest.mark.parametrize("y, match", [
    (None, "requires y"),
    ("abc", "got a string"),
    (np.zeros(2), r"got an array of shape \(2,\)"),
    ([0, 1], "a list of scalars"),
    (np.zeros((2, 4, 1)), r"got an array of shape \(2, 4, 1\)"),
    ([np.zeros(4), np.zeros(3)], "Sequence 1 of y has 3 steps, but sequence 1 of X has 4"),
    ([np.zeros((4, 2)), np.zeros((4, 2))], r"sequences of \[2\] dimensions"),
    (np.zeros((2, 3)), "y has 3 steps per sequence, but X has 4"),
    (np.zeros((3, 4)), "y has 3 sequences, but X has 2"),
    (np.array([[0.5, 1.5, 2.5, 3.5]] * 2), "Unknown label type: continuous"),
])
def test_bad_classification_targets(y, match):
    pos = step_positions(np.zeros((2, 4, 1)), 2, tokens=False)
    with pytest.raises(ValueError, match=match):
        check_step_targets(y, pos, 4, regression=False)


@pytest.mark.parametrize("y, match", [
    (np.zeros((2, 4, 2, 1)), r"got an array of shape \(2, 4, 2, 1\)"),
    ([np.zeros((4, 2)), np.zeros((4, 3))], "different numbers of outputs"),
    ([np.zeros(4), np.zeros((4, 1))], r"sequences of \[1, 2\] dimensions"),
    (np.full((2, 4), np.inf), "infinity"),
    (np.array([["a"] * 4] * 2), "must hold numbers"),
])
def test_bad_regression_targets(y, match):
    pos = step_positions(np.zeros((2, 4, 1)), 2, tokens=False)
    with pytest.raises(ValueError, match=match):
        check_step_targets(y, pos, 4, regression=True)


def test_array_y_for_list_x_needs_the_longest_length():
    pos = step_positions([np.zeros(2), np.zeros(5)], 2, tokens=False)
    with pytest.raises(ValueError, match="the longest sequence of X has 5"):
        check_step_targets(np.zeros((2, 4)), pos, 5, regression=True)
    t = check_step_targets(np.ones((2, 7)), pos, 5, regression=True)  # longer: cut
    assert t.rows.tolist() == [0, 0, 1, 1, 1, 1, 1]


@pytest.mark.parametrize("n_y", [1, 3])
def test_list_y_with_another_number_of_sequences_is_refused(n_y):
    pos = step_positions([np.zeros(2), np.zeros(3)], 2, tokens=False)
    y = [np.zeros(2), np.zeros(3), np.zeros(1)][:n_y]
    with pytest.raises(ValueError, match=f"y has {n_y} sequences, but X has 2"):
        check_step_targets(y, pos, 3, regression=True)


def test_labels_of_mixed_types_are_refused():
    pos = step_positions(np.zeros((1, 4, 1)), 1, tokens=False)
    y = np.array([["a", 0, "a", 0]], dtype=object)
    with pytest.raises(TypeError, match="mix types"):
        check_step_targets(y, pos, 4, regression=False)


# -- scatter_steps --------------------------------------------------------------------


def test_scatter_back_to_a_padded_array():
    pos = step_positions(_padded_3d(), 3, tokens=False)
    outputs = np.arange(12, dtype=np.float64).reshape(3, 4) + 1  # network positions
    result = scatter_steps(outputs, pos, NAN)
    assert result.dtype == np.float64 and result.shape == (3, 4)
    np.testing.assert_array_equal(result, [[NAN, NAN, 1, 2], [5, 6, 7, 8], [9, 10, 11, NAN]])


def test_scatter_keeps_trailing_dimensions():
    pos = step_positions(_padded_3d(), 3, tokens=False)
    outputs = np.ones((3, 4, 2))
    result = scatter_steps(outputs, pos, NAN)
    assert result.shape == (3, 4, 2)
    assert np.isnan(result[0, :2]).all() and np.isnan(result[2, 3]).all()
    assert (result[pos.real] == 1).all()


def test_scatter_back_to_lists():
    pos = step_positions([np.array([4, 0, 5]), np.array([6])], 2, tokens=True)
    outputs = np.array([[10, 20, 30], [40, 50, 60]])
    result = scatter_steps(outputs, pos, -1)
    assert isinstance(result, list) and len(result) == 2
    assert result[0].tolist() == [10, -1, 20] and result[1].tolist() == [40]
    assert result[0].dtype == result[1].dtype == np.int64


@pytest.mark.parametrize("outputs, fill, dtype", [
    (np.array([[1, 2]]), None, object),
    (np.array([[1, 2]]), -1, np.int64),
    (np.array([[1.5, 2.5]]), NAN, np.float64),
    (np.array([["ab", "cd"]]), "?", np.dtype("<U2")),
    (np.array([["a", "b"]]), "pad", np.dtype("<U3")),  # room for the fill
])
def test_scatter_fill_dtypes(outputs, fill, dtype):
    pos = step_positions(np.array([[7, 0, 8]]), 1, tokens=True)
    result = scatter_steps(outputs, pos, fill)
    assert result.dtype == dtype
    assert result[0, 0] == outputs[0, 0] and result[0, 2] == outputs[0, 1]
    if fill is None:
        assert result[0, 1] is None
    elif fill != fill:
        assert np.isnan(result[0, 1])
    else:
        assert result[0, 1] == fill


def test_scatter_of_ints_with_a_string_fill_keeps_the_ints():
    pos = step_positions(np.array([[7, 0, 8]]), 1, tokens=True)
    result = scatter_steps(np.array([[1, 2]]), pos, "pad")
    assert result[0, 1] == "pad"
    assert result[0, 0] == 1 and result[0, 2] == 2  # the labels themselves, not '1', '2'


def test_scatter_without_padding_keeps_the_outputs_dtype():
    pos = step_positions(np.zeros((2, 3)), 2, tokens=False)
    outputs = np.array([["a", "b", "c"], ["d", "e", "f"]])
    result = scatter_steps(outputs, pos, None)
    assert result.dtype == outputs.dtype
    np.testing.assert_array_equal(result, outputs)
    # the network's batch may be longer than X (predicted with others): cut to X's steps
    assert scatter_steps(np.zeros((2, 5)), pos, None).shape == (2, 3)


def test_scatter_round_trip_of_targets():
    """check_step_targets then scatter_steps puts every label back where it was."""
    X = _padded_3d()
    pos = step_positions(X, 3, tokens=False)
    y = np.arange(12, dtype=np.float64).reshape(3, 4)
    t = check_step_targets(y, pos, 4, regression=True)
    packed = np.full((3, 4), -5.0)
    packed[t.rows, t.steps] = t.values[:, 0]
    back = scatter_steps(packed, pos, NAN)
    np.testing.assert_array_equal(back[pos.real], y[pos.real])
    assert np.isnan(back[~pos.real]).all()


def test_check_prompt_reads_ids_and_values_against_the_layout():
    from sklstm._data import InputLayout
    from sklstm._data._steps import check_prompt

    tokens = InputLayout("tokens", 1, n_tokens=5)
    ids, one = check_prompt([1, 4], tokens)
    assert ids.dtype == np.int64 and ids.tolist() == [1, 4] and not one
    for bad, match in (([0, 1], "outside 1..4"), ([5], "outside 1..4"),
                       ([1.5], "token ids"), ([], "non-empty")):
        with pytest.raises(ValueError, match=match):
            check_prompt(bad, tokens)
    values = InputLayout("3d", n_step_features=2)
    out, one = check_prompt(np.ones((3, 2)), values)
    assert out.dtype == np.float32 and out.shape == (3, 2) and not one
    for bad, match in ((np.ones((3, 1)), r"\(n_steps, 2\)"), ([[np.nan, 1.0]], "NaN"),
                       ([["a", "b"]], "numbers")):
        with pytest.raises(ValueError, match=match):
            check_prompt(bad, values)


def test_labelled_mask_is_the_rule_the_metrics_share():
    from sklstm._data._steps import labelled_mask
    from sklstm.metrics import flatten_steps

    y = np.array([[1, None, -1], [2, 3, float("nan")]], dtype=object)
    assert labelled_mask(y, -1).tolist() == [[True, False, False], [True, True, False]]
    true, _, _ = flatten_steps(list(y), [np.zeros(3), np.zeros(3)], ignore_label=-1)
    assert true.tolist() == [1, 2, 3]
