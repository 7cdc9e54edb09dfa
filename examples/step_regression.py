"""Per-step regression: every month of the airline series predicts the next one
============================================================================

``LSTMStepRegressor`` gives one prediction at each time step of a sequence.
With a causal (unidirectional) LSTM the prediction at month t reads months
<= t only, so a single pass over a series gives a one-step-ahead forecast at
every month: a whole backtest from one ``predict`` call.

The series is the classic airline data (monthly passengers, 1949-1960); the
last 24 months are held out. At each month the inputs are the month's log
growth (log passengers minus last month's) and the month of the year (sine,
cosine); the target is the next month's log growth. The model is trained on
overlapping 24-month chunks of the training years, then reads the whole
series at once and forecasts each held-out month from all the months before
it. The forecast in passengers is last month's count times exp(predicted
growth). Baselines: the seasonal naive forecast (the same month last year)
and its growth version (last month times last year's growth into this
month).

Run: python examples/step_regression.py   (saves docs/step_regression.png)
Needs: matplotlib (``pip install "sklstm[plot]"``).
"""

import sys
import warnings
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from sklearn.exceptions import ConvergenceWarning

from sklstm import LSTMStepRegressor
from sklstm.datasets import load_airline

# sys.argv[0], not __file__: sphinx-gallery runs the examples without __file__
ROOT = Path(sys.argv[0]).resolve().parent.parent
N_TEST = 24
CHUNK = 24
# The training loss of this small series keeps creeping down for the whole
# budget (max_iter="auto": 2,000 updates, 667 epochs of 3 batches); the
# held-out months judge the fit instead.
warnings.filterwarnings("ignore", category=ConvergenceWarning)

# %%
# 1) A feature table with one row per month (from the second month on: the
#    first has no growth), and the per-step target: the next row's growth.
#    Growth rather than the log level as input and target: the held-out
#    years' levels are above every training level, which a network would
#    have to extrapolate to; the growth pattern of a year repeats.
y = load_airline()
passengers = y.to_numpy()
growth = np.diff(np.log(passengers))  # growth[i]: log growth into month i + 1
month = y.index.month.to_numpy()[1:]
features = np.column_stack([growth, np.sin(2 * np.pi * month / 12), np.cos(2 * np.pi * month / 12)])
target = np.append(growth[1:], np.nan)  # the last month has no next month: unlabelled

# Row r is month r + 1 and its target the growth into month r + 2: the first
# n_train rows (1949-02 .. 1958-11) have their target in the training years.
n_train = len(passengers) - N_TEST - 2
# Scale the growth column with the training rows' mean and std (the LSTM is not
# scale-free; the regressor standardises y itself).
mean, std = features[:n_train, 0].mean(), features[:n_train, 0].std()
features[:, 0] = (features[:, 0] - mean) / std

# %%
# 2) Training sequences: every 24-month chunk of the training rows, with its
#    24 per-step targets: X (n_chunks, 24, 3), y (n_chunks, 24).
starts = range(n_train - CHUNK + 1)
X_train = np.stack([features[s:s + CHUNK] for s in starts])
y_train = np.stack([target[s:s + CHUNK] for s in starts])
print(f"{len(X_train)} training chunks of {CHUNK} months, {X_train.shape[2]} features per month")

# %%
# 3) Fit with the defaults (unidirectional, 128 units, dropout 0.2); a fit
#    takes about 25 seconds, and five seeds show how much the result varies.
#    Predict on the whole series as ONE sequence: the prediction at each month
#    carries the state of every month before it, the held-out ones included
#    (their observed growth is an input once the month is over).
test_rows = slice(n_train, n_train + N_TEST)  # rows 1958-12 .. 1960-11 -> 1959-01 .. 1960-12
actual = passengers[-N_TEST:]
last_month = passengers[-N_TEST - 1:-1]
forecasts, maes = [], []
for seed in range(5):
    model = LSTMStepRegressor(random_state=seed).fit(X_train, y_train)
    per_step = model.predict([features])[0]  # a list in, a list out: (143,) next-month growths
    if seed == 0:
        first = per_step
    forecast = last_month * np.exp(per_step[test_rows])
    forecasts.append(forecast)
    maes.append(np.abs(forecast - actual).mean())
    print(f"  random_state={seed}: {model.n_iter_} epochs, test MAE {maes[-1]:.1f}")

# %%
# The baselines, and the mean absolute error of each.

seasonal = passengers[-N_TEST - 12:-12]
seasonal_growth = last_month * passengers[-N_TEST - 12:-12] / passengers[-N_TEST - 13:-13]
mae_seasonal = np.abs(seasonal - actual).mean()
mae_seasonal_growth = np.abs(seasonal_growth - actual).mean()
print("\nMAE on 1959-1960, one month ahead (thousands of passengers)")
print(f"  LSTMStepRegressor (5 seeds)        {np.mean(maes):5.1f}  "
      f"(from {min(maes):.1f} to {max(maes):.1f})")
print(f"  seasonal naive (12 months ago)     {mae_seasonal:5.1f}")
print(f"  last month x last year's growth    {mae_seasonal_growth:5.1f}")

# %%
# 4) The figure: the forecasts in passengers, and the per-step targets against
#    the per-step predictions (in-sample on the training rows, then held out).
dates = y.index.to_timestamp()
fig, (top, bottom) = plt.subplots(2, 1, figsize=(10, 6.5), layout="constrained")
top.plot(dates, passengers, color="black", label="observed")
top.plot(dates[-N_TEST:], forecasts[0], marker=".",
         label=f"LSTM, random_state=0 (MAE {maes[0]:.1f})")
top.plot(dates[-N_TEST:], seasonal, linestyle=":", label=f"seasonal naive (MAE {mae_seasonal:.1f})")
top.axvline(dates[-N_TEST], color="grey", linewidth=0.8)
top.set_ylabel("passengers (thousands)")
top.set_title("One month ahead: the last 24 months held out")
top.legend(loc="upper left")

growth_dates = dates[2:]  # row i's target is the growth into month i + 2
bottom.plot(growth_dates, target[:-1], color="black", linewidth=1,
            label="target: next month's log growth")
bottom.plot(growth_dates, first[:-1], color="C0", linewidth=1,
            label="LSTM per-step prediction (random_state=0)")
bottom.axvline(dates[-N_TEST], color="grey", linewidth=0.8)
bottom.axhline(0, color="grey", linewidth=0.5)
bottom.set_ylabel("log growth")
bottom.set_title("Per step: training chunks' months (in sample), then the held-out months")
bottom.legend(loc="lower left", ncols=2)
out = ROOT / "docs" / "step_regression.png"
fig.savefig(out, dpi=110)
print(f"\nsaved {out.relative_to(ROOT)}")
