"""Long memory: the adding problem (Hochreiter & Schmidhuber 1997), LSTM vs tanh RNN
=================================================================================

Sequences of T=100 steps carry a value and a marker per step; the target is
the sum of the two marked values, one in each half, so the model must hold
the first value for up to 100 steps. Both cells get the same budget and
sklstm's defaults otherwise (hidden size 64, 12 epochs, 5,000 sequences);
success is an absolute error below 0.04.
The script prints the share of solved test sequences and saves both
learning curves as a PNG.

Run: python examples/long_memory.py [plot.png]
Needs: matplotlib (``pip install "sklstm[plot]"``).

"""

import sys
import time
import warnings

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from sklearn.exceptions import ConvergenceWarning

from sklstm import LSTMRegressor
from sklstm.datasets import make_adding_problem

# %%
# The data: 5,000 training and 1,000 test sequences of 100 steps
# (:func:`sklstm.datasets.make_adding_problem`), and the error of always
# predicting 1.0.

warnings.filterwarnings("ignore", category=ConvergenceWarning)
X_train, y_train = make_adding_problem(5000, 100, random_state=0)
X_test, y_test = make_adding_problem(1000, 100, random_state=1)
print(f"baseline (predict 1.0): MSE {np.mean((y_test - 1.0) ** 2):.3f}")

# %%
# Both cells with the same budget, and their learning curves.

fig, ax = plt.subplots(figsize=(7, 4), layout="constrained")
for cell in ("lstm", "rnn"):
    # The loss sits on a plateau (~ the baseline) until the cell learns to
    # carry the first value, so the stopping rule must be patient.
    model = LSTMRegressor(cell=cell, hidden_size=64, max_iter=12, n_iter_no_change=12,
                          random_state=0)
    start = time.perf_counter()
    model.fit(X_train, y_train)
    error = np.abs(model.predict(X_test) - y_test)
    print(f"{cell:>5}: test MSE {np.mean(error ** 2):.4f}, solved (|error| < 0.04) "
          f"{np.mean(error < 0.04):.1%}, {model.n_iter_} epochs, {time.perf_counter() - start:.0f} s")
    ax.plot(model.history_.index, model.history_["train_loss"], label=f'cell="{cell}"')
ax.set_yscale("log")
ax.set_xlabel("epoch")
ax.set_ylabel("training loss (standardised MSE)")
ax.set_title("Adding problem, T = 100")
ax.legend()
out = sys.argv[1] if len(sys.argv) > 1 else "long_memory.png"
fig.savefig(out, dpi=110)
print(f"saved {out}")
