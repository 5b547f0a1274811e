"""Forwarding: re-sign a validated request for the upstream endpoint and relay its answer.

A modeled operation is re-encoded from its validated params; with pass-through, an
operation outside the model is relayed as its pairs came (``relay``), re-signed.

What comes back is bounded as a request is: the whole exchange within ``deadline``
seconds (a socket the upstream trickles into is shut when it passes), an answer of at
most ``max_answer`` bytes, asked for and taken only without a content coding (a small
gzip body can inflate to gigabytes), with a final status that carries a body, and a
``Content-Type`` that is a media type. Anything else is EC2's 503
``ServiceUnavailable``, as an unreachable upstream is. The session keeps no cookies
and lends no credentials (``~/.netrc``, a URL's user part) to the signed request.
"""

from __future__ import annotations

import contextlib
import re
import socket
import threading
from http.cookiejar import DefaultCookiePolicy
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from .._codec._xmlsafe import MAX_XML_BYTES
from .._codec.xml import parse_response
from .._errors import ServiceError
from .._model import CURRENT_VERSION
from .._request import Endpoint, RawRequest, build_signed_request, sign_query_pairs
from ..auth._credentials import resolve_credentials
from ..auth._sigv4 import Signer
from ..auth._verify import check_region

__all__ = ["Forwarder"]

#: The seconds one upstream exchange may take, connecting to the last byte of the answer.
DEADLINE = 30.0
_XML_TYPE = "text/xml;charset=UTF-8"
#: A media type as RFC 9110 8.3.1 writes one (type/subtype, then parameters), in
#: visible ASCII and spaces: nothing that could end the header or start another.
_MEDIA_TYPE = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+/[!#$%&'*+.^_`|~0-9A-Za-z-]+"
                         r"(?:[ \t]*;[ -~\t]*)?")


class Forwarder:
    """Send validated params upstream, signed with the gateway's own credentials.

    The forwarder holds one :class:`~ec2query.auth.Signer` for upstream and the
    upstream endpoint read once.
    """

    def __init__(
        self,
        endpoint: str,
        credentials: Any = None,
        *,
        region: str = "us-east-1",
        timeout: float | tuple[float, float] = (5.0, 60.0),
        deadline: float = DEADLINE,
        max_answer: int = MAX_XML_BYTES,
    ) -> None:
        check_region(region)  # an empty one signed a scope no endpoint accepts
        self._endpoint = Endpoint.parse(endpoint)
        self.endpoint = endpoint
        self.credentials = credentials if credentials is not None else resolve_credentials()
        self.region = region
        self.signer = Signer(self.credentials, region)
        self.timeout = timeout
        self.deadline = deadline
        self.max_answer = max_answer
        self.session = requests.Session()
        self.session.headers["Accept-Encoding"] = "identity"
        self.session.cookies.set_policy(DefaultCookiePolicy(allowed_domains=[]))
        self.session.auth = _signed_as_is  # no netrc, no URL user part over the signature
        adapter = _DeadlineAdapter()
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)

    def __call__(
        self, operation: str, params: dict[str, Any], version: str
    ) -> tuple[int, str, bytes]:
        """Send a validated request, encoded from the model at ``version``."""
        return self._send(
            build_signed_request(
                operation, params, endpoint=self._endpoint, signer=self.signer, version=version
            )
        )

    def read(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        """A read-only operation's result from upstream, parsed as the backend gives it
        (the policy's view of the groups); upstream's error as ServiceError."""
        status, _, body = self(operation, params, CURRENT_VERSION)
        result = parse_response(operation, body)  # an error document raises ServiceError
        if status != 200:
            raise _unavailable(f"The upstream endpoint answered HTTP {status}")
        return result

    def relay(self, pairs: list[tuple[str, str]]) -> tuple[int, str, bytes]:
        """Send the request's own pairs (``Action`` and ``Version`` included, the
        client's signature parameters removed) unchanged, signed for upstream."""
        return self._send(sign_query_pairs(pairs, endpoint=self._endpoint, signer=self.signer))

    def _send(self, raw: RawRequest) -> tuple[int, str, bytes]:
        """Upstream's answer to ``raw``: ``(status, content type, body)``, within bounds."""
        watch = _Watch(self.deadline)
        try:
            with watch:
                response = self.session.request(
                    raw.method, raw.url, data=raw.body or None, headers=raw.headers,
                    timeout=self.timeout, allow_redirects=False, stream=True,
                )
                with response:
                    status = response.status_code
                    if not (200 <= status < 600) or status in _BODILESS:
                        raise _unavailable(f"The upstream endpoint answered HTTP {status}")
                    coding = response.headers.get("Content-Encoding", "identity").strip()
                    if coding.lower() not in ("", "identity"):
                        raise _unavailable("The upstream endpoint answered in a content "
                                           "coding it was not asked for")
                    body = self._bounded(response)
        except requests.RequestException as exc:
            reason = _LATE if watch.expired else type(exc).__name__
            raise _unavailable(f"The upstream endpoint could not be reached: {reason}") from None
        if watch.expired:  # shut mid-header, http.client takes what came for a whole answer
            raise _unavailable(f"The upstream endpoint could not be reached: {_LATE}")
        content_type = response.headers.get("Content-Type", _XML_TYPE)
        if len(content_type) > 256 or not _MEDIA_TYPE.fullmatch(content_type):
            content_type = _XML_TYPE  # EC2's own, rather than a header that is not one
        return status, content_type, body

    def _bounded(self, response: requests.Response) -> bytes:
        """The answer's body, refused once it is longer than ``max_answer``."""
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > self.max_answer:
            raise _too_large(self.max_answer)
        chunks, size = [], 0
        for chunk in response.iter_content(64 * 1024):
            size += len(chunk)
            if size > self.max_answer:
                raise _too_large(self.max_answer)
            chunks.append(chunk)
        return b"".join(chunks)


_LATE = "took longer than the deadline"
#: Final statuses that carry no body (RFC 9110 15.3.5, 15.3.6, 15.4.5): not an answer.
_BODILESS = frozenset({204, 205, 304})


def _unavailable(message: str) -> ServiceError:
    return ServiceError("ServiceUnavailable", message, http_status=503)


def _too_large(limit: int) -> ServiceError:
    return _unavailable(f"The upstream endpoint's answer is larger than {limit} bytes")


def _signed_as_is(request: Any) -> Any:
    """The session's auth: the request unchanged (requests would otherwise put a URL's
    user part or ``~/.netrc``'s entry in ``Authorization``, over the signature)."""
    return request


# ---------------------------------------------------------------------------- the deadline

_calls = threading.local()  # the calling thread's _Watch, for the connection it uses


class _Watch:
    """One exchange's deadline: a timer that shuts the socket the answer is read from,
    so that an upstream trickling its header or body (each read within the read
    timeout) cannot hold the caller, and its thread, without end. The socket is shut
    only while the exchange lasts; it is never one another call has taken since."""

    def __init__(self, seconds: float) -> None:
        self._lock = threading.Lock()
        self._sock: Any = None
        self._open = True
        self.expired = False
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def __enter__(self) -> _Watch:
        _calls.watch = self
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()
        with self._lock:
            self._open = False
            self._sock = None
        _calls.watch = None

    def reading(self, sock: Any) -> None:
        """The exchange's answer is read from ``sock`` from now on."""
        with self._lock:
            if not self._open:
                return
            self._sock = sock
            expired = self.expired
        if expired:
            _shut(sock)

    def _expire(self) -> None:
        with self._lock:
            if not self._open:
                return
            self.expired = True
            sock = self._sock
        if sock is not None:
            _shut(sock)


def _shut(sock: Any) -> None:
    with contextlib.suppress(OSError):  # already closed
        sock.shutdown(socket.SHUT_RDWR)  # the blocked read returns, and the call fails


class _Watched:
    """A connection that tells the calling thread's watch which socket answers."""

    def getresponse(self, *args: Any, **kwargs: Any) -> Any:
        watch = getattr(_calls, "watch", None)
        sock = getattr(self, "sock", None)
        if watch is not None and sock is not None:
            watch.reading(sock)
        return super().getresponse(*args, **kwargs)  # type: ignore[misc]


class _HTTPConnection(_Watched, HTTPConnection):
    pass


class _HTTPSConnection(_Watched, HTTPSConnection):
    pass


class _HTTPPool(HTTPConnectionPool):
    ConnectionCls = _HTTPConnection


class _HTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _HTTPSConnection


class _DeadlineAdapter(HTTPAdapter):
    """requests' adapter, its pools making watched connections."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _POOLS

    def proxy_manager_for(self, *args: Any, **kwargs: Any) -> Any:
        manager = super().proxy_manager_for(*args, **kwargs)  # through HTTPS_PROXY too
        manager.pool_classes_by_scheme = _POOLS
        return manager


_POOLS = {"http": _HTTPPool, "https": _HTTPSPool}
