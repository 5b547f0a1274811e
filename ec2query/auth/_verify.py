"""Verify received requests: SigV4 header, SigV4 presigned query, SigV2.

Each verifier takes the request as received (method, URL or path+query,
headers, body), a ``lookup(access_key)`` returning the secret key (a ``str``
or ``Credentials``) or ``None``, and the current time, and either returns a
:class:`VerifiedRequest` or raises :class:`~ec2query._errors.AuthError` with
EC2's code and message. Checks run in this order, so the code is predictable:

1. the auth parameters are all there and well formed  → ``MissingAuthenticationToken``
   (no auth at all) or ``IncompleteSignature``;
2. the access key is known (and the session token matches, when the looked-up
   credentials carry one)                                → ``AuthFailure``;
3. the time is inside the window (15 minutes either side of ``X-Amz-Date`` /
   ``Timestamp``; up to ``X-Amz-Expires`` / ``Expires``) → ``RequestExpired``;
4. the scope and the signature match (constant-time)    → ``SignatureDoesNotMatch``.

Query strings and form bodies are read with form semantics (``+`` is a space).
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from .._errors import AuthError
from . import _sigv2 as sigv2
from . import _sigv4 as sigv4
from ._credentials import Credentials
from ._util import HeadersLike, header_items, parse_form, utc

__all__ = [
    "MAX_SKEW",
    "MESSAGES",
    "SIGV2",
    "SIGV4_HEADER",
    "SIGV4_QUERY",
    "Lookup",
    "VerifiedRequest",
    "verify_request",
    "verify_sigv2",
    "verify_sigv4_header",
    "verify_sigv4_query",
]

SIGV4_HEADER = "sigv4-header"
SIGV4_QUERY = "sigv4-query"
SIGV2 = "sigv2"

#: EC2 refuses a request dated more than this far from its own clock.
MAX_SKEW = timedelta(minutes=15)

#: EC2's messages per code (reference rows 32-37; RequestExpired's text is the common AWS one).
MESSAGES = {
    "AuthFailure": "AWS was not able to validate the provided access credentials",
    "SignatureDoesNotMatch": (
        "The request signature we calculated does not match the signature you provided. "
        "Check your AWS Secret Access Key and signing method. Consult the service "
        "documentation for details."
    ),
    "IncompleteSignature": "The request signature does not conform to AWS standards.",
    "MissingAuthenticationToken": (
        "The request must contain either a valid (registered) AWS access key ID or "
        "X.509 certificate."
    ),
    "RequestExpired": "Request has expired.",
}

Lookup = Callable[[str], "str | Credentials | None"]


@dataclass(frozen=True, slots=True)
class VerifiedRequest:
    """What a verifier established: which scheme, whose key, signed when, for where."""

    scheme: str  # SIGV4_HEADER | SIGV4_QUERY | SIGV2
    access_key: str
    timestamp: datetime
    algorithm: str  # AWS4-HMAC-SHA256 | HmacSHA256 | HmacSHA1
    region: str | None = None
    service: str | None = None


#: Statuses the shared table in ``errors`` does not list yet (AuthError defaults to 403).
_STATUS = {"IncompleteSignature": 400, "RequestExpired": 400}


def _fail(code: str) -> AuthError:
    return AuthError(code, MESSAGES[code], http_status=_STATUS.get(code))


def _unicode_refused(verify: Callable[..., VerifiedRequest]) -> Callable[..., VerifiedRequest]:
    """Text that is not Unicode (a lone surrogate) was not signed: SignatureDoesNotMatch."""

    @functools.wraps(verify)
    def checked(**request: Any) -> VerifiedRequest:
        try:
            return verify(**request)
        except UnicodeEncodeError:
            raise _fail("SignatureDoesNotMatch") from None

    return checked


class _Received:
    """The parts of a received request that every verifier needs."""

    __slots__ = ("body", "headers", "method", "path", "query", "scheme")

    def __init__(self, method: str, url: str, headers: HeadersLike | None,
                 body: bytes | str | None) -> None:
        self.method = method
        if url.startswith("/") or not url:
            target = url.partition("#")[0]
            self.path, _, self.query = target.partition("?")
            self.scheme = ""
            netloc = ""
        else:
            try:
                parts = sigv4.split_url(url)  # a server sees few distinct URLs: cached
            except ValueError:  # e.g. an unclosed "[" in the host
                raise _fail("SignatureDoesNotMatch") from None
            self.path, self.query, self.scheme, netloc = (
                parts.path, parts.query, parts.scheme, parts.netloc)
        self.headers: dict[str, list[str]] = {}
        for name, value in header_items(headers):
            self.headers.setdefault(name.strip().lower(), []).append(value)
        if "host" not in self.headers and netloc:
            self.headers["host"] = [netloc]
        if body is None:
            body = b""
        if type(body) is not bytes:
            body = body.encode("utf-8") if isinstance(body, str) else bytes(body)
        self.body = body

    def header(self, name: str) -> str | None:
        """The single value of a header; IncompleteSignature if it is repeated."""
        values = self.headers.get(name)
        if not values:
            return None
        if len(values) > 1:
            raise _fail("IncompleteSignature")
        return values[0]

    def header_pairs(self) -> list[tuple[str, str]]:
        return [(n, v) for n, vs in self.headers.items() for v in vs]

    def query_pairs(self) -> list[tuple[str, str]]:
        try:
            return parse_form(self.query)
        except UnicodeDecodeError:
            raise _fail("SignatureDoesNotMatch") from None

    def form_pairs(self) -> list[tuple[str, str]]:
        """Body parameters, when the body is a form (or untyped) and not empty."""
        ctype = (self.header("content-type") or "").lower()
        if not self.body or (ctype and not ctype.startswith("application/x-www-form-urlencoded")):
            return []
        try:
            return parse_form(self.body.decode("utf-8"))
        except UnicodeDecodeError:
            raise _fail("SignatureDoesNotMatch") from None


def _single(pairs: list[tuple[str, str]], name: str) -> str | None:
    found = [v for k, v in pairs if k == name]
    if len(found) > 1:
        raise _fail("IncompleteSignature")
    return found[0] if found else None


def _secret_for(lookup: Lookup, access_key: str, token: str | None) -> str:
    found = lookup(access_key)
    if found is None:
        raise _fail("AuthFailure")
    if isinstance(found, Credentials):
        if found.token is not None and not hmac.compare_digest(
            (token or "").encode("utf-8"), found.token.encode("utf-8")
        ):
            raise _fail("AuthFailure")
        return found.secret_key
    return found


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("ascii"))


_AMZ_DATE = re.compile(r"\d{8}T\d{6}Z\Z", re.ASCII)


def _cached_when_short(parse: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """Cache a pure parser of header text (a client's credential scope and signed headers,
    the second a request was signed in recur). Only short values are kept, so that a
    caller cannot fill memory with long ones; a refusal raises and is never cached."""
    cached = functools.lru_cache(maxsize=256)(parse)

    @functools.wraps(parse)
    def call(value: Any) -> Any:
        return cached(value) if type(value) is str and len(value) <= 256 else parse(value)

    return call


@_cached_when_short
def _parse_amz_date(value: str | None) -> datetime:
    if value is None or not _AMZ_DATE.match(value):
        raise _fail("IncompleteSignature")
    # Fixed-width fields, so slicing reads them exactly as strptime("%Y%m%dT%H%M%SZ") would.
    try:
        return datetime(int(value[:4]), int(value[4:6]), int(value[6:8]), int(value[9:11]),
                        int(value[11:13]), int(value[13:15]), tzinfo=timezone.utc)
    except ValueError:
        raise _fail("IncompleteSignature") from None


def _parse_http_date(value: str) -> datetime:
    from email.utils import parsedate_to_datetime

    try:
        return utc(parsedate_to_datetime(value))
    except (TypeError, ValueError, IndexError, OverflowError):
        raise _fail("IncompleteSignature") from None


def _check_skew(signed_at: datetime, now: datetime, max_skew: timedelta) -> None:
    if abs(utc(now) - signed_at) > max_skew:
        raise _fail("RequestExpired")


@_cached_when_short
def _parse_scope(credential: str) -> tuple[str, str, str, str]:
    parts = credential.split("/")
    if len(parts) != 5 or parts[4] != "aws4_request" or not all(parts[:4]):
        raise _fail("IncompleteSignature")
    return parts[0], parts[1], parts[2], parts[3]


def _check_scope(date: str, signed_at: datetime, scope_region: str, scope_service: str,
                 region: str | None, service: str | None) -> None:
    if signed_at.year >= 1000:  # what strftime("%Y%m%d") gives, without its cost
        day = f"{signed_at.year}{signed_at.month:02d}{signed_at.day:02d}"
    else:
        day = signed_at.strftime("%Y%m%d")
    if (date != day or (region is not None and scope_region != region)
            or (service is not None and scope_service != service)):
        raise _fail("SignatureDoesNotMatch")


@_cached_when_short
def _signed_header_names(value: str) -> tuple[tuple[str, ...], bool]:
    """The names a SignedHeaders value lists, normalized as canonical_request_grouped
    normalizes them, and whether the value lists them as a signer would (sorted, once
    each); IncompleteSignature if a name is empty or ``host`` is missing."""
    names = value.split(";")
    if not all(names) or "host" not in names:
        raise _fail("IncompleteSignature")
    normalized = tuple(sorted({n.strip().lower() for n in names}))
    return normalized, ";".join(sorted(set(names))) == value


@_unicode_refused
def verify_sigv4_header(
    *,
    method: str,
    url: str,
    headers: HeadersLike | None,
    body: bytes | str | None = b"",
    lookup: Lookup,
    now: datetime,
    region: str | None = None,
    service: str | None = "ec2",
    max_skew: timedelta = MAX_SKEW,
) -> VerifiedRequest:
    """Verify SigV4 ``Authorization`` header auth; ``region=None`` accepts any region."""
    return _verify_v4_header(_Received(method, url, headers, body), lookup, now, region,
                             service, max_skew)


_AUTH_FIELDS = frozenset({"Credential", "SignedHeaders", "Signature"})


def _verify_v4_header(req: _Received, lookup: Lookup, now: datetime, region: str | None,
                      service: str | None, max_skew: timedelta) -> VerifiedRequest:
    authorization = req.header("authorization")
    if authorization is None:
        raise _fail("MissingAuthenticationToken")
    algorithm, _, rest = authorization.strip().partition(" ")
    if algorithm != sigv4.ALGORITHM:
        raise _fail("IncompleteSignature")
    fields: dict[str, str] = {}
    for component in rest.split(","):
        name, eq, value = component.strip().partition("=")
        if not eq or name in fields:
            raise _fail("IncompleteSignature")
        fields[name] = value
    if fields.keys() != _AUTH_FIELDS:
        raise _fail("IncompleteSignature")
    access_key, date, scope_region, scope_service = _parse_scope(fields["Credential"])
    names, listed_in_order = _signed_header_names(fields["SignedHeaders"])
    amz = req.header("x-amz-date")
    if amz is not None:
        signed_at, timestamp = _parse_amz_date(amz), amz
    else:
        http_date = req.header("date")
        if http_date is None:
            raise _fail("IncompleteSignature")
        signed_at = _parse_http_date(http_date)
        timestamp = sigv4.amz_date(signed_at)

    secret = _secret_for(lookup, access_key, req.header("x-amz-security-token"))
    _check_skew(signed_at, now, max_skew)
    _check_scope(date, signed_at, scope_region, scope_service, region, service)

    payload = hashlib.sha256(req.body).hexdigest()
    declared = req.header("x-amz-content-sha256")
    if declared is not None and not _same(declared, payload):
        raise _fail("SignatureDoesNotMatch")
    _check_v4_signature(req, req.query_pairs(), names, listed_in_order, payload, timestamp,
                        scope_region, scope_service, secret, fields["Signature"])
    return VerifiedRequest(SIGV4_HEADER, access_key, signed_at, sigv4.ALGORITHM,
                           scope_region, scope_service)


def _check_v4_signature(req: _Received, query: list[tuple[str, str]], names: tuple[str, ...],
                        listed_in_order: bool, payload: str, timestamp: str, scope_region: str,
                        scope_service: str, secret: str, given: str) -> None:
    """SignatureDoesNotMatch unless ``given`` is the signature of the canonical request."""
    creq = sigv4.canonical_request_grouped(method=req.method, path=req.path, query=query,
                                           groups=req.headers, signed_headers=names,
                                           payload_hash=payload, normalized=True)
    if not listed_in_order:
        raise _fail("SignatureDoesNotMatch")
    sts = sigv4.string_to_sign(canonical_request=creq, timestamp=timestamp,
                               region=scope_region, service=scope_service)
    expected = sigv4.signature(secret_key=secret, timestamp=timestamp, region=scope_region,
                               service=scope_service, string_to_sign=sts)
    if not _same(given, expected):
        raise _fail("SignatureDoesNotMatch")


@_unicode_refused
def verify_sigv4_query(
    *,
    method: str,
    url: str,
    headers: HeadersLike | None,
    body: bytes | str | None = b"",
    lookup: Lookup,
    now: datetime,
    region: str | None = None,
    service: str | None = "ec2",
    max_skew: timedelta = MAX_SKEW,
) -> VerifiedRequest:
    """Verify a SigV4 presigned URL (``X-Amz-*`` query parameters)."""
    return _verify_v4_query(_Received(method, url, headers, body), lookup, now, region,
                            service, max_skew)


def _verify_v4_query(req: _Received, lookup: Lookup, now: datetime, region: str | None,
                     service: str | None, max_skew: timedelta) -> VerifiedRequest:
    pairs = req.query_pairs()
    given = {name: _single(pairs, name) for name in (
        "X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires",
        "X-Amz-SignedHeaders", "X-Amz-Signature", "X-Amz-Security-Token")}
    if given["X-Amz-Credential"] is None and given["X-Amz-Signature"] is None:
        raise _fail("MissingAuthenticationToken")
    credential, signed_headers, sig, expires = (
        given["X-Amz-Credential"], given["X-Amz-SignedHeaders"], given["X-Amz-Signature"],
        given["X-Amz-Expires"])
    if (given["X-Amz-Algorithm"] != sigv4.ALGORITHM or credential is None
            or signed_headers is None or sig is None or expires is None):
        raise _fail("IncompleteSignature")
    access_key, date, scope_region, scope_service = _parse_scope(credential)
    names, listed_in_order = _signed_header_names(signed_headers)
    timestamp = given["X-Amz-Date"]
    signed_at = _parse_amz_date(timestamp)
    assert timestamp is not None  # noqa: S101 - _parse_amz_date refused None
    if not (expires.isascii() and expires.isdigit()) or not (
            1 <= int(expires) <= sigv4.MAX_EXPIRES) or expires != str(int(expires)):
        raise _fail("IncompleteSignature")

    token = given["X-Amz-Security-Token"] or req.header("x-amz-security-token")
    secret = _secret_for(lookup, access_key, token)
    current = utc(now)
    if signed_at - current > max_skew or current - signed_at > timedelta(seconds=int(expires)):
        raise _fail("RequestExpired")
    _check_scope(date, signed_at, scope_region, scope_service, region, service)

    _check_v4_signature(req, [(k, v) for k, v in pairs if k != "X-Amz-Signature"], names,
                        listed_in_order, hashlib.sha256(req.body).hexdigest(), timestamp,
                        scope_region, scope_service, secret, sig)
    return VerifiedRequest(SIGV4_QUERY, access_key, signed_at, sigv4.ALGORITHM,
                           scope_region, scope_service)


def _parse_v2_time(value: str) -> datetime:
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        return utc(datetime.fromisoformat(text))
    except (ValueError, OverflowError):  # OverflowError: year 1 or 9999 moved to UTC
        raise _fail("IncompleteSignature") from None


def _v2_host(req: _Received) -> str:
    host = (req.header("host") or "").lower()
    if host.endswith(":443") and req.scheme in ("https", ""):
        return host[:-4]
    if host.endswith(":80") and req.scheme in ("http", ""):
        return host[:-3]
    return host


@_unicode_refused
def verify_sigv2(
    *,
    method: str,
    url: str,
    headers: HeadersLike | None,
    body: bytes | str | None = b"",
    lookup: Lookup,
    now: datetime,
    max_skew: timedelta = MAX_SKEW,
) -> VerifiedRequest:
    """Verify SigV2 parameters in the query (GET) or the form body (POST), or both."""
    return _verify_v2(_Received(method, url, headers, body), lookup, now, max_skew)


def _verify_v2(req: _Received, lookup: Lookup, now: datetime,
               max_skew: timedelta) -> VerifiedRequest:
    params = req.query_pairs() + req.form_pairs()
    given = {name: _single(params, name) for name in sigv2.AUTH_PARAMS}
    access_key, sig = given["AWSAccessKeyId"], given["Signature"]
    if access_key is None and sig is None:
        raise _fail("MissingAuthenticationToken")
    method_name = given["SignatureMethod"]
    if (not access_key or sig is None or given["SignatureVersion"] != "2"
            or method_name not in sigv2.SIGNATURE_METHODS
            or (given["Timestamp"] is None) == (given["Expires"] is None)):
        raise _fail("IncompleteSignature")
    assert method_name is not None  # noqa: S101 - membership checked above
    stamp, expires = given["Timestamp"], given["Expires"]
    moment = _parse_v2_time(stamp if stamp is not None else expires or "")

    secret = _secret_for(lookup, access_key, given["SecurityToken"])
    if stamp is not None:
        _check_skew(moment, now, max_skew)
    elif utc(now) > moment:
        raise _fail("RequestExpired")

    sts = sigv2.string_to_sign(method=req.method, host=_v2_host(req), path=req.path,
                               params=params)
    expected = sigv2.signature(secret_key=secret, string_to_sign=sts, method=method_name)
    if not _same(sig, expected):
        raise _fail("SignatureDoesNotMatch")
    return VerifiedRequest(SIGV2, access_key, moment, method_name)


_V4_QUERY_MARKERS = frozenset({"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature"})


@_unicode_refused
def verify_request(
    *,
    method: str,
    url: str,
    headers: HeadersLike | None,
    body: bytes | str | None = b"",
    lookup: Lookup,
    now: datetime,
    region: str | None = None,
    service: str | None = "ec2",
    max_skew: timedelta = MAX_SKEW,
) -> VerifiedRequest:
    """Verify whichever scheme the request uses; ``MissingAuthenticationToken`` if none."""
    req = _Received(method, url, headers, body)
    if req.headers.get("authorization"):
        return _verify_v4_header(req, lookup, now, region, service, max_skew)
    try:
        query_keys = {k for k, _ in parse_form(req.query)}
    except UnicodeDecodeError:
        query_keys = set()
    if query_keys & _V4_QUERY_MARKERS:
        return _verify_v4_query(req, lookup, now, region, service, max_skew)
    return _verify_v2(req, lookup, now, max_skew)
