"""Forecast monthly airline passengers 36 months ahead, with prediction intervals
==============================================================================

The classic airline series (1949-1960, 144 months). ``LSTMForecaster`` is
fitted on 1949-1957 with its defaults and ``horizon=36``: one network reads
a window of the months before an origin and forecasts all 36 months after
it at once (``strategy="direct"``), as a correction to a simple baseline forecast
(``baseline``); its newest training windows are held out for early stopping
and to calibrate the prediction intervals.

Printed, on the 36 held-out months 1958-1960:

- MAPE, MASE and the share of months inside the 80% and 95% intervals, for
  the LSTM (direct), the same network with ``strategy="recursive"`` (one
  step ahead, each forecast fed back as history) and the seasonal naive
  forecast (1957 repeated; its intervals: the usual normal ones from its
  in-sample errors, widening with each year ahead);
- a rolling-origin backtest over the whole series (``backtest``: 12 months
  ahead from 1957-12, 1958-12 and 1959-12, refitted at each origin), next to
  the seasonal naive forecast from the same origins.

The figure (``plot_forecast``) shows the history, the median forecast, its
80% and 95% intervals and the held-out months.

Run: python examples/forecasting.py [plot.png] [--seed N]   (the network's random_state, default 0)
Needs: matplotlib (``pip install "sklstm[plot]"``).
"""

import argparse
import time
from statistics import NormalDist

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from sklstm import LSTMForecaster, plot_forecast
from sklstm.datasets import load_airline
from sklstm.metrics import interval_coverage, mean_absolute_scaled_error
from sklstm.model_selection import backtest

H = 36  # months held out and forecast
M = 12  # months in a season

parser = argparse.ArgumentParser(description=__doc__.partition("\n")[0])
parser.add_argument("plot", nargs="?", default="forecasting.png", help="where to save the plot")
parser.add_argument("--seed", type=int, default=0, help="the network's random_state")
ARGS = parser.parse_args()

# %%
# The airline series, trained on 1949-1957 and tested on 1958-1960.

y = load_airline()  # monthly PeriodIndex, 1949-01 .. 1960-12
train, test = y[:"1957-12"], y["1958-01":]


def mape(y_true, y_pred) -> float:
    return float(100 * np.mean(np.abs(np.asarray(y_true) - np.asarray(y_pred)) / np.asarray(y_true)))


def evaluate(name, point, bands, seconds):
    """One row of the results table: point accuracy and interval coverage on the test months."""
    row = {"model": name, "MAPE %": mape(test, point),
           "MASE": mean_absolute_scaled_error(test, point, y_train=train, seasonal_period=M)}
    for c in (0.8, 0.95):
        lower, upper = bands[(c, "lower")], bands[(c, "upper")]
        row[f"cover {c:.0%}"] = interval_coverage(test, lower, upper)
    row["seconds"] = seconds
    return row


rows = []

# %%
# 1) The direct forecaster, defaults apart from the horizon.
start = time.perf_counter()
forecaster = LSTMForecaster(horizon=H, random_state=ARGS.seed).fit(train)
forecast = forecaster.predict(H)  # the median, indexed 1958-01 .. 1960-12
intervals = forecaster.predict_interval(H, coverage=[0.8, 0.95])  # columns (name, coverage, side)
rows.append(evaluate("LSTM, direct", forecast, intervals.droplevel(0, axis=1),
                     time.perf_counter() - start))

# %%
# 2) The recursive strategy: a one-step network, its forecasts fed back for 36 steps.
#    Its intervals are quantiles of sampled paths (n_paths=200).
start = time.perf_counter()
recursive = LSTMForecaster(strategy="recursive", random_state=ARGS.seed).fit(train)
rows.append(evaluate("LSTM, recursive", recursive.predict(H),
                     recursive.predict_interval(H, coverage=[0.8, 0.95]).droplevel(0, axis=1),
                     time.perf_counter() - start))

# %%
# 3) Seasonal naive: the last year repeated; normal intervals from its in-sample
#    errors, the standard deviation growing with the square root of the years ahead.
seasonal = pd.Series(np.tile(train.iloc[-M:].to_numpy(), H // M), index=test.index)
sigma = (train - train.shift(M)).dropna().std()
years_ahead = np.arange(H) // M + 1
bands = {}
for c in (0.8, 0.95):
    half = NormalDist().inv_cdf((1 + c) / 2) * sigma * np.sqrt(years_ahead)
    bands[(c, "lower")], bands[(c, "upper")] = seasonal - half, seasonal + half
rows.append(evaluate("seasonal naive", seasonal, bands, 0.0))

# %%
# The results on the 36 held-out months.

table = pd.DataFrame(rows).set_index("model")
print(f"Airline passengers, trained on 1949-1957 ({len(train)} months), "
      f"forecast {H} months: 1958-1960")
print(table.to_string(float_format=lambda v: f"{v:.2f}"))
print(f"(training stopped after {forecaster.n_iter_} epochs for the direct network, "
      f"{recursive.n_iter_} for the recursive one)")

# %%
# 4) Rolling origin: 12 months ahead from the ends of 1957, 1958 and 1959, a new
#    fit at each origin on the months before it only.
start = time.perf_counter()
result = backtest(LSTMForecaster(horizon=M, random_state=ARGS.seed), y, fh=M, n_origins=3)
seconds = time.perf_counter() - start
frame = result.forecasts
naive = y.shift(M).reindex(frame["time"]).to_numpy()  # the same month a year before
per_origin = result.metrics[["mape", "mase", "coverage_0.8", "coverage_0.95"]].copy()
per_origin.insert(1, "naive_mape", [mape(part["y_true"], naive[part.index])
                                    for _, part in frame.groupby("origin", sort=False)])
print(f"\nBacktest, 12 months ahead from 3 origins ({seconds:.0f} s for 3 fits); "
      "MAPE in %, naive_mape: seasonal naive")
print(per_origin.to_string(float_format=lambda v: f"{v:.2f}"))
summary = result.summary()
print(f"pooled: MAPE {summary['mape']:.2f} (seasonal naive {mape(frame['y_true'], naive):.2f}), "
      f"MASE {summary['mase']:.2f}, 80% interval covers {summary['coverage_0.8']:.0%}, "
      f"95% covers {summary['coverage_0.95']:.0%}")

# %%
# 5) The figure: history, median, 80% and 95% bands, and what happened.
fig, ax = plt.subplots(figsize=(10, 4.2), layout="constrained")
plot_forecast(forecaster, H, y_true=test, coverage=(0.8, 0.95), ax=ax)
ax.plot(seasonal.index.to_timestamp(), seasonal.to_numpy(), color="grey", linestyle=":",
        linewidth=1.2, label="seasonal naive")
ax.axvline(train.index[-1].to_timestamp(how="end"), color="grey", linewidth=0.8)
ax.legend(loc="upper left", fontsize=8)
ax.set_ylabel("passengers (thousands)")
direct = table.loc["LSTM, direct"]
ax.set_title(f"Airline passengers: LSTMForecaster(horizon=36), 36 months from 1957-12 "
             f"(MAPE {direct['MAPE %']:.1f}%, 80%/95% intervals cover "
             f"{direct['cover 80%']:.0%}/{direct['cover 95%']:.0%})", fontsize=10)
fig.savefig(ARGS.plot, dpi=110)
print(f"\nsaved {ARGS.plot}")
