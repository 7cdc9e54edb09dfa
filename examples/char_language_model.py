"""A character-level language model: next-character prediction, bits per character, samples
========================================================================================

``LSTMStepClassifier`` trained on next-step targets is a language model: at
every character it predicts a distribution over the next one. The text is
real English, available offline: sentences from the docstrings of Python's
standard library (``_stdlib_text.py`` next to this script), split into
training and validation sentences. Each part is joined into one stream and
cut into chunks of 100 characters; ``next_step_targets`` turns each chunk of
character ids into inputs (all but the last) and targets (all but the first).

The measure is the validation cross-entropy in bits per character: the mean
of -log2 p(the true next character) over every validation step. Baselines
fitted on the same training text: a unigram model (character frequencies)
and a bigram model (the next character given the current one), both
add-one smoothed. Then the fitted model writes text: ``generate`` samples
one character at a time from a prompt, at two temperatures.

Run: python examples/char_language_model.py   (saves docs/char_language_model.png)
Needs: matplotlib (``pip install "sklstm[plot]"``).
"""

import sys
import time
import warnings
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split

from sklstm import LSTMStepClassifier
from sklstm.preprocessing import Tokenizer, next_step_targets

sys.path.insert(0, str(Path(sys.argv[0]).resolve().parent))
from _stdlib_text import load_stdlib_text  # noqa: E402

# sys.argv[0], not __file__: sphinx-gallery runs the examples without __file__
ROOT = Path(sys.argv[0]).resolve().parent.parent
CHUNK = 100
# max_iter below stops training on purpose, before the loss is flat.
warnings.filterwarnings("ignore", category=ConvergenceWarning)


def chunks(sentences, length=CHUNK + 1):
    """The sentences joined by spaces, cut into pieces of ``length`` characters."""
    stream = " ".join(sentences)
    return [stream[i:i + length] for i in range(0, len(stream) - length + 1, length)]


# %%
# 1) The text, split by sentence, then chunked and turned into character ids
#    (the Tokenizer's vocabulary comes from the training text; id 0 is padding,
#    1 an unseen character, 2, 3, ... the characters by frequency).
sentences = load_stdlib_text(max_chars=200_000)
train_sentences, valid_sentences = train_test_split(sentences, test_size=0.2, random_state=0)
tokenizer = Tokenizer(level="char").fit(chunks(train_sentences))
X_train, y_train = next_step_targets(tokenizer.transform(chunks(train_sentences)))
X_valid, y_valid = next_step_targets(tokenizer.transform(chunks(valid_sentences)))
print(f"{len(X_train)} training chunks ({len(X_train) * CHUNK} next-character steps), "
      f"{len(X_valid)} validation chunks; {len(tokenizer.vocabulary_)} characters")

# %%
# 2) The language model. Unidirectional, the default: the prediction at a step
#    may read only the characters before it. Changed from the defaults:
#    embedding_dim=16 (token input), hidden_size=128 (64 units end 0.3
#    bits/char higher), gate_bias_init="keras" (the default "chrono" spreads
#    the units' memory over up to 100 steps, the chunk length; what predicts
#    the next character is mostly the last few, and the "keras" start learns
#    it faster: 2.20 vs 2.62 bits/char after 10 epochs on less text) and
#    max_iter=12 (more epochs still help a little; this keeps the script
#    under a minute on 2 cores).
model = LSTMStepClassifier(embedding_dim=16, hidden_size=128, gate_bias_init="keras",
                           max_iter=12, random_state=0)
start = time.perf_counter()
model.fit(X_train, y_train)
seconds = time.perf_counter() - start

# %%
# 3) Bits per character on the validation text. The columns of predict_proba
#    follow ``model.classes_``: the ids seen as TARGETS at fit (not every id: the
#    padding id 0 never is). A validation character the model has no column for
#    (one never seen in training, id 1) would have probability 0 for every
#    model here; those steps are left out of all three scores and counted.
classes = model.classes_
targets, previous = np.concatenate(y_valid), np.concatenate(X_valid)
known = np.isin(targets, classes)
column = np.searchsorted(classes, targets[known])
log_proba = np.concatenate(model.predict_log_proba(X_valid))  # (n_steps, n_classes), natural log
lstm_bits = -log_proba[known, column].mean() / np.log(2)

# Baselines over the same symbols (the columns of classes), add-one smoothed.
train_targets, train_previous = np.concatenate(y_train), np.concatenate(X_train)
train_column = np.searchsorted(classes, train_targets)
unigram = np.bincount(train_column, minlength=len(classes)) + 1.0
unigram /= unigram.sum()
bigram = np.ones((tokenizer.n_tokens_, len(classes)))  # rows: the current character's id
np.add.at(bigram, (train_previous, train_column), 1)
bigram /= bigram.sum(axis=1, keepdims=True)
unigram_bits = -np.log2(unigram[column]).mean()
bigram_bits = -np.log2(bigram[previous[known], column]).mean()

print(f"\nValidation bits per character ({known.sum()} steps, {(~known).sum()} left out: "
      f"characters not seen in training)")
print(f"  unigram (add-one)            {unigram_bits:.3f}")
print(f"  bigram (add-one)             {bigram_bits:.3f}")
print(f"  LSTM language model (sklstm) {lstm_bits:.3f}   ({seconds:.0f} s, {model.n_iter_} epochs)")

# %%
# 4) Text written by the model: ids sampled one at a time from a prompt, each
#    fed back as the next input; decoded with the Tokenizer.
prompt = "return the "
prompt_ids = tokenizer.transform([prompt])[0]
print(f"\nSamples continuing {prompt!r}:")
samples = {}
for temperature in (0.5, 1.0):
    ids = model.generate(prompt_ids, 160, temperature=temperature, random_state=0)
    samples[temperature] = prompt + "".join(tokenizer.inverse_transform([ids])[0])
    print(f"  temperature {temperature}: {samples[temperature]!r}")

# %%
# 5) The figure: bits per character of the three models, and the LSTM's
#    surprise at each character of a validation sentence (-log2 p: high where
#    the next character is hard to guess, at the start of a word).
sentence = next(s for s in valid_sentences if 50 <= len(s) <= 70)
ids = tokenizer.transform([sentence])[0]
inputs, next_ids = next_step_targets([ids])
surprise = -model.predict_log_proba(inputs)[0][
    np.arange(len(next_ids[0])), np.searchsorted(classes, next_ids[0])] / np.log(2)
surprise[~np.isin(next_ids[0], classes)] = np.nan

fig, (bars, steps) = plt.subplots(
    1, 2, figsize=(12, 3.4), width_ratios=[1, 3.2], layout="constrained")
names = ["unigram", "bigram", "LSTM"]
values = [unigram_bits, bigram_bits, lstm_bits]
bars.bar(names, values, color=["C7", "C7", "C0"])
for x, value in enumerate(values):
    bars.text(x, value + 0.05, f"{value:.2f}", ha="center")
bars.set_ylim(0, max(values) * 1.12)
bars.set_ylabel("validation bits per character")
steps.bar(np.arange(len(surprise)), surprise, color="C0")
shown = [char if char != " " else "\u2423" for char in sentence[1:]]  # a visible space
steps.set_xticks(np.arange(len(surprise)), shown, family="monospace", fontsize=8)
steps.set_xlim(-0.6, len(surprise) - 0.4)
steps.set_ylabel("-log2 p(character)")
steps.set_title(f"The LSTM's surprise at each next character of a validation sentence, "
                f"{sentence[0]!r} given")
out = ROOT / "docs" / "char_language_model.png"
fig.savefig(out, dpi=110)
print(f"\nsaved {out.relative_to(ROOT)}")
