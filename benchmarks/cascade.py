"""A cascade of the two tiers: the fast tier decides the sentences it is sure of, the
accurate tier the rest. What it would cost in macro-F1 and ROC-AUC, and what it would
gain in speed. Measured, not shipped.

A sentence goes to the accurate tier when the fast tier's probability lies within
``margin`` of the fast tier's threshold; otherwise the fast tier's probability and label
stand. Reported per margin (0: the fast tier alone; 1: the accurate tier alone):

* BABE: the share routed and macro-F1 on held-out folds, from fold models trained on
  the same split through the CLI (``benchmarks/cli_cv.py --keep DIR`` for each tier;
  folds present in both folders are used);
* PTC's held-out articles (``framing.corpus.ptc.is_heldout``) with the shipped models
  (or ``--fast`` / ``--accurate``):
  the share routed, ROC-AUC of the cascade's probabilities, and sentences per second of
  the cascade in this process (fast tier on every sentence, accurate tier on the routed
  ones), beside both tiers alone measured in the same run.

    python benchmarks/cascade.py --fast-models DIR --accurate-models DIR [--margin M ...]
                                 [--fast MODEL] [--accurate MODEL] [--folds 5] [--seed 0]
                                 [--corpus PATH] [--ptc DIR] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
from sklearn.metrics import f1_score, roc_auc_score
from sklearn.model_selection import StratifiedKFold

from framing.corpus import default_corpus_path, read_corpus
from framing.corpus.ptc import is_heldout, ptc_label, read_ptc
from framing.model import MODEL_SUFFIX, default_model_path, load
from framing.paths import default_ptc_dir

MARGINS = (0.0, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 1.0)


def route(p_fast: np.ndarray, threshold: float, margin: float) -> np.ndarray:
    """Which sentences the accurate tier decides: the fast tier is unsure of them."""
    return np.abs(p_fast - threshold) < margin


def babe_figures(args, margins) -> dict:
    data = read_corpus(args.corpus or default_corpus_path())
    texts, y = np.asarray(data.texts, dtype=object), data.labels
    folds = []
    cv = StratifiedKFold(n_splits=args.folds, shuffle=True, random_state=args.seed)
    for fold, (_, te) in enumerate(cv.split(texts, y)):
        paths = [d / f"model{fold}{MODEL_SUFFIX}" for d in (args.fast_models, args.accurate_models)]
        if not all(p.exists() for p in paths):
            print(f"BABE fold {fold}: no model in one of the folders, skipped")
            continue
        fast, accurate = (load(p) for p in paths)
        held = [texts[i] for i in te]
        folds.append((fold, y[te], np.asarray(fast.predict_proba(held)), fast.threshold,
                      np.asarray(accurate.predict_proba(held)), accurate.threshold))
    if not folds:
        raise SystemExit("no fold present in both model folders")
    rows = []
    for m in margins:
        f1s, shares = [], []
        for _, yt, pf, tf, pa, ta in folds:
            r = route(pf, tf, m)
            f1s.append(f1_score(yt, np.where(r, pa >= ta, pf >= tf).astype(int), average="macro"))
            shares.append(r.mean())
        rows.append({"margin": m, "routed": float(np.mean(shares)), "macro_f1": float(np.mean(f1s)),
                     "per_fold": [float(f) for f in f1s]})
        print(f"BABE folds {[f[0] for f in folds]}, margin {m:.2f}: routed {rows[-1]['routed']:.2f}, "
              f"macro-F1 {rows[-1]['macro_f1']:.4f}", flush=True)
    return {"folds": [f[0] for f in folds], "rows": rows}


def ptc_figures(args, margins) -> dict:
    rows = [s for s in read_ptc(args.ptc) if ptc_label(s) in ("loaded", "neutral") and is_heldout(s.article)]
    texts = [s.text for s in rows]
    y = np.array([ptc_label(s) == "loaded" for s in rows], dtype=int)
    fast = load(args.fast or default_model_path("static"))
    accurate = load(args.accurate or default_model_path("accurate"))
    # Warm both models (onnxruntime's first run builds its kernels) outside the timings.
    fast.predict_proba(texts[:64])
    accurate.predict_proba(texts[:64])
    t0 = time.perf_counter()
    pf = np.asarray(fast.predict_proba(texts))
    t_fast = time.perf_counter() - t0
    t0 = time.perf_counter()
    accurate.predict_proba(texts)  # timed only: the loop below rescores the routed sentences
    t_acc = time.perf_counter() - t0
    print(f"PTC held-out articles: {len(y):,} sentences; fast {len(y) / t_fast:,.0f}/s, "
          f"accurate {len(y) / t_acc:,.0f}/s (in process)", flush=True)
    out = []
    for m in margins:
        r = route(pf, fast.threshold, m)
        t0 = time.perf_counter()
        p = np.asarray(fast.predict_proba(texts))
        picked = [t for t, keep in zip(texts, r) if keep]
        if picked:
            p[r] = np.asarray(accurate.predict_proba(picked))
        took = time.perf_counter() - t0
        out.append({"margin": m, "routed": float(r.mean()), "roc_auc": float(roc_auc_score(y, p)),
                    "sentences_per_s": len(y) / took, "x_accurate": t_acc / took})
        print(f"PTC margin {m:.2f}: routed {r.mean():.2f}, ROC-AUC {out[-1]['roc_auc']:.3f}, "
              f"{out[-1]['sentences_per_s']:,.0f}/s ({out[-1]['x_accurate']:.2f}x the accurate tier)", flush=True)
    return {"sentences": len(y), "loaded": int(y.sum()), "fast_per_s": len(y) / t_fast,
            "accurate_per_s": len(y) / t_acc, "rows": out}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--fast-models", type=Path, required=True)
    ap.add_argument("--accurate-models", type=Path, required=True)
    ap.add_argument("--fast", type=Path, default=None, help="fast model for the PTC figures (default: shipped)")
    ap.add_argument("--accurate", type=Path, default=None, help="accurate model for the PTC figures (default: shipped)")
    ap.add_argument("--margin", type=float, action="append", default=None)
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--corpus", type=Path, default=None)
    ap.add_argument("--ptc", type=Path, default=default_ptc_dir())
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args()
    if args.ptc is None:
        ap.error("no PTC folder: pass --ptc DIR or set $FRAMING_PTC")
    margins = sorted(args.margin) if args.margin else MARGINS
    result = {"babe": babe_figures(args, margins), "ptc_heldout": ptc_figures(args, margins)}
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
