"""Does grouping similar lengths into batches save training time?

Ragged sequences (lengths uniform in [min, max]) are padded once; each batch
is cut at its longest sequence and packed. With grouping (sklstm's default
when shuffling ragged data), each shuffled pool of 50 batches is sorted by
length before being cut into batches; without it, batches are random. Both
variants run interleaved in one process; the script prints the median
seconds per epoch and the ratio.

Run: python benchmarks/length_grouping.py
"""

import argparse
import statistics
import warnings
import time

import numpy as np

from sklearn.exceptions import ConvergenceWarning
from sklstm import LSTMClassifier
from sklstm._training import batch_indices
from sklstm.training import Trainer


class RandomBatchesTrainer(Trainer):
    """Shuffled batches that ignore the lengths (no grouping of similar lengths)."""

    def batches(self, data):
        settings = self.settings
        return batch_indices(len(data), settings.batch_size, settings.shuffle, self.generator)


class UngroupedClassifier(LSTMClassifier):
    trainer_class = RandomBatchesTrainer


def epoch_seconds(X, y, grouping: bool) -> float:
    cls = LSTMClassifier if grouping else UngroupedClassifier
    clf = cls(hidden_size=64, max_iter=1, random_state=0)
    start = time.perf_counter()
    clf.fit(X, y)
    return time.perf_counter() - start


def main():
    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    rng = np.random.RandomState(0)
    print(f"{'lengths':>10} {'n':>6} {'random s/epoch':>15} {'grouped s/epoch':>16} {'speed-up':>9}")
    for low, high, n in [(20, 60, 2000), (10, 200, 2000), (5, 400, 1000)]:
        X = [rng.normal(size=(rng.randint(low, high + 1), 4)).astype(np.float32) for _ in range(n)]
        y = rng.randint(0, 2, n)
        times = {True: [], False: []}
        for _ in range(3):
            for grouping in (False, True):
                times[grouping].append(epoch_seconds(X, y, grouping))
        plain, grouped = statistics.median(times[False]), statistics.median(times[True])
        print(f"{low:>4}-{high:<5} {n:>6} {plain:>15.2f} {grouped:>16.2f} {plain / grouped:>8.2f}x")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.parse_args()  # --help describes the run instead of starting it
    main()
