"""Static wordllama word vectors, read offline from the files in its wheel (training time only)."""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from framing.errors import FramingError
from framing.features._tokens import TOKEN_RE

__all__ = ["wordllama_tables", "wordllama_words", "word_vectors", "base_vocabulary"]


@lru_cache(maxsize=1)
def wordllama_tables():
    """(embedding matrix float32, tokenizer) from the files bundled in the wordllama wheel.

    Loaded directly, offline (the package's own loader looks in the wrong folder and
    then tries the network).
    """
    try:
        import wordllama
        from safetensors import safe_open
        from tokenizers import Tokenizer
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise FramingError(
            f"the embedding features need the wordllama package at training time ({exc}); "
            "install it or set model params use_embedding/loaded_embedding_prior to false"
        ) from exc
    from pathlib import Path

    root = Path(wordllama.__file__).parent
    wfile = root / "weights" / "l2_supercat_256.safetensors"
    tfile = root / "tokenizers" / "l2_supercat_tokenizer_config.json"
    if not wfile.is_file() or not tfile.is_file():
        raise FramingError("wordllama's bundled weights/tokenizer not found", path=root)
    with safe_open(str(wfile), framework="numpy") as fh:
        emb = fh.get_tensor("embedding.weight").astype(np.float32)
    return emb, Tokenizer.from_file(str(tfile))


@lru_cache(maxsize=2)
def wordllama_words(lower: bool = True) -> tuple[str, ...]:
    """Whole words of the wordllama vocabulary (a general English word list)."""
    _, tok = wordllama_tables()
    words = set()
    for t in tok.get_vocab():
        if t.startswith("\u2581") and len(t) > 2:
            w = t[1:].lower() if lower else t[1:]
            if TOKEN_RE.fullmatch(w):
                words.add(w)
    return tuple(sorted(words))


def word_vectors(words: list[str], return_pieces: bool = False):
    """Static 256-d vector per word: mean of its wordllama sub-word vectors
    (and, with ``return_pieces``, the number of sub-words)."""
    emb, tok = wordllama_tables()
    out = np.zeros((len(words), emb.shape[1]), dtype=np.float32)
    pieces = np.zeros(len(words))
    if words:
        encs = tok.encode_batch(list(words), add_special_tokens=False)
        for i, e in enumerate(encs):
            ids = [j for j in e.ids if j > 2]
            if ids:
                out[i] = emb[ids].mean(axis=0)
                pieces[i] = len(ids)
    return (out, pieces) if return_pieces else out


def base_vocabulary(lexicons: dict | None, texts_words, with_wordllama: bool) -> list[str]:
    words = set(texts_words)
    if lexicons:
        for key in ("bias", "assertives", "factives", "hedges", "implicatives", "report_verbs",
                    "subj_strong", "subj_weak"):
            words.update(w for w in lexicons.get(key, ()) if TOKEN_RE.fullmatch(w))
        words.update(w for w in lexicons.get("vad", {}) if TOKEN_RE.fullmatch(w))
    if with_wordllama:
        words.update(wordllama_words())
    return sorted(words)
