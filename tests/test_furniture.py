"""Page furniture rules, on lines written for these tests (never the seed articles' phrases)."""

from __future__ import annotations

import pytest

from framing.furniture import furniture_kind, link_residue


@pytest.mark.parametrize("line,kind", [
    ("Turn on push notifications to hear about storms first, day or night.", "call to action"),
    ("Sign up for the Morning Ledger newsletter and get it in your inbox.", "call to action"),
    ("Follow us on Mastodon and Bluesky @ledger", "call to action"),
    ("Download the app for the full election map.", "call to action"),
    ("Share this story", "call to action"),
    ("Subscribe now!", "call to action"),
    ("READ MORE:", "call to action"),
    ("Read more: Council approves new budget after late-night session", "call to action"),
    ("Watch:", "call to action"),
    ("This story was originally published by the County Courier.", "repost credit"),
    ("Photo: A ferry leaves the harbour at dawn on Monday", "photo credit or caption"),
    ("Volunteers fill sandbags near the river (Photo by Lee Park/Ledger)", "photo credit or caption"),
    ("JANE DOE/AFP/Getty Images", "photo credit or caption"),
    ("By Mara Quinn and Tom Ode", "byline or dateline"),
    ("By Mara Quinn | Ledger staff", "byline or dateline"),
    ("Published 6:40 AM ET, Tue March 3, 2020", "byline or dateline"),
    ("March 3, 2020", "byline or dateline"),
    ("Advertisement", "advertisement"),
    ("Story continues below advertisement", "advertisement"),
    ("© 2020 The Morning Ledger. All rights reserved.", "copyright"),
    ("Copyright 2020 Ledger Media Group", "copyright"),
    ("Hide Caption 4 of 12", "short line without sentence punctuation"),
])
def test_furniture_by_what_it_is(line, kind):
    assert furniture_kind(line) == kind


@pytest.mark.parametrize("line", [
    # Reporting that starts like furniture.
    "By Saturday, more than two thousand volunteers had filled sandbags along the river.",
    "By March the council had run out of money for the repairs.",
    "Follow the money, the auditor told the committee, and the pattern is clear.",
    "Watch this senator dodge the question three times in a row.",
    "WATCH: The mayor storms out of the budget hearing after a heated exchange",
    "Share prices fell sharply on Tuesday after the report.",
    "Like the mayor, the governor declined to comment.",
    "More than 500 people were injured.",
    "See?",
    "The photo was published by several newspapers on Monday.",
    "Advertising revenue at the paper fell by a third last year.",
    # Short reporting that lost its full stop, and a lead-in to a quotation.
    "She could not name a single witness",
    "The minister wrote:",
])
def test_reporting_is_never_furniture(line):
    assert furniture_kind(line) is None


def test_headline_is_never_furniture():
    assert furniture_kind("Subscribe now!", headline=True) is None


def test_link_residue_is_cut_and_the_sentence_kept():
    line = "The council could sell the pier next… (via"
    cut = link_residue(line)
    assert line[:cut] == "The council could sell the pier next…"
    assert furniture_kind(line) is None  # the sentence before the stub is prose
    assert link_residue("The council met (h/t @ledger)") == len("The council met")
    assert link_residue("(via Reuters)") is None  # nothing of the outlet's own before it
    assert link_residue("The plan (which failed) was dropped.") is None
