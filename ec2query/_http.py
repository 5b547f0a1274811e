"""One HTTP exchange with an EC2 endpoint, bounded: the client's and the gateway forwarder's.

:func:`session` is a requests session that asks for no content coding, keeps no cookies
and lends no credentials over the signature (requests would put a ``~/.netrc`` entry,
or a URL's user part, in ``Authorization``). :func:`exchange` sends one signed request
through it and reads the answer within a deadline (the socket being read is shut when it
passes, so a peer trickling its header or body a byte at a time cannot hold the caller,
each read coming within the read timeout) and a size bound, and refuses an answer in a
content coding (a 2 MB gzip body inflates to gigabytes). The deadline counts from the
start and is kept once the answer is being read; until then, connecting, a TLS
handshake, a proxy's CONNECT and sending the request are bounded by requests' timeouts,
each step on its own. Through a SOCKS proxy the deadline is not kept. What comes back is an
:class:`Answer`; what does not, :class:`Unanswered`, naming why.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from http.cookiejar import DefaultCookiePolicy
from typing import TYPE_CHECKING, Any

from ._codec._xmlsafe import MAX_XML_BYTES

if TYPE_CHECKING:
    import requests

    from ._request import RawRequest

__all__ = ["MAX_ANSWER", "Answer", "Unanswered", "exchange", "session"]

#: The largest answer read: what the XML reader takes.
MAX_ANSWER = MAX_XML_BYTES
_CHUNK = 64 * 1024


@dataclass(frozen=True, slots=True)
class Answer:
    """An endpoint's answer, read whole: its status, headers (any case) and body."""

    status_code: int
    headers: Mapping[str, str]
    content: bytes


class Unanswered(Exception):
    """No answer that may be used came: ``kind`` is ``timeout`` (the deadline, or
    requests' own timeout), ``connection`` (the connection failed or broke), ``too-large``
    (over ``max_answer``) or ``coding`` (in a content coding none asked for); ``error``
    is requests' exception, where one was raised."""

    def __init__(self, kind: str, error: BaseException | None = None) -> None:
        super().__init__(kind)
        self.kind = kind
        self.error = error


def session() -> requests.Session:
    """A session for signed requests: no content coding, no cookies, no lent credentials,
    each connection watched for :func:`exchange`'s deadline. Proxies from the environment
    (``HTTPS_PROXY``) and its CA bundle are still used."""
    import requests

    made = requests.Session()
    made.headers["Accept-Encoding"] = "identity"
    made.cookies.set_policy(DefaultCookiePolicy(allowed_domains=[]))
    made.auth = _signed_as_is
    adapter = _watched_adapter()
    made.mount("http://", adapter)
    made.mount("https://", adapter)
    return made


def exchange(
    through: requests.Session, raw: RawRequest, *, timeout: Any, deadline: float | None,
    max_answer: int = MAX_ANSWER, verify: bool | str = True,
) -> Answer:
    """Send ``raw`` and read its answer whole, within ``deadline`` seconds (None: no
    bound but ``timeout``'s, requests' (connect, read)) and ``max_answer`` bytes;
    :class:`Unanswered` otherwise. Redirects are not followed."""
    import requests

    watch = _Watch(deadline)
    try:
        with watch:
            response = through.request(
                raw.method, raw.url, data=raw.body or None, headers=raw.headers,
                timeout=timeout, verify=verify, allow_redirects=False, stream=True,
            )
            with response:
                coding = response.headers.get("Content-Encoding", "identity").strip()
                if coding.lower() not in ("", "identity"):
                    raise Unanswered("coding")
                body = _bounded(response, max_answer)
    except requests.Timeout as exc:
        raise Unanswered("timeout", exc) from None
    except requests.RequestException as exc:
        raise Unanswered("timeout" if watch.cut else "connection", exc) from None
    if watch.cut:  # shut mid-header, http.client takes what came for a whole answer
        raise Unanswered("timeout")
    return Answer(response.status_code, response.headers, body)


def _bounded(response: requests.Response, limit: int) -> bytes:
    """The answer's body, refused once it is longer than ``limit``: at once when its
    ``Content-Length`` says so, else as its bytes pass the bound."""
    declared = response.headers.get("Content-Length", "").strip()
    if declared.isascii() and declared.isdigit() and int(declared) > limit:  # not "²"
        raise Unanswered("too-large")
    chunks, size = [], 0
    for chunk in response.iter_content(_CHUNK):
        size += len(chunk)
        if size > limit:
            raise Unanswered("too-large")
        chunks.append(chunk)
    return b"".join(chunks)


def _signed_as_is(request: Any) -> Any:
    """The session's auth: the request unchanged (requests would otherwise put a URL's
    user part or ``~/.netrc``'s entry in ``Authorization``, over the signature)."""
    return request


# ---------------------------------------------------------------------------- the deadline

_calls = threading.local()  # the calling thread's _Watch, for the connection it uses


class _Watch:
    """One exchange's deadline: a timer that shuts the socket the answer is read from.

    The socket is known from the moment the answer is read (the connection's
    ``getresponse``) until the connection goes back to the pool (its ``_put_conn``,
    which urllib3 calls once the last byte is read) or the exchange ends; the timer
    shuts it only then, holding the lock that forgetting it takes, so it never shuts
    a connection another call has taken since."""

    def __init__(self, seconds: float | None) -> None:
        self._lock = threading.Lock()
        self._sock: Any = None
        self._open = True
        self.expired = False
        self.cut = False  # the socket was shut: what was read of the answer is not one
        self._timer = None if seconds is None else threading.Timer(seconds, self._expire)
        if self._timer is not None:
            self._timer.daemon = True

    def __enter__(self) -> _Watch:
        _calls.watch = self
        if self._timer is not None:
            self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._timer is not None:
            self._timer.cancel()
        with self._lock:
            self._open = False
            self._sock = None
        _calls.watch = None

    def reading(self, sock: Any) -> None:
        """The answer is read from ``sock`` from now on."""
        with self._lock:
            if not self._open:
                return
            self._sock = sock
            if self.expired:
                self.cut = True
                _shut(sock)

    def released(self, sock: Any) -> None:
        """``sock``'s connection goes back to the pool: it is no longer this exchange's."""
        with self._lock:
            if self._sock is sock:
                self._sock = None

    def _expire(self) -> None:
        with self._lock:
            if not self._open:
                return
            self.expired = True
            if self._sock is not None:  # else no answer is being read: none is cut
                self.cut = True
                _shut(self._sock)


def _shut(sock: Any) -> None:
    """Shut ``sock`` (for TLS inside a TLS proxy, urllib3's transport: the socket under
    it), so that the blocked read returns and the call fails."""
    raw = getattr(sock, "socket", sock)  # SSLTransport has no shutdown of its own
    with contextlib.suppress(OSError, AttributeError):  # already closed, or not a socket
        raw.shutdown(socket.SHUT_RDWR)


def _watched_adapter() -> Any:
    """requests' adapter, its pools making connections that tell the calling thread's
    watch which socket answers, and when it is theirs no more."""
    from requests.adapters import HTTPAdapter
    from urllib3.connection import HTTPConnection, HTTPSConnection
    from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
    from urllib3.poolmanager import pool_classes_by_scheme as defaults

    class Watched:
        def getresponse(self, *args: Any, **kwargs: Any) -> Any:
            watch = getattr(_calls, "watch", None)
            sock = getattr(self, "sock", None)
            if watch is not None and sock is not None:
                watch.reading(sock)
            return super().getresponse(*args, **kwargs)  # type: ignore[misc]

    class Returning:
        def _put_conn(self, conn: Any) -> None:
            watch = getattr(_calls, "watch", None)
            if watch is not None and conn is not None:
                watch.released(getattr(conn, "sock", None))
            super()._put_conn(conn)  # type: ignore[misc]

    class WatchedHTTP(Watched, HTTPConnection):
        pass

    class WatchedHTTPS(Watched, HTTPSConnection):
        pass

    class HTTPPool(Returning, HTTPConnectionPool):
        ConnectionCls = WatchedHTTP

    class HTTPSPool(Returning, HTTPSConnectionPool):
        ConnectionCls = WatchedHTTPS

    pools = {"http": HTTPPool, "https": HTTPSPool}

    class Adapter(HTTPAdapter):
        def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
            super().init_poolmanager(*args, **kwargs)
            self.poolmanager.pool_classes_by_scheme = pools

        def proxy_manager_for(self, *args: Any, **kwargs: Any) -> Any:
            manager = super().proxy_manager_for(*args, **kwargs)  # through HTTPS_PROXY too
            if manager.pool_classes_by_scheme is defaults:  # not SOCKS': its pools make
                manager.pool_classes_by_scheme = pools  # connections of their own, unwatched
            return manager

    return Adapter()
