"""fp32 against int8: the accurate tier's encoder, exported both ways, on the same held-out fold.

One outer fold of BABE (stratified 5-fold split at ``--seed``, fold ``--fold``): the
encoder is fine-tuned on the training part exactly as the finetune stage fine-tunes it
(params.yaml's ``finetune`` section, PTC's training articles as the second task), then
exported once as an fp32 ONNX graph and quantized from it two ways (onnxruntime's dynamic
int8 with per-channel weights, which ships, and per-tensor weights). Each graph scores
the held-out part alone, without the stacked regression, so the figures isolate what
quantization does to the encoder:

- macro-F1 at probability 0.5 and ROC-AUC of the sentence head,
- the share of held-out labels that flip against fp32 at 0.5,
- the largest change in a sentence's probability,
- ROC-AUC on the loaded and neutral sentences of PTC's held-out articles
  (``framing.corpus.ptc.is_heldout``: no fine-tuning here or in the shipped model saw
  them), the other outlets' text the accurate tier is for,
- file size, and sentences/s as a ratio to fp32 and to the shipped encoder's graph
  (6 layers, int8), both measured in the same run: the machines are shared, and an
  absolute rate from one run says little.

With ``--layers N`` (default: params.yaml's ``finetune.layers``) only the first N of the
encoder's transformer layers are kept and fine-tuned (a shallower, faster encoder: the
way to more sentences a second that keeps the architecture); the rest is unchanged, so
runs with different ``--layers`` on the same fold compare directly.

    python benchmarks/quantization.py --corpus data/prepared/corpus.csv [--fold 0] [--seed 0] [--layers N]
                                      [--params params.yaml] [--ptc DIR] [--json OUT]

One fine-tuning of BABE's 80% with 3,000 PTC sentences: about 7 minutes on an idle 2-core CPU.
Needs the training extra (torch).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from sklearn.metrics import f1_score, roc_auc_score
from sklearn.model_selection import StratifiedKFold

from framing.corpus import default_corpus_path, read_corpus
from framing.params import stage_params
from framing.paths import default_ptc_dir

ROOT = Path(__file__).resolve().parents[1]
PARAMS = ROOT / "params.yaml"
SHIPPED = ROOT / "models" / "accurate.encoder"


def probabilities(encoder, texts: list[str]) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-encoder.features(texts)[:, 0]))


def best_rate(encoder, texts: list[str], repeats: int = 3) -> float:
    """Best sentences/s over ``repeats`` timed passes (after at least one untimed pass)."""
    rates = []
    for _ in range(repeats):
        # New string objects: the encoder keeps its last result for the very same list of strings.
        fresh = [(" " + t)[1:] for t in texts]
        t0 = time.perf_counter()
        encoder.features(fresh)
        rates.append(len(texts) / (time.perf_counter() - t0))
    return max(rates)


def main(argv: list[str] | None = None) -> int:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    from framing.corpus.ptc import is_heldout, ptc_label, read_ptc
    from framing.features.onnx_encoder import OnnxEncoder
    from framing.model.accurate_train import default_encoder_dir
    from framing.model.finetune import (FINETUNE_DEFAULTS, babe_examples, export_onnx, fine_tune_examples, load_run,
                                        ptc_examples)

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, default=None)
    ap.add_argument("--params", type=Path, default=PARAMS)
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--fold", type=int, default=0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--ptc", type=Path, default=default_ptc_dir())
    ap.add_argument("--encoder", type=Path, default=None)
    ap.add_argument("--layers", type=int, default=None, help="keep only the encoder's first N layers")
    ap.add_argument("--shipped", type=Path, default=SHIPPED,
                    help="the encoder run folder whose graph is the speed yardstick")
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args(argv)
    if args.ptc is None:
        ap.error("no PTC folder: pass --ptc DIR or set $FRAMING_PTC")

    corpus = args.corpus or default_corpus_path()
    data = read_corpus(corpus)
    texts, y, words = list(data.texts), np.asarray(data.labels, dtype=int), list(data.biased_words)
    settings = dict(stage_params(args.params, "finetune"))
    seed = int(settings.pop("seed", 0))
    p = {**FINETUNE_DEFAULTS, **settings}
    if args.layers is not None:
        p["layers"] = args.layers
    fine = {k: p[k] for k in ("epochs", "lr", "batch_size", "max_length", "token_weight", "layers")}
    split = list(StratifiedKFold(args.folds, shuffle=True, random_state=args.seed).split(np.zeros(len(y)), y))
    if not 0 <= args.fold < args.folds:
        sys.exit(f"--fold must be in 0..{args.folds - 1}")
    tr, te = split[args.fold]

    # One reading of PTC, split by the one predicate: its training articles may fine-tune,
    # its held-out articles are scored.
    ptc = read_ptc(args.ptc)
    n_ptc = int(p["ptc_sentences"])
    extra = ptc_examples([s for s in ptc if not is_heldout(s.article)], n_ptc, seed=seed) if n_ptc else []
    ptc_rows = [s for s in ptc if is_heldout(s.article) and ptc_label(s) in ("loaded", "neutral")]
    ptc_texts = [s.text for s in ptc_rows]
    ptc_y = np.array([ptc_label(s) == "loaded" for s in ptc_rows], dtype=int)
    encoder_dir = default_encoder_dir(args.encoder)
    threads = os.cpu_count() or 1
    import torch

    torch.set_num_threads(threads)
    t0 = time.perf_counter()
    examples = babe_examples([texts[i] for i in tr], y[tr].tolist(), [words[i] for i in tr])
    module = fine_tune_examples(examples + extra, encoder_dir=encoder_dir, n_tasks=2 if extra else 1, seed=seed,
                                **fine)
    tune_s = time.perf_counter() - t0
    tokenizer = (encoder_dir / "tokenizer.json").read_text(encoding="utf-8")
    held = [texts[i] for i in te]
    rows = {}
    with tempfile.TemporaryDirectory(prefix="framing-quant-") as tmp:
        paths = export_onnx(module, encoder_dir / "tokenizer.json", tmp, quantize=True, per_channel=True)
        tensor = Path(tmp) / "model.int8-tensor.onnx"
        quantize_dynamic(str(paths["fp32"]), str(tensor), per_channel=False, weight_type=QuantType.QInt8)
        graphs = {"fp32": paths["fp32"], "int8 per-channel": paths["int8"], "int8 per-tensor": tensor}
        probs = {}
        for name, path in graphs.items():
            graph = path.read_bytes()
            encoder = OnnxEncoder(graph, tokenizer, n_threads=threads, max_length=int(fine["max_length"]))
            probs[name] = probabilities(encoder, held)
            ptc_auc = roc_auc_score(ptc_y, probabilities(encoder, ptc_texts))
            rows[name] = {"bytes": len(graph), "sentences_per_s": round(best_rate(encoder, held), 1),
                          "ptc_heldout_roc_auc": round(float(ptc_auc), 4)}
        # The yardstick: the shipped graph, timed on the same sentences after one untimed
        # pass (its labels mean nothing here: it trained on this fold's held-out part).
        shipped = OnnxEncoder(load_run(args.shipped).graph, tokenizer, n_threads=threads,
                              max_length=int(fine["max_length"]))
        shipped.features(held)
        shipped_rate = best_rate(shipped, held)
    base = probs["fp32"]
    for name, pr in probs.items():
        rows[name].update({
            "macro_f1": round(float(f1_score(y[te], (pr >= 0.5).astype(int), average="macro")), 4),
            "roc_auc": round(float(roc_auc_score(y[te], pr)), 4),
            "flipped_vs_fp32": round(float(np.mean((pr >= 0.5) != (base >= 0.5))), 4),
            "max_abs_change_vs_fp32": round(float(np.max(np.abs(pr - base))), 4),
            "speed_vs_fp32": round(rows[name]["sentences_per_s"] / rows["fp32"]["sentences_per_s"], 2),
            "speed_vs_shipped": round(rows[name]["sentences_per_s"] / shipped_rate, 2),
            "size_vs_fp32": round(rows[name]["bytes"] / rows["fp32"]["bytes"], 3),
        })
    print(f"fold {args.fold} of {args.folds} (split seed {args.seed}): fine-tuned on {len(tr)} BABE + {len(extra)} PTC "
          f"sentences in {tune_s / 60:.1f} min; {len(te)} held out; {threads} threads; "
          f"{p['layers'] or 'all'} encoder layers")
    print(f"{'graph':18} {'macro-F1':>8} {'ROC-AUC':>8} {'flipped':>8} {'max |dp|':>8} {'PTC AUC':>8} {'MB':>6} "
          f"{'vs fp32':>8} {'vs shipped':>10}")
    for name, r in rows.items():
        print(f"{name:18} {r['macro_f1']:8.4f} {r['roc_auc']:8.4f} {r['flipped_vs_fp32']:8.1%} "
              f"{r['max_abs_change_vs_fp32']:8.3f} {r['ptc_heldout_roc_auc']:8.4f} {r['bytes'] / 1e6:6.1f} "
              f"{r['speed_vs_fp32']:7.2f}x {r['speed_vs_shipped']:9.2f}x")
    print(f"PTC: {len(ptc_y)} sentences of its held-out articles, {int(ptc_y.sum())} loaded")
    print(f"shipped graph: {shipped_rate:.0f} sentences/s in this run (encoder only, in process)")
    if args.json:
        result = {"corpus": str(corpus), "fold": args.fold, "folds": args.folds, "split_seed": args.seed,
                  "finetune": p, "train_sentences": len(tr), "ptc_sentences": len(extra), "held_out": len(te),
                  "ptc_heldout_sentences": len(ptc_y), "ptc_heldout_loaded": int(ptc_y.sum()), "threads": threads,
                  "layers": p["layers"], "shipped_sentences_per_s": round(shipped_rate, 1), "graphs": rows}
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
