"""Nothing a user sees changed: outputs bit-identical to those recorded from main.

``tests/data/golden.npz`` was recorded (``python -m tests._golden``) before the
architecture refactor of issue 15; the cases are in ``tests/_golden.py``. The
model files and pickles beside it were written by that code: they must load
and predict exactly as they did.
"""

import pickle

import numpy as np
import pytest

import sklstm
from tests import _golden

GOLDEN = np.load(_golden.GOLDEN)


def _assert_identical(actual, expected, where):
    assert actual.shape == expected.shape, f"{where}: shape {actual.shape} != {expected.shape}"
    assert actual.dtype.kind == expected.dtype.kind, f"{where}: dtype {actual.dtype}"
    # bit for bit, NaN included (history has NaN where there is no validation)
    np.testing.assert_array_equal(actual, expected, err_msg=where, strict=True)


@pytest.mark.parametrize("name", _golden.case_names())
def test_outputs_and_history_are_bit_identical(name):
    recorded = {k.split("/", 1)[1]: GOLDEN[k] for k in GOLDEN.files if k.startswith(f"{name}/")}
    outputs = _golden.run_case(name)
    assert sorted(outputs) == sorted(recorded)
    for key, value in outputs.items():
        _assert_identical(np.asarray(value), recorded[key], f"{name}/{key}")


@pytest.mark.parametrize("kind", ["classifier", "regressor"])
def test_model_files_and_pickles_of_0_1_0_predict_as_recorded(kind):
    _, X = _golden.fitted_for_files()[kind]
    with open(_golden.DATA / f"{kind}_v0.1.0.pkl", "rb") as handle:
        unpickled = pickle.load(handle)  # our own test file: trusted
    # Since issue 21 token id 0 is padding, left out wherever it is: the
    # recorded predictions hold for the sequences without a 0.
    rows = [i for i, seq in enumerate(X) if kind != "regressor" or np.all(seq != 0)]
    assert len(rows) >= 10
    for est in (sklstm.load(_golden.DATA / f"{kind}_format2.safetensors"), unpickled):
        # parameters whose default changed keep 0.1.0's value; the others are stored
        assert est.gate_bias_init == "keras"
        assert est.learning_rate_init == 0.001
        assert est.standardize is False and getattr(est, "_input_scaling", None) is None
        assert isinstance(est.max_iter, int) and est.n_iter_no_change == 10  # as stored
        _assert_identical(
            np.asarray(est.predict(X))[rows], GOLDEN[f"file-{kind}/predict"][rows], kind
        )
        if kind == "classifier":
            proba = est.predict_proba(X)
            _assert_identical(proba, GOLDEN[f"file-{kind}/predict_proba"], kind)
        # and training goes on from there
        est.set_params(warm_start=True, max_iter=1)
        y = est.predict(X)
        assert est.fit(X, y).n_iter_ == est.history_.index[-1]
