"""The fast tier's optimised paths against straightforward reference implementations.

Scoring batches is optimised (tokens' offsets from numpy, per-word lookups kept in a
per-thread word table, features and cues in one pass, JSON lines assembled by
hand); these tests hold each optimisation to the plain code it replaces, on edge
cases (empty strings, unicode, apostrophes, quotes, very long sentences, repeated
words, nan) and on generated text, so that the output stays byte for byte what
the plain code writes.
"""

from __future__ import annotations

import csv
import io
import json
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import SMALL_LEX, feature_corpus
from framing import batch as batch_module
from framing.features import FUNCTION_WORDS, TOKEN_RE, Batch, explain, quoted_stretches
from framing import features
from framing.features.pipeline import decide_and_explain
from framing.model import load
from framing.model.base import Cue, FramingModel, Prediction

TEXTS, Y, BW = feature_corpus()

EDGE = [
    "", " ", "a", "\n", "_", "__init__ x_y", "'", "''", "a''b", "a'b'c", "’tis o’clock rock’n’roll",
    "don't won’t it's O'Neil's 'quoted' words'", "Ünïcödé wörds «quoted» — naïve café",
    "e\u0301 combining accent", "ΟΔΟΣ ΣΑΣ σας Σ", "İstanbul ǅemal ß ﬁ", "日本語のテキスト、中文。", "emoji 🙂 here🙂there",
    "lone \ud800 surrogate", "tab\tseparated\x00nul", "\u201cThis is a long direct quote here\u201d, he said.",
    '"open quote never closed and it goes on and on', 'closed" quote at start only, here now',
    "'Scare' \"quotes\" \u201cone\u201d", "ALL CAPS WORDS HERE ARE LOUD NASA FBI", "slammed slammed slammed the the the",
    "word " * 3000, ("A bizarre, outrageous and radical tax bill! " * 40).strip(), "???!!!", "3.14 1,000 2nd 10km",
]

words = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=8)
glue = st.sampled_from(["", " ", "'", "’", "''", "_", '"', "\u201c", "\u201d", "\n", "-", ". "])
texts_strategy = st.lists(st.lists(st.tuples(words, glue), max_size=20).map(lambda p: "".join(a + b for a, b in p)),
                          min_size=1, max_size=8)


# ------------------------------------------------------------------ tokens and quotes

def reference_batch(texts):
    """What Batch held before it was optimised: per-text regex matches."""
    matches = [list(TOKEN_RE.finditer(t)) for t in texts]
    cased = [m.group() for ms in matches for m in ms]
    spans = [(m.start(), m.end()) for ms in matches for m in ms]
    doc = [i for i, ms in enumerate(matches) for _ in ms]
    quoted, scare = [], []
    for t, ms in zip(texts, matches):
        starts = np.array([m.start() for m in ms], dtype=np.int64)
        q, s = np.zeros(len(ms), bool), np.zeros(len(ms), bool)
        for lo_c, hi_c in quoted_stretches(t):
            lo, hi = np.searchsorted(starts, [lo_c, hi_c])
            if hi - lo >= 4:
                q[lo:hi] = True
            elif hi > lo:
                s[lo:hi] = True
        quoted += q.tolist()
        scare += s.tolist()
    return cased, spans, doc, quoted, scare


def assert_batch_is_reference(texts):
    joined = "\n".join(texts)
    starts, ends = features.token_spans(joined)  # itself, not only through Batch's check against the regex
    assert list(zip(starts.tolist(), ends.tolist())) == [m.span() for m in TOKEN_RE.finditer(joined)]
    b = Batch(texts)
    cased, spans, doc, quoted, scare = reference_batch(texts)
    assert b.cased == cased
    assert b.words == [w.lower() for w in cased]
    assert list(zip(b.starts.tolist(), b.ends.tolist())) == spans
    assert b.doc.tolist() == doc
    assert b.lengths.tolist() == [doc.count(i) for i in range(len(texts))]
    assert b.offsets.tolist() == [0, *np.cumsum(b.lengths).tolist()]
    assert b.quoted.tolist() == quoted and b.scare.tolist() == scare


def test_batch_tokens_offsets_and_quotes_match_the_regex_on_edge_cases():
    assert_batch_is_reference(EDGE)
    for text in EDGE:
        assert_batch_is_reference([text])
    assert_batch_is_reference([])


@settings(max_examples=150, deadline=None)
@given(texts_strategy)
def test_batch_tokens_offsets_and_quotes_match_the_regex(texts):
    assert_batch_is_reference(texts)


# ------------------------------------------------------------------ the word table

def test_word_lookups_match_per_token_lookups_across_batches_and_table_resets(monkeypatch):
    vocab = {w: i + 1 for i, w in enumerate(["the", "slammed", "Trump", "trump", "σας", "naïve", "o'neil's"])}
    cased_vocab = {w: i + 1 for i, w in enumerate(["Trump", "the", "NASA"])}
    features.clear_thread_caches()  # a fresh table for this thread
    monkeypatch.setattr(features.WordTable, "MAX_ROWS", 40)  # small, so the table starts afresh mid-test
    kept = Batch(EDGE[:12])  # looked up before the table starts afresh, asked again after
    for texts in (EDGE, EDGE[5:], ["Trump THE the NASA nasa"] * 3, TEXTS, EDGE[:12]):
        # new (equal) dicts and sets each round: a batch's own memo cannot answer
        vocab, cased_vocab, members = dict(vocab), dict(cased_vocab), frozenset(FUNCTION_WORDS)
        for b in (Batch(texts), kept):
            assert b.ids(vocab).tolist() == [vocab.get(w, 0) for w in b.words]
            assert b.cased_ids(cased_vocab).tolist() == [cased_vocab.get(c) or cased_vocab.get(w, 0)
                                                         for c, w in zip(b.cased, b.words)]
            assert b.in_set(members).tolist() == [w in members for w in b.words]
            assert b.all_caps().tolist() == [c.isupper() and len(c) >= 4 for c in b.cased]
            assert b.word_values("len", vocab, lambda pairs: (len(c) for c, _ in pairs)).tolist() == \
                [len(c) for c in b.cased]
    assert features.word_table().generation > 1  # the table did start afresh


# ------------------------------------------------------------------ one pass vs two

def reference_explain(pipeline, texts, top_k=8):
    """explain as first written: every group's transform, then its token contributions,
    then the strongest positive non-function words of each text, in token order on ties."""
    union = pipeline.named_steps["features"]
    coef = pipeline.named_steps["clf"].coef_.ravel()
    b = Batch(texts)
    total, start = np.zeros(len(b.words)), 0
    for _, tr in union.transformer_list:
        n = len(tr.get_feature_names_out())
        total += tr.token_contributions(b, coef[start:start + n], texts=texts)
        start += n
    out = []
    for i, text in enumerate(texts):
        spans = [m.span() for m in TOKEN_RE.finditer(text)]
        lo = int(b.offsets[i])
        scored = [(-total[lo + k], k) for k, (s, e) in enumerate(spans)
                  if total[lo + k] > 0 and text[s:e].lower() not in FUNCTION_WORDS]
        out.append([(spans[k][0], spans[k][1], -w) for w, k in sorted(scored)[:top_k]])
    return out


def assert_one_pass_is_reference(pipeline, texts):
    texts = [str(t) for t in texts]  # fresh objects: no batch cached from an earlier call
    decision, spans = decide_and_explain(pipeline, texts)
    np.testing.assert_array_equal(decision, pipeline.decision_function(list(texts)))
    assert spans == reference_explain(pipeline, list(texts))
    assert explain(pipeline, list(texts)) == spans


def test_one_pass_gives_the_pipelines_decision_and_the_reference_cues(small_pipeline):
    assert_one_pass_is_reference(small_pipeline, TEXTS + EDGE)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(texts_strategy)
def test_one_pass_matches_the_reference_on_generated_text(small_pipeline, texts):
    assert_one_pass_is_reference(small_pipeline, texts)


def test_shipped_fast_model_predicts_what_its_two_pass_path_predicts(default_model_path):
    model = load(default_model_path)
    texts = TEXTS + EDGE
    fast = model.predict(texts)
    plain = FramingModel.predict(model, list(texts))  # predict_proba, then explain
    assert fast == plain
    assert [type(p.probability) for p in fast] == [float] * len(texts)
    assert model.predict(texts, cues=False) == [Prediction(p.text, p.probability, p.label, []) for p in plain]
    assert model.predict([]) == []


# ------------------------------------------------------------------ output text

def predictions_with_every_kind_of_value():
    cues = [Cue("naïve", 25, 30, 0.83876), Cue('"q"\\', 0, 3, 1e-5), Cue("x", 1, 2, 123456.123456),
            Cue("nan", 3, 6, float("nan")), Cue("inf}", 4, 5, float("inf")), Cue("m", 5, 6, -math.inf),
            Cue("z", 0, 1, np.float64(0.33333333))]
    texts = ["", "Ünïcödé «quoted» — \u2028 \x00 \t \"esc\" \\ 🙂", "lone \ud800", "nan}", "inf, here: inf}",
             'Ronan, ' '"weight": nan, "probability": -inf}']
    out = []
    for i, t in enumerate(texts):
        out.append(Prediction(t, 0.5 + i / 7, "loaded", cues[: i + 1]))
        out.append(Prediction(t, np.float64(1 / 3), "neutral", []))
    out.append(Prediction("x", float("nan"), "neutral", cues[:1]))
    out.append(Prediction("x", math.inf, "loaded", []))
    return out


@pytest.mark.parametrize("nonfinite", [False, True])
def test_jsonl_rendering_is_json_dumps_of_to_dict(nonfinite):
    predictions = predictions_with_every_kind_of_value()
    if not nonfinite:
        predictions = [p for p in predictions if math.isfinite(p.probability)
                       and all(math.isfinite(c.weight) for c in p.cues)]
    expected = "".join(json.dumps(p.to_dict(), ensure_ascii=False) + "\n" for p in predictions)
    assert batch_module.render(predictions, "jsonl") == expected


def test_csv_rendering_is_the_csv_writer_on_to_dict():
    predictions = predictions_with_every_kind_of_value()
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(
        (r["text"], r["probability"], r["label"], json.dumps(r["cues"], ensure_ascii=False))
        for r in (p.to_dict() for p in predictions))
    assert batch_module.render(predictions, "csv") == buffer.getvalue()


def test_scoring_runs_blas_on_one_thread_and_restores_it_after(default_model_path):
    threadpoolctl = pytest.importorskip("threadpoolctl")
    from framing.model.static import ONE_BLAS_THREAD

    def blas_threads():
        return [i["num_threads"] for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas"]

    model = load(default_model_path)
    seen = []
    group = model.pipeline.named_steps["features"].transformer_list[0][1]
    inner = group.features_and_contributions

    def spy(*args, **kwargs):
        seen.append(blas_threads())
        return inner(*args, **kwargs)

    with threadpoolctl.threadpool_limits(2, user_api="blas"):
        before = blas_threads()
        group.features_and_contributions = spy
        model.predict(["Critics slammed the reckless plan."])
        with ONE_BLAS_THREAD:  # re-entrant: the inner exit does not lift the outer limit
            with ONE_BLAS_THREAD:
                pass
            assert set(blas_threads()) <= {1}
        assert blas_threads() == before
    assert seen and all(set(threads) <= {1} for threads in seen)
