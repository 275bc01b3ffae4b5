"""Batch prediction: read sentences from JSONL, CSV, TXT or stdin, write JSONL.

Input is read as a stream of (line number, text) records so a bad record can
be reported with its line, and so large inputs need not fit in memory.
"""

from __future__ import annotations

import csv
import io
import json
import os
import sys
from collections.abc import Iterable, Iterator
from itertools import islice
from pathlib import Path
from typing import IO

from framing.errors import FramingError
from framing.model import FramingModel
from framing.textio import decode_text, looks_binary

FORMATS = ("jsonl", "csv", "txt")


def detect_format(path: str | os.PathLike, fmt: str | None = None) -> str:
    """The input format from --input-format or the file's suffix; stdin defaults to txt."""
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


def _open_text(path: str | os.PathLike) -> IO[str]:
    """A text stream over a file or stdin, tolerant of the encodings news text comes in."""
    if str(path) == "-":
        raw = sys.stdin.buffer
    else:
        p = Path(path)
        if not p.exists():
            raise FramingError("no such file", p)
        if p.is_dir():
            raise FramingError("is a directory, not a file", p)
        raw = open(p, "rb")  # noqa: SIM115 - closed by the wrapper's owner
    head = raw.peek(8192)[:8192] if hasattr(raw, "peek") else b""
    if looks_binary(head):
        raise FramingError("not a text file (binary content)", path)
    try:
        head.decode("utf-8-sig")
        encoding = "utf-8-sig"
    except UnicodeDecodeError as exc:
        # A cut in the middle of a multi-byte character at the end of the
        # sample is not a sign of another encoding.
        encoding = "utf-8-sig" if exc.start >= len(head) - 3 else "cp1252"
    return io.TextIOWrapper(raw, encoding=encoding, errors="replace",
                            newline="")


def iter_records(path: str | os.PathLike, fmt: str | None = None) -> Iterator[tuple[int, str]]:
    """Yield (line number, text) for each input sentence, in input order."""
    fmt = detect_format(path, fmt)
    stream = _open_text(path)
    try:
        if fmt == "txt":
            for number, line in enumerate(stream, 1):
                text = line.rstrip("\r\n")
                if text.strip():
                    yield number, text
        elif fmt == "jsonl":
            for number, line in enumerate(stream, 1):
                if not line.strip():
                    continue
                try:
                    obj = json.loads(line)
                except ValueError as exc:
                    raise FramingError(f"not valid JSON ({exc.msg})", path, number) from None
                if not isinstance(obj, dict) or not isinstance(obj.get("text"), str):
                    raise FramingError('each line must be a JSON object with a "text" string', path, number)
                yield number, obj["text"]
        else:
            reader = csv.DictReader(stream)
            if reader.fieldnames is None or "text" not in reader.fieldnames:
                raise FramingError('the CSV needs a "text" column', path, 1)
            for row in reader:
                text = row.get("text")
                if text is None:
                    raise FramingError("row has fewer fields than the header", path, reader.line_num)
                yield reader.line_num, text
    except UnicodeDecodeError:
        raise FramingError("cannot decode the text (not UTF-8, Windows-1252 or Latin-1)", path) from None
    except csv.Error as exc:
        raise FramingError(f"malformed CSV ({exc})", path) from None
    finally:
        if str(path) != "-":
            stream.close()


def chunked(iterable: Iterable, size: int) -> Iterator[list]:
    it = iter(iterable)
    while chunk := list(islice(it, size)):
        yield chunk


def predict_records(model: FramingModel, records: Iterable[tuple[int, str]], chunk_size: int = 2048) -> Iterator[dict]:
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
