"""Static embedding: a stacked score from mean wordllama word vectors."""

from __future__ import annotations

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold

from framing.features._batch import Batch, TextTransformer, feature_scale
from framing.features._tokens import as_text_list
from framing.features._wordllama import base_vocabulary, word_vectors, wordllama_words

__all__ = ["SentenceEmbedding"]


class SentenceEmbedding(TextTransformer):
    """Mean static wordllama sub-word vector of the sentence, stacked into one score.

    Words are looked up as written (falling back to lower case) and weighted by
    their number of sub-words, i.e. the mean over the sentence's sub-word pieces.
    An inner logistic regression on these mean vectors (cross-fitted in
    ``fit_transform``) is folded into a per-word score s(w) = coef . vector(w);
    the feature is the piece-weighted mean of s over the sentence's known words,
    exactly that regression's decision value minus its intercept. Only per-word
    scores and piece counts are stored: the fitted transformer needs neither
    wordllama nor the vectors.
    """

    _prefix = "embedding"

    def __init__(self, C=0.01, lexicons=None, n_splits=5, random_state=0):
        self.C = C
        self.lexicons = lexicons
        self.n_splits = n_splits
        self.random_state = random_state

    def _coef(self, M, y):
        """Inner regression on standardized mean vectors, as a coefficient on raw vectors."""
        mu, sd = M.mean(0), M.std(0)
        sd[sd < 1e-6] = 1.0
        clf = LogisticRegression(C=self.C, max_iter=1000).fit((M - mu) / sd, y)
        return clf.coef_.ravel() / sd

    def fit(self, X, y, biased_words=None):  # biased_words: accepted, unused
        self.fit_transform(X, y)
        return self

    def fit_transform(self, X, y, biased_words=None):
        X = as_text_list(X)
        y = np.asarray(y).astype(int)
        batch = Batch(X)
        words = set(batch.cased) | set(wordllama_words(lower=False)) | set(wordllama_words(lower=True))
        if self.lexicons:
            words.update(base_vocabulary(self.lexicons, (), False))
        words = sorted(words)
        self.vocab_ = {w: i + 1 for i, w in enumerate(words)}
        E, pieces = word_vectors(words, return_pieces=True)
        E = np.vstack([np.zeros((1, E.shape[1]), np.float32), E])
        self.pieces_ = np.concatenate([[0.0], pieces]).astype(np.float32)
        ids = batch.cased_ids(self.vocab_)
        n = self.pieces_[ids].astype(np.float64)
        M = np.zeros((batch.n_docs, E.shape[1]))
        np.add.at(M, batch.doc, E[ids] * n[:, None])
        M /= np.maximum(batch.seg_sum(n), 1.0)[:, None]
        F = np.zeros(batch.n_docs)
        if batch.n_docs >= 2 * self.n_splits:
            kf = KFold(self.n_splits, shuffle=True, random_state=self.random_state)
            for tr, te in kf.split(X):
                F[te] = M[te] @ self._coef(M[tr], y[tr])
        self.table_ = (E @ self._coef(M, y)).astype(np.float32)
        self.table_[0] = 0.0
        self.names_ = ["score"]
        if batch.n_docs < 2 * self.n_splits:
            self.scale_ = np.ones(1)
            F = self._features(batch)[0][:, 0]
        self.scale_ = feature_scale(F[:, None])
        return F[:, None] / self.scale_

    def _features(self, batch, weights=None):
        ids = batch.cased_ids(self.vocab_)
        n = self.pieces_[ids].astype(np.float64)
        tot = np.maximum(batch.seg_sum(n), 1.0)
        s = self.table_[ids].astype(np.float64) * n
        F = (batch.seg_sum(s) / tot)[:, None]
        contrib = None
        if weights is not None:
            contrib = (weights[0] / self.scale_[0]) * s / tot[batch.doc]
        return F / self.scale_, contrib
