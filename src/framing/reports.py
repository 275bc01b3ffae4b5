"""The report stage: what a person reads. Tables for the terminal, Markdown for notes,
a self-contained HTML page for reading an article with its framing marked, JSON for machines.

Every renderer takes the same :class:`framing.scoring.ArticleScore` objects, so
the table, the Markdown, the HTML and the JSON of one run cannot disagree about
a sentence or a cue.
"""

from __future__ import annotations

import html
from importlib import resources
from string import Template
from typing import Any, Sequence

from rich.console import Console
from rich.table import Table
from rich.text import Text

__all__ = [
    "share_phrase", "summary_line", "bands_line", "highlight", "suggestion_lines", "print_table", "render_markdown",
    "article_html", "summary_html", "LEGEND", "report_css", "report_body_html", "report_title", "render_html",
    "print_compare", "compare_body_html", "render_compare_html", "render_evaluation",
]

# -- words a person reads --------------------------------------------------------

def share_phrase(score: float) -> str:
    """The score as a reader would say it: "about 3 in 10"."""
    tenths = int(round(score * 10))
    return "none" if tenths == 0 else "nearly all" if tenths >= 10 else f"about {tenths} in 10"


def summary_line(result) -> str:
    """One sentence a reader can repeat without knowing how the score is computed."""
    t = result.threshold
    text = (f"{result.verdict.upper()} loading: score {result.score:.2f}, i.e. {share_phrase(result.score)} of the "
            f"outlet's own words read as loaded ({result.units} sentences, headline included; {result.own_loaded()} "
            f"at or over the threshold {t:.2f}).")
    quoted = result.quoted
    if quoted and result.quoted_score is not None:
        text += (f" Quoted speech, not counted: in {len(quoted)} sentence{'s' if len(quoted) != 1 else ''}, "
                 f"score {result.quoted_score:.2f}.")
    return text


def _bands(result=None):
    from framing.scoring import DEFAULT_BANDS

    return DEFAULT_BANDS if result is None else result.bands


def bands_line(result=None) -> str:
    """The cut-points ``result`` was banded with (each model has its own: framing.scoring.model_bands)."""
    b = _bands(result)
    return f"bands: low < {b.low_below:.2f} <= moderate < {b.high_from:.2f} <= high"


def _cue_spans(part) -> list[tuple[int, int, Any]]:
    """Cue spans relative to ``part`` (a sentence or a segment), in reading order, overlaps dropped so marks never nest."""
    spans, last = [], 0
    for c in sorted(part.cues, key=lambda c: (c.start, -c.end)):
        if c.start >= last:
            spans.append((c.start, c.end, c))
            last = c.end
    return spans


def highlight(part, style: str = "bold red", brackets: bool = False) -> Text:
    """The sentence or segment with its cue words styled; between asterisks too when the output has no colour.

    Asterisks, not brackets: news text uses brackets for editorial insertions
    ("[the Islamic State group]"), so bracketed cues would be ambiguous.
    """
    out, pos = Text(), 0
    for start, end, _ in _cue_spans(part):
        out.append(part.text[pos:start])
        word = part.text[start:end]
        out.append(f"*{word}*" if brackets else word, style=style)
        pos = end
    out.append(part.text[pos:])
    return out


def suggestion_lines(part, probability: float) -> list[str]:
    """The suggestions of a sentence's or segment's marked cues, as a reader says them:
    "admits → says: 0.71 → 0.22" (a deletion: "sadly → (delete): 0.71 → 0.40")."""
    from framing.suggest import replaced

    found = getattr(part, "suggestions", None) or {}
    lines = []
    for _, _, c in _cue_spans(part):
        for s in found.get(c, ()):
            before = replaced(part.text, c.start, c.end, s.text)
            line = f"{before} → {s.text or '(delete)'}: {probability:.2f} → {s.probability:.2f}"
            if line not in lines:  # "so" and "called" both marked: one "so-called" to delete
                lines.append(line)
    return lines


def _rows(sentence) -> list[tuple[Any, float, str]]:
    """What a table shows of a sentence: (part, probability, voice) per row.

    A sentence in one voice is one row, as the model reads it whole.  A
    sentence in several (a quotation and its attribution, an aside and the
    stub of a link) is a row per segment, each with its own probability: the
    reader sees which words are the outlet's and how each part reads.
    """
    if len(sentence.segments) == 1:
        voice = "head" if sentence.headline else sentence.voice
        return [(sentence.segments[0], sentence.probability, voice)]
    return [(g, g.probability, g.voice) for g in sentence.segments]


def _is_loaded(sentence, threshold: float) -> bool:
    return any(p >= threshold and v != "page" for _, p, v in _rows(sentence))


def _visible(result, only_loaded: bool) -> list:
    if not only_loaded:
        return result.sentences
    # Page furniture is left out: it carries no framing a reader needs to see.
    return [s for s in result.sentences if (_is_loaded(s, result.threshold) and not s.furniture) or s.headline]


#: How the reports introduce the technique labels (PTC's names, the accurate tier's head).
TECHNIQUE_KEY = "; [technique] = propaganda technique the accurate tier names (docs/techniques.md)"


def technique_key(result) -> str:
    """The key to the technique labels, for a report that shows some (the fast tier's never do)."""
    return TECHNIQUE_KEY if any(g.techniques for s in result.sentences for g in [s, *s.segments]) else ""


def techniques_text(techniques) -> str:
    """``[doubt 0.62] [appeal to fear 0.55]``: a part's techniques as the text reports print."""
    return " ".join(f"[{t.name} {t.probability:.2f}]" for t in techniques)


# -- terminal table ------------------------------------------------------------------

def print_table(results: Sequence, console: Console | None = None, only_loaded: bool = False) -> None:
    console = console or Console()
    plain = console.no_color or not console.is_terminal or console.color_system is None
    for result in results:
        console.rule(Text(result.file, style="bold"))  # a Text, not markup: a file or link may hold "[...]"
        if result.headline_text is not None:
            console.print(Text(result.headline_text, style="bold"),
                          Text(f"  (headline p={result.headline_probability:.2f})", style="dim"))
        style = {"low": "green", "moderate": "yellow", "high": "bold red"}[result.verdict]
        console.print(Text(summary_line(result), style=style if not plain else ""))
        console.print(Text(bands_line(result) + "; cue words " + ("between *asterisks*" if plain else "in red")
                           + technique_key(result), style="dim"))
        table = Table(show_header=True, header_style="bold", expand=True, show_lines=False)
        table.add_column("#", justify="right", width=3)
        table.add_column("p", justify="right", width=5, no_wrap=True)
        table.add_column("voice", width=5)
        table.add_column("sentence", ratio=1)
        for s in _visible(result, only_loaded):
            for k, (part, prob, voice) in enumerate(_rows(s)):
                loaded = prob >= result.threshold and voice != "page"
                counted = voice in ("own", "head")
                row_style = "" if loaded and counted else "dim" if not loaded else "italic"
                p = Text(f"{prob:.2f}", style="bold red" if loaded and not plain else "")
                if plain and loaded:
                    p = Text(f"{prob:.2f}*")
                cell = highlight(part, brackets=plain)
                hints = suggestion_lines(part, prob)
                if hints:
                    cell.append("\n" + "; ".join(hints), style="dim" if not plain else "")
                if part.techniques:
                    cell.append("\n" + techniques_text(part.techniques), style="magenta" if not plain else "")
                # Later segments of a sentence carry no number: they continue the row above.
                table.add_row(str(s.index) if k == 0 else "", p, voice, cell, style=row_style)
        console.print(table)
        if plain:
            console.print("* = loaded (at or over the threshold)")
        if any(suggestion_lines(part, prob) for s in _visible(result, only_loaded) for part, prob, _ in _rows(s)):
            console.print(Text("under a sentence: plainer words for its cue words, and its probability with each",
                               style="dim"))


# -- Markdown ------------------------------------------------------------------------

def _md_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("*", "\\*").replace("_", "\\_")


def _md_sentence(sentence) -> str:
    out, pos = [], 0
    for start, end, _ in _cue_spans(sentence):
        out.append(_md_escape(sentence.text[pos:start]))
        out.append("**" + _md_escape(sentence.text[start:end]) + "**")
        pos = end
    out.append(_md_escape(sentence.text[pos:]))
    return "".join(out)


def render_markdown(results: Sequence, only_loaded: bool = False) -> str:
    parts = []
    for result in results:
        head = result.headline_text
        parts.append(f"## {_md_escape(head) if head else result.file}\n")
        parts.append(f"`{result.file}`\n")
        parts.append(summary_line(result) + f" ({bands_line(result)}; cue words in **bold**{technique_key(result)}.)\n")
        parts.append("| # | p | voice | sentence |\n|---:|---:|---|---|")
        hints = []
        for s in _visible(result, only_loaded):
            for k, (part, prob, voice) in enumerate(_rows(s)):
                mark = " ⚑" if prob >= result.threshold and voice != "page" else ""
                tech = f" <br>*{_md_escape(techniques_text(part.techniques))}*" if part.techniques else ""
                parts.append(f"| {s.index if k == 0 else ''} | {prob:.2f}{mark} | {voice} | {_md_sentence(part)}{tech} |")
                hints += [f"- {s.index}: {_md_escape(line)}" for line in suggestion_lines(part, prob)]
        if hints:
            parts.append("\nPlainer words for the cue words, and the sentence's probability with each:\n")
            parts += hints
        parts.append("")
    return "\n".join(parts).rstrip() + "\n"


# -- HTML ----------------------------------------------------------------------------
#
# One renderer for every page: `framing score --format html` and `framing compare
# --format html` wrap these fragments in templates/report.html (the CSS inlined, so
# the file stands alone); `framing serve` puts the same fragments into its page and
# serves the same CSS as /static/report.css. ``interactive`` fragments (the served
# page) also carry what its script needs to re-mark the text at another threshold
# without a round trip: every sentence focusable, and the cue words of sentences
# under the threshold as unmarked ``<mark class="latent">``.

def _template() -> Template:
    return Template(resources.files("framing").joinpath("templates/report.html").read_text(encoding="utf-8"))


def report_css() -> str:
    """The reports' stylesheet (the same for every model: a gauge carries its own bands)."""
    return resources.files("framing").joinpath("templates/report.css").read_text(encoding="utf-8")


def _page(title: str, body: str, model_name: str) -> str:
    from framing._version import __version__

    return _template().substitute(title=html.escape(title), body=body, version=__version__,
                                  model=html.escape(model_name), css=report_css())


def _probability_line(p: float, threshold: float, loaded: bool) -> str:
    # The first line of every hover text; the served page's script rewrites it when the threshold moves.
    return f"p = {p:.2f}: {'loaded' if loaded else 'neutral'} (threshold {threshold:.2f})"


def _sentence_title(s, threshold: float, extra: str = "") -> str:
    loaded = s.probability >= threshold
    voice = {"own": "the outlet's own voice, counted in the score",
             "quote": "quoted speech: the source's words, not counted in the score",
             "mixed": "a quotation and the outlet's words around it: only the outlet's part is counted",
             "page": "page furniture (caption, button, credit), not counted"}[s.voice]
    bits = [_probability_line(s.probability, threshold, loaded), ("headline, " if s.headline else "") + voice]
    cues = [c for _, c in s.marked_cues]
    if cues:
        bits.append("cue words: " + ", ".join(f"{c.text} +{c.weight:.2f}" for c in cues))
    hints = [line for part, prob, _ in _rows(s) for line in suggestion_lines(part, prob)]
    if hints:
        bits.append("suggestions: " + "; ".join(hints))
    if s.techniques:
        bits.append("techniques: " + ", ".join(f"{t.name} {t.probability:.2f}" for t in s.techniques))
    if extra:
        bits.append(extra)
    return "\n".join(bits)


def _alpha(p: float, threshold: float) -> float:
    # Shade grows with the probability above the threshold, so the darkest
    # sentences are the ones the model is surest about.
    return 0.12 + 0.45 * (p - threshold) / max(1e-9, 1 - threshold) if p >= threshold else 0.0


def _candidate_cues(part) -> list:
    """The cues a report marks in ``part`` whenever it is at or over the threshold, whatever the threshold.

    framing.scoring.shown_cues marks all of these or none, by the part's
    probability against the threshold; page furniture and link residue never.
    """
    from framing.scoring import shown_cues

    if getattr(part, "voice", "own") == "page":
        return []
    return shown_cues(part.model_cues or part.cues, 1.0, 0.0)


def _marked_html(part, latent: bool = False, probability: float | None = None) -> str:
    """The part's text with its marked cues; with ``latent``, its other candidate cues as unmarked marks.

    A marked cue with suggestions carries them in its hover text and in ``data-suggest``
    (the served page's script shows them while the cue is marked)."""
    marked = set(part.cues)
    cues = list(part.cues)
    if latent:
        cues += [c for c in _candidate_cues(part) if c not in marked]
    hints = {}
    if probability is not None:
        for c in part.cues:
            lines = suggestion_lines(_Cues([c], part), probability)
            if lines:
                hints[c] = lines
    inner, pos = [], 0
    for start, end, c in _cue_spans(_Cues(cues)):
        inner.append(html.escape(part.text[pos:start]))
        cls = "cue" if c in marked else "latent"
        title = f"cue word: pushes this sentence towards loaded by +{c.weight:.2f} (log-odds)"
        suggest = ""
        if c in hints:
            joined = "; ".join(hints[c])
            title += "\nsuggestions: " + joined
            suggest = f' data-suggest="{html.escape(joined)}"'
        inner.append(f'<mark class="{cls}" data-weight="{c.weight:.4f}"{suggest} title="{html.escape(title)}">'
                     f'{html.escape(part.text[start:end])}</mark>')
        pos = end
    inner.append(html.escape(part.text[pos:]))
    return "".join(inner)


class _Cues:
    """Cues in the shape _cue_spans and suggestion_lines read (a part's ``.cues``, and its text and
    suggestions when ``like`` is the part they come from)."""

    def __init__(self, cues: list, like=None):
        self.cues = cues
        self.text = getattr(like, "text", "")
        self.suggestions = getattr(like, "suggestions", None)


_SEGMENT_TITLES = {"own": "the outlet's words (attribution, framing), counted in the score",
                   "quote": "quoted speech: the source's words, not counted in the score",
                   "page": "link residue, not counted"}


def _techniques_html(techniques) -> str:
    """The technique labels after a sentence (PTC's names; the accurate tier's head)."""
    if not techniques:
        return ""
    labels = "".join(f'<span class="tech" data-probability="{t.probability:.4f}" title="propaganda technique (PTC): '
                     f'calibrated probability {t.probability:.2f}">{html.escape(t.name)}</span>' for t in techniques)
    return f' <span class="techs">{labels}</span>'


def _sentence_html(s, threshold: float, shared_note: str = "", interactive: bool = False) -> str:
    title = html.escape(_sentence_title(s, threshold, shared_note))
    focus = ' tabindex="0"' if interactive else ""
    if len(s.segments) == 1:
        loaded = s.probability >= threshold
        classes = ["s", s.voice] + (["loaded"] if loaded else []) + (["shared"] if shared_note else [])
        return (f'<span class="{" ".join(classes)}" id="s{s.index}"{focus} data-p="{s.probability:.4f}" '
                f'style="--a:{_alpha(s.probability, threshold):.3f}" title="{title}">'
                f'{_marked_html(s.segments[0], interactive, s.probability)}</span>{_techniques_html(s.techniques)}')
    # A sentence in several voices: each segment shaded and styled by its own voice and probability.
    inner, pos = [], s.start
    for g in s.segments:
        inner.append(html.escape(s.text[pos - s.start:g.start - s.start]))
        loaded = g.probability >= threshold and g.voice != "page"
        gtitle = html.escape(_probability_line(g.probability, threshold, loaded) + "\n" + _SEGMENT_TITLES[g.voice])
        inner.append(f'<span class="seg {g.voice}{" loaded" if loaded else ""}" data-p="{g.probability:.4f}" '
                     f'style="--a:{_alpha(g.probability, threshold) if loaded else 0:.3f}" title="{gtitle}">'
                     f'{_marked_html(g, interactive, g.probability)}</span>')
        pos = g.end
    classes = ["s", s.voice] + (["shared"] if shared_note else [])
    return (f'<span class="{" ".join(classes)}" id="s{s.index}"{focus} data-p="{s.probability:.4f}" title="{title}">'
            f'{"".join(inner)}</span>{_techniques_html(s.techniques)}')


def article_html(result, shared_notes: dict[int, str] | None = None, interactive: bool = False,
                 anchor: str = "") -> str:
    """The article laid out as its text was: headline, paragraphs, line breaks.

    ``anchor`` prefixes the sentences' ids, so that several articles on one page keep them unique.
    """
    shared_notes = shared_notes or {}

    def piece(s) -> str:
        out = _sentence_html(s, result.threshold, shared_notes.get(s.index, ""), interactive)
        return out.replace(f'id="s{s.index}"', f'id="{anchor}s{s.index}"', 1) if anchor else out

    out: list[str] = []
    open_p = False
    prev = None
    head = [piece(s) for s in result.sentences if s.headline]
    if head:
        # A headline that splits into two sentences is still one headline.
        out.append("<h1>" + " ".join(head) + "</h1>")
    for s in result.sentences:
        if s.headline:
            prev = s
            continue
        html_s = piece(s)
        if prev is None or prev.headline or s.paragraph != prev.paragraph:
            if open_p:
                out.append("</p>")
            out.append("<p>")
            open_p = True
        elif "\n" in result.text[prev.end:s.start] or "\r" in result.text[prev.end:s.start]:
            out.append("<br>")
        else:
            out.append(" ")
        out.append(html_s)
        prev = s
    if open_p:
        out.append("</p>")
    attrs = f' data-threshold="{result.threshold:.4f}"' if interactive else ""
    return f"<article{attrs}>" + "".join(out) + "</article>"


def _gauge(score: float, bands=None) -> str:
    b = _bands() if bands is None else bands
    lo, hi = b.low_below, b.high_from
    left = min(max(score, 0.0), 1.0) * 100

    def tick(x: float, label: str) -> str:
        return f'<span style="left: {x * 100:.1f}%">{label}</span>'

    # The band colours come from the model's own cut-points, so the stylesheet is one for every model.
    return (f'<div class="gauge" role="img" aria-label="score {score:.2f} on a 0 to 1 scale" '
            f'style="--lo: {lo * 100:g}%; --hi: {hi * 100:g}%">'
            f'<div class="needle" style="left: calc({left:.1f}% - 2px)"></div></div>'
            f'<div class="gauge-scale">{tick(0, "0")}{tick(lo / 2, "low")}{tick(lo, f"{lo:.2f}")}'
            f'{tick((lo + hi) / 2, "moderate")}{tick(hi, f"{hi:.2f}")}'
            f'{tick((hi + 1) / 2, "high")}{tick(1, "1")}</div>')


def summary_html(result) -> str:
    hp = result.headline_probability
    headline = "" if hp is None else (f"<p><b>Headline</b> p = {hp:.2f} "
                                      f"({'loaded' if hp >= result.threshold else 'neutral'}).</p>")
    return (f'<section class="summary" data-score="{result.score:.4f}" data-verdict="{result.verdict}">'
            f'<span class="score">{result.score:.2f}</span><span class="verdict {result.verdict}">'
            f'{result.verdict} loading</span>{_gauge(result.score, result.bands)}'
            f'<p>{html.escape(summary_line(result))}</p>{headline}'
            f'<p>The score is the expected share of the words the outlet wrote in its own voice '
            f'(headline included; quotations and page furniture left out, attributions counted) that read as loaded; '
            f'{html.escape(bands_line(result))}.</p></section>')


LEGEND = ('<div class="legend"><span><span class="key" style="background: rgba(200,30,30,.45)">shaded red</span> '
          'loaded sentence in the outlet\'s voice (darker = more probable)</span>'
          '<span><span class="key" style="background: rgba(60,90,200,.35); font-style: italic">shaded blue, italic</span> '
          'loaded quoted speech (not counted; in a sentence that quotes, only the words around the quotation are '
          'the outlet\'s)</span>'
          '<span><span class="cue-key">bold, underlined</span> cue word</span>'
          '<span>hover a sentence or a word for its probability and weight, and a cue word for plainer words '
          '(with the probability each would give)</span></div>')


def report_body_html(results: Sequence, interactive: bool = False) -> str:
    """What `framing score --format html` shows of each article: its name, summary, legend and marked text."""
    body = []
    for k, result in enumerate(results):
        body.append(f'<h2 class="file">{html.escape(result.file)}</h2>')
        body.append(summary_html(result))
        body.append(LEGEND)
        body.append(article_html(result, interactive=interactive, anchor=f"a{k}-" if len(results) > 1 else ""))
    return "\n".join(body)


def report_title(results: Sequence) -> str:
    return (results[0].headline_text if len(results) == 1 else None) or "framing report"


def render_html(results: Sequence, model_name: str = "") -> str:
    return _page(report_title(results), report_body_html(results), model_name)


# -- compare -------------------------------------------------------------------------

def _short(text: str, width: int = 90) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _shared_sentences_text(comparison, sc) -> list[str]:
    ea, eb = comparison.entries[sc.a].result, comparison.entries[sc.b].result
    lines = [f"{ea.file} and {eb.file} share {len(sc.pairs)} sentences of copy."]
    for side, r in ((0, ea), (1, eb)):
        added = sc.added[side]
        n = sum(len(v) for v in added.values())
        shared_score, added_score = sc.shared_score[side], sc.added_score[side]
        line = (f"  {r.file} adds {n} sentence{'s' if n != 1 else ''} "
                f"({len(added['before'])} before, {len(added['within'])} within, {len(added['after'])} after the shared copy)")
        if added_score is not None and shared_score is not None:
            line += f"; its additions score {added_score:.2f} against {shared_score:.2f} for the shared copy"
        lines.append(line + ".")
    return lines


def print_compare(comparison, console: Console | None = None) -> None:
    console = console or Console()
    plain = console.no_color or not console.is_terminal or console.color_system is None
    # Where outlets share copy, what each wrote around it is the news of the comparison: it leads.
    if comparison.additions:
        console.rule("[bold]what each outlet added around the shared copy")
        for a in comparison.additions:
            console.print(Text(a.sentence(), style="bold" if a.sentence() == comparison.headline else ""))
    table = Table(title="Articles on one story, most loaded first", expand=True, header_style="bold")
    table.add_column("rank", justify="right", width=4)
    table.add_column("score", justify="right", width=5)
    table.add_column("verdict", width=8)
    table.add_column("own loaded", justify="right", width=6)
    table.add_column("quoted", justify="right", width=6)
    table.add_column("article", ratio=1)
    for e in comparison.ranked:
        r = e.result
        head = r.headline_text or ""
        table.add_row(str(e.rank), f"{r.score:.2f}", r.verdict, f"{r.own_loaded()}/{r.units}",
                      "-" if r.quoted_score is None else f"{r.quoted_score:.2f}",
                      Text.assemble((head, "bold"), "\n", (r.file, "dim")))
    console.print(table)
    first = comparison.entries[0].result if comparison.entries else None
    console.print(Text(bands_line(first) + "; quoted = score of the quoted speech, not counted", style="dim"))
    if comparison.shared:
        console.rule("[bold]shared copy")
        for sc in comparison.shared:
            for line in _shared_sentences_text(comparison, sc):
                console.print(line)
    for e in comparison.ranked:
        r = e.result
        console.rule(Text(f"#{e.rank} {r.file}", style="bold"))
        if e.distinct_phrases:
            console.print(Text.assemble(("cue words only this article uses: ", "bold"),
                                        ", ".join(p["text"] + (" (in a quote)" if p["quoted"] else "")
                                                  for p in e.distinct_phrases)))
        else:
            console.print(Text("no cue words that the others do not also use", style="dim"))
        if e.distinct_loaded:
            console.print(Text("loaded sentences only this article has:", style="bold"))
            for s in e.distinct_loaded:
                console.print(Text.assemble(f"  {s.probability:.2f} {'quote' if s.quoted else s.voice if not s.headline else 'head':5s} ",
                                            highlight(s, brackets=plain)))
        else:
            console.print(Text("no loaded sentences of its own", style="dim"))


def render_compare_html(comparison, model_name: str = "") -> str:
    return _page("framing compare", compare_body_html(comparison), model_name)


def compare_body_html(comparison, interactive: bool = False) -> str:
    """What `framing compare --format html` shows: additions, ranking, shared copy, each article marked."""
    first = comparison.entries[0].result if comparison.entries else None
    rows = []
    for e in comparison.ranked:
        r = e.result
        phrases = ", ".join(html.escape(p["text"]) for p in e.distinct_phrases) or "—"
        rows.append(f'<tr><td class="num">{e.rank}</td><td class="num">{r.score:.2f}</td>'
                    f'<td><span class="verdict {r.verdict}">{r.verdict}</span></td>'
                    f'<td class="num">{r.own_loaded()}/{r.units}</td>'
                    f'<td><a href="#a{comparison.entries.index(e)}">{html.escape(r.headline_text or r.file)}</a>'
                    f'<br><small>{html.escape(r.file)}</small></td><td>{phrases}</td></tr>')
    body = []
    if comparison.additions:
        # The headline of the comparison: what each outlet wrote around the copy it shares.
        items = [(' class="lead"' if a.sentence() == comparison.headline else "", html.escape(a.sentence()))
                 for a in comparison.additions]
        body.append('<h1 class="ui">What each outlet added around the shared copy</h1><ul class="ui additions">'
                    + "".join(f"<li{cls}>{text}</li>" for cls, text in items) + "</ul>")
    body += ['<h2 class="ui">Articles on one story, most loaded first</h2>',
            '<table class="ranking"><thead><tr><th>rank</th><th>score</th><th>verdict</th><th>own loaded</th>'
            '<th>article</th><th>cue words only it uses</th></tr></thead><tbody>' + "".join(rows) + "</tbody></table>",
            f'<p class="legend">{html.escape(bands_line(first))}. Score: expected share of the outlet\'s own words that '
            f'read as loaded (headline included, quotations left out).</p>']
    if comparison.shared:
        body.append('<h2 class="ui">Shared copy</h2><ul class="ui">')
        for sc in comparison.shared:
            lines = _shared_sentences_text(comparison, sc)
            body.append("<li>" + html.escape(lines[0]) + "<ul>" + "".join(f"<li>{html.escape(x.strip())}</li>" for x in lines[1:]) + "</ul></li>")
        body.append("</ul><p class=\"legend\">Sentences shared with another article are underlined with dots.</p>")
    files = [e.result.file for e in comparison.entries]
    for e in comparison.ranked:
        k = comparison.entries.index(e)
        r = e.result
        notes: dict[int, list[str]] = {}
        for other, idx in e.shared_with.items():
            for i in idx:
                notes.setdefault(i, []).append(files[other])
        body.append(f'<h2 class="file" id="a{k}">#{e.rank} {html.escape(r.file)}</h2>')
        body.append(summary_html(r))
        body.append(LEGEND)
        body.append(article_html(r, {i: "shared copy: also in " + ", ".join(v) for i, v in notes.items()},
                                 interactive=interactive, anchor=f"a{k}-"))
    return "\n".join(body)


def render_evaluation(result: dict[str, Any]) -> str:
    lines = []
    if "held_out" in result:
        m = result["held_out"]
        lines.append(_metric_block("held-out", m))
    if "model" in result:
        lines.append(f"{result['folds']}-fold cross-validation (seed {result['seed']}):")
        for name in ("model", "baseline"):
            if name in result:
                s = result[name]["summary"]
                folds = ", ".join(f"{v:.3f}" for v in result[name]["per_fold"])
                lines.append(f"  {name:9s} macro-F1 {s['macro_f1']['mean']:.3f} ± {s['macro_f1']['std']:.3f}  "
                             f"ROC-AUC {s['roc_auc']['mean']:.3f}  Brier {s['brier']['mean']:.3f}  (folds: {folds})")
        lines.append(_metric_block("pooled out-of-fold, model", result["model"]["pooled"]))
    if "leave_one_outlet_out" in result:
        lo = result["leave_one_outlet_out"]
        lines.append("leave-one-outlet-out macro-F1 (train without the outlet, test on it):")
        for row in lo["outlets"]:
            base = f"  baseline {row['baseline']:.3f}" if "baseline" in row else ""
            lines.append(f"  {row['outlet']:14s} n={row['n']:4d}  model {row['model']:.3f}{base}")
        if lo["model_mean"] is not None:
            lines.append(f"  {'mean':14s}         model {lo['model_mean']:.3f}"
                         + (f"  baseline {lo['baseline_mean']:.3f}" if lo.get("baseline_mean") is not None else ""))
    return "\n".join(lines)


def _metric_block(title: str, m: dict[str, Any]) -> str:
    pc = m["per_class"]
    cm = m["confusion_matrix"]["matrix"]
    auc = "n/a" if m["roc_auc"] is None else f"{m['roc_auc']:.3f}"
    pr = "n/a" if m["pr_auc"] is None else f"{m['pr_auc']:.3f}"
    return "\n".join([
        f"{title} (n={m['n']}, threshold {m['threshold']:.2f}):",
        f"  macro-F1 {m['macro_f1']:.3f}  accuracy {m['accuracy']:.3f}  ROC-AUC {auc}  PR-AUC {pr}  Brier {m['brier']:.3f}",
        *(f"  {name:8s} precision {v['precision']:.3f}  recall {v['recall']:.3f}  F1 {v['f1']:.3f}  n={v['support']}"
          for name, v in pc.items()),
        f"  confusion (rows actual neutral/loaded, columns predicted): {cm[0]} {cm[1]}",
    ])
