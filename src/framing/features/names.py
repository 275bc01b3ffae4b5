"""Proper names: which words of a sentence name who the story is about (a person, party,
country, organisation), so that they are never shown as cues of how it is told.

No NER model is available offline, so the detector learns from capitalisation: a word
that its training corpus writes capitalised in at least ``min_share`` of its
occurrences away from a sentence's start (twice at least) is a name ("Trump",
"Moscow", "GOP", "Democrats", the "U" and "S" of "U.S."); one written mostly in lower
case is a common word, wherever it stands ("Was" and "Right" in the title-case headline
"Trump Was Right?", "The" opening a sentence, "Radical" capitalised for effect). So are
the English words of the cue lexicons (``known_words``: NRC-VAD, MPQA, Recasens), with
their inflections, unless the corpus writes them as names. A capitalised word the table
does not know is judged by the sentence: away from the sentence's start, in a sentence
written in ordinary case, it is a name; at the start, after an opening quote, a colon or
a dash, or anywhere in a headline in title case or ALL CAPS, where capitals say nothing,
it is a name only if the table knows English (was fitted with ``known_words``) and the
word is not English ("Erdogan has branded ...", "Zelensky Blasts Critics"); otherwise it
is left alone (a cue, when in doubt).

Edge cases, decided once for every use:

- Possessives are their name: "Trump's" and "Trump\u2019s" are looked up as "trump".
- A word in lower case as written is never a name ("trump" the verb, "apple pie").
- "I" and the closed-class words of :data:`NEVER_NAMES` are never names, however they
  are written.
- ALL CAPS words follow the same rules: "GOP" is a name because the corpus writes it so;
  "DISGRACEFUL" in an all-caps headline is not, because the corpus writes "disgraceful".
  A word the corpus writes in capitals is also counted as written, so an acronym that
  spells a common word is a name in capitals only ("the US", not "let us"), unless the
  capitals are rare beside the lower-case word (under 5%: "ALL" written for emphasis).
- A sentence is headline-like (title case or ALL CAPS) when at least 80% of its words
  of three letters or more, the first one aside, begin with a capital (at least two
  such words).

The table is what a fitted model carries (:meth:`ProperNames.to_dict`), plain words,
no code; the statistics are counts over the training sentences, not their labels.
"""

from __future__ import annotations

from collections import Counter

import numpy as np

from framing.features._batch import Batch, get_batch
from framing.features._morphology import lemma_candidates
from framing.features._tokens import TOKEN_RE

__all__ = ["NEVER_NAMES", "ProperNames", "known_words"]

# Words a capital letter never makes a name of: the pronoun "I" is always capitalised,
# and a capitalised article or preposition in a headline is no more a name.
NEVER_NAMES = frozenset("""i a an the and or but nor of in on at by for with to from as is are was
were be been it its he she they we you his her their our my me him them us this that these those
not no so if""".split())

# What, standing before a word, lets it take a capital as a sentence's first word does:
# an opening quote or bracket, a colon, a dash (a headline's "Breaking: ..." or a
# quotation's first word). Not a full stop: inside one sentence it ends an abbreviation
# ("U.S.", "Sen. Warren").
_OPENERS = frozenset('"\u201c\u2018\'(:;\u2014\u2013-')
_HEADLINE_SHARE = 0.8
_ACRONYM_SHARE = 0.05
_UNSEEN, _COMMON, _NAME = 0, 1, 2


def _key(word: str) -> str:
    """The lower-case word a token is looked up as: possessives are their name."""
    if len(word) > 2 and word[-2] in "'\u2019" and word[-1] == "s":
        return word[:-2]
    return word


def _capitalised(cased: str) -> bool:
    return cased[:1].isupper()


def _acronym(cased: str) -> str:
    """The word as written when it is in capitals and two letters or more ("US", "GOP's"
    as "GOP"), else "": an acronym can spell a common word ("US", "IT")."""
    word = _key(cased)
    return word if len(word) >= 2 and word.isupper() else ""


class ProperNames:
    """A capitalisation table learned from a corpus, and the rule that reads it.

    ``fit(texts)`` counts, for every word, how often it is capitalised and how often
    not, over the occurrences that are not first in their sentence and not in a
    headline-like sentence; ``mask(batch, texts)`` flags the tokens that are names.
    """

    def __init__(self, min_share: float = 0.5, names=(), common=(), english: bool = False):
        self.min_share = float(min_share)
        self.names = frozenset(names)
        self.common = frozenset(common)
        self.english = bool(english)

    # -- learning
    def fit(self, texts, known_words=()) -> ProperNames:
        """Learn the table from ``texts``; ``known_words`` (lower-case English words, see
        :func:`known_words`) are common words unless the texts write them as names."""
        texts = list(texts)
        batch = Batch(texts)
        upper, lower = Counter(), Counter()
        for d, text in enumerate(texts):
            lo, hi = int(batch.offsets[d]), int(batch.offsets[d + 1])
            if hi - lo == 0 or _headline(batch.cased[lo:hi]):
                continue
            for k in range(lo, hi):
                if _first(text, batch, k, lo):
                    continue
                key = _key(batch.words[k])
                acronym = _acronym(batch.cased[k])
                if acronym:  # counted as written too: "US" is a name, "us" is not
                    upper[acronym] += 1
                if key in NEVER_NAMES or not key[:1].isalpha():
                    continue
                (upper if _capitalised(batch.cased[k]) else lower)[key] += 1
        names, common = [], []
        for key in upper.keys() | lower.keys():
            if not key.islower():
                # An acronym spelling a word the corpus mostly writes in lower case is
                # emphasis ("ALL of them", 2 against 213), not a name ("US", 15 against 41).
                if upper[key] >= 2 and upper[key] >= _ACRONYM_SHARE * lower[key.lower()]:
                    names.append(key)
                continue
            share = upper[key] / (upper[key] + lower[key])
            if share < self.min_share:
                common.append(key)
            elif upper[key] >= 2:  # once capitalised and never lower: left to the sentence's rule
                names.append(key)
        self.names = frozenset(names)
        known = frozenset(w for w in known_words if TOKEN_RE.fullmatch(w))
        self.common = frozenset(common) | (known - self.names)
        self.english = bool(known)
        return self

    # -- storage: plain words, sorted, so that the same table gives the same bytes
    def to_dict(self) -> dict:
        return {"min_share": self.min_share, "english": self.english, "names": sorted(self.names),
                "common": sorted(self.common)}

    @classmethod
    def from_dict(cls, state: dict) -> ProperNames:
        return cls(state.get("min_share", 0.5), state.get("names", ()), state.get("common", ()),
                   state.get("english", False))

    # -- reading
    def verdict(self, cased: str) -> int:
        """What the table says of a word as written: a name, a common word, or unseen."""
        if not _capitalised(cased):
            return _COMMON
        if _acronym(cased) in self.names:
            return _NAME
        key = _key(cased.lower())
        if key in NEVER_NAMES:
            return _COMMON
        if key in self.names:
            return _NAME
        # An inflection of a common word is common ("Seducing", "Blasts").
        return _COMMON if any(c in self.common for c in lemma_candidates(key)) else _UNSEEN

    def mask(self, batch: Batch, texts) -> np.ndarray:
        """True for every token of ``batch`` (the tokens of ``texts``) that is a proper name."""
        n = len(batch.words)
        if n == 0:
            return np.zeros(0, dtype=bool)
        # News repeats its words: a verdict per distinct word in the thread's word table.
        verdict = batch.word_values("proper_names", self, lambda pairs: (self.verdict(c) for c, _ in pairs),
                                    dtype=np.int8)
        out = verdict == _NAME
        unseen = verdict == _UNSEEN
        if self.english:
            return out | unseen
        headline = {}
        for k in np.flatnonzero(unseen).tolist():
            d = int(batch.doc[k])
            lo, hi = int(batch.offsets[d]), int(batch.offsets[d + 1])
            if d not in headline:
                headline[d] = _headline(batch.cased[lo:hi])
            out[k] = not headline[d] and not _first(texts[d], batch, k, lo)
        return out

    def names_in(self, texts) -> list[list[tuple[int, int]]]:
        """Per text, the (start, end) character spans of its proper names."""
        texts = list(texts)
        batch = get_batch(texts)
        m = self.mask(batch, texts)
        out: list[list[tuple[int, int]]] = [[] for _ in texts]
        for k in np.flatnonzero(m).tolist():
            out[int(batch.doc[k])].append((int(batch.starts[k]), int(batch.ends[k])))
        return out


def known_words(lexicons: dict | None) -> set[str]:
    """The lower-case words of the cue lexicons (every word list and the VAD dict's keys)."""
    out: set[str] = set()
    for key, value in (lexicons or {}).items():
        if key != "polarity" and isinstance(value, (set, frozenset, dict)):
            out.update(w for w in value if isinstance(w, str) and w.islower())
    return out


def _first(text: str, batch: Batch, k: int, lo: int) -> bool:
    """Whether token ``k`` (of the text whose first token is ``lo``) starts the sentence
    or a quotation or clause that takes a capital: a capital there says nothing."""
    if k == lo:
        return True
    gap = text[int(batch.ends[k - 1]):int(batch.starts[k])]
    return any(c in _OPENERS for c in gap)


def _headline(cased: list[str]) -> bool:
    """Title case or ALL CAPS: capitals there are the style, not the word."""
    words = [w for w in cased[1:] if len(w) >= 3 and w[:1].isalpha()]
    if len(words) < 2:
        words = [w for w in cased if len(w) >= 3 and w[:1].isalpha()]
    if len(words) < 2:
        return False
    title = sum(w[:1].isupper() for w in words)
    return title >= _HEADLINE_SHARE * len(words)
