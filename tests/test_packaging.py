"""pyproject.toml's package list and mapping: what the wheel and editable installs are built from.

The packages are listed by hand (find() under src/ cannot see framing.models, which
is mapped from models/ at the top); these checks keep the list honest.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import REPO

tomllib = pytest.importorskip("tomllib")  # Python 3.11+; 3.10 runs the install test, which builds the wheel

SETUPTOOLS = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]


def _folders_with_files(root: Path) -> set[str]:
    """Dotted names of root and every folder below it holding a file (bytecode caches aside)."""
    names = set()
    for path in root.rglob("*"):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
            names.add(".".join(("framing", *path.parent.relative_to(root).parts)).rstrip("."))
    return names


def test_every_folder_of_the_package_is_listed():
    listed = set(SETUPTOOLS["packages"])
    assert _folders_with_files(REPO / "src" / "framing") == listed - {"framing.models"}


def test_models_map_from_the_top_level_folder():
    assert SETUPTOOLS["package-dir"] == {"": "src", "framing.models": "models"}
    assert "framing.models" in SETUPTOOLS["packages"]
    assert not (REPO / "src" / "framing" / "models").exists(), "a second copy of the models under src/"


def test_every_shipped_model_file_matches_a_package_data_pattern():
    patterns = SETUPTOOLS["package-data"]["framing.models"]
    root = REPO / "models"
    files = [p.relative_to(root) for p in root.rglob("*") if p.is_file()]
    assert {"fast.framing", "accurate.framing", "accurate.encoder/model.onnx"} <= {str(f) for f in files}
    # A file no pattern takes would be left out of the wheel without a word.
    for rel in files:
        assert any(rel.match(pattern) for pattern in patterns), rel
