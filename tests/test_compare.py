"""`framing compare`: ranking, what each article adds, and shared wire copy, on the project's own examples."""

from __future__ import annotations

import json

import pytest

from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import EXAMPLES, run_cli
from framing import compare as compare_mod

WIRE, RETOLD = EXAMPLES / "wire.txt", EXAMPLES / "wire_retold.txt"


def _compare_json(model, *files):
    result = run_cli("compare", "--model", str(model), "--format", "json", *map(str, files))
    return result, (json.loads(result.stdout) if result.stdout.strip() else None)


def test_wire_copy_is_aligned_and_additions_are_listed(scoring_model_path):
    result, payload = _compare_json(scoring_model_path, WIRE, RETOLD, EXAMPLES / "neutral.txt")
    assert result.returncode == 0, result.stderr.decode()
    scores = [a["score"] for a in payload["articles"]]
    assert scores == sorted(scores, reverse=True)
    assert [a["rank"] for a in payload["articles"]] == [1, 2, 3]
    assert len(payload["shared_copy"]) == 1, "only the two water stories share copy"
    shared = payload["shared_copy"][0]
    assert shared["files"] == [str(WIRE), str(RETOLD)]
    # Seven body sentences of wire copy; the headlines differ and are not aligned.
    assert shared["sentences"] == 7
    retold = shared["added"][str(RETOLD)]
    assert len(retold["before"]) == 1 and len(retold["after"]) == 2 and retold["within"] == []
    wire = shared["added"][str(WIRE)]
    assert wire["before"] == wire["within"] == wire["after"] == []
    by_file = {a["file"]: a for a in payload["articles"]}
    retold_article = by_file[str(RETOLD)]["article"]
    for pair in shared["pairs"]:
        assert pair["similarity"] >= compare_mod.MIN_SIMILARITY
    # Distinct phrases really are absent from every other article.
    others = [(EXAMPLES / n).read_text(encoding="utf-8").lower() for n in ("wire.txt", "neutral.txt")]
    for phrase in by_file[str(RETOLD)]["distinct_phrases"]:
        assert all(phrase["text"].lower() not in o.split() for o in others)
    # Distinct loaded sentences are never part of the shared copy.
    shared_idx = {p["b"] for p in shared["pairs"]}
    for s in by_file[str(RETOLD)]["distinct_loaded"]:
        assert s["index"] not in shared_idx
        assert retold_article["sentences"][s["index"]]["text"] == s["text"]


def test_table_output_ranks_and_explains(scoring_model_path):
    result = run_cli("compare", "--model", str(scoring_model_path), str(WIRE), str(RETOLD), env={"COLUMNS": "200"})
    assert result.returncode == 0, result.stderr.decode()
    out = result.stdout.decode()
    assert "most loaded first" in out
    assert "share 7 sentences of copy" in out
    assert "Greedy Water Bosses" in out


def test_html_marks_shared_sentences(tmp_path, scoring_model_path):
    out = tmp_path / "compare.html"
    result = run_cli("compare", "--model", str(scoring_model_path), "--format", "html", "-o", str(out),
                     str(WIRE), str(RETOLD))
    assert result.returncode == 0, result.stderr.decode()
    page = out.read_text(encoding="utf-8")
    assert page.count("shared copy: also in") == 14
    assert page.count('<section class="summary"') == 2


def test_one_bad_file_still_compares_the_rest(tmp_path, scoring_model_path):
    result, payload = _compare_json(scoring_model_path, WIRE, tmp_path / "missing.txt", RETOLD)
    assert result.returncode == 1
    assert len(payload["articles"]) == 2
    assert str(tmp_path / "missing.txt") in result.stderr.decode()


def test_compare_needs_two_articles(scoring_model_path):
    result = run_cli("compare", "--model", str(scoring_model_path), str(WIRE))
    assert result.returncode != 0
    assert "at least two" in result.stderr.decode()


# -- alignment invariants ----------------------------------------------------------

def _article(sentences: list[str]):
    from framing.scoring import ArticleScore, ScoredSentence

    text = "Headline\n\n" + "\n".join(sentences)
    scored, pos = [ScoredSentence(0, 0, 8, "Headline", 0.5, "neutral", False, True)], 10
    for i, s in enumerate(sentences, 1):
        scored.append(ScoredSentence(i, pos, pos + len(s), s, 0.5, "neutral", False, False))
        pos += len(s) + 1
    return ArticleScore("x", text, 0.5, "neutral", "moderate", 0.5, None, scored)


sentence = st.text(alphabet="abcdefgh ", min_size=20, max_size=60).map(lambda s: s.strip().capitalize() + ".")


@given(st.lists(sentence, min_size=1, max_size=8), st.lists(sentence, max_size=8))
@settings(max_examples=60, deadline=None)
def test_alignment_is_one_to_one_and_finds_copied_sentences(common, other):
    a = _article(common)
    b = _article(other + common)
    pairs = compare_mod.align(a, b)
    assert len({i for i, _, _ in pairs}) == len(pairs) == len({j for _, j, _ in pairs})
    assert all(sim >= compare_mod.MIN_SIMILARITY for _, _, sim in pairs)
    # Every sentence of a has its copy in b, so every alignable one pairs.
    assert len(pairs) == sum(1 for s in a.sentences if not s.headline and not s.furniture)


def test_additions_around_shared_copy_lead_the_comparison(scoring_model_path):
    result, payload = _compare_json(scoring_model_path, WIRE, RETOLD)
    assert result.returncode == 0, result.stderr.decode()
    assert list(payload)[:2] == ["headline", "additions"]
    adds = {a["file"]: a for a in payload["additions"]}
    retold, wire = adds[str(RETOLD)], adds[str(WIRE)]
    assert retold["added_sentences"] == 3 and wire["added_sentences"] == 0
    assert retold["difference"] == pytest.approx(retold["added_score"] - retold["shared_score"], abs=2e-4)
    # The retelling wraps the wire copy in loaded additions: that is the headline.
    assert payload["headline"].startswith(f"{RETOLD} adds 3 sentences")
    assert payload["additions"][0]["file"] == str(RETOLD)
    table = run_cli("compare", "--model", str(scoring_model_path), str(WIRE), str(RETOLD), env={"COLUMNS": "300"})
    out = table.stdout.decode()
    assert out.index("added around the shared copy") < out.index("most loaded first")
