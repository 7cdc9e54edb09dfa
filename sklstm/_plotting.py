"""Learning curves of a fitted estimator (matplotlib is optional)."""

from __future__ import annotations

import numpy as np
from sklearn.utils.validation import check_is_fitted

__all__ = ["plot_forecast", "plot_history"]


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
        # the kept epoch, where it was chosen on the validation set
        if best is not None and best in history.index and np.isfinite(
                history.loc[best, "valid_score"]):
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


def plot_forecast(forecaster, fh, X=None, *, y=None, y_true=None, coverage=(0.8, 0.95),
                  series=None, n_history=None, ax=None):
    """Draw a series' history, the forecast and its prediction intervals.

    Parameters
    ----------
    forecaster : LSTMForecaster
        A fitted forecaster.
    fh, X, y :
        As :meth:`sklstm.LSTMForecaster.predict` takes them.
    y_true : pandas Series, default=None
        What actually followed (of the series drawn), drawn as dots.
    coverage : sequence of float, default=(0.8, 0.95)
        The intervals drawn as shaded bands, widest lightest.
    series : object, default=None
        Which series to draw (a column of a wide ``y``, an id of a long one);
        needed when there are several.
    n_history : int, default=None
        Steps of history to draw (default all).
    ax : matplotlib Axes, default=None
        Where to draw; by default a new figure.

    Returns
    -------
    ax : matplotlib Axes

    Raises
    ------
    ImportError
        If matplotlib is not installed.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklstm import LSTMForecaster, plot_forecast
    >>> from sklstm.datasets import load_airline
    >>> f = LSTMForecaster(horizon=12, max_iter=3, random_state=0).fit(load_airline())
    >>> ax = plot_forecast(f, 12)
    >>> [line.get_label() for line in ax.get_lines()]
    ['history', 'forecast (median)']
    """
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError(
            "plot_forecast needs matplotlib, which is not installed. Install it "
            "with `pip install matplotlib`."
        ) from exc
    from ._data._series import check_series
    from ._forecast_memory import one_series

    check_is_fitted(forecaster)
    memory = forecaster._memory
    panel = memory.panel() if y is None else check_series(
        y, id_col=memory.id_col, time_col=memory.time_col)
    if series is None:
        if panel.n_series > 1:
            raise ValueError(f"There are {panel.n_series} series; say which to draw with "
                             f"series=, one of {panel.ids[:10]}.")
        series = panel.ids[0]
    if series not in panel.ids:
        raise ValueError(f"series={series!r} is not one of the series {panel.ids[:10]}.")
    i = panel.ids.index(series)
    coverage = sorted(np.atleast_1d(coverage).astype(float).tolist(), reverse=True)
    point = forecaster.predict(fh, X, y=y)
    bands = forecaster.predict_interval(fh, X, coverage=coverage, y=y)
    point, bands = one_series(panel.form, point, series), one_series(panel.form, bands, series)
    history = np.asarray(panel.values[i])
    index = panel.indexes[i]
    if n_history is not None:
        history, index = history[-int(n_history):], index[-int(n_history):]

    def axis_values(labels):
        return labels.to_timestamp() if hasattr(labels, "to_timestamp") else labels

    if ax is None:
        _, ax = plt.subplots(figsize=(9, 3.5), layout="constrained")
    ax.plot(axis_values(index), history, color="black", linewidth=1.2, label="history")
    future = axis_values(point.index)
    for shade, c in zip(np.linspace(0.18, 0.4, len(coverage)), coverage):
        ax.fill_between(future, bands[(c, "lower")], bands[(c, "upper")], color="C0",
                        alpha=shade, linewidth=0, label=f"{c:.0%} interval")
    ax.plot(future, point.to_numpy(), color="C0", linewidth=1.6, label="forecast (median)")
    if y_true is not None:
        truth = y_true.reindex(point.index) if hasattr(y_true, "reindex") else y_true
        ax.plot(future, np.asarray(truth, dtype=float), "o", color="C3", markersize=3,
                linestyle="none", label="actual")
    ax.set_title(f"{series}" if series is not None else "forecast")
    ax.legend(loc="upper left", fontsize=8)
    return ax
