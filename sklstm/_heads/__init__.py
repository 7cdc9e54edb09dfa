"""Target heads: one small object per kind of target (see :class:`TargetHead`).

An estimator names a :class:`HeadFamily` (how it validates ``y`` and which
head it chooses at fit); the head then encodes targets, gives the loss and
the validation score, and decodes network outputs. A new kind of target is a
new head registered in ``HEADS``, not a new branch in the estimators.
"""

from .._data import check_class_labels, check_regression_targets
from ._base import HeadFamily, TargetHead
from ._classification import (
    BinaryHead,
    MulticlassHead,
    MultilabelHead,
    check_partial_fit_classes,
    choose_classification_head,
)
from ._regression import RegressionHead, choose_regression_head

__all__ = [
    "CLASSIFICATION",
    "HEADS",
    "REGRESSION",
    "BinaryHead",
    "HeadFamily",
    "MulticlassHead",
    "MultilabelHead",
    "RegressionHead",
    "TargetHead",
    "check_partial_fit_classes",
    "choose_classification_head",
    "choose_regression_head",
    "head_from_state",
]

#: Every head, by the name model files store.
HEADS = {cls.name: cls for cls in (BinaryHead, MulticlassHead, MultilabelHead, RegressionHead)}

CLASSIFICATION = HeadFamily(
    validate=check_class_labels,
    choose=choose_classification_head,
    check_partial_fit=check_partial_fit_classes,
)
REGRESSION = HeadFamily(validate=check_regression_targets, choose=choose_regression_head)


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
