"""Style cues: questions, exclamations, scare quotes, intensifiers, loaded verbs of saying, 2nd person."""

from __future__ import annotations

import numpy as np
from sklearn.utils.validation import check_is_fitted

from framing.features._batch import Batch, TextTransformer, feature_scale, get_batch
from framing.features._tokens import as_text_list
from framing.features._wordllama import base_vocabulary
from framing.lexicons import lexicons_or_default

__all__ = ["INTENSIFIERS", "LOADED_SAYING", "NEUTRAL_SAYING", "SECOND_PERSON", "FIRST_PLURAL", "PRESCRIPTIVE", "SUPERLATIVE_WORDS", "StyleCues"]


INTENSIFIERS = frozenset("""very extremely incredibly utterly totally absolutely completely
entirely truly really so too deeply highly hugely massively wildly remarkably staggeringly
shockingly outright sheer downright thoroughly fully enormously exceedingly awfully terribly
particularly especially simply just even literally actually clearly obviously undeniably
""".split())
LOADED_SAYING = frozenset("""claim claims claimed claiming admit admits admitted admitting
insist insists insisted insisting slam slams slammed slamming blast blasts blasted blasting
rip rips ripped tout touts touted touting boast boasts boasted boasting concede concedes
conceded conceding allege alleges alleged allegedly brag brags bragged rant rants ranted
whine whines whined lash lashes lashed decry decries decried scoff scoffs scoffed sneer
sneers sneered smear smears smeared mock mocks mocked bash bashes bashed trash trashes trashed
fume fumes fumed rail rails railed gloat gloats gloated howl howls howled shriek shrieks
shrieked spew spews spewed peddle peddles peddled parrot parrots parroted purport purports
purported so-called""".split())
NEUTRAL_SAYING = frozenset("said says say told tells stated states according added adds noted "
                           "notes announced announces reported reports explained".split())
SECOND_PERSON = frozenset("you your yours yourself yourselves".split())
FIRST_PLURAL = frozenset("we our ours us ourselves".split())
PRESCRIPTIVE = frozenset("must should ought needs need".split())
SUPERLATIVE_WORDS = frozenset("most least best worst".split())

_STYLE_WORD = ["intensifier", "superlative", "loaded_saying", "neutral_saying", "second_person",
               "first_plural", "prescriptive", "scare_quoted", "direct_quoted", "all_caps"]
_STYLE_DOC = ["question", "exclamation", "log_length"]


class StyleCues(TextTransformer):
    """Style cues: intensifiers, superlatives, loaded/neutral verbs of saying, 2nd person,
    1st person plural, prescriptive modals, scare-quoted and direct-quoted words, ALL-CAPS
    words (per word), plus '?', '!' counts and log length (per sentence, no word span).

    Word lists are generic English function/style words, not learned and not tuned to
    any article. Superlatives are "-est" forms of adjectives found in the NRC-VAD word
    list (read at fit time).
    """

    _prefix = "style"

    def __init__(self, lexicons=None):
        self.lexicons = lexicons

    def fit(self, X, y=None, biased_words=None):  # biased_words: accepted, unused
        X = as_text_list(X)
        lex = lexicons_or_default(self.lexicons)
        base = set(lex.get("vad", {})) | set(lex.get("subj_strong", ())) | set(lex.get("subj_weak", ()))
        batch = Batch(X)
        words = set(base_vocabulary(lex, batch.words, False))
        sup = set(SUPERLATIVE_WORDS)
        for w in words:
            if w.endswith("est") and len(w) >= 5:
                stems = (w[:-3], w[:-2], w[:-4] + "y", w[:-4] if w[-4:-3] == w[-5:-4] else "")
                if any(len(st) >= 3 and st in base for st in stems) and w not in base:
                    sup.add(w)
        self.superlatives_ = frozenset(sup)
        lists = (INTENSIFIERS, self.superlatives_, LOADED_SAYING, NEUTRAL_SAYING, SECOND_PERSON,
                 FIRST_PLURAL, PRESCRIPTIVE)
        vocab = sorted(set().union(*lists))
        self.vocab_ = {w: i + 1 for i, w in enumerate(vocab)}
        self.table_ = np.zeros((len(vocab) + 1, len(lists)))
        for j, members in enumerate(lists):
            for w in members:
                self.table_[self.vocab_[w], j] = 1.0
        self.names_ = _STYLE_WORD + _STYLE_DOC
        self.scale_ = np.ones(len(self.names_))
        self.texts_ = None
        self.scale_ = feature_scale(self._features(batch, texts=X)[0])
        return self

    def transform(self, X):
        check_is_fitted(self)
        X = as_text_list(X)
        return self._features(get_batch(X), texts=X)[0]

    def token_contributions(self, batch, weights, texts=None):
        return self._features(batch, weights, texts=texts)[1]

    def features_and_contributions(self, batch, weights, texts=None):
        return self._features(batch, weights, texts=texts)

    def _features(self, batch, weights=None, texts=None):
        words = batch.words
        n = len(words)
        T = np.zeros((n, len(_STYLE_WORD)))
        T[:, :7] = self.table_[batch.ids(self.vocab_)] * ~batch.quoted[:, None]
        T[:, 7] = batch.scare
        T[:, 8] = batch.quoted
        if n:
            T[:, 9] = batch.all_caps()
        F = np.zeros((batch.n_docs, len(self.names_)))
        F[:, : T.shape[1]] = batch.seg_sum_columns(T)
        if texts is not None:
            F[:, -3] = [t.count("?") for t in texts]
            F[:, -2] = [t.count("!") for t in texts]
        F[:, -1] = np.log1p(batch.lengths)
        contrib = None
        if weights is not None:
            w = weights / self.scale_
            contrib = T @ w[: T.shape[1]]
        return F / self.scale_, contrib
