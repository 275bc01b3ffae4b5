"""Evaluation figures: what the metrics mean, and that parallel folds change nothing."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from conftest import TEAM_CORPUS
from framing import evaluation
from framing.corpus import read_corpus


def test_parallel_folds_give_the_same_figures(lexicons):
    data = read_corpus(TEAM_CORPUS)
    one = evaluation.cross_validate(data, {}, lexicons, seed=0, folds=2, n_jobs=1)
    two = evaluation.cross_validate(data, {}, lexicons, seed=0, folds=2, n_jobs=2)
    np.testing.assert_array_equal(one.pop("_oof"), two.pop("_oof"))
    assert one == two


def test_perfect_and_inverted_predictions():
    y = np.array([0, 0, 1, 1])
    perfect = evaluation.binary_metrics(y, np.array([0.1, 0.2, 0.8, 0.9]), 0.5)
    assert perfect["macro_f1"] == 1.0 and perfect["roc_auc"] == 1.0
    assert perfect["confusion_matrix"]["matrix"] == [[2, 0], [0, 2]]
    inverted = evaluation.binary_metrics(y, np.array([0.9, 0.8, 0.2, 0.1]), 0.5)
    assert inverted["macro_f1"] == 0.0 and inverted["roc_auc"] == 0.0
    assert inverted["brier"] == pytest.approx((0.81 + 0.64 + 0.64 + 0.81) / 4)


@given(st.lists(st.tuples(st.integers(0, 1), st.floats(0, 1)), min_size=2, max_size=300),
       st.floats(0.05, 0.95))
@settings(max_examples=60, deadline=None)
def test_confusion_matrix_accounts_for_every_sentence(pairs, threshold):
    y = np.array([a for a, _ in pairs])
    p = np.array([b for _, b in pairs])
    m = evaluation.binary_metrics(y, p, threshold)
    cm = np.array(m["confusion_matrix"]["matrix"])
    assert cm.sum() == len(y)
    assert cm[1].sum() == y.sum()
    assert 0.0 <= m["macro_f1"] <= 1.0
    plots = evaluation.plot_data(y, p, threshold) if len(set(y)) == 2 else None
    if plots:
        assert len(plots["roc"]) <= 200 and len(plots["precision_recall"]) <= 201
        assert len(plots["confusion"]) == len(y)
