"""Pipeline assembly: the feature groups in a FeatureUnion before a logistic regression,
its parameters (``DEFAULT_PARAMS``) and ``explain``, the per-word split of its decision."""

from __future__ import annotations

import numpy as np
import sklearn
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline

from framing.features._batch import get_batch
from framing.features._tokens import as_text_list
from framing.features.embedding import SentenceEmbedding
from framing.features.encoder import EncoderScore
from framing.features.lexicon_cues import LexiconCues
from framing.features.loaded_words import LoadedWords
from framing.features.ngrams import NgramScore
from framing.features.style import StyleCues

__all__ = ["DEFAULT_PARAMS", "build_pipeline", "FUNCTION_WORDS", "decide_and_explain", "explain"]


DEFAULT_PARAMS = {
    # which feature groups to use
    "use_loaded": True,
    "use_lexicon": False,
    "use_style": True,
    "use_embedding": True,
    "use_ngrams": True,
    # LoadedWords
    "loaded_smoothing": 1.0,
    "loaded_embedding_prior": True,
    # NgramTfidf
    "ngram_max": 2,
    "min_df": 2,
    "ngram_C": 3.0,
    "ngram_nb": True,
    # SentenceEmbedding
    "embedding_C": 0.01,
    # classifier
    "C": 0.1,
    # cross-fitting folds for the stacked/learned features
    "inner_folds": 5,
}


def build_pipeline(params: dict, lexicons: dict, random_state: int = 0, encoder=None) -> Pipeline:
    """Pipeline(FeatureUnion of feature groups -> LogisticRegression).

    ``params`` (flat; see DEFAULT_PARAMS for every key and default). Fit with
    ``pipeline.fit(texts, y, biased_words=...)`` inside
    ``sklearn.config_context(enable_metadata_routing=True)``; without
    ``biased_words`` the learned lexicon falls back to sentence labels.

    With ``encoder`` (an :class:`~framing.features.encoder.OnnxEncoder`), its scores
    join the groups (the accurate tier); fit then takes ``encoder_scores=``, the
    training sentences' out-of-fold encoder features.
    """
    p = {**DEFAULT_PARAMS, **(params or {})}
    unknown = set(p) - set(DEFAULT_PARAMS)
    if unknown:
        raise ValueError(f"unknown model params: {sorted(unknown)}")
    if not lexicons:
        from framing.lexicons import load_lexicons

        lexicons = load_lexicons()  # FramingError if they cannot be found
    groups = []
    if p["use_loaded"]:
        loaded = LoadedWords(smoothing=p["loaded_smoothing"], embedding_prior=p["loaded_embedding_prior"],
                             lexicons=lexicons, n_splits=p["inner_folds"], random_state=random_state)
        with sklearn.config_context(enable_metadata_routing=True):
            loaded.set_fit_request(biased_words=True)
        groups.append(("loaded", loaded))
    if p["use_lexicon"]:
        groups.append(("lexicon", LexiconCues(lexicons=lexicons)))
    if p["use_style"]:
        groups.append(("style", StyleCues(lexicons=lexicons)))
    if p["use_embedding"]:
        groups.append(("embedding", SentenceEmbedding(C=p["embedding_C"], lexicons=lexicons, n_splits=p["inner_folds"],
                                                      random_state=random_state)))
    if p["use_ngrams"]:
        groups.append(("ngram", NgramScore(ngram_max=p["ngram_max"], min_df=p["min_df"],
                                           C=p["ngram_C"], nb=p["ngram_nb"],
                                           n_splits=p["inner_folds"], random_state=random_state)))
    if encoder is not None:
        scorer = EncoderScore(encoder=encoder)
        with sklearn.config_context(enable_metadata_routing=True):
            scorer.set_fit_request(encoder_scores=True)
        groups.append(("encoder", scorer))
    if not groups:
        raise ValueError("model params switch off every feature group")
    # Only LoadedWords uses the word annotations; the other groups accept and ignore them.
    # If LoadedWords is off, the first group requests them anyway so that callers can
    # pass biased_words whatever the parameters.
    with sklearn.config_context(enable_metadata_routing=True):
        for k, (_, est) in enumerate(groups):
            if not isinstance(est, LoadedWords):
                est.set_fit_request(biased_words=(k == 0 and not p["use_loaded"]))
    clf = LogisticRegression(C=p["C"], max_iter=5000, random_state=random_state)
    return Pipeline([("features", FeatureUnion(groups)), ("clf", clf)])


FUNCTION_WORDS = frozenset("""a an the and or but nor of in on at by for with about against between
into through during before after above below to from up down over under again then once here there
when where how all both each other such not own same than can will just i me my we our he him his
she her it its they them their this that these those am is are was were be been being have has had
do does did would could as until while if because""".split())


def explain(pipeline, texts, top_k: int = 8, skip_function_words: bool = True, names=None):
    """Per text: [(start, end, weight)] word spans pushing towards 'loaded', strongest first.

    weight = the word's exact additive share of the classifier's decision value
    (coef x the part of each feature the word accounts for). Sentence-level
    features ('?', '!', length) have no word and are not listed. Closed-class
    words (articles, prepositions, auxiliaries, ...) are not listed as cues unless
    ``skip_function_words=False``, nor are the proper names ``names`` (a
    :class:`~framing.features.names.ProperNames`) finds: who a story is about is not
    how it is told. Their contribution still counts in the score.
    """
    return decide_and_explain(pipeline, texts, top_k, skip_function_words, names)[1]


def decide_and_explain(pipeline, texts, top_k: int = 8, skip_function_words: bool = True, names=None):
    """(``pipeline.decision_function(texts)``, ``explain(pipeline, texts)``) in one pass.

    Each feature group computes its features and their per-word split together,
    from one tokenization, instead of once for the decision and again for the
    cues. The decision is the classifier's on the same feature matrix the
    pipeline's FeatureUnion would build, so it is bit for bit the same.
    """
    texts = as_text_list(texts)
    union = pipeline.named_steps["features"]
    clf = pipeline.named_steps["clf"]
    coef = clf.coef_.ravel()
    batch = get_batch(texts)
    total = np.zeros(len(batch.words))
    blocks = []
    start = 0
    for _, tr in union.transformer_list:
        n = len(tr.get_feature_names_out())
        F, contrib = tr.features_and_contributions(batch, coef[start:start + n], texts=texts)
        blocks.append(F)
        total += contrib
        start += n
    decision = clf.decision_function(np.concatenate(blocks, axis=1)) if texts else np.zeros(0)
    if skip_function_words and len(batch.words):
        total = np.where(batch.in_set(FUNCTION_WORDS), 0.0, total)
    if names is not None and len(batch.words):
        total = np.where(names.mask(batch, texts), 0.0, total)
    # top_k positive tokens per doc, strongest first (ties in token order); only
    # the positive ones are sorted, and they keep their order among themselves.
    positive = np.flatnonzero(total > 0)
    order = positive[np.lexsort((-total[positive], batch.doc[positive]))]
    first = np.searchsorted(batch.doc[order], np.arange(len(texts)))
    rank = np.arange(len(order)) - first[batch.doc[order]]
    sel = order[rank < top_k]
    result: list[list[tuple[int, int, float]]] = [[] for _ in texts]
    sel_doc = batch.doc[sel]
    bounds = np.searchsorted(sel_doc, np.arange(len(texts) + 1)).tolist()
    triples = list(zip(batch.starts[sel].tolist(), batch.ends[sel].tolist(), total[sel].tolist()))
    for i in np.flatnonzero(np.diff(bounds)).tolist():
        result[i] = triples[bounds[i]:bounds[i + 1]]
    return decision, result
