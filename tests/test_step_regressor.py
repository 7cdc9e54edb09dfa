"""LSTMStepRegressor: one value, or ``k`` values, at every time step.

Shapes for every input form, NaN-masked steps, target standardisation,
causality, padding invariance, determinism, persistence, model selection,
score, partial_fit, refused inputs and the free-running rollout. The
alignment of y with X's steps is unit-tested in tests/test_data_steps.py.
"""

import pickle

import numpy as np
import pytest
from sklearn.metrics import r2_score
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score
from sklearn.pipeline import make_pipeline

import sklstm
from sklstm import LSTMStepRegressor, SequenceScaler
from sklstm.metrics import flat_r2, flat_r2_score, neg_flat_mean_squared_error
from sklstm.preprocessing import next_step_targets
from tests._helpers import TOL

CELLS = ["lstm", "gru", "rnn", "peephole"]


def _reg(**kwargs):
    params = dict(hidden_size=4, max_iter=3, random_state=0)
    params.update(kwargs)
    return LSTMStepRegressor(**params)


def _data(n=20, T=6, n_features=2, seed=0):
    """Sequences (n, T, F) and the running sum of feature 0 at each step."""
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, T, n_features)).astype(np.float32)
    return X, np.cumsum(X[:, :, 0], axis=1).astype(np.float64)


def _two_outputs(X):
    """Two targets per step: the running sums of both features."""
    return np.cumsum(X.astype(np.float64), axis=1)


def _ragged(n=20, seed=0):
    rng = np.random.RandomState(seed)
    X = [rng.normal(size=(2 + i % 6, 2)).astype(np.float32) for i in range(n)]
    return X, [np.cumsum(x[:, 0]).astype(np.float64) for x in X]


def _padded(seed=0):
    """A NaN-padded (n, T, 2) array: leading padding in rows 0, 2; trailing in 1, 3."""
    X, y = _data(seed=seed)
    X[0, :2] = X[2, :1] = np.nan
    X[1, -3:] = X[3, -1:] = np.nan
    real = ~np.isnan(X[:, :, 0])
    return X, np.where(real, y, np.nan), real


def _as_object_array(seqs):
    out = np.empty(len(seqs), dtype=object)
    out[:] = seqs
    return out


def _same_fit(a, b, X):
    """Bit-identical fits: the same loss curve and the same predictions."""
    assert a.loss_curve_ == b.loss_curve_
    pa, pb = a.predict(X), b.predict(X)
    if isinstance(pa, list):
        assert all(np.array_equal(u, v, equal_nan=True) for u, v in zip(pa, pb))
    else:
        assert np.array_equal(pa, pb, equal_nan=True)


# -- shapes in and out ------------------------------------------------------------------


def test_one_value_per_step():
    X, y = _data()
    reg = _reg().fit(X, y)
    assert reg.n_outputs_ == 1 and reg.n_iter_ == 3
    pred = reg.predict(X)
    assert pred.shape == (20, 6) and pred.dtype == np.float64 and np.isfinite(pred).all()
    assert reg.predict(X[:2, :3]).shape == (2, 3)  # any number of steps at predict
    # a trailing axis of one output is kept
    kept = _reg().fit(X, y[:, :, None])
    assert kept.n_outputs_ == 1 and kept.predict(X).shape == (20, 6, 1)
    np.testing.assert_array_equal(kept.predict(X)[:, :, 0], pred)


def test_univariate_2d():
    X, y = _data(n_features=1)
    reg = _reg().fit(X[:, :, 0], y)
    assert reg.n_features_in_ == 6
    assert reg.predict(X[:, :, 0]).shape == (20, 6)
    np.testing.assert_allclose(_reg().fit(X, y).predict(X), reg.predict(X[:, :, 0]), **TOL)


def test_several_values_per_step():
    X, _ = _data()
    Y = _two_outputs(X)
    reg = _reg().fit(X, Y)
    assert reg.n_outputs_ == 2
    assert reg.predict(X).shape == (20, 6, 2)
    Xl = [x[: 2 + i % 5] for i, x in enumerate(X)]
    reg = _reg().fit(Xl, [t[: len(x)] for t, x in zip(Y, Xl)])
    pred = reg.predict(Xl)
    assert isinstance(pred, list) and [p.shape for p in pred] == [(len(x), 2) for x in Xl]


@pytest.mark.parametrize("container", [list, _as_object_array])
def test_ragged_sequences(container):
    X, y = _ragged()
    reg = _reg().fit(container(X), container(y))
    pred = reg.predict(container(X))
    assert isinstance(pred, list)
    assert [p.shape for p in pred] == [(len(x),) for x in X]  # 1D, as y was
    assert all(p.dtype == np.float64 and np.isfinite(p).all() for p in pred)


def test_nan_padded_3d():
    X, y, real = _padded()
    reg = _reg().fit(X, y)
    pred = reg.predict(X)
    assert pred.shape == (20, 6)
    assert np.isnan(pred[~real]).all() and np.isfinite(pred[real]).all()
    Y = np.where(real[:, :, None], _two_outputs(np.nan_to_num(X)), np.nan)
    pred = _reg().fit(X, Y).predict(X)
    assert pred.shape == (20, 6, 2)
    assert np.isnan(pred[~real]).all() and np.isfinite(pred[real]).all()


def test_token_input():
    rng = np.random.RandomState(0)
    X = [rng.randint(1, 6, size=3 + i % 4) for i in range(20)]
    reg = _reg(embedding_dim=3).fit(X, [x * 0.5 for x in X])
    pred = reg.predict([np.array([2, 0, 4])])[0]
    assert pred.shape == (3,) and np.isnan(pred[1]) and np.isfinite(pred[[0, 2]]).all()
    np.testing.assert_allclose(pred[[0, 2]], reg.predict([np.array([2, 4])])[0], **TOL)


def test_a_list_of_equal_shape_nan_padded_sequences():
    X, y, real = _padded()
    reg = _reg().fit(X, y)
    as_list = reg.predict(list(X))
    np.testing.assert_allclose(as_list[0], reg.predict(X)[0], equal_nan=True, **TOL)


# -- NaN-masked steps and the standardisation -------------------------------------------------


def test_values_at_unlabelled_steps_do_not_change_the_fit():
    X, y, real = _padded()
    y[5, 2] = y[7, 0] = np.nan  # unlabelled real steps too
    rng = np.random.RandomState(1)
    reference = _reg().fit(X, y)
    junk = np.where(real, y, rng.normal(scale=100.0, size=y.shape))  # values at padding
    _same_fit(_reg().fit(X, junk), reference, X)
    # the same with two outputs, a NaN element included
    Y = np.where(real[:, :, None], _two_outputs(np.nan_to_num(X)), np.nan)
    Y[6, 1, 0] = np.nan
    reference = _reg().fit(X, Y)
    junk = np.where(real[:, :, None], Y, rng.normal(scale=100.0, size=Y.shape))
    _same_fit(_reg().fit(X, junk), reference, X)
    # ...but a value at a labelled step does change it (the test can fail)
    changed = Y.copy()
    changed[6, 1, 1] += 1.0
    assert _reg().fit(X, changed).loss_curve_ != reference.loss_curve_


def test_nan_targets_at_the_last_steps_are_as_if_those_steps_were_cut():
    """A causal network: unlabelled last steps neither add loss nor change the rest."""
    X, y = _data()
    masked = y.copy()
    masked[:, -2:] = np.nan
    # (gate_bias_init='chrono' would set the gate biases by the longest sequence, and
    # standardize=True the feature moments over all input steps, the cut ones too;
    # dropout draws a mask for every step, the cut ones too)
    fixed = dict(gate_bias_init="keras", standardize=False, dropout=0.0)
    full = _reg(**fixed).fit(X, masked)
    cut = _reg(**fixed).fit(X[:, :-2], y[:, :-2])
    np.testing.assert_allclose(full.loss_curve_, cut.loss_curve_, rtol=1e-6)
    np.testing.assert_allclose(full.predict(X)[:, :-2], cut.predict(X[:, :-2]), **TOL)


def test_values_past_the_end_of_list_sequences_do_not_change_the_fit():
    X, y = _ragged()
    reference = _reg().fit(X, y)
    padded = np.random.RandomState(1).normal(size=(len(X), 9))
    for i, t in enumerate(y):
        padded[i, : len(t)] = t
    _same_fit(_reg().fit(X, padded), reference, X)
    nan_padded = np.full((len(X), 7), np.nan)
    for i, t in enumerate(y):
        nan_padded[i, : len(t)] = t
    _same_fit(_reg().fit(X, nan_padded), reference, X)


def test_targets_are_standardised():
    """Any scale and offset of y is learned alike (the mean and std of labelled steps)."""
    X, y, real = _padded()
    small = _reg().fit(X, y)
    large = _reg().fit(X, 1000.0 * y + 5.0)
    np.testing.assert_allclose(large.loss_curve_, small.loss_curve_, rtol=1e-5)
    np.testing.assert_allclose(large.predict(X), 1000.0 * small.predict(X) + 5.0,
                               rtol=1e-4, atol=1e-3)


# -- causality and padding ----------------------------------------------------------------


def test_unidirectional_outputs_do_not_see_the_future():
    X, y = _data()
    t = 3
    changed = X.copy()
    changed[:, t + 1 :] = np.random.RandomState(1).normal(size=changed[:, t + 1 :].shape)
    causal = _reg().fit(X, y)
    before, after = causal.predict(X), causal.predict(changed)
    np.testing.assert_allclose(after[:, : t + 1], before[:, : t + 1], rtol=1e-5, atol=1e-7)
    assert not np.allclose(after[:, t + 1 :], before[:, t + 1 :])
    both = _reg(bidirectional=True).fit(X, y)
    assert not np.allclose(both.predict(changed)[:, : t + 1], both.predict(X)[:, : t + 1],
                           rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("num_layers", [1, 2])
@pytest.mark.parametrize("cell", CELLS)
def test_padding_never_changes_the_outputs(cell, num_layers):
    X, y = _data()
    reg = _reg(cell=cell, num_layers=num_layers, max_iter=1).fit(X, _two_outputs(X))
    seq = X[0, :4]
    alone = reg.predict(seq[None])[0]
    assert alone.shape == (4, 2)
    np.testing.assert_allclose(reg.predict([X[1], seq, X[2, :5]])[1], alone, **TOL)
    for start in (0, 2):  # trailing, then leading padding
        padded = np.full((3, 6, 2), np.nan, dtype=np.float32)
        padded[0, start : start + 4] = seq
        padded[1:] = X[1:3]
        out = reg.predict(padded)
        np.testing.assert_allclose(out[0, start : start + 4], alone, **TOL)
        assert np.isnan(np.delete(out[0], np.s_[start : start + 4], axis=0)).all()
        np.testing.assert_allclose(out[1:], reg.predict(X[1:3]), **TOL)


# -- determinism and persistence -----------------------------------------------------------------


def test_random_state_makes_fits_reproducible():
    X, y, _ = _padded()
    a, b = _reg(random_state=3).fit(X, y), _reg(random_state=3).fit(X, y)
    _same_fit(a, b, X)
    c = _reg(random_state=4).fit(X, y)
    assert c.loss_curve_ != a.loss_curve_
    assert not np.allclose(c.predict(X), a.predict(X), equal_nan=True)


def _check_round_trip(loaded, reg, X):
    assert type(loaded) is LSTMStepRegressor
    assert loaded.get_params() == reg.get_params()
    assert loaded.n_outputs_ == reg.n_outputs_ and loaded.loss_curve_ == reg.loss_curve_
    np.testing.assert_array_equal(loaded.predict(X), reg.predict(X))
    np.testing.assert_array_equal(loaded.generate(X[5, :3], 4), reg.generate(X[5, :3], 4))


def test_save_and_load(tmp_path):
    X, _, real = _padded()
    Y = np.where(real[:, :, None], _two_outputs(np.nan_to_num(X)), np.nan) * 50.0
    reg = _reg(cell="gru").fit(X, Y)
    path = tmp_path / "model.safetensors"
    sklstm.save(reg, path)
    _check_round_trip(sklstm.load(path), reg, X)
    _check_round_trip(pickle.loads(pickle.dumps(reg)), reg, X)


def test_save_and_load_keeps_one_dimensional_targets(tmp_path):
    X, y = _ragged()
    reg = _reg().fit(X, y)
    sklstm.save(reg, tmp_path / "m.safetensors")
    for loaded in (sklstm.load(tmp_path / "m.safetensors"), pickle.loads(pickle.dumps(reg))):
        pred = loaded.predict(X)
        assert [p.shape for p in pred] == [(len(x),) for x in X]
        for a, b in zip(pred, reg.predict(X)):
            np.testing.assert_array_equal(a, b)


# -- model selection -----------------------------------------------------------------------------


@pytest.mark.parametrize("scoring", [flat_r2, neg_flat_mean_squared_error])
def test_grid_search_with_a_flat_scorer(scoring):
    X, y = _ragged()
    X_obj, y_obj = _as_object_array(X), _as_object_array(y)
    search = GridSearchCV(_reg(), {"hidden_size": [4, 8]}, cv=2, scoring=scoring)
    search.fit(X_obj, y_obj)
    assert search.best_params_["hidden_size"] in (4, 8)
    scores = search.cv_results_["mean_test_score"]
    assert scores.shape == (2,) and np.isfinite(scores).all()
    if scoring is flat_r2:
        expected = [
            flat_r2_score(list(y_obj[test]),
                          _reg(hidden_size=4).fit(X_obj[train], y_obj[train]).predict(
                              X_obj[test]))
            for train, test in KFold(2).split(X_obj)
        ]
        np.testing.assert_allclose(scores[0], np.mean(expected), rtol=1e-12)
    else:
        assert (scores < 0).all()


def test_flat_scorer_agrees_with_score_on_padded_x():
    X, _, real = _padded()
    y = _data()[1]  # a value at every step, padding included
    reg = _reg().fit(X, y)
    assert flat_r2(reg, X, y) == pytest.approx(reg.score(X, y), rel=1e-12)


def test_cross_val_score_uses_the_flat_r2():
    X, y = _ragged()
    scores = cross_val_score(_reg(), X, y, cv=2)
    expected = [
        _reg().fit([X[i] for i in train], [y[i] for i in train])
        .score([X[i] for i in test], [y[i] for i in test])
        for train, test in KFold(2).split(X)
    ]
    np.testing.assert_allclose(scores, expected, rtol=1e-12)


def test_pipeline_with_a_sequence_scaler():
    X, y, real = _padded()
    X_raw = X * 100.0 + 7.0
    pipe = make_pipeline(SequenceScaler(), _reg()).fit(X_raw, y)
    pred = pipe.predict(X_raw)
    assert pred.shape == (20, 6) and np.isnan(pred[~real]).all()
    by_hand = _reg().fit(SequenceScaler().fit_transform(X_raw), y)
    np.testing.assert_allclose(pred, by_hand.predict(SequenceScaler().fit(X_raw)
                                                     .transform(X_raw)), **TOL)
    assert pipe.score(X_raw, y) == pytest.approx(by_hand.score(
        SequenceScaler().fit_transform(X_raw), y), rel=1e-5)


# -- score ------------------------------------------------------------------------------------


def test_score_is_r2_over_labelled_steps():
    X, y = _ragged()
    reg = _reg().fit(X, y)
    y_scored = [t.copy() for t in y]
    y_scored[0][0] = y_scored[4][2] = np.nan
    weight = np.arange(1, 21, dtype=np.float64)
    pred = reg.predict(X)
    labelled = [~np.isnan(t) for t in y_scored]
    flat_true = np.concatenate([t[m] for t, m in zip(y_scored, labelled)])
    flat_pred = np.concatenate([p[m] for p, m in zip(pred, labelled)])
    flat_weight = np.concatenate([np.full(m.sum(), w) for m, w in zip(labelled, weight)])
    assert len(flat_true) == sum(len(t) for t in y) - 2
    assert reg.score(X, y_scored, sample_weight=weight) == pytest.approx(
        r2_score(flat_true, flat_pred, sample_weight=flat_weight), rel=1e-12)
    assert reg.score(X, y_scored) == pytest.approx(r2_score(flat_true, flat_pred), rel=1e-12)


def test_score_of_several_outputs_is_their_mean_r2():
    X, _, real = _padded()
    Y = np.where(real[:, :, None], _two_outputs(np.nan_to_num(X)), np.nan)
    reg = _reg().fit(X, Y)
    pred = reg.predict(X)
    flat_true, flat_pred = Y[real], pred[real]
    assert reg.score(X, Y) == pytest.approx(r2_score(flat_true, flat_pred), rel=1e-12)
    Y[6, 1, 0] = np.nan  # one element missing: left out of its output's R² only
    keep = ~np.isnan(Y[real][:, 0])
    expected = np.mean([r2_score(flat_true[keep, 0], flat_pred[keep, 0]),
                        r2_score(flat_true[:, 1], flat_pred[:, 1])])
    assert reg.score(X, Y) == pytest.approx(expected, rel=1e-12)
    with pytest.raises(ValueError, match="y has 1 outputs per step, but the regressor was "
                                         "fitted with 2"):
        reg.score(X, Y[:, :, 0])
    with pytest.raises(ValueError, match="no labelled step"):
        reg.score(X, np.full((20, 6), np.nan))


def test_early_stopping_scores_the_labelled_validation_steps():
    X, y = _ragged(n=80)
    y = [t * 10.0 + 3.0 for t in y]
    y[75][0] = np.nan
    reg = _reg(max_iter=4, early_stopping=True, validation_fraction=0.25,
               validation_split="last").fit(X, y)
    assert len(reg.validation_scores_) == reg.n_iter_
    # the validation R² (of standardised targets: the same R²) of the kept weights
    assert reg.best_validation_score_ == pytest.approx(reg.score(X[-20:], y[-20:]), rel=1e-5)


# -- partial_fit -------------------------------------------------------------------------------


def test_partial_fit_keeps_the_first_standardisation():
    X, y = _data()
    reg = _reg()
    reg.partial_fit(X, y)
    assert reg.n_iter_ == 1
    first = reg.predict(X)
    reg.partial_fit(X, y + 100.0)  # fixed by the first call: only the network moves
    assert reg.n_iter_ == 2 and len(reg.loss_curve_) == 2
    assert reg.loss_curve_[1] > 100 * reg.loss_curve_[0]
    assert not np.array_equal(reg.predict(X), first)
    with pytest.raises(ValueError, match="y has 2 outputs per step, but the regressor was "
                                         "fitted with 1"):
        reg.partial_fit(X, _two_outputs(X))
    assert reg.n_iter_ == 2


# -- refused inputs -------------------------------------------------------------------------------


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
        "4d": (X, y[:, :, None, None], r"got an array of shape \(10, 5, 1, 1\)"),
        "outputs": (Xl, [np.zeros((len(x), 1 + i % 2)) for i, x in enumerate(Xl)],
                    "different numbers of outputs"),
        "infinity": (X, np.where(y > 0, np.inf, y), "infinity"),
        "strings": (X, np.full((10, 5), "a"), "must hold numbers"),
    }


@pytest.mark.parametrize("case", sorted(_bad_targets()))
def test_bad_targets_are_refused(case):
    X, y, match = _bad_targets()[case]
    with pytest.raises(ValueError, match=match):
        _reg(max_iter=1).fit(X, y)


@pytest.mark.parametrize("method", ["fit", "partial_fit"])
def test_a_y_without_labelled_steps_is_refused_clearly(method):
    X, y = _data(n=10, T=5)
    reg = _reg(max_iter=1)
    if method == "partial_fit":
        reg.partial_fit(X, y)  # then a y without targets (encode reshapes it alike)
    with pytest.raises(ValueError, match="no labelled step"):
        getattr(reg, method)(X, np.full_like(y, np.nan))


def test_an_output_without_labelled_steps_is_refused():
    X, _ = _data(n=10, T=5)
    Y = _two_outputs(X)
    Y[:, :, 1] = np.nan
    with pytest.raises(ValueError, match="An output of y has no labelled step"):
        _reg(max_iter=1).fit(X, Y)


def test_a_failing_refit_changes_nothing():
    X, y = _ragged()
    reg = _reg().fit(X, y)
    before, curve = reg.predict(X), list(reg.loss_curve_)
    short = list(y)
    short[2] = short[2][:-1]
    for warm_start in (False, True):
        reg.set_params(warm_start=warm_start)
        with pytest.raises(ValueError, match="Sequence 2 of y"):
            reg.fit(X, short)
        with pytest.raises(ValueError, match="Sequence 2 of y"):
            reg.partial_fit(X, short)
        assert reg.loss_curve_ == curve
        for a, b in zip(reg.predict(X), before):
            np.testing.assert_array_equal(a, b)


# -- generation: the free-running rollout ---------------------------------------------------


def _waves(n=20, T=16, n_features=1):
    phases = np.linspace(0, 6, n)
    steps = np.arange(T)
    waves = np.stack([np.sin(0.3 * steps[:, None] * (1 + np.arange(n_features)) + phase)
                      for phase in phases])
    return waves  # (n, T, n_features)


def _rollout_by_hand(reg, prompt, n_steps):
    """Predict on the growing sequence, appending the last step's prediction each time."""
    seq = np.asarray(prompt, dtype=np.float64)
    seq = seq[:, None] if seq.ndim == 1 else seq
    out = []
    for _ in range(n_steps):
        last = reg.predict(seq[None])[0][-1]
        out.append(last)
        seq = np.vstack([seq, np.reshape(last, (1, -1))])
    return np.array(out)


@pytest.mark.parametrize("cell", CELLS)
def test_rollout_equals_feeding_predictions_back(cell):
    X, y = next_step_targets(_waves())
    reg = _reg(cell=cell, num_layers=2).fit(X, y[:, :, 0])  # 1D targets per sequence
    prompt = _waves()[0, :6, 0]
    rollout = reg.generate(prompt, 5)
    assert rollout.shape == (5,) and rollout.dtype == np.float64
    np.testing.assert_allclose(rollout, _rollout_by_hand(reg, prompt, 5), rtol=1e-5,
                               atol=1e-6)


def test_rollout_of_several_features():
    waves = _waves(n_features=2)
    X, y = next_step_targets(waves)
    reg = _reg().fit(X, y)
    rollout = reg.generate(waves[3, :5], 4)
    assert rollout.shape == (4, 2)
    np.testing.assert_allclose(rollout, _rollout_by_hand(reg, waves[3, :5], 4), rtol=1e-5,
                               atol=1e-6)
    with pytest.raises(ValueError, match=r"prompt must be a non-empty array \(n_steps, 2\)"):
        reg.generate(waves[3, :5, 0], 4)
    with pytest.raises(ValueError, match="NaN"):
        reg.generate(np.full((3, 2), np.nan), 4)


def test_rollout_learns_a_sine():
    waves = _waves(n=30, T=30)
    X, y = next_step_targets(waves)
    reg = _reg(hidden_size=8, max_iter=40, learning_rate_init=0.03).fit(X, y[:, :, 0])
    rollout = reg.generate(waves[0, :20, 0], 3)
    np.testing.assert_allclose(rollout, waves[0, 20:23, 0], atol=0.25)


def test_rollout_refusals():
    X, _ = _data(n=10)
    with pytest.raises(ValueError, match=r"as many outputs per step \(3\) as input features "
                                         r"per step \(2\)"):
        _reg(max_iter=1).fit(X, np.zeros((10, 6, 3)) + X[:, :, :1]).generate(X[0], 2)
    waves = _waves(n=6)
    Xw, yw = next_step_targets(waves)
    with pytest.raises(ValueError, match="needs a causal model"):
        _reg(bidirectional=True, max_iter=1).fit(Xw, yw).generate(waves[0, :3], 2)
    rng = np.random.RandomState(0)
    tokens = [rng.randint(1, 5, size=4) for _ in range(6)]
    with pytest.raises(ValueError, match="token ids"):
        _reg(embedding_dim=2, max_iter=1).fit(tokens, [t * 1.0 for t in tokens]).generate(
            [1, 2], 2)
    reg = _reg(max_iter=1).fit(Xw, yw)
    with pytest.raises(ValueError, match="n_steps"):
        reg.generate(waves[0, :3], 0)
    with pytest.raises(ValueError, match="non-empty"):
        reg.generate(np.zeros((0, 1)), 2)


def test_generate_before_fit_says_not_fitted():
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        LSTMStepRegressor().generate([0.5, 1.0], 3)
