"""Watch and steer training: a table per epoch, ``history_``, and the learning curves
==================================================================================

Digits read as 8 rows of 8 pixels; early stopping on a stratified 20 %
validation split, the learning rate divided by 5 on each plateau, gradient
clipping at norm 1. Saves the learning curves as a PNG.

Run: python examples/training_history.py [output.png]
Needs: matplotlib (``pip install "sklstm[plot]"``).
"""

import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from sklearn.datasets import load_digits

from sklstm import LSTMClassifier, plot_history

X, y = load_digits(return_X_y=True)
X = (X / 16.0).reshape(-1, 8, 8)

# %%
# Early stopping on a stratified validation split, the learning rate divided
# by 5 on each plateau, gradient clipping; ``verbose=2`` prints a table row
# per epoch.

clf = LSTMClassifier(
    hidden_size=64,
    learning_rate_init=0.003,
    learning_rate="plateau",
    n_iter_no_change=3,
    early_stopping=True,
    validation_fraction=0.2,
    clip_grad_norm=1.0,
    max_iter=60,
    verbose=2,  # one table row per epoch; verbose=1 shows a progress bar
    random_state=0,
)
clf.fit(X, y)

# %%
# ``history_`` holds one row per epoch.

print(clf.history_.tail(3).round(4))
print(f"best validation accuracy {clf.best_validation_score_:.3f} after {clf.n_iter_} epochs")

# %%
# The learning curves (:func:`sklstm.plot_history`).

plot_history(clf)
out = sys.argv[1] if len(sys.argv) > 1 else "training_history.png"
plt.savefig(out, dpi=110)
print(f"saved {out}")
