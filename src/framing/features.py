"""Sentence features and the classifier pipeline for loaded-framing detection.

Baseline version: word n-gram TF-IDF + logistic regression, with exact additive
explanations (coef * tf-idf value of each n-gram, split over its words).
"""

from __future__ import annotations

import re

import numpy as np
import scipy.sparse as sp
import sklearn
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.utils.validation import check_is_fitted

TOKEN_RE = re.compile(r"[A-Za-z0-9]+(?:['\u2019][A-Za-z]+)*")

DEFAULT_PARAMS = {
    "ngram_max": 2,
    "min_df": 2,
    "C": 2.0,
}


def tokenize_spans(text: str) -> list[tuple[int, int, str]]:
    """Word tokens with character offsets, lower-cased."""
    return [(m.start(), m.end(), m.group().lower()) for m in TOKEN_RE.finditer(text)]


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


class NgramTfidf(TransformerMixin, BaseEstimator):
    """Word n-gram TF-IDF over the package tokenizer (so n-grams map back to spans)."""

    def __init__(self, ngram_max=2, min_df=2, max_features=None):
        self.ngram_max = ngram_max
        self.min_df = min_df
        self.max_features = max_features

    def _vec(self):
        return TfidfVectorizer(
            tokenizer=_tok_words, token_pattern=None, lowercase=False,
            ngram_range=(1, self.ngram_max), min_df=self.min_df,
            max_features=self.max_features, sublinear_tf=True, dtype=np.float64,
        )

    def fit(self, X, y=None):
        X = _as_text_list(X)
        self.vectorizer_ = self._vec().fit(X)
        self.n_features_out_ = len(self.vectorizer_.vocabulary_)
        return self

    def transform(self, X):
        check_is_fitted(self, "vectorizer_")
        return self.vectorizer_.transform(_as_text_list(X))

    def get_feature_names_out(self, input_features=None):
        check_is_fitted(self, "vectorizer_")
        return np.asarray(["ngram__" + f for f in self.vectorizer_.get_feature_names_out()], dtype=object)

    def token_contributions(self, texts, weights):
        """Per text: array of contributions, one per token of ``tokenize_spans``."""
        M = self.transform(texts).tocsr()
        contrib = M.multiply(weights.reshape(1, -1)).tocsr()
        vocab = self.vectorizer_.vocabulary_
        out = []
        for i, text in enumerate(texts):
            toks = [t for _, _, t in tokenize_spans(text)]
            c = np.zeros(len(toks))
            row = contrib.getrow(i)
            val = dict(zip(row.indices, row.data))
            if val:
                for n in range(1, self.ngram_max + 1):
                    for k in range(len(toks) - n + 1):
                        j = vocab.get(" ".join(toks[k:k + n]))
                        if j is not None and j in val:
                            # the n-gram's value counts every occurrence; share per occurrence
                            c[k:k + n] += val[j] / n / _count(toks, toks[k:k + n])
            out.append(c)
        return out

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        return tags


def _tok_words(text):
    return [t for _, _, t in tokenize_spans(text)]


def _count(toks, gram):
    n = len(gram)
    return sum(1 for k in range(len(toks) - n + 1) if toks[k:k + n] == gram)


QUOTE_RE = re.compile(r'"[^"]*"|\u201c[^\u201d]*\u201d')
DIRECT_QUOTE_MIN_WORDS = 4


def quote_mask(text: str, spans) -> np.ndarray:
    """True for tokens inside a direct quote (a quoted stretch of >= 4 words).

    Shorter quoted stretches are scare quotes: the outlet's own voice.
    """
    mask = np.zeros(len(spans), dtype=bool)
    if '"' not in text and "\u201c" not in text:
        return mask
    starts = np.array([s for s, _, _ in spans], dtype=np.int64)
    for m in QUOTE_RE.finditer(text):
        lo, hi = np.searchsorted(starts, [m.start(), m.end()])
        if hi - lo >= DIRECT_QUOTE_MIN_WORDS:
            mask[lo:hi] = True
    return mask


class LoadedWords(TransformerMixin, BaseEstimator):
    """Loaded-word lexicon learned from word-level annotations (``biased_words``).

    score(w) = smoothed share of training sentences containing w in which the
    annotators marked w as biased. Without ``biased_words`` the fallback is the
    smoothed excess rate of w in sentences labelled loaded (clipped at 0).
    ``fit_transform`` cross-fits (each training fold is scored by a lexicon
    learned on the other folds) so the classifier sees out-of-sample scores.

    Features: sum and max of word scores outside direct quotes, and inside.
    """

    def __init__(self, smoothing=2.0, n_splits=5, random_state=0):
        self.smoothing = smoothing
        self.n_splits = n_splits
        self.random_state = random_state

    def _lexicon(self, toks, y, biased_words):
        seen: dict[str, int] = {}
        hit: dict[str, float] = {}
        for i, ts in enumerate(toks):
            uniq = set(ts)
            if biased_words is not None:
                marked = set()
                for phrase in biased_words[i] or ():
                    marked.update(_tok_words(str(phrase)))
            for w in uniq:
                seen[w] = seen.get(w, 0) + 1
                if biased_words is not None:
                    if w in marked:
                        hit[w] = hit.get(w, 0) + 1
                elif y[i] == 1:
                    hit[w] = hit.get(w, 0) + 1
        a = self.smoothing
        if biased_words is not None:
            prior = sum(hit.values()) / max(1, sum(seen.values()))
            return {w: (hit.get(w, 0) + a * prior) / (n + a) for w, n in seen.items() if w in hit}
        prior = float(np.mean(y)) if len(y) else 0.5
        lex = {}
        for w, n in seen.items():
            v = (hit.get(w, 0) + a * prior) / (n + a) - prior
            if v > 0:
                lex[w] = v
        return lex

    def fit(self, X, y=None, biased_words=None):
        self._fit(X, y, biased_words)
        return self

    def _fit(self, X, y, biased_words):
        X = _as_text_list(X)
        if biased_words is not None and len(biased_words) != len(X):
            raise ValueError("biased_words must have one list per text")
        if biased_words is None and y is None:
            raise ValueError("LoadedWords needs y or biased_words")
        toks = [_tok_words(t) for t in X]
        yy = None if y is None else np.asarray(y)
        self.lexicon_ = self._lexicon(toks, yy, biased_words)
        self.uses_annotations_ = biased_words is not None
        self.n_features_in_ = 1
        return X, toks, yy

    def fit_transform(self, X, y=None, biased_words=None):
        X, toks, yy = self._fit(X, y, biased_words)
        out = np.zeros((len(X), 4))
        if len(X) < 2 * self.n_splits:
            return self.transform(X)
        from sklearn.model_selection import KFold
        kf = KFold(self.n_splits, shuffle=True, random_state=self.random_state)
        for tr, te in kf.split(X):
            lex = self._lexicon([toks[i] for i in tr], None if yy is None else yy[tr],
                                None if biased_words is None else [biased_words[i] for i in tr])
            out[te] = self._features([X[i] for i in te], lex)[0]
        return out

    def _features(self, X, lex):
        out = np.zeros((len(X), 4))
        per_tok = []
        for i, text in enumerate(X):
            spans = tokenize_spans(text)
            s = np.array([lex.get(t, 0.0) for _, _, t in spans])
            q = quote_mask(text, spans)
            per_tok.append((s, q))
            if len(s):
                so, si = s[~q], s[q]
                out[i] = [so.sum(), so.max(initial=0.0), si.sum(), si.max(initial=0.0)]
        return out, per_tok

    def transform(self, X):
        check_is_fitted(self, "lexicon_")
        return self._features(_as_text_list(X), self.lexicon_)[0]

    def get_feature_names_out(self, input_features=None):
        return np.asarray(["loaded__sum", "loaded__max", "loaded__quoted_sum", "loaded__quoted_max"],
                          dtype=object)

    def token_contributions(self, texts, weights):
        _, per_tok = self._features(texts, self.lexicon_)
        out = []
        for s, q in per_tok:
            c = np.zeros(len(s))
            for mask, (w_sum, w_max) in ((~q, weights[0:2]), (q, weights[2:4])):
                if mask.any():
                    idx = np.flatnonzero(mask)
                    c[idx] += w_sum * s[idx]
                    k = idx[np.argmax(s[idx])]
                    c[k] += w_max * s[k]
            out.append(c)
        return out

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        tags.target_tags.required = False
        return tags


def build_pipeline(params: dict, lexicons: dict, random_state: int = 0) -> Pipeline:
    """Pipeline(features -> LogisticRegression); see DEFAULT_PARAMS for the keys."""
    p = {**DEFAULT_PARAMS, **(params or {})}
    unknown = set(p) - set(DEFAULT_PARAMS)
    if unknown:
        raise ValueError(f"unknown model params: {sorted(unknown)}")
    loaded = LoadedWords(random_state=random_state)
    with sklearn.config_context(enable_metadata_routing=True):
        loaded.set_fit_request(biased_words=True)
    feats = FeatureUnion([
        ("ngram", NgramTfidf(ngram_max=p["ngram_max"], min_df=p["min_df"])),
        ("loaded", loaded),
    ])
    clf = LogisticRegression(C=p["C"], max_iter=2000, random_state=random_state)
    return Pipeline([("features", feats), ("clf", clf)])


def explain(pipeline, texts, top_k: int = 8):
    """Per text: [(start, end, weight)] spans pushing towards 'loaded', strongest first."""
    texts = _as_text_list(texts)
    union = pipeline.named_steps["features"]
    coef = pipeline.named_steps["clf"].coef_.ravel()
    contribs = [np.zeros(len(tokenize_spans(t))) for t in texts]
    start = 0
    for _, tr in union.transformer_list:
        n = len(tr.get_feature_names_out())
        for c, add in zip(contribs, tr.token_contributions(texts, coef[start:start + n])):
            c += add
        start += n
    result = []
    for text, c in zip(texts, contribs):
        spans = tokenize_spans(text)
        order = np.argsort(-c, kind="stable")
        out = [(spans[k][0], spans[k][1], float(c[k])) for k in order[:top_k] if c[k] > 0]
        result.append(out)
    return result
