"""Split a news article into sentences, with exact character offsets.

Everything downstream (labelling, highlighting, article scores) points back into
the original text, so every sentence carries ``start``/``end`` such that
``text[start:end] == sentence.text``.  Nothing is normalised or dropped: every
non-whitespace character of the input lands in exactly one sentence, so a bad
split costs a boundary, never text.

How boundaries are found
------------------------
1. Lines.  A blank line ends a paragraph (and so a sentence).  With
   ``headline=True`` the first non-blank line is a paragraph of its own, the
   headline, whatever follows it, unless it is site chrome: a short
   call-to-action or navigation label such as "Watch CBS News", "Skip to
   content" or "Advertisement" that scrapers leave above the headline.  Such
   lines are paragraphs of their own and the headline is the next line.
2. Single line breaks.  Scraped articles put captions, bylines and widget
   text on lines of their own without final punctuation, so such a line ends
   a sentence.  Hard-wrapped prose would then be chopped at every line, so a
   line break is kept inside the sentence when the next line starts in lower
   case, when the line ends in ``, ; - ( &`` and the like, when a short line
   ends in a function word ("of", "the", ...), or when most breaks of the
   paragraph look like that (the paragraph is wrapped prose).
3. Terminators ``. ! ? …`` (plus any closing quotes/brackets) followed by
   whitespace end a sentence unless what follows starts in lower case.  A
   single period also has to survive the abbreviation checks: titles
   ("Mr.", "Sen.") never end a sentence; other abbreviations, dotted
   acronyms and initials ("U.S.", "Inc.", "Aug.", "J.") only do when the next
   word is a common sentence opener ("The", "He", "But"...).  An ellipsis
   only ends a sentence before a capital letter, because reporters use it
   mid-quote ("hostilities …. we go").  ``.”Assad`` (no space after a curly
   closing quote) is also a boundary: scraped text loses that space.

Quotation
---------
:func:`quote_spans` pairs quote marks per paragraph: “ ” „ « » and ASCII "
(one family of double quotes, since scraped text mixes them) and ‘ ’ ' for
single quotes.  ’ and ' only close a quote when not followed by a letter, so
apostrophes (don’t, Kerry’s) are ignored.  An unclosed double quote runs to the
end of its paragraph, as in the news convention of leaving a multi-paragraph
quote open, but closes at a line end when the next line opens a new quote, and
at any line end that is not wrapped prose (scraped articles hold a paragraph or
a sentence per line, and an unmatched mark must not take the rest of them).
Unclosed single quotes are dropped: they are far more often stray apostrophes
("'90s") than quotations.

``Sentence.quoted`` rule: a sentence is quoted when strictly more than half of
its non-whitespace characters lie inside quotations, the quote marks themselves
counting as inside.  So ``"We have to try," he said.`` is quoted (the source's
words dominate, attribution is short) while ``Obama said the US "must try".``
is not.  Because spans come from the whole paragraph, a sentence in the middle
of a quotation that opened in an earlier sentence is quoted too.

Voices
------
``Sentence.segments`` cuts each sentence into the outlet's words ("own") and a
source's ("quote"), from the same quote spans: ``“…,” said X, director of Y.``
is a quotation and an own-voice attribution, however long the attribution.
A quotation of at most ``SCARE_MAX_WORDS`` words inside the outlet's sentence
(a scare quote, a borrowed phrase) stays own, unless it opens the sentence and
ends in speech punctuation (``“No,” she said.``).  Segments are stripped, in
order, and cover every non-space character of the sentence once; a stretch
without a word joins its neighbour.  The ``quoted`` flag above is unchanged
(the majority rule); segments say which part is whose.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Sentence", "Segment", "WORD", "is_chrome", "split_sentences", "quote_spans", "word_count"]


@dataclass(frozen=True)
class Segment:
    """A stretch of a sentence in one voice: the outlet's ("own") or a quoted source's ("quote")."""

    start: int
    end: int
    text: str
    voice: str


@dataclass(frozen=True)
class Sentence:
    index: int
    start: int
    end: int
    text: str
    quoted: bool
    headline: bool
    paragraph: int
    # The sentence in voices, in order; they cover every non-space character of
    # the sentence once, and only whitespace lies between two of them.
    segments: tuple[Segment, ...] = ()


# The same set of line boundaries str.splitlines() uses, so a caller who splits
# lines themselves sees the same line structure we do.
_LINE_BREAK = re.compile("\r\n|[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")

_TERMINATORS = ".!?…‽⁇⁈⁉。！？"
_CLOSERS = "\"'”’»›)]}"
_OPENERS = "\"'“‘«‹„‚‛‟([{"
_TERM_RE = re.compile(
    "[" + re.escape(_TERMINATORS) + "]+(?P<close>[" + re.escape(_CLOSERS) + "]*)"
)
_WORD_RE = re.compile(r"[^\W\d_]+")
_DOTTED_RE = re.compile(r"(?:[A-Za-z]\.)+\Z")


def _variants(words: str) -> frozenset[str]:
    # Canonical spelling plus Capitalised and UPPER forms, but not lower case:
    # "Ill." (Illinois) must not swallow the sentence end in "he was ill."
    out = set()
    for w in words.split():
        out.update((w, w[0].upper() + w[1:], w.upper()))
    return frozenset(out)


# Abbreviations that precede a name or number and so never end a sentence.
_TITLES = _variants(
    "Mr. Mrs. Ms. Mx. Dr. Prof. Sen. Sens. Rep. Reps. Gov. Gen. Lt. Col. Maj. "
    "Capt. Cmdr. Adm. Sgt. Cpl. Pvt. Rev. Hon. Pres. Supt. Atty. Amb. Messrs. "
    "vs. v. Fr."
)
# Abbreviations that end a sentence only when a number does not follow ("No. 5").
_NUMBERED = frozenset("No. Nos. no. nos. Vol. vol. pp. p. Fig. fig. Art. art.".split())
# Abbreviations that may end a sentence, but only before an obvious sentence opener.
_ABBREVS = _variants(
    "e.g. i.e. a.m. p.m. al. approx. est. Jr. Sr. "
    "Inc. Corp. Co. Ltd. Bros. Dept. Univ. Assn. Ave. Blvd. Rd. St. Mt. Ft. "
    "Jan. Feb. Mar. Apr. Jun. Jul. Aug. Sep. Sept. Oct. Nov. Dec. "
    "Mon. Tue. Tues. Wed. Thu. Thur. Thurs. Fri. Sat. Sun. "
    "Ala. Ariz. Ark. Calif. Colo. Conn. Del. Fla. Ga. Ill. Ind. Kan. Ky. La. Md. "
    "Mass. Mich. Minn. Miss. Mo. Mont. Neb. Nev. Okla. Ore. Pa. Tenn. Vt. Va. "
    "Wash. Wis. Wyo."
)
# Words that begin a new sentence often enough that "... the U.S. The ..." splits.
_STARTERS = frozenset(
    "The A An He She It They We I You His Her Its Their Our My This That These "
    "Those There Here But And Or So Yet Still Then Now Meanwhile However In On "
    "At For By With As If When While After Before Since Although Though Some "
    "Many Most All Both Each Other Others Officials What Who Why How Where".split()
)
# A short line ending in one of these is a wrapped line, not a caption.
_FUNCTION_WORDS = frozenset(
    "a an the and or but nor of to in on at for with by from as that than "
    "into onto over under about after before between against during is are "
    "was were be been has have had will would could should may might must".split()
)
_CONTINUATION = ",;-–—(&/+=‐"
_WRAP_WIDTH = 100  # lines longer than this are paragraphs, not hard-wrapped text

_SOFT, _TERM, _BARE = 0, 1, 2


def _lines(text: str) -> list[tuple[int, int] | None]:
    """Stripped (start, end) of every line, None for blank lines."""
    out: list[tuple[int, int] | None] = []
    pos = 0
    bounds = [m.span() for m in _LINE_BREAK.finditer(text)]
    bounds.append((len(text), len(text)))
    for br_start, br_end in bounds:
        line = text[pos:br_start]
        stripped = line.strip()
        if stripped:
            s = pos + len(line) - len(line.lstrip())
            out.append((s, s + len(stripped)))
        else:
            out.append(None)
        pos = br_end
    return out


# Site chrome above a headline: a short navigation or call-to-action label
# ("Watch CBS News", "Skip to main content", "Advertisement"). The phrases are
# ones a headline does not start with; "watch"/"listen" only count before a
# medium ("... News", "... Live"), so "Watch Out for Scams" stays a headline,
# and a colon or final punctuation ("WATCH: Senator ...") always marks one.
_CHROME = re.compile(
    r"(?i)(?:(?:watch|listen)(?:\s+[^\s:.!?\u2026]+){0,3}\s+(?:news|tv|live|video|now|podcast|radio)"
    r"|(?:subscribe|sign\s+(?:up|in)|log\s*in|skip\s+to|advertisement|sponsored|share\s+this"
    r"|read\s+more|continue\s+reading|download\s+the\s+app|get\s+the\s+app|most\s+(?:read|popular)"
    r"|listen\s+to\s+this|live\s+tv)\b[^:.!?\u2026]*)")
_CHROME_MAX_WORDS = 5


def is_chrome(line: str) -> bool:
    return len(line.split()) <= _CHROME_MAX_WORDS and _CHROME.fullmatch(line) is not None


def _paragraphs(text: str, headline: bool) -> tuple[list[list[tuple[int, int]]], int | None]:
    """The paragraphs as lists of line spans, and the index of the headline's (None if none)."""
    lines = _lines(text)
    last = max((k for k, line in enumerate(lines) if line is not None), default=-1)
    paras: list[list[tuple[int, int]]] = []
    cur: list[tuple[int, int]] = []
    head: int | None = None
    want_headline = headline
    for k, line in enumerate(lines):
        if line is None:
            if cur:
                paras.append(cur)
                cur = []
            continue
        if want_headline:
            # Chrome is skipped only while a later line can be the headline.
            if k < last and is_chrome(text[line[0]:line[1]]):
                paras.append([line])
                continue
            head = len(paras)
            paras.append([line])
            want_headline = False
            continue
        cur.append(line)
    if cur:
        paras.append(cur)
    return paras, head


def _break_kind(text: str, cur: tuple[int, int], nxt: tuple[int, int]) -> int:
    a, b = cur
    j, d = nxt
    while j < d and text[j] in _OPENERS:
        j += 1
    if j < d and text[j].islower():
        return _SOFT
    i = b - 1
    while i > a and text[i] in _CLOSERS:
        i -= 1
    last = text[i]
    if last in _TERMINATORS:
        # On a long line the break is a paragraph break even after "U.S.";
        # on a short one it may be wrapped text, so the sentence rules decide.
        return _BARE if b - a > _WRAP_WIDTH else _TERM
    if last in _CONTINUATION:
        return _SOFT
    if b - a <= _WRAP_WIDTH:
        k = i
        while k > a and text[k - 1].isalpha():
            k -= 1
        # Case-sensitive: title-case "In" ends a heading, lower-case "in" a wrapped line.
        if text[k : i + 1] in _FUNCTION_WORDS:
            return _SOFT
    return _BARE


def _breaks(text: str, lines: list[tuple[int, int]]) -> tuple[list[int], bool]:
    """The kind of each line break of a paragraph, and whether the paragraph is wrapped prose."""
    kinds = [_break_kind(text, lines[i], lines[i + 1]) for i in range(len(lines) - 1)]
    return kinds, len(lines) >= 3 and 2 * kinds.count(_SOFT) >= len(kinds)


def _segments(text: str, lines: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Split a paragraph at the line breaks that end a sentence."""
    if len(lines) == 1:
        return lines
    kinds, wrapped = _breaks(text, lines)
    segs = []
    seg_start = lines[0][0]
    for i, kind in enumerate(kinds):
        if kind == _BARE and not (wrapped and lines[i][1] - lines[i][0] <= _WRAP_WIDTH):
            segs.append((seg_start, lines[i][1]))
            seg_start = lines[i + 1][0]
    segs.append((seg_start, lines[-1][1]))
    return segs


def _is_boundary(text: str, m: re.Match, k: int, e: int, s: int) -> bool:
    """Does the terminator match ``m`` end a sentence, the next one starting at ``k``?"""
    nk = k
    while nk < e and text[nk] in _OPENERS:
        nk += 1
    if nk >= e:
        return True
    ch = text[nk]
    if ch.islower() or ch in ".…":  # lower case continues; ". . ." is a spaced ellipsis
        return False
    run = text[m.start() : m.start("close")]
    p = m.start()
    if "…" in run or ".." in run or (run == "." and p >= 2 and text[p - 1] == " " and text[p - 2] == "."):
        return ch.isupper()
    if run != ".":
        return True
    if m.group("close"):
        return True  # ." or .) — the closing mark settles it
    q = p
    while q > s and not text[q - 1].isspace():
        q -= 1
    tok = text[q : p + 1].lstrip(_OPENERS)
    if tok in _TITLES:
        return False
    if tok in _NUMBERED:
        return not ch.isdigit()
    if tok in _ABBREVS or _DOTTED_RE.match(tok):
        if ch.isdigit():
            return False
        w = _WORD_RE.match(text, nk, e)
        return w is not None and w.group() in _STARTERS
    return True


def _split_segment(text: str, s: int, e: int, out: list[tuple[int, int]]) -> None:
    start = s
    for m in _TERM_RE.finditer(text, s, e):
        j = m.end()
        if j >= e:
            break
        c = text[j]
        if c.isspace():
            k = j + 1
            while text[k].isspace():  # segments end on non-space, so this stops
                k += 1
            if _is_boundary(text, m, k, e, s):
                out.append((start, j))
                start = k
        else:
            close = m.group("close")
            if close and close[-1] in "”»" and (c.isupper() or c in "“«„"):
                out.append((start, j))
                start = j
    out.append((start, e))


# --- quotations -------------------------------------------------------------

_QUOTE_RE = re.compile("[\"'“”„‟«»‹›‘’‚‛]")
_OPEN_CONTEXT = "([{—–-/\"'“‘«„"
_LINE_OPENERS = "\"“„«"
_D, _S, _G, _g = "D", "S", "G", "g"  # double, single, guillemet, single guillemet


def _find(stack: list, family: str) -> int | None:
    for k in range(len(stack) - 1, -1, -1):
        if stack[k][0] == family:
            return k
    return None


def _scan_quotes(text: str, lines: list[tuple[int, int]], spans: list) -> None:
    """Append (outer_start, outer_end, inner_start, inner_end) for each quotation."""
    n = len(text)
    stack: list[tuple[str, int, str]] = []  # (family, position of the opening mark, mark)

    def close(k: int, i: int) -> None:  # closed by the mark at i
        spans.append((stack[k][1], i + 1, stack[k][1] + 1, i))
        del stack[k:]

    def abandon(k: int, i: int) -> None:  # never closed: runs to the last non-space before i
        end = i
        while end > stack[k][1] + 1 and text[end - 1].isspace():
            end -= 1
        spans.append((stack[k][1], end, stack[k][1] + 1, end))
        del stack[k:]

    kinds, wrapped = _breaks(text, lines)
    for li, (a, b) in enumerate(lines):
        for m in _QUOTE_RE.finditer(text, a, b):
            i = m.start()
            c = text[i]
            prev = text[i - 1] if i > 0 else " "
            nxt = text[i + 1] if i + 1 < n else " "
            opening = prev.isspace() or prev in _OPEN_CONTEXT
            if c in "\"“”„‟":
                k = _find(stack, _D)
                if c in "„‟":
                    if k is not None:
                        abandon(k, i)
                    stack.append((_D, i, c))
                elif c == "“":
                    if k is not None and stack[k][2] == "„":
                        close(k, i)  # German „…“
                    else:
                        if k is not None:
                            abandon(k, i)
                        stack.append((_D, i, c))
                elif c == "”":
                    if k is not None:
                        close(k, i)
                    elif opening and not nxt.isspace():
                        stack.append((_D, i, c))  # Swedish-style ”…”
                else:
                    if k is not None:
                        if prev.isspace() and not nxt.isspace():
                            abandon(k, i)  # looks like a fresh opening: the last one never closed
                            stack.append((_D, i, c))
                        else:
                            close(k, i)
                    elif not nxt.isspace():
                        stack.append((_D, i, c))
            elif c in "«»":
                k = _find(stack, _G)
                if c == "«":
                    stack.append((_G, i, c))
                elif k is not None:
                    close(k, i)
            elif c in "‹›":
                k = _find(stack, _g)
                if c == "‹":
                    stack.append((_g, i, c))
                elif k is not None:
                    close(k, i)
            elif c in "‘‚‛":
                if not nxt.isspace():
                    stack.append((_S, i, c))
            else:  # ’ or '
                k = _find(stack, _S)
                if k is not None and not prev.isspace() and not nxt.isalnum():
                    close(k, i)
                elif c == "'" and opening and nxt.isalnum():
                    stack.append((_S, i, c))
        if li + 1 < len(lines) and stack:
            # A new quote opening the next line means this one was left open on
            # purpose (multi-paragraph quotation): end it here.  So does a line
            # break that is not wrapped prose (scraped text puts a paragraph, or
            # a sentence, on each line): a quotation carries on past a line end
            # only into a line that opens with a quote mark, so an unmatched
            # mark takes at most the rest of its line, not the article.
            hard = kinds[li] != _SOFT and not (wrapped and b - a <= _WRAP_WIDTH)
            if hard or text[lines[li + 1][0]] in _LINE_OPENERS:
                k = next((k for k, it in enumerate(stack) if it[0] != _S), None)
                if k is not None:
                    abandon(k, b)
                stack.clear()
    k = next((k for k, it in enumerate(stack) if it[0] != _S), None)
    if k is not None:
        abandon(k, lines[-1][1])


def _outermost(spans: list) -> list:
    spans.sort(key=lambda t: (t[0], -t[1]))
    out = []
    for sp in spans:
        if sp[3] <= sp[2]:
            continue
        if out and sp[0] < out[-1][1]:
            continue  # nested in (or, after an abandoned quote, touching) the previous one
        out.append(sp)
    return out


def _quotes(text: str, paras: list[list[tuple[int, int]]]) -> list:
    spans: list = []
    for lines in paras:
        _scan_quotes(text, lines, spans)
    return _outermost(spans)


def quote_spans(text: str) -> list[tuple[int, int]]:
    """Spans of direct quotation in ``text``, inside the quote marks, in order.

    Nested quotations are folded into the outermost one.  The scan is per
    paragraph (blank-line separated); see the module docstring for the rules.
    """
    if not isinstance(text, str):
        raise TypeError(f"quote_spans() needs str, not {type(text).__name__}")
    return [(sp[2], sp[3]) for sp in _quotes(text, _paragraphs(text, False)[0])]


def _nonspace(s: str) -> int:
    return len("".join(s.split()))


# --- voices -------------------------------------------------------------------

# The project's one word pattern ("don’t" is one word): voices and page furniture
# count with it here, and features re-export it as features.TOKEN_RE.
WORD = re.compile(r"[^\W_]+(?:['\u2019][^\W_]+)*")


def word_count(text: str) -> int:
    """Words as the voices count them ("don’t" is one): the weight of a segment in the score."""
    return len(WORD.findall(text))


SCARE_MAX_WORDS = 3  # a quotation this short inside the outlet's sentence is a word it borrows
_SPOKEN_END = ",.!?…:;"


def _is_scare(text: str, q: tuple, s: int, e: int) -> bool:
    """A scare quote (or a borrowed phrase): the outlet's sentence, quoting a word or three.

    ``“No,” she said.`` is speech even though it is one word: a short quotation
    that opens the sentence and ends in punctuation inside the marks is what
    someone said.  ``the so-called “reform”`` and ``called it “a giveaway,”``
    (American style puts the comma inside) stay the outlet's.  A quotation
    running past the sentence is always speech.
    """
    outer_start, outer_end, inner_start, inner_end = q
    if outer_start < s or outer_end > e:
        return False
    inner = text[inner_start:inner_end].strip()
    if len(WORD.findall(inner)) > SCARE_MAX_WORDS:
        return False
    opens_sentence = not WORD.search(text, s, outer_start)
    return not (opens_sentence and inner and inner[-1] in _SPOKEN_END)


def _voice_segments(text: str, s: int, e: int, quotes: list, qi: int, headline: bool) -> tuple[Segment, ...]:
    """The sentence ``text[s:e]`` cut into own-voice and quoted stretches.

    Attribution ("…,” said X, director of Y.") is the outlet reporting, so it
    is an own-voice segment beside the quotation.  A stretch without a word
    (the final "." after a closing mark, a dash) has no voice of its own and
    joins its neighbour, so every segment has something to score.  A headline
    is the outlet's words even when it quotes: one own segment.
    """
    cuts: list[tuple[int, int]] = []
    if not headline:
        qj = qi
        while qj < len(quotes) and quotes[qj][0] < e:
            q = quotes[qj]
            a, b = max(s, q[0]), min(e, q[1])
            if a < b and not _is_scare(text, q, s, e):
                cuts.append((a, b))
            qj += 1
    raw: list[list] = []
    pos = s
    for a, b in cuts:
        if a > pos:
            raw.append([pos, a, "own"])
        raw.append([a, b, "quote"])
        pos = b
    if pos < e:
        raw.append([pos, e, "own"])
    merged: list[list] = []
    for a, b, voice in raw:
        piece = text[a:b]
        if not piece.strip():
            continue
        a += len(piece) - len(piece.lstrip())
        b = a + len(piece.strip())
        worded = WORD.search(text, a, b) is not None
        if merged and (not worded or merged[-1][2] == voice):
            merged[-1][1] = b
        elif merged and not WORD.search(text, merged[-1][0], merged[-1][1]):
            merged[-1][1:] = [b, voice]  # a wordless opening ("— ") takes the voice that follows
        else:
            merged.append([a, b, voice])
    return tuple(Segment(a, b, text[a:b], voice) for a, b, voice in merged)


def split_sentences(text: str, headline: bool = True) -> list[Sentence]:
    """Split ``text`` into sentences; see the module docstring for the rules."""
    if not isinstance(text, str):
        raise TypeError(f"split_sentences() needs str, not {type(text).__name__}")
    paras, head = _paragraphs(text, headline)
    quotes = _quotes(text, paras)
    out: list[Sentence] = []
    qi = 0
    for pno, lines in enumerate(paras):
        pieces: list[tuple[int, int]] = []
        for s, e in _segments(text, lines):
            _split_segment(text, s, e, pieces)
        is_head = pno == head
        for s, e in pieces:
            # Pieces end on a terminator or closing mark and start on a
            # non-space, but a segment may hold nothing but an opening mark
            # plus spaces after a split; strip to keep the contract exact.
            piece = text[s:e]
            stripped = piece.strip()
            if not stripped:
                continue
            s += len(piece) - len(piece.lstrip())
            e = s + len(stripped)
            while qi < len(quotes) and quotes[qi][1] <= s:
                qi += 1
            inside = 0
            qj = qi
            while qj < len(quotes) and quotes[qj][0] < e:
                inside += _nonspace(text[max(s, quotes[qj][0]) : min(e, quotes[qj][1])])
                qj += 1
            quoted = 2 * inside > _nonspace(stripped)
            segments = _voice_segments(text, s, e, quotes, qi, is_head)
            out.append(Sentence(len(out), s, e, stripped, quoted, is_head, pno, segments))
    return out
