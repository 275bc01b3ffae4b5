"""Fetching articles from links (framing.webfetch), against a local HTTP server on 127.0.0.1 only.

Nothing here sends a packet beyond loopback: the addresses the SSRF checks must
refuse (10.x, 169.254.x, public ones standing for the internet) are either
refused before any connection, or "resolved" by a patched resolver and
"connected" by a patched connect that goes to the local server instead, and
refuses anything it does not know. An autouse fixture guards every test.
"""

from __future__ import annotations

import gzip
import ipaddress
import json
import shutil
import socket
import ssl
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from framing import webfetch
from framing.errors import FramingError
from framing.textio import read_article

from conftest import EXAMPLES, assert_one_line_error, run_cli

ARTICLE_HTML = (EXAMPLES / "article.html").read_bytes()
ARTICLE_TXT = (EXAMPLES / "loaded.txt").read_bytes()
STREAM_TOTAL = 64 * 2**20  # what /huge would send if nobody stopped reading
SLOW_FOR = 4.0  # seconds the slow endpoints take to finish their answer


class _State:
    def __init__(self):
        self.huge_sent = 0
        self.huge_done = threading.Event()
        self.requests: list[tuple[str, dict]] = []
        self.dribbled: dict[str, str] = {}  # path -> "cut" (the client hung up) or "finished"
        self.dribble_done = threading.Condition()


class Handler(BaseHTTPRequestHandler):
    state: _State
    port: int

    def log_message(self, *args):  # the test output is not a server log
        pass

    def _send(self, status: int, body: bytes = b"", content_type: str | None = "text/html; charset=utf-8",
              headers: dict | None = None) -> None:
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _redirect(self, location: str, status: int = 302) -> None:
        self._send(status, b"", None, {"Location": location})

    def do_GET(self):  # noqa: N802 (http.server's name)
        self.state.requests.append((self.path, dict(self.headers)))
        path = self.path
        if path == "/article.html":
            self._send(200, ARTICLE_HTML)
        elif path == "/article.txt":
            self._send(200, ARTICLE_TXT, "text/plain; charset=utf-8")
        elif path.startswith("/examples/") and path.endswith(".txt") and "/" not in path[10:]:
            self._send(200, (EXAMPLES / path[10:]).read_bytes(), "text/plain")
        elif path == "/untyped":
            self._send(200, ARTICLE_HTML, None)
        elif path == "/gzip":
            self._send(200, gzip.compress(ARTICLE_HTML), headers={"Content-Encoding": "gzip"})
        elif path == "/bomb":
            self._send(200, gzip.compress(b"a" * 20_000_000), "text/plain", {"Content-Encoding": "gzip"})
        elif path == "/chunked":
            self.protocol_version = "HTTP/1.1"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Transfer-Encoding", "chunked")
            self.send_header("Connection", "close")
            self.end_headers()
            for i in range(0, len(ARTICLE_HTML), 100):
                part = ARTICLE_HTML[i:i + 100]
                self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
            self.wfile.write(b"0\r\n\r\n")
        elif path.startswith("/chain/"):
            n = int(path.rsplit("/", 1)[1])
            self._redirect(f"/chain/{n - 1}" if n > 1 else "/article.html", 301 if n % 2 else 307)
        elif path == "/absolute-redirect":
            self._redirect(f"http://127.0.0.1:{self.port}/article.txt")
        elif path == "/loop/a":
            self._redirect("/loop/b")
        elif path == "/loop/b":
            self._redirect("/loop/a")
        elif path == "/to-ftp":
            self._redirect("ftp://127.0.0.1/article.txt")
        elif path == "/to-private":
            self._redirect(f"http://private.example:{self.port}/article.html")
        elif path == "/to-loopback":
            self._redirect(f"http://127.0.0.1:{self.port}/article.html")
        elif path == "/to-public":
            self._redirect(f"http://public.example:{self.port}/echo")
        elif path == "/echo":
            text = f"Host was {self.headers.get('Host')}\n\nThe agent was {self.headers.get('User-Agent')}.\n"
            self._send(200, text.encode(), "text/plain")
        elif path == "/huge":
            self._stream_huge()
        elif path == "/huge-declared":
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(10**9))
            self.end_headers()
            self.wfile.write(ARTICLE_HTML)
        elif path == "/slow-body":
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            self._dribble(b"Headline\n\n" + b"x" * 1000)
        elif path == "/slow-headers":
            self._dribble(b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nX-Padding: " + b"y" * 1000)
        elif path == "/missing":
            self._send(404, b"<h1>Not Found</h1>")
        elif path == "/broken":
            self._send(500, b"oops", "text/plain")
        elif path == "/image":
            self._send(200, b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "image/png")
        elif path == "/binary-as-html":
            self._send(200, b"<html>\x00\x01\x02" + bytes(range(256)) * 4, "text/html")
        elif path == "/bad-utf8":
            self._send(200, "Caf\u00e9 headline\n\nA caf\u00e9 opened.\n".encode("latin-1"), "text/plain; charset=utf-8")
        elif path == "/declared-latin1":
            self._send(200, b"Headline\n\n\x93Hello,\x94 she said.\n", "text/plain; charset=ISO-8859-1")
        elif path == "/latin1":
            self._send(200, "Caf\u00e9 headline\n\nA caf\u00e9 opened.\n".encode("latin-1"), "text/plain")
        elif path == "/empty":
            self._send(200, b"  \n", "text/plain")
        elif path == "/no-location":
            self._send(302, b"", None)
        else:
            self._send(404, b"no such page", "text/plain")

    def _stream_huge(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        block = b"<p>" + b"word " * 13105 + b"</p>\n"
        try:
            while self.state.huge_sent < STREAM_TOTAL:
                self.wfile.write(block)
                self.state.huge_sent += len(block)
        except OSError:  # the client hung up: what the test wants to see
            pass
        finally:
            self.state.huge_done.set()

    def _dribble(self, data: bytes) -> None:
        """One byte at a time, each well within a per-read timeout, for SLOW_FOR seconds in all."""
        pause = SLOW_FOR / len(data)
        outcome = "finished"
        try:
            for b in data:
                self.wfile.write(bytes([b]))
                self.wfile.flush()
                time.sleep(pause)
        except OSError:
            outcome = "cut"
        with self.state.dribble_done:
            self.state.dribbled[self.path] = outcome
            self.state.dribble_done.notify_all()


@pytest.fixture(scope="module")
def server():
    """A threaded HTTP server on 127.0.0.1 and a free port; yields (base URL, port, state)."""
    state = _State()
    handler = type("H", (Handler,), {"state": state})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    handler.port = httpd.server_address[1]
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{handler.port}", handler.port, state
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory):
    """The same pages over HTTPS on 127.0.0.1, with a self-signed certificate for the name localhost only.

    Yields (port, the certificate's file, to trust through $SSL_CERT_FILE).
    """
    if shutil.which("openssl") is None:
        pytest.skip("needs the openssl command to make a certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-keyout", str(key), "-out", str(cert), "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost", "-days", "2"],
                   check=True, capture_output=True, timeout=60)
    handler = type("H", (Handler,), {"state": _State()})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    handler.port = httpd.server_address[1]
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    yield handler.port, cert
    httpd.shutdown()
    httpd.server_close()


def _loopback(address: str) -> bool:
    return ipaddress.ip_address(address.split("%")[0]).is_loopback


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch):
    """Every connection the module opens in these tests goes to loopback, or the test fails before it is made."""
    real = webfetch.connect

    def guarded(address, port, timeout):
        assert _loopback(address), f"a test tried to connect to {address}"
        return real(address, port, timeout)

    monkeypatch.setattr(webfetch, "connect", guarded)


class FakeInternet:
    """A resolver and a connect for made-up names: the "public" addresses lead to the local server."""

    PUBLIC = "93.184.216.34"

    def __init__(self, port: int, names: dict[str, list[str]]):
        self.port = port
        self.names = names
        self.resolved: list[str] = []
        self.connected: list[str] = []

    def resolve(self, host, port):
        self.resolved.append(host)
        if host in self.names:
            return list(self.names[host])
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    def connect(self, address, port, timeout):
        self.connected.append(address)
        assert address == self.PUBLIC, f"connected to {address}, which the check should have refused"
        return socket.create_connection(("127.0.0.1", self.port), timeout=timeout)


@pytest.fixture
def internet(server, monkeypatch):
    _, port, _ = server
    fake = FakeInternet(port, {
        "public.example": [FakeInternet.PUBLIC],
        "private.example": ["10.0.0.7"],
        "mixed.example": [FakeInternet.PUBLIC, "127.0.0.1"],
        "mapped.example": ["::ffff:192.168.0.1"],
        "127.0.0.1": ["127.0.0.1"],
    })
    monkeypatch.setattr(webfetch, "resolve", fake.resolve)
    monkeypatch.setattr(webfetch, "connect", fake.connect)
    return fake


@pytest.fixture
def no_connection(monkeypatch):
    """For refusals: any connection at all fails the test."""
    def refuse(address, port, timeout):
        raise AssertionError(f"connected to {address} although it should have been refused")

    monkeypatch.setattr(webfetch, "connect", refuse)


# -- what is a link ---------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("http://example.com/a", True), ("https://example.com", True), ("HTTPS://EXAMPLE.COM/x", True),
    ("HtTp://x", True), ("file:///etc/passwd", False), ("ftp://example.com/a", False),
    ("data:text/html,<p>hi</p>", False), ("javascript:alert(1)", False), ("article.html", False),
    ("-", False), ("http:relative", False), ("./http://x", False), ("", False),
])
def test_is_url_only_for_http_and_https(text, expected):
    assert webfetch.is_url(text) is expected


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://127.0.0.1/x", "data:text/plain,hi",
                                 "javascript:alert(1)", "gopher://127.0.0.1:70/"])
def test_other_schemes_are_refused_in_one_line(url, no_connection):
    with pytest.raises(FramingError) as info:
        webfetch.fetch_article(url)
    message = str(info.value)
    assert message.startswith(url + ": ") and "only http and https" in message and "\n" not in message


@pytest.mark.parametrize("url, needle", [
    ("http://user:secret@127.0.0.1/", "user name or password"),
    ("http:///no-host", "no host"),
    ("http://127.0.0.1:99999/", "port"),
])
def test_malformed_links_are_refused_in_one_line(url, needle, no_connection):
    with pytest.raises(FramingError) as info:
        webfetch.fetch_article(url)
    assert str(info.value).startswith(url + ": ") and needle in str(info.value)


@settings(max_examples=300, deadline=None)
@given(scheme=st.sampled_from(["http://", "https://", "HTTP://", "ftp://", ""]), rest=st.text(max_size=60))
def test_any_string_is_a_page_or_one_line_naming_it(scheme, rest):
    # No name resolves and no connection opens: what is left is parsing and refusing.
    url = scheme + rest

    def nowhere(host, port):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(webfetch, "resolve", nowhere)
        mp.setattr(webfetch, "connect", lambda *a: pytest.fail("no connection expected"))
        with pytest.raises(FramingError) as info:
            webfetch.fetch_article(url, allow_private=False)
    assert str(info.value).startswith(url + ": ") and "\n" not in info.value.message


# -- reading pages as files are read ----------------------------------------------------

def test_html_page_reads_as_the_html_file(server):
    base, _, state = server
    assert webfetch.fetch_article(f"{base}/article.html") == read_article(EXAMPLES / "article.html")
    path, headers = state.requests[-1]
    assert headers["User-Agent"] == webfetch.USER_AGENT and "framing/" in webfetch.USER_AGENT


def test_text_page_reads_as_the_txt_file(server):
    base, _, _ = server
    assert webfetch.fetch_article(f"{base}/article.txt") == read_article(EXAMPLES / "loaded.txt")


@pytest.mark.parametrize("path", ["/untyped", "/gzip", "/chunked", "/chain/3"])
def test_untyped_compressed_chunked_and_redirected_pages_read_alike(server, path):
    base, _, _ = server
    assert webfetch.fetch_article(base + path) == read_article(EXAMPLES / "article.html")


def test_a_page_declared_latin1_is_read_as_windows_1252_as_browsers_do(server):
    base, _, _ = server
    assert webfetch.fetch_article(f"{base}/declared-latin1") == "Headline\n\n\u201cHello,\u201d she said.\n"


def test_absolute_redirect_and_undeclared_charset_decode_as_a_file(server, tmp_path):
    base, _, _ = server
    assert webfetch.fetch_article(f"{base}/absolute-redirect") == read_article(EXAMPLES / "loaded.txt")
    copy = tmp_path / "latin1.txt"
    copy.write_bytes("Caf\u00e9 headline\n\nA caf\u00e9 opened.\n".encode("latin-1"))
    assert webfetch.fetch_article(f"{base}/latin1") == read_article(copy)


# -- every failure is one line naming the link -------------------------------------------

@pytest.mark.parametrize("path, kwargs, needle", [
    ("/missing", {}, "HTTP 404 Not Found"),
    ("/broken", {}, "HTTP 500"),
    ("/image", {}, "unsupported content type image/png"),
    ("/binary-as-html", {}, "binary content"),
    ("/bad-utf8", {}, "not valid utf-8"),
    ("/empty", {}, "the article is empty"),
    ("/no-location", {}, "redirect without a Location"),
    ("/loop/a", {}, "redirect loop"),
    ("/chain/4", {"max_redirects": 3}, "more than 3 redirects"),
    ("/to-ftp", {}, "only http and https"),
    ("/huge-declared", {}, "over the limit"),
    ("/bomb", {"max_bytes": 1_000_000}, "over the limit of 1,000,000 bytes"),
])
def test_failures_are_one_line_naming_the_link(server, path, kwargs, needle):
    base, _, _ = server
    url = base + path
    with pytest.raises(FramingError) as info:
        webfetch.fetch_article(url, **kwargs)
    message = str(info.value)
    assert message.startswith(url + ": "), message
    assert needle in message, message
    assert "\n" not in message


@pytest.mark.parametrize("path", ["/slow-headers", "/slow-body"])
def test_a_dribbling_server_is_cut_off_at_the_time_limit(server, path):
    # Each byte comes well within any per-read timeout: only a limit on the whole fetch stops it.
    base, _, state = server
    state.dribbled.pop(path, None)
    with pytest.raises(FramingError, match="timed out after 1 s"):
        webfetch.fetch_article(base + path, timeout=1.0)
    with state.dribble_done:
        assert state.dribble_done.wait_for(lambda: path in state.dribbled, timeout=SLOW_FOR * 3)
    assert state.dribbled[path] == "cut"


def test_chain_within_the_limit_is_followed(server):
    base, _, _ = server
    assert webfetch.fetch_article(f"{base}/chain/3", max_redirects=3) == read_article(EXAMPLES / "article.html")


def test_a_huge_body_is_not_read_to_its_end(server):
    base, _, state = server
    with pytest.raises(FramingError, match="over the limit of 200,000 bytes"):
        webfetch.fetch_article(f"{base}/huge", max_bytes=200_000)
    assert state.huge_done.wait(30)
    # Socket buffers hold a few MB that were "sent" but never read; the stream is 64 MB.
    assert state.huge_sent < STREAM_TOTAL / 2, state.huge_sent


def test_connection_refused_and_unknown_host(no_connection, monkeypatch):
    monkeypatch.setattr(webfetch, "connect", lambda a, p, t: socket.create_connection((a, p), timeout=t))
    with socket.socket() as s:  # a port that was free a moment ago: nobody listens on it
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(FramingError, match="connection refused"):
        webfetch.fetch_article(f"http://127.0.0.1:{port}/a")
    monkeypatch.setattr(webfetch, "resolve", lambda h, p: (_ for _ in ()).throw(
        socket.gaierror(socket.EAI_NONAME, "Name or service not known")))
    with pytest.raises(FramingError, match=r"^http://nowhere\.invalid/: cannot resolve host nowhere\.invalid"):
        webfetch.fetch_article("http://nowhere.invalid/")


def test_a_stalled_resolver_counts_against_the_time_limit(monkeypatch, no_connection):
    release = threading.Event()

    def stalled(host, port):
        release.wait(10)
        return ["127.0.0.1"]

    monkeypatch.setattr(webfetch, "resolve", stalled)
    try:
        with pytest.raises(FramingError, match="timed out after 0.5 s"):
            webfetch.fetch_article("http://slow-dns.example/", timeout=0.5)
    finally:
        release.set()


# -- the SSRF checks (allow_private=False) ----------------------------------------------

@pytest.mark.parametrize("host, needle", [
    ("127.0.0.1", "127.0.0.1 is a loopback address"),
    ("localhost", "localhost resolves to"),
    ("[::1]", "::1 is a loopback address"),
    ("10.1.2.3", "10.1.2.3 is a private address"),
    ("192.168.0.10", "private"),
    ("172.16.5.4", "private"),
    ("169.254.169.254", "169.254.169.254 is a link-local address"),
    ("[fe80::1]", "link-local"),
    ("224.0.0.1", "multicast"),
    ("0.0.0.0", "unspecified"),
    ("[::ffff:127.0.0.1]", "loopback"),
    ("100.64.0.1", "100.64.0.1 is a"),
])
def test_private_addresses_are_refused_before_connecting(server, host, needle, no_connection):
    _, port, _ = server
    url = f"http://{host}:{port}/article.html"
    with pytest.raises(FramingError) as info:
        webfetch.fetch_article(url, allow_private=False)
    message = str(info.value)
    assert message.startswith(url + ": refused: ") and needle in message, message


def test_the_users_own_network_is_allowed_by_default(server):
    _, port, _ = server
    assert webfetch.fetch_article(f"http://localhost:{port}/article.txt") == read_article(EXAMPLES / "loaded.txt")


def test_a_public_host_is_fetched_from_the_checked_address_with_its_own_name(internet):
    text = webfetch.fetch_article(f"http://public.example:{internet.port}/echo", allow_private=False)
    assert f"Host was public.example:{internet.port}" in text
    assert webfetch.USER_AGENT in text
    # One lookup, and the connection went to the address it gave: nothing to rebind in between.
    assert internet.resolved == ["public.example"] and internet.connected == [FakeInternet.PUBLIC]


@pytest.mark.parametrize("path, needle", [
    ("/to-private", "redirected to http://private.example:{port}/article.html: refused: private.example "
                    "resolves to 10.0.0.7, a private address"),
    ("/to-loopback", "redirected to http://127.0.0.1:{port}/article.html: refused: 127.0.0.1 is a loopback address"),
])
def test_a_redirect_from_a_public_host_to_a_private_one_is_refused(internet, path, needle):
    url = f"http://public.example:{internet.port}{path}"
    with pytest.raises(FramingError) as info:
        webfetch.fetch_article(url, allow_private=False)
    assert str(info.value) == f"{url}: " + needle.format(port=internet.port)
    assert internet.connected == [FakeInternet.PUBLIC]  # the first hop only


def test_a_host_with_any_private_address_is_refused(internet):
    for host, needle in (("mixed.example", "mixed.example resolves to 127.0.0.1, a loopback address"),
                         ("mapped.example", "resolves to ::ffff:192.168.0.1, a private address")):
        with pytest.raises(FramingError, match=needle):
            webfetch.fetch_article(f"http://{host}:{internet.port}/echo", allow_private=False)
    assert internet.connected == []


def test_the_same_redirect_is_followed_when_private_addresses_are_allowed(internet, monkeypatch):
    # The command line's case: a public page may send the user to a host on their own network.
    public_only = internet.connect

    def connect(address, port, timeout):
        if address == "127.0.0.1":
            return socket.create_connection(("127.0.0.1", port), timeout=timeout)
        return public_only(address, port, timeout)

    monkeypatch.setattr(webfetch, "connect", connect)
    text = webfetch.fetch_article(f"http://public.example:{internet.port}/to-loopback")
    assert text == read_article(EXAMPLES / "article.html")


# -- the address check itself -------------------------------------------------------------

REFUSED_NETWORKS = [  # RFC 1918, 6598, 1122, 3927, 5771, 5735, 4193, 4291, 6052 (NAT64 of a private address)
    "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "127.0.0.0/8", "169.254.0.0/16", "224.0.0.0/4",
    "0.0.0.0/8", "100.64.0.0/10", "240.0.0.0/4", "198.18.0.0/15", "::1/128", "fe80::/10", "fc00::/7",
    "ff00::/8", "::/128", "::ffff:10.0.0.0/104", "::ffff:127.0.0.0/104", "2002:a00::/24", "2002:7f00::/24",
    "64:ff9b::a00:0/104", "64:ff9b::a9fe:0/112",
]
GLOBAL_NETWORKS = [  # well-known public blocks: Cloudflare, Google, Quad9, IANA, and their IPv6 / mapped forms
    "1.1.1.0/24", "8.8.8.0/24", "9.9.9.0/24", "93.184.216.0/24", "2606:4700::/32", "2001:4860::/32",
    "2a00:1450::/32", "::ffff:8.8.8.0/120", "2002:808:800::/40",
]


def _addresses_in(networks):
    def pick(args):
        net, offset = args
        net = ipaddress.ip_network(net)
        return str(net.network_address + offset % net.num_addresses)
    return st.tuples(st.sampled_from(networks), st.integers(min_value=0, max_value=2**128)).map(pick)


@settings(max_examples=300, deadline=None)
@given(_addresses_in(REFUSED_NETWORKS))
def test_every_address_in_a_private_or_special_network_is_refused(address):
    assert webfetch.refusal(address) is not None


@settings(max_examples=200, deadline=None)
@given(_addresses_in(GLOBAL_NETWORKS))
def test_every_address_in_a_public_network_passes(address):
    assert webfetch.refusal(address) is None


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=0, max_value=2**32 - 1))
def test_an_ipv4_mapped_address_is_judged_as_its_ipv4_address(n):
    v4 = ipaddress.IPv4Address(n)
    assert webfetch.refusal(f"::ffff:{v4}") == webfetch.refusal(str(v4))


# -- the command line: links beside files ----------------------------------------------

def _json(result):
    assert result.returncode == 0, result.stderr.decode()
    return json.loads(result.stdout)


def test_cli_scores_a_link_as_it_scores_the_saved_page(server):
    base, _, _ = server
    url, path = f"{base}/article.html", str(EXAMPLES / "article.html")
    from_link, from_file = _json(run_cli("score", url, path, "--format", "json", "--tier", "fast"))
    assert from_link["file"] == url and from_file["file"] == path
    assert from_link["sentences"] and from_link["sentences"] == from_file["sentences"]
    assert {**from_link, "file": None} == {**from_file, "file": None}


def test_cli_compares_links_and_files_as_it_compares_files(server):
    base, _, _ = server
    names = ["wire.txt", "wire_retold.txt"]
    urls = [f"{base}/examples/{n}" for n in names]
    paths = [str(EXAMPLES / n) for n in names]
    mixed = run_cli("compare", *urls, str(EXAMPLES / "neutral.txt"), "--format", "json", "--tier", "fast")
    files = run_cli("compare", *paths, str(EXAMPLES / "neutral.txt"), "--format", "json", "--tier", "fast")
    out = mixed.stdout.decode()
    assert all(url in out for url in urls), out[:2000]
    for url, path in zip(urls, paths):
        out = out.replace(json.dumps(url)[1:-1], json.dumps(path)[1:-1])
    assert json.loads(out) == _json(files)


def test_https_checks_the_certificate_against_the_links_host_name(tls_server):
    port, cert = tls_server
    # Trusted through $SSL_CERT_FILE, the certificate names localhost: the link by that name is read,
    # the same server by its address is refused, as the name sent in SNI and checked is the link's.
    good, wrong_name = f"https://localhost:{port}/article.html", f"https://127.0.0.1:{port}/article.html"
    result = run_cli("score", good, wrong_name, "--format", "json", "--tier", "fast", env={"SSL_CERT_FILE": str(cert)})
    err = result.stderr.decode()
    assert result.returncode == 1 and "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"framing: error: {wrong_name}: TLS certificate not valid: ")
    assert "mismatch" in lines[0], lines[0]
    scored = json.loads(result.stdout)
    assert [r["file"] for r in scored] == [good] and scored[0]["sentences"]


def test_https_refuses_an_untrusted_certificate(tls_server):
    port, _ = tls_server
    with pytest.raises(FramingError, match=r"^https://localhost:\d+/article.html: TLS certificate not valid: "):
        webfetch.fetch_article(f"https://localhost:{port}/article.html")


def test_cli_one_bad_link_is_one_line(server):
    base, _, _ = server
    line = assert_one_line_error(run_cli("score", f"{base}/missing", "--tier", "fast"), f"{base}/missing",
                                 "HTTP 404")
    assert line.startswith("framing: error: ")


def test_cli_reports_each_bad_link_in_one_line_and_scores_the_rest(server):
    base, _, _ = server
    bad = {f"{base}/missing": "HTTP 404", f"{base}/image": "unsupported content type image/png",
           f"{base}/loop/a": "redirect loop", f"{base}/empty": "the article is empty",
           f"{base}/binary-as-html": "binary content", "file:nowhere.txt": "no such file"}
    good = f"{base}/article.txt"
    result = run_cli("score", *bad, good, "--format", "json", "--tier", "fast")
    err = result.stderr.decode()
    assert result.returncode == 1 and "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == len(bad), err
    for line, (url, needle) in zip(lines, bad.items()):
        assert line.startswith(f"framing: error: {url}: ") and needle in line, line
    assert [r["file"] for r in json.loads(result.stdout)] == [good]
