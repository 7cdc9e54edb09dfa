"""Converters between long tables, ragged lists and padded 3D arrays."""

import numpy as np
import pandas as pd
import pytest

from sklstm.preprocessing import from_long, from_padded, to_long, to_padded

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def _sequences(n_features=2, lengths=(3, 1, 5, 2), seed=0):
    rng = np.random.default_rng(seed)
    return [rng.normal(size=(T, n_features)) for T in lengths]


def _assert_sequences_equal(actual, expected):
    assert len(actual) == len(expected)
    for a, e in zip(actual, expected):
        e = np.asarray(e, dtype=np.float64)
        e = e[:, None] if e.ndim == 1 else e
        assert a.shape == e.shape
        np.testing.assert_array_equal(a, e)


# -- long tables -----------------------------------------------------------------------------


def test_from_long_sorts_rows_by_id_and_time():
    df = pd.DataFrame(
        {
            "id": ["b", "a", "a", "b", "b", "c"],
            "t": [2, 1, 0, 0, 1, 7],
            "x": [5.0, 2.0, 1.0, 3.0, 4.0, 9.0],
            "z": [50.0, 20.0, 10.0, 30.0, 40.0, 90.0],
        }
    )
    seqs, ids = from_long(df, "id", "t", ["x", "z"])
    assert ids.tolist() == ["a", "b", "c"]
    assert all(s.dtype == np.float64 for s in seqs)
    _assert_sequences_equal(
        seqs,
        [[[1, 10], [2, 20]], [[3, 30], [4, 40], [5, 50]], [[9, 90]]],
    )
    one, _ = from_long(df, "id", "t", "x")  # a single column name
    _assert_sequences_equal(one, [[1.0, 2.0], [3.0, 4.0, 5.0], [9.0]])
    # the caller's frame is not reordered
    assert df["t"].tolist() == [2, 1, 0, 0, 1, 7]


def test_from_long_orders_by_time_value_not_position():
    df = pd.DataFrame({"id": [1, 1, 1], "t": [10.5, -3.0, 2.0], "x": [3.0, 1.0, 2.0]})
    seqs, ids = from_long(df, "id", "t", ["x"])
    assert ids.tolist() == [1]
    _assert_sequences_equal(seqs, [[1.0, 2.0, 3.0]])


def test_from_long_categorical_ids_give_only_the_ids_present():
    # an unused category is no sequence (pandas 2 groups categoricals over all categories by default)
    ids = pd.Categorical(["b", "a", "b"], categories=["a", "b", "unused"])
    df = pd.DataFrame({"id": ids, "t": [0, 0, 1], "x": [1.0, 2.0, 3.0]})
    seqs, got = from_long(df, "id", "t", ["x"])
    assert list(got) == ["a", "b"]
    assert [s[:, 0].tolist() for s in seqs] == [[2.0], [1.0, 3.0]]


def test_to_long_layout():
    df = to_long([np.array([1.0, 2.0]), np.array([3.0])], ids=["a", "b"])
    assert list(df.columns) == ["id", "time", "x0"]
    assert df["id"].tolist() == ["a", "a", "b"]
    assert df["time"].tolist() == [0, 1, 0]
    assert df["x0"].tolist() == [1.0, 2.0, 3.0]
    named = to_long(
        [np.ones((2, 2))], value_cols=["u", "v"], id_col="series", time_col="step"
    )
    assert list(named.columns) == ["series", "step", "u", "v"]
    assert named["series"].tolist() == [0, 0]
    with pytest.raises(ValueError, match="2 ids for 1 sequences"):
        to_long([np.ones(3)], ids=["a", "b"])


@pytest.mark.parametrize(
    "ids, error, match",
    [
        (5, TypeError, "got int 5; pass one id per sequence"),
        ("ab", TypeError, "got str 'ab'; pass one id per sequence"),
        (np.array([[1], [2]]), ValueError, r"ids must be 1D.*shape \(2, 1\)"),
    ],
)
def test_to_long_ids_that_are_not_one_flat_list_are_refused(ids, error, match):
    with pytest.raises(error, match=match):
        to_long([np.ones(3), np.ones(2)], ids=ids)


def test_to_long_value_cols_must_name_every_feature():
    with pytest.raises(ValueError) as info:
        to_long([np.ones((2, 3))], value_cols=["u", "v"])
    message = str(info.value)
    assert "Got 2 value_cols ['u', 'v'] for sequences with 3 features per time step" in message
    assert "one column name per feature" in message and "Shape of passed values" not in message
    with pytest.raises(ValueError, match="Got 3 value_cols"):
        to_long([np.ones(2)], value_cols=["u", "v", "w"])
    # a single name for univariate sequences, as in from_long
    assert list(to_long([np.ones(2)], value_cols="u").columns) == ["id", "time", "u"]


@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"value_cols": ["time"]}, "'time'"),
        ({"id_col": "x0"}, "'x0'"),
        ({"id_col": "k", "time_col": "k"}, "'k'"),
    ],
)
def test_to_long_column_names_must_differ(kwargs, name):
    with pytest.raises(ValueError, match=f"The column name {name} is used twice"):
        to_long([np.ones(2)], **kwargs)


@pytest.mark.parametrize("ids", [None, ["s1", "s2", "s3", "s4"], [40, 10, 30, 20]])
def test_long_round_trip(ids):
    seqs = _sequences()
    df = to_long(seqs, ids=ids)
    # shuffle the rows: from_long must restore the order within each sequence
    shuffled = df.sample(frac=1.0, random_state=0)
    assert not shuffled.index.equals(df.index)
    back, back_ids = from_long(shuffled, "id", "time", ["x0", "x1"])
    expected_ids = list(range(len(seqs))) if ids is None else ids
    order = sorted(range(len(seqs)), key=lambda i: expected_ids[i])  # ids come back sorted
    assert back_ids.tolist() == [expected_ids[i] for i in order]
    _assert_sequences_equal(back, [seqs[i] for i in order])
    # and the other way round
    again = to_long(back, ids=back_ids)
    pd.testing.assert_frame_equal(
        again.reset_index(drop=True),
        df.sort_values(["id", "time"], kind="stable").reset_index(drop=True),
        check_dtype=False,
    )


def test_from_long_duplicated_time_names_the_first_pair_and_both_remedies_work():
    df = pd.DataFrame(
        {"id": ["b", "a", "b", "a", "b"], "t": [1, 0, 1, 1, 2], "x": [1.0, 2.0, 3.0, 4.0, 5.0]},
        index=[20, 21, 22, 23, 24],
    )
    with pytest.raises(ValueError) as info:
        from_long(df, "id", "t", ["x"])
    message = str(info.value)
    assert "The first is ('b', 1), in the rows with index labels 20, 22" in message
    assert "df.drop_duplicates(subset=['id', 't'])" in message
    assert "df.groupby(['id', 't'], as_index=False)[['x']].mean()" in message
    # what the message suggests, run as written, gives a valid table
    kept, _ = from_long(df.drop_duplicates(subset=["id", "t"]), "id", "t", ["x"])
    _assert_sequences_equal(kept, [[2.0, 4.0], [1.0, 5.0]])
    averaged, _ = from_long(df.groupby(["id", "t"], as_index=False)[["x"]].mean(), "id", "t", ["x"])
    _assert_sequences_equal(averaged, [[2.0, 4.0], [2.0, 5.0]])
    # the same time in different sequences is fine
    ok = pd.DataFrame({"id": ["a", "b"], "t": [0, 0], "x": [1.0, 2.0]})
    assert len(from_long(ok, "id", "t", ["x"])[0]) == 2


def test_from_long_needs_a_dataframe():
    with pytest.raises(TypeError, match=r"from_long needs a pandas DataFrame .* got ndarray"):
        from_long(np.zeros((3, 3)), 0, 1, [2])


@pytest.mark.parametrize(
    "column, shown",
    [
        (["1.5", "oops", "2"], "index label 1 holds 'oops'"),
        ([1.0, {"a": 1}, 2.0], "index label 1 holds {'a': 1}"),
    ],
)
def test_from_long_non_numeric_value_column_is_named(column, shown):
    df = pd.DataFrame({"id": [0, 0, 1], "t": [0, 1, 0], "x": [1.0, 2.0, 3.0], "s": column})
    with pytest.raises(ValueError) as info:
        from_long(df, "id", "t", ["x", "s"])
    message = str(info.value)
    assert f"Value column 's' holds values that are not numbers ({shown})" in message
    assert "pd.to_numeric(df['s'], errors='coerce')" in message and "leave it out" in message
    # the suggested conversion works: non-numbers become NaN
    fixed = df.assign(s=pd.to_numeric(df["s"], errors="coerce"))
    seqs, _ = from_long(fixed, "id", "t", ["x", "s"])
    assert np.isnan(seqs[0][1, 1]) and seqs[1][0, 1] == 2.0


def test_from_long_numeric_strings_and_nullable_missing_values_are_read():
    df = pd.DataFrame(
        {
            "id": [0, 0, 1],
            "t": [0, 1, 0],
            "s": ["1.5", "2", "3"],
            "n": pd.array([1.0, None, 3.0], dtype="Float64"),
        }
    )
    seqs, _ = from_long(df, "id", "t", ["s", "n"])
    _assert_sequences_equal(seqs, [[[1.5, 1.0], [2.0, np.nan]], [[3.0, 3.0]]])


@pytest.mark.parametrize("missing", [np.nan, None, pd.NA])
def test_from_long_missing_id_is_an_error_not_a_dropped_row(missing):
    df = pd.DataFrame(
        {"key": ["a", missing, "a", missing, "b"], "t": [0, 0, 1, 1, 0], "x": [1.0, 2, 3, 4, 5]},
        index=[10, 11, 12, 13, 14],
    )
    with pytest.raises(ValueError) as info:
        from_long(df, "key", "t", ["x"])
    message = str(info.value)
    assert "2 of 5 rows have a missing value in id_col column 'key'" in message
    assert "index labels 11, 13" in message
    assert "dropna(subset=['key'])" in message and "fillna" in message
    # nullable integer ids too; dropping the rows as told makes it work
    ids = pd.array([7, None, 7], dtype="Int64")
    df = pd.DataFrame({"id": ids, "t": [0, 0, 1], "x": [1.0, 2, 3]})
    with pytest.raises(ValueError, match="1 of 3 rows have a missing value in id_col column 'id'"):
        from_long(df, "id", "t", ["x"])
    seqs, ids = from_long(df.dropna(subset=["id"]), "id", "t", ["x"])
    assert ids.tolist() == [7]
    _assert_sequences_equal(seqs, [[1.0, 3.0]])


def test_from_long_missing_time_is_an_error_not_a_guessed_order():
    df = pd.DataFrame({"id": ["a"] * 8, "t": [0.0] + [np.nan] * 7, "x": np.arange(8.0)})
    with pytest.raises(ValueError) as info:
        from_long(df, "id", "t", ["x"])
    message = str(info.value)
    assert "7 of 8 rows have a missing value in time_col column 't'" in message
    assert "index labels 1, 2, 3, 4, 5, ..." in message
    assert "place within their sequence is unknown" in message


@pytest.mark.parametrize(
    "args, missing",
    [(("id", "t", ["x", "nope"]), "nope"), (("key", "t", ["x"]), "key"), (("id", "time", ["x"]), "time")],
)
def test_from_long_missing_column_is_an_error(args, missing):
    df = pd.DataFrame({"id": [0], "t": [0], "x": [1.0]})
    match = rf"Columns \['{missing}'\] are not in the DataFrame"
    with pytest.raises(ValueError, match=match) as info:
        from_long(df, *args)
    assert "its columns are ['id', 't', 'x']" in str(info.value)
    assert "naming columns of the DataFrame" in str(info.value)


# -- padded arrays ----------------------------------------------------------------------------


def test_to_padded_ntf_pads_with_nan_after_each_sequence():
    seqs = _sequences()
    X = to_padded(seqs)
    assert X.shape == (4, 5, 2) and X.dtype == np.float64
    for i, s in enumerate(seqs):
        np.testing.assert_array_equal(X[i, : len(s)], s)
        assert np.isnan(X[i, len(s):]).all()


def test_to_padded_nft_is_sktime_layout():
    seqs = _sequences(n_features=3)
    X = to_padded(seqs, layout="nft")
    assert X.shape == (4, 3, 5)  # (n_instances, n_channels, n_timepoints)
    np.testing.assert_array_equal(X, to_padded(seqs).transpose(0, 2, 1))
    assert X.flags.c_contiguous
    np.testing.assert_array_equal(X[2, :, :], seqs[2].T)


@pytest.mark.parametrize("layout", ["ntf", "nft"])
def test_padded_round_trip(layout):
    seqs = _sequences(n_features=3, lengths=(4, 1, 6, 6, 2))
    back = from_padded(to_padded(seqs, layout=layout), layout=layout)
    _assert_sequences_equal(back, seqs)


@pytest.mark.parametrize("layout", ["ntf", "nft"])
def test_padded_round_trip_univariate(layout):
    seqs = [np.array([1.0, 2.0, 3.0]), np.array([4.0])]
    X = to_padded(seqs, layout=layout)
    assert X.shape == ((2, 3, 1) if layout == "ntf" else (2, 1, 3))
    _assert_sequences_equal(from_padded(X, layout=layout), seqs)


def test_from_padded_removes_leading_padding_too():
    X = np.full((2, 5, 2), np.nan)
    X[0, 1:4] = [[1, 2], [3, 4], [5, 6]]
    X[1, :] = np.arange(10).reshape(5, 2)
    back = from_padded(X)
    _assert_sequences_equal(back, [[[1, 2], [3, 4], [5, 6]], np.arange(10).reshape(5, 2)])
    back_nft = from_padded(X.transpose(0, 2, 1), layout="nft")
    _assert_sequences_equal(back_nft, back)


def test_from_padded_nan_inside_a_sequence_is_an_error():
    X = to_padded(_sequences())
    X[2, 1, 0] = np.nan
    with pytest.raises(ValueError, match="NaN inside sequence 2"):
        from_padded(X)


def test_fill_value():
    seqs = [np.array([1.0, 2.0]), np.array([3.0])]
    X = to_padded(seqs, fill_value=-1.0)
    np.testing.assert_array_equal(X[:, :, 0], [[1.0, 2.0], [3.0, -1.0]])
    X0 = to_padded(seqs, fill_value=0.0, layout="nft")
    np.testing.assert_array_equal(X0[:, 0, :], [[1.0, 2.0], [3.0, 0.0]])
    assert not np.isnan(X0).any()


def test_max_length():
    seqs = [np.array([1.0, 2.0]), np.array([3.0])]
    X = to_padded(seqs, max_length=4)
    assert X.shape == (2, 4, 1)
    assert np.isnan(X[0, 2:]).all() and np.isnan(X[1, 1:]).all()
    assert to_padded(seqs, max_length=4, layout="nft").shape == (2, 1, 4)
    assert to_padded(seqs, max_length=2).shape == (2, 2, 1)  # exactly the longest
    _assert_sequences_equal(from_padded(X), seqs)
    with pytest.raises(ValueError, match=r"2 steps, more than max_length=1"):
        to_padded(seqs, max_length=1)


@pytest.mark.parametrize("layout", ["tnf", "NTF", None, "nf"])
def test_invalid_layout_names_both_layouts(layout):
    seqs = [np.ones((2, 1))]
    for call in (lambda: to_padded(seqs, layout=layout),
                 lambda: from_padded(np.ones((1, 2, 1)), layout=layout)):
        with pytest.raises(ValueError, match="layout") as info:
            call()
        assert "'ntf'" in str(info.value) and "'nft'" in str(info.value)


@pytest.mark.parametrize("shape", [(3,), (3, 4), (2, 3, 4, 1)])
def test_from_padded_needs_a_3d_array(shape):
    with pytest.raises(ValueError, match=r"X must be a 3D padded array"):
        from_padded(np.zeros(shape))


@pytest.mark.parametrize(
    "layout, feature_axis", [("ntf", "X[..., None]"), ("nft", "X[:, None, :]")]
)
def test_from_padded_2d_says_how_to_add_the_feature_axis(layout, feature_axis):
    X = np.ones((3, 4))
    with pytest.raises(ValueError) as info:
        from_padded(X, layout=layout)
    assert f"add the feature axis with {feature_axis}" in str(info.value)
    # the remedy, run as written, works
    fixed = X[..., None] if layout == "ntf" else X[:, None, :]
    _assert_sequences_equal(from_padded(fixed, layout=layout), [np.ones(4)] * 3)


@pytest.mark.parametrize("layout", ["ntf", "nft"])
def test_from_padded_refuses_a_ragged_list(layout):
    with pytest.raises(ValueError) as info:
        from_padded([np.ones((2, 1)), np.ones((3, 1))], layout=layout)
    message = str(info.value)
    assert f"not a 3D padded array in layout '{layout}'" in message
    assert "nothing to unpad" in message and "inhomogeneous" not in message
    # a list of equal-shape sequences is a 3D array
    equal = from_padded([np.ones((2, 1)), np.zeros((2, 1))])
    _assert_sequences_equal(equal, [[1.0, 1.0], [0.0, 0.0]])


@pytest.mark.parametrize(
    "X, error",
    [
        (np.array([[["1.0"], ["x"]]]), ValueError),
        ([[["a"]]], ValueError),
        (np.array([[[{}]]], dtype=object), TypeError),
    ],
)
def test_from_padded_refuses_values_that_are_not_numbers(X, error):
    with pytest.raises(error) as info:
        from_padded(X)
    assert str(info.value).startswith("X holds values that are not numbers (")
    assert "Tokenizer" in str(info.value)


def test_from_padded_reads_numbers_given_as_strings_or_objects():
    _assert_sequences_equal(from_padded(np.array([[["1.5"], ["2"]]])), [[1.5, 2.0]])
    as_object = np.array([[[1.0], [np.nan]], [[2.0], [3.0]]], dtype=object)
    _assert_sequences_equal(from_padded(as_object), [[1.0], [2.0, 3.0]])


@pytest.mark.parametrize(
    "layout, shape", [("ntf", (2, 0, 1)), ("nft", (2, 1, 0)), ("nft", (2, 0, 3))]
)
def test_from_padded_needs_a_time_step_and_a_feature(layout, shape):
    with pytest.raises(ValueError, match=r"needs at least one time step and one feature"):
        from_padded(np.zeros(shape), layout=layout)
    assert from_padded(np.zeros((0, 2, 1))) == []  # no sequences: nothing to unpad


def test_from_padded_infinity_message_says_what_to_do():
    X = np.ones((2, 3, 1))
    X[1, 2, 0] = -np.inf
    with pytest.raises(ValueError) as info:
        from_padded(X)
    message = str(info.value)
    assert "contains infinity" in message and "Scale or clip" in message
    assert "only NaN marks padding" in message


@pytest.mark.parametrize("call", [to_padded, to_long])
@pytest.mark.parametrize("bad", [5, "abc", pd.DataFrame({"a": [1.0]})])
def test_converters_need_a_list_of_sequences(call, bad):
    with pytest.raises(TypeError, match=rf"{call.__name__} needs a list of sequences"):
        call(bad)


def test_to_padded_points_a_dataframe_to_from_long():
    with pytest.raises(TypeError, match="use from_long"):
        to_padded(pd.DataFrame({"id": [0], "t": [0], "x": [1.0]}))


@pytest.mark.parametrize("max_length", [0, -1, 2.5, True, "3"])
def test_to_padded_max_length_must_be_a_positive_integer(max_length):
    with pytest.raises(ValueError, match=r"max_length must be a positive integer or None"):
        to_padded([np.ones(2)], max_length=max_length)
    assert to_padded([np.ones(2)], max_length=np.int64(3)).shape == (1, 3, 1)


def test_to_padded_inconsistent_features_or_empty_is_an_error():
    with pytest.raises(ValueError, match="Sequence 1 of X has 3 features per time step"):
        to_padded([np.ones((2, 2)), np.ones((2, 3))])
    with pytest.raises(ValueError, match="at least one sequence"):
        to_padded([])


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: to_long([]), "to_long needs at least one sequence"),
        (lambda: to_long([np.array(["a", "b"])]), "cannot be converted to numbers"),
        (lambda: to_padded([np.ones(2), np.array([])]), "Sequence 1 of X is empty"),
        (lambda: to_padded([np.array([1.0, np.inf])]), "NaN or infinity"),
        (lambda: to_padded([np.ones(3)], max_length=2), "raise max_length"),
        (lambda: from_padded(np.full((1, 2, 1), np.inf)), "only NaN marks padding"),
    ],
)
def test_converters_refuse_bad_sequences_with_a_remedy(call, message):
    # the same rules as the estimators' own input checks (the data layer)
    with pytest.raises(ValueError, match=message):
        call()
