"""Shared inputs and checks of the ONNX tests (tests/test_onnx*.py)."""

import numpy as np

from sklstm.preprocessing import to_padded

RTOL, ATOL = 1e-4, 1e-5
F = 3  # features per step of the test sequences


def session(onx):
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    return ort.InferenceSession(onx.SerializeToString(), options,
                                providers=["CPUExecutionProvider"])


def train_sequences(n=40, T=7, seed=0):
    rng = np.random.RandomState(seed)
    return rng.normal(size=(n, T, F)).astype(np.float32)


def _nan_padded(n, T, rng):
    """Leading and trailing all-NaN steps, one sequence of padding only (when n > 2)."""
    X = rng.normal(size=(n, T, F)).astype(np.float32)
    for i in range(n):
        lead, trail = rng.randint(0, 3), rng.randint(0, 3)
        X[i, :lead] = np.nan
        X[i, T - trail:] = np.nan
    if n > 2:
        X[2] = np.nan
    return X


def inputs(n, seed=1):
    """(name, X for predict, X for onnxruntime) at lengths other than the fitted 7."""
    rng = np.random.RandomState(seed)
    fixed = rng.normal(size=(n, 11, F)).astype(np.float32)
    padded = _nan_padded(n, 9, rng)
    ragged = [rng.normal(size=(rng.randint(1, 12), F)).astype(np.float32) for _ in range(n)]
    return [("fixed", fixed, fixed), ("nan-padded", padded, padded),
            ("ragged", ragged, to_padded(ragged).astype(np.float32))]


def close(actual, expected, what=""):
    """assert_allclose at the issue's tolerance; returns (max abs, max rel) difference."""
    actual, expected = np.asarray(actual, np.float64), np.asarray(expected, np.float64)
    np.testing.assert_allclose(actual, expected, rtol=RTOL, atol=ATOL, err_msg=what)
    diff = np.abs(actual - expected)
    finite = np.isfinite(diff)
    rel = diff[finite] / np.maximum(np.abs(expected[finite]), 1e-12)
    return float(diff[finite].max(initial=0)), float(rel.max(initial=0))
