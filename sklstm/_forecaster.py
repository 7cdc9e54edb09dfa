"""LSTMForecaster: h-step forecasts of one or many series, with covariates and intervals."""

from __future__ import annotations

from numbers import Integral

import numpy as np
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ._base import _ARCHITECTURE, BaseLSTM
from ._data import check_sequences, validation_size
from ._data._covariates import align_covariates, check_covariate_columns, covariate_scaling
from ._data._forecast_windows import (
    ForecastWindows,
    error_scale,
    correction_weight,
    interval_factors,
    stack_windows,
)
from ._data._series import (
    check_coverage,
    check_fh,
    check_levels,
    check_quantiles,
    check_series,
    series_frequency,
)
from ._docs import fill_doc
from ._forecast_memory import ForecastMemory, interpolate_quantiles, point_frame, quantile_frame
from ._forecast_paths import recursive_quantiles
from ._heads import quantile_family
from ._runtime import MAX_SEED

__all__ = ["LSTMForecaster"]

_DEFAULT_QUANTILES = (0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.975)


@fill_doc
class LSTMForecaster(BaseLSTM):
    """LSTM forecaster of one or many series, h steps ahead, with prediction intervals.

    One global network learns from every window of every series: a window
    holds the last ``window_size`` values before a forecast origin (each
    window scaled on its own mean and standard deviation, so series of any
    level train together and nothing after the origin is used), plus the
    covariates; the network learns the median of the next ``horizon`` values
    (the pinball loss at 0.5) as a correction to a ``baseline`` forecast.
    ``predict`` returns the median. ``predict_quantiles`` and
    ``predict_interval`` add split-conformal intervals around it, calibrated
    on the baseline's errors at every training window and step ahead (out of
    sample: the baseline is fitted to nothing), so they widen with the step
    as those errors do.

    Series come as a pandas Series (index: periods, timestamps at a regular
    frequency, or integers), a wide DataFrame (one column per series; a
    series may start later, with leading NaN) or a long DataFrame (columns
    ``id_col``, ``time_col`` and one value column; series may differ in
    length and start). Forecasts are indexed by the future time labels
    (and the series' id), continuing each series' frequency.

    Parameters
    ----------
    horizon : int, default=1
        Steps ahead the network learns to forecast with ``strategy="direct"``
        (``predict``'s ``fh`` may ask for steps 1..horizon).

    window_size : int or None, default=None
        Steps of history each forecast reads. None: twice the seasonal
        period the index's frequency suggests (24 for months, 8 for
        quarters, 14 for days), at least ``horizon`` and at least 8.

    strategy : {"direct", "recursive"}, default="direct"
        "direct": the network emits all ``horizon`` steps at once (no error
        feeds back; the usual choice, and the one for past covariates).
        "recursive": the network forecasts one step; longer horizons feed
        each forecast back as history (future covariates advance with it),
        so any ``fh`` works and few steps make a large training set; its
        intervals come from ``n_paths`` sampled paths.

    past_covariates : list of str or int, default=None
        Columns of ``X`` observed only up to the forecast origin (e.g. the
        weather, other series). Every other column of ``X`` is a future
        covariate, known over the horizon (calendar, planned prices) and
        needed in ``X`` at predict for the steps ahead.

    baseline : {"auto", "seasonal_drift", "seasonal", "drift", "last"} or None, \
default="auto"
        What the network learns to correct (its outputs are added to it):
        the window's last season repeated plus its mean change per season
        ("seasonal_drift", seasonal naive with drift), the last season
        repeated ("seasonal"), the last value plus the window's mean step
        ("drift"), the last value ("last"), or nothing (None: the network
        forecasts the scaled values themselves). "auto" takes the one of the
        first four that misses least on the training windows (the baselines
        are fitted to nothing, so their errors there are out of sample). A
        network that learns nothing still forecasts as its baseline.

    seasonal_period : int or None, default=None
        Steps in a season. None: from the frequency of the time index (12
        for months, 4 for quarters, 7 for days, 24 for hours; else 1).

    quantiles : array-like of float, default=(0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.975)
        Quantile levels calibrated at fit (0.5 is always added): intervals of
        coverage 0.5, 0.8, 0.9 and 0.95 read them directly; other levels
        between the smallest and largest are interpolated.

    n_paths : int, default=200
        Sampled paths for the intervals of ``strategy="recursive"``.

    id_col, time_col : str, default="id", "time"
        The columns that make a DataFrame ``y`` (or ``X``) a long table.

%(forecast_network_params)s
%(forecast_training_params)s
    Attributes
    ----------
    horizon_ : int
        Steps ahead the network emits (1 for ``strategy="recursive"``).

    window_size_ : int
        Steps of history each forecast reads.

    seasonal_period_ : int
        The seasonal period the frequency suggests (1 if none); MASE and
        the default window use it.

    cutoffs_ : list
        The last time label of each fitted series (its forecast origin).

    series_ids_ : list
        The series: the Series' name, the wide table's columns or the long
        table's ids.

    quantiles_ : ndarray
        The quantile levels the network emits.

    baseline_ : str or None
        The baseline the network corrects ("auto" resolved).

    correction_weight_ : float
        How much of the network's correction to the baseline the forecasts
        keep (0, 0.25, ..., 1): the weight that forecasts the held-out newest
        windows best (1 without ``early_stopping``).

    error_scale_ : ndarray of shape (``horizon_``,)
        How far the baseline misses at each step ahead on the training
        windows (mean absolute error in units of each window's scale): the
        unit in which intervals widen with the step.

    interval_factors_ : ndarray
        Signed half-width of each quantile level around the median, in units
        of ``error_scale_``: split-conformal quantiles of the baseline's
        scaled errors over every training window and step ahead.

%(fitted_attributes)s
    See Also
    --------
    sklstm.model_selection.backtest : Rolling-origin evaluation.
    sklstm.plot_forecast : Draw the history, the forecast and its intervals.

    Examples
    --------
    >>> from sklstm import LSTMForecaster
    >>> from sklstm.datasets import load_airline
    >>> y = load_airline()
    >>> f = LSTMForecaster(horizon=12, max_iter=5, random_state=0).fit(y)
    >>> f.predict(3).index.astype(str).tolist()
    ['1961-01', '1961-02', '1961-03']
    >>> f.predict_interval(3, coverage=0.9).shape
    (3, 2)
    """

    _parameter_constraints: dict = {
        **{name: rule for name, rule in BaseLSTM._parameter_constraints.items()
           if name != "embedding_dim"},
        "horizon": [Interval(Integral, 1, None, closed="left")],
        "window_size": [Interval(Integral, 1, None, closed="left"), None],
        "strategy": [StrOptions({"direct", "recursive"})],
        "past_covariates": ["array-like", str, Integral, None],
        "baseline": [StrOptions({"auto", "seasonal_drift", "seasonal", "drift", "last"}), None],
        "seasonal_period": [Interval(Integral, 1, None, closed="left"), None],
        "quantiles": ["array-like"],
        "n_paths": [Interval(Integral, 1, None, closed="left")],
        "id_col": [str, Integral],
        "time_col": [str, Integral],
    }
    #: Forecasts read numbers, never token ids: no embedding (a fixed option of the network).
    embedding_dim = None
    _architecture_names = tuple(name for name in _ARCHITECTURE if name != "embedding_dim")
    _network_options = {"embedding_dim": None}

    def __init__(
        self,
        *,
        horizon: int = 1,
        window_size: int | None = None,
        strategy: str = "direct",
        past_covariates=None,
        baseline: str | None = "auto",
        seasonal_period: int | None = None,
        quantiles=_DEFAULT_QUANTILES,
        n_paths: int = 200,
        id_col="id",
        time_col="time",
        hidden_size: int = 64,
        num_layers: int = 1,
        bidirectional: bool = False,
        dropout: float = 0.0,
        cell: str = "lstm",
        pooling: str = "last",
        head_hidden_sizes: tuple = (),
        proj_size: int = 0,
        gate_bias_init: str = "chrono",
        standardize: bool = True,
        solver: str = "adam",
        learning_rate: str = "constant",
        learning_rate_init: float = 0.01,
        momentum: float = 0.9,
        alpha: float = 0.0001,
        batch_size: int = 32,
        max_iter: int | str = "auto",
        shuffle: bool = True,
        clip_grad_norm: float | None = 1.0,
        tol: float = 1e-4,
        n_iter_no_change: int | str = "auto",
        early_stopping: bool = True,
        validation_fraction: float = 0.2,
        validation_split: str = "last",
        random_state=None,
        verbose: int = 0,
        warm_start: bool = False,
        device="auto",
        deterministic: bool = False,
        predict_batch_size: int = 4096,
        n_threads: int | None = None,
        flush_denormal: bool = True,
    ):
        self.horizon = horizon
        self.window_size = window_size
        self.strategy = strategy
        self.past_covariates = past_covariates
        self.baseline = baseline
        self.seasonal_period = seasonal_period
        self.quantiles = quantiles
        self.n_paths = n_paths
        self.id_col = id_col
        self.time_col = time_col
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bidirectional = bidirectional
        self.dropout = dropout
        self.cell = cell
        self.pooling = pooling
        self.head_hidden_sizes = head_hidden_sizes
        self.proj_size = proj_size
        self.gate_bias_init = gate_bias_init
        self.standardize = standardize
        self.solver = solver
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.momentum = momentum
        self.alpha = alpha
        self.batch_size = batch_size
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.clip_grad_norm = clip_grad_norm
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.validation_split = validation_split
        self.random_state = random_state
        self.verbose = verbose
        self.warm_start = warm_start
        self.device = device
        self.deterministic = deterministic
        self.predict_batch_size = predict_batch_size
        self.n_threads = n_threads
        self.flush_denormal = flush_denormal

    # -- what fit decides -----------------------------------------------------------
    @property
    def _heads(self):
        """The head family of the fitted model (each fit passes its own to ``_fit``)."""
        return quantile_family([0.5], self.horizon_)

    def _min_context(self, window_size: int) -> int:
        """The fewest history steps a training window holds (half a window, at least 2)."""
        return max(2, window_size // 2)

    # -- fitting --------------------------------------------------------------------
    def fit(self, y, X=None) -> "LSTMForecaster":
        """Fit the forecaster to series ``y`` and optional covariates ``X``.

        Parameters
        ----------
        y : pandas Series, DataFrame or 1D array-like
            The series, observed at every step of a regular time index: a
            Series, a wide DataFrame (one column per series) or a long
            DataFrame (columns ``id_col``, ``time_col``, value).
        X : pandas DataFrame or array-like, default=None
            Covariates at y's time labels: indexed by time (shared by all
            series), a long table with ``id_col`` and ``time_col`` (per
            series), or an array whose rows follow a 1D ``y``.

        Returns
        -------
        self : LSTMForecaster
        """
        self._validate_params()
        panel = check_series(y, id_col=self.id_col, time_col=self.time_col)
        levels = check_quantiles(self.quantiles)
        season = (int(self.seasonal_period) if self.seasonal_period is not None
                  else series_frequency(panel.axis))
        baselines = {"seasonal_drift": (season, True), "seasonal": (season, False),
                     "drift": (1, True), "last": (1, False), None: (None, False)}
        horizon = int(self.horizon) if self.strategy == "direct" else 1
        window = (int(self.window_size) if self.window_size is not None
                  else max(2 * season, int(self.horizon), 8))
        min_context = self._min_context(window)
        for i, values in enumerate(panel.values):
            if len(values) < min_context + 1:
                who = f"series {panel.ids[i]!r}" if panel.n_series > 1 else "y"
                raise ValueError(
                    f"{who} has {len(values)} values; with window_size={window} a "
                    f"forecaster needs at least {min_context + 1} to learn from "
                    f"(half a window of history and one value after it). Lower "
                    "window_size, or leave out the short series."
                )
        columns, covariates, mean, scale = None, None, None, None
        if X is not None:
            columns = check_covariate_columns(X, panel, self.past_covariates)
            covariates = align_covariates(
                X, panel, columns, panel.indexes,
                known=[np.ones((len(v), len(columns.names)), bool) for v in panel.values],
                positions=[np.arange(len(v)) for v in panel.values],
                n_history=[len(v) for v in panel.values],
            )
            mean, scale = covariate_scaling(covariates)
        elif self.past_covariates is not None:
            raise ValueError("past_covariates names columns of X, but fit got X=None: pass X, "
                             "or set past_covariates=None.")
        memory = ForecastMemory.from_panel(panel, columns, covariates, mean, scale)

        def training_windows(base):
            return stack_windows([
                memory.windows(v, None if covariates is None else covariates[i],
                               np.arange(min_context, len(v)), window_size=window,
                               horizon=horizon, baseline=base)
                for i, v in enumerate(memory.values)
            ])

        if self.baseline == "auto":  # the baseline that misses least on the training windows
            candidates = {name: training_windows(baselines[name]) for name in
                          ("seasonal_drift", "seasonal", "drift", "last")}
            chosen = min(candidates, key=lambda name: np.nanmean(np.abs(candidates[name].y)))
            windows, base = candidates[chosen], baselines[chosen]
        else:
            chosen, base = self.baseline, baselines[self.baseline]
            windows = training_windows(base)
        order = np.argsort(-windows.age, kind="stable")  # oldest origins first: "last" = newest
        windows = ForecastWindows(*(getattr(windows, f)[order] for f in (
            "X", "y", "loc", "scale", "age", "base")))
        self._fit(windows.X, windows.y, None, incremental=False,
                  heads=quantile_family([0.5], horizon))
        # Intervals: split-conformal on the baseline's errors, which are out of sample at
        # every training window and step ahead (the baseline is fitted to nothing), in units
        # of its mean error at each step: intervals widen with the step as the errors do.
        sigma = error_scale(windows.y)
        factors = interval_factors(windows.y / sigma, levels)
        weight = 1.0
        if self.validation_scores_ is not None:
            held = slice(len(windows.y) - validation_size(len(windows.y),
                                                          self.validation_fraction), None)
            sequences, _ = check_sequences(self, windows.X[held], fitted=self._input_layout)
            correction = self._head.predict(self._network_outputs(sequences))[:, :, 0]
            weight = correction_weight(windows.y[held], correction)
        self._memory = memory
        self.horizon_, self.window_size_, self.seasonal_period_ = horizon, window, season
        self.quantiles_, self._strategy = levels, self.strategy
        self._baseline, self.baseline_ = base, chosen
        self.interval_factors_, self.error_scale_ = factors, sigma
        self.correction_weight_ = weight
        self.cutoffs_ = memory.cutoffs()
        self.series_ids_ = list(memory.ids)
        return self

    # -- forecasting ----------------------------------------------------------------
    def _outputs_of(self, windows) -> np.ndarray:
        sequences, _ = check_sequences(self, windows.X, fitted=self._input_layout)
        median = self.correction_weight_ * self._head.predict(self._network_outputs(sequences))
        spread = self.error_scale_[:, None] * self.interval_factors_  # (horizon, levels)
        return windows.unscale(median + spread)

    def _forecast(self, fh, X, y):
        """Quantiles (n_series, n_steps, n_levels) at the steps of ``fh``, with their labels."""
        check_is_fitted(self)
        steps = check_fh(fh)
        max_step = int(steps.max())
        if self._strategy == "direct" and max_step > self.horizon_:
            raise ValueError(
                f"fh asks for step {max_step}, but the forecaster was fitted for "
                f"horizon={self.horizon_} steps ahead (strategy='direct'). Set "
                f"horizon={max_step} or more and fit again, or use strategy='recursive'."
            )
        columns = self._memory.columns
        covariate_reach = self.horizon_ if self._strategy == "direct" else max_step
        if columns is None or columns.n_future == 0:
            covariate_reach = max_step
        panel, covariates, future = self._memory.at_origin(y, X, max(covariate_reach, max_step))
        if self._strategy == "direct":
            windows = stack_windows([
                self._memory.windows(v, None if covariates is None else covariates[i],
                                     np.array([len(v)]), window_size=self.window_size_,
                                     horizon=self.horizon_, baseline=self._baseline)
                for i, v in enumerate(panel.values)])
            quantiles = self._outputs_of(windows)[:, steps - 1]
        else:
            seed = int(check_random_state(self.random_state).randint(MAX_SEED))
            quantiles = recursive_quantiles(
                self._outputs_of, self._memory, panel, covariates, max_step,
                window_size=self.window_size_, baseline=self._baseline, levels=self.quantiles_,
                n_paths=int(self.n_paths), seed=seed)[:, steps - 1]
        consecutive = (np.diff(steps) == 1).all()  # a slice keeps the index's frequency
        labels = [f[steps[0] - 1:steps[-1]] if consecutive else f[steps - 1] for f in future]
        return panel, labels, quantiles

    def predict(self, fh, X=None, *, y=None):
        """Forecast ``fh`` steps ahead (the median of the forecast distribution).

        Parameters
        ----------
        fh : int or list of int
            An int h forecasts steps 1..h; a list names the steps ahead
            (1 = the step after the last observed one).
        X : DataFrame or array-like, default=None
            Covariates: the future ones over the horizon (for
            ``strategy="direct"``, over the whole fitted ``horizon``), indexed
            by the future time labels; with ``y``, over y's history too.
        y : Series or DataFrame, default=None
            Forecast from this history (the same form and frequency as at
            fit; new series too) instead of the fitted one.

        Returns
        -------
        forecast : pandas Series or DataFrame
            Indexed by the future time labels: a Series for a Series ``y``,
            a DataFrame with one column per series for a wide ``y``, and for
            a long ``y`` a DataFrame indexed by (id, time).
        """
        panel, labels, quantiles = self._forecast(fh, X, y)
        median = int(np.flatnonzero(self.quantiles_ == 0.5)[0])
        return point_frame(panel, labels, [q[:, median] for q in quantiles])

    def predict_quantiles(self, fh, X=None, alpha=(0.05, 0.95), *, y=None):
        """Quantiles of the forecast distribution at the levels ``alpha``.

        Parameters
        ----------
        fh, X, y : see :meth:`predict`
        alpha : float or list of float, default=(0.05, 0.95)
            Quantile levels, within the range of ``quantiles``.

        Returns
        -------
        quantiles : pandas DataFrame
            Rows as :meth:`predict`; columns (variable, alpha).
        """
        check_is_fitted(self)
        wanted = check_levels(alpha, self.quantiles_, "alpha")
        panel, labels, quantiles = self._forecast(fh, X, y)
        blocks = [interpolate_quantiles(q, self.quantiles_, wanted) for q in quantiles]
        return quantile_frame(panel, labels, blocks, [(float(a),) for a in wanted])

    def predict_interval(self, fh, X=None, coverage=0.9, *, y=None):
        """Central prediction intervals of the given ``coverage``.

        Parameters
        ----------
        fh, X, y : see :meth:`predict`
        coverage : float or list of float, default=0.9
            Probability each interval holds the future value.

        Returns
        -------
        intervals : pandas DataFrame
            Rows as :meth:`predict`; columns (variable, coverage,
            "lower"/"upper"). Wider coverage gives nested, wider intervals.
        """
        check_is_fitted(self)
        coverage = check_coverage(coverage)
        levels = np.ravel(np.column_stack([(1 - coverage) / 2, (1 + coverage) / 2]))
        wanted = check_levels(levels, self.quantiles_, "coverage")
        panel, labels, quantiles = self._forecast(fh, X, y)
        blocks = [interpolate_quantiles(q, self.quantiles_, wanted) for q in quantiles]
        columns = [(float(c), side) for c in coverage for side in ("lower", "upper")]
        return quantile_frame(panel, labels, blocks, columns)

    def score(self, y, X=None) -> float:
        """Minus the MASE of forecasts of ``y``, values that follow the fitted series.

        For GridSearchCV and cross_val_score with
        ``ForecastSplit(gap=0, test_size=horizon)`` (greater is better);
        :func:`sklstm.metrics.make_forecast_scorer` scores with other metrics.

        Parameters
        ----------
        y : pandas Series, DataFrame or 1D array
            Values at time labels after the fitted series' ends.
        X : DataFrame or array-like, default=None
            Future covariates over those steps.

        Returns
        -------
        score : float
        """
        from ._backtest import score_forecast

        return -score_forecast(self, y, X, "mase")

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = False
        return tags
