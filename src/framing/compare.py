"""Several articles on one story: rank them, and show what each does that the others do not.

Outlets often run the same wire copy and add their own headline, opening and
asides around it. Reading two such articles side by side, what matters is the
part the outlet wrote: so shared sentences are aligned first, and each
outlet's additions are scored on their own beside the shared copy.

Alignment is by sentence, on a normalised form (case, quote styles, dashes and
punctuation folded) with a fuzzy similarity, because outlets retouch wire copy
("Obama was there" for "Obama was at The Pentagon", curly for straight
quotes); a pair needs ``MIN_SIMILARITY`` and each sentence pairs at most once.
Two articles share copy when ``MIN_SHARED`` sentences align: one or two common
sentences are usually a shared quotation, not a shared source.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Any, Sequence


from framing.scoring import ArticleScore, ScoredSentence, own_score

__all__ = [
    "MIN_SIMILARITY", "MIN_SHARED", "MAX_PHRASES", "normalise", "align", "SharedCopy", "Entry", "Comparison",
    "compare",
]

MIN_SIMILARITY = 0.8
MIN_SHARED = 3
MAX_PHRASES = 12

_FOLD = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-",
                       "\u2026": "..."})
_NONWORD = re.compile(r"[^\w]+")


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).translate(_FOLD).casefold()
    return _NONWORD.sub(" ", text).strip()


def _alignable(s: ScoredSentence) -> bool:
    # Headlines are rewritten by every outlet and furniture is not copy.
    return not s.headline and not s.furniture


def align(a: ArticleScore, b: ArticleScore, min_similarity: float = MIN_SIMILARITY) -> list[tuple[int, int, float]]:
    """One-to-one pairs (index in a, index in b, similarity), best pairs first taken, in a's order."""
    left = [(s.index, normalise(s.text)) for s in a.sentences if _alignable(s)]
    right = [(s.index, normalise(s.text)) for s in b.sentences if _alignable(s)]
    candidates = []
    for i, x in left:
        if not x:
            continue
        for j, y in right:
            if not y or min(len(x), len(y)) < min_similarity * max(len(x), len(y)):
                continue  # lengths alone rule the pair out; skip the expensive ratio
            m = SequenceMatcher(None, x, y, autojunk=False)
            if m.real_quick_ratio() < min_similarity or m.quick_ratio() < min_similarity:
                continue
            r = m.ratio()
            if r >= min_similarity:
                candidates.append((r, i, j))
    used_a, used_b, pairs = set(), set(), []
    for r, i, j in sorted(candidates, key=lambda t: (-t[0], t[1], t[2])):
        if i not in used_a and j not in used_b:
            used_a.add(i)
            used_b.add(j)
            pairs.append((i, j, round(r, 3)))
    return sorted(pairs)


@dataclass
class SharedCopy:
    """Two articles carrying the same copy, and what each added around it."""

    a: int
    b: int
    pairs: list[tuple[int, int, float]]
    # per side (0 = a, 1 = b): {"before": [...], "within": [...], "after": [...]} sentence indices
    added: tuple[dict[str, list[int]], dict[str, list[int]]] = field(default_factory=lambda: ({}, {}))
    shared_score: tuple[float | None, float | None] = (None, None)
    added_score: tuple[float | None, float | None] = (None, None)


@dataclass
class Entry:
    """One article in a comparison."""

    result: ArticleScore
    rank: int
    distinct_loaded: list[ScoredSentence]
    distinct_phrases: list[dict[str, Any]]
    shared_with: dict[int, list[int]]  # other article -> this article's sentence indices shared with it


@dataclass
class Addition:
    """What one outlet wrote around copy it shares with another: the comparison's headline."""

    file: str
    other: str
    added: int  # sentences added (before, within and after the shared copy)
    added_score: float | None
    shared_score: float | None

    @property
    def difference(self) -> float | None:
        if self.added_score is None or self.shared_score is None:
            return None
        return self.added_score - self.shared_score

    def sentence(self) -> str:
        text = (f"{self.file} adds {self.added} sentence{'s' if self.added != 1 else ''} around the copy it shares "
                f"with {self.other}")
        if self.difference is None:
            return text + "."
        gap = round(self.difference, 2)
        how = "more loaded" if gap > 0 else "less loaded" if gap < 0 else "about the same"
        return text + f": its additions score {self.added_score:.2f} against {self.shared_score:.2f} for the shared copy ({how})."

    def to_dict(self) -> dict[str, Any]:
        def r(x):
            return None if x is None else round(x, 4)

        return {"file": self.file, "shares_copy_with": self.other, "added_sentences": self.added,
                "added_score": r(self.added_score), "shared_score": r(self.shared_score),
                "difference": r(self.difference)}


@dataclass
class Comparison:
    entries: list[Entry]  # in input order
    shared: list[SharedCopy]

    @property
    def ranked(self) -> list[Entry]:
        return sorted(self.entries, key=lambda e: e.rank)

    @property
    def additions(self) -> list[Addition]:
        """Per outlet and shared copy, what it added; the biggest gap between additions and copy first.

        Where outlets run the same wire copy, the difference between them is
        what each wrote around it, so this leads the comparison: an outlet that
        wraps neutral copy in loaded asides shows it here even when its overall
        score sits in the same band as the wire's.
        """
        out = []
        for sc in self.shared:
            for side, (me, other) in enumerate(((sc.a, sc.b), (sc.b, sc.a))):
                n = sum(len(v) for v in sc.added[side].values())
                out.append(Addition(self.entries[me].result.file, self.entries[other].result.file, n,
                                    sc.added_score[side], sc.shared_score[side]))
        return sorted(out, key=lambda a: (a.difference is None, -(a.difference or 0.0), -a.added))

    @property
    def headline(self) -> str | None:
        """The comparison in one sentence: the outlet whose additions differ most from the copy it shares."""
        adds = [a for a in self.additions if a.added]
        return adds[0].sentence() if adds else None

    def to_dict(self) -> dict[str, Any]:
        files = [e.result.file for e in self.entries]
        return {
            "headline": self.headline,
            "additions": [a.to_dict() for a in self.additions],
            "articles": [_entry_dict(e, files) for e in self.ranked],
            "shared_copy": [_shared_dict(s, self.entries) for s in self.shared],
        }


def _sides(result: ArticleScore, indices: set[int]) -> dict[str, list[int]]:
    """The sentences not in ``indices``, by where they stand relative to the shared copy."""
    if not indices:
        return {"before": [], "within": [], "after": []}
    first, last = min(indices), max(indices)
    out = {"before": [], "within": [], "after": []}
    for s in result.sentences:
        if s.index in indices or s.furniture or s.headline:
            continue
        key = "before" if s.index < first else "after" if s.index > last else "within"
        out[key].append(s.index)
    return out


def _contains(haystack: str, phrase: str) -> bool:
    return re.search(r"(?<!\w)" + re.escape(phrase) + r"(?!\w)", haystack) is not None


def compare(results: Sequence[ArticleScore]) -> Comparison:
    results = list(results)
    order = sorted(range(len(results)), key=lambda k: (-results[k].score, k))
    rank = {k: r + 1 for r, k in enumerate(order)}
    shared: list[SharedCopy] = []
    shared_with: list[dict[int, list[int]]] = [{} for _ in results]
    for i in range(len(results)):
        for j in range(i + 1, len(results)):
            pairs = align(results[i], results[j])
            if len(pairs) < MIN_SHARED:
                continue
            ia, ib = {p[0] for p in pairs}, {p[1] for p in pairs}
            shared_with[i][j], shared_with[j][i] = sorted(ia), sorted(ib)
            sides = (_sides(results[i], ia), _sides(results[j], ib))
            sc = SharedCopy(i, j, pairs, sides)
            # Scored as the article is: the outlet's own words, quotations set apart.
            sc.shared_score = tuple(own_score([s for s in r.sentences if s.index in idx])
                                    for r, idx in ((results[i], ia), (results[j], ib)))
            sc.added_score = tuple(own_score([r.sentences[k] for part in side.values() for k in part])
                                   for r, side in ((results[i], sides[0]), (results[j], sides[1])))
            shared.append(sc)
    texts = [normalise(r.text) for r in results]
    entries = []
    for k, r in enumerate(results):
        in_shared = {x for idx in shared_with[k].values() for x in idx}
        distinct = [s for s in r.loaded() if s.index not in in_shared and not s.furniture]
        others = [t for m, t in enumerate(texts) if m != k]
        phrases: dict[str, dict[str, Any]] = {}
        for s in r.sentences:
            if s.furniture:
                continue
            for c in s.cues:
                key = normalise(c.text)
                if not key or any(_contains(o, key) for o in others):
                    continue
                p = phrases.setdefault(key, {"text": c.text, "count": 0, "weight": 0.0, "quoted": True})
                p["count"] += 1
                p["weight"] += float(c.weight)
                p["quoted"] = p["quoted"] and s.quoted
        ranked_phrases = sorted(phrases.values(), key=lambda p: (-p["weight"], p["text"]))[:MAX_PHRASES]
        for p in ranked_phrases:
            p["weight"] = round(p["weight"], 4)
        entries.append(Entry(r, rank[k], distinct, ranked_phrases, shared_with[k]))
    return Comparison(entries, shared)


def _entry_dict(e: Entry, files: list[str]) -> dict[str, Any]:
    r = e.result
    d = r.to_dict()
    return {
        "rank": e.rank,
        "file": r.file,
        "headline": d["headline"],
        "score": d["score"],
        "verdict": d["verdict"],
        "label": d["label"],
        "quoted_score": d["quoted_score"],
        "own_sentences": d["own_sentences"],
        "own_loaded": d["own_loaded"],
        "distinct_loaded": [s.to_dict() for s in e.distinct_loaded],
        "distinct_phrases": e.distinct_phrases,
        "shares_copy_with": [files[k] for k in sorted(e.shared_with)],
        "article": d,
    }


def _shared_dict(s: SharedCopy, entries: list[Entry]) -> dict[str, Any]:
    fa, fb = entries[s.a].result.file, entries[s.b].result.file

    def r(x):
        return None if x is None else round(x, 4)

    return {
        "files": [fa, fb],
        "sentences": len(s.pairs),
        "pairs": [{"a": i, "b": j, "similarity": sim} for i, j, sim in s.pairs],
        "shared_score": {fa: r(s.shared_score[0]), fb: r(s.shared_score[1])},
        "added": {fa: dict(s.added[0], score=r(s.added_score[0])),
                  fb: dict(s.added[1], score=r(s.added_score[1]))},
    }
