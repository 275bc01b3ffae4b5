"""Ablation benchmark for the framing model on BABE (SG2).

    python benchmarks/ablation.py [--quick] [--json benchmarks/ablation.json] [--seed 0]

Stratified 5-fold CV (shuffled, seed fixed) of: the full model; the full model with
each feature group removed; each group alone; the full model trained without the
word-level annotations; and a plain TF-IDF + logistic-regression baseline on the
same folds. Then leave-one-outlet-out (train on every other outlet, test on one;
outlets with >= 100 sentences), cue top-1/top-3 hit rates against the annotators'
biased_words (out of fold), how much each group moves the decision, and throughput.
Prints tables and writes everything as JSON. All numbers are measured on each run.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

import sklearn  # noqa: E402
from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.metrics import accuracy_score, f1_score  # noqa: E402
from sklearn.model_selection import StratifiedKFold  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402

from framing.corpus import default_corpus_path, read_corpus  # noqa: E402
from framing.features import (  # noqa: E402
    DEFAULT_PARAMS, Batch, build_pipeline, explain,
)
from framing.lexicons import load_lexicons  # noqa: E402

sys.path.insert(0, str(ROOT / "benchmarks"))
from cue_quality import span_hits  # noqa: E402  (one definition of a cue hit for both benchmarks)

GROUPS = ["loaded", "lexicon", "style", "embedding", "ngrams"]


def baseline_pipeline(seed):
    return make_pipeline(
        TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True),
        LogisticRegression(C=1.0, max_iter=2000, random_state=seed),
    )


def fit(params, lex, texts, y, bw, seed):
    pipe = build_pipeline(params, lex, random_state=seed)
    with sklearn.config_context(enable_metadata_routing=True):
        if bw is None:
            pipe.fit(texts, y)
        else:
            pipe.fit(texts, y, biased_words=bw)
    return pipe


def take(seq, idx):
    return [seq[i] for i in idx]


def group_spread(pipe, texts):
    """Std over sentences of each group's part of the decision value (how much it moves it)."""
    union = pipe.named_steps["features"]
    coef = pipe.named_steps["clf"].coef_.ravel()
    out, start = {}, 0
    for name, tr in union.transformer_list:
        F = tr.transform(texts)
        n = F.shape[1]
        part = F @ coef[start:start + n]
        out[name] = float(np.std(np.asarray(part).ravel()))
        start += n
    return out


def cue_hits(pipe, texts, bw):
    """Top-1/top-3 hit rates of explain() against biased_words (cue_quality.span_hits)."""
    return span_hits(explain(pipe, texts), texts, bw)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    ap.add_argument("--quick", action="store_true", help="full model, -ngrams and baseline only")
    ap.add_argument("--json", default=str(ROOT / "benchmarks" / "ablation.json"))
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--corpus", default=None, help="BABE SG2 csv (default: the pinned mirror)")
    args = ap.parse_args(argv)

    corpus = read_corpus(args.corpus or default_corpus_path(), dedupe=False)
    texts, y, bw = corpus.texts, np.asarray(corpus.labels), corpus.biased_words
    outlets = np.array([o or "?" for o in corpus.outlets])
    lex = load_lexicons()
    seed = args.seed
    print(f"BABE: {len(texts)} sentences ({int(y.sum())} loaded), seed {seed}", flush=True)

    off = {f"use_{g}": False for g in GROUPS}
    configs = {"full": ({}, True)}  # "full" = the default parameters
    if not args.quick:
        for g in GROUPS:  # switch each group the other way from its default
            on = DEFAULT_PARAMS[f"use_{g}"]
            configs[f"{'-' if on else '+'} {g}"] = ({f"use_{g}": not on}, True)
        for g in GROUPS:
            configs[f"{g} only"] = ({**off, f"use_{g}": True}, True)
        configs["default, no biased_words"] = ({}, False)
        prior = DEFAULT_PARAMS["loaded_embedding_prior"]
        configs[f"{'-' if prior else '+'} loaded embedding prior"] = (
            {"loaded_embedding_prior": not prior}, True)

    else:
        configs["- ngrams"] = ({"use_ngrams": False}, True)

    skf = StratifiedKFold(5, shuffle=True, random_state=seed)
    folds = list(skf.split(texts, y))
    results = {}
    oof_full = np.zeros(len(y))
    hits, spread = [], []
    for name, (params, use_bw) in configs.items():
        t0 = time.time()
        f1s = []
        for tr, te in folds:
            pipe = fit(params, lex, take(texts, tr), y[tr], take(bw, tr) if use_bw else None, seed)
            Xte = take(texts, te)
            p = pipe.predict_proba(Xte)[:, 1]
            f1s.append(f1_score(y[te], (p >= 0.5).astype(int), average="macro"))
            if name in ("full", "- loaded embedding prior", "+ loaded embedding prior"):
                pos = np.flatnonzero(y[te] == 1)
                results.setdefault("_cues", {}).setdefault(name, []).append(
                    cue_hits(pipe, take(Xte, pos), take(take(bw, te), pos)))
            if name == "full":
                oof_full[te] = p
                hits.append(cue_hits(pipe, take(Xte, np.flatnonzero(y[te] == 1)),
                                     take(take(bw, te), np.flatnonzero(y[te] == 1))))
                spread.append(group_spread(pipe, Xte))
        results[name] = {"f1_mean": float(np.mean(f1s)), "f1_std": float(np.std(f1s)),
                         "folds": [float(f) for f in f1s], "params": params, "biased_words": use_bw}
        print(f"{name:28s} macro-F1 {np.mean(f1s):.4f} ± {np.std(f1s):.4f}   ({time.time() - t0:.0f}s)",
              flush=True)
    f1s = []
    for tr, te in folds:
        b = baseline_pipeline(seed).fit(take(texts, tr), y[tr])
        f1s.append(f1_score(y[te], b.predict(take(texts, te)), average="macro"))
    results["TF-IDF + LR baseline"] = {"f1_mean": float(np.mean(f1s)), "f1_std": float(np.std(f1s)),
                                       "folds": [float(f) for f in f1s]}
    print(f"{'TF-IDF + LR baseline':28s} macro-F1 {np.mean(f1s):.4f} ± {np.std(f1s):.4f}", flush=True)

    for name, hs in results.pop("_cues", {}).items():
        n = sum(h["n"] for h in hs)
        results[name]["cues"] = {k: sum(h[k] * h["n"] for h in hs) / n for k in ("top1", "top3")}
        print(f"cues of {name!r}: top-1 {results[name]['cues']['top1']:.3f}, "
              f"top-3 {results[name]['cues']['top3']:.3f}")
    n_hit = sum(h["n"] for h in hits)
    cues = {k: sum(h[k] * h["n"] for h in hits) / n_hit for k in ("top1", "top3", "random_word_top1")}
    cues["n"] = n_hit
    print(f"\ncue hit rate vs biased_words (loaded sentences with annotated words, n={n_hit}, "
          f"out of fold): top-1 {cues['top1']:.3f}, top-3 {cues['top3']:.3f} "
          f"(a random word: {cues['random_word_top1']:.3f})")
    sp = {g: float(np.mean([s[g] for s in spread])) for g in spread[0]}
    tot = sum(sp.values())
    print("share of decision spread per group: " + ", ".join(f"{g} {v / tot:.0%}" for g, v in sp.items()))

    # leave one outlet out
    loo = {}
    print(f"\nleave-one-outlet-out (train on the other outlets):")
    print(f"{'outlet':14s} {'n':>5s} {'loaded':>7s} {'full':>7s} {'-ngrams':>8s} {'TF-IDF':>7s}  (macro-F1; accuracy)")
    for outlet in sorted(set(outlets)):
        te = np.flatnonzero(outlets == outlet)
        if len(te) < 100:
            continue
        tr = np.flatnonzero(outlets != outlet)
        row = {"n": int(len(te)), "loaded_share": float(y[te].mean())}
        for name, params in (("full", {}), ("-ngrams", {"use_ngrams": False})):
            pipe = fit(params, lex, take(texts, tr), y[tr], take(bw, tr), seed)
            pred = (pipe.predict_proba(take(texts, te))[:, 1] >= 0.5).astype(int)
            row[name] = {"f1": float(f1_score(y[te], pred, average="macro")),
                         "acc": float(accuracy_score(y[te], pred))}
        pred = baseline_pipeline(seed).fit(take(texts, tr), y[tr]).predict(take(texts, te))
        row["tfidf"] = {"f1": float(f1_score(y[te], pred, average="macro")),
                        "acc": float(accuracy_score(y[te], pred))}
        loo[outlet] = row
        print(f"{outlet:14s} {len(te):5d} {row['loaded_share']:7.2f} "
              + " ".join(f"{row[k]['f1']:.3f};{row[k]['acc']:.2f}" for k in ("full", "-ngrams", "tfidf")),
              flush=True)
    for k in ("full", "-ngrams", "tfidf"):
        loo_mean = np.mean([r[k]["f1"] for r in loo.values()])
        print(f"mean over outlets, {k}: macro-F1 {loo_mean:.3f}")

    # throughput of predict_proba + explain on 10,000 sentences (fresh string objects)
    pipe = fit({}, lex, texts, y, bw, seed)
    big = [(" " + t)[1:] for t in (texts * 3)[:10000]]
    t0, c0 = time.perf_counter(), time.process_time()
    pipe.predict_proba(big)
    explain(pipe, big)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    speed = {"sentences": len(big), "wall_per_s": len(big) / wall, "cpu_per_s": len(big) / cpu,
             "load_avg_1min": load}
    print(f"\nthroughput predict_proba+explain: {speed['wall_per_s']:.0f}/s wall, "
          f"{speed['cpu_per_s']:.0f}/s CPU time (1-min load average {load:.1f})")

    out = {"seed": seed, "n": len(texts), "defaults": DEFAULT_PARAMS, "cv": results, "cues": cues,
           "decision_spread": sp, "leave_one_outlet_out": loo, "throughput": speed,
           "versions": {"sklearn": sklearn.__version__, "numpy": np.__version__}}
    Path(args.json).write_text(json.dumps(out, indent=2))
    print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
