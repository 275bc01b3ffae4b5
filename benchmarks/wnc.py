"""Suggestions on real neutralizing edits: the Wiki Neutrality Corpus sample (1,000 pairs).

Each pair is a Wikipedia sentence before and after an editor neutralized it
(../shared/corpora/wnc-sample, lowercased and tokenized). For the fast and the
accurate tier, and a TF-IDF + logistic-regression baseline trained on BABE:

(a) pair accuracy: the share of pairs whose sentence before the edit scores above
    the sentence after it;
(b) top cue: the share of pairs (with a word the edit removed or replaced) whose
    strongest cue is such a word (and, beside it, among the three strongest);
(c) for one-word replacements, the editor's word among the top three suggestions
    for the edited word (and, for one-word deletions, deletion among them);
(d) the mean drop in probability when the sentence's top suggestion (the biggest
    drop over its cues) is applied, over the sentences that get one; the editor's
    own edit's drop on those sentences beside it.

The text is lowercased and tokenized ("emmy award - winning", "obama ' s"): it is
put back together first ("emmy award-winning", "obama's", no space before
punctuation, the first letter capitalised), the same way for every model, so that
it reads like the sentences the models were trained on. Probabilities are
``predict_proba_alone`` (each sentence as if scored alone), as suggestions are.

The candidate table (framing.suggest) was written by hand, not mined from these
edits, so the figures measure it on data it never saw.

Also the cost of suggestions: ``score_text`` on the four seed articles (28-52 sentences)
and on the project's five examples joined (42 sentences, most loaded), with and without
suggestions, per tier, in the same run (median of ``--repeat`` runs; wall and CPU time).

    python benchmarks/wnc.py [--wnc DIR] [--corpus BABE.csv] [--tiers fast accurate] [--threads 2] [--repeat 5]
                             [--timing-only] [--no-baseline] [--json OUT]
"""

from __future__ import annotations

import argparse
import difflib
import json
import re
import statistics
import time
from pathlib import Path

import numpy as np

from framing.corpus import default_corpus_path, read_corpus
from framing.evaluation import baseline_pipeline
from framing.model import Cue, load_default, kind_for_tier
from framing.scoring import score_text, shown_cues
from framing.suggest import candidates, suggest

ROOT = Path(__file__).resolve().parents[1]
WNC = ROOT.parent / "shared" / "corpora" / "wnc-sample"
SEEDS = ROOT.parent / "shared" / "seeds"

_NO_SPACE_BEFORE = {",", ".", ";", ":", "!", "?", ")", "]", "%", "'s", "n't"}
_NO_SPACE_AFTER = {"(", "[", "$"}
_CLITICS = {"s", "t", "re", "ve", "ll", "d", "m"}


def detokenize(tokens: list[str]) -> tuple[str, list[tuple[int, int]]]:
    """The sentence as prose, and each token's character span in it."""
    out, spans = "", []
    no_space = True  # before the next token
    quote_open = False
    for k, tok in enumerate(tokens):
        nxt = tokens[k + 1] if k + 1 < len(tokens) else ""
        clitic = tok == "'" and nxt in _CLITICS  # "obama ' s" -> "obama's"
        attach = no_space or clitic or tok in _NO_SPACE_BEFORE or tok == "-" or (tok == '"' and quote_open)
        if out and not attach:
            out += " "
        start = len(out)
        out += tok
        spans.append((start, len(out)))
        no_space = clitic or tok in _NO_SPACE_AFTER or tok == "-" or (tok == '"' and not quote_open)
        if tok == '"':
            quote_open = not quote_open
    if out:
        out = out[0].upper() + out[1:]
    return out, spans


def read_pairs(root: Path) -> list[dict]:
    pre = (root / "pre.train").read_text(encoding="utf-8").splitlines()
    post = (root / "post.train").read_text(encoding="utf-8").splitlines()
    pairs = []
    for a, b in zip(pre, post):
        ta, tb = a.split(), b.split()
        text_a, spans_a = detokenize(ta)
        text_b, _ = detokenize(tb)
        ops = [op for op in difflib.SequenceMatcher(a=ta, b=tb, autojunk=False).get_opcodes() if op[0] != "equal"]
        edited = sorted({i for tag, i1, i2, _, _ in ops if tag in ("replace", "delete") for i in range(i1, i2)})
        one = None
        if len(ops) == 1 and ops[0][0] == "replace" and ops[0][2] - ops[0][1] == 1 and ops[0][4] - ops[0][3] == 1:
            one = ("replace", ops[0][1], tb[ops[0][3]])
        elif len(ops) == 1 and ops[0][0] == "delete" and ops[0][2] - ops[0][1] == 1:
            one = ("delete", ops[0][1], "")
        pairs.append({"pre": text_a, "post": text_b, "edited": [spans_a[i] for i in edited],
                      "edited_words": {ta[i] for i in edited}, "one": one and (one[0], spans_a[one[1]], one[2])})
    return pairs


def _overlaps(span, spans) -> bool:
    return any(span[0] < e and s < span[1] for s, e in spans)


class Baseline:
    """TF-IDF + LR (framing.evaluation.baseline_pipeline) fitted on BABE, in the shape suggest() re-scores with,
    and its cues: each word's share of the decision (a bigram's split between its words)."""

    def __init__(self, corpus: Path | None, seed: int = 0):
        data = read_corpus(corpus or default_corpus_path())
        self.pipe = baseline_pipeline(seed).fit(list(data.texts), np.asarray(data.labels))
        self.vec, self.clf = self.pipe.steps[0][1], self.pipe.steps[-1][1]
        self.names = self.vec.get_feature_names_out()
        self.coef = self.clf.coef_.ravel()
        self.threshold = 0.5

    def predict_proba(self, texts):
        return self.pipe.predict_proba(list(texts))[:, 1] if len(texts) else np.zeros(0)

    predict_proba_alone = predict_proba

    def explain(self, texts, top_k: int = 8) -> list[list[Cue]]:
        X = self.vec.transform(list(texts)).tocsr()
        out = []
        for i, text in enumerate(texts):
            row = X.getrow(i)
            share: dict[str, float] = {}
            for f, v in zip(row.indices, row.data):
                words = self.names[f].split()
                for w in words:
                    share[w] = share.get(w, 0.0) + v * self.coef[f] / len(words)
            cues = []
            for m in re.finditer(r"(?u)\b\w\w+\b", text):
                w = m.group().lower()
                if share.get(w, 0) > 0 and all(c.text.lower() != w for c in cues):
                    cues.append(Cue(m.group(), m.start(), m.end(), share[w]))
            out.append(sorted(cues, key=lambda c: -c.weight)[:top_k])
        return out


def measure(model, pairs: list[dict]) -> dict:
    pre = [p["pre"] for p in pairs]
    post = [p["post"] for p in pairs]
    p_pre = np.asarray(model.predict_proba_alone(pre))
    p_post = np.asarray(model.predict_proba_alone(post))
    a = float(np.mean(p_pre > p_post))
    cues = model.explain(pre)
    with_edit = [i for i, p in enumerate(pairs) if p["edited"]]
    top1 = [bool(cues[i]) and _overlaps((cues[i][0].start, cues[i][0].end), pairs[i]["edited"]) for i in with_edit]
    top3 = [any(_overlaps((c.start, c.end), pairs[i]["edited"]) for c in cues[i][:3]) for i in with_edit]

    # (c): suggestions for the edited word itself, whether or not the model marks it.
    reps = [i for i, p in enumerate(pairs) if p["one"] and p["one"][0] == "replace"]
    dels = [i for i, p in enumerate(pairs) if p["one"] and p["one"][0] == "delete"]
    items = []
    for i in reps + dels:
        s, e = pairs[i]["one"][1]
        items.append((pre[i], float(p_pre[i]), [Cue(pre[i][s:e], s, e, 1.0)]))
    found = suggest(model, items)
    in_table = hit = covered = 0
    for k, i in enumerate(reps):
        s, e = pairs[i]["one"][1]
        word = pairs[i]["one"][2]
        listed = [x.text.lower() for lst in found[k].values() for x in lst]
        offered = candidates(pre[i], s, e)
        covered += bool(offered)
        in_table += any(c.text.lower() == word for c in offered)
        hit += word in listed
    del_hit = sum(any(x.text == "" for lst in found[len(reps) + k].values() for x in lst) for k in range(len(dels)))

    # (d): every cue the model lists (as `predict --suggest` would for a loaded sentence), and the marked ones only.
    def top_drops(cue_lists):
        got = suggest(model, [(pre[i], float(p_pre[i]), cue_lists[i]) for i in range(len(pre))])
        drops, editor = [], []
        for i, per_cue in enumerate(got):
            best = min((x.probability for lst in per_cue.values() for x in lst), default=None)
            if best is not None:
                drops.append(float(p_pre[i]) - best)
                editor.append(float(p_pre[i] - p_post[i]))
        return {"sentences": len(drops), "mean_drop": float(np.mean(drops)) if drops else None,
                "editor_drop_same_sentences": float(np.mean(editor)) if editor else None}

    marked = [shown_cues(c, float(p), model.threshold) for c, p in zip(cues, p_pre)]
    return {
        "pairs": len(pairs),
        "a_pair_accuracy": a,
        "mean_p_pre": float(p_pre.mean()), "mean_p_post": float(p_post.mean()),
        "b_top_cue_is_edited": float(np.mean(top1)), "b_top3_cues_hold_edited": float(np.mean(top3)),
        "b_pairs": len(with_edit),
        "c_one_word_replacements": len(reps), "c_edited_word_has_candidates": covered,
        "c_editor_word_in_table": in_table,
        "c_editor_word_in_top3": hit, "c_share": hit / max(len(reps), 1),
        "c_one_word_deletions": len(dels), "c_deletion_in_top3": del_hit,
        "d_all_cues": top_drops(cues), "d_marked_cues": top_drops(marked),
        "editor_mean_drop_all": float(np.mean(p_pre - p_post)),
    }


def mined_halves(pairs: list[dict]) -> dict:
    """What a table mined from real edits would offer: of the one-word replacements (deletions) in the
    second half, how many the first half's edits hold exactly (the same word, the same replacement)."""
    def one(p):
        s, e = p["one"][1]
        return p["pre"][s:e].lower(), p["one"][2]

    half = len(pairs) // 2
    first, second = pairs[:half], pairs[half:]
    table = {one(p) for p in first if p["one"] and p["one"][0] == "replace"}
    reps = [one(p) for p in second if p["one"] and p["one"][0] == "replace"]
    gone = {one(p)[0] for p in first if p["one"] and p["one"][0] == "delete"}
    dels = [one(p)[0] for p in second if p["one"] and p["one"][0] == "delete"]
    return {"first_half_replacements": len(table), "second_half_replacements": len(reps),
            "second_half_replacements_in_first": sum(r in table for r in reps),
            "distinct_hits": sorted({f"{a} -> {b}" for a, b in reps if (a, b) in table}),
            "second_half_deletions": len(dels), "second_half_deletions_in_first": sum(w in gone for w in dels)}


#: A dense article of 42 sentences, most of them loaded: the project's five examples, one after another.
JOINED = ("loaded", "wire_retold", "quoted", "wire", "neutral")


def articles(files: list[Path] | None) -> list[tuple[str, str]]:
    """(name, text) of the articles to time: the given files, or the seed articles and the joined examples."""
    if files is not None:
        return [(f.name, f.read_text(encoding="utf-8")) for f in files]
    out = [(f.name, f.read_text(encoding="utf-8")) for f in sorted(SEEDS.glob("*.txt"))]
    joined = "\n\n".join((ROOT / "examples" / f"{name}.txt").read_text(encoding="utf-8").strip() for name in JOINED)
    return out + [("examples, joined", joined)]


def timing(model, named: list[tuple[str, str]], repeat: int) -> list[dict]:
    out = []
    for name, text in named:
        score_text(model, text, suggest=True)  # warm: sessions, caches
        runs: dict = {True: [], False: []}
        cpu: dict = {True: [], False: []}
        for _ in range(repeat):
            for flag in (False, True):
                t, c = time.perf_counter(), time.process_time()
                r = score_text(model, text, suggest=flag)
                runs[flag].append(time.perf_counter() - t)
                cpu[flag].append(time.process_time() - c)
        # Each part's suggestions once: a sentence in one voice shares them with its segment.
        parts = {id(g.suggestions): g.suggestions for s in r.sentences for g in (s, *s.segments) if g.suggestions}
        n_sugg = sum(len(v) for found in parts.values() for v in found.values())
        without, with_ = statistics.median(runs[False]), statistics.median(runs[True])
        out.append({"file": name, "sentences": len(r.sentences), "marked_cues": r.cue_count,
                    "suggestions": n_sugg, "seconds_without": without, "seconds_with": with_,
                    "ratio": with_ / without, "cpu_seconds_without": statistics.median(cpu[False]),
                    "cpu_seconds_with": statistics.median(cpu[True])})
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--wnc", type=Path, default=WNC)
    ap.add_argument("--corpus", type=Path, default=None, help="BABE, for the baseline (default: the mirror)")
    ap.add_argument("--tiers", nargs="+", default=["fast", "accurate"])
    ap.add_argument("--timing-only", action="store_true", help="only the cost of suggestions, no WNC figures")
    ap.add_argument("--no-baseline", action="store_true")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--articles", type=Path, nargs="*", default=None,
                    help="articles to time (default: the four seed articles and the five examples joined)")
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args()
    pairs = read_pairs(args.wnc)
    named = articles(args.articles)
    result: dict = {"pairs": len(pairs), "models": {}, "timing": {}, "mined_halves": mined_halves(pairs)}
    print("mined halves", json.dumps(result["mined_halves"]), flush=True)
    for tier in args.tiers:
        model = load_default(kind_for_tier(tier))
        model.set_threads(args.threads)
        if not args.timing_only:
            t = time.perf_counter()
            result["models"][tier] = measure(model, pairs)
            result["models"][tier]["seconds"] = time.perf_counter() - t
            print(tier, json.dumps(result["models"][tier], indent=1), flush=True)
        result["timing"][tier] = timing(model, named, args.repeat)
        print(tier, "timing (model's threads:", args.threads, ")", flush=True)
        for row in result["timing"][tier]:
            print(f"  {row['file']}: {row['sentences']} sentences, {row['marked_cues']} marked cues, "
                  f"{row['suggestions']} suggestions: {row['seconds_without']:.3f} s -> {row['seconds_with']:.3f} s "
                  f"(x{row['ratio']:.2f}; CPU {row['cpu_seconds_without']:.3f} s -> {row['cpu_seconds_with']:.3f} s)",
                  flush=True)
    if not args.no_baseline and not args.timing_only:
        result["models"]["tfidf_lr"] = measure(Baseline(args.corpus), pairs)
        print("tfidf_lr", json.dumps(result["models"]["tfidf_lr"], indent=1), flush=True)
    if args.json:
        from framing.textio import atomic_write_text

        atomic_write_text(args.json, json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
