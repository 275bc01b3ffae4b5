"""The evaluation stage: K-fold and leave-one-outlet-out figures of a model kind, plot data,
the study behind the article-score bands, and the work of `framing evaluate`.

Every figure a user sees comes from here, for `framing evaluate`, the model
card and the DVC pipeline alike, so the numbers mean the same thing
everywhere. A plain TF-IDF + logistic-regression baseline is always measured on
the same folds in the same run: figures only mean something next to a
yardstick measured under identical conditions.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import precision_recall_curve, roc_curve
from sklearn.calibration import calibration_curve
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import make_pipeline

from framing import model as model_mod
from framing.metrics import CLASS_NAMES, binary_metrics
from framing.scoring import HIGH_FROM, LOW_BELOW, article_score
from framing.sentences import split_sentences
from framing.textio import atomic_open

__all__ = ["CLASS_NAMES", "Evaluation", "NEUTRAL_OUTLETS", "OPINION_OUTLETS", "band_composition", "band_study",
           "baseline_pipeline", "binary_metrics", "choose_cuts", "cross_validate", "cut_study", "evaluate_model", "leave_one_outlet_out", "plot_data",
           "write_metrics", "write_plots"]


def baseline_pipeline(seed: int = 0):
    """The field's yardstick: word uni/bigram TF-IDF and logistic regression."""
    return make_pipeline(TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True),
                         LogisticRegression(max_iter=2000, C=4.0, random_state=seed))


def _summary(per_fold: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in ("macro_f1", "accuracy", "roc_auc", "pr_auc", "brier"):
        vals = [m[key] for m in per_fold if m.get(key) is not None]
        if vals:
            out[key] = {"mean": float(np.mean(vals)), "std": float(np.std(vals, ddof=1)) if len(vals) > 1 else 0.0}
    return out


def _fold(corpus, texts, y, train_idx, test_idx, params, lexicons, seed, baseline, kind, extra=None):
    """Train the model (and the baseline) on one training part; score its held-out part.

    ``extra`` (training-only sentences) joins the model's training part, never the
    baseline's: the baseline stays the field's yardstick on the corpus alone."""
    options = {"extra": extra} if extra is not None else {}
    fitted = model_mod.train(corpus.subset(train_idx), params, lexicons, seed, kind=kind, **options)
    proba = fitted.predict_proba(list(texts[test_idx]))
    base = None
    if baseline:
        base = baseline_pipeline(seed).fit(list(texts[train_idx]), y[train_idx]).predict_proba(list(texts[test_idx]))[:, 1]
    return proba, fitted.threshold, base


def _run_folds(corpus, splits, params, lexicons, seed, baseline, n_jobs, kind, extra=None):
    """Each fold is independent, so folds run in parallel processes; results
    come back in fold order, so the figures do not depend on n_jobs."""
    from joblib import Parallel, delayed

    y = np.asarray(corpus.labels, dtype=int)
    texts = np.asarray(corpus.texts, dtype=object)
    return Parallel(n_jobs=n_jobs)(
        delayed(_fold)(corpus, texts, y, tr, te, params, lexicons, seed, baseline, kind, extra) for tr, te in splits)


def cross_validate(corpus, params: dict | None = None, lexicons: dict | None = None, seed: int = 0,
                   folds: int = 5, baseline: bool = True, n_jobs: int = 1,
                   kind: str = model_mod.DEFAULT_KIND, extra=None) -> dict[str, Any]:
    """Stratified K-fold: each fold trains the full model of ``kind`` (calibration and
    threshold chosen inside the training part only) and is scored on its held-out part.

    ``extra`` (a ``Corpus`` of training-only sentences, ``--extra-train``) joins every
    fold's training part; folds and figures are ``corpus``'s alone."""
    y = np.asarray(corpus.labels, dtype=int)
    if extra is not None:  # against the whole corpus: each fold's training part alone misses its test part
        extra = extra.without_texts_of(corpus)
    cv = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    splits = list(cv.split(np.zeros(len(y)), y))
    results = _run_folds(corpus, splits, params, lexicons, seed, baseline, n_jobs, kind, extra)
    oof = np.zeros(len(y))
    oof_base = np.zeros(len(y))
    per_fold, per_fold_base, thresholds = [], [], []
    for (_, test_idx), (proba, threshold, base) in zip(splits, results):
        oof[test_idx] = proba
        thresholds.append(threshold)
        per_fold.append(binary_metrics(y[test_idx], proba, threshold))
        if baseline:
            oof_base[test_idx] = base
            per_fold_base.append(binary_metrics(y[test_idx], base, 0.5))
    result: dict[str, Any] = {
        "folds": folds,
        "seed": seed,
        "model": {"summary": _summary(per_fold), "per_fold": [m["macro_f1"] for m in per_fold],
                  "pooled": binary_metrics(y, oof, float(np.median(thresholds))), "thresholds": thresholds},
    }
    if baseline:
        result["baseline"] = {"name": "tfidf-word-1-2gram+logreg", "summary": _summary(per_fold_base),
                              "per_fold": [m["macro_f1"] for m in per_fold_base],
                              "pooled": binary_metrics(y, oof_base, 0.5)}
    if extra is not None:
        result["extra_train"] = {"files": sorted(extra.sha256), "sentences": int(len(extra)),
                                 "note": "joined every fold's training part (the model's, not the baseline's); "
                                         "never scored"}
    result["_oof"] = oof  # for plots; dropped before writing JSON
    return result


def leave_one_outlet_out(corpus, params=None, lexicons=None, seed: int = 0, min_sentences: int = 100,
                         baseline: bool = True, n_jobs: int = 1, kind: str = model_mod.DEFAULT_KIND,
                         extra=None) -> dict[str, Any]:
    """Train without an outlet, test on it: how the model does on a source it never saw."""
    y = np.asarray(corpus.labels, dtype=int)
    if extra is not None:  # see cross_validate
        extra = extra.without_texts_of(corpus)
    outlets = np.asarray([o or "unknown" for o in corpus.outlets], dtype=object)
    chosen, splits = [], []
    for outlet in sorted(set(outlets)):
        test = np.flatnonzero(outlets == outlet)
        if len(test) < min_sentences or len(np.unique(y[test])) < 2:
            continue
        chosen.append(outlet)
        splits.append((np.flatnonzero(outlets != outlet), test))
    results = _run_folds(corpus, splits, params, lexicons, seed, baseline, n_jobs, kind, extra)
    rows = []
    for outlet, (_, test), (proba, threshold, base) in zip(chosen, splits, results):
        row = {"outlet": outlet, "n": int(len(test)), "loaded_share": float(y[test].mean()),
               "model": binary_metrics(y[test], proba, threshold)["macro_f1"]}
        if baseline:
            row["baseline"] = binary_metrics(y[test], base, 0.5)["macro_f1"]
        rows.append(row)
    return {"outlets": rows,
            "model_mean": float(np.mean([r["model"] for r in rows])) if rows else None,
            "baseline_mean": float(np.mean([r["baseline"] for r in rows])) if rows and baseline else None}


# -- the study behind the verdict bands ----------------------------------------

NEUTRAL_OUTLETS = ("Reuters",)
OPINION_OUTLETS = ("Alternet", "Breitbart", "Federalist", "Daily Beast")


def band_study(corpus, params: dict | None = None, lexicons: dict | None = None, seed: int = 0,
               article_length: int = 12, samples: int = 2000, folds: int = 5) -> dict[str, Any]:
    """Article scores of pseudo-articles drawn from BABE, per outlet group.

    Every sentence gets an out-of-fold probability (from a model that did not
    see it), calibrated the way ``framing train`` calibrates. A pseudo-article
    is ``article_length`` sentences drawn from one outlet; its score is
    :func:`framing.scoring.article_score` (quoted sentences set apart). What the bands should
    separate is the score of wire reporting from that of opinion outlets.
    """
    y = np.asarray(corpus.labels, dtype=int)
    oof = model_mod.out_of_fold_scores(corpus.texts, y, corpus.biased_words, params, lexicons, seed, folds)
    a, b = model_mod.fit_calibration(oof, y)
    proba = model_mod.sigmoid(a * oof + b)
    voices = np.array(["quote" if _quoted(t) else "own" for t in corpus.texts], dtype=object)
    outlets = np.array([o or "" for o in corpus.outlets], dtype=object)
    rng = np.random.default_rng(seed)
    groups = {"neutral wire (Reuters)": NEUTRAL_OUTLETS, "opinion outlets": OPINION_OUTLETS}
    groups.update({o: (o,) for o in sorted(set(outlets) - {""}) if (outlets == o).sum() >= 100})
    out: dict[str, Any] = {"article_length": article_length, "samples": samples, "folds": folds,
                           "bands": {"low_below": LOW_BELOW, "high_from": HIGH_FROM}, "groups": {}}
    for name, members in groups.items():
        idx_by_outlet = [np.flatnonzero(outlets == o) for o in members if (outlets == o).any()]
        scores = []
        for _ in range(samples):
            pool = idx_by_outlet[rng.integers(len(idx_by_outlet))]
            pick = rng.choice(pool, size=article_length, replace=False)
            scores.append(article_score(proba[pick], voices[pick])[0])
        s = np.asarray(scores)
        out["groups"][name] = {
            "sentences": int(sum(len(i) for i in idx_by_outlet)),
            "loaded_share_gold": float(np.mean(np.concatenate([y[i] for i in idx_by_outlet]))),
            "percentiles": {str(q): round(float(np.percentile(s, q)), 3) for q in (5, 10, 25, 50, 75, 90, 95)},
            "share_low": round(float(np.mean(s < LOW_BELOW)), 3),
            "share_moderate": round(float(np.mean((s >= LOW_BELOW) & (s < HIGH_FROM))), 3),
            "share_high": round(float(np.mean(s >= HIGH_FROM)), 3),
        }
    return out


# -- the verdict against article-level labels (benchmarks/verdict_study.py) -----------

#: What a band should say of the articles in it: at least this share loaded in "high", not loaded in "low".
BAND_TARGET = 0.8
CUT_GRID = np.round(np.arange(0.0, 1.0001, 0.01), 2)


def band_composition(scores, y, low_below: float, high_from: float) -> dict[str, Any]:
    """What each band holds when articles labelled ``y`` (1: loaded, e.g. hyperpartisan) are banded.

    ``share_positive`` per band is the share of loaded articles in it;
    ``precision_high`` is that share for "high", ``npv_low`` the share of the
    others in "low", and ``negatives_flagged`` the share of the others that
    read "moderate" or "high" (None where a band is empty).
    """
    s, y = np.asarray(scores, dtype=float), np.asarray(y, dtype=int)
    bands = {"low": s < low_below, "moderate": (s >= low_below) & (s < high_from), "high": s >= high_from}

    def share(mask, of):
        return float(np.mean(of[mask])) if mask.any() else None

    out = {"low_below": float(low_below), "high_from": float(high_from), "articles": int(len(s)),
           "count": {k: int(m.sum()) for k, m in bands.items()},
           "share_positive": {k: share(m, y) for k, m in bands.items()}}
    out["precision_high"] = out["share_positive"]["high"]
    out["npv_low"] = share(bands["low"], 1 - y)
    out["negatives_flagged"] = share(y == 0, (s >= low_below).astype(int))
    out["positives_high"] = share(y == 1, (s >= high_from).astype(int))
    return out


def choose_cuts(scores, y, target: float = BAND_TARGET, min_share: float = 0.05) -> dict[str, Any]:
    """Cut-points (on a 0.01 grid) so that "high" holds mostly loaded articles and "low" mostly not.

    ``high_from`` is the lowest cut whose "high" band (at least ``min_share`` of
    the articles) has a share of loaded articles of at least ``target``: the
    widest "high" that still says what it claims. ``low_below`` is the highest cut
    whose "low" band (as large) has a share of the others of at least ``target``.
    Where no cut reaches the target, the cut with the best share is taken and
    ``met`` says so. ``low_below`` never exceeds ``high_from``.
    """
    s, y = np.asarray(scores, dtype=float), np.asarray(y, dtype=int)
    least = max(1, int(np.ceil(min_share * len(s))))
    high, low = [], []
    for c in CUT_GRID:
        above, below = s >= c, s < c
        if above.sum() >= least:
            high.append((c, float(y[above].mean())))
        if below.sum() >= least:
            low.append((c, float(1 - y[below].mean())))
    met_high = [c for c, p in high if p >= target]
    met_low = [c for c, p in low if p >= target]
    high_from = min(met_high) if met_high else max(high, key=lambda cp: (cp[1], -cp[0]))[0]
    low_below = max(met_low) if met_low else max(low, key=lambda cp: (cp[1], cp[0]))[0]
    return {"low_below": float(min(low_below, high_from)), "high_from": float(high_from),
            "met": {"high": bool(met_high), "low": bool(met_low)}, "target": target}


def cut_study(scores, y, folds: int = 5, repeats: int = 20, seed: int = 0, target: float = BAND_TARGET,
              before: tuple[float, float] = (LOW_BELOW, HIGH_FROM)) -> dict[str, Any]:
    """Cut-points chosen by :func:`choose_cuts` under repeated stratified K-fold, judged held out.

    In each repeat every article is banded once, by cut-points chosen on the
    folds that did not hold it; the pooled held-out composition of each repeat
    is one draw, and the figures are their mean and standard deviation over
    repeats. ``before`` (today's constants) has nothing to fit, so it is
    measured on all articles; ``fit`` is the rule applied to all articles, the
    cut-points to ship, whose own composition is an in-sample figure.
    """
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import RepeatedStratifiedKFold

    s, y = np.asarray(scores, dtype=float), np.asarray(y, dtype=int)
    draws, cuts = [], []
    splitter = RepeatedStratifiedKFold(n_splits=folds, n_repeats=repeats, random_state=seed)
    splits = list(splitter.split(s, y))
    for r in range(repeats):
        band = np.empty(len(s), dtype=object)
        for train, test in splits[r * folds:(r + 1) * folds]:
            c = choose_cuts(s[train], y[train], target)
            cuts.append((c["low_below"], c["high_from"]))
            band[test] = np.where(s[test] >= c["high_from"], "high",
                                  np.where(s[test] < c["low_below"], "low", "moderate"))
        draws.append(_composition_of(band, y))
    fit = choose_cuts(s, y, target)
    return {"roc_auc": float(roc_auc_score(y, s)), "articles": int(len(s)), "positives": int(y.sum()),
            "folds": folds, "repeats": repeats, "seed": seed, "target": target,
            "before": band_composition(s, y, *before),
            "cross_validated": _mean_spread(draws),
            "fold_cuts": {"low_below": _spread([c[0] for c in cuts]), "high_from": _spread([c[1] for c in cuts])},
            "fit": dict(fit, composition=band_composition(s, y, fit["low_below"], fit["high_from"]))}


def _composition_of(band: np.ndarray, y: np.ndarray) -> dict[str, Any]:
    """band_composition's figures from band names rather than cut-points."""
    masks = {k: band == k for k in ("low", "moderate", "high")}
    out: dict[str, Any] = {f"share_positive_{k}": (float(np.mean(y[m])) if m.any() else None)
                           for k, m in masks.items()}
    out.update({f"count_{k}": int(m.sum()) for k, m in masks.items()})
    out["precision_high"] = out["share_positive_high"]
    out["npv_low"] = float(np.mean(1 - y[masks["low"]])) if masks["low"].any() else None
    out["negatives_flagged"] = float(np.mean(~masks["low"][y == 0]))
    out["positives_high"] = float(np.mean(masks["high"][y == 1]))
    return out


def _spread(values) -> dict[str, float]:
    v = np.asarray([x for x in values if x is not None], dtype=float)
    return {"mean": float(v.mean()), "std": float(v.std(ddof=1)) if len(v) > 1 else 0.0,
            "min": float(v.min()), "max": float(v.max())} if len(v) else {}


def _mean_spread(draws: list[dict[str, Any]]) -> dict[str, Any]:
    return {k: _spread([d[k] for d in draws]) for k in draws[0]}


def _quoted(text: str) -> bool:
    sentences = split_sentences(text, headline=False)
    return bool(sentences) and all(s.quoted for s in sentences)


# -- the `framing evaluate` command's work ----------------------------------------

@dataclass
class Evaluation:
    """Figures of one model on one corpus, and what the plots need.

    ``result`` is what ``--metrics`` writes (keys starting with "_" are dropped);
    ``notes`` are lines for the user (a warning when the corpus is training data).
    """

    result: dict[str, Any]
    labels: np.ndarray
    probabilities: np.ndarray
    threshold: float
    notes: list[str] = field(default_factory=list)


def evaluate_model(model, corpus, cv: int | None = None, by_outlet: bool = False, lexicons_dir=None,
                   n_jobs: int = 1, extra=None) -> Evaluation:
    """Held-out figures of ``model`` on ``corpus``, or, with ``cv``, K-fold figures of its configuration.

    With ``cv`` or ``by_outlet`` the model's kind, parameters and seed (from its
    card) are retrained on parts of the corpus, with the lexicons in ``lexicons_dir``
    and ``extra`` (a ``Corpus`` of training-only sentences) in every training part.
    """
    params = model.card.get("parameters", {})
    seed = int(model.card.get("seed", 0))
    kind = model.card.get("kind", model.kind)
    notes: list[str] = []
    lex = None
    if cv is not None or by_outlet:
        from framing.lexicons import load_lexicons

        lex = load_lexicons(lexicons_dir)
        if extra is None and model.card.get("extra_training_data"):
            files = ", ".join(model.card["extra_training_data"].get("files", {})) or "extra sentences"
            notes.append(f"note: this model was also trained on {files}; without --extra-train the folds "
                         "retrain its configuration on the corpus alone")
    elif extra is not None:
        raise ValueError("extra training sentences need cv or by_outlet (retraining)")
    if cv is not None:
        result = cross_validate(corpus, params, lex, seed, folds=cv, n_jobs=n_jobs, kind=kind, extra=extra)
        proba, threshold = result["_oof"], result["model"]["pooled"]["threshold"]
    else:
        trained_on = set((model.card.get("training_data") or {}).get("files", {}).values())
        if trained_on & set(corpus.sha256.values()):
            notes.append("warning: this corpus is (part of) the model's training data; "
                         "these figures are not held-out. Use --cv K for honest figures.")
        proba = model.predict_proba(corpus.texts)
        threshold = model.threshold
        result = {"held_out": binary_metrics(corpus.labels, proba, threshold)}
    if by_outlet:
        result["leave_one_outlet_out"] = leave_one_outlet_out(corpus, params, lex, seed, n_jobs=n_jobs, kind=kind,
                                                              extra=extra)
    return Evaluation(result, np.asarray(corpus.labels), np.asarray(proba), float(threshold), notes)


# -- plots as data -------------------------------------------------------------

def _thin(n: int, most: int = 200) -> np.ndarray:
    """Indices of at most ``most`` evenly spaced points, ends included: curves
    with a point per sentence add nothing to a plot but weight to the repository."""
    return np.unique(np.linspace(0, n - 1, min(n, most)).round().astype(int)) if n else np.arange(0)


def plot_data(y: np.ndarray, proba: np.ndarray, threshold: float) -> dict[str, list[dict[str, Any]]]:
    """Rows DVC can draw: ROC, precision-recall, calibration and confusion."""
    y = np.asarray(y, dtype=int)
    fpr, tpr, roc_t = (a[_thin(len(a))] for a in roc_curve(y, proba))
    prec, rec, pr_t = precision_recall_curve(y, proba)
    keep = _thin(len(pr_t))
    prec, rec, pr_t = np.append(prec[keep], prec[-1]), np.append(rec[keep], rec[-1]), pr_t[keep]
    frac_pos, mean_pred = calibration_curve(y, proba, n_bins=10, strategy="uniform")
    pred = (np.asarray(proba) >= threshold).astype(int)
    return {
        "roc": [{"fpr": float(a), "tpr": float(b), "threshold": float(min(t, 1.0))} for a, b, t in zip(fpr, tpr, roc_t)],
        "precision_recall": [{"recall": float(r), "precision": float(p), "threshold": float(t)}
                             for p, r, t in zip(prec[:-1], rec[:-1], pr_t)],
        "calibration": [{"mean_predicted": float(m), "fraction_loaded": float(f)} for m, f in zip(mean_pred, frac_pos)],
        "confusion": [{"actual": CLASS_NAMES[a], "predicted": CLASS_NAMES[p]} for a, p in zip(y, pred)],
    }


def write_plots(directory: str | Path, y, proba, threshold: float, images: bool = True) -> list[Path]:
    """Write each plot as JSON rows (for `dvc plots`) and, if matplotlib is there, as PNG."""
    directory = Path(directory)
    written = []
    data = plot_data(y, proba, threshold)
    for name, rows in data.items():
        path = directory / f"{name}.json"
        with atomic_open(path) as fh:
            json.dump(rows, fh, indent=1)
        written.append(path)
    if images:
        written += _write_images(directory, data)
    return written


def _write_images(directory: Path, data) -> list[Path]:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return []
    out = []

    def save(fig, name):
        path = directory / f"{name}.png"
        with atomic_open(path, "wb") as fh:
            fig.savefig(fh, format="png", dpi=110, bbox_inches="tight", metadata={"Software": None})
        plt.close(fig)
        out.append(path)

    fig, ax = plt.subplots(figsize=(4, 4))
    ax.plot([r["fpr"] for r in data["roc"]], [r["tpr"] for r in data["roc"]])
    ax.plot([0, 1], [0, 1], ls=":", c="grey")
    ax.set(xlabel="false positive rate", ylabel="true positive rate", title="ROC")
    save(fig, "roc")
    fig, ax = plt.subplots(figsize=(4, 4))
    ax.plot([r["recall"] for r in data["precision_recall"]], [r["precision"] for r in data["precision_recall"]])
    ax.set(xlabel="recall", ylabel="precision", title="Precision-recall")
    save(fig, "precision_recall")
    fig, ax = plt.subplots(figsize=(4, 4))
    ax.plot([r["mean_predicted"] for r in data["calibration"]], [r["fraction_loaded"] for r in data["calibration"]], marker="o")
    ax.plot([0, 1], [0, 1], ls=":", c="grey")
    ax.set(xlabel="mean predicted probability", ylabel="fraction loaded", title="Calibration")
    save(fig, "calibration")
    cm = np.zeros((2, 2), dtype=int)
    for r in data["confusion"]:
        cm[CLASS_NAMES.index(r["actual"]), CLASS_NAMES.index(r["predicted"])] += 1
    fig, ax = plt.subplots(figsize=(4, 4))
    ax.imshow(cm, cmap="Blues")
    for (i, j), v in np.ndenumerate(cm):
        ax.text(j, i, str(v), ha="center", va="center")
    ax.set(xticks=[0, 1], yticks=[0, 1], xticklabels=CLASS_NAMES, yticklabels=CLASS_NAMES,
           xlabel="predicted", ylabel="actual", title="Confusion")
    save(fig, "confusion")
    return out


def write_metrics(path: str | Path, metrics: dict[str, Any]) -> None:
    clean = {k: v for k, v in metrics.items() if not k.startswith("_")}
    with atomic_open(path) as fh:
        json.dump(clean, fh, indent=2, sort_keys=True)
        fh.write("\n")


if __name__ == "__main__":  # pragma: no cover - docs/scoring.md's reproduction recipe
    import sys

    from framing import corpus as corpus_mod
    from framing.lexicons import load_lexicons

    data = corpus_mod.read_corpus(sys.argv[1] if len(sys.argv) > 1 else corpus_mod.default_corpus_path())
    print(json.dumps(band_study(data, {}, load_lexicons(None), 0), indent=2))
