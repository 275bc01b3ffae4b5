"""SHA-256 of a file: one helper for corpus pins, training-data hashes and model cards (a leaf)."""

from __future__ import annotations

import hashlib

from framing.errors import FramingError

__all__ = ["sha256_file", "texts_sha256"]


def sha256_file(path) -> str:
    h = hashlib.sha256()
    try:
        with open(path, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
    except IsADirectoryError:
        raise FramingError("is a directory, not a file", path) from None
    except FileNotFoundError:
        raise FramingError("no such file", path) from None
    except OSError as e:
        raise FramingError(f"cannot read: {e.strerror or e}", path) from None
    return h.hexdigest()


def texts_sha256(texts) -> str:
    """What a fine-tuning run records of its corpus, so that a stack refuses another corpus's run."""
    return hashlib.sha256("\n".join(texts).encode("utf-8")).hexdigest()
