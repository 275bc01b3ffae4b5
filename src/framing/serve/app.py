"""The ASGI application of `framing serve`: the page, its static files and the JSON API.

FastAPI on uvicorn (docs/serve.md says why). Every request body is read by
:func:`_parse` rather than by FastAPI's own body handling, so that every client
error is one line of JSON, ``{"error": "..."}``, with the status that says what
went wrong (400 malformed, 413 too big, 415 wrong kind of file, 422 invalid),
and the body is decoded strictly as UTF-8. :class:`Guard`, a pure ASGI
middleware, checks the token and counts the body's bytes while it is read.

The model is loaded once per process when the app is built (``Models``), never
per request; the other tier is loaded on first use, once. Inference runs in a
thread pool, off the event loop, so a long article does not stall the other
clients. Nothing here reads or writes a path a client names: the page and its
files are a fixed list read from the package at start-up.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from importlib import resources
from pathlib import Path
from string import Template
from typing import Any, Callable, Literal, Optional

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from framing.errors import FramingError
from framing.serve.config import DEFAULT_MAX_BYTES, ServeConfig

__all__ = [
    "MAX_SENTENCES", "MAX_ARTICLES", "MAX_NAME", "CSP", "ApiError", "Models", "Guard", "ScoreRequest",
    "CompareArticle", "CompareRequest", "PredictRequest", "FetchRequest", "create_app", "app_from_env",
    "check_config", "describe",
]

# uvicorn configures this logger; its lines go to stderr beside the server's own.
log = logging.getLogger("uvicorn.error")

#: Sentences one request may ask the model to read (an article's, the articles' of a comparison, a predict batch).
MAX_SENTENCES = 10_000
#: Articles in one comparison (every pair is aligned).
MAX_ARTICLES = 20
#: Characters of an article's name.
MAX_NAME = 200

# Scripts only from the package's own files: no inline script, no eval, nothing from elsewhere.
# Inline style attributes carry each sentence's shade (--a) and the gauge's needle.
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; style-src-attr 'unsafe-inline'; "
       "img-src 'self'; connect-src 'self'; form-action 'none'; base-uri 'none'; frame-ancestors 'none'")
_SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-resource-policy", b"same-origin"),
]


class ApiError(Exception):
    """A client error: its status and one line."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def _one_line(message: str) -> str:
    return " ".join(str(message).split()) or "error"


def _json_response(payload: Any, status: int = 200, headers: dict | None = None) -> Response:
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    return Response(body, status_code=status, media_type="application/json", headers=headers)


def _error(status: int, message: str, headers: dict | None = None) -> Response:
    return _json_response({"error": _one_line(message)}, status, headers)


# -- the model ------------------------------------------------------------------------

class Models:
    """The model of each tier this process serves, loaded once.

    The default tier's model is loaded when the app is built; the other tier's
    on the first request that asks for it, once, under a lock. With a fixed
    model (``--model`` or ``$FRAMING_MODEL``) that model serves every request and
    a request for another tier is refused.
    """

    def __init__(self, config: ServeConfig):
        from framing import model as model_mod

        self._lock = threading.Lock()
        self._models: dict[str, Any] = {}
        self._names: dict[str, str] = {}
        path = config.model or os.environ.get("FRAMING_MODEL") or None
        self.fixed = path is not None
        if path is not None:
            fitted = model_mod.load(path)
            if config.tier is not None and fitted.tier != config.tier:
                raise FramingError(f"this is a {fitted.tier} model, not --tier {config.tier}", path)
            self.default_tier = fitted.tier
            self._names[fitted.tier] = Path(path).name
            self._ready(fitted)
        else:
            self.default_tier = config.tier or model_mod.DEFAULT_TIER
            self._load(self.default_tier)

    def _ready(self, fitted) -> None:
        # One thread inside the model (the accurate tier's onnxruntime session), one request per
        # core: a server's requests run side by side, as batch.py's workers do, rather than one
        # request spread over every core. On a busy machine a multi-threaded session also spins
        # against other processes: measured here, half the throughput (docs/serve.md).
        fitted.set_threads(1)
        fitted.predict(["The model is warmed up once, at start-up."])  # builds sessions and caches before any request
        self._models[fitted.tier] = fitted

    def _load(self, tier: str) -> None:
        from framing import model as model_mod

        path = model_mod.default_model_path(model_mod.kind_for_tier(tier))
        fitted = model_mod.load_default(model_mod.kind_for_tier(tier))
        self._names[tier] = path.name
        self._ready(fitted)

    @property
    def tiers(self) -> list[str]:
        """The tiers a request may ask for."""
        from framing import model as model_mod

        return [self.default_tier] if self.fixed else list(model_mod.TIERS)

    @property
    def loaded(self) -> list[str]:
        return sorted(self._models)

    def get(self, tier: str | None = None):
        """The model of ``tier`` (None: the default); loads the other tier once. Call it off the event loop."""
        tier = tier or self.default_tier
        fitted = self._models.get(tier)
        if fitted is not None:
            return fitted
        if self.fixed:
            raise ApiError(422, f"tier: this server runs one {self.default_tier} model (--model); "
                                f"the {tier} tier is not available")
        with self._lock:
            if tier not in self._models:
                self._load(tier)
        return self._models[tier]

    def name(self, tier: str | None = None) -> str:
        tier = tier or self.default_tier
        return f"{self._names.get(tier, '?')} ({tier} tier)"

    def card(self, tier: str | None = None) -> dict:
        """What the model's card says, without loading it: tier, figures, SHA-256s."""
        from framing import model as model_mod

        tier = tier or self.default_tier
        fitted = self._models.get(tier)
        if fitted is not None:
            card = fitted.card
        else:
            path = model_mod.default_model_path(model_mod.kind_for_tier(tier))
            card = json.loads(model_mod.card_path(path).read_text(encoding="utf-8"))
            self._names.setdefault(tier, path.name)
        cv = card.get("cross_validation") or {}
        figures = {k: cv[k] for k in ("macro_f1", "accuracy", "roc_auc", "pr_auc", "brier", "n", "folds") if k in cv}
        sha = {"model": (card.get("artifact") or {}).get("sha256")}
        if card.get("encoder_run"):
            sha["encoder_graph"] = card["encoder_run"].get("graph_sha256")
        return {"tier": card.get("tier", tier), "kind": card.get("kind"), "file": self._names.get(tier),
                "threshold": card.get("threshold"), "figures": figures, "sha256": sha,
                "trained_by": (card.get("libraries") or {}).get("framing"),
                "training_sentences": (card.get("training_data") or {}).get("sentences")}


# -- requests -------------------------------------------------------------------------

_STRICT = ConfigDict(extra="forbid", strict=True)
Threshold = Optional[float]
TierName = Optional[Literal["fast", "accurate"]]


class ScoreRequest(BaseModel):
    """An article: its text (the first line is the headline, as in a .txt), or a title and a body."""

    model_config = _STRICT
    text: Optional[str] = Field(None, description="The article. Without a title, its first line is the headline.")
    url: Optional[str] = Field(None, max_length=4096,
                               description="Instead of text, with --allow-urls: an http(s) link to the article.")
    title: Optional[str] = Field(None, description="The headline, when the text is the body only.")
    name: Optional[str] = Field(None, max_length=MAX_NAME,
                                description="What the result calls the article (its 'file' field); default '-'.")
    threshold: Threshold = Field(None, ge=0, le=1, allow_inf_nan=False,
                                 description="Probability from which a sentence is labelled loaded; default: the "
                                             "model's. The score does not depend on it.")
    tier: TierName = Field(None, description="fast or accurate; default: the server's.")


class CompareArticle(BaseModel):
    model_config = _STRICT
    name: Optional[str] = Field(None, max_length=MAX_NAME, description="Default: the url, else 'article N'.")
    text: Optional[str] = None
    url: Optional[str] = Field(None, max_length=4096, description="Instead of text, with --allow-urls.")


class CompareRequest(BaseModel):
    model_config = _STRICT
    articles: list[CompareArticle] = Field(description=f"Two to {MAX_ARTICLES} articles on one story.")
    threshold: Threshold = Field(None, ge=0, le=1, allow_inf_nan=False)
    tier: TierName = None


class PredictRequest(BaseModel):
    model_config = _STRICT
    sentences: list[str] = Field(description=f"Up to {MAX_SENTENCES:,} sentences.")
    tier: TierName = None


class FetchRequest(BaseModel):
    model_config = _STRICT
    url: str = Field(max_length=4096)


def _describe_error(e: dict) -> str:
    loc = ".".join(str(x) for x in e.get("loc", ()))
    kind = e.get("type", "")
    if kind == "extra_forbidden":
        return f"unknown field {loc!r}"
    if kind == "missing":
        return f"missing field {loc!r}"
    if kind == "model_type" and not loc:
        return "the body must be a JSON object"
    return f"{loc or 'body'}: {e.get('msg', 'invalid')}"


def _validation_message(exc: ValidationError) -> str:
    errors = exc.errors(include_url=False)
    message = _describe_error(errors[0]) if errors else "invalid request"
    return message + (f" (and {len(errors) - 1} more)" if len(errors) > 1 else "")


async def _parse(request: Request, model: type[BaseModel]) -> BaseModel:
    """The body as ``model``: UTF-8 JSON, validated; any problem is an ApiError with one line."""
    body = await request.body()
    if not body.strip():
        raise ApiError(400, "the body is empty; send a JSON object")
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ApiError(400, f"the body is not valid UTF-8 (byte {exc.start})") from None
    try:
        return model.model_validate_json(body)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        if errors and errors[0].get("type") == "json_invalid":
            detail = str(errors[0].get("msg", "")).removeprefix("Invalid JSON: ")
            raise ApiError(400, f"malformed JSON: {detail}") from None
        raise ApiError(422, _validation_message(exc)) from None


def _article_text(text: str, title: str | None, field: str = "text") -> str:
    if title is not None and title.strip():
        # The shape .html pages are read into: the headline, a blank line, the body.
        text = " ".join(title.split()) + "\n\n" + text
    if not text.strip():
        raise ApiError(422, f"{field}: the article is empty")
    return text


def _count_sentences(texts: list[str]) -> int:
    from framing.sentences import split_sentences

    return sum(len(split_sentences(text, headline=True)) for text in texts)


def _too_many(n: int, what: str = "sentences") -> ApiError:
    return ApiError(413, f"too many {what}: {n:,} over the limit of {MAX_SENTENCES:,} per request")


# -- the guard: token, body size, security headers ----------------------------------------

class _TooLarge(Exception):
    pass


class Guard:
    """Pure ASGI middleware in front of every request.

    * With a token, every ``/api`` request needs ``Authorization: Bearer
      <token>``, compared in constant time; otherwise 401.
    * A body over ``max_bytes`` is refused with 413 while it is read: at once
      from its Content-Length, or as soon as the bytes received pass the limit.
    * Every response carries the Content-Security-Policy and its companions.
    * It counts requests begun and answered, for the log line at shutdown.
    """

    def __init__(self, app, max_bytes: int = DEFAULT_MAX_BYTES, token: str | None = None):
        self.app = app
        self.max_bytes = int(max_bytes)
        self.token = token.encode("ascii") if token else None
        self.started = 0
        self.answered = 0

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        self.started += 1
        response_started = False

        async def send_with_headers(message) -> None:
            nonlocal response_started
            if message["type"] == "http.response.start":
                response_started = True
                headers = list(message.get("headers", [])) + _SECURITY_HEADERS
                if scope["path"].startswith("/api"):
                    headers.append((b"cache-control", b"no-store"))
                message = dict(message, headers=headers)
            elif message["type"] == "http.response.body" and not message.get("more_body", False):
                self.answered += 1
            await send(message)

        path = scope["path"]
        if self.token is not None and (path == "/api" or path.startswith("/api/")):
            if not self._authorized(scope):
                await _error(401, "missing or wrong token: send Authorization: Bearer <token>",
                             {"WWW-Authenticate": 'Bearer realm="framing"'})(scope, receive, send_with_headers)
                return
        length = None
        for key, value in scope.get("headers", []):
            if key == b"content-length":
                try:
                    length = int(value)
                except ValueError:
                    await _error(400, "Content-Length is not a number")(scope, receive, send_with_headers)
                    return
        if length is not None and length > self.max_bytes:
            await _error(413, self._too_large())(scope, receive, send_with_headers)
            return
        received = 0

        async def counting_receive():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _TooLarge()
            return message

        try:
            await self.app(scope, counting_receive, send_with_headers)
        except _TooLarge:
            if response_started:
                raise
            await _error(413, self._too_large())(scope, receive, send_with_headers)

    def _too_large(self) -> str:
        return f"the body is over the limit of {self.max_bytes:,} bytes (--max-bytes)"

    def _authorized(self, scope) -> bool:
        for key, value in scope.get("headers", []):
            if key == b"authorization":
                scheme, _, given = value.partition(b" ")
                if scheme.lower() != b"bearer":
                    return False
                return hmac.compare_digest(given.strip(), self.token)
        return False


# -- the page and its files -------------------------------------------------------------

def _static_files(allow_urls: bool, models: Models) -> dict[str, tuple[bytes, str]]:
    """Every file the page needs, read once from the package: the only paths the server serves."""
    from framing import reports
    from framing._version import __version__

    here = resources.files("framing.serve").joinpath("static")
    page = Template(here.joinpath("index.html").read_text(encoding="utf-8")).substitute(
        version=__version__, allow_urls="true" if allow_urls else "false",
        tiers=" ".join(models.tiers), default_tier=models.default_tier)
    return {
        "/": (page.encode("utf-8"), "text/html; charset=utf-8"),
        "/static/page.js": (here.joinpath("page.js").read_bytes(), "text/javascript; charset=utf-8"),
        "/static/page.css": (here.joinpath("page.css").read_bytes(), "text/css; charset=utf-8"),
        "/static/report.css": (reports.report_css().encode("utf-8"), "text/css; charset=utf-8"),
    }


# -- the app ------------------------------------------------------------------------------

def _body_doc(model: type[BaseModel], schemas: dict) -> dict:
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(schema.pop("$defs", {}))
    schemas[model.__name__] = schema
    return {"requestBody": {"required": True, "content": {"application/json": {
        "schema": {"$ref": f"#/components/schemas/{model.__name__}"}}}}}


_ERRORS_DOC = {code: {"description": text, "content": {"application/json": {"schema": {
    "type": "object", "properties": {"error": {"type": "string"}}, "required": ["error"]}}}}
    for code, text in ((400, "Malformed JSON or not UTF-8"), (401, "Missing or wrong token (with --token)"),
                       (413, "Body over --max-bytes, or too many sentences"),
                       (422, "Wrong types, unknown fields, empty text"))}


def check_config(config: ServeConfig) -> None:
    """Cheap checks a parent process makes before starting workers (a missing --model, say)."""
    from framing import model as model_mod

    if config.model is not None:
        model_mod.card_path(config.model)
        if not Path(config.model).exists():
            raise FramingError("no such file", config.model)
    elif config.tier is not None:
        model_mod.kind_for_tier(config.tier)


def describe(app: FastAPI) -> str:
    models: Models = app.state.models
    extra = "" if models.fixed else "; the other tier on first use"
    return f"model {models.name()}{extra}"


def create_app(config: ServeConfig | None = None, models: Models | None = None) -> FastAPI:
    """The ASGI app: the page at /, the JSON API under /api, its OpenAPI description at /api/openapi.json."""
    from framing import batch, reports, scoring
    from framing import compare as compare_mod
    from framing._version import __version__

    config = config or ServeConfig()
    models = models or Models(config)
    # As many inference threads as cores (at least two, so one long article never holds them all).
    threads = max(2, os.cpu_count() or 1)
    executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="framing-inference")
    guard_ref: dict[str, Guard] = {}

    from contextlib import asynccontextmanager

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        yield
        executor.shutdown(wait=True)
        guard = guard_ref.get("guard")
        if guard is not None:
            log.info("framing serve: stopped; requests received %d, answered %d", guard.started, guard.answered)

    app = FastAPI(title="framing", version=__version__, lifespan=lifespan,
                  description="Find loaded framing in news: the JSON API of `framing serve` (docs/serve.md).",
                  openapi_url="/api/openapi.json", docs_url=None, redoc_url=None)
    app.state.models = models
    app.state.config = config
    files = _static_files(config.allow_urls, models)
    schemas: dict[str, Any] = {}

    async def infer(fn: Callable[[], Any]) -> Any:
        """Run model work in the thread pool: the event loop stays free for other clients."""
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(executor, fn)
        except FramingError as exc:
            raise ApiError(422, str(exc)) from None

    # -- error handlers: every error is {"error": "one line"} --

    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError) -> Response:
        return _error(exc.status, exc.message)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        message = exc.detail if isinstance(exc.detail, str) else "error"
        if exc.status_code == 404:
            message = f"no such endpoint: {request.method} {request.url.path}"
        elif exc.status_code == 405:
            message = f"{request.method} is not allowed on {request.url.path}"
        return _error(exc.status_code, message, getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        errors = list(exc.errors())
        message = _describe_error(errors[0]) if errors else "invalid request"
        return _error(422, message)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return _error(500, f"internal error ({type(exc).__name__}); the server's log has the details")

    # -- the page --

    def static(path: str) -> Callable:
        content, media_type = files[path]

        async def serve_file() -> Response:
            return Response(content, media_type=media_type, headers={"Cache-Control": "no-cache"})

        return serve_file

    for path in files:
        app.add_api_route(path, static(path), methods=["GET"], include_in_schema=False)

    @app.get("/favicon.ico", include_in_schema=False)
    async def favicon() -> Response:
        return Response(status_code=204)

    # -- the API --

    async def fetched(url: str, field: str) -> str:
        """A linked article's text (--allow-urls), public addresses only; fetched off the event loop."""
        from framing.webfetch import fetch_article

        if not config.allow_urls:
            raise ApiError(403, f"{field}: fetching links is off on this server (start it with --allow-urls)")
        loop = asyncio.get_running_loop()
        try:
            # The default pool, not the inference one: a slow site must not hold a model's thread.
            return await loop.run_in_executor(None, lambda: fetch_article(url, allow_private=False))
        except FramingError as exc:
            raise ApiError(422, f"{field}: {exc}") from None

    async def article_of(text: str | None, url: str | None, title: str | None, field: str) -> str:
        if (text is None) == (url is None):
            raise ApiError(422, f"{field}text: give the article's text" + (" or its url" if config.allow_urls else "")
                           + ("" if text is None else ", not both"))
        if url is not None:
            text = await fetched(url, f"{field}url")
        return _article_text(text, title, f"{field}text")

    async def score(req: ScoreRequest):
        text = await article_of(req.text, req.url, req.title, "")
        name = req.name or req.url or "-"

        def work():
            n = _count_sentences([text])
            if n > MAX_SENTENCES:
                raise _too_many(n)
            return scoring.score_text(models.get(req.tier), text, name, threshold=req.threshold)

        return work

    async def comparison(req: CompareRequest):
        if len(req.articles) < 2:
            raise ApiError(422, "articles: compare needs at least two articles")
        if len(req.articles) > MAX_ARTICLES:
            raise ApiError(413, f"too many articles: {len(req.articles)} over the limit of {MAX_ARTICLES} per request")
        names = [a.name or a.url or f"article {k + 1}" for k, a in enumerate(req.articles)]
        seen: set[str] = set()
        for name in names:
            if name in seen:
                raise ApiError(422, f"articles: two articles are named {name!r}; names must differ")
            seen.add(name)
        texts = list(await asyncio.gather(*(article_of(a.text, a.url, None, f"articles.{k}.")
                                            for k, a in enumerate(req.articles))))

        def work():
            n = _count_sentences(texts)
            if n > MAX_SENTENCES:
                raise _too_many(n)
            fitted = models.get(req.tier)
            return compare_mod.compare([scoring.score_text(fitted, t, name, threshold=req.threshold)
                                        for t, name in zip(texts, names)])

        return work

    @app.post("/api/score", tags=["api"], summary="Score an article (the object of `framing score --format json`)",
              openapi_extra=_body_doc(ScoreRequest, schemas), responses=_ERRORS_DOC)
    async def api_score(request: Request) -> Response:
        req = await _parse(request, ScoreRequest)
        result = await infer(await score(req))
        return _json_response(result.to_dict())

    @app.post("/api/compare", tags=["api"], summary="Compare articles on one story (`framing compare --format json`)",
              openapi_extra=_body_doc(CompareRequest, schemas), responses=_ERRORS_DOC)
    async def api_compare(request: Request) -> Response:
        req = await _parse(request, CompareRequest)
        result = await infer(await comparison(req))
        return _json_response(result.to_dict())

    @app.post("/api/predict", tags=["api"], summary="Label sentences: one prediction each, as `framing predict` writes them",
              openapi_extra=_body_doc(PredictRequest, schemas), responses=_ERRORS_DOC)
    async def api_predict(request: Request) -> Response:
        req = await _parse(request, PredictRequest)
        if not req.sentences:
            raise ApiError(422, "sentences: the list is empty")
        if len(req.sentences) > MAX_SENTENCES:
            raise _too_many(len(req.sentences))

        def work() -> str:
            # The lines `framing predict` writes, as one JSON array.
            lines = batch.score_chunk(models.get(req.tier), req.sentences, "jsonl").rstrip("\n").split("\n")
            return "[" + ",".join(lines) + "]"

        body = await infer(work)
        return Response(body.encode("utf-8"), media_type="application/json")

    @app.get("/api/health", tags=["api"], summary="Whether the server is up, and which models it has loaded",
             responses={401: _ERRORS_DOC[401]})
    async def api_health() -> Response:
        return _json_response({"status": "ok", "version": __version__, "default_tier": models.default_tier,
                               "loaded": models.loaded})

    @app.get("/api/model", tags=["api"], summary="The model: tier, the card's figures, SHA-256s, framing's version",
             responses={401: _ERRORS_DOC[401], 422: _ERRORS_DOC[422]})
    async def api_model(tier: Optional[Literal["fast", "accurate"]] = None) -> Response:
        if tier is not None and tier not in models.tiers:
            raise ApiError(422, f"tier: this server runs one {models.default_tier} model (--model)")
        try:
            card = await infer(lambda: models.card(tier))
        except (OSError, ValueError) as exc:
            raise ApiError(404, f"no card for the {tier} tier ({type(exc).__name__})") from None
        return _json_response(dict(card, version=__version__, default_tier=models.default_tier, tiers=models.tiers,
                                   fixed_model=models.fixed, allow_urls=config.allow_urls,
                                   limits={"max_bytes": config.max_bytes, "max_sentences": MAX_SENTENCES,
                                           "max_articles": MAX_ARTICLES}))

    # -- what the page uses besides the API: the report drawn by reports.py --

    @app.post("/api/view/score", tags=["page"],
              summary="Score an article: its JSON and the report's HTML fragment (the page's view)",
              openapi_extra=_body_doc(ScoreRequest, schemas), responses=_ERRORS_DOC)
    async def view_score(request: Request) -> Response:
        req = await _parse(request, ScoreRequest)
        result = await infer(await score(req))
        return _json_response({"article": result.to_dict(),
                               "html": reports.report_body_html([result], interactive=True)})

    @app.post("/api/view/compare", tags=["page"],
              summary="Compare articles: the JSON and the report's HTML fragment (the page's view)",
              openapi_extra=_body_doc(CompareRequest, schemas), responses=_ERRORS_DOC)
    async def view_compare(request: Request) -> Response:
        req = await _parse(request, CompareRequest)
        result = await infer(await comparison(req))
        return _json_response({"comparison": result.to_dict(),
                               "html": reports.compare_body_html(result, interactive=True)})

    @app.post("/api/report", tags=["page"],
              summary="The standalone HTML report of an article (`framing score --format html`)",
              openapi_extra=_body_doc(ScoreRequest, schemas), responses=_ERRORS_DOC)
    async def report(request: Request) -> Response:
        req = await _parse(request, ScoreRequest)
        result = await infer(await score(req))
        page = reports.render_html([result], models.name(req.tier))
        return Response(page.encode("utf-8"), media_type="text/html; charset=utf-8",
                        headers={"Content-Disposition": 'attachment; filename="framing-report.html"'})

    @app.post("/api/compare/report", tags=["page"],
              summary="The standalone HTML report of a comparison (`framing compare --format html`)",
              openapi_extra=_body_doc(CompareRequest, schemas), responses=_ERRORS_DOC)
    async def compare_report(request: Request) -> Response:
        req = await _parse(request, CompareRequest)
        result = await infer(await comparison(req))
        page = reports.render_compare_html(result, models.name(req.tier))
        return Response(page.encode("utf-8"), media_type="text/html; charset=utf-8",
                        headers={"Content-Disposition": 'attachment; filename="framing-compare.html"'})

    @app.post("/api/extract", tags=["page"],
              summary="An uploaded .txt or .html file's article text, read as `framing score FILE` reads it",
              openapi_extra={"requestBody": {"required": True, "content": {
                  "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}}},
              responses=_ERRORS_DOC)
    async def extract(request: Request, name: str) -> Response:
        from framing.textio import HTML_SUFFIXES, article_from_bytes, looks_binary

        name = Path(name.replace("\\", "/")).name[:MAX_NAME]  # a label only: never opened as a path
        suffix = Path(name).suffix.lower()
        if suffix not in (".txt",) + HTML_SUFFIXES:
            raise ApiError(415, f"unsupported file type {suffix or '(none)'!r}: upload a .txt or .html file")
        data = await request.body()
        if looks_binary(data):
            raise ApiError(415, f"{name}: not a text file (binary content)")
        if not data.strip():
            raise ApiError(422, f"{name}: the file is empty")
        text = await infer(lambda: article_from_bytes(data, name))
        return _json_response({"name": name, "text": text})

    @app.post("/api/fetch", tags=["page"], summary="A linked article's text (only with --allow-urls)",
              openapi_extra=_body_doc(FetchRequest, schemas), responses=_ERRORS_DOC)
    async def fetch(request: Request) -> Response:
        req = await _parse(request, FetchRequest)
        text = await fetched(req.url, "url")
        return _json_response({"name": req.url, "text": text})

    def openapi() -> dict:
        if app.openapi_schema is None:
            spec = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
            spec.setdefault("components", {}).setdefault("schemas", {}).update(schemas)
            spec["components"]["securitySchemes"] = {"bearer": {"type": "http", "scheme": "bearer"}}
            app.openapi_schema = spec
        return app.openapi_schema

    app.openapi = openapi
    guard = Guard  # added last: outermost of the app's own middleware
    app.add_middleware(guard, max_bytes=config.max_bytes, token=config.token)

    # The Guard instance is built lazily by Starlette; keep a handle for the shutdown line.
    original_build = app.build_middleware_stack

    def build_middleware_stack():
        stack = original_build()
        node = stack
        while node is not None and not isinstance(node, Guard):
            node = getattr(node, "app", None)
        if node is not None:
            guard_ref["guard"] = node
        return stack

    app.build_middleware_stack = build_middleware_stack
    return app


def app_from_env() -> FastAPI:
    """The factory uvicorn's worker processes call (--workers N): options from $FRAMING_SERVE_CONFIG."""
    logging.basicConfig(level=logging.INFO, format="%(levelname)s:     %(message)s")
    return create_app(ServeConfig.from_env())
