"""The accurate tier's stack on BABE's 5 folds, from one fine-tuning run's out-of-fold scores.

A full cross-validation of the accurate tier fine-tunes the encoder (folds + 1) times
inside every outer fold (``benchmarks/cli_cv.py --tier accurate``: hours on a laptop
CPU). This cheaper check reuses the out-of-fold encoder scores that ``framing stage
finetune`` already computed for the whole corpus (``run.json``): every sentence's
scores come from an encoder fine-tuned without it, on ``folds - 1`` parts of the corpus
(half of it with the shipped setting of 2). For each outer fold the static feature
groups are fitted on the training part exactly as ``framing train`` fits them, the
stacked regression learns from the training part's out-of-fold encoder scores, and the
held-out part is scored. The encoders behind these scores saw less data than the
shipped one, so the figures are a lower bound for the shipped model; and the encoder
that scored a held-out sentence saw some of the outer training part, which cannot
leak that sentence's label.

Reported on the same folds: the static fast tier alone, the encoder alone (its
out-of-fold sentence logit at 0.5), the stack, and TF-IDF + logistic regression.

    python benchmarks/stack_cv.py --encoder-run models/accurate.encoder [--corpus data/prepared/corpus.csv] [--json OUT]
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
from framing.evaluation import baseline_pipeline
from framing.features import build_pipeline
from framing.lexicons import load_lexicons
from framing.model import choose_threshold, fit_calibration, sigmoid
from framing.hashing import texts_sha256
from framing.model.finetune import load_run


def _figures(y, proba, threshold):
    return {"macro_f1": float(f1_score(y, (proba >= threshold).astype(int), average="macro")),
            "roc_auc": float(roc_auc_score(y, proba))}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--encoder-run", type=Path, action="append", required=True,
                    help="a run folder; repeat to compare runs on the same folds and static features")
    ap.add_argument("--corpus", type=Path, default=None)
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args()
    data = read_corpus(args.corpus or default_corpus_path())
    texts, y = list(data.texts), np.asarray(data.labels, dtype=int)
    runs = {}
    for path in args.encoder_run:
        run = load_run(path)
        if run.info.get("texts_sha256") != texts_sha256(texts):
            raise SystemExit(f"{path} was fine-tuned on another corpus than {args.corpus}")
        runs["" if len(args.encoder_run) == 1 else f" ({path})"] = run
    words = list(data.biased_words)
    lexicons = load_lexicons()
    rows = {"static": [], **{f"{kind}{name}": [] for name in runs for kind in ("encoder", "stack")}, "tfidf": []}
    cv = StratifiedKFold(args.folds, shuffle=True, random_state=args.seed)
    for k, (tr, te) in enumerate(cv.split(np.zeros(len(y)), y)):
        pipe = build_pipeline({}, lexicons, random_state=args.seed)
        union = pipe.named_steps["features"]
        with sklearn.config_context(enable_metadata_routing=True):
            F_tr = union.fit_transform([texts[i] for i in tr], y[tr], biased_words=[words[i] for i in tr])
        F_te = union.transform([texts[i] for i in te])
        sets = [("static", F_tr, F_te)] + [
            (f"stack{name}", np.hstack([F_tr, run.oof[tr] / run.oof[tr].std(0)]),
             np.hstack([F_te, run.oof[te] / run.oof[tr].std(0)])) for name, run in runs.items()]
        for name, A, B in sets:
            clf = LogisticRegression(C=0.1, max_iter=5000, random_state=args.seed)
            # Calibration and threshold from the training part only, as `framing train` does.
            inner = StratifiedKFold(5, shuffle=True, random_state=args.seed)
            dec = cross_val_predict(clone(clf), A, y[tr], cv=inner, method="decision_function")
            a, b = fit_calibration(dec, y[tr])
            threshold = choose_threshold(sigmoid(a * dec + b), y[tr])
            proba = sigmoid(a * clf.fit(A, y[tr]).decision_function(B) + b)
            rows[name].append(_figures(y[te], proba, threshold))
        for name, run in runs.items():
            rows[f"encoder{name}"].append(_figures(y[te], sigmoid(run.oof[te, 0]), 0.5))
        base = baseline_pipeline(args.seed).fit([texts[i] for i in tr], y[tr])
        rows["tfidf"].append(_figures(y[te], base.predict_proba([texts[i] for i in te])[:, 1], 0.5))
        print(f"fold {k}: " + "  ".join(f"{n} {r[-1]['macro_f1']:.4f}" for n, r in rows.items()), flush=True)
    result = {"folds": args.folds, "seed": args.seed, "sentences": len(y),
              "encoder_runs": {str(p): r.info.get("params") for p, r in zip(args.encoder_run, runs.values())},
              "models": {}}
    for name, r in rows.items():
        f1 = [x["macro_f1"] for x in r]
        auc = [x["roc_auc"] for x in r]
        result["models"][name] = {"per_fold": f1, "macro_f1_mean": float(np.mean(f1)),
                                  "macro_f1_std": float(np.std(f1, ddof=1)), "roc_auc_mean": float(np.mean(auc))}
        print(f"{name:12s} macro-F1 {np.mean(f1):.4f} ± {np.std(f1, ddof=1):.4f}   ROC-AUC {np.mean(auc):.4f}")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
