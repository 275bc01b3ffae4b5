"""The batch engine: a list of texts as flat token arrays, cached per thread.

Every feature group and ``explain`` work on one :class:`Batch`, so a batch is
tokenized once however many groups read it.
"""

from __future__ import annotations

import operator
import re
import threading
from bisect import bisect_left
from itertools import repeat

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from framing.features._tokens import DIRECT_QUOTE_MIN_WORDS, TOKEN_RE, as_text_list, quoted_stretches

__all__ = ["Batch", "get_batch", "TextTransformer", "feature_scale", "token_spans", "WordTable", "word_table",
           "clear_thread_caches"]


class Batch:
    """A batch of texts as flat token arrays (one row per token)."""

    __slots__ = ("n_docs", "words", "cased", "doc", "offsets", "quoted", "scare", "lengths",
                 "starts", "ends", "_memo")

    def __init__(self, texts: list[str]):
        self.n_docs = len(texts)
        # The whole batch is tokenized as one string: one regex call for the tokens,
        # and their offsets from numpy rather than from a match object per token.
        joined = "\n".join(texts)  # a newline never belongs to a token
        text_start = np.zeros(self.n_docs + 1, dtype=np.int64)
        text_start[1:] = np.cumsum(np.fromiter(map(len, texts), dtype=np.int64, count=self.n_docs) + 1)
        flat = TOKEN_RE.findall(joined)
        starts, ends = token_spans(joined)
        if len(starts) != len(flat) or int((ends - starts).sum()) != sum(map(len, flat)):  # pragma: no cover
            # token_spans disagrees with the regex (tests/test_fast_path.py says it cannot): the regex decides
            spans = np.array([m.span() for m in TOKEN_RE.finditer(joined)], dtype=np.int64).reshape(-1, 2)
            starts, ends = spans[:, 0], spans[:, 1]
        # each text's first token: the first starting at or after the text's start
        self.offsets = np.searchsorted(starts, text_start).astype(np.int64)
        self.offsets[-1] = len(starts)
        self.lengths = np.diff(self.offsets)
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

    def _rows(self) -> tuple[WordTable, np.ndarray]:
        """This thread's word table and the row of every token in it."""
        hit = self._memo.get("rows")
        table = word_table()
        if hit is None or hit[0] is not table or hit[1] != table.generation:
            hit = self._memo["rows"] = (table, table.generation, table.rows_of(self.cased, self.words))
        return hit[0], hit[2]

    def ids(self, vocab: dict) -> np.ndarray:
        """Id of every (lower-cased) token in ``vocab`` (0 = unknown); memoized per vocab."""
        get = vocab.get
        return self.word_values("lower", vocab, lambda pairs: (get(w, 0) for _, w in pairs))

    def cased_ids(self, vocab: dict) -> np.ndarray:
        """Ids of the words as written, falling back to their lower-case form."""
        get = vocab.get
        return self.word_values("cased", vocab, lambda pairs: (get(c) or get(w, 0) for c, w in pairs))

    def in_set(self, members: frozenset) -> np.ndarray:
        """True for every token whose lower-case form is in ``members``."""
        return self.word_values("in", members, lambda pairs: (w in members for _, w in pairs), dtype=bool)

    def word_values(self, key: str, owner, values, dtype=np.int64) -> np.ndarray:
        """Per token, ``values(pairs)`` of its word, computed once per distinct word in
        this thread's word table (``pairs``: (as written, lower-cased)); ``owner`` (the
        object the values come from) keys the cache with ``key``."""
        memo_key = ("values", key, id(owner))
        hit = self._memo.get(memo_key)
        if hit is None or hit[0] is not owner:
            table, rows = self._rows()
            column = table.column(memo_key, owner, values, dtype=dtype)
            hit = self._memo[memo_key] = (owner, column[rows])
        return hit[1]

    def all_caps(self) -> np.ndarray:
        """True for every token written in capitals with at least 4 characters."""
        hit = self._memo.get("all_caps")
        if hit is None:
            table, rows = self._rows()
            column = table.column("all_caps", None, _all_caps, dtype=bool)
            hit = self._memo["all_caps"] = column[rows]
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


def _all_caps(pairs):
    if not pairs:
        return np.zeros(0, dtype=bool)
    cased = np.asarray([c for c, _ in pairs], dtype=str)
    return np.strings.isupper(cased) & (np.strings.str_len(cased) >= 4)


class WordTable:
    """The distinct (as written, lower-cased) tokens one thread has seen, a row each.

    Per-word values (a vocabulary's ids, the capitals flag) are kept per row in
    ``column``s, computed once per distinct word rather than once per batch or per
    token: news repeats its words, so after the first batches a token costs one
    dict lookup. Bounded: past ``MAX_ROWS`` words the table starts afresh and its
    ``generation`` changes, which tells a batch holding old rows to look them up
    again. Thread-local (``word_table``), so it needs no lock.
    """

    MAX_ROWS = 100_000  # some 30 MB at most; starting afresh costs one batch's lookups
    MAX_COLUMNS = 16

    def __init__(self):
        self.generation = 0
        self._clear()

    def _clear(self) -> None:
        self.row: dict[str, int] = {}
        self.pairs: list[tuple[str, str]] = []
        self.columns: dict = {}

    def rows_of(self, cased: list[str], words: list[str]) -> np.ndarray:
        """The row of every token, ``cased[i]`` as written, ``words[i]`` lower-cased.

        Rows are keyed by the word as written: its lower-case form follows from it
        (str.lower's one context rule, the final sigma, looks no further than the
        token's own letters, since tokens are lower-cased between spaces)."""
        if len(self.pairs) + len(cased) > self.MAX_ROWS:
            self._clear()
            self.generation += 1
        rows = np.fromiter(map(self.row.get, cased, repeat(-1)), dtype=np.int64, count=len(cased))
        for k in np.flatnonzero(rows < 0).tolist():
            r = self.row.get(cased[k])
            if r is None:
                r = self.row[cased[k]] = len(self.pairs)
                word = words[k]
                self.pairs.append((cased[k], cased[k] if word == cased[k] else word))  # one string, not two
            rows[k] = r
        return rows

    def column(self, key, owner, values, dtype=np.int64) -> np.ndarray:
        """``values(pairs)`` for every row, extended to new rows as they come; ``owner``
        (the vocabulary) is held so that its ``id`` in the key cannot be reused."""
        entry = self.columns.get(key)
        if entry is None or entry[0] is not owner:
            entry = (owner, np.zeros(0, dtype=dtype))
        done = len(entry[1])
        if done < len(self.pairs):
            new = self.pairs[done:]
            extra = values(new)
            if not isinstance(extra, np.ndarray):
                extra = np.fromiter(extra, dtype=dtype, count=len(new))
            entry = (owner, np.concatenate([entry[1], extra]))
        self.columns.pop(key, None)
        self.columns[key] = entry  # most recently used last
        while len(self.columns) > self.MAX_COLUMNS:
            del self.columns[next(iter(self.columns))]
        return entry[1]


def word_table() -> WordTable:
    """This thread's word table (made on first use)."""
    table = getattr(_CACHE, "words", None)
    if table is None:
        table = _CACHE.words = WordTable()
    return table


# Per code point: 1 a word character of TOKEN_RE ([^\W_]), 0 not, 2 not yet asked; filled
# from the regex itself as new characters turn up, so it cannot disagree with it.
_WORD_CHAR = np.full(0x110000, 2, dtype=np.uint8)
_WORD_CHAR_RE = re.compile(r"[^\W_]")
_APOSTROPHE, _RIGHT_QUOTE = ord("'"), ord("\u2019")


def token_spans(joined: str) -> tuple[np.ndarray, np.ndarray]:
    """(starts, ends) of TOKEN_RE's matches in ``joined``, found without the regex.

    TOKEN_RE is ``[^\\W_]+(?:['\u2019][^\\W_]+)*``: a token is a maximal run of word
    characters and of apostrophes with a word character on each side, so its
    boundaries follow from classifying each character, and which characters are
    word characters is asked of the regex itself. tests/test_features.py checks
    the result against ``TOKEN_RE.finditer`` on corpora and edge cases, and a batch
    checks the tokens' number and lengths against the regex's.
    """
    # surrogatepass: a lone surrogate (a JSON "\\ud800" escape) is a character like any other
    cp = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    cls = _WORD_CHAR[cp]
    unknown = cls == 2
    if unknown.any():
        for c in np.unique(cp[unknown]).tolist():
            _WORD_CHAR[c] = _WORD_CHAR_RE.fullmatch(chr(c)) is not None
        cls = _WORD_CHAR[cp]
    tok = cls.astype(bool)
    if len(cp) > 2:
        tok[1:-1] |= ((cp[1:-1] == _APOSTROPHE) | (cp[1:-1] == _RIGHT_QUOTE)) & tok[:-2] & tok[2:]
    edges = np.flatnonzero(np.diff(np.concatenate([[False], tok, [False]]).view(np.int8)))
    return edges[0::2].astype(np.int64), edges[1::2].astype(np.int64)


_CACHE = threading.local()


def clear_thread_caches() -> None:
    """Forget this thread's word table and last batch (tests hold the optimised paths to fresh state with it)."""
    _CACHE.__dict__.clear()


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
