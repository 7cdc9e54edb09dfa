"""sklstm's fit and predict against the tightest hand-written PyTorch loop.

Same network (sklstm.nn.RecurrentNetwork, hidden 64), batch 64, Adam, same
epochs; the hand-written loop shuffles with randperm, slices one float32
tensor per batch and does forward / loss / backward / step, nothing else.
Each workload alternates the two in one process: a round is ``--epochs``
epochs of the hand-written loop, then one sklstm ``fit`` of as many epochs
(from numpy input: conversion included), then a predict of each. The table
gives median seconds per epoch over the rounds, predict sequences per second
(the best of three interleaved calls per round, median over rounds) and the
ratios. sklstm runs with its defaults (gradient clipping at norm 1.0,
flush-to-zero on); ``--loop-ftz`` turns flush-to-zero on for the hand-written
loop too (set before PyTorch starts its threads, its fastest form).

Workloads (issue 7): W1 classification N=8000, T=50, F=8, 4 classes;
W2 regression N=20000, T=30, F=4; W3 N=2000, T=400, F=2; W4 sklearn digits
as 8x8 sequences.

Run: python benchmarks/fit_vs_loop.py [W1 W2 W3 W4] [--epochs 3] [--rounds 3]
     [--loop-ftz] [--threads N]
"""

import argparse
import statistics
import time
import warnings

import numpy as np
import torch
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning

from sklstm import LSTMClassifier, LSTMRegressor
from sklstm.nn import RecurrentNetwork


def workload(name, rng):
    if name == "W1":
        X = rng.normal(size=(8000, 50, 8)).astype(np.float32)
        return X, rng.randint(0, 4, 8000), "clf"
    if name == "W2":
        X = rng.normal(size=(20000, 30, 4)).astype(np.float32)
        return X, X[:, -5:, 0].sum(1), "reg"
    if name == "W3":
        X = rng.normal(size=(2000, 400, 2)).astype(np.float32)
        return X, rng.randint(0, 2, 2000), "clf"
    X, y = load_digits(return_X_y=True)
    return (X / 16).reshape(-1, 8, 8).astype(np.float32), y, "clf"


def hand_epoch(net, opt, X, y, kind, batch):
    start = time.perf_counter()
    for idx in torch.randperm(len(X)).split(batch):
        opt.zero_grad(set_to_none=True)
        out = net(X[idx])
        loss = (torch.nn.functional.cross_entropy(out, y[idx]) if kind == "clf"
                else torch.nn.functional.mse_loss(out[:, 0], y[idx]))
        loss.backward()
        opt.step()
    return time.perf_counter() - start


def hand_predict(net, X):
    start = time.perf_counter()
    with torch.inference_mode():
        net.eval()
        torch.cat([net(X[i:i + 4096]) for i in range(0, len(X), 4096)])
        net.train()
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("workloads", nargs="*", default=["W1", "W2", "W3", "W4"])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--loop-ftz", action="store_true")
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args()
    if args.loop_ftz:
        torch.set_flush_denormal(True)  # before any parallel work starts threads
    if args.threads:
        torch.set_num_threads(args.threads)
    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    print(f"{torch.get_num_threads()} threads; loop flush-to-zero "
          f"{'on' if args.loop_ftz else 'off'}; median s/epoch over {args.rounds} "
          f"rounds of {args.epochs} epochs")
    print(f"{'':4} {'hand s/ep':>10} {'sklstm s/ep':>12} {'fit ratio':>10} "
          f"{'hand pred/s':>12} {'sklstm pred/s':>14} {'pred ratio':>11}")
    for name in args.workloads:
        X, y, kind = workload(name, np.random.RandomState(0))
        Xt = torch.from_numpy(X)
        yt = torch.from_numpy(y.astype(np.int64 if kind == "clf" else np.float32))
        n_out = len(np.unique(y)) if kind == "clf" else 1
        torch.manual_seed(0)
        net = RecurrentNetwork(X.shape[2], n_out, hidden_size=64)
        opt = torch.optim.Adam(net.parameters(), lr=1e-3)
        cls = LSTMClassifier if kind == "clf" else LSTMRegressor
        est = cls(hidden_size=64, batch_size=64, max_iter=args.epochs, warm_start=True,
                  random_state=0, n_iter_no_change=10**6)
        hand, ours, hand_p, ours_p = [], [], [], []
        est.set_params(max_iter=1).fit(X, y)  # warm-up: builds the model
        est.set_params(max_iter=args.epochs)
        hand_epoch(net, opt, Xt, yt, kind, 64)
        for _ in range(args.rounds):
            hand.append(sum(hand_epoch(net, opt, Xt, yt, kind, 64)
                            for _ in range(args.epochs)) / args.epochs)
            start = time.perf_counter()
            est.fit(X, y)  # args.epochs more epochs (warm start)
            ours.append((time.perf_counter() - start) / args.epochs)
            for _ in range(3):  # predict: the best of 3 calls per round, interleaved
                hand_p.append(hand_predict(net, Xt))
                start = time.perf_counter()
                est.predict(X)
                ours_p.append(time.perf_counter() - start)
        h, o = statistics.median(hand), statistics.median(ours)
        hp = len(X) / statistics.median([min(hand_p[i:i + 3]) for i in range(0, len(hand_p), 3)])
        op = len(X) / statistics.median([min(ours_p[i:i + 3]) for i in range(0, len(ours_p), 3)])
        print(f"{name:4} {h:>10.2f} {o:>12.2f} {o / h:>9.2f}x {hp:>12.0f} {op:>14.0f} {op / hp:>10.2f}x")


if __name__ == "__main__":
    main()
