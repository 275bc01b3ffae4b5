"""Loaded words: a per-word lexicon learned from BABE's word-level annotations."""

from __future__ import annotations

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold
from sklearn.utils.validation import check_is_fitted

from framing.features._batch import Batch, TextTransformer, feature_scale
from framing.features._tokens import as_text_list, tokenize_words
from framing.features._wordllama import base_vocabulary, word_vectors
from framing.features.lexicon_cues import lexicon_matrix
from framing.lexicons import lexicons_or_default

__all__ = ["word_matrix", "LoadedWords"]


def word_matrix(words, lexicons):
    """Standardized [wordllama vector, lexicon features] per word (training-time only)."""
    F, _ = lexicon_matrix(words, lexicons)
    X = np.hstack([word_vectors(words), F.astype(np.float32)])
    mu, sd = X.mean(0), X.std(0)
    sd[sd < 1e-6] = 1.0
    return ((X - mu) / sd).astype(np.float32)



class LoadedWords(TextTransformer):
    """Loaded-word lexicon learned from word-level annotations (``biased_words``).

    score(w) = (marked(w) + a * prior(w)) / (seen(w) + a), where seen(w) counts
    training sentences containing w, marked(w) those where annotators marked w as
    biased, and prior(w) is a word-level logistic model on static wordllama
    vectors + lexicon flags (``embedding_prior=True``) or the global rate. Without
    ``biased_words`` the lexicon is learned from sentence labels instead (marked =
    w occurs in a loaded sentence; the score is the excess over the base rate).
    ``fit_transform`` cross-fits: each training sentence is scored by a lexicon
    learned on the other folds, so the classifier sees out-of-sample scores.

    Features (divided by their training std): outside direct quotes the three
    largest word scores, their sum over all words and the number of words scoring
    at least ``threshold``; inside direct quotes the sum and the max. Every feature
    is a sum or a maximum over words, so it splits exactly over them.
    """

    _prefix = "loaded"

    def __init__(self, smoothing=1.0, embedding_prior=True, threshold=0.25, lexicons=None,
                 n_splits=5, random_state=0):
        self.smoothing = smoothing
        self.threshold = threshold
        self.embedding_prior = embedding_prior
        self.lexicons = lexicons
        self.n_splits = n_splits
        self.random_state = random_state

    # -- learning the per-word table
    def _counts(self, batch: Batch, ids, docs_marked, y, doc_subset):
        V = len(self.vocab_) + 1
        sel = np.isin(batch.doc, doc_subset)
        pairs = np.unique(batch.doc[sel] * V + ids[sel])
        d, w = pairs // V, pairs % V
        seen = np.bincount(w, minlength=V).astype(float)
        if docs_marked is not None:
            is_hit = np.fromiter((self.vocab_inv_[k] in docs_marked[j] for j, k in zip(d, w)),
                                 dtype=bool, count=len(d))
        else:
            is_hit = y[d] == 1
        hit = np.bincount(w[is_hit], minlength=V).astype(float)
        seen[0] = hit[0] = 0.0  # unknown words
        return seen, hit

    def _table(self, seen, hit, annotated, y_rate):
        a = float(self.smoothing)
        if annotated:
            if self.embedding_prior:
                prior = self._prior_model(seen, hit)
            else:
                prior = np.full(len(seen), hit.sum() / max(1.0, seen.sum()))
            table = (hit + a * prior) / (seen + a)
        else:
            table = np.maximum((hit + a * y_rate) / (seen + a) - y_rate, 0.0)
            table[seen == 0] = 0.0
        table[0] = 0.0
        return table

    def _prior_model(self, seen, hit):
        m = seen > 0
        Xm = self.word_X_[m]
        pos, neg = hit[m], seen[m] - hit[m]
        X = np.vstack([Xm, Xm])
        yy = np.r_[np.ones(len(Xm)), np.zeros(len(Xm))]
        sw = np.r_[pos, neg]
        keep = sw > 0
        clf = LogisticRegression(C=0.1, max_iter=500, tol=1e-3)
        clf.fit(X[keep], yy[keep], sample_weight=sw[keep])
        p = np.zeros(len(seen))
        p[1:] = clf.predict_proba(self.word_X_[1:])[:, 1]
        return p

    def fit(self, X, y=None, biased_words=None):
        self.fit_transform(X, y, biased_words=biased_words)
        return self

    def fit_transform(self, X, y=None, biased_words=None):
        X = as_text_list(X)
        if biased_words is not None and len(biased_words) != len(X):
            raise ValueError("biased_words must have one list per text")
        if biased_words is None and y is None:
            raise ValueError("LoadedWords needs y or biased_words")
        yy = None if y is None else np.asarray(y).astype(int)
        lex = lexicons_or_default(self.lexicons) if self.embedding_prior else self.lexicons
        batch = Batch(X)
        words = base_vocabulary(lex, batch.words, self.embedding_prior)
        self.vocab_ = {w: i + 1 for i, w in enumerate(words)}
        self.vocab_inv_ = [""] + words
        if self.embedding_prior and biased_words is not None:
            self.word_X_ = word_matrix([""] + words, lex)
        ids = batch.ids(self.vocab_)
        marked = None
        if biased_words is not None:
            marked = [set(w for ph in (bw or ()) for w in tokenize_words(str(ph))) for bw in biased_words]
        y_rate = float(np.mean(yy)) if yy is not None and len(yy) else 0.5
        annotated = biased_words is not None
        all_docs = np.arange(len(X))
        seen, hit = self._counts(batch, ids, marked, yy, all_docs)
        self.table_ = self._table(seen, hit, annotated, y_rate)
        # cross-fitted features for the training texts
        F = np.zeros((len(X), 7))
        if len(X) >= 2 * self.n_splits:
            kf = KFold(self.n_splits, shuffle=True, random_state=self.random_state)
            for tr, te in kf.split(X):
                s_, h_ = self._counts(batch, ids, marked, yy, tr)
                tab = self._table(s_, h_, annotated, y_rate)
                F[te] = self._raw(batch, ids, tab)[0][te]
        else:
            F = self._raw(batch, ids, self.table_)[0]
        self.uses_annotations_ = annotated
        self.scale_ = feature_scale(F)
        self.names_ = ["top1", "top2", "top3", "sum", "n_above", "quoted_sum", "quoted_max"]
        if hasattr(self, "word_X_"):
            del self.word_X_  # training-time only: keeps the pickle small
        del self.vocab_inv_
        return F / self.scale_

    def _raw(self, batch, ids, table, weights=None):
        """Outside direct quotes: the 3 largest word scores, their sum over all words and the
        number of words scoring above ``threshold``; inside: sum and max."""
        s = table[ids]
        outside = ~batch.quoted
        so = np.where(outside, s, 0.0)
        si = np.where(batch.quoted, s, 0.0)
        above = (so >= self.threshold).astype(float)
        top, arg = batch.seg_topk(s, outside, 3)
        mi, ai = batch.seg_max(s, batch.quoted)
        F = np.column_stack([top, batch.seg_sum(so), batch.seg_sum(above), batch.seg_sum(si), mi])
        contrib = None
        if weights is not None:
            w = weights / self.scale_
            contrib = w[3] * so + w[4] * above + w[5] * si
            for r in range(3):
                ok = arg[:, r] >= 0
                np.add.at(contrib, arg[ok, r], w[r] * top[ok, r])
            np.add.at(contrib, ai[ai >= 0], w[6] * mi[ai >= 0])
        return F, contrib

    def _features(self, batch, weights=None):
        F, c = self._raw(batch, batch.ids(self.vocab_), self.table_, weights)
        return F / self.scale_, c

    def word_score(self, word: str) -> float:
        check_is_fitted(self)
        return float(self.table_[self.vocab_.get(word.lower(), 0)])

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = False
        return tags
