"""Reading user files robustly and writing outputs atomically.

Articles arrive in whatever encoding a newsroom CMS produced: UTF-8 with or
without a byte-order mark, Windows-1252 from old exports, Latin-1. We try them
in that order rather than guess with a heuristic library, because UTF-8 decoding
fails loudly on non-UTF-8 bytes while cp1252/latin-1 never fail, so the order
alone decides correctly for the encodings we meet.

Every output file is written to a temporary sibling and renamed into place, so
an interrupted or failed run never leaves a half-written file or clobbers the
previous good one.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from framing.errors import FramingError

__all__ = [
    "looks_binary", "decode_text", "read_bytes", "read_text", "read_article", "HTML_SUFFIXES", "article_from_bytes",
    "atomic_open",
    "atomic_write_text", "atomic_folder",
]

# Control characters other than tab/newline/carriage return/form feed are a
# strong sign of a binary file (images, PDFs, zip archives, pickles).
_BINARY_CONTROL = {c for c in range(32) if c not in (9, 10, 12, 13)}


def looks_binary(data: bytes) -> bool:
    """True when the bytes are not text: a NUL byte, or many control characters."""
    sample = data[:8192]
    if b"\x00" in sample:
        return True
    if not sample:
        return False
    controls = sum(1 for b in sample if b in _BINARY_CONTROL)
    return controls / len(sample) > 0.05


def decode_text(data: bytes, path: str | os.PathLike = "<input>") -> str:
    """Decode bytes as UTF-8 (BOM stripped), else Windows-1252, else Latin-1."""
    if looks_binary(data):
        raise FramingError("not a text file (binary content)", path)
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    for encoding in ("utf-8", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def read_bytes(path: str | os.PathLike) -> bytes:
    """Read a file or '-' (stdin) with a one-line error for every way it can fail."""
    if str(path) == "-":
        return sys.stdin.buffer.read()
    p = Path(path)
    if not p.exists():
        raise FramingError("no such file", p)
    if p.is_dir():
        raise FramingError("is a directory, not a file", p)
    try:
        return p.read_bytes()
    except OSError as exc:
        raise FramingError(f"cannot read: {exc.strerror or exc}", p) from None


def read_text(path: str | os.PathLike) -> str:
    """Read a text file in any of the encodings news text comes in."""
    return decode_text(read_bytes(path), path)


def read_article(path: str | os.PathLike) -> str:
    """Read one article; an empty or blank article is an error, not a score of 0."""
    return article_from_bytes(read_bytes(path), path)


#: Suffixes of the files an article can come in (anything else is read as text on the command line).
HTML_SUFFIXES = (".html", ".htm")


def article_from_bytes(data: bytes, path: str | os.PathLike = "<input>") -> str:
    """An article's text from a file's bytes, as ``read_article`` reads the file named ``path``:
    decoded (see decode_text), and for ``.html``/``.htm`` the article extracted from the page."""
    text = decode_text(data, path)
    if Path(str(path)).suffix.lower() in HTML_SUFFIXES:
        from framing.extract import html_to_text

        text = html_to_text(text, path)
    if not text.strip():
        raise FramingError("the article is empty", path)
    return text


@contextlib.contextmanager
def atomic_open(path: str | os.PathLike, mode: str = "w", encoding: str | None = "utf-8") -> Iterator[IO]:
    """Open a temporary sibling of ``path``; rename it into place only on success."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        # mkstemp makes the file private (0600); the result should have the
        # permissions any new file of the user's gets.
        os.chmod(tmp, 0o666 & ~_umask())
        binary = "b" in mode
        with os.fdopen(fd, mode, encoding=None if binary else encoding, newline=None if binary else "\n") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write_text(path: str | os.PathLike, text: str) -> None:
    with atomic_open(path, "w") as fh:
        fh.write(text)


@contextlib.contextmanager
def atomic_folder(path: str | os.PathLike) -> Iterator[Path]:
    """A temporary sibling folder to fill; on success it replaces ``path`` whole.

    A folder cannot be swapped in one rename when the old one exists: the old folder is
    first renamed aside, so a crash in between leaves it as ``.NAME.old`` (never a mix of
    old and new files), and it is removed once the new one is in place.
    """
    import shutil

    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        yield tmp
        os.chmod(tmp, 0o777 & ~_umask())
        old = None
        if target.exists():
            old = target.with_name(f".{target.name}.old")
            shutil.rmtree(old, ignore_errors=True)
            target.rename(old)
        tmp.rename(target)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
