"""The DVC pipeline's own steps, and the shape of dvc.yaml.

A full `dvc repro` trains on BABE and cross-validates (minutes), so it is run
by hand and by the issue's check, not here; these tests keep the stages honest:
deterministic outputs (so a second `dvc repro` is a no-op) and commands that exist.
"""

from __future__ import annotations

import json
import shlex

import pytest

from conftest import BABE, TEAM_CORPUS, run_cli
from framing import stages as pipeline
from framing.corpus import read_corpus


def test_prepare_is_deterministic_and_round_trips(tmp_path):
    a = pipeline.prepare(TEAM_CORPUS, tmp_path / "a.csv", tmp_path / "a.json")
    pipeline.prepare(TEAM_CORPUS, tmp_path / "b.csv", tmp_path / "b.json")
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
    assert (tmp_path / "a.json").read_bytes() == (tmp_path / "b.json").read_bytes()
    original, prepared = read_corpus(TEAM_CORPUS), read_corpus(tmp_path / "a.csv")
    assert prepared.texts == original.texts
    assert prepared.labels.tolist() == original.labels.tolist()
    assert prepared.biased_words == original.biased_words
    assert a["sentences"] == 40


@pytest.mark.skipif(not BABE.exists(), reason="../shared/corpora/babe is not beside the repository")
def test_get_corpus_copies_the_pinned_babe(tmp_path):
    out = pipeline.get_corpus(tmp_path / "raw" / "babe.csv")
    assert out.read_bytes() == BABE.read_bytes()


def test_pipeline_commands_fail_cleanly(tmp_path):
    result = run_cli_module("prepare", "--in", str(tmp_path / "missing.csv"), "--out", str(tmp_path / "o.csv"),
                            "--report", str(tmp_path / "r.json"))
    assert result.returncode != 0
    assert "missing.csv" in result.stderr.decode() and "Traceback" not in result.stderr.decode()
    assert not (tmp_path / "o.csv").exists()


def run_cli_module(*args):
    import os
    import subprocess
    import sys

    return subprocess.run([sys.executable, "-m", "framing", "stage", *args], capture_output=True,
                          env=dict(os.environ), timeout=300)


def test_dvc_yaml_stages_and_outputs(repo):
    yaml = pytest.importorskip("yaml")
    spec = yaml.safe_load((repo / "dvc.yaml").read_text())
    stages = spec["stages"]
    assert list(stages) == ["get_corpus", "prepare", "train", "finetune", "train_accurate", "evaluate"]
    # The shipped model is a pipeline output tracked by git, not DVC's cache.
    outs = {next(iter(o)) if isinstance(o, dict) else o: o for o in stages["train"]["outs"]}
    assert outs["models/fast.framing"]["models/fast.framing"]["cache"] is False
    for stage, path in (("finetune", "models/accurate.encoder"),
                        ("train_accurate", "models/accurate.framing")):
        outs = {next(iter(o)): o for o in stages[stage]["outs"]}
        assert outs[path][path]["cache"] is False, stage
    params = yaml.safe_load((repo / "params.yaml").read_text())
    for name, stage in stages.items():
        # A stage's cmd is one command or a list of them (finetune: fine-tune, then the technique head).
        for line in [stage["cmd"]] if isinstance(stage["cmd"], str) else stage["cmd"]:
            cmd = shlex.split(line.replace("${evaluate.folds}", str(params["evaluate"]["folds"])))
            assert cmd[0] == "framing", name
            if cmd[1] == "stage":
                help_run = run_cli_module(cmd[2], "--help")
            else:
                help_run = run_cli(cmd[1], "--help")
            assert help_run.returncode == 0, (name, help_run.stderr.decode())
            # Every option the stage passes exists.
            for token in cmd:
                if token.startswith("--"):
                    assert token in help_run.stdout.decode(), (name, token)


def test_committed_model_card_matches_dvc_lock(repo):
    """The committed model is the one `dvc repro` produced (so a clone's second repro is a no-op)."""
    yaml = pytest.importorskip("yaml")
    lock = yaml.safe_load((repo / "dvc.lock").read_text())
    import hashlib

    for stage in ("train", "train_accurate"):
        for out in lock["stages"][stage]["outs"]:
            data = (repo / out["path"]).read_bytes()
            assert hashlib.md5(data).hexdigest() == out["md5"], out["path"]
    card = json.loads((repo / "models" / "fast.card.json").read_text())
    assert card["artifact"]["sha256"] == hashlib.sha256((repo / "models" / "fast.framing").read_bytes()).hexdigest()
