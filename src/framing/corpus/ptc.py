"""Reading PTC, the Propaganda Techniques Corpus (Da San Martino et al. 2019), as sentences.

PTC annotates character spans of 14 propaganda techniques in news articles; two
of them, ``Loaded_Language`` and ``Name_Calling,Labeling``, are loaded framing by
word choice. The article files hold one sentence per line (the title on line 1),
so a line is a sentence here. A sentence overlapping a loaded span is *loaded*,
one overlapping no span of any technique is *neutral*, and one overlapping only
other techniques is *other* (neither: it is propaganda, but not by word choice).
The loaded spans, clipped to the sentence, are its word annotations, like BABE's
``biased_words``. See ../shared/corpora/README.md for the release and its counts.
"""

from __future__ import annotations

import hashlib
import os
import pathlib
from dataclasses import dataclass

from framing.errors import FramingError

__all__ = ["HELDOUT_EVERY", "LABELS_FILE", "LOADED_TECHNIQUES", "PtcSentence", "PtcSpan", "TECHNIQUES", "is_heldout",
           "label_ptc", "loaded_words", "ptc_label", "read_ptc", "technique_matrix"]

LOADED_TECHNIQUES = frozenset({"Loaded_Language", "Name_Calling,Labeling"})
#: PTC's 14 techniques: (the name its labels file uses, the name framing shows), in the
#: order of the technique head's outputs.
TECHNIQUES = (
    ("Loaded_Language", "loaded language"),
    ("Name_Calling,Labeling", "name calling"),
    ("Repetition", "repetition"),
    ("Doubt", "doubt"),
    ("Exaggeration,Minimisation", "exaggeration/minimisation"),
    ("Appeal_to_fear-prejudice", "appeal to fear"),
    ("Flag-Waving", "flag-waving"),
    ("Causal_Oversimplification", "causal oversimplification"),
    ("Appeal_to_Authority", "appeal to authority"),
    ("Slogans", "slogans"),
    ("Whataboutism,Straw_Men,Red_Herring", "whataboutism/straw man/red herring"),
    ("Black-and-White_Fallacy", "black-and-white fallacy"),
    ("Thought-terminating_Cliches", "thought-terminating cliché"),
    ("Bandwagon,Reductio_ad_hitlerum", "bandwagon/reductio ad hitlerum"),
)
LABELS_FILE = "train-task-flc-tc.labels"
ARTICLES_DIR = "train-articles"


@dataclass(frozen=True)
class PtcSpan:
    """One annotated technique; ``start``/``end`` index the article's text (end exclusive)."""

    technique: str
    start: int
    end: int


@dataclass(frozen=True)
class PtcSentence:
    """One non-blank line of an article; ``start``/``end`` index the article's text."""

    article: str
    line: int
    start: int
    end: int
    text: str
    spans: tuple[PtcSpan, ...]  # the technique spans overlapping this sentence, in article offsets


def _read_spans(path: pathlib.Path) -> dict[str, list[PtcSpan]]:
    spans: dict[str, list[PtcSpan]] = {}
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise FramingError("no PTC labels file", path) from None
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        fields = line.split("\t")
        try:
            article, technique, start, end = fields
            span = PtcSpan(technique, int(start), int(end))
        except ValueError:
            raise FramingError("expected article id, technique, start, end (tab-separated)", path, number) from None
        spans.setdefault(article, []).append(span)
    return spans


def read_ptc(directory: str | os.PathLike) -> list[PtcSentence]:
    """Every non-blank line of every article, in article-id then line order, with its spans."""
    root = pathlib.Path(directory)
    articles = root / ARTICLES_DIR
    if not articles.is_dir():
        raise FramingError(f"not a PTC folder (no {ARTICLES_DIR}/)", root)
    spans = _read_spans(root / LABELS_FILE)
    out: list[PtcSentence] = []
    for path in sorted(articles.glob("article*.txt")):
        article = path.stem[len("article"):]
        # newline="" keeps "\r\n" as two characters, as the span offsets count them.
        with open(path, encoding="utf-8", newline="") as fh:
            text = fh.read()
        own = spans.get(article, [])
        pos = 0
        for number, line in enumerate(text.split("\n"), 1):
            start, end = pos, pos + len(line)
            pos = end + 1
            if not line.strip():
                continue
            hits = tuple(s for s in own if s.start < end and s.end > start)
            out.append(PtcSentence(article, number, start, end, line, hits))
    return out


def ptc_label(sentence: PtcSentence) -> str:
    """``loaded`` (overlaps a loaded-language span), ``neutral`` (overlaps no span) or ``other``."""
    if any(s.technique in LOADED_TECHNIQUES for s in sentence.spans):
        return "loaded"
    return "other" if sentence.spans else "neutral"


def loaded_words(sentence: PtcSentence) -> list[str]:
    """The loaded spans' text clipped to the sentence: word annotations, as BABE's ``biased_words``."""
    words = []
    for s in sentence.spans:
        if s.technique in LOADED_TECHNIQUES:
            lo, hi = max(s.start, sentence.start) - sentence.start, min(s.end, sentence.end) - sentence.start
            phrase = sentence.text[lo:hi].strip()
            if phrase and phrase not in words:
                words.append(phrase)
    return words


#: One PTC article in this many is held out of training (by ``is_heldout``), so that a
#: model that learned from PTC can still be checked on PTC articles it never saw.
HELDOUT_EVERY = 3


def is_heldout(article: str) -> bool:
    """Whether a PTC article is kept out of training: a fixed function of its id (a hash,
    not the id's order), so every run and every benchmark holds out the same articles."""
    return int(hashlib.sha256(article.encode("utf-8")).hexdigest()[:8], 16) % HELDOUT_EVERY == 0


def technique_matrix(sentences: list[PtcSentence]):
    """[n, 14] int8: whether each sentence overlaps a span of each technique (``TECHNIQUES``' order).

    Raises on a technique the labels file names that ``TECHNIQUES`` does not know, rather
    than training a head that silently ignores it.
    """
    import numpy as np

    column = {raw: j for j, (raw, _) in enumerate(TECHNIQUES)}
    y = np.zeros((len(sentences), len(TECHNIQUES)), dtype=np.int8)
    for i, s in enumerate(sentences):
        for span in s.spans:
            if span.technique not in column:
                raise FramingError(f"unknown PTC technique {span.technique!r} (article {s.article})")
            y[i, column[span.technique]] = 1
    return y


def label_ptc(sentences: list[PtcSentence]) -> list[tuple[str, str, list[str]]]:
    """(text, label, loaded words) per sentence; ``other`` sentences are kept for the caller to drop."""
    return [(s.text, ptc_label(s), loaded_words(s)) for s in sentences]
