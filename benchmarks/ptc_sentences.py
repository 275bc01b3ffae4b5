"""Cross-corpus check: models trained on BABE alone, scored on PTC's sentences.

PTC (Da San Martino et al. 2019; ../shared/corpora/ptc) is news from 48 other outlets
with professional span annotations. A sentence is *loaded* when it overlaps a
Loaded_Language or Name_Calling span and *neutral* when it overlaps no span of any
technique; sentences with other techniques only are left out. A model that learned
BABE's topics or outlets rather than loaded language falls towards 0.5 ROC-AUC here.

Reported: ROC-AUC per model given (``--model``, repeatable; default: both shipped
tiers) and for TF-IDF + logistic regression trained on the same BABE corpus.

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
from framing.corpus.ptc import label_ptc, read_ptc
from framing.evaluation import baseline_pipeline
from framing.model import KINDS, default_model_path, load

SHARED_PTC = Path(__file__).resolve().parents[1].parent / "shared" / "corpora" / "ptc"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", type=Path, action="append", default=None)
    ap.add_argument("--ptc", type=Path, default=SHARED_PTC)
    ap.add_argument("--corpus", type=Path, default=None, help="BABE, for the TF-IDF + LR yardstick")
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args()
    rows = [(t, lab) for t, lab, _ in label_ptc(read_ptc(args.ptc)) if lab in ("loaded", "neutral")]
    texts = [t for t, _ in rows]
    y = np.array([lab == "loaded" for _, lab in rows], dtype=int)
    print(f"PTC: {len(y):,} sentences, {int(y.sum()):,} loaded", flush=True)
    result = {"sentences": len(y), "loaded": int(y.sum()), "roc_auc": {}}
    paths = args.model or [p for p in (default_model_path(k) for k in sorted(KINDS)) if p.exists()]
    for path in paths:
        model = load(path)
        t0 = time.perf_counter()
        proba = model.predict_proba(texts)
        auc = float(roc_auc_score(y, proba))
        result["roc_auc"][f"{model.tier} ({Path(path).name})"] = auc
        print(f"{model.tier:9s} {Path(path).name}: ROC-AUC {auc:.3f}  ({time.perf_counter() - t0:.0f} s)", flush=True)
    babe = read_corpus(args.corpus or default_corpus_path())
    base = baseline_pipeline(0).fit(list(babe.texts), babe.labels)
    auc = float(roc_auc_score(y, base.predict_proba(texts)[:, 1]))
    result["roc_auc"]["tfidf+logreg"] = auc
    print(f"tfidf+logreg: ROC-AUC {auc:.3f}")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
