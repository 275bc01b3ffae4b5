"""The HTML reports in a real browser: headless Chromium loads the file, we read the DOM and a screenshot."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from conftest import CHROMIUM_FLAGS, EXAMPLES, run_cli

pytestmark = pytest.mark.browser


def _chromium(binary: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    profile = tmp_path / f"profile-{len(list(tmp_path.glob('profile-*')))}"
    return subprocess.run([binary, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
                          capture_output=True, timeout=180)


def _render(chromium: str, tmp_path: Path, page: Path) -> tuple[str, Path]:
    dom = _chromium(chromium, tmp_path, "--dump-dom", page.as_uri())
    assert dom.returncode == 0, dom.stderr.decode(errors="replace")[-2000:]
    shot = tmp_path / (page.stem + ".png")
    result = _chromium(chromium, tmp_path, f"--screenshot={shot}", "--window-size=1200,1800", "--hide-scrollbars",
                       page.as_uri())
    assert result.returncode == 0 and shot.exists(), result.stderr.decode(errors="replace")[-2000:]
    return dom.stdout.decode("utf-8"), shot


def _pixels(shot: Path):
    from PIL import Image

    return Image.open(shot).convert("RGB")


def test_score_report_renders_with_every_cue_marked(chromium, tmp_path, scoring_model_path):
    article = json.loads(run_cli("score", "--model", str(scoring_model_path), "--format", "json",
                                 str(EXAMPLES / "loaded.txt")).stdout)
    page = tmp_path / "loaded.html"
    result = run_cli("score", "--model", str(scoring_model_path), "--format", "html", "-o", str(page),
                     str(EXAMPLES / "loaded.txt"))
    assert result.returncode == 0, result.stderr.decode()
    dom, shot = _render(chromium, tmp_path, page)
    # The count is filled in by the page's own script from the rendered DOM:
    # it proves the browser built the page, not just that the file parses.
    count = re.search(r'id="rendered-cue-count">(\d+)<', dom)
    assert count is not None, "the page's script did not run"
    assert int(count.group(1)) == article["cue_count"] > 0
    assert dom.count('<mark class="cue"') == article["cue_count"]
    assert f'data-verdict="{article["verdict"]}"' in dom
    image = _pixels(shot)
    assert image.size == (1200, 1800)
    colours = image.getcolors(maxcolors=1 << 20)
    assert colours is not None and len(colours) > 50, "blank screenshot"
    # Loaded sentences are shaded red: some clearly reddish pixels must be on screen.
    reddish = sum(n for n, (r, g, b) in colours if r > 180 and g < 160 and b < 160)
    assert reddish > 1000


def test_compare_report_renders(chromium, tmp_path, scoring_model_path):
    files = [str(EXAMPLES / n) for n in ("wire.txt", "wire_retold.txt", "neutral.txt")]
    payload = json.loads(run_cli("compare", "--model", str(scoring_model_path), "--format", "json", *files).stdout)
    page = tmp_path / "compare.html"
    result = run_cli("compare", "--model", str(scoring_model_path), "--format", "html", "-o", str(page), *files)
    assert result.returncode == 0, result.stderr.decode()
    dom, shot = _render(chromium, tmp_path, page)
    cues = sum(a["article"]["cue_count"] for a in payload["articles"])
    assert re.search(r'id="rendered-cue-count">(\d+)<', dom).group(1) == str(cues)
    assert dom.count("<tr><td") == 3
    assert shot.stat().st_size > 10_000
