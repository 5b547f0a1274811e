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
from typing import Any
from urllib.parse import urlsplit

from ._codec.query import encode_query, to_query
from ._errors import RequestError, UsageError
from ._percent import encode_form
from .auth import _sigv2 as sigv2
from .auth._credentials import Credentials, CredentialsProvider
from .auth._sigv4 import Signer
from .auth._util import host_for_signing

__all__ = [
    "FORM_CONTENT_TYPE",
    "SIGNATURES",
    "UNSIGNED",
    "Endpoint",
    "RawRequest",
    "build_signed_request",
    "parse_timestamp",
    "region_of_endpoint",
    "require_region",
    "sign_query_pairs",
]

#: The Content-Type botocore sends with EC2 Query bodies.
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded; charset=utf-8"
SIGNATURES = ("v4", "v4-query", "v2")
#: The ``signature`` of a request sent unsigned (aws-cli's ``--no-sign-request``):
#: the v4 form POST without ``Authorization``; no credentials or region are needed.
UNSIGNED = "none"

_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+\Z")
_BAD_VALUE = re.compile(r"[\r\n\0]")
_BAD_URL = re.compile(r"[\x00-\x20\x7f]")
#: EC2's regional endpoint host names: ``ec2.REGION.amazonaws.com`` (``.com.cn`` in China),
#: with the FIPS and dual-stack spellings.
_REGIONAL_HOST = re.compile(
    r"ec2(?:-fips)?\.([a-z]{2}(?:-[a-z]+)+-\d+)\.(?:api\.aws|amazonaws\.com(?:\.cn)?)\Z")
#: aws-cli's text when nothing names a region (botocore's ``NoRegionError``).
NO_REGION = ('You must specify a region. You can also configure your region with --region, '
             'AWS_REGION, AWS_DEFAULT_REGION or the profile\'s "region".')
_COMMON_METHODS = frozenset({"GET", "POST", "PUT", "HEAD", "DELETE", "OPTIONS", "PATCH"})


#: The header names a signed request is made of: tokens, known without a scan.
_SIGNING_NAMES = frozenset({"Host", "Content-Type", "Content-Length", "X-Amz-Date",
                            "X-Amz-Security-Token", "X-Amz-Content-Sha256", "Authorization"})


def _plain_names(headers: dict[str, str]) -> bool:
    """Whether every name is letters, digits and ``-`` (so a token), checked at once;
    other names go through ``_TOKEN`` one by one."""
    if headers.keys() <= _SIGNING_NAMES:
        return True
    joined = "".join(headers)
    return "" not in headers and joined.isascii() and joined.replace("-", "").isalnum()


def _clean(value: str) -> bool:
    """No CR, LF or NUL (what ``_BAD_VALUE`` finds), by three substring scans."""
    return "\r" not in value and "\n" not in value and "\0" not in value


@dataclass(frozen=True, slots=True)
class RawRequest:
    """One HTTP request exactly as it will be sent."""

    method: str
    url: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    def __post_init__(self) -> None:
        method, url = self.method, self.url
        if method not in _COMMON_METHODS and not _TOKEN.match(method):
            raise UsageError(f"Invalid HTTP method {method!r}")
        if ("://" not in url or " " in url or not url.isprintable()) and (
                _BAD_URL.search(url) or "://" not in url):
            raise UsageError("The URL must be absolute and contain no spaces or control characters")
        try:
            urlsplit(url)  # what target and the Host header read
        except ValueError as exc:  # an unclosed "[" in the host: "Invalid IPv6 URL"
            raise UsageError(f"The URL is not valid: {exc}") from None
        headers = dict(self.headers)
        if headers and not (_plain_names(headers) and _clean("".join(headers.values()))):
            for name, value in headers.items():  # the first culprit, named
                if not _TOKEN.match(name):
                    raise UsageError(f"Invalid header name {name!r}")
                if _BAD_VALUE.search(value):
                    raise UsageError(f"The value of header {name} contains CR, LF or NUL")
        object.__setattr__(self, "headers", headers)
        if type(self.body) is not bytes:
            object.__setattr__(self, "body", bytes(self.body))

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


@dataclass(frozen=True, slots=True)
class Endpoint:
    """An endpoint read once: the base URL (with its path) and the ``Host`` value."""

    url: str
    host: str

    @classmethod
    def parse(cls, endpoint: str) -> Endpoint:
        """An endpoint URL or bare host name; ``UsageError`` if it is not ``http(s)://host``."""
        url = endpoint if "://" in endpoint else f"https://{endpoint}"
        try:
            parts = urlsplit(url)
            url.encode("utf-8")
        except ValueError:  # an unclosed "[" in the host; a lone surrogate
            parts = None
        if parts is not None and "@" in parts.netloc:  # not echoed: it may hold a password
            raise UsageError("Invalid endpoint: it has a user part (user@ or user:password@), "
                             "which an EC2 endpoint does not take; credentials sign requests")
        try:
            port_ok = parts is not None and (parts.port is None or parts.port > 0)
        except ValueError:  # not a number, or over 65535
            port_ok = False
        if (parts is None or parts.scheme not in ("http", "https") or not parts.hostname
                or not port_ok or parts.query or parts.fragment):
            raise UsageError(
                f"Invalid endpoint {endpoint!r}: expected https://host[:port][/path]")
        return cls(f"{parts.scheme}://{parts.netloc}{parts.path or '/'}",
                   host_for_signing(parts.scheme, parts.netloc))


def region_of_endpoint(endpoint: str | Endpoint | None) -> str | None:
    """The region a regional EC2 endpoint names in its host (``ec2.eu-west-1.amazonaws.com``
    gives ``eu-west-1``); None for any other endpoint (a gateway, a proxy, a bad URL)."""
    if endpoint is None:
        return None
    if not isinstance(endpoint, Endpoint):
        try:
            endpoint = Endpoint.parse(endpoint)
        except UsageError:
            return None
    found = _REGIONAL_HOST.match(endpoint.host.lower().split(":")[0])
    return found.group(1) if found else None


def require_region(region: str | None, endpoint: str | Endpoint | None = None) -> str:
    """``region``, else the one ``endpoint``'s host names; ``UsageError`` (code
    ``NoRegion``, aws-cli's text) when neither gives one."""
    found = region or region_of_endpoint(endpoint)
    if not found:
        raise UsageError(NO_REGION, code="NoRegion")
    return found


def parse_timestamp(value: datetime | str | None) -> datetime:
    """An aware UTC datetime from a datetime, an ISO 8601 string, or None (now)."""
    if value is None:
        return datetime.now(timezone.utc)
    if type(value) is datetime and value.tzinfo is timezone.utc:
        return value
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


def _signer(signer: Signer | None, credentials: Credentials | CredentialsProvider | None,
            region: str | None, endpoint: Endpoint, signature: str) -> Signer | None:
    if signature == UNSIGNED:
        return None
    if signature not in SIGNATURES:
        raise UsageError(
            f"Invalid signature {signature!r}: expected one of {', '.join(SIGNATURES)}")
    if signer is not None:
        return signer
    if credentials is None:
        raise UsageError("Give credentials (or a signer) to sign a request")
    return Signer(credentials, require_region(region, endpoint))


def _sign(pairs: Iterable[tuple[str, str]] | None, body: bytes | None, endpoint: Endpoint,
          signer: Signer | None, signature: str, when: datetime, expires: int) -> RawRequest:
    """The one place a request is signed: ``body`` (v4) or ``pairs`` (v4-query, v2)."""
    try:
        return _sign_text(pairs, body, endpoint, signer, signature, when, expires)
    except UnicodeEncodeError as exc:  # a lone surrogate: the text cannot go on the wire
        raise _not_unicode(exc) from None


def _not_unicode(exc: UnicodeEncodeError) -> RequestError:
    return RequestError("InvalidParameterValue",
                        f"A parameter value is not valid Unicode text: {exc.reason}")


def _sign_text(pairs: Iterable[tuple[str, str]] | None, body: bytes | None,
               endpoint: Endpoint, signer: Signer | None, signature: str, when: datetime,
               expires: int) -> RawRequest:
    base, host = endpoint.url, endpoint.host
    if signer is None or signature == UNSIGNED:
        if body is None:
            body = _ascii(encode_form(pairs or ()))
        return RawRequest("POST", base, {"Host": host, "Content-Type": FORM_CONTENT_TYPE,
                                         "Content-Length": str(len(body))}, body)
    if signature == "v4":
        if body is None:
            body = _ascii(encode_form(pairs or ()))
        headers = {"Host": host, "Content-Type": FORM_CONTENT_TYPE}
        headers.update(signer.sign_headers(method="POST", url=base, headers=headers, body=body,
                                           timestamp=when))
        headers["Content-Length"] = str(len(body))
        return RawRequest("POST", base, headers, body)
    if signature == "v4-query":
        url = signer.presign_url(url=base, params=pairs or (), headers={"Host": host},
                                 timestamp=when, expires=expires)
        return RawRequest("GET", url, {"Host": host})
    if signature == "v2":
        signed = sigv2.sign_params(method="POST", url=base, params=pairs or (),
                                   credentials=signer.credentials.get_credentials(),
                                   timestamp=when)
        body = _ascii(encode_form(signed))
        headers = {"Host": host, "Content-Type": FORM_CONTENT_TYPE,
                   "Content-Length": str(len(body))}
        return RawRequest("POST", base, headers, body)
    raise UsageError(f"Invalid signature {signature!r}: expected one of {', '.join(SIGNATURES)}")


def _ascii(text: str) -> bytes:
    return text.encode("ascii")  # a form body is ASCII; a lone surrogate raises


def sign_query_pairs(
    pairs: Iterable[tuple[str, str]],
    *,
    endpoint: str | Endpoint,
    credentials: Credentials | CredentialsProvider | None = None,
    region: str | None = None,
    signature: str = "v4",
    timestamp: datetime | str | None = None,
    expires: int = 3600,
    signer: Signer | None = None,
) -> RawRequest:
    """Sign already-serialized Query pairs (``Action`` and ``Version`` included).

    ``signer``: a :class:`~ec2query.auth.Signer` to sign with (its credentials and
    region), as a client holds one; otherwise one is made from ``credentials``
    and ``region`` for this call. ``region`` None takes the one a regional EC2
    endpoint names (``ec2.eu-west-1.amazonaws.com``); with neither, ``UsageError``
    (code ``NoRegion``), as aws-cli refuses to guess.
    """
    plan = endpoint if isinstance(endpoint, Endpoint) else Endpoint.parse(endpoint)
    sign_with = _signer(signer, credentials, region, plan, signature)
    when = parse_timestamp(timestamp)
    return _sign(list(pairs), None, plan, sign_with, signature, when, expires)


def build_signed_request(
    operation: str,
    params: Mapping[str, Any],
    *,
    endpoint: str | Endpoint,
    credentials: Credentials | CredentialsProvider | None = None,
    region: str | None = None,
    signature: str = "v4",
    version: str = "2016-11-15",
    timestamp: datetime | str | None = None,
    expires: int = 3600,
    signer: Signer | None = None,
) -> RawRequest:
    """Serialize ``params`` for ``operation`` and sign them into a ready-to-send request.

    ``signature``: ``"v4"`` (POST, form body, Authorization header, as botocore
    sends it), ``"v4-query"`` (GET, everything in a presigned URL valid for
    ``expires`` seconds) or ``"v2"`` (POST, SigV2 HmacSHA256 in the body).
    ``timestamp`` (datetime or ISO 8601) makes the output reproducible.
    ``signer`` and ``region`` as in :func:`sign_query_pairs`. ``signature=UNSIGNED``
    (``"none"``) gives the v4 form POST unsigned, needing no credentials or region.
    """
    body: bytes | None = None
    pairs: list[tuple[str, str]] | None = None
    if signature in ("v4", UNSIGNED):
        try:  # the body straight from the encoder, as botocore's serializer writes it
            body = encode_query(operation, params, version=version).encode("ascii")
        except Exception:  # refused: to_query below raises the codec's own error
            body = None
    if body is None:
        pairs = to_query(operation, params, version=version)
    plan = endpoint if isinstance(endpoint, Endpoint) else Endpoint.parse(endpoint)
    sign_with = _signer(signer, credentials, region, plan, signature)
    when = parse_timestamp(timestamp)
    return _sign(pairs, body, plan, sign_with, signature, when, expires)
