"""Threads: parallel searches must not oversubscribe the cores, and a
default fit must survive other processes running on the machine.

**Search** (``--case search``). One GridSearchCV (4 candidates x 3 folds of
an LSTMClassifier) run with ``n_jobs=1``, with ``n_jobs=2`` on joblib's
process backend (loky) and with ``n_jobs=2`` on its threading backend, each
in a fresh process whose PyTorch starts with its default thread count. The
search runs twice: the first time includes starting the worker processes (a
few seconds to import PyTorch), the second reuses them; the speed-up is the
second search's over ``n_jobs=1``. Before sklstm chose the thread count per
call, workers holding two PyTorch threads each on two cores turned an 11 s
search into 434-720 s.

**Foreign load** (``--case load``). A classifier of the quick start's data
(digits read as 8 rows of 8 pixels; hidden 64, bidirectional) fitted for a few
epochs with the default thread count (``n_threads=None``) and with
``n_threads=1``, each in a fresh process, first on the idle machine, then
with one foreign busy process (a pure-Python loop) per available CPU,
started before the fit's process and killed after it. OpenMP threads that
wait by spinning turn such load into a collapse when a fit runs as many
threads as there are cores: every parallel region waits for a team member
the OS descheduled. The ratio is each fit's time over the one-thread fit's
on the same machine state. Only the fit is timed (not importing PyTorch).
Each idle fit waits (up to a minute) for a second in which no other task
ran; ``--omp-wait-policy PASSIVE`` starts the fits' processes with
libgomp's passive wait policy (it must be set before PyTorch is imported).

Run: python benchmarks/threads.py [--case search|load|all] [--repeats N]
     [--epochs N] [--machine idle|busy|both] [--omp-wait-policy PASSIVE]
"""

import argparse
import multiprocessing
import os
import signal
import statistics
import subprocess
import sys
import time

SEARCH_CHILD = r"""
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

LOAD_CHILD = r"""
import sys, time, warnings
import torch
from sklearn.datasets import load_digits
from sklstm import LSTMClassifier
from sklstm._runtime import resolve_threads

warnings.simplefilter("ignore")
n_threads = None if sys.argv[1] == "None" else int(sys.argv[1])
epochs = int(sys.argv[2])
X, y = load_digits(return_X_y=True)
X = (X / 16.0).reshape(-1, 8, 8)[:1347]  # the quick start's training-set size
y = y[:1347]
est = LSTMClassifier(hidden_size=64, bidirectional=True, learning_rate_init=0.003,
                     max_iter=epochs, random_state=0, n_threads=n_threads)
threads = resolve_threads(n_threads)  # what the fit below chooses (sampled just before)
start = time.perf_counter()
est.fit(X, y)
print(threads, time.perf_counter() - start)
"""


def run_search(backend, n_jobs):
    out = subprocess.run([sys.executable, "-c", SEARCH_CHILD, backend, str(n_jobs)],
                         capture_output=True, text=True, check=True)
    threads, score, first, second = out.stdout.split()
    return threads, score, float(first), float(second)


def search_case():
    print(f"{'backend':>10} {'n_jobs':>6} {'1st search s':>13} {'2nd search s':>13} "
          f"{'speed-up (2nd)':>15} {'best score':>11}")
    base = None
    for backend, n_jobs in [("loky", 1), ("loky", 2), ("threading", 2)]:
        threads, score, first, second = run_search(backend, n_jobs)
        base = base or second
        print(f"{backend:>10} {n_jobs:>6} {first:>13.1f} {second:>13.1f} "
              f"{base / second:>14.2f}x {score:>11}")
    print(f"PyTorch threads of a search process (its default): {threads}")


def _spin():
    while True:  # a foreign CPU-bound process: never sleeps, never yields
        pass


def _busy_cpus():
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # no affinity masks (macOS, Windows)
        return multiprocessing.cpu_count()


def _others_running():
    """Runnable tasks beyond this one right now (Linux), else 0."""
    try:
        with open("/proc/loadavg") as f:
            return int(f.read().split()[3].split("/")[0]) - 1
    except (OSError, IndexError, ValueError):
        return 0


def wait_until_quiet(patience=60.0):
    """Wait (up to ``patience`` s) for a second in which other tasks ran under 5% of it.

    An "idle" timing is only one on an idle machine; returns that share.
    """
    deadline = time.monotonic() + patience
    while True:
        samples = []
        for _ in range(200):
            samples.append(_others_running() > 0)
            time.sleep(0.005)
        share = sum(samples) / len(samples)
        if share < 0.05 or time.monotonic() > deadline:
            return share


def run_fit(n_threads, epochs, env=None):
    """One fit in a fresh process: (threads it chose, seconds)."""
    out = subprocess.run([sys.executable, "-c", LOAD_CHILD, str(n_threads), str(epochs)],
                         capture_output=True, text=True, check=True, timeout=300, env=env)
    threads, seconds = out.stdout.split()
    return int(threads), float(seconds)


def timed_fits(n_threads, epochs, repeats, busy, env):
    """Median seconds of ``repeats`` fits, with ``busy`` foreign busy processes."""
    spinners = [multiprocessing.Process(target=_spin, daemon=True) for _ in range(busy)]
    try:
        for spinner in spinners:
            spinner.start()
        runs = []
        for _ in range(repeats):
            if not busy:
                share = wait_until_quiet()
                if share >= 0.05:
                    print(f"  (not idle: other tasks ran {share:.0%} of the last second)")
            runs.append(run_fit(n_threads, epochs, env))
    finally:
        for spinner in spinners:
            spinner.kill()
        for spinner in spinners:
            spinner.join()
    return sorted({threads for threads, _ in runs}), statistics.median(s for _, s in runs)


def load_case(epochs, repeats, wait_policy, states):
    cpus = _busy_cpus()
    env = None
    if wait_policy:
        env = dict(os.environ, OMP_WAIT_POLICY=wait_policy)
    print(f"{epochs} epochs of the quick start's classifier, median of {repeats} fits; "
          f"busy = {cpus} foreign busy process(es), one per available CPU; "
          f"OMP_WAIT_POLICY={wait_policy or '(unset)'}")
    print(f"{'machine':>8} {'n_threads':>9} {'threads used':>12} {'fit s':>8} "
          f"{'vs 1 thread':>11}")
    for label, busy in [("idle", 0), ("busy", cpus)]:
        if label not in states:
            continue
        results = {n: timed_fits(n, epochs, repeats, busy, env) for n in (None, 1)}
        one = results[1][1]
        for n, (threads, seconds) in results.items():
            print(f"{label:>8} {str(n):>9} {','.join(map(str, threads)):>12} "
                  f"{seconds:>8.2f} {seconds / one:>10.2f}x")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--case", choices=["search", "load", "all"], default="all")
    parser.add_argument("--epochs", type=int, default=2, help="epochs per fit (load case)")
    parser.add_argument("--repeats", type=int, default=3, help="fits per setting (load case)")
    parser.add_argument("--omp-wait-policy", choices=["PASSIVE", "ACTIVE"], default=None,
                        help="OMP_WAIT_POLICY of the fits' processes (load case)")
    parser.add_argument("--machine", choices=["idle", "busy", "both"], default="both",
                        help="machine states to time (load case)")
    args = parser.parse_args()  # --help describes the run instead of starting it
    # a terminated run still kills its busy processes (the finally blocks run)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    if args.case in ("search", "all"):
        search_case()
    if args.case in ("load", "all"):
        states = ("idle", "busy") if args.machine == "both" else (args.machine,)
        load_case(args.epochs, args.repeats, args.omp_wait_policy, states)
