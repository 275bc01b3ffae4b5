"""Batch prediction: sentences from JSONL, CSV, TXT or stdin to JSONL or CSV, at any size.

The input is read as a stream of (line number, text) records and scored a
chunk at a time, so memory depends on the chunk size and the number of chunks
in flight, never on the length of the input, and a bad record can be reported
with its line.

Every backend runs the same function, :func:`score_chunk`, on the same chunks
and the parent writes the results in submission order (the machinery,
:func:`make_engine` and :func:`ordered_results`, maps any function over chunks:
``framing survey`` runs it on articles), so the output is
byte-for-byte the same whether one process, N local processes or a Dask
cluster did the work. Workers render their chunk to output text themselves:
that parallelises the JSON encoding too, and a string is the cheapest thing to
send back.

Malformed input (a line that is not JSON, a CSV row with the wrong number of
fields, a record without text) stops the run with ``FILE:LINE: message``
unless ``skip_invalid`` is set, in which case such records are skipped and
counted. What a failure leaves behind:

* from a file: nothing, and at once: the file is checked in a parsing-only
  first pass before any scoring, so a bad line near the end of an archive
  does not cost hours of scoring first. Parsing runs at over 100,000
  lines/s, scoring at thousands, so the pass costs a few percent at most.
* from stdin to an output file: nothing; the file is written atomically.
* from stdin to stdout: stdin cannot be read twice, so every record before the
  bad line is written, then the run stops with a non-zero exit.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import re
import sys
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from json.encoder import encode_basestring as _json_str  # what json.dumps(ensure_ascii=False) uses
from pathlib import Path
from typing import IO, Any

from framing.errors import FramingError
from framing.model import FramingModel
from framing.textio import atomic_open, looks_binary

__all__ = [
    "FORMATS", "OUTPUT_FORMATS", "BACKENDS", "CSV_COLUMNS", "DEFAULT_CHUNK_SIZE", "DASK_INSTALL_HINT",
    "detect_format", "output_format_for", "InputStream", "iter_records", "chunked", "render", "csv_header",
    "score_chunk", "suggest_for", "predict_records", "write_jsonl", "resolve_n_jobs", "check_options", "make_engine",
    "ordered_results", "read_chunks", "check_input", "Progress", "BatchResult", "predict_file",
]

FORMATS = ("jsonl", "csv", "txt")
OUTPUT_FORMATS = ("jsonl", "csv")
BACKENDS = ("local", "dask")
CSV_COLUMNS = ("text", "probability", "label", "cues")

# Large enough that per-call overhead of the scikit-learn pipeline, loky and
# Dask (milliseconds) is noise next to scoring (~0.3 s per chunk), small enough
# that a chunk of long sentences stays a few MB.
DEFAULT_CHUNK_SIZE = 2048

DASK_INSTALL_HINT = "the dask backend needs Dask's distributed scheduler: pip install 'framing[dask]'"


def detect_format(path: str | os.PathLike, fmt: str | None = None) -> str:
    """The input format from --input-format or the file's suffix; stdin: txt unless it starts with '{' (see InputStream)."""
    if fmt:
        if fmt not in FORMATS:
            raise FramingError(f"unknown input format {fmt!r}; use one of {', '.join(FORMATS)}", path)
        return fmt
    if str(path) == "-":
        return "txt"
    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix in ("jsonl", "ndjson", "json"):
        return "jsonl"
    if suffix in ("csv", "tsv"):
        return "csv"
    return "txt"


def output_format_for(output: str | os.PathLike | None, fmt: str | None = None) -> str:
    """--format if given, else CSV for an output file named *.csv, else JSONL."""
    if fmt:
        if fmt not in OUTPUT_FORMATS:
            raise FramingError(f"unknown output format {fmt!r}; use one of {', '.join(OUTPUT_FORMATS)}")
        return fmt
    if output is not None and Path(output).suffix.lower() == ".csv":
        return "csv"
    return "jsonl"


# --------------------------------------------------------------------------- reading

class InputStream:
    """The records of one input, and how many of its bytes have been read so far.

    Iterate it for ``(line number, text)`` pairs in input order. ``position``
    and ``size`` (None for stdin) drive the progress bar's ETA; ``skipped`` and
    ``first_error`` report what ``skip_invalid`` left out.
    """

    def __init__(self, path: str | os.PathLike, fmt: str | None = None, skip_invalid: bool = False,
                 check: Callable[[dict], str | None] | None = None):
        self.path = path
        # A caller's own rule for a valid row (survey: non-blank text, a readable
        # date): its message makes the row invalid like a malformed one.
        self.check = check
        self.fmt = detect_format(path, fmt)
        # stdin has no suffix: JSON lines are recognised by their first character.
        self._sniff = str(path) == "-" and not fmt
        self.skip_invalid = skip_invalid
        self.skipped = 0
        self.first_error: FramingError | None = None
        self.size: int | None = None
        self._raw: Any = None
        self._stdin = str(path) == "-"
        if not self._stdin:
            p = Path(path)
            if not p.exists():
                raise FramingError("no such file", p)
            if p.is_dir():
                raise FramingError("is a directory, not a file", p)
            if p.is_file():
                self.size = p.stat().st_size

    @property
    def position(self) -> int:
        try:
            return self._raw.tell() if self._raw is not None else 0
        except (OSError, ValueError):
            return 0

    def _open(self) -> IO[str]:
        if self._stdin:
            raw = sys.stdin.buffer
        else:
            try:
                raw = open(self.path, "rb")  # noqa: SIM115 - closed in __iter__
            except OSError as exc:
                raise FramingError(f"cannot read: {exc.strerror or exc}", self.path) from None
        self._raw = raw
        head = raw.peek(8192)[:8192] if hasattr(raw, "peek") else b""
        if looks_binary(head):
            raise FramingError("not a text file (binary content)", self.path)
        if self._sniff and head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"):
            self.fmt = "jsonl"
        try:
            head.decode("utf-8-sig")
            encoding = "utf-8-sig"
        except UnicodeDecodeError as exc:
            # A cut in the middle of a multi-byte character at the end of the
            # sample is not a sign of another encoding.
            encoding = "utf-8-sig" if exc.start >= len(head) - 3 else "cp1252"
        return io.TextIOWrapper(raw, encoding=encoding, errors="replace", newline="")

    def _invalid(self, message: str, line: int) -> None:
        error = FramingError(message, self.path, line)
        if not self.skip_invalid:
            raise error
        self.skipped += 1
        if self.first_error is None:
            self.first_error = error

    def __iter__(self) -> Iterator[tuple[int, str]]:
        for number, row in self.rows():
            yield number, row["text"]

    def rows(self) -> Iterator[tuple[int, dict]]:
        """``(line number, record)`` pairs: a JSON line's object, a CSV row by its header, ``{"text"}`` for TXT."""
        stream = self._open()
        read = self._txt if self.fmt == "txt" else self._jsonl if self.fmt == "jsonl" else self._csv
        try:
            for number, row in read(stream):
                message = self.check(row) if self.check is not None else None
                if message is not None:
                    self._invalid(message, number)
                    continue
                yield number, row
        finally:
            if self._stdin:
                stream.detach()  # leave sys.stdin usable
            else:
                stream.close()

    def _txt(self, stream: IO[str]) -> Iterator[tuple[int, dict]]:
        for number, line in enumerate(stream, 1):
            text = line.rstrip("\r\n")
            if text.strip():
                yield number, {"text": text}

    def _jsonl(self, stream: IO[str]) -> Iterator[tuple[int, dict]]:
        for number, line in enumerate(stream, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except ValueError as exc:
                self._invalid(f"not valid JSON ({getattr(exc, 'msg', exc)})", number)
                continue
            if not isinstance(obj, dict) or not isinstance(obj.get("text"), str):
                self._invalid('each line must be a JSON object with a "text" string', number)
                continue
            yield number, obj

    def _csv(self, stream: IO[str]) -> Iterator[tuple[int, dict]]:
        reader = csv.reader(stream)
        try:
            header = next(reader, None)
        except csv.Error as exc:
            raise FramingError(f"malformed CSV header ({exc})", self.path, 1) from None
        if header is None or "text" not in header:
            raise FramingError('the CSV needs a "text" column', self.path, 1)
        width = len(header)
        while True:
            # A quoted field may span lines; the record is named by the line it starts on.
            start = reader.line_num + 1
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                self._invalid(f"malformed CSV ({exc})", start)
                continue
            if not row:
                continue
            if len(row) != width:
                # A row that does not line up with the header has its text in
                # the wrong column (often an unquoted comma): scoring it would
                # score the wrong words.
                self._invalid(f"row has {len(row)} fields but the header has {width}", start)
                continue
            record: dict = {}
            for name, value in zip(header, row):
                record.setdefault(name, value)  # a repeated column name: the first one counts, as it always did
            yield start, record


def iter_records(path: str | os.PathLike, fmt: str | None = None, skip_invalid: bool = False) -> Iterator[tuple[int, str]]:
    """Yield (line number, text) for each input sentence, in input order."""
    return iter(InputStream(path, fmt, skip_invalid))


def chunked(iterable: Iterable, size: int) -> Iterator[list]:
    it = iter(iterable)
    while chunk := list(islice(it, size)):
        yield chunk


# --------------------------------------------------------------------------- scoring

def render(predictions: Sequence, output_format: str = "jsonl", explain: bool = False,
           suggestions: Sequence[dict] | None = None) -> str:
    """Predictions as output text: JSONL lines, or CSV rows without the header.

    The text is ``json.dumps(prediction.to_dict(), ensure_ascii=False)`` per line
    (CSV: the cues' list), assembled directly: the same bytes, at a fraction of
    the cost of building every dict and walking it with the encoder. ``explain``
    adds each sentence's techniques (``"techniques"``; CSV: a last column). With
    ``suggestions`` (per prediction, each cue's, from framing.suggest), every cue
    gets a ``suggestions`` list; that path builds the dicts, as it is already
    dominated by re-scoring.
    """
    if suggestions is not None:
        return _render_suggested(predictions, output_format, explain, suggestions)
    if output_format == "jsonl":
        out = _jsonl_lines(predictions, float.__repr__, explain)
        if _NON_FINITE.search(out):
            # float.__repr__ wrote nan or inf somewhere: json.dumps writes NaN, Infinity
            out = _jsonl_lines(predictions, _json_float, explain)
        return out
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    if explain:
        writer.writerows((p.text, round(float(p.probability), 4), p.label, _json_cues(p.cues, _json_float),
                          _json_techniques(p.techniques, _json_float)) for p in predictions)
    else:
        writer.writerows((p.text, round(float(p.probability), 4), p.label, _json_cues(p.cues, _json_float))
                         for p in predictions)
    return buffer.getvalue()


# A number that float.__repr__ wrote as nan, inf or -inf. Inside a JSON string every
# '"' is escaped, so 'weight": ' (a letter before the quote) only ever starts a number
# field, never a stretch of text.
_NON_FINITE = re.compile(r'(?:probability|weight)": -?(?:nan|inf)')


def _jsonl_lines(predictions: Sequence, number: Callable[[float], str], explain: bool = False) -> str:
    if explain:
        return "".join([f'{{"text": {_json_str(p.text)}, "probability": {number(round(float(p.probability), 4))}, '
                        f'"label": {_json_str(p.label)}, "cues": {_json_cues(p.cues, number)}, '
                        f'"techniques": {_json_techniques(p.techniques, number)}}}\n' for p in predictions])
    return "".join([f'{{"text": {_json_str(p.text)}, "probability": {number(round(float(p.probability), 4))}, '
                    f'"label": {_json_str(p.label)}, "cues": {_json_cues(p.cues, number)}}}\n' for p in predictions])


def _json_techniques(techniques: Sequence, number: Callable[[float], str]) -> str:
    """``json.dumps([t.to_dict() for t in techniques], ensure_ascii=False)``, assembled directly."""
    return "[" + ", ".join([f'{{"name": {_json_str(t.name)}, "probability": {number(round(float(t.probability), 4))}}}'
                            for t in techniques]) + "]"


def _json_float(x: float) -> str:
    """A float as ``json.dumps`` writes it."""
    if x != x:
        return "NaN"
    if x in (math.inf, -math.inf):
        return "Infinity" if x > 0 else "-Infinity"
    return float.__repr__(x)


def _json_cues(cues: Sequence, number: Callable[[float], str]) -> str:
    """``json.dumps([cue.to_dict() for cue in cues], ensure_ascii=False)``, assembled directly."""
    return "[" + ", ".join([f'{{"text": {_json_str(c.text)}, "start": {c.start}, "end": {c.end}, '
                            f'"weight": {number(round(float(c.weight), 4))}}}' for c in cues]) + "]"


def _render_suggested(predictions: Sequence, output_format: str, explain: bool,
                      suggestions: Sequence[dict]) -> str:
    rows = []
    for p, found in zip(predictions, suggestions):
        row = p.to_dict()
        for cue, d in zip(p.cues, row["cues"]):
            d["suggestions"] = [s.to_dict() for s in found.get(cue, ())]
        if explain:
            row["techniques"] = [t.to_dict() for t in p.techniques]
        rows.append(row)
    if output_format == "jsonl":
        return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerows((row["text"], row["probability"], row["label"], json.dumps(row["cues"], ensure_ascii=False))
                     + ((json.dumps(row["techniques"], ensure_ascii=False),) if explain else ())
                     for row in rows)
    return buffer.getvalue()


def suggest_for(model: FramingModel, predictions: Sequence) -> list[dict]:
    """Per prediction, suggestions for the cues a report would mark (framing.scoring.shown_cues:
    a sentence labelled loaded, cues with at least a quarter of its strongest weight)."""
    from framing.scoring import shown_cues
    from framing.suggest import suggest

    return suggest(model, [(p.text, p.probability, shown_cues(p.cues, p.probability, model.threshold))
                           for p in predictions])


def csv_header(explain: bool = False) -> str:
    return ",".join(CSV_COLUMNS + (("techniques",) if explain else ())) + "\n"


def score_chunk(model: FramingModel, texts: Sequence[str], output_format: str = "jsonl", explain: bool = False,
                suggest: bool = False) -> str:
    """The one unit of work every backend runs: label a chunk (with ``suggest``, suggest plainer words) and render it."""
    predictions = model.predict(list(texts), techniques=explain)
    return render(predictions, output_format, explain, suggest_for(model, predictions) if suggest else None)


def predict_records(model: FramingModel, records: Iterable[tuple[int, str]], chunk_size: int = DEFAULT_CHUNK_SIZE) -> Iterator[dict]:
    """Predictions as JSON-ready dicts, in input order, computed a chunk at a time."""
    for chunk in chunked(records, chunk_size):
        for prediction in model.predict([text for _, text in chunk]):
            yield prediction.to_dict()


def write_jsonl(rows: Iterable[dict], out: IO[str]) -> int:
    n = 0
    for row in rows:
        out.write(json.dumps(row, ensure_ascii=False))
        out.write("\n")
        n += 1
    return n


# --------------------------------------------------------------------------- ordered parallel map
#
# predict and survey share this: a function ``work(model, items, *args)`` is
# run on chunks of items by one process, a loky pool or a Dask cluster, and
# the results come back in submission order. ``work`` must be a module-level
# function (it is pickled by reference to reach the workers).

# Set once per worker process by the pool initializer, so the model crosses
# the process boundary once per worker rather than once per chunk.
_WORKER_MODEL: FramingModel | None = None


def _init_worker(model: FramingModel) -> None:
    global _WORKER_MODEL
    model.set_threads(1)  # N workers already fill N cores
    _WORKER_MODEL = model


def _run_in_worker(work: Callable, items: list, args: tuple) -> Any:
    assert _WORKER_MODEL is not None, "worker started without a model"
    return work(_WORKER_MODEL, items, *args)


def _run_with(work: Callable, model: FramingModel, items: list, args: tuple) -> Any:
    return work(model, items, *args)


class _Done:
    """A finished "future", so the in-process path runs through the same ordering code."""

    def __init__(self, value: Any):
        self._value = value

    def result(self) -> Any:
        return self._value

    def cancel(self) -> bool:
        return False


def resolve_n_jobs(n_jobs: int | None) -> int:
    if n_jobs is None:
        return 1
    if n_jobs == -1:
        return os.cpu_count() or 1
    if n_jobs < 1:
        raise FramingError(f"--n-jobs must be a positive number or -1 (every core), not {n_jobs}")
    return n_jobs


class _LocalBackend:
    """One process (n_jobs=1) or a loky process pool with the model loaded once per worker."""

    def __init__(self, model: FramingModel, n_jobs: int, work: Callable, args: tuple):
        self.model, self.n_jobs, self.work, self.args = model, n_jobs, work, args
        self.slots = n_jobs
        self._executor = None

    def __enter__(self) -> _LocalBackend:
        if self.n_jobs > 1:
            from joblib.externals.loky import ProcessPoolExecutor

            # One BLAS thread per worker: N workers already fill N cores.
            threads = {k: "1" for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}
            self._executor = ProcessPoolExecutor(max_workers=self.n_jobs, initializer=_init_worker,
                                                 initargs=(self.model,), env=threads)
        return self

    def submit(self, items: list):
        if self._executor is None:
            return _Done(self.work(self.model, items, *self.args))
        return self._executor.submit(_run_in_worker, self.work, items, self.args)

    def __exit__(self, *exc) -> None:
        if self._executor is not None:
            # On an error or a signal, stop the workers now rather than finish their chunks.
            self._executor.shutdown(wait=True, kill_workers=exc[0] is not None)


class _DaskBackend:
    """A Dask client: the given scheduler, or a LocalCluster started (and stopped) here."""

    def __init__(self, model: FramingModel, n_jobs: int | None, work: Callable, args: tuple, scheduler: str | None):
        self.model, self.n_jobs, self.work, self.args, self.scheduler = model, n_jobs, work, args, scheduler
        self.client = self.cluster = None
        self.slots = 1

    def __enter__(self) -> _DaskBackend:
        try:
            import logging

            from distributed import Client, LocalCluster
        except ImportError:
            raise FramingError(DASK_INSTALL_HINT) from None
        try:
            if self.scheduler:
                self.client = Client(self.scheduler, timeout="15s")
            else:
                self.cluster = LocalCluster(n_workers=self.n_jobs or os.cpu_count() or 1, threads_per_worker=1,
                                            processes=True, dashboard_address=None,
                                            silence_logs=logging.ERROR)
                self.client = Client(self.cluster)
        except OSError as exc:
            self.__exit__(None, None, None)
            where = f"the Dask scheduler at {self.scheduler}" if self.scheduler else "a local Dask cluster"
            raise FramingError(f"cannot reach {where}: {exc}") from None
        self.slots = max(1, sum(self.client.nthreads().values()))
        # Sent to every worker once; tasks then carry only a reference to it.
        self.model.set_threads(1)  # one thread per Dask worker, like the local pool
        self._model = self.client.scatter(self.model, broadcast=True, hash=False)
        return self

    def submit(self, items: list):
        return self.client.submit(_run_with, self.work, self._model, items, self.args, pure=False)

    def __exit__(self, *exc) -> None:
        if self.client is not None:
            self.client.close()
        if self.cluster is not None:
            self.cluster.close()


def check_options(backend: str, scheduler: str | None, chunk_size: int) -> None:
    """The options every batch command shares, checked before any input is read."""
    if backend not in BACKENDS:
        raise FramingError(f"unknown backend {backend!r}; use one of {', '.join(BACKENDS)}")
    if scheduler and backend != "dask":
        raise FramingError("--scheduler needs --backend dask")
    if chunk_size < 1:
        raise FramingError(f"--chunk-size must be positive, not {chunk_size}")


def make_engine(model: FramingModel, work: Callable, args: tuple = (), *, backend: str = "local",
                n_jobs: int | None = None, scheduler: str | None = None) -> Any:
    """A context manager whose ``submit(items)`` runs ``work(model, items, *args)`` somewhere; ``slots`` workers.

    ``backend`` "local" runs ``n_jobs`` processes (-1 for every core); "dask"
    the cluster at ``scheduler``, or a LocalCluster of ``n_jobs`` workers
    (every core by default).
    """
    workers = None if n_jobs is None else resolve_n_jobs(n_jobs)
    if backend == "dask":
        return _DaskBackend(model, workers, work, args, scheduler)
    # One process: its engine's threads follow --n-jobs (every core when not given).
    model.set_threads(workers if workers == 1 else (os.cpu_count() or 1))
    return _LocalBackend(model, workers or 1, work, args)


def ordered_results(engine: Any, chunks: Iterator[tuple[list, int]], drain: bool = True) -> Iterator[tuple[Any, int, int]]:
    """Run ``(items, input position)`` chunks on an entered engine, at most two per worker in flight;
    yield ``(result, len(items), position)`` in input order.

    With ``drain``, a reading error is raised only after every chunk before it
    has been yielded, so a streamed output holds exactly the records before
    the bad one; an atomic output file is discarded anyway, so it need not wait.
    """
    window = 2 * engine.slots
    pending: deque = deque()
    try:
        while True:
            try:
                items, position = next(chunks)
            except StopIteration:
                break
            except FramingError:
                while drain and pending:
                    future, n, pos = pending.popleft()
                    yield future.result(), n, pos
                raise
            pending.append((engine.submit(items), len(items), position))
            if len(pending) >= window:
                future, n, pos = pending.popleft()
                yield future.result(), n, pos
        while pending:
            future, n, pos = pending.popleft()
            yield future.result(), n, pos
    finally:
        for future, _, _ in pending:
            future.cancel()


def read_chunks(records: Iterable, chunk_size: int, position: Callable[[], int]) -> Iterator[tuple[list, int]]:
    """``(items, position)`` chunks of ``records``; on a reading error the items read before it come out first
    (to stdin's stdout; elsewhere the atomic file or the first pass makes it moot)."""
    items: list = []
    try:
        for item in records:
            items.append(item)
            if len(items) == chunk_size:
                yield items, position()
                items = []
    except FramingError:
        if items:
            yield items, position()
        raise
    if items:
        yield items, position()


def check_input(reader: InputStream) -> None:
    """Fail fast: parse a file once without scoring, so a bad line found after hours of scoring cannot waste them.

    Nothing to do with ``skip_invalid`` (bad rows are skipped anyway) or stdin (it cannot be read twice).
    """
    if reader.skip_invalid or reader.size is None:
        return
    for _ in InputStream(reader.path, reader.fmt, check=reader.check).rows():
        pass


# --------------------------------------------------------------------------- progress

class Progress:
    """Progress on stderr: on a terminal a rich bar (records, rate, an ETA from the bytes read);
    with ``log_lines`` elsewhere, a plain line at every tenth of the input, so a log shows how far
    a long run got without redraws; otherwise nothing."""

    def __init__(self, enabled: bool, total_bytes: int | None, unit: str = "sentences", log_lines: bool = False):
        self.enabled = enabled
        self.total = total_bytes
        self.unit = unit
        self.log_lines = log_lines and not enabled
        self.count = 0
        self._progress = None
        self._next_tenth = 1

    @property
    def sentences(self) -> int:
        return self.count

    def __enter__(self) -> Progress:
        self._start = time.perf_counter()
        if self.enabled:
            from rich.console import Console
            from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn

            self._progress = Progress(TextColumn("{task.fields[count]:,} " + self.unit), BarColumn(),
                                      TaskProgressColumn(), TextColumn("{task.fields[rate]}"),
                                      TimeRemainingColumn(), console=Console(file=sys.stderr),
                                      transient=False)
            self._progress.start()
            self._task = self._progress.add_task(self.unit, total=self.total, count=0, rate="")
        return self

    def update(self, n: int, position: int) -> None:
        self.count += n
        elapsed = max(time.perf_counter() - self._start, 1e-9)
        if self._progress is not None:
            self._progress.update(self._task, completed=position, count=self.count,
                                  rate=f"{self.count / elapsed:,.0f} {self.unit}/s")
        elif self.log_lines and self.total and position * 10 >= self._next_tenth * self.total:
            self._next_tenth = position * 10 // self.total + 1
            done = position / self.total
            left = elapsed / done * (1 - done) if done > 0 else float("nan")
            print(f"{self.count:,} {self.unit}, {done:.0%} of the input, {self.count / elapsed:,.1f} {self.unit}/s, "
                  f"{elapsed / 60:.1f} min, ~{left / 60:.1f} min left", file=sys.stderr, flush=True)

    def __exit__(self, *exc) -> None:
        if self._progress is not None:
            if exc[0] is None and self.total is not None:
                self._progress.update(self._task, completed=self.total)
            self._progress.stop()


# --------------------------------------------------------------------------- the run

@dataclass
class BatchResult:
    """What a batch run did: sentences written, invalid records skipped (and the first of them)."""

    sentences: int
    skipped: int
    first_skipped: str | None
    seconds: float

    @property
    def rate(self) -> float:
        return self.sentences / self.seconds if self.seconds > 0 else 0.0


def predict_file(
    input: str | os.PathLike,
    output: str | os.PathLike | None = None,
    *,
    model: FramingModel,
    input_format: str | None = None,
    output_format: str | None = None,
    n_jobs: int | None = None,
    backend: str = "local",
    scheduler: str | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    skip_invalid: bool = False,
    progress: bool | None = None,
    stdout: IO[str] | None = None,
    explain: bool = False,
    suggest: bool = False,
) -> BatchResult:
    """Score every sentence of ``input`` and write one output record per sentence, in order.

    ``explain`` adds each sentence's propaganda techniques (the accurate tier's head;
    the fast tier names none, so its lists are empty).

    ``output`` None writes to ``stdout`` (default ``sys.stdout``). ``backend``
    is "local" (``n_jobs`` processes, -1 for every core) or "dask" (the
    cluster at ``scheduler``, or a LocalCluster of ``n_jobs`` workers, every
    core by default). ``progress`` None shows a bar when stderr is a terminal.
    ``suggest`` gives every cue a ``suggestions`` list (framing.suggest), filled for
    the cues a report would mark; it costs a re-scored sentence per candidate.
    """
    check_options(backend, scheduler, chunk_size)
    fmt = output_format_for(output, output_format)
    if n_jobs is not None:
        resolve_n_jobs(n_jobs)  # a bad --n-jobs is reported before the input is read
    reader = InputStream(input, input_format, skip_invalid)
    check_input(reader)
    if progress is None:
        progress = sys.stderr.isatty()
    engine = make_engine(model, score_chunk, (fmt, explain, suggest), backend=backend, n_jobs=n_jobs,
                         scheduler=scheduler)

    def run(out: IO[str]) -> int:
        if fmt == "csv":
            out.write(csv_header(explain))
        with engine, Progress(progress, reader.size) as bar:
            chunks = read_chunks((text for _, text in reader), chunk_size, lambda: reader.position)
            for text, n, position in ordered_results(engine, chunks, drain=output is None):
                out.write(text)
                bar.update(n, position)
            return bar.count

    started = time.perf_counter()
    if output is None:
        target = stdout if stdout is not None else sys.stdout
        n = run(target)
        target.flush()
    else:
        with atomic_open(output) as fh:
            n = run(fh)
    first = None if reader.first_error is None else str(reader.first_error)
    return BatchResult(n, reader.skipped, first, time.perf_counter() - started)
