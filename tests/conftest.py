"""Test-session settings.

The networks in the tests are tiny: one intra-op thread is as fast as two,
and on a 2-core machine shared with another busy process PyTorch's thread
pool spin-waits (a 0.04 s fit was measured at over 10 s). joblib's workers
already get one thread each.

The fitted forecasters below are shared by tests/test_forecaster.py and
tests/test_forecast_memory.py (module-scoped: fitted once per module that
asks, never by the others).
"""

import pytest
import torch

from sklstm.datasets import load_airline
from tests._forecast_cases import long_table, small_forecaster, wide_table, with_covariates

torch.set_num_threads(1)



# -- forecasters shared by the forecaster tests -----------------------------------------------


@pytest.fixture(scope="module")
def airline():
    return load_airline()


@pytest.fixture(scope="module")
def direct(airline):
    return small_forecaster(horizon=4).fit(airline)


@pytest.fixture(scope="module")
def recursive(airline):
    return small_forecaster(strategy="recursive").fit(airline)


@pytest.fixture(scope="module")
def covariate_model():
    y, X = with_covariates()
    return small_forecaster(horizon=3, window_size=12, past_covariates=["weather"]).fit(y, X), y, X


@pytest.fixture(scope="module")
def long_model():
    return small_forecaster(horizon=3, window_size=8).fit(long_table())


@pytest.fixture(scope="module")
def wide_model():
    return small_forecaster(horizon=3, window_size=8).fit(wide_table())
