"""Suggestions (issue 26): plainer words for marked cues, each with the probability it gives, re-scored."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import EXAMPLES, REPO, assert_ok, run_cli
from framing.model import Cue, FramingModel
from framing.suggest import MIN_DROP, PER_CUE, apply, candidates, conjugate, follow_case, rewrite, suggest


def _cue(text: str, word: str) -> Cue:
    start = text.index(word)
    return Cue(word, start, start + len(word), 1.0)


def _offered(text: str, word: str) -> list[tuple[str, str]]:
    """(the text a candidate replaces, the sentence with it applied) for the cue ``word``."""
    c = _cue(text, word)
    return [(text[x.start:x.end], rewrite(text, x.start, x.end, x.text)) for x in candidates(text, c.start, c.end)]


# -- inflection and capitalisation ---------------------------------------------------

@pytest.mark.parametrize("lemma, forms", [
    ("slam", ("slams", "slammed", "slamming")), ("admit", ("admits", "admitted", "admitting")),
    ("decry", ("decries", "decried", "decrying")), ("lambaste", ("lambastes", "lambasted", "lambasting")),
    ("criticize", ("criticizes", "criticized", "criticizing")), ("say", ("says", "said", "saying")),
    ("bash", ("bashes", "bashed", "bashing")), ("rise", ("rises", "rose", "rising")),
])
def test_conjugate(lemma, forms):
    got = conjugate(lemma)
    assert (got["s"], got["past"], got["ing"]) == forms


def test_case_follows_the_original():
    assert follow_case("Slammed", "criticized") == "Criticized"
    assert follow_case("SLAMMED", "criticized") == "CRITICIZED"
    assert follow_case("slammed", "criticized") == "criticized"
    assert follow_case("S", "says") == "Says"  # one capital letter is a capitalised word, not an acronym


@pytest.mark.parametrize("text, word, expected", [
    ("Obama Admits the plan failed.", "Admits", "Obama Says the plan failed."),
    ("The mayor admits the plan failed.", "admits", "The mayor says the plan failed."),
    ("Slammed by critics, the plan was dropped.", "Slammed", "Criticized by critics, the plan was dropped."),
    ("CRITICS SLAMMED THE PLAN.", "SLAMMED", "CRITICS CRITICIZED THE PLAN."),
    ("She has admitted it.", "admitted", "She has said it."),
    ("He is touting the plan.", "touting", "He is promoting the plan."),
    ("Prices soared.", "soared", "Prices rose."),
    ("Prices have soared.", "soared", "Prices have risen."),
    ("The regimes fell.", "regimes", "The governments fell."),
    ("He lashed out at reporters.", "lashed", "He criticized reporters."),
    ("He called it a witch hunt.", "hunt", "He called it an investigation."),
])
def test_the_first_candidate_keeps_inflection_and_case(text, word, expected):
    assert _offered(text, word)[0][1] == expected


def test_a_noun_after_a_determiner_is_not_read_as_a_verb():
    assert _offered("The claims were false.", "claims")[0][1] == "The statements were false."
    assert _offered("He claims it works.", "claims")[0][1] == "He says it works."


# -- deletion -------------------------------------------------------------------------

@pytest.mark.parametrize("text, word, replaced, expected", [
    ("Sadly, the plan failed.", "Sadly", "Sadly", "The plan failed."),
    ("It was, sadly, a failure.", "sadly", "sadly", "It was a failure."),
    ("The so-called experts met.", "called", "so-called", "The experts met."),
    ("The so-called experts met.", "so", "so-called", "The experts met."),
    ("It is an outrageous plan.", "outrageous", "outrageous", "It is a plan."),
    ("It was a very bad idea.", "very", "very", "It was a bad idea."),
])
def test_a_removable_word_can_simply_go(text, word, replaced, expected):
    offered = _offered(text, word)
    assert (replaced, expected) in offered
    c = _cue(text, word)
    assert apply(text, c.start, c.end, "") == expected


def test_words_outside_the_tables_get_nothing():
    assert candidates("The council said the plan was approved.", 12, 16) == []
    # "so" alone is also a conjunction: it is not deleted.
    assert _offered("So the council met.", "So") == []


# -- re-scoring -----------------------------------------------------------------------

class _Scripted(FramingModel):
    """Probability 0.1 plus each word's share, so a test knows what each candidate scores."""

    kind = "scripted"
    tier = "fast"
    threshold = 0.5
    card: dict = {}

    def __init__(self, shares: dict[str, float]):
        self.shares = shares
        self.calls = 0

    def predict_proba(self, texts):
        self.calls += 1
        return np.array([0.1 + sum(self.shares.get(w.strip(".,"), 0.0) for w in t.lower().split()) for t in texts])

    def explain(self, texts):
        return [[] for _ in texts]

    def to_bytes(self):
        return b""


def test_only_suggestions_that_lower_the_probability_biggest_drop_first():
    model = _Scripted({"slammed": 0.5, "bizarre": 0.3, "unusual": 0.298})
    text = "Critics slammed the bizarre plan."
    cues = [_cue(text, "slammed"), _cue(text, "bizarre")]
    found = suggest(model, [(text, 0.9, cues)])[0]
    assert model.calls == 1, "every candidate of every cue is re-scored in one call"
    assert [s.text for s in found[cues[0]]] == ["criticized"]
    assert found[cues[0]][0].probability == pytest.approx(0.4)
    # "unusual" lowers the sentence by less than MIN_DROP: only the deletion is listed.
    assert [s.text for s in found[cues[1]]] == [""]
    assert found[cues[1]][0].probability == pytest.approx(0.6)


def test_suggestions_are_sorted_and_capped():
    model = _Scripted({"claimed": 0.8, "said": 0.3, "stated": 0.1, "rant": 0.5, "speech": 0.4, "statement": 0.2})
    text = "He claimed the rant was fair."
    cues = [_cue(text, "claimed"), _cue(text, "rant")]
    found = suggest(model, [(text, 1.4, cues)], per_cue=1)[0]
    assert [s.text for s in found[cues[0]]] == ["stated"]  # the biggest drop, though "said" comes first in the table
    found = suggest(model, [(text, 1.4, cues)])[0]
    assert [s.text for s in found[cues[0]]] == ["stated", "said"]
    assert [s.text for s in found[cues[1]]] == ["statement", "speech"]
    for lst in found.values():
        assert len(lst) <= PER_CUE
        assert all(s.probability <= 1.4 - MIN_DROP for s in lst)
        assert [s.probability for s in lst] == sorted(s.probability for s in lst)


def test_a_candidate_that_raises_the_probability_is_not_listed():
    model = _Scripted({"claimed": 0.5, "said": 0.6, "stated": 0.1})
    text = "He claimed the plan works."
    cue = _cue(text, "claimed")
    assert [s.text for s in suggest(model, [(text, 0.6, [cue])])[0][cue]] == ["stated"]
    # Nothing lowers it: the cue gets no entry.
    model = _Scripted({"claimed": 0.1, "said": 0.6, "stated": 0.6})
    assert suggest(model, [(text, 0.2, [cue])])[0] == {}


def test_words_inside_a_quotation_are_not_reworded():
    model = _Scripted({"slammed": 0.5})
    text = 'He said "the mayor slammed the plan today" and critics slammed it.'
    inside = _cue(text, "slammed")
    outside = Cue("slammed", text.rindex("slammed"), text.rindex("slammed") + 7, 1.0)
    found = suggest(model, [(text, 1.1, [inside, outside])])[0]
    assert inside not in found
    assert [s.text for s in found[outside]] == ["criticized"]


@pytest.fixture(scope="module")
def fast_model(default_model_path):
    from framing.model import load

    return load(default_model_path)


_FRAMES = ["Critics {w} the plan on Tuesday.", "The {w} council met again.", "{w}, the mayor left town.",
           "Officials said the {w} proposal would cost more.", "The senator {w} that the bill was fair."]
_WORDS = ["slammed", "Slammed", "admits", "claimed", "so-called", "outrageous", "sadly", "regime", "blasted",
          "touted", "bizarre", "disastrous", "very", "insisted", "scheme", "mocked", "radical", "extremely"]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(frame=st.sampled_from(_FRAMES), words=st.lists(st.sampled_from(_WORDS), min_size=1, max_size=2, unique=True))
def test_applying_a_listed_suggestion_gives_the_listed_probability(fast_model, frame, words):
    text = frame.format(w=" ".join(words))
    text = text[0].upper() + text[1:]
    p = float(fast_model.predict_proba([text])[0])
    cues = [_cue(text, w.split("-")[-1]) for w in words if w.split("-")[-1] in text]
    for cue, listed in suggest(fast_model, [(text, p, cues)])[0].items():
        for s in listed:
            again = float(fast_model.predict_proba([apply(text, cue.start, cue.end, s.text)])[0])
            assert again == pytest.approx(s.probability, abs=1e-9)
            assert round(again, 4) == round(s.probability, 4)
            assert s.probability <= p - MIN_DROP


def test_the_accurate_tier_lists_what_the_sentence_scores_alone():
    """Its int8 encoder scores a sentence a little differently beside others; suggestions are scored alone."""
    if not (REPO / "models" / "accurate.framing").exists():
        pytest.skip("no shipped accurate model")
    import framing

    model = framing.load_model(tier="accurate")
    texts = ["Critics slammed the outrageous plan as a cash grab.", "The mayor claimed the bizarre scheme would work.",
             "Sadly, the so-called experts insisted it was fine."]
    probs = model.predict_proba(texts)
    alone = model.predict_proba_alone(texts)
    assert alone == pytest.approx([float(model.predict_proba([t])[0]) for t in texts], abs=1e-9)
    items = [(t, float(p), model.explain([t])[0]) for t, p in zip(texts, probs)]
    listed = 0
    for (text, _, _), found in zip(items, suggest(model, items)):
        for cue, lst in found.items():
            for s in lst:
                listed += 1
                again = float(model.predict_proba([apply(text, cue.start, cue.end, s.text)])[0])
                assert again == pytest.approx(s.probability, abs=1e-9)
    assert listed


# -- the command line and the reports --------------------------------------------------

def _score_json(model_path, *args):
    return json.loads(assert_ok(run_cli("score", "--model", str(model_path), "--format", "json", *args,
                                        str(EXAMPLES / "loaded.txt"))).stdout)


def test_score_json_gives_each_marked_cue_its_suggestions(default_model_path):
    article = _score_json(default_model_path)
    cues = [c for s in article["sentences"] for part in [s, *s["segments"]] for c in part["cues"]]
    assert all(("suggestions" in c) == c["marked"] for c in cues)
    slammed = next(c for c in cues if c["text"] == "slammed" and c["marked"])
    assert slammed["suggestions"][0]["text"] == "criticized"
    sentence = next(s for s in article["sentences"] if "slammed" in s["text"])
    assert all(x["probability"] < sentence["probability"] for x in slammed["suggestions"])
    none = _score_json(default_model_path, "--no-suggest")
    assert not any("suggestions" in c for s in none["sentences"] for c in s["cues"])
    assert none["score"] == article["score"]


def test_predict_suggest_adds_suggestions_to_each_cue(default_model_path, fast_model, tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join(json.dumps({"text": t}) for t in [
        "Critics slammed the plan as a cash grab.", "The council said the plan was approved on Tuesday.",
        "Sadly, the so-called experts claimed it would work."]) + "\n", encoding="utf-8")
    plain = assert_ok(run_cli("predict", "--model", str(default_model_path), str(src))).stdout.decode()
    assert "suggestions" not in plain
    rows = [json.loads(line) for line in
            assert_ok(run_cli("predict", "--model", str(default_model_path), "--suggest", str(src))).stdout.splitlines()]
    assert [r["probability"] for r in rows] == [json.loads(line)["probability"] for line in plain.splitlines()]
    assert all("suggestions" in c for r in rows for c in r["cues"])
    first = {c["text"]: [s["text"] for s in c["suggestions"]] for c in rows[0]["cues"]}
    assert first["slammed"][0] == "criticized"
    third = {c["text"]: c["suggestions"] for c in rows[2]["cues"]}
    assert third["claimed"][0]["text"] == "said"
    assert third["Sadly"][0]["text"] == ""
    from framing.batch import predict_file

    out = tmp_path / "out.csv"
    predict_file(src, out, model=fast_model, suggest=True)
    assert '""suggestions"": [{""text"": ""criticized""' in out.read_text(encoding="utf-8")
    # With --explain too: the techniques after the cues, as --explain alone writes them.
    both = tmp_path / "both.jsonl"
    predict_file(src, both, model=fast_model, suggest=True, explain=True)
    rows = [json.loads(line) for line in both.read_text(encoding="utf-8").splitlines()]
    assert all(list(r) == ["text", "probability", "label", "cues", "techniques"] for r in rows)
    assert rows[0]["cues"][0]["suggestions"][0]["text"] == "criticized"


def test_reports_show_the_arrow(default_model_path, fast_model):
    table = assert_ok(run_cli("score", "--model", str(default_model_path), str(EXAMPLES / "loaded.txt"),
                              env={"COLUMNS": "200"})).stdout.decode()
    assert "slammed → criticized: 0.94 → " in table
    from framing import reports
    from framing.scoring import score_file

    result = score_file(fast_model, EXAMPLES / "loaded.txt")
    md = reports.render_markdown([result])
    assert "- 4: slammed → criticized: 0.94 → " in md
    assert "claimed → said: " in md
    html = reports.render_html([result])
    assert 'data-suggest="slammed → criticized: 0.94 → ' in html
    assert "suggestions: " in html
    bare = score_file(fast_model, EXAMPLES / "loaded.txt", suggest=False)
    assert "→" not in reports.render_markdown([bare]) and "data-suggest" not in reports.render_html([bare])
