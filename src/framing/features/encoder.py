"""The accurate tier's feature group: a fine-tuned transformer encoder's scores, stacked.

``EncoderScore`` stacks the encoder (an :class:`~framing.features.onnx_encoder.OnnxEncoder`)
into the static pipeline as two or three features: the sentence head's logit, the
strongest word of the token head (a loaded phrase inside a long sentence of plain
reporting moves the sentence logit little, but it stands out in the token head), and,
for a graph exported with ``finetune.ptc_feature`` (the shipped one), the sentence
logit of the head that learned PTC's loaded language (48 outlets, professional
annotators), which the stacked regression weighs beside BABE's. That third feature's
contribution splits over the words by the token head's scores, so ``explain`` stays
exact and the cues point where the encoder looks.
"""

from __future__ import annotations

import numpy as np
from sklearn.utils.validation import check_is_fitted

from framing.features._batch import Batch, TextTransformer, feature_scale
from framing.features._tokens import TOKEN_RE, as_text_list

__all__ = ["EncoderScore"]


class EncoderScore(TextTransformer):
    """A fine-tuned encoder's scores as a feature group (the accurate tier).

    The encoder is trained outside this transformer (``framing.model.accurate_train``
    fine-tunes it with torch and exports it); ``fit`` only learns the feature scale.
    Stacking needs the training sentences' scores from encoders that did not see them:
    the trainer passes them as ``encoder_scores`` (metadata routed like
    ``biased_words``); without them ``fit`` scores the training texts itself, which is
    in-sample and only fit for tests on small data.

    Parameters
    ----------
    encoder : OnnxEncoder
        The exported encoder.

    Attributes
    ----------
    names_ : list of str
        Feature names (``sentence``, ``token_max``, and ``ptc_sentence`` where the graph
        exports PTC's sentence head).
    scale_ : ndarray of shape (2,) or (3,)
        Standard deviation of each feature on the training data.
    """

    _prefix = "encoder"

    def __init__(self, encoder=None):
        self.encoder = encoder

    def fit(self, X, y=None, encoder_scores=None, biased_words=None):
        self.fit_transform(X, y, encoder_scores=encoder_scores)
        return self

    def fit_transform(self, X, y=None, encoder_scores=None, biased_words=None):
        X = as_text_list(X)
        if self.encoder is None:
            raise ValueError("EncoderScore needs an encoder")
        F = (np.asarray(encoder_scores, dtype=np.float64) if encoder_scores is not None
             else self.encoder.features(X))
        names = self.encoder.feature_names()
        if F.shape != (len(X), len(names)):
            raise ValueError(f"encoder_scores must have shape ({len(X)}, {len(names)}), got {F.shape}")
        self.names_ = names
        self.scale_ = feature_scale(F)
        return F / self.scale_

    def transform(self, X):
        check_is_fitted(self)
        return self.encoder.features(as_text_list(X)) / self.scale_

    def features_and_contributions(self, batch: Batch, weights: np.ndarray, texts=None):
        # The encoder keeps its last result, so the second call does not run it again.
        return self.transform(texts), self.token_contributions(batch, weights, texts=texts)

    def token_contributions(self, batch: Batch, weights: np.ndarray, texts=None) -> np.ndarray:
        """The sentence feature's share goes to the words in proportion to their token
        probabilities; the strongest-word feature's share goes to that word."""
        out = np.zeros(len(batch.words))
        if texts is None or not len(out):
            return out
        F = self.encoder.features(texts)
        _, words = self.encoder.score(texts)
        w = np.asarray(weights, dtype=np.float64) / self.scale_
        starts = np.array([m.start() for t in texts for m in TOKEN_RE.finditer(t)], dtype=np.int64)
        for d, ws in enumerate(words):
            if not ws:
                continue
            base = batch.offsets[d]
            local = starts[base:batch.offsets[d + 1]]
            pos = base + np.searchsorted(local, [s for s, _, _ in ws])
            p = np.array([q for _, _, q in ws])
            # The sentence-level features (BABE's head, and PTC's where present) split by
            # the token head's probabilities.
            out[pos] += (w[0] * F[d, 0] + w[2:] @ F[d, 2:]) * p / p.sum()
            out[pos[int(np.argmax(p))]] += w[1] * F[d, 1]
        return out
