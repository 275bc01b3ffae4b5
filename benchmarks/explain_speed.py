"""What techniques and suggestions cost: `framing score` per article, `framing predict` per sentence.

    python benchmarks/explain_speed.py [--old-src DIR] [--n 4000] [--repeats 3] [--json OUT]

Two figures, each measured in one run so the ratios hold on a shared machine:

* **score** (in process): the model time of ``scoring.score_text`` on a 40-sentence
  article (the first 40 sentences of the seed articles, in order), per tier, median of
  ``--repeats`` runs after a warm-up: with everything (cues, techniques and
  suggestions, as ``framing score`` runs by default), and without suggestions. The
  encoder gets both cores (``set_threads(2)``), as `framing score` on a laptop may.
* **predict** (the real command line, a subprocess each): ``framing predict`` on ``--n``
  BABE sentences, end to end, for each tier: this checkout plain, with ``--explain``
  and with ``--suggest``; and, with ``--old-src`` (the ``src`` folder of a checkout of
  the commit before issue 26, e.g. a ``git worktree``), that code plain, alternating
  with this checkout's plain runs. The old checkout reads its own models/, as a user of
  that release would. Plain outputs of the two checkouts are compared byte for byte.
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))


def _article(n: int = 40) -> str:
    from framing.sentences import split_sentences

    seeds = sorted((REPO.parent / "shared" / "seeds").glob("*.txt"))
    sentences: list[str] = []
    for path in seeds:
        sentences += [s.text for s in split_sentences(path.read_text(encoding="utf-8"), headline=False)]
    body = sentences[:n]
    return body[0] + "\n\n" + " ".join(body[1:]) + "\n"


def score_times(repeats: int) -> dict:
    from framing import scoring
    from framing.model import default_model_path, load

    text = _article()
    has_suggest = "suggest" in inspect.signature(scoring.score_text).parameters
    out = {}
    for tier in ("fast", "accurate"):
        model = load(default_model_path(tier))
        model.set_threads(2)
        runs = {"everything": {}, **({"no suggestions": {"suggest": False}} if has_suggest else {})}
        row = {}
        for name, kwargs in runs.items():
            scoring.score_text(model, text, **kwargs)  # warm-up: sessions, caches
            times = []
            for _ in range(repeats):
                t = time.perf_counter()
                result = scoring.score_text(model, text, **kwargs)
                times.append(time.perf_counter() - t)
            row[name] = round(statistics.median(times), 4)
        row["sentences"] = len(result.sentences)
        out[tier] = row
    return out


def _predict(src: Path, args: list[str], inp: Path, out: Path) -> float:
    env = dict(os.environ, PYTHONPATH=str(src))
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "framing", "predict", str(inp), "-o", str(out), *args], env=env,
                   check=True, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t


def predict_times(n: int, repeats: int, old_src: Path | None) -> dict:
    import random

    from framing.corpus import default_corpus_path, read_corpus

    texts = list(read_corpus(default_corpus_path()).texts)
    rng = random.Random(0)
    work = Path(tempfile.mkdtemp(prefix="framing-explain-speed-"))
    inp = work / "in.jsonl"
    inp.write_text("".join(json.dumps({"text": rng.choice(texts)}) + "\n" for _ in range(n)), encoding="utf-8")
    new_src = REPO / "src"
    out = {"sentences": n}
    for tier in ("fast", "accurate"):
        configs = {"plain": (new_src, ["--tier", tier]), "--explain": (new_src, ["--tier", tier, "--explain"])}
        if "--suggest" in subprocess.run([sys.executable, "-m", "framing", "predict", "--help"], capture_output=True,
                                         text=True, env=dict(os.environ, PYTHONPATH=str(new_src),
                                                             COLUMNS="200")).stdout:
            configs["--suggest"] = (new_src, ["--tier", tier, "--suggest"])
        if old_src is not None:
            configs["old plain"] = (old_src, ["--tier", tier])
        times: dict[str, list[float]] = {k: [] for k in configs}
        for _ in range(repeats):
            for name, (src, args) in configs.items():  # alternating, so load drifts hit every config alike
                times[name].append(_predict(src, args, inp, work / f"{tier}-{name.strip('-')}.jsonl"))
        row = {name: {"seconds": round(statistics.median(t), 2), "sentences_per_s": round(n / statistics.median(t), 1)}
               for name, t in times.items()}
        if old_src is not None:
            row["plain / old plain"] = round(row["plain"]["sentences_per_s"] / row["old plain"]["sentences_per_s"], 3)
            row["plain outputs identical"] = ((work / f"{tier}-plain.jsonl").read_bytes()
                                              == (work / f"{tier}-old plain.jsonl").read_bytes())
        out[tier] = row
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--old-src", type=Path, default=None)
    ap.add_argument("--n", type=int, default=4000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument("--only", choices=("score", "predict"), default=None)
    args = ap.parse_args()
    result = {"load_average": os.getloadavg()}
    if args.only in (None, "score"):
        result["score"] = score_times(max(args.repeats, 5))
        print(json.dumps({"score": result["score"]}, indent=1), flush=True)
    if args.only in (None, "predict"):
        result["predict"] = predict_times(args.n, args.repeats, args.old_src)
        print(json.dumps({"predict": result["predict"]}, indent=1), flush=True)
    result["load_average_after"] = os.getloadavg()
    if args.json:
        args.json.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
