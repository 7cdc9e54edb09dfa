"""Recursive forecasts: one-step forecasts fed back along sampled paths."""

from __future__ import annotations

import numpy as np

from ._data._forecast_windows import path_windows
from ._heads import draw_from_quantiles

__all__ = ["recursive_quantiles"]


def recursive_quantiles(outputs_of, memory, panel, covariates, max_step: int, *,
                        window_size: int, baseline: tuple, levels: np.ndarray, n_paths: int,
                        seed: int) -> np.ndarray:
    """Quantiles (n_series, max_step, n_levels) of each step from one-step forecasts fed back.

    Step 1 is the network's own quantiles; for steps 2+, ``n_paths`` paths
    per series feed back draws from each step's forecast distribution, and
    their quantiles (the median too) describe each step. ``outputs_of``
    maps windows to quantiles in the series' units (n, 1, n_levels).
    """
    rng = np.random.default_rng(seed)
    result = []
    for i, values in enumerate(panel.values):
        cov = None if covariates is None else covariates[i]
        paths = np.tile(np.asarray(values, np.float64), (n_paths, 1))
        for k in range(max_step):
            # every path shares the covariates and padding of the first; only values differ
            template = memory.windows(paths[0], cov, np.array([paths.shape[1]]),
                                      window_size=window_size, horizon=1, baseline=baseline)
            q = outputs_of(path_windows(template, paths, window_size, *baseline))[:, 0]
            if k == 0:
                first = q[0]  # one history for all paths: the network's own quantiles
            paths = np.column_stack([paths, draw_from_quantiles(q, levels, rng)])
        out = np.quantile(paths[:, len(values):], levels, axis=0).T
        out[0] = first
        result.append(out)
    return np.stack(result)
