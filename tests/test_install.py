"""The package as a user gets it: sdist and wheel built from a clean copy, installed in a fresh
virtual environment, run from an empty folder with no repository around it.

Marked ``install`` (deselect with ``-m "not install"`` while iterating), but never
skipped: CI runs it with the rest of the suite. It takes about a minute, most of
it pip installing the dependencies (from pip's cache after the first run).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from conftest import EXAMPLES, LEXICONS, REPO

pytestmark = pytest.mark.install

MAX_WHEEL_BYTES = 40 * 1024 * 1024  # both tiers together (issue 12)
SHIPPED = ("framing/models/fast.framing", "framing/models/fast.card.json", "framing/models/accurate.framing",
           "framing/models/accurate.card.json", "framing/models/accurate.encoder/model.onnx",
           "framing/models/accurate.encoder/tokenizer.json", "framing/models/accurate.encoder/run.json",
           # framing serve's page and the report's stylesheet it shares with `framing score --format html`.
           "framing/templates/report.html", "framing/templates/report.css", "framing/serve/static/index.html",
           "framing/serve/static/page.js", "framing/serve/static/page.css")
# In the sdist, as in the repository, the models are at the top (pyproject.toml maps framing.models onto
# models/); the rest of the package is under src/.
IN_SDIST = tuple(name.replace("framing/models/", "models/", 1) if name.startswith("framing/models/") else "src/" + name
                 for name in SHIPPED)


def _run(args, cwd: Path, env: dict, input: bytes | None = None, timeout: int = 300) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=cwd, env=env, input=input, capture_output=True, timeout=timeout)


def _ok(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 0, (result.args, result.stderr.decode(errors="replace")[-3000:])
    return result.stdout.decode()


def _clean_copy(dest: Path) -> Path:
    """What a fresh clone holds: tracked files plus new ones not ignored (nothing built, no .venv, no data/)."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            cwd=REPO, capture_output=True, check=True).stdout.decode().split("\0")
    for rel in filter(None, listed):
        source = REPO / rel
        if source.is_file():  # a tracked file deleted in the working tree is not copied
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest / rel)
    return dest


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """A fresh venv with the wheel built from the sdist of a clean copy; its bin/ and the wheel."""
    root = tmp_path_factory.mktemp("install")
    # No PYTHONPATH (the tests' own may point at src/), no framing settings, no outer venv.
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("FRAMING_") and k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    venv = root / "venv"
    _ok(_run([sys.executable, "-m", "venv", str(venv)], root, env))
    python = venv / "bin" / "python"
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    # The build backend pyproject.toml asks for, so the sdist can be built here.
    _ok(_run([str(python), "-m", "pip", "install", "-q", "setuptools>=68", "wheel"], root, env))
    source = _clean_copy(root / "clone")
    dist = root / "dist"
    code = f"from setuptools import build_meta; print(build_meta.build_sdist({str(dist)!r}))"
    sdist = dist / _ok(_run([str(python), "-c", code], source, env)).strip().splitlines()[-1]
    with tarfile.open(sdist) as tar:
        names = tar.getnames()
    top = names[0].split("/")[0]  # framing-VERSION/
    for name in IN_SDIST:
        assert f"{top}/{name}" in names, f"{name} is not in the sdist"
    # The wheel from the sdist, as pip would build it for a user who has only the sdist.
    _ok(_run([str(python), "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", str(dist),
              str(sdist)], root, env))
    (wheel,) = dist.glob("framing-*.whl")
    _ok(_run([str(python), "-m", "pip", "install", "-q", str(wheel)], root, env, timeout=600))
    empty = root / "empty"
    empty.mkdir()
    return {"bin": venv / "bin", "wheel": wheel, "env": env, "cwd": empty}


def test_wheel_carries_the_shipped_model_and_stays_small(installed, record_property):
    wheel = installed["wheel"]
    size = wheel.stat().st_size
    record_property("wheel_bytes", size)
    print(f"\nwheel {wheel.name}: {size / 1e6:.2f} MB")
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
    assert set(SHIPPED) <= names
    assert not [n for n in names if n.endswith(".tmp")]
    assert size <= MAX_WHEEL_BYTES, f"wheel is {size / 1e6:.1f} MB"


def test_installed_framing_works_from_an_empty_folder(installed):
    cwd, env, bin_ = installed["cwd"], installed["env"], installed["bin"]
    shutil.copy(EXAMPLES / "loaded.txt", cwd / "a.txt")
    shutil.copy(EXAMPLES / "neutral.txt", cwd / "b.txt")
    framing = str(bin_ / "framing")

    where = _ok(_run([str(bin_ / "python"), "-c", "import framing; print(framing.__file__)"], cwd, env))
    assert "site-packages" in where and str(REPO) not in where

    assert "loaded" in _ok(_run([framing, "score", "a.txt"], cwd, env))
    article = json.loads(_ok(_run([framing, "score", "--format", "json", "a.txt"], cwd, env)))
    assert article["file"] == "a.txt" and 0 <= article["score"] <= 1

    line = b'{"text": "Critics slammed the reckless scheme as a cash grab."}\n'
    (row,) = [json.loads(x) for x in _ok(_run([framing, "predict", "-"], cwd, env, input=line)).splitlines()]
    assert row["text"] == "Critics slammed the reckless scheme as a cash grab." and row["label"] in ("loaded", "neutral")

    assert "a.txt" in _ok(_run([framing, "compare", "a.txt", "b.txt"], cwd, env))

    # The accurate tier is the default; the fast one is a flag away, from the same wheel.
    fast = json.loads(_ok(_run([framing, "score", "--tier", "fast", "--format", "json", "a.txt"], cwd, env)))
    assert fast["file"] == "a.txt" and 0 <= fast["score"] <= 1
    assert [x["probability"] for x in fast["sentences"]] != [x["probability"] for x in article["sentences"]]

    version = _ok(_run([str(bin_ / "python"), "-m", "framing", "--version"], cwd, env))
    for tier in ("fast", "accurate"):
        card = json.loads((REPO / "models" / f"{tier}.card.json").read_text())
        assert card["artifact"]["sha256"] in version, tier

    # The core install has no web stack: `framing serve` says in one line what to install.
    served = _run([framing, "serve"], cwd, env)
    err = served.stderr.decode()
    assert served.returncode != 0 and "Traceback" not in err
    assert err.strip().splitlines() == ["framing: error: framing serve needs the serve extra: pip install 'framing[serve]'"]

    train = _run([framing, "train"], cwd, env)
    err = train.stderr.decode()
    assert train.returncode != 0 and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1 and "--corpus" in err, err


def test_oldest_allowed_scikit_learn(installed):
    """The floor of pyproject's scikit-learn range: the shipped model loads and scores the same, and training works.

    Runs after the test above (same venv, scikit-learn downgraded in place):
    the newest allowed release is what pip chose there.
    """
    import re

    cwd, env, bin_ = installed["cwd"], installed["env"], installed["bin"]
    pyproject = (REPO / "pyproject.toml").read_text()
    floor = re.search(r'"scikit-learn>=([0-9.]+),', pyproject).group(1)
    framing = str(bin_ / "framing")
    before = _ok(_run([framing, "score", "--format", "json", "a.txt"], cwd, env))
    _ok(_run([str(bin_ / "python"), "-m", "pip", "install", "-q", f"scikit-learn=={floor}.*"], cwd, env, timeout=600))
    version = _ok(_run([str(bin_ / "python"), "-c", "import sklearn; print(sklearn.__version__)"], cwd, env))
    assert version.startswith(floor + "."), version
    assert _ok(_run([framing, "score", "--format", "json", "a.txt"], cwd, env)) == before
    if LEXICONS.is_dir():
        out = cwd / "small.framing"
        _ok(_run([framing, "train", "--corpus", str(REPO / "corpus" / "examples.csv"), "--lexicons", str(LEXICONS),
                  "--out", str(out)], cwd, env, timeout=600))
        _ok(_run([framing, "score", "--model", str(out), "a.txt"], cwd, env))
