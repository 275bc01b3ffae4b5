"""Tests for the corpus stage: formats, validation, repeats, BABE and its download."""

from __future__ import annotations

import csv
import hashlib
import io
import pathlib
import urllib.error
import urllib.request

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from framing import corpus as corpus_mod
from framing.corpus import (
    BABE_FILES,
    Corpus,
    CorpusReport,
    default_corpus_path,
    fetch_babe,
    read_corpora,
    read_corpus,
)
from framing.corpus import fetch as fetch_mod
from framing.hashing import sha256_file
from framing.errors import FramingError

REPO = pathlib.Path(__file__).resolve().parents[1]
DATA = REPO / "tests" / "data" / "corpus"
EXAMPLES = REPO / "corpus" / "examples.csv"
SHARED_BABE = REPO.parent / "shared" / "corpora" / "babe"
SG2 = SHARED_BABE / "final_labels_SG2.csv"
SG2_SHA = BABE_FILES["final_labels_SG2.csv"][1]

needs_babe = pytest.mark.skipif(
    not SG2.is_file(), reason=f"BABE mirror not found at {SG2} (third-party data, never in the repo)"
)


# --------------------------------------------------------------------------- real BABE


@needs_babe
def test_babe_sg2_counts_match_published_figures():
    c = read_corpus(SG2)
    r = c.report
    assert (r.rows, r.loaded, r.neutral, r.skipped_no_agreement) == (3673, 1810, 1863, 1)
    # SG2 itself repeats three sentences: two with the same label, one labelled both ways.
    assert len(r.duplicates) == 2
    assert len(r.conflicts) == 1
    assert len(c) == r.kept == 3669
    assert (r.kept_loaded, r.kept_neutral) == (1807, 1862)
    assert int(c.labels.sum()) == 1807
    assert c.sha256 == {str(SG2): SG2_SHA}
    assert "3,673 sentences (1,810 loaded, 1,863 neutral)" in r.summary()
    assert "skipped 1 'No agreement' row" in r.summary()


@needs_babe
def test_babe_dedupe_off_reproduces_published_setting():
    c = read_corpus(SG2, dedupe=False)
    assert len(c) == 3673
    assert int(c.labels.sum()) == 1810
    assert len(c.report.duplicates) == 2 and len(c.report.conflicts) == 1


@needs_babe
def test_babe_fields_and_line_numbers():
    c = read_corpus(SG2)
    assert c.lines[0] == 2 and c.sources[0] == str(SG2)
    assert c.labels[1] == 1 and c.biased_words[1] == ["bizarre", "characteristically"]
    assert c.outlets[0] == "Fox News" and c.topics[0] == "environment"
    raw = SG2.read_text(encoding="utf-8-sig").split("\n")
    for i in range(0, len(c), 97):  # each recorded line is where that record starts
        assert raw[c.lines[i] - 1].lstrip('"').startswith(c.texts[i][:20].lstrip('"'))
    assert set(c.outlets) >= {"Breitbart", "Alternet", "Reuters"}


@needs_babe
def test_babe_across_sg1_and_sg2_reports_repeats_across_files():
    sg1 = SHARED_BABE / "final_labels_SG1.csv"
    c = read_corpora([sg1, SG2])
    cross = [d for d in c.report.duplicates if d.source != d.first_source]
    assert cross and all(d.first_source == str(sg1) for d in cross)
    assert any({s for s, _, _ in k.occurrences} == {str(sg1), str(SG2)} for k in c.report.conflicts)
    assert set(c.sha256) == {str(sg1), str(SG2)}


# --------------------------------------------------------------------------- formats


def test_babe_format_mini():
    path = DATA / "babe_mini.csv"
    c = read_corpus(path)
    assert c.texts == [
        'Officials called the plan "a disaster" on Monday.',
        "The radical scheme will wreck the economy.",
        "A sentence that\nspans two lines, with a ; inside.",
        "The council met on Tuesday.",
    ]
    assert c.labels.tolist() == [0, 1, 1, 0]
    assert c.labels.dtype.kind == "i"
    assert c.biased_words == [[], ["radical", "scheme", "wreck"], ["spans"], []]
    assert c.outlets == ["Reuters", "Breitbart", "Alternet", None]
    assert c.topics == ["taxes", "taxes", "vaccines", None]
    assert c.lines == [2, 3, 4, 7]  # the two-line record starts on 4, so the next is 7 after the skip
    assert c.report.skipped_no_agreement == 1
    assert c.sha256[str(path)] == hashlib.sha256(path.read_bytes()).hexdigest()


def test_generic_comma_csv():
    c = read_corpus(DATA / "generic_comma.csv")
    assert c.labels.tolist() == [1, 0, 1, 0, 1, 0]
    assert c.biased_words == [["reckless", "failed"], [], ["quoted"], [], ["shameless", "grab"], []]
    assert c.lines == [2, 3, 4, 6, 7, 8]
    assert c.outlets == [None] * 6 and c.topics == [None] * 6


def test_generic_semicolon_csv_with_crlf():
    c = read_corpus(DATA / "generic_semicolon.csv")
    assert c.texts == ["The outrageous ruling stunned everyone.", "The court ruled on Friday, 5-4."]
    assert c.labels.tolist() == [1, 0]
    assert c.biased_words == [["outrageous", "stunned"], []]
    assert c.outlets == ["Daily Example", "Example Wire"]
    assert c.lines == [2, 3]


def test_tab_separated_with_unknown_extension_is_sniffed():
    c = read_corpus(DATA / "generic_tab.txt")
    assert c.texts == ["A sneaky tax hike.", "Taxes rose by 2 percent."]
    assert c.labels.tolist() == [1, 0]


def test_jsonl():
    c = read_corpus(DATA / "generic.jsonl")
    assert c.labels.tolist() == [1, 0, 1, 0, 1]
    assert c.biased_words == [["zealots", "struck"], [], ["brazen", "grab"], [], ["cowardly", "retreat"]]
    assert c.outlets == ["Example Post", None, None, None, None]
    assert c.topics == ["climate", None, None, None, "politics"]
    assert c.lines == [1, 3, 4, 5, 6]  # line 2 is blank


def test_jsonl_detected_by_content_without_extension(tmp_path):
    p = tmp_path / "corpus.data"
    p.write_text('{"text": "Fine.", "label": "neutral"}\n', encoding="utf-8")
    assert read_corpus(p).texts == ["Fine."]


def test_read_corpora_concatenates_in_order():
    a, b = DATA / "generic_semicolon.csv", DATA / "generic_tab.txt"
    c = read_corpora([a, b])
    assert len(c) == 4
    assert c.sources == [str(a)] * 2 + [str(b)] * 2
    assert set(c.sha256) == {str(a), str(b)}


# --------------------------------------------------------------------------- errors


def _error(path) -> FramingError:
    with pytest.raises(FramingError) as info:
        read_corpus(path)
    return info.value


@pytest.mark.parametrize(
    "name, line, words",
    [
        ("missing_column.csv", 1, "missing column 'label'"),
        ("unknown_label.csv", 4, "unknown label 'maybe'"),
        ("empty_text.csv", 4, "empty text"),
        ("bad_json.jsonl", 3, "not valid JSON"),
        ("not_object.jsonl", 2, "expected a JSON object"),
        ("missing_field.jsonl", 2, "missing field 'label'"),
        ("binary.csv", 1, "binary"),
        ("latin1.csv", 3, "not valid UTF-8"),
        ("ragged.csv", 3, "row has 4 fields but the header has 2"),
        ("unclosed_quote.csv", 3, "malformed CSV"),
        ("bad_biased_words.csv", 3, "biased_words is not a valid list literal"),
        ("header_only.csv", 1, "no sentences"),
    ],
)
def test_broken_fixture_names_file_and_line(name, line, words):
    path = DATA / name
    err = _error(path)
    assert err.path == str(path) and err.line == line
    assert words in err.message
    assert str(err).startswith(f"{path}:{line}: ")


def test_empty_file():
    err = _error(DATA / "empty.csv")
    assert err.path == str(DATA / "empty.csv") and "empty" in err.message


def test_whitespace_only_file(tmp_path):
    p = tmp_path / "blank.csv"
    p.write_bytes(b"\xef\xbb\xbf \n\n")
    assert "empty" in _error(p).message


def test_missing_file(tmp_path):
    err = _error(tmp_path / "nope.csv")
    assert err.path == str(tmp_path / "nope.csv") and "no such" in err.message


def test_directory(tmp_path):
    err = _error(tmp_path)
    assert err.path == str(tmp_path) and "directory" in err.message


def test_json_array_is_rejected_with_advice(tmp_path):
    p = tmp_path / "corpus.json"
    p.write_text('[{"text": "a", "label": 1}]', encoding="utf-8")
    err = _error(p)
    assert err.line == 1 and "JSON Lines" in err.message


def test_all_rows_skipped_is_an_error(tmp_path):
    p = tmp_path / "c.csv"
    p.write_text("text,label\nHmm.,No agreement\n", encoding="utf-8")
    assert "no usable sentences" in _error(p).message


def test_error_in_second_file_names_that_file():
    bad = DATA / "unknown_label.csv"
    with pytest.raises(FramingError) as info:
        read_corpora([DATA / "generic_tab.txt", bad])
    assert info.value.path == str(bad) and info.value.line == 4


@pytest.mark.parametrize(
    "record, words",
    [
        ('{"text": 5, "label": 1}', "text must be a string"),
        ('{"text": "a", "label": 2}', "unknown label 2"),
        ('{"text": "a", "label": null}', "missing label"),
        ('{"text": "a", "label": ""}', "empty label"),
        ('{"text": "a", "label": 1, "biased_words": [1, 2]}', "biased_words must be a list of strings"),
        ('{"text": "a", "label": 1, "outlet": 3}', "outlet must be a string"),
        ('{"label": 1}', "missing field 'text'"),
    ],
)
def test_jsonl_field_validation(tmp_path, record, words):
    p = tmp_path / "c.jsonl"
    p.write_text('{"text": "ok", "label": 0}\n' + record + "\n", encoding="utf-8")
    err = _error(p)
    assert err.line == 2 and words in err.message


def test_duplicate_header_column(tmp_path):
    p = tmp_path / "c.csv"
    p.write_text("text,label,text\na,1,b\n", encoding="utf-8")
    err = _error(p)
    assert err.line == 1 and "appears twice" in err.message


def test_biased_words_literal_is_not_evaluated(tmp_path):
    p = tmp_path / "c.csv"
    p.write_text('text,label,biased_words\na,1,"[__import__(\'os\')]"\n', encoding="utf-8")
    assert "not a valid list literal" in _error(p).message


# --------------------------------------------------------------------------- repeats


def test_duplicates_keep_first_and_conflicts_drop_all():
    path = DATA / "duplicates.csv"
    c = read_corpus(path)
    assert c.texts == ["The vote was held on Monday.", "A shameless  power grab.", "Snow fell overnight."]
    assert c.lines == [2, 3, 8]
    r = c.report
    assert [(d.line, d.first_line) for d in r.duplicates] == [(4, 2), (7, 2)]
    assert len(r.conflicts) == 1
    assert r.conflicts[0].text == "Prices rose sharply."
    assert r.conflicts[0].occurrences == ((str(path), 5, 1), (str(path), 6, 0))
    assert (r.rows, r.loaded, r.neutral) == (7, 2, 5)
    assert (r.kept, r.kept_loaded, r.kept_neutral) == (3, 1, 2)
    s = r.summary()
    assert "2 duplicates" in s and "1 conflicting text (2 rows labelled both ways)" in s
    assert "kept 3 (1 loaded, 2 neutral) after dropping 4 repeated rows" in s


def test_dedupe_off_keeps_every_row_but_still_reports():
    c = read_corpus(DATA / "duplicates.csv", dedupe=False)
    assert len(c) == 7 and len(c.report.duplicates) == 2 and len(c.report.conflicts) == 1


def test_repeats_across_files(tmp_path):
    a = tmp_path / "a.csv"
    b = tmp_path / "b.jsonl"
    a.write_text("text,label\nSame text.,loaded\nOther.,neutral\n", encoding="utf-8")
    b.write_text('{"text": "  Same   text. ", "label": 1}\n{"text": "Other.", "label": 1}\n', encoding="utf-8")
    c = read_corpora([a, b])
    assert c.texts == ["Same text."]
    (d,) = c.report.duplicates
    assert (d.source, d.line, d.first_source, d.first_line) == (str(b), 1, str(a), 2)
    (k,) = c.report.conflicts
    assert k.occurrences == ((str(a), 3, 0), (str(b), 2, 1))


def test_summary_singular_and_plural():
    r = CorpusReport(rows=1, loaded=1, neutral=0, kept=1, kept_loaded=1, kept_neutral=0)
    assert r.summary() == (
        "1 sentence (1 loaded, 0 neutral); skipped 0 'No agreement' rows; 0 duplicates; "
        "0 conflicting texts; kept 1 (1 loaded, 0 neutral)."
    )


# --------------------------------------------------------------------------- Corpus object


def test_subset_by_indices_and_mask():
    c = read_corpus(DATA / "generic_comma.csv")
    s = c.subset([4, 0])
    assert s.texts == [c.texts[4], c.texts[0]]
    assert s.lines == [7, 2] and s.labels.tolist() == [1, 1]
    assert (s.report.rows, s.report.loaded, s.report.neutral) == (2, 2, 0)
    m = c.subset(c.labels == 0)
    assert len(m) == 3 and m.labels.tolist() == [0, 0, 0]
    assert c.subset([]).texts == [] and c.subset(np.array([], dtype=int)).texts == []
    assert c.subset(-1).texts == [c.texts[-1]]
    assert len(c.subset(np.arange(len(c)))) == len(c)
    # subsets are copies: editing one must not change the parent
    s.biased_words[1].append("x")
    assert c.biased_words[0] == ["reckless", "failed"]


def test_corpus_rejects_inconsistent_columns():
    with pytest.raises(ValueError):
        Corpus(["a"], np.array([1, 0]), [[]], [None], [None], ["f"], [1], {}, CorpusReport())
    with pytest.raises(ValueError):
        Corpus(["a"], np.array([2]), [[]], [None], [None], ["f"], [1], {}, CorpusReport())


# --------------------------------------------------------------------------- the team's examples


def test_examples_corpus():
    c = read_corpus(EXAMPLES)
    assert 36 <= len(c) <= 60
    assert int(c.labels.sum()) * 2 == len(c)  # balanced
    assert not c.report.duplicates and not c.report.conflicts
    for text, label, words in zip(c.texts, c.labels, c.biased_words):
        if label == 1:
            assert words, text
            for w in words:
                assert w.lower() in text.lower(), (w, text)
        else:
            assert words == [], text
    assert all(c.topics)


def test_datasheet_checksums_match_files():
    sheet = (REPO / "corpus" / "DATASHEET.md").read_text(encoding="utf-8")
    assert sha256_file(EXAMPLES) in sheet
    for name, (_, sha) in BABE_FILES.items():
        assert sha in sheet and name in sheet


# --------------------------------------------------------------------------- property: CSV round trip

_texts = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), min_size=1, max_size=40
).filter(lambda t: t.strip())


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.tuples(_texts, st.booleans()), min_size=1, max_size=8), delim=st.sampled_from([",", ";"]))
def test_csv_round_trip_texts_labels_and_start_lines(tmp_path_factory, rows, delim):
    # Whatever the text (quotes, delimiters, newlines), what csv writes we read
    # back, and each row's line is where the writer started it.
    buf = io.StringIO(newline="")
    w = csv.writer(buf, delimiter=delim, lineterminator="\n", quoting=csv.QUOTE_ALL)
    w.writerow(["text", "label"])
    starts = []
    for text, label in rows:
        starts.append(buf.getvalue().count("\n") + buf.getvalue().count("\r") - buf.getvalue().count("\r\n") + 1)
        w.writerow([text, "loaded" if label else "neutral"])
    p = tmp_path_factory.mktemp("rt") / "c.csv"
    p.write_text(buf.getvalue(), encoding="utf-8", newline="")
    c = read_corpus(p, dedupe=False)
    assert c.texts == [t.strip() for t, _ in rows]
    assert c.labels.tolist() == [int(lab) for _, lab in rows]
    assert c.lines == starts


# --------------------------------------------------------------------------- getting BABE


@pytest.fixture
def no_network(monkeypatch):
    def refuse(*a, **k):
        raise AssertionError("network used")

    monkeypatch.setattr(urllib.request, "urlopen", refuse)


class _FakeResponse(io.BytesIO):
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


@pytest.fixture
def serve(monkeypatch):
    calls = []

    def install(payload: bytes):
        def fake(url, timeout=None):
            calls.append(url)
            return _FakeResponse(payload)

        monkeypatch.setattr(urllib.request, "urlopen", fake)
        return calls

    return install


def test_sha256_file(tmp_path):
    p = tmp_path / "x"
    p.write_bytes(b"abc")
    assert sha256_file(p) == hashlib.sha256(b"abc").hexdigest()
    with pytest.raises(FramingError, match="no such file"):
        sha256_file(tmp_path / "missing")
    with pytest.raises(FramingError, match="directory"):
        sha256_file(tmp_path)


@needs_babe
def test_default_path_uses_shared_mirror_offline(monkeypatch, no_network):
    monkeypatch.delenv("FRAMING_CORPUS_DIR", raising=False)
    assert default_corpus_path().resolve() == SG2.resolve()  # ../shared may be a symlink


@needs_babe
def test_default_path_env_mirror(monkeypatch, tmp_path, no_network):
    (tmp_path / "final_labels_SG2.csv").write_bytes(SG2.read_bytes())
    monkeypatch.setenv("FRAMING_CORPUS_DIR", str(tmp_path))
    assert default_corpus_path() == tmp_path / "final_labels_SG2.csv"


def test_default_path_env_mirror_with_wrong_file(monkeypatch, tmp_path, no_network):
    (tmp_path / "final_labels_SG2.csv").write_bytes(b"text;label_bias\nx;Biased\n")
    monkeypatch.setenv("FRAMING_CORPUS_DIR", str(tmp_path))
    with pytest.raises(FramingError, match="SHA-256 mismatch"):
        default_corpus_path()


def test_default_path_env_mirror_missing_file_does_not_download(monkeypatch, tmp_path, no_network):
    monkeypatch.setenv("FRAMING_CORPUS_DIR", str(tmp_path))
    with pytest.raises(FramingError, match="mirror has no final_labels_SG2.csv"):
        default_corpus_path()


@needs_babe
def test_default_path_downloads_when_no_mirror(monkeypatch, tmp_path, serve):
    monkeypatch.delenv("FRAMING_CORPUS_DIR", raising=False)
    monkeypatch.setattr(fetch_mod, "mirror_dir", lambda: None)
    monkeypatch.setenv("FRAMING_CACHE", str(tmp_path / "cache"))
    calls = serve(SG2.read_bytes())
    path = default_corpus_path()
    assert path == tmp_path / "cache" / "babe" / "final_labels_SG2.csv"
    assert sha256_file(path) == SG2_SHA
    assert calls == [BABE_FILES["final_labels_SG2.csv"][0]]
    # a verified cached copy is reused without the network
    assert default_corpus_path() == path and len(calls) == 1


@needs_babe
def test_fetch_babe_writes_verified_file(tmp_path, serve):
    calls = serve(SG2.read_bytes())
    dest = fetch_babe(tmp_path / "d")
    assert dest == tmp_path / "d" / "final_labels_SG2.csv"
    assert dest.read_bytes() == SG2.read_bytes()
    assert [p.name for p in (tmp_path / "d").iterdir()] == ["final_labels_SG2.csv"]
    assert calls[0].startswith("https://raw.githubusercontent.com/") and "fb79f646" in calls[0]


def test_fetch_babe_checksum_mismatch_leaves_nothing(tmp_path, serve):
    serve(b"text;label_bias\ntampered;Biased\n")
    with pytest.raises(FramingError, match="SHA-256"):
        fetch_babe(tmp_path)
    assert list(tmp_path.iterdir()) == []


@needs_babe
def test_fetch_babe_replaces_corrupt_cache(tmp_path, serve):
    (tmp_path / "final_labels_SG2.csv").write_bytes(b"truncated")
    serve(SG2.read_bytes())
    assert sha256_file(fetch_babe(tmp_path)) == SG2_SHA


def test_fetch_babe_corrupt_download_keeps_old_file_untouched(tmp_path, serve):
    old = tmp_path / "final_labels_SG2.csv"
    old.write_bytes(b"old")
    serve(b"also wrong")
    with pytest.raises(FramingError):
        fetch_babe(tmp_path)
    assert old.read_bytes() == b"old" and sorted(p.name for p in tmp_path.iterdir()) == [old.name]


def test_fetch_babe_network_failure(tmp_path, monkeypatch):
    def down(url, timeout=None):
        raise urllib.error.URLError("no route to host")

    monkeypatch.setattr(urllib.request, "urlopen", down)
    with pytest.raises(FramingError, match="could not download .*no route to host"):
        fetch_babe(tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_fetch_babe_unknown_name(tmp_path, no_network):
    with pytest.raises(FramingError, match="unknown BABE file"):
        fetch_babe(tmp_path, name="final_labels_SG3.csv")


def test_biased_words_as_json_list_in_csv(tmp_path):
    # framing.stages (prepare) writes biased_words with json.dumps; reading must round-trip it.
    import json

    words = ["naïve", "😀 emoji", 'say "no"']
    p = tmp_path / "prepared.csv"
    with open(p, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([["text", "label", "biased_words"], ["x", "loaded", json.dumps(words)]])
    assert read_corpus(p).biased_words == [words]


# -- PTC ------------------------------------------------------------------------

SHARED_PTC = REPO.parent / "shared" / "corpora" / "ptc"
needs_ptc = pytest.mark.skipif(not (SHARED_PTC / "train-articles").is_dir(),
                               reason=f"PTC not found at {SHARED_PTC} (third-party data, never in the repo)")


def _tiny_ptc(tmp_path):
    root = tmp_path / "ptc"
    (root / "train-articles").mkdir(parents=True)
    text = "A calm title\n\nThe traitor lied again.\nOfficials met on Monday.\nIs it doubtful?\n"
    (root / "train-articles" / "article1.txt").write_text(text, encoding="utf-8")
    start = text.index("traitor")
    doubt = text.index("doubtful")
    (root / "train-task-flc-tc.labels").write_text(
        f"1\tName_Calling,Labeling\t{start}\t{start + 7}\n1\tDoubt\t{doubt}\t{doubt + 8}\n", encoding="utf-8")
    return root, text


def test_read_ptc_lines_offsets_and_labels(tmp_path):
    root, text = _tiny_ptc(tmp_path)
    sentences = corpus_mod.read_ptc(root)
    assert [s.line for s in sentences] == [1, 3, 4, 5]  # blank lines skipped, numbering kept
    assert all(text[s.start:s.end] == s.text for s in sentences)
    assert [corpus_mod.ptc_label(s) for s in sentences] == ["neutral", "loaded", "neutral", "other"]
    assert corpus_mod.loaded_words(sentences[1]) == ["traitor"]
    assert corpus_mod.label_ptc(sentences)[1] == ("The traitor lied again.", "loaded", ["traitor"])


def test_read_ptc_refuses_a_bad_folder_and_a_bad_labels_line(tmp_path):
    with pytest.raises(FramingError, match="not a PTC folder"):
        corpus_mod.read_ptc(tmp_path)
    root, _ = _tiny_ptc(tmp_path)
    (root / "train-task-flc-tc.labels").write_text("1\tLoaded_Language\tten\t12\n", encoding="utf-8")
    with pytest.raises(FramingError, match=r"labels:1: expected article id"):
        corpus_mod.read_ptc(root)


@needs_ptc
def test_ptc_counts_match_its_readme():
    """../shared/corpora/README.md: 16,673 non-blank lines, 2,573 loaded, 11,920 with no span."""
    sentences = corpus_mod.read_ptc(SHARED_PTC)
    labels = [corpus_mod.ptc_label(s) for s in sentences]
    assert len(sentences) == 16673
    assert labels.count("loaded") == 2573
    assert labels.count("neutral") == 11920
    assert labels.count("other") == 16673 - 2573 - 11920
    # spans are character offsets into the article file: a loaded sentence's words are in its text
    loaded = [s for s, lab in zip(sentences, labels) if lab == "loaded"]
    assert all(corpus_mod.loaded_words(s) and all(w in s.text for w in corpus_mod.loaded_words(s)) for s in loaded)


def test_heldout_articles_are_a_fixed_third():
    """The held-out PTC articles depend on the id alone (a hash, not the id's order or
    the process), so training and the cross-corpus benchmarks agree on them."""
    from framing.corpus.ptc import HELDOUT_EVERY, is_heldout

    ids = [str(111111111 + 7919 * i) for i in range(3000)]
    share = sum(map(is_heldout, ids)) / len(ids)
    assert abs(share - 1 / HELDOUT_EVERY) < 0.03
    assert [is_heldout(i) for i in ids[:50]] == [is_heldout(i) for i in ids[:50]]


@needs_ptc
def test_ptc_heldout_split_on_the_real_corpus():
    from framing.corpus.ptc import is_heldout

    articles = {s.article for s in corpus_mod.read_ptc(SHARED_PTC)}
    held = {a for a in articles if is_heldout(a)}
    assert len(articles) == 371 and len(held) == 126  # pinned: a change would move every PTC figure
