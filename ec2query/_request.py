"""Signed raw requests: what goes on the wire, as a value you can print, send or diff.

``build_signed_request`` serializes an operation's params with the Query codec
and signs them (SigV4 header, SigV4 presigned query, or SigV2); ``RawRequest``
renders the result as raw HTTP/1.1 bytes or a curl command line. Header names
and values are checked on construction, so no CR/LF can inject a header.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any
from urllib.parse import SplitResult, urlsplit

from ._codec.query import encode_query, to_query
from ._errors import RequestError, UsageError
from ._percent import encode_form
from .auth import _sigv2 as sigv2
from .auth import _sigv4 as sigv4
from .auth._credentials import Credentials, CredentialsProvider
from .auth._util import host_for_signing

__all__ = [
    "FORM_CONTENT_TYPE",
    "SIGNATURES",
    "RawRequest",
    "build_signed_request",
    "parse_timestamp",
    "sign_query_pairs",
]

#: The Content-Type botocore sends with EC2 Query bodies.
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded; charset=utf-8"
SIGNATURES = ("v4", "v4-query", "v2")

_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+\Z")
_BAD_VALUE = re.compile(r"[\r\n\0]")
_BAD_URL = re.compile(r"[\x00-\x20\x7f]")


@dataclass(frozen=True, slots=True)
class RawRequest:
    """One HTTP request exactly as it will be sent."""

    method: str
    url: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    def __post_init__(self) -> None:
        if not _TOKEN.match(self.method):
            raise UsageError(f"Invalid HTTP method {self.method!r}")
        if _BAD_URL.search(self.url) or "://" not in self.url:
            raise UsageError("The URL must be absolute and contain no spaces or control characters")
        headers = dict(self.headers)
        for name, value in headers.items():
            if not _TOKEN.match(name):
                raise UsageError(f"Invalid header name {name!r}")
            if _BAD_VALUE.search(value):
                raise UsageError(f"The value of header {name} contains CR, LF or NUL")
        object.__setattr__(self, "headers", headers)
        object.__setattr__(self, "body", bytes(self.body))

    @classmethod
    def _trusted(cls, method: str, url: str, headers: dict[str, str], body: bytes) -> RawRequest:
        """A request built by this module from parts already known to pass the checks
        of ``__post_init__`` (a fresh ``headers`` dict it owns, ``bytes`` body)."""
        self = object.__new__(cls)
        setattr_ = object.__setattr__
        setattr_(self, "method", method)
        setattr_(self, "url", url)
        setattr_(self, "headers", headers)
        setattr_(self, "body", body)
        return self

    @property
    def target(self) -> str:
        """The request target of the request line: path and query."""
        parts = urlsplit(self.url)
        return f"{parts.path or '/'}?{parts.query}" if parts.query else parts.path or "/"

    def _wire_headers(self) -> list[tuple[str, str]]:
        names = {n.lower() for n in self.headers}
        out = list(self.headers.items())
        if "host" not in names:
            parts = urlsplit(self.url)
            out.insert(0, ("Host", host_for_signing(parts.scheme, parts.netloc)))
        if "content-length" not in names and (self.body or self.method in ("POST", "PUT")):
            out.append(("Content-Length", str(len(self.body))))
        return out

    def to_http(self) -> bytes:
        """The raw HTTP/1.1 request: request line, headers, blank line, body."""
        lines = [f"{self.method} {self.target} HTTP/1.1"]
        lines += [f"{n}: {v}" for n, v in self._wire_headers()]
        try:
            head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        except UnicodeEncodeError:
            raise UsageError("A header value is not ISO-8859-1 text") from None
        return head + self.body

    def to_curl(self) -> str:
        """A shell-quoted curl command that sends the same request."""
        words = ["curl"]
        if self.method != "GET" or self.body:
            words += ["-X", self.method]
        words.append(self.url)
        for name, value in self._wire_headers():
            if name.lower() != "content-length":  # curl computes it from the data
                words += ["-H", f"{name}: {value}"]
        if self.body:
            words += ["--data-raw", self.body.decode("utf-8", errors="surrogateescape")]
        return " ".join(shlex.quote(w) for w in words)


@lru_cache(maxsize=32)
def _endpoint(endpoint: str) -> tuple[SplitResult, str, str]:
    """(parts, base URL with path, Host value) for an endpoint URL or bare host name."""
    url = endpoint if "://" in endpoint else f"https://{endpoint}"
    try:
        parts = urlsplit(url)
        url.encode("utf-8")
    except ValueError:  # an unclosed "[" in the host; a lone surrogate
        parts = None
    if (parts is None or parts.scheme not in ("http", "https") or not parts.netloc
            or parts.query or parts.fragment):
        raise UsageError(f"Invalid endpoint {endpoint!r}: expected https://host[:port][/path]")
    base = f"{parts.scheme}://{parts.netloc}{parts.path or '/'}"
    return parts, base, host_for_signing(parts.scheme, parts.netloc)


@lru_cache(maxsize=64)
def _v4_plan(endpoint: str, region: str, creds: Credentials
             ) -> tuple[str, str, sigv4.FormPostSigner, bool]:
    """``(base URL, Host, signer, trusted)`` for v4 POSTs to ``endpoint``.

    ``trusted``: the request passes ``RawRequest``'s checks as it stands (its
    other header values are fixed text, a date, a length and hex digits).
    """
    _, base, host = _endpoint(endpoint)
    signer = sigv4.FormPostSigner(url=base, host=host, content_type=FORM_CONTENT_TYPE,
                                  credentials=creds, region=region)
    values = (host, creds.access_key, region, creds.token or "")
    trusted = not (_BAD_URL.search(base) or "://" not in base
                   or any(_BAD_VALUE.search(v) for v in values))
    return base, host, signer, trusted


_LAST_V4_PLAN: tuple[Any, ...] = (None, None, None, None)


def _set_last_v4_plan(entry: tuple[Any, ...]) -> None:
    global _LAST_V4_PLAN
    _LAST_V4_PLAN = entry


def _sign_v4_body(body: bytes, endpoint: str, creds: Credentials, region: str,
                  date: str) -> RawRequest:
    """The v4 POST of a form ``body``: what ``sign_headers`` gives, from a cached signer."""
    last = _LAST_V4_PLAN  # the same endpoint, region and credentials object as last time
    if last[0] is creds and last[1] == endpoint and last[2] == region:
        base, host, signer, trusted = last[3]
    else:
        try:
            plan = _v4_plan(endpoint, region, creds)
        except TypeError:  # unhashable credentials (a duck-typed provider's): no cache
            plan = _v4_plan.__wrapped__(endpoint, region, creds)
        _set_last_v4_plan((creds, endpoint, region, plan))
        base, host, signer, trusted = plan
    token = signer.token
    if token:
        headers = {"Host": host, "Content-Type": FORM_CONTENT_TYPE, "X-Amz-Date": date,
                   "X-Amz-Security-Token": token,
                   "Authorization": signer.authorization(body, date),
                   "Content-Length": str(len(body))}
    else:
        headers = {"Host": host, "Content-Type": FORM_CONTENT_TYPE, "X-Amz-Date": date,
                   "Authorization": signer.authorization(body, date),
                   "Content-Length": str(len(body))}
    if trusted:
        return RawRequest._trusted("POST", base, headers, body)
    return RawRequest("POST", base, headers, body)


def parse_timestamp(value: datetime | str | None) -> datetime:
    """An aware UTC datetime from a datetime, an ISO 8601 string, or None (now)."""
    if value is None:
        return datetime.now(timezone.utc)
    if isinstance(value, str):
        text = value.strip()
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        try:
            value = datetime.fromisoformat(text)
        except ValueError:
            raise UsageError(f"Invalid timestamp {value!r}: expected ISO 8601") from None
    if value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


def sign_query_pairs(
    pairs: Iterable[tuple[str, str]],
    *,
    endpoint: str,
    credentials: Credentials | CredentialsProvider,
    region: str = "us-east-1",
    signature: str = "v4",
    timestamp: datetime | str | None = None,
    expires: int = 3600,
) -> RawRequest:
    """Sign already-serialized Query pairs (``Action`` and ``Version`` included)."""
    creds = credentials.get_credentials()
    when = parse_timestamp(timestamp)
    _, base, host = _endpoint(endpoint)
    if signature == "v4":
        body = encode_form(pairs).encode("ascii")
        return _sign_v4_body(body, endpoint, creds, region, sigv4.amz_date(when))
    if signature == "v4-query":
        url = sigv4.presign_url(url=base, params=pairs, headers={"Host": host}, credentials=creds,
                                region=region, timestamp=when, expires=expires)
        return RawRequest("GET", url, {"Host": host})
    if signature == "v2":
        signed = sigv2.sign_params(method="POST", url=base, params=pairs, credentials=creds,
                                   timestamp=when)
        body = encode_form(signed).encode("ascii")
        headers = {"Host": host, "Content-Type": FORM_CONTENT_TYPE,
                   "Content-Length": str(len(body))}
        return RawRequest("POST", base, headers, body)
    raise UsageError(f"Invalid signature {signature!r}: expected one of {', '.join(SIGNATURES)}")


def build_signed_request(
    operation: str,
    params: Mapping[str, Any],
    *,
    endpoint: str,
    credentials: Credentials | CredentialsProvider,
    region: str = "us-east-1",
    signature: str = "v4",
    version: str = "2016-11-15",
    timestamp: datetime | str | None = None,
    expires: int = 3600,
) -> RawRequest:
    """Serialize ``params`` for ``operation`` and sign them into a ready-to-send request.

    ``signature``: ``"v4"`` (POST, form body, Authorization header, as botocore
    sends it), ``"v4-query"`` (GET, everything in a presigned URL valid for
    ``expires`` seconds) or ``"v2"`` (POST, SigV2 HmacSHA256 in the body).
    ``timestamp`` (datetime or ISO 8601) makes the output reproducible.
    """
    if signature == "v4":
        # The body text straight from the encoder, then its bytes signed. Anything the
        # text path refuses goes through the general path below, which raises as before.
        try:
            text: str | None = encode_query(operation, params, version=version)
        except Exception:
            text = None
        if text is not None:
            creds = credentials.get_credentials()
            date = sigv4.amz_date_now() if timestamp is None else sigv4.amz_date(
                parse_timestamp(timestamp))
            return _sign_v4_body(text.encode("ascii"), endpoint, creds, region, date)
    try:
        return sign_query_pairs(to_query(operation, params, version=version), endpoint=endpoint,
                                credentials=credentials, region=region, signature=signature,
                                timestamp=timestamp, expires=expires)
    except UnicodeEncodeError as exc:  # a lone surrogate: the text cannot go on the wire
        raise RequestError(
            "InvalidParameterValue", f"A parameter value is not valid Unicode text: {exc.reason}"
        ) from None
