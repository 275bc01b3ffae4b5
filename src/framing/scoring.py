"""The scoring stage: an article in, every sentence labelled, one article score out.

The article score is the expected share of the outlet's own sentences that are
loaded: the mean calibrated probability over the sentences that are not direct
quotation, the headline counted as one of them. Because the probabilities are
calibrated, "0.30" reads as "about three in ten of the sentences the outlet
wrote in its own voice carry loaded framing". Quoted speech is scored and shown
too, but kept apart: a neutral report that quotes an angry senator is not a
loaded article.

The verdict bands are justified in docs/scoring.md: BABE's neutral-outlet
reporting (Reuters) sits near the low band, opinion outlets' own sentences in
the high band.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from framing.model import Cue, FramingModel
from framing.sentences import split_sentences

# Cut-points of the verdict bands on the article score (see docs/scoring.md).
LOW_BELOW = 0.25
HIGH_FROM = 0.45


def verdict(score: float) -> str:
    if score < LOW_BELOW:
        return "low"
    if score < HIGH_FROM:
        return "moderate"
    return "high"


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
    cues: list[Cue] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"index": self.index, "text": self.text, "start": self.start, "end": self.end,
                "probability": round(float(self.probability), 4), "label": self.label,
                "quoted": self.quoted, "headline": self.headline,
                "cues": [c.to_dict(self.start) for c in self.cues]}


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
    def headline(self) -> ScoredSentence | None:
        return next((s for s in self.sentences if s.headline), None)

    def to_dict(self) -> dict[str, Any]:
        own = [s for s in self.sentences if not s.quoted]
        return {
            "file": self.file,
            "score": round(float(self.score), 4),
            "label": self.label,
            "verdict": self.verdict,
            "threshold": self.threshold,
            "own_sentences": len(own),
            "own_loaded": sum(s.label == "loaded" for s in own),
            "quoted_sentences": len(self.sentences) - len(own),
            "quoted_score": None if self.quoted_score is None else round(float(self.quoted_score), 4),
            "sentences": [s.to_dict() for s in self.sentences],
        }


def article_score(probabilities: np.ndarray, quoted: np.ndarray) -> tuple[float, float | None]:
    """(score of the outlet's own voice, score of the quoted speech or None).

    An article that is nothing but quotation is judged on the quotes, since
    there is no own voice to judge.
    """
    probabilities = np.asarray(probabilities, dtype=float)
    quoted = np.asarray(quoted, dtype=bool)
    own = probabilities[~quoted]
    quotes = probabilities[quoted]
    quoted_score = float(quotes.mean()) if len(quotes) else None
    score = float(own.mean()) if len(own) else float(quotes.mean()) if len(quotes) else 0.0
    return score, quoted_score


def score_text(model: FramingModel, text: str, file: str | os.PathLike = "-", cues: bool = True) -> ArticleScore:
    """Split an article into sentences and score each; offsets index into ``text``."""
    sentences = split_sentences(text, headline=True)
    predictions = model.predict([s.text for s in sentences], cues=cues)
    scored = [
        ScoredSentence(s.index, s.start, s.end, s.text, p.probability, p.label, s.quoted, s.headline, p.cues)
        for s, p in zip(sentences, predictions)
    ]
    score, quoted_score = article_score(np.array([s.probability for s in scored]),
                                        np.array([s.quoted for s in scored], dtype=bool))
    return ArticleScore(str(file), text, score, "loaded" if verdict(score) == "high" else "neutral",
                        verdict(score), model.threshold, quoted_score, scored)


def score_file(model: FramingModel, path: str | os.PathLike, cues: bool = True) -> ArticleScore:
    from framing.textio import read_article

    return score_text(model, read_article(path), path, cues=cues)
