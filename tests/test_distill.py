"""The fast tier taught by the accurate one: pseudo-labels and training-only sentences."""

from __future__ import annotations

import dataclasses
import hashlib
import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import LEXICONS, TEAM_CORPUS, assert_one_line_error, run_cli
from framing.model.base import Cue
from framing.model.distill import pseudo_label

class _Teacher:
    """A stand-in teacher: a fixed probability per text, and its words as cues with falling weights."""

    def __init__(self, proba: dict[str, float]):
        self.proba = proba

    def predict_proba(self, texts):
        return np.array([self.proba[t] for t in texts])

    def explain(self, texts):
        out = []
        for t in texts:
            cues, pos = [], 0
            for k, word in enumerate(t.split()):
                start = t.index(word, pos)
                pos = start + len(word)
                cues.append(Cue(word, start, pos, 1.0 - 0.1 * k))
            out.append(cues + [Cue("x", 0, 1, -1.0)])
        return out


def test_pseudo_labels_keep_the_confident_calls_with_the_strongest_cues():
    teacher = _Teacher({"sharp loaded words here": 0.95, "plain report": 0.05, "unsure one": 0.5})
    got = pseudo_label(teacher, ["sharp loaded words here", "unsure one", "plain report", "plain report", " "],
                       high=0.8, low=0.1, max_cues=2)
    assert got.texts == ["sharp loaded words here", "plain report"]
    assert got.labels == [1, 0]
    assert got.biased_words == [["sharp", "loaded"], []]
    assert got.summary() == {"scored": 3, "kept": 2, "loaded": 1, "neutral": 1}


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(0, 1), min_size=1, max_size=30), st.floats(0, 0.49), st.floats(0.51, 1))
def test_pseudo_labels_never_keep_a_sentence_between_the_cut_offs(probs, low, high):
    texts = [f"sentence {i}" for i in range(len(probs))]
    teacher = _Teacher(dict(zip(texts, probs)))
    got = pseudo_label(teacher, texts, high=high, low=low)
    for text, label in zip(got.texts, got.labels):
        p = teacher.proba[text]
        assert (label == 1 and p >= high) or (label == 0 and p <= low)
    assert len(got.texts) == sum(p >= high or p <= low for p in probs)


def test_bad_cut_offs_are_refused():
    with pytest.raises(ValueError, match="low < high"):
        pseudo_label(_Teacher({}), [], high=0.2, low=0.3)


def test_pseudo_labels_read_back_as_a_corpus(tmp_path):
    from framing.corpus import read_corpus

    teacher = _Teacher({'He said "no", twice, and left': 0.9, "Rates rose.": 0.0})
    path = tmp_path / "pseudo.csv"
    path.write_text(pseudo_label(teacher, list(teacher.proba)).to_csv(), encoding="utf-8")
    corpus = read_corpus(path)
    assert corpus.texts == list(teacher.proba)
    assert corpus.labels.tolist() == [1, 0]
    assert corpus.biased_words[0] == ["He", "said"]


def _team_corpus_and_extra(tmp_path):
    """The team's corpus, and extra sentences that teach a word it never uses."""
    from framing.corpus import read_corpus

    extra = tmp_path / "extra.csv"
    rows = ["text,label,biased_words"]
    rows += [f"The zorblat plan number {i} is a disgrace.,loaded,zorblat" for i in range(12)]
    rows += [f"The budget office published table {i} on Monday.,neutral," for i in range(12)]
    # A sentence of the corpus itself, labelled the other way: it must not train (it would
    # reach the folds that test it), so 24 extra sentences count.
    rows += ["\"The governor's reckless tax giveaway will bleed the state budget dry.\",neutral,"]
    extra.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return read_corpus(TEAM_CORPUS), read_corpus(extra), extra


def test_extra_sentences_train_but_never_calibrate_or_count(tmp_path, lexicons):
    from framing.model.static import train

    corpus, extra, _ = _team_corpus_and_extra(tmp_path)
    plain = train(corpus, lexicons=lexicons, seed=0)
    taught = train(corpus, lexicons=lexicons, seed=0, extra=extra)
    cv = taught.card["cross_validation"]
    assert taught.card["training_data"]["sentences"] == len(corpus)
    assert cv["n"] == len(corpus)  # the figures are the corpus's own sentences, not the extra ones
    assert taught.card["extra_training_data"]["sentences"] == len(extra) - 1 == 24
    assert "extra_training_data" not in plain.card
    probe = ["Critics called the zorblat scheme a fiasco."]
    assert taught.predict_proba(probe)[0] > plain.predict_proba(probe)[0]
    # No extra sentences: the very same model as without the option.
    same = train(corpus, lexicons=lexicons, seed=0, extra=extra.subset([]))
    assert same.predict_proba(probe)[0] == plain.predict_proba(probe)[0]
    assert same.card["cross_validation"] == plain.card["cross_validation"]


def test_cross_validation_called_directly_drops_repeats_of_any_fold(tmp_path, lexicons):
    """A repeat of a corpus sentence would train the fold that tests it: the figures come
    from the corpus's own sentences only, whichever door the extra sentences come in by."""
    from framing.evaluation import cross_validate, leave_one_outlet_out

    corpus, extra, _ = _team_corpus_and_extra(tmp_path)
    assert len(extra.without_texts_of(corpus)) == len(extra) - 1
    assert extra.without_texts_of(extra.subset([])).texts == extra.texts
    result = cross_validate(corpus, lexicons=lexicons, folds=2, baseline=False, extra=extra)
    assert result["extra_train"]["sentences"] == 24
    # The team's corpus names no outlets: two made-up ones, each with loaded and neutral
    # sentences (its rows mostly alternate loaded, neutral).
    two_outlets = dataclasses.replace(corpus, outlets=["A" if i % 4 < 2 else "B" for i in range(len(corpus))])
    taught = leave_one_outlet_out(two_outlets, lexicons=lexicons, min_sentences=4, baseline=False, extra=extra)
    # The repeat is the governor's sentence, labelled the other way: had it trained, the
    # economy fold would differ from a run with the repeat left out beforehand.
    clean = leave_one_outlet_out(two_outlets, lexicons=lexicons, min_sentences=4, baseline=False,
                                 extra=extra.without_texts_of(corpus))
    assert taught["outlets"] and taught == clean


def test_cli_trains_and_cross_validates_with_extra_sentences(tmp_path):
    _, _, extra = _team_corpus_and_extra(tmp_path)
    out = tmp_path / "taught.framing"
    result = run_cli("train", "--corpus", str(TEAM_CORPUS), "--extra-train", str(extra), "--out", str(out),
                     "--lexicons", str(LEXICONS))
    assert result.returncode == 0, result.stderr.decode()
    card = json.loads(out.with_name("taught.card.json").read_text())
    assert card["extra_training_data"]["files"] == {str(extra): hashlib.sha256(extra.read_bytes()).hexdigest()}
    metrics = tmp_path / "m.json"
    result = run_cli("evaluate", "--model", str(out), "--corpus", str(TEAM_CORPUS), "--cv", "2",
                     "--extra-train", str(extra), "--lexicons", str(LEXICONS), "--metrics", str(metrics))
    assert result.returncode == 0, result.stderr.decode()
    figures = json.loads(metrics.read_text())
    assert figures["extra_train"]["sentences"] == 24
    assert len(figures["model"]["per_fold"]) == 2
    # The same model evaluated without the option says what its folds leave out.
    result = run_cli("evaluate", "--model", str(out), "--corpus", str(TEAM_CORPUS), "--cv", "2",
                     "--lexicons", str(LEXICONS))
    assert result.returncode == 0 and b"without --extra-train" in result.stderr


def test_extra_sentences_are_refused_where_they_cannot_train(tmp_path, small_model_path):
    _, _, extra = _team_corpus_and_extra(tmp_path)
    result = run_cli("evaluate", "--model", str(small_model_path), "--corpus", str(TEAM_CORPUS),
                     "--extra-train", str(extra))
    assert_one_line_error(result, "--extra-train", "--cv")
    result = run_cli("train", "--tier", "accurate", "--corpus", str(TEAM_CORPUS), "--extra-train", str(extra),
                     "--out", str(tmp_path / "a.framing"))
    assert_one_line_error(result, "--extra-train", "--tier fast")
    result = run_cli("train", "--corpus", str(TEAM_CORPUS), "--extra-train", str(tmp_path / "missing.csv"),
                     "--out", str(tmp_path / "b.framing"))
    assert_one_line_error(result, "missing.csv")
