"""Throughput and peak memory of `framing predict`, against a plain TF-IDF + LR yardstick.

    python benchmarks/throughput.py --model /tmp/m.framing [--n 100000] [--memory-sizes 100000 1000000]

What it measures, all in one run so the figures are comparable:

* yardstick: a word 1-2-gram TfidfVectorizer + LogisticRegression fitted on
  BABE, timed on ``transform`` + ``predict_proba`` of the same sentences in
  this process on one core, no I/O. It is the floor of what a linear text
  classifier costs; framing does more (cue extraction, calibrated output,
  JSON), so its figures are given as a ratio to this one.
* framing in-process: ``FramingModel.predict`` (probabilities and cues) on one
  core, no I/O: the model's own cost.
* the real command line, as a subprocess, on a JSONL file of N sentences:
  ``--n-jobs 1``, ``--n-jobs 2`` and ``--backend dask`` (a LocalCluster of two
  workers). Wall-clock end to end, and again minus the start-up (imports,
  model load, worker or cluster start) measured on a one-sentence input, which
  is the rate a long archive sees. The three outputs are compared byte for
  byte.
* peak memory: the summed RSS of the command's whole process tree (parent and
  workers), sampled every 50 ms, for each size in ``--memory-sizes``.

Input sentences are drawn with replacement from BABE (real news sentences of
real lengths), seed 0. The machine's load average is printed with the table:
on a shared machine the absolute rates move with it; the ratios measured in
the same run move much less.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BABE = REPO.parent / "shared" / "corpora" / "babe" / "final_labels_SG2.csv"


def babe_sentences() -> tuple[list[str], list[int]]:
    with open(BABE, encoding="utf-8-sig", newline="") as fh:
        rows = [r for r in csv.DictReader(fh, delimiter=";") if r["label_bias"] in ("Biased", "Non-biased")]
    return [r["text"] for r in rows], [int(r["label_bias"] == "Biased") for r in rows]


def write_input(path: Path, pool: list[str], n: int, seed: int = 0) -> None:
    rng = random.Random(seed)
    with open(path, "w", encoding="utf-8") as fh:
        for i in range(n):
            fh.write(json.dumps({"id": i, "text": rng.choice(pool)}, ensure_ascii=False) + "\n")


def yardstick(texts: list[str], labels: list[int], sample: list[str], chunk: int = 2048) -> float:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    vec = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)
    clf = LogisticRegression(max_iter=1000).fit(vec.fit_transform(texts), labels)
    start = time.perf_counter()
    for i in range(0, len(sample), chunk):
        clf.predict_proba(vec.transform(sample[i:i + chunk]))
    return len(sample) / (time.perf_counter() - start)


def in_process(model_path: Path, sample: list[str], chunk: int = 2048) -> float:
    from framing.model import load

    model = load(model_path)
    start = time.perf_counter()
    for i in range(0, len(sample), chunk):
        model.predict(sample[i:i + chunk])
    return len(sample) / (time.perf_counter() - start)


def tree_rss(proc) -> tuple[int, int]:
    """(summed RSS of a process and its descendants, largest single RSS), in bytes."""
    import psutil

    total = largest = 0
    try:
        procs = [proc, *proc.children(recursive=True)]
    except psutil.Error:
        return 0, 0
    for p in procs:
        try:
            rss = p.memory_info().rss
        except psutil.Error:
            continue
        total += rss
        largest = max(largest, rss)
    return total, largest


def run_cli(args: list[str]) -> dict:
    """Run `framing predict ...`; wall seconds and peak memory of its process tree."""
    import psutil

    env = dict(os.environ)
    env.pop("FRAMING_DEBUG", None)
    start = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-m", "framing", "predict", *args], stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, env=env)
    proc = psutil.Process(child.pid)
    peak = {"tree": 0, "largest": 0}
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            total, largest = tree_rss(proc)
            peak["tree"] = max(peak["tree"], total)
            peak["largest"] = max(peak["largest"], largest)
            done.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, stderr = child.communicate()
    seconds = time.perf_counter() - start
    done.set()
    sampler.join()
    if child.returncode != 0:
        raise SystemExit(f"framing predict {' '.join(args)} failed:\n{stderr.decode()}")
    return {"seconds": seconds, "peak_tree_mb": peak["tree"] / 2**20, "peak_largest_mb": peak["largest"] / 2**20}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", type=Path, default=REPO / "models" / "fast.framing")
    ap.add_argument("--n", type=int, default=100_000, help="sentences for the throughput runs")
    ap.add_argument("--in-process-n", type=int, default=20_000, help="sentences for the in-process figures")
    ap.add_argument("--memory-sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    ap.add_argument("--memory-jobs", type=int, default=None, help="--n-jobs for the memory runs (default: none, as a user runs it)")
    ap.add_argument("--workdir", type=Path, default=None, help="where the input files go (default: a temp dir)")
    ap.add_argument("--json", type=Path, default=None, help="also write the figures here")
    opts = ap.parse_args()

    texts, labels = babe_sentences()
    workdir = opts.workdir or Path(tempfile.mkdtemp(prefix="framing-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    model = str(opts.model)
    card = json.loads(opts.model.with_name(opts.model.name.replace(".framing", ".card.json")).read_text())
    sha = card["artifact"]["sha256"][:12]
    print(f"model {model} (sha256 {sha}..., trained on {card['training_data']['sentences']} sentences)", flush=True)

    rng = random.Random(1)
    sample = [rng.choice(texts) for _ in range(opts.in_process_n)]
    yard = yardstick(texts, labels, sample)
    print(f"yardstick TF-IDF+LR: {yard:,.0f} sentences/s", flush=True)
    model_rate = in_process(opts.model, sample)
    print(f"FramingModel.predict in-process: {model_rate:,.0f} sentences/s", flush=True)

    tiny = workdir / "one.jsonl"
    write_input(tiny, texts, 1)
    inputs = {}
    for n in sorted({opts.n, *opts.memory_sizes}):
        inputs[n] = workdir / f"in_{n}.jsonl"
        if not inputs[n].exists():
            write_input(inputs[n], texts, n)

    # "default": no option, as a user runs it (one process; the accurate tier's encoder
    # then takes every core's thread).
    configs = {"default": [], "1 job": ["--n-jobs", "1"], "2 jobs": ["--n-jobs", "2"], "dask local (2 workers)": ["--backend", "dask", "--n-jobs", "2"]}
    rows, outputs = [], {}
    for name, extra in configs.items():
        startup = run_cli(["--model", model, str(tiny), "-o", str(workdir / "one.out.jsonl"), *extra])["seconds"]
        out = workdir / f"out_{name.split()[0]}_{opts.n}.jsonl"
        r = run_cli(["--model", model, str(inputs[opts.n]), "-o", str(out), *extra])
        outputs[name] = out.read_bytes()
        r.update(name=name, n=opts.n, startup=startup, rate=opts.n / r["seconds"],
                 steady=opts.n / max(r["seconds"] - startup, 1e-9))
        rows.append(r)
        print(f"{name}: {r['rate']:,.0f}/s end to end, {r['steady']:,.0f}/s after {startup:.1f} s start-up", flush=True)
    identical = len(set(outputs.values())) == 1

    memory = []
    for n in opts.memory_sizes:
        jobs = ["--n-jobs", str(opts.memory_jobs)] if opts.memory_jobs else []
        r = run_cli(["--model", model, str(inputs[n]), "-o", str(workdir / f"mem_{n}.jsonl"), *jobs])
        r.update(n=n, rate=n / r["seconds"])
        memory.append(r)
        print(f"memory {n:,}: tree peak {r['peak_tree_mb']:.0f} MB ({r['rate']:,.0f}/s)", flush=True)

    load = os.getloadavg()
    base = next(r["steady"] for r in rows if r["name"] == "1 job")
    print()
    print(f"## framing predict throughput ({os.cpu_count()} cores, load average {load[0]:.1f}/{load[1]:.1f}/{load[2]:.1f})")
    print(f"model: {model} (sha256 {sha}...)\n")
    print("| run | sentences | seconds | sentences/s (end to end) | sentences/s (after start-up) | x yardstick | x 1 job |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    print(f"| yardstick: TF-IDF+LR transform, in-process, 1 core | {len(sample):,} | {len(sample) / yard:.1f} | {yard:,.0f} | {yard:,.0f} | 1.00 | |")
    print(f"| FramingModel.predict (with cues), in-process, 1 core | {len(sample):,} | {len(sample) / model_rate:.1f} | {model_rate:,.0f} | {model_rate:,.0f} | {model_rate / yard:.2f} | |")
    for r in rows:
        print(f"| CLI {r['name']} | {r['n']:,} | {r['seconds']:.1f} | {r['rate']:,.0f} | {r['steady']:,.0f} | "
              f"{r['steady'] / yard:.2f} | {r['steady'] / base:.2f} |")
    print(f"\noutputs of {', '.join(configs)} byte-identical: {'yes' if identical else 'NO'}\n")
    print(f"| peak memory ({'--n-jobs ' + str(opts.memory_jobs) if opts.memory_jobs else 'default'}) | sentences | seconds | process tree peak RSS | largest process | x smallest |")
    print("|---|---:|---:|---:|---:|---:|")
    for r in memory:
        print(f"| CLI | {r['n']:,} | {r['seconds']:.1f} | {r['peak_tree_mb']:.0f} MB | {r['peak_largest_mb']:.0f} MB | "
              f"{r['peak_tree_mb'] / memory[0]['peak_tree_mb']:.2f} |")
    if opts.json:
        opts.json.write_text(json.dumps({"model": model, "sha256": card["artifact"]["sha256"], "load": load,
                                         "yardstick": yard, "in_process": model_rate, "runs": rows,
                                         "identical": identical, "memory": memory}, indent=2))


if __name__ == "__main__":
    main()
