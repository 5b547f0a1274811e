"""AWS Signature Version 4: canonical request, string to sign, header signing, presigning.

The canonical forms are pure functions, keyword-only, that return new values
and never touch their inputs; the time is always a parameter.
``canonical_request`` and ``string_to_sign`` are public so that ``ec2query
sign --explain`` (and anyone chasing ``SignatureDoesNotMatch``) can print them.

The one piece of state is :class:`Signer`: credentials, region and service,
and a small bounded cache of the derived signing keys (one per day), owned by
whoever holds the signer (a client, an adapter). ``sign_headers`` and
``presign_url`` at module level sign once with a signer made for the call.

Canonicalization, per the SigV4 specification:

* URI: dot segments removed and repeated slashes collapsed, then every segment
  percent-encoded (again) with the shared encoder, ``/`` kept.
* Query: every pair form-decoded (by the one form parser,
  :func:`ec2query._codec.query.split_pairs`), re-encoded with the shared
  encoder, sorted by encoded key then encoded value (duplicate keys and empty
  values kept).
* Headers: names lower-cased and sorted, values trimmed with inner whitespace
  runs folded to one space, repeated headers joined with ``,`` in order.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit

from .._codec.query import split_pairs
from .._errors import UsageError
from .._percent import encode_pairs, percent_encode
from ._credentials import Credentials, CredentialsProvider
from ._util import HeadersLike, header_items, host_for_signing, utc

__all__ = [
    "ALGORITHM",
    "EMPTY_SHA256",
    "MAX_EXPIRES",
    "UNSIGNED_HEADERS",
    "DerivedKey",
    "KeyCache",
    "Signer",
    "amz_date",
    "assemble",
    "canonical_headers",
    "canonical_query",
    "canonical_request",
    "canonical_uri",
    "credential_scope",
    "header_block",
    "presign_url",
    "sign_headers",
    "signing_key",
    "string_to_sign",
]

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

_sha256 = hashlib.sha256
_hmac_digest = hmac.digest


def amz_date(timestamp: datetime) -> str:
    """``YYYYMMDDTHHMMSSZ`` in UTC (a naive datetime is taken as UTC)."""
    t = timestamp if timestamp.tzinfo is timezone.utc else utc(timestamp)
    return "%04d%02d%02dT%02d%02d%02dZ" % (  # noqa: UP031 - twice as fast as an f-string
        t.year, t.month, t.day, t.hour, t.minute, t.second)


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


def canonical_uri(path: str) -> str:
    """The canonical URI of ``path`` as it appears in the request line (not decoded)."""
    if path == "/":
        return path
    normalized = _remove_dot_segments(path)
    if normalized == "/":
        return normalized
    return "/".join(percent_encode(segment) for segment in normalized.split("/"))


def canonical_query(query: str | Iterable[tuple[str, str]]) -> str:
    """Sorted ``k=v&...`` of decoded pairs (or of a raw query string, form-decoded first
    by :func:`~ec2query._codec.query.split_pairs`; text that is not UTF-8 once decoded
    is refused with its ``RequestError``)."""
    if not query:
        return ""
    pairs = split_pairs(query.encode("utf-8")) if isinstance(query, str) else query
    encoded = sorted([(percent_encode(k), percent_encode(v)) for k, v in pairs])
    return "&".join([f"{k}={v}" for k, v in encoded])


def canonical_headers(
    headers: HeadersLike, signed_headers: Iterable[str] | None = None
) -> tuple[str, str]:
    """``(canonical header block, signed header list)`` for the chosen headers.

    ``signed_headers=None`` signs every header except :data:`UNSIGNED_HEADERS`;
    a named header missing from ``headers`` is signed with an empty value.
    Only the chosen headers' values are trimmed and folded.
    """
    items: Iterable[tuple[str, str]] = (
        headers.items() if isinstance(headers, Mapping) else headers)  # a list: itself
    grouped: dict[str, list[str]] = {}
    for name, value in items:
        key = name.strip().lower()
        values = grouped.get(key)
        if values is None:
            grouped[key] = [value]
        else:
            values.append(value)
    return header_block(grouped, signed_headers)


def header_block(grouped: dict[str, list[str]], signed_headers: Iterable[str] | None
           ) -> tuple[str, str]:
    """:func:`canonical_headers` of headers already grouped by stripped lower-case name."""
    names, lines = _header_lines(grouped, signed_headers)
    return "".join(lines), ";".join(names)


def _header_lines(grouped: dict[str, list[str]], signed_headers: Iterable[str] | None
                  ) -> tuple[list[str], list[str]]:
    """The signed names, sorted, and the canonical line (``name:value\\n``) of each."""
    if signed_headers is None:
        names = sorted([n for n in grouped if n not in UNSIGNED_HEADERS])
    else:
        names = sorted({n.strip().lower() for n in signed_headers})
    lines = []
    for name in names:
        values = grouped.get(name)
        if values is None:
            lines.append(f"{name}:\n")
        elif len(values) == 1:
            lines.append(f"{name}:{' '.join(values[0].split())}\n")
        else:
            lines.append(f"{name}:{','.join([' '.join(v.split()) for v in values])}\n")
    return names, lines


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
    return assemble(method, path, query, block, signed, payload_hash)


def assemble(method: str, path: str, query: str | Iterable[tuple[str, str]], block: str,
             signed: str, payload_hash: str) -> str:
    """:func:`canonical_request` from its header block and signed list (the signer and
    the verifier group headers their own way, then build the request here)."""
    return f"{_request_lines(method, path, query)}{block}\n{signed}\n{payload_hash}"


def _request_lines(method: str, path: str, query: str | Iterable[tuple[str, str]]) -> str:
    """The canonical request's first three lines: method, canonical URI and query."""
    return (f"{method}\n{path if path == '/' else canonical_uri(path)}\n"
            f"{canonical_query(query) if query else ''}\n")


def string_to_sign(*, canonical_request: str, timestamp: str, region: str, service: str) -> str:
    """The SigV4 string to sign; ``timestamp`` is the ``X-Amz-Date`` value."""
    return _string_to_sign(timestamp, f"{timestamp[:8]}/{region}/{service}/aws4_request",
                           canonical_request)


def _string_to_sign(date: str, scope: str, canonical_request: str) -> str:
    """:func:`string_to_sign` from the credential scope."""
    digest = _sha256(canonical_request.encode("utf-8")).hexdigest()
    return f"{ALGORITHM}\n{date}\n{scope}\n{digest}"


def signing_key(secret_key: str, datestamp: str, region: str, service: str) -> bytes:
    """The derived key for one day, region and service (four HMACs; see :class:`KeyCache`)."""
    key = _hmac_digest(f"AWS4{secret_key}".encode(), datestamp.encode("utf-8"), "sha256")
    key = _hmac_digest(key, region.encode("utf-8"), "sha256")
    key = _hmac_digest(key, service.encode("utf-8"), "sha256")
    return _hmac_digest(key, b"aws4_request", "sha256")


class DerivedKey:
    """A derived signing key and HMAC-SHA256 under it, with the key's two padded blocks
    hashed once (RFC 2104), so each signature costs two hash-state copies instead of a
    full HMAC set-up. Its repr shows nothing secret."""

    __slots__ = ("_inner", "_outer", "key")

    def __init__(self, key: bytes) -> None:
        self.key = key
        block = key.ljust(64, b"\0")  # a SHA-256 key (32 bytes) is shorter than a block
        self._inner = _sha256(block.translate(_IPAD))
        self._outer = _sha256(block.translate(_OPAD))

    def __repr__(self) -> str:
        return "DerivedKey(...)"

    def hexdigest(self, message: bytes) -> str:
        """``hmac.digest(self.key, message, "sha256").hex()``."""
        inner = self._inner.copy()
        inner.update(message)
        outer = self._outer.copy()
        outer.update(inner.digest())
        return outer.hexdigest()


_IPAD = bytes(b ^ 0x36 for b in range(256))
_OPAD = bytes(b ^ 0x5C for b in range(256))


class KeyCache:
    """Derived signing keys, at most ``size`` of them, the oldest dropped first.

    Owned by a :class:`Signer` (one key a day) or a verifier (one per caller and
    day); its repr shows how full it is, never a key or a secret.
    """

    __slots__ = ("_keys", "size")

    def __init__(self, size: int = 4) -> None:
        if size < 1:
            raise UsageError("A KeyCache holds at least one key")
        self.size = size
        self._keys: dict[tuple[str, str, str, str], DerivedKey] = {}

    def __repr__(self) -> str:
        return f"KeyCache(size={self.size}, held={len(self._keys)})"

    def __len__(self) -> int:
        return len(self._keys)

    def get(self, secret_key: str, datestamp: str, region: str, service: str) -> DerivedKey:
        """:func:`signing_key`, derived once per distinct argument while it stays cached."""
        entry = (secret_key, datestamp, region, service)
        keys = self._keys
        key = keys.get(entry)
        if key is None:
            key = DerivedKey(signing_key(secret_key, datestamp, region, service))
            while len(keys) >= self.size:
                try:
                    del keys[next(iter(keys))]
                except (KeyError, RuntimeError, StopIteration):  # another thread was first
                    break
            keys[entry] = key
        return key

    def clear(self) -> None:
        self._keys.clear()


def _grouped_request_headers(headers: HeadersLike | None, scheme: str,
                             netloc: str) -> dict[str, list[str]]:
    """``headers`` grouped as :func:`canonical_headers` groups them, without stale auth
    headers (:data:`_OWN_HEADERS`), with ``host`` from the URL if there is none."""
    grouped: dict[str, list[str]] = {}
    host = False
    for name, value in headers.items() if type(headers) is dict else header_items(headers):
        lower = name.lower()
        if lower in _OWN_HEADERS:
            continue
        if lower == "host":
            host = True
        key = name.strip().lower()
        values = grouped.get(key)
        if values is None:
            grouped[key] = [value]
        else:
            values.append(value)
    if not host:
        grouped.setdefault("host", []).append(host_for_signing(scheme, netloc))
    return grouped


def _body_bytes(body: bytes | str | None) -> bytes:
    if body is None:
        return b""
    return body.encode("utf-8") if isinstance(body, str) else bytes(body)


def _check_expires(expires: int) -> int:
    if not 1 <= int(expires) <= MAX_EXPIRES:
        raise UsageError(f"expires must be between 1 and {MAX_EXPIRES} seconds",
                         code="InvalidParameterValue")
    return int(expires)


class _Frame:
    """What a request's canonical form owes to its method, URL and headers alone, as a
    :class:`Signer` remembers it for the request it last signed: the canonical
    request cut where the date and the payload hash go, and the signed header list.

    ``key`` is ``(method, url, header items, session token, signed_headers,
    content_sha256)``; a request with an equal key has the same frame, so
    ``f"{head}{content line}{middle}x-amz-date:{date}\\n{tail}{payload hash}"`` is
    its canonical request, exactly what :func:`canonical_request` gives.
    """

    __slots__ = ("head", "key", "middle", "signed", "tail")

    def __init__(self, key: _FrameKey) -> None:
        method, url, items, token, chosen, content_sha256 = key
        scheme, netloc, path, query, _ = urlsplit(url)
        grouped = _grouped_request_headers(items, scheme, netloc)
        own = ["X-Amz-Date"]
        grouped["x-amz-date"] = [""]  # stale copies were dropped: these are the only ones
        if token:
            own.append("X-Amz-Security-Token")
            grouped["x-amz-security-token"] = [token]
        if content_sha256:
            own.append("X-Amz-Content-Sha256")
            grouped["x-amz-content-sha256"] = [""]
        signed_headers = None if chosen is None else {
            *(n.lower() for n in chosen), "host", *map(str.lower, own)}
        names, lines = _header_lines(grouped, signed_headers)
        date = names.index("x-amz-date")
        cut = names.index("x-amz-content-sha256") if content_sha256 else date
        self.key = key
        self.head = _request_lines(method.upper(), path, query) + "".join(lines[:cut])
        self.middle = "".join(lines[cut + 1:date]) if content_sha256 else ""
        self.signed = ";".join(names)
        self.tail = f"{''.join(lines[date + 1:])}\n{self.signed}\n"

    def __repr__(self) -> str:
        return f"_Frame(signed={self.signed!r})"


#: A frame's key: method, URL, the header items, the session token, the signed header
#: names asked for (None: the default set) and whether X-Amz-Content-Sha256 is sent.
_FrameKey = tuple[str, str, tuple[tuple[str, str], ...], "str | None",
                  "tuple[str, ...] | None", bool]


class _Second:
    """What a :class:`Signer` remembers of the second it last signed in: the span
    ``[start, end)`` (None when the time came as ``X-Amz-Date`` text), its
    ``X-Amz-Date`` text, and for ``credentials`` the day's scope and derived key."""

    __slots__ = ("credentials", "date", "end", "key", "scope", "start")

    def __init__(self, moment: datetime | None, date: str, credentials: Credentials,
                 scope: str, key: DerivedKey) -> None:
        self.start = self.end = None
        if moment is not None:
            start = moment.replace(microsecond=0)
            if start < _LAST_SECOND:  # the last second of year 9999 is never remembered
                self.start, self.end = start, start + _ONE_SECOND
        self.date = date
        self.credentials = credentials
        self.scope = scope
        self.key = key

    def __repr__(self) -> str:
        return f"_Second({self.date!r})"


_ONE_SECOND = timedelta(seconds=1)
_LAST_SECOND = datetime.max.replace(microsecond=0, tzinfo=timezone.utc)


class Signer:
    """SigV4 for one identity, region and service; the one SigV4 signer.

    ``credentials`` is a :class:`Credentials` value or a provider, asked for
    current credentials at every signing (so rotated session tokens are picked
    up). The derived signing key is kept in a :class:`KeyCache` of
    ``cache_size`` entries (a day's key serves every request of that day).
    Region and service are fixed for the signer's life.

    Besides the key cache a signer remembers two things, one entry each, replaced
    as a whole when they no longer fit: the second it last signed in
    (:class:`_Second`: its ``X-Amz-Date`` text and, for the credentials it signed
    with, the credential scope and derived key), and the frame of the last
    request it signed with :meth:`sign_headers` (:class:`_Frame`: the canonical
    request less its date and payload hash, for that method, URL and headers), so
    that a client sending to one endpoint formats the date once a second and
    canonicalizes its URL and headers once.
    The repr names the access key, never the secret or the token.
    """

    __slots__ = ("_frame", "_keys", "_region", "_second", "_service", "credentials")

    def __init__(self, credentials: Credentials | CredentialsProvider, region: str,
                 service: str = "ec2", *, cache_size: int = 2) -> None:
        if not hasattr(credentials, "get_credentials"):
            raise UsageError("Signer needs Credentials or a credentials provider")
        self.credentials = credentials
        self._region = region
        self._service = service
        self._keys = KeyCache(cache_size)
        self._second: _Second | None = None
        self._frame: _Frame | None = None

    def __repr__(self) -> str:
        who = (f"access_key={self.credentials.access_key!r}"
               if isinstance(self.credentials, Credentials)
               else f"credentials={type(self.credentials).__name__}")
        return f"Signer({who}, region={self._region!r}, service={self._service!r})"

    @property
    def region(self) -> str:
        """The region signed for (the credential scope's second part)."""
        return self._region

    @property
    def service(self) -> str:
        """The service signed for (the credential scope's third part)."""
        return self._service

    @property
    def keys(self) -> KeyCache:
        """The signer's cache of derived keys."""
        return self._keys

    def signature(self, credentials: Credentials, timestamp: str, string_to_sign: str) -> str:
        """Hex HMAC-SHA256 of ``string_to_sign`` under the key of ``timestamp``'s day."""
        key = self._keys.get(credentials.secret_key, timestamp[:8], self._region, self._service)
        return key.hexdigest(string_to_sign.encode("utf-8"))

    def _at(self, timestamp: datetime | str, credentials: Credentials) -> _Second:
        """The second of ``timestamp`` (a datetime or an ``X-Amz-Date`` value) for
        ``credentials``: the remembered one if it is that second's, else a new one."""
        second = self._second
        if isinstance(timestamp, str):
            if (second is not None and second.date == timestamp
                    and second.credentials is credentials):
                return second
            return self._remember(None, timestamp, credentials)
        moment = timestamp if timestamp.tzinfo is timezone.utc else utc(timestamp)
        if (second is not None and second.start is not None
                and second.start <= moment < second.end  # type: ignore[operator]
                and second.credentials is credentials):
            return second
        return self._remember(moment, amz_date(moment), credentials)

    def _remember(self, moment: datetime | None, date: str, credentials: Credentials) -> _Second:
        scope = f"{date[:8]}/{self._region}/{self._service}/aws4_request"
        key = self._keys.get(credentials.secret_key, date[:8], self._region, self._service)
        second = _Second(moment, date, credentials, scope, key)
        self._second = second  # one assignment: another thread sees the old or the new
        return second

    def sign_headers(
        self,
        *,
        method: str,
        url: str,
        headers: HeadersLike | None = None,
        body: bytes | str | None = b"",
        timestamp: datetime | str,
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
        header in ``headers`` is ignored, as it will be replaced. ``timestamp`` is
        a datetime or an ``X-Amz-Date`` value.
        """
        credentials = self.credentials.get_credentials()
        token = credentials.token
        key = (method, url, () if headers is None else tuple(
                   headers.items() if type(headers) is dict or isinstance(headers, Mapping)
                   else headers),
               token, None if signed_headers is None else tuple(signed_headers),
               content_sha256)
        frame = self._frame
        if frame is None or frame.key != key:
            frame = self._frame = _Frame(key)
        second = self._at(timestamp, credentials)
        date = second.date
        added = {"X-Amz-Date": date}
        if token:
            added["X-Amz-Security-Token"] = token
        payload = _sha256(body if type(body) is bytes else _body_bytes(body)).hexdigest()
        content = ""
        if content_sha256:
            added["X-Amz-Content-Sha256"] = payload
            content = f"x-amz-content-sha256:{payload}\n"
        creq = f"{frame.head}{content}{frame.middle}x-amz-date:{date}\n{frame.tail}{payload}"
        sts = _string_to_sign(date, second.scope, creq)
        added["Authorization"] = (
            f"{ALGORITHM} Credential={credentials.access_key}/{second.scope}, "
            f"SignedHeaders={frame.signed}, Signature={second.key.hexdigest(sts.encode())}")
        return added

    def presign_url(
        self,
        *,
        url: str,
        method: str = "GET",
        headers: HeadersLike | None = None,
        body: bytes | str | None = b"",
        timestamp: datetime | str,
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
        expires = _check_expires(expires)
        credentials = self.credentials.get_credentials()
        parts = urlsplit(url)
        grouped = _grouped_request_headers(headers, parts.scheme, parts.netloc)
        second = self._at(timestamp, credentials)
        date, scope = second.date, second.scope
        pairs = split_pairs(parts.query.encode("utf-8")) if parts.query else []
        pairs.extend(params)
        lines, signed = header_block(grouped, None)
        pairs += [
            ("X-Amz-Algorithm", ALGORITHM),
            ("X-Amz-Credential", f"{credentials.access_key}/{scope}"),
            ("X-Amz-Date", date),
            ("X-Amz-Expires", str(expires)),
            ("X-Amz-SignedHeaders", signed),
        ]
        if credentials.token:
            pairs.append(("X-Amz-Security-Token", credentials.token))
        payload = _sha256(_body_bytes(body)).hexdigest()
        creq = assemble(method.upper(), parts.path, pairs, lines, signed, payload)
        sig = second.key.hexdigest(_string_to_sign(date, scope, creq).encode())
        base = f"{parts.scheme}://{parts.netloc}{parts.path or '/'}"
        return f"{base}?{encode_pairs(pairs)}&X-Amz-Signature={sig}"


def sign_headers(
    *,
    method: str,
    url: str,
    headers: HeadersLike | None = None,
    body: bytes | str | None = b"",
    credentials: Credentials | CredentialsProvider,
    region: str,
    service: str = "ec2",
    timestamp: datetime,
    signed_headers: Iterable[str] | None = None,
    content_sha256: bool = False,
) -> dict[str, str]:
    """:meth:`Signer.sign_headers` once, with a signer made for this call."""
    return Signer(credentials, region, service, cache_size=1).sign_headers(
        method=method, url=url, headers=headers, body=body, timestamp=timestamp,
        signed_headers=signed_headers, content_sha256=content_sha256)


def presign_url(
    *,
    url: str,
    method: str = "GET",
    headers: HeadersLike | None = None,
    body: bytes | str | None = b"",
    credentials: Credentials | CredentialsProvider,
    region: str,
    service: str = "ec2",
    timestamp: datetime,
    expires: int = 3600,
    params: Iterable[tuple[str, str]] = (),
) -> str:
    """:meth:`Signer.presign_url` once, with a signer made for this call."""
    return Signer(credentials, region, service, cache_size=1).presign_url(
        url=url, method=method, headers=headers, body=body, timestamp=timestamp,
        expires=expires, params=params)
