"""Helpers shared by several test modules: small data makers and check settings.

Imported as ``from tests._helpers import ...`` (the repository root is on the
test path: ``pythonpath`` in pyproject.toml). Plain functions and constants,
no fixtures; anything used by one module only stays in that module.
"""

import numpy as np

# Tolerance for outputs that must agree up to float32 rounding (e.g. a sequence
# predicted alone, padded, or inside a batch).
TOL = dict(rtol=1e-5, atol=1e-6)


def random_ragged(n, n_features=3, low=3, high=20, seed=0):
    """n float32 sequences (T_i, n_features) with T_i in [low, high]."""
    rng = np.random.default_rng(seed)
    return [
        rng.normal(size=(int(rng.integers(low, high + 1)), n_features)).astype(np.float32)
        for _ in range(n)
    ]


def first_feature_sums(X):
    """A regression target of ragged sequences: the sum of feature 0 of each."""
    return np.array([float(seq[:, 0].sum()) for seq in X])


def regression_data(n=40, T=5, seed=0):
    """Univariate float32 sequences (n, T, 1) and the sum of their last two steps."""
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, T, 1)).astype(np.float32)
    return X, X[:, -2:, 0].sum(axis=1)


def outputs(est, X):
    """What a fitted estimator predicts: probabilities for a classifier."""
    return est.predict_proba(X) if hasattr(est, "predict_proba") else est.predict(X)


# -- scikit-learn's estimator checks (tests/test_estimator_checks.py, tests/test_cells.py)

# Small, fast settings: a full batch (the check data sets have < 400 rows).
CHECK_PARAMS = dict(hidden_size=8, batch_size=400, learning_rate_init=0.05, max_iter=60)

# The one check an LSTM estimator is expected to fail; the module docstring of
# tests/test_estimator_checks.py explains why.
FLOAT32_SAMPLE_WEIGHT = (
    "float32 training: weighted and repeated-row fits agree to 7e-7 after 20 "
    "full-batch epochs, then drift apart (0.012 after the check's 60); the check "
    "asks for 1e-7 (see tests/test_estimator_checks.py)"
)


def lstm_expected_failed_checks():
    """The expected failures of an LSTM estimator, a fresh dict per call."""
    return {"check_sample_weight_equivalence_on_dense_data": FLOAT32_SAMPLE_WEIGHT}


class _CountingLibrary:
    """The loaded C library, counting the calls of one cell's forward and backward loops."""

    def __init__(self, lib, calls, prefix):
        self._lib, self._calls, self._prefix = lib, calls, prefix

    def __getattr__(self, name):
        function = getattr(self._lib, name)
        if name not in (f"{self._prefix}_forward", f"{self._prefix}_backward"):
            return function

        def counted(*args):
            self._calls[name.rsplit("_", 1)[1]] += 1
            return function(*args)

        return counted


def spy_on_loops(monkeypatch, prefix):
    """Count the calls of the C loops ``<prefix>_forward`` / ``<prefix>_backward``.

    Returns the counts ``{"forward": n, "backward": n}``, updated as the
    cells call the library (nothing is counted where it is not loaded).
    """
    from sklstm.nn import _native

    calls = {"forward": 0, "backward": 0}
    lib = _native.loops()
    if lib is not None:
        monkeypatch.setattr(_native, "loops", lambda: _CountingLibrary(lib, calls, prefix))
    return calls
