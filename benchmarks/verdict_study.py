"""The verdict checked against journalists: SemEval-2019's 645 hyperpartisan-labelled articles.

    python benchmarks/verdict_study.py score --tier fast|accurate [--corpus DIR] [--cache DIR]
    python benchmarks/verdict_study.py study [--cache DIR] [--repeats N] [--json OUT] [--write-bands FILE]
    python benchmarks/verdict_study.py seeds [--seeds DIR]

``score`` runs each article through framing.scoring.score_text, the code
``framing score`` runs (the text as a .txt file holds it: title first, then a
paragraph a line; framing.corpus.hyperpartisan), and caches what the article
score is made of: per sentence its headline and furniture flags, paragraph,
and each segment's voice, probability and words. The accurate tier takes a few
minutes on 2 cores; the study then recomputes scores from the cache in
seconds, so weightings can be compared on the very same predictions. The cache
holds third-party text's derived numbers only (no text) and lives under data/
(gitignored).

``study`` reads the caches and prints, per tier (seeded and deterministic; the
band figures come from framing.evaluation's band_composition, choose_cuts and
cut_study):

* the article score's ROC-AUC against the journalists' label;
* what each band means today: the share of hyperpartisan articles in low,
  moderate and high under the constants (framing.scoring.LOW_BELOW, HIGH_FROM);
* cut-points chosen by repeated stratified 5-fold cross-validation (the rule
  of framing.evaluation.choose_cuts, fitted on each training part, applied
  to the held-out part; pooled held-out composition, mean and spread over
  repeats), and the cut-points the same rule gives on all 645;
* the weighting study: headline, lead and closing sentence weighted more, or
  a top-k aggregation, the setting chosen inside each training part, ROC-AUC
  of the held-out scores, overall and within length quintiles.

``seeds`` scores ../shared/seeds with both tiers: the verdict before (the
constants) and after (the tier's cut-points), and the candidate definitions.

``--write-bands`` writes the per-tier cut-points fitted on all articles,
keyed by each model's SHA-256, to the file the scoring stage reads
(models/bands.json).
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import json
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import RepeatedStratifiedKFold

import framing
from framing import evaluation, scoring
from framing.corpus.hyperpartisan import read_hyperpartisan
from framing.paths import shared_dir

DEFAULT_CACHE = Path("data/verdict")


def cache_file(cache: Path, tier: str) -> Path:
    return cache / f"{tier}.json.gz"


def score_corpus(tier: str, corpus: Path, cache: Path) -> Path:
    model = framing.load_model(tier=tier)
    articles = read_hyperpartisan(corpus)
    rows = []
    t0 = time.perf_counter()
    for i, a in enumerate(articles, 1):
        r = scoring.score_text(model, a.text, a.id, cues=False)
        rows.append({
            "id": a.id, "hyperpartisan": a.hyperpartisan, "score": r.score, "verdict": r.verdict,
            "sentences": [{"headline": s.headline, "furniture": s.furniture, "paragraph": s.paragraph,
                           "quoted": s.quoted, "probability": s.probability,
                           "segments": [[g.voice, g.probability, g.words] for g in s.segments]}
                          for s in r.sentences]})
        if i % 50 == 0:
            print(f"{tier}: {i}/{len(articles)} articles, {time.perf_counter() - t0:.0f} s", file=sys.stderr, flush=True)
    out = cache_file(cache, tier)
    out.parent.mkdir(parents=True, exist_ok=True)
    card = model.card
    payload = {"tier": tier, "model_sha256": card["artifact"]["sha256"], "corpus": str(corpus),
               "seconds": round(time.perf_counter() - t0, 1), "articles": rows}
    tmp = out.with_suffix(".tmp")
    with gzip.open(tmp, "wt", encoding="utf-8") as fh:
        json.dump(payload, fh)
    tmp.replace(out)
    print(f"{tier}: {len(rows)} articles in {payload['seconds']} s -> {out}", file=sys.stderr)
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="command", required=True)
    sc = sub.add_parser("score")
    sc.add_argument("--tier", choices=("fast", "accurate"), required=True)
    sc.add_argument("--corpus", type=Path, default=None)
    sc.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    st = sub.add_parser("study")
    st.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    st.add_argument("--tiers", nargs="+", default=["fast", "accurate"])
    st.add_argument("--repeats", type=int, default=20)
    st.add_argument("--seed", type=int, default=0)
    st.add_argument("--json", type=Path, default=None)
    st.add_argument("--write-bands", type=Path, default=None)
    sd = sub.add_parser("seeds", help="the seed articles under both tiers, old and new bands (a check, not a target)")
    sd.add_argument("--seeds", type=Path, default=None)
    args = ap.parse_args(argv)
    if args.command == "seeds":
        return seeds(args.seeds or (shared_dir() / "seeds"))
    if args.command == "score":
        corpus = args.corpus or (shared_dir() / "corpora" / "hyperpartisan")
        score_corpus(args.tier, corpus, args.cache)
        return 0
    return study(args)


# -- the study ---------------------------------------------------------------------

def load_cache(cache: Path, tier: str) -> dict:
    path = cache_file(cache, tier)
    if not path.exists():
        raise SystemExit(f"no cache for the {tier} tier: run `python benchmarks/verdict_study.py score --tier {tier}`")
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return json.load(fh)


def rebuild(row: dict) -> list[scoring.ScoredSentence]:
    """The scored sentences back from the cache, so the score is recomputed by scoring's own code."""
    out = []
    for i, s in enumerate(row["sentences"]):
        segs = [scoring.ScoredSegment(0, 0, "", v, p, w) for v, p, w in s["segments"]]
        out.append(scoring.ScoredSentence(i, 0, 0, "", s["probability"], "", s["quoted"], s["headline"],
                                          s["paragraph"], s["furniture"], segments=segs))
    return out


LEAD = 2  # own-voice body sentences that make the lead


def units(row: dict):
    """(probability, voice, words, part) per unit of the score, in scoring.score_units' order.

    ``part`` is "headline", "lead" (the first LEAD body sentences with own
    words), "closing" (the last such sentence, when not in the lead) or "body".
    With every part weighted 1 the score is scoring's own (checked).
    """
    sents = rebuild(row)
    probs, voices, words = scoring.score_units(sents)
    own_body = [i for i, s in enumerate(sents) if not s.headline and not s.furniture and s.own_words]
    part_of = {i: "lead" for i in own_body[:LEAD]}
    if len(own_body) > LEAD:
        part_of[own_body[-1]] = "closing"
    parts = ["headline"] if any(s.headline for s in sents) else []
    for i, s in enumerate(sents):
        if s.headline or s.furniture:
            continue
        parts += [part_of.get(i, "body") for g in s.segments if g.voice in ("own", "quote")]
    assert len(parts) == len(probs), (len(parts), len(probs))
    score, _ = scoring.article_score(probs, voices, words)
    assert abs(score - row["score"]) < 1e-9, (row["id"], score, row["score"])
    return np.asarray(probs, float), np.asarray(voices, object), np.asarray(words, float), np.asarray(parts, object)


POSITION_WEIGHTS = (1.0, 2.0, 4.0)
TOPK = (1, 3, 5)
FRACTION = (0.1, 0.25, 0.5)
BLEND = (0.25, 0.5, 0.75, 1.0)


def definitions(articles: list) -> dict[str, np.ndarray]:
    """Article scores under every candidate definition, one row per article.

    today: scoring's (own-voice words; headline as one average sentence).
    pos(h,l,c): the headline's, lead's and closing sentence's weights multiplied by h, l, c.
    top(k,a): (1 - a) * today + a * mean of the k most loaded own-voice units.
    frac(q,a): the same with the most loaded units holding a share q of the own words
    (top-k scaled to the article's length, so a longer article has no more to pick from).
    """
    out: dict[str, list[float]] = {}
    for row in articles:
        p, v, w, part = units(row)
        own = v == "own"
        out.setdefault("today", []).append(scoring.article_score(p, v, w)[0])
        for h, l, c in itertools.product(POSITION_WEIGHTS, repeat=3):
            if (h, l, c) == (1.0, 1.0, 1.0):
                continue
            m = np.select([part == "headline", part == "lead", part == "closing"], [h, l, c], 1.0)
            out.setdefault(f"pos({h:g},{l:g},{c:g})", []).append(scoring.article_score(p, v, w * m)[0])
        base = out["today"][-1]
        top = np.sort(p[own])[::-1] if own.any() else np.sort(p)[::-1]
        for k, a in itertools.product(TOPK, BLEND):
            out.setdefault(f"top({k},{a:g})", []).append((1 - a) * base + a * float(top[:k].mean()) if len(top) else base)
        pp, ww = (p[own], w[own]) if own.any() else (p, w)
        order = np.argsort(-pp, kind="stable")
        reach = np.cumsum(ww[order]) / ww.sum() if ww.sum() > 0 else np.arange(1, len(pp) + 1) / len(pp)
        for q, a in itertools.product(FRACTION, BLEND):
            k = min(len(pp), int(np.searchsorted(reach, q)) + 1)
            out.setdefault(f"frac({q:g},{a:g})", []).append((1 - a) * base + a * float(pp[order][:k].mean())
                                                            if len(pp) else base)
    return {k: np.asarray(x) for k, x in out.items()}


def family(name: str) -> str:
    return name.split("(")[0]


def _within(y: np.ndarray, s: np.ndarray, strata: np.ndarray) -> float:
    """Mean ROC-AUC inside each length stratum (those holding both classes): ranking at equal length."""
    aucs = [roc_auc_score(y[strata == k], s[strata == k]) for k in np.unique(strata)
            if len(set(y[strata == k])) == 2]
    return float(np.mean(aucs))


def weighting_study(defs: dict[str, np.ndarray], y: np.ndarray, folds: int, repeats: int, seed: int,
                    length: np.ndarray) -> dict:
    """Held-out ROC-AUC of today's score against each family with its parameters chosen in-fold.

    In every fold, each family's member with the best ROC-AUC on the training
    part is scored on the held-out part; today's definition has nothing to
    choose. Figures: mean and spread of the per-fold held-out ROC-AUC, the
    paired difference to today's, and how often each setting was chosen.
    Hyperpartisan articles are longer here (median units 36 against 20), and a
    mean of the k most loaded units grows with length, so each held-out figure
    is also given within length quintiles (``length``: units per article):
    what a definition gains at equal length is what it gains by reading wording.
    """
    splits = list(RepeatedStratifiedKFold(n_splits=folds, n_repeats=repeats, random_state=seed).split(y, y))
    strata = np.digitize(length, np.quantile(length, [0.2, 0.4, 0.6, 0.8]))
    fams = sorted({family(k) for k in defs} - {"today"})
    res = {f: [] for f in ["today", *fams]}
    eq = {f: [] for f in ["today", *fams]}
    chosen: dict[str, dict[str, int]] = {f: {} for f in fams}
    for train, test in splits:
        res["today"].append(roc_auc_score(y[test], defs["today"][test]))
        eq["today"].append(_within(y[test], defs["today"][test], strata[test]))
        for f in fams:
            members = [k for k in defs if family(k) == f] + ["today"]
            best = max(members, key=lambda k: (roc_auc_score(y[train], defs[k][train]), k == "today"))
            chosen[f][best] = chosen[f].get(best, 0) + 1
            res[f].append(roc_auc_score(y[test], defs[best][test]))
            eq[f].append(_within(y[test], defs[best][test], strata[test]))
    today, today_eq = np.asarray(res["today"]), np.asarray(eq["today"])
    out = {"length_alone_roc_auc": round(float(roc_auc_score(y, length)), 4),
           "today": {"roc_auc": _ms(today), "equal_length": _ms(today_eq)}}
    for f in fams:
        a, e = np.asarray(res[f]), np.asarray(eq[f])
        out[f] = {"roc_auc": _ms(a), "minus_today": _ms(a - today), "better_folds": float(np.mean(a > today)),
                  "equal_length": _ms(e), "equal_length_minus_today": _ms(e - today_eq),
                  "equal_length_better_folds": float(np.mean(e > today_eq)),
                  "chosen": dict(sorted(chosen[f].items(), key=lambda kv: -kv[1])[:5])}
    out["in_sample"] = {k: float(roc_auc_score(y, v)) for k, v in defs.items()}
    return out


def _ms(a) -> dict[str, float]:
    a = np.asarray(a, float)
    return {"mean": round(float(a.mean()), 4), "std": round(float(a.std(ddof=1)), 4)}


def study(args) -> int:
    report: dict = {"command": "python benchmarks/verdict_study.py study " + " ".join(sys.argv[2:]), "tiers": {}}
    for tier in args.tiers:
        cached = load_cache(args.cache, tier)
        rows = cached["articles"]
        y = np.asarray([r["hyperpartisan"] for r in rows], dtype=int)
        defs = definitions(rows)
        length = np.asarray([len(units(r)[0]) for r in rows])
        cuts = evaluation.cut_study(defs["today"], y, repeats=args.repeats, seed=args.seed)
        weights = weighting_study(defs, y, 5, args.repeats, args.seed, length)
        report["tiers"][tier] = {"model_sha256": cached["model_sha256"], "bands": cuts, "weighting": weights}
        print_tier(tier, cuts, weights)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    if args.write_bands:
        write_bands(args.write_bands, report)
    return 0


def _pct(x) -> str:
    return "-" if x is None else f"{100 * x:.0f} %"


def print_tier(tier: str, cuts: dict, weights: dict) -> None:
    print(f"\n== {tier} tier: {cuts['articles']} articles, {cuts['positives']} hyperpartisan; "
          f"ROC-AUC of the article score {cuts['roc_auc']:.3f}")
    b, cv, fit = cuts["before"], cuts["cross_validated"], cuts["fit"]
    print(f"before (low < {b['low_below']:.2f} <= moderate < {b['high_from']:.2f} <= high), all articles:")
    print(f"  hyperpartisan share: low {_pct(b['share_positive']['low'])} (n={b['count']['low']}), "
          f"moderate {_pct(b['share_positive']['moderate'])} (n={b['count']['moderate']}), "
          f"high {_pct(b['share_positive']['high'])} (n={b['count']['high']})")
    print(f"  precision of high {_pct(b['precision_high'])}, NPV of low {_pct(b['npv_low'])}, "
          f"not-hyperpartisan read moderate or high {_pct(b['negatives_flagged'])}, "
          f"hyperpartisan read high {_pct(b['positives_high'])}")
    print(f"after, cross-validated ({cuts['folds']}-fold x {cuts['repeats']} repeats; held-out, mean +- sd over repeats):")
    for k in ("low", "moderate", "high"):
        m, n = cv[f"share_positive_{k}"], cv[f"count_{k}"]
        print(f"  {k:9s} hyperpartisan share {m.get('mean', float('nan')):.3f} +- {m.get('std', float('nan')):.3f} "
              f"(articles {n['mean']:.0f} +- {n['std']:.0f})")
    for k in ("precision_high", "npv_low", "negatives_flagged", "positives_high"):
        m = cv[k]
        print(f"  {k:18s} {m.get('mean', float('nan')):.3f} +- {m.get('std', float('nan')):.3f}")
    fc = cuts["fold_cuts"]
    print(f"  cut-points chosen in the folds: low_below {fc['low_below']['mean']:.2f} "
          f"[{fc['low_below']['min']:.2f}, {fc['low_below']['max']:.2f}], high_from {fc['high_from']['mean']:.2f} "
          f"[{fc['high_from']['min']:.2f}, {fc['high_from']['max']:.2f}]")
    c = fit["composition"]
    print(f"fit on all articles (to ship): low < {fit['low_below']:.2f} <= moderate < {fit['high_from']:.2f} <= high "
          f"(target met: high {fit['met']['high']}, low {fit['met']['low']}); in-sample: "
          f"low {_pct(c['share_positive']['low'])} (n={c['count']['low']}), moderate "
          f"{_pct(c['share_positive']['moderate'])} (n={c['count']['moderate']}), high "
          f"{_pct(c['share_positive']['high'])} (n={c['count']['high']})")
    print("weighting study (held-out ROC-AUC per fold, mean +- sd; the family's setting chosen on each training part;"
          f" article length alone: {weights['length_alone_roc_auc']:.3f}):")
    t, te = weights["today"]["roc_auc"], weights["today"]["equal_length"]
    print(f"  today's definition      {t['mean']:.4f} +- {t['std']:.4f}; within length quintiles "
          f"{te['mean']:.4f} +- {te['std']:.4f}")
    for f, r in weights.items():
        if f in ("today", "in_sample", "length_alone_roc_auc"):
            continue
        print(f"  {f:22s}  {r['roc_auc']['mean']:.4f} +- {r['roc_auc']['std']:.4f}; minus today "
              f"{r['minus_today']['mean']:+.4f} +- {r['minus_today']['std']:.4f}; better in "
              f"{100 * r['better_folds']:.0f} % of folds; chosen {r['chosen']}")
        print(f"  {'':22s}  within length quintiles {r['equal_length']['mean']:.4f}; minus today "
              f"{r['equal_length_minus_today']['mean']:+.4f} +- {r['equal_length_minus_today']['std']:.4f}; "
              f"better in {100 * r['equal_length_better_folds']:.0f} % of folds")


def seeds(folder: Path) -> int:
    """Each seed article's score and verdict per tier: today's constants, the tier's cut-points, and
    what the candidate definitions of the weighting study would give (not tuned to: see the seeds' README)."""
    from framing.textio import read_article

    paths = sorted(folder.glob("*.txt"))
    for tier in ("fast", "accurate"):
        model = framing.load_model(tier=tier)
        bands = scoring.model_bands(model)
        print(f"\n== {tier} tier (bands: {bands.low_below:.2f} / {bands.high_from:.2f}, {bands.source})")
        print("| seed | score | before (0.35 / 0.50) | after | pos(4,2,4) | top(5,0.75) |")
        print("| --- | ---: | --- | --- | ---: | ---: |")
        for path in paths:
            r = scoring.score_text(model, read_article(path), path.name, cues=False)
            row = {"id": path.stem, "score": r.score, "sentences": [
                {"headline": x.headline, "furniture": x.furniture, "paragraph": x.paragraph, "quoted": x.quoted,
                 "probability": x.probability, "segments": [[g.voice, g.probability, g.words] for g in x.segments]}
                for x in r.sentences]}
            d = definitions([row])
            print(f"| {path.name[:3]} | {r.score:.3f} | {scoring.verdict(r.score)} | {r.verdict} | "
                  f"{d['pos(4,2,4)'][0]:.3f} | {d['top(5,0.75)'][0]:.3f} |")
    return 0


def write_bands(path: Path, report: dict) -> None:
    from framing.textio import atomic_open

    table = {"about": "Verdict cut-points per tier, fitted on SemEval-2019's 645 hyperpartisan-labelled articles by "
                      "benchmarks/verdict_study.py (docs/scoring.md). A model whose SHA-256 is not the one named "
                      "here bands with framing.scoring's constants.",
             "command": report["command"], "tiers": {}}
    for tier, r in report["tiers"].items():
        fit = r["bands"]["fit"]
        table["tiers"][tier] = {"model_sha256": r["model_sha256"], "low_below": fit["low_below"],
                                "high_from": fit["high_from"], "target_met": fit["met"]}
    with atomic_open(path) as fh:
        fh.write(json.dumps(table, indent=2, sort_keys=True) + "\n")
    print(f"\nwrote {path}")


if __name__ == "__main__":
    sys.exit(main())
