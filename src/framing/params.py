"""Reading params.yaml, the one place experiment parameters live (DVC convention).

The file has one section per pipeline stage (``prepare``, ``train``,
``evaluate``), as DVC's example-get-started does; each stage reads its own.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from framing.errors import FramingError

__all__ = ["finetune_params", "read_params", "stage_params", "train_params"]


def read_params(path: str | os.PathLike) -> dict[str, Any]:
    path = Path(path)
    try:
        import yaml
    except ImportError:
        raise FramingError("reading params.yaml needs PyYAML: pip install 'framing[dvc]'", path) from None
    if not path.is_file():
        raise FramingError("no such parameters file", path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        line = getattr(getattr(exc, "problem_mark", None), "line", None)
        raise FramingError("not valid YAML", path, None if line is None else line + 1) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise FramingError("expected a mapping of parameters", path)
    return data


def stage_params(path: str | os.PathLike, stage: str) -> dict[str, Any]:
    """The section of one stage (empty if the file has none)."""
    section = read_params(path).get(stage) or {}
    if not isinstance(section, dict):
        raise FramingError(f"expected a mapping under {stage!r}", path)
    return section


def train_params(path: str | os.PathLike) -> dict[str, Any]:
    """The ``train`` section: ``seed``, ``model`` (the feature and classifier parameters), optionally ``kind``."""
    return stage_params(path, "train")


def finetune_params(path: str | os.PathLike) -> dict[str, Any]:
    """The ``finetune`` section's fine-tuning parameters (the accurate tier), without its seed:
    training takes the seed of the ``train`` section, like the rest of the model."""
    section = dict(stage_params(path, "finetune"))
    section.pop("seed", None)
    return section
