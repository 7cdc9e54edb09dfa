"""Tokenizer, and estimators reading token ids through an embedding."""

import numpy as np
import pandas as pd
import pytest
from sklearn.model_selection import GridSearchCV, KFold, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.utils._param_validation import InvalidParameterError

from sklstm import LSTMClassifier, LSTMRegressor
from sklstm.preprocessing import Tokenizer

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


@pytest.mark.parametrize("bad", [[2.5], [np.nan], ["a"], [None]])
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


# -- no vocabulary leakage ----------------------------------------------------------------


def _leaky_corpus():
    """Documents whose tokens are partly unique to one document."""
    rng = np.random.default_rng(0)
    docs, y = [], []
    for i in range(24):
        label = i % 2
        words = ["common", f"group{i % 5}", f"unique{i}", "pos" if label else "neg"]
        rng.shuffle(words)
        docs.append(" ".join(words))
        y.append(label)
    return docs, np.array(y)


def _vocabulary_of(docs):
    return {word for doc in docs for word in doc.split()}


def test_no_vocabulary_leakage_through_cross_validation():
    docs, y = _leaky_corpus()
    cv = KFold(4, shuffle=True, random_state=0)
    pipe = make_pipeline(
        Tokenizer(level="word"),
        LSTMClassifier(embedding_dim=4, hidden_size=4, max_iter=1, random_state=0),
    )
    result = cross_validate(pipe, docs, y, cv=cv, return_estimator=True)
    splits = list(cv.split(docs, y))
    assert len(result["estimator"]) == len(splits) == 4
    everything = _vocabulary_of(docs)
    for fitted, (train, test) in zip(result["estimator"], splits):
        expected = _vocabulary_of([docs[i] for i in train])
        held_out = {f"unique{i}" for i in test}
        assert held_out <= everything and not held_out & expected  # non-trivial
        vocab = fitted.named_steps["tokenizer"].vocabulary_
        assert set(vocab) == expected
        assert not held_out & set(vocab)
        tokenizer = fitted.named_steps["tokenizer"]
        assert tokenizer.n_tokens_ == len(expected) + 2
        assert fitted.named_steps["lstmclassifier"].n_tokens_ == tokenizer.n_tokens_
    assert np.isfinite(result["test_score"]).all()


class _RecordingTokenizer(Tokenizer):
    """A Tokenizer that records the documents each clone was fitted on."""

    fitted_on: list = []

    def fit(self, X, y=None):
        type(self).fitted_on.append(list(X))
        return super().fit(X, y)


def test_tokenizer_only_sees_training_documents_in_cross_validation():
    docs, y = _leaky_corpus()
    cv = KFold(3, shuffle=True, random_state=1)
    _RecordingTokenizer.fitted_on = []
    pipe = make_pipeline(
        _RecordingTokenizer(level="word"),
        LSTMClassifier(embedding_dim=4, hidden_size=4, max_iter=1, random_state=0),
    )
    cross_validate(pipe, docs, y, cv=cv)
    splits = list(cv.split(docs, y))
    assert len(_RecordingTokenizer.fitted_on) == len(splits)
    for seen, (train, _) in zip(_RecordingTokenizer.fitted_on, splits):
        assert seen == [docs[i] for i in train]


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


# -- estimators with embedding_dim ----------------------------------------------------------


@pytest.fixture(scope="module")
def token_classifier():
    X = [np.array([2, 3, 4]), np.array([5, 2]), np.array([6, 6, 2, 3]), np.array([4])]
    return LSTMClassifier(embedding_dim=5, hidden_size=8, max_iter=2, random_state=0).fit(
        X, [0, 1, 0, 1]
    )


def test_n_tokens_and_embedding_size(token_classifier):
    est = token_classifier
    assert est.n_tokens_ == 7  # max id 6, plus one
    assert est.n_features_in_ == 1
    emb = est.module_.embedding
    assert emb is not None
    assert emb.num_embeddings == est.n_tokens_
    assert emb.embedding_dim == 5
    assert est.module_.recurrent.input_size == 5
    reg = LSTMRegressor(embedding_dim=3, hidden_size=4, max_iter=1, random_state=0).fit(
        [np.array([0, 1]), np.array([10])], [0.5, 1.5]
    )
    assert reg.n_tokens_ == 11
    assert reg.module_.embedding.num_embeddings == 11
    assert reg.module_.embedding.embedding_dim == 3
    assert LSTMClassifier(hidden_size=4, max_iter=1, random_state=0).fit(
        np.zeros((4, 3, 2)), [0, 1, 0, 1]
    ).module_.embedding is None


def test_ids_beyond_the_fitted_ones_mention_the_tokenizer(token_classifier):
    with pytest.raises(ValueError, match=r"(?i)token id 7.*tokenizer"):
        token_classifier.predict([np.array([2, 7])])
    with pytest.raises(ValueError, match=r"(?i)tokenizer"):
        token_classifier.predict(np.array([[2, 3], [100, 2]]))
    # the largest fitted id is fine
    assert token_classifier.predict([np.array([6])]).shape == (1,)


def test_non_integer_float_ids_are_a_type_error(token_classifier):
    with pytest.raises(TypeError, match=r"Sequence 1 of X holds float64"):
        token_classifier.predict([np.array([2, 3]), np.array([2.5, 3.0])])
    with pytest.raises(TypeError, match="integer token ids"):
        token_classifier.predict(np.array([[2.0, 3.5]]))
    with pytest.raises(TypeError):
        LSTMClassifier(embedding_dim=4, max_iter=1).fit([np.array([0.5, 1.0])], [0])


def test_integer_valued_float_ids_are_accepted(token_classifier):
    as_int = token_classifier.predict_proba([np.array([2, 3, 4]), np.array([5])])
    as_float = token_classifier.predict_proba([np.array([2.0, 3.0, 4.0]), np.array([5.0])])
    np.testing.assert_allclose(as_float, as_int, rtol=1e-6)


@pytest.mark.parametrize(
    "X",
    [
        [["a", "b"], ["c"]],
        np.array([["a", "b"], ["c", "d"]]),
        pd.Series(["some text", "more"]),
        [np.array(["a", "b"]), np.array(["c"])],
    ],
    ids=["list-of-token-lists", "2d-str-array", "series-of-str", "arrays-of-str"],
)
def test_strings_are_a_type_error(token_classifier, X):
    with pytest.raises(TypeError, match=r"(?i)token ids|tokenizer"):
        token_classifier.predict(X)


@pytest.mark.parametrize("method", ["fit", "predict"])
def test_list_of_raw_strings_is_a_type_error(token_classifier, method):
    docs = ["some text", "more"]
    with pytest.raises(TypeError):
        if method == "fit":
            LSTMClassifier(embedding_dim=4, max_iter=1).fit(docs, [0, 1])
        else:
            token_classifier.predict(docs)


def test_negative_ids_are_a_value_error(token_classifier):
    with pytest.raises(ValueError, match="non-negative"):
        token_classifier.predict([np.array([2, -1, 3])])
    with pytest.raises(ValueError, match="non-negative"):
        LSTMClassifier(embedding_dim=4, max_iter=1).fit([np.array([-3, 2]), np.array([1])], [0, 1])


def test_2d_int_array_of_ids(token_classifier):
    X2d = np.array([[2, 3, 4], [5, 2, 6]])
    proba = token_classifier.predict_proba(X2d)
    assert proba.shape == (2, 2)
    np.testing.assert_allclose(proba, token_classifier.predict_proba(list(X2d)), rtol=1e-5)
    est = LSTMClassifier(embedding_dim=4, hidden_size=4, max_iter=2, random_state=0).fit(
        np.array([[2, 3], [4, 5], [3, 3]]), [0, 1, 0]
    )
    assert est.n_tokens_ == 6
    assert est.module_.embedding.num_embeddings == 6
    # lengths may differ at predict
    assert est.predict([np.array([2]), np.array([3, 4, 5, 2, 3])]).shape == (2,)


def test_token_sequences_with_feature_columns_are_refused(token_classifier):
    # a 2D item used to be cut to its first column without a word
    X = [np.array([[1, 2], [3, 4]]), np.array([[5, 6]])]
    with pytest.raises(ValueError, match=r"Sequence 0 of X has shape \(2, 2\).*1D array of token ids"):
        LSTMClassifier(embedding_dim=4, max_iter=1).fit(X, [0, 1])
    with pytest.raises(ValueError, match=r"Sequence 1 of X has shape \(1, 3\).*Tokenizer"):
        token_classifier.predict([np.array([2, 3]), np.array([[2, 3, 4]])])
    with pytest.raises(ValueError, match=r"one token id per time step; got shape \(2, 3, 2\)"):
        token_classifier.predict(np.full((2, 3, 2), 2))


def test_token_ids_with_a_feature_axis_of_one_are_one_id_per_step(token_classifier):
    flat = token_classifier.predict_proba([np.array([2, 3, 4]), np.array([5])])
    column = token_classifier.predict_proba([np.array([[2], [3], [4]]), np.array([[5]])])
    np.testing.assert_allclose(column, flat, rtol=1e-6)
    X2d = np.array([[2, 3, 4], [5, 2, 6]])
    np.testing.assert_allclose(
        token_classifier.predict_proba(X2d[:, :, None]),
        token_classifier.predict_proba(X2d),
        rtol=1e-6,
    )


def test_a_list_mixing_ids_and_sequences_is_a_clear_error(token_classifier):
    with pytest.raises(ValueError, match="nested list that numpy cannot read") as info:
        token_classifier.predict([2, [3, 4]])
    assert "inhomogeneous" not in str(info.value)


def test_token_ids_are_padding_invariant(token_classifier):
    X = [np.array([2, 3, 4, 5, 6, 2]), np.array([4]), np.array([6, 6, 2])]
    alone = np.vstack([token_classifier.predict_proba([seq]) for seq in X])
    np.testing.assert_allclose(token_classifier.predict_proba(X), alone, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(
        token_classifier.predict_proba(X[::-1]), alone[::-1], rtol=1e-5, atol=1e-6
    )


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
