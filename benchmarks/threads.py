"""Parallel searches must not oversubscribe the cores.

One GridSearchCV (4 candidates x 3 folds of an LSTMClassifier) run with
``n_jobs=1``, with ``n_jobs=2`` on joblib's process backend (loky) and with
``n_jobs=2`` on its threading backend, each in a fresh process whose PyTorch
starts with its default thread count; the table gives the wall time and the
speed-up over ``n_jobs=1``. Before sklstm chose the thread count per call,
workers holding two PyTorch threads each on two cores turned an 11 s search
into 434-720 s.

Run: python benchmarks/threads.py
"""

import subprocess
import sys
import time

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
search = GridSearchCV(LSTMClassifier(max_iter=5, random_state=0), grid, cv=3)
with parallel_config(backend=backend, n_jobs=n_jobs):
    search.fit(X, y)
print(torch.get_num_threads(), round(search.best_score_, 4))
"""


def run(backend, n_jobs):
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", CHILD, backend, str(n_jobs)],
                         capture_output=True, text=True, check=True)
    return time.perf_counter() - start, out.stdout.split()


def main():
    print(f"{'backend':>10} {'n_jobs':>6} {'seconds':>8} {'speed-up':>9} {'best score':>11}")
    base = None
    for backend, n_jobs in [("loky", 1), ("loky", 2), ("threading", 2)]:
        seconds, (threads, score) = run(backend, n_jobs)
        base = base or seconds
        print(f"{backend:>10} {n_jobs:>6} {seconds:>8.1f} {base / seconds:>8.2f}x {score:>11}")
    print(f"PyTorch threads in the parent process: {threads}")


if __name__ == "__main__":
    main()
