"""Binary classification metrics, the one definition every figure uses (a leaf).

The model card (training) and the evaluation stage both report these, so both
import them from here and neither imports the other.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.metrics import (
    average_precision_score,
    brier_score_loss,
    confusion_matrix,
    precision_recall_fscore_support,
    roc_auc_score,
)

__all__ = ["CLASS_NAMES", "binary_metrics"]

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
