"""Tests for what each feature transformer computes, build_pipeline/explain and lexicon loading.

The contract every transformer meets (scikit-learn's checks, and their substance
re-tested on strings, since scikit-learn skips its data checks for estimators
that take raw strings) is in tests/test_common.py, over every transformer found
in framing.features.
"""

from __future__ import annotations

import os
import pickle
import shutil
from pathlib import Path

import numpy as np
import pytest
import sklearn
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import SMALL_LEX, feature_corpus
from framing.errors import FramingError
from framing.features import (
    DEFAULT_PARAMS, TOKEN_RE, LexiconCues, LoadedWords, NgramScore, NgramTfidf,
    StyleCues, Batch, build_pipeline, explain, quote_mask, tokenize_spans,
)
from framing.lexicons import ENV_VAR, default_lexicon_dir, load_lexicons

_DEFAULT_LEXICONS = default_lexicon_dir()  # None outside a clone
HAVE_LEXICONS = (_DEFAULT_LEXICONS is not None and _DEFAULT_LEXICONS.is_dir()) or bool(os.environ.get(ENV_VAR))
try:  # the embedding features need wordllama at training time only
    import wordllama  # noqa: F401

    HAVE_WORDLLAMA = True
except ImportError:  # pragma: no cover
    HAVE_WORDLLAMA = False
needs_lexicons = pytest.mark.skipif(not HAVE_LEXICONS, reason="shared lexicons not available")
needs_wordllama = pytest.mark.skipif(not HAVE_WORDLLAMA, reason="wordllama not installed")

TEXTS, Y, BW = feature_corpus()


# ------------------------------------------------------------------ feature semantics

def test_quote_mask_separates_direct_quotes_from_scare_quotes():
    text = 'He called the plan "a reckless and cruel scheme for the rich" and a "hoax".'
    spans = tokenize_spans(text)
    mask = quote_mask(text, spans)
    quoted = {t for (_, _, t), m in zip(spans, mask) if m}
    assert {"reckless", "cruel", "scheme"} <= quoted
    assert "hoax" not in quoted and "plan" not in quoted
    b = Batch([text])
    assert b.scare[[t for _, _, t in spans].index("hoax")]


@pytest.mark.parametrize("text, quoted, outside", [
    ("\u201cIt is a lot of capital to spend if you do not have a goal.", "capital", None),
    ("and that is the sad end of the story,\u201d the senator said.", "story", "senator"),
    ('He said "the vote will be close and very ugly', "ugly", "said"),
])
def test_quote_left_open_or_closed_across_sentences(text, quoted, outside):
    spans = tokenize_spans(text)
    mask = dict(zip([t for _, _, t in spans], quote_mask(text, spans)))
    assert mask[quoted]
    if outside:
        assert not mask[outside]


def test_loaded_words_learns_annotated_words_and_splits_quotes():
    lw = LoadedWords(lexicons=SMALL_LEX, embedding_prior=False).fit(TEXTS, Y, biased_words=BW)
    assert lw.word_score("disgraceful") > lw.word_score("tuesday")
    assert lw.uses_annotations_
    names = list(lw.get_feature_names_out())
    out = lw.transform(['She said it was "a disgraceful day for the whole country".',
                        "It was a disgraceful day for the whole country."])
    quoted_sum, outside_sum = names.index("loaded__quoted_sum"), names.index("loaded__sum")
    assert out[0, quoted_sum] > 0 and out[1, quoted_sum] == 0
    assert out[1, outside_sum] > out[0, outside_sum]


def test_loaded_words_falls_back_to_sentence_labels():
    lw = LoadedWords(lexicons=SMALL_LEX, embedding_prior=False).fit(TEXTS, Y)
    assert not lw.uses_annotations_
    assert lw.word_score("reckless") > 0 and lw.word_score("said") == 0


def test_loaded_words_cross_fits_training_features():
    # a word seen in one training sentence only gets no credit for it out of fold
    lw = LoadedWords(lexicons=SMALL_LEX, embedding_prior=False, smoothing=1.0)
    A = lw.fit_transform(TEXTS, Y, biased_words=BW)
    B = lw.transform(TEXTS)
    assert not np.allclose(A, B)


def test_style_cues_count_what_they_say():
    sc = StyleCues(lexicons=SMALL_LEX).fit(TEXTS, Y)
    names = [n.split("__")[1] for n in sc.get_feature_names_out()]
    F = sc.transform(["Why did you claim it was the worst idea ever?!", "The bill passed."]) * sc.scale_
    row = dict(zip(names, F[0]))
    assert row["question"] == 1 and row["exclamation"] == 1
    assert row["second_person"] == 1 and row["loaded_saying"] == 1 and row["superlative"] >= 1
    assert dict(zip(names, F[1]))["question"] == 0


def test_ngram_tfidf_matches_definition():
    v = NgramTfidf(min_df=1).fit(["a b a", "b c"])
    M = v.transform(["a b a"]).toarray()[0]
    names = [n.split("__")[1] for n in v.get_feature_names_out()]
    idf = {n: i for n, i in zip(names, v.idf_)}
    raw = {"a": (1 + np.log(2)) * idf["a"], "b": idf["b"], "a b": idf["a b"], "b a": idf["b a"]}
    norm = np.sqrt(sum(x * x for x in raw.values()))
    for n, x in raw.items():
        assert M[names.index(n)] == pytest.approx(x / norm)


def test_lexicon_cues_match_inflections():
    lc = LexiconCues(lexicons=SMALL_LEX).fit(TEXTS)
    names = [n.split("__")[1] for n in lc.get_feature_names_out()]
    F = lc.transform(["She slammed the bizarre plan."]) * lc.scale_
    assert F[0, names.index("bias")] == 2  # "slammed" -> slam, "bizarre"


# ------------------------------------------------------------------ pipeline and explain

def test_build_pipeline_params():
    assert set(DEFAULT_PARAMS) >= {"C", "use_loaded", "ngram_max"}
    with pytest.raises(ValueError, match="unknown model params"):
        build_pipeline({"nonsense": 1}, SMALL_LEX)
    with pytest.raises(ValueError):
        build_pipeline({f"use_{g}": False for g in ("loaded", "lexicon", "style", "embedding", "ngrams")},
                       SMALL_LEX)


@pytest.mark.parametrize("group", ["loaded", "lexicon", "style", "ngrams"])
def test_biased_words_accepted_whatever_groups_are_on(group):
    params = {f"use_{g}": g == group for g in ("loaded", "lexicon", "style", "embedding", "ngrams")}
    params.update(loaded_embedding_prior=False, min_df=1)
    pipe = build_pipeline(params, SMALL_LEX)
    with sklearn.config_context(enable_metadata_routing=True):
        pipe.fit(TEXTS, Y, biased_words=BW)
    assert pipe.predict_proba(TEXTS[:2]).shape == (2, 2)


def test_fit_without_biased_words_and_without_routing():
    params = {"use_embedding": False, "loaded_embedding_prior": False, "min_df": 1}
    pipe = build_pipeline(params, SMALL_LEX).fit(TEXTS, Y)
    assert pipe.predict_proba(TEXTS).shape == (len(TEXTS), 2)


def test_biased_words_change_the_model(small_pipeline):
    params = {"use_embedding": False, "loaded_embedding_prior": False, "min_df": 1}
    without = build_pipeline(params, SMALL_LEX).fit(TEXTS, Y)
    lw_with = small_pipeline.named_steps["features"].transformer_list[0][1]
    lw_without = without.named_steps["features"].transformer_list[0][1]
    assert lw_with.uses_annotations_ and not lw_without.uses_annotations_


def test_deterministic(small_pipeline):
    params = {"use_embedding": False, "loaded_embedding_prior": False, "min_df": 1}
    again = build_pipeline(params, SMALL_LEX)
    with sklearn.config_context(enable_metadata_routing=True):
        again.fit(TEXTS, Y, biased_words=BW)
    np.testing.assert_array_equal(again.predict_proba(TEXTS), small_pipeline.predict_proba(TEXTS))
    assert explain(again, TEXTS) == explain(small_pipeline, TEXTS)


def _token_contributions_sum(pipe, texts):
    """Sum over all tokens (positive and negative) of their attributed contribution."""
    batch = Batch(texts)
    union = pipe.named_steps["features"]
    coef = pipe.named_steps["clf"].coef_.ravel()
    total, start = np.zeros(len(batch.words)), 0
    for _, tr in union.transformer_list:
        n = len(tr.get_feature_names_out())
        kw = {"texts": texts} if isinstance(tr, StyleCues) else {}
        total += tr.token_contributions(batch, coef[start:start + n], **kw)
        start += n
    return np.bincount(batch.doc, weights=total, minlength=len(texts))


def test_explanations_are_exact_additive_contributions(small_pipeline):
    texts = TEXTS + ["A bizarre, outrageous and radical tax bill!", 'He said "the reckless plan will fail badly".']
    dec = small_pipeline.decision_function(texts)
    clf = small_pipeline.named_steps["clf"]
    # the only parts without a word: the intercept and the sentence-level style features
    union = small_pipeline.named_steps["features"]
    F = union.transform(texts)
    F = F.toarray() if hasattr(F, "toarray") else F
    names = list(union.get_feature_names_out())
    sentence_level = [names.index(f"style__style__{n}") for n in ("question", "exclamation", "log_length")]
    rest = clf.intercept_[0] + F[:, sentence_level] @ clf.coef_.ravel()[sentence_level]
    np.testing.assert_allclose(_token_contributions_sum(small_pipeline, texts) + rest, dec, atol=1e-8)


def test_explain_points_at_the_loaded_word(small_pipeline):
    text = "The committee pushed a reckless school budget through on Tuesday."
    spans = explain(small_pipeline, [text])[0]
    assert text[spans[0][0]:spans[0][1]] == "reckless"


words = st.text(alphabet=st.characters(categories=("L", "N")), min_size=1, max_size=10)
seps = st.sampled_from([" ", ", ", " \"", "\" ", "! ", "? ", " - ", "’", "'", "\n", "  "])


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(st.tuples(words, seps), max_size=25).map(lambda p: "".join(a + b for a, b in p)),
                min_size=1, max_size=6))
def test_explain_spans_are_words_inside_the_text(small_pipeline, texts):
    out = explain(small_pipeline, texts)
    assert len(out) == len(texts)
    for text, spans in zip(texts, out):
        assert len(spans) <= 8
        weights = [w for _, _, w in spans]
        assert all(w > 0 for w in weights)
        assert weights == sorted(weights, reverse=True)
        taken = set()
        for s, e, _ in spans:
            assert 0 <= s < e <= len(text)
            assert TOKEN_RE.fullmatch(text[s:e]), text[s:e]
            assert not taken & set(range(s, e))  # no overlapping spans
            taken |= set(range(s, e))
        # every span is one of the text's own tokens
        assert {(s, e) for s, e, _ in spans} <= {(a, b) for a, b, _ in tokenize_spans(text)}


def test_explain_empty_inputs(small_pipeline):
    assert explain(small_pipeline, []) == []
    assert explain(small_pipeline, ["", "...", "!!"]) == [[], [], []]


@needs_lexicons
@needs_wordllama
def test_full_default_pipeline_pickles_without_files(tmp_path, monkeypatch):
    lex = load_lexicons()
    pipe = build_pipeline({}, lex)
    with sklearn.config_context(enable_metadata_routing=True):
        pipe.fit(TEXTS, Y, biased_words=BW)
    blob = pickle.dumps(pipe)
    assert len(blob) < 20e6
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "nowhere"))
    import sys
    monkeypatch.setitem(sys.modules, "wordllama", None)  # the fitted model must not need it
    loaded = pickle.loads(blob)
    np.testing.assert_allclose(loaded.predict_proba(TEXTS), pipe.predict_proba(TEXTS))
    assert explain(loaded, TEXTS[:5]) == explain(pipe, TEXTS[:5])


# ------------------------------------------------------------------ lexicons

@needs_lexicons
def test_load_lexicons_default():
    lex = load_lexicons()
    for key in ("bias", "assertives", "factives", "hedges", "implicatives", "report_verbs",
                "subj_strong", "subj_weak"):
        assert isinstance(lex[key], set) and len(lex[key]) > 10, key
        assert not any(w.startswith("#") for w in lex[key]), key
    assert "think" in lex["assertives"]
    assert lex["polarity"]["abandoned"] == "negative"
    v, a, d = lex["vad"]["aardvark"]
    assert 0 <= v <= 1 and 0 <= a <= 1 and 0 <= d <= 1
    assert not (lex["subj_strong"] & lex["subj_weak"])
    pickle.dumps(lex)


@needs_lexicons
def test_load_lexicons_env_var_and_errors(tmp_path, monkeypatch):
    src = Path(load_lexicons()["source"])
    copy = tmp_path / "lex"
    shutil.copytree(src, copy)
    monkeypatch.setenv(ENV_VAR, str(copy))
    assert load_lexicons()["source"] == str(copy)
    (copy / "nrc-vad" / "NRC-VAD-Lexicon.txt").unlink()
    with pytest.raises(FramingError, match="missing nrc-vad"):
        load_lexicons()
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "absent"))
    with pytest.raises(FramingError, match=ENV_VAR):
        load_lexicons()
    with pytest.raises(FramingError, match="not found"):
        load_lexicons(tmp_path / "also-absent")


def test_load_lexicons_malformed(tmp_path):
    for rel, body in [("recasens2013/bias-lexicon.txt", "# header\nslam\n"),
                      ("recasens2013/assertives_hooper1975.txt", "think\n"),
                      ("recasens2013/factives_hooper1975.txt", "know\n"),
                      ("recasens2013/hedges_hyland2005.txt", "perhaps\n"),
                      ("recasens2013/implicatives_karttunen1971.txt", "manage\n"),
                      ("recasens2013/report_verbs.txt", "say\n"),
                      ("mpqa-subjectivity/subjclueslen1-HLTEMNLP05.tff",
                       "type=strongsubj len=1 word1=awful pos1=adj stemmed1=n priorpolarity=negative\nbroken line\n"),
                      ("nrc-vad/NRC-VAD-Lexicon.txt", "awful\t0.1\t0.8\t0.4\n")]:
        p = tmp_path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(body)
    with pytest.raises(FramingError, match=r"subjclueslen1-HLTEMNLP05.tff:2"):
        load_lexicons(tmp_path)
    (tmp_path / "mpqa-subjectivity/subjclueslen1-HLTEMNLP05.tff").write_text(
        "type=strongsubj len=1 word1=awful pos1=adj stemmed1=n priorpolarity=negative\n")
    lex = load_lexicons(tmp_path)
    assert lex["bias"] == {"slam"} and lex["subj_strong"] == {"awful"}
    assert lex["vad"]["awful"] == (0.1, 0.8, 0.4)
