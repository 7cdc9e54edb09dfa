"""Peak memory of ``fit`` against the size of its float32 data.

Each case runs in a fresh Python process: it makes ``X`` (N x T x 8, float32
or float64) and ``y``, reads its resident memory, fits one epoch of an LSTMClassifier
(hidden 64, batch 64) and reads the peak resident memory (``VmHWM``; Linux).
The table gives the size of the data as float32 (what sklstm trains on), the
memory ``fit`` added at its peak and the ratio of the two: near 0 means no
copy was made (float32 input is used as it is), near 1 one float32 copy
(float64 input is converted once).

Run: python benchmarks/memory.py [--quick]
"""

import argparse
import json
import subprocess
import sys

CHILD = r"""
import json, sys, warnings
import numpy as np, torch
from sklstm import LSTMClassifier

def status(key):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key):
                return int(line.split()[1]) * 1024

n, t, dtype = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
rng = np.random.default_rng(0)
X = rng.standard_normal((n, t, 8), dtype=dtype)
y = rng.integers(0, 4, n)
est = LSTMClassifier(hidden_size=64, batch_size=64, max_iter=1, random_state=0)
est.fit(X[:256], y[:256])  # imports and allocator warm-up, not counted
warnings.simplefilter("ignore")
before = status("VmRSS")
est.fit(X, y)
peak = status("VmHWM")
params = sum(p.numel() * p.element_size() for p in est.module_.parameters())
print(json.dumps({"data": X.size * 4, "added": peak - before, "model": params}))
"""


def measure(n, t, dtype):
    out = subprocess.run([sys.executable, "-c", CHILD, str(n), str(t), dtype],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="small cases only")
    args = parser.parse_args()
    cases = [(25_000, 50), (50_000, 50), (100_000, 50), (200_000, 50),
             (50_000, 25), (50_000, 100)]
    cases = [(n, t, d) for d in ("float32", "float64") for n, t in cases]
    if args.quick:
        cases = [(5_000, 50, "float32"), (5_000, 50, "float64")]
    mib = 2**20
    print(f"{'input':>8} {'N':>8} {'T':>4} {'float32 MiB':>12} {'fit adds MiB':>13} "
          f"{'added/data':>11}")
    for n, t, dtype in cases:
        r = measure(n, t, dtype)
        print(f"{dtype:>8} {n:>8} {t:>4} {r['data'] / mib:>12.0f} {r['added'] / mib:>13.0f} "
              f"{r['added'] / r['data']:>11.2f}")
    print(f"model parameters: {r['model'] / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
