"""Small helpers shared by the signers, the verifiers and the adapters.

Query strings and form bodies are read by one parser,
:func:`ec2query._codec.query.split_pairs` (``+`` is a space, ``%XX`` is a UTF-8
byte), the way EC2 reads them and the way botocore and requests write them;
everything written back goes through the one encoder in :mod:`ec2query._percent`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timezone

__all__ = [
    "HeadersLike",
    "header_items",
    "host_for_signing",
    "utc",
]

HeadersLike = Mapping[str, str] | Iterable[tuple[str, str]]


def header_items(headers: HeadersLike | None) -> list[tuple[str, str]]:
    """``(name, value)`` pairs from a mapping or a sequence of pairs (duplicates kept)."""
    if headers is None:
        return []
    if isinstance(headers, Mapping):
        return list(headers.items())
    return list(headers)


def host_for_signing(scheme: str, netloc: str) -> str:
    """The Host header value a client sends for ``netloc``: lower-cased, no
    userinfo, no default port (443 for https, 80 for http)."""
    host = netloc.rpartition("@")[2].lower()
    if host.endswith(":443") and scheme == "https":
        return host[:-4]
    if host.endswith(":80") and scheme == "http":
        return host[:-3]
    return host


def utc(moment: datetime) -> datetime:
    """``moment`` as an aware UTC datetime; a naive one is taken to be UTC already."""
    if moment.tzinfo is timezone.utc:  # already UTC: astimezone would return an equal copy
        return moment
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)
