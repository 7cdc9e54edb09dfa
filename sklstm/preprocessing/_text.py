"""Tokenizer: strings → token-id sequences for an estimator with ``embedding_dim``."""

from __future__ import annotations

import re
from collections import Counter
from numbers import Integral

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from .._data import check_documents, check_token_sequences
from ._output import NumpyOutputMixin

__all__ = ["Tokenizer"]

OOV_ID = 1


class Tokenizer(NumpyOutputMixin, TransformerMixin, BaseEstimator, auto_wrap_output_keys=None):
    """Turn strings into token-id sequences, with a vocabulary fitted on the data.

    The vocabulary is learned in ``fit`` from the training documents only
    (inside a Pipeline, from the training fold only), so no vocabulary leaks
    from validation data. Id 0 is reserved for padding and id 1 for tokens
    outside the vocabulary; the vocabulary takes ids 2, 3, … by decreasing
    frequency. ``make_pipeline(Tokenizer(level="char"),
    LSTMClassifier(embedding_dim=16))`` is a complete text classifier.

    Parameters
    ----------
    level : {"char", "word"}, default="char"
        Characters, or words matched by ``token_pattern``.
    lowercase : bool, default=True
        Lowercase the text first.
    max_features : int or None, default=None
        Keep only the most frequent tokens.
    min_frequency : int, default=1
        Drop tokens seen fewer times in the training documents.
    max_length : int or None, default=None
        Keep at most this many tokens per document (the first ones); the
        vocabulary is counted over those tokens only.
    token_pattern : str, default=r"(?u)\\b\\w+\\b"
        Regular expression of a word (``level="word"`` only).

    Attributes
    ----------
    vocabulary_ : dict of str to int
        Token → id (ids from 2).
    n_tokens_ : int
        Number of ids, padding and out-of-vocabulary included
        (``len(vocabulary_) + 2``).

    Notes
    -----
    An empty document (or one that only held dropped tokens, e.g. an empty
    string) becomes the single out-of-vocabulary id, so every sequence has
    at least one step.

    Examples
    --------
    >>> from sklstm.preprocessing import Tokenizer
    >>> tok = Tokenizer(level="word").fit(["a good film", "a bad film"])
    >>> tok.vocabulary_
    {'a': 2, 'film': 3, 'bad': 4, 'good': 5}
    >>> [ids.tolist() for ids in tok.transform(["good film", "great film", ""])]
    [[5, 3], [1, 3], [1]]
    """

    _output_description = "a list of 1D arrays of token ids"

    _parameter_constraints: dict = {
        "level": [StrOptions({"char", "word"})],
        "lowercase": ["boolean"],
        "max_features": [Interval(Integral, 1, None, closed="left"), None],
        "min_frequency": [Interval(Integral, 1, None, closed="left")],
        "max_length": [Interval(Integral, 1, None, closed="left"), None],
        "token_pattern": [str],
    }

    def __init__(
        self,
        level: str = "char",
        *,
        lowercase: bool = True,
        max_features: int | None = None,
        min_frequency: int = 1,
        max_length: int | None = None,
        token_pattern: str = r"(?u)\b\w+\b",
    ):
        self.level = level
        self.lowercase = lowercase
        self.max_features = max_features
        self.min_frequency = min_frequency
        self.max_length = max_length
        self.token_pattern = token_pattern

    def _tokens(self, document: str, pattern=None) -> list:
        """The document's tokens (words by ``pattern``, default the fitted one), at most
        ``max_length`` of them."""
        if self.lowercase:
            document = document.lower()
        if self.level == "char":
            return list(document)[: self.max_length]
        return (pattern or self._pattern).findall(document)[: self.max_length]

    def fit(self, X, y=None) -> "Tokenizer":
        """Learn the vocabulary of the documents ``X``.

        Parameters
        ----------
        X : list of str
            Training documents.
        y : None
            Ignored.

        Returns
        -------
        self : Tokenizer
        """
        self._validate_params()
        try:  # kept aside until the documents are read: a failed fit changes nothing
            pattern = re.compile(self.token_pattern)
        except re.error as exc:
            raise ValueError(
                f"token_pattern={self.token_pattern!r} is not a valid regular "
                f"expression: {exc}."
            ) from None
        counts = Counter()
        for document in check_documents(self, X):
            counts.update(self._tokens(document, pattern))
        kept = sorted(
            (item for item in counts.items() if item[1] >= self.min_frequency),
            key=lambda item: (-item[1], item[0]),
        )[: self.max_features]
        self._pattern = pattern
        self.vocabulary_ = {token: i + 2 for i, (token, _) in enumerate(kept)}
        self.n_tokens_ = len(self.vocabulary_) + 2
        return self

    def transform(self, X) -> list:
        """Token ids of each document.

        Parameters
        ----------
        X : list of str
            Documents.

        Returns
        -------
        ids : list of ndarray of int64
            One array of ids per document (lengths differ), the form that
            ``LSTMClassifier(embedding_dim=...)`` reads.
        """
        check_is_fitted(self)
        sequences = []
        for document in check_documents(self, X):
            ids = [self.vocabulary_.get(token, OOV_ID) for token in self._tokens(document)]
            sequences.append(np.array(ids or [OOV_ID], dtype=np.int64))
        return sequences

    def inverse_transform(self, X) -> list:
        """Tokens of id sequences, one string per id.

        Every id that is not in ``vocabulary_`` becomes ``""``: id 0
        (padding), id 1 (out of vocabulary) and any id the vocabulary does not
        hold (e.g. one at or beyond ``n_tokens_``). So padding and unknown
        tokens are not told apart, and a sequence keeps its length.

        Parameters
        ----------
        X : list of array-like of int
            Token-id sequences (integer, or floats holding whole numbers).

        Returns
        -------
        tokens : list of list of str

        Examples
        --------
        >>> from sklstm.preprocessing import Tokenizer
        >>> tok = Tokenizer(level="word").fit(["a good film"])
        >>> tok.inverse_transform([[tok.vocabulary_["good"], 0, 1, 99]])
        [['good', '', '', '']]
        """
        check_is_fitted(self)
        words = {i: token for token, i in self.vocabulary_.items()}
        return [[words.get(int(i), "") for i in ids] for ids in check_token_sequences(X)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        return tags
