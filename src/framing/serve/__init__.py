"""`framing serve`: the tool in a browser and over HTTP.

An interface layer like the command line: it reads requests, calls scoring,
compare, batch and reports, and writes responses; no model logic lives here.
The web stack (FastAPI on uvicorn) is the optional ``serve`` extra, so this
module imports it only when a server starts: ``framing serve`` without the extra
says in one line what to install.

``app`` builds the ASGI application (:func:`framing.serve.app.create_app`);
this module checks the options, loads the model and runs uvicorn.
"""

from __future__ import annotations

import ipaddress
import os
import sys
from importlib.util import find_spec

from framing.errors import FramingError
from framing.serve.config import CONFIG_ENV, DEFAULT_MAX_BYTES, ServeConfig

__all__ = ["INSTALL_HINT", "CONFIG_ENV", "DEFAULT_MAX_BYTES", "ServeConfig", "missing_extra", "is_loopback", "url_for",
           "run"]

INSTALL_HINT = "framing serve needs the serve extra: pip install 'framing[serve]'"


def missing_extra() -> bool:
    """True when the serve extra (FastAPI, uvicorn) is not installed."""
    return any(find_spec(name) is None for name in ("fastapi", "uvicorn"))


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def url_for(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host and not host.startswith("[") else host
    return f"http://{shown}:{port}/"


def _check(config: ServeConfig) -> None:
    if config.workers < 1:
        raise FramingError("--workers must be at least 1")
    if not 0 <= config.port <= 65535:
        raise FramingError("--port must be between 0 and 65535")
    if config.max_bytes < 1024:
        raise FramingError("--max-bytes must be at least 1024")
    if config.token is not None and not config.token.strip():
        raise FramingError("the token is empty; pass a non-empty --token or unset $FRAMING_TOKEN")
    if config.token is not None and any(ord(c) < 33 or ord(c) > 126 for c in config.token):
        raise FramingError("the token must be printable ASCII without spaces (it travels in an HTTP header)")


def _quiet_signals() -> None:
    """Hand SIGINT and SIGTERM to uvicorn, and let the process exit 0 after its graceful shutdown.

    The command line's own handlers (cli.run_app) would raise in the middle of
    the event loop. uvicorn installs its handlers while it runs, finishes the
    requests in flight on the first signal, then restores the handlers it found
    and raises the signal again: what it finds here does nothing, so the run
    ends normally.
    """
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        return
    for name in ("SIGINT", "SIGTERM"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), _ignore)
    if hasattr(signal, "SIGHUP") and signal.getsignal(signal.SIGHUP) is not signal.SIG_IGN:
        signal.signal(signal.SIGHUP, signal.SIG_DFL)


def _ignore(signum, frame) -> None:
    """Signal handler that does nothing (see _quiet_signals)."""


def run(config: ServeConfig, log=None) -> None:
    """Start the server and block until Ctrl-C or SIGTERM has let the requests in flight finish."""
    if missing_extra():
        raise FramingError(INSTALL_HINT)
    _check(config)
    log = log or (lambda message: print(message, file=sys.stderr, flush=True))
    import uvicorn

    from framing.serve import app as app_mod

    if not is_loopback(config.host) and config.token is None:
        log(f"framing: warning: serving on {config.host} without a token: anyone who can reach this port can use "
            "the API; pass --token or set $FRAMING_TOKEN")
    common = dict(host=config.host, port=config.port, log_level="info", access_log=False,
                  timeout_graceful_shutdown=None, server_header=False, date_header=True)
    if config.workers == 1:
        # One process: the model is loaded here, once, before the port opens.
        application = app_mod.create_app(config)
        log(f"framing serve: {url_for(config.host, config.port)} ({app_mod.describe(application)}; "
            "Ctrl-C stops)")
        _quiet_signals()
        uvicorn.run(application, **common)
    else:
        # Each worker process imports the factory and loads its own model at start-up.
        app_mod.check_config(config)
        os.environ[CONFIG_ENV] = config.to_env()
        log(f"framing serve: {url_for(config.host, config.port)} ({config.workers} workers, each loading its model; "
            "Ctrl-C stops)")
        _quiet_signals()
        uvicorn.run("framing.serve.app:app_from_env", factory=True, workers=config.workers, **common)
