"""The article score on real articles: PTC's 371 training articles against their loaded-language spans.

    python benchmarks/ptc_articles.py [--model PATH] [--ptc DIR] [--heldout] [--json OUT]

PTC (Da San Martino et al. 2019, "Fine-grained analysis of propaganda in news
articles") marks spans of propaganda techniques in news articles; two of them,
Loaded_Language and Name_Calling,Labeling, are what framing calls loaded
wording (``framing.corpus.ptc`` reads them).  For each article the reference is the **share of its sentences**
(PTC's own lines, one sentence a line, the headline included) that overlap at
least one such span.  The score must come from a model that never trained on
these articles: the shipped fast model is trained on BABE alone; pass
``--model`` for another (an accurate-tier model, or one trained out of fold). The
shipped accurate tier's encoder learned from PTC's sentences as a second task, on two
articles in three: for it, ``--heldout`` keeps to the third it never saw
(``framing.corpus.ptc.is_heldout``).

Printed: the Spearman correlation (scipy.stats.spearmanr) between the share
and the article score, under the shipped definition and under alternatives
measured on the same predictions, so a change of definition is argued from
figures; then how the verdict bands split the articles by that share.
Nothing from PTC is written anywhere but stdout and ``--json``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
from scipy.stats import spearmanr

import framing
from framing import scoring
from framing.corpus import LOADED_TECHNIQUES, read_ptc
from framing.corpus.ptc import ARTICLES_DIR, is_heldout
from framing.paths import default_ptc_dir

BOOTSTRAP = 1000
SHARE_BINS = (0.0, 0.1, 0.2, 0.3, 0.45, 1.0)  # the last bins are wider: few articles are that loaded


def by_article(sentences) -> dict[str, list]:
    out: dict[str, list] = defaultdict(list)
    for s in sentences:
        out[s.article].append(s)
    return out


def loaded_share(lines, keep=lambda span: True) -> float:
    """Share of the article's lines (PTC's sentences) overlapping a loaded span that ``keep`` accepts."""
    hit = sum(any(sp.technique in LOADED_TECHNIQUES and keep(sp) for sp in line.spans) for line in lines)
    return hit / len(lines) if lines else 0.0


def outside_quotes(result):
    """The spans whose middle is not inside a quotation as framing reads the article.

    PTC's annotators marked loaded language wherever it stands, quoted speech
    included; the score counts only the outlet's words.  This second reference
    keeps the spans in the outlet's own words, so the two readings can be told
    apart (it leans on framing's own quote detection, so it is the weaker one).
    """
    quotes = [(g.start, g.end) for s in result.sentences if not s.headline for g in s.segments if g.voice == "quote"]
    return lambda span: not any(qa <= (span.start + span.end) // 2 < qb for qa, qb in quotes)


def definitions(result) -> dict[str, float]:
    """The article score under the shipped definition and the alternatives it was chosen over."""
    sents = result.sentences
    head = [s for s in sents if s.headline]
    body = [s for s in sents if not s.headline and not s.furniture]
    head_p = [max(s.probability for s in head)] if head else []

    def mean(xs):
        return float(np.mean(xs)) if len(xs) else float("nan")

    return {
        # shipped: own-voice segments weighted by words, headline once (framing.scoring)
        "own segments, by words (shipped)": result.score,
        # each sentence with own words counts once, at the probability of its own part
        "own part of each sentence, sentences equal": mean(head_p + [s.own_probability for s in body if s.counted]),
        # before voices: whole sentences, a sentence set apart when most of it is inside quote marks
        "whole sentences, majority-quoted set apart (before)": mean(head_p + [s.probability for s in body
                                                                               if not s.quoted]),
        # no voices at all: every sentence but furniture
        "whole sentences, quotes counted": mean(head_p + [s.probability for s in body]),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default=None, help="model file (default: the shipped model)")
    ap.add_argument("--ptc", type=Path, default=default_ptc_dir(),
                    help="PTC folder (train-articles/ and the labels file)")
    ap.add_argument("--json", type=Path, default=None, help="also write per-article figures here")
    ap.add_argument("--heldout", action="store_true", help="only the articles no model trains on (one in three)")
    args = ap.parse_args()
    if args.ptc is None:
        ap.error("no PTC folder: pass --ptc DIR or set $FRAMING_PTC")

    model = framing.load_model(args.model)
    articles = by_article(read_ptc(args.ptc))
    if args.heldout:
        articles = {a: lines for a, lines in articles.items() if is_heldout(a)}
    t0 = time.time()
    rows = []
    for k, (article_id, lines) in enumerate(sorted(articles.items())):
        path = args.ptc / ARTICLES_DIR / f"article{article_id}.txt"
        # newline="" as the reader does: the span offsets count "\r\n" as two characters.
        with open(path, encoding="utf-8", newline="") as fh:
            text = fh.read()
        result = scoring.score_text(model, text, path.name, cues=False)
        rows.append({"article": article_id, "share": loaded_share(lines),
                     "share_own": loaded_share(lines, outside_quotes(result)),
                     "verdict": result.verdict, "sentences": len(lines), **definitions(result)})
        if (k + 1) % 50 == 0:
            print(f"  {k + 1}/{len(articles)} articles, {time.time() - t0:.0f} s", file=sys.stderr)

    share = np.array([r["share"] for r in rows])
    model_name = args.model or "shipped model (models/fast.framing, BABE only)"
    print(f"{len(rows)} PTC articles, model: {model_name}; {time.time() - t0:.0f} s")
    print(f"reference: share of an article's sentences overlapping {' or '.join(sorted(LOADED_TECHNIQUES))}; "
          f"median {np.median(share):.2f}, quartiles {np.percentile(share, 25):.2f}-{np.percentile(share, 75):.2f}\n")
    share_own = np.array([r["share_own"] for r in rows])
    print("Spearman rho between the article score and the share of sentences with loaded language, "
          "all spans / spans outside quotations:\n")
    print("| article score | rho, all spans | rho, spans outside quotations |\n| --- | ---: | ---: |")
    figures = {}
    for name in [k for k in rows[0] if k not in ("article", "share", "share_own", "verdict", "sentences")]:
        x = np.array([r[name] for r in rows])
        ok = ~np.isnan(x)
        rho, p = spearmanr(x[ok], share[ok])
        rho_own, p_own = spearmanr(x[ok], share_own[ok])
        figures[name] = {"rho": round(float(rho), 3), "p": float(p), "rho_own": round(float(rho_own), 3),
                         "p_own": float(p_own)}
        print(f"| {name} | {rho:.3f} (p {p:.0e}) | {rho_own:.3f} (p {p_own:.0e}) |")
    # How far apart the definitions really are: a paired bootstrap over articles
    # of each alternative's rho minus the shipped one's (same resamples for all).
    rng = np.random.default_rng(0)
    names = list(figures)
    x_all = {n: np.array([r[n] for r in rows]) for n in names}
    draws = [rng.integers(0, len(rows), len(rows)) for _ in range(BOOTSTRAP)]
    print(f"\npaired bootstrap ({BOOTSTRAP} resamples of the articles), rho of each definition minus the shipped "
          "one's, 95 % interval:\n")
    print("| article score | all spans | spans outside quotations |\n| --- | ---: | ---: |")
    for name in names[1:]:
        cells = []
        for ref in (share, share_own):
            d = [spearmanr(x_all[name][i], ref[i])[0] - spearmanr(x_all[names[0]][i], ref[i])[0] for i in draws]
            lo, hi = np.percentile(d, [2.5, 97.5])
            cells.append(f"{np.mean(d):+.3f} [{lo:+.3f}, {hi:+.3f}]")
            figures[name].setdefault("minus_shipped", []).append([round(float(lo), 3), round(float(hi), 3)])
        print(f"| {name} | {cells[0]} | {cells[1]} |")

    shipped = np.array([r["own segments, by words (shipped)"] for r in rows])
    b = scoring.model_bands(model)  # the model's own cut-points, as its verdicts used
    print(f"\nverdict bands (low < {b.low_below} <= moderate < {b.high_from} <= high; {b.source}) "
          "by the share of loaded sentences:\n")
    print("| share of sentences with loaded language | articles | low | moderate | high | median score |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    bands = []
    for lo, hi in zip(SHARE_BINS, SHARE_BINS[1:]):
        mask = (share >= lo) & ((share < hi) if hi < 1.0 else (share <= hi))
        n = int(mask.sum())
        counts = {v: int(sum(1 for r, m in zip(rows, mask) if m and r["verdict"] == v)) for v in ("low", "moderate",
                                                                                                "high")}
        med = float(np.median(shipped[mask])) if n else float("nan")
        bands.append({"share_from": lo, "share_below": hi, "articles": n, **counts, "median_score": med})
        pct = {v: f"{100 * c / n:.0f} %" if n else "-" for v, c in counts.items()}
        print(f"| {lo:.2f} to {'below ' if hi < 1 else ''}{hi:.2f} | {n} | {pct['low']} | {pct['moderate']} | "
              f"{pct['high']} | {med:.2f} |")
    pct = np.percentile(shipped, [5, 25, 50, 75, 95])
    print(f"\nshipped score over the {len(rows)} articles: 5th {pct[0]:.2f}, 25th {pct[1]:.2f}, median {pct[2]:.2f}, "
          f"75th {pct[3]:.2f}, 95th {pct[4]:.2f}")
    if args.json:
        args.json.write_text(json.dumps({"model": model_name, "spearman": figures, "bands": bands,
                                         "articles": rows}, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
