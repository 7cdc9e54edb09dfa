"""SequenceScaler: statistics over real time steps only, padding kept, round trip."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from sklstm import LSTMClassifier, SequenceScaler
from sklstm.preprocessing import to_padded
from tests._strategies import (
    NUMERIC_REAL,
    SETTINGS,
    Inputs,
    call,
    ok,
    quiet,
    sequence_inputs,
)

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


NAN = np.nan


def _padded():
    """Three sequences of 4 steps, 2 features.

    Sequence 0 is full, sequence 1 has one leading padding step, sequence 2
    two trailing padding steps. Real steps of feature 0: 1, ..., 9 (mean 5,
    variance 60 / 9); of feature 1: 4, 0, 4, 0, 4, 0, 4, 0, 2 (mean 2,
    variance 32 / 9).
    """
    f0 = [[1, 2, 3, 4], [NAN, 5, 6, 7], [8, 9, NAN, NAN]]
    f1 = [[4, 0, 4, 0], [NAN, 4, 0, 4], [0, 2, NAN, NAN]]
    return np.stack([np.array(f0, float), np.array(f1, float)], axis=2)


MEAN = np.array([5.0, 2.0])
STD = np.sqrt([60.0 / 9.0, 32.0 / 9.0])
PADDING = np.array(
    [[False] * 4, [True, False, False, False], [False, False, True, True]]
)


def test_statistics_are_over_real_steps_only():
    scaler = SequenceScaler().fit(_padded())
    np.testing.assert_allclose(scaler.mean_, MEAN)
    np.testing.assert_allclose(scaler.scale_, STD)
    assert scaler.n_features_in_ == 2
    # Same as pooling every real step of every sequence.
    X = _padded()
    np.testing.assert_allclose(scaler.mean_, np.nanmean(X.reshape(-1, 2), axis=0))
    np.testing.assert_allclose(scaler.scale_, np.nanstd(X.reshape(-1, 2), axis=0))


def test_transform_standardises_real_steps_and_keeps_padding_nan():
    X = _padded()
    Xt = SequenceScaler().fit_transform(X)
    assert Xt.shape == X.shape
    assert np.isnan(Xt[PADDING]).all()
    assert not np.isnan(Xt[~PADDING]).any()
    np.testing.assert_allclose(Xt[~PADDING], (X[~PADDING] - MEAN) / STD)
    np.testing.assert_allclose(Xt[0, :, 0], (np.array([1.0, 2, 3, 4]) - 5) / STD[0])
    # Real steps now have mean 0 and standard deviation 1.
    np.testing.assert_allclose(Xt[~PADDING].mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(Xt[~PADDING].std(axis=0), 1.0)


def test_transform_does_not_modify_its_input():
    X = _padded()
    before = X.copy()
    scaler = SequenceScaler().fit(X)
    scaler.inverse_transform(scaler.transform(X))
    np.testing.assert_array_equal(X, before)


def test_inverse_transform_round_trips():
    X = _padded()
    scaler = SequenceScaler().fit(X)
    back = scaler.inverse_transform(scaler.transform(X))
    np.testing.assert_allclose(back, X, atol=1e-12)  # NaN positions must match too
    assert np.isnan(back[PADDING]).all()


def test_transform_accepts_other_lengths_and_sequence_counts():
    scaler = SequenceScaler().fit(_padded())
    X = np.array([[[5.0, 2.0], [7.0, 4.0], [NAN, NAN]]])
    Xt = scaler.transform(X)
    np.testing.assert_allclose(Xt[0, :2], [[0.0, 0.0], (np.array([7.0, 4.0]) - MEAN) / STD])
    assert np.isnan(Xt[0, 2]).all()


def test_without_mean():
    X = _padded()
    scaler = SequenceScaler(with_mean=False).fit(X)
    np.testing.assert_array_equal(scaler.mean_, [0.0, 0.0])
    np.testing.assert_allclose(scaler.scale_, STD)
    Xt = scaler.transform(X)
    np.testing.assert_allclose(Xt[~PADDING], X[~PADDING] / STD)
    np.testing.assert_allclose(scaler.inverse_transform(Xt), X, atol=1e-12)


def test_without_std():
    X = _padded()
    scaler = SequenceScaler(with_std=False).fit(X)
    np.testing.assert_allclose(scaler.mean_, MEAN)
    np.testing.assert_array_equal(scaler.scale_, [1.0, 1.0])
    Xt = scaler.transform(X)
    np.testing.assert_allclose(Xt[~PADDING], X[~PADDING] - MEAN)
    np.testing.assert_allclose(scaler.inverse_transform(Xt), X, atol=1e-12)


def test_without_mean_and_std_is_the_identity():
    X = _padded()
    Xt = SequenceScaler(with_mean=False, with_std=False).fit_transform(X)
    np.testing.assert_array_equal(Xt, X)


def test_constant_feature_gets_scale_one():
    X = _padded()
    X[~PADDING, 1] = 3.0
    scaler = SequenceScaler().fit(X)
    assert scaler.scale_[1] == 1.0
    assert scaler.mean_[1] == 3.0
    Xt = scaler.transform(X)
    np.testing.assert_array_equal(Xt[~PADDING, 1], 0.0)
    assert np.isfinite(Xt[~PADDING]).all()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_is_preserved(dtype):
    X = _padded().astype(dtype)
    scaler = SequenceScaler().fit(X)
    assert scaler.transform(X).dtype == dtype
    assert scaler.inverse_transform(scaler.transform(X)).dtype == dtype


def test_2d_input_raises():
    with pytest.raises(ValueError, match="3D"):
        SequenceScaler().fit(np.ones((5, 4)))
    scaler = SequenceScaler().fit(_padded())
    with pytest.raises(ValueError, match="3D"):
        scaler.transform(np.ones((5, 4)))


def test_feature_count_mismatch_at_transform_raises():
    scaler = SequenceScaler().fit(_padded())
    with pytest.raises(ValueError, match="features per time step"):
        scaler.transform(np.ones((2, 4, 3)))
    with pytest.raises(ValueError, match="features per time step"):
        scaler.inverse_transform(np.ones((2, 4, 1)))


def test_nan_inside_a_sequence_raises():
    X = _padded()
    X[0, 2, 0] = NAN  # one feature of a real step: not padding
    with pytest.raises(ValueError, match="NaN inside sequence 0"):
        SequenceScaler().fit(X)
    X = _padded()
    X[0, 1, :] = NAN  # an all-NaN step between real steps: not padding either
    with pytest.raises(ValueError, match="NaN inside sequence 0"):
        SequenceScaler().fit(X)
    scaler = SequenceScaler().fit(_padded())
    with pytest.raises(ValueError, match="NaN inside"):
        scaler.transform(X)


def _ragged():
    return [np.arange(6.0).reshape(3, 2), np.ones((1, 2)), np.arange(10.0).reshape(5, 2)]


@pytest.mark.parametrize("method", ["fit", "transform", "inverse_transform", "fit_transform"])
def test_ragged_list_is_refused_with_how_to_pad_it(method):
    scaler = SequenceScaler() if method.startswith("fit") else SequenceScaler().fit(_padded())
    with pytest.raises(ValueError) as info:
        getattr(scaler, method)(_ragged())
    message = str(info.value)
    assert "X is a list of sequences of different lengths" in message
    assert "SequenceScaler needs a padded 3D array" in message
    assert "sklstm.preprocessing.to_padded(X)" in message
    assert "FunctionTransformer(sklstm.preprocessing.to_padded) before SequenceScaler" in message
    assert "inhomogeneous" not in message


def test_ragged_list_scales_once_padded_as_the_message_says():
    X = _ragged()
    steps = np.concatenate(X)
    scaled = SequenceScaler().fit_transform(to_padded(X))
    for i, seq in enumerate(X):
        np.testing.assert_allclose(
            scaled[i, : len(seq)], (seq - steps.mean(axis=0)) / steps.std(axis=0)
        )
        assert np.isnan(scaled[i, len(seq):]).all()
    pipe = make_pipeline(FunctionTransformer(to_padded), SequenceScaler())
    np.testing.assert_allclose(pipe.fit_transform(X), scaled)


def test_infinity_raises():
    X = _padded()
    X[0, 0, 0] = np.inf
    with pytest.raises(ValueError, match="infinity"):
        SequenceScaler().fit(X)


def test_set_output():
    scaler = SequenceScaler()
    with pytest.raises(ValueError, match="3D"):
        scaler.set_output(transform="pandas")
    assert scaler.set_output(transform="default") is scaler


def test_feature_names_out():
    scaler = SequenceScaler().fit(_padded())
    assert scaler.get_feature_names_out().tolist() == ["x0", "x1"]


def _sequences(n=60, T=6, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.normal(loc=100.0, scale=20.0, size=(n, T, 2))
    y = np.where(X[:, :, 0].mean(axis=1) > 100.0, "up", "down")
    X[: n // 4, :2] = NAN  # some windows with leading padding
    X[n // 4 : n // 2, -1] = NAN  # some with trailing padding
    return X, y


def test_pipeline_with_lstm_classifier():
    X, y = _sequences()
    pipe = make_pipeline(
        SequenceScaler(), LSTMClassifier(hidden_size=4, max_iter=3, random_state=0)
    ).fit(X, y)
    assert pipe.classes_.tolist() == ["down", "up"]
    pred = pipe.predict(X)
    assert pred.shape == (len(X),)
    assert set(pred) <= {"down", "up"}
    proba = pipe.predict_proba(X)
    assert proba.shape == (len(X), 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)
    # The pipeline is exactly the scaler then the classifier.
    scaler = SequenceScaler().fit(X)
    clf = LSTMClassifier(hidden_size=4, max_iter=3, random_state=0).fit(scaler.transform(X), y)
    np.testing.assert_allclose(pipe.predict_proba(X), clf.predict_proba(scaler.transform(X)))


# -- property (tests/_strategies.py) --------------------------------------------------


@st.composite
def padded_3d(draw, n_features=None):
    """3D arrays (leading/trailing NaN padding), sometimes 2D/ragged/garbage.

    Half are plausible: numeric, finite, with at least one real step each.
    """
    kind = draw(st.sampled_from(["plausible", "3d", "other"]))
    if kind == "plausible":
        return draw(sequence_inputs(layouts=("3d",), dtypes=sorted(NUMERIC_REAL),
                                    n_features=n_features, wild=False, min_size=1))
    if kind == "3d":
        return draw(sequence_inputs(layouts=("3d",), n_features=n_features))
    return draw(sequence_inputs(layouts=("2d", "ragged", "garbage")))


def check_scaled(out, X: Inputs):
    assert out.shape == np.shape(X.X)
    if not X.sane:
        return
    src = np.asarray(X.X, dtype=np.float64)
    padding = np.isnan(src).all(axis=2)
    out = out.astype(np.float64)
    assert np.isfinite(out[~padding]).all(), "NaN/inf in scaled sane steps"
    assert np.isnan(out[padding]).all(), "padding did not stay NaN"


@quiet
@SETTINGS
@given(data=st.data(), with_mean=st.booleans(), with_std=st.booleans())
def test_sequence_scaler(data, with_mean, with_std):
    """fit / transform / fit_transform / inverse_transform of SequenceScaler."""
    X = data.draw(padded_3d(), label="X")
    scaler = SequenceScaler(with_mean=with_mean, with_std=with_std)
    fitted = call(scaler.fit, X.X)
    both = call(SequenceScaler(with_mean=with_mean, with_std=with_std).fit_transform, X.X)
    if X.sane and X.layout == "3d" and X.n >= 1 and X.n_features >= 1:
        # finite numeric 3D sequences, each with a real step, must be accepted
        assert ok(fitted) and ok(both), (fitted, both)
    if not ok(fitted):
        assert not ok(both)
        return
    assert X.effective == "3d"
    if X.sane:
        assert np.isfinite(scaler.mean_).all() and np.isfinite(scaler.scale_).all()
        assert (scaler.scale_ > 0).all()
    out = call(scaler.transform, X.X)
    assert ok(out) and ok(both), (out, both)
    np.testing.assert_array_equal(out, both)
    check_scaled(out, X)
    back = call(scaler.inverse_transform, out)
    if X.sane:  # (huge input may have overflowed to inf, which is refused)
        assert ok(back), back
        src = np.asarray(X.X, dtype=np.float64)
        tol = 1e-3 * (1 + np.abs(src[np.isfinite(src)]).max(initial=0))
        np.testing.assert_allclose(back.astype(np.float64), src, atol=tol, rtol=1e-4)
    other = data.draw(padded_3d(), label="X_transform")
    out = call(scaler.transform, other.X)
    if ok(out):
        assert other.effective == "3d" and other.n_features == X.n_features
        check_scaled(out, other)
