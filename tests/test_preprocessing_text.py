"""Tokenizer: vocabulary, transform, inverse_transform, errors, text pipelines.

Estimators reading the token ids through an embedding: test_data_tokens.py;
the Tokenizer inside cross-validation (no vocabulary leakage): test_integration.py.
"""

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.pipeline import make_pipeline
from sklearn.utils._param_validation import InvalidParameterError

from sklstm import LSTMClassifier
from sklstm.preprocessing import Tokenizer
from tests._strategies import SETTINGS, TINY, assert_finite, call, ok, quiet

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def _ids(sequences):
    return [seq.tolist() for seq in sequences]


# -- vocabulary and transform -------------------------------------------------------------


def test_word_level_vocabulary_and_transform():
    tok = Tokenizer(level="word").fit(["a good film", "a bad film", "the film"])
    # counts: film 3, a 2, bad 1, good 1, the 1 -> frequency, then token
    assert tok.vocabulary_ == {"film": 2, "a": 3, "bad": 4, "good": 5, "the": 6}
    assert tok.n_tokens_ == len(tok.vocabulary_) + 2 == 7
    out = tok.transform(["good film", "a great film!", "THE bad, bad film"])
    assert all(isinstance(seq, np.ndarray) and seq.dtype == np.int64 for seq in out)
    assert _ids(out) == [[5, 2], [3, 1, 2], [6, 4, 4, 2]]


def test_char_level_vocabulary_and_transform():
    tok = Tokenizer(level="char").fit(["abba", "cab"])
    # a 3, b 3, c 1 -> ties ordered by the token
    assert tok.vocabulary_ == {"a": 2, "b": 3, "c": 4}
    assert tok.n_tokens_ == 5
    assert _ids(tok.transform(["cab", "abz", "A b"])) == [[4, 2, 3], [2, 3, 1], [2, 1, 3]]
    assert Tokenizer().level == "char"  # the default


def test_char_level_counts_spaces_and_punctuation():
    tok = Tokenizer(level="char").fit(["a a!", "b"])
    # a 2, " " 1, "!" 1, b 1; " " < "!" < "b"
    assert tok.vocabulary_ == {"a": 2, " ": 3, "!": 4, "b": 5}


def test_lowercase_on_and_off():
    docs = ["AaB", "b"]
    on = Tokenizer(level="char").fit(docs)
    assert on.vocabulary_ == {"a": 2, "b": 3}
    assert _ids(on.transform(["BA"])) == [[3, 2]]
    off = Tokenizer(level="char", lowercase=False).fit(docs)
    # A 1, B 1, a 1, b 1 -> ordered by the token ("A" < "B" < "a" < "b")
    assert off.vocabulary_ == {"A": 2, "B": 3, "a": 4, "b": 5}
    assert _ids(off.transform(["BAc"])) == [[3, 2, 1]]
    words = Tokenizer(level="word", lowercase=False).fit(["Hello hello world"])
    assert words.vocabulary_ == {"Hello": 2, "hello": 3, "world": 4}
    words_lower = Tokenizer(level="word").fit(["Hello hello world"])
    assert words_lower.vocabulary_ == {"hello": 2, "world": 3}


def test_max_features_keeps_the_most_frequent():
    docs = ["x y y z z z w w w w"]
    tok = Tokenizer(level="word", max_features=2).fit(docs)
    assert tok.vocabulary_ == {"w": 2, "z": 3}
    assert tok.n_tokens_ == 4
    assert _ids(tok.transform(["x y z w"])) == [[1, 1, 3, 2]]
    assert len(Tokenizer(level="word", max_features=100).fit(docs).vocabulary_) == 4


def test_min_frequency_drops_rare_tokens():
    docs = ["x y y z z z", "z y q"]
    # counts: z 4, y 3, x 1, q 1
    tok = Tokenizer(level="word", min_frequency=2).fit(docs)
    assert tok.vocabulary_ == {"z": 2, "y": 3}
    assert _ids(tok.transform(["x y z q"])) == [[1, 3, 2, 1]]
    assert Tokenizer(level="word", min_frequency=4).fit(docs).vocabulary_ == {"z": 2}
    both = Tokenizer(level="word", min_frequency=2, max_features=1).fit(docs)
    assert both.vocabulary_ == {"z": 2}


def test_max_length_keeps_the_first_tokens():
    tok = Tokenizer(level="char", max_length=3).fit(["abcde"])
    out = tok.transform(["abcde", "ab", "edcba"])
    assert [len(seq) for seq in out] == [3, 2, 3]
    vocab = tok.vocabulary_
    assert set(vocab) == {"a", "b", "c"}  # counted within max_length only
    assert _ids(out) == [[vocab["a"], vocab["b"], vocab["c"]], [vocab["a"], vocab["b"]],
                         [1, 1, vocab["c"]]]


def test_empty_and_unseen_documents():
    tok = Tokenizer(level="word").fit(["a b", "b"])
    assert _ids(tok.transform(["", "   ", "zzz", "a zzz"])) == [[1], [1], [1], [3, 1]]
    char = Tokenizer(level="char").fit(["ab"])
    assert _ids(char.transform([""])) == [[1]]
    # a document with no tokens at fit still fits
    assert Tokenizer(level="word").fit(["", "a"]).vocabulary_ == {"a": 2}


def test_inverse_transform():
    tok = Tokenizer(level="word").fit(["a good film", "a bad film"])
    assert tok.vocabulary_ == {"a": 2, "film": 3, "bad": 4, "good": 5}
    ids = tok.transform(["good film", "great film", ""])
    assert tok.inverse_transform(ids) == [["good", "film"], ["", "film"], [""]]
    assert tok.inverse_transform([[2, 4, 3]]) == [["a", "bad", "film"]]
    assert tok.inverse_transform([np.array([0, 5])]) == [["", "good"]]


def test_n_tokens_counts_padding_and_unknown():
    for docs in (["aaa"], ["hello world", "abc"], ["x" * 30 + "yz"]):
        tok = Tokenizer(level="char").fit(docs)
        assert tok.n_tokens_ == len(tok.vocabulary_) + 2
        assert sorted(tok.vocabulary_.values()) == list(range(2, tok.n_tokens_))


def test_pandas_series_of_strings_is_a_list_of_documents():
    series = pd.Series(["a b", "b c"], index=[10, 20])
    tok = Tokenizer(level="word").fit(series)
    assert tok.vocabulary_ == {"b": 2, "a": 3, "c": 4}
    assert _ids(tok.transform(series)) == [[3, 2], [2, 4]]


# -- tokenizer errors ----------------------------------------------------------------------


@pytest.mark.parametrize("method", ["fit", "transform"])
def test_single_string_is_a_type_error(method):
    tok = Tokenizer().fit(["abc"])
    with pytest.raises(TypeError, match="single string"):
        getattr(tok, method)("abc")


@pytest.mark.parametrize("bad", [None, float("nan"), 3, b"bytes"])
@pytest.mark.parametrize("method", ["fit", "transform"])
def test_non_string_document_names_its_index(bad, method):
    tok = Tokenizer().fit(["abc"])
    with pytest.raises(TypeError, match=r"Document 2 is"):
        getattr(tok, method)(["ok", "fine", bad])


def test_missing_value_in_series_names_its_index():
    with pytest.raises(TypeError, match=r"Document 1 is"):
        Tokenizer().fit(pd.Series(["a", None, "c"]))


@pytest.mark.parametrize("bad", [[2.5], [np.nan], [math.inf], ["a"], [None]])
def test_inverse_transform_refuses_what_is_not_token_ids(bad):
    tok = Tokenizer().fit(["ab"])
    assert tok.inverse_transform([[2.0, 3.0], [3]]) == [["a", "b"], ["b"]]  # whole floats are ids
    with pytest.raises(ValueError, match="Sequence 1 holds values that are not integer token"):
        tok.inverse_transform([[2], bad])


@pytest.mark.parametrize(
    "X",
    [pd.DataFrame({"text": ["a b", "c d"]}), np.array([["a b"], ["c d"]])],
    ids=["dataframe", "2d-array"],
)
def test_a_table_of_documents_is_refused_with_how_to_pass_one_column(X):
    with pytest.raises(TypeError, match=r"pass one column, e\.g\. df\['text'\] or X\[:, 0\]"):
        Tokenizer(level="word").fit(X)
    tok = Tokenizer(level="word").fit(X["text"] if isinstance(X, pd.DataFrame) else X[:, 0])
    assert set(tok.vocabulary_) == {"a", "b", "c", "d"}


@pytest.mark.parametrize("bad", [5, "2 3", None])
def test_inverse_transform_of_what_is_not_a_list_of_sequences_says_what_to_pass(bad):
    tok = Tokenizer().fit(["ab"])
    with pytest.raises(TypeError, match="pass the list of id sequences that transform returned"):
        tok.inverse_transform(bad)


@pytest.mark.parametrize("level", ["char", "word"])
def test_tokenizer_invalid_token_pattern_is_a_clear_error(level):
    with pytest.raises(ValueError, match="not a valid regular expression"):
        Tokenizer(level=level, token_pattern="(").fit(["a b"])


def test_empty_list_is_a_value_error():
    with pytest.raises(ValueError, match="0 documents"):
        Tokenizer().fit([])


@pytest.mark.parametrize(
    "params",
    [
        {"level": "sentence"},
        {"lowercase": "yes"},
        {"max_features": 0},
        {"max_features": 1.5},
        {"min_frequency": 0},
        {"max_length": 0},
        {"token_pattern": None},
    ],
)
def test_invalid_params_raise_at_fit(params):
    tok = Tokenizer(**params)  # no validation in __init__
    with pytest.raises(InvalidParameterError):
        tok.fit(["abc"])


def test_transform_before_fit_is_an_error():
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        Tokenizer().transform(["abc"])


@pytest.mark.parametrize("transform", ["pandas", "polars"])
def test_set_output_container_is_refused(transform):
    with pytest.raises(ValueError, match=transform):
        Tokenizer().set_output(transform=transform)
    tok = Tokenizer()
    assert tok.set_output(transform="default") is tok
    assert tok.set_output(transform=None) is tok


# -- text pipelines ------------------------------------------------------------------------


FILLER = ["the", "film", "was", "plot", "and", "it", "very", "so", "movie", "actor"]


def _sentiment_corpus(n, seed):
    rng = np.random.default_rng(seed)
    docs, y = [], []
    for i in range(n):
        label = i % 2
        words = list(rng.choice(FILLER, size=int(rng.integers(1, 4))))
        words.insert(int(rng.integers(0, len(words) + 1)), "good" if label else "bad")
        doc = " ".join(words)
        docs.append(doc.upper() if rng.random() < 0.2 else doc)
        y.append("pos" if label else "neg")
    return docs, np.array(y)


def _char_pipe():
    return make_pipeline(
        Tokenizer(level="char"),
        LSTMClassifier(embedding_dim=8, hidden_size=8, max_iter=3, random_state=0),
    )


def test_char_pipeline_in_grid_search():
    docs, y = _sentiment_corpus(24, seed=0)
    grid = {"tokenizer__lowercase": [True, False], "lstmclassifier__hidden_size": [4, 8]}
    cv = KFold(2, shuffle=True, random_state=0)
    search = GridSearchCV(_char_pipe(), grid, cv=cv)
    search.fit(docs, y)
    results = search.cv_results_
    scores = results["mean_test_score"]
    assert np.isfinite(scores).all()
    assert len(scores) == 4
    best, worst = int(np.argmax(scores)), int(np.argmin(scores))
    assert scores[best] > scores[worst]  # which candidate is best is a real choice
    assert search.best_params_ == results["params"][best]
    # a candidate's score is its pipeline fitted and scored fold by fold on the
    # same splits: checked for the best and the worst one
    for candidate in (best, worst):
        by_hand = []
        for train, test in cv.split(docs):
            pipe = _char_pipe().set_params(**results["params"][candidate])
            pipe.fit([docs[i] for i in train], y[train])
            by_hand.append(pipe.score([docs[i] for i in test], y[test]))
        assert scores[candidate] == pytest.approx(np.mean(by_hand))
        assert results["split0_test_score"][candidate] == pytest.approx(by_hand[0])
    best_pipe = search.best_estimator_
    assert best_pipe.named_steps["lstmclassifier"].hidden_size == search.best_params_[
        "lstmclassifier__hidden_size"
    ]
    pred = search.predict(["good film", "bad plot", "a completely unseen text: qxj"])
    assert set(pred) <= {"neg", "pos"} and len(pred) == 3


def test_char_pipeline_learns_a_toy_task():
    docs, y = _sentiment_corpus(80, seed=1)
    pipe = make_pipeline(
        Tokenizer(level="char"),
        LSTMClassifier(
            embedding_dim=8, hidden_size=16, max_iter=15, batch_size=16,
            learning_rate_init=0.02, random_state=0,
        ),
    )
    pipe.fit(docs, y)
    assert pipe.score(docs, y) > 0.9
    assert list(pipe.classes_) == ["neg", "pos"]


def test_inverse_transform_turns_padding_and_unknown_ids_into_empty_strings():
    tok = Tokenizer(level="word").fit(["a good film"])
    good = tok.vocabulary_["good"]
    assert tok.inverse_transform([[good, 0, 1, tok.n_tokens_], [float(good)]]) == [
        ["good", "", "", ""],
        ["good"],
    ]


def test_vocabulary_counts_only_tokens_within_max_length():
    tok = Tokenizer(level="word", max_length=2).fit(["a b c d", "a b"])
    assert set(tok.vocabulary_) == {"a", "b"}


# -- properties (tests/_strategies.py) --------------------------------------------------


documents = st.one_of(
    st.lists(st.text(max_size=12), max_size=5),
    st.lists(
        st.text(max_size=6) | st.none() | st.integers() | st.binary(max_size=3) | st.floats(),
        max_size=4,
    ),
    st.sampled_from(
        [None, "one string", b"bytes", 3, np.array(["a", "bb"]), pd.Series(["x y", "z"])]
    ),
)

tokenizer_params = st.fixed_dictionaries(
    {
        "level": st.sampled_from(["char", "word"]),
        "lowercase": st.booleans(),
        "max_features": st.one_of(st.none(), st.integers(1, 5)),
        "min_frequency": st.integers(1, 3),
        "max_length": st.one_of(st.none(), st.integers(1, 5)),
    },
    optional={
        # Only well-formed regular expressions: an invalid one raised re.error
        # (test_tokenizer_invalid_token_pattern_is_a_clear_error, above).
        "token_pattern": st.sampled_from(
            [r"(?u)\b\w+\b", r"\S+", r"[a-z]", r"(a)(b)", r"x*", ""]
        ),
    },
)

token_id_lists = st.one_of(
    st.lists(arrays(np.int64, st.integers(0, 4), elements=st.integers(-3, 60)), max_size=4),
    # Only finite floats: inf raised OverflowError (now a ValueError, pinned by
    # the math.inf case of test_inverse_transform_refuses_what_is_not_token_ids).
    st.lists(st.lists(st.floats(-1e3, 1e3) | st.just(math.nan), max_size=3), max_size=3),
    st.lists(st.lists(st.text(alphabet="1a", max_size=2), max_size=3), max_size=3),
    st.sampled_from([None, 3, [3], [[None]], "12"]),
)


def is_documents(docs) -> bool:
    """Whether ``docs`` is what Tokenizer must accept: a non-empty list-like of str."""
    return (
        isinstance(docs, (list, np.ndarray, pd.Series))
        and len(docs) >= 1
        and all(isinstance(doc, str) for doc in docs)
    )


def check_ids(ids, tokenizer, docs):
    assert isinstance(ids, list) and len(ids) == len(list(docs))
    for seq in ids:
        assert seq.dtype == np.int64 and seq.ndim == 1 and len(seq) >= 1
        assert ((seq >= 1) & (seq < tokenizer.n_tokens_)).all()
        if tokenizer.max_length:
            assert len(seq) <= tokenizer.max_length


@quiet
@SETTINGS
@given(docs=documents, other=documents, params=tokenizer_params)
def test_tokenizer(docs, other, params):
    """fit / transform / fit_transform / inverse_transform of Tokenizer."""
    tok = Tokenizer(**params)
    fitted = call(tok.fit, docs)
    both = call(Tokenizer(**params).fit_transform, docs)
    if is_documents(docs):  # a non-empty list-like of str must be accepted
        assert ok(fitted) and ok(both), (fitted, both)
    if not ok(fitted):
        assert not ok(both)
        return
    ids = call(tok.transform, docs)
    assert ok(ids) and ok(both), (ids, both)
    check_ids(ids, tok, docs)
    assert all(np.array_equal(a, b) for a, b in zip(ids, both))
    assert len(tok.vocabulary_) + 2 == tok.n_tokens_
    words = call(tok.inverse_transform, ids)
    assert ok(words) and len(words) == len(ids)
    ids_other = call(tok.transform, other)
    if ok(ids_other):
        check_ids(ids_other, tok, other)


@quiet
@SETTINGS
@given(
    docs=st.lists(st.text(max_size=8), min_size=1, max_size=4),
    ids=token_id_lists,
    level=st.sampled_from(["char", "word"]),
)
def test_tokenizer_inverse_transform(docs, ids, level):
    """inverse_transform of arbitrary id sequences: lists of str, or refused."""
    tok = Tokenizer(level=level).fit(docs)
    tokens = call(tok.inverse_transform, ids)
    if isinstance(ids, list) and all(
        isinstance(seq, np.ndarray) and seq.ndim == 1 and seq.dtype.kind in "iu"
        and (seq >= 0).all()
        for seq in ids
    ):  # integer id arrays (as transform returns) must be decoded
        assert ok(tokens), tokens
    if ok(tokens):
        assert len(tokens) == len(ids)
        assert all(isinstance(t, str) for seq in tokens for t in seq)


@quiet
@SETTINGS
@given(
    docs=st.lists(st.text(max_size=8), min_size=0, max_size=5),
    new_docs=st.lists(st.text(max_size=8), min_size=0, max_size=3),
    labels=st.lists(st.sampled_from(["neg", "pos", "meh"]), min_size=5, max_size=5),
    level=st.sampled_from(["char", "word"]),
)
def test_text_pipeline(docs, new_docs, labels, level):
    """Tokenizer → LSTMClassifier(embedding_dim) on random text."""
    pipe = make_pipeline(Tokenizer(level=level), LSTMClassifier(embedding_dim=2, **TINY))
    y = np.array(labels[: len(docs)])
    fitted = call(pipe.fit, docs, y)
    if len(docs) >= 2 and len(set(y)) >= 2:
        # two documents or more, of two labels or more: the pipeline must fit
        assert ok(fitted), fitted
    if not ok(fitted):
        return
    assert len(set(y)) >= 2 and len(docs) >= 1
    for X in (docs, new_docs):
        proba = call(pipe.predict_proba, X)
        pred = call(pipe.predict, X)
        if not X:
            assert not ok(proba) and not ok(pred)
            continue
        assert ok(proba) and ok(pred), (proba, pred)
        assert proba.shape == (len(X), len(pipe.classes_)) and pred.shape == (len(X),)
        assert_finite(proba, "predict_proba")
        np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)
