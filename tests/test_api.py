"""The Python API (`import framing`) does the same work as the command line, with the same results."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

import framing
from conftest import EXAMPLES, REPO, run_cli

SENTENCES = [
    "The senator's outrageous scheme is a disgrace to the nation.",
    "The committee will meet on Tuesday to discuss the budget.",
    'Critics slammed the "reform" as a cynical power grab.',
]


def test_import_is_light():
    """`import framing` must not pay for scikit-learn, NumPy or Dask."""
    code = "import sys, framing; print(sorted(m for m in ('sklearn', 'numpy', 'dask', 'scipy') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True)
    assert out.stdout.strip() == "[]"


def test_load_model_and_predict_match_the_cli(small_model_path):
    model = framing.load_model(small_model_path)
    predictions = model.predict(SENTENCES)
    cli = run_cli("predict", "--model", str(small_model_path), "-", input="\n".join(SENTENCES))
    assert cli.returncode == 0, cli.stderr.decode()
    rows = [json.loads(line) for line in cli.stdout.decode().splitlines()]
    assert [p.to_dict() for p in predictions] == rows
    for p in predictions:
        assert p.label in ("loaded", "neutral")
        assert all(p.text[c.start:c.end] == c.text for c in p.cues)


def test_predict_helper_takes_a_list_not_a_string(small_model):
    assert [p.text for p in framing.predict(SENTENCES, model=small_model)] == SENTENCES
    with pytest.raises(TypeError, match="list of sentences"):
        framing.predict("One sentence.", model=small_model)


def test_default_model_comes_from_FRAMING_MODEL(small_model_path):
    code = ("import framing; m = framing.load_model(); "
            "print(m is framing.load_model(), framing.predict(['A reckless scheme.'])[0].label in ('loaded', 'neutral'))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO,
                         env=dict(os.environ, FRAMING_MODEL=str(small_model_path)))
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["True", "True"]


def test_load_model_errors_name_the_file(tmp_path):
    with pytest.raises(framing.FramingError) as info:
        framing.load_model(tmp_path / "missing.framing")
    assert info.value.path == str(tmp_path / "missing.framing")


def test_score_article(small_model):
    pytest.importorskip("framing.sentences")
    text = "Senator's reckless scheme sparks outrage\n\nThe senator's outrageous scheme is a disgrace. " \
           "The committee will meet on Tuesday."
    article = framing.score_article(text, model=small_model)
    assert 0.0 <= article.score <= 1.0
    assert article.verdict in ("low", "moderate", "high")
    assert article.sentences
    for sentence in article.sentences:
        assert text[sentence.start:sentence.end] == sentence.text
        for cue in sentence.cues:
            assert sentence.text[cue.start:cue.end] == cue.text


def test_score_article_agrees_with_the_cli(small_model, small_model_path):
    pytest.importorskip("framing.sentences")
    path = sorted(EXAMPLES.glob("*.txt"))[0] if EXAMPLES.is_dir() and list(EXAMPLES.glob("*.txt")) else None
    if path is None:
        pytest.skip("no example articles")
    from framing.textio import read_article

    article = framing.score_article(read_article(path), model=small_model)
    cli = run_cli("score", "--model", str(small_model_path), "--format", "json", str(path))
    assert cli.returncode == 0, cli.stderr.decode()
    assert json.loads(cli.stdout)["score"] == round(article.score, 4)


def test_predict_file_matches_the_cli_and_reports_counts(tmp_path, small_model_path):
    src = tmp_path / "in.txt"
    src.write_text("\n".join(SENTENCES * 50) + "\n\n{not a problem in txt}\n", encoding="utf-8")
    out = tmp_path / "api.jsonl"
    result = framing.predict_file(src, out, model=small_model_path, n_jobs=2, chunk_size=16)
    assert result.sentences == len(SENTENCES) * 50 + 1
    assert result.skipped == 0
    cli = run_cli("predict", "--model", str(small_model_path), str(src))
    assert out.read_bytes() == cli.stdout
