"""Hardened XML reading: the one place untrusted response bytes meet lxml.

Every document goes through :func:`read_document`, which refuses, before and
after libxml2 sees it, everything an EC2 response never contains:

* more than :data:`MAX_XML_BYTES` bytes (checked before any parsing);
* any ``<!DOCTYPE`` (so no internal subset, no entity declarations, no
  external DTD: XXE, billion laughs and quadratic blowup are refused
  unparsed). The parser forces UTF-8, as botocore's does, so the byte scan
  sees every DOCTYPE libxml2 would see;
* element nesting deeper than :data:`MAX_XML_DEPTH`, checked on the tree
  before anything walks it, whatever comes before the root (a declaration,
  comments, processing instructions, whitespace). libxml2 stops at 256
  levels without ``huge_tree``; that refusal gets the same message;
* (libxml2's own bound without ``huge_tree``) a text run of more than
  10,000,000 characters, which only a document near :data:`MAX_XML_BYTES`
  can hold.

The parser itself is configured so that even a DOCTYPE that slipped through
could not expand an entity or touch the network: ``resolve_entities=False``,
``no_network=True``, ``load_dtd=False``, ``huge_tree=False``. Comments and
processing instructions are dropped, as ElementTree (botocore's parser)
drops them. lxml parsers are not thread safe: each thread has its own. Any
failure is a :class:`~ec2query._errors.ResponseParseError`; no lxml
exception escapes.
"""

from __future__ import annotations

import threading

from lxml import etree

from .._errors import ResponseParseError

__all__ = [
    "MAX_XML_BYTES",
    "MAX_XML_DEPTH",
    "XMLInput",
    "as_bytes",
    "check_size",
    "read_document",
    "split_tag",
]

#: Largest response document accepted, in bytes (EC2's biggest pages are far below this).
MAX_XML_BYTES = 10 * 1024 * 1024
#: Deepest element nesting accepted, the root being level 1 (the model's deepest path
#: is 8 levels).
MAX_XML_DEPTH = 64

XMLInput = bytes | bytearray | memoryview | str

# The shortest way to nest one more level is ``<a>`` + ``</a>``: 7 bytes. A document
# shorter than this cannot be too deep, so the small, common case skips the tree check.
_DEPTH_CHECK_FROM = 7 * MAX_XML_DEPTH
_BANG = ord("!")  # an int is found with memchr; a bytes needle costs far more
_TOO_DEEP = etree.XPath("boolean(" + "/*" * (MAX_XML_DEPTH + 1) + ")")
_TOO_DEEP_MESSAGE = f"The response nests elements deeper than {MAX_XML_DEPTH}"


class _Local(threading.local):
    """One parser per thread: lxml parsers are not thread safe."""

    def __init__(self) -> None:
        self.parser = etree.XMLParser(
            encoding="utf-8",
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            dtd_validation=False,
            huge_tree=False,
            remove_comments=True,
            remove_pis=True,
            collect_ids=False,
        )


_local = _Local()


def as_bytes(body: object) -> bytes:
    """The document as bytes; ``str`` is taken as its UTF-8 encoding."""
    if isinstance(body, bytes):
        return body
    if isinstance(body, (bytearray, memoryview)):
        return bytes(body)
    if isinstance(body, str):
        try:
            return body.encode("utf-8")
        except UnicodeEncodeError:
            raise ResponseParseError("The response is not valid Unicode text") from None
    raise ResponseParseError(f"The response body must be bytes, not {type(body).__name__}")


def check_size(data: bytes) -> bytes:
    """``data``, or ResponseParseError when it is above :data:`MAX_XML_BYTES`."""
    if len(data) > MAX_XML_BYTES:
        raise ResponseParseError(
            f"The response is {len(data)} bytes, above the limit of {MAX_XML_BYTES}"
        )
    return data


def read_document(body: object) -> etree._Element:
    """Parse ``body`` under the bounds above; the root element, or ResponseParseError."""
    data = body if type(body) is bytes else as_bytes(body)
    if len(data) > MAX_XML_BYTES:
        check_size(data)
    if _BANG in data and (b"<!DOCTYPE" in data or b"<!ENTITY" in data):
        raise ResponseParseError("The response has a DOCTYPE; EC2 documents never do")
    try:
        root = etree.fromstring(data, _local.parser)
    except (etree.LxmlError, ValueError) as exc:
        reason = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        if reason.startswith("Excessive depth"):  # libxml2's own bound (256)
            raise ResponseParseError(_TOO_DEEP_MESSAGE) from None
        if reason.startswith("Resource limit"):  # a text run of over 10,000,000 characters
            raise ResponseParseError(f"The response is beyond the XML parser's limit: {reason}"
                                     ) from None
        raise ResponseParseError(f"The response is not well-formed XML: {reason}") from None
    if root is None:  # lxml returns None for some recovered inputs; never for ours
        raise ResponseParseError("The response has no root element")
    if len(data) >= _DEPTH_CHECK_FROM and _TOO_DEEP(root):
        raise ResponseParseError(_TOO_DEEP_MESSAGE)
    return root


def split_tag(tag: object) -> tuple[str, str]:
    """``"{ns}local"`` -> ``("ns", "local")``; ``"local"`` -> ``("", "local")``."""
    if not isinstance(tag, str):
        return "", ""
    if tag[:1] == "{":
        ns, _, local = tag[1:].partition("}")
        return ns, local
    return "", tag
