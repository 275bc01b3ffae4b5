"""Cue quality on held-out folds: do a model's cues point at the words BABE's annotators marked?

For each of BABE's K folds (StratifiedKFold, the split of ``cli_cv.py``), a model trained
on the other folds explains the held-out loaded sentences that carry annotated words
(``biased_words``); a hit at top-1 (top-3) is a marked word inside the strongest cue
(any of the three strongest). ``benchmarks/ablation.py`` counts with the same
``span_hits``, so the figures compare with the fast tier's there (0.643 / 0.795).

The cues are what ``framing score`` and ``framing predict`` print: for the accurate tier
the static groups' word contributions and the encoder's, split by its token head.

    python benchmarks/cue_quality.py --models DIR [--folds 5] [--seed 0] [--corpus PATH] [--json OUT]

``DIR`` holds ``model0.framing`` ... ``model{K-1}.framing``, each trained on the
training part of its fold, as ``python benchmarks/cli_cv.py --keep DIR`` leaves them.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from sklearn.model_selection import StratifiedKFold

from framing.corpus import default_corpus_path, read_corpus
from framing.features import tokenize_spans, tokenize_words
from framing.model import MODEL_SUFFIX, load


def span_hits(ranked_spans, texts, biased_words) -> dict:
    """Top-1/top-3 hit rates against ``biased_words``, and a random-word reference.

    ``ranked_spans``: per text, its cue spans as (start, end, ...) tuples, strongest first.
    Sentences with no marked word are left out. ``benchmarks/ablation.py`` counts with this too.
    """
    n = top1 = top3 = 0
    rand = 0.0
    for text, spans, words in zip(texts, ranked_spans, biased_words):
        marked = {w for phrase in words for w in tokenize_words(phrase)}
        if not marked:
            continue
        n += 1
        hits = [bool(set(tokenize_words(text[span[0]:span[1]])) & marked) for span in spans[:3]]
        top1 += bool(hits[:1] and hits[0])
        top3 += any(hits)
        toks = [t for _, _, t in tokenize_spans(text)]
        rand += sum(t in marked for t in toks) / max(1, len(toks))
    return {"n": n, "top1": top1 / max(n, 1), "top3": top3 / max(n, 1), "random_word_top1": rand / max(n, 1)}


def cue_hits(cues, texts, biased_words) -> dict:
    """``span_hits`` of printed cues (per text, a list of ``Cue``), ranked by weight."""
    ranked = [[(c.start, c.end) for c in sorted(cs, key=lambda c: -c.weight)] for cs in cues]
    return span_hits(ranked, texts, biased_words)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", type=Path, required=True)
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--corpus", type=Path, default=None)
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args()
    data = read_corpus(args.corpus or default_corpus_path())
    texts, y, words = np.asarray(data.texts, dtype=object), data.labels, data.biased_words
    cv = StratifiedKFold(n_splits=args.folds, shuffle=True, random_state=args.seed)
    per_fold = []
    for fold, (_, test_idx) in enumerate(cv.split(texts, y)):
        path = args.models / f"model{fold}{MODEL_SUFFIX}"
        if not path.exists():
            print(f"fold {fold}: no {path.name}, skipped")
            continue
        model = load(path)
        idx = [i for i in test_idx if y[i] == 1]
        held = [texts[i] for i in idx]
        hits = cue_hits(model.explain(held), held, [words[i] for i in idx])
        per_fold.append({"fold": fold, "tier": model.tier, **hits})
        print(f"fold {fold} ({model.tier}): top-1 {hits['top1']:.3f}  top-3 {hits['top3']:.3f}  "
              f"(random word {hits['random_word_top1']:.3f}; {hits['n']} sentences)", flush=True)
    if not per_fold:
        raise SystemExit(f"no fold models in {args.models}")
    n = sum(f["n"] for f in per_fold)
    result = {"folds": [f["fold"] for f in per_fold], "n": n, "per_fold": per_fold,
              **{k: sum(f[k] * f["n"] for f in per_fold) / n for k in ("top1", "top3", "random_word_top1")}}
    print(f"{len(per_fold)} folds, {n} sentences: top-1 {result['top1']:.3f}  top-3 {result['top3']:.3f}  "
          f"(random word {result['random_word_top1']:.3f})")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
