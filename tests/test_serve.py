"""`framing serve`'s JSON API through the ASGI test client, and the server process itself.

Every test scores with the small team-corpus model (``scoring_model_path``), so
they take seconds; the numbers are compared with the command line's on the
same model and text.
"""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
import threading

import pytest

from conftest import EXAMPLES, REPO, Server, run_cli

pytest.importorskip("fastapi")
pytest.importorskip("httpx")

from fastapi.testclient import TestClient  # noqa: E402

from framing.serve import ServeConfig  # noqa: E402
from framing.serve import app as app_mod  # noqa: E402

LOADED = (EXAMPLES / "loaded.txt").read_text(encoding="utf-8")
ENDPOINTS = ("/api/score", "/api/compare", "/api/predict", "/api/view/score", "/api/view/compare", "/api/report",
             "/api/compare/report", "/api/fetch")


@pytest.fixture(scope="module")
def models(scoring_model_path):
    """The model loaded once for the module's apps, as a server loads it once at start-up."""
    return app_mod.Models(ServeConfig(model=str(scoring_model_path)))


def _client(scoring_model_path, models, **options) -> TestClient:
    config = ServeConfig(model=str(scoring_model_path), **options)
    return TestClient(app_mod.create_app(config, models=models), raise_server_exceptions=True)


@pytest.fixture(scope="module")
def client(scoring_model_path, models):
    with _client(scoring_model_path, models) as c:
        yield c


def _one_line_error(response, status: int, *needles: str) -> str:
    assert response.status_code == status, (response.status_code, response.text)
    assert response.headers["content-type"].startswith("application/json")
    payload = response.json()
    assert list(payload) == ["error"] and isinstance(payload["error"], str)
    message = payload["error"]
    assert "\n" not in message and "Traceback" not in message and message
    for needle in needles:
        assert needle in message, message
    return message


# -- the same numbers as the command line ----------------------------------------------------

def test_score_gives_the_cli_json(client, scoring_model_path):
    cli = run_cli("score", "--model", str(scoring_model_path), "--format", "json", "-", input=LOADED)
    assert cli.returncode == 0, cli.stderr.decode()
    response = client.post("/api/score", json={"text": LOADED})
    assert response.status_code == 200
    assert response.json() == json.loads(cli.stdout)


def test_threshold_and_name_as_on_the_cli(client, scoring_model_path):
    path = EXAMPLES / "quoted.txt"
    cli = run_cli("score", "--model", str(scoring_model_path), "--format", "json", "--threshold", "0.3", str(path))
    response = client.post("/api/score", json={"text": path.read_text(encoding="utf-8"), "threshold": 0.3,
                                               "name": str(path)})
    assert response.json() == json.loads(cli.stdout)


def test_title_is_the_headline(client):
    body = LOADED.split("\n", 1)[1]
    headline = LOADED.split("\n", 1)[0]
    with_title = client.post("/api/score", json={"title": headline, "text": body}).json()
    assert with_title["headline"] == headline
    assert with_title["score"] == client.post("/api/score", json={"text": headline + "\n\n" + body.lstrip("\n")}).json()["score"]


def test_compare_gives_the_cli_json(client, scoring_model_path):
    files = [EXAMPLES / "wire.txt", EXAMPLES / "wire_retold.txt", EXAMPLES / "neutral.txt"]
    cli = run_cli("compare", "--model", str(scoring_model_path), "--format", "json", *map(str, files))
    assert cli.returncode == 0, cli.stderr.decode()
    response = client.post("/api/compare", json={"articles": [{"name": str(f), "text": f.read_text(encoding="utf-8")}
                                                              for f in files]})
    assert response.status_code == 200
    assert response.json() == json.loads(cli.stdout)


def test_predict_gives_what_predict_writes(client, scoring_model_path):
    sentences = ["Critics slammed the reckless scheme as a cash grab.", "The committee meets on Tuesday.",
                 'She called it "a disgrace".']
    cli = run_cli("predict", "--model", str(scoring_model_path), "-", input="\n".join(sentences))
    rows = [json.loads(line) for line in cli.stdout.decode().splitlines()]
    response = client.post("/api/predict", json={"sentences": sentences})
    assert response.status_code == 200
    assert response.json() == rows


def test_seed_articles_match_the_cli(client, scoring_model_path, seeds):
    for path in seeds:
        cli = run_cli("score", "--model", str(scoring_model_path), "--format", "json", str(path))
        api = client.post("/api/score", json={"text": path.read_bytes().decode("utf-8"), "name": str(path)})
        assert api.json() == json.loads(cli.stdout), path.name


# -- the other endpoints -------------------------------------------------------------------

def test_health_model_and_openapi(client, scoring_model_path):
    health = client.get("/api/health").json()
    assert health["status"] == "ok" and health["loaded"] == [health["default_tier"]]
    model = client.get("/api/model").json()
    card = json.loads(scoring_model_path.with_suffix(".card.json").read_text())
    assert model["sha256"]["model"] == card["artifact"]["sha256"]
    assert model["figures"]["macro_f1"] == card["cross_validation"]["macro_f1"]
    assert model["tier"] == card["tier"] and model["version"] and model["fixed_model"] is True
    spec = client.get("/api/openapi.json").json()
    for path in ("/api/score", "/api/compare", "/api/predict", "/api/health", "/api/model"):
        assert path in spec["paths"], path
    assert spec["components"]["schemas"]["ScoreRequest"]["additionalProperties"] is False
    # No documentation page that would load its scripts from a CDN.
    assert client.get("/docs").status_code == 404 and client.get("/api/docs").status_code == 404


def test_the_page_and_its_files_come_from_the_package(client):
    page = client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    html = page.text
    assert "<script>" not in html and " on" not in html.replace("\n", " ").split("<body", 1)[1].split(">", 1)[0]
    assert '<script src="static/page.js" defer></script>' in html
    assert "http://" not in html and "https://" not in html.replace('placeholder="https://..."', "")
    csp = page.headers["content-security-policy"]
    assert "script-src 'self';" in csp and "unsafe-inline" not in csp.split("script-src", 1)[1].split(";")[0]
    for name in ("page.js", "page.css", "report.css"):
        assert client.get(f"/static/{name}").status_code == 200
    assert client.get("/static/../pyproject.toml").status_code == 404
    assert client.get("/static/%2e%2e/__init__.py").status_code == 404


def test_view_fragment_is_the_cli_report(client, scoring_model_path):
    """The page shows what reports.py draws: the same sentences, marks and summary as `score --format html`."""
    view = client.post("/api/view/score", json={"text": LOADED}).json()
    fragment = view["html"]
    cli = run_cli("score", "--model", str(scoring_model_path), "--format", "html", "-", input=LOADED).stdout.decode()
    assert fragment.count('<mark class="cue"') == cli.count('<mark class="cue"') == view["article"]["cue_count"]
    assert fragment.count('class="s ') == cli.count('class="s ') == len(view["article"]["sentences"])
    summary = fragment.split('<section class="summary"', 1)[1].split("</section>", 1)[0]
    assert summary in cli
    # What the page's script needs to re-mark: focusable sentences and the cue words under the threshold.
    assert 'tabindex="0"' in fragment and '<mark class="latent"' in fragment
    report = client.post("/api/report", json={"text": LOADED})
    assert report.headers["content-disposition"].startswith("attachment")
    assert report.text.count('<mark class="cue"') == view["article"]["cue_count"]


def test_extract_reads_uploads_as_the_cli_reads_files(client):
    from framing.textio import read_article

    page = EXAMPLES / "article.html"
    got = client.post("/api/extract?name=article.html", content=page.read_bytes())
    assert got.status_code == 200
    assert got.json() == {"name": "article.html", "text": read_article(page)}
    # The name is a label, never a path the server opens.
    got = client.post("/api/extract?name=../../../../etc/passwd.txt", content=b"Headline\n\nBody text here.\n")
    assert got.json() == {"name": "passwd.txt", "text": "Headline\n\nBody text here.\n"}


# -- bad input: one line of JSON, a 4xx ----------------------------------------------------

@pytest.mark.parametrize("body, status, needle", [
    (b'{"text": "a"', 400, "malformed JSON"),
    (b"", 400, "empty"),
    (b'\xff\xfe{"text": "a"}', 400, "UTF-8"),
    (b'{"text": 3}', 422, "text"),
    (b'{"text": "Headline\\n\\nBody."  , "threshold": "high"}', 422, "threshold"),
    (b'{"text": "Headline", "threshold": 1.5}', 422, "threshold"),
    (b'{"text": "Headline", "tier": "slow"}', 422, "tier"),
    (b'{"text": "Headline", "colour": "red"}', 422, "unknown field 'colour'"),
    (b'{"text": "   \\n  "}', 422, "empty"),
    (b'["text"]', 422, "JSON object"),
    (b'{}', 422, "text: give the article's text"),
    (b'{"text": "Headline", "url": "https://example.org/"}', 422, "not both"),
])
def test_bad_score_requests(client, body, status, needle):
    _one_line_error(client.post("/api/score", content=body), status, needle)


def test_bad_compare_and_predict_requests(client):
    _one_line_error(client.post("/api/compare", json={"articles": [{"name": "a", "text": LOADED}]}), 422, "two")
    _one_line_error(client.post("/api/compare", json={"articles": [{"name": "a", "text": LOADED},
                                                                   {"name": "a", "text": LOADED}]}), 422, "'a'")
    _one_line_error(client.post("/api/compare", json={"articles": [{"text": LOADED}, {"text": 5}]}), 422,
                    "articles.1.text")
    _one_line_error(client.post("/api/compare", json={"articles": [{"text": LOADED}] * (app_mod.MAX_ARTICLES + 1)}),
                    413, str(app_mod.MAX_ARTICLES))
    _one_line_error(client.post("/api/predict", json={"sentences": []}), 422, "empty")
    _one_line_error(client.post("/api/predict", json={"sentences": ["ok", None]}), 422, "sentences.1")
    _one_line_error(client.post("/api/predict", json={"sentences": "one sentence"}), 422, "sentences")
    limit = app_mod.MAX_SENTENCES
    _one_line_error(client.post("/api/predict", json={"sentences": ["Short."] * (limit + 1)}), 413, f"{limit:,}")
    _one_line_error(client.get("/api/model?tier=slow"), 422, "tier")
    _one_line_error(client.get("/api/nowhere"), 404, "/api/nowhere")
    _one_line_error(client.get("/api/score"), 405, "GET")


def test_too_many_sentences_in_an_article(client, monkeypatch):
    monkeypatch.setattr(app_mod, "MAX_SENTENCES", 5)
    _one_line_error(client.post("/api/score", json={"text": LOADED}), 413, "limit of 5")


def test_a_tier_the_server_does_not_have(client):
    _one_line_error(client.post("/api/score", json={"text": LOADED, "tier": "accurate"}), 422, "tier")


def test_uploads_of_the_wrong_kind(client):
    _one_line_error(client.post("/api/extract?name=photo.png", content=b"\x89PNG\r\n"), 415, "'.png'")
    _one_line_error(client.post("/api/extract?name=story.txt", content=b"\x00\x01\x02PK\x03\x04" * 20), 415, "binary")
    _one_line_error(client.post("/api/extract?name=story.txt", content=b"  \n"), 422, "empty")
    _one_line_error(client.post("/api/extract", content=b"Headline"), 422, "name")


def test_links_are_refused_without_allow_urls(client):
    _one_line_error(client.post("/api/fetch", json={"url": "https://example.org/story"}), 403, "--allow-urls")
    _one_line_error(client.post("/api/score", json={"url": "https://example.org/story"}), 403, "--allow-urls")
    _one_line_error(client.post("/api/compare", json={"articles": [{"text": LOADED}, {"url": "https://example.org/"}]}),
                    403, "articles.1.url")
    assert 'data-allow-urls="false"' in client.get("/").text


def test_allowed_links_are_fetched_from_public_addresses_only(scoring_model_path, models, monkeypatch):
    with _client(scoring_model_path, models, allow_urls=True) as c:
        assert 'data-allow-urls="true"' in c.get("/").text
        # The SSRF checks of framing.webfetch, with allow_private=False: nothing on this machine or its network.
        _one_line_error(c.post("/api/fetch", json={"url": "http://127.0.0.1:9/admin"}), 422, "loopback")
        _one_line_error(c.post("/api/score", json={"url": "http://10.1.2.3/"}), 422, "private")
        _one_line_error(c.post("/api/fetch", json={"url": "file:///etc/passwd"}), 422, "http")
        # A public page (stood in for: the tests reach no network): fetched with private addresses refused.
        import framing.webfetch

        calls = []

        def fake_fetch(url, **options):
            calls.append((url, options))
            return LOADED

        monkeypatch.setattr(framing.webfetch, "fetch_article", fake_fetch)
        url = "https://news.example/story"
        assert c.post("/api/fetch", json={"url": url}).json() == {"name": url, "text": LOADED}
        scored = c.post("/api/score", json={"url": url}).json()
        assert scored == dict(c.post("/api/score", json={"text": LOADED}).json(), file=url)
        assert calls and all(options.get("allow_private") is False for _, options in calls)


def test_body_over_the_limit_is_refused_while_it_is_read(scoring_model_path, models):
    with _client(scoring_model_path, models, max_bytes=4096) as c:
        # Announced: refused from the Content-Length, before any byte of the body is read.
        _one_line_error(c.post("/api/score", content=b'{"text": "' + b"a" * 5000 + b'"}'), 413, "4,096")

        # Not announced (chunked): refused as soon as the bytes received pass the limit.
        def chunks():
            yield b'{"text": "'
            for _ in range(100):
                yield b"word " * 200
            yield b'"}'

        _one_line_error(c.post("/api/score", content=chunks()), 413, "--max-bytes")
        assert c.post("/api/score", json={"text": LOADED}).status_code == 200


def test_token(scoring_model_path, models):
    with _client(scoring_model_path, models, token="s3cret-token") as c:
        _one_line_error(c.post("/api/score", json={"text": LOADED}), 401, "Bearer")
        _one_line_error(c.get("/api/health", headers={"Authorization": "Bearer s3cret-tokex"}), 401)
        _one_line_error(c.get("/api/openapi.json", headers={"Authorization": "Basic s3cret-token"}), 401)
        _one_line_error(c.get("/api/nowhere"), 401)
        ok = {"Authorization": "Bearer s3cret-token"}
        assert c.post("/api/score", json={"text": LOADED}, headers=ok).status_code == 200
        assert c.get("/api/health", headers=ok).status_code == 200
        # The page itself holds no data; it asks for the token when the API answers 401.
        assert c.get("/").status_code == 200 and c.get("/static/page.js").status_code == 200
    source = (REPO / "src" / "framing" / "serve" / "app.py").read_text()
    assert "hmac.compare_digest" in source


def test_a_long_article_does_not_stall_other_clients(scoring_model_path, models):
    """Inference runs in a thread pool: the event loop answers others while a long article is scored."""
    import httpx

    app = app_mod.create_app(ServeConfig(model=str(scoring_model_path)), models=models)
    body = LOADED.split("\n", 1)[1].strip()
    long_article = "A long article\n\n" + "\n\n".join([body] * 150)

    async def main():
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test", timeout=300) as c:
            long = asyncio.create_task(c.post("/api/score", json={"text": long_article}))
            await asyncio.sleep(0.05)
            finished_first = []
            for _ in range(3):
                health = await c.get("/api/health")
                short = await c.post("/api/predict", json={"sentences": ["A short one."]})
                assert health.status_code == short.status_code == 200
                finished_first.append(not long.done())
            result = await long
            assert result.status_code == 200
            return finished_first

    assert any(asyncio.run(main())), "the short requests waited for the long article"


# -- fuzzing: no generated body gets a 5xx --------------------------------------------------

def test_generated_bodies_never_get_a_5xx(client):
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=40)
    values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4), max_leaves=10)
    fields = st.sampled_from(["text", "title", "name", "threshold", "tier", "articles", "sentences", "url", "extra"])
    good_values = (st.text(max_size=300) | st.floats(min_value=-1, max_value=2) | st.sampled_from(["fast", "accurate", ""])
                   | st.lists(st.text(max_size=80), max_size=5)
                   | st.lists(st.fixed_dictionaries({"name": st.text(max_size=10), "text": st.text(max_size=200)}), max_size=3))
    objects = st.dictionaries(fields, good_values | values, max_size=5)
    bodies = (st.binary(max_size=300) | objects.map(lambda o: json.dumps(o).encode())
              | values.map(lambda v: json.dumps(v).encode())
              | objects.map(lambda o: json.dumps(o)[:-1].encode()))

    @settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
    @given(endpoint=st.sampled_from(ENDPOINTS + ("/api/extract?name=a.txt", "/api/extract?name=a.html",
                                                  "/api/extract?name=a.doc")), body=bodies)
    def check(endpoint, body):
        response = client.post(endpoint, content=body)
        assert response.status_code < 500, (endpoint, body, response.text)
        if response.status_code >= 400:
            assert list(response.json()) == ["error"]

    check()

    @settings(max_examples=40, deadline=None)
    @given(path=st.sampled_from(["/api/health", "/api/model", "/", "/api/openapi.json"]),
           query=st.text(max_size=30))
    def check_get(path, query):
        response = client.get(path, params={"tier": query})
        assert response.status_code < 500

    check_get()


# -- the command --------------------------------------------------------------------------

def test_without_the_extra_one_line_says_what_to_install():
    code = ("import sys; sys.modules['fastapi'] = None; sys.argv = ['framing', 'serve']; "
            "from framing.cli import main; main()")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, cwd=REPO, timeout=120)
    assert result.returncode != 0
    err = result.stderr.decode()
    assert err.strip().splitlines() == ["framing: error: framing serve needs the serve extra: pip install 'framing[serve]'"]


def test_non_loopback_without_a_token_warns(scoring_model_path, monkeypatch):
    import uvicorn

    from framing import serve

    started = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: started.append(kw))
    lines = []
    serve.run(ServeConfig(host="0.0.0.0", model=str(scoring_model_path)), log=lines.append)
    assert any("warning" in line and "without a token" in line for line in lines)
    assert started and started[0]["host"] == "0.0.0.0"
    lines.clear()
    serve.run(ServeConfig(host="0.0.0.0", model=str(scoring_model_path), token="t0ken"), log=lines.append)
    serve.run(ServeConfig(host="127.0.0.1", model=str(scoring_model_path)), log=lines.append)
    assert not any("warning" in line for line in lines)
    assert any(line.startswith("framing serve: http://127.0.0.1:8000/") for line in lines)


def test_sigterm_lets_requests_in_flight_finish_then_exits_0(scoring_model_path):
    import time
    import urllib.request

    server = Server("--model", str(scoring_model_path))
    body = LOADED.split("\n", 1)[1].strip()
    long_article = json.dumps({"text": "A long article\n\n" + "\n\n".join([body] * 400)}).encode()
    results = []

    def post():
        request = urllib.request.Request(server.url + "/api/score", data=long_article,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=300) as response:
            results.append((response.status, json.loads(response.read()), time.monotonic()))

    try:
        thread = threading.Thread(target=post)
        thread.start()
        time.sleep(0.3)  # the request is in flight: scoring it takes seconds
        signalled = time.monotonic()
        server.proc.send_signal(signal.SIGTERM)
        thread.join(300)
        code = server.proc.wait(120)
    finally:
        server.stop()
    assert results and results[0][0] == 200 and results[0][1]["sentences"]
    assert results[0][2] > signalled, "the request was answered before the signal: nothing was tested"
    assert code == 0, server.output()


def test_the_model_is_loaded_once_not_per_request(scoring_model_path, monkeypatch):
    import framing.model

    loads = []
    real_load = framing.model.load
    monkeypatch.setattr(framing.model, "load", lambda path: loads.append(path) or real_load(path))
    app = app_mod.create_app(ServeConfig(model=str(scoring_model_path)))
    assert len(loads) == 1
    with TestClient(app) as c:
        for _ in range(3):
            assert c.post("/api/score", json={"text": LOADED}).status_code == 200
            assert c.post("/api/predict", json={"sentences": ["One more."]}).status_code == 200
    assert len(loads) == 1


def test_workers(scoring_model_path):
    """--workers 2: each worker process builds the app from the environment and loads its own model."""
    import urllib.request

    server = Server("--model", str(scoring_model_path), "--workers", "2")
    try:
        for _ in range(4):
            request = urllib.request.Request(server.url + "/api/predict", data=b'{"sentences": ["A reckless scheme."]}')
            with urllib.request.urlopen(request, timeout=60) as response:
                (row,) = json.loads(response.read())
            assert row["text"] == "A reckless scheme."
    finally:
        code = server.stop()
    assert code == 0
