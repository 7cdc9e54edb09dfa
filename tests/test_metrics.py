"""Flat (per-step) metrics and scorers: sklearn's metrics on the labelled steps."""

import pickle
import re

import numpy as np
import pytest
from sklearn import metrics as skm
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score, cross_validate
from sklearn.pipeline import make_pipeline

import sklstm.metrics as M
from sklstm.metrics import (
    SCORERS, flat_accuracy, flat_accuracy_score, flat_classification_report, flat_f1,
    flat_f1_score, flat_fbeta_score, flat_mean_absolute_error, flat_mean_squared_error,
    flat_precision_score, flat_r2, flat_r2_score, flat_recall_score, flatten_steps,
    get_flat_scorer, make_flat_scorer, neg_flat_mean_absolute_error,
    neg_flat_mean_squared_error,
)

NAN = np.nan

# Ragged sequence labelling data: -1 marks unlabelled steps in Y_TRUE.
Y_TRUE = [np.array([0, 1, 1, -1]), np.array([2, 2]), np.array([1, -1, 0, 0, 2]), np.array([0])]
Y_PRED = [np.array([0, 1, 0, 2]), np.array([2, 1]), np.array([1, 1, 0, 2, 2]), np.array([1])]
WEIGHT = np.array([1.0, 3.0, 0.5, 2.0])


def _by_hand(y_true, y_pred, weight=None, skip=lambda v: v == -1):
    """Flatten by hand: every step whose true label is not skipped, weight repeated."""
    t, p, w = [], [], []
    for i, (ts, ps) in enumerate(zip(y_true, y_pred)):
        for a, b in zip(ts, ps):
            if not skip(a):
                t.append(a)
                p.append(b)
                w.append(None if weight is None else weight[i])
    return np.array(t), np.array(p), (None if weight is None else np.array(w))


def test_flatten_steps_matches_hand_flattening_and_repeats_weights():
    t, p, w = flatten_steps(Y_TRUE, Y_PRED, WEIGHT, ignore_label=-1)
    et, ep, ew = _by_hand(Y_TRUE, Y_PRED, WEIGHT)
    assert t.tolist() == et.tolist() and p.tolist() == ep.tolist()
    assert w.tolist() == ew.tolist() == [1, 1, 1, 3, 3, 0.5, 0.5, 0.5, 0.5, 2]
    t, p, w = flatten_steps(Y_TRUE, Y_PRED)  # no ignore_label: every step counts
    assert len(t) == len(p) == 12 and w is None


def test_padded_y_pred_with_list_y_true_drops_steps_past_each_end():
    padded = np.full((4, 6), 9)
    for i, s in enumerate(Y_PRED):
        padded[i, :len(s)] = s
    t, p, _ = flatten_steps(Y_TRUE, padded, ignore_label=-1)
    assert 9 not in p.tolist()
    assert p.tolist() == _by_hand(Y_TRUE, Y_PRED)[1].tolist()


def test_padded_y_true_with_list_y_pred_needs_unlabelled_padding():
    y_true = np.array([[1.0, 2.0, NAN], [3.0, 4.0, 5.0]])
    y_pred = [np.array([1.0, 2.5]), np.array([3.0, 4.0, 4.0])]
    t, p, _ = flatten_steps(y_true, y_pred)
    assert t.tolist() == [1, 2, 3, 4, 5] and p.tolist() == [1, 2.5, 3, 4, 4]
    with pytest.raises(ValueError, match="sequence 1 has 3 steps in y_true but 2 in y_pred"):
        flatten_steps(y_true, [y_pred[0], y_pred[1][:2]])


def test_none_and_nan_steps_are_unlabelled():
    y_true = [np.array(["B", None, "I"], dtype=object), ["O", "B", None]]
    y_pred = [["B", "O", "I"], ["O", "I", "B"]]
    t, p, _ = flatten_steps(y_true, y_pred)
    assert t.tolist() == ["B", "I", "O", "B"] and p.tolist() == ["B", "I", "O", "I"]
    assert flat_accuracy_score(y_true, y_pred) == 0.75
    # Object arrays of numbers with None: numeric labels sklearn can type.
    y_true = [np.array([0, None, 1], dtype=object), [1, None]]
    assert flat_f1_score(y_true, [[0, 0, 1], [0, 1]]) == skm.f1_score([0, 1, 1], [0, 1, 0])
    # NaN in a float array, padded arrays on both sides.
    y_true = np.array([[0.0, 1.0, NAN], [1.0, NAN, NAN]])
    y_pred = np.array([[0, 0, 1], [1, 1, 1]])
    assert flat_accuracy_score(y_true, y_pred) == pytest.approx(2 / 3)
    report = flat_classification_report(y_true, y_pred, output_dict=True)
    assert set(report) >= {"0", "1"}  # whole-number float labels take y_pred's int type


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.UndefinedMetricWarning")
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("metric, sk_metric, kwargs", [
    (flat_accuracy_score, skm.accuracy_score, {}),
    (flat_accuracy_score, skm.accuracy_score, {"normalize": False}),
    (flat_precision_score, skm.precision_score, {"average": "macro"}),
    (flat_precision_score, skm.precision_score, {"average": None, "labels": [0, 2]}),
    (flat_recall_score, skm.recall_score, {"average": "weighted"}),
    (flat_recall_score, skm.recall_score, {"average": None}),
    (flat_f1_score, skm.f1_score, {"average": "micro"}),
    (flat_f1_score, skm.f1_score, {"average": "macro", "zero_division": 0}),
    (flat_fbeta_score, skm.fbeta_score, {"beta": 0.5, "average": "macro"}),
])
@pytest.mark.parametrize("form", ["lists", "arrays"])
def test_classification_metrics_equal_sklearn_on_flattened_steps(
        metric, sk_metric, kwargs, weighted, form):
    y_true, y_pred = Y_TRUE, Y_PRED
    if form == "arrays":  # pad to (n, 5) with the ignored label / anything in y_pred
        y_true = np.full((4, 5), -1)
        y_pred = np.full((4, 5), 7)
        for i, (t, p) in enumerate(zip(Y_TRUE, Y_PRED)):
            y_true[i, :len(t)], y_pred[i, :len(p)] = t, p
    weight = WEIGHT if weighted else None
    et, ep, ew = _by_hand(Y_TRUE, Y_PRED, weight)
    expected = sk_metric(et, ep, sample_weight=ew, **kwargs)
    got = metric(y_true, y_pred, sample_weight=weight, ignore_label=-1, **kwargs)
    np.testing.assert_allclose(got, expected)
    if weighted and kwargs.get("average") != "micro":  # the weights do change the value
        assert not np.allclose(got, sk_metric(et, ep, **kwargs))
    # Without ignore_label every step counts, -1 (and padding) as a label.
    at, ap, aw = _by_hand(y_true, y_pred, weight, skip=lambda v: False)
    assert len(at) > len(et)
    np.testing.assert_allclose(metric(y_true, y_pred, sample_weight=weight, **kwargs),
                               sk_metric(at, ap, sample_weight=aw, **kwargs))


def test_binary_pos_label_on_string_labels():
    y_true = [["I", None, "O"], np.array(["O", "I", "I", None], dtype=object)]
    y_pred = [["I", "I", "I"], ["O", "O", "I", "O"]]
    et, ep = ["I", "O", "O", "I", "I"], ["I", "I", "O", "O", "I"]
    for metric, sk_metric in [(flat_precision_score, skm.precision_score),
                              (flat_recall_score, skm.recall_score),
                              (flat_f1_score, skm.f1_score)]:
        for pos_label in ["I", "O"]:
            assert metric(y_true, y_pred, pos_label=pos_label) == sk_metric(
                et, ep, pos_label=pos_label)
    assert flat_fbeta_score(y_true, y_pred, beta=2, pos_label="O") == skm.fbeta_score(
        et, ep, beta=2, pos_label="O")


@pytest.mark.parametrize("output_dict", [False, True])
def test_classification_report_equals_sklearn(output_dict):
    names = ["zero", "one", "two"]
    et, ep, ew = _by_hand(Y_TRUE, Y_PRED, WEIGHT)
    expected = skm.classification_report(et, ep, target_names=names, sample_weight=ew, digits=3,
                                         output_dict=output_dict)
    got = flat_classification_report(Y_TRUE, Y_PRED, target_names=names, sample_weight=WEIGHT,
                                     digits=3, output_dict=output_dict, ignore_label=-1)
    assert got == expected
    got = flat_classification_report(Y_TRUE, Y_PRED, labels=[0, 1], ignore_label=-1,
                                     output_dict=True)
    assert set(got) == {"0", "1", "micro avg", "macro avg", "weighted avg"}


REG_TRUE = [np.array([1.0, 2.0, NAN, 4.0]), np.array([0.5, -1.0]), np.array([NAN, 3.0, 2.5])]
REG_PRED = [np.array([1.5, 2.0, 99.0, 3.0]), np.array([0.0, -2.0]), np.array([50.0, 2.0, 2.5])]


@pytest.mark.parametrize("metric, sk_metric", [
    (flat_r2_score, skm.r2_score),
    (flat_mean_squared_error, skm.mean_squared_error),
    (flat_mean_absolute_error, skm.mean_absolute_error),
])
@pytest.mark.parametrize("weight", [None, np.array([1.0, 4.0, 0.25])])
def test_regression_metrics_skip_nan_steps(metric, sk_metric, weight):
    et, ep, ew = _by_hand(REG_TRUE, REG_PRED, weight, skip=np.isnan)
    assert len(et) == 7
    assert metric(REG_TRUE, REG_PRED, sample_weight=weight) == pytest.approx(
        sk_metric(et, ep, sample_weight=ew))


def _k_output_data():
    rng = np.random.default_rng(0)
    y_true = rng.normal(size=(5, 6, 3)) * np.array([1.0, 3.0, 0.5])
    y_pred = y_true + rng.normal(size=y_true.shape)
    y_true[0, 1, 0] = y_true[2, 4, 2] = y_true[3, 0, 2] = NAN  # single elements
    y_true[4, 5, :] = NAN  # a whole step
    return y_true, y_pred


@pytest.mark.parametrize("metric, sk_metric", [
    (flat_r2_score, skm.r2_score),
    (flat_mean_squared_error, skm.mean_squared_error),
    (flat_mean_absolute_error, skm.mean_absolute_error),
])
@pytest.mark.parametrize("multioutput", ["raw_values", "uniform_average", [1.0, 2.0, 0.5]])
@pytest.mark.parametrize("weighted", [False, True])
def test_k_output_regression_skips_nan_elements_per_output(
        metric, sk_metric, multioutput, weighted):
    y_true, y_pred = _k_output_data()
    weight = np.array([1.0, 2.0, 0.5, 3.0, 1.0]) if weighted else None
    raw = []
    for j in range(3):
        et, ep, ew = _by_hand(y_true[..., j], y_pred[..., j], weight, skip=np.isnan)
        raw.append(sk_metric(et, ep, sample_weight=ew))
    if multioutput == "raw_values":
        expected = raw
    elif multioutput == "uniform_average":
        expected = np.mean(raw)
    else:
        expected = np.average(raw, weights=multioutput)
    for form in (y_true, list(y_true)):  # an array (n, T, k) or a list of (T, k)
        got = metric(form, y_pred, sample_weight=weight, multioutput=multioutput)
        np.testing.assert_allclose(got, expected)


def test_k_output_r2_variance_weighted():
    y_true, y_pred = _k_output_data()
    raw, denominators = [], []
    for j in range(3):
        et, ep, _ = _by_hand(y_true[..., j], y_pred[..., j], skip=np.isnan)
        raw.append(skm.r2_score(et, ep))
        denominators.append(((et - et.mean()) ** 2).sum())
    assert flat_r2_score(y_true, y_pred, multioutput="variance_weighted") == pytest.approx(
        np.average(raw, weights=denominators))
    # Without NaN elements sklearn's own multioutput handling is used on the flat steps.
    clean = y_true[:2, 2:]
    assert flat_r2_score(clean, y_pred[:2, 2:], multioutput="variance_weighted") == pytest.approx(
        skm.r2_score(clean.reshape(-1, 3), y_pred[:2, 2:].reshape(-1, 3),
                     multioutput="variance_weighted"))
    with pytest.raises(ValueError, match="multioutput"):
        flat_mean_squared_error(y_true, y_pred, multioutput="variance_weighted")


PER_STEP = re.escape(
    "per-step metrics need one label per step: y_true must be a list of per-sequence arrays "
    "or an array (n_sequences, n_steps); for one label per sequence use sklearn.metrics")


@pytest.mark.parametrize("y_true, y_pred, match", [
    (Y_TRUE[:3], Y_PRED, "y_true has 3 sequences but y_pred has 4"),
    (Y_TRUE, Y_PRED[:2] + [Y_PRED[2][:4]] + Y_PRED[3:], "sequence 2 has 5 steps in y_true but 4"),
    ([[0, 1], [1, 1, 0]], np.zeros((2, 2)), "sequence 1 has 3 steps in y_true but 2 in y_pred"),
    (np.zeros((2, 3)), np.zeros((2, 4)), r"different shapes: \(2, 3\) and \(2, 4\)"),
    (np.array([0, 1, 1]), np.array([0, 1, 0]), PER_STEP),
    ([0, 1, 1], [0, 1, 0], PER_STEP),
    ([[0, 1], [1]], np.array([0, 1]), PER_STEP.replace("y_true", "y_pred")),
    ([np.zeros((2, 3)), np.zeros((2, 2))], [np.zeros((2, 3))] * 2, "sequence 1 has shape"),
    ([np.zeros((2, 3))], [np.zeros((2, 2))], r"sequence 0 has per-step shape \(3,\)"),
    ([[-1, -1], [-1]], [[0, 1], [0]], "no labelled steps in y_true"),
    ([[NAN], [None]], [[0], [1]], "no labelled steps in y_true"),
])
def test_errors(y_true, y_pred, match):
    with pytest.raises(ValueError, match=match):
        flat_accuracy_score(y_true, y_pred, ignore_label=-1)


def test_sample_weight_must_be_per_sequence():
    with pytest.raises(ValueError, match="one weight per sequence: shape \\(10,\\) for 4"):
        flat_accuracy_score(Y_TRUE, Y_PRED, sample_weight=np.ones(10))


class StepThreshold(BaseEstimator):
    """Fake per-step classifier: label 1 where the step's feature exceeds threshold."""

    def __init__(self, threshold=0.0, ignore_label=None, as_array=False):
        self.threshold = threshold
        self.ignore_label = ignore_label
        self.as_array = as_array

    def fit(self, X, y=None):
        self.fitted_ = True
        return self

    def predict(self, X):
        pred = [(np.asarray(x)[:, 0] > self.threshold).astype(int) for x in X]
        return np.array(pred) if self.as_array else pred


class Identity(TransformerMixin, BaseEstimator):
    def fit(self, X, y=None):
        return self

    def transform(self, X):
        return X


def _step_data(n=12, ragged=True, seed=0):
    rng = np.random.default_rng(seed)
    lengths = rng.integers(3, 7, size=n) if ragged else np.full(n, 5)
    X = np.empty(n, dtype=object)
    X[:] = [rng.normal(size=(t, 1)) for t in lengths]
    y = [(x[:, 0] > 0.3).astype(int) for x in X]
    for s in y:
        s[0] = -1  # the first step of every sequence is unlabelled
    return X, y


def test_scorer_takes_ignore_label_from_the_estimator_or_pipeline_last_step():
    X, y = _step_data()
    pred = StepThreshold(0.3).predict(X)
    with_ignore = flat_accuracy_score(y, pred, ignore_label=-1)
    assert with_ignore == 1.0
    assert flat_accuracy(StepThreshold(0.3, ignore_label=-1), X, y) == with_ignore
    assert flat_accuracy(StepThreshold(0.3), X, y) < 1.0  # -1 counted as a wrong label
    pipe = make_pipeline(Identity(), StepThreshold(0.3, ignore_label=-1)).fit(X, y)
    assert flat_accuracy(pipe, X, y) == with_ignore
    nested = make_pipeline(Identity(), make_pipeline(StepThreshold(0.3, ignore_label=-1)))
    nested.fit(X, y)
    assert flat_accuracy(nested, X, y) == with_ignore
    # ignore_label given to make_flat_scorer wins over the estimator's.
    assert make_flat_scorer(flat_accuracy_score, ignore_label=None)(
        StepThreshold(0.3, ignore_label=-1), X, y) < 1.0


def test_scorer_sample_weight_and_ready_made_scorers_equal_the_metrics():
    X, y = _step_data(ragged=False)
    est = StepThreshold(0.0, ignore_label=-1, as_array=True)
    pred = est.predict(X)
    w = np.arange(1.0, 13.0)
    assert flat_accuracy(est, X, y, sample_weight=w) == flat_accuracy_score(
        y, pred, sample_weight=w, ignore_label=-1)
    for name, average in [("flat_f1", "macro"), ("flat_f1_weighted", "weighted"),
                          ("flat_f1_micro", "micro")]:
        assert SCORERS[name](est, X, y) == flat_f1_score(y, pred, average=average,
                                                         ignore_label=-1)
    assert SCORERS["flat_precision"](est, X, y) == flat_precision_score(
        y, pred, average="macro", ignore_label=-1)
    assert SCORERS["flat_recall"](est, X, y) == flat_recall_score(
        y, pred, average="macro", ignore_label=-1)
    assert get_flat_scorer("flat_f1") is flat_f1
    with pytest.raises(ValueError, match="unknown flat scorer 'f1'"):
        get_flat_scorer("f1")


class StepEcho(BaseEstimator):
    """Fake per-step regressor: predicts scale * the step's feature."""

    def __init__(self, scale=1.0):
        self.scale = scale

    def fit(self, X, y=None):
        return self

    def predict(self, X):
        return [self.scale * np.asarray(x)[:, 0] for x in X]


def test_error_scorers_are_negated():
    X, _ = _step_data()
    y = [2.0 * x[:, 0] for x in X]
    y[0][1] = NAN
    est = StepEcho(1.5)
    pred = est.predict(X)
    mse = flat_mean_squared_error(y, pred)
    assert mse > 0
    assert neg_flat_mean_squared_error(est, X, y) == -mse
    assert neg_flat_mean_absolute_error(est, X, y) == -flat_mean_absolute_error(y, pred)
    assert flat_r2(est, X, y) == flat_r2_score(y, pred)
    assert repr(neg_flat_mean_squared_error) == (
        "make_flat_scorer(flat_mean_squared_error, greater_is_better=False)")
    assert repr(flat_f1) == "make_flat_scorer(flat_f1_score, average='macro')"


def test_cross_val_score_and_grid_search():
    X, y = _step_data(n=15)
    cv = KFold(3)
    scores = cross_val_score(StepThreshold(0.0, ignore_label=-1), X, y, scoring=flat_f1, cv=cv)
    expected = [flat_f1_score([y[i] for i in test], StepThreshold(0.0).predict(X[test]),
                              average="macro", ignore_label=-1)
                for _, test in cv.split(X)]
    np.testing.assert_allclose(scores, expected)
    assert scores.min() < 1.0
    search = GridSearchCV(StepThreshold(ignore_label=-1), {"threshold": [-0.5, 0.3, 1.0]},
                          scoring={"f1": flat_f1, "acc": flat_accuracy}, refit="f1", cv=cv)
    search.fit(X, np.array(y, dtype=object))  # y as an object array of sequences too
    assert search.best_params_ == {"threshold": 0.3}
    assert search.cv_results_["mean_test_acc"][1] == 1.0
    assert search.cv_results_["mean_test_acc"][0] < 1.0
    y_reg = [2.0 * x[:, 0] for x in X]
    search = GridSearchCV(StepEcho(), {"scale": [1.0, 2.0, 3.0]}, cv=cv,
                          scoring=neg_flat_mean_squared_error)
    assert search.fit(X, y_reg).best_params_ == {"scale": 2.0}
    assert search.best_score_ == pytest.approx(0.0)
    scoring = {name: SCORERS[name] for name in
               ["flat_r2", "neg_flat_mean_squared_error", "neg_flat_mean_absolute_error"]}
    result = cross_validate(StepEcho(1.0), X, y_reg, cv=cv, scoring=scoring)
    assert result["test_flat_r2"].max() < 1.0
    assert result["test_neg_flat_mean_absolute_error"].max() < 0


def test_scorers_pickle():
    X, y = _step_data()
    est = StepThreshold(0.0, ignore_label=-1)
    for scorer in SCORERS.values():
        if scorer._metric in (flat_r2_score, flat_mean_squared_error, flat_mean_absolute_error):
            continue
        loaded = pickle.loads(pickle.dumps(scorer))
        assert repr(loaded) == repr(scorer)
        assert loaded(est, X, y) == scorer(est, X, y)
    loaded = pickle.loads(pickle.dumps(neg_flat_mean_absolute_error))
    X_reg, _ = _step_data()
    y_reg = [x[:, 0] + 1 for x in X_reg]
    assert loaded(StepEcho(), X_reg, y_reg) == pytest.approx(-1.0)


def test_public_names():
    for name in M.__all__:
        assert getattr(M, name) is not None
    assert set(SCORERS) <= set(M.__all__)
    assert {"flatten_steps", "make_flat_scorer", "get_flat_scorer", "SCORERS"} <= set(M.__all__)
