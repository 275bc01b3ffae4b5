"""Find and read the third-party cue lexicons (training-time input only).

The lexicons live outside the repository (``../shared/lexicons`` next to the
repo, or wherever the ``FRAMING_LEXICONS`` environment variable points; see
:mod:`framing.paths`). They are read once when a model is trained; everything a
fitted model needs from them is copied into the estimator as plain Python sets/dicts, so a pickled model
needs no lexicon files.

``load_lexicons()`` returns a dict with these keys:

``bias``         set[str]   Recasens et al. (2013) bias-inducing lemmas
``assertives``   set[str]   assertive verbs (Hooper 1975)
``factives``     set[str]   factive verbs/phrases (Hooper 1975)
``hedges``       set[str]   hedges (Hyland 2005)
``implicatives`` set[str]   implicative verbs (Karttunen 1971)
``report_verbs`` set[str]   verbs of saying/reporting
``subj_strong``  set[str]   MPQA strongly subjective clues
``subj_weak``    set[str]   MPQA weakly subjective clues
``polarity``     dict[str, str]  MPQA prior polarity (positive/negative/neutral/both)
``vad``          dict[str, tuple[float, float, float]]  NRC valence/arousal/dominance
``source``       str        the directory the lexicons were read from
"""

from __future__ import annotations

import os
from pathlib import Path

from framing import paths
from framing.errors import FramingError

__all__ = ["ENV_VAR", "default_lexicon_dir", "find_lexicon_dir", "lexicons_or_default", "load_lexicons"]

ENV_VAR = paths.ENV_LEXICONS

_RECASENS = {
    "bias": "recasens2013/bias-lexicon.txt",
    "assertives": "recasens2013/assertives_hooper1975.txt",
    "factives": "recasens2013/factives_hooper1975.txt",
    "hedges": "recasens2013/hedges_hyland2005.txt",
    "implicatives": "recasens2013/implicatives_karttunen1971.txt",
    "report_verbs": "recasens2013/report_verbs.txt",
}
_MPQA = "mpqa-subjectivity/subjclueslen1-HLTEMNLP05.tff"
_VAD = "nrc-vad/NRC-VAD-Lexicon.txt"


def default_lexicon_dir() -> Path | None:
    """$FRAMING_LEXICONS, else ``../shared/lexicons`` beside the repository the working directory is in."""
    return paths.default_lexicon_dir()


def find_lexicon_dir(path: str | os.PathLike | None = None) -> Path:
    """Resolve the lexicon directory: explicit path, else $FRAMING_LEXICONS, else the repository's ../shared."""
    if path is not None:
        candidates = [(Path(path), "the given path")]
    elif os.environ.get(ENV_VAR):
        candidates = [(Path(os.environ[ENV_VAR]), f"${ENV_VAR}")]
    else:
        default = default_lexicon_dir()
        if default is None:
            raise paths.require("lexicons", "--lexicons DIR", ENV_VAR)
        candidates = [(default, "the default location")]
    for cand, how in candidates:
        if not cand.is_dir():
            raise FramingError(
                f"lexicon directory not found ({how}); set {ENV_VAR} to the folder holding "
                "recasens2013/, mpqa-subjectivity/ and nrc-vad/",
                path=cand,
            )
        missing = [rel for rel in [*_RECASENS.values(), _MPQA, _VAD] if not (cand / rel).is_file()]
        if missing:
            raise FramingError(f"lexicon directory is missing {', '.join(missing)}", path=cand)
        return cand
    raise AssertionError("unreachable")


def _read_word_list(file: Path) -> set[str]:
    words: set[str] = set()
    try:
        text = file.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:  # pragma: no cover - permissions etc.
        raise FramingError(f"cannot read lexicon: {exc.strerror}", path=file) from exc
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        words.add(line.lower())
    return words


def _read_mpqa(file: Path) -> tuple[set[str], set[str], dict[str, str]]:
    strong: set[str] = set()
    weak: set[str] = set()
    polarity: dict[str, str] = {}
    with open(file, encoding="utf-8", errors="replace") as fh:
        for lineno, line in enumerate(fh, 1):
            line = line.strip()
            if not line:
                continue
            fields = dict(tok.split("=", 1) for tok in line.split() if "=" in tok)
            word = fields.get("word1")
            kind = fields.get("type")
            if not word or kind not in ("strongsubj", "weaksubj"):
                raise FramingError("malformed MPQA clue", path=file, line=lineno)
            word = word.lower()
            (strong if kind == "strongsubj" else weak).add(word)
            pol = fields.get("priorpolarity", "neutral")
            # a word listed with several polarities keeps the first non-neutral one
            if polarity.get(word, "neutral") == "neutral":
                polarity[word] = pol
    weak -= strong
    return strong, weak, polarity


def _read_vad(file: Path) -> dict[str, tuple[float, float, float]]:
    vad: dict[str, tuple[float, float, float]] = {}
    with open(file, encoding="utf-8", errors="replace") as fh:
        for lineno, line in enumerate(fh, 1):
            parts = line.rstrip("\n").split("\t")
            if len(parts) != 4:
                if line.strip():
                    raise FramingError("malformed NRC-VAD line", path=file, line=lineno)
                continue
            try:
                v, a, d = (float(p) for p in parts[1:])
            except ValueError:
                if lineno == 1:  # header row in some releases
                    continue
                raise FramingError("malformed NRC-VAD score", path=file, line=lineno) from None
            vad[parts[0].lower()] = (v, a, d)
    return vad


def lexicons_or_default(lexicons: dict | None) -> dict:
    """``lexicons`` as given, or, for ``None``, the lexicons found where ``load_lexicons``
    looks: a transformer's ``lexicons=None`` is read at fit time, so the fitted one needs no files."""
    return load_lexicons() if lexicons is None else lexicons


def load_lexicons(path: str | os.PathLike | None = None) -> dict:
    """Read every lexicon into plain, picklable Python sets and dicts."""
    root = find_lexicon_dir(path)
    out: dict = {name: _read_word_list(root / rel) for name, rel in _RECASENS.items()}
    out["subj_strong"], out["subj_weak"], out["polarity"] = _read_mpqa(root / _MPQA)
    out["vad"] = _read_vad(root / _VAD)
    out["source"] = str(root)
    return out
