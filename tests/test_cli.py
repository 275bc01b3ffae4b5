"""The command-line contract, driven as a user drives it: real processes on real files."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from conftest import EXAMPLES, TEAM_CORPUS, run_cli


def _jsonl(stdout: bytes) -> list[dict]:
    return [json.loads(line) for line in stdout.decode("utf-8").splitlines()]


def _check_prediction(row: dict, text: str) -> None:
    assert row["text"] == text
    assert 0.0 <= row["probability"] <= 1.0
    assert row["label"] in ("loaded", "neutral")
    weights = [c["weight"] for c in row["cues"]]
    assert weights == sorted(weights, reverse=True)
    for cue in row["cues"]:
        assert text[cue["start"]:cue["end"]] == cue["text"]


SENTENCES = [
    "The senator's outrageous scheme is a disgrace to the nation.",
    "The committee will meet on Tuesday to discuss the budget.",
    'Critics slammed the "reform" as a cynical power grab.',
]


def test_train_writes_model_and_card(small_model_path):
    card = json.loads(small_model_path.with_name("small.card.json").read_text())
    assert card["format"] == "framing-model"
    assert card["training_data"]["sentences"] == 40
    assert 0 < card["threshold"] < 1
    assert len(card["artifact"]["sha256"]) == 64
    assert str(TEAM_CORPUS) in card["training_data"]["files"]


@pytest.mark.parametrize("suffix", ["jsonl", "csv", "txt"])
def test_predict_each_input_format_in_order(tmp_path, small_model_path, suffix):
    path = tmp_path / f"in.{suffix}"
    if suffix == "jsonl":
        path.write_text("".join(json.dumps({"text": t, "id": i}) + "\n" for i, t in enumerate(SENTENCES)))
    elif suffix == "csv":
        with open(path, "w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["id", "text"])
            w.writerows(enumerate(SENTENCES))
    else:
        path.write_text("\n".join(SENTENCES))  # no final newline on purpose
    result = run_cli("predict", "--model", str(small_model_path), str(path))
    assert result.returncode == 0, result.stderr.decode()
    rows = _jsonl(result.stdout)
    assert len(rows) == len(SENTENCES)
    for row, text in zip(rows, SENTENCES):
        _check_prediction(row, text)


def test_predict_stdin_and_output_file(tmp_path, small_model_path):
    out = tmp_path / "out.jsonl"
    result = run_cli("predict", "--model", str(small_model_path), "-", "--output", str(out),
                     input="\n".join(SENTENCES) + "\n")
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout == b""
    rows = _jsonl(out.read_bytes())
    assert [r["text"] for r in rows] == SENTENCES


def test_predict_is_deterministic_across_training_runs(tmp_path, small_model_path, lexicons_dir):
    """Same corpus, parameters and seed: the same model and identical predictions."""
    again = tmp_path / "again.framing"
    assert run_cli("train", "--corpus", str(TEAM_CORPUS), "--out", str(again), "--lexicons", str(lexicons_dir)).returncode == 0
    first = run_cli("predict", "--model", str(small_model_path), "-", input="\n".join(SENTENCES))
    second = run_cli("predict", "--model", str(again), "-", input="\n".join(SENTENCES))
    assert first.stdout == second.stdout
    # The artifact's bytes are not compared (a table built from a set can follow
    # Python's per-process string hashing), so compare what the model is: the
    # card's figures and parameters.
    card = lambda p: {k: v for k, v in json.loads(p.with_suffix("").with_suffix(".card.json").read_text()).items()
                      if k not in ("artifact", "training_data")}
    assert card(again) == card(small_model_path)


def test_score_json_offsets_point_into_the_article(small_model_path):
    article = EXAMPLES / "loaded.txt"
    result = run_cli("score", "--model", str(small_model_path), "--format", "json", str(article))
    assert result.returncode == 0, result.stderr.decode()
    doc = json.loads(result.stdout)
    text = article.read_text(encoding="utf-8")
    assert doc["file"] == str(article)
    assert 0 <= doc["score"] <= 1 and doc["label"] in ("loaded", "neutral")
    assert doc["sentences"][0]["index"] == 0
    for s in doc["sentences"]:
        assert text[s["start"]:s["end"]] == s["text"]
        assert isinstance(s["quoted"], bool)
        for cue in s["cues"]:
            assert text[cue["start"]:cue["end"]] == cue["text"]
            assert s["start"] <= cue["start"] < cue["end"] <= s["end"]


def test_score_several_articles_gives_a_list(small_model_path):
    result = run_cli("score", "--model", str(small_model_path), "--format", "json",
                     str(EXAMPLES / "loaded.txt"), str(EXAMPLES / "neutral.txt"))
    assert result.returncode == 0, result.stderr.decode()
    docs = json.loads(result.stdout)
    assert [Path(d["file"]).name for d in docs] == ["loaded.txt", "neutral.txt"]


def test_score_table_is_readable(small_model_path):
    result = run_cli("score", "--model", str(small_model_path), str(EXAMPLES / "neutral.txt"))
    assert result.returncode == 0, result.stderr.decode()
    out = result.stdout.decode()
    assert "Council Approves New Parking Charges" in out
    assert "score" in out.lower()


def test_table_and_compare_name_a_file_whose_name_looks_like_markup(tmp_path, small_model_path):
    # rich reads "[b]" as markup: the name must be printed as given, not styled away.
    named = tmp_path / "notes[b]draft.txt"
    named.write_bytes((EXAMPLES / "loaded.txt").read_bytes())
    for command in (("score",), ("compare", str(EXAMPLES / "neutral.txt"))):
        # Run where the file is, so the name is short enough for the rules and tables not to cut it.
        result = run_cli(*command, "--model", str(small_model_path), named.name, cwd=tmp_path)
        assert result.returncode == 0, result.stderr.decode()
        assert "notes[b]draft.txt" in result.stdout.decode()


@pytest.mark.parametrize("encoding,newline", [("latin-1", "\n"), ("cp1252", "\r\n"), ("utf-8-sig", "\r\n")])
def test_score_accepts_legacy_encodings_and_crlf(tmp_path, small_model_path, encoding, newline):
    text = "Café owners slam “ruinous” rent rises\n\nRents rose 4% in the year to March, the agency said."
    path = tmp_path / "legacy.txt"
    path.write_bytes(text.replace("\n", newline).encode(encoding, errors="replace"))
    result = run_cli("score", "--model", str(small_model_path), "--format", "json", str(path))
    assert result.returncode == 0, result.stderr.decode()
    doc = json.loads(result.stdout)
    assert doc["sentences"][0]["text"].startswith("Caf")
    assert len(doc["sentences"]) == 2


def test_evaluate_held_out_writes_metrics_and_plots(tmp_path, small_model_path):
    metrics, plots = tmp_path / "m.json", tmp_path / "plots"
    result = run_cli("evaluate", "--model", str(small_model_path), "--corpus", str(TEAM_CORPUS),
                     "--metrics", str(metrics), "--plots", str(plots))
    assert result.returncode == 0, result.stderr.decode()
    assert "training data" in result.stderr.decode()  # warned: not held-out
    m = json.loads(metrics.read_text())["held_out"]
    for key in ("macro_f1", "roc_auc", "pr_auc", "brier", "per_class", "confusion_matrix"):
        assert key in m
    assert sum(map(sum, m["confusion_matrix"]["matrix"])) == 40
    for name in ("roc", "precision_recall", "calibration", "confusion"):
        assert json.loads((plots / f"{name}.json").read_text())


def test_evaluate_cross_validation_reports_spread_and_baseline(tmp_path, small_model_path, lexicons_dir):
    metrics = tmp_path / "cv.json"
    result = run_cli("evaluate", "--model", str(small_model_path), "--corpus", str(TEAM_CORPUS), "--cv", "2",
                     "--lexicons", str(lexicons_dir), "--metrics", str(metrics))
    assert result.returncode == 0, result.stderr.decode()
    m = json.loads(metrics.read_text())
    assert len(m["model"]["per_fold"]) == 2
    assert {"mean", "std"} <= set(m["model"]["summary"]["macro_f1"])
    assert "baseline" in m and len(m["baseline"]["per_fold"]) == 2
    assert "baseline" in result.stdout.decode()


def test_train_reads_the_train_section_of_params_yaml(tmp_path, lexicons_dir):
    params = tmp_path / "params.yaml"
    params.write_text("prepare:\n  dedupe: true\ntrain:\n  seed: 3\n  kind: static\n"
                      "  model:\n    use_embedding: false\n    C: 0.5\nevaluate:\n  folds: 2\n")
    out = tmp_path / "m.framing"
    result = run_cli("train", "--corpus", str(TEAM_CORPUS), "--params", str(params), "--out", str(out),
                     "--lexicons", str(lexicons_dir))
    assert result.returncode == 0, result.stderr.decode()
    card = json.loads((tmp_path / "m.card.json").read_text())
    assert card["seed"] == 3 and card["kind"] == "static" and card["tier"] == "fast"
    assert card["parameters"] == {"use_embedding": False, "C": 0.5}


def test_train_refuses_an_unknown_kind(tmp_path):
    from conftest import assert_one_line_error

    params = tmp_path / "params.yaml"
    params.write_text("train:\n  kind: telepathic\n", encoding="utf-8")
    result = run_cli("train", "--corpus", str(TEAM_CORPUS), "--params", str(params), "--out", str(tmp_path / "m.framing"))
    assert_one_line_error(result, "unknown model kind 'telepathic'")


def test_a_usage_error_is_one_line_with_the_exit_code_of_usage_errors():
    result = run_cli("score", "--no-such-option", "a.txt")
    assert result.returncode == 2 and "Traceback" not in result.stderr.decode()
    assert "No such option" in result.stderr.decode() and "unexpected" not in result.stderr.decode()


def _train_args(tmp_path: Path, **given: str) -> list[str]:
    """`framing train` on the team's corpus into tmp_path, with ``given`` options (--name: value) replacing the defaults."""
    options = {"--corpus": str(TEAM_CORPUS), "--out": str(tmp_path / "m.framing"), **given}
    return ["train", *[x for pair in options.items() for x in pair]]


BAD_TRAIN_ARGUMENTS = {
    # issue 27: refused only after an 18-minute fine-tune, when the model was written
    "accurate --out not .framing": ({"--tier": "accurate", "--out": "{tmp}/m.joblib"}, "must end in .framing"),
    "--out not .framing": ({"--out": "{tmp}/m.joblib"}, "must end in .framing"),
    "--out a folder": ({"--out": "{tmp}/folder.framing"}, "is a directory"),
    "--out under a file": ({"--out": "{tmp}/file.txt/m.framing"}, "not a folder"),
    "--corpus missing": ({"--corpus": "{tmp}/none.csv"}, "no such corpus file"),
    "--extra-train missing": ({"--extra-train": "{tmp}/none.csv"}, "no such corpus file"),
    "a typo in params": ({"--params": "{tmp}/typo.yaml"}, "unknown model parameter Cx"),
    "a typo in the finetune section": ({"--tier": "accurate", "--params": "{tmp}/typo-finetune.yaml"},
                                       "unknown model parameter epoch "),
    "--encoder missing": ({"--tier": "accurate", "--encoder": "{tmp}/none"}, "no such encoder folder"),
    "--encoder-run not a run": ({"--tier": "accurate", "--encoder-run": "{tmp}"}, "not a fine-tuning run folder"),
}


@pytest.mark.parametrize("case", list(BAD_TRAIN_ARGUMENTS))
def test_train_checks_every_argument_before_any_work(tmp_path, case):
    from conftest import assert_one_line_error

    given, needle = BAD_TRAIN_ARGUMENTS[case]
    if given.get("--tier") == "accurate":
        pytest.importorskip("torch")  # the accurate tier's trainer is imported to check its options
    (tmp_path / "folder.framing").mkdir()
    (tmp_path / "file.txt").write_text("not a folder\n")
    (tmp_path / "typo.yaml").write_text("train:\n  model:\n    Cx: 1.0\n")
    (tmp_path / "typo-finetune.yaml").write_text("finetune:\n  epoch: 1\n")
    before = sorted(tmp_path.iterdir())
    result = run_cli(*_train_args(tmp_path, **{k: v.format(tmp=tmp_path) for k, v in given.items()}))
    # One line and nothing else: not even the corpus summary, the first thing training prints.
    assert_one_line_error(result, needle)
    assert sorted(tmp_path.iterdir()) == before


def test_help_shows_flags_without_a_value_type():
    for args in (["--help"], ["train", "--help"], ["evaluate", "--help"]):
        result = run_cli(*args)
        out = result.stdout.decode()
        assert result.returncode == 0, result.stderr.decode()
        assert "--help" in out and "<bool>" not in out, out
    assert "--version" in run_cli("--help").stdout.decode()
