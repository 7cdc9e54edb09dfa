"""Ragged input (lists of sequences of different lengths) through the estimators.

Covers padding invariance (a sequence predicts the same alone, in any batch,
trailing- or leading-NaN-padded), the containers that hold ragged data, the
scikit-learn tools that index a list X, clear errors at predict (the fit-time
checks of a list are in test_data.py), object arrays of Python ints beyond
float64's range, and that training on ragged data learns.
The length grouping of training batches is in test_training_batches.py.
"""

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from sklstm import LSTMClassifier, LSTMRegressor, SequenceScaler, SlidingWindowTransformer
from sklstm.preprocessing import to_padded
from tests._helpers import TOL, first_feature_sums, random_ragged

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

def _labels(X):
    return np.array([int(seq[:, 0].mean() > 0) for seq in X])


def _fitted_classifier(X, **params):
    params = {"hidden_size": 8, "max_iter": 3, "random_state": 0, **params}
    return LSTMClassifier(**params).fit(X, _labels(X))


def _fitted_regressor(X, **params):
    params = {"hidden_size": 8, "max_iter": 3, "random_state": 0, **params}
    return LSTMRegressor(**params).fit(X, first_feature_sums(X))


def _alone(predict, X):
    """Predictions of every sequence made one at a time."""
    return np.concatenate([np.atleast_1d(predict([seq])) for seq in X])


def _leading_padded(X):
    """NaN-padded 3D array with the padding *before* each sequence."""
    T = max(len(seq) for seq in X)
    out = np.full((len(X), T, X[0].shape[1]), np.nan)
    for i, seq in enumerate(X):
        out[i, T - len(seq):] = seq
    return out


# -- padding invariance -------------------------------------------------------------


@pytest.fixture(scope="module")
def ragged_data():
    X = random_ragged(12)
    lengths = [len(seq) for seq in X]
    assert len(set(lengths)) > 5  # really ragged
    return X


@pytest.fixture(scope="module")
def classifier(ragged_data):
    return _fitted_classifier(ragged_data)


@pytest.fixture(scope="module")
def regressor(ragged_data):
    return _fitted_regressor(ragged_data)


@pytest.mark.parametrize("method", ["classifier", "regressor"])
def test_sequence_predicts_the_same_alone_and_in_any_batch(method, ragged_data, request):
    est = request.getfixturevalue(method)
    predict = est.predict_proba if method == "classifier" else est.predict
    X = ragged_data
    alone = np.vstack([predict([seq]) for seq in X]) if method == "classifier" else _alone(
        predict, X
    )
    # the outputs differ between sequences, so a mix-up would be seen
    assert np.unique(np.round(alone, 6), axis=0).shape[0] == len(X)

    np.testing.assert_allclose(predict(X), alone, **TOL)
    # reversed order, and shuffled orders: the longest and shortest move around
    np.testing.assert_allclose(predict(X[::-1]), alone[::-1], **TOL)
    rng = np.random.default_rng(1)
    for _ in range(3):
        perm = rng.permutation(len(X))
        np.testing.assert_allclose(predict([X[i] for i in perm]), alone[perm], **TOL)
    # one target sequence first, in the middle, last, among longer and shorter ones
    shortest, longest = int(np.argmin([len(s) for s in X])), int(np.argmax([len(s) for s in X]))
    target = next(i for i in range(len(X)) if i not in (shortest, longest))
    for batch in (
        [target, longest, shortest],
        [longest, target, shortest],
        [shortest, longest, target],
    ):
        out = predict([X[i] for i in batch])
        np.testing.assert_allclose(out[batch.index(target)], alone[target], **TOL)


@pytest.mark.parametrize("method", ["classifier", "regressor"])
def test_nan_padded_3d_predicts_like_the_ragged_list(method, ragged_data, request):
    est = request.getfixturevalue(method)
    predict = est.predict_proba if method == "classifier" else est.predict
    X = ragged_data
    expected = predict(X)
    trailing = to_padded(X)
    assert np.isnan(trailing).any()
    np.testing.assert_allclose(predict(trailing), expected, **TOL)
    np.testing.assert_allclose(predict(trailing.astype(np.float32)), expected, **TOL)
    leading = _leading_padded(X)
    np.testing.assert_allclose(predict(leading), expected, **TOL)
    # extra all-NaN steps on both sides
    both = np.concatenate(
        [np.full((len(X), 2, 3), np.nan), trailing, np.full((len(X), 3, 3), np.nan)], axis=1
    )
    np.testing.assert_allclose(predict(both), expected, **TOL)
    # a single sequence padded to a longer length predicts like it alone
    padded_one = to_padded([X[0]], max_length=len(X[0]) + 7)
    np.testing.assert_allclose(predict(padded_one), predict([X[0]]), **TOL)


@pytest.mark.parametrize("kind", ["classifier", "regressor"])
def test_more_sequences_than_predict_batch_size_keep_their_order(kind):
    X = random_ragged(30, seed=3)
    if kind == "classifier":
        est = _fitted_classifier(X, predict_batch_size=4)
        predict = est.predict_proba
        alone = np.vstack([predict([seq]) for seq in X])
    else:
        est = _fitted_regressor(X, predict_batch_size=4)
        predict = est.predict
        alone = _alone(predict, X)
    assert np.unique(np.round(alone, 6), axis=0).shape[0] == len(X)
    # the lengths are not sorted, so predicting in length order must unsort
    assert np.any(np.diff([len(s) for s in X]) < 0)
    np.testing.assert_allclose(predict(X), alone, **TOL)
    np.testing.assert_allclose(predict(X[::-1]), alone[::-1], **TOL)
    np.testing.assert_allclose(predict(to_padded(X)), alone, **TOL)
    np.testing.assert_allclose(predict(_leading_padded(X)), alone, **TOL)
    # the batch size does not change anything either
    big = est.set_params(predict_batch_size=4096)
    np.testing.assert_allclose(big.predict_proba(X) if kind == "classifier" else big.predict(X),
                               alone, **TOL)


def test_sequences_longer_than_at_fit_are_accepted(classifier):
    X_long = random_ragged(5, low=40, high=60, seed=5)
    proba = classifier.predict_proba(X_long)
    assert proba.shape == (5, 2)
    assert np.isfinite(proba).all()
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)
    np.testing.assert_allclose(proba, np.vstack([classifier.predict_proba([s]) for s in X_long]),
                               **TOL)


# -- containers of ragged data --------------------------------------------------------


def test_univariate_ragged_list():
    X = [seq[:, 0] for seq in random_ragged(12, seed=7)]
    assert all(seq.ndim == 1 for seq in X)
    y = np.array([int(seq.mean() > 0) for seq in X])
    clf = LSTMClassifier(hidden_size=8, max_iter=3, random_state=0).fit(X, y)
    assert clf.n_features_in_ == 1
    proba = clf.predict_proba(X)
    assert proba.shape == (12, 2) and np.isfinite(proba).all()
    alone = np.vstack([clf.predict_proba([seq]) for seq in X])
    np.testing.assert_allclose(proba, alone, **TOL)
    # same as the (T_i, 1) form
    np.testing.assert_allclose(clf.predict_proba([seq[:, None] for seq in X]), proba, **TOL)
    reg = LSTMRegressor(hidden_size=8, max_iter=3, random_state=0).fit(
        X, np.array([seq.sum() for seq in X])
    )
    assert reg.predict(X).shape == (12,)


def test_object_array_of_sequences(ragged_data, classifier):
    obj = np.empty(len(ragged_data), dtype=object)
    obj[:] = ragged_data
    assert obj.ndim == 1 and obj.dtype == object
    np.testing.assert_allclose(
        classifier.predict_proba(obj), classifier.predict_proba(ragged_data), **TOL
    )
    clf = LSTMClassifier(hidden_size=8, max_iter=3, random_state=0).fit(obj, _labels(ragged_data))
    reference = _fitted_classifier(ragged_data)
    np.testing.assert_allclose(
        clf.predict_proba(ragged_data), reference.predict_proba(ragged_data), **TOL
    )


def test_pandas_series_of_sequences(ragged_data, classifier):
    series = pd.Series(ragged_data, index=np.arange(100, 100 + len(ragged_data)))
    np.testing.assert_allclose(
        classifier.predict_proba(series), classifier.predict_proba(ragged_data), **TOL
    )
    reg = LSTMRegressor(hidden_size=8, max_iter=3, random_state=0).fit(
        series, first_feature_sums(ragged_data)
    )
    reference = _fitted_regressor(ragged_data)
    np.testing.assert_allclose(reg.predict(series), reference.predict(ragged_data), **TOL)


@pytest.mark.parametrize("container", ["object_array", "series"])
def test_object_container_of_equal_length_sequences(container, ragged_data, classifier):
    items = [ragged_data[0], ragged_data[0] + 1.0]
    if container == "object_array":
        X = np.empty(2, dtype=object)
        X[:] = items
    else:
        X = pd.Series(items)
    np.testing.assert_allclose(classifier.predict_proba(X), classifier.predict_proba(items), **TOL)


# -- scikit-learn tools index a list X ----------------------------------------------------


def _scale_sequences(X):
    return [np.asarray(seq, dtype=np.float32) / 2.0 for seq in X]


def test_pipeline_with_ragged_list(ragged_data):
    y = _labels(ragged_data)
    pipe = make_pipeline(
        FunctionTransformer(_scale_sequences),
        LSTMClassifier(hidden_size=8, max_iter=3, random_state=0),
    )
    pipe.fit(ragged_data, y)
    proba = pipe.predict_proba(ragged_data)
    direct = LSTMClassifier(hidden_size=8, max_iter=3, random_state=0).fit(
        _scale_sequences(ragged_data), y
    )
    np.testing.assert_allclose(proba, direct.predict_proba(_scale_sequences(ragged_data)), **TOL)


def test_grid_search_over_hidden_size_with_list_X():
    X = random_ragged(24, seed=11)
    y = _labels(X)
    search = GridSearchCV(
        LSTMClassifier(max_iter=2, random_state=0),
        {"hidden_size": [4, 8]},
        cv=KFold(3, shuffle=True, random_state=0),
    )
    search.fit(X, y)
    # each candidate's score is what fitting it fold by fold on the list gives
    for params, score in zip(search.cv_results_["params"], search.cv_results_["mean_test_score"]):
        by_hand = cross_val_score(LSTMClassifier(max_iter=2, random_state=0, **params), X, y,
                                  cv=KFold(3, shuffle=True, random_state=0))
        assert score == pytest.approx(by_hand.mean())
    assert search.best_estimator_.hidden_size == search.best_params_["hidden_size"]
    assert search.predict(X).shape == (24,)


@pytest.mark.parametrize("kind", ["classifier", "regressor"])
def test_cross_val_score_with_list_X(kind):
    X = random_ragged(24, seed=13)
    if kind == "classifier":
        est, y = LSTMClassifier(hidden_size=8, max_iter=2, random_state=0), _labels(X)
    else:
        est, y = LSTMRegressor(hidden_size=8, max_iter=2, random_state=0), first_feature_sums(X)
    cv = KFold(4, shuffle=True, random_state=0)
    scores = cross_val_score(est, X, y, cv=cv)
    items = np.empty(len(X), dtype=object)
    items[:] = X
    for score, (train, test) in zip(scores, cv.split(X)):  # the folds, fitted by hand
        fold = clone(est).fit(list(items[train]), np.asarray(y)[train])
        assert score == pytest.approx(fold.score(list(items[test]), np.asarray(y)[test]))


# -- errors ------------------------------------------------------------------------------


@pytest.mark.parametrize("Estimator", [LSTMClassifier, LSTMRegressor])
def test_inconsistent_feature_counts_name_the_sequence(Estimator):
    X = random_ragged(4, seed=17)
    X[2] = X[2][:, :2]
    with pytest.raises(ValueError, match=r"Sequence 2 of X has 2 features per time step"):
        Estimator(hidden_size=8, max_iter=1, random_state=0).fit(X, [0, 1, 0, 1])


def test_empty_sequence_is_an_error_at_predict(classifier):
    X = random_ragged(3, seed=19)
    X.insert(1, np.zeros((0, 3), dtype=np.float32))
    with pytest.raises(ValueError, match=r"Sequence 1 of X is empty"):
        classifier.predict(X)


def test_nan_inside_a_sequence_is_an_error_at_predict(classifier):
    X = random_ragged(3, low=5, seed=23)
    X[0] = X[0].copy()
    X[0][-1, 0] = np.nan  # trailing NaN in one feature only: not padding in a list
    with pytest.raises(ValueError, match=r"Sequence 0 of X contains NaN"):
        classifier.predict(X)


def test_nan_inside_a_padded_3d_sequence_is_an_error(classifier, ragged_data):
    X = to_padded(ragged_data)
    X[1, 1, 0] = np.nan
    with pytest.raises(ValueError, match=r"NaN inside sequence 1"):
        classifier.predict(X)


def test_wrong_feature_count_at_predict(classifier, regressor):
    X_two = random_ragged(4, n_features=2, seed=29)
    for est in (classifier, regressor):
        with pytest.raises(ValueError, match=r"2 features per time step.*expecting 3"):
            est.predict(X_two)
        with pytest.raises(ValueError, match=r"2 features per time step.*expecting 3"):
            est.predict(to_padded(X_two))
    X_four = random_ragged(4, n_features=4, seed=29)
    with pytest.raises(ValueError, match=r"4 features per time step.*expecting 3"):
        classifier.predict(X_four)


COMPLEX = (
    r"Complex data not supported: sequence 1 of X holds complex numbers\. Pass "
    r"real-valued sequences.*real and imaginary parts as two features"
)


def _complex_object(values):
    array = np.empty(len(values), dtype=object)
    array[:] = values
    return array


@pytest.mark.parametrize(
    "second",
    [
        np.array([1 + 2j, 3]),  # complex dtype: numpy would drop the imaginary part
        np.array([[1 + 2j, 3], [4, 5], [6, 7]], dtype=np.complex64),
        [1 + 2j, 3.0],  # a list of Python complex numbers
        _complex_object([1.0, 2 + 1j]),  # an object array
        pd.Series([1 + 1j, 2 + 0j]),
        pd.DataFrame({"a": [1.0, 2.0], "b": [1j, 2j]}),
    ],
    ids=["complex128", "complex64-2d", "list", "object", "series", "frame"],
)
def test_complex_sequences_are_refused_like_complex_arrays(second):
    n_features = np.shape(second)[1] if np.ndim(second) == 2 else 1
    X = [np.ones((4, n_features)), second]
    with pytest.raises(ValueError, match=COMPLEX):
        LSTMRegressor(**_TINY).fit(X, [1.0, 2.0])
    fitted = LSTMRegressor(**_TINY).fit([np.ones((4, n_features)), np.ones((2, n_features))], [1.0, 2.0])
    with pytest.raises(ValueError, match=COMPLEX):
        fitted.predict(X)
    with pytest.raises(ValueError, match=COMPLEX):
        to_padded(X)
    # the same kind of message as for 2D/3D complex arrays
    with pytest.raises(ValueError, match="Complex data not supported"):
        LSTMRegressor(**_TINY).fit(np.ones((2, 3)) + 1j, [1.0, 2.0])


@pytest.mark.parametrize(
    "X, i",
    [
        ([np.ones((3, 0)), np.ones((2, 0))], 0),
        (_complex_object([np.ones((3, 0)), np.ones((3, 0))]), 0),  # one shape, in a container
        ([np.ones((3, 2)), np.ones((2, 0))], 1),
    ],
    ids=["all", "object-array", "second"],
)
def test_sequences_without_features_are_refused(X, i):
    message = (
        rf"Sequence {i} of X has no features \(shape \(\d, 0\)\)\. Every sequence needs "
        r"at least one feature per time step"
    )
    with pytest.raises(ValueError, match=message):
        LSTMRegressor(**_TINY).fit(X, [1.0, 2.0])
    with pytest.raises(ValueError, match=message):
        to_padded(X)


# Object arrays holding a Python int beyond float64's range (found by hypothesis:
# an OverflowError escaped) are a ValueError that names the problem.
_BIG = 10**400
_TINY = dict(hidden_size=2, max_iter=1, batch_size=2, random_state=0)


def test_object_int_beyond_float_range_ragged():
    X = [np.array([_BIG, 1], dtype=object), np.array([1.0])]
    with pytest.raises(ValueError, match="Sequence 0 of X cannot be converted"):
        LSTMRegressor(**_TINY).fit(X, [1.0, 2.0])


@pytest.mark.parametrize(
    "entry",
    ["regressor-2d", "regressor-3d", "regressor-y", "scaler", "window"],
)
def test_object_int_beyond_float_range_arrays(entry):
    big = np.array([[_BIG, 1], [2, 3]], dtype=object)
    with pytest.raises(ValueError, match="too large to convert to a float"):
        if entry == "regressor-2d":
            LSTMRegressor(**_TINY).fit(big, [1.0, 2.0])
        elif entry == "regressor-3d":
            LSTMRegressor(**_TINY).fit(big[:, :, None], [1.0, 2.0])
        elif entry == "regressor-y":
            LSTMRegressor(**_TINY).fit(np.ones((2, 2)), np.array([_BIG, 1], dtype=object))
        elif entry == "scaler":
            SequenceScaler().fit(big[:, :, None])
        else:
            SlidingWindowTransformer(window_size=2).fit(big)


# -- learning -------------------------------------------------------------------------------


def test_training_on_ragged_data_learns():
    X = random_ragged(160, low=3, high=20, seed=31)
    y = _labels(X)
    assert 0.3 < y.mean() < 0.7
    clf = LSTMClassifier(
        hidden_size=8, max_iter=15, batch_size=16, learning_rate_init=0.02, random_state=0
    ).fit(X, y)
    assert clf.score(X, y) > 0.85
