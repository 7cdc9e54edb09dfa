"""Prediction latency: ``predict`` vs onnxruntime on the exported model.

Two models: a W1-like regressor (T=50, F=8, hidden 64) and a digits-like
classifier (T=8, F=8, hidden 64), each timed on one sequence and on a batch
of 256, as the median of repeated calls: what a user calls, ``predict`` (or
``predict_proba``) on a float32 numpy array against ``session.run`` on the
same array. ``predict`` includes sklstm's input validation, as a deployed
model's call would; onnxruntime's call includes the data layer in the graph.
Two inputs: without NaN (the graph's branch that reads ``X`` as it is) and
with one NaN-padded sequence (the branch with the padding handling).
onnxruntime runs with its default graph optimisations (``ORT_ENABLE_ALL``).

Run: ``python benchmarks/onnx_latency.py [--threads 1]``. PyTorch and
onnxruntime get the same number of intra-op threads (default 1: on a shared
machine more threads measure the neighbours).
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import torch


def _median_seconds(fn, repeat: int, min_time: float = 0.3) -> float:
    fn()  # warm-up
    times = []
    start = time.perf_counter()
    while len(times) < repeat or time.perf_counter() - start < min_time:
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
        if len(times) >= 20 * repeat:
            break
    return float(np.median(times))


def _models():
    from sklstm import LSTMClassifier, LSTMRegressor

    rng = np.random.RandomState(0)
    X_w1 = rng.normal(size=(512, 50, 8)).astype(np.float32)
    y_w1 = X_w1[:, -5:, 0].sum(axis=1)
    X_dig = rng.normal(size=(512, 8, 8)).astype(np.float32)
    y_dig = rng.randint(0, 10, size=512)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        w1 = LSTMRegressor(hidden_size=64, max_iter=1, random_state=0).fit(X_w1, y_w1)
        digits = LSTMClassifier(hidden_size=64, max_iter=1, random_state=0).fit(X_dig, y_dig)
    return [("W1 (T=50, F=8, h=64)", w1, X_w1, "predict"),
            ("digits (T=8, F=8, h=64)", digits, X_dig, "predict_proba")]


def main(threads: int = 1) -> None:
    import onnxruntime as ort

    from sklstm import LSTMClassifier
    from sklstm.onnx import to_onnx

    torch.set_num_threads(threads)
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    rows = []
    for name, model, X, method in _models():
        model.set_params(n_threads=threads)
        onx = to_onnx(model, options={LSTMClassifier: {"zipmap": False}})
        session = ort.InferenceSession(onx.SerializeToString(), options,
                                       providers=["CPUExecutionProvider"])
        predict = getattr(model, method)
        for batch in (1, 256):
            for padded in (False, True):
                x = X[:batch].copy()
                if padded:  # the first sequence ends 5 steps early
                    x[0, -5:] = np.nan
                t_predict = _median_seconds(lambda: predict(x),
                                            repeat=50 if batch == 1 else 10)
                t_onnx = _median_seconds(lambda: session.run(None, {"X": x}),
                                         repeat=200 if batch == 1 else 20)
                rows.append((name, batch, "padded" if padded else "no NaN", t_predict, t_onnx))
    print(f"torch {torch.__version__}, onnxruntime {ort.__version__}, {threads} thread(s)")
    print(f"{'model':<26}{'batch':>6}{'input':>8}{'predict (ms)':>14}{'onnxruntime (ms)':>18}"
          f"{'ratio':>8}")
    for name, batch, kind, t_predict, t_onnx in rows:
        print(f"{name:<26}{batch:>6}{kind:>8}{t_predict * 1e3:>14.3f}{t_onnx * 1e3:>18.3f}"
              f"{t_predict / t_onnx:>7.1f}x")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1,
                        help="intra-op threads of PyTorch and onnxruntime (default 1)")
    main(parser.parse_args().threads)
