"""Sentence features and the classifier pipeline for loaded-framing detection.

Every feature is a sum (or a max) over the words of a sentence, so the linear
classifier's decision splits exactly into per-word contributions; ``explain``
returns them. Feature groups (each a scikit-learn transformer on raw strings):

``LoadedWords``    loaded-word lexicon learned from BABE's word annotations
                   (``biased_words``), cross-fitted inside the training data;
                   words never annotated get a prior from a word-level model on
                   static wordllama embeddings (+ lexicon flags).
``LexiconCues``    counts of words from the Recasens/MPQA/NRC-VAD lexicons.
``StyleCues``      rhetorical questions, exclamations, scare quotes,
                   intensifiers/superlatives, loaded verbs of saying, 2nd person.
``SentenceEmbedding`` mean wordllama word vector, stacked into one score.
``NgramTfidf``     word 1-2-gram TF-IDF (learns topics/outlets; down-weighted).

Words inside a direct quote (a quoted stretch of >= 4 words) are the source's
voice, not the outlet's: the word-level groups count them separately.

A fitted pipeline needs neither the lexicon files nor wordllama: everything is
stored as per-word tables inside the estimators.
"""

from __future__ import annotations

import operator
import re
import threading
from functools import lru_cache

import numpy as np
import scipy.sparse as sp
import sklearn
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.utils.validation import check_is_fitted

from framing.errors import FramingError

TOKEN_RE = re.compile(r"[^\W_]+(?:['\u2019][^\W_]+)*")
QUOTE_RE = re.compile(r'"[^"]*"|\u201c[^\u201d]*\u201d')
DIRECT_QUOTE_MIN_WORDS = 4

DEFAULT_PARAMS = {
    # which feature groups to use
    "use_loaded": True,
    "use_lexicon": False,
    "use_style": True,
    "use_embedding": True,
    "use_ngrams": True,
    # LoadedWords
    "loaded_smoothing": 1.0,
    "loaded_embedding_prior": True,
    # NgramTfidf
    "ngram_max": 2,
    "min_df": 2,
    "ngram_C": 3.0,
    "ngram_nb": True,
    # SentenceEmbedding
    "embedding_C": 0.01,
    # classifier
    "C": 0.1,
    # cross-fitting folds for the stacked/learned features
    "inner_folds": 5,
}


# --------------------------------------------------------------------------- tokens

def tokenize_spans(text: str) -> list[tuple[int, int, str]]:
    """Word tokens with character offsets, lower-cased."""
    return [(m.start(), m.end(), m.group().lower()) for m in TOKEN_RE.finditer(text)]


def _tok_words(text: str) -> list[str]:
    return TOKEN_RE.findall(text.lower())


def _as_text_list(X) -> list[str]:
    if isinstance(X, str):
        raise ValueError("expected a list of strings, got a single string")
    if hasattr(X, "ndim") and getattr(X, "ndim") != 1:
        raise ValueError(f"expected a 1-d sequence of strings, got shape {X.shape}")
    out = list(X)
    for t in out:
        if not isinstance(t, str):
            raise ValueError(f"expected strings, got {type(t).__name__}")
    return out


def quoted_stretches(text: str) -> list[tuple[int, int]]:
    """Character ranges of quoted stretches: paired straight or curly quotes, plus a quote
    left open (runs to the end) or closed without an opening (runs from the start), as
    happens when a multi-sentence quotation is split into sentences."""
    if '"' not in text and "\u201c" not in text and "\u201d" not in text:
        return []
    ranges = [m.span() for m in QUOTE_RE.finditer(text)]
    inside = np.zeros(len(text) + 1, dtype=bool)
    for lo, hi in ranges:
        inside[lo:hi] = True
    loose = [i for i, ch in enumerate(text) if ch in '"\u201c\u201d' and not inside[i]]
    if loose:
        i = loose[0]
        opening = text[i] == "\u201c" or (text[i] == '"' and TOKEN_RE.search(text, i + 1) is not None)
        if opening:
            ranges.append((i, len(text)))
        else:
            ranges.append((0, i + 1))
            if len(loose) > 1 and text[loose[-1]] != "\u201d":  # and one more left open
                ranges.append((loose[-1], len(text)))
    return ranges


def quote_mask(text: str, spans) -> np.ndarray:
    """True for tokens inside a direct quote (a quoted stretch of >= 4 words).

    Shorter quoted stretches are scare quotes: the outlet's own voice.
    """
    mask = np.zeros(len(spans), dtype=bool)
    ranges = quoted_stretches(text)
    if not ranges:
        return mask
    starts = np.array([s for s, _, _ in spans], dtype=np.int64)
    for lo_c, hi_c in ranges:
        lo, hi = np.searchsorted(starts, [lo_c, hi_c])
        if hi - lo >= DIRECT_QUOTE_MIN_WORDS:
            mask[lo:hi] = True
    return mask


class _Batch:
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


def _get_batch(texts: list[str]) -> _Batch:
    """Tokenize once per batch: the feature groups of one FeatureUnion (and explain)
    receive the same list of string objects, so the last batch is reused when every
    element is the very same object (strings are immutable; the cache holds them)."""
    cached = getattr(_CACHE, "last", None)
    if cached is not None:
        old_texts, batch = cached
        if len(old_texts) == len(texts) and all(map(operator.is_, old_texts, texts)):
            return batch
    batch = _Batch(texts)
    _CACHE.last = (list(texts), batch)
    return batch


class _TextTransformer(TransformerMixin, BaseEstimator):
    """Base for transformers on raw strings with per-token attributions."""

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        return tags

    def transform(self, X):
        check_is_fitted(self)
        return self._features(_get_batch(_as_text_list(X)))[0]

    def token_contributions(self, batch: _Batch, weights: np.ndarray) -> np.ndarray:
        """Flat per-token contribution of ``weights @ features`` (exact for sums/maxes)."""
        return self._features(batch, weights)[1]

    def get_feature_names_out(self, input_features=None):
        check_is_fitted(self)
        return np.asarray([f"{self._prefix}__{n}" for n in self.names_], dtype=object)


def _scale(F: np.ndarray) -> np.ndarray:
    s = F.std(axis=0)
    s[s < 1e-9] = 1.0
    return s


# --------------------------------------------------------------------------- wordllama

@lru_cache(maxsize=1)
def _wordllama_tables():
    """(embedding matrix float32, tokenizer) from the files bundled in the wordllama wheel.

    Loaded directly, offline (the package's own loader looks in the wrong folder and
    then tries the network).
    """
    try:
        import wordllama
        from safetensors import safe_open
        from tokenizers import Tokenizer
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise FramingError(
            f"the embedding features need the wordllama package at training time ({exc}); "
            "install it or set model params use_embedding/loaded_embedding_prior to false"
        ) from exc
    from pathlib import Path

    root = Path(wordllama.__file__).parent
    wfile = root / "weights" / "l2_supercat_256.safetensors"
    tfile = root / "tokenizers" / "l2_supercat_tokenizer_config.json"
    if not wfile.is_file() or not tfile.is_file():
        raise FramingError("wordllama's bundled weights/tokenizer not found", path=root)
    with safe_open(str(wfile), framework="numpy") as fh:
        emb = fh.get_tensor("embedding.weight").astype(np.float32)
    return emb, Tokenizer.from_file(str(tfile))


@lru_cache(maxsize=2)
def _wordllama_words(lower: bool = True) -> tuple[str, ...]:
    """Whole words of the wordllama vocabulary (a general English word list)."""
    _, tok = _wordllama_tables()
    words = set()
    for t in tok.get_vocab():
        if t.startswith("\u2581") and len(t) > 2:
            w = t[1:].lower() if lower else t[1:]
            if TOKEN_RE.fullmatch(w):
                words.add(w)
    return tuple(sorted(words))


def word_vectors(words: list[str], return_pieces: bool = False):
    """Static 256-d vector per word: mean of its wordllama sub-word vectors
    (and, with ``return_pieces``, the number of sub-words)."""
    emb, tok = _wordllama_tables()
    out = np.zeros((len(words), emb.shape[1]), dtype=np.float32)
    pieces = np.zeros(len(words))
    if words:
        encs = tok.encode_batch(list(words), add_special_tokens=False)
        for i, e in enumerate(encs):
            ids = [j for j in e.ids if j > 2]
            if ids:
                out[i] = emb[ids].mean(axis=0)
                pieces[i] = len(ids)
    return (out, pieces) if return_pieces else out


def _base_vocabulary(lexicons: dict | None, texts_words, with_wordllama: bool) -> list[str]:
    words = set(texts_words)
    if lexicons:
        for key in ("bias", "assertives", "factives", "hedges", "implicatives", "report_verbs",
                    "subj_strong", "subj_weak"):
            words.update(w for w in lexicons.get(key, ()) if TOKEN_RE.fullmatch(w))
        words.update(w for w in lexicons.get("vad", {}) if TOKEN_RE.fullmatch(w))
    if with_wordllama:
        words.update(_wordllama_words())
    return sorted(words)


# --------------------------------------------------------------------------- lexicon helpers

_SUFFIXES = ("ies", "es", "s", "ed", "d", "ing", "ly", "er", "est")


def _lemma_candidates(w: str):
    yield w
    for suf in _SUFFIXES:
        if w.endswith(suf) and len(w) - len(suf) >= 3:
            stem = w[: -len(suf)]
            yield stem
            yield stem + "e"
            if suf == "ies":
                yield stem + "y"
            if len(stem) > 3 and stem[-1] == stem[-2]:  # stopped -> stop
                yield stem[:-1]


def _inflections(lemma: str):
    """Common inflected/derived forms of a lemma (so unseen inflections still match)."""
    forms = {lemma, lemma + "s", lemma + "es", lemma + "ed", lemma + "d", lemma + "ing",
             lemma + "ly", lemma + "er", lemma + "est"}
    if lemma.endswith("e"):
        forms |= {lemma[:-1] + "ing", lemma[:-1] + "ed"}
    if lemma.endswith("y"):
        forms |= {lemma[:-1] + "ies", lemma[:-1] + "ied", lemma[:-1] + "ily"}
    if len(lemma) >= 3 and lemma[-1] not in "aeiouwxy" and lemma[-2] in "aeiou" and lemma[-3] not in "aeiou":
        forms |= {lemma + lemma[-1] + "ed", lemma + lemma[-1] + "ing"}
    return forms


def _in_lexicon(w: str, words) -> bool:
    return any(c in words for c in _lemma_candidates(w))


LEXICON_FLAGS = ("bias", "subj_strong", "subj_weak", "hedges", "assertives", "factives",
                 "implicatives", "report_verbs")


def _lexicon_matrix(words, lexicons) -> tuple[np.ndarray, list[str]]:
    """Per word: lexicon memberships (inflections matched to lemmas), polarity, VAD."""
    lex = lexicons or {}
    cols, names = [], []
    for key in LEXICON_FLAGS:
        members = lex.get(key, set())
        cols.append([_in_lexicon(w, members) for w in words])
        names.append(key)
    pol = lex.get("polarity", {})
    for p_ in ("negative", "positive"):
        cols.append([any(pol.get(c) == p_ for c in _lemma_candidates(w)) for w in words])
        names.append(p_)
    vad = lex.get("vad", {})
    V = np.array([vad.get(w, (0.5, 0.5, 0.5)) for w in words], dtype=np.float64).reshape(-1, 3)
    cols.append(V[:, 1] >= 0.75)
    names.append("high_arousal")
    cols.append(np.abs(V[:, 0] - 0.5) >= 0.35)
    names.append("strong_valence")
    F = np.array(cols, dtype=np.float64).reshape(len(cols), len(words)).T
    return np.column_stack([F, V, np.abs(V[:, :1] - 0.5)]), names + ["valence", "arousal",
                                                                    "dominance", "valence_dev"]


def _word_matrix(words, lexicons):
    """Standardized [wordllama vector, lexicon features] per word (training-time only)."""
    F, _ = _lexicon_matrix(words, lexicons)
    X = np.hstack([word_vectors(words), F.astype(np.float32)])
    mu, sd = X.mean(0), X.std(0)
    sd[sd < 1e-6] = 1.0
    return ((X - mu) / sd).astype(np.float32)


# --------------------------------------------------------------------------- LoadedWords

class LoadedWords(_TextTransformer):
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
    def _counts(self, batch: _Batch, ids, docs_marked, y, doc_subset):
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
        X = _as_text_list(X)
        if biased_words is not None and len(biased_words) != len(X):
            raise ValueError("biased_words must have one list per text")
        if biased_words is None and y is None:
            raise ValueError("LoadedWords needs y or biased_words")
        yy = None if y is None else np.asarray(y).astype(int)
        lex = self.lexicons
        if lex is None and self.embedding_prior:
            from framing.lexicons import load_lexicons
            lex = load_lexicons()
        batch = _Batch(X)
        words = _base_vocabulary(lex, batch.words, self.embedding_prior)
        self.vocab_ = {w: i + 1 for i, w in enumerate(words)}
        self.vocab_inv_ = [""] + words
        if self.embedding_prior and biased_words is not None:
            self.word_X_ = _word_matrix([""] + words, lex)
        ids = batch.ids(self.vocab_)
        marked = None
        if biased_words is not None:
            marked = [set(w for ph in (bw or ()) for w in _tok_words(str(ph))) for bw in biased_words]
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
        self.scale_ = _scale(F)
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


# --------------------------------------------------------------------------- LexiconCues

class LexiconCues(_TextTransformer):
    """Counts of lexicon words (Recasens bias lemmas, hedges, assertive/factive/implicative
    and report verbs, MPQA strong/weak subjective and polar words, NRC-VAD high-arousal
    and strongly valenced words), outside and inside direct quotes.

    The lexicons are read at fit time (``lexicons=None``: from ``load_lexicons()``)
    and stored as a per-word table; the fitted transformer needs no files.
    """

    _prefix = "lexicon"

    def __init__(self, lexicons=None):
        self.lexicons = lexicons

    def fit(self, X, y=None, biased_words=None):  # biased_words: accepted, unused
        X = _as_text_list(X)
        lex = self.lexicons
        if lex is None:
            from framing.lexicons import load_lexicons
            lex = load_lexicons()
        batch = _Batch(X)
        words = set(_base_vocabulary(lex, batch.words, False))
        for key in LEXICON_FLAGS:
            for lemma in lex.get(key, ()):
                if TOKEN_RE.fullmatch(lemma):
                    words.update(_inflections(lemma))
        words = sorted(words)
        F, names = _lexicon_matrix(words, lex)
        binary = F[:, :12]  # the 0/1 memberships; VAD enters through its thresholds
        keep = binary.any(axis=1)
        words = [w for w, k in zip(words, keep) if k]
        self.vocab_ = {w: i + 1 for i, w in enumerate(words)}
        self.table_ = np.vstack([np.zeros((1, 12)), binary[keep]]).astype(np.uint8)
        self.names_ = [f"{n}" for n in names[:12]] + [f"quoted_{n}" for n in names[:12]]
        self.scale_ = np.ones(24)
        self.scale_ = _scale(self._features(batch)[0])
        return self

    def _features(self, batch, weights=None):
        T = self.table_[batch.ids(self.vocab_)].astype(np.float64)
        q = batch.quoted[:, None]
        F = batch.seg_sum_columns(np.hstack([T * ~q, T * q]))
        contrib = None
        if weights is not None:
            w = weights / self.scale_
            contrib = np.where(q[:, 0], T @ w[12:], T @ w[:12])
        return F / self.scale_, contrib


# --------------------------------------------------------------------------- StyleCues

INTENSIFIERS = frozenset("""very extremely incredibly utterly totally absolutely completely
entirely truly really so too deeply highly hugely massively wildly remarkably staggeringly
shockingly outright sheer downright thoroughly fully enormously exceedingly awfully terribly
particularly especially simply just even literally actually clearly obviously undeniably
""".split())
LOADED_SAYING = frozenset("""claim claims claimed claiming admit admits admitted admitting
insist insists insisted insisting slam slams slammed slamming blast blasts blasted blasting
rip rips ripped tout touts touted touting boast boasts boasted boasting concede concedes
conceded conceding allege alleges alleged allegedly brag brags bragged rant rants ranted
whine whines whined lash lashes lashed decry decries decried scoff scoffs scoffed sneer
sneers sneered smear smears smeared mock mocks mocked bash bashes bashed trash trashes trashed
fume fumes fumed rail rails railed gloat gloats gloated howl howls howled shriek shrieks
shrieked spew spews spewed peddle peddles peddled parrot parrots parroted purport purports
purported so-called""".split())
NEUTRAL_SAYING = frozenset("said says say told tells stated states according added adds noted "
                           "notes announced announces reported reports explained".split())
SECOND_PERSON = frozenset("you your yours yourself yourselves".split())
FIRST_PLURAL = frozenset("we our ours us ourselves".split())
PRESCRIPTIVE = frozenset("must should ought needs need".split())
SUPERLATIVE_WORDS = frozenset("most least best worst".split())

_STYLE_WORD = ["intensifier", "superlative", "loaded_saying", "neutral_saying", "second_person",
               "first_plural", "prescriptive", "scare_quoted", "direct_quoted", "all_caps"]
_STYLE_DOC = ["question", "exclamation", "log_length"]


class StyleCues(_TextTransformer):
    """Style cues: intensifiers, superlatives, loaded/neutral verbs of saying, 2nd person,
    1st person plural, prescriptive modals, scare-quoted and direct-quoted words, ALL-CAPS
    words (per word), plus '?', '!' counts and log length (per sentence, no word span).

    Word lists are generic English function/style words, not learned and not tuned to
    any article. Superlatives are "-est" forms of adjectives found in the NRC-VAD word
    list (read at fit time).
    """

    _prefix = "style"

    def __init__(self, lexicons=None):
        self.lexicons = lexicons

    def fit(self, X, y=None, biased_words=None):  # biased_words: accepted, unused
        X = _as_text_list(X)
        lex = self.lexicons
        if lex is None:
            from framing.lexicons import load_lexicons
            lex = load_lexicons()
        base = set(lex.get("vad", {})) | set(lex.get("subj_strong", ())) | set(lex.get("subj_weak", ()))
        batch = _Batch(X)
        words = set(_base_vocabulary(lex, batch.words, False))
        sup = set(SUPERLATIVE_WORDS)
        for w in words:
            if w.endswith("est") and len(w) >= 5:
                stems = (w[:-3], w[:-2], w[:-4] + "y", w[:-4] if w[-4:-3] == w[-5:-4] else "")
                if any(len(st) >= 3 and st in base for st in stems) and w not in base:
                    sup.add(w)
        self.superlatives_ = frozenset(sup)
        lists = (INTENSIFIERS, self.superlatives_, LOADED_SAYING, NEUTRAL_SAYING, SECOND_PERSON,
                 FIRST_PLURAL, PRESCRIPTIVE)
        vocab = sorted(set().union(*lists))
        self.vocab_ = {w: i + 1 for i, w in enumerate(vocab)}
        self.table_ = np.zeros((len(vocab) + 1, len(lists)))
        for j, members in enumerate(lists):
            for w in members:
                self.table_[self.vocab_[w], j] = 1.0
        self.names_ = _STYLE_WORD + _STYLE_DOC
        self.scale_ = np.ones(len(self.names_))
        self.texts_ = None
        self.scale_ = _scale(self._features(batch, texts=X)[0])
        return self

    def transform(self, X):
        check_is_fitted(self)
        X = _as_text_list(X)
        return self._features(_get_batch(X), texts=X)[0]

    def token_contributions(self, batch, weights, texts=None):
        return self._features(batch, weights, texts=texts)[1]

    def _features(self, batch, weights=None, texts=None):
        words = batch.words
        n = len(words)
        T = np.zeros((n, len(_STYLE_WORD)))
        T[:, :7] = self.table_[batch.ids(self.vocab_)] * ~batch.quoted[:, None]
        T[:, 7] = batch.scare
        T[:, 8] = batch.quoted
        if n:
            cased = np.asarray(batch.cased, dtype=str)
            T[:, 9] = np.strings.isupper(cased) & (np.strings.str_len(cased) >= 4)
        F = np.zeros((batch.n_docs, len(self.names_)))
        F[:, : T.shape[1]] = batch.seg_sum_columns(T)
        if texts is not None:
            F[:, -3] = [t.count("?") for t in texts]
            F[:, -2] = [t.count("!") for t in texts]
        F[:, -1] = np.log1p(batch.lengths)
        contrib = None
        if weights is not None:
            w = weights / self.scale_
            contrib = T @ w[: T.shape[1]]
        return F / self.scale_, contrib


# --------------------------------------------------------------------------- SentenceEmbedding

class SentenceEmbedding(_TextTransformer):
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
        X = _as_text_list(X)
        y = np.asarray(y).astype(int)
        batch = _Batch(X)
        words = set(batch.cased) | set(_wordllama_words(lower=False)) | set(_wordllama_words(lower=True))
        if self.lexicons:
            words.update(_base_vocabulary(self.lexicons, (), False))
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
        self.scale_ = _scale(F[:, None])
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


# --------------------------------------------------------------------------- NgramTfidf

class NgramTfidf(_TextTransformer):
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
        X = _as_text_list(X)
        batch = _Batch(X)
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
        return self._matrix(_get_batch(_as_text_list(X)))[0]

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


class NgramScore(_TextTransformer):
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
        X = _as_text_list(X)
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
            F = self._features(_Batch(X))[0][:, 0]
        self.scale_ = _scale(F[:, None])
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


# --------------------------------------------------------------------------- pipeline

def build_pipeline(params: dict, lexicons: dict, random_state: int = 0) -> Pipeline:
    """Pipeline(FeatureUnion of feature groups -> LogisticRegression).

    ``params`` (flat; see DEFAULT_PARAMS for every key and default). Fit with
    ``pipeline.fit(texts, y, biased_words=...)`` inside
    ``sklearn.config_context(enable_metadata_routing=True)``; without
    ``biased_words`` the learned lexicon falls back to sentence labels.
    """
    p = {**DEFAULT_PARAMS, **(params or {})}
    unknown = set(p) - set(DEFAULT_PARAMS)
    if unknown:
        raise ValueError(f"unknown model params: {sorted(unknown)}")
    if not lexicons:
        from framing.lexicons import load_lexicons

        lexicons = load_lexicons()  # FramingError if they cannot be found
    groups = []
    if p["use_loaded"]:
        loaded = LoadedWords(smoothing=p["loaded_smoothing"], embedding_prior=p["loaded_embedding_prior"],
                             lexicons=lexicons, n_splits=p["inner_folds"], random_state=random_state)
        with sklearn.config_context(enable_metadata_routing=True):
            loaded.set_fit_request(biased_words=True)
        groups.append(("loaded", loaded))
    if p["use_lexicon"]:
        groups.append(("lexicon", LexiconCues(lexicons=lexicons)))
    if p["use_style"]:
        groups.append(("style", StyleCues(lexicons=lexicons)))
    if p["use_embedding"]:
        groups.append(("embedding", SentenceEmbedding(C=p["embedding_C"], lexicons=lexicons, n_splits=p["inner_folds"],
                                                      random_state=random_state)))
    if p["use_ngrams"]:
        groups.append(("ngram", NgramScore(ngram_max=p["ngram_max"], min_df=p["min_df"],
                                           C=p["ngram_C"], nb=p["ngram_nb"],
                                           n_splits=p["inner_folds"], random_state=random_state)))
    if not groups:
        raise ValueError("model params switch off every feature group")
    # Only LoadedWords uses the word annotations; the other groups accept and ignore them.
    # If LoadedWords is off, the first group requests them anyway so that callers can
    # pass biased_words whatever the parameters.
    with sklearn.config_context(enable_metadata_routing=True):
        for k, (_, est) in enumerate(groups):
            if not isinstance(est, LoadedWords):
                est.set_fit_request(biased_words=(k == 0 and not p["use_loaded"]))
    clf = LogisticRegression(C=p["C"], max_iter=5000, random_state=random_state)
    return Pipeline([("features", FeatureUnion(groups)), ("clf", clf)])


FUNCTION_WORDS = frozenset("""a an the and or but nor of in on at by for with about against between
into through during before after above below to from up down over under again then once here there
when where how all both each other such not own same than can will just i me my we our he him his
she her it its they them their this that these those am is are was were be been being have has had
do does did would could as until while if because""".split())


def explain(pipeline, texts, top_k: int = 8, skip_function_words: bool = True):
    """Per text: [(start, end, weight)] word spans pushing towards 'loaded', strongest first.

    weight = the word's exact additive share of the classifier's decision value
    (coef x the part of each feature the word accounts for). Sentence-level
    features ('?', '!', length) have no word and are not listed. Closed-class
    words (articles, prepositions, auxiliaries, ...) are not listed as cues unless
    ``skip_function_words=False``; their contribution still counts in the score.
    """
    texts = _as_text_list(texts)
    union = pipeline.named_steps["features"]
    coef = pipeline.named_steps["clf"].coef_.ravel()
    batch = _get_batch(texts)
    total = np.zeros(len(batch.words))
    start = 0
    for _, tr in union.transformer_list:
        n = len(tr.get_feature_names_out())
        w = coef[start:start + n]
        if isinstance(tr, StyleCues):
            total += tr.token_contributions(batch, w, texts=texts)
        else:
            total += tr.token_contributions(batch, w)
        start += n
    if skip_function_words and len(batch.words):
        fw = np.fromiter(map(FUNCTION_WORDS.__contains__, batch.words), dtype=bool,
                         count=len(batch.words))
        total = np.where(fw, 0.0, total)
    # top_k positive tokens per doc, strongest first
    order = np.lexsort((-total, batch.doc))
    rank = np.arange(len(order)) - batch.offsets[batch.doc[order]]
    sel = order[(rank < top_k) & (total[order] > 0)]
    starts, ends = _token_offsets(texts, batch)
    result: list[list[tuple[int, int, float]]] = [[] for _ in texts]
    sel_doc = batch.doc[sel]
    bounds = np.searchsorted(sel_doc, np.arange(len(texts) + 1)).tolist()
    triples = list(zip(starts[sel].tolist(), ends[sel].tolist(), total[sel].tolist()))
    for i in np.flatnonzero(np.diff(bounds)).tolist():
        result[i] = triples[bounds[i]:bounds[i + 1]]
    return result


def _token_offsets(texts, batch):
    """Character start/end of every token of the batch, relative to its own text."""
    joined = "\n".join(texts)  # a newline never belongs to a token
    spans = np.array([m.span() for m in TOKEN_RE.finditer(joined)], dtype=np.int64).reshape(-1, 2)
    if len(spans) != len(batch.words):  # pragma: no cover - defensive
        spans = np.array([m.span() for t in texts for m in TOKEN_RE.finditer(t)],
                         dtype=np.int64).reshape(-1, 2)
        return spans[:, 0], spans[:, 1]
    text_start = np.concatenate([[0], np.cumsum([len(t) + 1 for t in texts])])[:-1]
    base = text_start[batch.doc]
    return spans[:, 0] - base, spans[:, 1] - base
