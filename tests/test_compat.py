"""Fitted state of older versions loads and predicts exactly (sklstm/_compat.py).

The real files of 0.1.0 (a model file and a pickle of each estimator) are in
tests/data and checked by tests/test_golden.py; here every kind of target and
input is turned back into the attributes 0.1.0 wrote, and must come back.
"""

import numpy as np
import pytest

from sklstm import LSTMClassifier, LSTMRegressor
from tests._helpers import outputs


def _as_0_1_0(est):
    """The pickled state of ``est`` as sklstm 0.1.0 wrote it (before heads and layouts)."""
    state = est.__getstate__()
    head, layout = state.pop("_head"), state.pop("_input_layout")
    if hasattr(head, "classes"):
        state["_target_kind"] = head.name
    else:
        state["_y_mean"], state["_y_scale"], state["_y_ndim"] = head.mean, head.scale, head.ndim
    if not layout.tokens:
        state["_n_step_features"] = layout.n_step_features
        state["_fitted_on_2d"] = layout.kind == "2d"
    return state


def _restored(cls, state):
    restored = cls.__new__(cls)
    restored.__setstate__(state)
    return restored


rng = np.random.RandomState(0)
X3 = rng.normal(size=(20, 4, 2))
TOKENS = [rng.randint(0, 9, rng.randint(2, 6)) for _ in range(20)]
CASES = {
    "binary-3d": (LSTMClassifier(), X3, np.arange(20) % 2),
    "multiclass-2d": (LSTMClassifier(), X3[:, :, 0], np.arange(20) % 3),
    "multilabel-ragged": (
        LSTMClassifier(), list(X3[:, :3]), (rng.normal(size=(20, 3)) > 0).astype(int)),
    "regression-tokens": (LSTMRegressor(embedding_dim=2), TOKENS, np.arange(20.0)),
    "regression-multioutput": (LSTMRegressor(), X3, rng.normal(size=(20, 2)) * 100),
}


@pytest.mark.parametrize("case", CASES)
def test_state_of_0_1_0_is_upgraded_to_the_same_head_and_layout(case):
    est, X, y = CASES[case]
    est.set_params(hidden_size=3, max_iter=2, random_state=0).fit(X, y)
    restored = _restored(type(est), _as_0_1_0(est))
    np.testing.assert_array_equal(outputs(restored, X), outputs(est, X))
    np.testing.assert_array_equal(restored.predict(X), est.predict(X))
    assert type(restored._head) is type(est._head)
    assert restored._head.state().keys() == est._head.state().keys()
    assert restored._input_layout == est._input_layout
    assert not {"_target_kind", "_y_mean", "_n_step_features", "_fitted_on_2d"} & set(vars(restored))


def test_state_pickled_before_the_structure_was_kept_still_loads():
    # pickles and model files of earlier versions hold _embedding_dim instead
    est = LSTMRegressor(hidden_size=3, max_iter=2, random_state=0).fit(X3, np.arange(20.0))
    state = _as_0_1_0(est)
    del state["_architecture"]
    state["_embedding_dim"] = None
    restored = _restored(LSTMRegressor, state)
    np.testing.assert_array_equal(restored.predict(X3), est.predict(X3))
    assert "_embedding_dim" not in vars(restored)
    assert restored._architecture == est._architecture


@pytest.mark.parametrize("cls", [LSTMClassifier, LSTMRegressor])
def test_pickle_from_before_a_parameter_existed_still_predicts(cls):
    # a state without n_threads / flush_denormal (added later): their defaults
    est = cls(hidden_size=4, max_iter=2, random_state=0, n_threads=1).fit(X3, np.arange(20) % 2)
    state = est.__getstate__()
    for name in ("n_threads", "flush_denormal"):
        del state[name]
    restored = _restored(cls, state)
    defaults = cls().get_params()
    assert restored.get_params()["n_threads"] == defaults["n_threads"]
    assert restored.get_params()["flush_denormal"] == defaults["flush_denormal"]
    np.testing.assert_array_equal(outputs(restored, X3), outputs(est, X3))
