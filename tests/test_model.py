"""Persistence, calibration and threshold: the model stage's promises."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from framing import model as model_mod
from framing.hashing import sha256_file
from framing.errors import FramingError


def test_save_load_round_trip_gives_identical_predictions(small_model, tmp_path):
    path = model_mod.save(small_model, tmp_path / "copy.framing")
    loaded = model_mod.load(path)
    texts = ["A shameful, reckless decision.", "The meeting starts at noon."]
    np.testing.assert_array_equal(loaded.predict_proba(texts), small_model.predict_proba(texts))
    assert loaded.threshold == small_model.threshold


def test_card_describes_the_artifact(small_model, tmp_path):
    path = model_mod.save(small_model, tmp_path / "m.framing")
    card = json.loads((tmp_path / "m.card.json").read_text())
    assert card["artifact"]["sha256"] == sha256_file(path)
    for key in ("format_version", "libraries", "parameters", "threshold", "calibration",
                "training_data", "cross_validation", "seed"):
        assert key in card
    assert card["libraries"]["scikit-learn"]


def test_model_from_another_scikit_learn_release_loads(small_model, tmp_path):
    # The file holds arrays and parameters, not scikit-learn's pickles: the release that
    # trained it does not matter (tests/test_install.py runs the oldest allowed for real).
    path = model_mod.save(small_model, tmp_path / "m.framing")
    card_file = tmp_path / "m.card.json"
    card = json.loads(card_file.read_text())
    card["libraries"]["scikit-learn"] = "1.5.2"
    card_file.write_text(json.dumps(card))
    texts = ["A shameful, reckless decision."]
    np.testing.assert_array_equal(model_mod.load(path).predict_proba(texts), small_model.predict_proba(texts))


def test_future_format_is_refused(small_model, tmp_path):
    path = model_mod.save(small_model, tmp_path / "m.framing")
    card_file = tmp_path / "m.card.json"
    card = json.loads(card_file.read_text())
    card["format_version"] = 99
    card_file.write_text(json.dumps(card))
    with pytest.raises(FramingError, match="format version 99"):
        model_mod.load(path)


@pytest.mark.parametrize("old", [2, 3])
def test_a_pickled_model_is_told_to_retrain(small_model, tmp_path, old):
    """Formats 2 and 3 were pickles, which framing no longer reads: the user is told to retrain."""
    path = model_mod.save(small_model, tmp_path / "m.framing")
    card_file = tmp_path / "m.card.json"
    card = json.loads(card_file.read_text())
    card["format_version"] = old
    card_file.write_text(json.dumps(card))
    with pytest.raises(FramingError, match=rf"format version {old} is not supported .*retrain with 'framing train'"):
        model_mod.load(path)


def test_interrupted_save_leaves_previous_model(small_model, tmp_path, monkeypatch):
    path = model_mod.save(small_model, tmp_path / "m.framing")
    before = path.read_bytes()

    def explode(*args, **kwargs):
        raise KeyboardInterrupt

    # The fast tier serialises through the name static.py imports from arrays.
    monkeypatch.setattr("framing.model.static.dump_arrays", explode)
    with pytest.raises(KeyboardInterrupt):
        model_mod.save(small_model, path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.card.json", "m.framing"]
    model_mod.load(path)


@given(st.lists(st.floats(-6, 6), min_size=4, max_size=60), st.randoms(use_true_random=False))
@settings(max_examples=50, deadline=None)
def test_threshold_is_on_the_grid_and_optimal_among_it(scores, rnd):
    y = np.array([rnd.randint(0, 1) for _ in scores])
    if len(set(y)) < 2:
        y[0], y[1] = 0, 1
    proba = 1 / (1 + np.exp(-np.asarray(scores)))
    t = model_mod.choose_threshold(proba, y)
    assert 0.2 <= t <= 0.8
    from sklearn.metrics import f1_score

    best = f1_score(y, (proba >= t).astype(int), average="macro")
    for other in np.arange(0.20, 0.801, 0.05):
        assert best >= f1_score(y, (proba >= other).astype(int), average="macro") - 1e-12


def test_calibration_is_monotone(small_model):
    texts = ["A disgraceful, shameful betrayal!", "The council met on Tuesday.", "Officials said the plan was ready."]
    scores = small_model.decision_function(texts)
    proba = small_model.predict_proba(texts)
    assert list(np.argsort(scores)) == list(np.argsort(proba))


def test_training_needs_both_labels(lexicons):
    from framing.corpus import read_corpus
    from conftest import TEAM_CORPUS

    data = read_corpus(TEAM_CORPUS)
    only_loaded = data.subset(np.flatnonzero(data.labels == 1))
    with pytest.raises(FramingError, match="both"):
        model_mod.train(only_loaded, {}, lexicons)


def test_params_yaml_matches_the_built_in_defaults(repo):
    """`framing train` with no --params must train the same model as `dvc repro`."""
    yaml = pytest.importorskip("yaml")
    from framing.features import DEFAULT_PARAMS

    params = yaml.safe_load((repo / "params.yaml").read_text())
    assert params["train"]["model"] == DEFAULT_PARAMS
    assert params["train"]["seed"] == 0
