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
        # A sentence in two voices shows each voice's probability, on a row of its own.
        for p in ([s["probability"]] if len(s["segments"]) == 1 else [g["probability"] for g in s["segments"]]):
            assert f"{p:.2f}" in out
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
    # A sentence is shown when any of it is loaded: the whole, or one of its voices.
    expected = [s for s in article["sentences"]
                if (s["voice"] != "page" and (s["probability"] if len(s["segments"]) == 1 else
                                              max(g["probability"] for g in s["segments"] if g["voice"] != "page"))
                    >= 0.5) or s["headline"]]
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
    cue_fields = {k for s in article["sentences"] for c in s["cues"] for k in c}
    assert set(article) | sentence_fields | cue_fields == documented
    compare = run_cli("compare", "--model", str(scoring_model_path), "--format", "json",
                      str(EXAMPLES / "wire.txt"), str(EXAMPLES / "wire_retold.txt"))
    payload = json.loads(compare.stdout)
    documented = _documented_fields("## `framing compare --format json`")
    assert set(payload["articles"][0]) | set(payload["shared_copy"][0]) <= documented | {"file"}
    assert set(payload) <= documented
    assert {"rank", "distinct_loaded", "distinct_phrases", "pairs", "added", "shared_score", "headline",
            "additions"} <= documented
    doc = (EXAMPLES.parent / "docs" / "json-schema.md").read_text(encoding="utf-8")
    for key in payload["additions"][0]:
        assert f'"{key}"' in doc
    # Each segment's fields and each cue's are documented in their own tables of the score section.
    segment_fields = set(article["sentences"][0]["segments"][0])
    assert segment_fields <= _documented_fields("Each segment")
    cue_fields = {k for s in article["sentences"] for c in s["cues"] for k in c}
    assert "suggestions" in cue_fields
    assert cue_fields == _documented_fields("Each cue")


def test_a_sentence_in_two_voices_shows_both(tmp_path, scoring_model_path):
    """The quotation and its attribution: two rows in the table, two styled segments in the HTML."""
    path = EXAMPLES / "quoted.txt"
    md = run_cli("score", "--model", str(scoring_model_path), "--format", "markdown", str(path)).stdout.decode()
    rows = [line for line in md.splitlines() if line.startswith("| ")]
    k = next(i for i, line in enumerate(rows) if "| quote |" in line)
    assert re.match(r"\| \d+ \|", rows[k]) and rows[k + 1].startswith("|  | ") and "| own |" in rows[k + 1]
    assert "said after the vote." in rows[k + 1]
    out = tmp_path / "r.html"
    assert run_cli("score", "--model", str(scoring_model_path), "--format", "html", "-o", str(out),
                   str(path)).returncode == 0
    page = out.read_text(encoding="utf-8")
    assert '<span class="s mixed' in page
    assert page.count('<span class="seg quote') == 1 and page.count('<span class="seg own') == 1
