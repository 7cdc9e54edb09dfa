"""Parallel searches must not oversubscribe the cores.

One GridSearchCV (4 candidates x 3 folds of an LSTMClassifier) run with
``n_jobs=1``, with ``n_jobs=2`` on joblib's process backend (loky) and with
``n_jobs=2`` on its threading backend, each in a fresh process whose PyTorch
starts with its default thread count. The search runs twice: the first
time includes starting the worker processes (a few seconds to import
PyTorch), the second reuses them; the speed-up is the second search's over
``n_jobs=1``. Before sklstm chose the thread count per call,
workers holding two PyTorch threads each on two cores turned an 11 s search
into 434-720 s.

Run: python benchmarks/threads.py
"""

import argparse
import subprocess
import sys

CHILD = r"""
import sys, warnings
import numpy as np, torch
from joblib import parallel_config
from sklearn.model_selection import GridSearchCV
from sklstm import LSTMClassifier

warnings.simplefilter("ignore")
backend, n_jobs = sys.argv[1], int(sys.argv[2])
rng = np.random.RandomState(0)
X = rng.normal(size=(600, 30, 4)).astype(np.float32)
y = (X[:, -5:, 0].sum(axis=1) > 0).astype(int)
grid = {"hidden_size": [16, 32], "learning_rate_init": [1e-3, 3e-3]}
search = GridSearchCV(LSTMClassifier(max_iter=20, random_state=0), grid, cv=3)
import time
seconds = []
for _ in range(2):  # the second search reuses the warm worker processes
    start = time.perf_counter()
    with parallel_config(backend=backend, n_jobs=n_jobs):
        search.fit(X, y)
    seconds.append(time.perf_counter() - start)
print(torch.get_num_threads(), round(search.best_score_, 4), *seconds)
"""


def run(backend, n_jobs):
    out = subprocess.run([sys.executable, "-c", CHILD, backend, str(n_jobs)],
                         capture_output=True, text=True, check=True)
    threads, score, first, second = out.stdout.split()
    return threads, score, float(first), float(second)


def main():
    print(f"{'backend':>10} {'n_jobs':>6} {'1st search s':>13} {'2nd search s':>13} "
          f"{'speed-up (2nd)':>15} {'best score':>11}")
    base = None
    for backend, n_jobs in [("loky", 1), ("loky", 2), ("threading", 2)]:
        threads, score, first, second = run(backend, n_jobs)
        base = base or second
        print(f"{backend:>10} {n_jobs:>6} {first:>13.1f} {second:>13.1f} "
              f"{base / second:>14.2f}x {score:>11}")
    print(f"PyTorch threads of a search process (its default): {threads}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.parse_args()  # --help describes the run instead of starting it
    main()
