"""Model kinds by name: train, save and load dispatch on the kind a card records.

A kind is a module with ``KIND``, ``TIER``, ``train(corpus, params, lexicons,
seed, calibration_folds)`` and ``from_artifact(path, card)``. Kinds are named
here by module path and imported on first use, so loading a fast model never
imports another kind's dependencies (the accurate tier's runtime adds its entry
here; its training code lives in a module of its own).
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path
from types import ModuleType

from framing import paths
from framing.errors import FramingError
from framing.model.base import FramingModel
from framing.model.card import check_model_path, read_card, write_model

__all__ = ["DEFAULT_KIND", "DEFAULT_TIER", "KINDS", "MODEL_FILES", "TIERS", "check_train", "kind_for_tier", "default_model_path", "kind_module", "load", "load_default", "save", "train"]

KINDS: dict[str, str] = {"static": "framing.model.static", "accurate": "framing.model.accurate"}
#: Tiers as users name them (``--tier``), and the kind each is.
TIERS: dict[str, str] = {"fast": "static", "accurate": "accurate"}
DEFAULT_KIND = "static"
#: What ``score``, ``compare`` and ``predict`` use when no model is named.
DEFAULT_TIER = "accurate"
#: The shipped model of each kind, by file name.
MODEL_FILES: dict[str, str] = {"static": paths.DEFAULT_MODEL_NAME, "accurate": "accurate.framing"}


def kind_module(kind: str, path: str | os.PathLike | None = None) -> ModuleType:
    """The module implementing ``kind``; an unknown kind is a one-line error."""
    if kind not in KINDS:
        raise FramingError(f"unknown model kind {kind!r} (this framing knows: {', '.join(sorted(KINDS))}); "
                           "retrain with 'framing train' or upgrade framing", path)
    return importlib.import_module(KINDS[kind])


def kind_for_tier(tier: str) -> str:
    if tier not in TIERS:
        raise FramingError(f"unknown tier {tier!r} (choose {' or '.join(TIERS)})")
    return TIERS[tier]


def train(corpus, params: dict | None = None, lexicons: dict | None = None, seed: int = 0,
          calibration_folds: int = 5, kind: str = DEFAULT_KIND, **options) -> FramingModel:
    """Train a model of ``kind`` on a :class:`framing.corpus.Corpus`.

    A kind whose training needs more than its runtime (the accurate tier: torch)
    names its trainer module in ``TRAINER``; ``options`` go to that trainer."""
    module = kind_module(kind)
    trainer = importlib.import_module(getattr(module, "TRAINER", KINDS[kind]))
    return trainer.train(corpus, params, lexicons, seed, calibration_folds, **options)


def check_train(kind: str, target: str | os.PathLike, params: dict | None = None,
                params_file: str | os.PathLike | None = None, **options) -> None:
    """Every argument of a training run of ``kind``, checked before any of its work.

    The output path here; the kind's own parameters and options by its module's
    ``check_training(params, params_file, **options)``, where it has one (the same
    ``options`` :func:`train` takes).
    """
    check_model_path(target)
    check = getattr(kind_module(kind), "check_training", None)
    if check is not None:
        check(dict(params or {}), params_file, **options)


def save(model: FramingModel, path: str | os.PathLike) -> Path:
    """Write the artifact and its card (atomically; the card records the kind and the artifact's hash)."""
    # Serialised in memory first (models are a few MB), so the hash is known before anything touches the disk.
    data = model.to_bytes()
    companions = model.save_companions(path)  # before the card, which names them
    model.card = write_model(path, data, dict(model.card, kind=model.kind, tier=model.tier, **companions),
                             getattr(model, "artifact_format", None))
    return Path(path)


def load(path: str | os.PathLike) -> FramingModel:
    """Load a model of any kind, refusing corrupt, foreign or version-mismatched files."""
    card = read_card(path)
    return kind_module(card.get("kind", ""), path).from_artifact(Path(path), card)


def default_model_path(kind: str = DEFAULT_KIND) -> Path:
    """$FRAMING_MODEL, else the shipped model of ``kind``, models/ in a source checkout, else inside the installed package (framing/models/)."""
    env = os.environ.get(paths.ENV_MODEL)
    if env:
        return Path(env)
    kind_module(kind)
    return paths.shipped_model_path(MODEL_FILES[kind])


def load_default(kind: str = DEFAULT_KIND) -> FramingModel:
    path = default_model_path(kind)
    if not path.exists():
        raise FramingError("the default model is missing; run 'framing train' or pass --model", path)
    return load(path)
