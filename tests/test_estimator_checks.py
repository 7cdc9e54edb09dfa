"""scikit-learn's own estimator checks.

One check is expected to fail, for a reason that no float32 stochastic
optimiser can meet: ``check_sample_weight_equivalence_on_dense_data`` demands
that fitting with integer ``sample_weight`` and fitting on repeated rows give
predictions equal to a relative tolerance of 1e-7. float32 resolves 6e-8, and
the two fits sum the same gradients in a different order, so the weights
differ in the last bits and training amplifies that (measured: 2e-7 relative
after 20 full-batch Adam steps, 1e-4 after 60). The equivalence itself holds
and is tested at float32 precision in test_base.py. The settings and this
expected failure are shared with test_cells.py (tests/_helpers.py).
"""

from sklearn.utils.estimator_checks import parametrize_with_checks

from sklstm import LSTMClassifier, LSTMRegressor, SlidingWindowTransformer
from tests._helpers import CHECK_PARAMS, lstm_expected_failed_checks

CHECKED = [
    LSTMClassifier(**CHECK_PARAMS),
    LSTMRegressor(**CHECK_PARAMS),
    SlidingWindowTransformer(window_size=3),
]


# A window holds the rows before each row: that is what windowing is for, so
# the output for a row depends on which rows precede it in X.
ROW_ORDER = "a sliding window of row t holds the rows before t: it depends on row order"


def expected_failed_checks(estimator):
    if isinstance(estimator, SlidingWindowTransformer):
        return {
            "check_methods_sample_order_invariance": ROW_ORDER,
            "check_methods_subset_invariance": ROW_ORDER,
        }
    return lstm_expected_failed_checks()


@parametrize_with_checks(CHECKED, expected_failed_checks=expected_failed_checks)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
