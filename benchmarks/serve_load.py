"""Load on `framing serve`: throughput, latency, errors and memory, beside `framing predict`.

    python benchmarks/serve_load.py [--tier fast] [--concurrency 16] [--requests 10000]
                                    [--predict-requests 200] [--batch 128] [--workers 1] [--json OUT]

It starts the real server (`python -m framing serve` on a free loopback port) and,
in one run:

1. predict: ``--concurrency`` clients send ``--predict-requests`` batches of
   ``--batch`` sentences to /api/predict; sentences/s over the phase's wall
   time. The same sentences then go through `framing predict --chunk-size
   BATCH` (a subprocess, one process as by default: the same batches, so the
   same model work), timed end to end and again minus its start-up (measured
   on a one-sentence input), so the ratio is against the rate a long file
   sees; the predictions are compared row by row. `framing predict` with its
   default chunks (2,048 sentences) is timed too.
2. mixed: ``--concurrency`` clients send ``--requests`` requests, one in four an
   article to /api/score (the examples and the seed articles), the rest predict
   batches of 1 to ``--batch`` sentences; requests/s, sentences/s, p50/p95/p99
   latency, errors and 5xx, and the server's RSS (its whole process tree)
   before any request, after the first 100 and at the end.
3. SIGTERM under load: the clients keep sending, the server gets SIGTERM after
   a second; every request the server received must have been answered (its
   shutdown log line), every answer must reach its client, and the exit code
   must be 0. Requests refused because the server had stopped listening are
   counted apart: they were never accepted.

Clients are threads with one keep-alive connection each (http.client), in this
process, on the same machine as the server: they take CPU from it, as a local
client would. Sentences are drawn from BABE (seed 0); without ../shared, from
the example articles. The machine's load average is printed with the figures:
on a shared machine absolute rates move with it, the ratio measured in the same
run much less.
"""

from __future__ import annotations

import argparse
import csv
import http.client
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
BABE = SHARED / "corpora" / "babe" / "final_labels_SG2.csv"


def sentence_pool() -> list[str]:
    if BABE.exists():
        with open(BABE, encoding="utf-8-sig", newline="") as fh:
            return [r["text"] for r in csv.DictReader(fh, delimiter=";") if r["text"].strip()]
    from framing.sentences import split_sentences

    return [s.text for p in sorted((REPO / "examples").glob("*.txt"))
            for s in split_sentences(p.read_text(encoding="utf-8"))]


def article_pool() -> list[str]:
    paths = sorted((REPO / "examples").glob("*.txt")) + sorted((SHARED / "seeds").glob("*.txt"))
    return [p.read_text(encoding="utf-8", errors="replace") for p in paths]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def rss(pid: int) -> int:
    """Resident memory of the process and its children, in bytes."""
    import psutil

    try:
        proc = psutil.Process(pid)
        return sum(p.memory_info().rss for p in [proc, *proc.children(recursive=True)])
    except psutil.Error:
        return 0


class Server:
    def __init__(self, tier: str, workers: int, model: str | None):
        self.port = free_port()
        args = [sys.executable, "-m", "framing", "serve", "--port", str(self.port), "--workers", str(workers)]
        args += ["--model", model] if model else ["--tier", tier]
        self.log = tempfile.TemporaryFile()
        env = {k: v for k, v in os.environ.items() if k not in ("FRAMING_TOKEN", "FRAMING_MODEL")}
        self.started = time.monotonic()
        self.probes = 0
        self.proc = subprocess.Popen(args, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=self.log)
        while True:
            if self.proc.poll() is not None:
                raise SystemExit("the server did not start:\n" + self.output())
            try:
                status, _ = request(self.connect(), "GET", "/api/health")
                self.probes += 1  # a request the server received and answered
                if status == 200:
                    break
            except OSError:
                time.sleep(0.1)
        self.ready_after = time.monotonic() - self.started

    def connect(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(600)


def request(conn: http.client.HTTPConnection, method: str, path: str, payload=None) -> tuple[int, bytes]:
    body = None if payload is None else json.dumps(payload).encode()
    headers = {} if body is None else {"Content-Type": "application/json"}
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    return response.status, response.read()


class Load:
    """``concurrency`` client threads sending ``jobs`` (path, payload, sentences) until none are left or stop is set."""

    def __init__(self, server: Server, jobs: list, concurrency: int, keep: bool = False,
                 on_done=None):
        self.server, self.jobs, self.keep, self.on_done = server, jobs, keep, on_done
        self.concurrency = concurrency
        self.next = 0
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.signalled = threading.Event()
        self.latencies: list[float] = []
        self.statuses: dict[int, int] = {}
        self.errors: list[str] = []
        self.refused = 0  # never accepted: the server had stopped listening or closed an idle connection
        self.sentences = 0
        self.done = 0
        self.bodies: dict[int, bytes] = {}

    def _take(self) -> int | None:
        with self.lock:
            if self.stop.is_set() or self.next >= len(self.jobs):
                return None
            self.next += 1
            return self.next - 1

    def _client(self) -> None:
        conn = self.server.connect()
        while (k := self._take()) is not None:
            path, payload, n = self.jobs[k]
            t0 = time.perf_counter()
            try:
                status, body = request(conn, "POST", path, payload)
            except (ConnectionRefusedError, ConnectionResetError, http.client.RemoteDisconnected,
                    BrokenPipeError) as exc:
                conn.close()
                # After SIGTERM the server stops listening and closes idle keep-alive connections:
                # such a request was never accepted (the server's own count of what it received
                # and answered tells whether any accepted one was lost).
                with self.lock:
                    if self.signalled.is_set():
                        self.refused += 1
                    else:
                        self.errors.append(f"{type(exc).__name__}: {exc}")
                if isinstance(exc, ConnectionRefusedError) or self.server.proc.poll() is not None:
                    return
                conn = self.server.connect()
                continue
            except OSError as exc:
                with self.lock:
                    self.errors.append(f"{type(exc).__name__}: {exc}")
                conn.close()
                conn = self.server.connect()
                continue
            elapsed = time.perf_counter() - t0
            with self.lock:
                self.latencies.append(elapsed)
                self.statuses[status] = self.statuses.get(status, 0) + 1
                if 200 <= status < 300:
                    self.sentences += n
                else:
                    self.errors.append(f"{status}: {body[:200]!r}")
                if self.keep:
                    self.bodies[k] = body
                self.done += 1
                done = self.done
            if self.on_done is not None:
                self.on_done(done)
        conn.close()

    def run(self) -> float:
        threads = [threading.Thread(target=self._client) for _ in range(self.concurrency)]
        t0 = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return time.perf_counter() - t0


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def cli_predict(sentences: list[str], tier: str, model: str | None,
                chunk_size: int | None = None) -> tuple[float, float, list[dict]]:
    """(wall seconds, start-up seconds, rows) of `framing predict` on these sentences."""
    with tempfile.TemporaryDirectory() as tmp:
        src, one, out = Path(tmp) / "in.jsonl", Path(tmp) / "one.jsonl", Path(tmp) / "out.jsonl"
        src.write_text("".join(json.dumps({"text": s}) + "\n" for s in sentences), encoding="utf-8")
        one.write_text(json.dumps({"text": sentences[0]}) + "\n", encoding="utf-8")
        base = [sys.executable, "-m", "framing", "predict"] + (["--model", model] if model else ["--tier", tier])
        base += ["--chunk-size", str(chunk_size)] if chunk_size else []
        env = {k: v for k, v in os.environ.items() if k != "FRAMING_MODEL"}
        t0 = time.perf_counter()
        subprocess.run(base + [str(one), "-o", str(Path(tmp) / "one.out")], check=True, cwd=REPO, env=env,
                       capture_output=True)
        startup = time.perf_counter() - t0
        t0 = time.perf_counter()
        subprocess.run(base + [str(src), "-o", str(out)], check=True, cwd=REPO, env=env, capture_output=True)
        wall = time.perf_counter() - t0
        rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    return wall, startup, rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--tier", default="fast", choices=("fast", "accurate"))
    ap.add_argument("--model", help="a model file instead of the shipped one of --tier")
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--requests", type=int, default=10_000, help="requests of the mixed phase")
    ap.add_argument("--predict-requests", type=int, default=200, help="requests of the predict phase")
    ap.add_argument("--batch", type=int, default=128, help="sentences per predict request")
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--sigterm-after", type=float, default=1.0, help="seconds of load before SIGTERM (phase 3)")
    ap.add_argument("--json", type=Path, help="write the figures here too")
    ap.add_argument("--phases", default="1,2,3", help="which phases to run (default: all three)")
    args = ap.parse_args()

    rng = random.Random(0)
    pool, articles = sentence_pool(), article_pool()
    figures: dict = {"tier": args.tier, "model": args.model, "concurrency": args.concurrency,
                     "workers": args.workers, "cpus": os.cpu_count(), "load_before": os.getloadavg()}
    print(f"framing serve under load: {args.tier} tier, {args.workers} worker(s), concurrency {args.concurrency}, "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} before", flush=True)

    phases = {int(x) for x in args.phases.split(",")}
    targets: dict[str, bool] = {}
    if 1 in phases or 2 in phases:
        server = Server(args.tier, args.workers, args.model)
        figures["ready_seconds"] = round(server.ready_after, 2)
    if 1 in phases:
        predict_phase(args, server, rng, pool, figures, targets)
    if 2 in phases:
        mixed_phase(args, server, rng, pool, articles, figures, targets)
    if 1 in phases or 2 in phases:
        figures["exit_code"] = server.stop()
    if 3 in phases:
        sigterm_phase(args, rng, pool, figures, targets)
    figures["load_after"] = os.getloadavg()
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    for name, met in targets.items():
        print(f"  {'met' if met else 'NOT MET'}: {name}")
    figures["targets"] = targets
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")


def predict_phase(args, server: Server, rng: random.Random, pool: list[str], figures: dict, targets: dict) -> None:
    """1. predict throughput against `framing predict`."""
    batches = [[rng.choice(pool) for _ in range(args.batch)] for _ in range(args.predict_requests)]
    jobs = [("/api/predict", {"sentences": b}, len(b)) for b in batches]
    Load(server, jobs[: max(1, args.concurrency)], args.concurrency).run()  # warm-up: connections, caches
    load = Load(server, jobs, args.concurrency, keep=True)
    wall = load.run()
    n_sent = sum(len(b) for b in batches)
    api_rate = load.sentences / wall
    api_rows = [row for k in range(len(jobs)) for row in json.loads(load.bodies[k])] if not load.errors else []
    sentences = [s for b in batches for s in b]
    # The same sentences in the same batches: `framing predict --chunk-size` the request's size, so
    # the two runs do the same model work and the ratio is the server's own cost. (The accurate
    # tier's encoder sorts a batch by length and pads it: small batches pad more, so the model
    # itself is slower on small batches, whoever sends them; and its int8 encoder quantizes a
    # batch's activations by the batch's range, so a sentence's probability moves a little with
    # its neighbours in a batch.) `framing predict` with its default chunks is timed too.
    cli_wall, cli_start, cli_rows = cli_predict(sentences, args.tier, args.model, chunk_size=args.batch)
    big_wall, big_start, big_rows = cli_predict(sentences, args.tier, args.model)
    same = api_rows == cli_rows
    drift = max((abs(a["probability"] - b["probability"]) for a, b in zip(api_rows, big_rows)), default=None)
    cli_rate = n_sent / max(1e-9, cli_wall - cli_start)
    cli_rate_raw = n_sent / cli_wall
    big_rate = n_sent / max(1e-9, big_wall - big_start)
    figures["predict"] = {
        "requests": len(jobs), "sentences": n_sent, "errors": len(load.errors), "seconds": round(wall, 2),
        "api_sentences_per_s": round(api_rate, 1), "requests_per_s": round(len(jobs) / wall, 1),
        "p50_ms": round(percentile(load.latencies, 50) * 1000, 1),
        "p95_ms": round(percentile(load.latencies, 95) * 1000, 1),
        "cli_seconds": round(cli_wall, 2), "cli_startup_seconds": round(cli_start, 2),
        "cli_sentences_per_s": round(cli_rate, 1), "cli_sentences_per_s_with_startup": round(cli_rate_raw, 1),
        "ratio": round(api_rate / cli_rate, 3), "ratio_with_cli_startup": round(api_rate / cli_rate_raw, 3),
        "same_predictions_as_cli": same,
        "cli_default_chunks_sentences_per_s": round(big_rate, 1),
        "ratio_to_cli_default_chunks": round(api_rate / big_rate, 3),
        "max_probability_difference_to_cli_default_chunks": drift,
    }
    p = figures["predict"]
    print(f"1. /api/predict: {n_sent:,} sentences in {len(jobs)} requests of {args.batch}: {api_rate:,.0f} sentences/s "
          f"({p['requests_per_s']} req/s, p50 {p['p50_ms']} ms, p95 {p['p95_ms']} ms, {p['errors']} errors); "
          f"`framing predict --chunk-size {args.batch}`: {cli_rate:,.0f} sentences/s without its {cli_start:.1f} s "
          f"start-up ({cli_rate_raw:,.0f} with it); ratio {p['ratio']:.2f} ({p['ratio_with_cli_startup']:.2f}); "
          f"the same predictions: {same}; `framing predict` in its default chunks: {big_rate:,.0f} sentences/s "
          f"(ratio {p['ratio_to_cli_default_chunks']:.2f}, probabilities up to {drift} apart)", flush=True)
    targets["no errors in the predict phase"] = p["errors"] == 0
    targets["/api/predict >= 0.8x framing predict"] = p["ratio"] >= 0.8


def mixed_phase(args, server: Server, rng: random.Random, pool: list[str], articles: list[str], figures: dict,
                targets: dict) -> None:
    """2. mixed load: errors, latency, memory."""
    from framing.sentences import split_sentences

    counts = [len(split_sentences(a)) for a in articles]
    jobs = []
    for k in range(args.requests):
        if k % 4 == 0:
            a = (k // 4) % len(articles)
            jobs.append(("/api/score", {"text": articles[a]}, counts[a]))
        else:
            batch = [rng.choice(pool) for _ in range(rng.randint(1, args.batch))]
            jobs.append(("/api/predict", {"sentences": batch}, len(batch)))
    rss_before = rss(server.proc.pid)
    marks: dict[str, int] = {}

    def on_done(done: int) -> None:
        if done == 100:
            marks["after_100"] = rss(server.proc.pid)

    load = Load(server, jobs, args.concurrency, on_done=on_done)
    wall = load.run()
    rss_after = rss(server.proc.pid)
    five = sum(v for s, v in load.statuses.items() if s >= 500)
    after_100 = marks.get("after_100", rss_before)
    figures["mixed"] = m = {
        "requests": len(jobs), "seconds": round(wall, 2), "requests_per_s": round(load.done / wall, 1),
        "sentences_per_s": round(load.sentences / wall, 1), "errors": len(load.errors), "status_5xx": five,
        "statuses": load.statuses, "first_errors": load.errors[:5],
        "p50_ms": round(percentile(load.latencies, 50) * 1000, 1),
        "p95_ms": round(percentile(load.latencies, 95) * 1000, 1),
        "p99_ms": round(percentile(load.latencies, 99) * 1000, 1),
        "rss_mb_before": round(rss_before / 2**20, 1), "rss_mb_after_100": round(after_100 / 2**20, 1),
        "rss_mb_after_all": round(rss_after / 2**20, 1),
        "rss_growth_after_100": round(rss_after / after_100 - 1, 4) if after_100 else None,
    }
    print(f"2. mixed ({len(jobs):,} requests, a quarter articles): {m['requests_per_s']} req/s, "
          f"{m['sentences_per_s']:,.0f} sentences/s, p50 {m['p50_ms']} ms, p95 {m['p95_ms']} ms, p99 {m['p99_ms']} ms; "
          f"{m['errors']} errors, {five} 5xx; RSS {m['rss_mb_before']} MB before, {m['rss_mb_after_100']} MB after "
          f"100 requests, {m['rss_mb_after_all']} MB after {len(jobs):,} ({m['rss_growth_after_100']:+.1%})", flush=True)
    targets[f"no errors and no 5xx at concurrency {args.concurrency}"] = m["errors"] == 0 and five == 0
    targets[f"RSS after {len(jobs):,} requests within 10% of RSS after 100"] = abs(m["rss_growth_after_100"] or 0) <= 0.10


def sigterm_phase(args, rng: random.Random, pool: list[str], figures: dict, targets: dict) -> None:
    """3. SIGTERM under load: every accepted request answered, exit 0."""
    server = Server(args.tier, args.workers, args.model)
    jobs = [("/api/predict", {"sentences": [rng.choice(pool) for _ in range(args.batch)]}, args.batch)
            for _ in range(100_000)]
    load = Load(server, jobs, args.concurrency)

    def sigterm() -> None:
        load.signalled.set()
        server.proc.send_signal(signal.SIGTERM)

    timer = threading.Timer(args.sigterm_after, sigterm)
    timer.start()
    load.run()
    code = server.proc.wait(600)
    log = server.output()
    match = re.search(r"requests received (\d+), answered (\d+)", log)
    received, answered = (int(match.group(1)), int(match.group(2))) if match else (None, None)
    ok = sum(v for s, v in load.statuses.items() if 200 <= s < 300)
    lost = None if received is None else (received - answered) + (answered - server.probes - ok)
    figures["sigterm"] = s = {"exit_code": code, "server_received": received, "server_answered": answered,
                              "readiness_probes": server.probes, "client_answers": load.done, "client_2xx": ok,
                              "errors": len(load.errors), "first_errors": load.errors[:5],
                              "never_accepted": load.refused, "lost": lost}
    print(f"3. SIGTERM after {args.sigterm_after:g} s of load: exit code {code}; the server received {received} "
          f"requests (its readiness probe included) and answered {answered}; the clients got {ok} answers (2xx), "
          f"{s['errors']} errors, {load.refused} connections refused or closed before a request was accepted; "
          f"lost: {lost}", flush=True)
    targets["SIGTERM under load: no accepted request lost, exit 0"] = code == 0 and lost == 0 and s["errors"] == 0


if __name__ == "__main__":
    main()
