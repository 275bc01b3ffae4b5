"""The scoring stage: an article in, every sentence labelled, one article score out.

The article score is the expected share of the outlet's own sentences that are
loaded: the mean calibrated probability over the sentences written in the
outlet's voice. Because the probabilities are calibrated, "0.30" reads as
"about three in ten of the sentences the outlet wrote carry loaded framing".
A mean of probabilities rather than a count of sentences over the threshold
keeps the score smooth (one sentence moving from 0.49 to 0.51 does not jump
it) and independent of the threshold a reader picks with ``--threshold``.

What counts as the outlet's own voice:

* the headline, counted as one unit like any other sentence even when it
  splits into two ("Trump Was Right? Obama Admits ..."), with the
  probability of its most loaded part: a headline is loaded when any of it
  is. It is the outlet's most-read line, but weighting it more would let one
  line decide a thirty-sentence article; it is reported beside the score;
* every other sentence except direct quotation and page furniture.

Quoted speech is scored and shown, but apart (``quoted_score``): a neutral
report that quotes an angry senator is not a loaded article. Page furniture is
what scrapers leave between paragraphs ("Watch CBS News", "Related Video:",
"Show Full Article"): a line under ``MIN_WORDS`` words with no sentence-final
punctuation is not a sentence anyone wrote as reporting, and counting it would
pull every scraped page towards the classifier's prior.

Every sentence keeps all the cues the model gives (the JSON lists them, as
`framing predict` does), but reports mark only those of sentences labelled
loaded, carrying at least ``CUE_SHARE`` of the sentence's strongest cue's
weight (``"marked": true`` in the JSON): in a neutral sentence, or at the tail
of a loaded one, the words the model leans on slightly are not what makes the
sentence loaded, and marking them would bury the ones that do.

The verdict bands are justified with data in docs/scoring.md; run
``python -m framing.evaluation`` to recompute that study (``evaluation.band_study``).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

from framing.features import TOKEN_RE
from framing.model import Cue, FramingModel
from framing.sentences import split_sentences

__all__ = [
    "LOW_BELOW", "HIGH_FROM", "MIN_WORDS", "CUE_SHARE", "verdict", "is_furniture", "ScoredSentence",
    "ArticleScore", "article_score", "shown_cues", "score_text", "score_file", "score_many",
]

# Cut-points of the verdict bands on the article score (see docs/scoring.md).
LOW_BELOW = 0.35
HIGH_FROM = 0.50
MIN_WORDS = 8
CUE_SHARE = 0.25

_FINAL = re.compile(r"[.!?\u2026][\"'\u201d\u2019)\]]*\s*$")


def verdict(score: float) -> str:
    if score < LOW_BELOW:
        return "low"
    if score < HIGH_FROM:
        return "moderate"
    return "high"


def is_furniture(text: str, headline: bool = False) -> bool:
    """A short line without final punctuation: a caption, button or widget label, not prose."""
    if headline:
        return False
    return len(TOKEN_RE.findall(text)) < MIN_WORDS and not _FINAL.search(text)


@dataclass
class ScoredSentence:
    index: int
    start: int
    end: int
    text: str
    probability: float
    label: str
    quoted: bool
    headline: bool
    paragraph: int = 0
    furniture: bool = False
    cues: list[Cue] = field(default_factory=list)  # the ones a report marks (see shown_cues)
    model_cues: list[Cue] = field(default_factory=list)  # every cue the model gives, as `framing predict` lists them

    @property
    def voice(self) -> str:
        """Whose words these are: the outlet's ("own"), a source's ("quote") or the page's ("page")."""
        return "quote" if self.quoted else "page" if self.furniture else "own"

    @property
    def counted(self) -> bool:
        return self.voice == "own"

    def to_dict(self) -> dict[str, Any]:
        marked = set(self.cues)
        return {"index": self.index, "text": self.text, "start": self.start, "end": self.end,
                "probability": round(float(self.probability), 4), "label": self.label,
                "quoted": self.quoted, "headline": self.headline, "paragraph": self.paragraph,
                "voice": self.voice, "counted": self.counted,
                "cues": [dict(c.to_dict(self.start), marked=c in marked) for c in self.model_cues or self.cues]}


@dataclass
class ArticleScore:
    file: str
    text: str
    score: float
    label: str
    verdict: str
    threshold: float
    quoted_score: float | None
    sentences: list[ScoredSentence]

    @property
    def headline_sentences(self) -> list[ScoredSentence]:
        return [s for s in self.sentences if s.headline]

    @property
    def headline_text(self) -> str | None:
        head = self.headline_sentences
        return self.text[head[0].start:head[-1].end] if head else None

    @property
    def headline_probability(self) -> float | None:
        head = self.headline_sentences
        return max(s.probability for s in head) if head else None

    @property
    def headline(self) -> ScoredSentence | None:
        return next((s for s in self.sentences if s.headline), None)

    @property
    def own(self) -> list[ScoredSentence]:
        """The sentences in the outlet's own voice (a two-sentence headline gives two here)."""
        return [s for s in self.sentences if s.counted]

    @property
    def units(self) -> int:
        """How many units the score averages over: own-voice sentences, the headline once."""
        return sum(1 for v in _units(self.sentences)[1] if v == "own")

    def own_loaded(self) -> int:
        probs, voices = _units(self.sentences)
        return sum(1 for p, v in zip(probs, voices) if v == "own" and p >= self.threshold)

    @property
    def quoted(self) -> list[ScoredSentence]:
        return [s for s in self.sentences if s.quoted]

    def loaded(self, threshold: float | None = None) -> list[ScoredSentence]:
        t = self.threshold if threshold is None else threshold
        return [s for s in self.sentences if s.probability >= t]

    def to_dict(self) -> dict[str, Any]:
        quoted = self.quoted
        head = self.headline
        return {
            "file": self.file,
            "score": round(float(self.score), 4),
            "label": self.label,
            "verdict": self.verdict,
            "bands": {"low_below": LOW_BELOW, "high_from": HIGH_FROM},
            "threshold": self.threshold,
            "headline": self.headline_text,
            "headline_probability": None if head is None else round(float(self.headline_probability), 4),
            "own_sentences": self.units,
            "own_loaded": self.own_loaded(),
            "quoted_sentences": len(quoted),
            "quoted_loaded": sum(s.probability >= self.threshold for s in quoted),
            "quoted_score": None if self.quoted_score is None else round(float(self.quoted_score), 4),
            "cue_count": sum(len(s.cues) for s in self.sentences),
            # The text the offsets index into: for an .html file, the extracted article.
            "text": self.text,
            "sentences": [s.to_dict() for s in self.sentences],
        }


def article_score(probabilities: Sequence[float], voices: Sequence[str]) -> tuple[float, float | None]:
    """(score of the outlet's own voice, score of the quoted speech or None).

    An article that is nothing but quotation is judged on the quotes, since
    there is no own voice to judge; one that is nothing but furniture on all
    of its lines, so that a score exists for every non-empty article.
    """
    p = np.asarray(probabilities, dtype=float)
    v = np.asarray(voices, dtype=object)
    own, quotes = p[v == "own"], p[v == "quote"]
    quoted_score = float(quotes.mean()) if len(quotes) else None
    if len(own):
        return float(own.mean()), quoted_score
    if len(quotes):
        return float(quotes.mean()), quoted_score
    return (float(p.mean()) if len(p) else 0.0), quoted_score


def shown_cues(cues: Sequence[Cue], probability: float, threshold: float) -> list[Cue]:
    if probability < threshold or not cues:
        return []
    top = max(c.weight for c in cues)
    return [c for c in cues if c.weight >= CUE_SHARE * top]


def _units(sentences: Sequence[ScoredSentence]) -> tuple[list[float], list[str]]:
    """(probability, voice) per unit of the score: the headline's sentences make one unit."""
    head = [s.probability for s in sentences if s.headline]
    rest = [s for s in sentences if not s.headline]
    probs = ([max(head)] if head else []) + [s.probability for s in rest]
    voices = (["own"] if head else []) + [s.voice for s in rest]
    return probs, voices


def score_text(model: FramingModel, text: str, file: str | os.PathLike = "-", cues: bool = True,
               threshold: float | None = None) -> ArticleScore:
    """Split an article into sentences and score each; offsets index into ``text``."""
    sentences = split_sentences(text, headline=True)
    predictions = model.predict([s.text for s in sentences], cues=cues)
    t = model.threshold if threshold is None else float(threshold)
    scored = []
    for s, p in zip(sentences, predictions):
        furniture = is_furniture(s.text, s.headline)
        # Furniture is not prose: its "cue words" ("Show Full Article") would only distract.
        shown = [] if furniture else shown_cues(p.cues, p.probability, t)
        scored.append(ScoredSentence(s.index, s.start, s.end, s.text, p.probability,
                                     "loaded" if p.probability >= t else "neutral", s.quoted, s.headline,
                                     s.paragraph, furniture, shown, list(p.cues)))
    score, quoted_score = article_score(*_units(scored))
    v = verdict(score)
    return ArticleScore(str(file), text, score, "loaded" if v == "high" else "neutral", v, t, quoted_score, scored)


def score_file(model: FramingModel, path: str | os.PathLike, cues: bool = True,
               threshold: float | None = None) -> ArticleScore:
    from framing.textio import read_article

    return score_text(model, read_article(path), path, cues=cues, threshold=threshold)


# -- several files, as the command line reads them ------------------------------

def score_many(model: FramingModel, paths: Sequence[str], threshold: float | None = None,
               on_error=None) -> tuple[list[ArticleScore], int]:
    """Score every file; one bad file is reported through ``on_error`` and the rest still scored.

    A progress bar goes to stderr only when stderr is a terminal and there is
    more than one file: in a pipe or a log it would be noise.
    """
    import sys

    from framing.errors import FramingError

    results, failed = [], 0

    def one(path: str) -> None:
        nonlocal failed
        try:
            results.append(score_file(model, path, threshold=threshold))
        except FramingError as exc:
            failed += 1
            if on_error is not None:
                on_error(str(exc))

    if len(paths) > 1 and sys.stderr.isatty():
        from rich.console import Console
        from rich.progress import track

        for path in track(paths, description="scoring", console=Console(stderr=True), transient=True):
            one(path)
    else:
        for path in paths:
            one(path)
    return results, failed
