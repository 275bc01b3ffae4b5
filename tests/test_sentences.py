"""Tests for framing.sentences: worked examples per rule, then invariants."""

from __future__ import annotations


import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from framing.sentences import Sentence, is_chrome, quote_spans, split_sentences


def texts(text: str, headline: bool = False) -> list[str]:
    return [s.text for s in split_sentences(text, headline=headline)]


def check_invariants(text: str, sents: list[Sentence]) -> None:
    prev_end = 0
    covered = bytearray(len(text))
    for i, s in enumerate(sents):
        assert s.index == i
        assert text[s.start : s.end] == s.text
        assert s.text and not s.text[0].isspace() and not s.text[-1].isspace()
        assert s.start >= prev_end
        prev_end = s.end
        for k in range(s.start, s.end):
            covered[k] = 1
        if i:
            assert s.paragraph >= sents[i - 1].paragraph
    for k, c in enumerate(text):
        if not c.isspace():
            assert covered[k], f"character {k} ({c!r}) not in any sentence"


# --- plain splitting ---------------------------------------------------------


def test_simple_sentences():
    assert texts("The vote passed. Critics objected! Will it hold? Nobody knows.") == [
        "The vote passed.",
        "Critics objected!",
        "Will it hold?",
        "Nobody knows.",
    ]


def test_interrobang_and_repeated_marks():
    assert texts("They did what?! The council was stunned. Really?? Yes.") == [
        "They did what?!",
        "The council was stunned.",
        "Really??",
        "Yes.",
    ]


def test_empty_and_blank_text():
    assert split_sentences("") == []
    assert split_sentences("  \n\n\t \r\n ") == []


def test_no_punctuation_at_all():
    text = "budget talks stall as deadline nears"
    assert texts(text) == [text]


def test_missing_final_newline_and_trailing_space():
    assert texts("The mayor resigned. Her deputy takes over  ") == [
        "The mayor resigned.",
        "Her deputy takes over",
    ]


def test_lowercase_after_period_does_not_split():
    assert texts("The figure was revised. meanwhile nothing changed.") == [
        "The figure was revised. meanwhile nothing changed."
    ]


# --- abbreviations and numbers ----------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Mr. Lopez and Mrs. Chen met Dr. Okafor on Tuesday.",
        "Sen. Hale, Rep. Ortiz and Gov. Brandt signed the letter.",
        "Gen. Maddox briefed the panel.",
        "The firm moved to the U.S. last year.",
        "Officials from the U.K. and the U.N. attended.",
        "The plant closed in Jan. after a fire.",
        "Sales rose in Feb. and again in Aug. and Sept. as well.",
        "Acme Inc. and Brightline Corp. announced a merger.",
        "The rally on Main St. drew hundreds.",
        "He ran as No. 2 on the ticket.",
        "It was Lakers vs. Celtics again.",
        "Some cities, e.g. Denver, saw gains, i.e. modest ones.",
        "The polls opened at 7 a.m. and closed at 8 p.m. sharp.",
        "The novel by J. K. Rowling sold well.",
        "Inflation hit 3.5 percent this year.",
        "The deal is worth $1.2 billion over five years.",
        "U.S.-backed forces advanced on the city.",
        "The Aug. 4 briefing ran long.",
        "Voters in Springfield, Ill. backed the measure.",
    ],
)
def test_abbreviations_and_numbers_stay_inside(text):
    assert texts(text) == [text]


def test_abbreviation_at_sentence_end_before_an_opener():
    assert texts("The company moved to the U.S. The move cut costs.") == [
        "The company moved to the U.S.",
        "The move cut costs.",
    ]
    assert texts("Talks resume at 9 a.m. But few expect progress.") == [
        "Talks resume at 9 a.m.",
        "But few expect progress.",
    ]


def test_abbreviation_before_name_does_not_split():
    assert texts("Sanctions hit the U.S. President Jane Doe responded.") == [
        "Sanctions hit the U.S. President Jane Doe responded."
    ]


def test_no_is_a_word_when_no_number_follows():
    assert texts('Her answer was No. The board moved on.') == [
        "Her answer was No.",
        "The board moved on.",
    ]


def test_ill_lowercase_is_not_illinois():
    assert texts("The senator was ill. Aides cancelled the trip.") == [
        "The senator was ill.",
        "Aides cancelled the trip.",
    ]


def test_number_after_period_starts_a_sentence():
    assert texts("The war began in 2014. 300 people have since fled.") == [
        "The war began in 2014.",
        "300 people have since fled.",
    ]


# --- quotation marks ---------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        '"We have to try," he said.',
        "“We have to try,” he said.",
        "“Will it work?” she asked.",
        "'We will not back down,' the minister said.",
        "‘We will not back down,’ the minister said.",
        "«Nous continuerons», a déclaré le ministre.",
        "„Wir machen weiter“, sagte die Ministerin.",
        '"Enough!" the crowd shouted.',
    ],
)
def test_attributed_quote_is_one_sentence(text):
    assert texts(text) == [text]


@pytest.mark.parametrize(
    "text,expected",
    [
        ('"We have to try." He left.', ['"We have to try."', "He left."]),
        ("“We have to try.” He left.", ["“We have to try.”", "He left."]),
        ("‘It is over.’ Then silence.", ["‘It is over.’", "Then silence."]),
        ("«C'est fini.» Puis le silence.", ["«C'est fini.»", "Puis le silence."]),
        (
            "The talks failed. “We tried,” she said.",
            ["The talks failed.", "“We tried,” she said."],
        ),
    ],
)
def test_sentence_end_inside_closed_quote_then_new_sentence(text, expected):
    assert texts(text) == expected


def test_closing_curly_quote_glued_to_next_sentence():
    # Scraped pages drop the space after a paragraph-final quote.
    assert texts("“They keep asking why we stay.”Officials declined to comment.") == [
        "“They keep asking why we stay.”",
        "Officials declined to comment.",
    ]


def test_quote_with_editorial_brackets():
    text = "“We will go after [the militant group] wherever it hides,” the minister said."
    assert texts(text) == [text]
    assert split_sentences(text)[0].quoted


# --- ellipses ----------------------------------------------------------------


def test_ellipsis_before_lowercase_stays_inside():
    for text in (
        "“We need a real pause in fighting …. we go in with open eyes.”",
        "“Nothing will hurt them more...than losing the city,” she said.",
        "He paused... then carried on.",
    ):
        assert texts(text) == [text]


def test_ellipsis_before_capital_ends_sentence():
    assert texts("The line went dead… Nobody called back.") == [
        "The line went dead…",
        "Nobody called back.",
    ]
    assert texts("The line went dead... Nobody called back.") == [
        "The line went dead...",
        "Nobody called back.",
    ]


def test_spaced_ellipsis_is_not_three_sentences():
    text = "He said the plan . . . would fail."
    assert texts(text) == [text]


def test_ellipsis_fragment_ended_by_paragraph_break():
    text = "Another ally could be Turkey… (via\n\nFor weeks, envoys have met in Geneva."
    assert texts(text) == ["Another ally could be Turkey… (via", "For weeks, envoys have met in Geneva."]


# --- lines, paragraphs, headline ----------------------------------------------


ARTICLE = (
    "Council Approves Budget After Long Night\n"
    "\n"
    "The city council approved the budget on Tuesday. The vote was 7-2.\n"
    "\n"
    "Mayor Ruiz at City Hall on Tuesday. (Photo/Staff)\n"
    "Supporters cheered outside.\n"
    "\n"
    "“It was a long night,” Ruiz said. “But we got it done.”\n"
)


def test_headline_and_paragraphs():
    sents = split_sentences(ARTICLE)
    assert [(s.text, s.paragraph, s.headline) for s in sents] == [
        ("Council Approves Budget After Long Night", 0, True),
        ("The city council approved the budget on Tuesday.", 1, False),
        ("The vote was 7-2.", 1, False),
        ("Mayor Ruiz at City Hall on Tuesday.", 2, False),
        ("(Photo/Staff)", 2, False),
        ("Supporters cheered outside.", 2, False),
        ("“It was a long night,” Ruiz said.", 3, False),
        ("“But we got it done.”", 3, False),
    ]


def test_headline_false_has_no_headline():
    sents = split_sentences(ARTICLE, headline=False)
    assert not any(s.headline for s in sents)
    assert sents[0].paragraph == 0 and sents[1].paragraph == 1


def test_headline_line_is_its_own_paragraph_even_without_blank_line():
    sents = split_sentences("Storm Hits Coast\nThousands lost power overnight.")
    assert [(s.text, s.headline, s.paragraph) for s in sents] == [
        ("Storm Hits Coast", True, 0),
        ("Thousands lost power overnight.", False, 1),
    ]


def test_headline_with_question_mark_splits_but_stays_headline():
    sents = split_sentences("Was the Deal Worth It? Voters Weigh In\n\nBody text here.")
    assert [(s.text, s.headline) for s in sents] == [
        ("Was the Deal Worth It?", True),
        ("Voters Weigh In", True),
        ("Body text here.", False),
    ]


@pytest.mark.parametrize("chrome", ["Watch CBS News", "Skip to main content", "Advertisement",
                                    "Sign up for our newsletter", "Listen to this article"])
def test_site_chrome_above_the_headline_is_not_the_headline(chrome):
    text = f"{chrome}\n\nObama offers to work with Russia\n\nThe talks began on Monday."
    sents = split_sentences(text)
    assert [(s.text, s.headline) for s in sents] == [
        (chrome, False),
        ("Obama offers to work with Russia", True),
        ("The talks began on Monday.", False),
    ]
    assert [s.paragraph for s in sents] == [0, 1, 2]


@pytest.mark.parametrize("headline", ["WATCH: Senator Slams Budget Plan", "Watch Out for Scams",
                                      "Watch Out for the Fine Print in the Budget",
                                      "Home Prices Fall Again", "Follow the Money?"])
def test_headlines_that_start_like_chrome_stay_headlines(headline):
    sents = split_sentences(f"{headline}\n\nPrices fell by 2% in May.")
    assert sents[0].headline and not sents[1].headline


def test_a_lone_chrome_line_is_still_the_headline():
    (s,) = split_sentences("Watch CBS News")
    assert s.headline


def test_blank_line_always_ends_sentence():
    assert texts("The report was released by the\n\nministry on Friday") == [
        "The report was released by the",
        "ministry on Friday",
    ]


def test_caption_and_widget_lines_without_punctuation_end_sentences():
    text = "Related Coverage:\nFive Questions About the Strike\nShow Full Story\nWorkers returned Monday."
    assert texts(text) == [
        "Related Coverage:",
        "Five Questions About the Strike",
        "Show Full Story",
        "Workers returned Monday.",
    ]


def test_hard_wrapped_prose_is_joined():
    text = (
        "The committee said on Monday that it would review the contract\n"
        "before the end of the month, and that a final decision on the\n"
        "United States bid would follow in the spring.\n"
    )
    assert texts(text) == [text.strip()]


def test_wrapped_line_ending_in_function_word():
    text = "Negotiators from both sides met in\nGeneva on Friday."
    assert texts(text) == [text]


def test_crlf_line_endings():
    text = "Storm Hits Coast\r\n\r\nPower is out. Crews are working.\r\nCaption Line\r\nLast one."
    sents = split_sentences(text)
    assert [s.text for s in sents] == [
        "Storm Hits Coast",
        "Power is out.",
        "Crews are working.",
        "Caption Line",
        "Last one.",
    ]
    assert [s.paragraph for s in sents] == [0, 1, 1, 1, 1]
    check_invariants(text, sents)


def test_nbsp_is_whitespace():
    sents = split_sentences("\u00a0Follow us:\u00a0@newsdesk\u00a0", headline=False)
    assert [s.text for s in sents] == ["Follow us:\u00a0@newsdesk"]


# --- quote_spans and the quoted flag --------------------------------------------


def test_quote_spans_are_inside_the_marks():
    text = 'She said "no deal" and “not now” and \'maybe\'.'
    assert [text[a:b] for a, b in quote_spans(text)] == ["no deal", "not now", "maybe"]


def test_apostrophes_are_not_quotes():
    text = "Kerry’s aides said the Russians’ plan wasn't ready and don't expect it in the '90s style."
    assert quote_spans(text) == []


def test_nested_quote_folds_into_outer():
    text = "“He told me ‘we are done’ and left,” she said."
    assert [text[a:b] for a, b in quote_spans(text)] == ["He told me ‘we are done’ and left,"]


def test_unclosed_quote_runs_to_paragraph_end_only():
    text = "“We will rebuild. It will take years.\n\nThe council met again."
    spans = quote_spans(text)
    assert [text[a:b] for a, b in spans] == ["We will rebuild. It will take years."]


def test_multi_paragraph_quote_convention_on_single_lines():
    text = "“First we fix the roads.\n“Then the schools,” she said."
    assert [text[a:b] for a, b in quote_spans(text)] == [
        "First we fix the roads.",
        "Then the schools,",
    ]


@pytest.mark.parametrize(
    "text,quoted",
    [
        ('"We have to try," he said.', True),
        ("“We'll keep working with allies,” the president said.", True),
        ("Obama said the US must try.", False),
        ('The minister called the plan "reckless" and walked out of the meeting.', False),
        ('"Yes," said the longtime spokesperson for the regional transport authority.', False),
        ("“We have to try.”", True),
    ],
)
def test_quoted_flag(text, quoted):
    (s,) = split_sentences(text, headline=False)
    assert s.quoted is quoted


def test_quote_spanning_sentences_marks_middle_sentences_quoted():
    text = "“The roads come first. The schools come next. Then the parks,” the mayor said. Critics disagreed."
    sents = split_sentences(text, headline=False)
    assert [s.quoted for s in sents] == [True, True, True, False]


def test_quote_opened_and_closed_in_later_sentence():
    text = "The mayor was blunt: “Nothing moves. Nothing gets built. Nothing changes.” Her rival laughed."
    sents = split_sentences(text, headline=False)
    assert [s.text for s in sents] == [
        "The mayor was blunt: “Nothing moves.",
        "Nothing gets built.",
        "Nothing changes.”",
        "Her rival laughed.",
    ]
    assert [s.quoted for s in sents] == [False, True, True, False]


def test_type_errors():
    with pytest.raises(TypeError):
        split_sentences(b"bytes")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        quote_spans(None)  # type: ignore[arg-type]


# --- invariants (hypothesis) ---------------------------------------------------

# Pieces rather than characters, so the tricky spots (abbreviations, quote
# marks, ellipses, line breaks) collide far more often than in random unicode.
NEWSY = st.lists(
    st.sampled_from(
        list("abcXYZ .,;:!?…\"'“”‘’«»„()[]-—\n\r\t\u00a0")
        + ["Mr.", "U.S.", "3.5", "...", "\n\n", "\r\n", " He ", " the ", "e.g.", "Aug. 4"]
    ),
    max_size=120,
).map("".join)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400), st.booleans())
def test_invariants_arbitrary_unicode(text, headline):
    sents = split_sentences(text, headline=headline)
    check_invariants(text, sents)
    if headline and sents:
        # Only the first non-blank line that is not site chrome can be the headline.
        lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
        while len(lines) > 1 and is_chrome(lines[0]):
            lines.pop(0)
        first_line = lines[0] if lines else ""
        assert all(s.text in first_line for s in sents if s.headline)


@settings(max_examples=500, deadline=None)
@given(NEWSY, st.booleans())
def test_invariants_newsy_text(text, headline):
    sents = split_sentences(text, headline=headline)
    check_invariants(text, sents)
    assert sents == split_sentences(text, headline=headline)  # deterministic


@settings(max_examples=300, deadline=None)
@given(NEWSY)
def test_quote_spans_well_formed(text):
    spans = quote_spans(text)
    last = -1
    for a, b in spans:
        assert last <= a < b <= len(text)
        last = b


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from([
    "The council voted.", "Mr. Smith left.", "“We tried,” she said.", "Why now?",
    "Prices rose 3.5 percent.", "He paused…", "It worked!",
]), min_size=1, max_size=8))
def test_joined_simple_sentences_round_trip(parts):
    # Sentences with unambiguous ends, joined by spaces, come back one by one.
    assert texts(" ".join(parts)) == parts


def test_large_input_splits_every_sentence():
    # Speed is measured in benchmarks/, never asserted here; this checks a long
    # article is split completely.
    para = (
        "Sen. Hale said the U.S. would act. “We have to try,” she said. "
        "Prices rose 3.5 percent in Aug. and fell… The council met again.\n\n"
    )
    text = para * 2500
    sents = split_sentences(text)
    assert len(sents) == 10000
