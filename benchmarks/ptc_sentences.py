"""Cross-corpus check: models trained on BABE alone, scored on PTC's sentences.

PTC (Da San Martino et al. 2019; ../shared/corpora/ptc) is news from 48 other outlets
with professional span annotations. A sentence is *loaded* when it overlaps a
Loaded_Language or Name_Calling span and *neutral* when it overlaps no span of any
technique; sentences with other techniques only are left out. A model that learned
BABE's topics or outlets rather than loaded language falls towards 0.5 ROC-AUC here.

Reported: ROC-AUC per model given (``--model``, repeatable; default: both shipped
tiers) and for TF-IDF + logistic regression trained on the same BABE corpus, on all of
PTC's sentences and on those of its held-out articles only
(``framing.corpus.ptc.is_heldout``, one article in three). A model whose encoder
learned from PTC (``ptc_sentences`` in params.yaml) saw the other articles: only its
held-out figure is a cross-corpus check.

    python benchmarks/ptc_sentences.py [--model PATH ...] [--ptc DIR] [--corpus BABE] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
from sklearn.metrics import roc_auc_score

from framing.corpus import default_corpus_path, read_corpus
from framing.corpus.ptc import is_heldout, ptc_label, read_ptc
from framing.evaluation import baseline_pipeline
from framing.model import KINDS, default_model_path, load
from framing.paths import default_ptc_dir


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", type=Path, action="append", default=None)
    ap.add_argument("--ptc", type=Path, default=default_ptc_dir())
    ap.add_argument("--corpus", type=Path, default=None, help="BABE, for the TF-IDF + LR yardstick")
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args()
    if args.ptc is None:
        ap.error("no PTC folder: pass --ptc DIR or set $FRAMING_PTC")
    rows = [s for s in read_ptc(args.ptc) if ptc_label(s) in ("loaded", "neutral")]
    texts = [s.text for s in rows]
    y = np.array([ptc_label(s) == "loaded" for s in rows], dtype=int)
    held = np.array([is_heldout(s.article) for s in rows])
    print(f"PTC: {len(y):,} sentences, {int(y.sum()):,} loaded; held-out articles: {int(held.sum()):,} sentences, "
          f"{int(y[held].sum()):,} loaded", flush=True)
    result = {"sentences": len(y), "loaded": int(y.sum()), "heldout_sentences": int(held.sum()),
              "heldout_loaded": int(y[held].sum()), "roc_auc": {}, "roc_auc_heldout": {}}

    def report(name: str, proba: np.ndarray, seconds: float | None = None) -> None:
        auc, auc_held = float(roc_auc_score(y, proba)), float(roc_auc_score(y[held], proba[held]))
        result["roc_auc"][name], result["roc_auc_heldout"][name] = auc, auc_held
        took = f"  ({seconds:.0f} s)" if seconds is not None else ""
        print(f"{name}: ROC-AUC {auc:.3f} all, {auc_held:.3f} held-out articles{took}", flush=True)

    paths = args.model or [p for p in (default_model_path(k) for k in sorted(KINDS)) if p.exists()]
    for path in paths:
        model = load(path)
        t0 = time.perf_counter()
        report(f"{model.tier} ({Path(path).name})", np.asarray(model.predict_proba(texts)), time.perf_counter() - t0)
    babe = read_corpus(args.corpus or default_corpus_path())
    base = baseline_pipeline(0).fit(list(babe.texts), babe.labels)
    report("tfidf+logreg", base.predict_proba(texts)[:, 1])
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
