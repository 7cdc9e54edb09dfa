"""Target heads: one small object per kind of target (see :class:`TargetHead`).

An estimator names a :class:`HeadFamily` (how it validates ``y`` and which
head it chooses at fit); the head then encodes targets, gives the loss and
the validation score, and decodes network outputs. A new kind of target is a
new head registered in ``HEADS``, not a new branch in the estimators.
"""

from .._data import check_class_labels, check_regression_targets
from .._data._steps import check_step_targets, step_positions
from ._base import HeadFamily, TargetHead
from ._classification import (
    BinaryHead,
    MulticlassHead,
    MultilabelHead,
    check_partial_fit_classes,
    choose_classification_head,
)
from ._quantile import QuantileHead, draw_from_quantiles, quantile_family
from ._regression import RegressionHead, choose_regression_head
from ._steps import (
    StepClassificationHead,
    StepRegressionHead,
    check_step_partial_fit,
    choose_step_classification_head,
    choose_step_regression_head,
)

__all__ = [
    "CLASSIFICATION",
    "HEADS",
    "REGRESSION",
    "STEP_CLASSIFICATION",
    "STEP_REGRESSION",
    "BinaryHead",
    "HeadFamily",
    "MulticlassHead",
    "MultilabelHead",
    "QuantileHead",
    "RegressionHead",
    "StepClassificationHead",
    "StepRegressionHead",
    "TargetHead",
    "check_partial_fit_classes",
    "choose_classification_head",
    "choose_regression_head",
    "draw_from_quantiles",
    "head_from_state",
    "quantile_family",
]

#: Every head, by the name model files store.
HEADS = {cls.name: cls for cls in (BinaryHead, MulticlassHead, MultilabelHead, RegressionHead,
                                    StepClassificationHead, StepRegressionHead, QuantileHead)}


def _step_targets(estimator, X, y, sequences, *, regression):
    positions = step_positions(X, sequences.n_samples, tokens=estimator.embedding_dim is not None)
    return check_step_targets(
        y, positions, sequences.values.shape[1], regression=regression,
        ignore_label=getattr(estimator, "ignore_label", None),
    )


CLASSIFICATION = HeadFamily(
    validate=lambda estimator, X, y, sequences: check_class_labels(estimator, y),
    choose=choose_classification_head,
    heads=(BinaryHead, MulticlassHead, MultilabelHead),
    check_partial_fit=check_partial_fit_classes,
)
REGRESSION = HeadFamily(
    validate=lambda estimator, X, y, sequences: check_regression_targets(estimator, y),
    choose=choose_regression_head,
    heads=(RegressionHead,),
)
STEP_CLASSIFICATION = HeadFamily(
    validate=lambda estimator, X, y, sequences: _step_targets(
        estimator, X, y, sequences, regression=False),
    choose=choose_step_classification_head,
    heads=(StepClassificationHead,),
    check_partial_fit=check_step_partial_fit,
)
STEP_REGRESSION = HeadFamily(
    validate=lambda estimator, X, y, sequences: _step_targets(
        estimator, X, y, sequences, regression=True),
    choose=choose_step_regression_head,
    heads=(StepRegressionHead,),
)


def head_from_state(name: str, state: dict) -> TargetHead:
    """The head a model file describes (only the heads of ``HEADS``).

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm._heads import BinaryHead, head_from_state
    >>> head = BinaryHead(np.array([0, 1]))
    >>> head_from_state(head.name, head.state()).n_outputs
    1
    """
    if name not in HEADS:
        raise ValueError(f"unknown target head {name!r}")
    return HEADS[name](**state)
