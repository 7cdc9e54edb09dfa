"""Checks of an estimator that :func:`sklstm.load` rebuilt from a model file.

A forger can write a file whose digest matches; loading must still never
return an estimator no fit produces. :func:`validate_loaded` checks the
parameters, the types of the private fitted state, the network's structure,
finiteness of every weight and optimizer value, the target head against the
network, the input layout and the history, and that the stored public
attributes are those they give. It raises ValueError naming the first
problem; ``load`` turns it into its one documented error.
"""

from __future__ import annotations

import math
from numbers import Real

import numpy as np
import torch

from ._data import InputLayout
from ._fitted import OPTIONAL, public_attributes
from ._heads import (
    QuantileHead,
    BinaryHead,
    MulticlassHead,
    MultilabelHead,
    RegressionHead,
    StepClassificationHead,
    StepRegressionHead,
    TargetHead,
)
from ._training import HISTORY_COLUMNS, TrainingHistory

__all__ = ["validate_loaded"]


# The private fitted state every model has, and its types.
_STATE_TYPES = {
    "_head": TargetHead, "_input_layout": InputLayout, "_architecture": dict,
    "_solver": str, "_random_state": np.random.RandomState, "_history": TrainingHistory,
}


def validate_loaded(estimator) -> None:
    """Refuse a rebuilt estimator whose state no fit produces (a forged file).

    Called before the history's attributes are derived, so ``n_iter_`` is
    still the stored one. Raises ValueError naming the first problem.
    """

    def require(ok, problem):
        if not ok:
            raise ValueError(problem)

    def count(value, minimum=1):  # an int, not a bool
        return type(value) is int and value >= minimum

    estimator._validate_params()
    for name, kind in _STATE_TYPES.items():
        require(isinstance(vars(estimator).get(name), kind), f"{name} is not a {kind.__name__}")
    # the network's structure obeys the rules of the parameters that shape it
    architecture = estimator._architecture
    names = type(estimator)._architecture_names
    require(architecture.keys() == {*names, *type(estimator)._network_options},
            "_architecture has other keys")
    shaped = type(estimator)(**{**estimator.get_params(deep=False),
                                **{name: architecture[name] for name in names}})
    shaped._validate_params()
    require(shaped._architecture_params() == architecture, "_architecture is not normalised")

    optimizer = estimator.optimizer_.state_dict()
    tensors = [*estimator.module_.state_dict().values()]
    numbers = []
    for values in [*optimizer["state"].values(), *optimizer["param_groups"]]:
        for value in values.values():
            if isinstance(value, torch.Tensor):
                tensors.append(value)
            elif isinstance(value, Real):
                numbers.append(value)
            elif isinstance(value, tuple):  # betas
                numbers += [v for v in value if isinstance(v, Real)]
    require(all(bool(torch.isfinite(t).all()) for t in tensors if t.is_floating_point())
            and all(math.isfinite(v) for v in numbers),
            "a weight or an optimizer value is not finite")

    head, layout = estimator._head, estimator._input_layout
    scaling = vars(estimator).get("_input_scaling")  # absent from older files: None
    require(scaling is None or (
        isinstance(scaling, tuple) and len(scaling) == 2 and layout.n_tokens is None
        and all(isinstance(a, np.ndarray) and a.dtype.kind == "f"
                and a.shape == (layout.n_step_features,) and np.isfinite(a).all()
                for a in scaling) and (scaling[1] > 0).all()),
        "_input_scaling is not None or (mean, scale) arrays of the input features, scale > 0")
    require(type(head) in estimator._heads.heads,
            f"a {type(estimator).__name__} has no {type(head).__name__}")
    if isinstance(head, (StepClassificationHead, StepRegressionHead)):
        steps = head.steps_per_sample
        require(isinstance(steps, float) and math.isfinite(steps) and steps > 0,
                "the per-step head's steps_per_sample is not a positive float")
    if isinstance(head, (RegressionHead, StepRegressionHead)):
        arrays = (head.mean, head.scale)
        require(all(isinstance(a, np.ndarray) and a.dtype.kind == "f" and a.ndim == 1
                    and a.shape == head.mean.shape and np.isfinite(a).all() for a in arrays)
                and head.mean.size >= 1 and (head.scale > 0).all(),
                "the regression head's mean and scale are not finite 1D arrays, scale > 0")
        require(type(head.ndim) is int and head.ndim in (1, 2)
                and (head.ndim == 2 or head.mean.size == 1),
                "the regression head's ndim is not 1 (one output) or 2")
    elif isinstance(head, QuantileHead):
        levels = head.quantiles
        require(isinstance(levels, np.ndarray) and levels.ndim == 1 and len(levels) >= 1
                and ((levels > 0) & (levels < 1)).all()
                and np.array_equal(np.unique(levels), levels)
                and count(head.horizon) and isinstance(head.steps_per_sample, float)
                and math.isfinite(head.steps_per_sample) and head.steps_per_sample > 0,
                "the quantile head's levels, horizon or steps_per_sample are not valid")
        _validate_forecast_state(estimator, head, require)
    elif isinstance(head, MultilabelHead):
        require(count(head.n_labels), "the multilabel head's n_labels is not a positive int")
    else:
        classes = head.classes
        require(isinstance(classes, np.ndarray) and classes.ndim == 1 and len(classes) >= 2
                and np.array_equal(np.unique(classes), classes),
                "classes must be 1D, sorted, distinct, at least 2")
        require(isinstance(head, StepClassificationHead)
                or type(head) is (BinaryHead if len(classes) == 2 else MulticlassHead),
                f"{len(classes)} classes in a {type(head).__name__}")
    require(estimator.module_.head.out_features == head.n_outputs,
            "the target head does not match the network's outputs")

    require(count(layout.n_step_features) and count(layout.n_features_in)
            and (count(layout.n_tokens) if layout.tokens else layout.n_tokens is None)
            and layout.tokens == (architecture["embedding_dim"] is not None),
            "the input layout's sizes are not positive ints or do not fit the network")
    names = layout.feature_names
    require(names is None or (isinstance(names, tuple) and len(names) == layout.n_features_in
                              and all(isinstance(n, str) for n in names)),
            "the input layout's feature names are not one str per column")

    history = estimator._history
    require(isinstance(history.records, list)
            and all(isinstance(r, dict) and r.keys() >= set(HISTORY_COLUMNS)
                    and all(isinstance(r[c], Real) and not isinstance(r[c], bool)
                            for c in HISTORY_COLUMNS)
                    for r in history.records)
            and [r["epoch"] for r in history.records] == list(range(1, history.n_iter + 1)),
            "the history's records are not epochs 1, 2, ...")
    best = history.best_epoch
    require(best is None or count(best) and best <= history.n_iter,
            "the history's best_epoch is not one of its epochs")
    require(estimator.validation_scores_ is None or isinstance(estimator.validation_scores_, list),
            "validation_scores_ is not a list or None")
    # the stored public attributes are those the head, the layout and the history give
    public = public_attributes(vars(estimator), estimator.validation_scores_ is not None)
    for name in (*head.fitted_attributes(), "n_features_in_", *OPTIONAL, "n_iter_"):
        stored, value = vars(estimator).get(name), public.get(name)
        if isinstance(value, np.ndarray):
            same = (isinstance(stored, np.ndarray) and stored.shape == value.shape
                    and stored.dtype.kind == value.dtype.kind and np.array_equal(stored, value))
        else:
            same = type(stored) is type(value) and stored == value
        require(same, f"{name} does not match the target head, input layout and history")


def _validate_forecast_state(estimator, head, require) -> None:
    """What a forecaster keeps beside its network: series, covariates, calibration."""
    memory = estimator._memory
    values = memory.values
    require(isinstance(values, list) and len(values) >= 1 and len(memory.ids) == len(values)
            and len(memory.starts) == len(values)
            and all(isinstance(v, np.ndarray) and v.ndim == 1 and v.dtype.kind == "f"
                    and len(v) >= 2 and np.isfinite(v).all() for v in values)
            and memory.axis_kind in ("period", "datetime", "integer")
            and memory.form in ("series", "wide", "long"),
            "the forecaster's series are not finite 1D arrays on a known time axis")
    names = memory.covariate_names
    if names:
        require(isinstance(memory.covariates, list) and len(memory.covariates) == len(values)
                and all(isinstance(c, np.ndarray) and c.shape == (len(v), len(names))
                        and np.isfinite(c).all() for c, v in zip(memory.covariates, values))
                and all(isinstance(a, np.ndarray) and a.shape == (len(names),)
                        and np.isfinite(a).all()
                        for a in (memory.covariate_mean, memory.covariate_scale))
                and len(memory.covariate_past) == len(names),
                "the forecaster's covariates do not match their columns")
    factors, sigma, levels = (estimator.interval_factors_, estimator.error_scale_,
                              estimator.quantiles_)
    require(isinstance(levels, np.ndarray) and levels.ndim == 1
            and ((levels > 0) & (levels < 1)).all() and np.array_equal(np.unique(levels), levels)
            and isinstance(factors, np.ndarray) and factors.shape == levels.shape
            and np.isfinite(factors).all() and np.array_equal(np.sort(factors), factors)
            and isinstance(sigma, np.ndarray) and sigma.shape == (head.horizon,)
            and np.isfinite(sigma).all() and (sigma > 0).all()
            and np.array_equal(head.quantiles, [0.5])
            and estimator.horizon_ == head.horizon and estimator.window_size_ >= 1
            and isinstance(estimator.correction_weight_, float)
            and 0 <= estimator.correction_weight_ <= 1,
            "the forecaster's calibration or horizon does not match its head")
