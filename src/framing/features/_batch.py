"""The batch engine: a list of texts as flat token arrays, cached per thread.

Every feature group and ``explain`` work on one :class:`Batch`, so a batch is
tokenized once however many groups read it.
"""

from __future__ import annotations

import operator
import re
import threading
from bisect import bisect_left

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from framing.features._tokens import DIRECT_QUOTE_MIN_WORDS, TOKEN_RE, as_text_list, quoted_stretches

__all__ = ["Batch", "get_batch", "TextTransformer", "feature_scale"]


class Batch:
    """A batch of texts as flat token arrays (one row per token)."""

    __slots__ = ("n_docs", "words", "cased", "doc", "offsets", "quoted", "scare", "lengths",
                 "starts", "ends", "_memo")

    def __init__(self, texts: list[str]):
        self.n_docs = len(texts)
        # The whole batch is tokenized as one string: one regex call, and the
        # tokens' offsets come from numpy rather than a match object per token.
        joined = "\n".join(texts)  # a newline never belongs to a token
        text_start = np.zeros(self.n_docs + 1, dtype=np.int64)
        text_start[1:] = np.cumsum(np.fromiter(map(len, texts), dtype=np.int64, count=self.n_docs) + 1)
        flat = TOKEN_RE.findall(joined)
        spans = _token_spans(joined, flat)
        if spans is None:  # pragma: no cover - _token_spans disagrees with the regex
            spans = np.array([m.span() for m in TOKEN_RE.finditer(joined)], dtype=np.int64).reshape(-1, 2).T
        starts, ends = spans
        doc = np.searchsorted(text_start, starts, side="right") - 1
        self.lengths = np.bincount(doc, minlength=self.n_docs).astype(np.int64)
        self.offsets = np.concatenate([[0], np.cumsum(self.lengths)])
        n_tok = int(self.offsets[-1])
        self.cased = flat
        self.words = " ".join(flat).lower().split(" ") if flat else []
        if len(self.words) != n_tok:  # exotic case folding; fall back to per-word lowering
            self.words = [w.lower() for w in flat]
        self.doc = np.repeat(np.arange(self.n_docs), self.lengths)
        base = text_start[:-1][self.doc]
        self.starts, self.ends = starts - base, ends - base  # relative to each token's own text
        self._memo = {}
        self.quoted = np.zeros(n_tok, dtype=bool)
        self.scare = np.zeros(n_tok, dtype=bool)
        global_starts = None
        for i, t in enumerate(texts):
            ranges = quoted_stretches(t)
            if ranges:
                if global_starts is None:
                    global_starts = starts.tolist()
                lo_tok, hi_tok, shift = int(self.offsets[i]), int(self.offsets[i + 1]), int(text_start[i])
                for lo_c, hi_c in ranges:
                    # the first token starting at or after each end of the range
                    lo = bisect_left(global_starts, lo_c + shift, lo_tok, hi_tok)
                    hi = bisect_left(global_starts, hi_c + shift, lo_tok, hi_tok)
                    if hi - lo >= DIRECT_QUOTE_MIN_WORDS:
                        self.quoted[lo:hi] = True
                    elif hi > lo:
                        self.scare[lo:hi] = True

    def _unique(self):
        """(distinct (cased, lower) token pairs, index of every token's pair): per-word
        lookups are done once per distinct word, not once per token."""
        hit = self._memo.get("unique")
        if hit is None:
            pairs = dict.fromkeys(zip(self.cased, self.words))
            index = {pair: i for i, pair in enumerate(pairs)}
            inverse = np.fromiter(map(index.__getitem__, zip(self.cased, self.words)), dtype=np.int64,
                                  count=len(self.words))
            hit = self._memo["unique"] = (list(pairs), inverse)
        return hit

    def ids(self, vocab: dict) -> np.ndarray:
        """Id of every (lower-cased) token in ``vocab`` (0 = unknown); memoized per vocab."""
        key = ("lower", id(vocab))
        hit = self._memo.get(key)
        if hit is None or hit[0] is not vocab:
            pairs, inverse = self._unique()
            get = vocab.get
            uids = np.fromiter((get(w, 0) for _, w in pairs), dtype=np.int64, count=len(pairs))
            hit = self._memo[key] = (vocab, uids[inverse])
        return hit[1]

    def cased_ids(self, vocab: dict) -> np.ndarray:
        """Ids of the words as written, falling back to their lower-case form."""
        key = ("cased", id(vocab))
        hit = self._memo.get(key)
        if hit is None or hit[0] is not vocab:
            pairs, inverse = self._unique()
            get = vocab.get
            uids = np.fromiter((get(c) or get(w, 0) for c, w in pairs), dtype=np.int64, count=len(pairs))
            hit = self._memo[key] = (vocab, uids[inverse])
        return hit[1]

    def all_caps(self) -> np.ndarray:
        """True for every token written in capitals with at least 4 characters."""
        hit = self._memo.get("all_caps")
        if hit is None:
            pairs, inverse = self._unique()
            if pairs:
                cased = np.asarray([c for c, _ in pairs], dtype=str)
                caps = np.strings.isupper(cased) & (np.strings.str_len(cased) >= 4)
            else:
                caps = np.zeros(0, dtype=bool)
            hit = self._memo["all_caps"] = caps[inverse]
        return hit

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


# Per code point: 1 a word character of TOKEN_RE ([^\W_]), 0 not, 2 not yet asked; filled
# from the regex itself as new characters turn up, so it cannot disagree with it.
_WORD_CHAR = np.full(0x110000, 2, dtype=np.uint8)
_WORD_CHAR_RE = re.compile(r"[^\W_]")
_APOSTROPHES = np.array([ord("'"), ord("\u2019")], dtype=np.uint32)


def _token_spans(joined: str, tokens: list[str]) -> np.ndarray | None:
    """(starts, ends) of TOKEN_RE's matches in ``joined``, whose matches are ``tokens``.

    A token is a maximal run of word characters and of apostrophes with a word
    character on each side (TOKEN_RE = ``[^\\W_]+(?:['\u2019][^\\W_]+)*``), so its
    boundaries follow from classifying each character. None if the result does not
    agree with ``tokens`` in number and lengths (the caller then asks the regex).
    """
    # surrogatepass: a lone surrogate (a JSON "\\ud800" escape) is a character like any other
    cp = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    cls = _WORD_CHAR[cp]
    unknown = cls == 2
    if unknown.any():
        for c in np.unique(cp[unknown]).tolist():
            _WORD_CHAR[c] = _WORD_CHAR_RE.fullmatch(chr(c)) is not None
        cls = _WORD_CHAR[cp]
    word = cls.astype(bool)
    inner = np.zeros(len(cp), dtype=bool)
    if len(cp) > 2:
        inner[1:-1] = np.isin(cp[1:-1], _APOSTROPHES) & word[:-2] & word[2:]
    tok = word | inner
    edges = np.flatnonzero(np.diff(np.concatenate([[False], tok, [False]]).view(np.int8)))
    starts, ends = edges[0::2], edges[1::2]
    if len(starts) != len(tokens) or int((ends - starts).sum()) != sum(map(len, tokens)):
        return None
    return np.stack([starts, ends]).astype(np.int64)


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

    def features_and_contributions(self, batch: Batch, weights: np.ndarray, texts=None):
        """(``transform``'s features, ``token_contributions``) of one batch, computed together."""
        return self._features(batch, weights)

    def get_feature_names_out(self, input_features=None):
        check_is_fitted(self)
        return np.asarray([f"{self._prefix}__{n}" for n in self.names_], dtype=object)


def feature_scale(F: np.ndarray) -> np.ndarray:
    s = F.std(axis=0)
    s[s < 1e-9] = 1.0
    return s
