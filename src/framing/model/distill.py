"""The fast tier taught by the accurate one: a teacher model's confident labels on unlabelled news.

The accurate tier (the teacher) scores sentences nobody labelled for this purpose
(``benchmarks/distill.py``: PTC's training articles, whose own labels are not read). The
sentences it is confident about become training-only sentences for the fast tier
(``framing train --extra-train``): loaded at probability ``high`` and above, neutral at
``low`` and below, the rest left out. A loaded sentence's word annotations are the
teacher's strongest cues, so the fast tier's loaded-word lexicon learns from them too:
the teacher's reading of wording from outlets and topics BABE does not have.

Measured (docs/model.md), it helps the fast tier on other outlets' text but not on
BABE, so the shipped fast model does not use it.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from typing import Sequence

import numpy as np

__all__ = ["DISTILL_DEFAULTS", "PseudoLabels", "pseudo_label"]

#: ``pseudo_label``'s cut-offs and cue count by default (``benchmarks/distill.py`` uses them).
DISTILL_DEFAULTS: dict = {"high": 0.8, "low": 0.1, "max_cues": 2}


@dataclass
class PseudoLabels:
    """The teacher's confident sentences, in input order."""

    texts: list[str]
    labels: list[int]
    biased_words: list[list[str]]
    scored: int

    def to_csv(self) -> str:
        """A corpus file (``text,label,biased_words``) that ``framing.corpus.read_corpus`` reads."""
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(["text", "label", "biased_words"])
        for text, label, words in zip(self.texts, self.labels, self.biased_words):
            w.writerow([text, "loaded" if label else "neutral", json.dumps(words, ensure_ascii=False)])
        return buf.getvalue()

    def summary(self) -> dict:
        loaded = int(sum(self.labels))
        return {"scored": self.scored, "kept": len(self.labels), "loaded": loaded,
                "neutral": len(self.labels) - loaded}


def pseudo_label(teacher, texts: Sequence[str], high: float = DISTILL_DEFAULTS["high"],
                 low: float = DISTILL_DEFAULTS["low"], max_cues: int = DISTILL_DEFAULTS["max_cues"]) -> PseudoLabels:
    """Label ``texts`` with ``teacher`` (any framing model), keeping its confident calls.

    Repeated texts are kept once, so one sentence cannot weigh twice.
    """
    if not 0.0 <= low < high <= 1.0:
        raise ValueError(f"need 0 <= low < high <= 1, got low={low}, high={high}")
    if max_cues < 1:
        raise ValueError(f"max_cues must be at least 1, got {max_cues}")
    unique = list(dict.fromkeys(t for t in texts if t and t.strip()))
    proba = np.asarray(teacher.predict_proba(unique), dtype=float) if unique else np.zeros(0)
    loaded = [i for i, p in enumerate(proba) if p >= high]
    cues = dict(zip(loaded, teacher.explain([unique[i] for i in loaded]))) if loaded else {}
    keep = [i for i, p in enumerate(proba) if p >= high or p <= low]
    words = [[c.text for c in sorted(cues[i], key=lambda c: (-c.weight, c.start)) if c.weight > 0][:max_cues]
             if i in cues else [] for i in keep]
    return PseudoLabels([unique[i] for i in keep], [int(proba[i] >= high) for i in keep], words, len(unique))
