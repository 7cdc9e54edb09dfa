"""Token ids into an estimator with ``embedding_dim``: the data layer's checks.

What the estimators accept as token ids (lists of 1D integer arrays, 2D
integer arrays, whole floats, a feature axis of one), what they refuse and
how the message says so (strings, negative, non-integer, out-of-vocabulary
and huge ids), and the embedding sized from the ids seen at fit. The
Tokenizer that makes the ids is tested in test_preprocessing_text.py; random
token ids (hypothesis) in test_base_properties.py.
"""

import re

import numpy as np
import pandas as pd
import pytest

from sklstm import LSTMClassifier, LSTMRegressor

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


# -- accepted and refused ids -----------------------------------------------------------


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


def test_zero_ids_are_padding_wherever_they_are():
    """Id 0 is padding (Keras' mask_zero): a zero-padded array fits as the ragged ids do.

    Before: the zeros of a post-padded 2D array were read as steps (a word-order
    task scored 1.0 on ragged ids and 0.39 on the same ids zero-padded).
    """
    rng = np.random.RandomState(0)
    ragged = [rng.randint(2, 9, size=rng.randint(1, 7)) for _ in range(24)]
    y = [int(seq[0] > seq[-1]) for seq in ragged]
    width = max(map(len, ragged)) + 2
    post = np.zeros((len(ragged), width), dtype=np.int64)
    pre = np.zeros_like(post)
    for i, seq in enumerate(ragged):
        post[i, : len(seq)] = seq
        pre[i, width - len(seq):] = seq
    make = lambda: LSTMClassifier(embedding_dim=4, hidden_size=8, max_iter=3, random_state=0)  # noqa: E731
    reference = make().fit(ragged, y)
    expected = reference.predict_proba(ragged)
    for padded in (post, pre, [np.append(seq, [0, 0]) for seq in ragged]):
        np.testing.assert_array_equal(make().fit(padded, y).predict_proba(padded), expected)
        np.testing.assert_array_equal(reference.predict_proba(padded), expected)


def test_a_sequence_of_padding_only_is_one_empty_step(token_classifier):
    empty = token_classifier.predict_proba([np.array([0])])
    np.testing.assert_array_equal(token_classifier.predict_proba([np.array([0, 0, 0])]), empty)
    np.testing.assert_array_equal(token_classifier.predict_proba(np.zeros((1, 4), int)), empty)


# -- huge ids ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "estimator, X, sequence, printed",
    [
        (LSTMClassifier, np.array([[0, 2**62], [1, 1]]), 0, "4611686018427387904"),
        (LSTMRegressor, np.array([[0, 2**62], [1, 1]]), 0, "4611686018427387904"),
        # a whole float is printed as the exact integer id, not 1e+18
        (LSTMClassifier, [np.array([1.0, 2.0]), np.array([1e18])], 1, "1000000000000000000"),
    ],
    ids=["classifier-2d-int", "regressor-2d-int", "classifier-ragged-float"],
)
def test_huge_token_id_is_a_clear_error(estimator, X, sequence, printed):
    # (found by hypothesis: the embedding table of such an id does not fit in memory)
    exact = rf"Sequence {sequence} of X holds token id {re.escape(printed)}; ids above"
    with pytest.raises(ValueError, match=exact + ".* huge embedding table"):
        estimator(embedding_dim=2, hidden_size=2, max_iter=1, random_state=0).fit(X, [0, 1])
