"""Where data and models are found: options, then environment variables, then the repository around the working directory."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import REPO, assert_one_line_error, run_cli
from framing import paths
from framing.errors import FramingError

ENV = (paths.ENV_CORPUS_DIR, paths.ENV_LEXICONS, paths.ENV_SHARED, paths.ENV_MODEL, paths.ENV_PTC)


@pytest.fixture
def no_env(monkeypatch):
    for name in ENV:
        monkeypatch.delenv(name, raising=False)


def _fake_clone(root: Path, marker: str = "pyproject") -> Path:
    repo = root / "clone"
    (repo / "src" / "framing").mkdir(parents=True)
    if marker == "pyproject":
        (repo / "pyproject.toml").write_text('[project]\nname = "framing"\nversion = "0"\n')
    else:
        (repo / "dvc.yaml").write_text("stages:\n  train:\n    cmd: framing train\n")
    (root / "shared" / "lexicons").mkdir(parents=True)
    (root / "shared" / "corpora" / "babe").mkdir(parents=True)
    return repo


@pytest.mark.parametrize("marker", ["pyproject", "dvc"])
def test_repo_found_by_walking_up_from_the_working_directory(tmp_path, monkeypatch, no_env, marker):
    repo = _fake_clone(tmp_path, marker)
    monkeypatch.chdir(repo / "src" / "framing")
    assert paths.repo_root() == repo.resolve()
    assert paths.shared_dir() == (tmp_path / "shared").resolve()
    assert paths.default_lexicon_dir() == (tmp_path / "shared" / "lexicons").resolve()
    assert paths.default_ptc_dir() == (tmp_path / "shared" / "corpora" / "ptc").resolve()
    assert paths.corpus_mirror_dir() == (tmp_path / "shared" / "corpora" / "babe").resolve()
    assert paths.repo_model_path() == repo.resolve() / "models" / "fast.framing"


def test_other_projects_are_not_a_framing_repository(tmp_path, monkeypatch, no_env):
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "framing-tools"\n')
    (tmp_path / "dvc.yaml").write_text("stages:\n  x:\n    cmd: python train.py\n")
    (tmp_path.parent / "shared").mkdir(exist_ok=True)
    monkeypatch.chdir(tmp_path)
    assert paths.repo_root() is None
    assert paths.shared_dir() is None and paths.default_lexicon_dir() is None and paths.default_ptc_dir() is None
    assert paths.corpus_mirror_dir() is None and paths.repo_model_path() is None


def test_environment_comes_before_the_repository(tmp_path, monkeypatch, no_env):
    repo = _fake_clone(tmp_path)
    monkeypatch.chdir(repo)
    monkeypatch.setenv(paths.ENV_SHARED, str(tmp_path / "elsewhere"))
    assert paths.default_lexicon_dir() == tmp_path / "elsewhere" / "lexicons"
    monkeypatch.setenv(paths.ENV_LEXICONS, str(tmp_path / "lex"))
    monkeypatch.setenv(paths.ENV_CORPUS_DIR, str(tmp_path / "babe"))
    assert paths.default_ptc_dir() == tmp_path / "elsewhere" / "corpora" / "ptc"
    monkeypatch.setenv(paths.ENV_PTC, str(tmp_path / "ptc"))
    assert paths.default_lexicon_dir() == tmp_path / "lex"
    assert paths.corpus_mirror_dir() == tmp_path / "babe"
    assert paths.default_ptc_dir() == tmp_path / "ptc"


def test_never_the_install_location(tmp_path, monkeypatch, no_env):
    # The package sits in a clone here, but the working directory is outside it.
    monkeypatch.chdir(tmp_path)
    assert paths.shared_dir() is None


def test_shipped_models_are_the_checkouts_models_folder(tmp_path, monkeypatch):
    """From a checkout (editable install or PYTHONPATH=src), models/ at the top, wherever the working directory is."""
    monkeypatch.chdir(tmp_path)
    shipped = paths.shipped_model_path()
    assert shipped.parent == REPO / "models"
    assert shipped.is_file() and shipped.with_name("fast.card.json").is_file()


def test_shipped_models_follow_the_code_not_another_checkout(tmp_path, monkeypatch):
    # paths.py of another clone (say, a second worktree) finds that clone's models/...
    other = _fake_clone(tmp_path)
    (other / "models").mkdir()
    monkeypatch.setattr(paths, "__file__", str(other / "src" / "framing" / "paths.py"))
    assert paths.shipped_model_dir() == (other / "models").resolve()
    # ... and installed (nothing beside the package), the package's own folder.
    import framing

    monkeypatch.setattr(paths, "__file__", str(tmp_path / "site-packages" / "framing" / "paths.py"))
    assert paths.shipped_model_dir() == Path(framing.__file__).parent / paths.MODELS_PACKAGE_DIR


def test_outside_a_clone_missing_data_is_one_line_naming_the_option(tmp_path, monkeypatch, no_env):
    monkeypatch.chdir(tmp_path)
    from framing.corpus import default_corpus_path
    from framing.lexicons import find_lexicon_dir

    with pytest.raises(FramingError, match="pass --corpus FILE or set FRAMING_CORPUS_DIR"):
        default_corpus_path()
    with pytest.raises(FramingError, match="pass --lexicons DIR or set FRAMING_LEXICONS"):
        find_lexicon_dir()


def test_train_outside_a_clone_says_what_to_pass(tmp_path, lexicons_dir):
    env = {name: "" for name in ENV}
    result = run_cli("train", cwd=tmp_path, env=env)
    assert_one_line_error(result, "--corpus")
    corpus = str(REPO / "corpus" / "examples.csv")
    assert_one_line_error(run_cli("train", "--corpus", corpus, cwd=tmp_path, env=env), "--lexicons")
    result = run_cli("train", "--corpus", corpus, "--lexicons", str(lexicons_dir),
                     cwd=tmp_path, env=env)
    assert_one_line_error(result, "--out")


def test_version_names_package_and_model(repo):
    import json

    import framing

    card = json.loads((repo / "models" / "fast.card.json").read_text())
    result = run_cli("--version")
    out = result.stdout.decode()
    assert result.returncode == 0, result.stderr.decode()
    assert f"framing {framing.__version__}" in out
    assert card["artifact"]["sha256"] in out
