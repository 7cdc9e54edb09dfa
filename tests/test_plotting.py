"""plot_history (learning curves) and plot_forecast (a forecast with its intervals)."""

import matplotlib

matplotlib.use("Agg")

import pickle  # noqa: E402
import sys  # noqa: E402

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from sklearn.base import BaseEstimator  # noqa: E402
from sklearn.exceptions import NotFittedError  # noqa: E402

import sklstm  # noqa: E402
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
        n_iter_no_change=100, validation_fraction=0.5,
    ).fit(X, y > 0)


@pytest.fixture(scope="module")
def without_validation():
    X, y = regression_data()
    return LSTMRegressor(
        hidden_size=4, max_iter=4, random_state=0, device="cpu", n_iter_no_change=100
    ).fit(X, y)


@pytest.fixture(scope="module")
def warm_refit():
    """Five epochs with validation, then a warm_start refit of one epoch.

    The refit's only epoch (6) is its best, so its weights are the ones kept;
    the much higher learning rate makes it score far below epoch 5, the best
    of the whole history.
    """
    X, y = regression_data()
    est = LSTMRegressor(
        hidden_size=4, max_iter=5, early_stopping=True, random_state=0, device="cpu",
        n_iter_no_change=100, learning_rate_init=0.05, validation_fraction=0.5,
    ).fit(X, y)
    return est.set_params(warm_start=True, max_iter=1, learning_rate_init=5.0).fit(X, y)


def _lines(ax):
    return {line.get_label(): line for line in ax.get_lines()}


def _best_markers(ax):
    return {label: line for label, line in _lines(ax).items() if label.startswith("best epoch")}


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
    # one vertical line marks the best epoch, at the epoch its label names
    ((label, marker),) = _best_markers(axes[1]).items()
    epoch = int(label.removeprefix("best epoch (").removesuffix(")"))
    assert epoch in epochs
    np.testing.assert_array_equal(marker.get_xdata(), [epoch, epoch])
    # ...the epoch whose weights the model kept
    assert history["valid_score"][epoch] == with_validation.best_validation_score_
    # both panels have a legend
    assert axes[0].get_legend() is not None and axes[1].get_legend() is not None


def test_without_validation_right_panel_is_learning_rate(without_validation):
    history = without_validation.history_
    axes = plot_history(without_validation)
    left, right = _lines(axes[0]), _lines(axes[1])
    assert "train loss" in left
    assert "validation loss" not in left
    assert list(right) == ["learning rate"]  # and no best epoch: the last epoch's weights
    np.testing.assert_allclose(right["learning rate"].get_ydata(), history["learning_rate"])
    assert axes[1].get_ylabel() == "learning rate"


def test_warm_start_refit_marks_the_epoch_whose_weights_are_kept(warm_refit):
    history = warm_refit.history_
    assert len(history) == 6
    assert history["valid_score"].idxmax() == 5  # the best of the whole history...
    # ...but the model holds the weights of the refit's best (and only) epoch
    axes = plot_history(warm_refit)
    assert list(_best_markers(axes[1])) == ["best epoch (6)"]
    np.testing.assert_array_equal(_best_markers(axes[1])["best epoch (6)"].get_xdata(), [6, 6])


def test_best_epoch_survives_pickle_and_model_files(warm_refit, tmp_path):
    sklstm.save(warm_refit, tmp_path / "m.safetensors")
    for copy in (pickle.loads(pickle.dumps(warm_refit)), sklstm.load(tmp_path / "m.safetensors")):
        assert list(_best_markers(plot_history(copy)[1])) == ["best epoch (6)"]


def test_no_best_epoch_after_partial_fit(warm_refit):
    X, y = regression_data()
    est = pickle.loads(pickle.dumps(warm_refit)).partial_fit(X, y)
    axes = plot_history(est)
    assert "validation score" in _lines(axes[1])  # earlier fits' scores are still drawn
    assert _best_markers(axes[1]) == {}  # the weights were trained on since


def test_other_estimators_mark_the_highest_validation_score():
    class Recorded(BaseEstimator):
        def fit(self, X=None, y=None):
            self.history_ = pd.DataFrame(
                {"train_loss": [1.0, 0.8, 0.7], "valid_loss": [1.0, 0.7, 0.9],
                 "valid_score": [0.1, 0.9, 0.5], "learning_rate": [0.1] * 3},
                index=pd.Index([1, 2, 3], name="epoch"),
            )
            return self

    axes = plot_history(Recorded().fit())
    assert list(_best_markers(axes[1])) == ["best epoch (2)"]


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
    with pytest.raises(ImportError, match=r'pip install matplotlib.*pip install "\.\[plot\]"'):
        plot_history(without_validation)


# -- plot_forecast ----------------------------------------------------------------------


@pytest.mark.filterwarnings("ignore:early_stopping=True would hold out:UserWarning")
def test_plot_forecast_draws_history_median_bands_and_truth(wide_model):
    from tests._forecast_cases import wide_table

    frame = wide_table()
    ax = sklstm.plot_forecast(wide_model, 3, series="late", coverage=(0.8, 0.95),
                              n_history=10, y_true=frame["late"].iloc[-3:])
    labels = [line.get_label() for line in ax.get_lines()]
    assert labels == ["history", "forecast (median)", "actual"]
    history, median = ax.get_lines()[0], ax.get_lines()[1]
    assert len(history.get_xdata()) == 10
    np.testing.assert_allclose(median.get_ydata(), wide_model.predict(3)["late"].to_numpy())
    bands = [c.get_label() for c in ax.collections]
    assert bands == ["95% interval", "80% interval"]  # the widest first, lightest
    with pytest.raises(ValueError, match="series="):
        sklstm.plot_forecast(wide_model, 3)  # two series: say which
    with pytest.raises(ValueError, match="not one of the series"):
        sklstm.plot_forecast(wide_model, 3, series="nope")
    with pytest.raises(NotFittedError):
        sklstm.plot_forecast(sklstm.LSTMForecaster(), 3)


@pytest.mark.filterwarnings("ignore:early_stopping=True would hold out:UserWarning")
def test_plot_forecast_of_one_series_of_a_long_table(long_model):
    ax = sklstm.plot_forecast(long_model, 3, series="b", coverage=0.8)
    median = ax.get_lines()[1]
    expected = long_model.predict(3).xs("b", level=0).iloc[:, 0].to_numpy()
    np.testing.assert_allclose(median.get_ydata(), expected)
    assert [c.get_label() for c in ax.collections] == ["80% interval"]
