"""Run a GridSearchCV over LSTMClassifier on a Dask cluster
========================================================

scikit-learn's searches parallelise through joblib; inside
``joblib.parallel_config(backend="dask")`` every (candidate, fold) fit becomes
a task on the cluster's workers: the estimator and the data are pickled and
shipped to them (arrays larger than about 1 kB are scattered once, not sent
with every task), the fitted scores come back, and the final refit on the
best parameters runs here. With an integer ``random_state`` the result is
identical to the same search run locally.

The data: handwritten digits read as 8 rows of 8 pixels (8 time steps, 8
features), as in ``examples/quickstart.py``.

Run it
------
Without an address, a ``LocalCluster`` on this machine (one process per
worker, one thread each)::

    pip install ".[dask]"                          # from the root of a checkout
    python examples/dask_search.py                 # --workers 4 for more

On a real cluster, start a scheduler on one machine and workers anywhere that
can reach it, then point the script at the scheduler::

    dask scheduler                                 # prints tcp://10.0.0.5:8786
    dask worker tcp://10.0.0.5:8786 --nworkers 8 --nthreads 1   # on each machine
    python examples/dask_search.py --scheduler tcp://10.0.0.5:8786

- Every worker must be able to import sklstm, and run the same versions of
  sklstm, PyTorch, scikit-learn and numpy as the client (the estimators travel
  as pickles that name their classes). ``client.get_versions(check=True,
  packages=["torch", "scikit-learn", "sklstm"])`` raises if they differ.
- One thread per task slot (``--nthreads 1``, with ``--nworkers`` the number
  of cores) is what you want for PyTorch: each task is a whole fit, and many
  single-threaded fits side by side beat fewer fits that share threads. The
  nanny already starts each worker process with ``OMP_NUM_THREADS=1`` (and
  MKL/OpenBLAS likewise; dask config ``distributed.nanny.pre-spawn-environ``),
  so ``torch.get_num_threads()`` is 1 in every worker; this script prints it.
  Several threads per worker run several fits in one process at once;
  sklstm then uses one PyTorch thread per fit, and the results stay
  reproducible (each fit initialises from a generator of its own).
- Dask's nanny also sets ``MALLOC_TRIM_THRESHOLD_=65536``, which fixes
  glibc's allocation thresholds and made a single-threaded fit of this size
  1.7-2.6x slower (0.33 s -> 0.57-0.88 s per fit, measured in one process
  with and without the variable). The script unsets it for its
  ``LocalCluster``; for ``dask worker``, put this in a YAML file in
  ``~/.config/dask/`` (or a directory named by ``DASK_CONFIG``) on each
  worker machine::

      distributed:
        nanny:
          pre-spawn-environ:
            MALLOC_TRIM_THRESHOLD_: null

- Each worker imports PyTorch once, and its first fit pays PyTorch's
  one-off set-up (a few seconds in all); the script warms the workers up
  front so that the search time is the search's own. Worker processes of a
  ``LocalCluster`` start by importing this script (multiprocessing "spawn"),
  which is why everything runs under ``if __name__ == "__main__":``.

Run: python examples/dask_search.py [--scheduler ADDRESS] [--workers N] [--compare-local]
Needs: dask (``pip install "sklstm[dask]"``).
"""

import argparse
import os
import time
import warnings

import dask
import joblib
from distributed import Client, LocalCluster
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, train_test_split

from sklstm import LSTMClassifier


def _prepare_worker():
    """Warm a worker up: imports and PyTorch's first-call set-up (about 1 s)."""
    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    import numpy as np
    import sklearn.model_selection  # noqa: F401
    import torch

    X = np.zeros((4, 3, 1))
    LSTMClassifier(hidden_size=2, max_iter=1, random_state=0).fit(X, [0, 1, 0, 1])
    return torch.get_num_threads(), os.environ.get("MALLOC_TRIM_THRESHOLD_")


def main():
    parser = argparse.ArgumentParser(description=__doc__.partition("\n")[0])
    parser.add_argument("--scheduler", metavar="ADDRESS",
                        help="a running scheduler, e.g. tcp://10.0.0.5:8786 "
                             "(default: start a LocalCluster here)")
    parser.add_argument("--workers", type=int, default=2,
                        help="LocalCluster worker processes, one thread each (default 2)")
    parser.add_argument("--compare-local", action="store_true",
                        help="also run the search here, without Dask, and check equality")
    args = parser.parse_args()
    warnings.filterwarnings("ignore", category=ConvergenceWarning)

    X, y = load_digits(return_X_y=True)
    X = (X / 16.0).reshape(-1, 8, 8)               # 8 rows of 8 pixels
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, stratify=y, random_state=0
    )
    search = GridSearchCV(
        LSTMClassifier(max_iter=15, batch_size=64, random_state=0),
        {"hidden_size": [16, 32], "learning_rate_init": [0.003, 0.01]},
        cv=3,
    )

    start = time.perf_counter()
    if args.scheduler:
        cluster, client = None, Client(args.scheduler)
    else:
        # Unset the nanny's MALLOC_TRIM_THRESHOLD_ (see above); keep OMP_NUM_THREADS=1.
        dask.config.set({"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None})
        cluster = LocalCluster(n_workers=args.workers, threads_per_worker=1,
                               processes=True, dashboard_address=None)
        client = Client(cluster)
    try:
        workers = client.run(_prepare_worker)
        print(f"{len(workers)} workers, {sum(client.nthreads().values())} task slots, "
              f"torch threads per worker: {sorted({t for t, _ in workers.values()})}, "
              f"MALLOC_TRIM_THRESHOLD_: {sorted({str(m) for _, m in workers.values()})} "
              f"(ready in {time.perf_counter() - start:.1f} s)")

        start = time.perf_counter()
        with joblib.parallel_config(backend="dask"):
            search.fit(X_train, y_train)
        seconds = time.perf_counter() - start
    finally:
        client.close()
        if cluster is not None:
            cluster.close()

    n_fits = len(search.cv_results_["params"]) * search.n_splits_
    print(f"best params      {search.best_params_}")
    print(f"best CV accuracy {search.best_score_:.3f}")
    print(f"test accuracy    {search.score(X_test, y_test):.3f}")
    print(f"search time      {seconds:.1f} s ({n_fits} fits on Dask + the refit here)")

    if args.compare_local:
        local = clone(search)
        start = time.perf_counter()
        local.fit(X_train, y_train)
        print(f"local search     {time.perf_counter() - start:.1f} s (one process, sequential)")
        same = (local.best_params_ == search.best_params_
                and (local.cv_results_["mean_test_score"]
                     == search.cv_results_["mean_test_score"]).all()
                and (local.predict_proba(X_test) == search.predict_proba(X_test)).all())
        print(f"identical results: {same}")


if __name__ == "__main__":
    main()
