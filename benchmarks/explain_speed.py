"""What techniques and suggestions cost `framing predict`, against the release before them.

    python benchmarks/explain_speed.py [--old-src DIR] [--n 6000] [--repeats 3] [--json OUT]

``framing predict`` (the real command line, a subprocess each) on ``--n`` BABE
sentences drawn with replacement (seed 0), end to end, for each tier: this checkout
plain, with ``--explain`` (techniques) and with ``--suggest``; and, with ``--old-src``
(the ``src`` folder of a checkout of the commit before issue 26, e.g. ``git worktree add
/tmp/old 90a52ad``), that code plain. The configurations alternate, ``--repeats`` times,
and medians are reported, so a drift in the machine's load hits each alike; the ratio
of plain to old plain is the figure that matters on a shared machine. The old checkout
reads its own models/, as a user of that release would; the plain outputs of the two
are compared byte for byte.

The cost per article (``framing score`` with techniques and suggestions) is measured
by ``benchmarks/wnc.py --timing-only``.
"""

from __future__ import annotations

import argparse
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
    ap.add_argument("--n", type=int, default=6000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args()
    result = {"load_average": os.getloadavg()}
    result["predict"] = predict_times(args.n, args.repeats, args.old_src)
    print(json.dumps(result["predict"], indent=1), flush=True)
    result["load_average_after"] = os.getloadavg()
    if args.json:
        args.json.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
