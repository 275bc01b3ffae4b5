"""Masking proper names in the static feature groups: what it does to both tiers (issue 26).

Names are kept out of the cues at explain time (docs/model.md, "Names are not cues").
This measures the other option, the features themselves learning without names: every
token ``ProperNames`` flags is replaced by a placeholder word ("xname") in the text the
static groups read, for training and for scoring, the table fitted on the training part
only. Each group can be masked on its own: the plain and the masked feature unions are
both fitted, and a variant takes the masked columns of the groups it names.

- **BABE, 5 folds** (StratifiedKFold, seed ``--seed``, the folds of ``stack_cv.py``):
  the fast tier (the static groups, logistic regression, calibration and threshold from
  the training part, as ``stack_cv.py``'s "static") and the accurate tier's stack (the
  same plus the fine-tuning run's out-of-fold encoder scores, ``stack_cv.py``'s
  "stack"); macro-F1 at the chosen threshold and ROC-AUC, mean over folds.
- **PTC, held-out articles** (``benchmarks/ptc_sentences.py``'s labels): both, trained
  on all of BABE; the encoder scores of PTC's sentences come from the run's shipped
  graph, as the shipped accurate model scores them.

The encoder reads the text unmasked in every variant: it is fine-tuned outside the
static groups and masking it would mean fine-tuning again.

    python benchmarks/name_masking.py --corpus data/prepared/corpus.csv [--encoder-run models/accurate.encoder] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import sklearn
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score, roc_auc_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict

from framing.corpus import default_corpus_path, read_corpus
from framing.corpus.ptc import is_heldout, ptc_label, read_ptc
from framing.features import build_pipeline
from framing.features.onnx_encoder import OnnxEncoder
from framing.lexicons import load_lexicons
from framing.model import choose_threshold, fit_calibration, sigmoid
from framing.model.finetune import load_run
from framing.model.static import fit_names
from framing.paths import default_ptc_dir

PLACEHOLDER = "xname"
VARIANTS = {"none": (), "all": ("loaded", "style", "embedding", "ngram"), "ngram": ("ngram",),
            "loaded": ("loaded",), "embedding": ("embedding",), "ngram+embedding": ("ngram", "embedding")}


def mask(table, texts: list[str]) -> list[str]:
    out = []
    for text, spans in zip(texts, table.names_in(texts)):
        for a, b in reversed(spans):
            text = text[:a] + PLACEHOLDER + text[b:]
        out.append(text)
    return out


def fit_union(texts, y, words, lexicons, seed):
    union = build_pipeline({}, lexicons, random_state=seed).named_steps["features"]
    with sklearn.config_context(enable_metadata_routing=True):
        F = union.fit_transform(texts, y, biased_words=words)
    columns, start = {}, 0
    for name, group in union.transformer_list:
        n = len(group.get_feature_names_out())
        columns[name], start = np.arange(start, start + n), start + n
    return union, F, columns


def both_unions(texts, y, words, table, lexicons, seed, test_texts):
    """(plain, masked) pairs of (train features, test features), and the groups' columns."""
    out = {}
    for kind, tr, te in (("plain", texts, test_texts), ("masked", mask(table, texts), mask(table, test_texts))):
        union, F, columns = fit_union(tr, y, words, lexicons, seed)
        out[kind] = (F, union.transform(te))
    return out, columns


def combine(plain, masked, columns, groups):
    A = plain.copy()
    for g in groups:
        if g in columns:
            A[:, columns[g]] = masked[:, columns[g]]
    return A


def calibrated(A, y, B, seed):
    """Probabilities of B and the threshold, both from A's training part only (as stack_cv.py)."""
    clf = LogisticRegression(C=0.1, max_iter=5000, random_state=seed)
    dec = cross_val_predict(clone(clf), A, y, cv=StratifiedKFold(5, shuffle=True, random_state=seed),
                            method="decision_function")
    a, b = fit_calibration(dec, y)
    threshold = choose_threshold(sigmoid(a * dec + b), y)
    return sigmoid(a * clf.fit(A, y).decision_function(B) + b), threshold


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=None)
    ap.add_argument("--encoder-run", type=Path, default=Path("models/accurate.encoder"))
    ap.add_argument("--ptc", type=Path, default=default_ptc_dir())
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args()
    data = read_corpus(args.corpus or default_corpus_path())
    texts, y, words = list(data.texts), np.asarray(data.labels, dtype=int), list(data.biased_words)
    lexicons = load_lexicons()
    run = load_run(args.encoder_run)
    rows: dict[str, list] = {}
    cv = StratifiedKFold(args.folds, shuffle=True, random_state=args.seed)
    for k, (tr, te) in enumerate(cv.split(np.zeros(len(y)), y)):
        table = fit_names([texts[i] for i in tr], lexicons)
        unions, columns = both_unions([texts[i] for i in tr], y[tr], [words[i] for i in tr], table, lexicons,
                                      args.seed, [texts[i] for i in te])
        sd = run.oof[tr].std(0)
        for variant, groups in VARIANTS.items():
            A = combine(unions["plain"][0], unions["masked"][0], columns, groups)
            B = combine(unions["plain"][1], unions["masked"][1], columns, groups)
            for tier, AA, BB in (("fast", A, B), ("accurate", np.hstack([A, run.oof[tr] / sd]),
                                                   np.hstack([B, run.oof[te] / sd]))):
                proba, threshold = calibrated(AA, y[tr], BB, args.seed)
                rows.setdefault(f"{tier} masking {variant}", []).append(
                    (f1_score(y[te], (proba >= threshold).astype(int), average="macro"), roc_auc_score(y[te], proba)))
        print(f"fold {k} done", flush=True)
    result = {"folds": args.folds, "seed": args.seed, "babe": {}, "ptc_heldout_roc_auc": {}}
    for name, r in rows.items():
        f1, auc = [a for a, _ in r], [b for _, b in r]
        result["babe"][name] = {"macro_f1_mean": float(np.mean(f1)), "macro_f1_std": float(np.std(f1, ddof=1)),
                                "roc_auc_mean": float(np.mean(auc)), "per_fold_macro_f1": [float(x) for x in f1]}
        print(f"BABE {name:30s} macro-F1 {np.mean(f1):.4f} ± {np.std(f1, ddof=1):.4f}  ROC-AUC {np.mean(auc):.4f}")
    if args.ptc is not None:
        ptc = [s for s in read_ptc(args.ptc) if ptc_label(s) in ("loaded", "neutral") and is_heldout(s.article)]
        pt, py = [s.text for s in ptc], np.array([ptc_label(s) == "loaded" for s in ptc], dtype=int)
        encoder = OnnxEncoder(run.graph, run.tokenizer, max_length=run.info["params"]["max_length"])
        E, sd = encoder.features(pt), run.oof.std(0)
        unions, columns = both_unions(texts, y, words, fit_names(texts, lexicons), lexicons, args.seed, pt)
        for variant, groups in VARIANTS.items():
            A = combine(unions["plain"][0], unions["masked"][0], columns, groups)
            B = combine(unions["plain"][1], unions["masked"][1], columns, groups)
            for tier, AA, BB in (("fast", A, B), ("accurate", np.hstack([A, run.oof / sd]), np.hstack([B, E / sd]))):
                clf = LogisticRegression(C=0.1, max_iter=5000, random_state=args.seed).fit(AA, y)
                auc = float(roc_auc_score(py, clf.decision_function(BB)))
                result["ptc_heldout_roc_auc"][f"{tier} masking {variant}"] = auc
                print(f"PTC held-out {tier} masking {variant}: ROC-AUC {auc:.4f}", flush=True)
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
