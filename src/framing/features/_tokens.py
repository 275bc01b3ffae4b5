"""Tokens and quote masks: the one word regex of the project.

Features, explanations, the voice splitter and page-furniture rules, and the
article scorer's word weights all split words with ``TOKEN_RE``, so a "word"
means the same thing everywhere. It is defined at the sentences layer
(``framing.sentences.WORD``), below features, so the voice splitter can use it.
"""

from __future__ import annotations

import re

import numpy as np

from framing.sentences import WORD

__all__ = ["TOKEN_RE", "QUOTE_RE", "DIRECT_QUOTE_MIN_WORDS", "tokenize_spans", "tokenize_words", "as_text_list", "quoted_stretches", "quote_mask"]


TOKEN_RE = WORD
QUOTE_RE = re.compile(r'"[^"]*"|\u201c[^\u201d]*\u201d')
DIRECT_QUOTE_MIN_WORDS = 4
_QUOTE_CHAR = re.compile('["\u201c\u201d]')


def tokenize_spans(text: str) -> list[tuple[int, int, str]]:
    """Word tokens with character offsets, lower-cased."""
    return [(m.start(), m.end(), m.group().lower()) for m in TOKEN_RE.finditer(text)]


def tokenize_words(text: str) -> list[str]:
    return TOKEN_RE.findall(text.lower())


def as_text_list(X) -> list[str]:
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
    loose = [i for i in (m.start() for m in _QUOTE_CHAR.finditer(text)) if not inside[i]]
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
