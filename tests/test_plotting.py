"""plot_history: learning curves of a fitted estimator."""

import matplotlib

matplotlib.use("Agg")

import sys  # noqa: E402

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from sklearn.exceptions import NotFittedError  # noqa: E402

from sklstm import LSTMClassifier, LSTMRegressor, plot_history  # noqa: E402
from tests._helpers import regression_data  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def with_validation():
    X, y = regression_data()
    return LSTMClassifier(
        hidden_size=4, max_iter=4, early_stopping=True, random_state=0, device="cpu",
        n_iter_no_change=100,
    ).fit(X, y > 0)


@pytest.fixture(scope="module")
def without_validation():
    X, y = regression_data()
    return LSTMRegressor(
        hidden_size=4, max_iter=4, random_state=0, device="cpu", n_iter_no_change=100
    ).fit(X, y)


def _lines(ax):
    return {line.get_label(): line for line in ax.get_lines()}


def test_with_validation(with_validation):
    history = with_validation.history_
    axes = plot_history(with_validation)
    assert len(axes) == 2
    left, right = _lines(axes[0]), _lines(axes[1])
    assert {"train loss", "validation loss"} <= set(left)
    assert "validation score" in right
    assert "learning rate" not in right
    epochs = history.index.to_numpy()
    np.testing.assert_allclose(left["train loss"].get_xdata(), epochs)
    np.testing.assert_allclose(left["train loss"].get_ydata(), history["train_loss"])
    np.testing.assert_allclose(left["validation loss"].get_ydata(), history["valid_loss"])
    np.testing.assert_allclose(right["validation score"].get_ydata(), history["valid_score"])
    assert axes[1].get_ylabel() == "validation score"
    # the best epoch is marked
    best = int(history["valid_score"].idxmax())
    assert f"best epoch ({best})" in right
    # both panels have a legend
    assert axes[0].get_legend() is not None and axes[1].get_legend() is not None


def test_without_validation_right_panel_is_learning_rate(without_validation):
    history = without_validation.history_
    axes = plot_history(without_validation)
    left, right = _lines(axes[0]), _lines(axes[1])
    assert "train loss" in left
    assert "validation loss" not in left
    assert list(right) == ["learning rate"]
    np.testing.assert_allclose(right["learning rate"].get_ydata(), history["learning_rate"])
    assert axes[1].get_ylabel() == "learning rate"


def test_draws_on_given_axes(with_validation):
    fig, given = plt.subplots(1, 2)
    n_figures = len(plt.get_fignums())
    axes = plot_history(with_validation, axes=given)
    assert axes[0] is given[0] and axes[1] is given[1]
    assert len(plt.get_fignums()) == n_figures  # no new figure
    assert "train loss" in _lines(given[0])
    assert "validation score" in _lines(given[1])
    # a plain list of two axes works too
    fig2, (a, b) = plt.subplots(1, 2)
    out = plot_history(with_validation, axes=[a, b])
    assert out[0] is a and out[1] is b
    assert "train loss" in _lines(a)


def test_new_figure_by_default(without_validation):
    before = len(plt.get_fignums())
    axes = plot_history(without_validation)
    assert len(plt.get_fignums()) == before + 1
    assert axes[0].figure is axes[1].figure


def test_unfitted_raises_not_fitted():
    with pytest.raises(NotFittedError):
        plot_history(LSTMRegressor())
    with pytest.raises(NotFittedError):
        plot_history(LSTMClassifier())


def test_missing_matplotlib_gives_install_hint(monkeypatch, without_validation):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match="pip install matplotlib"):
        plot_history(without_validation)
