"""Forward + backward time of one batch for each recurrent cell, vs nn.LSTM.

Batch 64, hidden 64, 8 input features, T=50 and T=400, float32 on the CPU
(or CUDA with --device cuda). As in a training loop, each cell is timed on
batches that follow a batch of its own: every round runs each cell for one
untimed batch and then --block timed ones, the cells in a new random order
every round. (Timing the cells in turn, one batch each, measures each right
after another cell's batch: caches and the thread pool then cost nn.LSTM
about 25% and the others less, which flatters every ratio.) The table gives the median
milliseconds per batch and the ratio to PyTorch's fused nn.LSTM.

The peephole cell, sklstm's GRU (sklstm-gru, an nn.GRU with fused C time
loops) and sklstm's LSTM (sklstm-lstm, an nn.LSTM trained in the peephole's C
loops with zero peepholes; timed here in training, where it uses them) run
their C loops where they were built (see sklstm.nn.native_loops_available);
SKLSTM_NATIVE=0 measures the peephole's PyTorch loop and nn.GRU's and
nn.LSTM's own.

On a shared or busy machine pass --threads 1 (or set OMP_NUM_THREADS=1):
PyTorch's OpenMP threads spin while they wait and slow each other down many
times over when the cores are taken.

Run: python benchmarks/cells.py [--device cuda] [--rounds 12] [--block 5] [--threads N]
"""

import argparse
import random
import statistics
import time

import torch
from torch import nn

from sklstm.nn import GRU, LSTM, PeepholeLSTM, native_loops_available

CELLS = {
    "lstm": lambda i, h: nn.LSTM(i, h, batch_first=True),
    "sklstm-lstm": lambda i, h: LSTM(i, h, batch_first=True),
    "gru": lambda i, h: nn.GRU(i, h, batch_first=True),
    "sklstm-gru": lambda i, h: GRU(i, h, batch_first=True),
    "rnn": lambda i, h: nn.RNN(i, h, batch_first=True),
    "peephole": lambda i, h: PeepholeLSTM(i, h),
}


def step_seconds(module, x, device):
    start = time.perf_counter()
    out = module(x)[0]
    out.sum().backward()
    if device.type == "cuda":
        torch.cuda.synchronize()
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--rounds", type=int, default=12)
    parser.add_argument("--block", type=int, default=5, help="timed batches per cell and round")
    parser.add_argument("--threads", type=int, default=None, help="torch.set_num_threads (default: as is)")
    args = parser.parse_args()
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    torch.manual_seed(0)
    print(f"device {device}, {torch.get_num_threads()} threads, batch 64, hidden 64, 8 features")
    available, why = native_loops_available()
    loops = "C loops" if available and device.type == "cpu" else f"PyTorch loop ({why})"
    print(f"peephole, sklstm-gru, sklstm-lstm: {loops}")
    print(f"{'T':>4} {'cell':>11} {'ms/batch':>9} {'vs nn.LSTM':>11}")
    for T in (50, 400):
        x = torch.randn(64, T, 8, device=device)
        modules = {name: make(8, 64).to(device) for name, make in CELLS.items()}
        times = {name: [] for name in CELLS}
        order, shuffle = list(CELLS), random.Random(T).shuffle
        for _ in range(args.rounds):
            shuffle(order)
            for name in order:
                step_seconds(modules[name], x, device)  # follows another cell: untimed
                times[name] += [step_seconds(modules[name], x, device) for _ in range(args.block)]
        base = statistics.median(times["lstm"])
        for name in CELLS:
            median = statistics.median(times[name])
            print(f"{T:>4} {name:>11} {1000 * median:>9.2f} {median / base:>10.2f}x")


if __name__ == "__main__":
    main()
