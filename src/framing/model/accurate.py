"""The accurate tier: a fine-tuned transformer encoder stacked with the static feature groups.

The encoder (all-MiniLM-L6-v2, fine-tuned on BABE with a sentence head and a token
head) runs as an int8 ONNX graph under onnxruntime; its two scores (the sentence
logit and the strongest word of the token head) join the fast tier's feature groups
in the calibrated logistic regression. So threshold, calibration, card and cues work
as in the fast tier, and the cues of the encoder come from its own token scores.

This module is the runtime: it needs numpy, scikit-learn, onnxruntime and tokenizers,
never torch. Training lives in :mod:`framing.model.accurate_train` (torch, an extra).
"""

from __future__ import annotations

import os
from typing import Any

from framing.model.static import StaticModel
from framing.model.static import from_artifact as _load_static

__all__ = ["KIND", "TIER", "TRAINER", "AccurateModel", "from_artifact"]

KIND = "accurate"
TIER = "accurate"
#: The module that trains this kind (imported only by ``framing train``).
TRAINER = "framing.model.accurate_train"


class AccurateModel(StaticModel):
    """A static pipeline whose feature union holds an ``encoder`` group (an ONNX encoder)."""

    kind = KIND
    tier = TIER

    def set_threads(self, n_threads: int) -> None:
        for name, group in self.pipeline.named_steps["features"].transformer_list:
            if name == "encoder":
                group.encoder.set_threads(n_threads)


def from_artifact(path: str | os.PathLike, card: dict[str, Any]) -> AccurateModel:
    """Load an artifact whose card :func:`framing.model.card.read_card` has checked."""
    return _load_static(path, card, model_class=AccurateModel)
