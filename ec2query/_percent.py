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

import re
from collections.abc import Iterable
from urllib.parse import quote as _quote

__all__ = ["encode_form", "encode_pairs", "form_encode", "percent_encode"]

_SAFE = "-_.~"
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789" + _SAFE)
_FIND_RESERVED = re.compile(r"[^A-Za-z0-9\-_.~]").findall
#: ASCII character -> its escape, for every ASCII character that is not unreserved.
_ESCAPES = {chr(c): f"%{c:02X}" for c in range(128) if chr(c) not in _UNRESERVED}
_FORM_ESCAPES = {**_ESCAPES, " ": "+"}
#: ``text.translate(FORM_TABLE)`` is :func:`form_encode` of ASCII ``text`` in one call: the
#: table maps every ASCII code point to its form encoding (itself if unreserved, ``+`` for a
#: space). Only for ASCII text: other characters would be left as they are.
FORM_TABLE = tuple(_FORM_ESCAPES.get(chr(c), chr(c)) for c in range(128))


def _escape_ascii(value: str, escapes: dict[str, str]) -> str:
    """Escape the reserved characters of ASCII ``value``, one ``str.replace`` per distinct one.

    ``%`` goes first and ``+`` second, as they are the only characters an escape
    introduces; the others cannot interfere with one another.
    """
    if value.isalnum():
        return value
    reserved = _FIND_RESERVED(value)
    if not reserved:
        return value
    if "%" in reserved:
        value = value.replace("%", "%25")
    if "+" in reserved:
        value = value.replace("+", "%2B")
    for char in set(reserved) if len(reserved) > 1 else reserved:
        if char not in "%+":
            value = value.replace(char, escapes[char])
    return value


_UNRESERVED_BYTES = "".join(sorted(_UNRESERVED)).encode("ascii")


def form_escape_joined(pieces: list[str], eq: str, amp: str) -> str | None:
    """A whole form body in one pass: ``pieces`` are ``key<eq>value`` with raw values,
    ``eq`` and ``amp`` being reserved characters that stand for the ``=`` and ``&``
    separators (keys need no encoding).

    Every value comes out as :func:`form_encode` gives it, then the stand-ins become the
    separators (no escape contains them). None if the pieces are not ASCII or a value
    holds a stand-in: those need value-by-value encoding.
    """
    text = amp.join(pieces)
    if not text.isascii():
        return None
    # The reserved characters, found by bytes.translate's plain C loop (no regex).
    reserved = text.encode("ascii").translate(None, _UNRESERVED_BYTES).decode("ascii")
    if reserved.count(eq) != len(pieces) or reserved.count(amp) != len(pieces) - 1:
        return None
    found = set(reserved.replace(eq, "").replace(amp, ""))
    if "%" in found:
        text = text.replace("%", "%25")
    if "+" in found:
        text = text.replace("+", "%2B")
    for char in found:
        if char not in "%+":
            text = text.replace(char, _FORM_ESCAPES[char])
    return text.replace(eq, "=").replace(amp, "&")


def percent_encode(value: str) -> str:
    """Percent-encode ``value`` (text) for the wire and for signing."""
    if value.isascii():
        return _escape_ascii(value, _ESCAPES)
    return _quote(value, safe=_SAFE)


def encode_pairs(pairs: Iterable[tuple[str, str]]) -> str:
    """``k=v&k=v`` with both sides percent-encoded, in the order given."""
    return "&".join([f"{percent_encode(k)}={percent_encode(v)}" for k, v in pairs])


def form_encode(value: str) -> str:
    """Encode ``value`` for a form body: :func:`percent_encode` with ``+`` for a space."""
    if value.isascii():
        return _escape_ascii(value, _FORM_ESCAPES)
    encoded = _quote(value, safe=_SAFE)
    return encoded.replace("%20", "+") if "%20" in encoded else encoded


def encode_form(pairs: Iterable[tuple[str, str]]) -> str:
    """A form body ``k=v&k=v`` (``+`` for a space), in the order given."""
    return "&".join([f"{form_encode(k)}={form_encode(v)}" for k, v in pairs])
