"""Forecast monthly airline passengers with an LSTM inside a scikit-learn pipeline.

The classic airline series (1949-1960, 144 months); the last 36 months are
held out. Each month's features are known at that month: the log passenger
count and the month of the year (as sine/cosine). The target is the log
growth to the next month (``make_supervised`` aligns it; the LSTM then
forecasts a stationary quantity). The pipeline scales the table, cuts a
causal window of the last ``window_size`` months for every row, and fits an
LSTMRegressor; GridSearchCV tunes the window and the network over
time-ordered folds (``ForecastSplit``), so no fold ever trains on its future.

Two evaluations on the 36 held-out months, each next to naive baselines
computed the same way:

- one step ahead: each month forecast from the observed history before it;
- 36 months ahead from the end of 1957 (recursive: each forecast is fed back
  as history), the setting of sktime's airline notebook.

Run: python examples/forecasting.py [plot.png] [--seed N]   (the LSTM's random_state, default 0)
"""

import argparse
import time
import warnings

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import mean_absolute_percentage_error as mape
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklstm import LSTMRegressor, SlidingWindowTransformer, make_supervised
from sklstm.datasets import load_airline
from sklstm.model_selection import ForecastSplit

N_TEST = 36
# Some small CV folds use all 300 epochs; their CV score judges them anyway.
warnings.filterwarnings("ignore", category=ConvergenceWarning)

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("plot", nargs="?", default="forecasting.png", help="where to save the plot")
parser.add_argument("--seed", type=int, default=0, help="the LSTM's random_state")
ARGS = parser.parse_args()


def features(passengers: pd.Series) -> pd.DataFrame:
    """What is known at each month: log level and month of the year."""
    month = passengers.index.month.to_numpy()
    return pd.DataFrame(
        {
            "log_passengers": np.log(passengers.to_numpy()),
            "month_sin": np.sin(2 * np.pi * month / 12),
            "month_cos": np.cos(2 * np.pi * month / 12),
        },
        index=passengers.index,
    )


y = load_airline()
train, test = y.iloc[:-N_TEST], y.iloc[-N_TEST:]

# Supervised pairs from the training period only: row t -> log growth t -> t+1.
table = features(train)
X_train, next_log = make_supervised(table, target="log_passengers", horizon=1)
growth_train = next_log - X_train["log_passengers"]

pipeline = make_pipeline(
    StandardScaler(),
    SlidingWindowTransformer(window_size=24),
    LSTMRegressor(hidden_size=32, max_iter=300, learning_rate_init=0.003,
                  n_iter_no_change=20, random_state=ARGS.seed),
)
search = GridSearchCV(
    pipeline,
    {
        "slidingwindowtransformer__window_size": [12, 24],
        "lstmregressor__hidden_size": [16, 32],
    },
    cv=ForecastSplit(n_splits=3, horizon=1),
    scoring="neg_mean_absolute_error",
)
start = time.perf_counter()
search.fit(X_train, growth_train)
seconds = time.perf_counter() - start
model = search.best_estimator_
print(f"GridSearchCV: best {search.best_params_} ({seconds:.0f} s for 4 candidates x 3 folds + refit)")

# 1) One step ahead over the test period, from the observed history.
full = features(y)
growth = model.predict(full)  # causal windows: row t sees rows <= t only
one_step = np.exp(full["log_passengers"].to_numpy()[-N_TEST - 1 : -1] + growth[-N_TEST - 1 : -1])
naive_1 = y.to_numpy()[-N_TEST - 1 : -1]
seasonal_1 = y.to_numpy()[-N_TEST - 12 : -12]

# 2) 36 months ahead from the end of the training period, feeding forecasts back.
history = train.copy()
for _ in range(N_TEST):
    step = model.predict(features(history))[-1]  # the window ending at the last month
    nxt = pd.Series([history.iloc[-1] * np.exp(step)], index=[history.index[-1] + 1])
    history = pd.concat([history, nxt])
recursive = history.iloc[-N_TEST:].to_numpy()
naive_36 = np.full(N_TEST, train.iloc[-1])
seasonal_36 = np.tile(train.iloc[-12:].to_numpy(), 3)

rows = [
    ("LSTM (sklstm)", mape(test, one_step), mape(test, recursive)),
    ("naive (last value)", mape(test, naive_1), mape(test, naive_36)),
    ("seasonal naive (12 months)", mape(test, seasonal_1), mape(test, seasonal_36)),
]
print(f"\n{'MAPE on 1958-1960':<28}{'1 step ahead':>14}{'36 months ahead':>17}")
for name, a, b in rows:
    print(f"{name:<28}{a:>13.1%}{b:>17.1%}")

out = ARGS.plot
fig, ax = plt.subplots(figsize=(10, 4), layout="constrained")
dates = y.index.to_timestamp()
ax.plot(dates, y.to_numpy(), color="black", label="observed")
ax.plot(dates[-N_TEST:], one_step, label=f"LSTM, 1 step ahead (MAPE {rows[0][1]:.1%})")
ax.plot(dates[-N_TEST:], recursive, label=f"LSTM, 36 months ahead (MAPE {rows[0][2]:.1%})")
ax.plot(dates[-N_TEST:], seasonal_36, linestyle=":", label=f"seasonal naive, 36 months ahead ({rows[2][2]:.1%})")
ax.axvline(dates[-N_TEST], color="grey", linewidth=0.8)
ax.set_ylabel("passengers (thousands)")
ax.set_title("Airline passengers: last 36 months held out")
ax.legend(loc="upper left")
fig.savefig(out, dpi=110)
print(f"\nsaved {out}")
