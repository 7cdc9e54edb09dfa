"""Searches and cross-validation scaled out on a dask.distributed cluster.

scikit-learn's ``GridSearchCV``, ``RandomizedSearchCV`` and ``cross_validate``
parallelise through joblib; inside ``joblib.parallel_config(backend="dask")``
(or the older ``joblib.parallel_backend("dask")``) every fit runs as a task on
the cluster's workers, with the estimator and the data pickled and shipped
there. These tests start a real two-process ``LocalCluster`` and check that the
results are *identical* to the same search run locally: the workers run one
PyTorch thread each (Dask's nanny sets ``OMP_NUM_THREADS=1``), as does this
test process (``conftest.py``), and an integer ``random_state`` makes a fit
bit-identical wherever it runs. Each test also checks, from the scheduler's
task stream, that the fits really ran on the workers.

The ``dask`` extra is optional: without ``distributed`` the module is skipped.
"""

import warnings

import numpy as np
import pytest

distributed = pytest.importorskip("distributed")

import joblib  # noqa: E402
from scipy.stats import loguniform  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.model_selection import (  # noqa: E402
    GridSearchCV,
    RandomizedSearchCV,
    cross_validate,
)
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from sklstm import LSTMClassifier, LSTMRegressor, SlidingWindowTransformer  # noqa: E402
from sklstm.model_selection import ForecastSplit  # noqa: E402

BACKENDS = {
    "parallel_config": lambda: joblib.parallel_config(backend="dask"),
    "parallel_backend": lambda: joblib.parallel_backend("dask"),
}


def _quiet_worker():
    """Runs in every worker: the tiny fits stop at max_iter by design."""
    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    import torch

    return torch.get_num_threads()


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    )
    dask_client = distributed.Client(cluster)
    try:
        threads = dask_client.run(_quiet_worker)
        # The nanny's pre-spawn environment (OMP_NUM_THREADS=1) reached torch.
        assert set(threads.values()) == {1}, threads
        yield dask_client
    finally:
        dask_client.close()
        cluster.close()


def _on_cluster(client, run, backend="parallel_config"):
    """Run ``run()`` under joblib's Dask backend; return its result and the tasks."""
    with distributed.get_task_stream(client) as stream, BACKENDS[backend]():
        result = run()
    return result, stream.data


def _assert_fits_ran_on_cluster(tasks, n_fits):
    # joblib names each task after the batch of calls it holds, e.g.
    # "batch_of__fit_and_score_3_calls-<uuid>"; every fit must be in one.
    calls = 0
    for task in tasks:
        key = str(task["key"])
        assert task["status"] == "OK", task
        if "fit_and_score" in key:
            calls += int(key.split("_calls")[0].rsplit("_", 1)[1])
    assert calls == n_fits, [str(t["key"]) for t in tasks]


def _assert_same_cv_results(dask_search, local_search):
    dask_results, local_results = dask_search.cv_results_, local_search.cv_results_
    assert list(dask_results["params"]) == list(local_results["params"])
    for key in local_results:
        if key.endswith("_test_score") or key.endswith("_train_score"):
            np.testing.assert_array_equal(dask_results[key], local_results[key], err_msg=key)
    assert dask_search.best_params_ == local_search.best_params_
    assert dask_search.best_index_ == local_search.best_index_


def _sequences(n=60, steps=10, features=2, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, steps, features)).astype(np.float32)
    return X, rng


@pytest.mark.parametrize("backend", sorted(BACKENDS))
def test_grid_search_classifier_matches_local(client, backend):
    X, _ = _sequences()
    y = (X[:, -3:, 0].sum(axis=1) > 0).astype(int)
    search = GridSearchCV(
        LSTMClassifier(hidden_size=4, max_iter=3, batch_size=16, random_state=0),
        {"hidden_size": [4, 8]},
        cv=2,
        return_train_score=True,
    )
    local_search = GridSearchCV(**search.get_params(deep=False)).fit(X, y)
    dask_search, tasks = _on_cluster(client, lambda: search.fit(X, y), backend)

    _assert_fits_ran_on_cluster(tasks, n_fits=2 * 2)
    _assert_same_cv_results(dask_search, local_search)
    # The refit runs locally on the best parameters: same model, same outputs.
    np.testing.assert_array_equal(
        dask_search.best_estimator_.predict_proba(X), local_search.best_estimator_.predict_proba(X)
    )
    np.testing.assert_array_equal(dask_search.predict(X), local_search.predict(X))


def test_randomized_search_regressor_matches_local(client):
    X, _ = _sequences(seed=1)
    y = X[:, -4:, 0].sum(axis=1) - X[:, 0, 1]

    def search():
        return RandomizedSearchCV(
            LSTMRegressor(hidden_size=4, max_iter=3, batch_size=16, random_state=0),
            {"hidden_size": [4, 6, 8], "learning_rate_init": loguniform(1e-3, 1e-1)},
            n_iter=3,
            cv=2,
            random_state=0,
        )

    local_search = search().fit(X, y)
    dask_search, tasks = _on_cluster(client, lambda: search().fit(X, y))

    _assert_fits_ran_on_cluster(tasks, n_fits=3 * 2)
    _assert_same_cv_results(dask_search, local_search)
    assert np.isfinite(dask_search.cv_results_["mean_test_score"]).all()
    np.testing.assert_array_equal(dask_search.predict(X), local_search.predict(X))


def test_cross_validate_forecasting_pipeline_matches_local(client):
    t = np.arange(120, dtype=float)
    table = np.column_stack([np.sin(2 * np.pi * t / 12), np.cos(2 * np.pi * t / 12), 0.01 * t])
    X, y = table[:-1], table[1:, 0]                # next step of the first column

    def pipeline():
        return make_pipeline(
            StandardScaler(),
            SlidingWindowTransformer(6),
            LSTMRegressor(hidden_size=4, max_iter=3, batch_size=16, random_state=0),
        )

    def run():
        return cross_validate(pipeline(), X, y, cv=ForecastSplit(n_splits=3, horizon=1),
                              return_estimator=True, return_train_score=True)

    local = run()
    remote, tasks = _on_cluster(client, run)

    _assert_fits_ran_on_cluster(tasks, n_fits=3)
    np.testing.assert_array_equal(remote["test_score"], local["test_score"])
    np.testing.assert_array_equal(remote["train_score"], local["train_score"])
    # The fitted pipelines came back from the workers intact.
    for remote_pipe, local_pipe in zip(remote["estimator"], local["estimator"]):
        np.testing.assert_array_equal(remote_pipe.predict(X), local_pipe.predict(X))


@pytest.mark.parametrize("container", ["list", "object array"])
def test_ragged_sequences_shipped_to_workers(client, container):
    rng = np.random.RandomState(2)
    # 150 sequences: as an object array (8 bytes a row) X is over joblib's
    # 1 kB threshold and gets scattered to the workers once; a list is not
    # weak-referenceable, so joblib pickles it into every task instead.
    sequences = [rng.normal(size=(rng.randint(4, 16), 2)) for _ in range(150)]
    y = np.array([int(s[:, 0].mean() > 0) for s in sequences])
    if container == "list":
        X = sequences
    else:
        X = np.empty(len(sequences), dtype=object)
        X[:] = sequences
    search = GridSearchCV(
        LSTMClassifier(max_iter=3, batch_size=16, random_state=0),
        {"hidden_size": [4, 8]},
        cv=2,
    )
    local_search = GridSearchCV(**search.get_params(deep=False)).fit(X, y)
    dask_search, tasks = _on_cluster(client, lambda: search.fit(X, y))

    _assert_fits_ran_on_cluster(tasks, n_fits=2 * 2)
    _assert_same_cv_results(dask_search, local_search)
    new = [rng.normal(size=(30, 2)), rng.normal(size=(3, 2))]   # longer than any seen
    np.testing.assert_array_equal(dask_search.predict_proba(new), local_search.predict_proba(new))
