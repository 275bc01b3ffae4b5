"""An article from an http(s) link, fetched safely enough to do it for a stranger.

The command line fetches the links its user gives it; ``framing serve
--allow-urls`` fetches links that anyone who can reach the server sends. A
server that fetches any link is a way into the network behind it (SSRF: the
cloud's metadata service at 169.254.169.254, an admin page on 10.0.0.1, a
database on localhost), so with ``allow_private=False`` every address a host
resolves to must be global unicast, checked after DNS and again at every
redirect, which we follow ourselves for that reason.

Checking a name and then letting the HTTP library resolve it again would leave a
gap: a hostile DNS server can answer the second lookup with 127.0.0.1 (DNS
rebinding). So the name is resolved once (:func:`resolve`), the addresses are
checked, and the connection goes to a checked address (:func:`connect`), while
the request still carries the name in its Host header and TLS's SNI and
certificate check. For the same reason proxies from the environment
(``$http_proxy``) are not used: a proxy would resolve the name itself.

Limits: the whole fetch (DNS, every redirect, the body) takes at most
``timeout`` seconds, enforced by a watchdog that shuts the socket down, because
a per-read timeout alone lets a server dribble a byte every few seconds for
ever; the body may not exceed ``max_bytes`` (after decompression), and reading
stops as soon as it does.

The body is then read as an article file is (framing.textio.read_article): an
HTML page through framing.extract, a text/plain one as a ``.txt``. Only the
standard library is used: this is a core feature, and ``http.client`` lets us
connect to the checked address, which higher-level clients hide.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import threading
import time
import zlib
from dataclasses import dataclass
from urllib.parse import quote, urljoin, urlsplit

from framing._version import __version__
from framing.errors import FramingError
from framing.textio import decode_text, looks_binary

__all__ = [
    "USER_AGENT", "MAX_BYTES", "TIMEOUT", "MAX_REDIRECTS", "is_url", "refusal", "resolve", "connect",
    "fetch_article",
]

USER_AGENT = f"framing/{__version__} (+https://github.com/framing-dev/framing)"
MAX_BYTES = 5_000_000
TIMEOUT = 15.0
MAX_REDIRECTS = 5

_REDIRECTS = {301, 302, 303, 307, 308}
_HTML_TYPES = {"text/html", "application/xhtml+xml"}
_TEXT_TYPES = {"text/plain"}
_CHUNK = 65536
# NAT64 (RFC 6052) carries an IPv4 address in its last 32 bits; a gateway would
# connect to that address, so it is judged by it.
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_KINDS = (("is_loopback", "loopback"), ("is_link_local", "link-local"), ("is_multicast", "multicast"),
          ("is_unspecified", "unspecified"), ("is_private", "private"), ("is_reserved", "reserved"))


def is_url(s: str) -> bool:
    """True for an http:// or https:// link; anything else (file:, ftp:, data:, a path) is not one."""
    return isinstance(s, str) and s[:8].lower().startswith(("http://", "https://"))


def refusal(address: str) -> str | None:
    """Why a server must not fetch from this IP address ("loopback", "private", ...), or None if it is global.

    An IPv6 address that carries an IPv4 one (IPv4-mapped, 6to4, NAT64) is
    judged by the IPv4 address too, since that is where the packets go.
    """
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # "fe80::1%eth0": the zone is not part of the address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            # Judged by the IPv4 address alone: Python versions disagree on is_private for ::ffff:0:0/96.
            return refusal(str(ip.ipv4_mapped))
        inner = ip.sixtofour or (ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF) if ip in _NAT64 else None)
        if inner is not None and (why := refusal(str(inner))) is not None:
            return why
    for attribute, why in _KINDS:
        if getattr(ip, attribute):
            return why
    return None if ip.is_global else "non-global"


def resolve(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to, in the resolver's order, each once (the one DNS lookup of a hop)."""
    seen: dict[str, None] = {}
    for _family, _type, _proto, _canon, sockaddr in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM):
        seen.setdefault(sockaddr[0], None)
    return list(seen)


def connect(address: str, port: int, timeout: float) -> socket.socket:
    """A TCP connection to an IP address (already checked; never a name, which would be resolved again)."""
    return socket.create_connection((address, port), timeout=timeout)


@dataclass
class _Page:
    url: str
    body: bytes
    content_type: str | None
    charset: str | None


class _Deadline:
    """The fetch's total time budget, and a watchdog that cuts the connection when it runs out."""

    def __init__(self, seconds: float):
        self.end = time.monotonic() + seconds
        self.expired = False

    def remaining(self) -> float:
        left = self.end - time.monotonic()
        if left <= 0:
            self.expired = True
            raise TimeoutError
        return left

    def call(self, fn, *args):
        """``fn(*args)`` within the budget: for getaddrinfo, which takes no timeout of its own.

        On time-out the lookup is left to finish in its daemon thread (the
        system resolver gives up on its own); its answer is then discarded.
        """
        box: dict = {}

        def run() -> None:
            try:
                box["value"] = fn(*args)
            except BaseException as exc:  # handed to the caller's thread as is
                box["error"] = exc

        thread = threading.Thread(target=run, daemon=True, name="framing-resolve")
        thread.start()
        thread.join(self.remaining())
        if thread.is_alive():
            self.expired = True
            raise TimeoutError
        if "error" in box:
            raise box["error"]
        return box["value"]

    def watch(self, holder: list) -> threading.Timer:
        def cut() -> None:
            self.expired = True
            try:
                # socket.socket's own shutdown, also on an SSLSocket: SSLSocket.shutdown would drop
                # its SSL object under the reading thread's feet.
                socket.socket.shutdown(holder[0], socket.SHUT_RDWR)
            except (OSError, ValueError, TypeError):  # TypeError: no socket yet
                pass

        timer = threading.Timer(self.remaining(), cut)
        timer.daemon = True
        timer.start()
        return timer


class _PinnedConnection(http.client.HTTPConnection):
    """HTTP(S) to a given IP address, with the URL's host name in Host, SNI and the certificate check."""

    def __init__(self, host: str, port: int, address: str, deadline: _Deadline, holder: list,
                 tls: ssl.SSLContext | None):
        super().__init__(host, port, timeout=deadline.remaining())
        self.address = address
        self.deadline = deadline
        self.holder = holder
        self.tls = tls
        if tls is not None:
            self.default_port = 443  # so that Host carries no ":443"

    def connect(self) -> None:
        # The module's connect (a name that tests replace), not this method.
        sock = connect(self.address, self.port, self.deadline.remaining())
        self.holder[0] = sock
        if self.tls is not None:
            sock.settimeout(self.deadline.remaining())
            sock = self.tls.wrap_socket(sock, server_hostname=self.host)
            self.holder[0] = sock
        self.sock = sock


_tls_context: ssl.SSLContext | None = None


def _tls() -> ssl.SSLContext:
    # Loading the system's CA store takes a while; one context serves every fetch (it is thread-safe).
    global _tls_context
    if _tls_context is None:
        _tls_context = ssl.create_default_context()
    return _tls_context


def _one_line(text: object) -> str:
    return " ".join(str(text).split())


def _target(url: str) -> tuple[str, str, int, str]:
    """(scheme, ASCII host, port, request target) of a link, or why it cannot be fetched."""
    if not is_url(url):
        scheme = url.split(":", 1)[0] if ":" in url else ""
        raise ValueError(f"only http and https links are fetched, not {scheme + ':' if scheme else 'this'}")
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if parts.username is not None or parts.password is not None:
        raise ValueError("links with a user name or password are not fetched")
    host = parts.hostname
    if not host:
        raise ValueError("the link has no host")
    try:
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError:
        raise ValueError("the link's port is not a number from 0 to 65535") from None
    try:
        ipaddress.ip_address(host)
    except ValueError:
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            raise ValueError(f"not a valid host name: {host}") from None
    # Spaces and non-ASCII characters are percent-encoded as browsers do; existing escapes are kept.
    path = quote(parts.path or "/", safe="/%:@!$&'()*+,;=-._~")
    query = quote(parts.query, safe="/?%:@!$&'()*+,;=-._~")
    return scheme, host, port, path + ("?" + query if query else "")


def _addresses(host: str, port: int, deadline: _Deadline, allow_private: bool) -> list[str]:
    try:
        addresses = deadline.call(resolve, host, port)
    except socket.gaierror as exc:
        raise ValueError(f"cannot resolve host {host}: {_one_line(exc.strerror or exc)}") from None
    if not addresses:
        raise ValueError(f"cannot resolve host {host}")
    if not allow_private:
        # Every address, not only the first: the connection falls back to the next when one fails.
        for address in addresses:
            why = refusal(address)
            if why is not None:
                if address == host:
                    raise ValueError(f"refused: {address} is a {why} address")
                raise ValueError(f"refused: {host} resolves to {address}, a {why} address")
    return addresses


def _request(url: str, deadline: _Deadline, allow_private: bool, max_bytes: int) -> tuple[str | None, _Page | None]:
    """One hop: (the redirect's target, None) or (None, the page)."""
    scheme, host, port, target = _target(url)
    addresses = _addresses(host, port, deadline, allow_private)
    tls = _tls() if scheme == "https" else None
    last: OSError | None = None
    for address in addresses:
        holder: list = [None]
        conn = _PinnedConnection(host, port, address, deadline, holder, tls)
        timer = deadline.watch(holder)  # from the start: a TLS handshake can be dribbled too
        try:
            try:
                conn.connect()
            except ssl.SSLError:
                raise
            except OSError as exc:
                # Refused or unreachable on this address: the next one is tried, as socket.create_connection does.
                if deadline.expired or isinstance(exc, TimeoutError):
                    raise
                last = exc
                continue
            return _exchange(conn, holder, url, target, deadline, max_bytes)
        finally:
            timer.cancel()
            conn.close()
    assert last is not None
    raise last


def _exchange(conn: _PinnedConnection, holder: list, url: str, target: str, deadline: _Deadline,
              max_bytes: int) -> tuple[str | None, _Page | None]:
    conn.request("GET", target, headers={
        "User-Agent": USER_AGENT,
        "Accept": "text/html,application/xhtml+xml,text/plain;q=0.9",
        "Accept-Encoding": "gzip, deflate",
        "Connection": "close",
    })
    response = conn.getresponse()
    try:
        return _answer(response, holder, url, deadline, max_bytes)
    finally:
        response.close()


def _answer(response: http.client.HTTPResponse, holder: list, url: str, deadline: _Deadline,
            max_bytes: int) -> tuple[str | None, _Page | None]:
    status = response.status
    if status in _REDIRECTS:
        location = response.getheader("Location")
        if not location:
            raise ValueError(f"HTTP {status} redirect without a Location")
        return urljoin(url, location.strip()), None
    if status >= 400:
        raise ValueError(f"HTTP {status} {_one_line(response.reason)}".rstrip())
    if not 200 <= status < 300:
        raise ValueError(f"HTTP {status} {_one_line(response.reason)}: not a page".rstrip())
    declared = response.getheader("Content-Type")
    content_type = response.headers.get_content_type() if declared else None
    if content_type is not None and content_type not in _HTML_TYPES | _TEXT_TYPES:
        raise ValueError(f"unsupported content type {content_type} (framing reads text/html and text/plain)")
    length = response.getheader("Content-Length")
    if length and length.strip().isdigit() and int(length) > max_bytes:
        raise ValueError(f"the page is {int(length):,} bytes, over the limit of {max_bytes:,}")
    body = _read_body(response, holder, deadline, max_bytes)
    return None, _Page(url, body, content_type, response.headers.get_content_charset())


def _read_body(response: http.client.HTTPResponse, holder: list, deadline: _Deadline, max_bytes: int) -> bytes:
    encoding = (response.getheader("Content-Encoding") or "identity").strip().lower()
    if encoding not in {"identity", "gzip", "x-gzip", "deflate"}:
        raise ValueError(f"unsupported content encoding {encoding}")
    # wbits 32+: a gzip or zlib header, detected; output capped so a small bomb cannot fill memory.
    inflate = None if encoding == "identity" else zlib.decompressobj(zlib.MAX_WBITS | 32)
    parts: list[bytes] = []
    size = 0
    too_big = ValueError(f"the page is over the limit of {max_bytes:,} bytes")
    while True:
        holder[0].settimeout(deadline.remaining())
        chunk = response.read1(_CHUNK)  # one receive at most, so the deadline is checked between them
        deadline.remaining()
        if not chunk:
            break
        if inflate is not None:
            try:
                chunk = inflate.decompress(chunk, max_bytes + 1 - size)
            except zlib.error:
                raise ValueError(f"the page's {encoding} body is corrupt") from None
            if inflate.unconsumed_tail:
                raise too_big
        size += len(chunk)
        if size > max_bytes:
            raise too_big
        parts.append(chunk)
    if inflate is not None:
        rest = inflate.flush()
        size += len(rest)
        if size > max_bytes:
            raise too_big
        parts.append(rest)
    return b"".join(parts)


def _text(page: _Page) -> str:
    """The page's bytes as the article text a ``.html`` or ``.txt`` file would give."""
    kind = page.content_type
    if kind is None:
        # No Content-Type: sniffed as a file would be by its suffix, from what it starts with.
        if looks_binary(page.body):
            raise ValueError("not a text page (binary content)")
        kind = "text/html" if page.body.lstrip()[:1] == b"<" else "text/plain"
    if looks_binary(page.body):
        raise ValueError(f"not a text page (binary content, though served as {kind})")
    text = _decode(page.body, page.charset, page.url)
    if kind in _HTML_TYPES:
        from framing.extract import html_to_text

        text = html_to_text(text, page.url)
    if not text.strip():
        raise ValueError("the article is empty")
    return text


def _decode(body: bytes, charset: str | None, url: str) -> str:
    if charset:
        import codecs

        try:
            codec = codecs.lookup(charset).name
        except LookupError:
            codec = None  # an unknown charset name: decoded as a file would be
        if codec in ("iso8859-1", "ascii"):
            # Browsers read these labels as Windows-1252 (WHATWG Encoding), and pages that
            # say "iso-8859-1" use its curly quotes, which the quote detection needs.
            return _cp1252(body)
        if codec is not None:
            if codec == "utf-8" and body.startswith(b"\xef\xbb\xbf"):
                body = body[3:]
            try:
                return body.decode(codec)
            except UnicodeDecodeError as exc:
                raise ValueError(f"the page is not valid {charset} as it says (byte {exc.start})") from None
    return decode_text(body, url)


def _cp1252(body: bytes) -> str:
    try:
        return body.decode("cp1252")
    except UnicodeDecodeError:  # the five bytes cp1252 leaves undefined
        return body.decode("latin-1")


def fetch_article(url: str, *, allow_private: bool = True, max_bytes: int = MAX_BYTES, timeout: float = TIMEOUT,
                  max_redirects: int = MAX_REDIRECTS) -> str:
    """The article at an http(s) link as text ready for scoring (headline on the first line).

    Read as a file of the same type would be (framing.textio.read_article): an
    HTML page's article is extracted, a text/plain page is the article. Every
    failure raises :class:`FramingError` naming ``url``, in one line. With
    ``allow_private=False`` (a server fetching for others), a host with any
    non-global address is refused, at every redirect. ``timeout`` bounds the
    whole fetch, redirects included; ``max_bytes`` the body.
    """
    deadline = _Deadline(timeout)
    current, seen = url, {url}
    try:
        for hop in range(max_redirects + 1):
            try:
                redirect, page = _request(current, deadline, allow_private, max_bytes)
            except ValueError as exc:
                if current != url:
                    raise ValueError(f"redirected to {current}: {exc}") from None
                raise
            if page is not None:
                return _text(page)
            if hop == max_redirects:
                raise ValueError(f"more than {max_redirects} redirects")
            if redirect in seen:
                raise ValueError(f"redirect loop (back to {redirect})")
            if not is_url(redirect):
                raise ValueError(f"redirected to {redirect}: only http and https links are fetched")
            seen.add(redirect)
            current = redirect
        raise AssertionError("unreachable")  # the loop returns or raises
    except FramingError as exc:
        raise FramingError(exc.message, url) from None
    except ssl.SSLCertVerificationError as exc:  # before ValueError, which it also is
        raise FramingError(f"TLS certificate not valid: {_one_line(exc.verify_message or exc)}", url) from None
    except ssl.SSLError as exc:
        if deadline.expired:
            raise FramingError(f"timed out after {timeout:g} s", url) from None
        raise FramingError(f"TLS error: {_one_line(exc.reason or exc)}", url) from None
    except ValueError as exc:
        raise FramingError(_one_line(exc), url) from None
    except TimeoutError:
        raise FramingError(f"timed out after {timeout:g} s", url) from None
    except ConnectionRefusedError:
        raise FramingError("connection refused", url) from None
    except http.client.InvalidURL as exc:
        raise FramingError(f"not a valid link: {_one_line(exc)}", url) from None
    except (http.client.HTTPException, OSError) as exc:
        if deadline.expired:
            raise FramingError(f"timed out after {timeout:g} s", url) from None
        if isinstance(exc, http.client.IncompleteRead):
            raise FramingError("the connection closed before the whole page arrived", url) from None
        if isinstance(exc, http.client.HTTPException):
            raise FramingError(f"not a valid HTTP response ({type(exc).__name__})", url) from None
        raise FramingError(f"cannot fetch: {_one_line(exc.strerror or exc)}", url) from None
