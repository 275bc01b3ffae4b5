"""Sentence features and the classifier pipeline for loaded-framing detection.

Every feature is a sum (or a max) over the words of a sentence, so the linear
classifier's decision splits exactly into per-word contributions; ``explain``
returns them. Feature groups (each a scikit-learn transformer on raw strings):

``LoadedWords``    loaded-word lexicon learned from BABE's word annotations
                   (``biased_words``), cross-fitted inside the training data;
                   words never annotated get a prior from a word-level model on
                   static wordllama embeddings (+ lexicon flags).
``LexiconCues``    counts of words from the Recasens/MPQA/NRC-VAD lexicons.
``StyleCues``      rhetorical questions, exclamations, scare quotes,
                   intensifiers/superlatives, loaded verbs of saying, 2nd person.
``SentenceEmbedding`` mean wordllama word vector, stacked into one score.
``NgramTfidf``     word 1-2-gram TF-IDF (learns topics/outlets; down-weighted).
``ProperNames``    not a feature group: the capitalisation table that tells proper
                   names (never shown as cues) from wording.
``EncoderScore``   the accurate tier's fine-tuned transformer (an ONNX graph): its
                   sentence logit and strongest token-head word, stacked.

Words inside a direct quote (a quoted stretch of >= 4 words) are the source's
voice, not the outlet's: the word-level groups count them separately.

A fitted pipeline needs neither the lexicon files nor wordllama: everything is
stored as per-word tables inside the estimators.

The package holds one module per feature group (``loaded_words``,
``lexicon_cues``, ``style``, ``embedding``, ``ngrams``) and ``pipeline``, which
assembles them; the underscore modules are its engine (tokens and quote masks,
the batch, wordllama vectors, morphology). Other modules use only the names
below.
"""

from __future__ import annotations

from framing.features._batch import (
    Batch,
    TextTransformer,
    WordTable,
    clear_thread_caches,
    get_batch,
    token_spans,
    word_table,
)
from framing.features._tokens import (
    DIRECT_QUOTE_MIN_WORDS,
    TOKEN_RE,
    quote_mask,
    quoted_stretches,
    tokenize_spans,
    tokenize_words,
)
from framing.features._wordllama import word_vectors
from framing.features.embedding import SentenceEmbedding
from framing.features.encoder import EncoderScore
from framing.features.onnx_encoder import OnnxEncoder
from framing.features.lexicon_cues import LEXICON_FLAGS, LexiconCues
from framing.features.loaded_words import LoadedWords
from framing.features.names import NEVER_NAMES, ProperNames, known_words
from framing.features.ngrams import NgramScore, NgramTfidf
from framing.features.pipeline import DEFAULT_PARAMS, FUNCTION_WORDS, build_pipeline, decide_and_explain, explain
from framing.features.style import INTENSIFIERS, LOADED_SAYING, NEUTRAL_SAYING, StyleCues

__all__ = [
    "DEFAULT_PARAMS", "DIRECT_QUOTE_MIN_WORDS", "EncoderScore", "FUNCTION_WORDS", "INTENSIFIERS", "LEXICON_FLAGS",
    "LOADED_SAYING", "NEUTRAL_SAYING", "NEVER_NAMES", "TOKEN_RE", "Batch", "LexiconCues", "LoadedWords", "NgramScore", "ProperNames",
    "NgramTfidf", "OnnxEncoder", "SentenceEmbedding", "StyleCues", "TextTransformer", "build_pipeline", "decide_and_explain", "explain",
    "get_batch", "known_words", "quote_mask", "WordTable", "clear_thread_caches", "token_spans", "word_table", "quoted_stretches", "tokenize_spans", "tokenize_words", "word_vectors",
]
