"""Lexicon cues: counts of words from the cue lexicons (Recasens, MPQA, NRC-VAD)."""

from __future__ import annotations

import numpy as np

from framing.features._batch import Batch, TextTransformer, feature_scale
from framing.features._morphology import in_lexicon, inflections, lemma_candidates
from framing.features._tokens import TOKEN_RE, as_text_list
from framing.features._wordllama import base_vocabulary
from framing.lexicons import lexicons_or_default

__all__ = ["LEXICON_FLAGS", "lexicon_matrix", "LexiconCues"]


LEXICON_FLAGS = ("bias", "subj_strong", "subj_weak", "hedges", "assertives", "factives",
                 "implicatives", "report_verbs")


def lexicon_matrix(words, lexicons) -> tuple[np.ndarray, list[str]]:
    """Per word: lexicon memberships (inflections matched to lemmas), polarity, VAD."""
    lex = lexicons or {}
    cols, names = [], []
    for key in LEXICON_FLAGS:
        members = lex.get(key, set())
        cols.append([in_lexicon(w, members) for w in words])
        names.append(key)
    pol = lex.get("polarity", {})
    for p_ in ("negative", "positive"):
        cols.append([any(pol.get(c) == p_ for c in lemma_candidates(w)) for w in words])
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



class LexiconCues(TextTransformer):
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
        X = as_text_list(X)
        lex = lexicons_or_default(self.lexicons)
        batch = Batch(X)
        words = set(base_vocabulary(lex, batch.words, False))
        for key in LEXICON_FLAGS:
            for lemma in lex.get(key, ()):
                if TOKEN_RE.fullmatch(lemma):
                    words.update(inflections(lemma))
        words = sorted(words)
        F, names = lexicon_matrix(words, lex)
        binary = F[:, :12]  # the 0/1 memberships; VAD enters through its thresholds
        keep = binary.any(axis=1)
        words = [w for w, k in zip(words, keep) if k]
        self.vocab_ = {w: i + 1 for i, w in enumerate(words)}
        self.table_ = np.vstack([np.zeros((1, 12)), binary[keep]]).astype(np.uint8)
        self.names_ = [f"{n}" for n in names[:12]] + [f"quoted_{n}" for n in names[:12]]
        self.scale_ = np.ones(24)
        self.scale_ = feature_scale(self._features(batch)[0])
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
