"""`framing predict` at scale: streaming, parallel and Dask runs agree; bad lines are found by number.

Real command lines on real files. Speed and memory are measured in
benchmarks/throughput.py, not here.
"""

from __future__ import annotations

import csv
import io
import json
import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import TEAM_CORPUS, assert_ok, assert_one_line_error, run_cli, run_on_terminal
from framing import batch
from framing.errors import FramingError


def _team_sentences() -> list[str]:
    with open(TEAM_CORPUS, encoding="utf-8", newline="") as fh:
        return [row["text"] for row in csv.DictReader(fh)]


def _archive(n: int, seed: int = 0) -> list[str]:
    """n news-like sentences: the team corpus recombined, so texts (and cues) vary."""
    pool = _team_sentences()
    rng = random.Random(seed)
    out = []
    for i in range(n):
        a, b = rng.choice(pool), rng.choice(pool)
        out.append(f"{a[:-1]}, and {b[0].lower()}{b[1:]}" if i % 3 == 0 else a)
    return out


def _write_jsonl(path: Path, texts: list[str]) -> Path:
    with open(path, "w", encoding="utf-8") as fh:
        for i, t in enumerate(texts):
            fh.write(json.dumps({"id": i, "text": t}) + "\n")
    return path


def _rows(data: bytes) -> list[dict]:
    return [json.loads(line) for line in data.decode("utf-8").splitlines()]


TEXTS = _archive(800)


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Path:
    return _write_jsonl(tmp_path_factory.mktemp("archive") / "archive.jsonl", TEXTS)


@pytest.fixture(scope="module")
def local_output(archive, small_model_path) -> bytes:
    """The reference: one process, default chunks."""
    return assert_ok(run_cli("predict", "--model", str(small_model_path), str(archive))).stdout


def test_streamed_output_is_one_row_per_input_in_order(local_output):
    rows = _rows(local_output)
    assert [r["text"] for r in rows] == TEXTS
    for row in rows:
        assert row["label"] in ("loaded", "neutral")
        for cue in row["cues"]:
            assert row["text"][cue["start"]:cue["end"]] == cue["text"]


def test_n_jobs_output_equals_one_job(archive, small_model_path, local_output, tmp_path):
    out = tmp_path / "two.jsonl"
    # Small chunks so both workers get many of them and finish out of order.
    assert_ok(run_cli("predict", "--model", str(small_model_path), str(archive), "--n-jobs", "2",
                "--chunk-size", "37", "--output", str(out)))
    assert out.read_bytes() == local_output


def test_dask_backend_output_equals_local(archive, small_model_path, local_output, dask_scheduler, tmp_path):
    out = tmp_path / "dask.jsonl"
    assert_ok(run_cli("predict", "--model", str(small_model_path), str(archive), "--backend", "dask",
                "--scheduler", dask_scheduler, "--chunk-size", "100", "--output", str(out)))
    assert out.read_bytes() == local_output


def test_dask_backend_through_the_api(archive, small_model, local_output, dask_scheduler, tmp_path):
    import framing

    out = tmp_path / "dask.jsonl"
    result = framing.predict_file(archive, out, model=small_model, backend="dask", scheduler=dask_scheduler,
                                  chunk_size=200)
    assert result.sentences == len(TEXTS)
    assert out.read_bytes() == local_output


def test_dask_missing_says_how_to_install(tmp_path, small_model_path, archive):
    # A dask that cannot be imported, ahead of the real one on the path.
    for name in ("dask", "distributed"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "__init__.py").write_text("raise ImportError('not installed')\n")
    result = run_cli("predict", "--model", str(small_model_path), str(archive), "--backend", "dask",
                     env={"PYTHONPATH": str(tmp_path)})
    assert_one_line_error(result, "pip install", "framing[dask]")
    assert result.stdout == b""


def test_csv_output_carries_the_same_predictions(archive, small_model_path, local_output, tmp_path):
    out = tmp_path / "scored.csv"
    assert_ok(run_cli("predict", "--model", str(small_model_path), str(archive), "--output", str(out), "-j", "2"))
    with open(out, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == ["text", "probability", "label", "cues"]
    expected = _rows(local_output)
    assert len(rows) == len(expected)
    for got, want in zip(rows, expected):
        assert got["text"] == want["text"]
        assert float(got["probability"]) == want["probability"]
        assert got["label"] == want["label"]
        assert json.loads(got["cues"]) == want["cues"]


# -- malformed input -----------------------------------------------------------------

BAD_AT = 6001


@pytest.fixture(scope="module")
def bad_archive(tmp_path_factory) -> Path:
    """10,000 lines with a broken one in the middle and a wrong-shaped one later."""
    texts = _archive(10_000, seed=1)
    path = tmp_path_factory.mktemp("bad") / "bad.jsonl"
    lines = [json.dumps({"text": t}) for t in texts]
    lines[BAD_AT - 1] = '{"text": "an unterminated string}'
    lines[8000 - 1] = '["a list, not an object"]'
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_malformed_line_is_reported_by_number_and_nothing_is_written(bad_archive, small_model_path, tmp_path):
    result = run_cli("predict", "--model", str(small_model_path), str(bad_archive))
    assert_one_line_error(result, f"{bad_archive}:{BAD_AT}:", "not valid JSON")
    # Checked before scoring: a file's bad line leaves stdout empty, not a half-scored prefix.
    assert result.stdout == b""

    out = tmp_path / "scored.jsonl"
    out.write_text("previous good output\n")
    result = run_cli("predict", "--model", str(small_model_path), str(bad_archive), "-o", str(out), "-j", "2")
    assert_one_line_error(result, f"{bad_archive}:{BAD_AT}:")
    assert out.read_text() == "previous good output\n"
    assert [p.name for p in tmp_path.iterdir()] == ["scored.jsonl"]


def test_malformed_line_on_stdin_stops_after_the_records_before_it(bad_archive, small_model_path):
    result = run_cli("predict", "--model", str(small_model_path), "-", "--input-format", "jsonl", "-j", "2",
                     "--chunk-size", "700", input=bad_archive.read_bytes())
    assert_one_line_error(result, f"-:{BAD_AT}:")
    rows = _rows(result.stdout)
    assert len(rows) == BAD_AT - 1
    assert rows[-1]["text"] == json.loads(bad_archive.read_text().splitlines()[BAD_AT - 2])["text"]


def test_skip_invalid_skips_and_counts(bad_archive, small_model_path):
    result = assert_ok(run_cli("predict", "--model", str(small_model_path), str(bad_archive), "--skip-invalid"))
    good = []
    for line in bad_archive.read_text().splitlines():
        try:
            obj = json.loads(line)
        except ValueError:
            continue
        if isinstance(obj, dict):
            good.append(obj["text"])
    assert [r["text"] for r in _rows(result.stdout)] == good
    err = result.stderr.decode()
    assert "skipped 2 invalid lines" in err and f"{bad_archive}:{BAD_AT}:" in err


def test_csv_row_with_wrong_field_count_is_named_by_its_first_line(tmp_path, small_model_path):
    path = tmp_path / "in.csv"
    # Line 2-3 is one record (a quoted line break); line 4 has an unquoted comma.
    path.write_text('id,text\n1,"A quoted\nline break."\n2,Taxes rose, said officials\n3,Fine.\n', encoding="utf-8")
    result = run_cli("predict", "--model", str(small_model_path), str(path))
    assert_one_line_error(result, f"{path}:4:", "3 fields", "header has 2")
    result = assert_ok(run_cli("predict", "--model", str(small_model_path), str(path), "--skip-invalid"))
    assert [r["text"] for r in _rows(result.stdout)] == ["A quoted\nline break.", "Fine."]


# -- progress --------------------------------------------------------------------------

def test_progress_bar_on_a_terminal_only(archive, small_model_path, tmp_path):
    quiet = assert_ok(run_cli("predict", "--model", str(small_model_path), str(archive), "-o", str(tmp_path / "a.jsonl")))
    assert quiet.stderr == b""

    code, text = run_on_terminal("predict", "--model", str(small_model_path), str(archive),
                                 "-o", str(tmp_path / "b.jsonl"), "--chunk-size", "100")
    assert code == 0
    assert f"{len(TEXTS):,} sentences" in text
    assert "sentences/s" in text
    assert "100%" in text
    assert (tmp_path / "b.jsonl").read_bytes() == (tmp_path / "a.jsonl").read_bytes()


# -- invariants ------------------------------------------------------------------------

# Texts a user could put in each format. TXT has one sentence per line, so no
# line breaks; control characters would make the input look binary.
_chars = st.characters(blacklist_categories=("Cs", "Cc", "Cf"))
_text = st.text(_chars, min_size=1, max_size=60).filter(lambda s: s.strip() == s and s.strip())
_multiline = st.text(st.one_of(_chars, st.sampled_from(["\n", ",", '"', "\t"])), min_size=1, max_size=60).filter(
    lambda s: s.strip())


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(texts=st.lists(_text, min_size=0, max_size=20), multiline=st.lists(_multiline, min_size=0, max_size=20))
def test_every_format_reads_back_what_was_written(tmp_path, texts, multiline):
    txt = tmp_path / "in.txt"
    txt.write_text("\n".join(texts) + "\n", encoding="utf-8")
    assert [t for _, t in batch.iter_records(txt)] == texts

    jsonl = _write_jsonl(tmp_path / "in.jsonl", multiline)
    assert [t for _, t in batch.iter_records(jsonl)] == multiline

    path = tmp_path / "in.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["text", "id"])
        writer.writerows((t, i) for i, t in enumerate(multiline))
    records = list(batch.iter_records(path))
    assert [t for _, t in records] == multiline
    # Line numbers point at where each record starts in the file.
    physical = path.read_text(encoding="utf-8").split("\n")
    for i, (number, text) in enumerate(records):
        assert physical[number - 1] == _csv_record(text, i).split("\n")[0]


def _csv_record(text: str, i: int) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow((text, i))
    return buffer.getvalue()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(texts=st.lists(st.sampled_from(_archive(60, seed=2)), min_size=1, max_size=40),
       chunk_size=st.integers(1, 50))
def test_chunking_never_changes_the_output(tmp_path, small_model, texts, chunk_size):
    path = _write_jsonl(tmp_path / "in.jsonl", texts)
    out = io.StringIO()
    result = batch.predict_file(path, None, model=small_model, chunk_size=chunk_size, stdout=out, progress=False)
    assert result.sentences == len(texts)
    assert out.getvalue() == batch.render(small_model.predict(texts))


def test_bad_options_are_one_line_errors(archive, small_model_path):
    for args, needle in ((["--n-jobs", "0"], "--n-jobs"), (["--scheduler", "tcp://127.0.0.1:1"], "--backend dask"),
                         (["--chunk-size", "0"], "--chunk-size")):
        assert_one_line_error(run_cli("predict", "--model", str(small_model_path), str(archive), *args), needle)


def test_reading_a_missing_file_is_a_framing_error(tmp_path):
    with pytest.raises(FramingError, match="no such file"):
        batch.InputStream(tmp_path / "nope.jsonl")
