"""Read labelled sentences (BABE or the team's own files) into one :class:`Corpus`.

Three formats are recognised without being told which one a file is in:

* BABE's own CSV (UTF-8 with BOM, ``;``-separated, a ``label_bias`` column with
  ``Biased`` / ``Non-biased`` / ``No agreement`` and ``biased_words`` as a Python
  list literal);
* a generic CSV (``,``, ``;`` or tab) with columns ``text,label`` and optionally
  ``biased_words``, ``outlet``, ``topic``;
* JSON Lines with the same fields.

Policy for repeated sentences (same text once runs of whitespace are collapsed):
the first copy is kept and later copies with the same label are dropped and
listed in ``report.duplicates``; a text that occurs with *different* labels is
dropped entirely (every copy) and listed in ``report.conflicts``, because neither
label can be trusted and keeping one would train on a coin flip. This matters for
cross-validation too: a sentence present twice could land in both train and test.
``read_corpus(path, dedupe=False)`` keeps every row (still reporting them), which
reproduces the published 3,673-sentence BABE setting exactly.

Every problem a user can cause is a :class:`~framing.errors.FramingError` naming
the file and, where there is one, the physical line the offending record starts on.
"""

from __future__ import annotations

import ast
import csv
import hashlib
import io
import json
import os
import pathlib
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator, Sequence

import numpy as np

from framing.errors import FramingError

__all__ = [
    "Conflict",
    "Corpus",
    "CorpusReport",
    "Duplicate",
    "LOADED",
    "NEUTRAL",
    "check_corpus_files",
    "read_corpora",
    "read_corpus",
]

LOADED = 1
NEUTRAL = 0

_SKIP = object()  # label value meaning "annotators disagreed": not an error, not data

_LABELS: dict[str, Any] = {
    "loaded": LOADED,
    "neutral": NEUTRAL,
    "1": LOADED,
    "0": NEUTRAL,
    "biased": LOADED,
    "non-biased": NEUTRAL,
    "true": LOADED,
    "false": NEUTRAL,
    "no agreement": _SKIP,
}
_ACCEPTED_LABELS = "loaded/neutral, 1/0, Biased/Non-biased, true/false (or 'No agreement' to skip)"

_JSONL_SUFFIXES = {".jsonl", ".ndjson"}
_CSV_SUFFIXES = {".csv", ".tsv"}
_DELIMITERS = (",", ";", "\t")


@dataclass(frozen=True)
class Duplicate:
    """A later copy of a text already seen with the same label (dropped)."""

    text: str
    label: int
    source: str
    line: int
    first_source: str
    first_line: int


@dataclass(frozen=True)
class Conflict:
    """A text labelled both loaded and neutral; every copy is dropped."""

    text: str
    occurrences: tuple[tuple[str, int, int], ...]  # (source, line, label) per copy


@dataclass
class CorpusReport:
    """What reading produced.

    ``rows``/``loaded``/``neutral`` count labelled records as read from the
    file(s), before duplicates and conflicts are dropped, so they match the
    dataset's published figures; ``kept*`` count what ended up in the corpus.
    """

    rows: int = 0
    loaded: int = 0
    neutral: int = 0
    skipped_no_agreement: int = 0
    duplicates: list[Duplicate] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    kept: int = 0
    kept_loaded: int = 0
    kept_neutral: int = 0

    def summary(self) -> str:
        """One paragraph a person can read: what was read, skipped, dropped and kept."""
        skipped = _n(self.skipped_no_agreement, "'No agreement' row")
        conflict_rows = sum(len(c.occurrences) for c in self.conflicts)
        conflicts = _n(len(self.conflicts), "conflicting text")
        if self.conflicts:
            conflicts += f" ({_n(conflict_rows, 'row')} labelled both ways)"
        kept = f"kept {self.kept:,} ({self.kept_loaded:,} loaded, {self.kept_neutral:,} neutral)"
        if self.rows > self.kept:
            kept += f" after dropping {_n(self.rows - self.kept, 'repeated row')}"
        return (
            f"{_n(self.rows, 'sentence')} ({self.loaded:,} loaded, {self.neutral:,} neutral); "
            f"skipped {skipped}; {_n(len(self.duplicates), 'duplicate')}; {conflicts}; {kept}."
        )


def _n(count: int, noun: str) -> str:
    return f"{count:,} {noun}" + ("" if count == 1 else "s")


@dataclass
class Corpus:
    """Labelled sentences as parallel columns; row ``i`` is ``texts[i]``, ``labels[i]``, ...

    ``sources[i]``/``lines[i]`` point back at the record so that any later
    stage can tell a user exactly which line of which file a prediction or
    error is about.
    """

    texts: list[str]
    labels: np.ndarray  # int 0/1, 1 = loaded (Biased)
    biased_words: list[list[str]]
    outlets: list[str | None]
    topics: list[str | None]
    sources: list[str]
    lines: list[int]
    sha256: dict[str, str]
    report: CorpusReport

    def __post_init__(self) -> None:
        self.labels = np.asarray(self.labels, dtype=np.int64).reshape(-1)
        n = len(self.texts)
        for name in ("labels", "biased_words", "outlets", "topics", "sources", "lines"):
            if len(getattr(self, name)) != n:
                raise ValueError(f"Corpus.{name} has {len(getattr(self, name))} entries for {n} texts")
        if n and not np.isin(self.labels, (NEUTRAL, LOADED)).all():
            raise ValueError("Corpus.labels must be 0 (neutral) or 1 (loaded)")

    def __len__(self) -> int:
        return len(self.texts)

    def subset(self, indices) -> "Corpus":
        """Rows at ``indices`` (ints, a numpy index array or a boolean mask), in that order.

        The subset's report counts the subset itself; the reading history
        (skips, duplicates, conflicts) belongs to the parent and is not carried.
        """
        idx = np.asarray(indices)
        if idx.ndim == 0:
            idx = idx.reshape(1)
        if idx.size == 0:  # np.asarray([]) is float, which numpy refuses as an index
            idx = idx.astype(np.int64)
        # Indexing a range validates bounds and masks and resolves negatives in one step.
        idx = np.arange(len(self))[idx]
        pick = idx.tolist()
        labels = self.labels[idx]
        loaded = int(labels.sum())
        report = CorpusReport(
            rows=len(pick), loaded=loaded, neutral=len(pick) - loaded,
            kept=len(pick), kept_loaded=loaded, kept_neutral=len(pick) - loaded,
        )
        used = {self.sources[i] for i in pick}
        return Corpus(
            texts=[self.texts[i] for i in pick],
            labels=labels.copy(),
            biased_words=[list(self.biased_words[i]) for i in pick],
            outlets=[self.outlets[i] for i in pick],
            topics=[self.topics[i] for i in pick],
            sources=[self.sources[i] for i in pick],
            lines=[self.lines[i] for i in pick],
            sha256={k: v for k, v in self.sha256.items() if k in used},
            report=report,
        )

    def without_texts_of(self, other: "Corpus") -> "Corpus":
        """This corpus less the sentences whose text ``other`` holds.

        Training-only sentences (``--extra-train``) go through this against the corpus
        being evaluated: a repeat would carry a test fold's sentence into its training
        part, and where the two disagree the corpus's own label is the one that counts."""
        known = set(other.texts)
        return self.subset([i for i, t in enumerate(self.texts) if t not in known])


@dataclass
class _Row:
    text: str
    label: int
    biased_words: list[str]
    outlet: str | None
    topic: str | None
    source: str
    line: int


# --------------------------------------------------------------------------- reading


def check_corpus_files(paths: Sequence) -> None:
    """Each path is a file, before anything is read (``framing train`` checks its arguments first)."""
    for p in paths:
        path = pathlib.Path(p)
        if path.is_dir():
            raise FramingError("is a directory, not a corpus file", p)
        if not path.is_file():
            raise FramingError("no such corpus file", p)


def read_corpus(path, *, dedupe: bool = True) -> Corpus:
    """Read one corpus file, detecting its format."""
    return read_corpora([path], dedupe=dedupe)


def read_corpora(paths: Sequence, *, dedupe: bool = True) -> Corpus:
    """Read several files as one corpus; repeats are found across files too."""
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    if not paths:
        raise FramingError("no corpus files given")
    report = CorpusReport()
    rows: list[_Row] = []
    hashes: dict[str, str] = {}
    for p in paths:
        source = str(p)
        data = _read_bytes(p)
        hashes[source] = hashlib.sha256(data).hexdigest()
        text = _decode(data, source)
        for row in _parse(text, pathlib.Path(p), source):
            if row is _SKIP:
                report.skipped_no_agreement += 1
            else:
                rows.append(row)
    report.rows = len(rows)
    report.loaded = sum(r.label for r in rows)
    report.neutral = report.rows - report.loaded
    kept = _resolve_repeats(rows, report) if dedupe else _report_repeats_only(rows, report)
    if not kept:
        where = source if len(paths) == 1 else None
        raise FramingError("no usable sentences (every row was skipped or dropped)", where)
    report.kept = len(kept)
    report.kept_loaded = sum(r.label for r in kept)
    report.kept_neutral = report.kept - report.kept_loaded
    return Corpus(
        texts=[r.text for r in kept],
        labels=np.array([r.label for r in kept], dtype=np.int64),
        biased_words=[r.biased_words for r in kept],
        outlets=[r.outlet for r in kept],
        topics=[r.topic for r in kept],
        sources=[r.source for r in kept],
        lines=[r.line for r in kept],
        sha256=hashes,
        report=report,
    )


def _read_bytes(p) -> bytes:
    path = pathlib.Path(p)
    if path.is_dir():
        raise FramingError("is a directory, not a corpus file", p)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise FramingError("no such corpus file", p) from None
    except OSError as e:
        raise FramingError(f"cannot read corpus file: {e.strerror or e}", p) from None
    if not data.strip() or data.strip() == b"\xef\xbb\xbf":
        raise FramingError("empty file, expected a corpus", p)
    return data


def _decode(data: bytes, source: str) -> str:
    # NUL never occurs in UTF-8 text; it is the cheapest reliable sign of a
    # spreadsheet, archive or UTF-16 export handed over by mistake.
    nul = data.find(b"\x00")
    if nul >= 0:
        raise FramingError(
            "looks like a binary file (contains NUL bytes), not a UTF-8 text corpus",
            source, data.count(b"\n", 0, nul) + 1,
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise FramingError(
            f"not valid UTF-8 text (byte 0x{data[e.start]:02x}); save the file as UTF-8",
            source, data.count(b"\n", 0, e.start) + 1,
        ) from None


def _parse(text: str, path: pathlib.Path, source: str) -> Iterator[Any]:
    suffix = path.suffix.lower()
    if suffix in _JSONL_SUFFIXES:
        return _parse_jsonl(text, source)
    if suffix in _CSV_SUFFIXES:
        return _parse_csv(text, source)
    first = text.lstrip()[:1]
    if first == "{":
        return _parse_jsonl(text, source)
    if first == "[":
        raise FramingError("a JSON array is not supported; write one JSON object per line (JSON Lines)", source, 1)
    return _parse_csv(text, source)


def _header_names(fields: Iterable[str]) -> list[str]:
    return [f.strip().lower() for f in fields]


def _label_column(names: Sequence[str]) -> str | None:
    if "label" in names:
        return "label"
    if "label_bias" in names:  # BABE's own column name
        return "label_bias"
    return None


def _parse_csv(text: str, source: str) -> Iterator[Any]:
    reader_lines = io.StringIO(text, newline="")
    header_line = 1
    for line in reader_lines:
        if line.strip():
            break
        header_line += 1
    candidates = []
    for delim in _DELIMITERS:
        try:
            fields = next(csv.reader([line], delimiter=delim))
        except (csv.Error, StopIteration):
            continue
        names = _header_names(fields)
        candidates.append((delim, names))
        if "text" in names and _label_column(names):
            break
    else:
        _, names = max(candidates, key=lambda c: len(c[1]), default=(",", []))
        missing = [c for c in ("text", "label") if c not in names and not (c == "label" and _label_column(names))]
        raise FramingError(
            f"missing column{'s' if len(missing) > 1 else ''} {', '.join(repr(m) for m in missing)} "
            f"(found: {', '.join(n or '<blank>' for n in names)}); "
            "a corpus CSV needs a header with text and label (or BABE's label_bias)",
            source, header_line,
        )
    return _csv_rows(text, source, delim, names)


def _csv_rows(text: str, source: str, delim: str, names: list[str]) -> Iterator[Any]:
    seen = set()
    for n in names:
        if n and n in seen:
            raise FramingError(f"column {n!r} appears twice in the header", source, _first_nonblank_line(text))
        seen.add(n)
    label_col = _label_column(names)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim, strict=True)
    header_done = False
    data_rows = 0
    prev = 0
    while True:
        start = prev + 1
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as e:
            raise FramingError(f"malformed CSV: {e}", source, start) from None
        # csv.reader reports the line a record *ends* on; the record started just
        # after the previous one ended, which is what a user needs to find it.
        prev = reader.line_num
        if not any(f.strip() for f in record):
            continue
        if not header_done:
            header_done = True
            continue
        if len(record) != len(names):
            raise FramingError(
                f"row has {len(record)} fields but the header has {len(names)} "
                f"(unquoted {'tab' if delim == chr(9) else repr(delim)} inside a field?)",
                source, start,
            )
        rec = dict(zip(names, record))
        data_rows += 1
        yield _make_row(rec.get("text"), rec.get(label_col), rec.get("biased_words"),
                        rec.get("outlet"), rec.get("topic"), source, start)
    if not data_rows:
        raise FramingError("has a header but no sentences", source, _first_nonblank_line(text))


def _first_nonblank_line(text: str) -> int:
    for i, line in enumerate(io.StringIO(text, newline=""), 1):
        if line.strip():
            return i
    return 1


def _parse_jsonl(text: str, source: str) -> Iterator[Any]:
    for lineno, line in enumerate(io.StringIO(text, newline=""), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as e:
            raise FramingError(f"not valid JSON: {e.msg} (column {e.colno})", source, lineno) from None
        if not isinstance(obj, dict):
            raise FramingError(f"expected a JSON object, got {type(obj).__name__}", source, lineno)
        rec = {str(k).strip().lower(): v for k, v in obj.items()}
        if "text" not in rec:
            raise FramingError("missing field 'text'", source, lineno)
        label_col = _label_column(list(rec))
        if label_col is None:
            raise FramingError("missing field 'label'", source, lineno)
        yield _make_row(rec["text"], rec[label_col], rec.get("biased_words"),
                        rec.get("outlet"), rec.get("topic"), source, lineno)


def _make_row(text, label, biased_words, outlet, topic, source: str, line: int) -> Any:
    if not isinstance(text, str):
        raise FramingError(f"text must be a string, got {_json_type(text)}", source, line)
    text = text.strip()
    if not text:
        raise FramingError("empty text", source, line)
    value = _parse_label(label, source, line)
    if value is _SKIP:
        return _SKIP
    return _Row(
        text=text,
        label=value,
        biased_words=_parse_biased_words(biased_words, source, line),
        outlet=_optional_str(outlet, "outlet", source, line),
        topic=_optional_str(topic, "topic", source, line),
        source=source,
        line=line,
    )


def _json_type(v) -> str:
    return "null" if v is None else type(v).__name__


def _parse_label(label, source: str, line: int):
    if isinstance(label, bool):  # before int: bool is a subclass of int
        return LOADED if label else NEUTRAL
    if isinstance(label, int) and label in (0, 1):
        return label
    if isinstance(label, str):
        key = label.strip().lower()
        if not key:
            raise FramingError(f"empty label; expected {_ACCEPTED_LABELS}", source, line)
        if key in _LABELS:
            return _LABELS[key]
    if label is None:
        raise FramingError(f"missing label; expected {_ACCEPTED_LABELS}", source, line)
    raise FramingError(f"unknown label {label!r}; expected {_ACCEPTED_LABELS}", source, line)


def _parse_biased_words(value, source: str, line: int) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        s = value.strip()
        if not s:
            return []
        if s.startswith("["):
            # BABE writes Python literals, our own prepared files write JSON; JSON
            # first because its escapes (surrogate pairs) differ from Python's.
            # literal_eval, never eval: the file is data from elsewhere.
            try:
                value = json.loads(s)
            except ValueError:
                try:
                    value = ast.literal_eval(s)
                except (ValueError, SyntaxError, MemoryError, RecursionError):
                    raise FramingError(f"biased_words is not a valid list literal: {_clip(s)}", source, line) from None
        else:
            sep = "|" if "|" in s else ","
            return [w.strip() for w in s.split(sep) if w.strip()]
    if not isinstance(value, (list, tuple)) or not all(isinstance(w, str) for w in value):
        raise FramingError("biased_words must be a list of strings", source, line)
    return [w.strip() for w in value if w.strip()]


def _optional_str(value, name: str, source: str, line: int) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise FramingError(f"{name} must be a string, got {_json_type(value)}", source, line)
    return value.strip() or None


def _clip(s: str, n: int = 60) -> str:
    return s if len(s) <= n else s[: n - 1] + "…"


def _key(text: str) -> str:
    return " ".join(text.split())


def _resolve_repeats(rows: list[_Row], report: CorpusReport) -> list[_Row]:
    groups: dict[str, list[_Row]] = {}
    for r in rows:
        groups.setdefault(_key(r.text), []).append(r)
    conflicted = set()
    for key, group in groups.items():
        if len(group) < 2:
            continue
        if len({r.label for r in group}) > 1:
            conflicted.add(key)
            report.conflicts.append(Conflict(group[0].text, tuple((r.source, r.line, r.label) for r in group)))
        else:
            first = group[0]
            report.duplicates.extend(
                Duplicate(r.text, r.label, r.source, r.line, first.source, first.line) for r in group[1:]
            )
    kept = []
    seen = set()
    for r in rows:
        key = _key(r.text)
        if key in conflicted or key in seen:
            continue
        seen.add(key)
        kept.append(r)
    return kept


def _report_repeats_only(rows: list[_Row], report: CorpusReport) -> list[_Row]:
    _resolve_repeats(rows, report)
    return rows
