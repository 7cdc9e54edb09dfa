"""Learning curves of a fitted estimator (matplotlib is optional)."""

from __future__ import annotations

import numpy as np
from sklearn.utils.validation import check_is_fitted

__all__ = ["plot_history"]


def plot_history(estimator, axes=None):
    """Draw the learning curves recorded in ``estimator.history_``.

    Left: training and validation loss per epoch. Right: validation score
    per epoch, or the learning rate when there was no validation. The right
    panel marks the best epoch: the one whose weights the model holds, i.e.
    the epoch of the lowest validation loss in the last fit with validation (after a
    ``warm_start`` refit, not necessarily the best score of the whole
    history). Nothing is marked when the model's weights come from no
    selected epoch: the last fit had no validation, or was followed by
    ``partial_fit``.

    Parameters
    ----------
    estimator : LSTMClassifier or LSTMRegressor
        A fitted estimator (or anything with a ``history_`` DataFrame; then
        the epoch with the highest ``valid_score`` is marked).
    axes : sequence of two matplotlib Axes, default=None
        Where to draw; by default a new figure with two panels.

    Returns
    -------
    axes : ndarray of two matplotlib Axes

    Raises
    ------
    ImportError
        If matplotlib is not installed.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from sklstm import LSTMClassifier, plot_history
    >>> X = np.random.RandomState(0).normal(size=(60, 5, 1))
    >>> clf = LSTMClassifier(hidden_size=4, max_iter=3, early_stopping=True,
    ...                      validation_fraction=0.4, random_state=0).fit(X, X.sum(axis=(1, 2)) > 0)
    >>> axes = plot_history(clf)
    >>> [line.get_label() for line in axes[0].get_lines()][:2]
    ['train loss', 'validation loss']
    """
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError(
            "plot_history needs matplotlib, which is not installed. Install it "
            "with `pip install matplotlib` (or, from the root of an sklstm "
            'checkout, `pip install ".[plot]"`).'
        ) from exc
    check_is_fitted(estimator, "history_")
    history = estimator.history_
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(10, 3.8), layout="constrained")
    axes = np.asarray(axes).ravel()
    epochs = history.index.to_numpy()
    loss_ax, right_ax = axes[0], axes[1]
    loss_ax.plot(epochs, history["train_loss"], label="train loss")
    has_validation = history["valid_loss"].notna().any()
    if has_validation:
        loss_ax.plot(epochs, history["valid_loss"], label="validation loss")
        right_ax.plot(epochs, history["valid_score"], color="C2", label="validation score")
        best = _best_epoch(estimator, history)
        if best is not None:
            right_ax.axvline(best, color="grey", linestyle=":", label=f"best epoch ({best})")
        right_ax.set_ylabel("validation score")
    else:
        right_ax.plot(epochs, history["learning_rate"], color="C3", label="learning rate")
        right_ax.set_ylabel("learning rate")
    loss_ax.set_xlabel("epoch")
    loss_ax.set_ylabel("loss")
    right_ax.set_xlabel("epoch")
    for ax in axes[:2]:
        ax.legend()
        ax.grid(alpha=0.3)
    loss_ax.set_title(f"{type(estimator).__name__}: learning curves")
    return axes


def _best_epoch(estimator, history):
    """The epoch whose weights the model holds, or None (see plot_history)."""
    training_history = getattr(estimator, "_history", None)
    if training_history is not None:  # an sklstm estimator: recorded by the loop
        return training_history.best_epoch
    return int(history["valid_score"].idxmax())
