"""The report stage: what a person reads. Tables for the terminal, JSON for machines."""

from __future__ import annotations

from typing import Any, Sequence

from rich.console import Console
from rich.table import Table
from rich.text import Text


def highlight(text: str, cues, offset: int = 0) -> Text:
    """The sentence with its cue words in bold red."""
    out = Text(text)
    for cue in cues:
        out.stylize("bold red", cue.start - offset, cue.end - offset)
    return out


def print_table(results: Sequence, console: Console | None = None) -> None:
    console = console or Console()
    for result in results:
        headline = result.headline
        console.rule(f"[bold]{result.file}")
        if headline is not None:
            console.print(Text(headline.text, style="bold"))
        console.print(f"score [bold]{result.score:.2f}[/] ({result.verdict}): expected share of the outlet's own "
                      f"sentences that are loaded; {sum(not s.quoted for s in result.sentences)} own, "
                      f"{sum(s.quoted for s in result.sentences)} quoted")
        table = Table(show_header=True, header_style="bold", expand=True)
        table.add_column("#", justify="right", width=3)
        table.add_column("p", justify="right", width=5)
        table.add_column("voice", width=6)
        table.add_column("sentence (cue words in red)", ratio=1)
        for s in result.sentences:
            style = "" if s.label == "loaded" else "dim"
            table.add_row(str(s.index), f"{s.probability:.2f}", "quote" if s.quoted else "own",
                          highlight(s.text, s.cues), style=style)
        console.print(table)


def render_evaluation(result: dict[str, Any]) -> str:
    lines = []
    if "held_out" in result:
        m = result["held_out"]
        lines.append(_metric_block("held-out", m))
    if "model" in result:
        lines.append(f"{result['folds']}-fold cross-validation (seed {result['seed']}):")
        for name in ("model", "baseline"):
            if name in result:
                s = result[name]["summary"]
                folds = ", ".join(f"{v:.3f}" for v in result[name]["per_fold"])
                lines.append(f"  {name:9s} macro-F1 {s['macro_f1']['mean']:.3f} ± {s['macro_f1']['std']:.3f}  "
                             f"ROC-AUC {s['roc_auc']['mean']:.3f}  Brier {s['brier']['mean']:.3f}  (folds: {folds})")
        lines.append(_metric_block("pooled out-of-fold, model", result["model"]["pooled"]))
    if "leave_one_outlet_out" in result:
        lo = result["leave_one_outlet_out"]
        lines.append("leave-one-outlet-out macro-F1 (train without the outlet, test on it):")
        for row in lo["outlets"]:
            base = f"  baseline {row['baseline']:.3f}" if "baseline" in row else ""
            lines.append(f"  {row['outlet']:14s} n={row['n']:4d}  model {row['model']:.3f}{base}")
        if lo["model_mean"] is not None:
            lines.append(f"  {'mean':14s}         model {lo['model_mean']:.3f}"
                         + (f"  baseline {lo['baseline_mean']:.3f}" if lo.get("baseline_mean") is not None else ""))
    return "\n".join(lines)


def _metric_block(title: str, m: dict[str, Any]) -> str:
    pc = m["per_class"]
    cm = m["confusion_matrix"]["matrix"]
    auc = "n/a" if m["roc_auc"] is None else f"{m['roc_auc']:.3f}"
    pr = "n/a" if m["pr_auc"] is None else f"{m['pr_auc']:.3f}"
    return "\n".join([
        f"{title} (n={m['n']}, threshold {m['threshold']:.2f}):",
        f"  macro-F1 {m['macro_f1']:.3f}  accuracy {m['accuracy']:.3f}  ROC-AUC {auc}  PR-AUC {pr}  Brier {m['brier']:.3f}",
        *(f"  {name:8s} precision {v['precision']:.3f}  recall {v['recall']:.3f}  F1 {v['f1']:.3f}  n={v['support']}"
          for name, v in pc.items()),
        f"  confusion (rows actual neutral/loaded, columns predicted): {cm[0]} {cm[1]}",
    ])
