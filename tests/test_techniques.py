"""The technique head: PTC's propaganda techniques named per sentence (issue 26, part 1).

The head's training, graph surgery and runtime run here on conftest's tiny encoder and a
small PTC-shaped folder written by the test; the shipped model's head is checked through
the command line (its figures are docs/techniques.md's, measured by the DVC stage).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from conftest import EXAMPLES, TEAM_CORPUS, TINY_ACCURATE_PARAMS, assert_ok, run_cli
from framing.corpus.ptc import TECHNIQUES, is_heldout, read_ptc, technique_matrix
from framing.model import Prediction, Technique
from framing.model.base import FramingModel

SENTENCES = [
    "Critics slammed the reckless scheme as a shameless cash grab.",
    "The council approved the budget on Tuesday.",
    "The regime's apology tour fooled nobody.",
    "Officials said the bridge would reopen in May.",
]
NAMES = [shown for _, shown in TECHNIQUES]


def _ptc_folder(root: Path) -> Path:
    """Nine articles of six lines, three of them held out (by ``is_heldout``); technique j
    marks one line of every article, so every fold and the held-out part have both classes."""
    ids = [str(i) for i in range(1, 200) if is_heldout(str(i))][:3] + \
          [str(i) for i in range(1, 200) if not is_heldout(str(i))][:6]
    (root / "train-articles").mkdir(parents=True)
    labels = []
    for a, article in enumerate(ids):
        lines = [SENTENCES[(a + k) % len(SENTENCES)] for k in range(6)]
        text = "\n".join(lines) + "\n"
        (root / "train-articles" / f"article{article}.txt").write_text(text, encoding="utf-8")
        starts = np.cumsum([0] + [len(line) + 1 for line in lines])
        for j, (raw, _) in enumerate(TECHNIQUES):
            k = (j + a) % 6
            labels.append(f"{article}\t{raw}\t{starts[k]}\t{starts[k] + 5}")
    (root / "train-task-flc-tc.labels").write_text("\n".join(labels) + "\n", encoding="utf-8")
    return root


def test_technique_matrix_marks_each_sentence_by_the_spans_it_overlaps(tmp_path):
    sentences = read_ptc(_ptc_folder(tmp_path / "ptc"))
    Y = technique_matrix(sentences)
    assert Y.shape == (54, 14)
    assert (Y.sum(0) == 9).all()  # one line per article and technique
    (tmp_path / "bad").mkdir()
    bad = _ptc_folder(tmp_path / "bad" / "ptc")
    (bad / "train-task-flc-tc.labels").write_text("1\tMind_Control\t0\t5\n", encoding="utf-8")
    from framing.errors import FramingError

    with pytest.raises(FramingError, match="unknown PTC technique 'Mind_Control'"):
        technique_matrix(read_ptc(bad))


def test_heads_fold_scaling_and_calibration_into_one_linear_map():
    """On data where technique j depends on feature j, each head ranks well, its threshold
    is a probability, and its calibrated probabilities average the base rate."""
    from framing.model.technique_train import fit_heads

    rng = np.random.default_rng(0)
    X = rng.normal(size=(600, 5)) * [1, 10, 0.1, 3, 1] + [0, 5, -2, 0, 1]
    Y = (rng.random((600, 2)) < 1 / (1 + np.exp(-(X[:, [0, 1]] - [0, 5]) / [0.5, 5]))).astype(int)
    groups = [str(i // 10) for i in range(600)]
    heads = fit_heads(X, Y, groups, grid=(0.1, 1.0), folds=3)
    p = 1 / (1 + np.exp(-(X @ heads["weights"] + heads["bias"])))
    from sklearn.metrics import roc_auc_score

    for j in range(2):
        assert roc_auc_score(Y[:, j], p[:, j]) > 0.85
        assert abs(p[:, j].mean() - Y[:, j].mean()) < 0.05
        assert 0 < heads["thresholds"][j] < 1
    assert heads["weights"].shape == (5, 2)


@pytest.fixture(scope="module")
def run_with_head(tiny_encoder_dir, tmp_path_factory):
    pytest.importorskip("onnx")
    from framing.corpus import read_corpus
    from framing.model.finetune import run_encoder
    from framing.model.technique_train import add_techniques

    root = tmp_path_factory.mktemp("technique-run")
    corpus = read_corpus(TEAM_CORPUS)
    run = run_encoder(corpus.texts, corpus.labels, corpus.biased_words, encoder_dir=tiny_encoder_dir,
                      params=TINY_ACCURATE_PARAMS, check_hashes=False)
    run_dir = run.save(root / "run.encoder")
    before = run.graph
    ptc = _ptc_folder(root / "ptc")
    metrics = add_techniques(run_dir, ptc, {"folds": 2, "C": [0.1]}, n_threads=1)
    return run_dir, before, ptc, metrics


def test_the_head_is_added_to_the_graph_and_changes_nothing_else(run_with_head):
    from framing.features import OnnxEncoder
    from framing.features.onnx_encoder import POOLED_OUTPUT, TECHNIQUE_METADATA, TECHNIQUE_OUTPUT
    from framing.model.finetune import load_run
    from framing.model.technique_train import strip_head, with_pooled

    run_dir, before, _, metrics = run_with_head
    run = load_run(run_dir)  # run.json names the new graph's hash
    assert run.info["techniques"]["names"] == NAMES
    old, new = OnnxEncoder(before, run.tokenizer), OnnxEncoder(run.graph, run.tokenizer)
    # The BABE features (and so every probability and cue) are bit for bit the same.
    assert np.array_equal(old.features(SENTENCES), new.features(SENTENCES))
    assert old.score(SENTENCES)[1] == new.score(SENTENCES)[1]
    # The head is a linear map of the pooled states.
    z = new.outputs(SENTENCES)[TECHNIQUE_OUTPUT]
    pooled = OnnxEncoder(with_pooled(run.graph), run.tokenizer).outputs(SENTENCES)[POOLED_OUTPUT]
    assert z.shape == (4, 14) and pooled.shape[0] == 4
    head = json.loads(new.metadata()[TECHNIQUE_METADATA])
    assert head["names"] == NAMES and len(head["thresholds"]) == 14
    assert head["shown"] == [r["head"]["roc_auc"] >= 0.70 and r["head"]["precision"] >= 0.10
                             for r in metrics["techniques"]]
    # Stripping gives back a graph without any trace of the head.
    stripped = strip_head(run.graph)
    assert TECHNIQUE_OUTPUT not in [o.name for o in stripped.graph.output]
    assert all(p.key != TECHNIQUE_METADATA for p in stripped.metadata_props)


def test_adding_the_head_again_replaces_it_and_is_deterministic(run_with_head, tmp_path):
    import shutil

    from framing.model.finetune import load_run
    from framing.model.technique_train import add_techniques

    run_dir, _, ptc, metrics = run_with_head
    copy = tmp_path / "again.encoder"
    shutil.copytree(run_dir, copy)
    again = add_techniques(copy, ptc, {"folds": 2, "C": [0.1]}, n_threads=1)
    assert load_run(copy).graph == load_run(run_dir).graph
    assert again == metrics
    assert {r["technique"] for r in metrics["techniques"]} == set(NAMES)
    for r in metrics["techniques"]:
        assert set(r) >= {"heldout_positives", "threshold", "head", "tfidf", "shown"}
        assert 0 <= r["head"]["roc_auc"] <= 1 and 0 <= r["tfidf"]["f1"] <= 1
    assert set(metrics["head"]["all"]) == {"macro_roc_auc", "micro_roc_auc", "macro_f1", "micro_f1"}


def test_an_accurate_model_names_the_techniques_over_their_thresholds(run_with_head):
    from framing.corpus import read_corpus
    from framing.model import train

    run_dir, *_ = run_with_head
    params = {"use_loaded": False, "use_embedding": False, "inner_folds": 2, **TINY_ACCURATE_PARAMS}
    model = train(read_corpus(TEAM_CORPUS), params, {"bias": set()}, seed=0, calibration_folds=2,
                  kind="accurate", encoder_run=run_dir)
    head = model.technique_head()
    probs = model.technique_probabilities(SENTENCES)
    every = model.techniques(SENTENCES, every=True)
    for row, listed in zip(probs, every):
        expected = [(NAMES[j], float(row[j])) for j in range(14) if row[j] >= head["thresholds"][j]]
        assert sorted(expected, key=lambda x: -x[1]) == [(t.name, t.probability) for t in listed]
    default = model.techniques(SENTENCES)
    assert default == [[t for t in ts if head["shown"][NAMES.index(t.name)]] for ts in every]
    assert [p.techniques for p in model.predict(SENTENCES)] == default
    assert all(p.techniques == [] for p in model.predict(SENTENCES, cues=False))


def test_the_fast_tier_names_no_technique(small_model):
    assert small_model.techniques(SENTENCES) == [[], [], [], []]
    assert all(p.techniques == [] for p in small_model.predict(SENTENCES))


# -- the shipped accurate model, through the command line ------------------------------


def test_predict_explain_adds_the_techniques_and_only_then(tmp_path):
    src = tmp_path / "s.txt"
    src.write_text("Wake up, America: the radical left will destroy everything you love!\n"
                   "The council approved the budget on Tuesday.\n", encoding="utf-8")
    plain = [json.loads(x) for x in assert_ok(run_cli("predict", str(src))).stdout.decode().splitlines()]
    rich = [json.loads(x) for x in assert_ok(run_cli("predict", "--explain", str(src))).stdout.decode().splitlines()]
    assert all("techniques" not in row for row in plain)
    assert [{k: v for k, v in row.items() if k != "techniques"} for row in rich] == plain
    shipped = set(_shipped_head()["shown_names"])
    for row in rich:
        assert [t["probability"] for t in row["techniques"]] == sorted((t["probability"] for t in row["techniques"]),
                                                                       reverse=True)
        assert {t["name"] for t in row["techniques"]} <= shipped
    assert rich[0]["techniques"], "the flag-waving, fear-mongering line names a technique"
    csv = assert_ok(run_cli("predict", "--explain", "--format", "csv", str(src))).stdout.decode()
    assert csv.splitlines()[0] == "text,probability,label,cues,techniques"


def _shipped_head() -> dict:
    from framing.model import default_model_path, load

    head = load(default_model_path("accurate")).technique_head()
    assert head is not None, "the shipped accurate model carries the technique head"
    head["shown_names"] = [n for n, s in zip(head["names"], head["shown"]) if s]
    return head


def test_score_json_lists_techniques_per_sentence_and_segment():
    article = json.loads(assert_ok(run_cli("score", "--format", "json", str(EXAMPLES / "loaded.txt"))).stdout)
    head = _shipped_head()
    cut = dict(zip(head["names"], head["thresholds"]))
    named = 0
    for s in article["sentences"]:
        for part in [s] + s["segments"]:
            for t in part["techniques"]:
                assert t["name"] in head["shown_names"] and t["probability"] >= round(cut[t["name"]], 4) - 1e-4
                named += 1
    assert named > 0


class _Labelled(FramingModel):
    """A model that names fixed techniques for sentences with "!": the reports' input, known."""

    kind, tier = "static", "fast"

    def __init__(self, inner):
        self.inner, self.threshold, self.card = inner, inner.threshold, inner.card

    def predict_proba(self, texts):
        return self.inner.predict_proba(texts)

    def explain(self, texts):
        return self.inner.explain(texts)

    def to_bytes(self):
        return self.inner.to_bytes()

    def predict(self, texts, cues=True):
        return [Prediction(p.text, p.probability, p.label, p.cues,
                           [Technique("appeal to fear", 0.71), Technique("flag-waving", 0.55)] if "!" in p.text else [])
                for p in self.inner.predict(texts, cues)]


def test_reports_show_the_techniques_beside_the_sentence(small_model):
    from rich.console import Console

    from framing import reports
    from framing.scoring import score_text

    text = "Wake up, America!\n\nThe council approved the budget on Tuesday. They will destroy us all!"
    result = score_text(_Labelled(small_model), text)
    named = [s for s in result.sentences if s.techniques]
    assert [s.text for s in named] == ["Wake up, America!", "They will destroy us all!"]
    md = reports.render_markdown([result])
    assert md.count("<br>*[appeal to fear 0.71] [flag-waving 0.55]*") == 2
    page = reports.render_html([result])
    assert page.count('<span class="tech"') == 4 and "techniques: appeal to fear 0.71, flag-waving 0.55" in page
    console = Console(record=True, width=200, file=open("/dev/null", "w"))
    reports.print_table([result], console)
    assert console.export_text().count("[appeal to fear 0.71] [flag-waving 0.55]") == 2
    assert result.to_dict()["sentences"][0]["techniques"] == [{"name": "appeal to fear", "probability": 0.71},
                                                            {"name": "flag-waving", "probability": 0.55}]


def test_the_key_to_the_labels_shows_only_where_there_are_labels(small_model):
    from framing import reports
    from framing.scoring import score_text

    text = "Wake up, America!\n\nThe council approved the budget on Tuesday."
    assert "[technique]" in reports.render_markdown([score_text(_Labelled(small_model), text)])
    assert "[technique]" not in reports.render_markdown([score_text(small_model, text)])
