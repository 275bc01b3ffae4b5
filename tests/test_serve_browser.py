"""`framing serve`'s page in a real browser: headless Debian Chromium driven by Selenium.

The server runs as a user starts it (`framing serve` on a free loopback port);
Selenium is given Debian's chromedriver and chromium, so Selenium Manager never
downloads anything.
"""

from __future__ import annotations

import json
import urllib.request

import pytest

from conftest import CHROMIUM_FLAGS, EXAMPLES, Server, run_cli

pytestmark = pytest.mark.browser

pytest.importorskip("fastapi")
webdriver = pytest.importorskip("selenium.webdriver")

from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

LOADED = (EXAMPLES / "loaded.txt").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def server(scoring_model_path):
    s = Server("--model", str(scoring_model_path))
    yield s
    assert s.stop() == 0


@pytest.fixture(scope="module")
def browser(chromium, chromedriver, tmp_path_factory):
    import os

    # Belt and braces: with a driver path and a browser binary given, Selenium Manager is not run at all;
    # if it ever were, offline it downloads nothing.
    os.environ.setdefault("SE_OFFLINE", "true")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in CHROMIUM_FLAGS:
        options.add_argument("--headless=new" if flag == "--headless" else flag)
    options.add_argument("--window-size=1200,1600")
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=chromedriver), options=options)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


def _score(browser, server, text: str) -> None:
    browser.get(server.url + "/")
    box = browser.find_element(By.ID, "text")
    box.clear()
    # Pasted: the whole article arrives at once, as from the clipboard.
    browser.execute_script("arguments[0].value = arguments[1]; arguments[0].dispatchEvent(new Event('input'))",
                           box, text)
    browser.find_element(By.ID, "score").click()
    WebDriverWait(browser, 60).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#score-report .summary")
                                     or d.find_element(By.ID, "error").text)
    assert not browser.find_element(By.ID, "error").text


def _marks(browser) -> list[str]:
    return [m.text for m in browser.find_elements(By.CSS_SELECTOR, "#score-report mark.cue")]


def test_paste_score_read_the_marks_and_move_the_slider(browser, server, scoring_model_path):
    article = json.loads(run_cli("score", "--model", str(scoring_model_path), "--format", "json", "-",
                                 input=LOADED).stdout)
    _score(browser, server, LOADED)
    summary = browser.find_element(By.CSS_SELECTOR, "#score-report .summary")
    assert summary.get_attribute("data-verdict") == article["verdict"]
    assert summary.find_element(By.CSS_SELECTOR, ".verdict").text == f"{article['verdict']} loading"

    # A loaded sentence and its cue word, as the JSON says.
    loaded = [s for s in article["sentences"] if s["label"] == "loaded" and not s["headline"]
              and any(c["marked"] for c in s["cues"]) and len(s["segments"]) == 1]
    assert loaded
    sentence = loaded[0]
    element = browser.find_element(By.ID, f"s{sentence['index']}")
    assert "loaded" in element.get_attribute("class").split()
    assert element.text == sentence["text"]
    marked = [m.text for m in element.find_elements(By.CSS_SELECTOR, "mark.cue")]
    assert marked and set(marked) == {c["text"] for c in sentence["cues"] if c["marked"]}
    before = _marks(browser)
    assert len(before) == article["cue_count"]

    # Keyboard focus shows the probability and the cues.
    browser.execute_script("arguments[0].focus()", element)
    tip = browser.find_element(By.ID, "tip")
    assert tip.is_displayed()
    assert f"p = {sentence['probability']:.2f}: loaded" in tip.text and marked[0] in tip.text
    # ...and the marked cue words' plainer alternatives, each with its re-scored probability.
    hinted = next(s for s in loaded if any(c.get("suggestions") for c in s["cues"]))
    first = next(c for c in hinted["cues"] if c.get("suggestions"))["suggestions"][0]
    browser.execute_script("arguments[0].focus()", browser.find_element(By.ID, f"s{hinted['index']}"))
    assert "suggestions: " in tip.text
    assert f"→ {first['text'] or '(delete)'}: {hinted['probability']:.2f} → {first['probability']:.2f}" in tip.text
    browser.execute_script("arguments[0].focus()", element)

    # The slider, moved by keyboard to the top: no round trip, the marks change.
    slider = browser.find_element(By.ID, "score-threshold")
    slider.send_keys(Keys.END)
    assert browser.find_element(By.ID, "score-threshold-value").text == "1.00"
    after = _marks(browser)
    assert len(after) < len(before)
    assert "loaded" not in element.get_attribute("class").split()
    assert browser.find_elements(By.CSS_SELECTOR, "#score-report mark.latent")
    # ...and down to 0: every sentence marked, more cue words than at the model's threshold.
    slider.send_keys(Keys.HOME)
    assert len(_marks(browser)) > len(before)
    # The toggle hides what is not loaded (at the model's threshold again).
    browser.execute_script("arguments[0].value = arguments[1]; arguments[0].dispatchEvent(new Event('input'))",
                           slider, f"{article['threshold']:.2f}")
    assert len(_marks(browser)) == len(before)
    browser.find_element(By.ID, "score-only-loaded").click()
    hidden = browser.find_elements(By.CSS_SELECTOR, "#score-report .s.filtered")
    assert len(hidden) == sum(1 for s in article["sentences"] if s["label"] == "neutral" and not s["headline"]
                              and len(s["segments"]) == 1)
    assert element.is_displayed()
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert not errors, errors


def test_article_text_never_runs(browser, server):
    hostile = ("Council <script>window.__pwned = 'script';</script> Approves Plan\n\n"
               "The plan <img src=x onerror=\"window.__pwned = 'img'\"> was approved on Monday. "
               "Critics called it a <b onmouseover=\"window.__pwned = 'b'\">disgraceful</b> scheme.\n")
    _score(browser, server, hostile)
    report = browser.find_element(By.ID, "score-report")
    assert "<script>window.__pwned = 'script';</script>" in report.text
    assert '<img src=x onerror="window.__pwned = \'img\'">' in report.text
    assert not report.find_elements(By.CSS_SELECTOR, "img, script, b[onmouseover]")
    for s in report.find_elements(By.CSS_SELECTOR, ".s"):
        browser.execute_script("arguments[0].dispatchEvent(new MouseEvent('mouseover', {bubbles: true}))", s)
    assert browser.execute_script("return window.__pwned === undefined")
    # The header that would stop an injected script anyway.
    with urllib.request.urlopen(server.url + "/") as response:
        csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self';" in csp


def test_compare_view(browser, server):
    browser.get(server.url + "/")
    browser.find_element(By.ID, "tab-compare").click()
    boxes = browser.find_elements(By.CSS_SELECTOR, "#compare-articles fieldset")
    assert len(boxes) == 2
    for box, name in zip(boxes, ("wire.txt", "wire_retold.txt")):
        box.find_element(By.CSS_SELECTOR, ".name").clear()
        box.find_element(By.CSS_SELECTOR, ".name").send_keys(name)
        browser.execute_script("arguments[0].value = arguments[1]", box.find_element(By.CSS_SELECTOR, ".text"),
                               (EXAMPLES / name).read_text(encoding="utf-8"))
    browser.find_element(By.ID, "compare").click()
    WebDriverWait(browser, 60).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#compare-report table.ranking")
                                     or d.find_element(By.ID, "error").text)
    report = browser.find_element(By.ID, "compare-report")
    assert len(report.find_elements(By.CSS_SELECTOR, "section.summary")) == 2
    assert "shared copy" in report.text.lower()
    assert len(report.find_elements(By.CSS_SELECTOR, ".s.shared")) > 0


def test_phone_width(browser, server):
    _score(browser, server, LOADED)
    browser.set_window_size(390, 900)
    try:
        width = browser.execute_script("return document.documentElement.scrollWidth")
        assert width <= 400, f"the page is {width}px wide at a phone's width"
    finally:
        browser.set_window_size(1200, 1600)


def test_link_field_only_with_allow_urls(browser, server, scoring_model_path):
    browser.get(server.url + "/")
    assert not browser.find_element(By.ID, "link").is_displayed()
    linked = Server("--model", str(scoring_model_path), "--allow-urls")
    try:
        browser.get(linked.url + "/")
        link = browser.find_element(By.ID, "link")
        assert link.is_displayed()
        # A link into this machine is refused (SSRF), and the page says why in one line.
        link.send_keys("http://127.0.0.1:9/internal")
        browser.find_element(By.ID, "fetch").click()
        WebDriverWait(browser, 30).until(lambda d: d.find_element(By.ID, "error").text)
        assert "loopback" in browser.find_element(By.ID, "error").text
    finally:
        assert linked.stop() == 0


def test_techniques_show_as_labels_beside_the_sentence(browser):
    """The accurate tier (the default model) names techniques: the page shows them as
    labels after the sentence, outside its text, as `framing score --format json` lists them."""
    article = json.loads(run_cli("score", "--format", "json", "-", input=LOADED).stdout)
    named = [s for s in article["sentences"] if s["techniques"]]
    assert named, "loaded.txt names a technique on the accurate tier"
    accurate = Server()
    try:
        _score(browser, accurate, LOADED)
        for s in named:
            element = browser.find_element(By.ID, f"s{s['index']}")
            assert element.text == s["text"]  # the labels are beside the sentence, not in it
            labels = element.find_elements(By.XPATH, "following-sibling::span[1][@class='techs']/span")
            assert [x.text for x in labels] == [t["name"] for t in s["techniques"]]
            assert all(x.is_displayed() for x in labels)
    finally:
        assert accurate.stop() == 0
