"""Threads and denormal floats: set for one call, restored after, right in workers."""

import itertools
import sys
import threading

import numpy as np
import pytest
import torch
from joblib import parallel_config
from sklearn.base import clone
from sklearn.model_selection import cross_validate

from sklstm import LSTMClassifier, LSTMRegressor, _runtime
from sklstm._runtime import (
    available_cpus,
    cpu_settings,
    flush_denormal_enabled,
    free_cpus,
    resolve_threads,
)
from sklstm.training import Trainer

needs_ftz = pytest.mark.skipif(
    not torch.set_flush_denormal(False), reason="this CPU has no flush-to-zero mode"
)


class RecordingTrainer(Trainer):
    """Records, at each training step, the thread count and denormal mode it runs with."""

    def train_step(self, batch):
        self.module.seen = torch.get_num_threads(), flush_denormal_enabled()
        return super().train_step(batch)


class RecordingRegressor(LSTMRegressor):
    """Keeps what its trainer saw (``seen_threads_``, ``seen_flush_denormal_``)."""

    trainer_class = RecordingTrainer

    def fit(self, X, y, sample_weight=None):
        super().fit(X, y, sample_weight)
        self.seen_threads_, self.seen_flush_denormal_ = self.module_.seen
        return self


def _data(n=24):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(n, 5, 2)).astype(np.float32)
    return X, X[:, :, 0].sum(axis=1)


@pytest.fixture
def two_threads():
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    yield
    torch.set_num_threads(before)


def _set_load(monkeypatch, running, own=1, online=4):
    """Pretend ``running`` runnable tasks on ``online`` CPUs, ``own`` of them ours.

    ``running`` may be a list: the successive readings of ``/proc/loadavg``.
    """
    readings = iter(running) if isinstance(running, list) else itertools.repeat(running)
    monkeypatch.setattr(_runtime, "_runnable_tasks", lambda: next(readings))
    monkeypatch.setattr(_runtime, "_own_running_threads", lambda: own)
    monkeypatch.setattr(_runtime, "_online_cpus", lambda: online)


@pytest.fixture
def idle_machine(monkeypatch):
    """The default thread count must not depend on the real machine's load."""
    monkeypatch.setattr(_runtime, "_runnable_tasks", lambda: 1)


@pytest.fixture
def four_cpus_four_threads(monkeypatch):
    """A 4-CPU machine whose PyTorch runs 4 threads (only resolved, never run)."""
    monkeypatch.setattr(_runtime, "available_cpus", lambda: 4)
    before = torch.get_num_threads()
    torch.set_num_threads(4)
    yield
    torch.set_num_threads(before)


def test_explicit_thread_count_is_used_and_restored(two_threads):
    with cpu_settings(1, flush_denormal=False) as threads:
        assert threads == 1 and torch.get_num_threads() == 1
    assert torch.get_num_threads() == 2


def test_restored_after_an_error(two_threads):
    with pytest.raises(RuntimeError, match="boom"):
        with cpu_settings(1, flush_denormal=True):
            raise RuntimeError("boom")
    assert torch.get_num_threads() == 2
    assert not flush_denormal_enabled()


def test_default_never_raises_the_thread_count():
    before = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        assert resolve_threads(None) == 1  # even on a machine with more CPUs
    finally:
        torch.set_num_threads(before)
    assert resolve_threads(None) <= min(before, available_cpus())
    assert resolve_threads(-1) == available_cpus()


def test_default_is_one_thread_outside_the_main_thread(two_threads):
    seen = {}
    worker = threading.Thread(target=lambda: seen.update(threads=resolve_threads(None)))
    worker.start()
    worker.join()
    assert seen["threads"] == 1


@needs_ftz
def test_flush_denormal_reaches_every_openmp_thread_and_is_undone(two_threads):
    # 2**20 elements: PyTorch splits the product between both OpenMP threads,
    # so a thread that still computes denormals leaves nonzeros behind.
    tiny = torch.full((2**20,), 1e-39)
    assert bool((tiny * 1.0 != 0).all())
    with cpu_settings(2, flush_denormal=True):
        assert flush_denormal_enabled()
        assert bool((tiny * 1.0 == 0).all())
    assert not flush_denormal_enabled()
    assert bool((tiny * 1.0 != 0).all())


@needs_ftz
def test_flush_denormal_is_left_on_when_the_user_turned_it_on():
    torch.set_flush_denormal(True)
    try:
        with cpu_settings(1, flush_denormal=True):
            pass
        assert flush_denormal_enabled()
    finally:
        torch.set_flush_denormal(False)


@needs_ftz
@pytest.mark.parametrize("flush", [True, False])
def test_estimator_trains_with_its_denormal_mode_and_restores_it(flush):
    X, y = _data()
    est = RecordingRegressor(hidden_size=4, max_iter=1, flush_denormal=flush).fit(X, y)
    assert est.seen_flush_denormal_ is flush
    assert not flush_denormal_enabled()
    est.predict(X)  # predicting leaves the mode alone
    assert not flush_denormal_enabled()


def test_estimator_uses_n_threads_and_restores(two_threads, idle_machine):
    X, y = _data()
    est = RecordingRegressor(hidden_size=4, max_iter=1, n_threads=1).fit(X, y)
    assert est.seen_threads_ == 1
    assert torch.get_num_threads() == 2
    est.set_params(n_threads=None).fit(X, y)
    assert est.seen_threads_ == min(2, available_cpus())


def test_estimator_in_a_thread_uses_one_thread_unless_told(two_threads):
    X, y = _data()
    default = RecordingRegressor(hidden_size=4, max_iter=1)
    explicit = RecordingRegressor(hidden_size=4, max_iter=1, n_threads=2)
    for est in (default, explicit):
        worker = threading.Thread(target=est.fit, args=(X, y))
        worker.start()
        worker.join()
    assert default.seen_threads_ == 1
    assert explicit.seen_threads_ == 2


@pytest.mark.parametrize("backend", ["loky", "threading"])
def test_joblib_workers_run_one_thread_each(two_threads, backend):
    X, y = _data()
    with parallel_config(backend=backend, n_jobs=2):
        result = cross_validate(RecordingRegressor(hidden_size=4, max_iter=1), X, y,
                                cv=2, return_estimator=True)
    assert [est.seen_threads_ for est in result["estimator"]] == [1, 1]


def test_thread_settings_do_not_change_predictions():
    X, y = _data()
    one = LSTMClassifier(hidden_size=4, max_iter=2, random_state=0, n_threads=1)
    two = LSTMClassifier(hidden_size=4, max_iter=2, random_state=0, n_threads=2,
                         flush_denormal=False)
    labels = (y > 0).astype(int)
    np.testing.assert_allclose(one.fit(X, labels).predict_proba(X),
                               two.fit(X, labels).predict_proba(X), rtol=1e-5)


def test_dask_threaded_workers_run_one_thread_per_task(two_threads):
    distributed = pytest.importorskip("distributed")
    X, y = _data()
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                  dashboard_address=":0") as cluster, \
            distributed.Client(cluster):
        with parallel_config(backend="dask"):
            result = cross_validate(RecordingRegressor(hidden_size=4, max_iter=1), X, y,
                                    cv=2, return_estimator=True, n_jobs=2)
    assert [est.seen_threads_ for est in result["estimator"]] == [1, 1]


@pytest.mark.parametrize("dropout", [0.0, 0.3])
def test_fits_running_in_threads_reproduce_the_sequential_fits(dropout):
    # Initialisation uses a generator of its own and dropout's use of the
    # process-wide generator is serialised, so concurrency changes nothing.
    # A barrier makes the four fits start together.
    X, y = _data(48)
    est = LSTMRegressor(hidden_size=6, num_layers=2, dropout=dropout, max_iter=3,
                        batch_size=8, random_state=0)
    expected = clone(est).fit(X, y).predict(X)
    start = threading.Barrier(4)
    fitted = [clone(est) for _ in range(4)]

    def fit(model):
        start.wait()
        model.fit(X, y)

    workers = [threading.Thread(target=fit, args=(model,)) for model in fitted]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    for model in fitted:
        np.testing.assert_array_equal(model.predict(X), expected)


@pytest.mark.parametrize(
    "device, match",
    [
        ("mps", "MPS backend is not available|runs on 'cpu'"),
        ("meta", "runs on 'cpu', 'cuda'"),
        ("banana", "not a valid torch device"),
    ],
)
def test_devices_torch_cannot_use_here_are_refused_at_fit_with_the_choices(device, match):
    if device == "mps" and torch.backends.mps.is_available():
        pytest.skip("this machine has MPS")
    X, y = _data()
    est = LSTMRegressor(hidden_size=2, max_iter=1, device=device)
    with pytest.raises(ValueError, match=match):
        est.fit(X, y)
    assert not hasattr(est, "module_")


def test_a_fit_in_a_worker_thread_equals_a_fit_alone_with_one_thread(two_threads):
    # the README's claim, exactly: n_threads=None in a thread is n_threads=1
    X, y = _data()
    results = {}

    def fit_in_thread():
        results["thread"] = LSTMRegressor(hidden_size=4, max_iter=2, random_state=0).fit(X, y)

    thread = threading.Thread(target=fit_in_thread)
    thread.start()
    thread.join()
    alone = LSTMRegressor(hidden_size=4, max_iter=2, random_state=0, n_threads=1).fit(X, y)
    np.testing.assert_array_equal(results["thread"].predict(X), alone.predict(X))
    assert results["thread"].loss_curve_ == alone.loss_curve_


# -- the default under other processes' load (the load is mocked, never measured) -------------


@pytest.mark.parametrize(
    "running, own, expected",
    [
        (1, 1, 4),  # only this thread runs: the rule without load
        (2, 2, 4),  # this process's OpenMP thread still spinning is not foreign load
        (3, 1, 2),  # two foreign tasks on four CPUs leave two
        (5, 1, 1),  # one per CPU: one thread
        (9, 1, 1),  # more than one per CPU: never below one
        ([6, 1], 1, 4),  # a task that ran for a moment only: the smaller reading counts
    ],
)
def test_default_is_capped_at_the_cpus_free_now(monkeypatch, four_cpus_four_threads,
                                                running, own, expected):
    _set_load(monkeypatch, running, own)
    assert resolve_threads(None) == expected


def test_the_load_never_raises_the_thread_count(monkeypatch, four_cpus_four_threads):
    _set_load(monkeypatch, 1, online=64)  # an idle machine with many more CPUs
    torch.set_num_threads(2)
    assert resolve_threads(None) == 2
    monkeypatch.setattr(_runtime, "available_cpus", lambda: 1)  # an affinity mask of one
    assert resolve_threads(None) == 1


def test_explicit_n_threads_ignore_the_load(monkeypatch, four_cpus_four_threads):
    _set_load(monkeypatch, 9)
    assert resolve_threads(3) == 3
    assert resolve_threads(-1) == 4


def test_outside_the_main_thread_the_default_stays_one(monkeypatch, four_cpus_four_threads):
    _set_load(monkeypatch, 1)  # an idle machine: still one thread per fit in a thread
    seen = {}
    worker = threading.Thread(target=lambda: seen.update(threads=resolve_threads(None)))
    worker.start()
    worker.join()
    assert seen["threads"] == 1


def test_without_load_information_the_rule_is_unchanged(monkeypatch, four_cpus_four_threads):
    monkeypatch.setattr(_runtime, "_runnable_tasks", lambda: None)  # e.g. not Linux
    assert resolve_threads(None) == 4
    assert free_cpus() is None


@pytest.mark.parametrize("content", [OSError("no /proc here"), b"", b"0.1 0.2 0.3 x/9 1\n"])
def test_an_unreadable_load_is_no_load_information(monkeypatch, content):
    def read(path):
        if isinstance(content, Exception):
            raise content
        return content

    monkeypatch.setattr(_runtime, "_read_proc", read)
    assert _runtime._runnable_tasks() is None


def test_the_runnable_count_is_read_from_the_fourth_field(monkeypatch):
    monkeypatch.setattr(_runtime, "_read_proc", lambda path: b"3.10 2.00 1.50 7/118 4242\n")
    assert _runtime._runnable_tasks() == 7


def test_own_running_threads_reads_each_threads_state(monkeypatch):
    stats = {"1": b"1 (python) R 0 1", "2": b"2 (a) R) weird) S 1 1",
             "3": OSError("the thread ended meanwhile"), "4": b"4 (python) R 1 1"}

    def read(path):
        stat = stats[path.split("/")[-2]]
        if isinstance(stat, Exception):
            raise stat
        return stat

    monkeypatch.setattr(_runtime.os, "listdir", lambda path: list(stats))
    monkeypatch.setattr(_runtime, "_read_proc", read)
    assert _runtime._own_running_threads() == 2


def test_own_running_threads_is_at_least_the_calling_one(monkeypatch):
    def no_proc(path):
        raise OSError("no /proc here")

    monkeypatch.setattr(_runtime.os, "listdir", no_proc)
    assert _runtime._own_running_threads() == 1


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads Linux's /proc")
def test_the_real_readers_work_on_linux():
    # only that they read something sensible: the values depend on the machine's load
    assert _runtime._runnable_tasks() >= 1
    assert _runtime._own_running_threads() >= 1
    assert isinstance(free_cpus(), int)


def test_a_default_fit_under_load_uses_one_thread_an_explicit_one_its_count(
        monkeypatch, two_threads):
    monkeypatch.setattr(_runtime, "available_cpus", lambda: 2)
    _set_load(monkeypatch, 3, own=1, online=2)  # two foreign busy tasks on 2 CPUs
    X, y = _data()
    est = RecordingRegressor(hidden_size=4, max_iter=1).fit(X, y)
    assert est.seen_threads_ == 1
    assert torch.get_num_threads() == 2
    assert RecordingRegressor(hidden_size=4, max_iter=1, n_threads=2).fit(X, y).seen_threads_ == 2
