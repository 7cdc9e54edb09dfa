"""Shared machinery: reproducibility, cuDNN determinism, RNG, persistence, device, weights."""

import io
import pickle

import joblib
import numpy as np
import pytest
from sklearn.exceptions import NotFittedError
import torch

from sklstm import LSTMClassifier, LSTMRegressor
from sklstm._runtime import resolve_device
from sklstm.training import Trainer
from sklstm.nn import CELLS
from tests._helpers import CHECK_PARAMS, outputs

ESTIMATORS = [LSTMClassifier, LSTMRegressor]


def _data(n=60, T=5, F=2, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, T, F)).astype(np.float32)
    return X, (X.sum(axis=(1, 2)) > 0).astype(int)


def _fit(cls, X, y, **kwargs):
    params = dict(hidden_size=8, max_iter=4, dropout=0.2, num_layers=2, random_state=0)
    params.update(kwargs)
    return cls(**params).fit(X, y)


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("cls", ESTIMATORS)
def test_same_random_state_gives_bit_identical_predictions(cls, cell):
    # initial weights (attention and dense layers too), dropout between two
    # layers and shuffled mini-batches: every use of the random state
    X, y = _data()
    params = dict(cell=cell, batch_size=20, pooling="attention", head_hidden_sizes=(3,))
    a, b = _fit(cls, X, y, **params), _fit(cls, X, y, **params)
    np.testing.assert_array_equal(outputs(a, X), outputs(b, X))
    assert a.loss_curve_ == b.loss_curve_
    c = _fit(cls, X, y, random_state=1, **params)
    assert not np.array_equal(outputs(a, X), outputs(c, X))


def _cudnn_flags():
    cudnn = torch.backends.cudnn
    return cudnn.enabled, cudnn.benchmark, cudnn.deterministic


@pytest.mark.parametrize("training", [True, False], ids=["fit", "predict"])
@pytest.mark.parametrize("deterministic", [True, False])
def test_deterministic_sets_cudnn_flags_inside_cuda_calls_only(deterministic, training):
    # CPU kernels are deterministic already: the parameter only switches cuDNN's
    # flags, which are readable without a GPU. A user's global setting here:
    # autotuning on, which ``deterministic`` must turn off inside fit/predict.
    est = LSTMRegressor(deterministic=deterministic)
    with torch.backends.cudnn.flags(enabled=True, benchmark=True, deterministic=False):
        before = _cudnn_flags()
        est.device_ = torch.device("cuda")  # the settings of a CUDA fit / predict
        with est._compute_settings(est.device_, training=training):
            on_cuda = _cudnn_flags()
        assert _cudnn_flags() == before  # put back on exit...
        with pytest.raises(RuntimeError, match="boom"):
            with est._compute_settings(est.device_, training=training):
                raise RuntimeError("boom")
        assert _cudnn_flags() == before  # ...also after an error
        est.device_ = torch.device("cpu")
        with est._compute_settings(est.device_, training=training):
            on_cpu = _cudnn_flags()
    assert on_cuda == ((True, False, True) if deterministic else before)
    assert on_cpu == before


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_deterministic_cuda_fits_use_deterministic_cudnn_and_agree(monkeypatch):
    import sklstm._training as training

    seen = set()
    real_step = training._train_step

    def step(*args):
        seen.add(_cudnn_flags())
        return real_step(*args)

    monkeypatch.setattr(training, "_train_step", step)
    X, y = _data()
    with torch.backends.cudnn.flags(enabled=True, benchmark=True, deterministic=False):
        fits = [_fit(LSTMRegressor, X, y.astype(float), device="cuda", deterministic=True)
                for _ in range(2)]
        assert seen == {(True, False, True)}
        assert _cudnn_flags() == (True, True, False)
        seen.clear()
        _fit(LSTMRegressor, X, y.astype(float), device="cuda", deterministic=False)
        assert seen == {(True, True, False)}
    np.testing.assert_array_equal(fits[0].predict(X), fits[1].predict(X))


def test_random_state_instance_is_consumed_like_sklearn():
    X, y = _data()
    rs = np.random.RandomState(0)
    a = _fit(LSTMClassifier, X, y, random_state=rs)
    b = _fit(LSTMClassifier, X, y, random_state=rs)
    assert not np.array_equal(outputs(a, X), outputs(b, X))


def test_fit_leaves_torch_global_rng_untouched():
    X, y = _data()
    state = torch.random.get_rng_state()
    _fit(LSTMClassifier, X, y)
    assert torch.equal(state, torch.random.get_rng_state())


@pytest.mark.parametrize("cls", ESTIMATORS)
def test_pickle_and_joblib_round_trip(cls):
    X, y = _data()
    est = _fit(cls, X, y)
    restored = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(outputs(est, X), outputs(restored, X))
    buffer = io.BytesIO()
    joblib.dump(est, buffer)
    buffer.seek(0)
    np.testing.assert_array_equal(outputs(est, X), outputs(joblib.load(buffer), X))
    # the original is untouched by pickling and keeps working
    assert isinstance(est.module_, torch.nn.Module)


@pytest.mark.parametrize(
    "changed", [{"hidden_size": 6}, {"cell": "gru"}, {"pooling": "attention"}, {"dropout": 0.0}]
)
def test_structure_is_fixed_at_fit(changed):
    # set_params after fit changes neither the fitted network nor its pickling...
    X, y = _data()
    est = _fit(LSTMClassifier, X, y, warm_start=True)
    before = outputs(est, X)
    est.set_params(**changed)
    restored = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(outputs(restored, X), before)
    # ...and continuing to train that network says what changed and what to do
    for refit in (est.fit, est.partial_fit):
        with pytest.raises(ValueError, match=rf"structure changed since it was fitted \({next(iter(changed))} .*warm_start=False"):
            refit(X, y)
    est.set_params(warm_start=False).fit(X, y)  # a new network of the new structure
    assert est._architecture[next(iter(changed))] == next(iter(changed.values()))


def test_pickle_keeps_optimizer_state_for_partial_fit():
    X, y = _data()
    est = _fit(LSTMRegressor, X, y.astype(float), dropout=0.0)
    restored = pickle.loads(pickle.dumps(est))
    est.partial_fit(X, y.astype(float))
    restored.partial_fit(X, y.astype(float))
    np.testing.assert_array_equal(est.predict(X), restored.predict(X))
    assert restored.n_iter_ == est.n_iter_ == 5


def test_pickled_state_holds_only_cpu_tensors():
    X, y = _data()
    est = _fit(LSTMClassifier, X, y)
    state = est.__getstate__()
    assert isinstance(state["module_"], dict)
    assert all(t.device.type == "cpu" for t in state["module_"].values())
    assert state["device_"] == torch.device("cpu")


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_fit_unpickles_on_cpu():
    X, y = _data()
    est = _fit(LSTMClassifier, X, y, device="cuda")
    assert next(est.module_.parameters()).is_cuda
    restored = pickle.loads(pickle.dumps(est))
    assert next(restored.module_.parameters()).device.type == "cpu"
    np.testing.assert_allclose(outputs(est, X), outputs(restored, X), atol=1e-5)


def test_device_resolution():
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert resolve_device("auto").type == expected
    assert resolve_device(torch.device("cpu")).type == "cpu"
    with pytest.raises(ValueError, match="not a valid torch device"):
        resolve_device("banana")
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="CUDA is not available"):
            resolve_device("cuda")
    X, y = _data()
    assert _fit(LSTMClassifier, X, y, device="cpu").device_ == torch.device("cpu")


def _repeated_vs_weighted(cls, y_kind, alpha):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(20, 6, 2))
    y = rng.randint(0, 3, 20) if y_kind == "class" else rng.normal(size=20)
    sw = rng.randint(0, 4, 20)
    params = dict(hidden_size=8, batch_size=1000, max_iter=10, random_state=0, alpha=alpha,
                  dropout=0.0)  # dropout masks are drawn per row: not equivalent
    weighted = cls(**params).fit(X, y, sample_weight=sw)
    repeated = cls(**params).fit(X.repeat(sw, axis=0), y.repeat(sw))
    return outputs(weighted, X), outputs(repeated, X)


@pytest.mark.parametrize("alpha", [0.0, 1e-4, 1e-2])  # the penalty counts weights, not rows
@pytest.mark.parametrize("cls, y_kind", [(LSTMClassifier, "class"), (LSTMRegressor, "reg")])
def test_integer_sample_weight_equals_repeating_rows(cls, y_kind, alpha):
    """Equivalence to float32 precision (sklearn's 1e-7 check is xfailed)."""
    weighted, repeated = _repeated_vs_weighted(cls, y_kind, alpha)
    np.testing.assert_allclose(weighted, repeated, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("cls", [LSTMClassifier, LSTMRegressor])
def test_sample_weight_equivalence_on_the_checks_data_holds_for_20_full_batch_epochs(cls):
    """The documented numbers for sklearn's xfailed check: agreement to 5e-5 after 20 epochs."""
    rng = np.random.RandomState(42)  # the data of check_sample_weight_equivalence_*
    X, y, sw = rng.rand(15, 30), rng.randint(0, 3, size=15), rng.randint(0, 5, size=15)
    y = y if cls is LSTMClassifier else y.astype(float)
    params = dict(CHECK_PARAMS, max_iter=20, tol=0.0, random_state=0)
    weighted = cls(**params).fit(X, y, sample_weight=sw)
    repeated = cls(**params).fit(X.repeat(sw, axis=0), y.repeat(sw))
    np.testing.assert_allclose(outputs(weighted, X), outputs(repeated, X), rtol=0, atol=5e-5)


def test_sample_weight_changes_the_fit():
    X, y = _data()
    w = np.where(y == 1, 10.0, 0.1)
    params = dict(hidden_size=8, max_iter=20, num_layers=2, random_state=0)
    plain = LSTMClassifier(**params).fit(X, y)
    weighted = LSTMClassifier(**params).fit(X, y, sample_weight=w)
    # measured gap of the mean P(class 1), random_state 0-3: 0.12-0.18
    assert weighted.predict_proba(X)[:, 1].mean() > plain.predict_proba(X)[:, 1].mean() + 0.05


def test_history_is_a_dataframe_consistent_with_mlp_attributes():
    X, y = _data()
    est = _fit(LSTMClassifier, X, y, early_stopping=True, max_iter=5, n_iter_no_change=50,
               validation_fraction=0.4)
    h = est.history_
    assert list(h.columns) == ["train_loss", "valid_loss", "valid_score", "learning_rate", "seconds"]
    assert h.index.name == "epoch" and h.index.tolist() == [1, 2, 3, 4, 5]
    assert h["train_loss"].tolist() == est.loss_curve_
    assert h["valid_score"].tolist() == est.validation_scores_
    assert h["valid_loss"].notna().all() and (h["seconds"] > 0).all()


def test_warm_start_and_partial_fit_keep_optimizer_state_and_history():
    X, y = _data()
    est = _fit(LSTMClassifier, X, y, warm_start=True, max_iter=2, batch_size=20)
    param = next(est.module_.parameters())
    assert int(est.optimizer_.state[param]["step"]) == 2 * 3
    est.fit(X, y)  # trains a copy of the network and publishes it: look the parameter up again
    param = next(est.module_.parameters())
    assert int(est.optimizer_.state[param]["step"]) == 4 * 3
    est.partial_fit(X, y)
    param = next(est.module_.parameters())
    assert int(est.optimizer_.state[param]["step"]) == 5 * 3
    assert est.n_iter_ == 5 and len(est.history_) == 5
    assert est.history_.index.tolist() == [1, 2, 3, 4, 5]


def test_validation_split_last_holds_out_the_last_rows():
    X, y = _data(100)
    est = _fit(LSTMClassifier, X, y, early_stopping=True, validation_split="last",
               validation_fraction=0.2, dropout=0.0, max_iter=6)
    # the best weights are restored, so the score on the last 20 rows is the best one
    assert est.score(X[-20:], y[-20:]) == est.best_validation_score_


def test_validation_fraction_too_large_for_the_data():
    X, y = _data(3)
    with pytest.raises(ValueError, match="leaves an empty training"):
        _fit(LSTMRegressor, X, y.astype(float), early_stopping=True, validation_fraction=0.99)


def test_divergence_raises_and_changes_nothing():
    X, y = _data()
    est = LSTMRegressor(hidden_size=8, solver="sgd", learning_rate_init=1e8,
                        clip_grad_norm=None, max_iter=50, random_state=0)
    with pytest.raises(ValueError, match=r"Training diverged in epoch \d+, batch \d+"):
        est.fit(X, 1000 * y.astype(float))
    with pytest.raises(NotFittedError):  # a first fit that failed leaves it unfitted
        est.predict(X)
    est.set_params(learning_rate_init=1e-3, max_iter=2).fit(X, y.astype(float))
    before = est.predict(X)
    with pytest.raises(ValueError, match=r"Training diverged"):
        est.set_params(learning_rate_init=1e8, max_iter=50).fit(X, 1000 * y.astype(float))
    np.testing.assert_array_equal(est.predict(X), before)  # the earlier fit, exactly
    assert est.n_iter_ == len(est.history_) == 2


class _InterruptedTrainer(Trainer):
    """Ctrl-C at the fifth batch: inside the second epoch (2 batches per epoch)."""

    def train_step(self, batch):
        self.calls = getattr(self, "calls", 0) + 1
        if self.calls == 5:
            raise KeyboardInterrupt
        return super().train_step(batch)


class _InterruptedClassifier(LSTMClassifier):
    trainer_class = _InterruptedTrainer


def test_keyboard_interrupt_during_fit_leaves_a_predictable_model():
    X, y = _data(60)
    with pytest.warns(UserWarning, match="interrupted by user"):
        est = _fit(_InterruptedClassifier, X, y, batch_size=30, max_iter=10)
    assert est.n_iter_ == 2
    assert est.predict(X).shape == (60,)


@pytest.mark.parametrize("cls", ESTIMATORS)
def test_predict_batch_size_does_not_change_predictions(cls):
    X, y = _data()
    est = _fit(cls, X, y)
    a = outputs(est, X)
    est.set_params(predict_batch_size=7)
    np.testing.assert_allclose(outputs(est, X), a, rtol=1e-6, atol=1e-7)


class _HuberTrainer(Trainer):
    """The README's example: Huber loss, and a count of the batches it trained on."""

    def compute_loss(self, outputs, target, weight):
        loss = torch.nn.functional.huber_loss(outputs, target, reduction="none").mean(dim=1)
        return loss.mean() if weight is None else (loss * weight).mean()

    def train_step(self, batch):
        self.module.n_batches = getattr(self.module, "n_batches", 0) + 1
        return super().train_step(batch)


class _HuberRegressor(LSTMRegressor):
    trainer_class = _HuberTrainer


def test_trainer_class_replaces_a_step_and_survives_clone_pickle_and_search():
    import pickle

    from sklearn.base import clone
    from sklearn.model_selection import GridSearchCV

    X, _ = _data(40)
    y = X[:, -2:, 0].sum(axis=1)
    y[:4] += 50.0  # outliers: the Huber loss is bounded where the squared one is not
    params = dict(hidden_size=4, max_iter=3, batch_size=10, random_state=0)
    huber = _HuberRegressor(**params).fit(X, y)
    squared = LSTMRegressor(**params).fit(X, y)
    assert huber.module_.n_batches == 3 * 4
    assert huber.history_["train_loss"].iloc[0] < squared.history_["train_loss"].iloc[0]
    assert type(clone(huber)).trainer_class is _HuberTrainer
    again = pickle.loads(pickle.dumps(huber))
    np.testing.assert_array_equal(again.predict(X), huber.predict(X))
    search = GridSearchCV(_HuberRegressor(**params), {"hidden_size": [2, 3]}, cv=2).fit(X, y)
    assert search.best_estimator_.module_.n_batches == 3 * 4  # refit on all 40 rows


def test_predictions_during_a_refit_in_another_thread_use_the_published_model():
    import threading

    X, y = _data(40)
    # one thread in both threads, so that equal models predict bit-identically
    est = LSTMRegressor(hidden_size=4, max_iter=2, random_state=0, n_threads=1)
    est.fit(X, y.astype(float))
    published = [est.predict(X)]
    stop = threading.Event()
    errors = []

    def refit():
        try:
            for warm in (True, False, True):
                est.set_params(warm_start=warm).fit(X, y.astype(float))
                published.append(est.predict(X))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            stop.set()

    thread = threading.Thread(target=refit)
    thread.start()
    seen = []
    while not stop.is_set():
        seen.append(est.predict(X))
    thread.join()
    assert not errors
    for prediction in seen:  # each one is a whole published model's, never a half-trained one
        assert any(np.array_equal(prediction, p) for p in published)


def test_zero_weight_rows_take_no_part_in_training():
    X, y = _data(30)
    y = y.astype(float)
    weights = np.ones(30)
    weights[5] = 0.0
    extreme = y.copy()
    extreme[5] = 9.99e20  # would overflow the float32 loss if it were only multiplied by 0
    params = dict(hidden_size=4, max_iter=2, random_state=0, shuffle=False)
    with_row = LSTMRegressor(**params).fit(X, extreme, sample_weight=weights)
    without_row = LSTMRegressor(**params).fit(np.delete(X, 5, axis=0), np.delete(y, 5))
    assert np.isfinite(with_row.predict(X)).all()
    np.testing.assert_array_equal(
        with_row.history_["train_loss"], without_row.history_["train_loss"]
    )


def test_non_finite_weights_after_the_last_step_are_a_divergence():
    # issue 22, item 1: one epoch of one step with a huge rate: the loss was
    # finite, the weights after the step are not
    X, y = _data(20)
    est = LSTMRegressor(hidden_size=4, max_iter=1, batch_size=64, learning_rate_init=1e38,
                        random_state=0)
    with pytest.raises(ValueError, match="weights became non-finite"):
        est.fit(X, y.astype(float))
    assert not hasattr(est, "module_")


def test_numpy_integers_are_accepted_as_hyperparameters():
    X, y = _data(20)
    params = {name: np.int64(value) for name, value in
              dict(hidden_size=3, num_layers=1, batch_size=4, max_iter=1, n_iter_no_change=2,
                   predict_batch_size=7).items()}
    est = LSTMRegressor(random_state=0, **params).fit(X, y.astype(float))
    plain = LSTMRegressor(random_state=0, **{k: int(v) for k, v in params.items()})
    np.testing.assert_array_equal(est.predict(X), plain.fit(X, y.astype(float)).predict(X))
    from sklearn.model_selection import GridSearchCV

    GridSearchCV(LSTMRegressor(hidden_size=2, max_iter=1), {"batch_size": np.arange(4, 9, 4)},
                 cv=2).fit(X, y.astype(float))


def _failed_refits():
    """(name, make the refit fail): issue 22's half-updated estimators, item 2."""
    X, y = _data(20)
    X3 = np.concatenate([X, X[:, :, :1]], axis=2)
    return {
        "early-stopping-one-row": lambda est: est.set_params(early_stopping=True).fit(
            X[:1], 1000 + y[:1]),
        "one-string-class": lambda est: est.fit(X, np.full(20, "a")),
        "device": lambda est: est.set_params(device="cuda:7").fit(X, y),
        "three-features-diverging": lambda est: est.set_params(learning_rate_init=1e38).fit(
            X3, y),
        "warm-start-three-features": lambda est: est.set_params(warm_start=True).fit(X3, y),
    }


@pytest.mark.parametrize("cls", ESTIMATORS)
@pytest.mark.parametrize("failure", list(_failed_refits()))
def test_a_failed_refit_leaves_the_estimator_exactly_as_it_was(cls, failure, tmp_path):
    import sklstm

    X, y = _data(20)
    est = cls(hidden_size=3, max_iter=2, random_state=0).fit(X, y)
    before = outputs(est, X), dict(vars(est))
    with pytest.raises((ValueError, TypeError)):  # the very same objects are kept below
        _failed_refits()[failure](est)
    np.testing.assert_array_equal(outputs(est, X), before[0])
    params = est.get_params()
    assert {k: v for k, v in vars(est).items() if k not in params} == {
        k: v for k, v in before[1].items() if k not in params
    }
    pickle.loads(pickle.dumps(est))
    sklstm.save(est, tmp_path / "model.safetensors")


def test_a_failed_first_fit_leaves_no_fitted_attribute():
    import pandas as pd

    X, y = _data(20)
    df = pd.DataFrame(X[:, :, 0], columns=[f"t{i}" for i in range(X.shape[1])])
    est = LSTMClassifier(hidden_size=2, max_iter=1)
    with pytest.raises(ValueError):
        est.fit(df, np.zeros(20))  # one class
    assert [name for name in vars(est) if name.endswith("_")] == []


def test_an_invalid_parameter_set_after_fit_does_not_break_unpickling():
    X, y = _data(20)
    est = LSTMRegressor(hidden_size=2, max_iter=1, random_state=0).fit(X, y.astype(float))
    before = est.predict(X)
    est.set_params(learning_rate_init=-1.0, momentum=7.0)  # refused at the next fit only
    restored = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(restored.predict(X), before)
    assert restored.get_params()["learning_rate_init"] == -1.0


@pytest.mark.parametrize("cell", ["lstm", "peephole"])
def test_gate_bias_init_chrono_by_default_and_keras_on_request(cell):
    X, y = _data(40, T=30)
    frozen = dict(hidden_size=6, num_layers=1, dropout=0.0, max_iter=1, learning_rate_init=1e-12,
                  cell=cell, standardize=False)  # the weights stay where they were initialised
    chrono = _fit(LSTMClassifier, X, y, **frozen)
    keras = _fit(LSTMClassifier, X, y, gate_bias_init="keras", **frozen)
    name = "bias_ih_l0" if cell == "lstm" else "bias_l0"
    forget = lambda est: getattr(est.module_.recurrent, name)[6:12].detach()  # noqa: E731
    inputs = lambda est: getattr(est.module_.recurrent, name)[:6].detach()  # noqa: E731
    torch.testing.assert_close(forget(keras), torch.ones(6), atol=1e-6, rtol=0)
    torch.testing.assert_close(inputs(chrono), -forget(chrono), atol=1e-6, rtol=0)
    assert 0 <= float(forget(chrono).min()) and float(forget(chrono).max()) <= np.log(29) + 1e-6
    assert not torch.allclose(forget(chrono), torch.ones(6))


def test_convergence_warning_points_at_the_users_fit_call():
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    from sklstm import LSTMRegressor, LSTMStepRegressor

    X = np.random.RandomState(0).normal(size=(10, 4, 1))
    for est, y in ((LSTMRegressor(hidden_size=2, max_iter=1), X[:, -1, 0]),
                   (LSTMStepRegressor(hidden_size=2, max_iter=1), X[:, :, 0])):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            est.fit(X, y)
        [warning] = [w for w in caught if issubclass(w.category, ConvergenceWarning)]
        assert warning.filename == __file__


@pytest.mark.parametrize("cls", [LSTMClassifier, LSTMRegressor])
def test_auto_patience_waits_400_updates_on_a_small_set_and_obeys_an_explicit_count(cls):
    X, y = _data(40, T=3)  # batch 32: 2 updates per epoch
    if cls is LSTMRegressor:
        y = X[:, -1, 0]
    # tol=1e6: only the first epoch counts as progress, then the rule waits
    small = dict(hidden_size=2, num_layers=1, dropout=0.0, tol=1e6, max_iter="auto")
    auto = _fit(cls, X, y, **small)
    assert auto.get_params()["n_iter_no_change"] == "auto"
    assert auto.n_iter_ == 1 + 200 + 1  # 200 epochs = 400 updates > 10 epochs
    assert _fit(cls, X, y, n_iter_no_change=3, **small).n_iter_ == 1 + 3 + 1
    many = _fit(cls, X, y, batch_size=1, **small)  # 40 updates per epoch
    assert many.n_iter_ == 1 + 10 + 1  # 10 epochs = 400 updates, the floor of both rules
    # on a validation set (200 rows, 20 held out: 6 updates per epoch) it is 10 epochs
    X, y = _data(200, T=3)
    if cls is LSTMRegressor:
        y = X[:, -1, 0]
    validated = _fit(cls, X, y, early_stopping=True, **small)
    assert validated.n_iter_ == 1 + 10 + 1


def test_auto_max_iter_gives_a_small_set_2000_updates_and_an_explicit_count_is_obeyed():
    from sklearn.exceptions import ConvergenceWarning

    X, y = _data(24, T=2)  # batch 8: 3 updates per epoch, 667 epochs for 2,000 updates
    params = dict(hidden_size=2, num_layers=1, dropout=0.0, batch_size=8, tol=0.0,
                  n_iter_no_change=10**6)
    with pytest.warns(ConvergenceWarning, match=r"Maximum iterations \(667\) reached"):
        auto = _fit(LSTMClassifier, X, y, max_iter="auto", **params)
    assert auto.n_iter_ == 667
    with pytest.warns(ConvergenceWarning, match=r"Maximum iterations \(5\) reached"):
        assert _fit(LSTMClassifier, X, y, max_iter=5, **params).n_iter_ == 5


@pytest.mark.parametrize("cls", ESTIMATORS)
def test_standardize_makes_the_fit_independent_of_each_features_scale_and_offset(cls):
    X, y = _data(60, T=5)
    if cls is LSTMRegressor:
        y = X[:, -1, 0] + X[:, 0, 1]
    shifted = X * np.array([1000.0, 0.01], np.float32) + np.array([50.0, -3.0], np.float32)
    params = dict(hidden_size=6, num_layers=1, dropout=0.0, max_iter=5)
    plain, moved = _fit(cls, X, y, **params), _fit(cls, shifted, y, **params)
    assert plain.standardize is True
    np.testing.assert_allclose(outputs(moved, shifted), outputs(plain, X), rtol=2e-3, atol=2e-4)
    raw = _fit(cls, shifted, y, standardize=False, **params)
    assert raw._input_scaling is None
    assert np.abs(outputs(raw, shifted) - outputs(plain, X)).max() > 1e-2


def test_standardized_moments_are_kept_by_warm_start_and_skipped_for_token_ids():
    X, y = _data(40, T=4)
    est = _fit(LSTMClassifier, X, y, max_iter=2, warm_start=True)
    mean, scale = est._input_scaling
    np.testing.assert_allclose(mean, X.reshape(-1, 2).mean(axis=0), rtol=1e-5)
    est.fit(X * 10 + 3, y)  # goes on training the same network, on the same scale
    assert est._input_scaling[0] is mean and est._input_scaling[1] is scale
    tokens = [np.array([1, 2, 3]), np.array([2, 2]), np.array([3, 1, 1, 2])] * 4
    text = _fit(LSTMClassifier, tokens, np.arange(12) % 2, embedding_dim=3)
    assert text.standardize is True and text._input_scaling is None


def test_network_defaults_dropout_and_128_units_except_for_the_forecaster():
    from sklstm import LSTMForecaster, LSTMStepClassifier, LSTMStepRegressor

    X, y = _data(40, T=5)
    steps = (X[:, :, 0] > 0).astype(int)
    for cls, target in ((LSTMClassifier, y), (LSTMRegressor, X[:, -1, 0]),
                        (LSTMStepClassifier, steps), (LSTMStepRegressor, X[:, :, 0])):
        fitted = cls(max_iter=1, random_state=0).fit(X, target)
        assert fitted.get_params()["dropout"] == 0.2
        assert fitted.module_.dropout.p == 0.2  # before the output layer, one layer too
        assert fitted.module_.recurrent.hidden_size == 128
        assert fitted.module_.head.in_features == 128
    # the forecaster stops on its newest windows instead (and feeds forecasts back);
    # 128 units doubled one direct airline forecast's error of three (docs: training.md)
    assert LSTMForecaster().get_params()["dropout"] == 0.0
    assert LSTMForecaster().get_params()["hidden_size"] == 64
