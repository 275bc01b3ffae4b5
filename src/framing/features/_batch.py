"""The batch engine: a list of texts as flat token arrays, cached per thread.

Every feature group and ``explain`` work on one :class:`Batch`, so a batch is
tokenized once however many groups read it.
"""

from __future__ import annotations

import operator
import threading

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from framing.features._tokens import DIRECT_QUOTE_MIN_WORDS, TOKEN_RE, as_text_list, quoted_stretches

__all__ = ["Batch", "get_batch", "TextTransformer", "feature_scale"]


class Batch:
    """A batch of texts as flat token arrays (one row per token)."""

    __slots__ = ("n_docs", "words", "cased", "doc", "offsets", "quoted", "scare", "lengths",
                 "_memo")

    def __init__(self, texts: list[str]):
        self.n_docs = len(texts)
        per_doc = [TOKEN_RE.findall(t) for t in texts]
        self.lengths = np.fromiter((len(w) for w in per_doc), dtype=np.int64, count=len(per_doc))
        self.offsets = np.concatenate([[0], np.cumsum(self.lengths)])
        n_tok = int(self.offsets[-1])
        flat = [w for ws in per_doc for w in ws]
        self.cased = flat
        self.words = " ".join(flat).lower().split(" ") if flat else []
        if len(self.words) != n_tok:  # exotic case folding; fall back to per-word lowering
            self.words = [w.lower() for w in flat]
        self.doc = np.repeat(np.arange(self.n_docs), self.lengths)
        self._memo = {}
        self.quoted = np.zeros(n_tok, dtype=bool)
        self.scare = np.zeros(n_tok, dtype=bool)
        for i, t in enumerate(texts):
            ranges = quoted_stretches(t)
            if ranges:
                starts = np.array([m.start() for m in TOKEN_RE.finditer(t)], dtype=np.int64)
                base = self.offsets[i]
                for lo_c, hi_c in ranges:
                    lo, hi = np.searchsorted(starts, [lo_c, hi_c])
                    if hi - lo >= DIRECT_QUOTE_MIN_WORDS:
                        self.quoted[base + lo:base + hi] = True
                    elif hi > lo:
                        self.scare[base + lo:base + hi] = True

    def ids(self, vocab: dict) -> np.ndarray:
        """Id of every (lower-cased) token in ``vocab`` (0 = unknown); memoized per vocab."""
        key = ("lower", id(vocab))
        hit = self._memo.get(key)
        if hit is None or hit[0] is not vocab:
            get = vocab.get
            ids = np.fromiter(map(get, self.words, [0] * len(self.words)), dtype=np.int64,
                              count=len(self.words))
            hit = self._memo[key] = (vocab, ids)
        return hit[1]

    def cased_ids(self, vocab: dict) -> np.ndarray:
        """Ids of the words as written, falling back to their lower-case form."""
        key = ("cased", id(vocab))
        hit = self._memo.get(key)
        if hit is None or hit[0] is not vocab:
            get = vocab.get
            ids = np.fromiter((get(c) or get(w, 0) for c, w in zip(self.cased, self.words)),
                              dtype=np.int64, count=len(self.words))
            hit = self._memo[key] = (vocab, ids)
        return hit[1]

    def seg_sum_columns(self, M: np.ndarray) -> np.ndarray:
        """Per doc sums of every column of a (n_tokens, k) matrix."""
        S = self._memo.get("docs")
        if S is None:
            n = len(self.words)
            S = self._memo["docs"] = sp.csr_matrix(
                (np.ones(n), (self.doc, np.arange(n))), shape=(self.n_docs, n))
        return np.asarray(S @ M)

    def seg_sum(self, values: np.ndarray) -> np.ndarray:
        return np.bincount(self.doc, weights=values, minlength=self.n_docs)

    def seg_topk(self, values: np.ndarray, mask: np.ndarray, k: int):
        """Per doc: the k largest positive masked values (0-padded) and their tokens (-1)."""
        v = np.where(mask, values, -np.inf)
        out = np.zeros((self.n_docs, k))
        arg = np.full((self.n_docs, k), -1, dtype=np.int64)
        if len(v) == 0:
            return out, arg
        order = np.lexsort((-v, self.doc))  # per doc, largest first
        for r in range(k):
            has = self.lengths > r
            cand = order[self.offsets[:-1][has] + r]
            ok = np.isfinite(v[cand]) & (v[cand] > 0)
            docs = np.flatnonzero(has)[ok]
            out[docs, r] = v[cand[ok]]
            arg[docs, r] = cand[ok]
        return out, arg

    def seg_max(self, values: np.ndarray, mask: np.ndarray | None = None):
        """Per doc: max of values over masked tokens (0 if none) and the argmax token (-1)."""
        v = values if mask is None else np.where(mask, values, -np.inf)
        out = np.zeros(self.n_docs)
        arg = np.full(self.n_docs, -1, dtype=np.int64)
        if len(v) == 0:
            return out, arg
        # sort by (doc, value) and take the last of each doc
        order = np.lexsort((v, self.doc))
        last = self.offsets[1:] - 1
        has = self.lengths > 0
        cand = order[last[has]]
        ok = np.isfinite(v[cand]) & (v[cand] > 0)
        docs = np.flatnonzero(has)[ok]
        out[docs] = v[cand[ok]]
        arg[docs] = cand[ok]
        return out, arg


_CACHE = threading.local()


def get_batch(texts: list[str]) -> Batch:
    """Tokenize once per batch: the feature groups of one FeatureUnion (and explain)
    receive the same list of string objects, so the last batch is reused when every
    element is the very same object (strings are immutable; the cache holds them)."""
    cached = getattr(_CACHE, "last", None)
    if cached is not None:
        old_texts, batch = cached
        if len(old_texts) == len(texts) and all(map(operator.is_, old_texts, texts)):
            return batch
    batch = Batch(texts)
    _CACHE.last = (list(texts), batch)
    return batch


class TextTransformer(TransformerMixin, BaseEstimator):
    """Base for transformers on raw strings with per-token attributions."""

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        return tags

    def transform(self, X):
        check_is_fitted(self)
        return self._features(get_batch(as_text_list(X)))[0]

    def token_contributions(self, batch: Batch, weights: np.ndarray, texts=None) -> np.ndarray:
        """Flat per-token contribution of ``weights @ features`` (exact for sums/maxes).

        ``texts`` are the batch's texts, for groups that read more than its tokens."""
        return self._features(batch, weights)[1]

    def get_feature_names_out(self, input_features=None):
        check_is_fitted(self)
        return np.asarray([f"{self._prefix}__{n}" for n in self.names_], dtype=object)


def feature_scale(F: np.ndarray) -> np.ndarray:
    s = F.std(axis=0)
    s[s < 1e-9] = 1.0
    return s
