"""Where the fast tier's steady time goes: CPU seconds of `score_chunk` (predict + JSON lines), by part.

    PYTHONPATH=src python benchmarks/fast_profile.py [--model models/fast.framing] [--n 20480]

Scores ``--n`` BABE sentences (drawn with replacement, seed 1) in chunks of 2,048
after one warm-up pass, three times, and reports the fastest pass split into:
tokenizing the batch, the feature groups (their features and each word's share
of them), the linear model, picking the cues (and their offsets), building the
Prediction and Cue objects, and rendering JSON lines. Parts are timed by wrapping
the functions that do them, in CPU time, so the split holds on a loaded machine;
the total is the in-process rate, with no I/O.

It runs on the code before the one-pass scorer too (``PYTHONPATH`` pointing at an
older checkout's ``src``), where the groups compute their features for the
decision and again for the cues, so before and after can be compared part by part.
"""

from __future__ import annotations

import argparse
import collections
import json
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from throughput import REPO, babe_sentences  # noqa: E402

PARTS = ("tokenize", "feature groups", "linear model", "cue selection and offsets",
         "Prediction/Cue objects, calibration", "JSON lines", "other")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", type=Path, default=REPO / "models" / "fast.framing")
    ap.add_argument("--n", type=int, default=20_480)
    ap.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    opts = ap.parse_args()

    import framing.features._batch as batch_engine
    from framing import batch
    from framing.model import load
    from framing.model import static

    spent: collections.Counter = collections.Counter()

    def wrap(owner, name: str, part: str) -> None:
        inner = getattr(owner, name)

        def timed(*args, **kwargs):
            start = time.process_time()
            try:
                return inner(*args, **kwargs)
            finally:
                spent[part] += time.process_time() - start

        setattr(owner, name, timed)

    model = load(opts.model)
    one_pass = hasattr(batch_engine.TextTransformer, "features_and_contributions")
    for _, group in model.pipeline.named_steps["features"].transformer_list:
        if one_pass:
            wrap(group, "features_and_contributions", "groups")
        else:
            wrap(group, "transform", "groups")
            wrap(group, "token_contributions", "groups")
    wrap(batch_engine, "Batch", "tokenize")
    wrap(model.pipeline.named_steps["clf"], "decision_function", "linear")
    if one_pass:
        wrap(static, "decide_and_explain", "pass")
    else:
        wrap(model, "predict_proba", "pass")
        wrap(model, "explain", "pass")
    wrap(model, "predict", "predict")
    wrap(batch, "render", "render")

    texts, _ = babe_sentences()
    rng = random.Random(1)
    sample = [rng.choice(texts) for _ in range(opts.n)]

    def run() -> None:
        for i in range(0, len(sample), batch.DEFAULT_CHUNK_SIZE):
            batch.score_chunk(model, sample[i:i + batch.DEFAULT_CHUNK_SIZE], "jsonl")

    run()
    best = None
    for _ in range(3):
        spent.clear()
        start = time.process_time()
        run()
        total = time.process_time() - start
        if best is None or total < best[0]:
            best = (total, dict(spent))
    total, s = best
    # Before the one-pass scorer the batch was made inside the first group's transform.
    groups = s["groups"] - (0.0 if one_pass else s["tokenize"])
    parts = dict(zip(PARTS, (
        s["tokenize"], groups, s["linear"], s["pass"] - groups - s["tokenize"] - s["linear"],
        s["predict"] - s["pass"], s["render"])))
    parts["other"] = total - sum(parts.values())
    if opts.json:
        print(json.dumps({"n": opts.n, "cpu_seconds": total, "rate": opts.n / total, "parts": parts}))
        return
    print(f"{opts.n:,} sentences, {total:.2f} CPU s, {opts.n / total:,.0f} sentences/s (one core, no I/O)\n")
    print("| part | CPU s | share |")
    print("|---|---:|---:|")
    for name, seconds in parts.items():
        print(f"| {name} | {seconds:.2f} | {seconds / total:.0%} |")


if __name__ == "__main__":
    main()
