"""Feature moments over the real steps (sklstm/_data/_standardize.py)."""

import numpy as np

from sklstm._data import feature_moments, standardized


def test_moments_count_real_steps_only_and_weights_as_repeated_sequences():
    rng = np.random.RandomState(0)
    values = rng.normal(3.0, 2.0, size=(6, 5, 2))
    lengths = np.array([5, 3, 1, 4, 5, 2])
    padded = values.copy()
    for i, n in enumerate(lengths):
        padded[i, n:] = 1e6  # whatever lies past the end is not counted
    real = np.concatenate([values[i, :n] for i, n in enumerate(lengths)])
    mean, scale = feature_moments(padded, lengths)
    np.testing.assert_allclose(mean, real.mean(axis=0))
    np.testing.assert_allclose(scale, real.std(axis=0))
    weights = np.array([1, 2, 0, 3, 1, 1])
    repeated = np.repeat(np.arange(6), weights)
    np.testing.assert_allclose(
        feature_moments(padded, lengths, weights.astype(float)),
        feature_moments(padded[repeated], lengths[repeated]),
    )


def test_a_constant_feature_is_only_centred():
    values = np.zeros((3, 4, 2))
    values[:, :, 0] = 7.0
    values[:, :, 1] = np.arange(12).reshape(3, 4)
    mean, scale = feature_moments(values, np.full(3, 4))
    assert mean[0] == 7.0 and scale[0] == 1.0 and scale[1] > 1.0
    out = standardized(values.astype(np.float32), mean, scale)
    assert out.dtype == np.float32 and np.all(out[:, :, 0] == 0.0)
    np.testing.assert_allclose(out[:, :, 1].mean(), 0.0, atol=1e-6)
    np.testing.assert_allclose(out[:, :, 1].std(), 1.0, rtol=1e-6)
