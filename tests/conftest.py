"""Shared fixtures. Add yours below; keep each fixture's purpose in its docstring."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
BABE = SHARED / "corpora" / "babe" / "final_labels_SG2.csv"
LEXICONS = SHARED / "lexicons"
SEEDS = SHARED / "seeds"
EXAMPLES = REPO / "examples"
TEAM_CORPUS = REPO / "corpus" / "examples.csv"
DEFAULT_MODEL = REPO / "models" / "framing.joblib"


def run_cli(*args: str, input: str | bytes | None = None, cwd: Path | None = None, env: dict | None = None):
    """Run the real `framing` command line in a subprocess, as a user would."""
    full_env = dict(os.environ, **(env or {}))
    full_env.setdefault("FRAMING_LEXICONS", str(LEXICONS))
    full_env.pop("FRAMING_DEBUG", None)
    if isinstance(input, str):
        input = input.encode("utf-8")
    return subprocess.run([sys.executable, "-m", "framing", *args], input=input, capture_output=True,
                          cwd=cwd or REPO, env=full_env, timeout=900)


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def lexicons_dir() -> Path:
    if not LEXICONS.is_dir():
        pytest.skip("../shared/lexicons is not beside the repository")
    return LEXICONS


@pytest.fixture(scope="session")
def lexicons(lexicons_dir):
    from framing.lexicons import load_lexicons

    return load_lexicons(lexicons_dir)


@pytest.fixture(scope="session")
def small_model_path(tmp_path_factory, lexicons_dir) -> Path:
    """A model trained through the CLI on the team's own small corpus: fast, and independent of BABE."""
    out = tmp_path_factory.mktemp("model") / "small.joblib"
    result = run_cli("train", "--corpus", str(TEAM_CORPUS), "--out", str(out), "--lexicons", str(lexicons_dir))
    assert result.returncode == 0, result.stderr.decode()
    return out


@pytest.fixture(scope="session")
def small_model(small_model_path):
    from framing.model import load

    return load(small_model_path)


@pytest.fixture(scope="session")
def default_model_path() -> Path:
    if not DEFAULT_MODEL.exists():
        pytest.skip("no default model in models/ yet")
    return DEFAULT_MODEL
