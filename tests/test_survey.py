"""`framing survey`: a corpus of articles in, per-group scores with their uncertainty out.

Real command lines on real files (JSONL, CSV, a folder), with the small model
trained on the team's corpus. Speed and memory are measured in
benchmarks/survey.py, not here.
"""

from __future__ import annotations

import csv
import json
import os
import random
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import LEXICONS, REPO, TEAM_CORPUS, assert_ok, assert_one_line_error, run_cli, run_on_terminal
from framing import survey
from framing.survey import Summary, bootstrap_ci, distinctive_words, month_of

OUTLETS = ("Daily Courier", "Morning Post", "The Ledger")


def _team_rows() -> list[dict]:
    with open(TEAM_CORPUS, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _articles(n: int, seed: int = 0) -> list[dict]:
    """n articles: a headline and a few sentences of the team corpus each.

    The Morning Post draws mostly loaded sentences, the Ledger mostly neutral
    ones, so the groups differ; dates run over six months of 2023.
    """
    rows = _team_rows()
    loaded = [r["text"] for r in rows if r["label"] == "loaded"]
    neutral = [r["text"] for r in rows if r["label"] == "neutral"]
    rng = random.Random(seed)
    out = []
    for i in range(n):
        outlet = OUTLETS[i % 3]
        p_loaded = {"Daily Courier": 0.5, "Morning Post": 0.85, "The Ledger": 0.15}[outlet]
        body = [rng.choice(loaded if rng.random() < p_loaded else neutral) for _ in range(rng.randint(3, 7))]
        title = rng.choice(loaded if rng.random() < p_loaded else neutral).rstrip(".")
        out.append({"id": i, "outlet": outlet, "date": f"2023-{1 + i % 6:02d}-{1 + i % 28:02d}",
                    "title": title, "text": "\n\n".join(body)})
    return out


def _write_jsonl(path: Path, rows: list[dict]) -> Path:
    with open(path, "w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    return path


def _read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


ARTICLES = _articles(60)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    return _write_jsonl(tmp_path_factory.mktemp("corpus") / "news.jsonl", ARTICLES)


@pytest.fixture(scope="module")
def local_run(corpus, small_model_path, tmp_path_factory) -> Path:
    """The reference: one process, --by outlet --by month."""
    out = tmp_path_factory.mktemp("survey") / "out"
    assert_ok(run_cli("survey", str(corpus), "--model", str(small_model_path), "--by", "outlet", "--by", "month",
                "--output", str(out)))
    return out


def _outputs(folder: Path) -> dict[str, bytes]:
    return {name: (folder / name).read_bytes() for name in (survey.ARTICLES, survey.SUMMARY_CSV, survey.SUMMARY_JSON)}


def test_articles_keep_their_fields_in_input_order(local_run):
    rows = _read_jsonl(local_run / survey.ARTICLES)
    assert [r["id"] for r in rows] == [a["id"] for a in ARTICLES]
    for row, article in zip(rows, ARTICLES):
        assert {k: row[k] for k in ("outlet", "date", "title")} == {k: article[k] for k in ("outlet", "date", "title")}
        assert "text" not in row
        assert 0 <= row["score"] <= 1 and row["verdict"] in survey.BANDS
        assert row["sentences"] >= row["own_sentences"] >= row["own_loaded"] >= 0
        assert all(isinstance(c, int) and c > 0 for c in row["cues"].values())
    # Nothing is left behind but the outputs.
    assert sorted(p.name for p in local_run.iterdir()) == sorted(_outputs(local_run))


def test_summary_is_computed_from_the_articles(local_run):
    rows = _read_jsonl(local_run / survey.ARTICLES)
    summary = json.loads((local_run / survey.SUMMARY_JSON).read_text())
    by_group: dict[tuple, list[dict]] = {}
    for r in rows:
        by_group.setdefault((r["outlet"], r["date"][:7]), []).append(r)
    assert [tuple(g["group"].values()) for g in summary["groups"]] == sorted(by_group)
    assert sum(g["articles"] for g in summary["groups"]) == summary["articles"] == len(ARTICLES)
    for g in summary["groups"]:
        members = by_group[tuple(g["group"].values())]
        assert g["articles"] == len(members)
        assert g["mean_score"] == pytest.approx(np.mean([m["score"] for m in members]), abs=1e-4)
        assert g["ci_low"] <= g["mean_score"] <= g["ci_high"]
        verdicts = Counter(m["verdict"] for m in members)
        assert g["band_counts"] == {b: verdicts[b] for b in summary["bands"]}
        cues = Counter()
        for m in members:
            cues.update(m["cues"])
        for word in g["distinctive_cues"]:
            assert word["count"] == cues[word["word"]] > 0
    with open(local_run / survey.SUMMARY_CSV, encoding="utf-8", newline="") as fh:
        table = list(csv.DictReader(fh))
    assert [(r["outlet"], r["month"]) for r in table] == sorted(by_group)
    for r, g in zip(table, summary["groups"]):
        assert int(r["articles"]) == g["articles"] and float(r["ci_low"]) == g["ci_low"]
        assert float(r["share_high"]) == g["band_shares"]["high"]


def test_the_loaded_outlet_scores_higher_with_its_own_words(corpus, small_model_path, tmp_path):
    out = tmp_path / "by-outlet"
    result = assert_ok(run_cli("survey", str(corpus), "--model", str(small_model_path), "--by", "outlet", "-o", str(out)))
    groups = {g["group"]["outlet"]: g for g in json.loads((out / survey.SUMMARY_JSON).read_text())["groups"]}
    assert groups["Morning Post"]["mean_score"] > groups["The Ledger"]["mean_score"]
    assert groups["Morning Post"]["ci_low"] > groups["The Ledger"]["ci_high"]
    assert groups["Morning Post"]["distinctive_cues"]
    assert "Morning Post: 20 articles" in result.stdout.decode()


def test_an_article_is_scored_as_score_scores_it(corpus, small_model_path, local_run, tmp_path):
    article = ARTICLES[4]
    txt = tmp_path / "article.txt"
    txt.write_text(article["title"] + "\n" + article["text"], encoding="utf-8")
    scored = json.loads(assert_ok(run_cli("score", "--model", str(small_model_path), "--format", "json", str(txt))).stdout)
    row = _read_jsonl(local_run / survey.ARTICLES)[4]
    assert (row["score"], row["quoted_score"], row["verdict"]) == (scored["score"], scored["quoted_score"],
                                                                   scored["verdict"])
    assert (row["own_sentences"], row["own_loaded"]) == (scored["own_sentences"], scored["own_loaded"])


def test_csv_gives_the_jsonl_figures(corpus, small_model_path, local_run, tmp_path):
    path = tmp_path / "news.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(ARTICLES[0]))
        writer.writeheader()
        writer.writerows(ARTICLES)
    out = tmp_path / "out"
    assert_ok(run_cli("survey", str(path), "--model", str(small_model_path), "--by", "outlet", "--by", "month",
                "-o", str(out)))
    got, want = _read_jsonl(out / survey.ARTICLES), _read_jsonl(local_run / survey.ARTICLES)
    assert [r["id"] for r in got] == [str(a["id"]) for a in ARTICLES]  # CSV fields are text
    assert [r["score"] for r in got] == [r["score"] for r in want]
    assert (out / survey.SUMMARY_CSV).read_bytes() == (local_run / survey.SUMMARY_CSV).read_bytes()


def test_a_folder_of_txt_and_html_files(small_model_path, tmp_path):
    root = tmp_path / "articles"
    for i, article in enumerate(ARTICLES[:6]):
        sub = root / article["outlet"].replace(" ", "-")
        sub.mkdir(parents=True, exist_ok=True)
        (sub / f"{i}.txt").write_text(article["title"] + "\n" + article["text"], encoding="utf-8")
    paragraphs = "".join(f"<p>{p}</p>" for p in ARTICLES[7]["text"].split("\n\n"))
    (root / "page.html").write_text(f"<html><head><title>{ARTICLES[7]['title']}</title></head><body><article>"
                                    f"<h1>{ARTICLES[7]['title']}</h1>{paragraphs}</article></body></html>")
    (root / "notes.md").write_text("not an article")
    out = tmp_path / "out"
    assert_ok(run_cli("survey", str(root), "--model", str(small_model_path), "--by", "folder", "-o", str(out)))
    rows = _read_jsonl(out / survey.ARTICLES)
    assert [(r["folder"], r["file"]) for r in rows] == [
        (".", "page.html"), ("Daily-Courier", "0.txt"), ("Daily-Courier", "3.txt"), ("Morning-Post", "1.txt"),
        ("Morning-Post", "4.txt"), ("The-Ledger", "2.txt"), ("The-Ledger", "5.txt")]
    summary = json.loads((out / survey.SUMMARY_JSON).read_text())
    assert [g["group"]["folder"] for g in summary["groups"]] == [".", "Daily-Courier", "Morning-Post", "The-Ledger"]
    # A folder's articles have no outlet field to group by.
    assert_one_line_error(run_cli("survey", str(root), "--model", str(small_model_path), "--by", "outlet",
                                  "-o", str(tmp_path / "x")), "folder and file")


# -- parallel runs ---------------------------------------------------------------------

def test_n_jobs_gives_the_local_outputs(corpus, small_model_path, local_run, tmp_path):
    out = tmp_path / "two"
    # Small chunks so both workers get many of them and finish out of order.
    assert_ok(run_cli("survey", str(corpus), "--model", str(small_model_path), "--by", "outlet", "--by", "month",
                "-o", str(out), "--n-jobs", "2", "--chunk-size", "3"))
    assert _outputs(out) == _outputs(local_run)


def test_dask_gives_the_local_outputs(corpus, small_model_path, local_run, dask_scheduler, tmp_path):
    out = tmp_path / "dask"
    assert_ok(run_cli("survey", str(corpus), "--model", str(small_model_path), "--by", "outlet", "--by", "month",
                "-o", str(out), "--backend", "dask", "--scheduler", dask_scheduler, "--chunk-size", "5"))
    assert _outputs(out) == _outputs(local_run)


# -- interruption and --resume -----------------------------------------------------------

def test_interrupted_survey_keeps_old_outputs_and_resume_finishes_it(small_model_path, tmp_path):
    articles = _articles(1500, seed=3)
    source = _write_jsonl(tmp_path / "big.jsonl", articles)
    reference = tmp_path / "reference"
    assert_ok(run_cli("survey", str(source), "--model", str(small_model_path), "--by", "outlet", "-o", str(reference),
                "--chunk-size", "4"))

    out = tmp_path / "out"
    out.mkdir()
    for name in (survey.ARTICLES, survey.SUMMARY_CSV, survey.SUMMARY_JSON):
        (out / name).write_text(f"previous {name}\n")
    env = dict(os.environ, FRAMING_LEXICONS=str(LEXICONS))
    proc = subprocess.Popen([sys.executable, "-m", "framing", "survey", str(source), "--model", str(small_model_path),
                             "--by", "outlet", "-o", str(out), "--chunk-size", "4"],
                            cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    partial = out / survey.PARTIAL
    try:
        deadline = time.monotonic() + 180
        while not partial.exists() or partial.read_bytes().count(b"\n") < 40:
            assert proc.poll() is None, proc.stderr.read().decode()
            assert time.monotonic() < deadline, "the survey wrote no articles"
            time.sleep(0.05)
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 128 + signal.SIGTERM, err.decode()
    for name in (survey.ARTICLES, survey.SUMMARY_CSV, survey.SUMMARY_JSON):
        assert (out / name).read_text() == f"previous {name}\n"
    written = partial.read_bytes()
    assert written.endswith(b"\n") and 40 <= written.count(b"\n") < len(articles)
    # A kill -9 mid-write leaves half a line: it is dropped and scored again.
    with open(partial, "ab") as fh:
        fh.write(b'{"id": 12, "outlet": "Dai')

    resumed = assert_ok(run_cli("survey", str(source), "--model", str(small_model_path), "--by", "outlet", "-o", str(out),
                          "--chunk-size", "4", "--resume"))
    lines = written.count(b"\n")
    assert f"resuming after {lines:,} articles" in resumed.stderr.decode()
    assert _outputs(out) == _outputs(reference)
    assert not partial.exists() and not (out / survey.PARTIAL_META).exists()


def test_resume_refuses_a_partial_survey_of_another_input(corpus, small_model_path, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / survey.PARTIAL).write_text(json.dumps({"id": 0, "score": 0.5}) + "\n")
    (out / survey.PARTIAL_META).write_text(json.dumps({"input": "/elsewhere.jsonl"}))
    result = run_cli("survey", str(corpus), "--model", str(small_model_path), "-o", str(out), "--resume")
    assert_one_line_error(result, str(out / survey.PARTIAL), "without --resume")


# -- bad rows ------------------------------------------------------------------------------

@pytest.fixture()
def bad_corpus(tmp_path) -> Path:
    rows = [json.dumps({k: v for k, v in a.items()}) for a in ARTICLES[:12]]
    rows[4] = json.dumps({"outlet": "Daily Courier", "title": "No body"})
    rows[8] = json.dumps({"outlet": "The Ledger", "text": "   "})
    path = tmp_path / "bad.jsonl"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_a_row_without_text_stops_the_run_at_its_line(bad_corpus, small_model_path, tmp_path):
    out = tmp_path / "out"
    result = run_cli("survey", str(bad_corpus), "--model", str(small_model_path), "-o", str(out))
    assert_one_line_error(result, f"{bad_corpus}:5:", "text")
    assert not out.exists()


def test_skip_invalid_reports_and_skips(bad_corpus, small_model_path, tmp_path):
    out = tmp_path / "out"
    result = assert_ok(run_cli("survey", str(bad_corpus), "--model", str(small_model_path), "-o", str(out),
                         "--skip-invalid"))
    assert "skipped 2 invalid articles" in result.stderr.decode()
    assert f"{bad_corpus}:5:" in result.stderr.decode()
    assert [r["id"] for r in _read_jsonl(out / survey.ARTICLES)] == [a["id"] for i, a in enumerate(ARTICLES[:12])
                                                                     if i not in (4, 8)]


def test_an_unreadable_date_is_a_bad_row_when_grouping_by_month(small_model_path, tmp_path):
    rows = [dict(a) for a in ARTICLES[:5]]
    rows[2]["date"] = "last Tuesday"
    path = _write_jsonl(tmp_path / "dates.jsonl", rows)
    result = run_cli("survey", str(path), "--model", str(small_model_path), "--by", "month", "-o", str(tmp_path / "o"))
    assert_one_line_error(result, f"{path}:3:", "last Tuesday")
    # Without --by month the date is just a field.
    assert_ok(run_cli("survey", str(path), "--model", str(small_model_path), "-o", str(tmp_path / "o")))


def test_bad_options_are_one_line_errors(corpus, small_model_path, tmp_path):
    for args, needle in ((["--n-jobs", "0"], "--n-jobs"), (["--scheduler", "tcp://127.0.0.1:1"], "--backend dask"),
                         (["--chunk-size", "0"], "--chunk-size"), (["--by", "outlet", "--by", "outlet"], "--by")):
        assert_one_line_error(run_cli("survey", str(corpus), "--model", str(small_model_path),
                                      "-o", str(tmp_path / "o"), *args), needle)
    txt = tmp_path / "sentences.txt"
    txt.write_text("One sentence.\n")
    assert_one_line_error(run_cli("survey", str(txt), "--model", str(small_model_path)), ".jsonl or .csv")


# -- the chart ---------------------------------------------------------------------------

def test_plot_writes_a_png_and_a_self_contained_html(corpus, small_model_path, tmp_path):
    pytest.importorskip("matplotlib")
    out = tmp_path / "out"
    assert_ok(run_cli("survey", str(corpus), "--model", str(small_model_path), "--by", "outlet", "-o", str(out), "--plot"))
    assert (out / survey.PLOT_PNG).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    page = (out / survey.PLOT_HTML).read_text(encoding="utf-8")
    assert "<svg" in page and "Morning Post" in page
    # Nothing to fetch: no scripts, stylesheets or images by address; the only URLs are XML namespaces.
    assert "<script" not in page and "<link" not in page and "<img" not in page
    assert sorted(re.findall(r"https?://[^\"' ]+", page)) == ["http://www.w3.org/1999/xlink", "http://www.w3.org/2000/svg"]


def test_plot_without_matplotlib_says_what_to_install(corpus, small_model_path, tmp_path):
    (tmp_path / "matplotlib").mkdir()
    (tmp_path / "matplotlib" / "__init__.py").write_text("raise ImportError('not installed')\n")
    result = run_cli("survey", str(corpus), "--model", str(small_model_path), "-o", str(tmp_path / "o"), "--plot",
                     env={"PYTHONPATH": os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")])})
    assert_one_line_error(result, "pip install", "framing[plot]")


def test_progress_bar_with_an_eta_on_a_terminal(corpus, small_model_path, tmp_path):
    code, text = run_on_terminal("survey", str(corpus), "--model", str(small_model_path), "-o", str(tmp_path / "o"),
                                 "--chunk-size", "6")
    assert code == 0
    assert f"{len(ARTICLES)} articles" in text and "articles/s" in text and "100%" in text
    assert "of the input" not in text  # the bar, not the log's lines


def test_progress_in_a_log_is_plain_lines(corpus, small_model_path, tmp_path):
    result = assert_ok(run_cli("survey", str(corpus), "--model", str(small_model_path), "-o", str(tmp_path / "o"),
                         "--chunk-size", "6"))
    lines = [line for line in result.stderr.decode().splitlines() if "of the input" in line]
    assert len(lines) >= 5 and "100% of the input" in lines[-1] and "articles/s" in lines[-1]
    assert "\r" not in result.stderr.decode() and "\x1b[" not in result.stderr.decode()


# -- the statistics ---------------------------------------------------------------------

@settings(max_examples=60, deadline=None)
@given(values=st.lists(st.floats(0, 1), min_size=1, max_size=80), seed=st.integers(0, 2**32 - 1))
def test_bootstrap_interval_contains_the_mean_and_is_seeded(values, seed):
    lo, hi = bootstrap_ci(values, 300, seed, key=["g"])
    mean = float(np.mean(values))
    assert lo - 1e-12 <= mean <= hi + 1e-12
    assert (lo, hi) == bootstrap_ci(values, 300, seed, key=["g"])


def test_bootstrap_depends_on_seed_and_group_only():
    values = np.random.default_rng(0).random(200)
    a = bootstrap_ci(values, 500, 1, key=["A"])
    assert a == bootstrap_ci(list(values), 500, 1, key=["A"])
    assert a != bootstrap_ci(values, 500, 2, key=["A"])
    assert a != bootstrap_ci(values, 500, 1, key=["B"])
    # About right: the normal approximation's interval for the mean of 200 uniforms.
    half = 1.96 * values.std(ddof=1) / np.sqrt(len(values))
    assert a[0] == pytest.approx(values.mean() - half, abs=0.01)
    assert a[1] == pytest.approx(values.mean() + half, abs=0.01)


def test_log_odds_finds_each_groups_own_words():
    shared = {"said": 50, "officials": 30}
    left = Counter({**shared, "regime": 40, "slammed": 12, "scheme": 1})
    right = Counter({**shared, "scheme": 45, "radical": 9, "regime": 2})
    # A word used once, by a small group only, must not top it: the prior shrinks it.
    small = Counter({"said": 5, "outrageous": 3, "bizarre": 1})
    words = distinctive_words([left, right, small])
    assert [w["word"] for w in words[0][:2]] == ["regime", "slammed"]
    assert [w["word"] for w in words[1][:2]] == ["scheme", "radical"]
    assert words[2][0]["word"] == "outrageous"
    assert words[0][0]["count"] == 40
    for group in words:
        assert all(w["word"] not in shared or w["z"] < 1.96 for w in group)
        assert [w["z"] for w in group] == sorted((w["z"] for w in group), reverse=True)
    assert distinctive_words([left]) == [[]]


@settings(max_examples=40, deadline=None)
@given(rows=st.lists(st.fixed_dictionaries({
    "outlet": st.sampled_from(["a", "b", "c", None]),
    "date": st.sampled_from(["2020-01-05", "2020-02-29T10:00:00Z", "2021/12/01", None]),
    "score": st.floats(0, 1), "verdict": st.sampled_from(survey.BANDS),
    "cues": st.dictionaries(st.sampled_from(["x", "y", "z"]), st.integers(1, 3), max_size=3)}), min_size=1, max_size=40))
def test_groups_partition_the_articles(rows):
    summary = Summary(["outlet", "month"])
    for row in rows:
        summary.add(row)
    result = summary.result(seed=0, n_boot=50)
    assert sum(g["articles"] for g in result["groups"]) == result["articles"] == len(rows)
    assert sum(p["articles"] for p in result["timeline"]) == sum(r["date"] is not None for r in rows)
    for g in result["groups"]:
        assert sum(g["band_counts"].values()) == g["articles"]
        assert g["ci_low"] <= g["mean_score"] <= g["ci_high"]
    assert result["overall"]["articles"] == len(rows)


def test_month_of_reads_iso_dates_and_refuses_others():
    assert month_of("2019-03-05") == month_of("2019/3/31") == month_of("2019-03-05T10:00:00Z") == "2019-03"
    assert month_of(None) is None and month_of("") is None
    for bad in ("March 2019", "2019-13-01", "05.03.2019"):
        with pytest.raises(ValueError):
            month_of(bad)
