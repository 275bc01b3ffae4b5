"""The model card: what a model file is, what made it, and the checks before loading it.

On disk a model is two files: ``NAME.framing`` (the artifact: data, never a
pickle; the static kind's is arrays + JSON, :mod:`framing.model.arrays`) and
``NAME.card.json`` (format versions, kind and tier, library versions, SHA-256 of
the artifact and of the training data, parameters, threshold, CV figures).
Loading reads the card first and checks the artifact's hash before reading it,
so a corrupt, truncated or substituted file is refused with one clear line.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
from pathlib import Path
from typing import Any

import numpy as np

from framing._version import __version__
from framing.errors import FramingError
from framing.hashing import sha256_file
from framing.textio import atomic_open

__all__ = ["CARD_SUFFIX", "FORMAT_NAME", "FORMAT_VERSION", "MODEL_SUFFIX", "card_path", "check_library",
           "check_model_path", "library_versions", "read_card", "training_card", "write_model"]

FORMAT_NAME = "framing-model"
# 2: the pipeline is stored as one pickled blob inside the joblib payload.
# 3: the card names the model kind and tier; classes moved to framing.features.* and
#    framing.model.* (a version-2 pickle names classes that no longer exist).
# 4: the artifact is data (the static kind's: arrays + JSON), never a pickle; the
#    card's "artifact" names its format and that format's version.
FORMAT_VERSION = 4
MODEL_SUFFIX = ".framing"
CARD_SUFFIX = ".card.json"


def library_versions(*extra: str) -> dict[str, str]:
    """Versions of the libraries a model's artifact depends on (``extra``: more module names)."""
    import importlib

    import joblib
    import numpy as np
    import scipy
    import sklearn

    out = {"framing": __version__, "python": platform.python_version(), "scikit-learn": sklearn.__version__,
           "numpy": np.__version__, "scipy": scipy.__version__, "joblib": joblib.__version__}
    for name in extra:
        out[name] = importlib.import_module(name).__version__
    return out


def _minor(version: str) -> str:
    return ".".join(version.split(".")[:2])


def card_path(model_path: str | os.PathLike) -> Path:
    p = Path(model_path)
    return p.with_name(p.name[: -len(MODEL_SUFFIX)] + CARD_SUFFIX if p.name.endswith(MODEL_SUFFIX) else p.name + CARD_SUFFIX)


def check_model_path(path: str | os.PathLike) -> Path:
    """``path`` can take a model: its name ends in .framing and its folder can be written (or made).

    Checked before training, not only when writing: a bad --out must not surface
    after the training it would have saved (18 minutes of fine-tuning, for the
    accurate tier).
    """
    path = Path(path)
    if path.suffix != MODEL_SUFFIX:
        raise FramingError(f"a model file name must end in {MODEL_SUFFIX}", path)
    if path.is_dir():
        raise FramingError("is a directory, not a model file", path)
    # The folder is made when the model is written (textio.atomic_open): the nearest
    # existing one must be a folder we may write in.
    folder = path.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not folder.is_dir():
        raise FramingError(f"cannot write {path.name} here: not a folder", folder)
    if not os.access(folder, os.W_OK | os.X_OK):
        raise FramingError(f"cannot write {path.name} here: the folder is not writable", folder)
    return path


def write_model(path: str | os.PathLike, data: bytes, card: dict[str, Any],
                artifact_format: dict[str, Any] | None = None) -> dict[str, Any]:
    """Write the artifact and its card, each atomically; returns the card as written.

    The two renames happen back to back; should a crash fall between them, the
    old card no longer matches the new artifact and loading refuses it rather
    than using it.
    """
    path = Path(path)
    if path.suffix != MODEL_SUFFIX:
        raise FramingError(f"a model file name must end in {MODEL_SUFFIX}", path)
    card = dict(card, format=FORMAT_NAME, format_version=FORMAT_VERSION,
                artifact={"file": path.name, "sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data),
                          **(artifact_format or {})})
    with atomic_open(path, "wb") as fh:
        fh.write(data)
    with atomic_open(card_path(path), "w") as fh:
        fh.write(json.dumps(card, indent=2, sort_keys=True) + "\n")
    return card


def read_card(path: str | os.PathLike) -> dict[str, Any]:
    """The card of the model at ``path``, once the artifact is known to be the one it describes."""
    path = Path(path)
    if not path.exists():
        raise FramingError("no such model file", path)
    if path.is_dir():
        raise FramingError("is a directory, not a model file", path)
    cpath = card_path(path)
    if not cpath.exists():
        raise FramingError(f"model card {cpath.name} is missing beside the model; retrain with 'framing train'", path)
    try:
        card = json.loads(cpath.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError):
        raise FramingError("model card is not valid JSON", cpath) from None
    if not isinstance(card, dict) or card.get("format") != FORMAT_NAME:
        raise FramingError("not a framing model card", cpath)
    if card.get("format_version") != FORMAT_VERSION:
        raise FramingError(f"model format version {card.get('format_version')} is not supported "
                           f"(this framing reads version {FORMAT_VERSION}); retrain with 'framing train'", path)
    expected = (card.get("artifact") or {}).get("sha256")
    if not expected or sha256_file(path) != expected:
        raise FramingError("model file is corrupt or does not match its card (SHA-256 differs)", path)
    return card


def check_library(card: dict[str, Any], path: str | os.PathLike, name: str, installed: str) -> None:
    """Refuse a model trained under another minor version of a library whose pickles it holds."""
    trained = (card.get("libraries") or {}).get(name, "")
    if _minor(trained) != _minor(installed):
        raise FramingError(f"model was trained with {name} {trained} but {installed} is installed; "
                           f"install {name}=={trained} or retrain with 'framing train'", path)


def training_card(kind: str, tier: str, corpus, y, proba, *, params: dict, seed: int, threshold: float,
                  calibration: tuple[float, float], folds: int, note: str, libraries: dict,
                  **extra: Any) -> dict[str, Any]:
    """The card of a freshly trained model: what every kind records of its training
    (``extra`` adds a kind's own sections, e.g. the accurate tier's encoder)."""
    from framing.metrics import binary_metrics

    counts = np.bincount(np.asarray(y, dtype=int), minlength=2)
    return {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "kind": kind,
        "tier": tier,
        "libraries": libraries,
        "parameters": params,
        "seed": seed,
        "threshold": threshold,
        "calibration": {"method": "platt", "a": calibration[0], "b": calibration[1], "folds": folds},
        **extra,
        "training_data": {
            "files": {str(k): v for k, v in corpus.sha256.items()},
            "sentences": int(len(y)),
            "loaded": int(counts[1]),
            "neutral": int(counts[0]),
        },
        "cross_validation": {"folds": folds, "note": note, **binary_metrics(y, proba, threshold)},
    }
