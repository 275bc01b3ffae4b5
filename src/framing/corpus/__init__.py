"""The corpus stage: labelled sentences in (BABE, the team's files, PTC), and getting BABE.

``readers`` reads files into a :class:`Corpus`; ``fetch`` finds or downloads the
pinned BABE release; ``ptc`` reads the Propaganda Techniques Corpus as
sentences; ``hyperpartisan`` reads SemEval-2019's journalist-labelled whole
articles. Other modules import from here.
"""

from __future__ import annotations

from framing.corpus.fetch import BABE_FILES, DEFAULT_BABE_NAME, default_corpus_path, fetch_babe, mirror_dir
from framing.corpus.hyperpartisan import HyperpartisanArticle, read_hyperpartisan
from framing.corpus.ptc import (
    LOADED_TECHNIQUES,
    PtcSentence,
    PtcSpan,
    label_ptc,
    loaded_words,
    ptc_label,
    read_ptc,
)
from framing.corpus.readers import (
    LOADED,
    NEUTRAL,
    Conflict,
    Corpus,
    CorpusReport,
    Duplicate,
    check_corpus_files,
    read_corpora,
    read_corpus,
)

__all__ = [
    "BABE_FILES", "DEFAULT_BABE_NAME", "LOADED", "LOADED_TECHNIQUES", "NEUTRAL", "Conflict", "Corpus",
    "CorpusReport", "Duplicate", "HyperpartisanArticle", "PtcSentence", "PtcSpan", "check_corpus_files",
    "default_corpus_path", "fetch_babe", "label_ptc", "loaded_words", "mirror_dir", "ptc_label", "read_corpora",
    "read_corpus", "read_hyperpartisan", "read_ptc",
]
