"""Calibration and the decision threshold, both from out-of-fold scores of the training data.

Platt scaling maps a decision score to a probability; the threshold is the
probability that maximises macro-F1 on the same out-of-fold predictions. Neither
ever sees test data.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import sklearn
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict

from framing.features import build_pipeline

__all__ = ["choose_threshold", "fit_calibration", "fit_params", "out_of_fold_scores", "sigmoid"]


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def fit_params(biased_words: Sequence[Sequence[str]] | None) -> dict[str, Any]:
    """Fit keyword arguments routing the word annotations to the features that request them."""
    return {} if biased_words is None else {"biased_words": list(biased_words)}


def out_of_fold_scores(texts, y, biased_words=None, params=None, lexicons=None, seed=0, folds=5,
                       extra=None) -> np.ndarray:
    """Decision scores of the static pipeline for every training sentence, from a model that did not see it.

    ``extra`` (a :class:`framing.corpus.Corpus`, e.g. teacher-labelled sentences) joins
    every fold's training part and is never scored: the scores, and so the calibration
    and threshold fitted on them, stay those of ``texts``' own labels.
    """
    pipeline = build_pipeline(dict(params or {}), lexicons or {}, random_state=seed)
    cv = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    y = np.asarray(y)
    with sklearn.config_context(enable_metadata_routing=True):
        if extra is None or not len(extra):
            return cross_val_predict(pipeline, list(texts), y, cv=cv, method="decision_function",
                                     params=fit_params(biased_words))
        texts = list(texts)
        out = np.zeros(len(y))
        for train, test in cv.split(np.zeros(len(y)), y):
            words = None if biased_words is None else [biased_words[i] for i in train] + list(extra.biased_words)
            fold = clone(pipeline).fit([texts[i] for i in train] + list(extra.texts),
                                       np.concatenate([y[train], extra.labels]), **fit_params(words))
            out[test] = fold.decision_function([texts[i] for i in test])
        return out


def fit_calibration(scores: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Platt scaling: a one-feature logistic regression from decision score to probability."""
    lr = LogisticRegression(C=1e6)
    lr.fit(scores.reshape(-1, 1), y)
    return float(lr.coef_[0, 0]), float(lr.intercept_[0])


def choose_threshold(probabilities: np.ndarray, y: np.ndarray) -> float:
    """The probability cut that maximises macro-F1 on out-of-fold predictions.

    Candidates are a fixed grid so the choice is deterministic and does not
    overfit to single sentences at the edges.
    """
    grid = np.round(np.arange(0.20, 0.801, 0.01), 2)
    scores = [f1_score(y, (probabilities >= t).astype(int), average="macro") for t in grid]
    best = int(np.argmax(scores))
    return float(grid[best])
