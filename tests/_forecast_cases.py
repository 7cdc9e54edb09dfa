"""Series, covariates and small forecasters shared by the forecaster tests."""

import numpy as np
import pandas as pd

from sklstm import LSTMForecaster

COVERAGES = [0.5, 0.8, 0.9, 0.95]
ALPHAS = [0.025, 0.05, 0.1, 0.2, 0.25, 0.4, 0.5, 0.6, 0.75, 0.85, 0.9, 0.95, 0.975]


def small_forecaster(**kwargs):
    params = dict(hidden_size=4, max_iter=3, random_state=0, n_paths=20)
    params.update(kwargs)
    return LSTMForecaster(**params)


def monthly(n=48, seed=0, start="2000-01", name="sales"):
    """A trending, seasonal monthly series on a PeriodIndex."""
    rng = np.random.RandomState(seed)
    t = np.arange(n)
    values = 20 + 0.2 * t + 3 * np.sin(2 * np.pi * t / 12) + rng.normal(0, 0.5, n)
    return pd.Series(values, index=pd.period_range(start, periods=n, freq="M"), name=name)


def with_covariates(n=48, extra=6, seed=0):
    """y (n months) and X over n + extra months: 'weather' (past), 'promo' (future)."""
    rng = np.random.RandomState(seed + 1)
    index = pd.period_range("2000-01", periods=n + extra, freq="M")
    X = pd.DataFrame({"weather": rng.normal(size=n + extra),
                      "promo": (np.arange(n + extra) % 3 == 0).astype(float)}, index=index)
    y = monthly(n, seed) + 2 * X["promo"].iloc[:n].to_numpy()
    return y, X


def long_table(seed=0):
    """Three monthly series of unequal length and start, as a long table (rows shuffled)."""
    rng = np.random.RandomState(seed)
    parts = []
    for sid, start, n, level in (("a", "2000-01", 40, 10.0), ("b", "2001-03", 26, 100.0),
                                 ("c", "2000-07", 30, 50.0)):
        parts.append(pd.DataFrame({
            "id": sid, "time": pd.period_range(start, periods=n, freq="M"),
            "value": level + np.cumsum(rng.normal(0, 1, n)),
        }))
    return pd.concat(parts, ignore_index=True).sample(frac=1.0, random_state=seed)


def wide_table(seed=0):
    """Two monthly series ending together; 'late' starts 12 months after 'early'."""
    rng = np.random.RandomState(seed)
    index = pd.period_range("2000-01", periods=40, freq="M")
    frame = pd.DataFrame({"early": 10 + np.cumsum(rng.normal(0, 1, 40)),
                          "late": 500 + np.cumsum(rng.normal(0, 5, 40))}, index=index)
    frame.iloc[:12, 1] = np.nan
    return frame


def assert_same(a, b):
    """Two forecasts with the same labels and bit-identical values."""
    if isinstance(a, pd.Series):
        pd.testing.assert_series_equal(a, b, check_exact=True)
    else:
        pd.testing.assert_frame_equal(a, b, check_exact=True)
