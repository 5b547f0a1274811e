"""Validate a response or error document against this project's XSDs.

``schemas/ec2-<version>.xsd`` (the top-level folder; a wheel's copy is inside the
package, see ``ec2query._data``) describes the success documents of API
``version`` (namespace ``http://ec2.amazonaws.com/doc/<version>/``, with the
slash EC2 writes); ``ec2-errors.xsd`` the error envelopes, which carry no
namespace. Schemas are compiled once, on first use.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import xmlschema

from .._data import data_dir
from .._errors import ResponseParseError
from .._model import VERSIONS
from ._xml_render import NAMESPACE
from ._xmlsafe import read_document, split_tag

__all__ = ["schema_for", "validate_document"]

_BY_NAMESPACE = {NAMESPACE.format(version=v): v for v in VERSIONS}
_ERROR_ROOTS = ("Response", "ErrorResponse")


@cache
def schema_for(version: str | None) -> xmlschema.XMLSchema10:
    """The compiled schema of API ``version``; ``None`` for the error envelopes."""
    name = "ec2-errors.xsd" if version is None else f"ec2-{version}.xsd"
    source = (data_dir("schemas") / name).read_text(encoding="utf-8")
    return xmlschema.XMLSchema10(source)


def validate_document(body: Any, *, version: str | None = None) -> None:
    """Check ``body`` against the XSD of its version; ResponseParseError naming the problem.

    ``version`` pins the API version a success document must be in; without
    it the document's namespace decides. Error envelopes are checked against
    the error schema whatever ``version`` says.
    """
    root = read_document(body)
    ns, local = split_tag(root.tag)
    if not ns and local in _ERROR_ROOTS:
        schema = schema_for(None)
    else:
        found = _BY_NAMESPACE.get(ns)
        if found is None:
            hint = " (EC2 writes a trailing slash)" if ns + "/" in _BY_NAMESPACE else ""
            raise ResponseParseError(
                f"The document's namespace {ns!r} is not an EC2 API namespace{hint}"
            )
        if version is not None and found != version:
            raise ResponseParseError(f"The document is in API version {found}, expected {version}")
        schema = schema_for(found)
    error = next(schema.iter_errors(root), None)
    if error is not None:
        where = error.path or "/"
        raise ResponseParseError(f"The document is not valid at {where}: {error.reason}")
