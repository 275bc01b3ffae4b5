"""Where framing finds its data and its shipped models.

Data (the BABE corpus, the cue lexicons) comes from, in order:

1. what the user passes (``--corpus``, ``--lexicons``), relative to the working
   directory like any path on a command line;
2. environment variables: ``FRAMING_CORPUS_DIR`` (a folder holding BABE's
   files), ``FRAMING_LEXICONS`` (the lexicon folder), ``FRAMING_SHARED`` (a
   folder laid out like ``../shared``: ``corpora/babe/`` and ``lexicons/``);
3. the framing repository the working directory is inside (found by walking up
   to a ``pyproject.toml`` naming the project ``framing``, or a ``dvc.yaml``
   running it), then ``../shared`` beside it.

Never from where the package is installed: once installed, that is a
site-packages folder with nothing beside it. Outside a clone, a command that
needs data the user did not give says in one line what to pass
(:func:`require`).

The shipped models live in ``models/`` at the top of the repository (the DVC
pipeline's outputs) and install as package data, ``framing/models/``
(pyproject.toml maps the package ``framing.models`` onto ``models/``).
:func:`shipped_model_dir` finds them from where the code itself is, never from
the working directory: in a source checkout (an editable install, or
``PYTHONPATH=src``), ``models/`` beside ``src/``; in an installed wheel, the
package folder.
"""

from __future__ import annotations

import os
import re
from importlib import resources
from pathlib import Path

from framing.errors import FramingError

__all__ = ["DEFAULT_MODEL_NAME", "ENV_CORPUS_DIR", "ENV_LEXICONS", "ENV_MODEL", "ENV_PTC", "ENV_SHARED",
           "MODELS_DIR", "MODELS_PACKAGE_DIR", "corpus_mirror_dir", "default_lexicon_dir", "default_ptc_dir", "repo_model_path",
           "repo_root", "require", "shared_dir", "shipped_model_dir", "shipped_model_path"]

ENV_CORPUS_DIR = "FRAMING_CORPUS_DIR"
ENV_LEXICONS = "FRAMING_LEXICONS"
ENV_SHARED = "FRAMING_SHARED"
ENV_MODEL = "FRAMING_MODEL"
ENV_PTC = "FRAMING_PTC"

#: The shipped models' folder in the installed package (framing/models/) ...
MODELS_PACKAGE_DIR = "models"
#: ... and at the top of the repository (models/, mapped onto it by pyproject.toml).
MODELS_DIR = "models"
DEFAULT_MODEL_NAME = "fast.framing"

# A line `name = "framing"` in pyproject.toml; a regex rather than tomllib,
# which Python 3.10 (still supported) does not have.
_PROJECT_NAME = re.compile(r'^\s*name\s*=\s*["\']framing["\']\s*$', re.MULTILINE)
_RUNS_FRAMING = re.compile(r"\bframing\b")


def _is_framing_repo(folder: Path) -> bool:
    try:
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file() and _PROJECT_NAME.search(pyproject.read_text(encoding="utf-8", errors="replace")):
            return True
        dvc = folder / "dvc.yaml"
        # A dvc.yaml alone could be any DVC project; only one that runs framing counts.
        return dvc.is_file() and bool(_RUNS_FRAMING.search(dvc.read_text(encoding="utf-8", errors="replace")))
    except OSError:
        return False


def repo_root(start: str | os.PathLike | None = None) -> Path | None:
    """The framing repository the working directory (or ``start``) is inside, if any."""
    here = Path(start) if start is not None else Path.cwd()
    here = here.resolve()
    for folder in (here, *here.parents):
        if _is_framing_repo(folder):
            return folder
    return None


def shared_dir() -> Path | None:
    """$FRAMING_SHARED, else ``../shared`` beside the repository the working directory is in."""
    env = os.environ.get(ENV_SHARED)
    if env:
        return Path(env)
    root = repo_root()
    if root is None:
        return None
    shared = root.parent / "shared"
    return shared if shared.is_dir() else None


def corpus_mirror_dir() -> Path | None:
    """A local folder of BABE files: $FRAMING_CORPUS_DIR, else <shared>/corpora/babe; None if neither."""
    env = os.environ.get(ENV_CORPUS_DIR)
    if env:
        return Path(env)
    shared = shared_dir()
    if shared is None:
        return None
    mirror = shared / "corpora" / "babe"
    return mirror if mirror.is_dir() else None


def _env_or_shared(env: str, *parts: str) -> Path | None:
    """$env, else <shared>/parts; None when neither is known (the folder need not exist)."""
    value = os.environ.get(env)
    if value:
        return Path(value)
    shared = shared_dir()
    return None if shared is None else shared.joinpath(*parts)


def default_lexicon_dir() -> Path | None:
    """$FRAMING_LEXICONS, else <shared>/lexicons; None when neither is known."""
    return _env_or_shared(ENV_LEXICONS, "lexicons")


def default_ptc_dir() -> Path | None:
    """$FRAMING_PTC, else <shared>/corpora/ptc; None when neither is known."""
    return _env_or_shared(ENV_PTC, "corpora", "ptc")


def require(what: str, option: str, env: str | None = None) -> FramingError:
    """The one-line error for data the user did not give and no repository supplies."""
    hint = f" or set {env}" if env else ""
    return FramingError(f"no {what} given and not inside a framing repository: pass {option}{hint}")


def _checkout_model_dir() -> Path | None:
    """``models/`` of the source checkout this code runs from (src/framing/paths.py), if it does."""
    checkout = Path(__file__).resolve().parents[2]
    folder = checkout / MODELS_DIR
    return folder if folder.is_dir() and _is_framing_repo(checkout) else None


def shipped_model_dir() -> Path:
    """The folder of the shipped models: the checkout's ``models/``, else the installed package's."""
    # Checked first, and found from this file rather than by importing framing.models:
    # with PYTHONPATH=src and some other checkout installed editable in the same venv,
    # that import would resolve through the other install's mapping to its models.
    # A plain path import (no install) has no mapping at all.
    checkout = _checkout_model_dir()
    if checkout is not None:
        return checkout
    folder = resources.files("framing").joinpath(MODELS_PACKAGE_DIR)
    # Installed packages are plain folders (wheels unpack); a zipped install would
    # give a non-filesystem Traversable, whose files the loaders cannot memory-map.
    if not isinstance(folder, Path):
        raise FramingError(f"framing is installed in a zip archive; pass --model or set {ENV_MODEL}")
    return folder


def shipped_model_path(name: str = DEFAULT_MODEL_NAME) -> Path:
    return shipped_model_dir() / name


def repo_model_path(name: str = DEFAULT_MODEL_NAME) -> Path | None:
    """Where a clone keeps the shipped model (what ``framing train`` rewrites), if inside one.

    Not :func:`shipped_model_path`: for a non-editable install that is inside
    site-packages, which training must never write to.
    """
    root = repo_root()
    return None if root is None else root / MODELS_DIR / name
