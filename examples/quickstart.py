"""Quick start: classify handwritten digits read as sequences of pixel rows
========================================================================

Each 8x8 digit image becomes a sequence of 8 time steps (the rows) with 8
features (the pixels of a row). An LSTMClassifier reads the rows one by one;
an MLPClassifier on the flat 64 pixels is the baseline.

Run: python examples/quickstart.py
Needs: nothing beyond sklstm.
"""

import time

from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier

from sklstm import LSTMClassifier

X, y = load_digits(return_X_y=True)
X = X / 16.0  # pixel intensities 0..16 -> 0..1
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, stratify=y, random_state=0
)

# %%
# 3D input (n_samples, n_timesteps, n_features): 8 rows of 8 pixels. The
# defaults, as ``MLPClassifier()`` is used (how they were chosen:
# docs/user_guide/training.md).
lstm = LSTMClassifier(random_state=0)
start = time.perf_counter()
lstm.fit(X_train.reshape(-1, 8, 8), y_train)
lstm_seconds = time.perf_counter() - start
lstm_accuracy = lstm.score(X_test.reshape(-1, 8, 8), y_test)

# %%
# The baseline: an ``MLPClassifier`` on the flat 64 pixels.

mlp = MLPClassifier(hidden_layer_sizes=(100,), max_iter=300, random_state=0)
start = time.perf_counter()
mlp.fit(X_train, y_train)
mlp_seconds = time.perf_counter() - start
mlp_accuracy = mlp.score(X_test, y_test)

# %%
# Test accuracy and training time of both.

print(f"LSTMClassifier  test accuracy {lstm_accuracy:.3f}  ({lstm.n_iter_} epochs, {lstm_seconds:.1f} s)")
print(f"MLPClassifier   test accuracy {mlp_accuracy:.3f}  ({mlp.n_iter_} epochs, {mlp_seconds:.1f} s)")
