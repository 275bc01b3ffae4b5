"""The suggestion stage: plainer words for the cue words a report marks, each re-scored.

For a cue word ("admits") the stage proposes up to ``MAX_CANDIDATES`` neutral
alternatives from the tables below, writes each into the sentence with the
original's inflection and capitalisation ("Slammed" -> "Criticized", "admits"
-> "says"), re-scores every rewritten sentence of an article in one call of
the model, and keeps at most ``PER_CUE`` per cue: those that lower the
sentence's probability by at least ``MIN_DROP``, biggest drop first. Where the
word can simply go ("sadly", "so-called"), deleting it is a candidate too.

The candidates come from hand-written tables in this file, not from data:
neutral verbs of saying for loaded ones (the style guides' "said"), plain words
for loaded nouns and adjectives, and the evaluative adverbs, intensifiers and
labels that an editor deletes. docs/suggestions.md says why a table rather than
embedding neighbours or mined edits, and measures it on real Wikipedia edits.

A suggestion's probability is the rewritten sentence's probability as
``model.predict_proba_alone`` gives it: exactly what ``predict_proba([sentence])``
gives, so a reader who applies the suggestion and re-scores the sentence alone
sees the listed number.
"""

from __future__ import annotations

import re
from typing import NamedTuple, Sequence

import numpy as np

from framing.features import DIRECT_QUOTE_MIN_WORDS, INTENSIFIERS, TOKEN_RE, quoted_stretches
from framing.model.base import Cue, FramingModel, Suggestion

__all__ = ["PER_CUE", "MAX_CANDIDATES", "MIN_DROP", "Candidate", "candidates", "rewrite", "apply", "replaced",
           "follow_case", "conjugate", "pluralize", "suggest", "suggest_one"]

#: Suggestions listed per cue at most.
PER_CUE = 3
#: Candidates re-scored per cue at most: the cost of suggestions is one re-scored sentence per candidate.
MAX_CANDIDATES = 4
#: The least drop in probability a suggestion must make: a smaller one would read "0.71 -> 0.71" in a report.
MIN_DROP = 0.005

# -- the tables -----------------------------------------------------------------------
#
# Written by hand from newsroom and encyclopedia style guidance (AP's "said" for verbs of
# saying, Wikipedia's "words to watch"), never mined from the edits docs/suggestions.md
# measures them on. Alternatives are in order of preference; "" deletes the word.

# Loaded verbs (lemma) -> neutral verbs (lemma). Every form of the loaded verb is found
# through ``conjugate``, and the neutral verb is put in the same form.
_VERBS: dict[str, tuple[str, ...]] = {
    "claim": ("say", "state"), "admit": ("say", "acknowledge"), "concede": ("say", "acknowledge"),
    "confess": ("say", "acknowledge"), "insist": ("say", "maintain"), "reveal": ("say", "disclose"),
    "boast": ("say", "note"), "brag": ("say",), "gloat": ("say",), "quip": ("say",), "proclaim": ("say", "state"),
    "declare": ("say", "state"), "assert": ("say", "state"), "vow": ("promise", "say"), "warn": ("say",),
    "fume": ("complain", "say"), "whine": ("complain", "say"), "rant": ("complain", "say"),
    "howl": ("complain", "say"), "shriek": ("say",), "snap": ("say", "reply"), "retort": ("reply", "say"),
    "slam": ("criticize",), "blast": ("criticize",), "rip": ("criticize",), "bash": ("criticize",),
    "trash": ("criticize",), "lambaste": ("criticize",), "lambast": ("criticize",), "excoriate": ("criticize",),
    "savage": ("criticize",), "pan": ("criticize",), "attack": ("criticize",), "decry": ("criticize",),
    "denounce": ("criticize",), "condemn": ("criticize",), "berate": ("criticize",), "scold": ("criticize",),
    "smear": ("criticize",), "demonize": ("criticize",), "vilify": ("criticize",), "deride": ("criticize",),
    "ridicule": ("criticize",), "mock": ("criticize", "dismiss"), "assail": ("criticize",),
    "hammer": ("criticize",), "skewer": ("criticize",), "insult": ("criticize",), "grill": ("question",),
    "brand": ("call", "describe"), "dub": ("call",), "label": ("call", "describe"),
    "tout": ("promote", "cite"), "trumpet": ("announce", "promote"), "hail": ("welcome", "praise"),
    "laud": ("praise",), "champion": ("support",), "crusade": ("campaign",), "peddle": ("promote", "spread"),
    "spew": ("spread", "say"), "parrot": ("repeat",), "unveil": ("announce", "release"),
    "unleash": ("launch", "release"), "spearhead": ("lead",), "orchestrate": ("organize",),
    "mastermind": ("plan", "organize"), "plot": ("plan",), "scheme": ("plan",), "collude": ("cooperate",),
    "deceive": ("mislead",), "manipulate": ("influence",), "brainwash": ("persuade",), "indoctrinate": ("teach",),
    "demand": ("ask", "request"), "plead": ("ask",), "beg": ("ask",), "refuse": ("decline",),
    "murder": ("kill",), "massacre": ("kill",), "slaughter": ("kill",), "butcher": ("kill",),
    "seize": ("take",), "grab": ("take",), "snatch": ("take",), "storm": ("enter",), "flee": ("leave",),
    "plunge": ("fall", "drop"), "plummet": ("fall", "drop"), "tumble": ("fall",), "crater": ("fall",),
    "soar": ("rise", "increase"), "skyrocket": ("rise", "increase"), "surge": ("rise", "increase"),
    "balloon": ("grow",), "spark": ("cause",), "trigger": ("cause",), "ignite": ("cause",), "fuel": ("increase",),
    "exploit": ("use",), "wreck": ("damage",), "cripple": ("weaken", "damage"), "devastate": ("damage", "affect"),
    "gut": ("cut", "reduce"), "slash": ("cut", "reduce"), "axe": ("cut",), "scrap": ("cancel", "end"),
    "dodge": ("avoid",), "duck": ("avoid",), "evade": ("avoid",), "cave": ("yield",), "bully": ("pressure",),
    "spar": ("argue",), "clash": ("disagree",), "feud": ("disagree",), "bicker": ("argue",),
    "squabble": ("argue",), "ram": ("pass",),
}

# Verbs whose loaded use takes a particle: the particle goes with the verb ("lashed out at
# X" -> "criticized X"). Longest particle first.
_PHRASAL: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    "lash": (("out at", ("criticize",)), ("out against", ("criticize",)), ("out", ("respond",))),
    "rail": (("against", ("criticize",)), ("at", ("criticize",))),
    "scoff": (("at", ("dismiss",)),), "sneer": (("at", ("dismiss",)),), "ram": (("through", ("pass",)),),
}

# Loaded nouns (singular) -> plain nouns (singular); plurals follow through ``pluralize``.
_NOUNS: dict[str, tuple[str, ...]] = {
    "regime": ("government", "administration"), "scheme": ("plan", "program"), "ploy": ("move", "tactic"),
    "gimmick": ("measure",), "stunt": ("move", "event"), "tirade": ("speech", "statement"),
    "rant": ("speech", "statement"), "screed": ("statement", "article"), "diatribe": ("criticism", "speech"),
    "harangue": ("speech",), "gaffe": ("remark", "mistake"), "blunder": ("mistake", "error"),
    "fiasco": ("failure", "problem"), "debacle": ("failure", "setback"), "crony": ("ally", "associate"),
    "henchman": ("aide", "associate"), "lackey": ("aide",), "stooge": ("ally",), "shill": ("advocate", "supporter"),
    "mob": ("crowd", "group"), "horde": ("group", "crowd"), "rabble": ("crowd",), "terrorist": ("militant",),
    "extremist": ("militant", "activist"), "zealot": ("activist", "supporter"), "fanatic": ("supporter",),
    "propaganda": ("messaging", "publicity"), "rhetoric": ("language", "statements"), "handout": ("payment", "benefit"),
    "giveaway": ("benefit", "concession"), "loophole": ("provision", "exemption"), "murder": ("killing",),
    "massacre": ("killing", "attack"), "slaughter": ("killing",), "bloodbath": ("violence", "fighting"),
    "carnage": ("violence",), "onslaught": ("attack",), "bureaucrat": ("official",), "apparatchik": ("official",),
    "demagogue": ("politician",), "despot": ("ruler", "leader"), "dictator": ("leader", "ruler"),
    "tyrant": ("ruler", "leader"), "strongman": ("leader",), "warlord": ("commander",), "nightmare": ("problem",),
    "chaos": ("disorder", "confusion"), "mayhem": ("disorder", "violence"), "meltdown": ("collapse", "breakdown"),
    "bombshell": ("revelation", "report"), "firestorm": ("controversy", "criticism"), "uproar": ("criticism", "reaction"),
    "outrage": ("criticism", "reaction"), "furor": ("controversy",), "furore": ("controversy",),
    "backlash": ("criticism", "reaction"), "ordeal": ("experience",), "boondoggle": ("project",),
    "claim": ("statement",), "boast": ("statement",), "agenda": ("plans", "policy"),
}

# Loaded adjectives, adverbs and labels -> plain words, exactly as written; "" deletes the word.
_WORDS: dict[str, tuple[str, ...]] = {
    "so-called": ("",), "self-proclaimed": ("", "self-described"), "self-styled": ("", "self-described"),
    "far-left": ("left-wing",), "far-right": ("right-wing",), "hard-left": ("left-wing",),
    "hard-right": ("right-wing",), "ultra-conservative": ("conservative",), "ultraconservative": ("conservative",),
    "ultra-liberal": ("liberal",), "pro-life": ("anti-abortion",), "pro-choice": ("abortion-rights",),
    "hardline": ("",), "hard-line": ("",), "controversial": ("",), "radical": ("",), "extreme": ("",),
    "extremist": ("",), "staunch": ("",), "vocal": ("",), "avowed": ("",), "outspoken": ("",), "fierce": ("",),
    "bitter": ("",), "brutal": ("", "violent"), "vicious": ("",), "ruthless": ("",), "relentless": ("",),
    "savage": ("",), "heinous": ("",), "horrific": ("", "serious"), "horrendous": ("",), "horrible": ("", "bad"),
    "terrible": ("", "bad"), "awful": ("", "bad"), "dreadful": ("",), "disastrous": ("", "unsuccessful"),
    "catastrophic": ("", "severe"), "devastating": ("", "severe"), "shocking": ("", "surprising"),
    "stunning": ("", "surprising"), "startling": ("", "surprising"), "outrageous": ("",), "scandalous": ("",),
    "shameful": ("",), "disgraceful": ("",), "despicable": ("",), "deplorable": ("",), "egregious": ("",),
    "absurd": ("",), "ridiculous": ("",), "ludicrous": ("",), "preposterous": ("",), "bizarre": ("", "unusual"),
    "crazy": ("", "unusual"), "insane": ("",), "notorious": ("", "known"), "infamous": ("", "known"),
    "legendary": ("", "famous"), "iconic": ("", "well-known"), "renowned": ("", "known"), "acclaimed": ("",),
    "celebrated": ("", "known"), "prestigious": ("",), "esteemed": ("",), "illustrious": ("",),
    "brilliant": ("",), "great": ("",), "greatest": ("",), "amazing": ("",), "incredible": ("",),
    "remarkable": ("",), "extraordinary": ("",), "spectacular": ("",), "magnificent": ("",),
    "tremendous": ("", "large"), "massive": ("", "large"), "huge": ("", "large"), "enormous": ("", "large"),
    "gigantic": ("large",), "vast": ("", "large"), "tiny": ("small",), "meager": ("small",), "meagre": ("small",),
    "paltry": ("small",), "lavish": ("", "expensive"), "bloated": ("", "large"), "sweeping": ("", "broad"),
    "draconian": ("", "strict"), "harsh": ("", "strict"), "punishing": ("",), "crushing": ("",),
    "failed": ("", "unsuccessful"), "failing": ("", "struggling"), "flawed": ("",), "dubious": ("", "disputed"),
    "questionable": ("", "disputed"), "baseless": ("", "unproven"), "bogus": ("false",), "phony": ("false",),
    "fake": ("false",), "discredited": ("", "disputed"), "reckless": ("",), "irresponsible": ("",),
    "disgusting": ("",), "vile": ("",), "evil": ("",), "wicked": ("",), "corrupt": ("",), "crooked": ("",),
    "sleazy": ("",), "shady": ("",), "sinister": ("",), "nefarious": ("",), "brazen": ("",), "blatant": ("",),
    "flagrant": ("",), "shameless": ("",), "cynical": ("",), "hysterical": ("",), "frantic": ("",),
    "desperate": ("",), "furious": ("angry", ""), "enraged": ("angry",), "outraged": ("angry", "critical"),
    "livid": ("angry",), "irate": ("angry",), "heated": ("",), "fiery": ("",), "impassioned": ("",),
    "passionate": ("",), "hapless": ("",), "embattled": ("",), "beleaguered": ("",), "disgraced": ("", "former"),
    "tragic": ("",), "heroic": ("",), "courageous": ("",), "brave": ("",), "bold": ("",), "valiant": ("",),
    "noble": ("",), "beloved": ("",), "cherished": ("",), "dangerous": ("",), "alarming": ("",),
    "disturbing": ("",), "troubling": ("",), "staggering": ("",), "unprecedented": ("",), "historic": ("",),
    "landmark": ("",), "disgruntled": ("",), "unhinged": ("",), "deranged": ("",),
}

# Sentence adverbs that evaluate rather than report: they can always go.
_DELETABLE = frozenset("""sadly unfortunately fortunately thankfully luckily happily tragically ironically curiously
interestingly surprisingly shockingly astonishingly amazingly incredibly remarkably predictably conveniently
disturbingly alarmingly worryingly troublingly frighteningly disappointingly regrettably mercifully obviously clearly
evidently undoubtedly undeniably unquestionably certainly surely arguably famously notoriously infamously supposedly
purportedly brazenly blatantly flagrantly shamelessly cynically desperately fiercely bitterly brutally viciously
ruthlessly relentlessly heroically bravely courageously boldly stunningly staggeringly wildly hugely massively
enormously""".split())
# Intensifiers (the style features' list) can go too, but not the ones whose deletion
# breaks the sentence more often than it mends it ("so" is also a conjunction).
_KEEP_INTENSIFIERS = frozenset({"so", "too", "even", "particularly", "especially", "actually", "fully", "just"})

# Two-word labels whose plain form is a phrase ("witch hunt" -> "investigation").
_PHRASES: dict[str, tuple[str, ...]] = {
    "witch hunt": ("investigation", "inquiry"), "witch hunts": ("investigations",),
    "apology tour": ("visit", "trip"), "death tax": ("estate tax",), "cash grab": ("fee",),
    "power grab": ("move",), "illegal aliens": ("undocumented immigrants",),
    "illegal alien": ("undocumented immigrant",), "fake news": ("false reports",),
}

# -- inflection -----------------------------------------------------------------------

# The neutral verbs' irregular forms (third person, past, past participle, -ing); the
# loaded verbs of the table are regular.
_IRREGULAR: dict[str, tuple[str, str, str, str]] = {
    "say": ("says", "said", "said", "saying"), "take": ("takes", "took", "taken", "taking"),
    "fall": ("falls", "fell", "fallen", "falling"), "rise": ("rises", "rose", "risen", "rising"),
    "leave": ("leaves", "left", "left", "leaving"), "cut": ("cuts", "cut", "cut", "cutting"),
    "spread": ("spreads", "spread", "spread", "spreading"), "lead": ("leads", "led", "led", "leading"),
    "grow": ("grows", "grew", "grown", "growing"), "teach": ("teaches", "taught", "taught", "teaching"),
    "mislead": ("misleads", "misled", "misled", "misleading"), "rip": ("rips", "ripped", "ripped", "ripping"),
    "flee": ("flees", "fled", "fled", "fleeing"),
}
# Verbs that double their last consonant though they have two syllables (stress on the last).
_DOUBLING = frozenset({"admit", "commit", "regret", "refer", "prefer", "occur", "compel", "propel", "rebut", "abet",
                       "control", "patrol", "equip"})
_FORMS = ("base", "s", "past", "part", "ing")
_AUXILIARIES = frozenset("have has had having 've 's be been being is are was were get gets got gotten".split())
_PREPOSITIONS = frozenset("of in on for with about after by from over against into".split())
_DETERMINERS = frozenset("a an the this that these those his her its their our my your whose such any no every "
                         "another each some".split())


def _doubles(lemma: str) -> bool:
    if lemma in _DOUBLING:
        return True
    return bool(re.fullmatch(r"[^aeiou]*[aeiou][^aeiouwxy]", lemma))


def conjugate(lemma: str) -> dict[str, str]:
    """The forms of a verb: ``base``, ``s`` (third person), ``past``, ``part`` (past participle), ``ing``."""
    if lemma in _IRREGULAR:
        return dict(zip(_FORMS, (lemma, *_IRREGULAR[lemma])))
    if re.search(r"(s|x|z|ch|sh|o)$", lemma):
        third = lemma + "es"
    elif re.search(r"[^aeiou]y$", lemma):
        third = lemma[:-1] + "ies"
    else:
        third = lemma + "s"
    if lemma.endswith("e"):
        past = lemma + "d"
    elif re.search(r"[^aeiou]y$", lemma):
        past = lemma[:-1] + "ied"
    elif _doubles(lemma):
        past = lemma + lemma[-1] + "ed"
    else:
        past = lemma + "ed"
    if lemma.endswith("ie"):
        ing = lemma[:-2] + "ying"
    elif lemma.endswith("e") and not lemma.endswith(("ee", "ye", "oe")):
        ing = lemma[:-1] + "ing"
    elif _doubles(lemma):
        ing = lemma + lemma[-1] + "ing"
    else:
        ing = lemma + "ing"
    return {"base": lemma, "s": third, "past": past, "part": past, "ing": ing}


def pluralize(noun: str) -> str:
    if noun.endswith(("s", "x", "z", "ch", "sh")):
        return noun + "es"
    if re.search(r"[^aeiou]y$", noun):
        return noun[:-1] + "ies"
    if noun.endswith("man"):
        return noun[:-3] + "men"
    return noun + "s"


def _verb_forms() -> dict[str, tuple[str, str]]:
    """Every form of every loaded verb -> (lemma, form); the past and the participle share "past"."""
    out: dict[str, tuple[str, str]] = {}
    for lemma in list(_VERBS) + list(_PHRASAL):
        for form, word in conjugate(lemma).items():
            out.setdefault(word, (lemma, "past" if form == "part" else form))
    return out


def _noun_forms() -> dict[str, tuple[str, bool]]:
    out: dict[str, tuple[str, bool]] = {}
    for noun in _NOUNS:
        out.setdefault(noun, (noun, False))
        out.setdefault(pluralize(noun), (noun, True))
    return out


_VERB_FORMS = _verb_forms()
_NOUN_FORMS = _noun_forms()


def follow_case(original: str, word: str) -> str:
    """``word`` written as ``original`` is: UPPER, Title or as it is."""
    if not word:
        return word
    letters = [c for c in original if c.isalpha()]
    if len(letters) > 1 and all(c.isupper() for c in letters):
        return word.upper()
    if letters and original[:1].isupper():
        return word[:1].upper() + word[1:]
    return word


# -- candidates -----------------------------------------------------------------------

# The project's word (framing.sentences.WORD), and the same with hyphens inside.
_WORD = TOKEN_RE
_HYPHENATED = re.compile(r"[^\W_]+(?:[-'\u2019][^\W_]+)*")


class Candidate(NamedTuple):
    """The span of the sentence a candidate replaces, and its replacement ("" deletes the span)."""

    start: int
    end: int
    text: str


def _word_at(text: str, start: int, end: int, pattern: re.Pattern) -> tuple[int, int]:
    for m in pattern.finditer(text, max(0, start - 80), min(len(text), end + 80)):
        if m.start() <= start and m.end() >= end:
            return m.span()
    return start, end


def _previous_word(text: str, start: int) -> str:
    words = _WORD.findall(text[max(0, start - 40):start])
    return words[-1].lower() if words else ""


def candidates(text: str, start: int, end: int) -> list[Candidate]:
    """Up to ``MAX_CANDIDATES`` neutral alternatives for the cue ``text[start:end]``, in order of preference.

    Each is the span it replaces (the cue's word, its whole hyphenated word
    such as "so-called", or a phrase it belongs to: "lashed out at") and the
    replacement, in the original's inflection and case; "" deletes the span.
    """
    ws, we = _word_at(text, start, end, _WORD)
    hs, he = _word_at(text, ws, we, _HYPHENATED)
    word = text[ws:we]
    low = word.lower()
    found: list[Candidate] = []

    def add(s: int, e: int, replacement: str) -> None:
        cased = follow_case(text[s:e], replacement)
        if cased.lower() != text[s:e].lower() and all(c.text != cased for c in found):
            found.append(Candidate(s, e, cased))

    # A two-word label, the cue being either word ("witch hunt", "apology tour").
    prev = re.search(r"([^\W_]+)[ -]$", text[max(0, hs - 40):hs])
    nxt = re.match(r"[ -]([^\W_]+)", text[he:he + 40])
    pairs = ([(hs - len(prev.group()), he)] if prev else []) + ([(hs, he + nxt.end())] if nxt else [])
    for s, e in pairs:
        for alt in _PHRASES.get(re.sub(r"[ -]", " ", text[s:e].lower()), ()):
            add(s, e, alt)
    if found:
        return found[:MAX_CANDIDATES]  # "cash grab" is a label, not the verb "grab"
    compound = text[hs:he].lower()
    if (hs, he) != (ws, we) and compound in _WORDS:
        for alt in _WORDS[compound]:
            add(hs, he, alt)
    if (hs, he) == (ws, we):
        before = _previous_word(text, ws)
        verb = low in _VERB_FORMS
        if verb and low in _NOUN_FORMS and (before in _DETERMINERS or before in _PREPOSITIONS):
            verb = False  # "the claims", "of murder": the noun
        if verb:
            lemma, form = _VERB_FORMS[low]
            if form == "past" and before in _AUXILIARIES:
                form = "part"
            rest = text[we:]
            for particle, alts in _PHRASAL.get(lemma, ()):
                m = re.match(r"\s+" + r"\s+".join(particle.split()) + r"\b", rest, flags=re.IGNORECASE)
                if m:
                    for alt in alts:
                        add(ws, we + m.end(), conjugate(alt)[form])
                    break
            for alt in _VERBS.get(lemma, ()):
                add(ws, we, conjugate(alt)[form])
        elif low in _NOUN_FORMS:
            noun, plural = _NOUN_FORMS[low]
            for alt in _NOUNS[noun]:
                add(ws, we, pluralize(alt) if plural and not alt.endswith("s") else alt)
        for alt in _WORDS.get(low, ()):
            add(ws, we, alt)
        if low in _DELETABLE or (low in INTENSIFIERS and low not in _KEEP_INTENSIFIERS):
            add(ws, we, "")
    return found[:MAX_CANDIDATES]


# -- rewriting ------------------------------------------------------------------------

def _article_for(word: str) -> str:
    w = word.lower()
    if w.startswith(("hour", "honest", "honor", "honour", "heir")):
        return "an"
    if w.startswith(("uni", "use", "usu", "eu", "one", "once")):
        return "a"
    return "an" if w[:1] in "aeiou" else "a"


def _fix_article(text: str, at: int) -> str:
    """Make an "a"/"an" just before position ``at`` agree with the word that starts there."""
    m = re.search(r"\b([Aa]n?)(\s+)$", text[:at])
    nxt = _WORD.match(text, at)
    if not m or not nxt:
        return text
    article = _article_for(nxt.group())
    article = article[:1].upper() + article[1:] if m.group(1)[0] == "A" else article
    return text[:m.start(1)] + article + text[m.end(1):]


_CLOSING = ",.;:!?)]'\u2019\"\u201d"
_OPENING = "([\"'\u201c\u2018"


def rewrite(text: str, start: int, end: int, replacement: str) -> str:
    """``text`` with ``text[start:end]`` replaced, and an "a"/"an" before it made to agree.

    A deletion takes one space with it, the comma after a sentence adverb at
    the start ("Sadly, the plan" -> "The plan", capitalised as the original
    was) and a pair of commas around an aside ("It was, sadly, a" -> "It was a").
    """
    if replacement:
        return _fix_article(text[:start] + replacement + text[end:], start)
    before, after = text[:start], text[end:]
    at_start = not _WORD.search(before)
    if at_start and after.startswith(","):
        after = after[1:]
    elif before.rstrip(" ").endswith(",") and after.startswith(","):
        before, after = before.rstrip(" ")[:-1] + " ", after[1:]
    if before.endswith(" ") and (not after or after[0] == " " or after[0] in _CLOSING):
        before = before[:-1]
    elif after.startswith(" ") and (not before or before[-1] in _OPENING):
        after = after[1:]
    out = before + after
    nxt = len(before) + len(after) - len(after.lstrip())
    if at_start and text[start:end][:1].isupper() and out[nxt:nxt + 1].islower():
        out = out[:nxt] + out[nxt].upper() + out[nxt + 1:]
    return _fix_article(out, nxt)


def apply(text: str, cue_start: int, cue_end: int, suggestion: str) -> str:
    """The sentence with a listed suggestion applied: the candidate span it came from, replaced by it."""
    for c in candidates(text, cue_start, cue_end):
        if c.text == suggestion:
            return rewrite(text, c.start, c.end, c.text)
    s, e = _word_at(text, cue_start, cue_end, _WORD)
    return rewrite(text, s, e, suggestion)


def replaced(text: str, cue_start: int, cue_end: int, suggestion: str) -> str:
    """What a listed suggestion replaces: the cue's word, or its hyphenated word or phrase ("so-called")."""
    for c in candidates(text, cue_start, cue_end):
        if c.text == suggestion:
            return text[c.start:c.end]
    s, e = _word_at(text, cue_start, cue_end, _WORD)
    return text[s:e]


def _quotations(text: str) -> list[tuple[int, int]]:
    """Direct quotations (a quoted stretch of at least four words, as the features count them):
    the source's words, which an editor reports and does not reword."""
    return [(lo, hi) for lo, hi in quoted_stretches(text)
            if len(TOKEN_RE.findall(text, lo, hi)) >= DIRECT_QUOTE_MIN_WORDS]


# -- re-scoring -----------------------------------------------------------------------

def suggest(model: FramingModel, items: Sequence[tuple[str, float, Sequence[Cue]]],
            per_cue: int = PER_CUE) -> list[dict[Cue, list[Suggestion]]]:
    """Per item (a sentence, its probability, the cues to suggest for, offsets into it), each cue's suggestions.

    Cues inside a direct quotation get none: the source's words are not the
    outlet's to change. Every candidate of every cue of every item is re-scored in one call of
    ``model.predict_proba_alone`` (with each item's own text, which kinds whose
    score depends on the batch need as the yardstick). A suggestion is kept when
    it lowers both the item's listed probability and that yardstick by at least
    ``MIN_DROP``; a cue gets its ``per_cue`` lowest, in order, and no entry when
    none lowers it.
    """
    texts: dict[str, int] = {}
    plans: list[tuple[int, Cue, str, int]] = []
    for i, (text, _, cues) in enumerate(items):
        quotes = _quotations(text)
        for cue in cues:
            if any(lo <= cue.start and cue.end <= hi for lo, hi in quotes):
                continue
            for c in candidates(text, cue.start, cue.end):
                new = rewrite(text, c.start, c.end, c.text)
                if new == text or not _WORD.search(new):
                    continue
                plans.append((i, cue, c.text, texts.setdefault(new, len(texts))))
    out: list[dict[Cue, list[Suggestion]]] = [{} for _ in items]
    if not plans:
        return out
    used = sorted({i for i, _, _, _ in plans})
    base_at = {i: texts.setdefault(items[i][0], len(texts)) for i in used}
    proba = np.asarray(model.predict_proba_alone(list(texts)), dtype=float)
    per: dict[tuple[int, Cue], list[Suggestion]] = {}
    for i, cue, replacement, k in plans:
        p = float(proba[k])
        if p <= min(float(items[i][1]), float(proba[base_at[i]])) - MIN_DROP:
            per.setdefault((i, cue), []).append(Suggestion(replacement, p))
    for (i, cue), found in per.items():
        # sorted is stable: equal probabilities keep the table's order of preference.
        out[i][cue] = sorted(found, key=lambda s: s.probability)[:per_cue]
    return out


def suggest_one(model: FramingModel, text: str, cues: Sequence[Cue], probability: float | None = None,
                per_cue: int = PER_CUE) -> dict[Cue, list[Suggestion]]:
    """:func:`suggest` for one sentence (its probability computed when not given)."""
    if probability is None:
        probability = float(model.predict_proba_alone([text])[0])
    return suggest(model, [(text, probability, cues)], per_cue)[0]
