"""Cross-validation of a windowing Pipeline: truncated test windows vs full history.

In ``cross_val_score(make_pipeline(StandardScaler(), SlidingWindowTransformer(w),
LSTMRegressor()), X, y, cv=TimeSeriesSplit(5))`` the transformer sees only the
test fold at predict, so the first ``w - 1`` rows of every test fold used to be
predicted from truncated windows; the bias grows with ``w`` and makes a search
over ``window_size`` favour small windows. For each window size this script
scores, on the same folds and with the same seeds:

- ``numpy``: the Pipeline on a numpy table (no index: truncated windows);
- ``index``: the Pipeline on a DataFrame, the scaler set to pandas output so
  the index reaches the transformer, which completes the windows of a test
  fold from the end of the training fold it continues (the fix);
- ``full``: the reference: windows cut from the whole past of every row,
  outside any Pipeline.

The series is a seasonal AR(2) process (600 months, a 12-month season,
noise), long enough for five test folds of 60 months; the target is the
next month.

Run: python benchmarks/window_cv.py [--windows 6,12,24] [--repeats 3]
"""

import argparse
import warnings

import numpy as np
import pandas as pd
import torch
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import r2_score
from sklearn.model_selection import TimeSeriesSplit, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklstm import LSTMRegressor, SlidingWindowTransformer, make_supervised


def series(n: int = 600, seed: int = 0) -> pd.Series:
    """A seasonal AR(2) series with a 12-month season and noise."""
    rng = np.random.RandomState(seed)
    values = np.zeros(n)
    season = np.sin(2 * np.pi * np.arange(n) / 12)
    for t in range(2, n):
        values[t] = 0.6 * values[t - 1] - 0.2 * values[t - 2] + season[t] + rng.normal(0, 0.3)
    return pd.Series(values, index=pd.period_range("1950-01", periods=n, freq="M"), name="y")


def regressor(seed: int) -> LSTMRegressor:
    return LSTMRegressor(hidden_size=16, max_iter=30, random_state=seed)


def cv_scores(X, y, window: int, seed: int, cv) -> dict:
    numpy = make_pipeline(StandardScaler(), SlidingWindowTransformer(window), regressor(seed))
    index = make_pipeline(
        StandardScaler().set_output(transform="pandas"),
        SlidingWindowTransformer(window),
        regressor(seed),
    )
    full = []
    for train, test in cv.split(X):
        scaler = StandardScaler().fit(X.iloc[train])
        windows = SlidingWindowTransformer(window).fit_transform(
            scaler.transform(X.iloc[: test[-1] + 1])
        )
        model = regressor(seed).fit(windows[train], y.iloc[train])
        full.append(r2_score(y.iloc[test], model.predict(windows[test])))
    return {
        "numpy": cross_val_score(numpy, X.to_numpy(), y.to_numpy(), cv=cv).mean(),
        "index": cross_val_score(index, X, y, cv=cv).mean(),
        "full": float(np.mean(full)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--windows", default="6,12,24")
    parser.add_argument("--repeats", type=int, default=3, help="seeds per window size")
    args = parser.parse_args()
    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    torch.set_num_threads(1)
    X, y = make_supervised(series(), horizon=1)
    cv = TimeSeriesSplit(n_splits=5, test_size=60)
    print("| window_size | numpy Pipeline (truncated) | DataFrame Pipeline (index) | full history |")
    print("|---|---|---|---|")
    for window in map(int, args.windows.split(",")):
        runs = [cv_scores(X, y, window, seed, cv) for seed in range(args.repeats)]
        mean = {key: np.mean([run[key] for run in runs]) for key in runs[0]}
        print(f"| {window} | {mean['numpy']:.3f} | {mean['index']:.3f} | {mean['full']:.3f} |",
              flush=True)


if __name__ == "__main__":
    main()
