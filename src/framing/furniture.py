"""Page furniture: the lines a scraper leaves in an article that nobody wrote as reporting.

Calls to action, photo credits, bylines, "Advertisement", copyright lines and
the like are recognised by what they are, wherever they stand (above the
headline, between paragraphs, at the bottom), so they are shown but never
counted in the article score.  Each rule is a small, general pattern with a
name; ``benchmarks/ptc_furniture.py`` counts how many lines of a corpus each
rule takes, so a rule that starts eating reporting shows up in numbers
(docs/scoring.md has the table for PTC's 371 articles).

The rules err towards keeping text: a sentence is furniture only when its form
says so (an imperative to subscribe *with* the channel it points to, a line that
is only a byline), never because of a topic word.  A video title after
"WATCH:" is the outlet's own words and stays.

Link residue is different: ``One partner could be Russia… (via`` is the
outlet's sentence with the stub of a link after it.  :func:`link_residue` finds
where the stub starts, so the sentence is scored without it.

It sits at the sentences layer (it reads only framing.sentences): plain text in, names out.
"""

from __future__ import annotations

import re

from framing.sentences import WORD as _WORD

__all__ = ["RULES", "furniture_kind", "link_residue", "MIN_WORDS"]

MIN_WORDS = 8  # below this, a line without sentence punctuation is a label, not prose
_CLAUSE_MIN_WORDS = 4
_CLAUSE_LOWER_SHARE = 0.6

_FINAL = re.compile(r"[.!?\u2026][\"'\u201d\u2019)\]]*\s*$")

# Imperatives that ask the reader to do something with the page rather than
# report anything ...
_CTA_VERB = (r"(?:get|sign\s*up|sign\s+in|log\s*in|register|subscribe|follow|like|share|join|download|install|"
             r"click|tap|watch|listen|read|see|sign|support|donate|enable|turn\s+on|allow|never\s+miss|don[’']t\s+miss)")
# ... and the channels such a request points to.  Both are needed for a long
# line: "Follow the money" and "Watch this senator dodge the question" are prose.
_CHANNEL = re.compile(
    r"(?i)\b(?:newsletters?|inbox|e-?mails?|notifications?|alerts?|app|apps|youtube|twitter|facebook|instagram|"
    r"telegram|tiktok|podcasts?|channel|feed|rss|updates|subscriptions?|subscribers?|here|below|link|"
    r"us|our)\b|@\w")
_CTA_START = re.compile(r"(?i)^\W*" + _CTA_VERB + r"\b")
_CTA_MAX_WORDS = 30
# A label standing alone: "READ MORE:", "Related", "Watch:", "Subscribe today!"
_LABEL = re.compile(r"(?i)^\W*(?:(?!like\b)" + _CTA_VERB + r"|related(?:\s+(?:articles?|stories|coverage|video))?|"
                    r"more\W*$|recommended|trending|most\s+(?:read|popular)|show\s+(?:full\s+)?(?:article|comments)|"
                    r"comments?|share\s+this|skip\s+to)\b")
_LABEL_MAX_WORDS = 4
# "Read more: <a linked headline>"; not "WATCH: <video title>", which the outlet wrote.
_READ_MORE = re.compile(r"(?i)^\W*(?:read\s+more|related|see\s+also|also\s+read|more|recommended)\s*:")
_REPOST = re.compile(r"(?i)^\W*(?:this|the)?\s*(?:article|report|story|piece|post|column)\s+(?:was\s+)?"
                     r"(?:(?:originally|first)\s+(?:published|appeared|posted|ran)|(?:re)?(?:posted|published)\s+"
                     r"with\s+permission)\b")

# Photo credits and captions: a credit line, or a caption ending in a credit.
_CREDIT_WORDS = r"(?:photo(?:graph)?s?|image|picture|pic|credit|illustration|video|footage|screenshot|file\s+photo)"
_AGENCY = r"(?:getty(?:\s+images)?|ap|afp|reuters|epa|shutterstock|istock|alamy|pa|xinhua|anadolu)"
_CREDIT_START = re.compile(r"(?i)^\W*" + _CREDIT_WORDS + r"\s*(?:by\b|:|\||/|courtesy\b|credit\b)")
_CREDIT_END = re.compile(r"(?i)(?:\(|\[|\||—|–|-|/)\s*(?:" + _CREDIT_WORDS + r"\b[^()\[\]]{0,60}|" + _AGENCY +
                         r"\s*(?:photo|images?|/)[^()\[\]]{0,60})[)\]]?\s*$")
_AGENCY_ALONE = re.compile(r"(?i)^\W*(?:" + _AGENCY + r")(?:\s*(?:photo|images?|/|via)[^.!?]{0,60})?\W*$")

# Bylines and datelines standing alone: "By Jane Roe | Desk", "Published 3:45 PM ET".
# A name, not "By Saturday," or "By March": those open sentences.
_NAME = (r"(?!(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day\b|(?:January|February|March|April|May|June|July|August|"
         r"September|October|November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\b)[A-Z][\w.'’-]*")
_BYLINE = re.compile(r"^\W*[Bb]y\s+" + _NAME + r"(?:\s+" + _NAME + r"){0,3}(?:\s+and\s+" + _NAME +
                     r"(?:\s+" + _NAME + r"){0,3})?\s*(?:$|[|,–—-]|\d)")
_BYLINE_MAX_WORDS = 12
_STAMP = re.compile(r"(?i)^\W*(?:published|posted|updated|last\s+updated|first\s+published|modified)\b\s*(?:on|at|:)?"
                    r"\s*(?:\d|jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|mon|tue|wed|thu|fri|sat|sun|"
                    r"today|yesterday)")
_DATELINE = re.compile(r"^[A-Z][A-Z .,'-]{2,40}(?:\s*\([\w .]+\))?\s*[—–-]+\s*$")
_DATE_ALONE = re.compile(r"(?i)^\W*(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day,?\s*)?(?:jan|feb|mar|apr|may|jun|jul|"
                         r"aug|sep|oct|nov|dec)[a-z]*\.?\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{4}\b[\d:apm .ETGMUC|-]*$")

_ADVERT = re.compile(r"(?i)^\W*(?:advertisement|advertising|sponsored(?:\s+content)?|paid\s+content|promoted|"
                     r"ad)\W*$|\bstory\s+continues\s+(?:below|after)\b")
_COPYRIGHT = re.compile(r"(?i)(?:©|\(c\)\s*\d{4}|^\W*copyright\b|all\s+rights\s+reserved)")

# A link's stub after the outlet's sentence: "(via", "(h/t @someone)", "(source:".
_RESIDUE = re.compile(r"(?i)\s*[(\[]\s*(?:via|h/t|ht|hat\s+tip|source|from|more|see|watch|read)\b[^()\[\]]{0,40}"
                      r"[)\]]?\s*$")
_RESIDUE_MAX_WORDS = 5


def _words(text: str) -> int:
    return len(_WORD.findall(text))


def _call_to_action(text: str) -> bool:
    n = _words(text)
    if n <= _LABEL_MAX_WORDS and _LABEL.match(text) and not text.rstrip().endswith("?"):  # "See?" is rhetoric
        return True
    if _READ_MORE.match(text):
        return True
    return n <= _CTA_MAX_WORDS and bool(_CTA_START.match(text)) and bool(_CHANNEL.search(text))


def _photo(text: str) -> bool:
    return bool(_CREDIT_START.match(text) or _CREDIT_END.search(text) or _AGENCY_ALONE.match(text))


def _byline(text: str) -> bool:
    if _STAMP.match(text) or _DATELINE.match(text) or _DATE_ALONE.match(text):
        return True
    return _words(text) <= _BYLINE_MAX_WORDS and bool(_BYLINE.match(text))


def _short_label(text: str) -> bool:
    # A caption, button or widget label: too short to be prose and not ended like a sentence.
    # A lead-in of three words or more ending in a colon ("The minister wrote:")
    # is the outlet introducing a quotation or a list: reporting, however short.
    # So is a line that reads as a clause, mostly lower-case words after the
    # first ("She can produce no witnesses"): scraping lost its full stop.
    # Title-case lines ("Hide Caption 3 of 9", section labels) stay furniture.
    words = _WORD.findall(text)
    n = len(words)
    if n >= 3 and text.rstrip().endswith(":"):
        return False
    if n >= _CLAUSE_MIN_WORDS and sum(w[0].islower() for w in words[1:]) >= _CLAUSE_LOWER_SHARE * (n - 1):
        return False
    return n < MIN_WORDS and not _FINAL.search(text)


# In the order they are tried; the first that matches names the line.
RULES = {
    "advertisement": lambda t: bool(_ADVERT.search(t)) and _words(t) <= _LABEL_MAX_WORDS * 2,
    "copyright": lambda t: bool(_COPYRIGHT.search(t)),
    "call to action": _call_to_action,
    "repost credit": lambda t: bool(_REPOST.match(t)),
    "photo credit or caption": _photo,
    "byline or dateline": _byline,
    "short line without sentence punctuation": _short_label,
}


def link_residue(text: str) -> int | None:
    """Where a trailing link stub starts in ``text`` ("… (via"), or None when there is none.

    Only a stub after words of the outlet's own counts: a line that is nothing
    but "(via Reuters)" is furniture as a whole.
    """
    m = _RESIDUE.search(text)
    if m is None or _words(m.group()) > _RESIDUE_MAX_WORDS or not _WORD.search(text, 0, m.start()):
        return None
    return m.start()


def furniture_kind(text: str, headline: bool = False) -> str | None:
    """The name of the rule that makes ``text`` page furniture, or None for prose.

    A headline is never furniture (site chrome above it is found by the
    sentence splitter).  Link residue is cut off first, so the outlet's
    sentence before it is judged on its own words.
    """
    if headline:
        return None
    text = text.strip()
    cut = link_residue(text)
    if cut is not None:
        text = text[:cut].rstrip()
    for name, rule in RULES.items():
        if rule(text):
            return name
    return None
