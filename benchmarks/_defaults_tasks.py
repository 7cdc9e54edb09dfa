"""The tasks of ``benchmarks/defaults.py``: data, splits and how they are scored.

Every loader takes ``(quick, seed)`` and returns a :class:`Data`: the whole
data set and the list of (train, test) index pairs to evaluate on, so that
every model family sees exactly the same splits. ``quick`` shrinks the data
for a smoke run. All data is generated from fixed seeds or read from
``benchmarks/data/`` (see its README).
"""

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd
from sklearn.datasets import load_digits
from sklearn.model_selection import StratifiedKFold

from sklstm import make_supervised
from sklstm.datasets import load_airline

DATA_DIR = Path(__file__).resolve().parent / "data"
MODELS = ("defaults", "tuned", "torch", "mlp")


@dataclass
class Data:
    X: object  # 3D array, 2D array (univariate), list of (T_i, F) arrays, list of str, or a table
    y: np.ndarray
    splits: list  # [(train_idx, test_idx), ...]; scores are averaged over them
    # Converts targets of the given rows to the units that are scored (e.g.
    # log growth -> passengers); None scores y as it is.
    to_original: Callable | None = None
    baselines: dict = field(default_factory=dict)  # name -> predictions for every row of y


@dataclass(frozen=True)
class Task:
    name: str
    kind: str  # "classification" or "regression"
    load: Callable[[bool, int], Data]
    protocol: str  # how it is evaluated, in words (goes into the JSON)
    # "sequences": numeric sequences as they are; "char"/"word": strings,
    # tokenized inside each model (vocabulary from the training split);
    # "windows": a time-ordered table, scaled and cut into causal windows of
    # 12 rows inside each model, predicted from the full history.
    input: str = "sequences"
    models: tuple = MODELS
    defaults_extra: dict = field(default_factory=dict)  # added to the defaults column
    grid: dict | None = None  # the tuned search space; None: defaults.COMMON_GRID
    error: str = "rmse"  # regression: the error reported next to R² ("rmse" or "mae")
    torch_epochs: int = 40  # epochs of the hand-written loop


def holdout(n_train, n_test):
    return [(np.arange(n_train), np.arange(n_train, n_train + n_test))]


def kfold(y, n_splits, shuffle, seed):
    cv = StratifiedKFold(n_splits, shuffle=shuffle, random_state=seed if shuffle else None)
    return list(cv.split(np.zeros(len(y)), y))


# ----------------------------------------------------------------- digits


def digits(quick, seed, shuffle):
    X, y = load_digits(return_X_y=True)
    X = (X / 16).reshape(-1, 8, 8)  # 8 rows of 8 pixels: rows are time steps
    if quick:
        X, y = X[:200], y[:200]
    return Data(X, y, kfold(y, 5, shuffle, 0))


# ------------------------------------------------------------------ pulse


def pulse(quick, seed):
    """Long memory: a pulse of +-2 at 15..50 steps before the end decides the class."""
    n_train, n_test = (200, 100) if quick else (2000, 500)
    n, T = n_train + n_test, 50
    rng = np.random.RandomState(seed)
    X = rng.normal(0, 0.3, size=(n, T, 1))
    y = rng.randint(0, 2, n)
    k = rng.randint(15, 51, n)  # steps before the end
    X[np.arange(n), T - k, 0] += np.where(y == 1, 2.0, -2.0)
    return Data(X, y, holdout(n_train, n_test))


# ------------------------------------------------------------------- text

SUBJECTS = ["food", "service", "movie", "plot", "acting", "room", "staff", "music"]
GOOD = ["good", "great", "lovely", "superb", "fine", "excellent", "pleasant"]
BAD = ["bad", "awful", "poor", "terrible", "dull", "horrible", "bland"]
FILLERS = ["really", "very", "quite", "truly", "rather", "so", "just", "honestly"]


def text_char_order(quick, seed):
    """"the <subject> was [not] <0-3 fillers> <adjective>": the negation flips the label."""
    n = 150 if quick else 1200
    rng = np.random.RandomState(seed)
    texts, labels = [], []
    for _ in range(n):
        positive, negated = rng.rand() < 0.5, rng.rand() < 0.5
        words = ["the", rng.choice(SUBJECTS), "was"] + (["not"] if negated else [])
        words += list(rng.choice(FILLERS, rng.randint(0, 4)))
        words.append(rng.choice(GOOD if positive else BAD))
        texts.append(" ".join(words))
        labels.append(int(positive != negated))
    y = np.array(labels)
    return Data(texts, y, kfold(y, 3, True, seed))


def _clause(rng):
    positive, negated = rng.rand() < 0.5, rng.rand() < 0.3
    word = rng.choice(GOOD if positive else BAD)
    text = f"the {rng.choice(SUBJECTS)} was {'not ' if negated else ''}{word}"
    return text, int(positive != negated)


def text_word(quick, seed):
    """Reviews as in examples/sentiment.py: negations and "but" contrasts (the 2nd clause decides)."""
    n = 150 if quick else 1200
    rng = np.random.RandomState(seed)
    texts, labels = [], []
    for _ in range(n):
        text, label = _clause(rng)
        if rng.rand() < 0.5:
            second, label = _clause(rng)
            text = f"{text} but {second}"
        texts.append(text)
        labels.append(label)
    y = np.array(labels)
    return Data(texts, y, kfold(y, 3, True, seed))


# --------------------------------------------------------------- UCR/UEA


def gunpoint(quick, seed):
    d = np.load(DATA_DIR / "gunpoint.npz")
    X = np.concatenate([d["X_train"], d["X_test"]]).astype(np.float64)  # (n, 150): univariate
    y = np.concatenate([d["y_train"], d["y_test"]])
    return Data(X, y, holdout(len(d["y_train"]), len(d["y_test"])))


def _unstack(values, lengths):
    return np.split(values.astype(np.float64), np.cumsum(lengths)[:-1])


def japanese_vowels(quick, seed):
    d = np.load(DATA_DIR / "japanese_vowels.npz")
    X = (_unstack(d["values_train"], d["lengths_train"])
         + _unstack(d["values_test"], d["lengths_test"]))  # ragged: (T_i, 12), T_i in 7..29
    y = np.concatenate([d["y_train"], d["y_test"]])
    return Data(X, y, holdout(len(d["y_train"]), len(d["y_test"])))


# -------------------------------------------------------------- synthetic


def seq_regression(quick, seed):
    """The frequency of a noisy sine of random phase, from 20..40 steps of it (ragged)."""
    n_train, n_test = (200, 100) if quick else (2000, 500)
    rng = np.random.RandomState(seed)
    X, y = [], rng.uniform(0.05, 0.25, n_train + n_test)  # cycles per step
    for f in y:
        t = np.arange(rng.randint(20, 41))
        x = np.sin(2 * np.pi * f * t + rng.uniform(0, 2 * np.pi)) + rng.normal(0, 0.5, len(t))
        X.append(x[:, None])
    return Data(X, y, holdout(n_train, n_test))


def marked_value(quick, seed, n_train):
    """20 steps of 3 features; feature 1 marks one random step: is feature 0 positive there?"""
    n_test, T = 2000, 20
    if quick:
        n_train, n_test = min(n_train, 500), 200
    n = n_train + n_test
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, T, 3))
    X[:, :, 1] = 0
    marked = rng.randint(0, T, n)
    X[np.arange(n), marked, 1] = 1
    y = (X[np.arange(n), marked, 0] > 0).astype(int)
    return Data(X, y, holdout(n_train, n_test))


# ---------------------------------------------------------------- airline


def airline(quick, seed):
    """Next month's log growth from 12 months of (log level, month); test: the last 24 months."""
    passengers = load_airline()
    month = passengers.index.month.to_numpy()
    table = pd.DataFrame({"log_passengers": np.log(passengers.to_numpy()),
                          "month_sin": np.sin(2 * np.pi * month / 12),
                          "month_cos": np.cos(2 * np.pi * month / 12)})
    X, next_log = make_supervised(table, target="log_passengers", horizon=1)
    level = X["log_passengers"].to_numpy()
    y = next_log.to_numpy() - level  # row t: log growth from month t to t + 1
    n_test = 24
    seasonal_naive = np.full(len(y), np.nan)
    seasonal_naive[11:] = level[:-11] - level[11:]  # month t + 1 - 12, as growth from t

    def to_original(values, rows):
        return np.exp(level[rows] + values)  # passengers (thousands) in month t + 1

    return Data(X, y, holdout(len(y) - n_test, n_test), to_original,
                {"seasonal naive": seasonal_naive})


# ------------------------------------------------------------------ tasks

TASKS = [
    # The search would cost 5 folds x 5 fits per protocol: not run on the digits.
    Task("digits_rows_cv5", "classification", lambda q, s: digits(q, s, shuffle=False),
         "StratifiedKFold(5) unshuffled (as cross_val_score(cv=5)), mean accuracy",
         models=("defaults", "torch", "mlp")),
    Task("digits_rows_shuffled", "classification", lambda q, s: digits(q, s, shuffle=True),
         "StratifiedKFold(5, shuffle=True, random_state=0), mean accuracy",
         models=("defaults", "torch", "mlp")),
    Task("pulse", "classification", pulse, "holdout 2000 train / 500 test"),
    Task("text_char_order", "classification", text_char_order,
         "StratifiedKFold(3, shuffle=True), mean accuracy", input="char"),
    Task("text_word", "classification", text_word,
         "StratifiedKFold(3, shuffle=True), mean accuracy", input="word"),
    Task("gunpoint", "classification", gunpoint, "UCR split: 50 train / 150 test"),
    Task("gunpoint_early_stopping", "classification", gunpoint,
         "UCR split: 50 train / 150 test; defaults + early_stopping=True",
         models=("defaults",), defaults_extra={"early_stopping": True}),
    Task("japanese_vowels", "classification", japanese_vowels,
         "UEA split: 270 train / 370 test, ragged 7..29 steps x 12"),
    Task("seq_regression", "regression", seq_regression,
         "holdout 2000 train / 500 test; R², RMSE"),
    Task("forecast_airline", "regression", airline,
         "fit on 1949..1958, one step ahead over the last 24 months; R², MAE in passengers "
         "(thousands)", input="windows", error="mae",
         grid={"learning_rate_init": [0.001, 0.01],
               "slidingwindowtransformer__window_size": [12, 24]}),
    Task("small_n", "classification", lambda q, s: marked_value(q, s, 300),
         "holdout 300 train / 2000 test"),
    # With 20,000 training sequences (of 30 steps) one defaults fit alone took 11 min
    # on the shared 2-core machine (75 epochs; 0.998 accuracy). The search here has
    # two candidates, both with early stopping.
    Task("large_n", "classification", lambda q, s: marked_value(q, s, 5000),
         "holdout 5000 train / 2000 test",
         grid={"learning_rate_init": [0.001, 0.01], "early_stopping": [True]}),
]
