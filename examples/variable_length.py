"""Classify ragged multivariate sequences: simulated 2-axis gestures of any length
===============================================================================

Each sample is a recording of a 2-axis sensor with 20 to 150 time steps; the
class is the shape of the movement (circle, zig-zag, or a shake that fades).
Frequency, amplitude, phase and noise vary per sample. The recordings are a
plain Python list of (T_i, 2) arrays: no padding by hand, lengths differ,
and sklearn's cross_val_score slices the list as it would an array. The
script also shows the round trip to a long table and to padded arrays.

Run: python examples/variable_length.py
Needs: nothing beyond sklstm.
"""

import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import StratifiedKFold, cross_val_score

from sklstm import LSTMClassifier
from sklstm.preprocessing import from_long, to_long, to_padded

warnings.filterwarnings("ignore", category=ConvergenceWarning)
CLASSES = ["circle", "zigzag", "fading shake"]


# %%
# The simulated recordings: a plain list of ``(T_i, 2)`` arrays.


def gesture(kind, rng):
    n = rng.randint(20, 151)
    t = np.linspace(0, 1, n)
    freq, amp, phase = rng.uniform(1, 3), rng.uniform(0.5, 2), rng.uniform(0, 2 * np.pi)
    if kind == 0:
        xy = np.column_stack([np.cos(2 * np.pi * freq * t + phase), np.sin(2 * np.pi * freq * t + phase)])
    elif kind == 1:
        saw = 2 * np.abs(((freq * t + phase) % 1) - 0.5)
        xy = np.column_stack([saw, -saw])
    else:
        xy = np.column_stack([np.sin(2 * np.pi * 4 * freq * t + phase), np.zeros(n)]) * np.exp(-3 * t)[:, None]
    return (amp * xy + rng.normal(scale=0.15, size=xy.shape)).astype(np.float32)


rng = np.random.RandomState(0)
y = rng.randint(0, 3, 900)
X = [gesture(k, rng) for k in y]
lengths = [len(x) for x in X]
print(f"{len(X)} recordings, {min(lengths)}-{max(lengths)} steps, 2 features each")

# %%
# ``cross_val_score`` slices the list as it would an array.

clf = LSTMClassifier(hidden_size=32, max_iter=30, learning_rate_init=0.005, random_state=0)
start = time.perf_counter()
scores = cross_val_score(clf, X, y, cv=StratifiedKFold(3, shuffle=True, random_state=0))
print(f"LSTMClassifier on ragged input: accuracy {scores.mean():.3f} ± {scores.std():.3f} "
      f"({time.perf_counter() - start:.0f} s for 3 folds)")

# %%
# The same data as a long table (one row per recording and step) and back.
long = to_long(X, ids=np.arange(len(X)), value_cols=["ax", "ay"])
X_again, ids = from_long(long, "id", "time", ["ax", "ay"])
assert all(np.allclose(a, b) for a, b in zip(X, X_again))
# ... or as NaN-padded arrays: tslearn's layout, and sktime's (n, channels, time).
padded = to_padded(X)
print(f"long table {long.shape}, padded 'ntf' {padded.shape}, "
      f"sktime 'nft' {to_padded(X, layout='nft').shape}")
fitted = clf.fit(X, y)
assert np.allclose(fitted.predict_proba(padded), fitted.predict_proba(X), atol=1e-6)
print("NaN-padded and ragged input give the same predictions")
