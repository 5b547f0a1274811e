"""Hardened XML reading: the one place untrusted response bytes meet lxml.

Every document goes through :func:`read_document`, which refuses, before and
after libxml2 sees it, everything an EC2 response never contains:

* more than :data:`MAX_XML_BYTES` bytes (checked before any parsing);
* any ``<!DOCTYPE`` (so no internal subset, no entity declarations, no
  external DTD: XXE, billion laughs and quadratic blowup are refused
  unparsed). The parser forces UTF-8, as botocore's does, so the byte scan
  sees every DOCTYPE libxml2 would see;
* element nesting deeper than :data:`MAX_XML_DEPTH` (libxml2's own limit of
  256 without ``huge_tree`` is the backstop).

The parser itself is configured so that even a DOCTYPE that slipped through
could not expand an entity or touch the network: ``resolve_entities=False``,
``no_network=True``, ``load_dtd=False``, ``huge_tree=False``. Comments and
processing instructions are dropped, as ElementTree (botocore's parser)
drops them. Any failure is a :class:`~ec2query._errors.ResponseParseError`;
no lxml exception escapes.
"""

from __future__ import annotations

import re
import threading

from lxml import etree

from .._errors import ResponseParseError

__all__ = [
    "MAX_XML_BYTES",
    "MAX_XML_DEPTH",
    "Decline",
    "XMLInput",
    "as_bytes",
    "decode_text",
    "fast_pieces",
    "is_name",
    "lxml_pieces",
    "read_document",
    "split_tag",
]

#: Largest response document accepted, in bytes (EC2's biggest pages are far below this).
MAX_XML_BYTES = 10 * 1024 * 1024
#: Deepest element nesting accepted (the model's deepest path is 8 levels).
MAX_XML_DEPTH = 64

XMLInput = bytes | bytearray | memoryview | str

# The shortest way to nest one more level is ``<a>`` + ``</a>``: 7 bytes. A document
# shorter than this cannot be too deep, so the small, common case skips the check.
_DEPTH_CHECK_FROM = 7 * MAX_XML_DEPTH
_TOO_DEEP = etree.XPath("boolean(" + "/*" * (MAX_XML_DEPTH + 1) + ")")


class _Local(threading.local):
    """One parser per thread: lxml parsers serialize concurrent use."""

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
    data = check_size(as_bytes(body))
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise ResponseParseError("The response has a DOCTYPE; EC2 documents never do")
    try:
        root = etree.fromstring(data, _local.parser)
    except (etree.LxmlError, ValueError) as exc:
        reason = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        raise ResponseParseError(f"The response is not well-formed XML: {reason}") from None
    if root is None:  # lxml returns None for some recovered inputs; never for ours
        raise ResponseParseError("The response has no root element")
    if len(data) >= _DEPTH_CHECK_FROM and _TOO_DEEP(root):
        raise ResponseParseError(f"The response nests elements deeper than {MAX_XML_DEPTH}")
    return root


def split_tag(tag: object) -> tuple[str, str]:
    """``"{ns}local"`` -> ``("ns", "local")``; ``"local"`` -> ``("", "local")``."""
    if not isinstance(tag, str):
        return "", ""
    if tag[:1] == "{":
        ns, _, local = tag[1:].partition("}")
        return ns, local
    return "", tag


# --------------------------------------------------------------------------- pieces
#
# The response walker consumes a document as *pieces*: the text between one
# ``<`` and the next, i.e. ``"name attrs>text"`` for a start tag, ``"/name>tail"``
# for an end tag, with the character data up to the next tag. ``fast_pieces``
# cuts a document written in a strict, plain subset of XML (what EC2, moto and
# this project write) with ``str.split``; anything outside that subset is
# declined, either here (None) or by the walker (:class:`Decline`), and the
# document is read by lxml instead: a DOCTYPE, comment, CDATA section,
# processing instruction, prefixed name, attribute other than the root's
# ``xmlns``, undefined or invalid reference, CR, control character, byte order
# mark or non-UTF-8 byte. ``lxml_pieces`` gives the same pieces for a tree lxml
# built, so one walker serves both readers.


class Decline(Exception):
    """The fast reader cannot vouch for this document; read it with lxml instead."""


_DECLARATIONS = (
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<?xml version="1.0" encoding="utf-8"?>',
    '<?xml version="1.0"?>',
)
_NAME = re.compile(r"[A-Za-z_][\w.\-]*", re.ASCII)
# Bytes that are not XML 1.0 Chars (in UTF-8 they only ever stand for themselves),
# and CR, which parsers rewrite.
_CONTROL = bytes([*range(0x09), 0x0B, 0x0C, *range(0x0D, 0x20)])
_REFERENCE = re.compile(r"&(?:(amp|lt|gt|quot|apos)|#([0-9]{1,7})|#x([0-9a-fA-F]{1,6}));")
_NAMED = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}
_STRAY_AMPERSAND = re.compile(r"&(?!(?:amp|lt|gt|quot|apos);|#[0-9]{1,7};|#x[0-9a-fA-F]{1,6};)")
_NUMERIC = re.compile(r"&#(?:([0-9]{1,7})|x([0-9a-fA-F]{1,6}));")
#: XML whitespace (CR is refused before it matters).
WHITESPACE = " \t\n"


def _is_char(code: int) -> bool:
    return (
        code in (0x9, 0xA, 0xD)
        or 0x20 <= code <= 0xD7FF
        or 0xE000 <= code <= 0xFFFD
        or 0x10000 <= code <= 0x10FFFF
    )


def _code(match: re.Match[str]) -> int:
    named, dec, hexa = match.groups()
    if named:
        return ord(_NAMED[named])
    return int(dec) if dec else int(hexa, 16)


def _reference(match: re.Match[str]) -> str:
    return chr(_code(match))


def is_name(name: str) -> bool:
    """Whether ``name`` is an element name the fast reader may accept."""
    return _NAME.fullmatch(name) is not None


def decode_text(text: str) -> str:
    """Character data with its (already vetted) references replaced."""
    return _REFERENCE.sub(_reference, text) if "&" in text else text


def fast_pieces(data: bytes) -> list[str] | None:
    """The pieces of ``data`` if it is in the plain subset, else None (use lxml)."""
    if len(data.translate(None, _CONTROL)) != len(data) or (b"]" in data and b"]]>" in data):
        return None  # (memchr finds a "]" far faster than a search finds "]]>")
    if not data.isascii() and (b"\xef\xbf\xbe" in data or b"\xef\xbf\xbf" in data):
        return None  # U+FFFE, U+FFFF
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    start = 0
    for declaration in _DECLARATIONS:
        if text.startswith(declaration):
            start = len(declaration)
            break
    first = text.find("<", start)
    if first < 0 or text[start:first].strip(WHITESPACE):
        return None
    if "&" in text:
        if _STRAY_AMPERSAND.search(text):
            return None  # an undefined or malformed reference
        for dec, hexa in _NUMERIC.findall(text) if "&#" in text else ():
            if not _is_char(int(dec) if dec else int(hexa, 16)):
                return None  # a reference to a character XML forbids
    pieces = text[first + 1 :].split("<")
    return pieces


def lxml_pieces(root: etree._Element) -> list[str]:
    """The same pieces for a tree lxml parsed (no attributes).

    As in a document, a ``&`` in text starts a reference: lxml's decoded text
    has each ``&`` written back as ``&amp;``, which :func:`decode_text` undoes.
    """
    out: list[str] = []

    def walk(element: etree._Element) -> None:
        local = split_tag(element.tag)[1]
        text = element.text or ""
        out.append(f"{local}>{text.replace('&', '&amp;')}")
        for child in element:
            walk(child)
        out.append(f"/{local}>")

    walk(root)
    return out
