"""Are sklstm's defaults good? Defaults, a small search, a hand-written loop and an MLP, per task.

For each task (``benchmarks/_defaults_tasks.py``: synthetic sequences, text,
UCR/UEA data shipped in ``benchmarks/data/``, the airline series) four model
families are fitted and scored on the SAME splits:

1. ``defaults``: ``LSTMClassifier()`` / ``LSTMRegressor()`` with nothing set but
   ``random_state`` (and ``embedding_dim=16`` for text, which token input
   needs). ``--params '{"learning_rate_init": 0.003}'`` applies overrides to
   this column only, to compare candidate defaults; the column is labelled
   with them. The row ``gunpoint_early_stopping`` is this column with
   ``early_stopping=True`` (early stopping on 50 series must not hurt).
2. ``tuned``: ``GridSearchCV`` over at most 4 candidates (``COMMON_GRID``:
   learning rate 0.001 (PyTorch's Adam default) / 0.01 (sklstm's default at
   the time of writing) x early stopping off/on; a few tasks set their own
   ``grid``), judged on one holdout split
   of the training data only (20%, stratified; the last 20% of the rows for
   forecasting) and refitted on the whole training split. Not run on the
   digits (5 folds x 5 fits per protocol): "—" in the table.
3. ``torch``: the loop a user writes with PyTorch's defaults
   (``benchmarks/_torch_loop.py``): ``nn.LSTM`` + ``nn.Linear`` on the last
   real step, default initialisation, Adam 1e-3, batch 32, 40 epochs, hidden 64.
4. ``mlp``: ``MLPClassifier()`` / ``MLPRegressor()`` (``random_state`` only) on
   the flattened input: ragged sequences zero-padded at the end to the
   longest training sequence (longer test ones truncated), NaN -> 0, token
   ids one-hot per position.

Text is tokenized and forecasting tables are windowed inside each model, with
the vocabulary / scaler fitted on the training split only. Scores: accuracy
for classification; R² and an error (RMSE, or MAE in passengers for the
airline, where a seasonal-naive forecast is listed under the table) for
regression; means over folds where a task is cross-validated. Fit times are
wall-clock seconds of ``fit`` (search and refit for ``tuned``), summed over
folds, with one thread for PyTorch and for numpy's BLAS. ``--seed`` seeds
the synthetic data, the splits and every model.

Run:  python benchmarks/defaults.py                 # all tasks and models, ~35-50 min on 2 cores (hidden 128)
      python benchmarks/defaults.py --quick         # smoke run: tiny data, few epochs, < 1 min
      python benchmarks/defaults.py --params '{"learning_rate_init": 0.003}' --models defaults
      python benchmarks/defaults.py --tasks pulse,gunpoint --models defaults,torch --seed 1
      python benchmarks/defaults.py --tasks gunpoint,japanese_vowels --seeds 0,1,2,3,4
The table goes to stdout, progress to stderr, everything (per fold, epochs
run, the search's choice) to ``--out`` (JSON, default
benchmarks/defaults_results.json).
"""

import argparse
import json
import sys
import time
import warnings
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd
import sklearn
import torch
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import accuracy_score, mean_absolute_error, r2_score, root_mean_squared_error
from sklearn.model_selection import (GridSearchCV, PredefinedSplit, ShuffleSplit,
                                     StratifiedShuffleSplit)
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parent))
import sklstm  # noqa: E402
from _defaults_tasks import MODELS, TASKS  # noqa: E402
from _torch_loop import TorchLoop  # noqa: E402
from sklstm import LSTMClassifier, LSTMRegressor, SlidingWindowTransformer  # noqa: E402
from sklstm.preprocessing import Tokenizer  # noqa: E402

WINDOW = 12  # rows per window for "windows" tasks
EMBEDDING_DIM = 16  # for text: token input needs an embedding
# The tuned search. sklstm's defaults when this was written (0.01, no early
# stopping) are one candidate; the JSON records the defaults of each run.
COMMON_GRID = {"learning_rate_init": [0.001, 0.01], "early_stopping": [False, True]}
TITLES = {"defaults": "sklstm defaults", "tuned": "sklstm tuned",
          "torch": "PyTorch loop (defaults)", "mlp": "MLP defaults"}
QUICK = {"sklstm": {"max_iter": 3}, "torch_epochs": 2, "mlp_max_iter": 20}


def log(message):
    print(message, file=sys.stderr, flush=True)


def take(X, rows):
    if isinstance(X, pd.DataFrame):
        return X.iloc[rows]
    if isinstance(X, np.ndarray):
        return X[rows]
    return [X[i] for i in rows]


# -------------------------------------------------------------- sklstm


def sklstm_model(task, seed, params):
    """The sklstm estimator for a task, inside the pipeline its input needs."""
    cls = LSTMClassifier if task.kind == "classification" else LSTMRegressor
    if task.input in ("char", "word"):
        params = {"embedding_dim": EMBEDDING_DIM, **params}
    est = cls(random_state=seed, **params)
    if task.input in ("char", "word"):
        return make_pipeline(Tokenizer(level=task.input), est)
    if task.input == "windows":
        return make_pipeline(StandardScaler(), SlidingWindowTransformer(window_size=WINDOW), est)
    return est


def final_step(model):
    return model[-1] if isinstance(model, Pipeline) else model


def fit_defaults(task, X, y, seed, settings):
    params = {**settings["sklstm"], **task.defaults_extra, **settings["params"]}
    model = sklstm_model(task, seed, params)
    start = time.perf_counter()
    model.fit(X, y)
    return model, time.perf_counter() - start, {"n_iter": final_step(model).n_iter_}


def holdout_cv(task, y, seed):
    """One validation split of the training data."""
    if task.input == "windows":  # time order: validate on the last 20% of the rows
        n_valid = max(1, len(y) // 5)
        return PredefinedSplit(np.r_[np.full(len(y) - n_valid, -1), np.zeros(n_valid)])
    if task.kind == "classification":
        return StratifiedShuffleSplit(n_splits=1, test_size=0.2, random_state=seed)
    return ShuffleSplit(n_splits=1, test_size=0.2, random_state=seed)


def fit_tuned(task, X, y, seed, settings):
    model = sklstm_model(task, seed, settings["sklstm"])
    prefix = f"{model.steps[-1][0]}__" if isinstance(model, Pipeline) else ""
    grid = {(k if "__" in k else prefix + k): v for k, v in (task.grid or COMMON_GRID).items()}
    search = GridSearchCV(model, grid, cv=holdout_cv(task, y, seed))
    start = time.perf_counter()
    search.fit(X, y)
    info = {"grid": grid,
            "best_params": {k.split("__")[-1]: v for k, v in search.best_params_.items()},
            "best_validation_score": float(search.best_score_),
            "n_iter": final_step(search.best_estimator_).n_iter_}
    return search, time.perf_counter() - start, info


# ----------------------------------------------- torch loop and MLP


def encoder(task):
    """What turns a task's raw input into numbers for the torch loop and the MLP."""
    if task.input in ("char", "word"):
        return Tokenizer(level=task.input)
    if task.input == "windows":
        return make_pipeline(StandardScaler(), SlidingWindowTransformer(window_size=WINDOW))
    return None


def as_sequences(X):
    """A list of (T_i, F) float arrays or (T_i,) token ids.

    A 2D array holds univariate sequences; all-NaN time steps are padding.
    """
    if isinstance(X, np.ndarray) and X.ndim == 2:
        return [row[:, None] for row in X]
    out = []
    for s in X:
        s = np.asarray(s)
        out.append(s[~np.isnan(s).all(axis=1)] if s.dtype.kind == "f" else s)
    return out


class Encoded:
    """Fits the task's encoder on the training split; ``transform`` reuses it."""

    def __init__(self, task, X):
        self.encoder = encoder(task)
        self.n_tokens = None
        if self.encoder is not None:
            self.encoder.fit(X)
            self.n_tokens = getattr(self.encoder, "n_tokens_", None)

    def transform(self, X):
        return X if self.encoder is None else self.encoder.transform(X)


class TorchModel:
    def __init__(self, task, seed, epochs):
        self.task, self.seed, self.epochs = task, seed, epochs

    def fit(self, X, y):
        self.enc = Encoded(self.task, X)
        self.loop = TorchLoop(self.task.kind, epochs=self.epochs, n_tokens=self.enc.n_tokens,
                              seed=self.seed)
        self.loop.fit(as_sequences(self.enc.transform(X)), y)
        return self

    def predict(self, X):
        return self.loop.predict(as_sequences(self.enc.transform(X)))


def fit_torch(task, X, y, seed, settings):
    epochs = settings.get("torch_epochs", task.torch_epochs)
    model = TorchModel(task, seed, epochs)
    start = time.perf_counter()
    model.fit(X, y)
    return model, time.perf_counter() - start, {"epochs": epochs}


def flatten(Z, length, n_tokens):
    """One row per sequence: zero-padded/truncated to ``length`` steps, one-hot token ids."""
    if isinstance(Z, np.ndarray):
        return np.nan_to_num(Z.reshape(len(Z), -1))
    seqs = as_sequences(Z)
    if n_tokens is not None:
        out = np.zeros((len(seqs), length, n_tokens), dtype=np.float32)
        for i, s in enumerate(seqs):
            s = s[:length]
            out[i, np.arange(len(s)), s] = 1
            out[i, :, 0] = 0  # id 0 is padding: all zeros
    else:
        out = np.zeros((len(seqs), length, seqs[0].shape[1]))
        for i, s in enumerate(seqs):
            out[i, : min(len(s), length)] = s[:length]
    return np.nan_to_num(out.reshape(len(seqs), -1))


class MLPModel:
    def __init__(self, task, seed, max_iter):
        self.task, self.seed, self.max_iter = task, seed, max_iter

    def fit(self, X, y):
        self.enc = Encoded(self.task, X)
        Z = self.enc.transform(X)
        self.length = None if isinstance(Z, np.ndarray) else max(len(s) for s in as_sequences(Z))
        cls = MLPClassifier if self.task.kind == "classification" else MLPRegressor
        extra = {} if self.max_iter is None else {"max_iter": self.max_iter}
        self.mlp = cls(random_state=self.seed, **extra)
        self.mlp.fit(flatten(Z, self.length, self.enc.n_tokens), y)
        return self

    def predict(self, X):
        return self.mlp.predict(flatten(self.enc.transform(X), self.length, self.enc.n_tokens))


def fit_mlp(task, X, y, seed, settings):
    model = MLPModel(task, seed, settings.get("mlp_max_iter"))
    start = time.perf_counter()
    model.fit(X, y)
    return model, time.perf_counter() - start, {"n_iter": model.mlp.n_iter_}


FAMILIES = {"defaults": fit_defaults, "tuned": fit_tuned, "torch": fit_torch, "mlp": fit_mlp}


# ----------------------------------------------------------- evaluation


def score_split(task, data, test, pred):
    y_true = data.y[test]
    if task.kind == "classification":
        return {"score": accuracy_score(y_true, pred)}
    if data.to_original is not None:
        y_true, pred = data.to_original(y_true, test), data.to_original(pred, test)
    error = root_mean_squared_error if task.error == "rmse" else mean_absolute_error
    return {"score": r2_score(y_true, pred), "error": error(y_true, pred)}


def predict_rows(task, data, model, test):
    """Predictions for the test rows; windows are cut from the full history before them."""
    if task.input == "windows":
        history = np.arange(test[-1] + 1)
        return model.predict(take(data.X, history))[test]
    return model.predict(take(data.X, test))


def evaluate(task, data, family, seed, settings):
    folds = []
    for train, test in data.splits:
        model, seconds, info = FAMILIES[family](task, take(data.X, train), data.y[train],
                                                seed, settings)
        pred = predict_rows(task, data, model, test)
        folds.append({**score_split(task, data, test, pred), "fit_seconds": seconds, **info})
    return summarize(folds)


def summarize(folds):
    out = {"score": float(np.mean([f["score"] for f in folds])),
           "fit_seconds": float(sum(f["fit_seconds"] for f in folds))}
    if "error" in folds[0]:
        out["error"] = float(np.mean([f["error"] for f in folds]))
    if len(folds) > 1:
        out["folds"] = folds
    else:
        out.update({k: v for k, v in folds[0].items() if k not in out})
    return out


def evaluate_baselines(task, data):
    out = {}
    for name, values in data.baselines.items():
        folds = [{**score_split(task, data, test, values[test]), "fit_seconds": 0.0}
                 for _, test in data.splits]
        out[name] = summarize(folds)
    return out


# --------------------------------------------------------------- report


def over_seeds(runs):
    """The mean of several seeds' results, with each seed's result kept."""
    if len(runs) == 1:
        return runs[0]
    out = {key: float(np.mean([r[key] for r in runs]))
           for key in ("score", "error", "fit_seconds") if key in runs[0]}
    out["per_seed"] = runs
    return out


def cell(task, result, seconds=True):
    if result is None:
        return "—"
    seeds = [r["score"] for r in result.get("per_seed", [])]
    spread = f" [{min(seeds):.3f}–{max(seeds):.3f}]" if seeds else ""
    if task.kind == "classification":
        text = f"{result['score']:.3f}{spread}"
    else:
        text = f"R² {result['score']:.3f}{spread}, {task.error.upper()} {result['error']:.3g}"
    fit = result["fit_seconds"]
    return f"{text} ({fit:.{1 if fit < 10 else 0}f} s)" if seconds else text


def markdown(tasks, results, models, columns):
    lines = ["| task | " + " | ".join(columns[m] for m in models) + " |",
             "|---|" + "---|" * len(models)]
    for task in tasks:
        row = results.get(task.name, {})
        cells = " | ".join(cell(task, row.get(m)) for m in models)
        lines.append(f"| {task.name} | {cells} |")
    notes = []
    for task in tasks:
        for name, res in results.get(task.name, {}).get("baselines", {}).items():
            notes.append(f"{task.name}: {name} {cell(task, res, seconds=False)}")
    return "\n".join(lines + ([""] + [f"- {n}" for n in notes] if notes else []))


def warm_up():
    """One tiny fit of each kind, so that no timed fit pays PyTorch's one-off set-up."""
    X, y = np.random.RandomState(0).normal(size=(8, 5, 2)), np.arange(8) % 2
    LSTMClassifier(max_iter=1, random_state=0).fit(X, y)
    TorchLoop("classification", epochs=1).fit(list(X), y)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", help="comma-separated subset of "
                        + ",".join(t.name for t in TASKS))
    parser.add_argument("--models", default=",".join(MODELS), help="subset of " + ",".join(MODELS))
    parser.add_argument("--params", default="{}", help="JSON overrides for the defaults column")
    parser.add_argument("--quick", action="store_true", help="tiny data, few epochs (smoke run)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--seeds", help="comma-separated seeds (overrides --seed): each "
                        "model is fitted and scored once per seed; the table gives the "
                        "mean and [lowest–highest] score")
    parser.add_argument("--out", default="benchmarks/defaults_results.json")
    args = parser.parse_args()

    torch.set_num_threads(1)
    threadpool_limits(1)  # numpy's BLAS too (the MLP): one thread for every model
    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    models = args.models.split(",")
    unknown = set(models) - set(MODELS)
    names = args.tasks.split(",") if args.tasks else [t.name for t in TASKS]
    unknown |= set(names) - {t.name for t in TASKS}
    if unknown:
        parser.error(f"unknown task or model: {sorted(unknown)}")
    tasks = [t for t in TASKS if t.name in names]
    seeds = [int(x) for x in args.seeds.split(",")] if args.seeds else [args.seed]
    params = json.loads(args.params)
    settings = dict(QUICK) if args.quick else {"sklstm": {}}
    settings["params"] = params
    columns = dict(TITLES)
    if params:
        columns["defaults"] += " + " + ", ".join(f"{k}={v}" for k, v in params.items())

    meta = {"date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "argv": sys.argv[1:], "seeds": seeds, "quick": args.quick, "params": params,
            "columns": {m: columns[m] for m in models}, "torch_threads": 1,
            "sklstm_defaults": {"classifier": LSTMClassifier().get_params(),
                                "regressor": LSTMRegressor().get_params()},
            "versions": {"sklstm": getattr(sklstm, "__version__", "?"), "torch": torch.__version__,
                         "sklearn": sklearn.__version__, "numpy": np.__version__}}
    warm_up()
    results, start = {}, time.perf_counter()

    def save():
        meta["total_seconds"] = time.perf_counter() - start
        tasks_out = {t.name: {"kind": t.kind, "protocol": t.protocol,
                              **({"error": t.error} if t.kind == "regression" else {}),
                              **results[t.name]} for t in tasks if t.name in results}
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps({"meta": meta, "tasks": tasks_out}, indent=1,
                          default=lambda o: o.item() if hasattr(o, "item") else str(o))
        Path(args.out).write_text(text)

    for i, task in enumerate(tasks, 1):
        data = {seed: task.load(args.quick, seed) for seed in seeds}
        first = data[seeds[0]]
        results[task.name] = {"baselines": evaluate_baselines(task, first)} if first.baselines else {}
        for family in models:
            if family not in task.models:
                continue
            log(f"[{i}/{len(tasks)}] {task.name}: {columns[family]} ...")
            res = over_seeds([evaluate(task, data[seed], family, seed, settings)
                              for seed in seeds])
            results[task.name][family] = res
            log(f"    {cell(task, res)}")
            save()
    save()
    print(markdown(tasks, results, models, columns))
    print(f"\nTotal runtime {meta['total_seconds'] / 60:.1f} min "
          f"({'quick, ' if args.quick else ''}seeds {','.join(map(str, seeds))}); "
          f"results in {args.out}")


if __name__ == "__main__":
    main()
