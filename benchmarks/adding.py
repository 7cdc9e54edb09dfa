"""The adding problem of Hochreiter & Schmidhuber (1997): levers that leave its plateau.

Task (H&S 1997, experiment 4, T=100): a sequence has T..T+T/10 steps (uniform,
so the input is ragged), each a pair (value uniform in [-1, 1], marker). One
of the first 10 steps is marked 1.0 (its value is X1), then one of the other
steps before T/2 (X2); the markers of the first and the last step are -1 when
not marked, all others 0; when step 0 is marked its value is set to 0 (the
paper's X1 = 0 rule). Target: 0.5 + (X1 + X2) / 4 (variance 1/24 = 0.042).
A test sequence is "solved" when |prediction - target| < 0.04.
8,000 training and 1,000 test sequences, seeded.

Each lever changes the baseline (hidden 32, 60 epochs, batch 64, lr 3e-3,
early_stopping=True) in one way, or combines chrono with one. The gate
biases are set by the benchmark whatever sklstm's default is: "keras" (input
gate 0, forget gate 1), or "chrono" initialisation (Tallec & Ollivier,
2018): per hidden unit, forget-gate bias b_f = log(u), u ~ U(1, T_max - 1),
input-gate bias b_i = -b_f (in ``bias_ih``; ``bias_hh`` keeps zeros on those
gates), drawn from a generator seeded from the estimator's random_state without
consuming it (the weights and the shuffling stay those of the baseline).
Measured per epoch (a probe in the trainer, not part of the timed epoch): the
share of test sequences solved. Reported: solved share and MSE of the final
model, plateau exit (first epoch whose standardised training loss < 0.9; the
plateau sits at 1.0), first epoch with >= 99% solved and the training seconds
until then, epochs run, training seconds.

``pulse`` and ``digits`` check that chrono does not hurt short memory: a +-2
pulse 15-50 steps before the end of 50 steps (2,000 train / 500 test, 5 epochs,
random_state 0-3) and sklearn's digits read as 8 rows (5-fold CV), Keras vs
chrono initialisation.

Run: python benchmarks/adding.py [--lever NAME ...] [--seed N] [--stop-solved]
                                 [--quick] [--log FILE]
     python benchmarks/adding.py --list
An adding fit takes 4-6 s per epoch on one CPU thread (8,000 sequences).
--stop-solved ends a fit at its first epoch with >= 99% solved (time to solution).
"""

import argparse
import copy
import time
import warnings

import numpy as np
import torch
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import StratifiedKFold

from sklstm import LSTMClassifier, LSTMRegressor
from sklstm._runtime import MAX_SEED
from sklstm.nn import PeepholeLSTM
from sklstm.training import Trainer

BASE = dict(hidden_size=32, max_iter=60, batch_size=64, learning_rate_init=3e-3,
            early_stopping=True, random_state=0)
LONG = dict(max_iter=150)
# name -> (estimator parameters over BASE, chrono T_max or None for Keras init)
LEVERS = {
    "baseline": ({}, None),
    "chrono110": ({}, 110),
    "chrono100": ({}, 100),
    "no_es": (dict(early_stopping=False, **LONG), None),
    "patience30": (dict(n_iter_no_change=30, **LONG), None),
    "no_stop": (dict(early_stopping=False, n_iter_no_change=150, **LONG), None),
    "lr1e-3": (dict(learning_rate_init=1e-3), None),
    "lr1e-2": (dict(learning_rate_init=1e-2), None),
    "bs32": (dict(batch_size=32), None),
    "bs128": (dict(batch_size=128), None),
    "noclip": (dict(clip_grad_norm=None), None),
    "h64": (dict(hidden_size=64), None),
    "chrono110_no_es": (dict(early_stopping=False, **LONG), 110),
    "chrono110_lr1e-2": (dict(learning_rate_init=1e-2), 110),
    "chrono110_h64": (dict(hidden_size=64), 110),
    "chrono110_lr1e-3": (dict(learning_rate_init=1e-3), 110),
}
CHECKS = ("pulse", "digits")


def make_adding(n, T=100, seed=0):
    """H&S's adding problem: a list of (T_i, 2) float32 arrays and targets."""
    rng = np.random.RandomState(seed)
    X, y = [], np.empty(n, dtype=np.float32)
    for i in range(n):
        length = rng.randint(T, T + T // 10 + 1)
        x = np.zeros((length, 2), dtype=np.float32)
        x[:, 0] = rng.uniform(-1, 1, length)
        first = rng.randint(10)
        second = rng.choice([s for s in range(T // 2) if s != first])
        x[[0, -1], 1] = -1.0
        x[[first, second], 1] = 1.0
        if 0 in (first, second):
            x[0, 0] = 0.0
        y[i] = 0.5 + (x[first, 0] + x[second, 0]) / 4
        X.append(x)
    return X, y


@torch.no_grad()
def gate_biases_(module, t_max, generator):
    """Set the input and forget gate biases of every LSTM in ``module``.

    ``t_max`` None: Keras' (input 0, forget 1). Otherwise chrono: per hidden
    unit b_f = log(u), u ~ U(1, t_max - 1), b_i = -b_f. The values go in
    ``bias_ih`` (a PeepholeLSTM's one bias); ``bias_hh`` is zero on those gates.
    """
    for sub in module.modules():
        if not isinstance(sub, (torch.nn.LSTM, PeepholeLSTM)):
            continue
        hidden = sub.hidden_size
        for name, param in sub.named_parameters():
            if not name.startswith("bias"):
                continue
            if name.startswith("bias_hh"):  # nn.LSTM adds bias_ih and bias_hh
                param[: 2 * hidden] = 0.0
                continue
            if t_max is None:
                param[:hidden], param[hidden : 2 * hidden] = 0.0, 1.0  # gates i, f, g, o
                continue
            u = torch.rand(hidden, generator=generator, dtype=torch.float64)
            forget = torch.log(1 + u * (t_max - 2)).to(param.dtype)
            param[:hidden], param[hidden : 2 * hidden] = -forget, forget
    return module


class ChronoMixin:
    """Keras (t_max None) or chrono gate biases, whatever the library's default is.

    The weights stay the parent's; the chrono draw uses a generator seeded from
    a copy of the estimator's random state, so shuffling is unchanged too.
    """

    t_max = None

    def _new_state(self, head, layout, architecture, *args, **kwargs):
        state = super()._new_state(head, layout, architecture, *args, **kwargs)
        seed = int(copy.deepcopy(state["_random_state"]).randint(MAX_SEED))
        gate_biases_(state["module_"], self.t_max, torch.Generator().manual_seed(seed))
        self._probe_head = head
        return state


class ProbeTrainer(Trainer):
    """Measure the test share solved after every epoch (outside the timed epoch)."""

    probe = None  # (padded X, lengths, y, estimator), set by the benchmark
    stop_solved = False  # end the fit at the first epoch with >= 99% solved

    def end_epoch(self, record):
        X, lengths, y, est = self.probe
        head = est._probe_head
        self.module.eval()
        with torch.no_grad():
            out = self.module(X, lengths)[:, 0].double().numpy()
        pred = out * float(head.scale[0]) + float(head.mean[0])
        record = dict(record, solved=float(np.mean(np.abs(pred - y) < 0.04)))
        est._probe_trace.append((record["train_loss"], record["solved"], record["seconds"]))
        stop = super().end_epoch({k: record[k] for k in record if k != "solved"})
        return stop or (self.stop_solved and record["solved"] >= 0.99)


class AddingRegressor(ChronoMixin, LSTMRegressor):
    trainer_class = ProbeTrainer


class ChronoClassifier(ChronoMixin, LSTMClassifier):
    pass


def padded(X):
    lengths = torch.tensor([len(x) for x in X], dtype=torch.int64)
    out = torch.zeros(len(X), int(lengths.max()), X[0].shape[1])
    for i, x in enumerate(X):
        out[i, : len(x)] = torch.from_numpy(x)
    return out, lengths


def run_adding(name, data, quick, seed=0):
    params, t_max = LEVERS[name]
    params = {**BASE, **params, "random_state": seed}
    if quick:
        params["max_iter"] = 3
    (X, y), (X_test, y_test) = data
    est = type("Lever", (AddingRegressor,), {"t_max": t_max})(**params)
    est._probe_trace = []
    ProbeTrainer.probe = (*padded(X_test), y_test.astype(np.float64), est)
    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, y)
    wall = time.perf_counter() - started
    pred = est.predict(X_test)
    losses, solved, seconds = map(np.array, zip(*est._probe_trace))
    exit_epoch = next((i + 1 for i, v in enumerate(losses) if v < 0.9), None)
    hit = next((i for i, v in enumerate(solved) if v >= 0.99), None)
    return {
        "lever": name, "seed": seed, "init": f"chrono({t_max})" if t_max else "keras",
        "solved %": 100 * float(np.mean(np.abs(pred - y_test) < 0.04)),
        "MSE": float(np.mean((pred - y_test) ** 2)),
        "exit epoch": exit_epoch,
        "99% epoch": None if hit is None else hit + 1,
        "s to 99%": None if hit is None else float(seconds[: hit + 1].sum()),
        "epochs": est.n_iter_, "kept epoch": est._history.best_epoch or est.n_iter_,
        "fit s": wall,
        "trace": " ".join(f"{100 * s:.0f}" for s in solved),
    }


def make_pulse(n, T=50, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.normal(scale=0.3, size=(n, T, 1)).astype(np.float32)
    y = rng.randint(0, 2, n)
    X[np.arange(n), T - rng.randint(15, 51, n), 0] += np.where(y == 1, 2.0, -2.0)
    return X, y


def run_pulse(quick):
    (X, y), (X_test, y_test) = make_pulse(2000), make_pulse(500, seed=1)
    rows = []
    for t_max in (None, 50, 100):
        scores = []
        for seed in range(1 if quick else 4):
            clf = type("C", (ChronoClassifier,), {"t_max": t_max})(
                max_iter=5, hidden_size=64, batch_size=64, random_state=seed)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                scores.append(clf.fit(X, y).score(X_test, y_test))
        rows.append({"check": "pulse", "init": f"chrono({t_max})" if t_max else "keras",
                     "scores": " ".join(f"{s:.3f}" for s in scores),
                     "mean": float(np.mean(scores))})
    return rows


def run_digits(quick):
    X, y = load_digits(return_X_y=True)
    X = (X / 16.0).reshape(-1, 8, 8)
    folds = list(StratifiedKFold(5, shuffle=True, random_state=0).split(X, y))
    rows = []
    for t_max in (None, 8, 32, 100):
        scores, epochs, started = [], [], time.perf_counter()
        for train, test in folds[: 1 if quick else 5]:
            clf = type("C", (ChronoClassifier,), {"t_max": t_max})(
                random_state=0, **({"max_iter": 3} if quick else {}))
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                scores.append(clf.fit(X[train], y[train]).score(X[test], y[test]))
            epochs.append(clf.n_iter_)
        rows.append({"check": "digits", "init": f"chrono({t_max})" if t_max else "keras",
                     "scores": " ".join(f"{s:.3f}" for s in scores),
                     "mean": float(np.mean(scores)), "epochs": " ".join(map(str, epochs)),
                     "s": time.perf_counter() - started})
    return rows


def fmt(value):
    if isinstance(value, float):
        return f"{value:.4f}" if abs(value) < 1 else f"{value:.1f}"
    return "-" if value is None else str(value)


def log_rows(rows, path):
    lines = [" | ".join(f"{k}={fmt(v)}" for k, v in row.items()) for row in rows]
    print("\n".join(lines), flush=True)
    if path:
        with open(path, "a") as f:
            f.write("".join(f"- {line}\n" for line in lines))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lever", action="append", choices=[*LEVERS, *CHECKS],
                        help="repeat to run several; default: every adding lever")
    parser.add_argument("--quick", action="store_true", help="1,000 sequences, 3 epochs")
    parser.add_argument("--stop-solved", action="store_true",
                        help="end each adding fit at the first epoch with >= 99%% solved")
    parser.add_argument("--seed", type=int, default=0, help="the estimators' random_state")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--log", help="append each result to this file (markdown list)")
    parser.add_argument("--list", action="store_true", help="print the levers and exit")
    args = parser.parse_args()
    if args.list:
        for name, (params, t_max) in LEVERS.items():
            print(f"{name:18} t_max={t_max} {params}")
        return
    torch.set_num_threads(args.threads)
    ProbeTrainer.stop_solved = args.stop_solved
    n_train, n_test = (1000, 200) if args.quick else (8000, 1000)
    data = None
    for name in args.lever or list(LEVERS):
        if name == "pulse":
            log_rows(run_pulse(args.quick), args.log)
        elif name == "digits":
            log_rows(run_digits(args.quick), args.log)
        else:
            data = data or (make_adding(n_train, seed=0), make_adding(n_test, seed=1))
            log_rows([run_adding(name, data, args.quick, args.seed)], args.log)


if __name__ == "__main__":
    main()
