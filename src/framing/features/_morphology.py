"""Crude English morphology: lexicons list lemmas, sentences hold inflected forms."""

from __future__ import annotations

__all__ = ["SUFFIXES", "lemma_candidates", "inflections", "in_lexicon"]


SUFFIXES = ("ies", "es", "s", "ed", "d", "ing", "ly", "er", "est")


def lemma_candidates(w: str):
    yield w
    for suf in SUFFIXES:
        if w.endswith(suf) and len(w) - len(suf) >= 3:
            stem = w[: -len(suf)]
            yield stem
            yield stem + "e"
            if suf == "ies":
                yield stem + "y"
            if len(stem) > 3 and stem[-1] == stem[-2]:  # stopped -> stop
                yield stem[:-1]


def inflections(lemma: str):
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


def in_lexicon(w: str, words) -> bool:
    return any(c in words for c in lemma_candidates(w))
