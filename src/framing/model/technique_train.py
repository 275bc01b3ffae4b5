"""Training side of the technique head: PTC's 14 propaganda techniques named per sentence.

The head is a calibrated logistic regression per technique on the fine-tuned encoder's
mean-pooled states, the very vector the BABE and PTC sentence heads read. It is
trained with the encoder frozen, and written into the run's ONNX graph as a
``MatMul`` + ``Add`` on that vector with an output of its own (``technique_logits``), so
scoring runs one graph and one pass for the label, the cues and the techniques. The
encoder's weights and its other outputs are untouched: the BABE probabilities, and so
the accurate tier's BABE figures, are exactly those of the run it was added to.

How it is fitted, on PTC's training articles only (``framing.corpus.ptc.is_heldout``
keeps a third out, never seen here):

- per technique, the regularisation ``C`` from a small grid, by the ROC-AUC of
  out-of-fold scores (5 folds grouped by article, so no article is on both sides);
- Platt scaling of those out-of-fold scores, folded into the head's weights, so the
  graph's output is already a calibrated logit;
- the threshold that maximises F1 on the out-of-fold calibrated probabilities.

Then the held-out third is scored once: ROC-AUC and F1 at the shipped threshold per
technique, beside TF-IDF + logistic regression trained, tuned and thresholded the same
way on the same sentences. A technique whose held-out ROC-AUC is under ``min_auc``, or
whose labels at its threshold were right less often than ``min_precision``, is not
shown by default. Needs ``onnx`` (the train extra); no torch.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from framing.corpus.ptc import TECHNIQUES, is_heldout, read_ptc, technique_matrix
from framing.features.onnx_encoder import (GRAPH_OUTPUTS, POOLED_OUTPUT, TECHNIQUE_METADATA, TECHNIQUE_OUTPUT,
                                           OnnxEncoder)

__all__ = ["TECHNIQUE_DEFAULTS", "add_techniques", "fit_heads", "strip_head", "with_head", "with_pooled"]

#: The technique stage's parameters (params.yaml's ``techniques`` section).
TECHNIQUE_DEFAULTS: dict[str, Any] = {
    "seed": 0,
    "folds": 5,
    "C": [0.003, 0.01, 0.03, 0.1],
    "min_auc": 0.70,
    "min_precision": 0.10,
}
_PREFIX = "technique_head"


def _onnx():
    try:
        import onnx
    except ImportError:
        from framing.errors import FramingError

        raise FramingError("training the technique head needs the train extra: pip install 'framing[train]' "
                           "(cannot import onnx)") from None
    return onnx


# --------------------------------------------------------------------------- the graph


def _pooled_tensor(graph) -> str:
    """The name of the mean-pooled states: what the BABE/PTC sentence head multiplies.

    In the fp32 export that is the sentence head's ``Gemm`` input; in the int8 graph the
    head is a ``MatMulInteger`` whose input a ``DynamicQuantizeLinear`` made from it.
    """
    producer = {out: node for node in graph.node for out in node.output}
    for node in graph.node:
        # "/sentence_head/..." or "/model/sentence_head/...", by how the exporter wrapped the model.
        if "/sentence_head/" in node.name and node.op_type in ("Gemm", "MatMul", "MatMulInteger"):
            name = node.input[0]
            source = producer.get(name)
            if source is not None and source.op_type == "DynamicQuantizeLinear":
                name = source.input[0]
            return name
    raise ValueError("no sentence head in this graph: not a framing encoder run")


def strip_head(graph_bytes: bytes):
    """The graph as a ModelProto without any technique head or pooled output (idempotent)."""
    onnx = _onnx()
    model = onnx.load_from_string(graph_bytes)
    g = model.graph
    keep = [n for n in g.node if not n.name.startswith(_PREFIX + "/")]
    del g.node[:]
    g.node.extend(keep)
    inits = [t for t in g.initializer if not t.name.startswith(_PREFIX + ".")]
    del g.initializer[:]
    g.initializer.extend(inits)
    outs = [o for o in g.output if o.name not in (TECHNIQUE_OUTPUT, POOLED_OUTPUT)]
    del g.output[:]
    g.output.extend(outs)
    props = [p for p in model.metadata_props if p.key != TECHNIQUE_METADATA]
    del model.metadata_props[:]
    model.metadata_props.extend(props)
    return model


def with_pooled(graph_bytes: bytes) -> bytes:
    """The graph with its mean-pooled states as an extra output, to train a head on."""
    onnx = _onnx()
    model = strip_head(graph_bytes)
    g = model.graph
    g.node.append(onnx.helper.make_node("Identity", [_pooled_tensor(g)], [POOLED_OUTPUT],
                                        name=f"{_PREFIX}/pooled"))
    g.output.append(onnx.helper.make_tensor_value_info(POOLED_OUTPUT, onnx.TensorProto.FLOAT, ["batch", None]))
    return model.SerializeToString()


def with_head(graph_bytes: bytes, weights: np.ndarray, bias: np.ndarray, description: dict[str, Any]) -> bytes:
    """The graph with the head (``pooled @ weights + bias``, fp32) as ``technique_logits``
    [batch, k] and its description in the graph's metadata (``TECHNIQUE_METADATA``).

    The head reads the pooled states before they are quantized for the sentence head, so
    it adds no quantization error of its own; nothing the other outputs compute changes.
    """
    onnx = _onnx()
    from onnx import numpy_helper

    model = strip_head(graph_bytes)
    g = model.graph
    w = numpy_helper.from_array(np.asarray(weights, dtype=np.float32), f"{_PREFIX}.weight")
    b = numpy_helper.from_array(np.asarray(bias, dtype=np.float32), f"{_PREFIX}.bias")
    g.initializer.extend([w, b])
    g.node.extend([
        onnx.helper.make_node("MatMul", [_pooled_tensor(g), w.name], [f"{_PREFIX}/matmul"], name=f"{_PREFIX}/MatMul"),
        onnx.helper.make_node("Add", [f"{_PREFIX}/matmul", b.name], [TECHNIQUE_OUTPUT], name=f"{_PREFIX}/Add"),
    ])
    g.output.append(onnx.helper.make_tensor_value_info(TECHNIQUE_OUTPUT, onnx.TensorProto.FLOAT,
                                                       ["batch", len(bias)]))
    entry = model.metadata_props.add()
    entry.key = TECHNIQUE_METADATA
    entry.value = json.dumps(description, sort_keys=True)
    onnx.checker.check_model(model)
    return model.SerializeToString()


# --------------------------------------------------------------------------- fitting


def _platt(z: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    from sklearn.linear_model import LogisticRegression

    lr = LogisticRegression(C=1e6, max_iter=1000).fit(z.reshape(-1, 1), y)
    return float(lr.coef_[0, 0]), float(lr.intercept_[0])


def _best_f1_threshold(y: np.ndarray, p: np.ndarray) -> float:
    """The probability cut that maximises F1 (the midpoint to the next score, so a
    re-scored sentence at the boundary is not flipped by rounding)."""
    from sklearn.metrics import precision_recall_curve

    precision, recall, cuts = precision_recall_curve(y, p)
    f1 = np.where(precision + recall > 0, 2 * precision * recall / np.maximum(precision + recall, 1e-12), 0)[:-1]
    return float(cuts[int(np.argmax(f1))]) if len(cuts) else 0.5


def _logreg(C: float, seed: int, dense: bool = True):
    from sklearn.linear_model import LogisticRegression

    # lbfgs is quickest on the standardised 384-d states (0.2-0.5 s a fit on one thread);
    # liblinear on TF-IDF's sparse columns.
    return LogisticRegression(C=C, max_iter=3000, random_state=seed, solver="lbfgs" if dense else "liblinear")


def _fit_one(make, X, y, groups, grid: Sequence[float], folds: int, seed: int) -> dict[str, Any]:
    """Pick C by grouped out-of-fold ROC-AUC; Platt and threshold on that C's out-of-fold
    scores; refit on everything. ``make(C)`` builds the estimator (decision_function)."""
    from sklearn.model_selection import GroupKFold
    from threadpoolctl import threadpool_limits  # scikit-learn's own dependency

    splits = list(GroupKFold(folds).split(X, y, groups))
    # Small fits: BLAS threads only contend (with each other and with anything else on
    # the machine), and one thread gives the same numbers on any core count.
    with threadpool_limits(1):
        return _fit_one_(make, X, y, splits, grid)


def _fit_one_(make, X, y, splits, grid) -> dict[str, Any]:
    from sklearn.metrics import roc_auc_score

    best = None
    for C in grid:
        oof = np.zeros(len(y))
        for tr, te in splits:
            oof[te] = make(C).fit(X[tr], y[tr]).decision_function(X[te])
        auc = roc_auc_score(y, oof)
        if best is None or auc > best[1] + 1e-9:
            best = (C, auc, oof)
    C, auc, oof = best
    a, b = _platt(oof, y)
    threshold = _best_f1_threshold(y, 1 / (1 + np.exp(-(a * oof + b))))
    return {"C": C, "oof_auc": float(auc), "platt": (a, b), "threshold": threshold, "model": make(C).fit(X, y)}


def fit_heads(X: np.ndarray, Y: np.ndarray, groups: Sequence[str], *, grid: Sequence[float] = (0.003, 0.01, 0.03, 0.1),
              folds: int = 5, seed: int = 0, progress=None) -> dict[str, Any]:
    """One calibrated linear head per column of ``Y`` on the pooled states ``X``.

    Returns ``weights`` [hidden, k] and ``bias`` [k] that give calibrated logits straight
    from the raw pooled states (the standardisation and Platt scaling are folded in),
    ``thresholds`` [k] on the calibrated probability, and each head's ``C`` and
    out-of-fold ROC-AUC.
    """
    from sklearn.preprocessing import StandardScaler

    scaler = StandardScaler().fit(X)
    Z = scaler.transform(X)
    groups = np.asarray(groups)
    k = Y.shape[1]
    weights = np.zeros((X.shape[1], k))
    bias = np.zeros(k)
    out: dict[str, Any] = {"C": [], "oof_auc": [], "thresholds": []}
    for j in range(k):
        if progress:
            progress(f"technique {j + 1}/{k}")
        fit = _fit_one(lambda C: _logreg(C, seed), Z, Y[:, j], groups, grid, folds, seed)
        a, b = fit["platt"]
        w = fit["model"].coef_[0] / scaler.scale_
        weights[:, j] = a * w
        bias[j] = a * (fit["model"].intercept_[0] - float(np.dot(w, scaler.mean_))) + b
        out["C"].append(fit["C"])
        out["oof_auc"].append(fit["oof_auc"])
        out["thresholds"].append(fit["threshold"])
    out["weights"], out["bias"] = weights, bias
    return out


def _baseline(texts_tr, Y_tr, groups, texts_te, grid, folds, seed) -> tuple[np.ndarray, list[float]]:
    """TF-IDF + logistic regression per technique, tuned and thresholded as the head is;
    the held-out calibrated probabilities [n_te, k] and the thresholds."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    vec = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)
    A = vec.fit_transform(texts_tr)
    B = vec.transform(texts_te)
    probs = np.zeros((len(texts_te), Y_tr.shape[1]))
    thresholds = []
    for j in range(Y_tr.shape[1]):
        # TF-IDF wants far weaker regularisation than standardised dense states.
        fit = _fit_one(lambda C: _logreg(C * 100, seed, dense=False), A, Y_tr[:, j], np.asarray(groups), grid,
                       folds, seed)
        a, b = fit["platt"]
        probs[:, j] = 1 / (1 + np.exp(-(a * fit["model"].decision_function(B) + b)))
        thresholds.append(fit["threshold"])
    return probs, thresholds


def _scores(y: np.ndarray, p: np.ndarray, threshold: float) -> dict[str, float]:
    from sklearn.metrics import precision_recall_fscore_support, roc_auc_score

    precision, recall, f1, _ = precision_recall_fscore_support(y, (p >= threshold).astype(int), average="binary",
                                                               zero_division=0)
    return {"roc_auc": round(float(roc_auc_score(y, p)), 4), "f1": round(float(f1), 4),
            "precision": round(float(precision), 4), "recall": round(float(recall), 4),
            "listed": int((p >= threshold).sum())}


def _averages(Y: np.ndarray, P: np.ndarray, thresholds: Sequence[float], cols: Sequence[int]) -> dict[str, float]:
    from sklearn.metrics import f1_score, roc_auc_score

    cols = list(cols)
    y, p = Y[:, cols], P[:, cols]
    pred = (p >= np.asarray(thresholds)[cols]).astype(int)
    return {"macro_roc_auc": round(float(np.mean([roc_auc_score(y[:, j], p[:, j]) for j in range(len(cols))])), 4),
            "micro_roc_auc": round(float(roc_auc_score(y.ravel(), p.ravel())), 4),
            "macro_f1": round(float(f1_score(y, pred, average="macro", zero_division=0)), 4),
            "micro_f1": round(float(f1_score(y, pred, average="micro", zero_division=0)), 4)}


def add_techniques(run_dir: str | os.PathLike, ptc_dir: str | os.PathLike, params: dict | None = None,
                   n_threads: int | None = None, progress=None) -> dict[str, Any]:
    """Fit the technique head on PTC's training articles, measure it on the held-out third,
    and write it into the run's graph (the run folder is replaced whole, its run.json
    updated). Returns the metrics (per technique and averages, head and TF-IDF baseline).
    """
    from framing.model.finetune import EncoderRun, load_run

    p = {**TECHNIQUE_DEFAULTS, **(params or {})}
    unknown = set(p) - set(TECHNIQUE_DEFAULTS)
    if unknown:
        raise ValueError(f"unknown technique params: {sorted(unknown)}")
    say = progress or (lambda message: None)
    run = load_run(run_dir)
    sentences = read_ptc(ptc_dir)
    Y = technique_matrix(sentences)
    texts = [s.text for s in sentences]
    held = np.array([is_heldout(s.article) for s in sentences])
    groups = [s.article for s in sentences]
    max_length = int(run.info.get("params", {}).get("max_length", 128))
    say(f"encoding {len(texts):,} PTC sentences")
    encoder = OnnxEncoder(with_pooled(run.graph), run.tokenizer, n_threads=n_threads or os.cpu_count() or 1,
                          max_length=max_length)
    X = encoder.outputs(texts)[POOLED_OUTPUT]
    tr, te = np.flatnonzero(~held), np.flatnonzero(held)
    seed, folds, grid = int(p["seed"]), int(p["folds"]), [float(c) for c in p["C"]]
    say("fitting the technique heads")
    heads = fit_heads(X[tr], Y[tr], [groups[i] for i in tr], grid=grid, folds=folds, seed=seed, progress=say)
    say("fitting the TF-IDF baseline")
    base_p, base_t = _baseline([texts[i] for i in tr], Y[tr], [groups[i] for i in tr], [texts[i] for i in te],
                               grid, folds, seed)
    names = [shown for _, shown in TECHNIQUES]
    graph = with_head(run.graph, heads["weights"], heads["bias"], {
        "names": names, "thresholds": [round(t, 6) for t in heads["thresholds"]], "shown": [True] * len(names)})
    # Measured through the graph that ships, so the figures are the int8 runtime's.
    z = OnnxEncoder(graph, run.tokenizer, n_threads=encoder.n_threads, max_length=max_length).outputs(
        [texts[i] for i in te])[TECHNIQUE_OUTPUT]
    head_p = 1 / (1 + np.exp(-z))
    rows = []
    for j, name in enumerate(names):
        rows.append({"technique": name, "heldout_positives": int(Y[te, j].sum()),
                     "train_positives": int(Y[tr, j].sum()), "threshold": round(heads["thresholds"][j], 4),
                     "C": heads["C"][j], "oof_roc_auc": round(heads["oof_auc"][j], 4),
                     "head": _scores(Y[te, j], head_p[:, j], heads["thresholds"][j]),
                     "tfidf": _scores(Y[te, j], base_p[:, j], base_t[j])})
    # Shown by default: ranks better than chance by a margin (the issue's 0.70), and at
    # least one in ten of the labels it lists at its threshold was right on held-out
    # articles: a label that was (nearly) never right would only teach readers to ignore
    # the others.
    for r in rows:
        r["hidden_because"] = ("ROC-AUC < %.2f" % float(p["min_auc"]) if r["head"]["roc_auc"] < float(p["min_auc"])
                               else "precision < %.2f" % float(p["min_precision"])
                               if r["head"]["precision"] < float(p["min_precision"]) else None)
        r["shown"] = r["hidden_because"] is None
    shown = [r["shown"] for r in rows]
    description = {"names": names, "thresholds": [round(t, 6) for t in heads["thresholds"]], "shown": shown,
                   "heldout_roc_auc": [r["head"]["roc_auc"] for r in rows],
                   "heldout_precision": [r["head"]["precision"] for r in rows],
                   "min_auc": float(p["min_auc"]), "min_precision": float(p["min_precision"])}
    graph = with_head(run.graph, heads["weights"], heads["bias"], description)
    every = range(len(names))
    on = [j for j in every if shown[j]]
    metrics = {
        "ptc_heldout": {"articles": len({groups[i] for i in te}), "sentences": len(te)},
        "ptc_train": {"articles": len({groups[i] for i in tr}), "sentences": len(tr)},
        "techniques": rows,
        "head": {"all": _averages(Y[te], head_p, heads["thresholds"], every),
                 "shown": _averages(Y[te], head_p, heads["thresholds"], on) if on else None},
        "tfidf": {"all": _averages(Y[te], base_p, base_t, every),
                  "shown": _averages(Y[te], base_p, base_t, on) if on else None},
        "params": p,
        "graph_sha256": hashlib.sha256(graph).hexdigest(),
    }
    info = dict(run.info, techniques={
        "names": names, "shown": shown, "ptc_train_sentences": len(tr),
        "note": "a calibrated logistic regression per PTC technique on the frozen encoder's pooled states, "
                "trained on PTC's training articles (is_heldout keeps a third out); framing.model.technique_train"})
    EncoderRun(graph, run.tokenizer, run.oof, info).save(run_dir)
    return metrics


def techniques_table(metrics: dict[str, Any]) -> str:
    """The per-technique table as Markdown (docs/techniques.md shows it)."""
    lines = ["| technique | held-out positives | threshold | head ROC-AUC | head F1 (P / R) | TF-IDF ROC-AUC | "
             "TF-IDF F1 | shown |",
             "|---|---:|---:|---:|---:|---:|---:|---|"]
    for r in metrics["techniques"]:
        h = r["head"]
        lines.append(f"| {r['technique']} | {r['heldout_positives']} | {r['threshold']:.3f} | "
                     f"{h['roc_auc']:.3f} | {h['f1']:.3f} ({h['precision']:.2f} / {h['recall']:.2f}) | "
                     f"{r['tfidf']['roc_auc']:.3f} | {r['tfidf']['f1']:.3f} | "
                     f"{'yes' if r['shown'] else 'no (' + r['hidden_because'] + ')'} |")
    for which in ("all", "shown"):
        h, t = metrics["head"][which], metrics["tfidf"][which]
        if h:
            lines.append(f"| **micro / macro ({which})** | | | {h['micro_roc_auc']:.3f} / {h['macro_roc_auc']:.3f} | "
                         f"{h['micro_f1']:.3f} / {h['macro_f1']:.3f} | {t['micro_roc_auc']:.3f} / "
                         f"{t['macro_roc_auc']:.3f} | {t['micro_f1']:.3f} / {t['macro_f1']:.3f} | |")
    return "\n".join(lines)
