"""What every model kind is: the interface scoring, batch, reports and the API rely on.

A kind (today ``static``, the fast tier; later ``accurate``) turns sentences into
calibrated probabilities of "loaded" and explains them with :class:`Cue` spans.
Everything above the model stage uses only this interface, so a new kind needs
no change there; ``framing.model.registry`` finds a kind's code by the name its
model card records.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, ClassVar, Sequence

import numpy as np

__all__ = ["LABELS", "Cue", "FramingModel", "Prediction", "Suggestion", "Technique"]

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
class Technique:
    """A propaganda technique (PTC's names) a sentence shows, with its calibrated probability."""

    name: str
    probability: float

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "probability": round(float(self.probability), 4)}


@dataclass(frozen=True)
class Suggestion:
    """A neutral alternative for a cue word: ``text`` replaces it ("" deletes it), and
    ``probability`` is the sentence's probability re-scored with that change."""

    text: str
    probability: float

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "probability": round(float(self.probability), 4)}


@dataclass(frozen=True)
class Prediction:
    text: str
    probability: float
    label: str
    cues: list[Cue] = field(default_factory=list)
    techniques: list[Technique] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "probability": round(float(self.probability), 4),
                "label": self.label, "cues": [c.to_dict() for c in self.cues]}


class FramingModel(ABC):
    """A fitted sentence classifier: calibrated probabilities, a threshold, cues and a card.

    Attributes
    ----------
    kind : str
        The name the card records and ``framing.model.load`` dispatches on.
    tier : str
        What the kind is for ("fast", "accurate"), shown to users.
    threshold : float
        Probability from which a sentence is labelled loaded.
    card : dict
        The model card (see :mod:`framing.model.card`).
    """

    kind: ClassVar[str]
    tier: ClassVar[str]
    threshold: float
    card: dict[str, Any]

    @abstractmethod
    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Calibrated probability that each sentence is loaded, shape ``(len(texts),)``."""

    def predict_proba_alone(self, texts: Sequence[str]) -> np.ndarray:
        """Each sentence's probability as ``predict_proba([text])`` gives it, for many texts in one call.

        Most kinds score a sentence on its own, whatever else is in the batch, so
        this is ``predict_proba``; a kind whose score of a sentence moves with the
        rest of its batch overrides it (framing.suggest lists probabilities a
        reader must be able to reproduce by scoring the rewritten sentence alone).
        """
        return self.predict_proba(texts)

    @abstractmethod
    def explain(self, texts: Sequence[str]) -> list[list[Cue]]:
        """Per sentence, the cues pushing it towards loaded, strongest first."""

    @abstractmethod
    def to_bytes(self) -> bytes:
        """The artifact's content; ``framing.model.save`` writes it with the card beside it."""

    def set_threads(self, n_threads: int) -> None:
        """Threads the model may use inside one process; batch scoring sets 1 per worker.

        Only kinds that run a multi-threaded engine (the accurate tier's onnxruntime
        session) use it."""

    def save_companions(self, path) -> dict[str, Any]:
        """Write files the artifact refers to beside ``path`` (the accurate tier's encoder
        folder); returns what the card records of them. Most kinds have none."""
        return {}

    def techniques(self, texts: Sequence[str]) -> list[list[Technique]]:
        """Per sentence, the propaganda techniques whose calibrated probability passes
        their threshold, likeliest first. Kinds without technique heads name none."""
        return [[] for _ in texts]

    def label(self, probabilities: np.ndarray) -> list[str]:
        return [LABELS[int(p >= self.threshold)] for p in probabilities]

    def predict(self, texts: Sequence[str], cues: bool = True, techniques: bool = True) -> list[Prediction]:
        """Label ``texts``; with ``cues``, explain them and (kinds that have a technique head,
        unless ``techniques`` is false) name their techniques."""
        texts = list(texts)
        proba = self.predict_proba(texts)
        labels = self.label(proba)
        explained = self.explain(texts) if cues else [[] for _ in texts]
        return [Prediction(t, float(p), lab, c) for t, p, lab, c in zip(texts, proba, labels, explained)]
