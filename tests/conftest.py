"""Shared fixtures. Add yours below; keep each fixture's purpose in its docstring."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
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


def assert_one_line_error(result, *needles: str) -> str:
    """A user error: non-zero exit, no traceback, one line on stderr containing each needle."""
    err = result.stderr.decode("utf-8", errors="replace")
    assert result.returncode != 0
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    for needle in needles:
        assert needle in lines[0], err
    return lines[0]


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


# -- reports, compare and the browser test -------------------------------------

CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run")


def _find_chromium() -> str | None:
    import shutil

    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        path = shutil.which(name)
        if path:
            return path
    return None


@pytest.fixture(scope="session")
def chromium() -> str:
    """Path to a headless-capable Chromium; installs Debian's package when missing and allowed.

    In CI (CI=true) the browser test must run, so failing to get Chromium is an
    error there; elsewhere it is a skip with the reason.
    """
    path = _find_chromium()
    if path is None and hasattr(os, "geteuid") and os.geteuid() == 0 and shutil_which("apt-get"):
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        subprocess.run(["apt-get", "update"], capture_output=True, env=env, timeout=900)
        subprocess.run(["apt-get", "install", "-y", "chromium"], capture_output=True, env=env, timeout=1800)
        path = _find_chromium()
    if path is None:
        reason = "headless Chromium is not installed and could not be installed (needs root and apt-get)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason + "; CI must run the browser test")
        pytest.skip(reason)
    return path


def shutil_which(name: str) -> str | None:
    import shutil

    return shutil.which(name)


@pytest.fixture(scope="session")
def scoring_model_path(small_model_path) -> Path:
    """The model the report tests score with: the team-corpus model, so the tests never depend on models/."""
    return small_model_path


@pytest.fixture(scope="session")
def seeds() -> list[Path]:
    """The four third-party seed articles (read-only, never copied into the repository)."""
    files = sorted(SEEDS.glob("*.txt"))
    if len(files) < 4:
        pytest.skip("../shared/seeds is not beside the repository")
    return files


# -- small data for the feature tests ------------------------------------------------

# Lexicons small enough that a fit takes a fraction of a second.
SMALL_LEX = {
    "bias": {"bizarre", "radical", "slam"},
    "assertives": {"claim"},
    "factives": {"realize"},
    "hedges": {"perhaps"},
    "implicatives": {"manage"},
    "report_verbs": {"say", "claim"},
    "subj_strong": {"disgraceful", "outrageous", "bizarre"},
    "subj_weak": {"radical"},
    "polarity": {"disgraceful": "negative", "outrageous": "negative", "bizarre": "negative"},
    "vad": {"disgraceful": (0.05, 0.8, 0.4), "outrageous": (0.1, 0.9, 0.5), "vote": (0.6, 0.4, 0.6)},
}

_LOADED = ["disgraceful", "outrageous", "bizarre", "radical", "shameless", "reckless"]
_TOPICS = ["tax bill", "vaccine plan", "border policy", "climate rule", "school budget", "trade deal"]
_ACTORS = ["The senator", "The governor", "Officials", "The committee", "The agency"]


def feature_corpus():
    """(texts, labels, biased_words): 62 short sentences, a loaded word per loaded one, for the feature tests."""
    texts, y, bw = [], [], []
    for i, topic in enumerate(_TOPICS):
        for j, actor in enumerate(_ACTORS):
            word = _LOADED[(i + j) % len(_LOADED)]
            texts.append(f"{actor} pushed a {word} {topic} through on Tuesday.")
            y.append(1)
            bw.append([word])
            texts.append(f"{actor} said the {topic} would be voted on Tuesday.")
            y.append(0)
            bw.append([])
    texts.append('She called it "a truly disgraceful and outrageous waste of money" in a statement.')
    y.append(0)
    bw.append([])
    texts.append("Why would anyone trust these so-called experts ever again?!")
    y.append(1)
    bw.append(["so-called"])
    return texts, np.array(y), bw
