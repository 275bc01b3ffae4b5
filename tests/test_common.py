"""One contract test per family of things (after scikit-learn-contrib/project-template's
tests/test_common.py and utils/discovery.py).

Transformers: every scikit-learn transformer defined in ``framing.features`` is
found by introspection (a new feature group is tested without being listed here)
and run through ``parametrize_with_checks``. scikit-learn skips the checks that
need numeric 2-D input for estimators tagged as taking raw strings, so the
data-free API checks run here one by one, the numeric-input checks are asserted
to be *refused*, and their substance (fit idempotence, parameters untouched by
fit, not-fitted errors, feature names, pickling) is re-tested on strings.

Model kinds: every kind registered in ``framing.model.KINDS`` is trained on the
project's small corpus and must round-trip through save/load with identical
predictions, refuse a corrupted or foreign file with a one-line error, give
outputs of the documented shapes, and be deterministic for a seed.
"""

from __future__ import annotations

import importlib
import inspect
import json
import pickle
import pkgutil
import warnings

import numpy as np
import pytest
import sklearn.utils.estimator_checks as ec
from sklearn.base import BaseEstimator, TransformerMixin, clone
from sklearn.exceptions import NotFittedError, SkipTestWarning
from sklearn.utils.estimator_checks import parametrize_with_checks

import framing.features
from conftest import SMALL_LEX, TEAM_CORPUS, TINY_ACCURATE_PARAMS, feature_corpus, tiny_onnx_encoder
from framing import model as model_mod
from framing.errors import FramingError

# -- discovery ----------------------------------------------------------------------


def all_transformers() -> list[type]:
    """Every concrete transformer class defined in framing.features, found by walking the package."""
    found = {}
    for info in pkgutil.walk_packages(framing.features.__path__, "framing.features."):
        module = importlib.import_module(info.name)
        for name, cls in inspect.getmembers(module, inspect.isclass):
            if (issubclass(cls, TransformerMixin) and issubclass(cls, BaseEstimator)
                    and cls.__module__.startswith("framing.features") and not name.startswith("_")
                    and not inspect.isabstract(cls) and "fit" in _own_or_inherited_below_base(cls)):
                found[f"{cls.__module__}.{name}"] = cls
    return [found[k] for k in sorted(found)]


def _own_or_inherited_below_base(cls) -> set[str]:
    """Methods a class defines itself or inherits from framing classes other than the shared base:
    the base (TextTransformer) has no ``fit`` and is not a transformer on its own."""
    names = set()
    for klass in cls.__mro__:
        if klass.__module__.startswith("framing.features") and klass is not framing.features.TextTransformer:
            names |= set(vars(klass))
    return names


# Small lexicons and settings so each fit takes a fraction of a second: test
# arguments, not a list of what to test (a class missing here runs with its defaults).
TEST_ARGUMENTS = {
    "LoadedWords": {"lexicons": SMALL_LEX, "embedding_prior": False},
    "LexiconCues": {"lexicons": SMALL_LEX},
    "StyleCues": {"lexicons": SMALL_LEX},
    "NgramTfidf": {"min_df": 1},
    "NgramScore": {"min_df": 1},
    "EncoderScore": {"encoder": tiny_onnx_encoder()},
}


def _instance(cls):
    accepted = inspect.signature(cls).parameters
    return cls(**{k: v for k, v in TEST_ARGUMENTS.get(cls.__name__, {}).items() if k in accepted})


TRANSFORMERS = [_instance(cls) for cls in all_transformers()]


def _ids(est):
    return type(est).__name__


def test_discovery_finds_every_feature_group():
    names = {type(t).__name__ for t in TRANSFORMERS}
    assert {"LoadedWords", "LexiconCues", "StyleCues", "SentenceEmbedding", "NgramTfidf", "NgramScore"} <= names
    assert "TextTransformer" not in names


# -- transformers: scikit-learn's checks -------------------------------------------

# scikit-learn warns (while collecting) that it skips its data checks for
# string-input estimators; the tests below cover them, so the warning is expected.
with warnings.catch_warnings():
    warnings.simplefilter("ignore", SkipTestWarning)
    _SKLEARN_CHECKS = parametrize_with_checks(TRANSFORMERS)


@_SKLEARN_CHECKS
def test_sklearn_compatible_transformer(estimator, check):
    check(estimator)


API_CHECKS = [
    "check_no_attributes_set_in_init",
    "check_parameters_default_constructible",
    "check_get_params_invariance",
    "check_set_params",
    "check_estimator_cloneable",
    "check_estimator_repr",
    "check_valid_tag_types",
    "check_mixin_order",
    "check_estimator_tags_renamed",
]
# These feed 2-D numeric arrays: a raw-string transformer must refuse them.
NUMERIC_INPUT_CHECKS = ["check_dont_overwrite_parameters", "check_fit_idempotent", "check_transformer_general"]


@pytest.mark.parametrize("est", TRANSFORMERS, ids=_ids)
@pytest.mark.parametrize("check", API_CHECKS)
def test_sklearn_api_checks(est, check):
    getattr(ec, check)(type(est).__name__, est)


@pytest.mark.parametrize("est", TRANSFORMERS, ids=_ids)
@pytest.mark.parametrize("check", NUMERIC_INPUT_CHECKS)
def test_sklearn_numeric_checks_are_refused(est, check):
    with pytest.raises(ValueError, match="1-d sequence of strings"):
        getattr(ec, check)(type(est).__name__, est)


# -- transformers: the same substance on strings ------------------------------------

TEXTS, Y, BW = feature_corpus()


def _dense(M):
    return M.toarray() if hasattr(M, "toarray") else np.asarray(M)


@pytest.mark.parametrize("est", TRANSFORMERS, ids=_ids)
def test_string_tags(est):
    tags = est.__sklearn_tags__()
    assert tags.input_tags.string and not tags.input_tags.two_d_array


@pytest.mark.parametrize("est", TRANSFORMERS, ids=_ids)
def test_transformer_contract_on_strings(est):
    est = clone(est)
    with pytest.raises(NotFittedError):
        est.transform(TEXTS[:3])
    params = dict(est.get_params())
    # Every group accepts the word annotations (only LoadedWords uses them).
    A = est.fit_transform(TEXTS, Y, biased_words=BW)
    for k, v in params.items():  # fit does not touch the constructor parameters
        assert est.get_params()[k] is v
    B = est.transform(TEXTS)
    assert A.shape == B.shape == (len(TEXTS), len(est.get_feature_names_out()))
    est2 = clone(est).fit(TEXTS, Y, biased_words=BW)  # idempotent: refitting gives the same transform
    C = est2.transform(TEXTS)
    np.testing.assert_allclose(_dense(B), _dense(C))
    D = pickle.loads(pickle.dumps(est2)).transform(TEXTS)  # pickle round trip
    np.testing.assert_allclose(_dense(C), _dense(D))
    with pytest.raises(ValueError):
        est.transform("one sentence")  # a bare string, not a list of them
    with pytest.raises(ValueError):
        est.transform([1, 2])


# -- model kinds ----------------------------------------------------------------------

KINDS = sorted(model_mod.KINDS)
PROBE = ["A shameful, reckless decision by the regime.", "The meeting starts at noon.", ""]


@pytest.fixture(scope="module")
def small_corpus():
    from framing.corpus import read_corpus

    return read_corpus(TEAM_CORPUS)


def _train(kind, request, small_corpus, lexicons):
    """A kind trained on corpus/examples.csv (40 sentences) in seconds: the accurate tier
    fine-tunes a tiny random encoder (conftest.build_tiny_encoder_dir) for one epoch."""
    if kind == "accurate":
        encoder_dir = request.getfixturevalue("tiny_encoder_dir")
        return model_mod.train(small_corpus, dict(TINY_ACCURATE_PARAMS), lexicons, seed=0, kind=kind,
                               encoder_dir=encoder_dir)
    return model_mod.train(small_corpus, {}, lexicons, seed=0, kind=kind)


@pytest.fixture(scope="module", params=KINDS)
def trained(request, small_corpus, lexicons):
    """(kind, model) trained on corpus/examples.csv: 40 sentences, seconds per kind."""
    return request.param, _train(request.param, request, small_corpus, lexicons)


def _one_line(exc: FramingError) -> str:
    message = str(exc)
    assert message and "\n" not in message
    return message


def test_every_kind_names_itself(trained):
    kind, fitted = trained
    assert fitted.kind == kind and fitted.tier
    assert isinstance(fitted, model_mod.FramingModel)
    assert fitted.card["kind"] == kind and 0.0 < fitted.threshold < 1.0


def test_save_load_round_trip(trained, tmp_path):
    kind, fitted = trained
    path = model_mod.save(fitted, tmp_path / "m.framing")
    card = json.loads(model_mod.card_path(path).read_text())
    assert card["kind"] == kind and card["format_version"] == model_mod.FORMAT_VERSION
    loaded = model_mod.load(path)
    assert type(loaded) is type(fitted)
    np.testing.assert_array_equal(loaded.predict_proba(PROBE), fitted.predict_proba(PROBE))
    assert [p.to_dict() for p in loaded.predict(PROBE)] == [p.to_dict() for p in fitted.predict(PROBE)]


def test_corrupted_artifact_is_refused(trained, tmp_path):
    _, fitted = trained
    path = model_mod.save(fitted, tmp_path / "m.framing")
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(FramingError) as info:
        model_mod.load(path)
    assert "corrupt" in _one_line(info.value)


def test_foreign_files_are_refused(trained, tmp_path):
    _, fitted = trained
    # a file that is not a model at all, and no card
    foreign = tmp_path / "notes.framing"
    foreign.write_text("not a model\n")
    with pytest.raises(FramingError) as info:
        model_mod.load(foreign)
    assert "card" in _one_line(info.value)
    # another program's joblib file under a copied card: the hash gives it away
    import joblib

    path = model_mod.save(fitted, tmp_path / "m.framing")
    joblib.dump({"weights": [1, 2, 3]}, path)
    with pytest.raises(FramingError) as info:
        model_mod.load(path)
    assert "SHA-256" in _one_line(info.value)
    # a card of a kind this framing does not know
    path = model_mod.save(fitted, tmp_path / "k.framing")
    card_file = model_mod.card_path(path)
    card = json.loads(card_file.read_text())
    card["kind"] = "telepathic"
    card_file.write_text(json.dumps(card))
    with pytest.raises(FramingError) as info:
        model_mod.load(path)
    assert "unknown model kind" in _one_line(info.value)


def test_output_shapes(trained):
    _, fitted = trained
    proba = fitted.predict_proba(PROBE)
    assert proba.shape == (len(PROBE),) and np.all((proba >= 0) & (proba <= 1))
    assert fitted.predict_proba([]).shape == (0,)
    cues = fitted.explain(PROBE)
    assert len(cues) == len(PROBE)
    for text, sentence_cues in zip(PROBE, cues):
        assert all(text[c.start:c.end] == c.text and c.weight > 0 for c in sentence_cues)
    predictions = fitted.predict(PROBE)
    assert [p.text for p in predictions] == PROBE
    assert all(p.label in model_mod.LABELS for p in predictions)
    assert [p.cues for p in fitted.predict(PROBE, cues=False)] == [[], [], []]


def test_same_seed_same_corpus_same_probabilities(trained, small_corpus, lexicons, request):
    kind, fitted = trained
    again = _train(kind, request, small_corpus, lexicons)
    np.testing.assert_array_equal(again.predict_proba(PROBE), fitted.predict_proba(PROBE))
    assert again.threshold == fitted.threshold
