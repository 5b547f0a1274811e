"""AWS Signature Version 4: canonical request, string to sign, header signing, presigning.

Pure functions, keyword-only, that return new values and never touch their
inputs; the time is always a parameter. ``canonical_request`` and
``string_to_sign`` are public so that ``ec2query sign --explain`` (and anyone
chasing ``SignatureDoesNotMatch``) can print them.

Canonicalization, per the SigV4 specification:

* URI: dot segments removed and repeated slashes collapsed, then every segment
  percent-encoded (again) with the shared encoder, ``/`` kept.
* Query: every pair form-decoded, re-encoded with the shared encoder, sorted by
  encoded key then encoded value (duplicate keys and empty values kept).
* Headers: names lower-cased and sorted, values trimmed with inner whitespace
  runs folded to one space, repeated headers joined with ``,`` in order.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from functools import lru_cache
from urllib.parse import SplitResult, urlsplit

from .._percent import encode_pairs, percent_encode
from ._credentials import Credentials
from ._util import HeadersLike, header_items, host_for_signing, parse_form, utc

__all__ = [
    "ALGORITHM",
    "EMPTY_SHA256",
    "UNSIGNED_HEADERS",
    "FormPostSigner",
    "amz_date",
    "amz_date_now",
    "canonical_headers",
    "canonical_query",
    "canonical_request",
    "canonical_request_grouped",
    "canonical_uri",
    "credential_scope",
    "presign_url",
    "sign_form_post",
    "sign_headers",
    "signature",
    "signing_key",
    "string_to_sign",
]

try:  # hmac.digest's own fast path, without its Python frame
    from _hashlib import hmac_digest as _hmac_digest
except ImportError:  # pragma: no cover - a Python without OpenSSL's hashlib
    _hmac_digest = hmac.digest

ALGORITHM = "AWS4-HMAC-SHA256"
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
MAX_EXPIRES = 7 * 24 * 3600

#: Headers never signed by default: hop-by-hop, rewritten by proxies, or the signature itself.
UNSIGNED_HEADERS = frozenset(
    {
        "authorization",
        "connection",
        "expect",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "user-agent",
        "x-amzn-trace-id",
    }
)

#: Headers this module sets itself; stale copies are dropped before re-signing.
_OWN_HEADERS = frozenset({"authorization", "x-amz-date", "x-amz-security-token",
                          "x-amz-content-sha256"})


def amz_date(timestamp: datetime) -> str:
    """``YYYYMMDDTHHMMSSZ`` in UTC (a naive datetime is taken as UTC)."""
    return _amz_date(timestamp if timestamp.tzinfo is timezone.utc else utc(timestamp))


@lru_cache(maxsize=8)
def _amz_date(t: datetime) -> str:
    return (f"{t.year:04d}{t.month:02d}{t.day:02d}T"
            f"{t.hour:02d}{t.minute:02d}{t.second:02d}Z")


#: ``(second since the epoch, its X-Amz-Date)`` of the last :func:`amz_date_now` call.
_LAST_SECOND: tuple[int, str] = (-1, "")


def amz_date_now() -> str:
    """:func:`amz_date` of ``datetime.now(timezone.utc)``, computed once per second.

    Reads the same clock as ``datetime.now`` (``time.time_ns``, rounded half
    to even to the microsecond as ``datetime`` does).
    """
    global _LAST_SECOND
    micros, rest = divmod(time.time_ns(), 1000)
    if rest > 500 or (rest == 500 and micros & 1):
        micros += 1
    second = micros // 1_000_000
    last = _LAST_SECOND
    if last[0] == second:
        return last[1]
    t = time.gmtime(second)
    date = (f"{t.tm_year:04d}{t.tm_mon:02d}{t.tm_mday:02d}T"
            f"{t.tm_hour:02d}{t.tm_min:02d}{t.tm_sec:02d}Z")
    _LAST_SECOND = (second, date)
    return date


def credential_scope(datestamp: str, region: str, service: str) -> str:
    """``YYYYMMDD/region/service/aws4_request``."""
    return f"{datestamp}/{region}/{service}/aws4_request"


def _remove_dot_segments(path: str) -> str:
    """RFC 3986 dot-segment removal, plus the empty segments AWS also drops."""
    if not path:
        return "/"
    kept: list[str] = []
    for segment in path.split("/"):
        if segment in ("", "."):
            continue
        if segment == "..":
            if kept:
                kept.pop()
            continue
        kept.append(segment)
    lead = "/" if path.startswith("/") else ""
    trail = "/" if path.endswith("/") and kept else ""
    return lead + "/".join(kept) + trail


@lru_cache(maxsize=256)
def canonical_uri(path: str) -> str:
    """The canonical URI of ``path`` as it appears in the request line (not decoded)."""
    normalized = _remove_dot_segments(path)
    if normalized == "/":
        return normalized
    return "/".join(percent_encode(segment) for segment in normalized.split("/"))


def canonical_query(query: str | Iterable[tuple[str, str]]) -> str:
    """Sorted ``k=v&...`` of decoded pairs (or a raw query string, form-decoded first)."""
    if not query:
        return ""
    pairs = parse_form(query) if isinstance(query, str) else query
    encoded = sorted((percent_encode(k), percent_encode(v)) for k, v in pairs)
    return "&".join(f"{k}={v}" for k, v in encoded)


def canonical_headers(
    headers: HeadersLike, signed_headers: Iterable[str] | None = None
) -> tuple[str, str]:
    """``(canonical header block, signed header list)`` for the chosen headers.

    ``signed_headers=None`` signs every header except :data:`UNSIGNED_HEADERS`;
    a named header missing from ``headers`` is signed with an empty value.
    """
    grouped: dict[str, list[str]] = {}
    for name, value in header_items(headers):
        grouped.setdefault(name.strip().lower(), []).append(" ".join(value.split()))
    if signed_headers is None:
        names = sorted(n for n in grouped if n not in UNSIGNED_HEADERS)
    else:
        names = sorted({n.strip().lower() for n in signed_headers})
    block = "".join(f"{n}:{','.join(grouped.get(n, ()))}\n" for n in names)
    return block, ";".join(names)


def canonical_request(
    *,
    method: str,
    path: str,
    query: str | Iterable[tuple[str, str]] = "",
    headers: HeadersLike,
    signed_headers: Iterable[str] | None = None,
    payload_hash: str,
) -> str:
    """The SigV4 canonical request; ``method`` is used exactly as given (case matters)."""
    block, signed = canonical_headers(headers, signed_headers)
    uri = path if path == "/" else canonical_uri(path)
    return (f"{method}\n{uri}\n{canonical_query(query)}\n"
            f"{block}\n{signed}\n{payload_hash}")


def canonical_request_grouped(
    *,
    method: str,
    path: str,
    query: str | Iterable[tuple[str, str]] = "",
    groups: Mapping[str, list[str]],
    signed_headers: Iterable[str],
    payload_hash: str,
    normalized: bool = False,
) -> str:
    """:func:`canonical_request` for headers already grouped as a verifier holds them:
    ``name.strip().lower()`` -> values in arrival order. Only the signed headers'
    values are folded (the result is the same; a test compares the two).
    ``normalized``: ``signed_headers`` are already stripped, lower-case, sorted, unique."""
    names = signed_headers if normalized else sorted({n.strip().lower() for n in signed_headers})
    block = "".join([f"{n}:{','.join([' '.join(v.split()) for v in groups.get(n, ())])}\n"
                     for n in names])
    uri = path if path == "/" else canonical_uri(path)
    return (f"{method}\n{uri}\n{canonical_query(query)}\n"
            f"{block}\n{';'.join(names)}\n{payload_hash}")


def string_to_sign(*, canonical_request: str, timestamp: str, region: str, service: str) -> str:
    """The SigV4 string to sign; ``timestamp`` is the ``X-Amz-Date`` value."""
    digest = hashlib.sha256(canonical_request.encode("utf-8")).hexdigest()
    scope = credential_scope(timestamp[:8], region, service)
    return f"{ALGORITHM}\n{timestamp}\n{scope}\n{digest}"


@lru_cache(maxsize=64)
def signing_key(secret_key: str, datestamp: str, region: str, service: str) -> bytes:
    """The derived key for one day, region and service (cached, bounded LRU)."""
    key = hmac.digest(f"AWS4{secret_key}".encode(), datestamp.encode("utf-8"), "sha256")
    key = hmac.digest(key, region.encode("utf-8"), "sha256")
    key = hmac.digest(key, service.encode("utf-8"), "sha256")
    return hmac.digest(key, b"aws4_request", "sha256")


def signature(
    *, secret_key: str, timestamp: str, region: str, service: str, string_to_sign: str
) -> str:
    """Hex HMAC-SHA256 of ``string_to_sign`` under the derived signing key."""
    key = signing_key(secret_key, timestamp[:8], region, service)
    return _hmac_digest(key, string_to_sign.encode("utf-8"), "sha256").hex()


def split_url(url: str) -> SplitResult:
    """``urlsplit(url)``, cached: a signer, or a server receiving POSTs, sees the same few
    URLs over and over (a query string makes a URL new each time, and only costs a cache
    slot). Only short ones are kept, so long unique URLs cannot fill memory."""
    return _split_cached(url) if len(url) <= 1024 else urlsplit(url)


_split_cached = lru_cache(maxsize=128)(urlsplit)


def _body_bytes(body: bytes | str | None) -> bytes:
    if body is None:
        return b""
    return body.encode("utf-8") if isinstance(body, str) else body


def sign_headers(
    *,
    method: str,
    url: str,
    headers: HeadersLike | None = None,
    body: bytes | str | None = b"",
    credentials: Credentials,
    region: str,
    service: str = "ec2",
    timestamp: datetime,
    signed_headers: Iterable[str] | None = None,
    content_sha256: bool = False,
) -> dict[str, str]:
    """The headers to add for SigV4 header auth (a new dict; the inputs are untouched).

    Returns ``X-Amz-Date``, ``X-Amz-Security-Token`` (with a session token),
    ``X-Amz-Content-Sha256`` (if ``content_sha256``) and ``Authorization``.
    ``Host`` is taken from ``headers`` or else derived from ``url`` and always
    signed. ``signed_headers`` limits which of ``headers`` are signed (host and
    the headers added here always are); ``None`` signs all but
    :data:`UNSIGNED_HEADERS`. Any stale ``Authorization``/``X-Amz-*`` auth
    header in ``headers`` is ignored, as it will be replaced.
    """
    parts = split_url(url)
    items = [(n, v) for n, v in header_items(headers) if n.lower() not in _OWN_HEADERS]
    if not any(n.lower() == "host" for n, _ in items):
        items.append(("host", host_for_signing(parts.scheme, parts.netloc)))
    date = amz_date(timestamp)
    added = {"X-Amz-Date": date}
    if credentials.token:
        added["X-Amz-Security-Token"] = credentials.token
    payload = hashlib.sha256(_body_bytes(body)).hexdigest()
    if content_sha256:
        added["X-Amz-Content-Sha256"] = payload
    items.extend(added.items())
    if signed_headers is not None:
        signed_headers = {*(n.lower() for n in signed_headers), "host", *map(str.lower, added)}
    creq = canonical_request(
        method=method.upper(),
        path=parts.path,
        query=parts.query,
        headers=items,
        signed_headers=signed_headers,
        payload_hash=payload,
    )
    sts = string_to_sign(canonical_request=creq, timestamp=date, region=region, service=service)
    sig = signature(secret_key=credentials.secret_key, timestamp=date, region=region,
                    service=service, string_to_sign=sts)
    signed = creq.rsplit("\n", 2)[1]
    scope = credential_scope(date[:8], region, service)
    added["Authorization"] = (f"{ALGORITHM} Credential={credentials.access_key}/{scope}, "
                              f"SignedHeaders={signed}, Signature={sig}")
    return added


class FormPostSigner:
    """:func:`sign_headers` for POSTs to one URL whose headers are exactly ``Host``
    and ``Content-Type``, for one set of credentials, region and service.

    The canonical request, scope and ``Authorization`` are prebuilt around the
    parts that change (date, payload hash, signature), and the signing key is
    kept for the current day. The result is the general path's
    (``tests/auth/test_fast_paths.py`` compares them on generated input).
    """

    __slots__ = ("_auth_head", "_auth_mid", "_day_key", "_head", "_mid", "_region",
                 "_scope_tail", "_secret", "_service", "token")

    def __init__(self, *, url: str, host: str, content_type: str, credentials: Credentials,
                 region: str, service: str = "ec2") -> None:
        parts = split_url(url)
        uri = parts.path if parts.path == "/" else canonical_uri(parts.path)
        names = ["content-type", "host", "x-amz-date"]
        block = f"content-type:{' '.join(content_type.split())}\nhost:{' '.join(host.split())}\n"
        token = credentials.token
        tail = ""
        if token:
            names.append("x-amz-security-token")
            tail = f"x-amz-security-token:{' '.join(token.split())}\n"
        signed = ";".join(names)
        self._head = f"POST\n{uri}\n{canonical_query(parts.query)}\n{block}x-amz-date:"
        self._mid = f"\n{tail}\n{signed}\n"
        self._scope_tail = f"/{region}/{service}/aws4_request"
        self._auth_head = f"{ALGORITHM} Credential={credentials.access_key}/"
        self._auth_mid = f"{self._scope_tail}, SignedHeaders={signed}, Signature="
        self._secret, self._region, self._service = credentials.secret_key, region, service
        self._day_key: tuple[str, bytes] = ("", b"")
        self.token = token or None

    def authorization(self, body: bytes, date: str) -> str:
        """The ``Authorization`` value for ``body`` sent at ``date`` (``X-Amz-Date``)."""
        sha256 = hashlib.sha256
        creq = f"{self._head}{date}{self._mid}{sha256(body).hexdigest()}"
        day = date[:8]
        day_key = self._day_key
        if day_key[0] != day:
            day_key = self._day_key = (day, signing_key(self._secret, day, self._region,
                                                        self._service))
        sts = (f"{ALGORITHM}\n{date}\n{day}{self._scope_tail}\n"
               f"{sha256(creq.encode()).hexdigest()}")
        sig = _hmac_digest(day_key[1], sts.encode(), "sha256").hex()
        return f"{self._auth_head}{day}{self._auth_mid}{sig}"

    def sign(self, body: bytes, date: str) -> dict[str, str]:
        """What :func:`sign_headers` returns for this request."""
        if self.token:
            return {"X-Amz-Date": date, "X-Amz-Security-Token": self.token,
                    "Authorization": self.authorization(body, date)}
        return {"X-Amz-Date": date, "Authorization": self.authorization(body, date)}


@lru_cache(maxsize=64)
def _form_post_signer(url: str, host: str, content_type: str, credentials: Credentials,
                      region: str, service: str) -> FormPostSigner:
    return FormPostSigner(url=url, host=host, content_type=content_type,
                          credentials=credentials, region=region, service=service)


def sign_form_post(
    *,
    url: str,
    host: str,
    content_type: str,
    body: bytes,
    credentials: Credentials,
    region: str,
    service: str = "ec2",
    date: str,
) -> dict[str, str]:
    """:func:`sign_headers` for a POST whose headers are exactly ``Host: host`` and
    ``Content-Type: content_type``, dated ``date`` (an ``X-Amz-Date`` value)."""
    signer = _form_post_signer(url, host, content_type, credentials, region, service)
    return signer.sign(body, date)


def presign_url(
    *,
    url: str,
    method: str = "GET",
    headers: HeadersLike | None = None,
    body: bytes | str | None = b"",
    credentials: Credentials,
    region: str,
    service: str = "ec2",
    timestamp: datetime,
    expires: int = 3600,
    params: Iterable[tuple[str, str]] = (),
) -> str:
    """``url`` with SigV4 query auth appended (``X-Amz-Algorithm`` ... ``X-Amz-Signature``).

    The URL's own parameters come first, re-encoded with the shared encoder,
    then the auth parameters, so the returned URL is exactly what was signed.
    Only ``host`` (plus any given ``headers``) is signed; the payload hash is
    that of ``body`` (empty for a GET). ``params`` are further (decoded) query
    pairs, placed after the URL's own.
    """
    if not 1 <= int(expires) <= MAX_EXPIRES:
        raise ValueError(f"expires must be between 1 and {MAX_EXPIRES} seconds")
    parts = split_url(url)
    items = [(n, v) for n, v in header_items(headers) if n.lower() not in _OWN_HEADERS]
    if not any(n.lower() == "host" for n, _ in items):
        items.append(("host", host_for_signing(parts.scheme, parts.netloc)))
    signed = canonical_headers(items)[1]
    date = amz_date(timestamp)
    scope = credential_scope(date[:8], region, service)
    pairs = parse_form(parts.query)
    pairs.extend(params)
    pairs += [
        ("X-Amz-Algorithm", ALGORITHM),
        ("X-Amz-Credential", f"{credentials.access_key}/{scope}"),
        ("X-Amz-Date", date),
        ("X-Amz-Expires", str(int(expires))),
        ("X-Amz-SignedHeaders", signed),
    ]
    if credentials.token:
        pairs.append(("X-Amz-Security-Token", credentials.token))
    payload = hashlib.sha256(_body_bytes(body)).hexdigest()
    creq = canonical_request(method=method.upper(), path=parts.path, query=pairs,
                             headers=items, payload_hash=payload)
    sts = string_to_sign(canonical_request=creq, timestamp=date, region=region, service=service)
    sig = signature(secret_key=credentials.secret_key, timestamp=date, region=region,
                    service=service, string_to_sign=sts)
    base = f"{parts.scheme}://{parts.netloc}{parts.path or '/'}"
    return f"{base}?{encode_pairs(pairs)}&X-Amz-Signature={sig}"
