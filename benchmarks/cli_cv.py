"""5-fold cross-validation on BABE through the command line, as a user would run it.

Each fold: write the training part as a CSV (text, label, biased_words), run
`framing train --corpus`, write the held-out part as JSONL, run `framing
predict`, and score the labels it prints. This checks the whole tool, not just
the estimator: reading, training, calibration, threshold and prediction.

With ``--repeats R`` the whole K-fold run is repeated with split seeds seed,
seed+1, ..., seed+R-1, so that a figure compared with a target does not rest on
one split. On BABE the default model's means at seeds 0-2 were 0.7748-0.7756
through the CLI, but in-process runs at a fixed threshold of 0.5 moved by 0.005
between the same seeds, as much as many model changes.

    python benchmarks/cli_cv.py [--tier fast|accurate] [--folds 5] [--seed 0] [--repeats 1] [--corpus PATH]
                                [--extra-train FILE ...] [--keep DIR] [--fold K ...] [--json OUT]

With ``--tier accurate`` each outer fold runs `framing train --tier accurate`, which
fine-tunes the encoder once per inner fold and once on the whole training part: on a
2-core CPU about 19 minutes a fold (BABE plus 3,000 PTC sentences per fine-tuning) when the machine is otherwise idle.
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedKFold

from framing.corpus import default_corpus_path, read_corpus
from framing.model import MODEL_SUFFIX

PARAMS = Path(__file__).resolve().parents[1] / "params.yaml"


def run(*args: str) -> subprocess.CompletedProcess:
    result = subprocess.run([sys.executable, "-m", "framing", *args], capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"framing {' '.join(args)} failed:\n{result.stderr}")
    return result


def one_run(tmp: Path, texts, y, biased_words, folds: int, seed: int, tier: str = "fast",
            extra_train: list[Path] = (), only: set[int] | None = None,
            params: Path = PARAMS) -> list[float]:
    """One stratified K-fold run through the CLI; the macro-F1 of each fold run.

    ``extra_train``: corpus files that join every fold's training part as training-only
    sentences (`framing train --extra-train`; never its test part).
    ``only``: run just these folds of the split (the split itself is unchanged), so that an
    accurate-tier run too long for one sitting can be finished fold by fold.
    """
    scores = []
    cv = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for fold, (train_idx, test_idx) in enumerate(cv.split(texts, y)):
        if only is not None and fold not in only:
            continue
        train_csv = tmp / f"train{fold}.csv"
        with open(train_csv, "w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(["text", "label", "biased_words"])
            for i in train_idx:
                w.writerow([texts[i], "loaded" if y[i] else "neutral", json.dumps(biased_words[i])])
        test_jsonl = tmp / f"test{fold}.jsonl"
        test_jsonl.write_text("".join(json.dumps({"text": texts[i]}) + "\n" for i in test_idx), encoding="utf-8")
        model = tmp / f"model{fold}{MODEL_SUFFIX}"
        t0 = time.perf_counter()
        # The accurate tier takes its fine-tuning settings from params.yaml (or --params), as `dvc repro` does.
        extra = ("--tier", "accurate", "--params", str(params)) if tier == "accurate" else ()
        # Training-only sentences, as the shipped fast model takes them: they never
        # calibrate, pick the threshold or count in the training figures.
        more = [arg for path in extra_train for arg in ("--extra-train", str(path))]
        run("train", "--corpus", str(train_csv), *more, "--out", str(model), *extra)
        t1 = time.perf_counter()
        out = run("predict", "--model", str(model), str(test_jsonl)).stdout.splitlines()
        t2 = time.perf_counter()
        pred = np.array([json.loads(line)["label"] == "loaded" for line in out], dtype=int)
        scores.append(f1_score(y[test_idx], pred, average="macro"))
        print(f"seed {seed} fold {fold}: macro-F1 {scores[-1]:.4f}  (train {t1 - t0:.0f} s, predict "
              f"{len(test_idx)} sentences {t2 - t1:.1f} s)", flush=True)
    return scores


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--repeats", type=int, default=1, help="K-fold runs with split seeds seed, seed+1, ...")
    ap.add_argument("--corpus", type=Path, default=None)
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument("--keep", type=Path, default=None,
                    help="keep each fold's model here (model0.framing, ...; for benchmarks/cue_quality.py)")
    ap.add_argument("--extra-train", type=Path, action="append", default=[],
                    help="a corpus file that joins every fold's training part via --extra-train (repeatable)")
    ap.add_argument("--fold", type=int, action="append", default=None,
                    help="run only this fold of each split (repeatable; default: all)")
    ap.add_argument("--tier", choices=("fast", "accurate"), default="fast",
                    help="accurate fine-tunes the encoder (folds+1 times) inside every outer fold: hours on a laptop CPU")
    ap.add_argument("--params", type=Path, default=PARAMS,
                    help="the accurate tier's params file (default: the project's params.yaml), "
                         "to measure a fine-tuning setting before it goes into params.yaml")
    args = ap.parse_args()
    if args.repeats < 1 or args.folds < 2:
        ap.error("--repeats must be at least 1 and --folds at least 2")
    if args.fold and not all(0 <= k < args.folds for k in args.fold):
        ap.error(f"--fold must be between 0 and {args.folds - 1}")
    data = read_corpus(args.corpus or default_corpus_path())
    y = data.labels
    texts = np.asarray(data.texts, dtype=object)
    repeats = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        if args.keep is not None:
            args.keep.mkdir(parents=True, exist_ok=True)
            tmp = args.keep
        for seed in range(args.seed, args.seed + args.repeats):
            scores = one_run(tmp, texts, y, data.biased_words, args.folds, seed, args.tier, args.extra_train,
                             set(args.fold) if args.fold else None, args.params)
            repeats.append({"seed": seed, "per_fold": scores, "macro_f1_mean": float(np.mean(scores)),
                            "macro_f1_std": float(np.std(scores, ddof=1)) if len(scores) > 1 else None})
            print(f"seed {seed}: {args.folds}-fold CV through `framing train` + `framing predict`: macro-F1 "
                  f"{repeats[-1]['macro_f1_mean']:.4f} ± {repeats[-1]['macro_f1_std'] or 0:.4f}", flush=True)
    means = [r["macro_f1_mean"] for r in repeats]
    folds_all = [f for r in repeats for f in r["per_fold"]]
    # macro_f1_std stays the spread over folds (every fold of every repeat), as with one repeat;
    # the spread of the repeat means is reported beside it.
    result = {"tier": args.tier, "only_folds": sorted(args.fold) if args.fold else None,
              "extra_train": [str(p) for p in args.extra_train], "params": str(args.params),
              "folds": args.folds, "seed": args.seed,
              "sentences": len(y), "repeats": repeats,
              "per_fold": folds_all, "macro_f1_mean": float(np.mean(folds_all)),
              "macro_f1_std": float(np.std(folds_all, ddof=1)) if len(folds_all) > 1 else None,
              "repeat_means_std": float(np.std(means, ddof=1)) if len(means) > 1 else None}
    if len(means) > 1:
        print(f"mean over {len(means)} repeats x {args.folds} folds: macro-F1 {result['macro_f1_mean']:.4f} "
              f"± {result['macro_f1_std']:.4f} over folds; repeat means {min(means):.4f}-{max(means):.4f} "
              f"(std {result['repeat_means_std']:.4f})")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
