"""Forecast several US macro series with one LSTM, past and future covariates, and intervals
=========================================================================================

Needs statsmodels (not a dependency of sklstm: ``pip install statsmodels``)
for its copy of the quarterly US macro data, 1959Q1-2009Q3 (``macrodata``).

- Series: real GDP, consumption, investment and disposable income (billions
  of 2005 dollars, seasonally adjusted), a wide DataFrame on a quarterly
  PeriodIndex, one column per series. One global ``LSTMForecaster`` learns
  from the windows of all four (each window scaled on its own history, so
  investment, a sixth of GDP, trains with it).
- Future covariates: the quarter of the year (sine, cosine), known for any
  quarter ahead, so ``predict`` takes them over the horizon, indexed by the
  future quarters. (The series are seasonally adjusted: the calendar carries
  little here; it stands for any covariate known in advance, such as
  holidays, planned prices or announced policy.)
- Past covariates (``past_covariates=``): the unemployment rate and the
  3-month T-bill rate, observed only up to the forecast origin; the
  forecaster reads them in the history and never after it.

The last 8 quarters of every series (2007Q4-2009Q3, the Great Recession)
are held out and forecast from 2007Q3 with ``horizon=8``. Printed per
series: MASE (against the in-sample seasonal naive error; < 1 beats it) and
sMAPE of the LSTM and of the seasonal naive forecast (the last 4 quarters
repeated), and the share of held-out quarters inside the LSTM's 80% and
95% intervals; then the same network without covariates. The figure has
one panel per series (``plot_forecast(..., series=..., ax=ax)``).

Run: python examples/forecasting_covariates.py [plot.png] [--seed N]   (the network's random_state, default 0)
Needs: matplotlib and statsmodels (``pip install "sklstm[plot]" statsmodels``).
"""

import argparse
import time

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from sklstm import LSTMForecaster, plot_forecast
from sklstm.metrics import (
    interval_coverage,
    mean_absolute_scaled_error,
    symmetric_mean_absolute_percentage_error,
)

parser = argparse.ArgumentParser(description=__doc__.partition("\n")[0])
parser.add_argument("plot", nargs="?", default="forecasting_covariates.png",
                    help="where to save the plot")
parser.add_argument("--seed", type=int, default=0, help="the network's random_state")
ARGS = parser.parse_args()

try:
    from statsmodels.datasets import macrodata
except ImportError:
    raise SystemExit(
        "This example reads the US macro data that ships with statsmodels, which is "
        "not installed (sklstm does not need it). Install it with `pip install "
        "statsmodels` and run the example again."
    ) from None

# %%
# The data: four series in a wide DataFrame on a quarterly ``PeriodIndex``; the
# last 8 quarters are held out.

H = 8  # quarters held out and forecast
M = 4  # quarters in a year
SERIES = {"realgdp": "real GDP", "realcons": "real consumption",
          "realinv": "real investment", "realdpi": "real disposable income"}
PAST = ["unemp", "tbilrate"]

data = macrodata.load_pandas().data
data.index = pd.PeriodIndex.from_fields(year=data["year"].astype(int),
                                        quarter=data["quarter"].astype(int), freq="Q")
y = data[list(SERIES)]  # wide: one column per series, 1959Q1 .. 2009Q3
train, test = y.iloc[:-H], y.iloc[-H:]


def calendar(quarters: pd.PeriodIndex) -> pd.DataFrame:
    """Future covariates: the quarter of the year on a circle (known for any quarter)."""
    angle = 2 * np.pi * quarters.quarter.to_numpy() / M
    return pd.DataFrame({"quarter_sin": np.sin(angle), "quarter_cos": np.cos(angle)},
                        index=quarters)


# %%
# X at fit: the covariates at every training quarter (past ones observed there).
X_train = calendar(train.index).join(data[PAST])
# X at predict: the calendar over the 8 quarters ahead, indexed by those quarters.
# The past covariates are not known there; their columns stay (the forecaster
# checks that X has the columns it was fitted with) but hold NaN: never read.
future = pd.period_range(train.index[-1] + 1, periods=H, freq="Q")
X_future = calendar(future).assign(**{name: np.nan for name in PAST})

# %%
# One global forecaster for the four series, with past and future covariates.

start = time.perf_counter()
forecaster = LSTMForecaster(horizon=H, past_covariates=PAST, random_state=ARGS.seed)
forecaster.fit(train, X_train)
forecast = forecaster.predict(H, X_future)  # one column per series, indexed 2007Q4 .. 2009Q3
intervals = forecaster.predict_interval(H, X_future, coverage=[0.8, 0.95])
seconds = time.perf_counter() - start

# %%
# MASE, sMAPE and interval coverage per series, next to the seasonal naive
# forecast.

seasonal = pd.DataFrame(np.tile(train.iloc[-M:].to_numpy(), (H // M, 1)),
                        index=test.index, columns=test.columns)


def mase(name, point):
    return mean_absolute_scaled_error(test[name], point, y_train=train[name], seasonal_period=M)


rows = []
for name in SERIES:
    bands = intervals[name]
    rows.append({
        "series": name,
        "MASE": mase(name, forecast[name]),
        "naive MASE": mase(name, seasonal[name]),
        "sMAPE %": symmetric_mean_absolute_percentage_error(test[name], forecast[name]),
        "naive sMAPE %": symmetric_mean_absolute_percentage_error(test[name], seasonal[name]),
        "cover 80%": interval_coverage(test[name], bands[(0.8, "lower")], bands[(0.8, "upper")]),
        "cover 95%": interval_coverage(test[name], bands[(0.95, "lower")], bands[(0.95, "upper")]),
    })
table = pd.DataFrame(rows).set_index("series")
table.loc["mean"] = table.mean()
print(f"US macro data, {len(SERIES)} series trained on {train.index[0]}-{train.index[-1]} "
      f"({len(train)} quarters), forecast {H} quarters: {test.index[0]}-{test.index[-1]}")
print(f"covariates: future {list(calendar(future).columns)}, past {PAST}; "
      f"fit + forecasts {seconds:.0f} s, stopped at epoch {forecaster.n_iter_}")
print(table.to_string(float_format=lambda v: f"{v:.2f}"))

# %%
# The same network without covariates, for comparison.
plain = LSTMForecaster(horizon=H, random_state=ARGS.seed).fit(train)
plain_forecast = plain.predict(H)
plain_intervals = plain.predict_interval(H, coverage=[0.8, 0.95])
plain_mase = np.mean([mase(name, plain_forecast[name]) for name in SERIES])
plain_cover = np.mean([interval_coverage(test[n], plain_intervals[(n, 0.8, "lower")],
                                         plain_intervals[(n, 0.8, "upper")]) for n in SERIES])
print(f"without covariates: mean MASE {plain_mase:.2f}, 80% intervals cover {plain_cover:.2f}")

# %%
# One panel per series: the last 8 years, the forecast, its bands and what happened.
fig, axes = plt.subplots(2, 2, figsize=(12, 7), layout="constrained")
for ax, (name, label) in zip(axes.ravel(), SERIES.items()):
    plot_forecast(forecaster, H, X_future, y_true=test[name], coverage=(0.8, 0.95),
                  series=name, n_history=32, ax=ax)
    ax.plot(seasonal.index.to_timestamp(), seasonal[name].to_numpy(), color="grey",
            linestyle=":", linewidth=1.2, label="seasonal naive")
    ax.legend(loc="upper left", fontsize=7)
    ax.set_title(f"{label} ({name}): MASE {table.loc[name, 'MASE']:.2f}, "
                 f"seasonal naive {table.loc[name, 'naive MASE']:.2f}", fontsize=10)
    ax.set_ylabel("billions of 2005 $, annual rate", fontsize=8)
fig.suptitle(f"One LSTMForecaster for {len(SERIES)} series, {H} quarters from "
             f"{train.index[-1]}, future (calendar) and past (unemployment, T-bill) covariates")
fig.savefig(ARGS.plot, dpi=100)
print(f"\nsaved {ARGS.plot}")
