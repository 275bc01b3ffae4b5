"""Bad input: one line on stderr naming the file (and line), a non-zero exit, no traceback,
and nothing the user had is lost or half-written."""

from __future__ import annotations

import json

import pytest

from conftest import assert_one_line_error, run_cli


def test_missing_article(small_model_path, tmp_path):
    missing = tmp_path / "nope.txt"
    assert_one_line_error(run_cli("score", "--model", str(small_model_path), str(missing)), str(missing))


@pytest.mark.parametrize("content", [b"", b"   \n\n \t\n"])
def test_empty_or_blank_article(small_model_path, tmp_path, content):
    path = tmp_path / "empty.txt"
    path.write_bytes(content)
    assert_one_line_error(run_cli("score", "--model", str(small_model_path), str(path)), str(path), "empty")


def test_binary_article(small_model_path, tmp_path):
    path = tmp_path / "photo.txt"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    assert_one_line_error(run_cli("score", "--model", str(small_model_path), str(path)), str(path), "binary")


def test_directory_as_article(small_model_path, tmp_path):
    assert_one_line_error(run_cli("score", "--model", str(small_model_path), str(tmp_path)), str(tmp_path), "directory")


def test_one_bad_article_among_good_ones(small_model_path, tmp_path, repo):
    good = repo / "examples" / "neutral.txt"
    bad = tmp_path / "missing.txt"
    result = run_cli("score", "--model", str(small_model_path), "--format", "json", str(good), str(bad))
    assert result.returncode != 0
    assert str(bad) in result.stderr.decode()
    assert "Traceback" not in result.stderr.decode()
    docs = json.loads(result.stdout)
    assert [d["file"] for d in docs] == [str(good)]


def test_corrupt_model(small_model_path, tmp_path):
    bad = tmp_path / "bad.framing"
    data = bytearray(small_model_path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    bad.write_bytes(bytes(data))
    (tmp_path / "bad.card.json").write_text(small_model_path.with_name("small.card.json").read_text())
    assert_one_line_error(run_cli("predict", "--model", str(bad), "-", input="A sentence."), str(bad), "corrupt")


def test_foreign_model_file(tmp_path):
    foreign = tmp_path / "foreign.framing"
    foreign.write_text("this is not a model")
    assert_one_line_error(run_cli("predict", "--model", str(foreign), "-", input="A sentence."), str(foreign))


def test_truncated_model_with_no_card(small_model_path, tmp_path):
    trunc = tmp_path / "trunc.framing"
    trunc.write_bytes(small_model_path.read_bytes()[:100])
    assert_one_line_error(run_cli("predict", "--model", str(trunc), "-", input="A sentence."), str(trunc))


def test_corpus_with_bad_label(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("text,label\nA calm sentence.,neutral\nAn awful sentence.,awful\n")
    out = tmp_path / "m.framing"
    line = assert_one_line_error(run_cli("train", "--corpus", str(path), "--out", str(out)), f"{path}:3")
    assert "label" in line
    assert not out.exists()


def test_corpus_with_missing_column(tmp_path):
    path = tmp_path / "nolabel.csv"
    path.write_text("text\nA calm sentence.\n")
    assert_one_line_error(run_cli("train", "--corpus", str(path), "--out", str(tmp_path / "m.framing")), str(path))


def test_jsonl_line_that_does_not_parse(small_model_path, tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_text('{"text": "Fine."}\n{"text": "Broken\n{"text": "Also fine."}\n')
    out = tmp_path / "out.jsonl"
    assert_one_line_error(run_cli("predict", "--model", str(small_model_path), str(path), "--output", str(out)),
                          f"{path}:2")
    assert not out.exists()


def test_failed_predict_keeps_the_previous_output(small_model_path, tmp_path):
    out = tmp_path / "out.jsonl"
    out.write_text("previous results\n")
    path = tmp_path / "in.jsonl"
    path.write_text('{"text": "Fine."}\nnot json\n')
    result = run_cli("predict", "--model", str(small_model_path), str(path), "--output", str(out))
    assert result.returncode != 0
    assert out.read_text() == "previous results\n"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out")] == []


def test_failed_training_keeps_the_previous_model(small_model_path, tmp_path):
    target = tmp_path / "model.framing"
    target.write_bytes(small_model_path.read_bytes())
    card = small_model_path.with_name("small.card.json")
    (tmp_path / "model.card.json").write_text(card.read_text())
    bad = tmp_path / "bad.csv"
    bad.write_text("text,label\n,loaded\n")
    result = run_cli("train", "--corpus", str(bad), "--out", str(target))
    assert result.returncode != 0
    assert target.read_bytes() == small_model_path.read_bytes()
