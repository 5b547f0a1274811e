"""XML responses and errors: render them as EC2 does, parse them as botocore does.

The facade over ``_xml_render`` (documents out), ``_xml_parse`` (documents
in, hardened by ``_xmlsafe``) and ``_xml_schema`` (XSD validation). See
``docs/xml.md``.
"""

from __future__ import annotations

from ._xml_parse import NAMESPACES, parse_response
from ._xml_render import INDENT, NAMESPACE, render_error, render_response
from ._xml_schema import schema_for, validate_document
from ._xmlsafe import MAX_XML_BYTES, MAX_XML_DEPTH

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
