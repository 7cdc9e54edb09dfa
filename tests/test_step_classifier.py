"""LSTMStepClassifier: a label at every time step.

Shapes for every input form, unlabelled steps, causality, padding
invariance, determinism, persistence, model selection, score, class
weights, partial_fit, refused inputs and generation (a token language
model). The alignment of y with X's steps is unit-tested in
tests/test_data_steps.py, the carried state of generation in
tests/test_nn_stateful.py.
"""

import pickle
import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import accuracy_score
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.utils.class_weight import compute_class_weight

import sklstm
from sklstm import LSTMStepClassifier, Tokenizer
from sklstm.metrics import flat_accuracy, flat_accuracy_score, flat_f1
from sklstm.preprocessing import next_step_targets
from tests._helpers import TOL

CELLS = ["lstm", "gru", "rnn", "peephole"]


def _clf(**kwargs):
    params = dict(hidden_size=4, max_iter=3, random_state=0)
    params.update(kwargs)
    return LSTMStepClassifier(**params)


def _data(n=20, T=6, n_features=2, seed=0):
    """Sequences (n, T, F) and the sign of the running sum of feature 0 at each step."""
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, T, n_features)).astype(np.float32)
    return X, (np.cumsum(X[:, :, 0], axis=1) > 0).astype(int)


def _three_classes(n=20, T=6, seed=0):
    X, _ = _data(n, T, seed=seed)
    return X, np.digitize(np.cumsum(X[:, :, 0], axis=1), [-0.5, 0.5])


def _ragged(n=20, seed=0):
    """Sequences (T_i, 2), T_i in 2..7, and the running-sum sign at each step."""
    rng = np.random.RandomState(seed)
    X = [rng.normal(size=(2 + i % 6, 2)).astype(np.float32) for i in range(n)]
    return X, [(np.cumsum(x[:, 0]) > 0).astype(int) for x in X]


def _padded(seed=0):
    """A NaN-padded (n, T, 2) array: leading padding in rows 0, 2; trailing in 1, 3."""
    X, y = _data(seed=seed)
    X[0, :2] = X[2, :1] = np.nan
    X[1, -3:] = X[3, -1:] = np.nan
    return X, y, ~np.isnan(X[:, :, 0])


def _tokens(n=20, seed=0):
    """Token-id sequences (ids 1..5) and a label per step: is the id odd?"""
    rng = np.random.RandomState(seed)
    X = [rng.randint(1, 6, size=3 + i % 4) for i in range(n)]
    return X, [x % 2 for x in X]


def _as_object_array(seqs):
    out = np.empty(len(seqs), dtype=object)
    out[:] = seqs
    return out


def _same_fit(a, b, X):
    """Bit-identical fits: the same loss curve and the same probabilities."""
    assert a.loss_curve_ == b.loss_curve_
    pa, pb = a.predict_proba(X), b.predict_proba(X)
    if isinstance(pa, list):
        assert all(np.array_equal(u, v, equal_nan=True) for u, v in zip(pa, pb))
    else:
        assert np.array_equal(pa, pb, equal_nan=True)


# -- shapes in and out ------------------------------------------------------------------


def _check_proba(clf, proba, log_proba, pred):
    n_classes = len(clf.classes_)
    assert proba.shape[-1] == n_classes and log_proba.shape == proba.shape
    np.testing.assert_allclose(proba.sum(axis=-1), 1.0, rtol=1e-10)
    np.testing.assert_allclose(np.exp(log_proba), proba, rtol=1e-10)
    np.testing.assert_array_equal(clf.classes_[proba.argmax(axis=-1)], pred)


def test_fixed_length_3d():
    X, y = _three_classes()
    labels = np.array(["low", "mid", "high"])[y]
    clf = _clf().fit(X, labels)
    assert clf.classes_.tolist() == ["high", "low", "mid"]
    assert clf.n_outputs_ == 1 and clf.n_iter_ == 3 and len(clf.loss_curve_) == 3
    pred = clf.predict(X)
    assert pred.shape == (20, 6) and pred.dtype == clf.classes_.dtype
    proba, log_proba = clf.predict_proba(X), clf.predict_log_proba(X)
    assert proba.shape == (20, 6, 3)
    _check_proba(clf, proba, log_proba, pred)
    # any number of steps at predict
    assert clf.predict(X[:3, :4]).shape == (3, 4)
    assert clf.predict_proba(np.zeros((2, 9, 2))).shape == (2, 9, 3)


def test_univariate_2d():
    X, y = _data(n_features=1)
    X2 = X[:, :, 0]
    clf = _clf().fit(X2, y)
    assert clf.n_features_in_ == 6  # the columns of a 2D X, as scikit-learn has it
    assert clf.predict(X2).shape == (20, 6)
    proba = clf.predict_proba(X2)
    assert proba.shape == (20, 6, 2)
    _check_proba(clf, proba, clf.predict_log_proba(X2), clf.predict(X2))
    # the same sequences as 3D: the same network outputs
    same = _clf().fit(X, y)
    np.testing.assert_allclose(same.predict_proba(X), proba, **TOL)


@pytest.mark.parametrize("container", [list, _as_object_array])
def test_ragged_sequences(container):
    X, y = _ragged()
    clf = _clf().fit(container(X), container(y))
    pred = clf.predict(container(X))
    proba = clf.predict_proba(container(X))
    log_proba = clf.predict_log_proba(container(X))
    assert isinstance(pred, list) and isinstance(proba, list) and isinstance(log_proba, list)
    assert [p.shape for p in pred] == [(len(x),) for x in X]
    assert [p.shape for p in proba] == [(len(x), 2) for x in X]
    for p, pp, lp in zip(pred, proba, log_proba):
        _check_proba(clf, pp, lp, p)
        assert set(p.tolist()) <= {0, 1}


def test_ragged_predictions_have_the_dtype_of_classes():
    X, y = _ragged()
    clf = _clf().fit(X, y)
    assert all(p.dtype == clf.classes_.dtype for p in clf.predict(X))


def test_nan_padded_3d():
    X, y, real = _padded()
    y = np.where(real, y, -1)
    clf = _clf(ignore_label=-1).fit(X, y)
    pred = clf.predict(X)
    assert pred.shape == (20, 6) and pred.dtype == np.int64
    assert (pred[~real] == -1).all() and set(pred[real].tolist()) <= {0, 1}
    proba = clf.predict_proba(X)
    log_proba = clf.predict_log_proba(X)
    assert proba.shape == (20, 6, 2)
    assert np.isnan(proba[~real]).all() and np.isnan(log_proba[~real]).all()
    _check_proba(clf, proba[real], log_proba[real], pred[real])

    no_ignore = _clf().fit(X, np.where(real, y, None))  # None: unlabelled
    pred = no_ignore.predict(X)
    assert pred.shape == (20, 6)
    assert all(v is None for v in pred[~real])
    assert set(pred[real].tolist()) <= {0, 1}
    np.testing.assert_array_equal(no_ignore.predict_proba(X), proba)  # the same fit


def test_string_labels_with_a_string_ignore_label():
    X, y, real = _padded()
    labels = np.where(real, np.array(["neg", "pos"])[y], "O")
    clf = _clf(ignore_label="O").fit(X, labels)
    assert clf.classes_.tolist() == ["neg", "pos"]  # the ignore_label is never a class
    pred = clf.predict(X)
    assert (pred[~real] == "O").all() and set(pred[real].tolist()) <= {"neg", "pos"}


def test_int_labels_with_a_string_ignore_label():
    X, y, real = _padded()
    clf = _clf(ignore_label="pad").fit(X, y)
    pred = clf.predict(X)
    assert (pred[~real] == "pad").all()
    assert set(pred[real].tolist()) <= {0, 1}


def test_token_lists_and_zero_padded_ids():
    X, y = _tokens()
    clf = _clf(embedding_dim=3).fit(X, y)
    assert clf.n_tokens_ == 6
    with_zero = np.array([3, 0, 5, 2, 0])  # id 0 inside a sequence: padding
    pred = clf.predict([with_zero, X[1]])
    assert pred[0].shape == (5,) and pred[1].shape == (len(X[1]),)
    assert pred[0][1] is None and pred[0][4] is None
    alone = clf.predict([np.array([3, 5, 2])])[0]
    assert pred[0][[0, 2, 3]].tolist() == alone.tolist()
    proba = clf.predict_proba([with_zero])[0]
    assert proba.shape == (5, 2) and np.isnan(proba[[1, 4]]).all()
    np.testing.assert_allclose(proba[[0, 2, 3]], clf.predict_proba([np.array([3, 5, 2])])[0],
                               **TOL)

    ids = np.zeros((3, 7), dtype=np.int64)  # zero-padded 2D ids (trailing padding)
    for i, x in enumerate(X[:3]):
        ids[i, : len(x)] = x
    pred = clf.predict(ids)
    assert pred.shape == (3, 7)
    assert all(v is None for v in pred[ids == 0]) and set(pred[ids != 0].tolist()) <= {0, 1}
    proba = clf.predict_proba(ids)
    assert proba.shape == (3, 7, 2) and np.isnan(proba[ids == 0]).all()
    for i, x in enumerate(X[:3]):
        np.testing.assert_allclose(proba[i, : len(x)], clf.predict_proba([x])[0], **TOL)
    # ignore_label=0 gives the padding back as 0 (as next_step_targets advises)
    zero = _clf(embedding_dim=3, ignore_label=0).fit(X, [x % 2 + 1 for x in X])
    assert (zero.predict(ids)[ids == 0] == 0).all()


# -- unlabelled steps ---------------------------------------------------------------------


def test_labels_at_unlabelled_steps_do_not_change_the_fit():
    X, y, real = _padded()
    rng = np.random.RandomState(1)
    y1 = np.where(real, y, -1)
    y1[5, 2] = y1[7, 0] = -1  # unlabelled real steps too
    ignored = y1 == -1
    reference = _clf(ignore_label=-1).fit(X, y1)
    # labels at X's padding steps are never read, whatever they are (7: never a class)
    y2 = np.where(real, y1, rng.choice([0, 1, 7], size=y1.shape))
    assert (y2 == 7).any()
    junk = _clf(ignore_label=-1).fit(X, y2)
    assert junk.classes_.tolist() == [0, 1]
    _same_fit(junk, reference, X)
    assert junk.score(X, y2) == reference.score(X, y1)
    # a missing label (None or NaN) is the same as ignore_label
    y3 = np.where(ignored, None, y1)
    _same_fit(_clf(ignore_label=-1).fit(X, y3), reference, X)
    _same_fit(_clf().fit(X, np.where(ignored, np.nan, y1)), reference, X)
    # ...but a label at a real step does change it (the test can fail)
    y4 = y1.copy()
    y4[5, 2] = 1
    assert _clf(ignore_label=-1).fit(X, y4).loss_curve_ != reference.loss_curve_


def test_unlabelled_last_steps_are_as_if_those_steps_were_cut():
    """A causal network: unlabelled last steps neither add loss nor change the rest."""
    X, y = _data()
    masked = y.copy()
    masked[:, -2:] = -1
    # (gate_bias_init='chrono' would set the gate biases by the longest sequence, and
    # standardize=True the feature moments over all input steps, the cut ones too;
    # dropout draws a mask for every step, the cut ones too)
    fixed = dict(gate_bias_init="keras", standardize=False, dropout=0.0)
    full = _clf(ignore_label=-1, **fixed).fit(X, masked)
    cut = _clf(**fixed).fit(X[:, :-2], y[:, :-2])
    np.testing.assert_allclose(full.loss_curve_, cut.loss_curve_, rtol=1e-6)
    np.testing.assert_allclose(full.predict_proba(X)[:, :-2], cut.predict_proba(X[:, :-2]),
                               **TOL)


def test_labels_at_token_padding_and_past_the_end_do_not_change_the_fit():
    X, y = _tokens()
    rng = np.random.RandomState(1)
    X[0] = np.array([2, 0, 3, 0, 4, 0])  # padding ids inside a sequence
    y[0] = np.array([0, -1, 1, -1, 0, -1])
    reference = _clf(embedding_dim=3, ignore_label=-1).fit(X, y)
    y_junk = [np.where(x == 0, rng.randint(0, 2, size=len(x)), t) for x, t in zip(X, y)]
    _same_fit(_clf(embedding_dim=3, ignore_label=-1).fit(X, y_junk), reference, X)
    # a padded array y for a list X: the steps past each sequence's end are ignored
    width = max(len(x) for x in X) + 2
    padded = rng.randint(0, 2, size=(len(X), width))
    for i, t in enumerate(y_junk):
        padded[i, : len(t)] = t
    _same_fit(_clf(embedding_dim=3, ignore_label=-1).fit(X, padded), reference, X)


# -- causality and padding ---------------------------------------------------------------


def test_unidirectional_outputs_do_not_see_the_future():
    X, y = _data()
    t = 2
    changed = X.copy()
    changed[:, t + 1 :] = np.random.RandomState(1).normal(size=changed[:, t + 1 :].shape)
    causal = _clf().fit(X, y)
    before, after = causal.predict_proba(X), causal.predict_proba(changed)
    np.testing.assert_allclose(after[:, : t + 1], before[:, : t + 1], rtol=1e-5, atol=1e-7)
    assert not np.allclose(after[:, t + 1 :], before[:, t + 1 :])
    np.testing.assert_array_equal(causal.predict(changed)[:, : t + 1],
                                  causal.predict(X)[:, : t + 1])
    both = _clf(bidirectional=True).fit(X, y)
    assert not np.allclose(both.predict_proba(changed)[:, : t + 1],
                           both.predict_proba(X)[:, : t + 1], rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("cell", CELLS)
def test_padding_never_changes_the_outputs(cell):
    X, y = _data()
    clf = _clf(cell=cell, max_iter=1).fit(X, y)
    seq = X[0, :4]
    alone = clf.predict_proba(seq[None])[0]
    in_list = clf.predict_proba([X[1], seq, X[2, :5]])[1]
    np.testing.assert_allclose(in_list, alone, **TOL)
    trailing = np.full((3, 6, 2), np.nan, dtype=np.float32)
    trailing[0, :4] = seq
    trailing[1:] = X[1:3]
    out = clf.predict_proba(trailing)
    np.testing.assert_allclose(out[0, :4], alone, **TOL)
    assert np.isnan(out[0, 4:]).all()
    leading = np.full((3, 6, 2), np.nan, dtype=np.float32)
    leading[0, 2:] = seq
    leading[1:] = X[1:3]
    out = clf.predict_proba(leading)
    np.testing.assert_allclose(out[0, 2:], alone, **TOL)
    assert np.isnan(out[0, :2]).all()
    np.testing.assert_allclose(out[1:], clf.predict_proba(X[1:3]), **TOL)


# -- determinism and persistence -------------------------------------------------------------


def test_random_state_makes_fits_reproducible():
    X, y = _ragged()
    a, b = _clf(random_state=3).fit(X, y), _clf(random_state=3).fit(X, y)
    _same_fit(a, b, X)
    assert all(np.array_equal(p, q) for p, q in zip(a.predict(X), b.predict(X)))
    c = _clf(random_state=4).fit(X, y)
    assert c.loss_curve_ != a.loss_curve_
    assert not all(np.array_equal(p, q) for p, q in zip(a.predict_proba(X), c.predict_proba(X)))


def _fitted_for_persistence():
    X, y, real = _padded()
    labels = np.where(real, np.array(["neg", "pos"])[y], "O")
    return _clf(ignore_label="O").fit(X, labels), X


def _check_round_trip(loaded, clf, X):
    assert type(loaded) is LSTMStepClassifier
    assert loaded.get_params() == clf.get_params()
    np.testing.assert_array_equal(loaded.classes_, clf.classes_)
    assert loaded.classes_.dtype == clf.classes_.dtype
    assert loaded.ignore_label == "O"
    np.testing.assert_array_equal(loaded.predict(X), clf.predict(X))
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))
    assert loaded.loss_curve_ == clf.loss_curve_


def test_save_and_load(tmp_path):
    clf, X = _fitted_for_persistence()
    path = tmp_path / "tagger.safetensors"
    sklstm.save(clf, path)
    _check_round_trip(sklstm.load(path), clf, X)


def test_pickle_round_trip():
    clf, X = _fitted_for_persistence()
    _check_round_trip(pickle.loads(pickle.dumps(clf)), clf, X)


def test_save_and_load_a_token_model(tmp_path):
    X, y = _tokens()
    clf = _clf(embedding_dim=3, num_layers=2, cell="peephole").fit(X, y)
    sklstm.save(clf, tmp_path / "m.safetensors")
    loaded = sklstm.load(tmp_path / "m.safetensors")
    assert loaded.n_tokens_ == clf.n_tokens_
    for a, b in zip(loaded.predict_proba(X), clf.predict_proba(X)):
        np.testing.assert_array_equal(a, b)


# -- model selection ----------------------------------------------------------------------


@pytest.mark.parametrize("scoring, metric", [
    (flat_accuracy, flat_accuracy_score),
    (flat_f1, None),
])
def test_grid_search_with_a_flat_scorer(scoring, metric):
    X, y = _ragged()
    X_obj, y_obj = _as_object_array(X), _as_object_array(y)
    search = GridSearchCV(_clf(), {"hidden_size": [4, 8]}, cv=2, scoring=scoring)
    search.fit(X_obj, y_obj)
    assert search.best_params_["hidden_size"] in (4, 8)
    scores = search.cv_results_["mean_test_score"]
    assert scores.shape == (2,) and np.isfinite(scores).all() and (scores <= 1).all()
    assert isinstance(search.predict(X_obj), list)
    if metric is not None:  # the scores are the flat metric of each fold
        expected = []
        for train, test in KFold(2).split(X_obj):
            fold = _clf(hidden_size=8).fit(X_obj[train], y_obj[train])
            expected.append(metric(list(y_obj[test]), fold.predict(X_obj[test])))
        np.testing.assert_allclose(scores[1], np.mean(expected), rtol=1e-12)


def test_flat_scorer_agrees_with_score_on_padded_x():
    X, y, real = _padded()  # y holds a label at every step, padding included
    clf = _clf().fit(X, y)
    assert flat_accuracy(clf, X, y) == pytest.approx(clf.score(X, y), rel=1e-12)


def test_cross_val_score_uses_the_flat_accuracy():
    X, y = _ragged()
    scores = cross_val_score(_clf(), X, y, cv=2)
    expected = [
        _clf().fit([X[i] for i in train], [y[i] for i in train])
        .score([X[i] for i in test], [y[i] for i in test])
        for train, test in KFold(2).split(X)
    ]
    np.testing.assert_allclose(scores, expected, rtol=1e-12)


def test_pipeline_with_a_char_tokenizer():
    docs = ["banana", "apple", "cab", "abacus", "bee", "cocoa", "aa", "bcd"] * 2
    labels = [np.array([c in "aeiou" for c in d], dtype=int) for d in docs]  # a vowel?
    pipe = make_pipeline(Tokenizer(level="char"),
                         _clf(embedding_dim=4, max_iter=40, learning_rate_init=0.05))
    pipe.fit(docs, labels)
    pred = pipe.predict(["cabbage", "zoo"])  # "z" is out of the vocabulary: id 1
    assert [p.shape for p in pred] == [(7,), (3,)]
    assert set(np.concatenate(pred).tolist()) <= {0, 1}
    assert pipe.score(docs, labels) > 0.9  # the identity of a character is easy to learn


# -- score -----------------------------------------------------------------------------------


def test_score_is_the_accuracy_over_labelled_steps():
    X, y = _ragged()
    clf = _clf(ignore_label=-1).fit(X, y)
    y_scored = [t.astype(object) for t in y]
    y_scored[0][0] = None
    y_scored[3][1] = -1
    weight = np.arange(1, 21, dtype=np.float64)
    pred = clf.predict(X)
    flat_true, flat_pred, flat_weight = [], [], []
    for t, p, w in zip(y_scored, pred, weight):
        labelled = np.array([v is not None and v != -1 for v in t])
        flat_true += t[labelled].tolist()
        flat_pred += p[labelled].tolist()
        flat_weight += [w] * labelled.sum()
    assert len(flat_true) == sum(len(t) for t in y) - 2
    expected = accuracy_score(flat_true, flat_pred, sample_weight=flat_weight)
    assert clf.score(X, y_scored, sample_weight=weight) == pytest.approx(expected, rel=1e-12)
    assert clf.score(X, y_scored) == pytest.approx(accuracy_score(flat_true, flat_pred),
                                                   rel=1e-12)
    assert clf.score(X, y_scored, sample_weight=weight) == pytest.approx(
        flat_accuracy_score(y_scored, pred, sample_weight=weight, ignore_label=-1), rel=1e-12)


def test_score_refuses_labels_not_in_classes():
    X, y = _data()
    clf = _clf().fit(X, y)
    bad = y.copy()
    bad[0, 0] = 7
    with pytest.raises(ValueError, match=r"labels \[.*7.*\] that are not in classes_"):
        clf.score(X, bad)
    with pytest.raises(ValueError, match="no labelled step"):
        clf.score(X, np.full(y.shape, None, dtype=object))


def test_early_stopping_scores_the_labelled_validation_steps():
    X, y = _ragged(n=80)
    y[75][0] = -1
    clf = _clf(max_iter=4, early_stopping=True, validation_fraction=0.25,
               validation_split="last", ignore_label=-1).fit(X, y)
    assert len(clf.validation_scores_) == clf.n_iter_
    # the model keeps the weights of the epoch that scored best_validation_score_
    assert clf.best_validation_score_ == pytest.approx(clf.score(X[-20:], y[-20:]), rel=1e-12)


def test_zero_weight_sequences_take_no_part():
    X, y = _data()
    weight = np.ones(20)
    weight[:5] = 0.0
    _same_fit(_clf().fit(X, y, sample_weight=weight), _clf().fit(X[5:], y[5:]), X)


def test_predict_batch_size_does_not_change_the_outputs():
    X, y = _ragged()
    clf = _clf().fit(X, y)
    small = clf.predict_proba(X)
    clf.set_params(predict_batch_size=3)  # batches cut at their own longest sequence
    for a, b in zip(clf.predict_proba(X), small):
        assert a.shape == b.shape
        np.testing.assert_allclose(a, b, **TOL)


# -- class weights ------------------------------------------------------------------------------


def test_zero_class_weight_is_leaving_the_label_out():
    """{1: 0} learns exactly what unlabelled label-1 steps would (up to the loss's scale).

    The loss is normalised by the labelled steps, weight 0 included, so it
    is the unlabelled fit's times a constant; Adam (no L2, no clipping) does
    not see a constant scale.
    """
    X, y = _three_classes()
    params = dict(batch_size=64, alpha=0.0, clip_grad_norm=None)
    weighted = _clf(class_weight={1: 0}, **params)
    unlabelled = _clf(**params)
    y_unlabelled = np.where(y == 1, None, y)
    for _ in range(3):
        weighted.partial_fit(X, y, classes=[0, 1, 2])
        unlabelled.partial_fit(X, y_unlabelled, classes=[0, 1, 2])
    ratio = np.array(weighted.loss_curve_) / np.array(unlabelled.loss_curve_)
    np.testing.assert_allclose(ratio, np.mean(y != 1), rtol=1e-5)
    np.testing.assert_allclose(weighted.predict_proba(X), unlabelled.predict_proba(X),
                               atol=1e-6)


def test_balanced_class_weight_counts_labelled_steps_only():
    X, y, real = _padded()
    y = np.digitize(np.cumsum(np.nan_to_num(X[:, :, 0]), axis=1), [-0.5, 0.5])
    y = np.where(real, y, -1)
    y[:4, 3] = -1
    labelled = y[y != -1]
    weights = compute_class_weight("balanced", classes=np.unique(labelled), y=labelled)
    balanced = _clf(class_weight="balanced", ignore_label=-1).fit(X, y)
    by_hand = _clf(class_weight=dict(zip([0, 1, 2], weights)), ignore_label=-1).fit(X, y)
    _same_fit(balanced, by_hand, X)
    assert balanced.loss_curve_ != _clf(ignore_label=-1).fit(X, y).loss_curve_


@pytest.mark.parametrize("class_weight, match", [
    ({0: -1.0, 1: 1.0}, "non-negative"),
    ({0: 1.0, 5: 1.0}, r"labels \[5\] that are not classes"),
    ({0: 0.0, 1: 0.0}, "weight of 0"),
])
def test_bad_class_weight(class_weight, match):
    X, y = _data()
    with pytest.raises(ValueError, match=match):
        _clf(class_weight=class_weight).fit(X, y)


# -- partial_fit ---------------------------------------------------------------------------------


def test_partial_fit():
    X, y = _data()
    clf = _clf()
    with pytest.raises(ValueError, match="classes must be passed on the first call"):
        clf.partial_fit(X, y)
    assert not hasattr(clf, "classes_")
    clf.partial_fit(X, y, classes=[0, 1, 2])  # 2 never appears in this batch
    assert clf.classes_.tolist() == [0, 1, 2] and clf.n_iter_ == 1
    assert clf.predict_proba(X).shape == (20, 6, 3)
    clf.partial_fit(X, y)
    clf.partial_fit(X, y, classes=[2, 1, 0])
    assert clf.n_iter_ == 3 and len(clf.loss_curve_) == 3
    before = clf.predict_proba(X)
    with pytest.raises(ValueError, match=r"labels \[.*5.*\] that are not in classes_"):
        clf.partial_fit(X, np.where(y == 1, 5, y))
    with pytest.raises(ValueError, match="not the same as on the first call"):
        clf.partial_fit(X, y, classes=[0, 1])
    assert clf.n_iter_ == 3
    np.testing.assert_array_equal(clf.predict_proba(X), before)
    with pytest.raises(ValueError, match="'balanced' is not supported for partial_fit"):
        _clf(class_weight="balanced").partial_fit(X, y, classes=[0, 1])


def test_partial_fit_refuses_a_y_without_labelled_steps():
    X, y = _data()
    clf = _clf().partial_fit(X, y, classes=[0, 1])
    before = clf.predict_proba(X)
    with pytest.raises(ValueError, match="no labelled step"):
        clf.partial_fit(X, np.full(y.shape, None, dtype=object))
    np.testing.assert_array_equal(clf.predict_proba(X), before)


# -- refused inputs ------------------------------------------------------------------------------


def _bad_targets():
    X, y = _data(n=10, T=5)
    Xl, yl = _ragged(n=10)
    short = list(yl)
    short[3] = short[3][:-1]
    return {
        "length": (Xl, short, "Sequence 3 of y has 4 steps, but sequence 3 of X has 5"),
        "1d-array": (X, y[:, 0], r"one target per time step.*got an array of shape \(10,\)"),
        "1d-list": (X, list(y[:, 0]), "one target per sequence .a list of scalars."),
        "steps": (X, y[:, :4], "y has 4 steps per sequence, but X has 5"),
        "3d": (X, y[:, :, None], r"got an array of shape \(10, 5, 1\)"),
        "lists-of-2d": (Xl, [np.zeros((len(x), 2)) for x in Xl], r"sequences of \[2\] dim"),
        "continuous": (X, X[:, :, 0] * 1.5, "Unknown label type: continuous"),
        "no-labelled-step": (X, np.full((10, 5), None, dtype=object),
                             "contains no labelled step"),
        "one-class": (X, np.zeros((10, 5), dtype=int), "only one class"),
        "n-sequences": (X, y[:9], "y has 9 sequences, but X has 10"),
        "list-fewer": (Xl, yl[:9], "y has 9 sequences, but X has 10"),
        "list-more": (Xl, yl + yl[:1], "y has 11 sequences, but X has 10"),
    }


@pytest.mark.parametrize("case", sorted(_bad_targets()))
def test_bad_targets_are_refused(case):
    X, y, match = _bad_targets()[case]
    with pytest.raises(ValueError, match=match):
        _clf(max_iter=1).fit(X, y)


def test_a_failing_refit_changes_nothing():
    X, y = _ragged()
    clf = _clf().fit(X, y)
    before, curve = clf.predict_proba(X), list(clf.loss_curve_)
    short = list(y)
    short[2] = short[2][:-1]
    for warm_start in (False, True):
        clf.set_params(warm_start=warm_start)
        with pytest.raises(ValueError, match="Sequence 2 of y"):
            clf.fit(X, short)
        with pytest.raises(ValueError, match="Sequence 2 of y"):
            clf.partial_fit(X, short)
        assert clf.loss_curve_ == curve
        for a, b in zip(clf.predict_proba(X), before):
            np.testing.assert_array_equal(a, b)
    clf.fit(X, y)  # warm_start=True: training goes on from there
    assert clf.n_iter_ == 6 and clf.loss_curve_[:3] == curve


# -- generation -----------------------------------------------------------------------------------


def test_next_step_targets():
    X, y = next_step_targets([np.array([5, 6, 7]), np.array([8, 9])])
    assert [x.tolist() for x in X] == [[5, 6], [8]]
    assert [t.tolist() for t in y] == [[6, 7], [9]]
    values = np.arange(12.0).reshape(2, 3, 2)
    X, y = next_step_targets(list(values))
    assert [x.shape for x in X] == [(2, 2)] * 2
    np.testing.assert_array_equal(y[1], values[1, 1:])
    X, y = next_step_targets(values)
    assert X.shape == y.shape == (2, 2, 2)
    np.testing.assert_array_equal(X, values[:, :-1])
    np.testing.assert_array_equal(y, values[:, 1:])
    X, y = next_step_targets(np.arange(8).reshape(2, 4))
    assert X.tolist() == [[0, 1, 2], [4, 5, 6]] and y.tolist() == [[1, 2, 3], [5, 6, 7]]


@pytest.mark.parametrize("sequences, match", [
    ([np.array([1, 2]), np.array([3])], r"Sequence 1 has shape \(1,\).*at least 2 steps"),
    ([np.zeros((2, 2, 2))], "Sequence 0 has shape"),
    (np.zeros((3, 1)), r"shape \(3, 1\).*at least 2 steps"),
    (np.zeros(4), r"shape \(4,\)"),
])
def test_next_step_targets_refuses_short_sequences(sequences, match):
    with pytest.raises(ValueError, match=match):
        next_step_targets(sequences)


@pytest.mark.parametrize("sequences, match", [("abc", "got str"), (5, "got int")])
def test_next_step_targets_refuses_non_sequences(sequences, match):
    with pytest.raises(TypeError, match=match):
        next_step_targets(sequences)


@pytest.fixture(scope="module")
def language_model():
    """A model of the token stream 1 2 3 1 2 3 ..."""
    X, y = next_step_targets([np.array([1, 2, 3] * 5)] * 20)
    return LSTMStepClassifier(embedding_dim=4, hidden_size=8, max_iter=20,
                              learning_rate_init=0.05, random_state=0).fit(X, y)


def test_generate_continues_the_pattern(language_model):
    lm = language_model
    assert lm.generate([1, 2], 6, temperature=0).tolist() == [3, 1, 2, 3, 1, 2]
    assert lm.generate([3], 4, temperature=0).tolist() == [1, 2, 3, 1]
    sample = lm.generate([1], 5, random_state=0)
    assert sample.shape == (5,) and sample.dtype == lm.classes_.dtype
    assert sample.tolist() == [2, 3, 1, 2, 3]  # the model is sure of itself


def test_generate_is_reproducible(language_model):
    lm = language_model
    hot = [lm.generate([1, 2], 12, temperature=50.0, random_state=seed).tolist()
           for seed in (0, 0, 1)]
    assert hot[0] == hot[1]
    assert hot[0] != hot[2]  # a flat distribution: another seed, other samples
    assert set(hot[0]) <= {1, 2, 3}


def test_temperature_sharpens_or_flattens_the_samples(language_model):
    def following(ids):  # the fraction of steps that continue the pattern 1 2 3
        ids = [1] + ids
        return np.mean([b == a % 3 + 1 for a, b in zip(ids, ids[1:])])

    cold = language_model.generate([1], 30, temperature=0.1, random_state=0).tolist()
    hot = language_model.generate([1], 30, temperature=100.0, random_state=0).tolist()
    assert following(cold) == 1.0
    assert following(hot) < 0.8  # nearly uniform: a third of the steps by chance


@pytest.mark.parametrize("cell", CELLS)
def test_generate_equals_rereading_the_whole_prefix(cell):
    """The carried state gives what predict gives on the growing sequence (greedy)."""
    X, y = next_step_targets([np.array([1, 2, 3, 4, 2] * 3)] * 10)
    lm = _clf(embedding_dim=3, max_iter=2, num_layers=2, cell=cell).fit(X, y)
    prompt = [4, 1, 3]
    generated = lm.generate(prompt, 6, temperature=0)
    seq = list(prompt)
    for _ in range(6):
        proba = lm.predict_proba([np.array(seq)])[0][-1]
        seq.append(int(lm.classes_[np.argmax(proba)]))
    assert generated.tolist() == seq[len(prompt):]


def test_generate_refusals(language_model):
    X, y = next_step_targets([np.array([1, 2, 3] * 3)] * 6)
    with pytest.raises(ValueError, match="needs a causal model"):
        _clf(embedding_dim=3, bidirectional=True, max_iter=1).fit(X, y).generate([1], 2)
    features, labels = _data(n=6)
    with pytest.raises(ValueError, match="needs token input: fit with embedding_dim"):
        _clf(max_iter=1).fit(features, labels).generate([1], 2)
    with pytest.raises(ValueError, match="classes_ that are token ids"):
        _clf(embedding_dim=3, max_iter=1).fit(X, [t % 2 for t in y]).generate([1], 2)
    lm = language_model
    with pytest.raises(ValueError, match=r"token ids outside 1..3"):
        lm.generate([1, 4], 2)
    with pytest.raises(ValueError, match=r"token ids outside 1..3"):
        lm.generate([0, 1], 2)
    with pytest.raises(ValueError, match="non-empty 1D array of token ids"):
        lm.generate([1.0, 2.0], 2)
    with pytest.raises(ValueError, match="non-empty 1D array of token ids"):
        lm.generate([], 2)
    with pytest.raises(ValueError, match="n_steps"):
        lm.generate([1], 0)
    with pytest.raises(ValueError, match="temperature"):
        lm.generate([1], 2, temperature=-1.0)


def test_an_id_seen_only_as_a_target_can_be_generated_and_read():
    # an end token: next_step_targets drops it from every input
    X, y = next_step_targets([np.array([2, 3, 4] * 5 + [5])] * 20)
    lm = LSTMStepClassifier(embedding_dim=4, hidden_size=8, max_iter=40, random_state=0)
    lm.fit(X, y)
    assert lm.n_tokens_ == 6
    assert lm.generate([2, 3, 4], 3, temperature=0).tolist() == [2, 3, 4]
    assert len(lm.predict([np.array([2, 3, 4, 5])])[0]) == 4


def test_tags_far_above_the_vocabulary_do_not_widen_the_embedding():
    X = [np.array([1, 2, 3, 1])] * 10
    y = [np.array([1000, 2000, 1000, 2000])] * 10
    clf = LSTMStepClassifier(embedding_dim=4, hidden_size=4, max_iter=1, random_state=0).fit(X, y)
    assert clf.n_tokens_ == 4


def test_early_stopping_counts_labelled_steps_not_sequences():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(30, 20, 1))  # 3 validation sequences, 60 labelled steps
    y = (X[:, :, 0] > 0).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # not the too-few-samples warning
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = LSTMStepClassifier(hidden_size=4, max_iter=3, early_stopping=True,
                                 random_state=0).fit(X, y)
    assert clf.validation_scores_ is not None and len(clf.validation_scores_) == 3


def test_generate_before_fit_says_not_fitted():
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        LSTMStepClassifier(embedding_dim=4).generate([1, 2], 3)
