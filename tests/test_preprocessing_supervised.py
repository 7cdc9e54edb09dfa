"""make_supervised: targets horizon steps ahead, aligned on the forecast origin."""

import numpy as np
import pandas as pd
import pytest

from sklstm import make_supervised


def _series():
    index = pd.period_range("2020-01", periods=6, freq="M")
    return pd.Series([10.0, 11.0, 12.0, 13.0, 14.0, 15.0], index=index, name="sales")


def test_horizon_1_series():
    s = _series()
    X, y = make_supervised(s)
    assert isinstance(X, pd.DataFrame) and isinstance(y, pd.Series)
    assert X.columns.tolist() == ["sales"]
    assert X["sales"].tolist() == [10.0, 11.0, 12.0, 13.0, 14.0]
    assert y.tolist() == [11.0, 12.0, 13.0, 14.0, 15.0]
    assert y.name == "sales"
    assert X.index.equals(s.index[:5])
    assert y.index.equals(X.index)


def test_horizon_3_series():
    s = _series()
    X, y = make_supervised(s, horizon=3)
    assert len(X) == len(y) == 3
    assert X["sales"].tolist() == [10.0, 11.0, 12.0]
    assert y.tolist() == [13.0, 14.0, 15.0]
    assert X.index.equals(s.index[:3])
    assert y.index.equals(X.index)
    # The target of origin t is the value at t + 3.
    for origin, value in y.items():
        assert s[origin + 3] == value


def test_horizon_3_multi_output():
    s = _series()
    X, Y = make_supervised(s, horizon=3, multi_output=True)
    assert isinstance(Y, pd.DataFrame)
    assert Y.columns.tolist() == ["sales+1", "sales+2", "sales+3"]
    np.testing.assert_array_equal(
        Y.to_numpy(), [[11.0, 12.0, 13.0], [12.0, 13.0, 14.0], [13.0, 14.0, 15.0]]
    )
    assert X["sales"].tolist() == [10.0, 11.0, 12.0]
    assert Y.index.equals(X.index)
    assert X.index.equals(s.index[:3])


def test_horizon_1_multi_output():
    X, Y = make_supervised(_series(), horizon=1, multi_output=True)
    assert isinstance(Y, pd.DataFrame)
    assert Y.columns.tolist() == ["sales+1"]
    assert Y["sales+1"].tolist() == [11.0, 12.0, 13.0, 14.0, 15.0]
    assert Y.index.equals(X.index)


def test_numpy_integer_horizon_is_accepted():
    X, y = make_supervised(_series(), horizon=np.int64(2))
    assert y.tolist() == [12.0, 13.0, 14.0, 15.0]


def _frame():
    index = pd.date_range("2021-03-01", periods=5, freq="D")
    return pd.DataFrame(
        {"temp": [1.0, 2.0, 3.0, 4.0, 5.0], "load": [50.0, 60.0, 70.0, 80.0, 90.0]},
        index=index,
    )


def test_dataframe_with_target():
    df = _frame()
    X, y = make_supervised(df, target="load", horizon=2)
    assert X.columns.tolist() == ["temp", "load"]  # every column stays a feature
    pd.testing.assert_frame_equal(X, df.iloc[:3])
    assert y.tolist() == [70.0, 80.0, 90.0]
    assert y.name == "load"
    assert y.index.equals(df.index[:3])

    X, Y = make_supervised(df, target="temp", horizon=2, multi_output=True)
    assert Y.columns.tolist() == ["temp+1", "temp+2"]
    np.testing.assert_array_equal(Y.to_numpy(), [[2.0, 3.0], [3.0, 4.0], [4.0, 5.0]])
    assert Y.index.equals(df.index[:3])


def test_dataframe_with_several_columns_needs_target():
    with pytest.raises(ValueError, match="target="):
        make_supervised(_frame())


def test_dataframe_unknown_target_names_the_columns_to_pick_from():
    with pytest.raises(ValueError, match=r"'price' is not a column of data; pass one of \['temp', 'load'\]"):
        make_supervised(_frame(), target="price")


def test_one_column_dataframe_needs_no_target():
    X, y = make_supervised(_frame()[["load"]], horizon=4)
    assert X["load"].tolist() == [50.0]
    assert y.tolist() == [90.0]


def test_numpy_2d_with_target_position():
    data = np.column_stack([np.arange(6.0), 100.0 + np.arange(6.0)])
    X, y = make_supervised(data, target=1, horizon=2)
    assert isinstance(X, np.ndarray) and isinstance(y, np.ndarray)
    np.testing.assert_array_equal(X, data[:4])
    np.testing.assert_array_equal(y, [102.0, 103.0, 104.0, 105.0])
    assert y.shape == (4,)

    X, Y = make_supervised(data, target=0, horizon=2, multi_output=True)
    np.testing.assert_array_equal(X, data[:4])
    np.testing.assert_array_equal(Y, [[1.0, 2.0], [2.0, 3.0], [3.0, 4.0], [4.0, 5.0]])

    _, y_last = make_supervised(data, target=-1, horizon=1)
    np.testing.assert_array_equal(y_last, 100.0 + np.arange(1.0, 6.0))


def test_numpy_1d_and_multi_output_shape():
    X, y = make_supervised(np.arange(5.0), horizon=1, multi_output=True)
    assert X.shape == (4, 1)
    assert y.shape == (4, 1)
    np.testing.assert_array_equal(y[:, 0], [1.0, 2.0, 3.0, 4.0])


def test_numpy_2d_needs_target_or_valid_position():
    data = np.zeros((6, 2))
    with pytest.raises(ValueError, match="target="):
        make_supervised(data)
    with pytest.raises(ValueError, match="column position"):
        make_supervised(data, target=2)
    with pytest.raises(ValueError, match="column position"):
        make_supervised(data, target="a")


def test_numpy_3d_raises():
    with pytest.raises(ValueError, match="2D") as info:
        make_supervised(np.zeros((6, 2, 2)), target=0)
    assert "3 dimensions" in str(info.value) and "before windowing" in str(info.value)


def test_series_without_name():
    s = pd.Series([1.0, 2.0, 3.0, 4.0])
    X, y = make_supervised(s, horizon=2)
    assert X.shape == (2, 1)
    assert X.iloc[:, 0].tolist() == [1.0, 2.0]
    assert y.tolist() == [3.0, 4.0]
    assert y.index.equals(X.index)
    X, Y = make_supervised(s, horizon=2, multi_output=True)
    name = X.columns[0]
    assert Y.columns.tolist() == [f"{name}+1", f"{name}+2"]
    np.testing.assert_array_equal(Y.to_numpy(), [[2.0, 3.0], [3.0, 4.0]])


def test_input_is_not_modified():
    df = _frame()
    before = df.copy()
    make_supervised(df, target="load", horizon=2, multi_output=True)
    pd.testing.assert_frame_equal(df, before)


@pytest.mark.parametrize("horizon", [0, -1, 1.5, 2.0, True, "2", None])
def test_invalid_horizon_raises(horizon):
    with pytest.raises(ValueError, match="horizon"):
        make_supervised(_series(), horizon=horizon)


@pytest.mark.parametrize("horizon", [6, 7])
def test_horizon_beyond_the_data_raises(horizon):
    with pytest.raises(ValueError, match="horizon"):
        make_supervised(_series(), horizon=horizon)
    with pytest.raises(ValueError, match="horizon"):
        make_supervised(np.arange(6.0), horizon=horizon)


def test_largest_possible_horizon():
    X, y = make_supervised(_series(), horizon=5)
    assert X["sales"].tolist() == [10.0]
    assert y.tolist() == [15.0]


@pytest.mark.parametrize("target", [["a"], {"a"}])
def test_make_supervised_target_must_be_one_column_label(target):
    df = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [4.0, 5.0, 6.0]})
    with pytest.raises(TypeError, match=r"single column label.*pass one of \['a', 'b'\]"):
        make_supervised(df, target=target)
