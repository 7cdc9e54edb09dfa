"""sklstm's fit and predict against the tightest hand-written PyTorch loop.

Same network (sklstm.nn.RecurrentNetwork, hidden 64, with PyTorch's own
``nn.LSTM`` in the hand-written loop: sklstm's ``sklstm.nn.LSTM`` trains in
its fused loops), batch 64, Adam, same epochs; the hand-written loop shuffles with randperm, slices one float32
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
as 8x8 sequences. Per-step classification (LSTMStepClassifier against
``RecurrentNetwork(per_step=True)`` and the mean cross-entropy over all
steps), 4 classes per step, the argmax of the running sum of the first 4
features: W5 N=4000, T=50, F=8 (one array, no padding); W6 the same as a
list of sequences of 20..50 steps (the loop packs with ``lengths``, masks the
loss and cuts each batch at its longest sequence, but draws batches at
random: sklstm's grouping of similar lengths shows in W6's fit ratio). Not
in the default run.

Run: python benchmarks/fit_vs_loop.py [W1 W2 W3 W4 W5 W6] [--epochs 3] [--rounds 3]
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

from sklstm import LSTMClassifier, LSTMRegressor, LSTMStepClassifier
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
    if name in ("W5", "W6"):
        lengths = rng.randint(20, 51, 4000) if name == "W6" else np.full(4000, 50)
        X = [rng.normal(size=(n, 8)).astype(np.float32) for n in lengths]
        y = [x[:, :4].cumsum(0).argmax(1) for x in X]
        return (X, y, "step") if name == "W6" else (np.stack(X), np.stack(y), "step")
    X, y = load_digits(return_X_y=True)
    return (X / 16).reshape(-1, 8, 8).astype(np.float32), y, "clf"


def hand_tensors(X, y, kind):
    """The loop's tensors, made once: X (padded with zeros), y, lengths (None: no padding)."""
    if not isinstance(X, list):
        return torch.from_numpy(X), torch.from_numpy(
            y.astype(np.float32 if kind == "reg" else np.int64)), None
    lengths = torch.tensor([len(x) for x in X])
    Xt = torch.zeros(len(X), int(lengths.max()), X[0].shape[1])
    yt = torch.zeros(len(X), int(lengths.max()), dtype=torch.int64)
    for i, (x, t) in enumerate(zip(X, y)):
        Xt[i, :len(x)], yt[i, :len(t)] = torch.from_numpy(x), torch.from_numpy(t)
    return Xt, yt, lengths


def step_loss(out, y, lengths):
    """Mean cross-entropy over all (real) steps."""
    if lengths is None:
        return torch.nn.functional.cross_entropy(out.transpose(1, 2), y)
    loss = torch.nn.functional.cross_entropy(out.transpose(1, 2), y, reduction="none")
    mask = torch.arange(out.shape[1])[None, :] < lengths[:, None]
    return (loss * mask).sum() / mask.sum()


def hand_epoch(net, opt, X, y, kind, batch, lengths=None):
    start = time.perf_counter()
    for idx in torch.randperm(len(X)).split(batch):
        opt.zero_grad(set_to_none=True)
        if lengths is None:
            out = net(X[idx])
        else:
            L = lengths[idx]
            out = net(X[idx, :int(L.max())], L)
        if kind == "step":
            loss = step_loss(out, y[idx, :out.shape[1]], None if lengths is None else L)
        elif kind == "clf":
            loss = torch.nn.functional.cross_entropy(out, y[idx])
        else:
            loss = torch.nn.functional.mse_loss(out[:, 0], y[idx])
        loss.backward()
        opt.step()
    return time.perf_counter() - start


def hand_predict(net, X, lengths=None):
    start = time.perf_counter()
    with torch.inference_mode():
        net.eval()
        torch.cat([net(X[i:i + 4096], None if lengths is None else lengths[i:i + 4096])
                   for i in range(0, len(X), 4096)])
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
        Xt, yt, lengths = hand_tensors(X, y, kind)
        n_out = 1 if kind == "reg" else len(np.unique(np.concatenate(y) if kind == "step" else y))
        torch.manual_seed(0)
        net = RecurrentNetwork(Xt.shape[2], n_out, hidden_size=64, per_step=kind == "step")
        # the hand-written loop runs PyTorch's own nn.LSTM, as a user would write it
        # (sklstm's network trains in its fused loops; same initial weights)
        plain = torch.nn.LSTM(Xt.shape[2], 64, batch_first=True)
        plain.load_state_dict(net.recurrent.state_dict())
        net.recurrent = plain
        opt = torch.optim.Adam(net.parameters(), lr=1e-3)
        cls = {"clf": LSTMClassifier, "reg": LSTMRegressor, "step": LSTMStepClassifier}[kind]
        est = cls(hidden_size=64, batch_size=64, max_iter=args.epochs, warm_start=True,
                  random_state=0, n_iter_no_change=10**6)
        hand, ours, hand_p, ours_p = [], [], [], []
        est.set_params(max_iter=1).fit(X, y)  # warm-up: builds the model
        est.set_params(max_iter=args.epochs)
        hand_epoch(net, opt, Xt, yt, kind, 64, lengths)
        for _ in range(args.rounds):
            hand.append(sum(hand_epoch(net, opt, Xt, yt, kind, 64, lengths)
                            for _ in range(args.epochs)) / args.epochs)
            start = time.perf_counter()
            est.fit(X, y)  # args.epochs more epochs (warm start)
            ours.append((time.perf_counter() - start) / args.epochs)
            for _ in range(3):  # predict: the best of 3 calls per round, interleaved
                hand_p.append(hand_predict(net, Xt, lengths))
                start = time.perf_counter()
                est.predict(X)
                ours_p.append(time.perf_counter() - start)
        h, o = statistics.median(hand), statistics.median(ours)
        hp = len(X) / statistics.median([min(hand_p[i:i + 3]) for i in range(0, len(hand_p), 3)])
        op = len(X) / statistics.median([min(ours_p[i:i + 3]) for i in range(0, len(ours_p), 3)])
        print(f"{name:4} {h:>10.2f} {o:>12.2f} {o / h:>9.2f}x {hp:>12.0f} {op:>14.0f} {op / hp:>10.2f}x")


if __name__ == "__main__":
    main()
