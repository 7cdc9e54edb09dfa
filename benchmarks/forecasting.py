"""LSTMForecaster against statsforecast on rolling-origin backtests of real series.

What it measures
----------------
Point accuracy, interval calibration and fit time of
``sklstm.LSTMForecaster`` next to statsforecast's ``SeasonalNaive``,
``AutoETS``, ``AutoARIMA`` and ``AutoTheta`` (benchmark-only dependencies),
on the SAME rolling-origin backtests: the same forecast origins, the same
horizon ``h``, intervals at 80% and 95% (statsforecast: ``level=[80, 95]``),
and the same metrics computed by the same code with ``sklstm.metrics``:

* MASE (``mean_absolute_scaled_error``): each (origin, series) forecast's MAE
  over the in-sample seasonal-naive MAE of that origin's training window
  (season m = 12 monthly, 4 quarterly), averaged over origins and series;
  below 1 beats the in-sample seasonal naive forecast.
* sMAPE in percent (``symmetric_mean_absolute_percentage_error``), pooled.
* coverage of the 80% and 95% intervals (``interval_coverage``), pooled.
* fit seconds: wall-clock seconds of the fits, summed over origins (for
  statsforecast ``StatsForecast.fit``; for sklstm the fits timed by
  ``backtest``; for "LSTM search" the inner search's fits too).

Series (all real, read from files inside installed packages; see
``benchmarks/_forecast_data.py``): airline passengers (sklstm), El Nino sea
temperatures, Mauna Loa CO2 (weekly -> monthly means), US macrodata
(``cpi``, ``unemp``; ``realcons`` with ``realgdp`` and ``realinv`` as past
covariates; statsforecast sees ``realcons`` alone there) and the West German
interest rate ``R`` (statsmodels). Monthly series: h=12, quarterly: h=8;
``--origins`` origins (default 4) h steps apart, expanding window, refit at
every origin. A many-series run fits ONE global LSTMForecaster on a wide
table of 10 macrodata columns (each window scaled on its own) against
statsforecast fitted per series.

LSTM models
-----------
* "LSTM default": ``LSTMForecaster(horizon=h, random_state=seed)`` and
  nothing else (``past_covariates`` where the series has covariates).
* "LSTM search": the best of ``--candidates`` configurations (default 3 of:
  the defaults; ``window_size`` = 3 seasons; ``baseline="seasonal"``;
  ``hidden_size=32``), judged by the MASE of an inner backtest (2 origins, h
  apart) on the data up to the FIRST outer origin only — no test value is
  seen — then backtested like the others.
* "LSTM default, y only" (realcons): the defaults without the covariates.

"LSTM default" rows are averaged over ``--seeds`` (default 0,1,2; the MASE
column shows the spread over seeds as ``± sd``); "LSTM search" rows over
``--search-seeds`` (default: the first seed only, as the search costs about
three times the defaults; the search section lists the defaults' MASE at
the same seed for a like-for-like comparison). The headline repeats the
classic airline test: one origin, 1957-12, h=36,
``LSTMForecaster(horizon=36)`` with default parameters, median MAPE and 95%
coverage over the seeds, next to statsforecast.

PyTorch runs on ``--threads`` threads (default 1; statsforecast runs with
``n_jobs=1``). Timings are noisy on a shared machine; accuracy is not.

Run
---
    python benchmarks/forecasting.py > forecast_bench.md   # everything: ~15 min, 2 busy cores
    python benchmarks/forecasting.py --quick   # 4 series, 2 origins, 2 candidates, ~1 min
    python benchmarks/forecasting.py --seeds 0 --series airline,cpi
    python benchmarks/forecasting.py --json results.json   # also the per-row numbers
    PYTHONPATH=/path/to/snapshot python benchmarks/forecasting.py   # another sklstm
The markdown table goes to stdout, progress to stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from sklearn.metrics import mean_absolute_percentage_error

sys.path.insert(0, str(Path(__file__).resolve().parent))
import sklstm  # noqa: E402
import _forecast_data as data  # noqa: E402
from sklstm import LSTMForecaster  # noqa: E402
from sklstm.metrics import (interval_coverage, mean_absolute_scaled_error,  # noqa: E402
                            symmetric_mean_absolute_percentage_error)
from sklstm.model_selection import backtest  # noqa: E402

COVERAGE = (0.8, 0.95)
SF_MODELS = ("SeasonalNaive", "AutoETS", "AutoARIMA", "AutoTheta")
START = time.perf_counter()


def log(message: str) -> None:
    print(f"[{time.perf_counter() - START:7.1f}s] {message}", file=sys.stderr, flush=True)


# ------------------------------------------------------------------------- the tasks
def tasks(quick: bool) -> list[dict]:
    """One dict per backtested data set: y (Series or wide DataFrame), X, h, m, freq."""
    macro = data.macrodata()
    monthly = {"h": 12, "m": 12, "freq": "MS"}
    quarterly = {"h": 8, "m": 4, "freq": "QS"}
    panel = ["realgdp", "realcons", "realinv", "realgovt", "realdpi", "cpi", "m1",
             "tbilrate", "unemp", "pop"]
    out = [
        {"name": "airline", "source": "sklstm load_airline, monthly 1949-1960",
         "y": data.airline(), **monthly},
        {"name": "elnino", "source": "statsmodels elnino, monthly SST 1950-2010",
         "y": data.elnino(), **monthly},
        {"name": "co2", "source": "statsmodels co2, weekly->monthly 1958-2001",
         "y": data.co2(), **monthly},
        {"name": "realcons+cov", "source": "macrodata realcons; past covariates realgdp, realinv",
         "y": macro["realcons"], "X": macro[["realgdp", "realinv"]],
         "past_covariates": ["realgdp", "realinv"], **quarterly},
        {"name": "cpi", "source": "macrodata cpi, quarterly 1959-2009",
         "y": macro["cpi"], **quarterly},
        {"name": "unemp", "source": "macrodata unemp, quarterly 1959-2009",
         "y": macro["unemp"], **quarterly},
        {"name": "interest_R", "source": "statsmodels interest_inflation R, quarterly 1972-1998",
         "y": data.interest_inflation()["R"].rename("interest_R"), **quarterly},
        {"name": "macro panel", "source": f"macrodata, {len(panel)} columns, one global LSTM",
         "y": macro[panel], **quarterly},
    ]
    if quick:
        keep = {"airline", "cpi", "realcons+cov", "macro panel"}
        out = [t for t in out if t["name"] in keep]
        for t in out:
            if t["name"] == "macro panel":
                t["y"] = t["y"][panel[:4]]
                t["source"] = "macrodata, 4 columns, one global LSTM"
    for t in out:
        t.setdefault("X", None)
        t.setdefault("past_covariates", None)
        t["n_series"] = 1 if isinstance(t["y"], pd.Series) else t["y"].shape[1]
    return out


def candidates(task: dict, n: int) -> list[tuple[str, dict]]:
    """The configurations "LSTM search" chooses from (the defaults first)."""
    m, h = task["m"], task["h"]
    window = max(3 * m, h)
    return [
        ("defaults", {}),
        (f"window_size={window}", {"window_size": window}),
        ("baseline=seasonal", {"baseline": "seasonal"}),
        ("hidden_size=32", {"hidden_size": 32}),
    ][:n]


# ------------------------------------------------------------------------- metrics
def wide(y) -> pd.DataFrame:
    return y.to_frame() if isinstance(y, pd.Series) else y


def score(frame: pd.DataFrame, y, m: int) -> dict:
    """The metrics of a forecast frame (origin, series, step, y_true, y_pred, bounds)."""
    table = wide(y)
    mase, per_series = [], {}
    for (origin, sid), part in frame.groupby(["origin", "series"], sort=False):
        history = table[sid].loc[:origin].dropna().to_numpy()
        value = mean_absolute_scaled_error(part["y_true"], part["y_pred"], y_train=history,
                                           seasonal_period=m)
        mase.append(value)
        per_series.setdefault(sid, []).append(value)
    y_true, y_pred = frame["y_true"].to_numpy(), frame["y_pred"].to_numpy()
    out = {"mase": float(np.mean(mase)),
           "smape": symmetric_mean_absolute_percentage_error(y_true, y_pred),
           "mape": 100 * mean_absolute_percentage_error(y_true, y_pred),
           "mase_per_series": {str(k): float(np.mean(v)) for k, v in per_series.items()}}
    for c in COVERAGE:
        out[f"coverage_{c:g}"] = interval_coverage(y_true, frame[f"lower_{c:g}"],
                                                   frame[f"upper_{c:g}"])
    return out


def cuts(h: int, n_origins: int) -> list[int]:
    """Steps cut off the end at each origin, oldest origin first (as ``backtest`` does)."""
    return [h + h * k for k in reversed(range(n_origins))]


# ------------------------------------------------------------------------- sklstm
def lstm_backtest(task, params, seed, n_origins, y=None, X=None):
    y = task["y"] if y is None else y
    X = task["X"] if X is None else X
    extra = {} if task["past_covariates"] is None else {"past_covariates": task["past_covariates"]}
    model = LSTMForecaster(horizon=task["h"], random_state=seed, **{**extra, **params})
    return backtest(model, y, X, fh=task["h"], n_origins=n_origins, step=task["h"],
                    window="expanding", refit=True, coverage=COVERAGE)


def lstm_row(task, params, seed, n_origins, cache):
    """Metrics of a backtest of one LSTM configuration (cached by configuration and seed)."""
    key = (task["name"], json.dumps(params, sort_keys=True), seed)
    if key not in cache:
        result = lstm_backtest(task, params, seed, n_origins)
        metrics = score(result.forecasts, task["y"], task["m"])
        summary = result.summary()
        if not np.isclose(metrics["mase"], summary["mase"], rtol=1e-6):
            log(f"  note: MASE {metrics['mase']:.4f} here, {summary['mase']:.4f} by backtest")
        metrics["fit_seconds"] = float(result.metrics["fit_seconds"].sum())
        metrics["origins"] = [str(o) for o in result.metrics.index]
        cache[key] = metrics
    return dict(cache[key])


def lstm_search(task, seed, n_origins, n_candidates, cache):
    """Choose a configuration on the data before the first outer origin, then backtest it."""
    first_cut = cuts(task["h"], n_origins)[0]
    y_train = task["y"].iloc[:-first_cut]
    X_train = None if task["X"] is None else task["X"].loc[:y_train.index[-1]]
    scores, start = {}, time.perf_counter()
    for name, params in candidates(task, n_candidates):
        inner = lstm_backtest(task, params, seed, 2, y=y_train, X=X_train)
        scores[name] = (score(inner.forecasts, y_train, task["m"])["mase"], params)
    search_seconds = time.perf_counter() - start
    chosen = min(scores, key=lambda k: scores[k][0])
    row = lstm_row(task, scores[chosen][1], seed, n_origins, cache)
    row["fit_seconds"] += search_seconds
    row["chosen"] = chosen
    row["inner_mase"] = {k: round(v[0], 4) for k, v in scores.items()}
    return row


# ------------------------------------------------------------------------- statsforecast
def sf_model(name: str, m: int):
    from statsforecast import models

    if name == "SeasonalNaive":
        return models.SeasonalNaive(season_length=m)
    return getattr(models, name)(season_length=m)


def long_frame(y) -> pd.DataFrame:
    table = wide(y)
    ds = table.index.to_timestamp()
    parts = [pd.DataFrame({"unique_id": str(sid), "ds": ds, "y": table[sid].to_numpy()})
             for sid in table.columns]
    return pd.concat(parts, ignore_index=True).dropna()


def sf_row(task, name, n_origins) -> dict:
    from statsforecast import StatsForecast

    table, h = wide(task["y"]), task["h"]
    ids = {str(sid): sid for sid in table.columns}
    frames, seconds = [], 0.0
    for cut in cuts(h, n_origins):
        history = table.iloc[:-cut]
        origin = history.index[-1]
        future = table.index[len(table) - cut:len(table) - cut + h]
        sf = StatsForecast(models=[sf_model(name, task["m"])], freq=task["freq"], n_jobs=1)
        start = time.perf_counter()
        sf.fit(long_frame(history))
        seconds += time.perf_counter() - start
        pred = sf.predict(h=h, level=[80, 95])
        if "unique_id" not in pred.columns:
            pred = pred.reset_index()
        for uid, part in pred.groupby("unique_id", sort=False):
            part = part.sort_values("ds")
            assert (pd.DatetimeIndex(part["ds"]) == future.to_timestamp()).all(), (name, uid)
            sid = ids[str(uid)]
            frame = pd.DataFrame({"origin": origin, "series": sid, "time": future,
                                  "step": np.arange(1, h + 1),
                                  "y_true": table[sid].loc[future].to_numpy(),
                                  "y_pred": part[name].to_numpy()})
            for c in COVERAGE:
                frame[f"lower_{c:g}"] = part[f"{name}-lo-{round(100 * c)}"].to_numpy()
                frame[f"upper_{c:g}"] = part[f"{name}-hi-{round(100 * c)}"].to_numpy()
            frames.append(frame)
    metrics = score(pd.concat(frames, ignore_index=True), task["y"], task["m"])
    metrics["fit_seconds"] = seconds
    return metrics


# ------------------------------------------------------------------------- runs
def run_headline(seeds) -> dict:
    """Airline, one origin 1957-12, h=36: LSTMForecaster(horizon=36) defaults vs statsforecast."""
    y = data.airline()
    task = {"name": "airline h=36", "y": y, "X": None, "past_covariates": None, "h": 36, "m": 12,
            "freq": "MS"}
    out = {"lstm": {}}
    for seed in seeds:
        log(f"headline: LSTMForecaster(horizon=36, random_state={seed})")
        result = lstm_backtest(task, {}, seed, 1)
        assert str(result.metrics.index[0]) == "1957-12", result.metrics.index
        metrics = score(result.forecasts, y, 12)
        metrics["fit_seconds"] = float(result.metrics["fit_seconds"].sum())
        out["lstm"][seed] = metrics
    for name in SF_MODELS:
        log(f"headline: {name}")
        out[name] = sf_row(task, name, 1)
    return out


def run_task(task, args, cache) -> dict:
    rows = {}
    log(f"{task['name']}: {task['n_series']} series x {len(wide(task['y']))} steps, "
        f"h={task['h']}, {args.origins} origins")
    per_seed = {"LSTM default": [], "LSTM search": []}
    if task["X"] is not None:
        per_seed["LSTM default, y only"] = []
    for seed in args.seeds:
        start = time.perf_counter()
        per_seed["LSTM default"].append(lstm_row(task, {}, seed, args.origins, cache))
        log(f"  LSTM default seed {seed}: MASE {per_seed['LSTM default'][-1]['mase']:.3f} "
            f"({time.perf_counter() - start:.1f}s)")
        if seed in args.search_seeds:
            start = time.perf_counter()
            row = lstm_search(task, seed, args.origins, args.candidates, cache)
            row["default_mase"] = per_seed["LSTM default"][-1]["mase"]
            per_seed["LSTM search"].append(row)
            log(f"  LSTM search seed {seed}: chose {row['chosen']} (inner MASE "
                f"{row['inner_mase']}), MASE {row['mase']:.3f} "
                f"({time.perf_counter() - start:.1f}s)")
        if task["X"] is not None:
            plain = {**task, "X": None, "past_covariates": None, "name": task["name"] + ":y"}
            per_seed["LSTM default, y only"].append(lstm_row(plain, {}, seed, args.origins, cache))
            log(f"  LSTM default y only seed {seed}: "
                f"MASE {per_seed['LSTM default, y only'][-1]['mase']:.3f}")
    for model, runs in per_seed.items():
        rows[model] = average(runs)
        if model == "LSTM search":
            rows[model]["chosen"] = [r["chosen"] for r in runs]
            rows[model]["inner_mase"] = [r["inner_mase"] for r in runs]
            rows[model]["default_mase"] = [r["default_mase"] for r in runs]
    for name in SF_MODELS:
        start = time.perf_counter()
        try:
            rows[name] = sf_row(task, name, args.origins)
            log(f"  {name}: MASE {rows[name]['mase']:.3f} ({time.perf_counter() - start:.1f}s)")
        except Exception as error:  # a statsforecast failure must not sink the run
            log(f"  {name} failed: {error!r}")
            rows[name] = {"error": repr(error)}
    return rows


def average(runs: list[dict]) -> dict:
    """Metrics averaged over seeds (MASE also as its spread)."""
    keys = ["mase", "smape", "mape", "coverage_0.8", "coverage_0.95", "fit_seconds"]
    out = {k: float(np.mean([r[k] for r in runs])) for k in keys}
    out["mase_sd"] = float(np.std([r["mase"] for r in runs], ddof=1)) if len(runs) > 1 else None
    out["mase_seeds"] = [r["mase"] for r in runs]
    series = runs[0]["mase_per_series"]
    out["mase_per_series"] = {s: float(np.mean([r["mase_per_series"][s] for r in runs]))
                              for s in series}
    return out


# ------------------------------------------------------------------------- output
def fmt(value, spec=".3f") -> str:
    return "—" if value is None or (isinstance(value, float) and np.isnan(value)) \
        else format(value, spec)


def markdown(headline, results, task_list, args, seconds) -> str:
    def seeds(values):
        return f"seed {values[0]}" if len(values) == 1 else f"{len(values)} seeds"

    shown_name = {"LSTM default": f"LSTM default ({seeds(args.seeds)})",
                  "LSTM default, y only": f"LSTM default, y only ({seeds(args.seeds)})",
                  "LSTM search": f"LSTM search ({seeds(args.search_seeds)})"}
    lines = []
    add = lines.append
    add("# LSTMForecaster vs statsforecast: rolling-origin backtests on real series")
    add("")
    add(f"sklstm {sklstm.__version__}, torch {torch.__version__} ({args.threads} thread"
        f"{'s' if args.threads > 1 else ''}), statsforecast {sf_version()}, "
        f"Python {platform.python_version()}, {os.cpu_count()} CPUs. "
        f"Seeds {args.seeds} (LSTM search: {args.search_seeds}); {args.origins} origins per "
        f"series, expanding window, refit at every origin; {args.candidates} candidates in the "
        "search."
        + (" **--quick run.**" if args.quick else ""))
    add("")
    add(f"sklstm imported from {sklstm_source()}.")
    add("")
    if headline is not None:
        lstm = headline["lstm"]
        mapes = [lstm[s]["mape"] for s in args.seeds]
        covs = [lstm[s]["coverage_0.95"] for s in args.seeds]
        add("## Headline: airline, one origin 1957-12, h=36 (1958-01..1960-12)")
        add("")
        add("| model | MAPE % | coverage 95% | coverage 80% | MASE | fit s |")
        add("|---|---:|---:|---:|---:|---:|")
        add(f"| LSTMForecaster(horizon=36), defaults: median over seeds {args.seeds} | "
            f"**{np.median(mapes):.2f}** | **{np.median(covs):.3f}** | "
            f"{np.median([lstm[s]['coverage_0.8'] for s in args.seeds]):.3f} | "
            f"{np.median([lstm[s]['mase'] for s in args.seeds]):.3f} | "
            f"{np.median([lstm[s]['fit_seconds'] for s in args.seeds]):.1f} |")
        for s in args.seeds:
            r = lstm[s]
            add(f"| &nbsp;&nbsp;seed {s} | {r['mape']:.2f} | {r['coverage_0.95']:.3f} | "
                f"{r['coverage_0.8']:.3f} | {r['mase']:.3f} | {r['fit_seconds']:.1f} |")
        for name in SF_MODELS:
            r = headline[name]
            add(f"| {name} | {r['mape']:.2f} | {r['coverage_0.95']:.3f} | "
                f"{r['coverage_0.8']:.3f} | {r['mase']:.3f} | {r['fit_seconds']:.2f} |")
        add("")
        arima = headline["AutoARIMA"]
        add(f"LSTM median MAPE {np.median(mapes):.2f}% (seeds: "
            f"{', '.join(f'{v:.2f}' for v in mapes)}) vs AutoARIMA {arima['mape']:.2f}%; "
            f"95% coverage {np.median(covs):.3f} (seeds: {', '.join(f'{v:.3f}' for v in covs)}) "
            f"vs AutoARIMA {arima['coverage_0.95']:.3f} (36 values: one miss = 0.028).")
        add("")
    add(f"## Rolling-origin backtests ({args.origins} origins, h apart; monthly h=12, "
        "quarterly h=8)")
    add("")
    add("MASE: mean over origins (and series) of MASE against each training window's "
        "in-sample seasonal naive (m=12 / 4); sMAPE %: pooled; coverage: share of actual "
        "values inside the 80% / 95% intervals (nominal 0.80 / 0.95); fit s: fits summed over "
        "origins (LSTM: mean over seeds; search: including the inner search). LSTM MASE: mean "
        "± sd over seeds. **Best MASE per series in bold.**")
    add("")
    add("| series | data | model | MASE | sMAPE % | cov 80% | cov 95% | fit s |")
    add("|---|---|---|---:|---:|---:|---:|---:|")
    for task in task_list:
        rows = results[task["name"]]
        valid = {k: v for k, v in rows.items() if "mase" in v}
        best = min(valid, key=lambda k: valid[k]["mase"])
        n = len(wide(task["y"]))
        what = (f"{task['source']} ({task['n_series']}×{n}, h={task['h']})")
        for i, (model, r) in enumerate(rows.items()):
            label = (f"**{task['name']}**" if i == 0 else ""), (what if i == 0 else "")
            if "error" in r:
                add(f"| {label[0]} | {label[1]} | {shown_name.get(model, model)} | failed "
                    "| | | | |")
                continue
            mase = fmt(r["mase"])
            if r.get("mase_sd") is not None:
                mase += f" ± {r['mase_sd']:.3f}"
            if model == best:
                mase = f"**{mase}**"
            add(f"| {label[0]} | {label[1]} | {shown_name.get(model, model)} | {mase} | "
                f"{fmt(r['smape'], '.2f')} | "
                f"{fmt(r['coverage_0.8'])} | {fmt(r['coverage_0.95'])} | "
                f"{fmt(r['fit_seconds'], '.1f')} |")
    add("")
    models = ["LSTM default", "LSTM search", *SF_MODELS]
    add("## Mean MASE per model over the series above")
    add("")
    add("Each row of the table above counts once (the macro panel with its mean over its "
        "series; realcons+cov with covariates for the LSTM). Wins: series where the model has "
        "the lowest MASE. Coverage: mean over series.")
    add("")
    add("| model | mean MASE | median MASE | wins | mean cov 80% | mean cov 95% | total fit s |")
    add("|---|---:|---:|---:|---:|---:|---:|")
    for model in models:
        vals = [results[t["name"]][model] for t in task_list
                if "mase" in results[t["name"]].get(model, {})]
        if not vals:
            continue
        wins = sum(
            1 for t in task_list
            if min((k for k in models if "mase" in results[t["name"]].get(k, {})),
                   key=lambda k: results[t["name"]][k]["mase"]) == model)
        add(f"| {shown_name.get(model, model)} | {np.mean([v['mase'] for v in vals]):.3f} | "
            f"{np.median([v['mase'] for v in vals]):.3f} | {wins}/{len(task_list)} | "
            f"{np.mean([v['coverage_0.8'] for v in vals]):.3f} | "
            f"{np.mean([v['coverage_0.95'] for v in vals]):.3f} | "
            f"{np.sum([v['fit_seconds'] for v in vals]):.1f} |")
    add("")
    panels = [t for t in task_list if t["n_series"] > 1]
    for task in panels:
        rows = results[task["name"]]
        add(f"## Many-series run, per series: {task['name']} (MASE; LSTM: one global model)")
        add("")
        shown = [m for m in models if "mase" in rows.get(m, {})]
        add("| series | " + " | ".join(shown_name.get(m, m) for m in shown) + " |")
        add("|---|" + "---:|" * len(shown))
        for sid in wide(task["y"]).columns:
            vals = [rows[m]["mase_per_series"][str(sid)] for m in shown]
            low = int(np.argmin(vals))
            add(f"| {sid} | " + " | ".join(
                f"**{v:.3f}**" if j == low else f"{v:.3f}" for j, v in enumerate(vals)) + " |")
        add("")
    add("## Search choices (inner backtest on data before the first origin)")
    add("")
    add("The inner MASE of each candidate (2 origins h apart, all before the first test "
        "origin), the choice, and the test MASE of the choice vs the defaults at the same seed.")
    add("")
    for task in task_list:
        row = results[task["name"]]["LSTM search"]
        add(f"- {task['name']}: " + "; ".join(
            f"seed {s}: {', '.join(f'{k} {v:.3f}' for k, v in inner.items())} -> **{c}**: "
            f"test MASE {m:.3f} (defaults {d:.3f})"
            for s, c, inner, m, d in zip(args.search_seeds, row["chosen"], row["inner_mase"],
                                         row["mase_seeds"], row["default_mase"])))
    add("")
    add("## Notes")
    add("")
    add("- Timings are wall-clock on a shared machine (2 cores shared with other jobs) and "
        "are noisy; compare them only within a run. Accuracy and coverage do not depend on "
        "the load.")
    add("- statsforecast fits each series on its own (y alone, also for realcons+cov); the "
        "LSTM rows for realcons+cov read realgdp and realinv as past covariates (values up "
        "to each origin only).")
    add("- Same origins, horizons and metric code for every model; intervals: statsforecast "
        "`level=[80, 95]`, LSTMForecaster `predict_interval(coverage=[0.8, 0.95])`.")
    add(f"- Total runtime: {seconds / 60:.1f} min.")
    return "\n".join(lines)


def sklstm_source() -> str:
    """Where sklstm was imported from, and its git commit (and whether sklstm/ has edits)."""
    import subprocess

    package = Path(sklstm.__file__).resolve().parent
    try:
        run = lambda *cmd: subprocess.run(["git", "-C", str(package), *cmd], capture_output=True,
                                          text=True, check=True, timeout=10).stdout.strip()
        commit = run("rev-parse", "--short", "HEAD")
        dirty = run("status", "--porcelain", "--", str(package))
        return f"`{package}` (git {commit}{', with uncommitted edits in sklstm/' if dirty else ''})"
    except Exception:  # not a git checkout (e.g. a snapshot)
        return f"`{package}` (not a git checkout)"


def sf_version() -> str:
    import statsforecast

    return statsforecast.__version__


def to_json(value):
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json(v) for v in value]
    if isinstance(value, (np.floating, np.integer)):
        return value.item()
    return value


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="airline, cpi, realcons+cov and a 4-series panel; 2 origins, "
                             "2 candidates, first seed only")
    parser.add_argument("--seeds", default="0,1,2",
                        help="comma-separated random_state values (default 0,1,2)")
    parser.add_argument("--search-seeds", default=None,
                        help="seeds of the LSTM search rows (default: the first of --seeds; "
                             "the search costs ~3x the defaults)")
    parser.add_argument("--origins", type=int, default=None, help="origins per backtest (4)")
    parser.add_argument("--candidates", type=int, default=None,
                        help="configurations the search compares, 2-4 (default 3)")
    parser.add_argument("--series", default=None, help="comma-separated subset of series names")
    parser.add_argument("--no-headline", action="store_true", help="skip the airline h=36 run")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    parser.add_argument("--json", default=None, help="also write the numbers to this file")
    args = parser.parse_args(argv)
    args.seeds = [int(s) for s in args.seeds.split(",")]
    if args.quick and args.seeds == [0, 1, 2]:
        args.seeds = [0]
    args.search_seeds = ([int(s) for s in args.search_seeds.split(",")] if args.search_seeds
                         else args.seeds[:1])
    if not set(args.search_seeds) <= set(args.seeds):
        parser.error("--search-seeds must be among --seeds")
    args.origins = args.origins or (2 if args.quick else 4)
    args.candidates = args.candidates or (2 if args.quick else 3)
    if not 1 <= args.candidates <= 4:
        parser.error("--candidates must be 1..4")

    torch.set_num_threads(args.threads)
    os.environ.setdefault("OMP_NUM_THREADS", str(args.threads))
    warnings.filterwarnings("ignore")  # statsmodels / statsforecast chatter; sklstm convergence

    task_list = tasks(args.quick)
    if args.series:
        wanted = [s.strip() for s in args.series.split(",")]
        unknown = set(wanted) - {t["name"] for t in task_list}
        if unknown:
            parser.error(f"unknown series {sorted(unknown)}; "
                         f"choose from {[t['name'] for t in task_list]}")
        task_list = [t for t in task_list if t["name"] in wanted]

    # statsforecast warm-up (imports, first-call costs) outside every timing
    from statsforecast import StatsForecast

    warm = long_frame(data.airline().iloc[:48])
    for name in SF_MODELS:
        StatsForecast(models=[sf_model(name, 12)], freq="MS", n_jobs=1).fit(warm)
    LSTMForecaster(horizon=2, max_iter=1, random_state=0).fit(data.airline().iloc[:48])

    headline = None if args.no_headline else run_headline(args.seeds)
    results, cache = {}, {}
    for task in task_list:
        results[task["name"]] = run_task(task, args, cache)
    seconds = time.perf_counter() - START
    print(markdown(headline, results, task_list, args, seconds))
    if args.json:
        Path(args.json).write_text(json.dumps(to_json(
            {"headline": headline, "results": results, "seeds": args.seeds,
             "origins": args.origins, "candidates": args.candidates, "seconds": seconds}),
            indent=1, default=str))
    log(f"done in {seconds / 60:.1f} min")


if __name__ == "__main__":
    main()
