"""Throughput and memory of `framing survey`, on PTC's 371 articles and on a synthetic corpus built from them.

    python benchmarks/survey.py [--ptc DIR] [--n 10000] [--accurate-n 1000] [--memory-sizes 1000 2000 5000 10000]
                                [--tiers fast accurate] [--workdir DIR] [--json OUT] [--memory-only]
    python benchmarks/survey.py --write-ptc ptc.jsonl     # PTC as JSONL, with PTC's own annotation as fields

What it measures, in one run so the figures are comparable:

* the yardstick: ``framing.scoring.score_text`` over PTC's 371 articles in
  this process, no I/O, the engine's threads as a default CLI run sets them:
  what scoring the articles costs, whatever drives it. Every survey rate is
  also given as a ratio to it;
* the real command line, ``framing survey``, as a subprocess: one process (no
  ``--n-jobs``, as a user runs it), ``--n-jobs 2`` and a 2-worker Dask
  LocalCluster, end to end (start-up included), on PTC's 371 articles (the
  folder itself: each file scored as ``framing score`` scores it) and on a
  synthetic corpus (JSONL) of ``--n`` articles: PTC's 371 repeated, each copy
  given an outlet and a date drawn at random (seed 0), ``--by outlet --by
  month``. The outputs of the three runs are compared byte for byte;
* the peak RSS of the command's whole process tree on the first 1,000 ..
  10,000 articles of the synthetic corpus (fast tier, one process), which
  must stay flat: memory is per chunk, plus 8 bytes per article for the
  bootstrap.

The accurate tier runs a few hundred sentences a second on this machine's two
cores: its synthetic figures use the first ``--accurate-n`` articles (1,000 by
default; all 10,000 would be ~400,000 sentences, about 20 minutes a run).

The synthetic outlets are drawn at random, so they differ by chance alone: their
intervals should overlap, and the survey's figures for them say how wide chance is.
Nothing from PTC is written outside ``--workdir`` (a temporary folder by default).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from throughput import run_cli  # noqa: E402  (the same process-tree RSS sampler as predict's benchmark)

from framing.paths import default_ptc_dir  # noqa: E402

OUTLETS = ("Courier", "Herald", "Ledger", "Monitor", "Observer", "Post", "Sentinel", "Tribune")
CONFIGS = {"1 process": [], "--n-jobs 2": ["--n-jobs", "2"], "dask, 2 workers": ["--backend", "dask", "--n-jobs", "2"]}


def ptc_files(ptc: Path) -> list[Path]:
    return sorted((ptc / "train-articles").glob("article*.txt"))


def write_synthetic(path: Path, files: list[Path], n: int, seed: int = 0) -> None:
    """n articles: PTC's repeated in order, a random outlet and a 2018-2019 date each.

    ``title`` is the file's first line and ``text`` the rest, so the survey's
    title + newline + text is the file itself: a copy scores as its file does.
    """
    rng = random.Random(seed)
    texts = [f.read_text(encoding="utf-8") for f in files]
    with open(path, "w", encoding="utf-8") as fh:
        for i in range(n):
            k = i % len(files)
            title, _, text = texts[k].partition("\n")
            fh.write(json.dumps({"id": i, "ptc": files[k].stem, "outlet": rng.choice(OUTLETS),
                                 "date": f"{rng.choice((2018, 2019))}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                                 "title": title, "text": text}, ensure_ascii=False) + "\n")


def write_ptc(path: Path, ptc: Path, files: list[Path]) -> None:
    """PTC's articles as JSONL, with what PTC's annotators say of each, for grouping.

    ``ptc_third``: the third of the articles (least / middle / most) by PTC's
    reference, the share of the article's sentences overlapping a loaded-language
    or name-calling span (benchmarks/ptc_articles.py); ``heldout``: whether the
    accurate tier's encoder never saw the article (framing.corpus.ptc.is_heldout).
    A survey by ``ptc_third`` checks the survey against human annotation.
    """
    from ptc_articles import by_article, loaded_share

    from framing.corpus import read_ptc
    from framing.corpus.ptc import is_heldout

    shares = {a: loaded_share(lines) for a, lines in by_article(read_ptc(ptc)).items()}
    ids = [f.stem[len("article"):] for f in files]
    ranked = sorted(ids, key=lambda a: (shares.get(a, 0.0), a))
    third = {a: ("1 least", "2 middle", "3 most")[min(2, 3 * i // len(ranked))] for i, a in enumerate(ranked)}
    with open(path, "w", encoding="utf-8") as fh:
        for f, a in zip(files, ids):
            title, _, text = f.read_text(encoding="utf-8").partition("\n")
            fh.write(json.dumps({"id": a, "heldout": is_heldout(a), "ptc_loaded_share": round(shares.get(a, 0.0), 4),
                                 "ptc_third": third[a], "title": title, "text": text}, ensure_ascii=False) + "\n")


def head(src: Path, dst: Path, n: int) -> Path:
    with open(src, encoding="utf-8") as fh, open(dst, "w", encoding="utf-8") as out:
        for _, line in zip(range(n), fh):
            out.write(line)
    return dst


def yardstick(tier: str, files: list[Path]) -> float:
    """Articles/s of score_text in this process, threads as a 1-process CLI run has them."""
    from framing import load_model
    from framing.scoring import score_text

    model = load_model(tier=tier)
    model.set_threads(os.cpu_count() or 1)
    texts = [f.read_text(encoding="utf-8") for f in files]
    score_text(model, texts[0])  # warm-up: lazy loads
    start = time.perf_counter()
    for text in texts:
        score_text(model, text)
    return len(texts) / (time.perf_counter() - start)


def survey(tier: str, input: Path, out: Path, extra: list[str], by: list[str]) -> dict:
    args = [str(input), "--tier", tier, "-o", str(out), *[a for f in by for a in ("--by", f)], *extra]
    r = run_cli(args, "survey")
    r["outputs"] = {name: (out / name).read_bytes() for name in ("articles.jsonl", "summary.json")}
    return r


def figures(out: Path) -> dict:
    return json.loads((out / "summary.json").read_text(encoding="utf-8"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--ptc", type=Path, default=None, help="PTC's folder (default $FRAMING_PTC, else ../shared/corpora/ptc)")
    ap.add_argument("--n", type=int, default=10_000, help="articles in the synthetic corpus")
    ap.add_argument("--accurate-n", type=int, default=1_000, help="synthetic articles the accurate tier runs on")
    ap.add_argument("--memory-sizes", type=int, nargs="+", default=[1_000, 2_000, 5_000, 10_000])
    ap.add_argument("--tiers", nargs="+", default=["fast", "accurate"], choices=["fast", "accurate"])
    ap.add_argument("--workdir", type=Path, default=None)
    ap.add_argument("--json", type=Path, default=None, help="also write the figures here")
    ap.add_argument("--memory-only", action="store_true", help="only the peak-memory series (fast tier)")
    ap.add_argument("--write-ptc", type=Path, default=None,
                    help="only write PTC's articles as JSONL here (fields id, heldout, ptc_loaded_share, ptc_third, "
                         "title, text), for a survey by PTC's own annotation; then exit")
    opts = ap.parse_args()

    ptc = opts.ptc or default_ptc_dir()
    files = ptc_files(ptc)
    if opts.write_ptc:
        write_ptc(opts.write_ptc, ptc, files)
        print(f"wrote {opts.write_ptc}: {len(files)} articles")
        return
    workdir = opts.workdir or Path(tempfile.mkdtemp(prefix="framing-survey-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    synthetic = workdir / f"synthetic_{opts.n}.jsonl"
    write_synthetic(synthetic, files, opts.n)
    print(f"PTC: {len(files)} articles from {ptc}; synthetic corpus: {opts.n:,} articles in {synthetic}", flush=True)

    runs, results = [], {}
    for tier in [] if opts.memory_only else opts.tiers:
        base = yardstick(tier, files)
        print(f"{tier}: score_text in-process {base:.1f} articles/s", flush=True)
        n_syn = opts.n if tier == "fast" else min(opts.n, opts.accurate_n)
        syn = synthetic if n_syn == opts.n else head(synthetic, workdir / f"synthetic_{n_syn}.jsonl", n_syn)
        for corpus, input, n, by in (("PTC", ptc / "train-articles", len(files), []),
                                     (f"synthetic {n_syn:,}", syn, n_syn, ["outlet", "month"])):
            outputs = []
            for name, extra in CONFIGS.items():
                out = workdir / f"out_{tier}_{corpus.split()[0]}_{name.split()[0].strip('-,')}"
                r = survey(tier, input, out, extra, by)
                outputs.append(r.pop("outputs"))
                r.update(tier=tier, corpus=corpus, config=name, n=n, rate=n / r["seconds"], yardstick=base)
                runs.append(r)
                print(f"{tier} {corpus} {name}: {r['rate']:.1f} articles/s, {r['seconds']:.0f} s, "
                      f"peak tree RSS {r['peak_tree_mb']:.0f} MB", flush=True)
                results[(tier, corpus)] = out
            runs[-1]["identical"] = all(o == outputs[0] for o in outputs)
            for r in runs[-len(CONFIGS):]:
                r["identical"] = runs[-1]["identical"]

    memory = []
    if "fast" in opts.tiers or opts.memory_only:
        for n in opts.memory_sizes:
            if n > opts.n:
                continue
            reuse = next((r for r in runs if r["tier"] == "fast" and r["n"] == n and r["config"] == "1 process"
                          and r["corpus"].startswith("synthetic")), None)
            if reuse is None:
                r = run_cli([str(head(synthetic, workdir / f"mem_{n}.jsonl", n)), "--tier", "fast", "-o",
                             str(workdir / f"mem_{n}"), "--by", "outlet", "--by", "month"], "survey")
                r.update(n=n, rate=n / r["seconds"])
            else:
                r = reuse
            memory.append({k: r[k] for k in ("n", "seconds", "rate", "peak_tree_mb", "peak_largest_mb")})
            print(f"memory {n:,}: peak tree RSS {r['peak_tree_mb']:.0f} MB", flush=True)

    load = os.getloadavg()
    print(f"\n## framing survey throughput ({os.cpu_count()} cores, load average "
          f"{load[0]:.1f}/{load[1]:.1f}/{load[2]:.1f})\n")
    print("| tier | corpus | run | articles | seconds | articles/s | x score_text in-process | x 1 process | outputs identical |")
    print("|---|---|---|---:|---:|---:|---:|---:|---|")
    for r in runs:
        one = next(x for x in runs if x["tier"] == r["tier"] and x["corpus"] == r["corpus"] and x["config"] == "1 process")
        print(f"| {r['tier']} | {r['corpus']} | {r['config']} | {r['n']:,} | {r['seconds']:.1f} | {r['rate']:.1f} | "
              f"{r['rate'] / r['yardstick']:.2f} | {r['rate'] / one['rate']:.2f} | {'yes' if r['identical'] else 'NO'} |")
    if memory:
        print("\n| peak memory (fast, 1 process, --by outlet --by month) | articles | seconds | process tree peak RSS | x smallest |")
        print("|---|---:|---:|---:|---:|")
        for r in memory:
            print(f"| CLI | {r['n']:,} | {r['seconds']:.1f} | {r['peak_tree_mb']:.0f} MB | "
                  f"{r['peak_tree_mb'] / memory[0]['peak_tree_mb']:.2f} |")
    from framing.survey import Summary, summary_lines

    for (tier, corpus), out in results.items():
        summary = figures(out)
        overall = summary["overall"]
        shares = ", ".join(f"{b} {s:.1%}" for b, s in overall["band_shares"].items())
        print(f"\n### {tier} tier, {corpus}: {summary['articles']:,} articles, mean score {overall['mean_score']:.3f} "
              f"[{overall['ci_low']:.3f}, {overall['ci_high']:.3f}]; {shares}")
        if summary["by"]:
            # By outlet alone, from the articles the run wrote (as --resume reads them back).
            by_outlet = Summary(["outlet"])
            with open(out / "articles.jsonl", encoding="utf-8") as fh:
                for line in fh:
                    by_outlet.add(json.loads(line))
            print(f"{len(summary['groups'])} groups by outlet and month; by outlet alone:")
            print(summary_lines(by_outlet.result(summary["seed"], summary["bootstrap"]), most=len(OUTLETS)))
    if opts.json:
        opts.json.write_text(json.dumps({"load": load, "runs": runs, "memory": memory,
                                         "summaries": {f"{t} {c}": figures(o) for (t, c), o in results.items()}}, indent=1))


if __name__ == "__main__":
    main()
