"""How many lines of PTC's articles each page-furniture rule takes, with a sample of each.

PTC (Da San Martino et al. 2019) ships its articles as scraped, one sentence a
line, the first line the headline.  A furniture rule that takes a line of
reporting shows up in the sample; the counts go in docs/scoring.md.

    python benchmarks/ptc_furniture.py [--articles DIR] [--sample N]
"""

from __future__ import annotations

import argparse
import random
from collections import Counter, defaultdict
from pathlib import Path

from framing.furniture import RULES, furniture_kind, link_residue

DEFAULT_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "corpora" / "ptc" / "train-articles"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--articles", type=Path, default=DEFAULT_DIR)
    ap.add_argument("--sample", type=int, default=8)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    files = sorted(args.articles.glob("article*.txt"))
    taken: Counter = Counter()
    examples: dict[str, list[str]] = defaultdict(list)
    lines_total = residue = 0
    for path in files:
        lines = [ln.strip() for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]
        for line in lines[1:]:  # the first line is the headline, never furniture
            lines_total += 1
            kind = furniture_kind(line)
            if kind is not None:
                taken[kind] += 1
                examples[kind].append(line)
            elif link_residue(line) is not None:
                residue += 1
                examples["link residue (cut, sentence kept)"].append(line)
    rng = random.Random(args.seed)
    print(f"{len(files)} articles, {lines_total} body lines (headlines excluded)\n")
    print("| rule (first that matches) | lines | share |\n| --- | ---: | ---: |")
    for name in RULES:
        print(f"| {name} | {taken[name]} | {100 * taken[name] / lines_total:.2f} % |")
    print(f"| link residue (cut, sentence kept) | {residue} | {100 * residue / lines_total:.2f} % |")
    print(f"| all furniture | {sum(taken.values())} | {100 * sum(taken.values()) / lines_total:.2f} % |")
    for name, lines in examples.items():
        print(f"\n## {name}: sample")
        for line in rng.sample(lines, min(args.sample, len(lines))):
            print("  ", line[:160])


if __name__ == "__main__":
    main()
