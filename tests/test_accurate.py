"""The accurate tier on small inputs: a few fine-tuning steps, export, load, agreement.

The encoder here is conftest's tiny randomly initialised BERT with a word-level vocabulary
of the test corpora, saved as a local model folder exactly like the real one (config.json,
model.safetensors, tokenizer.json), so the real training, export and runtime code runs in
seconds. No test fine-tunes the shipped encoder. Save/load, corrupt files, shapes and
determinism of the kind are in tests/test_common.py, with every kind.
"""

from __future__ import annotations

import numpy as np
import onnxruntime
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

from conftest import TEAM_CORPUS, TINY_ACCURATE_PARAMS  # noqa: E402
from framing.corpus import read_corpus  # noqa: E402
from framing.errors import FramingError  # noqa: E402
from framing.features import TOKEN_RE, OnnxEncoder  # noqa: E402
from framing.features.onnx_encoder import AUX_OUTPUT, GRAPH_INPUTS, GRAPH_OUTPUTS  # noqa: E402
from framing.model import train  # noqa: E402

SENTENCES = [
    "Critics slammed the reckless scheme as a shameless cash grab.",
    "The council approved the budget on Tuesday.",
    "The regime's apology tour fooled nobody.",
    "Officials said the bridge would reopen in May.",
]


@pytest.fixture(scope="module")
def accurate_model(tiny_encoder_dir):
    corpus = read_corpus(TEAM_CORPUS)
    seen = []
    # Static groups that need no lexicon files or wordllama: the test needs only the encoder.
    params = {"use_loaded": False, "use_embedding": False, "inner_folds": 2, **TINY_ACCURATE_PARAMS}
    model = train(corpus, params, {"bias": set()}, seed=0, calibration_folds=2, kind="accurate",
                  encoder_dir=tiny_encoder_dir, progress=lambda *a: seen.append(a))
    return model, seen


def test_fine_tune_reports_progress_and_card(accurate_model):
    model, seen = accurate_model
    assert {stage for stage, *_ in seen} == {"encoder fold 1/2", "encoder fold 2/2", "encoder, all data"}
    _, epoch, step, total, loss = seen[-1]
    assert step == total and loss >= 0  # the last step of the last run is reported
    card = model.card
    assert card["kind"] == "accurate" and card["tier"] == "accurate"
    assert set(card["encoder"]["files_sha256"]) == {"config.json", "model.safetensors", "tokenizer.json"}
    assert card["encoder"]["out_of_fold"]["folds"] == 2 and 0.0 <= card["threshold"] <= 1.0


def test_saved_model_keeps_its_encoder_beside_it(accurate_model, tmp_path):
    from framing.model import MODEL_SUFFIX, load, save

    model, _ = accurate_model
    path = save(model, tmp_path / f"acc.v2{MODEL_SUFFIX}")  # a dotted name keeps its dots
    folder = tmp_path / "acc.v2.encoder"
    assert model.card["encoder_run"]["dir"] == folder.name and (folder / "model.onnx").is_file()
    assert len(path.read_bytes()) < len((folder / "model.onnx").read_bytes()) + 10**6  # the graph is not stored twice
    again = load(path)
    np.testing.assert_array_equal(again.predict_proba(SENTENCES), model.predict_proba(SENTENCES))
    graph = folder / "model.onnx"
    graph.write_bytes(graph.read_bytes()[:-10])
    with pytest.raises(FramingError, match="encoder graph is corrupt") as info:
        load(path)
    assert "\n" not in str(info.value)


def test_predictions_cues_and_offsets(accurate_model):
    model, _ = accurate_model
    preds = model.predict(SENTENCES)
    assert [p.text for p in preds] == SENTENCES
    assert all(0.0 <= p.probability <= 1.0 for p in preds)
    for p in preds:
        for c in p.cues:
            assert p.text[c.start:c.end] == c.text and c.weight > 0
    names = list(model.pipeline.named_steps["features"].get_feature_names_out())
    assert names[-2:] == ["encoder__encoder__sentence", "encoder__encoder__token_max"]


def test_onnx_agrees_with_torch(tiny_encoder_dir, tmp_path):
    from framing.model.finetune import export_onnx, fine_tune, torch_logits

    tokenizer = tiny_encoder_dir / "tokenizer.json"
    module = fine_tune(SENTENCES, [1, 0, 1, 0], [["slammed"], [], ["regime"], []], encoder_dir=tiny_encoder_dir,
                       epochs=1, batch_size=2, seed=0)
    paths = export_onnx(module, tokenizer, tmp_path, quantize=True)
    # the exporter writes the names the runner asks for, in both graphs
    for graph in (paths["fp32"], paths["int8"]):
        session = onnxruntime.InferenceSession(str(graph), providers=["CPUExecutionProvider"])
        assert tuple(i.name for i in session.get_inputs()) == GRAPH_INPUTS
        assert tuple(o.name for o in session.get_outputs()) == GRAPH_OUTPUTS
    ref, ref_tokens = torch_logits(module, tokenizer, SENTENCES)
    logits, words = OnnxEncoder(paths["fp32"].read_bytes(), tokenizer.read_text()).score(SENTENCES)
    np.testing.assert_allclose(logits, ref, atol=1e-4)
    int8, _ = OnnxEncoder(paths["int8"].read_bytes(), tokenizer.read_text()).score(SENTENCES)
    assert np.corrcoef(int8, ref)[0, 1] > 0.9
    for text, ws, toks in zip(SENTENCES, words, ref_tokens):
        assert [text[s:e] for s, e, _ in ws] == TOKEN_RE.findall(text)
        token_probs = 1 / (1 + np.exp(-toks.astype(float)))
        for *_, p in ws:  # each word's score is one of its tokens' probabilities
            assert np.abs(token_probs - p).min() < 1e-4


def test_fine_tuning_is_deterministic(tiny_encoder_dir):
    from framing.model.finetune import fine_tune

    runs = [fine_tune(SENTENCES, [1, 0, 1, 0], None, encoder_dir=tiny_encoder_dir, epochs=1, batch_size=2, seed=3)
            for _ in range(2)]
    for a, b in zip(runs[0].state_dict().values(), runs[1].state_dict().values()):
        assert torch.equal(a, b)


def test_a_shallower_encoder_keeps_its_first_layers_pre_trained_weights(tiny_encoder_dir):
    """``layers: N`` fine-tunes the encoder's first N layers, starting from their own
    pre-trained weights, and the run says so; a number the encoder lacks is an error."""
    from transformers import AutoModel

    from framing.model.finetune import load_encoder, run_encoder

    full = AutoModel.from_pretrained(str(tiny_encoder_dir), local_files_only=True)
    shallow = load_encoder(tiny_encoder_dir, layers=1)
    assert len(shallow.encoder.encoder.layer) == 1
    for name, weight in shallow.encoder.state_dict().items():
        assert torch.equal(weight, full.state_dict()[name]), name
    assert len(load_encoder(tiny_encoder_dir).encoder.encoder.layer) == 2  # 0: all layers

    run = run_encoder(SENTENCES * 3, [1, 0, 1, 0] * 3, None, encoder_dir=tiny_encoder_dir,
                      params={**TINY_ACCURATE_PARAMS, "layers": 1}, check_hashes=False)
    assert run.info["params"]["layers"] == 1 and run.info["encoder"].endswith("first 1 layers")
    assert OnnxEncoder(run.graph, run.tokenizer).features(SENTENCES).shape == (4, 2)
    for bad in (3, -1):
        with pytest.raises(ValueError, match="layers must be between 1 and the encoder's 2"):
            load_encoder(tiny_encoder_dir, layers=bad)


def test_missing_encoder_files_are_a_one_line_error(tmp_path):
    with pytest.raises(FramingError, match="encoder folder lacks") as info:
        train(read_corpus(TEAM_CORPUS), {"use_loaded": False, "use_embedding": False}, {"bias": set()},
              kind="accurate", encoder_dir=tmp_path)
    assert "\n" not in str(info.value)


def test_loaded_model_scores_in_worker_processes(accurate_model, tmp_path):
    """A loaded accurate model travels to --n-jobs workers (its encoder graph with it)
    and gives the same output as one process."""
    from framing.batch import predict_file
    from framing.model import MODEL_SUFFIX, load, save

    model, _ = accurate_model
    loaded = load(save(model, tmp_path / f"acc{MODEL_SUFFIX}"))
    source = tmp_path / "in.txt"
    source.write_text("\n".join(SENTENCES * 5) + "\n", encoding="utf-8")
    outputs = []
    for n_jobs in (1, 2):
        out = tmp_path / f"out{n_jobs}.jsonl"
        predict_file(source, out, model=loaded, n_jobs=n_jobs, chunk_size=4)
        outputs.append(out.read_text(encoding="utf-8"))
    assert outputs[0] == outputs[1] and len(outputs[0].splitlines()) == 20


def _tiny_ptc_sentences(article="2"):
    """Four sentences of one made-up PTC article (article "2" is a training article)."""
    from framing.corpus.ptc import PtcSentence, PtcSpan

    text = "The traitor lied again.\nOfficials met on Monday.\nIs it doubtful?\nThe regime's scheme failed.\n"
    spans = [PtcSpan("Name_Calling,Labeling", 4, 11), PtcSpan("Doubt", text.index("doubtful"), text.index("doubtful") + 8),
             PtcSpan("Loaded_Language", text.index("scheme"), text.index("scheme") + 6)]
    out, pos = [], 0
    for number, line in enumerate(text.splitlines(), 1):
        hits = tuple(s for s in spans if s.start < pos + len(line) and s.end > pos)
        out.append(PtcSentence(article, number, pos, pos + len(line), line, hits))
        pos += len(line) + 1
    return out


def test_ptc_examples_are_a_task_of_their_own():
    from framing.model.finetune import ptc_examples

    examples = ptc_examples(_tiny_ptc_sentences(), limit=10)
    # the "other" sentence (a Doubt span only) is left out; spans are local to the sentence
    assert [(e.text, e.label, e.task) for e in examples] == [
        ("The traitor lied again.", 1, 1), ("The regime's scheme failed.", 1, 1), ("Officials met on Monday.", 0, 1)]
    assert [[e.text[a:b] for a, b in e.spans] for e in examples] == [["traitor"], ["scheme"], []]
    assert [e.label for e in ptc_examples(_tiny_ptc_sentences(), limit=2)] == [1, 0]  # half loaded


def test_ptc_examples_refuse_the_held_out_articles():
    """The cross-corpus figures are measured on the held-out articles: a sentence of one
    that reaches fine-tuning is an error, not something to drop quietly."""
    from framing.corpus.ptc import is_heldout
    from framing.model.finetune import ptc_examples

    assert is_heldout("1") and not is_heldout("2")
    with pytest.raises(ValueError, match="1 held-out article"):
        ptc_examples(_tiny_ptc_sentences("2") + _tiny_ptc_sentences("1"), limit=10)


def test_ptc_joins_every_fine_tuning_but_never_scores(tiny_encoder_dir):
    """With ptc_sentences the run fine-tunes two tasks; the out-of-fold scores and the
    exported graph are BABE's task, and run.json says what PTC gave."""
    from framing.model.finetune import run_encoder

    texts = SENTENCES * 3
    labels = [1, 0, 1, 0] * 3
    params = {**TINY_ACCURATE_PARAMS, "ptc_sentences": 4}  # all three usable PTC sentences
    run = run_encoder(texts, labels, None, encoder_dir=tiny_encoder_dir, params=params, check_hashes=False,
                      ptc=_tiny_ptc_sentences())
    assert run.oof.shape == (len(texts), 2)
    assert run.info["ptc"]["sentences"] == 3 and run.info["ptc"]["loaded"] == 2
    assert run.info["sentences"] == len(texts)
    scores = OnnxEncoder(run.graph, run.tokenizer).features(texts[:2])
    assert scores.shape == (2, 2) and np.isfinite(scores).all()
    with pytest.raises(ValueError, match="needs PTC"):
        run_encoder(texts, labels, None, encoder_dir=tiny_encoder_dir, params=params, check_hashes=False)


def test_ptc_feature_exports_ptc_sentence_head_as_a_third_stacked_feature(tiny_encoder_dir, tmp_path):
    """``ptc_feature``: the graph also gives PTC's sentence logit (the same as torch's
    task-1 head), the out-of-fold scores carry it, and the stack learns a weight for it."""
    import sklearn

    from framing.features.encoder import EncoderScore
    from framing.model.finetune import (babe_examples, export_onnx, fine_tune_examples, load_tokenizer,
                                        ptc_examples, run_encoder)

    texts = SENTENCES * 3
    labels = [1, 0, 1, 0] * 3
    params = {**TINY_ACCURATE_PARAMS, "ptc_sentences": 4, "ptc_feature": True}
    run = run_encoder(texts, labels, None, encoder_dir=tiny_encoder_dir, params=params, check_hashes=False,
                      ptc=_tiny_ptc_sentences())
    assert run.oof.shape == (len(texts), 3) and np.isfinite(run.oof).all()
    encoder = OnnxEncoder(run.graph, run.tokenizer)
    assert encoder.feature_names() == ["sentence", "token_max", "ptc_sentence"]
    scorer = EncoderScore(encoder=encoder)
    with sklearn.config_context(enable_metadata_routing=True):
        F = scorer.fit_transform(texts, labels, encoder_scores=run.oof)
    assert F.shape == (len(texts), 3) and scorer.get_feature_names_out()[-1].endswith("ptc_sentence")
    assert scorer.transform(texts[:2]).shape == (2, 3)
    # explain stays exact: the words' shares of each sentence add up to its three features' part
    from framing.features import Batch

    weights = np.array([0.7, -0.4, 1.3])
    batch = Batch(SENTENCES)
    shares = scorer.token_contributions(batch, weights, texts=SENTENCES)
    np.testing.assert_allclose(np.bincount(batch.doc, weights=shares, minlength=len(SENTENCES)),
                               scorer.transform(SENTENCES) @ weights, atol=1e-9)

    # The exported third output is task 1's sentence head, as torch computes it.
    model = fine_tune_examples(babe_examples(texts, labels, None) + ptc_examples(_tiny_ptc_sentences(), 4),
                               encoder_dir=tiny_encoder_dir, n_tasks=2, epochs=1, batch_size=8)
    paths = export_onnx(model, tiny_encoder_dir / "tokenizer.json", tmp_path, quantize=False, aux=True)
    session = onnxruntime.InferenceSession(str(paths["fp32"]), providers=["CPUExecutionProvider"])
    assert tuple(o.name for o in session.get_outputs()) == GRAPH_OUTPUTS + (AUX_OUTPUT,)
    got = OnnxEncoder(paths["fp32"].read_bytes(), paths["tokenizer"].read_text(encoding="utf-8")).features(SENTENCES)
    tok = load_tokenizer(tiny_encoder_dir / "tokenizer.json", 128)
    for i, text in enumerate(SENTENCES):
        ids = torch.tensor([tok.encode(text).ids])
        with torch.no_grad():
            sent, _ = model.heads(ids, torch.ones_like(ids))
        assert got[i, 2] == pytest.approx(float(sent[0, 1]), abs=1e-4)
        assert got[i, 0] == pytest.approx(float(sent[0, 0]), abs=1e-4)
    with pytest.raises(ValueError, match="ptc_feature needs ptc_sentences"):
        run_encoder(texts, labels, None, encoder_dir=tiny_encoder_dir, params={**TINY_ACCURATE_PARAMS, "ptc_feature": True},
                    check_hashes=False)


def test_a_missing_ptc_folder_is_a_one_line_error_before_any_training(tiny_encoder_dir, tmp_path):
    from conftest import assert_one_line_error, run_cli

    params = tmp_path / "params.yaml"
    params.write_text("train:\n  seed: 0\nfinetune:\n  epochs: 1\n  ptc_sentences: 10\n", encoding="utf-8")
    out = tmp_path / "m.framing"
    result = run_cli("train", "--tier", "accurate", "--corpus", str(TEAM_CORPUS), "--params", str(params),
                     "--encoder", str(tiny_encoder_dir), "--ptc", str(tmp_path / "no-ptc"), "--out", str(out))
    # one error line naming the folder, checked with the other arguments: not even the corpus was read
    line = assert_one_line_error(result)
    assert line.endswith("no-ptc: not a PTC folder (no train-articles/)"), line
    assert not out.exists() and not (tmp_path / "m.encoder").exists()
