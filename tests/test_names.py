"""Proper names are not cues (issue 26): the capitalisation detector, and both tiers' cues."""

from __future__ import annotations

import json

import numpy as np
import pytest

from conftest import REPO
from framing.features import ProperNames, get_batch
from framing.model import load

# A corpus in ordinary case: "Trump", "Obama" and "GOP" are written with capitals away
# from the sentence's start, "was", "right" and "regime" in lower case.
CORPUS = [
    "Critics said Trump was right about the deal.",
    "The regime denied that Obama had been right.",
    "Aides to Trump said the GOP was divided.",
    "Supporters of Obama and the GOP met on Tuesday.",
    "A spokesman said the regime was wrong.",
    "Critics of the US said the deal was wrong.",
    "Aides said US troops would stay, and told us so.",
]


def names_of(detector: ProperNames, text: str) -> list[str]:
    return [text[a:b] for a, b in detector.names_in([text])[0]]


@pytest.fixture(scope="module")
def detector() -> ProperNames:
    return ProperNames().fit(CORPUS)


def test_title_case_headline_names_only_the_name(detector):
    assert names_of(detector, "Trump Was Right?") == ["Trump"]


def test_common_words_are_no_names(detector):
    assert names_of(detector, "the regime was right.") == []
    assert names_of(detector, "The regime was right.") == []


def test_a_known_name_is_a_name_at_the_start_of_a_sentence(detector):
    assert names_of(detector, "Obama went on an apology tour.") == ["Obama"]
    assert names_of(detector, "Trump's GOP slammed the so-called experts.") == ["Trump's", "GOP"]


def test_an_acronym_that_spells_a_word_is_a_name_in_capitals_only(detector):
    assert names_of(detector, "The deal was right for the US and for us.") == ["US"]


def test_all_caps_headline(detector):
    assert names_of(detector, "TRUMP WAS RIGHT ABOUT THE REGIME") == ["TRUMP"]


def test_unseen_words_are_judged_by_the_sentence(detector):
    # Capitalised away from the start in ordinary case: a name.
    assert names_of(detector, "Critics said Zelensky was right.") == ["Zelensky"]
    # First in the sentence, after an opening quote, or in a title-case headline: unknown, so kept.
    assert names_of(detector, "Zelensky was right.") == []
    assert names_of(detector, 'Critics said: "Outrageous nonsense from the regime."') == []
    assert names_of(detector, "Zelensky Blasts Outrageous Regime") == []
    # "I" is never a name, however it is written.
    assert names_of(detector, "Critics said I was wrong.") == []


def test_a_table_that_knows_english_names_unknown_words_anywhere():
    english = ProperNames().fit(CORPUS, known_words={"blast", "outrageous", "critic", "nonsense", "Zelensky"})
    assert english.english and "zelensky" not in english.common  # lexicons are lower case
    assert names_of(english, "Zelensky was right.") == ["Zelensky"]
    # "Blasts" and "Critics" are inflections of English words; "Zelensky" is no English word.
    assert names_of(english, "Zelensky Blasts Outrageous Critics") == ["Zelensky"]
    assert names_of(english, 'Critics said: "Outrageous nonsense."') == []


def test_table_round_trips_as_plain_data(detector):
    again = ProperNames.from_dict(json.loads(json.dumps(detector.to_dict())))
    assert (again.names, again.common, again.english) == (detector.names, detector.common, detector.english)
    batch = get_batch(CORPUS)
    assert np.array_equal(again.mask(batch, CORPUS), detector.mask(batch, CORPUS))


@pytest.mark.parametrize("tier", ["fast", "accurate"])
def test_shipped_table_reads_the_issue_examples(tier):
    from framing.model import default_model_path, kind_for_tier, load

    table = load(default_model_path(kind_for_tier(tier))).names
    assert table is not None, f"the shipped {tier} model carries no name table"
    assert table.english
    assert names_of(table, "Trump Was Right?") == ["Trump"]
    assert names_of(table, "TRUMP WAS RIGHT ABOUT THE DISGRACEFUL MEDIA") == ["TRUMP"]
    assert "Obama" in names_of(table, "In a sign of how badly Obama wanted a deal, he went on an apology tour.")
    assert names_of(table, "the regime's apology tour") == []


SENTENCES = ["Trump slammed the so-called experts.", "Trump Was Right?",
             "In a sign of how badly Obama wanted a deal with Tehran, he went on an apology tour."]
NAMES = {"trump", "obama", "tehran"}


@pytest.mark.parametrize("tier", ["fast", "accurate"])
def test_shipped_models_never_give_a_name_as_a_cue(tier):
    path = REPO / "models" / f"{tier}.framing"
    if not path.exists():
        pytest.skip(f"no shipped {tier} model")
    model = load(path)
    assert model.names is not None
    for prediction in model.predict(SENTENCES):
        assert prediction.cues, prediction.text
        assert not {c.text.lower() for c in prediction.cues} & NAMES, prediction
    for cues in model.explain(SENTENCES):
        assert not {c.text.lower() for c in cues} & NAMES
    # Without the table the same model does list names (so the test above can fail), and
    # the table changes the cues only: the probabilities are the same.
    table, model.names = model.names, None
    try:
        before = model.predict(SENTENCES)
    finally:
        model.names = table
    assert any({c.text.lower() for c in p.cues} & NAMES for p in before)
    after = model.predict(SENTENCES)
    assert [p.probability for p in after] == [p.probability for p in before]


def test_a_trained_model_carries_its_own_table(small_model, tmp_path):
    from framing.model import save

    assert small_model.names is not None and small_model.names.names
    out = tmp_path / "m.framing"
    save(small_model, out)
    again = load(out)
    assert again.names.to_dict() == small_model.names.to_dict()
