"""The accurate tier: a fine-tuned transformer encoder stacked with the static feature groups.

The encoder (all-MiniLM-L6-v2, fine-tuned on BABE with a sentence head and a token
head, and PTC's loaded language as a second task) runs as an int8 ONNX graph under
onnxruntime; its scores (the sentence logit, the strongest word of the token head and,
where exported, PTC's sentence logit) join the fast tier's feature groups
in the calibrated logistic regression. So threshold, calibration, card and cues work
as in the fast tier, and the encoder's cues come from its own token scores.

On disk the model is the fast tier's artifact and card plus the fine-tuning run's
folder beside them (``NAME.encoder/``: the ONNX graph, tokenizer.json, run.json),
which the card names with the graph's SHA-256: the 20-odd MB graph is stored once,
as the run wrote it, and checked before it is loaded.

This module is the runtime: numpy, scikit-learn, onnxruntime and tokenizers, never
torch. Training lives in :mod:`framing.model.accurate_train` (torch, an extra); only
:func:`check_training`, which ``framing train`` calls first, imports it.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from framing.errors import FramingError
from framing.features.onnx_encoder import TECHNIQUE_METADATA, TECHNIQUE_OUTPUT, OnnxEncoder, one_at_a_time
from framing.model.base import Prediction, Technique
from framing.model.static import StaticModel, check_parameters
from framing.model.static import from_artifact as load_static

__all__ = ["KIND", "TIER", "TRAINER", "AccurateModel", "check_training", "encoder_dir_for", "from_artifact"]

KIND = "accurate"
TIER = "accurate"
#: The module that trains this kind (imported only by ``framing train``).
TRAINER = "framing.model.accurate_train"


def encoder_dir_for(model_path: str | os.PathLike) -> Path:
    """Where a model's fine-tuning run lives: ``NAME.encoder/`` beside ``NAME.framing``
    (``NAME`` may hold dots: ``v1.2.framing`` keeps its run in ``v1.2.encoder/``)."""
    p = Path(model_path)
    return p.with_name(p.with_suffix("").name + ".encoder")


def check_training(params: dict, params_file: str | os.PathLike | None = None, *,
                   encoder_dir: str | os.PathLike | None = None, encoder_run: str | os.PathLike | None = None,
                   ptc_dir: str | os.PathLike | None = None, **options) -> None:
    """What training this tier would refuse only minutes in, after the corpus is read or
    after the fine-tuning (see registry.check_train): the parameters, the encoder or the
    finished run, and PTC's folder when the parameters ask for its sentences.

    Imports the trainer (torch) through importlib, as registry.train does: training needs
    it next anyway, and a missing train extra is better said before the corpus is read.
    """
    import importlib

    from framing.features import DEFAULT_PARAMS

    try:
        trainer = importlib.import_module(TRAINER)
        finetune = importlib.import_module("framing.model.finetune")
    except ImportError as exc:
        raise FramingError(f"training the accurate tier needs the train extra: pip install 'framing[train]' "
                           f"(cannot import {exc.name})") from None
    check_parameters(params, {**DEFAULT_PARAMS, **finetune.FINETUNE_DEFAULTS}, params_file)
    if encoder_run is not None:
        root = Path(encoder_run)
        missing = [name for name in finetune.RUN_FILES.values() if not (root / name).is_file()]
        if missing:
            raise FramingError(f"not a fine-tuning run folder (missing {', '.join(missing)})", root)
        return  # a finished run: nothing is fine-tuned and PTC is not read
    encoder = trainer.default_encoder_dir(encoder_dir)
    if not encoder.is_dir():
        raise FramingError("no such encoder folder", encoder)
    missing = [name for name in finetune.ENCODER_FILES if not (encoder / name).is_file()]
    if missing:
        raise FramingError(f"encoder folder lacks {', '.join(missing)}", encoder)
    if int(params.get("ptc_sentences", finetune.FINETUNE_DEFAULTS["ptc_sentences"])) > 0:
        from framing.corpus.ptc import ARTICLES_DIR
        from framing.paths import default_ptc_dir, require

        root = ptc_dir or default_ptc_dir()
        if root is None:
            raise require("PTC folder (params ask for ptc_sentences)", "--ptc DIR", "FRAMING_PTC")
        if not (Path(root) / ARTICLES_DIR).is_dir():
            raise FramingError(f"not a PTC folder (no {ARTICLES_DIR}/)", root)


def _encoder_group(pipeline):
    return dict(pipeline.named_steps["features"].transformer_list)["encoder"]


class AccurateModel(StaticModel):
    """A static pipeline whose feature union holds an ``encoder`` group (an ONNX encoder).

    ``run`` is the fine-tuning run (:class:`framing.model.finetune.EncoderRun`) a
    freshly trained model holds; a loaded one knows the folder it came from
    (``run_dir``) instead, and saving it elsewhere copies that folder.
    """

    kind = KIND
    tier = TIER

    def __init__(self, pipeline, calibration, threshold, card, run=None, run_dir=None, names=None):
        super().__init__(pipeline, calibration, threshold, card, names=names)
        self.run = run
        self.run_dir = run_dir

    def set_threads(self, n_threads: int) -> None:
        _encoder_group(self.pipeline).encoder.set_threads(n_threads)

    def predict_proba_alone(self, texts) -> np.ndarray:
        # The int8 graph quantizes each batch's activations together (dynamic
        # quantization), so a sentence's probability moves, by up to 0.05 on the seed
        # articles, with the sentences batched beside it: the encoder runs each alone,
        # in one pass of the pipeline (twice as fast as a call per sentence).
        with one_at_a_time():
            return self.predict_proba(texts)

    def technique_head(self) -> dict[str, Any] | None:
        """What the graph's technique head names: ``names``, ``thresholds``, ``shown`` (the
        techniques listed by default: held-out ROC-AUC and precision high enough, see
        docs/techniques.md) and the held-out figures behind ``shown``; None for a graph
        without one. Read once per model: every scored batch asks."""
        cached = self.__dict__.get("_technique_head", False)
        if cached is not False:
            return cached
        encoder = _encoder_group(self.pipeline).encoder
        raw = encoder.metadata().get(TECHNIQUE_METADATA)
        head = None
        if raw is not None:
            try:
                head = json.loads(raw)
                k = len(head["names"])
                if not (len(head["thresholds"]) == len(head["shown"]) == k):
                    raise ValueError
            except (ValueError, KeyError, TypeError):
                raise FramingError("the encoder graph's technique head description is corrupt") from None
        self._technique_head = head
        return head

    def technique_probabilities(self, texts: Sequence[str]) -> np.ndarray | None:
        """Calibrated probability of every technique [n, k], or None without a head."""
        out = _encoder_group(self.pipeline).encoder.outputs(list(texts)).get(TECHNIQUE_OUTPUT)
        return None if out is None else 1.0 / (1.0 + np.exp(-out))

    def techniques(self, texts: Sequence[str], every: bool = False) -> list[list[Technique]]:
        """Per sentence, the techniques whose calibrated probability reaches their threshold,
        likeliest first; only those shown by default unless ``every``."""
        texts = list(texts)
        head = self.technique_head()
        probs = self.technique_probabilities(texts) if head is not None and texts else None
        if probs is None:
            return [[] for _ in texts]
        names, cuts, shown = head["names"], head["thresholds"], head["shown"]
        out = []
        for row in probs:
            hits = [Technique(names[j], float(row[j])) for j in range(len(names))
                    if row[j] >= cuts[j] and (every or shown[j])]
            out.append(sorted(hits, key=lambda t: -t.probability))
        return out

    def predict(self, texts: Sequence[str], cues: bool = True, techniques: bool = True) -> list[Prediction]:
        # With cues (score, compare, predict --explain) the techniques come along: the
        # encoder keeps its last pass, so they cost only the head's small product; plain
        # `framing predict` prints none, so it asks for none.
        texts = list(texts)
        predictions = super().predict(texts, cues=cues)
        if not cues or not techniques or not texts:
            return predictions
        return [Prediction(p.text, p.probability, p.label, p.cues, t)
                for p, t in zip(predictions, self.techniques(texts))]

    def to_bytes(self) -> bytes:
        # The graph is stored once, in the run's folder: the artifact holds the rest.
        group = _encoder_group(self.pipeline)
        encoder, group.encoder = group.encoder, None
        try:
            return super().to_bytes()
        finally:
            group.encoder = encoder

    def save_companions(self, path: str | os.PathLike) -> dict[str, Any]:
        """Write the run's folder beside the model (unless the very same run is there)
        and return what the card records of it."""
        target = encoder_dir_for(path)
        digest = hashlib.sha256(_encoder_group(self.pipeline).encoder.model).hexdigest()
        current = target / "model.onnx"
        if not (current.is_file() and hashlib.sha256(current.read_bytes()).hexdigest() == digest):
            if self.run is not None:
                self.run.save(target)
            else:
                _copy_folder(self.run_dir, target)
        return {"encoder_run": {"dir": target.name, "graph_sha256": digest}}


def _copy_folder(source: Path, target: Path) -> None:
    """Copy a run's folder whole or not at all."""
    import shutil

    from framing.textio import atomic_folder

    with atomic_folder(target) as tmp:
        shutil.copytree(source, tmp, dirs_exist_ok=True)


def from_artifact(path: str | os.PathLike, card: dict[str, Any]) -> AccurateModel:
    """Load an artifact whose card :func:`framing.model.card.read_card` has checked,
    with the encoder from the run folder the card names (hash-checked first)."""
    entry = card.get("encoder_run") or {}
    root = Path(path).parent / str(entry.get("dir", ""))
    graph_file = root / "model.onnx"
    if not entry or not graph_file.is_file():
        raise FramingError(f"the accurate model's encoder folder {root.name or '?'} is missing beside it", path)
    graph = graph_file.read_bytes()
    if hashlib.sha256(graph).hexdigest() != entry.get("graph_sha256"):
        raise FramingError("the encoder graph is corrupt or does not match the model card (SHA-256 differs)",
                           graph_file)
    tokenizer = (root / "tokenizer.json").read_text(encoding="utf-8")
    max_length = int((card.get("parameters") or {}).get("max_length", 128))

    def attach(pipeline) -> None:
        _encoder_group(pipeline).encoder = OnnxEncoder(graph, tokenizer, max_length=max_length)

    model = load_static(path, card, model_class=AccurateModel, attach=attach)
    model.run_dir = root
    return model
