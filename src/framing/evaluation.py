"""The evaluation stage: metrics, K-fold and leave-one-outlet-out figures, plot data.

Every figure a user sees comes from here, for `framing evaluate`, the model
card and the DVC pipeline alike, so the numbers mean the same thing
everywhere. A plain TF-IDF + logistic-regression baseline is always measured on
the same folds in the same run: figures only mean something next to a
yardstick measured under identical conditions.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import (
    average_precision_score,
    brier_score_loss,
    confusion_matrix,
    precision_recall_curve,
    precision_recall_fscore_support,
    roc_auc_score,
    roc_curve,
)
from sklearn.calibration import calibration_curve
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import make_pipeline

from framing.textio import atomic_open

CLASS_NAMES = ("neutral", "loaded")


def binary_metrics(y: np.ndarray, proba: np.ndarray, threshold: float = 0.5) -> dict[str, Any]:
    """Macro-F1, per-class P/R/F1, ROC-AUC, PR-AUC, Brier score and the confusion matrix."""
    y = np.asarray(y, dtype=int)
    proba = np.asarray(proba, dtype=float)
    pred = (proba >= threshold).astype(int)
    p, r, f, s = precision_recall_fscore_support(y, pred, labels=[0, 1], zero_division=0)
    both = len(np.unique(y)) == 2
    return {
        "threshold": float(threshold),
        "n": int(len(y)),
        "macro_f1": float(np.mean(f)),
        "accuracy": float(np.mean(pred == y)) if len(y) else 0.0,
        "roc_auc": float(roc_auc_score(y, proba)) if both else None,
        "pr_auc": float(average_precision_score(y, proba)) if both else None,
        "brier": float(brier_score_loss(y, proba, pos_label=1)) if len(y) else None,
        "per_class": {
            name: {"precision": float(p[i]), "recall": float(r[i]), "f1": float(f[i]), "support": int(s[i])}
            for i, name in enumerate(CLASS_NAMES)
        },
        "confusion_matrix": {"labels": list(CLASS_NAMES),
                             "matrix": confusion_matrix(y, pred, labels=[0, 1]).tolist()},
    }


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


def _fold(corpus, texts, y, train_idx, test_idx, params, lexicons, seed, baseline):
    """Train the model (and the baseline) on one training part; score its held-out part."""
    from framing import model as model_mod

    fitted = model_mod.train(corpus.subset(train_idx), params, lexicons, seed)
    proba = fitted.predict_proba(list(texts[test_idx]))
    base = None
    if baseline:
        base = baseline_pipeline(seed).fit(list(texts[train_idx]), y[train_idx]).predict_proba(list(texts[test_idx]))[:, 1]
    return proba, fitted.threshold, base


def _run_folds(corpus, splits, params, lexicons, seed, baseline, n_jobs):
    """Each fold is independent, so folds run in parallel processes; results
    come back in fold order, so the figures do not depend on n_jobs."""
    from joblib import Parallel, delayed

    y = np.asarray(corpus.labels, dtype=int)
    texts = np.asarray(corpus.texts, dtype=object)
    return Parallel(n_jobs=n_jobs)(
        delayed(_fold)(corpus, texts, y, tr, te, params, lexicons, seed, baseline) for tr, te in splits)


def cross_validate(corpus, params: dict | None = None, lexicons: dict | None = None, seed: int = 0,
                   folds: int = 5, baseline: bool = True, n_jobs: int = 1) -> dict[str, Any]:
    """Stratified K-fold: each fold trains the full model (calibration and threshold
    chosen inside the training part only) and is scored on its held-out part."""
    y = np.asarray(corpus.labels, dtype=int)
    cv = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    splits = list(cv.split(np.zeros(len(y)), y))
    results = _run_folds(corpus, splits, params, lexicons, seed, baseline, n_jobs)
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
    result["_oof"] = oof  # for plots; dropped before writing JSON
    return result


def leave_one_outlet_out(corpus, params=None, lexicons=None, seed: int = 0, min_sentences: int = 100,
                         baseline: bool = True, n_jobs: int = 1) -> dict[str, Any]:
    """Train without an outlet, test on it: how the model does on a source it never saw."""
    y = np.asarray(corpus.labels, dtype=int)
    outlets = np.asarray([o or "unknown" for o in corpus.outlets], dtype=object)
    chosen, splits = [], []
    for outlet in sorted(set(outlets)):
        test = np.flatnonzero(outlets == outlet)
        if len(test) < min_sentences or len(np.unique(y[test])) < 2:
            continue
        chosen.append(outlet)
        splits.append((np.flatnonzero(outlets != outlet), test))
    results = _run_folds(corpus, splits, params, lexicons, seed, baseline, n_jobs)
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
