"""The accurate tier's encoder at run time: an exported ONNX graph run by onnxruntime.

``OnnxEncoder`` runs the graph that ``framing.model.finetune.export_onnx`` writes:
inputs ``input_ids`` / ``attention_mask``, outputs ``sentence_logit`` [batch] and
``token_logits`` [batch, seq] (and ``aux_sentence_logit`` [batch], PTC's sentence head,
where the run exported it). It imports numpy, onnxruntime and tokenizers only,
never torch, so scoring installs small wheels. The graph and the tokenizer are held
as bytes/str inside the object, so it can be sent to worker processes (each builds
its own session on first use).
"""

from __future__ import annotations

import operator
import threading
from contextlib import contextmanager
from typing import Iterator, Sequence

import numpy as np

from framing.features._tokens import TOKEN_RE

__all__ = ["AUX_FEATURE", "AUX_OUTPUT", "ENCODER_FEATURES", "GRAPH_INPUTS", "GRAPH_OUTPUTS", "OnnxEncoder",
           "POOLED_OUTPUT", "TECHNIQUE_METADATA", "TECHNIQUE_OUTPUT", "one_at_a_time"]

#: Outputs of ``OnnxEncoder.features``, in column order.
ENCODER_FEATURES = ("sentence", "token_max")
#: The third column, for a graph that exports PTC's sentence head (``AUX_OUTPUT``).
AUX_FEATURE = "ptc_sentence"

# The graph's names are a contract between the exporter (framing.model.finetune) and
# this runner: both read them from here, so neither can drift from the other.
#: Input names of the graph: token ids and attention mask, int64 [batch, seq].
GRAPH_INPUTS = ("input_ids", "attention_mask")
#: Output names every graph has: sentence logit [batch], token logits [batch, seq].
GRAPH_OUTPUTS = ("sentence_logit", "token_logits")
#: Optional third output: PTC's sentence logit [batch].
AUX_OUTPUT = "aux_sentence_logit"
#: Optional: the technique head's calibrated logits [batch, k] (framing.model.technique_train).
TECHNIQUE_OUTPUT = "technique_logits"
#: The graph's metadata key that describes the technique head (JSON: names, thresholds, shown).
TECHNIQUE_METADATA = "framing.techniques"
#: The mean-pooled encoder states [batch, hidden], exposed only while a head is trained.
POOLED_OUTPUT = "pooled"

WordScores = list[tuple[int, int, float]]

# Per thread, so a server scoring requests on several threads with one model never
# sees another request's setting.
_ALONE = threading.local()


@contextmanager
def one_at_a_time() -> Iterator[None]:
    """Within it, every encoder run on this thread scores each text in a batch of its own.

    The int8 graph quantizes a batch's activations together, so a text's scores move
    slightly with the texts batched beside it; alone, they are what scoring that text
    by itself gives, still in one pass of the pipeline (framing.suggest needs that).
    """
    before = getattr(_ALONE, "on", False)
    _ALONE.on = True
    try:
        yield
    finally:
        _ALONE.on = before


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


class OnnxEncoder:
    """Sentence logits and per-word token-head scores from an exported encoder.

    Texts are sorted by token length and run in batches padded only to the longest
    text of the batch; results come back in input order. Text past ``max_length``
    tokens is truncated: its words get no token score.

    Parameters
    ----------
    model : bytes
        The ONNX graph.
    tokenizer : str
        The ``tokenizer.json`` the encoder was trained with, as text.
    n_threads : int
        onnxruntime's intra-op threads (``framing predict --n-jobs`` sets it).
    """

    def __init__(self, model: bytes, tokenizer: str, n_threads: int = 1, batch_size: int = 32,
                 max_length: int = 128):
        self.model = model
        self.tokenizer = tokenizer
        self.n_threads = int(n_threads)
        self.batch_size = int(batch_size)
        self.max_length = int(max_length)
        self._session = None
        self._tok = None
        self._last = None

    def __getstate__(self):
        state = self.__dict__.copy()
        state["_session"] = state["_tok"] = state["_last"] = None
        return state

    def set_threads(self, n_threads: int) -> None:
        """Threads for the next session (a live session is rebuilt)."""
        if int(n_threads) != self.n_threads:
            self.n_threads = int(n_threads)
            self._session = None

    def _session_(self):
        if self._session is None:
            import onnxruntime as ort

            opts = ort.SessionOptions()
            opts.intra_op_num_threads = self.n_threads
            opts.inter_op_num_threads = 1
            opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
            self._session = ort.InferenceSession(self.model, opts, providers=["CPUExecutionProvider"])
        return self._session

    def _output_names(self) -> list[str]:
        return [o.name for o in self._session_().get_outputs()]

    def _has_aux(self) -> bool:
        # One test for both the column names and the run, so they cannot disagree.
        return AUX_OUTPUT in self._output_names()

    def metadata(self) -> dict[str, str]:
        """The graph's own key/value metadata (the technique head describes itself there)."""
        return dict(self._session_().get_modelmeta().custom_metadata_map)

    def outputs(self, texts: Sequence[str]) -> dict[str, np.ndarray]:
        """Every per-sentence output of the graph but the two the stack reads, by name:
        ``aux_sentence_logit`` [n], ``technique_logits`` [n, k] where the graph has them."""
        return self._run(texts)[2]

    def feature_names(self) -> list[str]:
        """Names of the ``features`` columns: two, or three where the graph has PTC's head."""
        return list(ENCODER_FEATURES) + ([AUX_FEATURE] if self._has_aux() else [])

    def _tokenizer_(self):
        if self._tok is None:
            from tokenizers import Tokenizer

            tok = Tokenizer.from_str(self.tokenizer)
            tok.enable_truncation(self.max_length)
            tok.no_padding()
            self._tok = tok
        return self._tok

    def score(self, texts: Sequence[str]) -> tuple[np.ndarray, list[WordScores]]:
        """Sentence logits [n] and, per text, ``(start, end, probability)`` per word.

        ``text[start:end]`` is a word as ``TOKEN_RE`` splits it; the probability is the
        token head's, the maximum over the word's sub-word tokens. The last call's
        result is kept: ``predict`` then ``explain`` on the same list run the encoder once.
        """
        return self._run(texts)[:2]

    def _run(self, texts: Sequence[str]) -> tuple[np.ndarray, list[WordScores], dict[str, np.ndarray]]:
        texts = list(texts)
        size = 1 if getattr(_ALONE, "on", False) else self.batch_size
        last = self._last
        if (last is not None and last[2] == size and len(last[0]) == len(texts)
                and all(map(operator.is_, last[0], texts))):
            return last[1]
        encs = self._tokenizer_().encode_batch(texts)
        n = len(encs)
        logits = np.zeros(n, dtype=np.float64)
        token_logits: list[np.ndarray] = [np.zeros(0, np.float32)] * n
        order = np.argsort([len(e.ids) for e in encs], kind="stable")
        session = self._session_()
        # Every output past the two the stack always reads is one row per sentence
        # (PTC's sentence logit, the technique head, a training run's pooled states).
        outputs = list(GRAPH_OUTPUTS) + [o for o in self._output_names() if o not in GRAPH_OUTPUTS]
        extra: dict[str, np.ndarray] = {}
        for start in range(0, n, size):
            idx = order[start:start + size]
            width = max(len(encs[i].ids) for i in idx)
            ids = np.zeros((len(idx), width), dtype=np.int64)
            attn = np.zeros((len(idx), width), dtype=np.int64)
            for row, i in enumerate(idx):
                k = len(encs[i].ids)
                ids[row, :k] = encs[i].ids
                attn[row, :k] = 1
            sent, tok, *rest = session.run(outputs, dict(zip(GRAPH_INPUTS, (ids, attn))))
            logits[idx] = sent
            for name, value in zip(outputs[2:], rest):
                if name not in extra:
                    extra[name] = np.zeros((n,) + value.shape[1:], dtype=np.float64)
                extra[name][idx] = value
            for row, i in enumerate(idx):
                token_logits[i] = tok[row, :len(encs[i].ids)]
        if n == 0:
            extra = {name: np.zeros(0) for name in outputs[2:]}
        words = [_word_scores(t, e.offsets, e.special_tokens_mask, tl)
                 for t, e, tl in zip(texts, encs, token_logits)]
        self._last = (texts, (logits, words, extra), size)
        return logits, words, extra

    def features(self, texts: Sequence[str]) -> np.ndarray:
        """[n, 2]: the sentence logit and the logit of the strongest word; [n, 3] with
        PTC's sentence logit where the graph exports it (``feature_names``)."""
        logits, words, extra = self._run(texts)
        aux = extra.get(AUX_OUTPUT)
        top = np.array([max((p for _, _, p in ws), default=0.5) for ws in words], dtype=np.float64)
        columns = [logits, _logit(top)] + ([aux] if aux is not None else [])
        return np.column_stack(columns) if len(logits) else np.zeros((0, len(columns)))


def _word_scores(text: str, offsets, special, token_logits: np.ndarray) -> WordScores:
    """Max token probability per word; tokens are matched to words by character overlap."""
    probs = 1.0 / (1.0 + np.exp(-token_logits.astype(np.float64)))
    toks = [(s, e, p) for (s, e), sp, p in zip(offsets, special, probs) if not sp and e > s]
    out: WordScores = []
    j = 0
    for m in TOKEN_RE.finditer(text):
        ws, we = m.span()
        while j < len(toks) and toks[j][1] <= ws:
            j += 1
        best = None
        k = j
        while k < len(toks) and toks[k][0] < we:
            best = toks[k][2] if best is None else max(best, toks[k][2])
            k += 1
        if best is not None:
            out.append((ws, we, float(best)))
    return out
