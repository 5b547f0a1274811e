"""``requests`` auth adapters: thin wrappers around the pure signers.

Usage::

    requests.post(url, data=body, auth=SigV4Auth(credentials, "us-east-1"))

Each adapter asks its credentials provider for current credentials at every
signing (so refreshed session tokens are picked up), reads the clock, calls
the one signer of its algorithm (``SigV4Auth`` holds a ``Signer``), and writes
the result into the prepared request. Refusals are ``UsageError`` (a
``ValueError``) or the form parser's ``RequestError``. What is
signed is exactly what is sent: a text body is encoded to UTF-8 bytes first,
the query is read by the one form parser and rewritten with the shared
percent-encoder, and for SigV2 the form body is rebuilt with it (never
``parse_qs`` then re-quoted by other rules).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone
from urllib.parse import urlsplit, urlunsplit

from requests.auth import AuthBase
from requests.models import PreparedRequest

from .._codec.query import split_pairs
from .._errors import UsageError
from .._percent import encode_pairs
from . import _sigv2 as sigv2
from ._credentials import Credentials, CredentialsProvider
from ._sigv4 import Signer

__all__ = ["FORM_CONTENT_TYPE", "SigV2Auth", "SigV4Auth"]

#: The Content-Type botocore sends for EC2 Query bodies.
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded; charset=utf-8"


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


def _body_bytes(request: PreparedRequest) -> bytes:
    """The body as bytes, written back so the bytes signed are the bytes sent."""
    body = request.body
    if body is None:
        return b""
    if isinstance(body, str):
        body = body.encode("utf-8")
    if not isinstance(body, (bytes, bytearray)):
        raise UsageError("ec2query auth adapters sign bytes or text bodies, not streams")
    body = bytes(body)
    _set_body(request, body)
    return body


def _set_body(request: PreparedRequest, body: bytes) -> None:
    request.body = body
    request.headers["Content-Length"] = str(len(body))


def _with_query(url: str, query: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", query, ""))


def _pairs(data: str | bytes) -> list[tuple[str, str]]:
    """The pairs of a query string or form body, by the one form parser."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    return split_pairs(data) if data else []


class SigV4Auth(AuthBase):
    """Sign each request with SigV4 in the ``Authorization`` header.

    Signs ``host``, ``content-type`` and every ``x-amz-*`` header. A POST with a
    body and no Content-Type gets EC2's form Content-Type. The adapter holds one
    :class:`~ec2query.auth.Signer` (and so its cache of derived keys).
    """

    def __init__(
        self,
        credentials: Credentials | CredentialsProvider,
        region: str,
        service: str = "ec2",
        *,
        clock: Callable[[], datetime] = _utcnow,
        content_sha256: bool = False,
    ) -> None:
        self.signer = Signer(credentials, region, service)
        self.clock = clock
        self.content_sha256 = content_sha256

    @property
    def credentials(self) -> Credentials | CredentialsProvider:
        return self.signer.credentials

    @property
    def region(self) -> str:
        return self.signer.region

    @property
    def service(self) -> str:
        return self.signer.service

    def __repr__(self) -> str:
        return f"SigV4Auth(region={self.region!r}, service={self.service!r})"

    def __call__(self, request: PreparedRequest) -> PreparedRequest:
        body = _body_bytes(request)
        method = (request.method or "GET").upper()
        if body and method == "POST" and "Content-Type" not in request.headers:
            request.headers["Content-Type"] = FORM_CONTENT_TYPE
        url = request.url or ""
        query = urlsplit(url).query
        if query:
            url = _with_query(url, encode_pairs(_pairs(query)))
            request.url = url
        names = [n for n in request.headers
                 if n.lower() in ("host", "content-type") or n.lower().startswith("x-amz-")]
        added = self.signer.sign_headers(
            method=method, url=url, headers=[(k, v if isinstance(v, str) else v.decode("latin-1"))
                                     for k, v in request.headers.items()], body=body,
            timestamp=self.clock(), signed_headers=names, content_sha256=self.content_sha256,
        )
        for name in ("Authorization", "X-Amz-Date", "X-Amz-Security-Token",
                     "X-Amz-Content-Sha256"):
            request.headers.pop(name, None)
        request.headers.update(added)
        return request


class SigV2Auth(AuthBase):
    """Sign each request with SigV2 (``HmacSHA256`` or ``HmacSHA1``).

    GET: the auth parameters join the query. POST: the query's parameters and
    the form body's are signed together and sent together in the body.
    """

    def __init__(
        self,
        credentials: Credentials | CredentialsProvider,
        method: str = "HmacSHA256",
        *,
        clock: Callable[[], datetime] = _utcnow,
    ) -> None:
        if method not in sigv2.SIGNATURE_METHODS:
            raise UsageError(f"Unsupported SignatureMethod {method!r:.64}: expected HmacSHA256 "
                             "or HmacSHA1", code="InvalidParameterValue")
        self.credentials = credentials
        self.method = method
        self.clock = clock

    def __repr__(self) -> str:
        return f"SigV2Auth(method={self.method!r})"

    def __call__(self, request: PreparedRequest) -> PreparedRequest:
        credentials = self.credentials.get_credentials()
        http_method = (request.method or "GET").upper()
        url = request.url or ""
        body = _body_bytes(request)
        params = _pairs(urlsplit(url).query)
        if http_method == "POST":
            ctype = request.headers.get("Content-Type")
            if ctype is None:
                request.headers["Content-Type"] = FORM_CONTENT_TYPE
            elif not (ctype.decode("latin-1") if isinstance(ctype, bytes) else ctype).lower(
                    ).startswith("application/x-www-form-urlencoded"):
                raise UsageError("SigV2 POST needs a form-encoded body")
            params += _pairs(body)
            url = _with_query(url, "")
        signed = sigv2.sign_params(
            method=http_method, url=url, params=params, credentials=credentials,
            timestamp=self.clock(), signature_method=self.method,
        )
        encoded = encode_pairs(signed)
        if http_method == "POST":
            request.url = url
            _set_body(request, encoded.encode("ascii"))
        else:
            request.url = _with_query(url, encoded)
        return request
