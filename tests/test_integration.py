"""The estimators inside scikit-learn's meta-estimators and model-selection tools.

Every test uses tiny data and a few epochs; the learning problems are easy
enough that a handful of full-ish batch Adam steps clearly beat chance.
"""

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone, is_classifier, is_regressor
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import TransformedTargetRegressor
from sklearn.ensemble import BaggingRegressor
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import (
    GridSearchCV,
    KFold,
    StratifiedKFold,
    cross_val_score,
    cross_validate,
)
from sklearn.multioutput import MultiOutputRegressor
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.validation import check_is_fitted

from sklstm import LSTMClassifier, LSTMRegressor, Tokenizer


N_SAMPLES = 100
N_TIMESTEPS = 6


# -- data and estimator helpers ------------------------------------------------
def make_sequences(
    n_samples=N_SAMPLES, n_timesteps=N_TIMESTEPS, n_features=None, seed=0
):
    """Random sequences: 2D (univariate) when ``n_features`` is None, else 3D."""
    rng = np.random.RandomState(seed)
    shape = (n_samples, n_timesteps) if n_features is None else (
        n_samples, n_timesteps, n_features
    )
    return rng.normal(size=shape).astype(np.float32)


def _total(X):
    X = np.asarray(X)
    return X.sum(axis=1) if X.ndim == 2 else X[:, :, 0].sum(axis=1)


def make_classification_data(**kwargs):
    """Easy binary problem: the label is the sign of the sum of the sequence."""
    X = make_sequences(**kwargs)
    y = np.where(_total(X) > 0, "pos", "neg")
    return X, y


def make_regression_data(**kwargs):
    """Easy regression problem: the target is the sum of the sequence."""
    X = make_sequences(**kwargs)
    y = 3.0 * _total(X).astype(np.float64) + 10.0
    return X, y


def small_classifier(**params):
    defaults = dict(
        hidden_size=8, max_iter=10, learning_rate_init=0.05, batch_size=32,
        random_state=0, device="cpu",
    )
    return LSTMClassifier(**{**defaults, **params})


def small_regressor(**params):
    defaults = dict(
        hidden_size=8, max_iter=10, learning_rate_init=0.05, batch_size=32,
        random_state=0, device="cpu",
    )
    return LSTMRegressor(**{**defaults, **params})


# -- Pipeline ------------------------------------------------------------------
def test_pipeline_classifier_learns():
    X, y = make_classification_data()
    X_test, y_test = make_classification_data(seed=1)
    pipe = Pipeline(
        [("scale", StandardScaler()), ("lstm", small_classifier(max_iter=20))]
    )
    assert pipe.fit(X, y) is pipe
    assert is_classifier(pipe)
    pred = pipe.predict(X_test)
    assert pred.shape == (len(X_test),)
    assert set(pred) <= {"neg", "pos"}
    np.testing.assert_array_equal(pipe.classes_, ["neg", "pos"])
    assert pipe.named_steps["lstm"].n_features_in_ == N_TIMESTEPS
    proba = pipe.predict_proba(X_test)
    assert proba.shape == (len(X_test), 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)
    score = pipe.score(X_test, y_test)
    assert score == pytest.approx(np.mean(pred == y_test))
    # chance is ~0.5 on this balanced problem
    assert score >= 0.75


def test_pipeline_regressor_learns():
    X, y = make_regression_data()
    X_test, y_test = make_regression_data(seed=1)
    pipe = make_pipeline(StandardScaler(), small_regressor(max_iter=15))
    assert pipe.fit(X, y) is pipe
    assert is_regressor(pipe)
    pred = pipe.predict(X_test)
    assert pred.shape == (len(X_test),)
    assert np.all(np.isfinite(pred))
    score = pipe.score(X_test, y_test)
    # R² of a constant prediction is <= 0
    assert score >= 0.8


# -- GridSearchCV --------------------------------------------------------------
PARAM_GRID = {"hidden_size": [4, 8], "learning_rate_init": [0.01, 0.05]}
GRID_CV = StratifiedKFold(n_splits=2, shuffle=True, random_state=0)


def _grid_search(n_jobs):
    X, y = make_classification_data(n_samples=60)
    search = GridSearchCV(small_classifier(max_iter=4), PARAM_GRID, cv=GRID_CV, n_jobs=n_jobs)
    return search.fit(X, y), X, y


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_grid_search(n_jobs):
    search, X, y = _grid_search(n_jobs)
    results = search.cv_results_
    assert len(results["params"]) == 4
    scores = results["mean_test_score"]
    assert np.all(np.isfinite(scores))
    # the best candidate is the one with the highest mean score...
    assert search.best_index_ == np.argmax(scores)
    assert search.best_params_ == results["params"][np.argmax(scores)]
    # ...and a candidate's score is what fitting it fold by fold gives (candidate 0,
    # hidden_size=4 and learning_rate_init=0.01, differs from small_classifier's defaults)
    params = results["params"][0]
    by_hand = [
        small_classifier(max_iter=4, **params).fit(X[train], y[train]).score(X[test], y[test])
        for train, test in GRID_CV.split(X, y)
    ]
    assert scores[0] == pytest.approx(np.mean(by_hand))
    best = search.best_estimator_
    assert isinstance(best, LSTMClassifier)
    for name, value in search.best_params_.items():
        assert best.get_params()[name] == value
    check_is_fitted(best)
    assert best.module_.recurrent.hidden_size == search.best_params_["hidden_size"]
    assert search.predict(X).shape == (len(X),)


def test_grid_search_n_jobs_reproducible():
    sequential, _, _ = _grid_search(n_jobs=1)
    parallel, _, _ = _grid_search(n_jobs=2)
    np.testing.assert_array_equal(
        sequential.cv_results_["mean_test_score"],
        parallel.cv_results_["mean_test_score"],
    )
    assert sequential.best_params_ == parallel.best_params_


# -- cross_val_score -----------------------------------------------------------
@pytest.mark.parametrize(
    "make_estimator, make_data",
    [
        (small_classifier, make_classification_data),
        (small_regressor, make_regression_data),
    ],
    ids=["classifier", "regressor"],
)
def test_cross_val_score_2d(make_estimator, make_data):
    X, y = make_data(n_samples=60)
    scores = cross_val_score(make_estimator(max_iter=5), X, y, cv=3)
    assert scores.shape == (3,)
    assert np.all(np.isfinite(scores))


@pytest.mark.parametrize(
    "make_estimator, make_data, cv",
    [
        (small_classifier, make_classification_data,
         StratifiedKFold(n_splits=3, shuffle=True, random_state=0)),
        (small_regressor, make_regression_data,
         KFold(n_splits=3, shuffle=True, random_state=0)),
    ],
    ids=["classifier", "regressor"],
)
def test_cross_val_score_3d(make_estimator, make_data, cv):
    X, y = make_data(n_samples=60, n_features=2)
    assert X.ndim == 3
    estimator = make_estimator(max_iter=5)
    scores = cross_val_score(estimator, X, y, cv=cv)
    assert scores.shape == (3,)
    assert np.all(np.isfinite(scores))
    # the same as fitting each fold by hand on rows X[train] (axis 0)
    manual = [
        clone(estimator).fit(X[train], y[train]).score(X[test], y[test])
        for train, test in cv.split(X, y)
    ]
    np.testing.assert_allclose(scores, manual, rtol=1e-6)


def test_grid_search_3d():
    """sklearn indexes 3D arrays along axis 0: the folds keep the feature axis."""
    X, y = make_classification_data(n_samples=60, n_features=3)
    search = GridSearchCV(
        small_classifier(max_iter=3), {"hidden_size": [4]}, cv=2, refit=True
    ).fit(X, y)
    best = search.best_estimator_
    assert best.n_features_in_ == 3
    assert best.predict(X[:5]).shape == (5,)


# -- clone ---------------------------------------------------------------------
@pytest.mark.parametrize("make_estimator", [small_classifier, small_regressor])
def test_clone_unfitted_with_equal_params(make_estimator):
    est = make_estimator(hidden_size=5, bidirectional=True, alpha=0.01)
    if isinstance(est, LSTMClassifier):
        X, y = make_classification_data(n_samples=40)
        est.set_params(class_weight="balanced")
    else:
        X, y = make_regression_data(n_samples=40)
    est.set_params(max_iter=2).fit(X, y)
    cloned = clone(est)
    assert type(cloned) is type(est)
    assert cloned is not est
    assert cloned.get_params() == est.get_params()
    with pytest.raises(NotFittedError):
        check_is_fitted(cloned)
    for attr in ("module_", "n_features_in_", "n_iter_", "loss_curve_"):
        assert not hasattr(cloned, attr)
    with pytest.raises(NotFittedError):
        cloned.predict(X)
    # the clone fits independently, and to the same result (same random_state)
    cloned.fit(X, y)
    np.testing.assert_allclose(cloned.loss_curve_, est.loss_curve_, rtol=1e-6)


# -- CalibratedClassifierCV ----------------------------------------------------
def test_calibrated_classifier_cv():
    X, y = make_classification_data(n_samples=90)
    X_test, y_test = make_classification_data(n_samples=40, seed=1)
    calibrated = CalibratedClassifierCV(small_classifier(max_iter=8), cv=3)
    calibrated.fit(X, y)
    assert len(calibrated.calibrated_classifiers_) == 3
    np.testing.assert_array_equal(calibrated.classes_, ["neg", "pos"])
    proba = calibrated.predict_proba(X_test)
    assert proba.shape == (len(X_test), 2)
    assert np.all((proba >= 0) & (proba <= 1))
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-7)
    assert calibrated.score(X_test, y_test) >= 0.7


# -- BaggingRegressor ----------------------------------------------------------
def test_bagging_regressor():
    X, y = make_regression_data(n_samples=80)
    X_test, y_test = make_regression_data(n_samples=40, seed=1)
    bag = BaggingRegressor(small_regressor(max_iter=10), n_estimators=3, random_state=0)
    bag.fit(X, y)
    assert len(bag.estimators_) == 3
    assert all(isinstance(e, LSTMRegressor) for e in bag.estimators_)
    pred = bag.predict(X_test)
    assert pred.shape == (len(X_test),)
    members = np.stack([e.predict(X_test) for e in bag.estimators_])
    np.testing.assert_allclose(pred, members.mean(axis=0), rtol=1e-6, atol=1e-6)
    # bootstrap samples differ, so the members do too
    assert not np.allclose(members[0], members[1])
    assert bag.score(X_test, y_test) >= 0.7


# -- TransformedTargetRegressor ------------------------------------------------
def test_transformed_target_regressor():
    X, y = make_regression_data(n_samples=80)
    y = 1000.0 + 100.0 * y
    X_test, y_test = make_regression_data(n_samples=40, seed=1)
    y_test = 1000.0 + 100.0 * y_test
    ttr = TransformedTargetRegressor(
        regressor=small_regressor(max_iter=15), transformer=StandardScaler()
    )
    ttr.fit(X, y)
    assert isinstance(ttr.regressor_, LSTMRegressor)
    pred = ttr.predict(X_test)
    assert pred.shape == (len(X_test),)
    # predictions are mapped back to the original scale of y
    inner = ttr.regressor_.predict(X_test)
    np.testing.assert_allclose(
        pred, ttr.transformer_.inverse_transform(inner.reshape(-1, 1)).ravel(),
        rtol=1e-6,
    )
    assert abs(pred.mean() - y.mean()) < 3 * y.std()
    assert ttr.score(X_test, y_test) >= 0.8


# -- MultiOutputRegressor ------------------------------------------------------
def test_multioutput_regressor():
    X, y1 = make_regression_data(n_samples=80)
    Y = np.column_stack([y1, -2.0 * y1 + 5.0])
    X_test, y1_test = make_regression_data(n_samples=40, seed=1)
    Y_test = np.column_stack([y1_test, -2.0 * y1_test + 5.0])
    multi = MultiOutputRegressor(small_regressor(max_iter=15)).fit(X, Y)
    assert len(multi.estimators_) == 2
    for est in multi.estimators_:
        assert isinstance(est, LSTMRegressor)
        assert est.n_outputs_ == 1
    pred = multi.predict(X_test)
    assert pred.shape == (len(X_test), 2)
    assert multi.score(X_test, Y_test) >= 0.8
    # the second column is anti-correlated with the first
    assert np.corrcoef(pred[:, 0], pred[:, 1])[0, 1] < -0.9


# -- pandas feature names ------------------------------------------------------
@pytest.mark.parametrize("make_estimator", [small_classifier, small_regressor])
def test_dataframe_feature_names(make_estimator):
    make_data = (
        make_classification_data if make_estimator is small_classifier
        else make_regression_data
    )
    X, y = make_data(n_samples=60)
    columns = [f"t{i}" for i in range(X.shape[1])]
    df = pd.DataFrame(X, columns=columns)
    est = make_estimator(max_iter=3).fit(df, y)
    np.testing.assert_array_equal(est.feature_names_in_, columns)
    assert est.n_features_in_ == len(columns)
    # the same columns predict as the plain array does (which warns, below)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        from_array = est.predict(X)
    np.testing.assert_array_equal(est.predict(df), from_array)

    renamed = df.rename(columns={"t0": "other"})
    with pytest.raises(ValueError, match="The feature names should match"):
        est.predict(renamed)
    reordered = df[columns[::-1]]
    with pytest.raises(ValueError, match="The feature names should match"):
        est.predict(reordered)
    with pytest.warns(UserWarning, match="does not have valid feature names"):
        est.predict(X)


def test_dataframe_feature_names_in_pipeline():
    X, y = make_classification_data(n_samples=60)
    columns = [f"t{i}" for i in range(X.shape[1])]
    df = pd.DataFrame(X, columns=columns)
    pipe = make_pipeline(StandardScaler(), small_classifier(max_iter=3)).fit(df, y)
    np.testing.assert_array_equal(pipe.feature_names_in_, columns)
    with pytest.raises(ValueError, match="The feature names should match"):
        pipe.predict(df.rename(columns={"t1": "renamed"}))


def test_array_fit_has_no_feature_names():
    X, y = make_regression_data(n_samples=40)
    est = small_regressor(max_iter=2).fit(X, y)
    assert not hasattr(est, "feature_names_in_")
    est.fit(pd.DataFrame(X, columns=[f"c{i}" for i in range(X.shape[1])]), y)
    assert hasattr(est, "feature_names_in_")
    # a refit on 3D data forgets the column names of the earlier fit
    est.fit(X[:, :, None], y)
    assert not hasattr(est, "feature_names_in_")


# -- Tokenizer in cross-validation: no vocabulary leakage ----------------------
def _leaky_corpus():
    """Documents whose tokens are partly unique to one document."""
    rng = np.random.default_rng(0)
    docs, y = [], []
    for i in range(24):
        label = i % 2
        words = ["common", f"group{i % 5}", f"unique{i}", "pos" if label else "neg"]
        rng.shuffle(words)
        docs.append(" ".join(words))
        y.append(label)
    return docs, np.array(y)


def _vocabulary_of(docs):
    return {word for doc in docs for word in doc.split()}


def test_no_vocabulary_leakage_through_cross_validation():
    docs, y = _leaky_corpus()
    cv = KFold(4, shuffle=True, random_state=0)
    pipe = make_pipeline(
        Tokenizer(level="word"),
        LSTMClassifier(embedding_dim=4, hidden_size=4, max_iter=1, random_state=0),
    )
    result = cross_validate(pipe, docs, y, cv=cv, return_estimator=True)
    splits = list(cv.split(docs, y))
    assert len(result["estimator"]) == len(splits) == 4
    everything = _vocabulary_of(docs)
    for fitted, (train, test) in zip(result["estimator"], splits):
        expected = _vocabulary_of([docs[i] for i in train])
        held_out = {f"unique{i}" for i in test}
        assert held_out <= everything and not held_out & expected  # non-trivial
        vocab = fitted.named_steps["tokenizer"].vocabulary_
        assert set(vocab) == expected
        assert not held_out & set(vocab)
        tokenizer = fitted.named_steps["tokenizer"]
        assert tokenizer.n_tokens_ == len(expected) + 2
        assert fitted.named_steps["lstmclassifier"].n_tokens_ == tokenizer.n_tokens_
    assert np.isfinite(result["test_score"]).all()


class _RecordingTokenizer(Tokenizer):
    """A Tokenizer that records the documents each clone was fitted on."""

    fitted_on: list = []

    def fit(self, X, y=None):
        type(self).fitted_on.append(list(X))
        return super().fit(X, y)


def test_tokenizer_only_sees_training_documents_in_cross_validation():
    docs, y = _leaky_corpus()
    cv = KFold(3, shuffle=True, random_state=1)
    _RecordingTokenizer.fitted_on = []
    pipe = make_pipeline(
        _RecordingTokenizer(level="word"),
        LSTMClassifier(embedding_dim=4, hidden_size=4, max_iter=1, random_state=0),
    )
    cross_validate(pipe, docs, y, cv=cv)
    splits = list(cv.split(docs, y))
    assert len(_RecordingTokenizer.fitted_on) == len(splits)
    for seen, (train, _) in zip(_RecordingTokenizer.fitted_on, splits):
        assert seen == [docs[i] for i in train]
