"""Word n-grams: NB-weighted TF-IDF and its stacked logistic score."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold
from sklearn.utils.validation import check_is_fitted

from framing.features._batch import Batch, TextTransformer, feature_scale, get_batch
from framing.features._tokens import as_text_list

__all__ = ["NgramTfidf", "NgramScore"]


class NgramTfidf(TextTransformer):
    """Word 1..ngram_max-gram TF-IDF (sublinear tf, smooth idf, l2 rows), times ``weight``.

    Vectorized over flat token arrays so that each n-gram's value maps back to its
    words (a bigram's contribution is split evenly over its two words).
    """

    _prefix = "ngram"

    def __init__(self, ngram_max=2, min_df=2, weight=1.0):
        self.ngram_max = ngram_max
        self.min_df = min_df
        self.weight = weight

    def _unigram_ids(self, batch):
        return batch.ids(self.vocab_) - 1  # -1 = unknown

    def _occurrences(self, batch, uid):
        """(doc, feature, first token, n) of every known n-gram occurrence."""
        tok = np.arange(len(uid))
        ok = uid >= 0
        docs, feats, firsts, ns = [batch.doc[ok]], [uid[ok]], [tok[ok]], [np.ones(ok.sum(), int)]
        if self.ngram_max >= 2 and len(uid) > 1:
            a, b = uid[:-1], uid[1:]
            same = (batch.doc[:-1] == batch.doc[1:]) & (a >= 0) & (b >= 0)
            key = a[same] * self.n_uni_ + b[same]
            pos = np.searchsorted(self.bigram_keys_, key)
            pos = np.minimum(pos, max(len(self.bigram_keys_) - 1, 0))
            hit = (self.bigram_keys_[pos] == key) if len(self.bigram_keys_) else np.zeros(len(key), bool)
            first = tok[:-1][same][hit]
            docs.append(batch.doc[first])
            feats.append(self.n_uni_ + pos[hit])
            firsts.append(first)
            ns.append(np.full(hit.sum(), 2))
        return (np.concatenate(docs), np.concatenate(feats), np.concatenate(firsts),
                np.concatenate(ns))

    def fit(self, X, y=None, biased_words=None):  # biased_words: accepted, unused
        if self.ngram_max not in (1, 2):
            raise ValueError("ngram_max must be 1 or 2")
        X = as_text_list(X)
        batch = Batch(X)
        n = batch.n_docs
        # unigram document frequencies
        u, inv = np.unique(np.asarray(batch.words, dtype=object), return_inverse=True) \
            if batch.words else (np.array([], dtype=object), np.array([], dtype=int))
        pairs = np.unique(batch.doc * max(len(u), 1) + inv)
        df = np.bincount(pairs % max(len(u), 1), minlength=len(u))
        keep = df >= self.min_df
        words = list(u[keep])
        self.vocab_ = {w: i + 1 for i, w in enumerate(words)}
        self.n_uni_ = len(words)
        df_uni = df[keep]
        self.bigram_keys_ = np.zeros(0, dtype=np.int64)
        df_bi = np.zeros(0)
        uid = self._unigram_ids(batch)
        if self.ngram_max >= 2 and len(uid) > 1:
            a, b = uid[:-1], uid[1:]
            same = (batch.doc[:-1] == batch.doc[1:]) & (a >= 0) & (b >= 0)
            key = a[same] * self.n_uni_ + b[same]
            dk = np.unique(batch.doc[:-1][same] * (self.n_uni_ ** 2 + 1) + key)
            keys, cnt = np.unique(dk % (self.n_uni_ ** 2 + 1), return_counts=True)
            self.bigram_keys_ = keys[cnt >= self.min_df].astype(np.int64)
            df_bi = cnt[cnt >= self.min_df]
        self.idf_ = np.log((1 + n) / (1 + np.concatenate([df_uni, df_bi]).astype(float))) + 1.0
        inv_vocab = words
        self.names_ = inv_vocab + [f"{inv_vocab[k // self.n_uni_]} {inv_vocab[k % self.n_uni_]}"
                                   for k in self.bigram_keys_]
        return self

    def _matrix(self, batch):
        d, f, first, nn = self._occurrences(batch, self._unigram_ids(batch))
        M = sp.csr_matrix((np.ones(len(d)), (d, f)), shape=(batch.n_docs, len(self.idf_)))
        M.sum_duplicates()  # canonical: sorted indices, no duplicates
        tf = M.data.copy()
        M.data = (1.0 + np.log(M.data)) * self.idf_[M.indices]
        rows = np.repeat(np.arange(batch.n_docs), np.diff(M.indptr))
        norms = np.sqrt(np.bincount(rows, weights=M.data ** 2, minlength=batch.n_docs))
        norms[norms == 0] = 1.0
        M.data *= self.weight / norms[rows]
        return M, tf, (d, f, first, nn)

    def transform(self, X):
        check_is_fitted(self)
        return self._matrix(get_batch(as_text_list(X)))[0]

    def _features(self, batch, weights=None):
        M, tf, (d, f, first, nn) = self._matrix(batch)
        contrib = None
        if weights is not None:
            # value of each (doc, feature) cell, shared by its occurrences and words
            cell = _cell_index(M, d, f)
            share = M.data[cell] * weights[f] / (tf[cell] * nn)
            contrib = np.zeros(len(batch.words))
            np.add.at(contrib, first, share)
            two = nn == 2
            np.add.at(contrib, first[two] + 1, share[two])
        return M, contrib


class NgramScore(TextTransformer):
    """Word n-gram TF-IDF logistic regression, stacked into one score (cross-fitted).

    With ``nb=True`` each n-gram column is scaled by its absolute Naive-Bayes
    log-count ratio (NBSVM-style), learned on the same training data. The score is
    linear in the TF-IDF values, so it splits exactly over the words like
    ``NgramTfidf``.
    """

    _prefix = "ngram"

    def __init__(self, ngram_max=2, min_df=2, C=3.0, nb=True, n_splits=5, random_state=0):
        self.ngram_max = ngram_max
        self.min_df = min_df
        self.C = C
        self.nb = nb
        self.n_splits = n_splits
        self.random_state = random_state

    def _fit_inner(self, X, y):
        vec = NgramTfidf(ngram_max=self.ngram_max, min_df=self.min_df).fit(X)
        A = vec.transform(X)
        r = np.ones(A.shape[1])
        if self.nb:
            p = np.asarray(A[y == 1].sum(axis=0)).ravel() + 1.0
            q = np.asarray(A[y == 0].sum(axis=0)).ravel() + 1.0
            r = np.abs(np.log((p / p.sum()) / (q / q.sum())))
        clf = LogisticRegression(C=self.C, max_iter=2000).fit(A @ sp.diags(r), y)
        return vec, clf.coef_.ravel() * r

    def fit(self, X, y, biased_words=None):  # biased_words: accepted, unused
        self.fit_transform(X, y)
        return self

    def fit_transform(self, X, y, biased_words=None):
        X = as_text_list(X)
        y = np.asarray(y).astype(int)
        F = np.zeros(len(X))
        if len(X) >= 2 * self.n_splits:
            kf = KFold(self.n_splits, shuffle=True, random_state=self.random_state)
            for tr, te in kf.split(X):
                vec, w = self._fit_inner([X[i] for i in tr], y[tr])
                F[te] = vec.transform([X[i] for i in te]) @ w
        self.vectorizer_, self.coef_ = self._fit_inner(X, y)
        self.names_ = ["score"]
        self.scale_ = np.ones(1)
        if len(X) < 2 * self.n_splits:
            F = self._features(Batch(X))[0][:, 0]
        self.scale_ = feature_scale(F[:, None])
        return F[:, None] / self.scale_

    def _features(self, batch, weights=None):
        if weights is None:
            M = self.vectorizer_._features(batch)[0]
            return (M @ self.coef_)[:, None] / self.scale_, None
        M, c = self.vectorizer_._features(batch, self.coef_ * (weights[0] / self.scale_[0]))
        return (M @ self.coef_)[:, None] / self.scale_, c


def _cell_index(M, d, f):
    """Position in M.data of cell (d, f) for a canonical CSR matrix (vectorized)."""
    rows = np.repeat(np.arange(M.shape[0], dtype=np.int64), np.diff(M.indptr))
    keys = rows * M.shape[1] + M.indices
    return np.searchsorted(keys, d.astype(np.int64) * M.shape[1] + f)
