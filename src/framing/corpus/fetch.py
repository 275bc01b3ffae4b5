"""Getting BABE: the pinned release, the offline mirror, the download cache and its checksums.

Apart from the readers so that reading a corpus file never touches the network
code, and the pins (URL and SHA-256 per file) sit in one place.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import pathlib
import tempfile
import urllib.error
import urllib.request

from framing import paths
from framing.errors import FramingError
from framing.hashing import sha256_file

__all__ = ["BABE_FILES", "DEFAULT_BABE_NAME", "default_corpus_path", "fetch_babe", "mirror_dir"]

_BABE_COMMIT = "fb79f646dcabf1746f5ebedc06ed8dd61ba78188"
_BABE_BASE = (
    "https://raw.githubusercontent.com/Media-Bias-Group/"
    "Neural-Media-Bias-Detection-Using-Distant-Supervision-With-BABE/"
    f"{_BABE_COMMIT}/data/"
)

# Pinned to one commit so that a re-download can never silently change the data;
# the hashes are what ../shared/corpora/README.md lists for the same files.
BABE_FILES: dict[str, tuple[str, str]] = {
    "final_labels_SG2.csv": (
        _BABE_BASE + "final_labels_SG2.csv",
        "c02ebe82a8411f15e9dc63afed27826d61b84df56b5e1511f0f40bf8a688aeaf",
    ),
    "final_labels_SG1.csv": (
        _BABE_BASE + "final_labels_SG1.csv",
        "aa9c30d3a2ce8836552564424229df182f73ff10fcbe1572a663154f0ace18e8",
    ),
}
DEFAULT_BABE_NAME = "final_labels_SG2.csv"


def mirror_dir() -> pathlib.Path | None:
    """$FRAMING_CORPUS_DIR, else ../shared/corpora/babe beside the clone the working directory is in."""
    return paths.corpus_mirror_dir()


def _cache_dir() -> pathlib.Path:
    env = os.environ.get("FRAMING_CACHE")
    base = pathlib.Path(env) if env else pathlib.Path.home() / ".cache" / "framing"
    return base / "babe"


def _verify(path: pathlib.Path, name: str) -> pathlib.Path:
    expected = BABE_FILES[name][1]
    actual = sha256_file(path)
    if actual != expected:
        raise FramingError(
            f"SHA-256 mismatch: expected {expected}, got {actual}; the file is not the pinned BABE release",
            path,
        )
    return path


def default_corpus_path() -> pathlib.Path:
    """BABE SG2: from the local mirror if there is one (no network), else the download cache.

    The download is the fallback of a clone without ``../shared`` (the DVC
    pipeline's first stage); outside a clone the user names the corpus.
    """
    mirror = mirror_dir()
    if mirror is not None:
        path = mirror / DEFAULT_BABE_NAME
        if not path.is_file():
            # A configured mirror that lacks the file is a setup mistake; falling back
            # to the network would hide it and break offline machines.
            raise FramingError(f"BABE mirror has no {DEFAULT_BABE_NAME} (set by FRAMING_CORPUS_DIR?)", mirror)
        return _verify(path, DEFAULT_BABE_NAME)
    if paths.repo_root() is None:
        raise paths.require("corpus", "--corpus FILE", paths.ENV_CORPUS_DIR)
    return fetch_babe(_cache_dir())


def fetch_babe(dest_dir, name: str = DEFAULT_BABE_NAME) -> pathlib.Path:
    """Download a pinned BABE file into ``dest_dir`` unless a verified copy is there."""
    if name not in BABE_FILES:
        raise FramingError(f"unknown BABE file {name!r}; known: {', '.join(sorted(BABE_FILES))}")
    url, expected = BABE_FILES[name]
    dest_dir = pathlib.Path(dest_dir)
    dest = dest_dir / name
    if dest.is_file() and sha256_file(dest) == expected:
        return dest
    try:
        dest_dir.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise FramingError(f"cannot create download directory: {e.strerror or e}", dest_dir) from None
    try:
        # Same directory as the target, so os.replace is an atomic rename, and a
        # crash mid-download never leaves a half file under the real name.
        fd, tmp_name = tempfile.mkstemp(dir=dest_dir, prefix=f".{name}.", suffix=".part")
    except OSError as e:
        raise FramingError(f"cannot write to download directory: {e.strerror or e}", dest_dir) from None
    tmp = pathlib.Path(tmp_name)
    try:
        h = hashlib.sha256()
        with os.fdopen(fd, "wb") as out:
            try:
                with urllib.request.urlopen(url, timeout=60) as resp:
                    for chunk in iter(lambda: resp.read(1 << 16), b""):
                        h.update(chunk)
                        out.write(chunk)
            except (urllib.error.URLError, http.client.HTTPException, OSError) as e:
                reason = getattr(e, "reason", None) or e
                raise FramingError(f"could not download {url}: {reason}", dest) from None
            out.flush()
            os.fsync(out.fileno())
        if h.hexdigest() != expected:
            raise FramingError(
                f"downloaded file has SHA-256 {h.hexdigest()}, expected {expected}; not saved", url
            )
        os.chmod(tmp, 0o644)
        os.replace(tmp, dest)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return dest
