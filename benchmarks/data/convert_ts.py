"""One-off converter: UCR/UEA ``.ts`` files → the compressed npz files beside it.

The sources are the copies of the UCR/UEA time series classification archive
that ship inside the aeon package's wheel (``aeon/datasets/data/<Name>/``).
This script reads them straight out of the wheel (a zip file), so aeon need
not be installed, and the benchmarks read only the npz files.

.ts format: comment lines start with ``#``, header lines with ``@``; after
``@data`` one line per series, ``v1,v2,...:label`` for univariate series and
``d1v1,d1v2,...:d2v1,...:...:label`` for multivariate ones (dimensions
separated by ``:``, the label last). Series of one line may differ in length
(``@equalLength false``) but all dimensions of one series have one length.

npz layout (no object arrays, so ``np.load`` needs no pickle):

- ``X_train``, ``X_test``: ``(n, T)`` float32 — equal-length univariate sets;
- ``values_train``, ``values_test``: ``(sum of lengths, n_dims)`` float32 — the
  time steps of all series concatenated, and ``lengths_train``/``lengths_test``
  ``(n,)`` int64 — variable-length sets; series ``i`` is
  ``values[offsets[i]:offsets[i] + lengths[i]]`` with
  ``offsets = concatenate([[0], cumsum(lengths)[:-1]])``;
- ``y_train``, ``y_test``: int64 class labels as in the archive.

Run: python benchmarks/data/convert_ts.py [path/to/aeon-*.whl]
"""

import sys
import zipfile
from pathlib import Path

import numpy as np

WHEEL = "/tmp/aeonwheel/aeon-1.6.0-py3-none-any.whl"
HERE = Path(__file__).resolve().parent


def read_ts(text):
    """Series (each ``(T_i, n_dims)``) and labels of one .ts file."""
    series, labels, in_data = [], [], False
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if not in_data:
            in_data = line.lower() == "@data"
            continue
        *dims, label = line.split(":")
        values = [np.array(d.split(","), dtype=np.float64) for d in dims]
        if len({len(v) for v in values}) != 1:
            raise ValueError(f"dimensions of unequal length in: {line[:60]}...")
        series.append(np.stack(values, axis=1))
        labels.append(int(label))
    return series, np.array(labels, dtype=np.int64)


def convert(wheel, name, out, ragged):
    arrays = {}
    with zipfile.ZipFile(wheel) as archive:
        for split in ("train", "test"):
            member = f"aeon/datasets/data/{name}/{name}_{split.upper()}.ts"
            series, y = read_ts(archive.read(member).decode("utf-8"))
            if ragged:
                arrays[f"values_{split}"] = np.concatenate(series).astype(np.float32)
                arrays[f"lengths_{split}"] = np.array([len(s) for s in series], dtype=np.int64)
            else:
                arrays[f"X_{split}"] = np.stack([s[:, 0] for s in series]).astype(np.float32)
            arrays[f"y_{split}"] = y
    np.savez_compressed(HERE / out, **arrays)
    print(out, {k: v.shape for k, v in arrays.items()})


if __name__ == "__main__":
    wheel = sys.argv[1] if len(sys.argv) > 1 else WHEEL
    convert(wheel, "GunPoint", "gunpoint.npz", ragged=False)
    convert(wheel, "JapaneseVowels", "japanese_vowels.npz", ragged=True)
