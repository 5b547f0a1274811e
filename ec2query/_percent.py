"""The one percent-encoder: what goes on the wire is exactly what gets signed.

RFC 3986 unreserved characters (``A-Z a-z 0-9 - _ . ~``) stay as they are and
every other byte of the UTF-8 encoding becomes ``%XX`` with upper-case hex.
A space is ``%20``, never ``+``. This is the encoding botocore uses for EC2
Query bodies and the one SigV4 and SigV2 require in canonical query strings,
so one function serves the body, the URL and the canonical request alike.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import quote as _quote

__all__ = ["encode_pairs", "percent_encode"]

_SAFE = "-_.~"


def percent_encode(value: str) -> str:
    """Percent-encode ``value`` (text) for the wire and for signing."""
    if value.isascii() and value.replace("-", "").replace("_", "").replace(".", "").replace(
        "~", ""
    ).isalnum():
        return value
    return _quote(value, safe=_SAFE)


def encode_pairs(pairs: Iterable[tuple[str, str]]) -> str:
    """``k=v&k=v`` with both sides percent-encoded, in the order given."""
    return "&".join(f"{percent_encode(k)}={percent_encode(v)}" for k, v in pairs)
