"""Surveys: a corpus of articles with their metadata in, which groups frame more (and since when) out.

``framing survey`` scores every article exactly as ``framing score`` does
(headline, voices, page furniture: :func:`framing.scoring.score_text`) and
summarises the scores by the groups of one or more fields (``--by outlet --by
month``), each figure with its uncertainty:

* the mean article score with a percentile bootstrap 95% interval, resampling
  articles (:func:`bootstrap_ci`, seeded per group, so a group's interval does
  not depend on which other groups exist);
* the share of articles in each verdict band, read from each article's own
  verdict (the cut-points belong to framing.scoring, not to this module);
* the group's most distinctive loaded cue words against all other groups, by
  the weighted log-odds ratio with an informative Dirichlet prior of Monroe,
  Colaresi & Quinn (2008), "Fightin' Words", Political Analysis 16(4)
  (:func:`distinctive_words`).

The run reuses framing.batch: the same readers (file:line errors,
``--skip-invalid``), the same ordered parallel map over chunks (one process,
a loky pool or a Dask cluster give byte-identical outputs) and the same
progress bar. Memory: articles.jsonl is written as the run goes; the summary
keeps, per group, one float per article (8 bytes: 8 MB per million articles,
for the bootstrap), band counts, and cue counts bounded by the cue vocabulary.

Outputs go to a folder. ``articles.jsonl.partial`` grows a chunk at a time
(flushed, so a killed run leaves whole lines) beside ``survey.partial.json``
(what it was made from); only a finished run writes the summaries and renames
the partial file to ``articles.jsonl``, so an interrupted survey leaves the
previous outputs as they were, and ``--resume`` continues the partial file.
"""

from __future__ import annotations

import csv
import hashlib
import html
import io
import json
import os
import re
import sys
import time
from array import array
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from framing import batch
from framing.errors import FramingError
from framing.model import FramingModel
from framing.scoring import ArticleScore, score_text
from framing.textio import atomic_open, atomic_write_text, read_article

__all__ = [
    "ARTICLES", "PARTIAL", "PARTIAL_META", "SUMMARY_CSV", "SUMMARY_JSON", "PLOT_PNG", "PLOT_HTML", "BANDS",
    "DEFAULT_CHUNK_SIZE", "DEFAULT_BOOTSTRAP", "TOP_CUES", "PLOT_INSTALL_HINT", "COMPUTED_FIELDS",
    "Article", "month_of", "article_row", "score_articles", "bootstrap_ci", "distinctive_words", "Summary",
    "SurveyResult", "survey", "summary_lines",
]

ARTICLES = "articles.jsonl"
PARTIAL = "articles.jsonl.partial"
PARTIAL_META = "survey.partial.json"
SUMMARY_CSV = "summary.csv"
SUMMARY_JSON = "summary.json"
PLOT_PNG = "survey.png"
PLOT_HTML = "survey.html"

#: The verdict names framing.scoring gives, in order; a verdict outside them still gets its share.
BANDS = ("low", "moderate", "high")

# Articles, not sentences: a news article is ~30 sentences, so 32 articles make
# a chunk about the size of predict's 2048 sentences, and a --resume loses at most
# a chunk per worker.
DEFAULT_CHUNK_SIZE = 32
DEFAULT_BOOTSTRAP = 1000
TOP_CUES = 10
LEVEL = 0.95
ARTICLE_SUFFIXES = (".txt", ".html", ".htm")
PLOT_INSTALL_HINT = "--plot needs matplotlib: pip install 'framing[plot]'"

#: The fields a survey adds to each article's own; an input field of the same name is replaced.
COMPUTED_FIELDS = ("score", "quoted_score", "verdict", "sentences", "own_sentences", "own_loaded",
                   "quoted_sentences", "quoted_loaded", "cues")

# ISO 8601 and its common relatives: 2019-03-05, 2019-03, 2019/03/05, 2019-03-05T10:00:00Z.
_DATE = re.compile(r"\s*(\d{4})[-/](\d{1,2})(?:\D|$)")


def month_of(date: Any) -> str | None:
    """``YYYY-MM`` of a date field; None when there is none; ValueError when it cannot be read."""
    if date is None or (isinstance(date, str) and not date.strip()):
        return None
    match = _DATE.match(str(date))
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise ValueError(f"date {str(date)[:40]!r} is not a date (YYYY-MM-DD)")
    return f"{match.group(1)}-{int(match.group(2)):02d}"


# --------------------------------------------------------------------------- reading

@dataclass
class Article:
    """One unit of work: the article's own fields, and its text or (from a folder) its file."""

    where: str
    fields: dict
    text: str | None = None
    path: str | None = None


def _row_check(need_date: bool):
    def check(row: dict) -> str | None:
        text = row.get("text")
        if not isinstance(text, str) or not text.strip():
            return 'the article has no text (a non-blank "text" field)'
        title = row.get("title")
        if title is not None and not isinstance(title, str):
            return 'the "title" field must be text'
        if need_date:
            try:
                month_of(row.get("date"))
            except ValueError as exc:
                return str(exc)
        return None

    return check


class _FileSource:
    """Articles from a JSONL or CSV file, one per row."""

    def __init__(self, path: str, skip_invalid: bool, need_date: bool):
        fmt = batch.detect_format(path)
        if fmt == "txt":
            raise FramingError("a survey reads .jsonl or .csv (an article per row) or a folder of .txt/.html files",
                               path)
        self.reader = batch.InputStream(path, fmt, skip_invalid, check=_row_check(need_date))
        self.size = self.reader.size

    @property
    def position(self) -> int:
        return self.reader.position

    def check(self) -> None:
        batch.check_input(self.reader)

    def __iter__(self) -> Iterator[Article]:
        path = self.reader.path
        for number, row in self.reader.rows():
            fields = {k: v for k, v in row.items() if k != "text"}
            title = row.get("title")
            text = row["text"]
            if title and title.strip():
                # The headline is the first line, as in a .txt article.
                text = " ".join(title.split()) + "\n" + text
            yield Article(f"{path}:{number}", fields, text=text)


class _FolderSource:
    """Articles from the .txt/.html files of a folder and its subfolders, in sorted order."""

    def __init__(self, path: str):
        self.root = Path(path)
        self.size = sum(1 for _ in self._files())
        self._done = 0

    @property
    def position(self) -> int:
        return self._done

    def check(self) -> None:
        """Files are read in the workers; an unreadable one is reported when met."""

    def _files(self) -> Iterator[Path]:
        # Walked a folder at a time, so a million files are never listed at once.
        for top, dirs, files in os.walk(self.root):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in sorted(files):
                if not name.startswith(".") and name.lower().endswith(ARTICLE_SUFFIXES):
                    yield Path(top) / name

    def __iter__(self) -> Iterator[Article]:
        for path in self._files():
            self._done += 1
            rel = path.relative_to(self.root)
            yield Article(str(path), {"folder": rel.parent.as_posix(), "file": rel.name}, path=str(path))


def _open_source(input: str | os.PathLike, skip_invalid: bool, need_date: bool):
    path = Path(input)
    if str(input) == "-":
        raise FramingError("a survey reads a file or a folder, not stdin")
    if path.is_dir():
        return _FolderSource(str(input))
    return _FileSource(str(input), skip_invalid, need_date)


# --------------------------------------------------------------------------- scoring

def _cue_word(text: str) -> str:
    """A cue as counted: lower case, one space between words, a typographic apostrophe as a plain one."""
    return " ".join(text.lower().replace("\u2019", "'").split())


def _cue_counts(result: ArticleScore) -> dict[str, int]:
    """The loaded cue words the outlet itself used (headline and own voice, not quotations), most frequent first."""
    counts = Counter(_cue_word(cue.text) for s in result.sentences for g, cue in s.marked_cues
                     if s.headline or g.voice == "own")
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def article_row(fields: dict, result: ArticleScore) -> dict:
    """An articles.jsonl row: the article's own fields, then what the survey found."""
    return {**fields,
            "score": round(float(result.score), 4),
            "quoted_score": None if result.quoted_score is None else round(float(result.quoted_score), 4),
            "verdict": result.verdict,
            "sentences": len(result.sentences),
            "own_sentences": result.units,
            "own_loaded": result.own_loaded(),
            "quoted_sentences": len(result.quoted),
            "quoted_loaded": result.quoted_loaded(),
            "cues": _cue_counts(result)}


def score_articles(model: FramingModel, articles: Sequence[Article]) -> list[tuple[str | None, str | None]]:
    """The unit of work every backend runs: per article, (its JSON line, None) or (None, the error)."""
    out: list[tuple[str | None, str | None]] = []
    for article in articles:
        try:
            text = article.text if article.path is None else read_article(article.path)
            # A survey reads scores and cue counts, never suggestions: they would only cost.
            result = score_text(model, text, article.where, suggest=False)
        except FramingError as exc:
            out.append((None, str(exc)))
            continue
        out.append((json.dumps(article_row(article.fields, result), ensure_ascii=False) + "\n", None))
    return out


# --------------------------------------------------------------------------- statistics

def _key_entropy(key: Any) -> list[int]:
    digest = hashlib.sha256(json.dumps(key, ensure_ascii=False).encode("utf-8")).digest()
    return [int.from_bytes(digest[i:i + 4], "little") for i in range(0, 16, 4)]


def bootstrap_ci(values: Sequence[float] | np.ndarray, n_boot: int = DEFAULT_BOOTSTRAP, seed: int = 0,
                 key: Any = None, level: float = LEVEL) -> tuple[float, float]:
    """Percentile bootstrap interval of the mean, resampling the values with replacement.

    The generator is seeded by ``seed`` and ``key`` (the group), so each group's
    interval is reproducible on its own. Resamples are drawn a block at a time
    (about a million indices: 16 MB with the values they pick), so memory does
    not grow with the group beyond one resample (16 bytes an article).
    """
    x = np.asarray(values, dtype=float)
    n = len(x)
    if n == 0:
        raise ValueError("no values to bootstrap")
    if n == 1 or n_boot < 1:
        return float(x[0]) if n == 1 else float(x.mean()), float(x[0]) if n == 1 else float(x.mean())
    rng = np.random.default_rng(np.random.SeedSequence([seed, *_key_entropy(key)]))
    block = max(1, 2**20 // n)
    means = np.empty(n_boot)
    for start in range(0, n_boot, block):
        stop = min(n_boot, start + block)
        means[start:stop] = x[rng.integers(0, n, size=(stop - start, n))].mean(axis=1)
    tail = (1 - level) / 2
    lo, hi = np.quantile(means, [tail, 1 - tail])
    return float(lo), float(hi)


def distinctive_words(groups: Sequence[Counter], top: int = TOP_CUES) -> list[list[dict]]:
    """Per group, the words most over-used against all the other groups, strongest first.

    Monroe, Colaresi & Quinn (2008), eq. 16-22: the log-odds ratio of word w in
    group i against the rest, each smoothed by an informative Dirichlet prior
    alpha_w = the word's count over the whole survey (alpha_0 = all cue words),
    divided by its approximate standard deviation:
    ``delta = log((y_i + a_w) / (n_i + a_0 - y_i - a_w)) - log((y_j + a_w) / (n_j + a_0 - y_j - a_w))``,
    ``z = delta / sqrt(1 / (y_i + a_w) + 1 / (y_j + a_w))``. The prior shrinks
    rare words towards no difference, so a word used twice by one small outlet
    does not top its list. Listed: words the group used, with z > 0.
    Fewer than two groups: nothing is distinctive of anything.
    """
    if len(groups) < 2:
        return [[] for _ in groups]
    vocabulary = sorted(set().union(*groups))
    if not vocabulary:
        return [[] for _ in groups]
    index = {w: i for i, w in enumerate(vocabulary)}
    total = np.zeros(len(vocabulary))
    for counts in groups:
        for w, c in counts.items():
            total[index[w]] += c
    alpha, alpha0 = total, total.sum()
    n = total.sum()
    out = []
    for counts in groups:
        yi = np.zeros(len(vocabulary))
        for w, c in counts.items():
            yi[index[w]] = c
        yj = total - yi
        ni, nj = yi.sum(), n - yi.sum()
        # A vocabulary of one word has no odds to compare (0 in a denominator): nothing is listed.
        with np.errstate(divide="ignore", invalid="ignore"):
            delta = (np.log((yi + alpha) / (ni + alpha0 - yi - alpha))
                     - np.log((yj + alpha) / (nj + alpha0 - yj - alpha)))
            z = delta / np.sqrt(1 / (yi + alpha) + 1 / (yj + alpha))
        order = sorted(np.flatnonzero((yi > 0) & (z > 0) & np.isfinite(z)), key=lambda i: (-z[i], vocabulary[i]))
        out.append([{"word": vocabulary[i], "count": int(yi[i]), "z": round(float(z[i]), 3),
                     "log_odds": round(float(delta[i]), 4)} for i in order[:top]])
    return out


# --------------------------------------------------------------------------- the summary

@dataclass
class _Group:
    scores: array = field(default_factory=lambda: array("d"))
    bands: Counter = field(default_factory=Counter)
    cues: Counter = field(default_factory=Counter)


def _value(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def _sort_key(key: tuple) -> tuple:
    return tuple((v is None, v or "") for v in key)


class Summary:
    """Streaming accumulators over articles.jsonl rows: what the summary and the chart need, nothing more."""

    def __init__(self, by: Sequence[str]):
        self.by = list(by)
        self.groups: dict[tuple, _Group] = {}
        # Mean score by month for each group of the other fields: the chart's lines.
        self.timeline: dict[tuple, list[float]] = {}
        self.articles = 0

    def key(self, row: dict) -> tuple:
        return tuple(month_of(row.get("date")) if f == "month" else _value(row.get(f)) for f in self.by)

    def add(self, row: dict) -> None:
        self.articles += 1
        group = self.groups.setdefault(self.key(row), _Group())
        score = float(row["score"])
        group.scores.append(score)
        group.bands[row["verdict"]] += 1
        # Interned: each group's counter then holds a reference to the one copy of a word,
        # not a string of its own (memory grows with (group, word) pairs, never with articles).
        for word, count in (row.get("cues") or {}).items():
            group.cues[sys.intern(word)] += count
        try:
            month = month_of(row.get("date"))
        except ValueError:
            month = None  # not grouped by month, so not checked when read: it stays off the chart's lines
        if month is not None:
            line = tuple(_value(row.get(f)) for f in self.by if f != "month")
            point = self.timeline.setdefault((line, month), [0, 0.0])
            point[0] += 1
            point[1] += score

    def result(self, seed: int = 0, n_boot: int = DEFAULT_BOOTSTRAP) -> dict:
        """The summary as JSON-ready data: one row per group, sorted by the group's values."""
        keys = sorted(self.groups, key=_sort_key)
        seen_bands = {b for g in self.groups.values() for b in g.bands}
        bands = [*BANDS, *sorted(seen_bands - set(BANDS))]
        words = distinctive_words([self.groups[k].cues for k in keys])
        rows = [self._row(k, self.groups[k], bands, words[i], seed, n_boot) for i, k in enumerate(keys)]
        every = _Group()
        for g in self.groups.values():
            every.scores.extend(g.scores)
            every.bands.update(g.bands)
        overall = self._row((), every, bands, [], seed, n_boot) if self.articles else None
        timeline = [{"group": dict(zip([f for f in self.by if f != "month"], line)), "month": month,
                     "articles": n, "mean_score": round(total / n, 4)}
                    for (line, month), (n, total) in sorted(self.timeline.items(),
                                                            key=lambda kv: (_sort_key(kv[0][0]), kv[0][1]))]
        return {"by": self.by, "articles": self.articles, "seed": seed, "bootstrap": n_boot, "level": LEVEL,
                "bands": bands, "overall": overall, "groups": rows, "timeline": timeline}

    def _row(self, key: tuple, group: _Group, bands: list[str], words: list[dict], seed: int, n_boot: int) -> dict:
        scores = np.frombuffer(group.scores, dtype=float) if len(group.scores) else np.zeros(0)
        n = len(scores)
        lo, hi = bootstrap_ci(scores, n_boot, seed, key=list(key))
        return {"group": dict(zip(self.by, key)), "articles": n, "mean_score": round(float(scores.mean()), 4),
                "ci_low": round(lo, 4), "ci_high": round(hi, 4),
                "band_shares": {b: round(group.bands[b] / n, 4) for b in bands},
                "band_counts": {b: group.bands[b] for b in bands},
                "distinctive_cues": words}


def summary_csv(summary: dict) -> str:
    """summary.csv: a row per group; the distinctive cues as JSON text, like predict's CSV cues."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    bands = summary["bands"]
    writer.writerow([*summary["by"], "articles", "mean_score", "ci_low", "ci_high",
                     *(f"share_{b}" for b in bands), "distinctive_cues"])
    for row in summary["groups"]:
        writer.writerow([*(row["group"][f] if row["group"][f] is not None else "" for f in summary["by"]),
                         row["articles"], row["mean_score"], row["ci_low"], row["ci_high"],
                         *(row["band_shares"][b] for b in bands),
                         json.dumps([[w["word"], w["count"]] for w in row["distinctive_cues"]], ensure_ascii=False)])
    return buffer.getvalue()


def group_label(group: dict) -> str:
    return " · ".join("(none)" if v is None else str(v) for v in group.values()) or "all articles"


def summary_lines(summary: dict, most: int = 20) -> str:
    """A few lines for the terminal: each group's mean, interval, bands and top cue words."""
    lines = []
    for row in summary["groups"][:most]:
        shares = " ".join(f"{b} {s:.0%}" for b, s in row["band_shares"].items())
        cues = ", ".join(w["word"] for w in row["distinctive_cues"][:5])
        lines.append(f"{group_label(row['group'])}: {row['articles']:,} articles, score {row['mean_score']:.3f} "
                     f"[{row['ci_low']:.3f}, {row['ci_high']:.3f}]; {shares}" + (f"; {cues}" if cues else ""))
    if len(summary["groups"]) > most:
        lines.append(f"... and {len(summary['groups']) - most:,} more groups in summary.csv")
    return "\n".join(lines)


# --------------------------------------------------------------------------- the chart

MAX_BARS = 40
MAX_LINES = 12


def require_matplotlib() -> None:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise FramingError(PLOT_INSTALL_HINT) from None


def _figure(summary: dict):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = sorted(summary["groups"], key=lambda r: -r["articles"])[:MAX_BARS]
    rows.sort(key=lambda r: r["mean_score"])
    lines: dict[str, list[tuple[str, float]]] = {}
    for point in summary["timeline"]:
        lines.setdefault(group_label(point["group"]), []).append((point["month"], point["mean_score"]))
    sizes = Counter({label: len(points) for label, points in lines.items()})
    shown = sorted(label for label, _ in sizes.most_common(MAX_LINES))
    months = sorted({m for label in shown for m, _ in lines[label]})
    two = len(months) > 0
    fig, axes = plt.subplots(1, 2 if two else 1, figsize=(13 if two else 7, max(3.0, 0.3 * len(rows) + 1.5)),
                             squeeze=False)
    ax = axes[0][0]
    y = np.arange(len(rows))
    means = np.array([r["mean_score"] for r in rows])
    err = np.array([[r["mean_score"] - r["ci_low"] for r in rows], [r["ci_high"] - r["mean_score"] for r in rows]])
    ax.errorbar(means, y, xerr=err, fmt="o", capsize=3)
    ax.set_yticks(y, [f"{group_label(r['group'])} ({r['articles']:,})" for r in rows])
    ax.set_xlabel(f"mean article score, {summary['level']:.0%} bootstrap interval")
    title = "by " + " and ".join(summary["by"]) if summary["by"] else "all articles"
    if len(summary["groups"]) > len(rows):
        title += f" (the {len(rows)} largest of {len(summary['groups'])} groups)"
    ax.set_title(title)
    ax.grid(axis="x", alpha=0.3)
    if two:
        ax2 = axes[0][1]
        position = {m: i for i, m in enumerate(months)}
        for label in shown:
            points = sorted(lines[label])
            ax2.plot([position[m] for m, _ in points], [s for _, s in points], marker=".", label=label)
        step = max(1, len(months) // 12)
        ax2.set_xticks(range(0, len(months), step), months[::step], rotation=45, ha="right")
        ax2.set_ylabel("mean article score")
        ax2.set_title("by month")
        ax2.grid(alpha=0.3)
        if len(shown) > 1 or shown[0] != "all articles":
            ax2.legend(fontsize="small")
    fig.tight_layout()
    return fig


def write_plots(summary: dict, folder: Path) -> None:
    """survey.png, and survey.html: the same chart as inline SVG (no scripts, no network) above the summary table."""
    import matplotlib

    matplotlib.rcParams["svg.hashsalt"] = "framing"  # stable ids: the same survey draws the same file
    import matplotlib.pyplot as plt

    fig = _figure(summary)
    try:
        with atomic_open(folder / PLOT_PNG, "wb") as fh:
            fig.savefig(fh, format="png", dpi=110, metadata={"Software": None})
        svg = io.StringIO()
        fig.savefig(svg, format="svg", metadata={"Date": None, "Creator": None})
    finally:
        plt.close(fig)
    atomic_write_text(folder / PLOT_HTML, _html(summary, svg.getvalue()))


def _html(summary: dict, svg: str) -> str:
    # The XML prologue and DOCTYPE do not belong inside HTML; the RDF metadata says nothing to a reader.
    svg = re.sub(r"<metadata>.*?</metadata>\s*", "", svg[svg.index("<svg"):], flags=re.S)
    esc = html.escape
    head = "".join(f"<th>{esc(f)}</th>" for f in summary["by"])
    bands = summary["bands"]
    body = []
    for row in summary["groups"]:
        cells = "".join(f"<td>{esc(group_label({f: v}))}</td>" for f, v in row["group"].items())
        shares = "".join(f"<td>{row['band_shares'][b]:.0%}</td>" for b in bands)
        cues = ", ".join(f"{esc(w['word'])} ({w['count']})" for w in row["distinctive_cues"])
        body.append(f"<tr>{cells}<td>{row['articles']:,}</td><td>{row['mean_score']:.3f}</td>"
                    f"<td>[{row['ci_low']:.3f}, {row['ci_high']:.3f}]</td>{shares}<td>{cues}</td></tr>")
    band_heads = "".join(f"<th>{esc(b)}</th>" for b in bands)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>framing survey</title>
<style>body{{font-family:system-ui,sans-serif;margin:2em;color:#222}}svg{{max-width:100%;height:auto}}
table{{border-collapse:collapse;font-size:14px}}td,th{{border-bottom:1px solid #ddd;padding:4px 8px;text-align:left}}</style>
</head><body>
<h1>framing survey: {summary['articles']:,} articles</h1>
<p>Mean article score per group with its {summary['level']:.0%} bootstrap interval ({summary['bootstrap']:,}
resamples of the group's articles, seed {summary['seed']}); distinctive cue words by weighted log-odds with an
informative Dirichlet prior (Monroe, Colaresi &amp; Quinn 2008).</p>
{svg}
<table><thead><tr>{head}<th>articles</th><th>mean score</th><th>95% interval</th>{band_heads}<th>distinctive cues</th></tr></thead>
<tbody>
{chr(10).join(body)}
</tbody></table>
</body></html>
"""


# --------------------------------------------------------------------------- the run

@dataclass
class SurveyResult:
    """What a survey did: articles written (resumed ones included), skipped, and the summary."""

    articles: int
    resumed: int
    skipped: int
    first_skipped: str | None
    seconds: float
    summary: dict
    folder: Path

    @property
    def rate(self) -> float:
        scored = self.articles - self.resumed
        return scored / self.seconds if self.seconds > 0 else 0.0


def _identity(input: str | os.PathLike, model: FramingModel, skip_invalid: bool) -> dict:
    """What a partial survey was made from: --resume continues only the same input with the same model."""
    path = Path(input).resolve()
    stat = path.stat()
    card = getattr(model, "card", None) or {}
    return {"input": str(path), "size": None if path.is_dir() else stat.st_size,
            "mtime_ns": None if path.is_dir() else stat.st_mtime_ns,
            "model": (card.get("artifact") or {}).get("sha256") or model.kind, "skip_invalid": skip_invalid}


def _read_partial(partial: Path, summary: Summary) -> tuple[int, dict | None]:
    """Count and add the partial file's whole lines; cut a last line a kill left unfinished."""
    n, last = 0, None
    good = 0
    with open(partial, "rb+") as fh:
        for raw in fh:
            if not raw.endswith(b"\n"):
                break
            row = json.loads(raw)
            summary.add(row)
            n, last, good = n + 1, row, good + len(raw)
        fh.truncate(good)
    return n, last


def _skip(articles: Iterator[Article], n: int, last: dict | None, folder: Path) -> None:
    """Pass over the ``n`` articles already written, checking the last of them is the input's n-th."""
    seen = None
    for _, seen in zip(range(n), articles):
        pass
    own = None if seen is None else {k: v for k, v in seen.fields.items() if k not in COMPUTED_FIELDS}
    if n and (own is None or last is None or any(last.get(k) != v for k, v in own.items())):
        raise FramingError("the partial survey does not match the input; run without --resume to start over",
                           folder / PARTIAL)


def survey(
    input: str | os.PathLike,
    output: str | os.PathLike,
    *,
    model: FramingModel,
    by: Sequence[str] = (),
    n_jobs: int | None = None,
    backend: str = "local",
    scheduler: str | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    skip_invalid: bool = False,
    resume: bool = False,
    plot: bool = False,
    seed: int = 0,
    n_boot: int = DEFAULT_BOOTSTRAP,
    progress: bool | None = None,
    info=None,
) -> SurveyResult:
    """Score every article of ``input`` and write articles.jsonl, summary.csv and summary.json to ``output``.

    ``by`` names the fields to group by (``month`` is read from a ``date``
    field); ``backend``, ``n_jobs`` and ``scheduler`` are predict's. ``info``
    receives one-line notes (a partial survey started over or resumed).
    """
    batch.check_options(backend, scheduler, chunk_size)
    if n_jobs is not None:
        batch.resolve_n_jobs(n_jobs)
    if n_boot < 0:
        raise FramingError(f"--bootstrap must be 0 or more, not {n_boot}")
    if len(set(by)) != len(by):
        raise FramingError("each --by field may be given once")
    if plot:
        require_matplotlib()
    note = info or (lambda message: print(message, file=sys.stderr))
    source = _open_source(input, skip_invalid, "month" in by)
    if isinstance(source, _FolderSource) and set(by) - {"folder", "file"}:
        raise FramingError(f"a folder's articles have the fields folder and file, not {', '.join(set(by) - {'folder', 'file'})}",
                           input)
    source.check()
    folder = Path(output)
    folder.mkdir(parents=True, exist_ok=True)
    partial, meta = folder / PARTIAL, folder / PARTIAL_META
    identity = _identity(input, model, skip_invalid)
    summary = Summary(by)
    done, last = 0, None
    if resume and partial.exists() and meta.exists():
        try:
            made_from = json.loads(meta.read_text(encoding="utf-8"))
        except ValueError:
            made_from = None
        if made_from != identity:
            raise FramingError("the partial survey was made from another input, model or --skip-invalid; "
                               "run without --resume to start over", partial)
        done, last = _read_partial(partial, summary)
        note(f"resuming after {done:,} articles already in {partial}")
    else:
        if resume and partial.exists():
            note(f"cannot resume without {meta} (what the partial survey was made from); starting over")
        elif resume:
            note(f"nothing to resume in {folder}; starting from the first article")
        elif partial.exists():
            note(f"starting over; the partial survey in {partial} is replaced (--resume continues it)")
        atomic_write_text(meta, json.dumps(identity, indent=1) + "\n")
        partial.write_bytes(b"")
    articles = iter(source)
    _skip(articles, done, last, folder)
    if progress is None:
        progress = sys.stderr.isatty()
    engine = batch.make_engine(model, score_articles, (), backend=backend, n_jobs=n_jobs, scheduler=scheduler)
    skipped, first_skipped = 0, None
    started = time.perf_counter()
    with open(partial, "a", encoding="utf-8", newline="\n") as out, engine, \
            batch.Progress(progress, source.size, unit="articles", log_lines=True) as bar:
        chunks = batch.read_chunks(articles, chunk_size, lambda: source.position)
        for results, n, position in batch.ordered_results(engine, chunks, drain=True):
            for line, error in results:
                if error is not None:
                    if not skip_invalid:
                        raise FramingError(error)
                    skipped += 1
                    first_skipped = first_skipped or error
                    continue
                out.write(line)
                summary.add(json.loads(line))
            # Whole chunks reach the disk, so a killed run leaves whole lines for --resume.
            out.flush()
            bar.update(n, position)
    seconds = time.perf_counter() - started
    reader = getattr(source, "reader", None)
    if reader is not None and reader.skipped:
        skipped += reader.skipped
        first_skipped = first_skipped or str(reader.first_error)
    if summary.articles == 0:
        raise FramingError("no articles to survey", input)
    result = summary.result(seed, n_boot)
    result = {"input": str(input), "model": identity["model"], **result}
    atomic_write_text(folder / SUMMARY_JSON, json.dumps(result, ensure_ascii=False, indent=1) + "\n")
    atomic_write_text(folder / SUMMARY_CSV, summary_csv(result))
    if plot:
        write_plots(result, folder)
    with open(partial, "rb+") as fh:
        os.fsync(fh.fileno())
    os.replace(partial, folder / ARTICLES)
    meta.unlink(missing_ok=True)
    return SurveyResult(summary.articles, done, skipped, first_skipped, seconds, result, folder)

