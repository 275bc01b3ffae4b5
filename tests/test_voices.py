"""Voice segments: every sentence cut into the outlet's words and quoted words.

The texts are written for these tests; the seed articles are checked elsewhere,
never copied here.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from framing.sentences import split_sentences


def voices(text: str) -> list[list[tuple[str, str]]]:
    return [[(g.voice, g.text) for g in s.segments] for s in split_sentences(text, headline=False)]


@pytest.mark.parametrize("text,expected", [
    # “…,” said X, title of Y.  The attribution is reporting, however long.
    ("“The harbour will not reopen before spring,” said Ana Ruiz, director of the port authority "
     "of the northern coastal region.",
     [("quote", "“The harbour will not reopen before spring,”"),
      ("own", "said Ana Ruiz, director of the port authority of the northern coastal region.")]),
    # “…,” X said.
    ("“We counted every ballot twice,” the clerk said.",
     [("quote", "“We counted every ballot twice,”"), ("own", "the clerk said.")]),
    # X said: “…”
    ("The clerk said: “We counted every ballot twice.”",
     [("own", "The clerk said:"), ("quote", "“We counted every ballot twice.”")]),
    # X said that “…” (a partial quote inside reporting); the final period joins the quote.
    ("The clerk said that “every ballot was counted twice”.",
     [("own", "The clerk said that"), ("quote", "“every ballot was counted twice”.")]),
    # straight double quotes
    ('"Turnout was higher than in any year since 1990," the clerk said.',
     [("quote", '"Turnout was higher than in any year since 1990,"'), ("own", "the clerk said.")]),
    # curly single quotes (British style) around words with apostrophes
    ("‘We don’t expect the Kerry’s-style talks to resume,’ an official said.",
     [("quote", "‘We don’t expect the Kerry’s-style talks to resume,’"), ("own", "an official said.")]),
    # straight single quotes in the middle of reporting
    ("The mayor said the city 'will not raise the fares this year' and left.",
     [("own", "The mayor said the city"), ("quote", "'will not raise the fares this year'"), ("own", "and left.")]),
    # a one-word answer opening the sentence is speech
    ("“No,” the minister said.", [("quote", "“No,”"), ("own", "the minister said.")]),
])
def test_quote_forms(text, expected):
    assert voices(text) == [expected]


@pytest.mark.parametrize("text", [
    "The council called the plan “reckless” and voted it down.",
    "Critics call it the “jobs for friends” scheme.",
    "Officials described the deal as “a real win,” and moved on.",  # comma inside, American style
    "“Seeking calm” was the phrase the envoy used.",  # short, opens the sentence, no speech punctuation
])
def test_scare_quotes_of_one_to_three_words_stay_in_the_outlets_voice(text):
    assert voices(text) == [[("own", text)]]


def test_apostrophes_do_not_open_quotes():
    text = "The mayor’s aides said the plan wasn't ready and don’t expect it before the '30s."
    assert voices(text) == [[("own", text)]]


def test_quotation_over_several_paragraphs():
    # Each paragraph opens with a quote mark, only the last one closes.
    text = ("The engineer described the failure.\n\n"
            "“The first valve stuck at noon. Nobody saw the gauge.\n\n"
            "“By the time the second one went, the room was already flooded,” she said.\n\n"
            "The plant reopened a week later.")
    assert voices(text) == [
        [("own", "The engineer described the failure.")],
        [("quote", "“The first valve stuck at noon.")],
        [("quote", "Nobody saw the gauge.")],
        [("quote", "“By the time the second one went, the room was already flooded,”"), ("own", "she said.")],
        [("own", "The plant reopened a week later.")],
    ]


def test_unmatched_quote_mark_does_not_swallow_the_rest_of_the_article():
    text = ("The report was late. It cited “sources and was never corrected.\n\n"
            "The committee met on Monday.\n\nIt adjourned on Tuesday.")
    out = voices(text)
    assert out[-2:] == [[("own", "The committee met on Monday.")], [("own", "It adjourned on Tuesday.")]]


def test_quote_across_sentences_marks_each_part():
    text = "“Prices rose. Wages did not,” the economist said. The bank disagreed."
    assert voices(text) == [
        [("quote", "“Prices rose.")],
        [("quote", "Wages did not,”"), ("own", "the economist said.")],
        [("own", "The bank disagreed.")],
    ]


def test_headline_is_one_own_segment_even_when_it_quotes():
    (head, body) = split_sentences("‘We will not pay’, says the council\n\nThe council met.")
    assert head.headline and [g.voice for g in head.segments] == ["own"]
    assert body.segments[0].text == "The council met."


# Pieces that collide on quote marks, apostrophes and sentence ends far more
# often than random characters do.
PIECES = st.lists(st.sampled_from(
    list("abc XYZ.,;:!?…\"'“”‘’«»„()—\n") + ["\n\n", " said ", " don’t ", "Kerry’s", " \"", "\" ", "“We ", ",” "]),
    max_size=100).map("".join)


def _check_tiling(text: str) -> None:
    for s in split_sentences(text):
        assert s.segments, s
        assert s.segments[0].start == s.start and s.segments[-1].end == s.end
        prev = s.start
        for g in s.segments:
            assert g.voice in ("own", "quote")
            assert text[g.start:g.end] == g.text and g.text == g.text.strip() and g.text
            assert g.start >= prev and not text[prev:g.start].strip()  # in order; only whitespace between
            prev = g.end


@settings(max_examples=400, deadline=None)
@given(PIECES)
def test_segments_tile_each_sentence_newsy(text):
    _check_tiling(text)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_segments_tile_each_sentence_any_text(text):
    _check_tiling(text)


def test_unmatched_quote_mark_in_scraped_lines_stops_at_its_line():
    # One sentence a line, no blank lines (as scrapers and some corpora give it).
    text = ("Officials called it “a pause, not an end.\n"
            "The talks resume in May.\n"
            "Both sides sent delegations.")
    assert voices(text)[1:] == [[("own", "The talks resume in May.")], [("own", "Both sides sent delegations.")]]


def test_quotation_wrapped_over_lines_stays_one_quotation():
    text = "“We will rebuild the\nbridge before winter,” the mayor said."
    assert voices(text) == [[("quote", "“We will rebuild the\nbridge before winter,”"), ("own", "the mayor said.")]]
