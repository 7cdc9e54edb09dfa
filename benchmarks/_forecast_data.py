"""Real monthly and quarterly series for ``benchmarks/forecasting.py``.

Every loader returns pandas data on a ``PeriodIndex`` (monthly "M" or
quarterly "Q"), read from files shipped inside installed packages (sklstm
and statsmodels), so nothing is downloaded:

* ``airline``: sklstm.datasets.load_airline, monthly airline passengers
  (thousands), 1949-01..1960-12, 144 values.
* ``elnino``: statsmodels.datasets.elnino, monthly sea surface temperature
  (El Nino region), a year x month table reshaped into one series,
  1950-01..2010-12, 732 values.
* ``co2``: statsmodels.datasets.co2, weekly Mauna Loa CO2 (ppm), resampled
  to monthly means, the few empty months linearly interpolated,
  1958-03..2001-12, 526 values.
* ``macrodata``: statsmodels.datasets.macrodata, quarterly US macroeconomic
  series, 1959Q1..2009Q3, 203 quarters (a DataFrame, one column per series).
* ``interest_inflation``: statsmodels.datasets.interest_inflation, quarterly
  West German data (Lütkepohl), 1972Q2..1998Q4, 107 quarters: ``R`` (a
  nominal interest rate) and ``Dp`` (change of the inflation rate).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["airline", "co2", "elnino", "interest_inflation", "macrodata"]


def airline() -> pd.Series:
    from sklstm.datasets import load_airline

    y = load_airline().astype(float)
    y.name = "airline"
    return y


def elnino() -> pd.Series:
    from statsmodels.datasets import elnino as dataset

    table = dataset.load_pandas().data
    years = table["YEAR"].astype(int).to_numpy()
    values = table.drop(columns="YEAR").to_numpy(dtype=float).ravel()  # row by row: Jan..Dec
    index = pd.period_range(f"{years[0]}-01", periods=len(values), freq="M")
    return pd.Series(values, index=index, name="elnino")


def co2() -> pd.Series:
    from statsmodels.datasets import co2 as dataset

    weekly = dataset.load_pandas().data["co2"]
    monthly = weekly.resample("MS").mean().interpolate(limit_direction="both")
    monthly.index = monthly.index.to_period("M")
    monthly.name = "co2"
    return monthly.astype(float)


def _quarterly(frame: pd.DataFrame) -> pd.PeriodIndex:
    return pd.PeriodIndex.from_fields(year=frame["year"].astype(int).to_numpy(),
                                      quarter=frame["quarter"].astype(int).to_numpy(), freq="Q")


def macrodata() -> pd.DataFrame:
    from statsmodels.datasets import macrodata as dataset

    frame = dataset.load_pandas().data
    out = frame.drop(columns=["year", "quarter"]).astype(float)
    out.index = _quarterly(frame)
    return out


def interest_inflation() -> pd.DataFrame:
    from statsmodels.datasets import interest_inflation as dataset

    frame = dataset.load_pandas().data
    out = frame[["Dp", "R"]].astype(float)
    out.index = _quarterly(frame)
    return out


if __name__ == "__main__":
    for name, data in [("airline", airline()), ("elnino", elnino()), ("co2", co2()),
                       ("macrodata", macrodata()), ("interest_inflation", interest_inflation())]:
        assert data.index.is_unique and data.index.is_monotonic_increasing
        assert np.isfinite(np.asarray(data, float)).all(), name
        print(f"{name:20s} {data.index[0]} .. {data.index[-1]}  n={len(data)}  "
              f"freq={data.index.freqstr}  shape={data.shape}")
