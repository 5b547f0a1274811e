"""The one percent-encoder: what goes on the wire is exactly what gets signed.

RFC 3986 unreserved characters (``A-Z a-z 0-9 - _ . ~``) stay as they are and
every other byte of the UTF-8 encoding becomes ``%XX`` with upper-case hex;
a space is ``%20``. This is the encoding SigV4 and SigV2 require in canonical
query strings, and the one used for every URL query we send, so the query on
the wire and the query that is signed are the same bytes.

Form bodies (``application/x-www-form-urlencoded``) differ in one character:
a space is ``+``, exactly as botocore sends EC2 Query bodies. A body is signed
as its bytes (SigV4 hashes the payload) or re-read by the server before the
canonical string is built (SigV2), so the two never disagree either.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import quote as _quote

__all__ = ["encode_form", "encode_pairs", "form_encode", "percent_encode"]

_SAFE = "-_.~"
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789" + _SAFE)
#: ``text.translate(TABLE)`` encodes ASCII ``text`` in one call: each table maps every ASCII
#: code point to its encoding (itself if unreserved, ``%XX`` otherwise; ``+`` for a space in
#: the form table). Only for ASCII text: other characters would be left as they are.
PERCENT_TABLE = tuple(c if c in _UNRESERVED else f"%{ord(c):02X}" for c in map(chr, range(128)))
FORM_TABLE = (*PERCENT_TABLE[:32], "+", *PERCENT_TABLE[33:])  # a space is "+"


def percent_encode(value: str) -> str:
    """Percent-encode ``value`` (text) for the wire and for signing."""
    if value.isascii():
        return value if value.isalnum() else value.translate(PERCENT_TABLE)
    return _quote(value, safe=_SAFE)


def encode_pairs(pairs: Iterable[tuple[str, str]]) -> str:
    """``k=v&k=v`` with both sides percent-encoded, in the order given."""
    return "&".join([f"{percent_encode(k)}={percent_encode(v)}" for k, v in pairs])


def form_encode(value: str) -> str:
    """Encode ``value`` for a form body: :func:`percent_encode` with ``+`` for a space."""
    if value.isascii():
        return value if value.isalnum() else value.translate(FORM_TABLE)
    encoded = _quote(value, safe=_SAFE)
    return encoded.replace("%20", "+") if "%20" in encoded else encoded


def encode_form(pairs: Iterable[tuple[str, str]]) -> str:
    """A form body ``k=v&k=v`` (``+`` for a space), in the order given."""
    return "&".join([f"{form_encode(k)}={form_encode(v)}" for k, v in pairs])
