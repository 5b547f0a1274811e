"""Verify received requests: SigV4 header, SigV4 presigned query, SigV2.

A :class:`Verifier` holds what a receiving side decides once: how to look up
a caller's secret (``lookup(access_key)`` returning a ``str``, a
``Credentials`` or ``None``), the region and service it answers for, the
allowed clock skew and the clock, plus a small bounded cache of derived
signing keys. It verifies a :class:`Received` request, the one value a server
makes of what arrived (method, path, headers, the query and form pairs decoded
by the one form parser, the raw body), which the decoder then reads too, so
the parameters that are verified are the parameters that are acted on.

A verification returns a :class:`VerifiedRequest` or raises
:class:`~ec2query._errors.AuthError` with EC2's code and message. Checks run
in this order, so the code is predictable:

1. the auth parameters are all there and well formed  → ``MissingAuthenticationToken``
   (no auth at all) or ``IncompleteSignature``;
2. the access key is known, its secret is not empty, and the session token is the
   looked-up credentials' one (none when they carry none) → ``AuthFailure``;
3. the time is inside the window (15 minutes either side of ``X-Amz-Date`` /
   ``Timestamp``; up to ``X-Amz-Expires`` / ``Expires``) → ``RequestExpired``;
4. the scope and the signature match (constant-time)    → ``SignatureDoesNotMatch``;
   a scope naming another region, service or day says which, in the words AWS's
   Query services use ("Credential should be scoped to a valid region, not 'x'.").

Text the form parser cannot read (not UTF-8 once decoded, a lone surrogate)
was not signed: ``SignatureDoesNotMatch``. ``verify_request`` and the
per-scheme ``verify_*`` functions are the same checks for one request, with a
verifier made for the call.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit

from .._codec.query import split_pairs
from .._errors import AuthError, EC2Error, UsageError
from . import _sigv2 as sigv2
from . import _sigv4 as sigv4
from ._credentials import Credentials, blank_secret
from ._util import HeadersLike, header_items, utc

__all__ = [
    "FORM_TYPE",
    "MAX_SKEW",
    "MESSAGES",
    "SIGV2",
    "SIGV4_HEADER",
    "SIGV4_QUERY",
    "Lookup",
    "Received",
    "VerifiedRequest",
    "Verifier",
    "check_region",
    "is_form_type",
    "received",
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
FORM_TYPE = "application/x-www-form-urlencoded"

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
Pairs = list[tuple[str, str]]


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


def is_form_type(content_type: str | None) -> bool:
    """Whether a body of this Content-Type holds form parameters (absent or empty: yes)."""
    return not content_type or content_type.split(";", 1)[0].strip().lower() == FORM_TYPE


def _parse(data: bytes) -> tuple[Pairs | None, EC2Error | None]:
    """The one form parser's pairs, or the error it refused ``data`` with."""
    if not data:
        return [], None
    try:
        return split_pairs(data), None
    except EC2Error as error:  # kept without the parser's frames (the body, the pairs so far)
        return None, error.with_traceback(None)


class Received:
    """One received request, read once: what the verifier and the decoder both use.

    ``headers`` maps each stripped, lower-cased name to its values in arrival
    order; ``query`` and ``form`` are the pairs of the query string and of the
    body as :func:`~ec2query._codec.query.split_pairs` decodes them (``None``
    with the parser's refusal in ``query_error`` / ``form_error`` when it cannot).
    The body is a form when its single Content-Type is the form type or absent
    (:func:`is_form_type`); otherwise ``form`` is empty and ``is_form`` false.
    """

    __slots__ = ("body", "form", "form_error", "headers", "is_form", "method", "path",
                 "query", "query_error", "url_scheme")

    def __init__(self, *, method: str, path: str, query: bytes | None,
                 headers: dict[str, list[str]], body: bytes = b"", url_scheme: str = "",
                 query_error: EC2Error | None = None) -> None:
        self.method = method
        self.path = path
        self.url_scheme = url_scheme
        self.headers = headers
        self.body = body
        if query is None:
            self.query = None
            self.query_error: EC2Error | None = query_error or _fail("SignatureDoesNotMatch")
        else:
            self.query, self.query_error = _parse(query)
        types = headers.get("content-type")
        self.is_form = not types or (len(types) == 1 and is_form_type(types[0]))
        if self.is_form:
            self.form, self.form_error = _parse(body)
        else:
            self.form, self.form_error = [], None

    def __repr__(self) -> str:
        return f"Received({self.method!r}, {self.path!r}, {len(self.body)} body bytes)"

    def header(self, name: str) -> str | None:
        """The single value of a header; IncompleteSignature if it is repeated."""
        values = self.headers.get(name)
        if not values:
            return None
        if len(values) > 1:
            raise _fail("IncompleteSignature")
        return values[0]

    def header_pairs(self) -> Pairs:
        return [(n, v) for n, vs in self.headers.items() for v in vs]

    def query_pairs(self) -> Pairs:
        """The query's pairs; SignatureDoesNotMatch if they could not be read."""
        if self.query is None:
            raise _unreadable(self.query_error)
        return self.query

    def form_pairs(self) -> Pairs:
        """The body's pairs when it is a form; SignatureDoesNotMatch if unreadable."""
        if self.form is None:
            raise _unreadable(self.form_error)
        return self.form


def _unreadable(error: EC2Error | None) -> EC2Error:
    """What a verifier answers for pairs the parser refused: a request over the parser's
    limits (``InvalidParameterValue``: too many or too long) is refused as such whatever
    its signature; text that is not UTF-8 cannot have been signed (SignatureDoesNotMatch)."""
    if error is not None and error.code == "InvalidParameterValue":
        return error
    return _fail("SignatureDoesNotMatch")


def group_headers(headers: HeadersLike | None) -> dict[str, list[str]]:
    """``name.strip().lower()`` -> values in arrival order."""
    grouped: dict[str, list[str]] = {}
    for name, value in header_items(headers):
        key = name.strip().lower()
        values = grouped.get(key)
        if values is None:
            grouped[key] = [value]
        else:
            values.append(value)
    return grouped


def received(method: str, url: str, headers: HeadersLike | None,
             body: bytes | str | None) -> Received:
    """The :class:`Received` value of a request given as a URL (or a path and query),
    headers and a body; the URL's host stands in for a missing ``Host`` header."""
    if url.startswith("/") or not url:
        path, _, query = url.partition("#")[0].partition("?")
        scheme = netloc = ""
    else:
        try:
            parts = urlsplit(url)
        except ValueError:  # e.g. an unclosed "[" in the host
            raise _fail("SignatureDoesNotMatch") from None
        path, query, scheme, netloc = parts.path, parts.query, parts.scheme, parts.netloc
    grouped = group_headers(headers)
    if "host" not in grouped and netloc:
        grouped["host"] = [netloc]
    if body is None:
        body = b""
    elif type(body) is not bytes:
        body = body.encode("utf-8") if isinstance(body, str) else bytes(body)
    try:
        raw: bytes | None = query.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: refused where the query is needed
        raw = None
    return Received(method=method, path=path, query=raw, headers=grouped, body=body,
                    url_scheme=scheme)


def _single(pairs: Pairs, name: str) -> str | None:
    found = [v for k, v in pairs if k == name]
    if len(found) > 1:
        raise _fail("IncompleteSignature")
    return found[0] if found else None


def _secret_for(lookup: Lookup, access_key: str, token: str | None) -> str:
    found = lookup(access_key)
    if found is None:
        raise _fail("AuthFailure")
    if isinstance(found, Credentials):
        expected, secret = found.token, found.secret_key
    else:
        expected, secret = None, found
    if expected is None:
        if token:  # a token for a key that has none: EC2's answer to a token it did not issue
            raise _fail("AuthFailure")
    elif not hmac.compare_digest((token or "").encode("utf-8"), expected.encode("utf-8")):
        raise _fail("AuthFailure")
    if not isinstance(secret, str) or blank_secret(secret):  # authenticates nobody
        raise _fail("AuthFailure")
    return secret


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("ascii"))


_AMZ_DATE = re.compile(r"\d{8}T\d{6}Z\Z", re.ASCII)


def check_region(region: str) -> None:
    """``UsageError`` (botocore's ``InvalidRegionError`` text) for a region name no client
    signs for: empty, all digits, with a space or another character a name has not."""
    if not _REGION_NAME.match(region):
        raise UsageError(f"Provided region_name {region[:64]!r} doesn't match a supported "
                         "format.", code="InvalidRegion")


#: A region name as botocore accepts one (a host label, not all digits), and not empty.
_REGION_NAME = re.compile(r"(?![0-9]+\Z)(?!-)[a-zA-Z0-9-]{1,63}(?<!-)\Z", re.ASCII)


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


def _parse_scope(credential: str) -> tuple[str, str, str, str]:
    parts = credential.split("/")
    if len(parts) != 5:  # EC2's own answer (_FIVE_ELEMENTS), where other services answer
        # IncompleteSignature (400) with the same text
        raise AuthError("AuthFailure", _FIVE_ELEMENTS.format(credential), http_status=401)
    if parts[4] != "aws4_request" or not all(parts[:4]):
        raise _fail("IncompleteSignature")
    return parts[0], parts[1], parts[2], parts[3]


#: EC2's text for a SigV4 credential of more or fewer than five parts, with code
#: ``AuthFailure``: captured from DescribeSecurityGroups answers (boto 2, 2017; fog, 2015).
#: The value is echoed as it came, as EC2 echoes it (the gateway's access line never
#: carries a message). The query form's ``X-Amz-Credential`` is answered alike (inferred).
_FIVE_ELEMENTS = ("Credential must have exactly 5 slash-delimited elements, "
                  "e.g. keyid/date/region/service/term, got '{}'")


def _signed_header_names(value: str) -> tuple[list[str], bool]:
    """The names a SignedHeaders value lists, and whether it lists them as a signer
    would (sorted, once each); IncompleteSignature if a name is empty or ``host``
    is missing."""
    names = value.split(";")
    if not all(names) or "host" not in names:
        raise _fail("IncompleteSignature")
    return names, ";".join(sorted(set(names))) == value


def _parse_v2_time(value: str) -> datetime:
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        return utc(datetime.fromisoformat(text))
    except (ValueError, OverflowError):  # OverflowError: year 1 or 9999 moved to UTC
        raise _fail("IncompleteSignature") from None


def _v2_host(req: Received) -> str:
    host = (req.header("host") or "").lower()
    if host.endswith(":443") and req.url_scheme in ("https", ""):
        return host[:-4]
    if host.endswith(":80") and req.url_scheme in ("http", ""):
        return host[:-3]
    return host


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


_AUTH_FIELDS = frozenset({"Credential", "SignedHeaders", "Signature"})
_V4_QUERY_MARKERS = frozenset({"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature"})
_V4_QUERY_PARAMS = ("X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires",
                    "X-Amz-SignedHeaders", "X-Amz-Signature", "X-Amz-Security-Token")


class Verifier:
    """The receiving side's verifier: lookup, region, service, skew, clock, key cache.

    ``region=None`` accepts any region; ``service=None`` any service. The
    cache keeps at most ``cache_size`` derived keys (one per caller, day,
    region and service), filled only once a caller's key is known and its
    scope accepted. The repr shows the settings, never a secret.
    """

    __slots__ = ("_keys", "clock", "lookup", "max_skew", "region", "service")

    def __init__(self, lookup: Lookup, *, region: str | None = None,
                 service: str | None = "ec2", max_skew: timedelta = MAX_SKEW,
                 clock: Callable[[], datetime] = _utcnow, cache_size: int = 16) -> None:
        if region is not None:
            check_region(region)
        self.lookup = lookup
        self.region = region
        self.service = service
        self.max_skew = max_skew
        self.clock = clock
        self._keys = sigv4.KeyCache(cache_size)

    def __repr__(self) -> str:
        return (f"Verifier(region={self.region!r}, service={self.service!r}, "
                f"max_skew={self.max_skew!r})")

    # ------------------------------------------------------------------ entry points

    def verify(self, request: Received, *, now: datetime | None = None) -> VerifiedRequest:
        """Verify whichever scheme the request uses; ``MissingAuthenticationToken`` if none."""
        try:
            if request.headers.get("authorization"):
                return self._v4_header(request, now)
            query = request.query
            if query is not None and any(k in _V4_QUERY_MARKERS for k, _ in query):
                return self._v4_query(request, now)
            return self._v2(request, now)
        except UnicodeEncodeError:  # text that is not Unicode (a lone surrogate) was not signed
            raise _fail("SignatureDoesNotMatch") from None

    def verify_sigv4_header(self, request: Received, *,
                            now: datetime | None = None) -> VerifiedRequest:
        """Verify SigV4 ``Authorization`` header auth."""
        try:
            return self._v4_header(request, now)
        except UnicodeEncodeError:
            raise _fail("SignatureDoesNotMatch") from None

    def verify_sigv4_query(self, request: Received, *,
                           now: datetime | None = None) -> VerifiedRequest:
        """Verify a SigV4 presigned URL (``X-Amz-*`` query parameters)."""
        try:
            return self._v4_query(request, now)
        except UnicodeEncodeError:
            raise _fail("SignatureDoesNotMatch") from None

    def verify_sigv2(self, request: Received, *, now: datetime | None = None) -> VerifiedRequest:
        """Verify SigV2 parameters in the query (GET) or the form body (POST), or both."""
        try:
            return self._v2(request, now)
        except UnicodeEncodeError:
            raise _fail("SignatureDoesNotMatch") from None

    # ------------------------------------------------------------------ the schemes

    def _now(self, now: datetime | None) -> datetime:
        return utc(self.clock() if now is None else now)

    def _check_scope(self, date: str, signed_at: datetime, scope_region: str,
                     scope_service: str) -> None:
        if signed_at.year >= 1000:  # what strftime("%Y%m%d") gives, without its cost
            day = f"{signed_at.year}{signed_at.month:02d}{signed_at.day:02d}"
        else:
            day = signed_at.strftime("%Y%m%d")
        wrong = []
        if self.region is not None and scope_region != self.region:
            wrong.append(f"Credential should be scoped to a valid region, not '{scope_region}'. ")
        if self.service is not None and scope_service != self.service:
            wrong.append(f"Credential should be scoped to correct service: '{self.service}'. ")
        if date != day:
            wrong.append("Date in Credential scope does not match YYYYMMDD from ISO-8601 "
                         f"version of date from HTTP: '{date}' != '{day}', from "
                         f"'{day}T{signed_at:%H%M%S}Z'.")
        if wrong:
            raise AuthError("SignatureDoesNotMatch", "".join(wrong).rstrip(),
                            http_status=_STATUS.get("SignatureDoesNotMatch"))

    def _check_v4_signature(self, req: Received, query: Iterable[tuple[str, str]],
                            names: list[str], listed_in_order: bool, payload: str,
                            timestamp: str, scope_region: str, scope_service: str,
                            secret: str, given: str) -> None:
        """SignatureDoesNotMatch unless ``given`` is the signature of the canonical request."""
        lines, signed = sigv4.header_block(req.headers, names)  # already grouped as it groups them
        creq = sigv4.assemble(req.method, req.path, query, lines, signed, payload)
        if not listed_in_order:
            raise _fail("SignatureDoesNotMatch")
        sts = sigv4.string_to_sign(canonical_request=creq, timestamp=timestamp,
                                   region=scope_region, service=scope_service)
        key = self._keys.get(secret, timestamp[:8], scope_region, scope_service)
        expected = key.hexdigest(sts.encode("utf-8"))
        if not _same(given, expected):
            raise _fail("SignatureDoesNotMatch")

    def _v4_header(self, req: Received, now: datetime | None) -> VerifiedRequest:
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

        secret = _secret_for(self.lookup, access_key, req.header("x-amz-security-token"))
        if abs(self._now(now) - signed_at) > self.max_skew:
            raise _fail("RequestExpired")
        self._check_scope(date, signed_at, scope_region, scope_service)

        payload = hashlib.sha256(req.body).hexdigest()
        declared = req.header("x-amz-content-sha256")
        if declared is not None and not _same(declared, payload):
            raise _fail("SignatureDoesNotMatch")
        self._check_v4_signature(req, req.query_pairs(), names, listed_in_order, payload,
                                 timestamp, scope_region, scope_service, secret,
                                 fields["Signature"])
        return VerifiedRequest(SIGV4_HEADER, access_key, signed_at, sigv4.ALGORITHM,
                               scope_region, scope_service)

    def _v4_query(self, req: Received, now: datetime | None) -> VerifiedRequest:
        pairs = req.query_pairs()
        given = {name: _single(pairs, name) for name in _V4_QUERY_PARAMS}
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
        secret = _secret_for(self.lookup, access_key, token)
        current = self._now(now)
        if (signed_at - current > self.max_skew
                or current - signed_at > timedelta(seconds=int(expires))):
            raise _fail("RequestExpired")
        self._check_scope(date, signed_at, scope_region, scope_service)

        self._check_v4_signature(req, [(k, v) for k, v in pairs if k != "X-Amz-Signature"],
                                 names, listed_in_order, hashlib.sha256(req.body).hexdigest(),
                                 timestamp, scope_region, scope_service, secret, sig)
        return VerifiedRequest(SIGV4_QUERY, access_key, signed_at, sigv4.ALGORITHM,
                               scope_region, scope_service)

    def _v2(self, req: Received, now: datetime | None) -> VerifiedRequest:
        params = req.query_pairs()
        req.header("content-type")  # IncompleteSignature if repeated
        if req.is_form:
            params = params + req.form_pairs()
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

        secret = _secret_for(self.lookup, access_key, given["SecurityToken"])
        current = self._now(now)
        if stamp is not None:
            if abs(current - moment) > self.max_skew:
                raise _fail("RequestExpired")
        elif current > moment:
            raise _fail("RequestExpired")

        sts = sigv2.string_to_sign(method=req.method, host=_v2_host(req), path=req.path,
                                   params=params)
        expected = sigv2.signature(secret_key=secret, string_to_sign=sts, method=method_name)
        if not _same(sig, expected):
            raise _fail("SignatureDoesNotMatch")
        return VerifiedRequest(SIGV2, access_key, moment, method_name)


# ---------------------------------------------------------------------- one-call wrappers


def _once(scheme: str, *, method: str, url: str, headers: HeadersLike | None,
          body: bytes | str | None, lookup: Lookup, now: datetime, region: str | None,
          service: str | None, max_skew: timedelta) -> VerifiedRequest:
    verifier = Verifier(lookup, region=region, service=service, max_skew=max_skew,
                        cache_size=1)
    try:
        request = received(method, url, headers, body)
    except UnicodeEncodeError:
        raise _fail("SignatureDoesNotMatch") from None
    verified: VerifiedRequest = getattr(verifier, scheme)(request, now=now)
    return verified


def verify_request(*, method: str, url: str, headers: HeadersLike | None,
                   body: bytes | str | None = b"", lookup: Lookup, now: datetime,
                   region: str | None = None, service: str | None = "ec2",
                   max_skew: timedelta = MAX_SKEW) -> VerifiedRequest:
    """:meth:`Verifier.verify` of one request given as URL, headers and body."""
    return _once("verify", method=method, url=url, headers=headers, body=body, lookup=lookup,
                 now=now, region=region, service=service, max_skew=max_skew)


def verify_sigv4_header(*, method: str, url: str, headers: HeadersLike | None,
                        body: bytes | str | None = b"", lookup: Lookup, now: datetime,
                        region: str | None = None, service: str | None = "ec2",
                        max_skew: timedelta = MAX_SKEW) -> VerifiedRequest:
    """Verify SigV4 ``Authorization`` header auth; ``region=None`` accepts any region."""
    return _once("verify_sigv4_header", method=method, url=url, headers=headers, body=body,
                 lookup=lookup, now=now, region=region, service=service, max_skew=max_skew)


def verify_sigv4_query(*, method: str, url: str, headers: HeadersLike | None,
                       body: bytes | str | None = b"", lookup: Lookup, now: datetime,
                       region: str | None = None, service: str | None = "ec2",
                       max_skew: timedelta = MAX_SKEW) -> VerifiedRequest:
    """Verify a SigV4 presigned URL (``X-Amz-*`` query parameters)."""
    return _once("verify_sigv4_query", method=method, url=url, headers=headers, body=body,
                 lookup=lookup, now=now, region=region, service=service, max_skew=max_skew)


def verify_sigv2(*, method: str, url: str, headers: HeadersLike | None,
                 body: bytes | str | None = b"", lookup: Lookup, now: datetime,
                 max_skew: timedelta = MAX_SKEW) -> VerifiedRequest:
    """Verify SigV2 parameters in the query (GET) or the form body (POST), or both."""
    return _once("verify_sigv2", method=method, url=url, headers=headers, body=body,
                 lookup=lookup, now=now, region=None, service=None, max_skew=max_skew)
