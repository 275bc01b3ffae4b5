"""framing: find loaded framing in news, sentence by sentence.

The Python API does the same work as the command line::

    import framing

    model = framing.load_model()                  # or load_model("my.framing")
    for p in model.predict(["The reckless scheme will bleed the budget dry."]):
        print(p.label, p.probability, [c.text for c in p.cues])

    article = framing.score_article(open("story.txt").read())
    print(article.score, article.verdict)

    framing.predict_file("archive.jsonl", "scored.jsonl", n_jobs=-1)

Everything heavy (scikit-learn, NumPy, Dask) is imported on first use, so
``import framing`` stays cheap for tools that only need the version or the
error type.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from framing._version import __version__
from framing.errors import FramingError

__all__ = ["FramingError", "__version__", "load_model", "predict", "score_article", "predict_file"]

if TYPE_CHECKING:
    import os
    from collections.abc import Sequence

    from framing.batch import BatchResult
    from framing.model import FramingModel, Prediction
    from framing.scoring import ArticleScore

# Loaded once per process and tier: the API's functions default to the shipped model
# of the default tier, and loading one costs far more than a typical call.
_default_models: dict[str, Any] = {}


def load_model(path: str | os.PathLike | None = None, tier: str | None = None) -> FramingModel:
    """A model from ``path``, or a shipped one ($FRAMING_MODEL, else the model of ``tier``:
    "accurate", the default as on the command line, or "fast")."""
    from framing import model as model_mod

    if path is not None:
        return model_mod.load(path)
    tier = tier or model_mod.DEFAULT_TIER
    if tier not in _default_models:
        _default_models[tier] = model_mod.load_default(model_mod.kind_for_tier(tier))
    return _default_models[tier]


def predict(sentences: Sequence[str], model: FramingModel | None = None) -> list[Prediction]:
    """Label each sentence loaded or neutral, with its calibrated probability and cue words."""
    if isinstance(sentences, str):
        raise TypeError("predict() takes a list of sentences, not one string; use score_article() for a text")
    return (model or load_model()).predict(list(sentences))


def score_article(text: str, model: FramingModel | None = None, cues: bool = True) -> ArticleScore:
    """Split an article (first line: the headline) into sentences, label each, and score the whole."""
    from framing.scoring import score_text

    return score_text(model or load_model(), text, cues=cues)


def predict_file(input: str | os.PathLike, output: str | os.PathLike | None = None, *,
                 model: FramingModel | str | os.PathLike | None = None, **options: Any) -> BatchResult:
    """Score a JSONL/CSV/TXT file of sentences to ``output`` (JSONL or CSV), streaming, in order.

    ``model`` is a loaded model, a path, or None for the default. ``options``
    are those of :func:`framing.batch.predict_file`: ``n_jobs``, ``backend``
    ("local" or "dask"), ``scheduler``, ``input_format``, ``output_format``,
    ``skip_invalid``, ``chunk_size``, ``progress``.
    """
    from framing import batch
    from framing.model import FramingModel

    fitted = model if isinstance(model, FramingModel) else load_model(model)
    return batch.predict_file(input, output, model=fitted, **options)
