"""What a person reads: the table, the Markdown and the HTML page of `framing score`."""

from __future__ import annotations

import json
import re

from conftest import EXAMPLES, run_cli


def _json(model, path) -> dict:
    result = run_cli("score", "--model", str(model), "--format", "json", str(path))
    assert result.returncode == 0, result.stderr.decode()
    return json.loads(result.stdout)


def test_table_shows_headline_score_verdict_and_every_sentence(scoring_model_path):
    article = _json(scoring_model_path, EXAMPLES / "loaded.txt")
    result = run_cli("score", "--model", str(scoring_model_path), str(EXAMPLES / "loaded.txt"),
                     env={"COLUMNS": "200"})
    assert result.returncode == 0, result.stderr.decode()
    out = result.stdout.decode()
    assert article["headline"] in out
    assert f"score {article['score']:.2f}" in out
    assert article["verdict"].upper() in out
    assert "Quoted speech, not counted" in out
    for s in article["sentences"]:
        assert f"{s['probability']:.2f}" in out
    # Without colour (not a terminal), cue words are between asterisks so they survive a paste.
    for s in article["sentences"]:
        for c in s["cues"]:
            if c["marked"]:
                assert f"*{c['text']}*" in out


def test_only_loaded_drops_the_neutral_sentences(scoring_model_path):
    article = _json(scoring_model_path, EXAMPLES / "neutral.txt")
    result = run_cli("score", "--model", str(scoring_model_path), "--format", "markdown", "--only-loaded",
                     "--threshold", "0.5", str(EXAMPLES / "neutral.txt"))
    assert result.returncode == 0, result.stderr.decode()
    rows = [line for line in result.stdout.decode().splitlines() if re.match(r"\| \d+ \|", line)]
    expected = [s for s in article["sentences"]
                if (s["probability"] >= 0.5 and s["voice"] != "page") or s["headline"]]
    assert len(rows) == len(expected)


def test_markdown_is_a_table_with_bold_cues(scoring_model_path):
    article = _json(scoring_model_path, EXAMPLES / "loaded.txt")
    result = run_cli("score", "--model", str(scoring_model_path), "--format", "markdown", str(EXAMPLES / "loaded.txt"))
    out = result.stdout.decode()
    assert out.startswith("## Council")
    assert "| # | p | voice | sentence |" in out
    rows = [line for line in out.splitlines() if re.match(r"\| \d+ \|", line)]
    assert len(rows) == len(article["sentences"])
    assert out.count("**") // 2 == article["cue_count"] + 1  # + the legend's "**bold**"


def test_html_is_one_self_contained_file(tmp_path, scoring_model_path):
    article = _json(scoring_model_path, EXAMPLES / "loaded.txt")
    out = tmp_path / "report.html"
    result = run_cli("score", "--model", str(scoring_model_path), "--format", "html", "--output", str(out),
                     str(EXAMPLES / "loaded.txt"))
    assert result.returncode == 0, result.stderr.decode()
    page = out.read_text(encoding="utf-8")
    assert not list(tmp_path.glob(".*.tmp")), "atomic write left a temporary file"
    # No network: no external stylesheets, scripts, images or fonts.
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)
    assert "@import" not in page and "<link" not in page
    assert page.count('<mark class="cue"') == article["cue_count"]
    assert page.count('class="s ') == len(article["sentences"])
    assert f'data-score="{article["score"]:.4f}"' in page
    assert "<h1>" in page and "Council" in page
    # Every loaded sentence is shaded, and the hover text explains it.
    loaded = [s for s in article["sentences"] if s["label"] == "loaded"]
    assert page.count(" loaded\" id=") + page.count(" loaded shared\" id=") == len(loaded)
    assert "title=\"p = " in page


def test_html_to_stdout_for_several_files(scoring_model_path):
    result = run_cli("score", "--model", str(scoring_model_path), "--format", "html",
                     str(EXAMPLES / "loaded.txt"), str(EXAMPLES / "neutral.txt"))
    assert result.returncode == 0
    page = result.stdout.decode()
    assert page.count('<section class="summary"') == 2


def test_html_escapes_the_article(tmp_path, scoring_model_path):
    path = tmp_path / "tags.txt"
    path.write_text("Council <script>alert(1)</script> & Co Approve Plan\n\nThe plan was approved on Monday.\n")
    result = run_cli("score", "--model", str(scoring_model_path), "--format", "html", str(path))
    page = result.stdout.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co" in page


def _documented_fields(section: str) -> set[str]:
    import re as _re

    doc = (EXAMPLES.parent / "docs" / "json-schema.md").read_text(encoding="utf-8")
    part = doc.split(section, 1)[1].split("\n## ", 1)[0]
    return {f for row in _re.findall(r"^\| (`[^|]+`) \|", part, flags=_re.M) for f in _re.findall(r"`(\w+)`", row)}


def test_json_schema_is_documented(scoring_model_path):
    """Every field the JSON carries is in docs/json-schema.md, and every documented field is there."""
    article = _json(scoring_model_path, EXAMPLES / "quoted.txt")
    documented = _documented_fields("## `framing score --format json`")
    sentence_fields = set(article["sentences"][0])
    assert set(article) | sentence_fields == documented
    compare = run_cli("compare", "--model", str(scoring_model_path), "--format", "json",
                      str(EXAMPLES / "wire.txt"), str(EXAMPLES / "wire_retold.txt"))
    payload = json.loads(compare.stdout)
    documented = _documented_fields("## `framing compare --format json`")
    assert set(payload["articles"][0]) | set(payload["shared_copy"][0]) <= documented | {"file"}
    assert {"rank", "distinct_loaded", "distinct_phrases", "pairs", "added", "shared_score"} <= documented
