"""The model stage: kinds of sentence classifier behind one interface, their cards and files.

``base`` is the interface (:class:`FramingModel`, :class:`Prediction`, :class:`Cue`);
``static`` the fast tier; ``accurate`` the accurate tier's runtime (its torch training
code is ``accurate_train`` and ``finetune``, imported only to train); ``calibration`` the Platt fit and threshold shared by
kinds; ``card`` the model card and the checks before loading; ``registry`` finds
a kind by name for ``train``, ``save`` and ``load``.
"""

from __future__ import annotations

from framing.model.base import LABELS, Cue, FramingModel, Prediction, Suggestion, Technique
from framing.model.calibration import choose_threshold, fit_calibration, out_of_fold_scores, sigmoid
from framing.model.card import CARD_SUFFIX, FORMAT_NAME, FORMAT_VERSION, MODEL_SUFFIX, card_path
from framing.model.registry import (
    DEFAULT_KIND, DEFAULT_TIER, KINDS, MODEL_FILES, TIERS, check_train, default_model_path, kind_for_tier, kind_module,
    load, load_default, save, train,
)
from framing.model.static import StaticModel

__all__ = [
    "CARD_SUFFIX", "DEFAULT_KIND", "DEFAULT_TIER", "MODEL_FILES", "TIERS", "kind_for_tier", "FORMAT_NAME", "FORMAT_VERSION", "KINDS", "LABELS", "MODEL_SUFFIX", "Cue", "Suggestion", "Technique",
    "FramingModel", "Prediction", "StaticModel", "card_path", "check_train", "choose_threshold", "default_model_path",
    "fit_calibration", "kind_module", "load", "load_default", "out_of_fold_scores", "save", "sigmoid", "train",
]
