"""XML responses and errors: render them as EC2 does, parse them as botocore does.

The facade over ``_xml_render`` (documents out, one walk), ``_xml_parse``
(documents in: one reader, hardened lxml from ``_xmlsafe``, and one walk over
its tree) and ``_xml_schema`` (XSD validation). See ``docs/xml.md``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._xml_parse import NAMESPACES, parse_response
from ._xml_render import INDENT, NAMESPACE, render_error, render_response
from ._xmlsafe import MAX_XML_BYTES, MAX_XML_DEPTH

if TYPE_CHECKING:
    from ._xml_schema import schema_for, validate_document

# XSD validation needs xmlschema (a quarter of a second to import): loaded on first use.
_LAZY = {"schema_for", "validate_document"}


def __getattr__(name: str) -> object:
    if name in _LAZY:
        from . import _xml_schema

        return getattr(_xml_schema, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "INDENT",
    "MAX_XML_BYTES",
    "MAX_XML_DEPTH",
    "NAMESPACE",
    "NAMESPACES",
    "parse_response",
    "render_error",
    "render_response",
    "schema_for",
    "validate_document",
]
