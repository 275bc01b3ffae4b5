"""How often a cue is a proper name, before and after names are kept out of the cues (issue 26).

Cues should be wording ("apology tour", "slammed"), not who the story is about
("Trump", "GOP", "Moscow"). For each tier this counts, among the cues of loaded
sentences (gold labels), the share that are proper names: of the strongest cue per
sentence (top-1) and of the three strongest (top-3), listed as ``framing score``
lists them *before* (every word) and *after* (``ProperNames``, the model's table, keeps
names out).

- **BABE, out of fold**: for each of ``--folds`` folds (StratifiedKFold, seed
  ``--seed``, the split of ``cli_cv.py`` and ``stack_cv.py``), the static groups and the
  regression are fitted on the other folds, and so is the name table; the held-out
  loaded sentences are explained. The accurate tier stacks the shipped encoder, whose
  out-of-fold scores (``run.json``) train the regression as ``framing train`` does, but
  whose token head, which splits its share over the words, saw every BABE sentence:
  its BABE cues are in-sample for the encoder (PTC's held-out ones are not).
- **PTC, held-out articles** (``framing.corpus.ptc.is_heldout``): the shipped models,
  their loaded-language sentences as ``benchmarks/ptc_sentences.py`` labels them.

On BABE's folds it also reports cue quality as ``benchmarks/cue_quality.py`` counts it
(the strongest cue, or one of the three strongest, is a word BABE's annotators marked),
before and after, so that keeping names out is seen not to cost the cues their aim.

The judge of "is a proper name" is not the detector grading itself: a cue word is a
proper name when it is written with a capital and, lower-cased, is written with a
capital in more than half of its occurrences that are not first in their sentence,
across every sentence of BABE and PTC together (plain counts, no other rule: no
lexicons, no headline or position rules; "trump" the verb and "freedom" of "Freedom
Caucus" written in lower case are not names). The detector's agreement with that judge,
token by token on the sentences explained, is reported too.

    python benchmarks/name_cues.py [--corpus data/prepared/corpus.csv] [--ptc ../shared/corpora/ptc] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

import numpy as np
import sklearn
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import FeatureUnion, Pipeline

from framing.corpus import default_corpus_path, read_corpus
from framing.corpus.ptc import is_heldout, ptc_label, read_ptc
from framing.features import build_pipeline, explain, get_batch, tokenize_spans
from framing.features.onnx_encoder import OnnxEncoder
from framing.lexicons import load_lexicons
from framing.model import load
from framing.model.finetune import load_run
from framing.model.static import fit_names
from framing.paths import default_ptc_dir

from cue_quality import span_hits  # benchmarks/, beside this script


def judge(texts) -> set[str]:
    """Lower-case words written with a capital in most of their non-initial occurrences."""
    upper, seen = Counter(), Counter()
    for text in texts:
        for start, _, word in tokenize_spans(text)[1:]:
            seen[word] += 1
            upper[word] += text[start].isupper()
    return {w for w, n in seen.items() if upper[w] > n / 2}


def is_name(word: str, names: set[str]) -> bool:
    """The judge: written with a capital here, and mostly so across BABE and PTC."""
    return word[:1].isupper() and word.lower() in names


def name_shares(spans, texts, names: set[str]) -> dict:
    """Top-1 and top-3 shares of proper names among ranked cue spans."""
    top1 = [is_name(text[s[0][0]:s[0][1]], names) for text, s in zip(texts, spans) if s]
    top3 = [is_name(text[a:b], names) for text, s in zip(texts, spans) for a, b, _ in s[:3]]
    return {"sentences": len(texts), "with_cues": len(top1), "top1_name_share": float(np.mean(top1)) if top1 else 0.0,
            "top3_name_share": float(np.mean(top3)) if top3 else 0.0}


def agreement(detector, texts, names: set[str]) -> dict:
    """Token by token, the detector against the judge (on capitalised tokens: lower-case
    ones are never names to the detector, and the judge's word list cannot see case)."""
    batch = get_batch(list(texts))
    mine = detector.mask(batch, list(texts))
    theirs = np.fromiter((w in names for w in batch.words), dtype=bool, count=len(batch.words))
    cap = np.fromiter((c[:1].isupper() for c in batch.cased), dtype=bool, count=len(batch.words))
    m, t = mine[cap], theirs[cap]
    return {"capitalised_tokens": int(cap.sum()), "agreement": float(np.mean(m == t)),
            "detector_precision": float((m & t).sum() / max(m.sum(), 1)),
            "detector_recall": float((m & t).sum() / max(t.sum(), 1))}


def _before_after(pipeline, texts, detector, names, biased_words=None) -> dict:
    out = {}
    for when, table in (("before", None), ("after", detector)):
        spans = explain(pipeline, texts, names=table)
        out[when] = name_shares(spans, texts, names)
        if biased_words is not None:  # do the cues still point where BABE's annotators did?
            hits = span_hits(spans, texts, biased_words)
            out[when].update(cue_top1=hits["top1"], cue_top3=hits["top3"])
    return out


def babe_folds(data, names, folds, seed, encoder=None, run=None) -> dict:
    texts, y, words = list(data.texts), np.asarray(data.labels, dtype=int), list(data.biased_words)
    lexicons = load_lexicons()
    out = {"fast": [], "accurate": [], "agreement": []}
    for k, (tr, te) in enumerate(StratifiedKFold(folds, shuffle=True, random_state=seed).split(np.zeros(len(y)), y)):
        tr_texts = [texts[i] for i in tr]
        pipe = build_pipeline({}, lexicons, random_state=seed, encoder=encoder)
        union = pipe.named_steps["features"]
        extra = {"encoder_scores": run.oof[tr]} if encoder is not None else {}
        with sklearn.config_context(enable_metadata_routing=True):
            F = union.fit_transform(tr_texts, y[tr], biased_words=[words[i] for i in tr], **extra)
        detector = fit_names(tr_texts, lexicons)
        held = [texts[i] for i in te if y[i] == 1]
        held_words = [words[i] for i in te if y[i] == 1]
        # The fast tier is the same static groups without the encoder's columns.
        static = [(n, g) for n, g in union.transformer_list if n != "encoder"]
        n_static = sum(len(g.get_feature_names_out()) for _, g in static)
        fast = Pipeline([("features", FeatureUnion(static)),
                         ("clf", LogisticRegression(C=0.1, max_iter=5000, random_state=seed).fit(F[:, :n_static], y[tr]))])
        out["fast"].append(_before_after(fast, held, detector, names, held_words))
        if encoder is not None:
            pipe.named_steps["clf"].fit(F, y[tr])
            out["accurate"].append(_before_after(pipe, held, detector, names, held_words))
        out["agreement"].append(agreement(detector, held, names))
        print(f"fold {k}: " + "  ".join(f"{tier} top-1 {r[-1]['before']['top1_name_share']:.3f} -> "
                                        f"{r[-1]['after']['top1_name_share']:.3f}"
                                        for tier, r in out.items() if tier != "agreement" and r), flush=True)
    return out


def _mean(rows: list[dict]) -> dict:
    return {k: float(np.mean([r[k] for r in rows])) for k in rows[0] if k not in ("sentences", "with_cues")}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=None)
    ap.add_argument("--ptc", type=Path, default=default_ptc_dir())
    ap.add_argument("--encoder-run", type=Path, default=Path("models/accurate.encoder"))
    ap.add_argument("--models", type=Path, nargs="+", default=[Path("models/fast.framing"), Path("models/accurate.framing")])
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args()
    data = read_corpus(args.corpus or default_corpus_path())
    if args.ptc is None:
        ap.error("no PTC folder: pass --ptc DIR or set $FRAMING_PTC")
    ptc = [s for s in read_ptc(args.ptc) if ptc_label(s) in ("loaded", "neutral")]
    names = judge(list(data.texts) + [s.text for s in ptc])
    print(f"judge: {len(names):,} words capitalised in most non-initial occurrences in BABE + PTC", flush=True)
    run = load_run(args.encoder_run)
    encoder = OnnxEncoder(run.graph, run.tokenizer, max_length=run.info["params"]["max_length"])
    folds = babe_folds(data, names, args.folds, args.seed, encoder, run)
    result = {"folds": args.folds, "seed": args.seed, "judge_words": len(names), "babe": {}, "ptc_heldout": {}}
    for tier in ("fast", "accurate"):
        result["babe"][tier] = {when: _mean([r[when] for r in folds[tier]]) for when in ("before", "after")}
    result["babe"]["agreement"] = _mean(folds["agreement"])
    held = [s.text for s in ptc if is_heldout(s.article) and ptc_label(s) == "loaded"]
    for path in args.models:
        model = load(path)
        result["ptc_heldout"][model.tier] = _before_after(model.pipeline, held, model.names, names)
        result["ptc_heldout"]["agreement"] = agreement(model.names, held, names)
    for where in ("babe", "ptc_heldout"):
        for tier in ("fast", "accurate"):
            r = result[where].get(tier)
            if r:
                print(f"{where:12s} {tier:9s} top-1 name share {r['before']['top1_name_share']:.3f} -> "
                      f"{r['after']['top1_name_share']:.3f}   top-3 {r['before']['top3_name_share']:.3f} -> "
                      f"{r['after']['top3_name_share']:.3f}")
            if r and "cue_top1" in r["before"]:
                print(f"{where:12s} {tier:9s} cues on biased_words top-1 {r['before']['cue_top1']:.3f} -> "
                      f"{r['after']['cue_top1']:.3f}   top-3 {r['before']['cue_top3']:.3f} -> {r['after']['cue_top3']:.3f}")
        a = result[where]["agreement"]
        print(f"{where:12s} detector vs judge on capitalised tokens: agreement {a['agreement']:.3f}, "
              f"precision {a['detector_precision']:.3f}, recall {a['detector_recall']:.3f}")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
