"""LSTMRegressor: target scaling, multi-output, partial_fit."""

import numpy as np
import pytest

from sklstm import LSTMRegressor


def _last_steps(n=120, T=8, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, T, 1)).astype(np.float32)
    return X, X[:, -3:, 0].sum(axis=1)


def _reg(**kwargs):
    params = dict(hidden_size=16, max_iter=25, learning_rate_init=0.01, random_state=0)
    params.update(kwargs)
    return LSTMRegressor(**params)


def test_learns_a_simple_function():
    X, y = _last_steps()
    reg = _reg().fit(X, y)
    assert reg.score(X, y) > 0.9
    assert reg.predict(X).shape == (len(X),)
    assert reg.n_outputs_ == 1


def test_large_targets_train_exactly_like_small_ones():
    X, y = _last_steps()
    small = _reg(max_iter=10).fit(X, y)
    big = _reg(max_iter=10).fit(X, 1000.0 + 500.0 * y)
    np.testing.assert_allclose(big.predict(X), 1000.0 + 500.0 * small.predict(X), rtol=1e-5, atol=500 * 1e-5)
    assert big.score(X, 1000.0 + 500.0 * y) == pytest.approx(small.score(X, y), abs=1e-4)


def test_multi_output_and_column_y_keep_their_shape():
    X, y = _last_steps()
    Y = np.column_stack([y, -2 * y])
    reg = _reg().fit(X, Y)
    assert reg.n_outputs_ == 2
    assert reg.predict(X).shape == (len(X), 2)
    assert reg.score(X, Y) > 0.85
    column = _reg(max_iter=2).fit(X, y[:, None])
    assert column.predict(X).shape == (len(X), 1)


def test_constant_target_does_not_divide_by_zero():
    X, _ = _last_steps(30)
    reg = _reg(max_iter=20).fit(X, np.full(30, 7.5))
    assert reg._head.scale.tolist() == [1.0]
    np.testing.assert_allclose(reg.predict(X), 7.5, atol=0.1)


def test_partial_fit_keeps_the_first_target_scaling():
    X, y = _last_steps()
    reg = _reg().partial_fit(X, y)
    mean, scale = reg._head.mean.copy(), reg._head.scale.copy()
    reg.partial_fit(X, 10 * y + 3)
    assert reg.n_iter_ == 2
    np.testing.assert_array_equal(reg._head.mean, mean)
    np.testing.assert_array_equal(reg._head.scale, scale)
    with pytest.raises(ValueError, match="y has 2 outputs"):
        reg.partial_fit(X, np.column_stack([y, y]))


@pytest.mark.parametrize(
    "y, match",
    [
        (np.array(["a"] * 20), "numeric"),
        (np.r_[np.nan, np.ones(19)], "NaN"),
        (np.r_[1e300, np.ones(19)], "too large"),
        (np.ones((20, 2, 2)), "dim 3"),
    ],
)
def test_bad_targets(y, match):
    X, _ = _last_steps(20)
    with pytest.raises(ValueError, match=match):
        _reg().fit(X, y)


def test_early_stopping_uses_r2_on_validation():
    X, y = _last_steps(200)
    reg = _reg(early_stopping=True, max_iter=20).fit(X, y)
    assert len(reg.validation_scores_) == reg.n_iter_
    assert max(reg.validation_scores_) > 0.5
