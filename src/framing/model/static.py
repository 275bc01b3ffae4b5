"""The static model, the fast tier: word-level features, a linear classifier, Platt calibration.

A :class:`StaticModel` bundles the scikit-learn pipeline built by
:mod:`framing.features` with a Platt calibrator and a decision threshold, both
fitted on out-of-fold scores of the training data only, so the probabilities a
user sees are calibrated and the threshold was never chosen on test data. It
runs on a laptop CPU at thousands of sentences a second.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import sklearn

from framing.errors import FramingError
from framing.features import DEFAULT_PARAMS, ProperNames, build_pipeline, decide_and_explain, explain, known_words
from framing.model.arrays import ARRAYS_FORMAT, ARRAYS_FORMAT_VERSION
from framing.model.arrays import dumps as dump_arrays
from framing.model.arrays import loads as load_arrays
from framing.model.base import Cue, FramingModel, Prediction
from framing.model.calibration import choose_threshold, fit_calibration, fit_params, out_of_fold_scores, sigmoid
from framing.model.card import library_versions, training_card

__all__ = ["KIND", "TIER", "StaticModel", "check_training", "check_parameters",
           "extra_training_section", "fit_pipeline", "fit_names", "from_artifact", "train"]

KIND = "static"
TIER = "fast"


class _OneBlasThread:
    """A context in which BLAS runs on one thread (process-wide, as BLAS's setting is).

    The fast tier's matrix products are a few thousand rows by a dozen columns: a
    second BLAS thread adds no speed, only spinning (about 20% more CPU per sentence,
    measured with benchmarks/fast_profile.py), which on a shared machine is taken
    from other work. Re-entrant and thread-safe: the first to enter sets the limit,
    the last to leave restores what was there.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._depth = 0
        self._controller = None
        self._limiter = None

    def __enter__(self) -> None:
        with self._lock:
            if self._depth == 0:
                if self._controller is None:
                    from threadpoolctl import ThreadpoolController  # scikit-learn's own dependency

                    self._controller = ThreadpoolController()  # finds the loaded BLAS libraries once
                self._limiter = self._controller.limit(limits=1, user_api="blas")
            self._depth += 1

    def __exit__(self, *exc) -> None:
        with self._lock:
            self._depth -= 1
            if self._depth == 0:
                self._limiter.restore_original_limits()
                self._limiter = None


ONE_BLAS_THREAD = _OneBlasThread()


class StaticModel(FramingModel):
    """A fitted static pipeline with calibrated probabilities and per-word cues."""

    kind = KIND
    tier = TIER
    artifact_format = {"format": ARRAYS_FORMAT, "format_version": ARRAYS_FORMAT_VERSION}

    def __init__(self, pipeline, calibration: tuple[float, float], threshold: float, card: dict[str, Any],
                 names: ProperNames | None = None):
        self.pipeline = pipeline
        self.calibration = (float(calibration[0]), float(calibration[1]))
        self.threshold = float(threshold)
        self.card = card
        # Who the story is about is not how it is told: names are never cues (they
        # still count in the score). None lists every word, as models did before.
        self.names = names

    def decision_function(self, texts: Sequence[str]) -> np.ndarray:
        with ONE_BLAS_THREAD:
            return np.asarray(self.pipeline.decision_function(list(texts)), dtype=float)

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Calibrated probability that each sentence is loaded."""
        if len(texts) == 0:
            return np.zeros(0)
        a, b = self.calibration
        return sigmoid(a * self.decision_function(texts) + b)

    def explain(self, texts: Sequence[str]) -> list[list[Cue]]:
        with ONE_BLAS_THREAD:
            spans = explain(self.pipeline, list(texts), names=self.names)
        return [[Cue(t[s:e], s, e, w) for s, e, w in sp] for t, sp in zip(texts, spans)]

    def predict(self, texts: Sequence[str], cues: bool = True, techniques: bool = True) -> list[Prediction]:
        if not cues:
            return super().predict(texts, cues=False)
        # Probabilities and cues from one pass over the feature groups (the base
        # class's predict_proba then explain would compute every feature twice).
        texts = list(texts)
        if not texts:
            return []
        with ONE_BLAS_THREAD:
            decision, spans = decide_and_explain(self.pipeline, texts, names=self.names)
        a, b = self.calibration
        proba = sigmoid(a * np.asarray(decision, dtype=float) + b)
        labels = self.label(proba)
        return [Prediction(t, p, lab, [Cue(t[s:e], s, e, w) for s, e, w in sp])
                for t, p, lab, sp in zip(texts, proba.tolist(), labels, spans)]

    def to_bytes(self) -> bytes:
        # Arrays + JSON, not a pickle: see framing.model.arrays for why.
        payload = {"pipeline": self.pipeline, "calibration": list(self.calibration), "threshold": self.threshold}
        if self.names is not None:
            payload["names"] = self.names.to_dict()
        return dump_arrays(payload)


def fit_names(texts: Sequence[str], lexicons: dict | None = None) -> ProperNames:
    """The proper-name table of a training corpus (its capitalisation, not its labels),
    with the cue lexicons' English words (those ``build_pipeline`` reads when none are given)."""
    if not lexicons:
        from framing.lexicons import load_lexicons

        lexicons = load_lexicons()
    return ProperNames().fit(list(texts), known_words(lexicons))


def fit_pipeline(texts: Sequence[str], y: np.ndarray, biased_words=None, params: dict | None = None,
                 lexicons: dict | None = None, seed: int = 0):
    """Fit a fresh pipeline; the word-level annotations reach the features by metadata routing."""
    pipeline = build_pipeline(dict(params or {}), lexicons or {}, random_state=seed)
    with sklearn.config_context(enable_metadata_routing=True):
        pipeline.fit(list(texts), np.asarray(y), **fit_params(biased_words))
    return pipeline


def check_parameters(params: dict, known, params_file: str | os.PathLike | None = None) -> None:
    """A parameter no feature group or trainer takes is a one-line error naming it (a typo in params.yaml)."""
    unknown = sorted(set(params) - set(known))
    if unknown:
        raise FramingError(f"unknown model parameter{'s' if len(unknown) > 1 else ''} {', '.join(unknown)} "
                           f"(known: {', '.join(sorted(known))})", params_file)


def check_training(params: dict, params_file: str | os.PathLike | None = None, **options) -> None:
    """What :func:`train` would refuse only once it runs (see registry.check_train)."""
    check_parameters(params, DEFAULT_PARAMS, params_file)


def train(corpus, params: dict | None = None, lexicons: dict | None = None, seed: int = 0,
          calibration_folds: int = 5, extra=None) -> StaticModel:
    """Train on a :class:`framing.corpus.Corpus`: calibrate and pick the threshold out of fold.

    ``extra`` (another ``Corpus``, e.g. sentences a teacher model labelled) is training
    data only: it joins every calibration fold's training part and the final fit, but
    the calibration, the threshold and the card's figures come from ``corpus`` alone.
    """
    params = dict(params or {})
    y = np.asarray(corpus.labels, dtype=int)
    if len(np.unique(y)) < 2:
        raise FramingError("the training corpus needs both loaded and neutral sentences", corpus.sources[0] if corpus.sources else None)
    counts = np.bincount(y, minlength=2)
    folds = int(min(calibration_folds, counts.min()))
    if folds < 2:
        raise FramingError("the training corpus needs at least two sentences of each label")
    if extra is not None:
        extra = extra.without_texts_of(corpus)
    extra = extra if extra is not None and len(extra) else None
    oof = out_of_fold_scores(corpus.texts, y, corpus.biased_words, params, lexicons, seed, folds, extra=extra)
    calibration = fit_calibration(oof, y)
    proba = sigmoid(calibration[0] * oof + calibration[1])
    threshold = choose_threshold(proba, y)
    texts, labels, words = corpus.texts, y, corpus.biased_words
    sections = {}
    if extra is not None:
        texts = list(texts) + list(extra.texts)
        labels = np.concatenate([y, extra.labels])
        words = list(words) + list(extra.biased_words)
        sections["extra_training_data"] = extra_training_section(extra)
    pipeline = fit_pipeline(texts, labels, words, params, lexicons, seed)
    note = "out-of-fold predictions of the training corpus; the threshold was chosen on these same folds"
    if extra is not None:
        note += " (the extra training sentences joined every fold's training part and were never scored)"
    card = training_card(KIND, TIER, corpus, y, proba, params=params, seed=seed, threshold=threshold,
                         calibration=calibration, folds=folds, libraries=library_versions(), note=note, **sections)
    return StaticModel(pipeline, calibration, threshold, card, names=fit_names(texts, lexicons))


def extra_training_section(extra) -> dict[str, Any]:
    """What a card records of training-only sentences (``--extra-train``)."""
    labels = np.asarray(extra.labels, dtype=int)
    return {"files": {str(k): v for k, v in extra.sha256.items()}, "sentences": int(len(labels)),
            "loaded": int(labels.sum()), "neutral": int(len(labels) - labels.sum()),
            "note": "training only: not used for calibration, the threshold or the cross-validation figures"}


def from_artifact(path: str | os.PathLike, card: dict[str, Any], model_class: type[StaticModel] | None = None,
                  attach=None) -> StaticModel:
    """Read an artifact whose card :func:`framing.model.card.read_card` has checked.

    A kind that stores its model as a static pipeline too (the accurate tier) loads
    through here with its own ``model_class``; ``attach(pipeline)`` puts back what
    its artifact leaves out (the encoder graph) before the model is tried. No
    scikit-learn version check: the file holds arrays and parameters, not
    scikit-learn's pickled internals, so any release in pyproject's range reads it.
    """
    path = Path(path)
    payload = load_arrays(path.read_bytes(), path)
    if not isinstance(payload, dict) or not {"pipeline", "calibration", "threshold"} <= payload.keys():
        raise FramingError("not a framing model file (no pipeline, calibration and threshold)", path)
    pipeline = payload["pipeline"]
    if attach is not None:
        attach(pipeline)
    try:
        # A model written before models carried their name table explains as it did
        # then: names can be among its cues (retrain it to keep them out).
        names = ProperNames.from_dict(payload["names"]) if "names" in payload else None
        model = (model_class or StaticModel)(pipeline, payload["calibration"], payload["threshold"], card, names=names)
    except (TypeError, ValueError, IndexError, AttributeError):
        raise FramingError("model file is damaged (calibration, threshold or name table)", path) from None
    try:
        # A model written by another version of framing's own transformers can
        # read fine and fail on first use; find out now, with a clear message.
        model.predict(["A council spokesman said the plan was approved on Tuesday."])
    except Exception as exc:
        trained_by = (card.get("libraries") or {}).get("framing", "?")
        raise FramingError(f"model does not work with this version of framing (trained by framing {trained_by}: "
                           f"{type(exc).__name__}); retrain with 'framing train'", path) from None
    return model
