"""Does the fast tier learn from the accurate one? Pseudo-labelled PTC sentences as extra training.

The accurate tier (the teacher) scores PTC's sentences from its training articles (the
held-out articles of ``framing.corpus.ptc.is_heldout`` are never scored here) as if they
were unlabelled news: PTC's own labels are not read for this. Sentences it is confident
about become extra training sentences for the fast tier: loaded at probability
``--high`` and above, neutral at ``--low`` and below, the rest left out; a loaded
sentence's word annotations are the teacher's own strongest cues (its token head and
the static groups), so the fast tier's loaded-word lexicon learns from them too.

Reported, fast tier without and with the pseudo-labelled sentences:

* BABE, K folds through `framing train` + `framing predict` (``cli_cv.py``'s harness;
  the pseudo-labelled file joins every training part, never a test part). The teacher
  was trained on all of BABE, so its labels carry what it learned of every test fold:
  this figure leaks (at split seed 0 it read 0.7862 where the clean figure, from
  ``--fold-teachers``, was 0.7706; BABE alone 0.7756).
* PTC's held-out articles (loaded / neutral as in ``ptc_sentences.py``): ROC-AUC of each
  fast model trained on all of BABE (plus the pseudo-labelled file). No model, teacher
  included, saw these articles.

    python benchmarks/distill.py [--teacher PATH] [--high 0.8] [--low 0.1] [--folds 5] [--json OUT]

A clean BABE figure needs a teacher per fold that never saw the fold's test part.
``--fold-teachers DIR`` takes the accurate models that ``cli_cv.py --tier accurate
--keep DIR`` leaves (``model{k}.framing``, trained on fold k's training part of the
same split: same ``--folds`` and ``--seed``); fold k's pseudo-labels then come from
``model{k}``, and only the BABE figure with pseudo-labels is run:

    python benchmarks/distill.py --fold-teachers DIR [--folds 5] [--seed 0] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from sklearn.metrics import roc_auc_score

from framing.corpus import default_corpus_path, read_corpus
from framing.corpus.ptc import is_heldout, ptc_label, read_ptc
from framing.model import default_model_path, load
from framing.model.distill import DISTILL_DEFAULTS, pseudo_label
from framing.paths import default_ptc_dir

sys.path.insert(0, str(Path(__file__).resolve().parent))
from cli_cv import one_run  # noqa: E402


def pseudo_corpus(teacher, sentences, high: float, low: float, out: Path) -> dict:
    """Write the teacher's confident sentences as a corpus file (``framing.model.distill``); return counts."""
    t0 = time.perf_counter()
    labels = pseudo_label(teacher, [s.text for s in sentences], high, low)
    out.write_text(labels.to_csv(), encoding="utf-8")
    return {**labels.summary(), "seconds": round(time.perf_counter() - t0, 1)}


def train_fast(corpus: Path, extra: list[Path], out: Path) -> None:
    args = [a for c in extra for a in ("--extra-train", str(c))]
    result = subprocess.run([sys.executable, "-m", "framing", "train", "--tier", "fast", "--corpus", str(corpus),
                             *args, "--out", str(out)], capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"framing train failed:\n{result.stderr}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--teacher", type=Path, default=None, help="default: the shipped accurate model")
    ap.add_argument("--ptc", type=Path, default=default_ptc_dir())
    ap.add_argument("--corpus", type=Path, default=None, help="BABE (default: the project's)")
    ap.add_argument("--high", type=float, default=DISTILL_DEFAULTS["high"])
    ap.add_argument("--low", type=float, default=DISTILL_DEFAULTS["low"])
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument("--fold-teachers", type=Path, default=None,
                    help="per-fold accurate models (cli_cv.py --tier accurate --keep DIR): a clean BABE figure")
    ap.add_argument("--keep", type=Path, default=None,
                    help="with --fold-teachers: keep each fold's fast model here (for cue_quality.py --models)")
    args = ap.parse_args()
    if args.ptc is None:
        ap.error("no PTC folder: pass --ptc DIR or set $FRAMING_PTC")

    teacher = load(args.teacher or default_model_path("accurate")) if args.fold_teachers is None else None
    sentences = read_ptc(args.ptc)
    train_part = [s for s in sentences if not is_heldout(s.article)]
    heldout = [s for s in sentences if is_heldout(s.article) and ptc_label(s) in ("loaded", "neutral")]
    y_held = np.array([ptc_label(s) == "loaded" for s in heldout], dtype=int)
    babe_path = args.corpus or default_corpus_path()
    babe = read_corpus(babe_path)
    if args.fold_teachers is not None:
        clean_babe(args, babe, train_part)
        return
    result: dict = {"teacher": teacher.card.get("tier"), "high": args.high, "low": args.low}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        pseudo = tmp / "ptc_pseudo.csv"
        result["pseudo"] = pseudo_corpus(teacher, train_part, args.high, args.low, pseudo)
        print(f"teacher on {result['pseudo']['scored']:,} PTC sentences: {result['pseudo']['loaded']:,} loaded, "
              f"{result['pseudo']['neutral']:,} neutral kept ({result['pseudo']['seconds']} s)", flush=True)
        teacher_auc = float(roc_auc_score(y_held, teacher.predict_proba([s.text for s in heldout])))
        result["ptc_heldout"] = {"sentences": len(y_held), "loaded": int(y_held.sum()), "roc_auc": {"teacher": teacher_auc}}
        for name, extra in (("fast", []), ("fast + pseudo-labelled PTC", [pseudo])):
            model_path = tmp / f"{len(extra)}.framing"
            train_fast(babe_path, extra, model_path)
            auc = float(roc_auc_score(y_held, load(model_path).predict_proba([s.text for s in heldout])))
            result["ptc_heldout"]["roc_auc"][name] = auc
            scores = one_run(tmp, np.asarray(babe.texts, dtype=object), babe.labels, babe.biased_words,
                             args.folds, args.seed, "fast", extra)
            result[name] = {"babe_per_fold": scores, "babe_macro_f1": float(np.mean(scores)),
                            "babe_macro_f1_std": float(np.std(scores, ddof=1)), "ptc_heldout_roc_auc": auc}
            print(f"{name}: BABE {args.folds}-fold macro-F1 {np.mean(scores):.4f} ± {np.std(scores, ddof=1):.4f}; "
                  f"PTC held-out ROC-AUC {auc:.3f} (teacher {teacher_auc:.3f})", flush=True)
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")


def clean_babe(args, babe, train_part) -> None:
    """Fold k's fast model learns from the pseudo-labels of the teacher that never saw fold k."""
    texts = np.asarray(babe.texts, dtype=object)
    per_fold, kept = [], []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        if args.keep is not None:
            args.keep.mkdir(parents=True, exist_ok=True)
            tmp = args.keep
        for k in range(args.folds):
            path = args.fold_teachers / f"model{k}.framing"
            if not path.is_file():
                sys.exit(f"{path}: no such fold teacher (run cli_cv.py --tier accurate --keep {args.fold_teachers})")
            pseudo = tmp / f"ptc_pseudo{k}.csv"
            kept.append(pseudo_corpus(load(path), train_part, args.high, args.low, pseudo))
            per_fold += one_run(tmp, texts, babe.labels, babe.biased_words, args.folds, args.seed, "fast", [pseudo],
                                only={k})
    result = {"fold_teachers": str(args.fold_teachers), "high": args.high, "low": args.low, "seed": args.seed,
              "pseudo_per_fold": kept, "babe_per_fold": per_fold, "babe_macro_f1": float(np.mean(per_fold)),
              "babe_macro_f1_std": float(np.std(per_fold, ddof=1))}
    print(f"fast + pseudo-labels from per-fold teachers: BABE {args.folds}-fold macro-F1 "
          f"{np.mean(per_fold):.4f} ± {np.std(per_fold, ddof=1):.4f}", flush=True)
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
