"""What the training loop tells the user: nothing, a progress bar, or a table.

- ``verbose=0``: silent.
- ``verbose=1``: a tqdm bar over epochs (on stderr) showing the training loss,
  the validation loss and score, and the elapsed time.
- ``verbose>=2``: one table row per epoch on stdout (epoch, train loss, valid
  loss, valid score, a ``*`` on the best epoch so far, learning rate, seconds).
"""

from __future__ import annotations

import math
import sys

from tqdm.auto import tqdm

__all__ = ["ProgressReporter"]

_HEADER = (
    f"{'epoch':>6}  {'train_loss':>11}  {'valid_loss':>11}  {'valid_score':>11}"
    f"  {'best':>4}  {'lr':>9}  {'seconds':>7}"
)


def _fmt(value: float, width: int = 11) -> str:
    return f"{'-':>{width}}" if value is None or math.isnan(value) else f"{value:>{width}.6f}"


class ProgressReporter:
    """Report epochs at the chosen verbosity.

    Examples
    --------
    >>> from sklstm._training._progress import ProgressReporter
    >>> r = ProgressReporter(verbose=2, total=3)
    >>> r.epoch({"epoch": 1, "train_loss": 0.5, "valid_loss": float("nan"),
    ...          "valid_score": float("nan"), "learning_rate": 0.001,
    ...          "seconds": 0.1}, is_best=True)  # doctest: +NORMALIZE_WHITESPACE
     epoch   train_loss   valid_loss  valid_score  best         lr  seconds
         1     0.500000            -            -     *   1.00e-03     0.10
    >>> r.close()
    """

    def __init__(self, verbose: int, total: int) -> None:
        self.verbose = verbose
        self._bar = None
        self._rows = 0
        if verbose == 1:
            self._bar = tqdm(total=total, unit="epoch", file=sys.stderr, leave=True)

    def epoch(self, record: dict, is_best: bool) -> None:
        """Report one finished epoch (a row of ``history_``)."""
        if self._bar is not None:
            postfix = {"loss": f"{record['train_loss']:.4g}"}
            if not math.isnan(record["valid_loss"]):
                postfix["val_loss"] = f"{record['valid_loss']:.4g}"
                postfix["val_score"] = f"{record['valid_score']:.4g}"
            self._bar.set_postfix(postfix, refresh=False)
            self._bar.update(1)
        elif self.verbose >= 2:
            if self._rows == 0:
                print(_HEADER)
            self._rows += 1
            print(
                f"{record['epoch']:>6}  {_fmt(record['train_loss'])}  "
                f"{_fmt(record['valid_loss'])}  {_fmt(record['valid_score'])}  "
                f"{'*' if is_best else '':>4}  {record['learning_rate']:>9.2e}  "
                f"{record['seconds']:>7.2f}"
            )

    def note(self, text: str) -> None:
        """A one-off message (stopping, learning-rate changes)."""
        if self._bar is not None:
            self._bar.write(text, file=sys.stderr)
        elif self.verbose >= 2:
            print(text)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
