"""The model stage: train, calibrate, choose a threshold, explain, persist.

A :class:`FramingModel` bundles the scikit-learn pipeline built by
:mod:`framing.features` with a Platt calibrator and a decision threshold, both
fitted on out-of-fold scores of the training data only, so the probabilities a
user sees are calibrated and the threshold was never chosen on test data.

On disk a model is two files: ``NAME.joblib`` (the pickled payload) and
``NAME.card.json`` (the model card: format version, library versions, SHA-256
of the artifact and of the training data, parameters, threshold and CV
figures). Loading reads the card first and checks the artifact's hash before
unpickling anything, so a corrupt, truncated or substituted file is refused with
a clear message instead of being executed or failing deep inside joblib.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import pickle
import platform
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import joblib
import numpy as np
import sklearn
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict

from framing import __version__
from framing.errors import FramingError
from framing.hashing import sha256_file
from framing.textio import atomic_open

FORMAT_NAME = "framing-model"
FORMAT_VERSION = 2  # 2: the pipeline is stored as one pickled blob inside the joblib payload
MODEL_SUFFIX = ".joblib"
CARD_SUFFIX = ".card.json"
LABELS = ("neutral", "loaded")


@dataclass(frozen=True)
class Cue:
    """A word or phrase that pushes a sentence towards "loaded"."""

    text: str
    start: int
    end: int
    weight: float

    def to_dict(self, offset: int = 0) -> dict[str, Any]:
        return {"text": self.text, "start": self.start + offset, "end": self.end + offset,
                "weight": round(float(self.weight), 4)}


@dataclass(frozen=True)
class Prediction:
    text: str
    probability: float
    label: str
    cues: list[Cue] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "probability": round(float(self.probability), 4),
                "label": self.label, "cues": [c.to_dict() for c in self.cues]}


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def _library_versions() -> dict[str, str]:
    import scipy

    return {"framing": __version__, "python": platform.python_version(), "scikit-learn": sklearn.__version__,
            "numpy": np.__version__, "scipy": scipy.__version__, "joblib": joblib.__version__}


def _minor(version: str) -> str:
    return ".".join(version.split(".")[:2])


class FramingModel:
    """A fitted sentence classifier with calibrated probabilities and cues."""

    def __init__(self, pipeline, calibration: tuple[float, float], threshold: float, card: dict[str, Any]):
        self.pipeline = pipeline
        self.calibration = (float(calibration[0]), float(calibration[1]))
        self.threshold = float(threshold)
        self.card = card

    # -- scoring ---------------------------------------------------------
    def decision_function(self, texts: Sequence[str]) -> np.ndarray:
        return np.asarray(self.pipeline.decision_function(list(texts)), dtype=float)

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Calibrated probability that each sentence is loaded."""
        if len(texts) == 0:
            return np.zeros(0)
        a, b = self.calibration
        return _sigmoid(a * self.decision_function(texts) + b)

    def explain(self, texts: Sequence[str]) -> list[list[Cue]]:
        from framing.features import explain

        spans = explain(self.pipeline, list(texts))
        return [[Cue(t[s:e], s, e, w) for s, e, w in sp] for t, sp in zip(texts, spans)]

    def label(self, probabilities: np.ndarray) -> list[str]:
        return [LABELS[int(p >= self.threshold)] for p in probabilities]

    def predict(self, texts: Sequence[str], cues: bool = True) -> list[Prediction]:
        texts = list(texts)
        proba = self.predict_proba(texts)
        labels = self.label(proba)
        explained = self.explain(texts) if cues else [[] for _ in texts]
        return [Prediction(t, float(p), lab, c) for t, p, lab, c in zip(texts, proba, labels, explained)]


# -- training ---------------------------------------------------------------

def _fit_params(biased_words: Sequence[Sequence[str]] | None) -> dict[str, Any]:
    return {} if biased_words is None else {"biased_words": list(biased_words)}


def fit_pipeline(texts: Sequence[str], y: np.ndarray, biased_words=None, params: dict | None = None,
                 lexicons: dict | None = None, seed: int = 0):
    """Fit a fresh pipeline; the word-level annotations reach the features by metadata routing."""
    from framing.features import build_pipeline

    pipeline = build_pipeline(dict(params or {}), lexicons or {}, random_state=seed)
    with sklearn.config_context(enable_metadata_routing=True):
        pipeline.fit(list(texts), np.asarray(y), **_fit_params(biased_words))
    return pipeline


def out_of_fold_scores(texts, y, biased_words=None, params=None, lexicons=None, seed=0, folds=5) -> np.ndarray:
    """Decision scores for every training sentence from a model that did not see it."""
    from framing.features import build_pipeline

    pipeline = build_pipeline(dict(params or {}), lexicons or {}, random_state=seed)
    cv = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    with sklearn.config_context(enable_metadata_routing=True):
        return cross_val_predict(pipeline, list(texts), np.asarray(y), cv=cv, method="decision_function",
                                 params=_fit_params(biased_words))


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


def train(corpus, params: dict | None = None, lexicons: dict | None = None, seed: int = 0,
          calibration_folds: int = 5) -> FramingModel:
    """Train on a :class:`framing.corpus.Corpus`: calibrate and pick the threshold out of fold."""
    from framing import evaluation

    params = dict(params or {})
    y = np.asarray(corpus.labels, dtype=int)
    if len(np.unique(y)) < 2:
        raise FramingError("the training corpus needs both loaded and neutral sentences", corpus.sources[0] if corpus.sources else None)
    counts = np.bincount(y, minlength=2)
    folds = int(min(calibration_folds, counts.min()))
    if folds < 2:
        raise FramingError("the training corpus needs at least two sentences of each label")
    oof = out_of_fold_scores(corpus.texts, y, corpus.biased_words, params, lexicons, seed, folds)
    calibration = fit_calibration(oof, y)
    proba = _sigmoid(calibration[0] * oof + calibration[1])
    threshold = choose_threshold(proba, y)
    pipeline = fit_pipeline(corpus.texts, y, corpus.biased_words, params, lexicons, seed)
    card = {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "libraries": _library_versions(),
        "parameters": params,
        "seed": seed,
        "threshold": threshold,
        "calibration": {"method": "platt", "a": calibration[0], "b": calibration[1], "folds": folds},
        "training_data": {
            "files": {str(k): v for k, v in corpus.sha256.items()},
            "sentences": int(len(y)),
            "loaded": int(counts[1]),
            "neutral": int(counts[0]),
        },
        "cross_validation": {
            "folds": folds,
            "note": "out-of-fold predictions of the training corpus; the threshold was chosen on these same folds",
            **evaluation.binary_metrics(y, proba, threshold),
        },
    }
    return FramingModel(pipeline, calibration, threshold, card)


# -- persistence -----------------------------------------------------------

def card_path(model_path: str | os.PathLike) -> Path:
    p = Path(model_path)
    return p.with_name(p.name[: -len(MODEL_SUFFIX)] + CARD_SUFFIX if p.name.endswith(MODEL_SUFFIX) else p.name + CARD_SUFFIX)


def save(model: FramingModel, path: str | os.PathLike) -> Path:
    """Write the artifact and its card, each atomically.

    The artifact is serialised in memory first (models are a few MB) so its
    hash is known before anything touches the disk. The two renames happen
    back to back; should a crash fall between them, the old card no longer
    matches the new artifact and loading refuses it rather than using it.
    """
    path = Path(path)
    if path.suffix != MODEL_SUFFIX:
        raise FramingError(f"a model file name must end in {MODEL_SUFFIX}", path)
    # The pipeline goes in as one pickled blob: joblib unpickles with a
    # pure-Python unpickler, which takes seconds over the hundreds of thousands
    # of small objects in the vocabularies; the C unpickler takes a fraction.
    # joblib still compresses the whole payload.
    payload = {"format": FORMAT_NAME, "format_version": FORMAT_VERSION,
               "pipeline": pickle.dumps(model.pipeline, protocol=pickle.HIGHEST_PROTOCOL),
               "calibration": model.calibration, "threshold": model.threshold}
    buffer = io.BytesIO()
    joblib.dump(payload, buffer, compress=3)
    data = buffer.getvalue()
    card = dict(model.card, format=FORMAT_NAME, format_version=FORMAT_VERSION, artifact={"file": path.name, "sha256": hashlib.sha256(data).hexdigest(),
                                      "bytes": len(data)})
    with atomic_open(path, "wb") as fh:
        fh.write(data)
    with atomic_open(card_path(path), "w") as fh:
        fh.write(json.dumps(card, indent=2, sort_keys=True) + "\n")
    model.card = card
    return path


def load(path: str | os.PathLike) -> FramingModel:
    """Load a model, refusing corrupt, foreign or version-mismatched files."""
    path = Path(path)
    if not path.exists():
        raise FramingError("no such model file", path)
    if path.is_dir():
        raise FramingError("is a directory, not a model file", path)
    cpath = card_path(path)
    if not cpath.exists():
        raise FramingError(f"model card {cpath.name} is missing beside the model; retrain with 'framing train'", path)
    try:
        card = json.loads(cpath.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError):
        raise FramingError("model card is not valid JSON", cpath) from None
    if not isinstance(card, dict) or card.get("format") != FORMAT_NAME:
        raise FramingError("not a framing model card", cpath)
    if card.get("format_version") != FORMAT_VERSION:
        raise FramingError(f"model format version {card.get('format_version')} is not supported "
                           f"(this framing reads version {FORMAT_VERSION}); retrain with 'framing train'", path)
    expected = (card.get("artifact") or {}).get("sha256")
    if not expected or sha256_file(path) != expected:
        raise FramingError("model file is corrupt or does not match its card (SHA-256 differs)", path)
    trained = (card.get("libraries") or {}).get("scikit-learn", "")
    if _minor(trained) != _minor(sklearn.__version__):
        raise FramingError(f"model was trained with scikit-learn {trained} but {sklearn.__version__} is installed; "
                           f"install scikit-learn=={trained} or retrain with 'framing train'", path)
    try:
        payload = joblib.load(path)
    except Exception as exc:  # unpickling can fail in many ways; all mean the same to a user
        raise FramingError(f"cannot read model: {type(exc).__name__}", path) from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT_NAME:
        raise FramingError("not a framing model", path)
    try:
        pipeline = pickle.loads(payload["pipeline"])
    except Exception as exc:
        raise FramingError(f"cannot read model: {type(exc).__name__}", path) from None
    model = FramingModel(pipeline, payload["calibration"], payload["threshold"], card)
    try:
        # A model pickled by another version of framing's own transformers can
        # unpickle fine and fail on first use; find out now, with a clear message.
        model.predict(["A council spokesman said the plan was approved on Tuesday."])
    except Exception as exc:
        trained_by = (card.get("libraries") or {}).get("framing", "?")
        raise FramingError(f"model does not work with this version of framing (trained by framing {trained_by}: "
                           f"{type(exc).__name__}); retrain with 'framing train'", path) from None
    return model


def default_model_path() -> Path:
    """$FRAMING_MODEL, else the model shipped in the repository's models/ folder."""
    env = os.environ.get("FRAMING_MODEL")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2] / "models" / "framing.joblib"


def load_default() -> FramingModel:
    path = default_model_path()
    if not path.exists():
        raise FramingError("the default model is missing; run 'framing train' or pass --model", path)
    return load(path)
