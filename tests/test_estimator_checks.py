"""scikit-learn's own estimator checks.

One check is expected to fail, for a reason that no float32 stochastic
optimiser can meet: ``check_sample_weight_equivalence_on_dense_data`` demands
that fitting with integer ``sample_weight`` and fitting on repeated rows give
predictions equal to a relative tolerance of 1e-7. float32 resolves 6e-8, and
the two fits sum the same gradients in a different order, so the weights
differ in the last bits and training amplifies that (measured: 2e-7 relative
after 20 full-batch Adam steps, 1e-4 after 60). The equivalence itself holds
and is tested at float32 precision in test_base.py.
"""

from sklearn.utils.estimator_checks import parametrize_with_checks

from sklstm import LSTMClassifier, LSTMRegressor, SlidingWindowTransformer

# Small, fast settings: a full batch (the check data sets have < 400 rows).
CHECKED = [
    LSTMClassifier(hidden_size=8, batch_size=400, learning_rate_init=0.05, max_iter=60),
    LSTMRegressor(hidden_size=8, batch_size=400, learning_rate_init=0.05, max_iter=60),
    SlidingWindowTransformer(window_size=3),
]

FLOAT32_SAMPLE_WEIGHT = (
    "float32 training: weighted and repeated-row fits agree to ~1e-5, "
    "the check asks for 1e-7 (see module docstring)"
)


# A window holds the rows before each row: that is what windowing is for, so
# the output for a row depends on which rows precede it in X.
ROW_ORDER = "a sliding window of row t holds the rows before t: it depends on row order"


def expected_failed_checks(estimator):
    if isinstance(estimator, SlidingWindowTransformer):
        return {
            "check_methods_sample_order_invariance": ROW_ORDER,
            "check_methods_subset_invariance": ROW_ORDER,
        }
    return {"check_sample_weight_equivalence_on_dense_data": FLOAT32_SAMPLE_WEIGHT}


@parametrize_with_checks(CHECKED, expected_failed_checks=expected_failed_checks)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
