"""The scoring stage: an article in, every sentence labelled, one article score out.

The article score is the expected share of the outlet's own words that read as
loaded. Every sentence is cut into voices (framing.sentences): the outlet's
segments and quoted segments. Each own-voice segment gets the model's calibrated
probability, and the score is their mean weighted by the segments' length in
words. Because the probabilities are calibrated, "0.30" reads as "about three in
ten of the outlet's words sit in loaded framing". Words, not sentences: a
sentence that quotes someone is partly the outlet's (the attribution, "said X,
director of Y", is reporting) and partly the source's; counted as a whole
sentence, every "he said." would weigh as much as a sentence of reporting. A
mean of probabilities rather than a count over the threshold keeps the score
smooth and independent of the threshold a reader picks with ``--threshold``.

What counts as the outlet's own voice:

* the headline, one unit even when it splits into two ("Trump Was Right?
  Obama Admits ..."), with the probability of its most loaded part, weighing
  as much as the article's average own-voice sentence: not more (one line would
  decide a thirty-sentence article), not less (headlines are short because
  they are compressed);
* every own-voice segment of the other sentences: reporting, attribution,
  scare quotes of a few words; not quotation, page furniture or link residue.

Quoted speech is scored and shown, but apart (``quoted_score``): a neutral
report that quotes an angry senator is not a loaded article. Page furniture is
what scrapers leave between paragraphs (calls to action, credits, bylines,
"Advertisement"; framing.furniture names each kind): not reporting, and counting
it would pull every scraped page towards the classifier's prior.

A sentence keeps its whole-sentence probability and cues (what ``framing
predict`` says of it); a sentence in several voices is also scored segment by
segment, and the score and the reports read the segments.

Every sentence keeps all the cues the model gives (the JSON lists them, as
`framing predict` does), but reports mark only those of sentences labelled
loaded, carrying at least ``CUE_SHARE`` of the sentence's strongest cue's
weight (``"marked": true`` in the JSON): in a neutral sentence, or at the tail
of a loaded one, the words the model leans on slightly are not what makes the
sentence loaded, and marking them would bury the ones that do. Each marked cue
in the outlet's own words gets plainer alternatives, each with the probability
it gives, re-scored (framing.suggest; docs/suggestions.md).

The verdict bands' cut-points belong to the model (:func:`model_bands`): a
model's card may name them; the shipped models' come from ``models/bands.json``,
fitted per tier on journalist-labelled articles (benchmarks/verdict_study.py),
and apply only to the model file whose SHA-256 that table names; any other
model bands with ``LOW_BELOW`` and ``HIGH_FROM``, set on BABE's outlets
(``evaluation.band_study``). docs/scoring.md gives both studies.
"""

from __future__ import annotations

import functools
import json
import os
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

from framing.errors import FramingError
from framing.furniture import MIN_WORDS, furniture_kind, link_residue
from framing.model import Cue, FramingModel, Technique
from framing.model.base import Suggestion
from framing.paths import shipped_model_path
from framing.sentences import Segment, split_sentences, word_count

__all__ = [
    "LOW_BELOW", "HIGH_FROM", "BANDS_FILE", "DEFAULT_BANDS", "Bands", "model_bands", "MIN_WORDS", "CUE_SHARE",
    "verdict", "is_furniture", "ScoredSegment", "ScoredSentence",
    "ArticleScore", "article_score", "own_score", "score_units", "shown_cues", "cue_dicts", "score_text", "score_file",
    "score_many",
]

# Cut-points of the verdict bands for a model that names none (see docs/scoring.md).
LOW_BELOW = 0.35
HIGH_FROM = 0.50
CUE_SHARE = 0.25
#: Per-tier cut-points of the shipped models, beside them (benchmarks/verdict_study.py writes it).
BANDS_FILE = "bands.json"


@dataclass(frozen=True)
class Bands:
    """Cut-points of the verdict on the article score, and where they come from.

    ``source`` is "card" (the model's card names them), "study" (the shipped
    table fitted for this very model file) or "default" (the constants).
    """

    low_below: float
    high_from: float
    source: str = "default"

    def verdict(self, score: float) -> str:
        if score < self.low_below:
            return "low"
        if score < self.high_from:
            return "moderate"
        return "high"

    def to_dict(self) -> dict[str, Any]:
        return {"low_below": self.low_below, "high_from": self.high_from, "source": self.source}


DEFAULT_BANDS = Bands(LOW_BELOW, HIGH_FROM)


def verdict(score: float, bands: Bands = DEFAULT_BANDS) -> str:
    return bands.verdict(score)


def _valid(low: Any, high: Any) -> bool:
    return all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in (low, high)) and 0 <= low <= high <= 1


@functools.lru_cache(maxsize=4)
def _study_table(path: str) -> dict[str, Any]:
    try:
        with open(path, encoding="utf-8") as fh:
            table = json.load(fh)
    except (OSError, ValueError):
        return {}
    tiers = table.get("tiers") if isinstance(table, dict) else None
    return tiers if isinstance(tiers, dict) else {}


def model_bands(model: FramingModel) -> Bands:
    """The cut-points ``model`` bands with: its card's, else the shipped table's, else the constants.

    The shipped table (``models/bands.json``) holds cut-points per tier fitted
    on that tier's scores, so an entry applies only to the model file whose
    SHA-256 it names: a retrained or user-trained model has another score
    distribution and falls back to the constants, never to another model's fit.
    """
    card = getattr(model, "card", None) or {}
    own = card.get("bands")
    if isinstance(own, dict) and _valid(own.get("low_below"), own.get("high_from")):
        return Bands(float(own["low_below"]), float(own["high_from"]), "card")
    sha = (card.get("artifact") or {}).get("sha256")
    try:
        entry = _study_table(str(shipped_model_path(BANDS_FILE))).get(getattr(model, "tier", ""))
    except FramingError:  # a zipped install has no folder to read; the constants still band
        entry = None
    if (isinstance(entry, dict) and sha and entry.get("model_sha256") == sha
            and _valid(entry.get("low_below"), entry.get("high_from"))):
        return Bands(float(entry["low_below"]), float(entry["high_from"]), "study")
    return DEFAULT_BANDS


def is_furniture(text: str, headline: bool = False) -> bool:
    """Page furniture (a call to action, a credit, a byline, a label), not prose: see framing.furniture."""
    return furniture_kind(text, headline) is not None


@dataclass
class ScoredSegment:
    """A stretch of a sentence in one voice, scored on its own (offsets into the article)."""

    start: int
    end: int
    text: str
    voice: str  # "own", "quote" or "page" (link residue)
    probability: float
    words: int
    cues: list[Cue] = field(default_factory=list)  # marked, offsets relative to the segment
    model_cues: list[Cue] = field(default_factory=list)
    techniques: list[Technique] = field(default_factory=list)
    # Per marked cue, its suggestions (framing.suggest); None when they were not asked for.
    suggestions: dict[Cue, list[Suggestion]] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "start": self.start, "end": self.end, "voice": self.voice,
                "probability": round(float(self.probability), 4),
                "cues": cue_dicts(self.model_cues or self.cues, self.cues, self.start, self.suggestions),
                "techniques": [t.to_dict() for t in self.techniques]}


def cue_dicts(cues: Sequence[Cue], marked: Sequence[Cue], offset: int,
              suggestions: dict[Cue, list[Suggestion]] | None) -> list[dict[str, Any]]:
    """The JSON of a part's cues: offsets into the article, ``marked``, and for a marked cue
    its ``suggestions`` when they were computed (an empty list: none lowers the probability)."""
    shown = set(marked)
    out = []
    for c in cues:
        d = dict(c.to_dict(offset), marked=c in shown)
        if suggestions is not None and c in shown:
            d["suggestions"] = [s.to_dict() for s in suggestions.get(c, ())]
        out.append(d)
    return out


def _weighted(pairs: Sequence[tuple[float, int]]) -> float | None:
    total = sum(w for _, w in pairs)
    if not pairs:
        return None
    if total == 0:
        return float(np.mean([p for p, _ in pairs]))
    return float(sum(p * w for p, w in pairs) / total)


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
    # The sentence in voices; the score and the reports read these. Empty only
    # for sentences built by hand, which then count as one segment of their voice.
    segments: list[ScoredSegment] = field(default_factory=list)
    techniques: list[Technique] = field(default_factory=list)  # the accurate tier's technique head; none on furniture
    # Per marked cue, its suggestions (framing.suggest); None when they were not asked for.
    suggestions: dict[Cue, list[Suggestion]] | None = None

    def __post_init__(self) -> None:
        if not self.segments:
            voice = "page" if self.furniture else "quote" if self.quoted and not self.headline else "own"
            self.segments = [ScoredSegment(self.start, self.end, self.text, voice, self.probability,
                                           word_count(self.text), list(self.cues), list(self.model_cues),
                                           list(self.techniques), self.suggestions)]

    @property
    def voice(self) -> str:
        """Whose words: the outlet's ("own"), a source's ("quote"), both ("mixed") or the page's ("page")."""
        if self.furniture:
            return "page"
        voices = {g.voice for g in self.segments} - {"page"}
        return "mixed" if len(voices) > 1 else voices.pop() if voices else "page"

    @property
    def counted(self) -> bool:
        """Whether some of the sentence is in the score: its own-voice segments."""
        return self.voice in ("own", "mixed")

    @property
    def own_words(self) -> int:
        return sum(g.words for g in self.segments if g.voice == "own")

    @property
    def own_probability(self) -> float | None:
        """The outlet's part of the sentence: its own segments' probabilities, weighted by words."""
        return _weighted([(g.probability, g.words) for g in self.segments if g.voice == "own"])

    @property
    def quote_probability(self) -> float | None:
        return _weighted([(g.probability, g.words) for g in self.segments if g.voice == "quote"])

    @property
    def has_quote(self) -> bool:
        return any(g.voice == "quote" for g in self.segments)

    @property
    def marked_cues(self) -> list[tuple[ScoredSegment, Cue]]:
        """The cues the reports mark, with the segment each belongs to."""
        return [(g, c) for g in self.segments for c in g.cues]

    def to_dict(self) -> dict[str, Any]:
        return {"index": self.index, "text": self.text, "start": self.start, "end": self.end,
                "probability": round(float(self.probability), 4), "label": self.label,
                "quoted": self.quoted, "headline": self.headline, "paragraph": self.paragraph,
                "voice": self.voice, "counted": self.counted,
                "cues": cue_dicts(self.model_cues or self.cues, self.cues, self.start, self.suggestions),
                "techniques": [t.to_dict() for t in self.techniques],
                "segments": [g.to_dict() for g in self.segments]}


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
    bands: Bands = DEFAULT_BANDS

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

    def _own_parts(self) -> list[float]:
        """Per counted sentence (the headline once), the probability of its own-voice part."""
        head = [s.probability for s in self.sentences if s.headline]
        return ([max(head)] if head else []) + [s.own_probability for s in self.sentences
                                                if not s.headline and s.counted]

    @property
    def units(self) -> int:
        """How many sentences have own-voice words in the score, the headline counted once."""
        return len(self._own_parts())

    def own_loaded(self) -> int:
        return sum(1 for p in self._own_parts() if p >= self.threshold)

    @property
    def quoted(self) -> list[ScoredSentence]:
        """Sentences that quote a source (wholly or in part), headline aside."""
        return [s for s in self.sentences if s.has_quote and not s.headline]

    def quoted_loaded(self) -> int:
        return sum(1 for s in self.quoted if s.quote_probability >= self.threshold)

    @property
    def cue_count(self) -> int:
        return sum(len(s.marked_cues) for s in self.sentences)

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
            "bands": self.bands.to_dict(),
            "threshold": self.threshold,
            "headline": self.headline_text,
            "headline_probability": None if head is None else round(float(self.headline_probability), 4),
            "own_sentences": self.units,
            "own_loaded": self.own_loaded(),
            "quoted_sentences": len(quoted),
            "quoted_loaded": self.quoted_loaded(),
            "quoted_score": None if self.quoted_score is None else round(float(self.quoted_score), 4),
            "cue_count": self.cue_count,
            # The text the offsets index into: for an .html file, the extracted article.
            "text": self.text,
            "sentences": [s.to_dict() for s in self.sentences],
        }


def article_score(probabilities: Sequence[float], voices: Sequence[str],
                  weights: Sequence[float] | None = None) -> tuple[float, float | None]:
    """(score of the outlet's own voice, score of the quoted speech or None).

    Each item is a unit of text (a segment, or a whole sentence) with its
    probability, its voice and its weight (its length in words; all equal when
    ``weights`` is None).  The score is the weighted mean over the own-voice
    items.  An article that is nothing but quotation is judged on the quotes,
    since there is no own voice to judge; one that is nothing but furniture on
    all of its lines, so that a score exists for every non-empty article.
    """
    p = np.asarray(probabilities, dtype=float)
    v = np.asarray(voices, dtype=object)
    w = np.ones(len(p)) if weights is None else np.asarray(weights, dtype=float)

    def mean(mask) -> float | None:
        if not mask.any():
            return None
        ww = w[mask]
        return float(np.average(p[mask], weights=ww)) if ww.sum() > 0 else float(p[mask].mean())

    own, quotes = mean(v == "own"), mean(v == "quote")
    if own is not None:
        return own, quotes
    if quotes is not None:
        return quotes, quotes
    return (float(p.mean()) if len(p) else 0.0), quotes


def own_score(sentences: Sequence[ScoredSentence]) -> float | None:
    """The outlet's own-voice segments of these sentences, probability weighted by words (None if none).

    The article score's rule applied to any stretch of an article, such as the
    sentences an outlet added around shared wire copy (framing.compare).
    """
    pairs = [(g.probability, g.words) for s in sentences if not s.furniture for g in s.segments if g.voice == "own"]
    return _weighted(pairs)


def shown_cues(cues: Sequence[Cue], probability: float, threshold: float) -> list[Cue]:
    if probability < threshold or not cues:
        return []
    top = max(c.weight for c in cues)
    return [c for c in cues if c.weight >= CUE_SHARE * top]


def score_units(sentences: Sequence[ScoredSentence]) -> tuple[list[float], list[str], list[int]]:
    """(probability, voice, words) per unit of the score.

    The units are the segments; the headline's sentences make one own-voice
    unit with the probability of its most loaded part, weighing as much as the
    article's average own-voice sentence: it counts as one sentence, as it did
    before segments, neither more (one line would decide the article) nor less
    (headlines are short because they are compressed, not because they matter
    less).  Link residue ("page" segments) and page furniture are left out.
    """
    head = [s for s in sentences if s.headline]
    probs, voices, weights = [], [], []
    if head:
        body = [s.own_words for s in sentences if not s.headline and s.counted and s.own_words]
        probs.append(max(s.probability for s in head))
        voices.append("own")
        weights.append(float(np.mean(body)) if body else sum(word_count(s.text) for s in head))
    for s in sentences:
        if s.headline or s.furniture:
            continue
        for g in s.segments:
            if g.voice in ("own", "quote"):
                probs.append(g.probability)
                voices.append(g.voice)
                weights.append(g.words)
    return probs, voices, weights


def _cut_residue(segments: tuple[Segment, ...] | list[Segment], text: str) -> list[Segment]:
    """Split a trailing link stub ("… (via") off the last segment as a "page" segment."""
    segments = list(segments)
    last = segments[-1]
    cut = link_residue(last.text)
    if cut is None:
        return segments
    head = last.text[:cut].rstrip()
    a = last.start + cut + (len(last.text[cut:]) - len(last.text[cut:].lstrip()))
    return segments[:-1] + [Segment(last.start, last.start + len(head), head, last.voice),
                            Segment(a, last.end, text[a:last.end], "page")]


def _attach_suggestions(model: FramingModel, sentences: Sequence[ScoredSentence]) -> None:
    """Suggestions for every marked cue of the article, re-scored in one call (framing.suggest).

    A cue is marked on the part it was scored in: the whole sentence, or a segment
    of a sentence in several voices, so each part is re-scored with its own words.
    A sentence in one voice and its one segment are the same part, suggested once.
    Quoted speech and page furniture get none (framing.suggest also skips a cue
    inside a direct quotation of a sentence that mixes voices).
    """
    from framing.suggest import suggest

    parts: dict[tuple, list] = {}
    for s in sentences:
        for owner in (s, *s.segments):
            owner.suggestions = {}
            # A quotation is the source's words: a report quotes them, it does not reword them.
            if owner.cues and getattr(owner, "voice", "own") in ("own", "mixed"):
                parts.setdefault((owner.text, owner.probability, tuple(owner.cues)), []).append(owner)
    found = suggest(model, [key[0:2] + (list(key[2]),) for key in parts])
    for owners, per_cue in zip(parts.values(), found):
        for owner in owners:
            owner.suggestions = per_cue


def score_text(model: FramingModel, text: str, file: str | os.PathLike = "-", cues: bool = True,
               threshold: float | None = None, suggest: bool = True) -> ArticleScore:
    """Split an article into sentences and score each, and each voice in it; offsets index into ``text``.

    A sentence is scored whole (its ``probability``, as ``framing predict``
    gives it) and, when it is in more than one voice, each segment again on its
    own: an attribution is the outlet reporting, the quotation beside it the
    source's words, and the score reads the outlet's part. With ``suggest``
    (and ``cues``), every marked cue gets its neutral alternatives, re-scored
    (framing.suggest); they cost a re-scored sentence per candidate.
    """
    sentences = split_sentences(text, headline=True)
    t = model.threshold if threshold is None else float(threshold)
    plans: list[tuple[bool, list[Segment]]] = []
    extra: list[str] = []
    for s in sentences:
        furniture = is_furniture(s.text, s.headline)
        segs = [Segment(s.start, s.end, s.text, "page")] if furniture else (
            list(s.segments) if s.headline else _cut_residue(s.segments, text))
        plans.append((furniture, segs))
        if len(segs) > 1:
            extra.extend(g.text for g in segs if g.voice != "page")
    predictions = model.predict([s.text for s in sentences] + extra, cues=cues)
    whole, parts = predictions[:len(sentences)], iter(predictions[len(sentences):])
    scored = []
    for s, p, (furniture, segs) in zip(sentences, whole, plans):
        # Furniture is not prose: its "cue words" ("Show Full Article") would only distract.
        shown = [] if furniture else shown_cues(p.cues, p.probability, t)
        scored_segs = []
        for g in segs:
            if g.voice == "page":
                gp, g_cues, g_shown, g_tech = p.probability if furniture else 0.0, [], [], []
            else:
                q = p if len(segs) == 1 else next(parts)
                gp, g_cues, g_shown = q.probability, list(q.cues), shown_cues(q.cues, q.probability, t)
                g_tech = list(q.techniques)
            scored_segs.append(ScoredSegment(g.start, g.end, g.text, g.voice, gp, word_count(g.text), g_shown,
                                             g_cues, g_tech))
        scored.append(ScoredSentence(s.index, s.start, s.end, s.text, p.probability,
                                     "loaded" if p.probability >= t else "neutral", s.quoted, s.headline,
                                     s.paragraph, furniture, shown, list(p.cues), scored_segs,
                                     [] if furniture else list(p.techniques)))
    if cues and suggest:
        _attach_suggestions(model, scored)
    score, quoted_score = article_score(*score_units(scored))
    bands = model_bands(model)
    v = bands.verdict(score)
    return ArticleScore(str(file), text, score, "loaded" if v == "high" else "neutral", v, t, quoted_score, scored,
                        bands)


def score_file(model: FramingModel, path: str | os.PathLike, cues: bool = True,
               threshold: float | None = None, suggest: bool = True) -> ArticleScore:
    """Score an article file, ``-`` (stdin) or an http(s) link, fetched as its type of file is read."""
    from framing.textio import read_article
    from framing.webfetch import fetch_article, is_url

    # On the command line the user's own network is theirs to read: private addresses are allowed.
    text = fetch_article(path, allow_private=True) if is_url(path) else read_article(path)
    return score_text(model, text, path, cues=cues, threshold=threshold, suggest=suggest)


# -- several files, as the command line reads them ------------------------------

def score_many(model: FramingModel, paths: Sequence[str], threshold: float | None = None,
               on_error=None, suggest: bool = True) -> tuple[list[ArticleScore], int]:
    """Score every file or link; one bad one is reported through ``on_error`` and the rest still scored.

    A progress bar goes to stderr only when stderr is a terminal and there is
    more than one file: in a pipe or a log it would be noise.
    """
    import sys

    from framing.errors import FramingError

    results, failed = [], 0

    def one(path: str) -> None:
        nonlocal failed
        try:
            results.append(score_file(model, path, threshold=threshold, suggest=suggest))
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
