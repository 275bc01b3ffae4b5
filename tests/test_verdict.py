"""The verdict's cut-points per model, the hyperpartisan reader they were fitted on, and the rule that fits them."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy as np
import pytest

from framing import evaluation, scoring
from framing.corpus.hyperpartisan import read_hyperpartisan, read_hyperpartisan_articles
from framing.errors import FramingError
from framing.model import FramingModel
from framing.paths import shipped_model_path

TINY = Path(__file__).parent / "data" / "hyperpartisan"
SHARED_HYPERPARTISAN = Path(__file__).resolve().parents[1].parent / "shared" / "corpora" / "hyperpartisan"


# -- the reader ------------------------------------------------------------------------

def test_reader_reads_paragraphs_labels_and_entities_escaped_twice():
    first, second = read_hyperpartisan(TINY)
    assert first.id == "0000001" and first.published == "2018-01-02"
    assert first.hyperpartisan is False and first.url == "https://example.org/budget"
    assert first.title == "Senators & the budget"
    # Inline links and quotations are text; runs of space fold; an empty paragraph is dropped;
    # text between paragraphs (captions, "Advertisement") is not the article.
    assert first.paragraphs == ("The Senate passed the budget on Tuesday.",
                                "Critics called it a disgrace, and R&D funding fell > 5%.")
    assert first.text == ("Senators & the budget\nThe Senate passed the budget on Tuesday.\n"
                          "Critics called it a disgrace, and R&D funding fell > 5%.\n")
    assert second.hyperpartisan is True and second.paragraphs == () and second.text == "Tag cloud only\n"


def test_reader_without_ground_truth_leaves_the_label_open():
    articles = read_hyperpartisan_articles(TINY / "articles-training-byarticle-tiny.xml.gz")
    assert [a.hyperpartisan for a in articles] == [None, None]


def _write(folder: Path, name: str, text: str) -> None:
    with gzip.open(folder / name, "wt", encoding="utf-8") as fh:
        fh.write(text)


@pytest.mark.parametrize("case, needle", [
    ("no_truth", "no files matching ground-truth"),
    ("unlabelled", "article 9 has no label"),
    ("bad_label", "expected an id and hyperpartisan"),
    ("bad_xml", "not valid XML"),
    ("not_gzip", "cannot read it"),
])
def test_reader_refuses_bad_input_in_one_line(tmp_path, case, needle):
    articles = '<articles><article id="9" title="T"><p>x</p></article></articles>'
    if case == "bad_xml":
        articles = '<articles><article id="9" title="T"><p>x</article></articles>'
    if case == "not_gzip":
        (tmp_path / "articles-a.xml.gz").write_bytes(b"plain text, not gzip")
    else:
        _write(tmp_path, "articles-a.xml.gz", articles)
    truth = {"unlabelled": '<articles><article id="8" hyperpartisan="true"/></articles>',
             "bad_label": '<articles><article id="9" hyperpartisan="yes"/></articles>'}.get(
        case, '<articles><article id="9" hyperpartisan="true"/></articles>')
    if case != "no_truth":
        _write(tmp_path, "ground-truth-a.xml.gz", truth)
    with pytest.raises(FramingError) as err:
        read_hyperpartisan(tmp_path)
    assert needle in str(err.value) and "\n" not in str(err.value)


@pytest.mark.skipif(not SHARED_HYPERPARTISAN.is_dir(), reason="../shared/corpora/hyperpartisan is absent")
def test_shared_hyperpartisan_counts_match_its_readme():
    """../shared/corpora/README.md: 645 articles, 238 hyperpartisan, 407 not."""
    articles = read_hyperpartisan(SHARED_HYPERPARTISAN)
    assert len(articles) == 645 and len({a.id for a in articles}) == 645
    assert sum(a.hyperpartisan for a in articles) == 238
    assert sum(bool(a.paragraphs) for a in articles) == 644  # one is a tag cloud with no paragraph
    text = "".join(a.text for a in articles)
    assert "&amp;" not in text and "&gt;" not in text and "<p>" not in text


# -- cut-points per model -------------------------------------------------------------

class _Constant(FramingModel):
    """Every sentence has the same probability: the article score is that probability."""

    kind, tier = "constant", "fast"

    def __init__(self, p: float, card: dict):
        self.p, self.card, self.threshold = p, card, 0.5

    def predict_proba(self, texts):
        return np.full(len(texts), self.p)

    def explain(self, texts):
        return [[] for _ in texts]

    def to_bytes(self):
        return b""


ARTICLE = "A headline\nThe council met on Tuesday. It approved the plan.\n"


def test_a_model_without_cut_points_bands_with_the_constants():
    result = scoring.score_text(_Constant(0.42, {"artifact": {"sha256": "0" * 64}}), ARTICLE)
    assert result.bands == scoring.DEFAULT_BANDS and result.bands.source == "default"
    assert result.verdict == "moderate"  # 0.35 <= 0.42 < 0.50
    assert result.to_dict()["bands"] == {"low_below": scoring.LOW_BELOW, "high_from": scoring.HIGH_FROM,
                                         "source": "default"}


def test_verdict_uses_the_cut_points_the_models_card_names():
    card = {"artifact": {"sha256": "0" * 64}, "bands": {"low_below": 0.45, "high_from": 0.6}}
    low = scoring.score_text(_Constant(0.42, card), ARTICLE)
    assert (low.verdict, low.label, low.bands.source) == ("low", "neutral", "card")
    high = scoring.score_text(_Constant(0.61, dict(card, bands={"low_below": 0.2, "high_from": 0.6})), ARTICLE)
    assert (high.verdict, high.label) == ("high", "loaded")
    assert high.to_dict()["bands"] == {"low_below": 0.2, "high_from": 0.6, "source": "card"}


def test_malformed_card_cut_points_fall_back_to_the_constants():
    card = {"artifact": {"sha256": "0" * 64}, "bands": {"low_below": 0.7, "high_from": 0.6}}
    assert scoring.model_bands(_Constant(0.5, card)) == scoring.DEFAULT_BANDS


def _table() -> dict:
    return json.loads(shipped_model_path(scoring.BANDS_FILE).read_text(encoding="utf-8"))["tiers"]


@pytest.mark.parametrize("tier", ["fast", "accurate"])
def test_each_shipped_tier_has_its_own_cut_points_for_its_very_model_file(tier):
    """The table names each shipped model's SHA-256: a model retrained without re-running
    benchmarks/verdict_study.py fails here instead of banding with another model's fit."""
    entry = _table()[tier]
    card = json.loads(shipped_model_path(f"{tier}.card.json").read_text(encoding="utf-8"))
    assert entry["model_sha256"] == card["artifact"]["sha256"]
    model = _Constant(0.5, {"artifact": {"sha256": entry["model_sha256"]}})
    model.tier = tier
    bands = scoring.model_bands(model)
    assert (bands.low_below, bands.high_from, bands.source) == (entry["low_below"], entry["high_from"], "study")
    # Another file of the same tier (retrained, or the user's) does not inherit them.
    model.card = {"artifact": {"sha256": "f" * 64}}
    assert scoring.model_bands(model) == scoring.DEFAULT_BANDS


def test_the_tiers_band_differently():
    table = _table()
    assert (table["fast"]["low_below"], table["fast"]["high_from"]) != (
        table["accurate"]["low_below"], table["accurate"]["high_from"])


# -- the rule that fits them ------------------------------------------------------------

def test_band_composition_counts_what_each_band_holds():
    s = np.array([0.1, 0.2, 0.4, 0.45, 0.6, 0.7, 0.8])
    y = np.array([0, 1, 0, 1, 0, 1, 1])
    c = evaluation.band_composition(s, y, 0.35, 0.5)
    assert c["count"] == {"low": 2, "moderate": 2, "high": 3}
    assert c["share_positive"] == {"low": 0.5, "moderate": 0.5, "high": 2 / 3}
    assert c["precision_high"] == 2 / 3 and c["npv_low"] == 0.5
    assert c["negatives_flagged"] == 2 / 3 and c["positives_high"] == 0.5


def test_choose_cuts_finds_the_widest_bands_that_meet_the_target():
    # Scores 0.00..0.99; positives are rare below 0.3, common above 0.7.
    s = np.arange(100) / 100
    y = np.zeros(100, dtype=int)
    y[70:] = 1
    y[[5, 50, 55, 60, 65]] = 1
    y[[75]] = 0
    cuts = evaluation.choose_cuts(s, y, target=0.8)
    assert cuts["met"] == {"high": True, "low": True}
    c = evaluation.band_composition(s, y, cuts["low_below"], cuts["high_from"])
    assert c["precision_high"] >= 0.8 and c["npv_low"] >= 0.8
    # One step wider and a band would no longer say what it claims.
    assert evaluation.band_composition(s, y, cuts["low_below"], cuts["high_from"] - 0.01)["precision_high"] < 0.8 \
        or cuts["high_from"] == 0.0
    assert evaluation.band_composition(s, y, cuts["low_below"] + 0.01, 1.0)["npv_low"] < 0.8 \
        or cuts["low_below"] == cuts["high_from"]


def test_choose_cuts_says_when_the_target_cannot_be_met():
    rng = np.random.default_rng(0)
    s, y = rng.random(200), rng.integers(0, 2, 200)  # a score that knows nothing
    cuts = evaluation.choose_cuts(s, y, target=0.8)
    assert cuts["met"]["high"] is False and cuts["low_below"] <= cuts["high_from"]


def test_cut_study_is_deterministic_and_judges_held_out():
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 300)
    s = np.clip(0.4 + 0.25 * y + rng.normal(0, 0.15, 300), 0, 1)
    a = evaluation.cut_study(s, y, repeats=3, seed=0)
    assert a == evaluation.cut_study(s, y, repeats=3, seed=0)
    assert 0.8 < a["roc_auc"] < 1.0 and a["repeats"] == 3
    cv = a["cross_validated"]
    assert sum(cv[f"count_{k}"]["mean"] for k in ("low", "moderate", "high")) == pytest.approx(300)
    assert a["fit"]["composition"]["articles"] == 300


def test_reports_show_the_cut_points_the_article_was_banded_with():
    from framing import reports

    card = {"artifact": {"sha256": "0" * 64}, "bands": {"low_below": 0.45, "high_from": 0.6}}
    result = scoring.score_text(_Constant(0.42, card), ARTICLE)
    assert reports.bands_line(result) == "bands: low < 0.45 <= moderate < 0.60 <= high"
    page = reports.render_html([result])
    # The gauge's colours: its own cut-points, which the one stylesheet reads (--lo, --hi).
    assert ">0.45<" in page and ">0.60<" in page and 'style="--lo: 45%; --hi: 60%"' in page
    assert "(bands: low < 0.45" in reports.render_markdown([result])
