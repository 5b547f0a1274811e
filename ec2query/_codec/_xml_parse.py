"""Parse EC2 response documents into exactly what botocore returns for them.

The walker follows botocore's ``EC2QueryParser`` rule for rule, so that the
dict is the one boto3 hands its caller: members are matched by XML name
(namespace ignored below the root), unknown elements are skipped, every
child of a list element is an item whatever its tag, ``<x/>`` is ``""`` for a
string, a boolean is ``True`` only for the text ``true``, an integer is
``int(text)``; ``requestId`` becomes ``ResponseMetadata.RequestId``, next to
``HTTPStatusCode`` (200) and ``HTTPHeaders`` ({}), which botocore's parser
adds for a body parsed without HTTP headers. We are stricter where botocore
returns garbage or crashes: a member element that appears twice, an integer
that is not one (or has more digits than Python will convert, unless it is
a small number written with leading zeros), a root that is not the
operation's response in an EC2 namespace: each is a
:class:`ResponseParseError`. An error document (``<Response><Errors><Error>``
or ``<ErrorResponse><Error>``) raises :class:`ServiceError` with its code,
message and request id.

There is one reader: hardened lxml (``_xmlsafe.read_document``: size, DOCTYPE
and depth bounds, no entities, no network) builds the tree, and one walk
goes over its elements, driven by a table per structure compiled once
through the model's :class:`~ec2query._model.PlanCache`. A table maps a
child's tag to ``(member name, kind, sub-plan)``; it holds each member under
its local XML name and under that name in every EC2 namespace, so that the
usual child is found with one dictionary look-up of ``el.tag``, and any other
tag by its local name.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from collections.abc import Collection
from functools import cache
from typing import Any

from lxml import etree

from .._errors import ResponseParseError, ServiceError
from .._model import (
    UNMODELED_OUTPUTS,
    VERSIONS,
    Kind,
    ListShape,
    PlanCache,
    Scalar,
    Structure,
    operation,
)
from ._xml_render import NAMESPACE
from ._xmlsafe import read_document, split_tag

__all__ = ["NAMESPACES", "parse_response", "parse_structure"]

#: Namespace -> API version: EC2's (with the slash) and moto's (without).
NAMESPACES: dict[str, str] = {}
for _version in VERSIONS:
    NAMESPACES[NAMESPACE.format(version=_version)] = _version
    NAMESPACES[NAMESPACE.format(version=_version).rstrip("/")] = _version

_STRING, _STRUCTURE, _STRUCTURES, _LIST, _INTEGER, _BOOLEAN, _REQUEST_ID = range(7)
_KINDS = {Kind.STRING: _STRING, Kind.INTEGER: _INTEGER, Kind.BOOLEAN: _BOOLEAN}
_RID = "\0requestId"  # the request id's slot while a root is walked; never a member name

#: What a child means in its structure: ``(member name, kind, sub)``. ``sub`` is the table
#: of a structure (``_STRUCTURE``) or of the items of a list of structures (``_STRUCTURES``,
#: the most common list); for any other list (``_LIST``), the ``(kind, sub)`` of its items.
_Entry = tuple[str, int, Any]
_Table = dict[str, _Entry]


class _Plan:
    """A structure's ``table``: its members by tag (see the module docstring).

    The table is created empty and filled in place, so that entries may hold it
    before it is complete (a recursive shape's plan refers to itself).
    """

    __slots__ = ("table",)

    def __init__(self) -> None:
        self.table: _Table = {}


def _table(*members: tuple[str, str, int, Any]) -> _Table:
    """The table of ``(XML name, member name, kind, sub)`` members."""
    table: _Table = {}
    for xml, member, kind, sub in members:
        table[xml] = (member, kind, sub)
        for ns in NAMESPACES:
            table[f"{{{ns}}}{xml}"] = (member, kind, sub)
    return table


def _kind(shape: Any) -> tuple[int, Any]:
    if isinstance(shape, Scalar):
        return _KINDS[shape.kind], None
    if isinstance(shape, ListShape):
        kind, sub = _kind(shape.member)
        return (_STRUCTURES, sub) if kind == _STRUCTURE else (_LIST, (kind, sub))
    return _STRUCTURE, _PLANS.get(shape).table


def _fill_plan(shape: Structure, plan: _Plan) -> None:
    plan.table.update(_table(*((m.xml, m.name, *_kind(m.shape)) for m in shape.members)))


_PLANS: PlanCache[_Plan] = PlanCache(_Plan, _fill_plan)

_REQUEST_ID_ENTRIES = _table(("requestId", _RID, _REQUEST_ID, None))


# --------------------------------------------------------------------------- the walk


def _structure(element: etree._Element, table: _Table) -> dict[str, Any]:
    """The members of ``element``, read by ``table``; unknown children are skipped."""
    result: dict[str, Any] = {}
    for child in element[:]:  # a slice is built in C: far faster than lxml's iterator
        entry = table.get(child.tag)
        if entry is None:
            entry = _by_local_name(child.tag, table)
            if entry is None:
                continue
        member, kind, sub = entry
        if member in result:
            raise _repeated(child, element)
        if kind == _STRING:  # the kinds by frequency
            text = child.text
            result[member] = "" if text is None else text
        elif kind == _STRUCTURE:
            result[member] = _structure(child, sub)
        elif kind == _STRUCTURES:  # every child is an item, whatever its tag
            result[member] = [_structure(item, sub) for item in child[:]]
        elif kind == _INTEGER:
            result[member] = _integer(child)
        elif kind == _BOOLEAN:
            result[member] = child.text == "true"
        elif kind == _LIST:
            result[member] = _list(child, sub)
        else:  # _REQUEST_ID: botocore takes the raw text, None for <requestId/>
            result[member] = child.text
    return result


def _by_local_name(tag: Any, table: _Table) -> _Entry | None:
    """The entry of a tag in a namespace the table does not spell out (or of none at all)."""
    if type(tag) is str and tag[:1] == "{":
        return table.get(tag.partition("}")[2])
    return None


def _list(element: etree._Element, items: tuple[int, Any]) -> list[Any]:
    """Every child of ``element`` is an item, whatever its tag (as botocore reads it)."""
    kind, sub = items
    children = element[:]
    if kind == _STRING:
        return [("" if (text := child.text) is None else text) for child in children]
    if kind == _STRUCTURES:
        return [[_structure(item, sub) for item in child[:]] for child in children]
    if kind == _LIST:
        return [_list(child, sub) for child in children]
    if kind == _INTEGER:
        return [_integer(child) for child in children]
    return [child.text == "true" for child in children]  # _BOOLEAN


def _integer(element: etree._Element) -> int:
    """``int(text)``, as botocore reads an integer; ResponseParseError if it is none."""
    text = element.text
    try:
        return int("" if text is None else text)
    except ValueError:
        return _long_integer(text or "", element)


# What int() accepts: whitespace, a sign, decimal digits (any script) with single underscores.
_INTEGER_TEXT = re.compile(r"\s*([+-]?)(\d+(?:_\d+)*)\s*")


def _long_integer(text: str, element: etree._Element) -> int:
    """An integer int() would not convert because of its length, judged by its value."""
    found = _INTEGER_TEXT.fullmatch(text)
    if found is not None:
        sign, digits = found.groups()
        digits = digits.replace("_", "")
        if not digits.isascii():
            digits = "".join(str(unicodedata.decimal(c)) for c in digits)
        digits = digits.lstrip("0") or "0"
        if len(digits) <= sys.get_int_max_str_digits() or not sys.get_int_max_str_digits():
            return int(sign + digits)
        name = split_tag(element.tag)[1]
        raise ResponseParseError(f"The element {name} is an integer of {len(digits)} digits, "
                                 "too large to read")
    name = split_tag(element.tag)[1]
    raise ResponseParseError(f"The element {name} is not an integer: {text!r:.40}")


def _repeated(child: etree._Element, parent: etree._Element) -> ResponseParseError:
    name, where = split_tag(child.tag)[1], split_tag(parent.tag)[1]
    return ResponseParseError(f"The element {name} appears more than once in {where}")


# --------------------------------------------------------------------------- documents


@cache
def _root_plan(operation_name: str) -> tuple[str, frozenset[str], _Table]:
    """The root's local name, its tags in each EC2 namespace, and its table: the
    output's members plus ``requestId``.

    Documents of every version are read with the current model, as boto3 reads
    them: each older version's output is a subset of it. An answer botocore models as
    no output (``UNMODELED_OUTPUTS``: CreateTags' ``<return>``) is read as botocore
    reads it, to no members.
    """
    op = operation(operation_name)  # an API or CLI name; InvalidAction otherwise
    root = op.response_root
    table = dict(_REQUEST_ID_ENTRIES)
    if op.output_name not in UNMODELED_OUTPUTS:
        table.update(_PLANS.get(op.output()).table)
    return root, frozenset(f"{{{ns}}}{root}" for ns in NAMESPACES), table


def parse_response(operation_name: str, body: Any) -> dict[str, Any]:
    """The dict botocore's EC2 parser returns for ``body``; ServiceError for an error document."""
    root_name, root_tags, table = _root_plan(operation_name)
    return _parse(body, root_name, root_tags, table)


def parse_structure(
    body: Any, shape: Structure, *, root_name: str, namespaces: Collection[str]
) -> dict[str, Any]:
    """Parse ``body`` as a ``root_name`` document holding ``shape``'s members.

    The generic form of :func:`parse_response`, for shapes outside the model
    (the conformance suites' own); ``namespaces`` are the root namespaces accepted.
    """
    table = {**_PLANS.get(shape).table, **_REQUEST_ID_ENTRIES}
    tags = frozenset(f"{{{ns}}}{root_name}" if ns else root_name for ns in namespaces)
    return _parse(body, root_name, tags, table)


def _parse(body: Any, root_name: str, root_tags: frozenset[str], table: _Table) -> dict[str, Any]:
    root = read_document(body)
    tag = root.tag
    if tag not in root_tags:
        raise _wrong_root(tag, root, root_name)
    parsed = _structure(root, table)
    if _RID in parsed:
        rid = parsed.pop(_RID)
        parsed["ResponseMetadata"] = {"RequestId": rid, "HTTPStatusCode": 200, "HTTPHeaders": {}}
    else:
        parsed["ResponseMetadata"] = {"HTTPStatusCode": 200, "HTTPHeaders": {}}
    return parsed


def _wrong_root(
    tag: str, root: etree._Element, root_name: str
) -> ResponseParseError | ServiceError:
    """Why ``root`` is not the response expected: an error document, or which fault."""
    ns, local = split_tag(tag)
    if local != root_name:
        if local in ("Response", "ErrorResponse"):
            return _service_error(root, local)
        return ResponseParseError(
            f"The response root is <{local or root.tag!r}>, expected <{root_name}>"
        )
    return ResponseParseError(
        f"The response namespace {ns!r} is not an EC2 API namespace "
        f"(expected {NAMESPACE.format(version='YYYY-MM-DD')!r})"
    )


# --------------------------------------------------------------------------- error documents
#
# botocore reads an error document by local names, taking the first of repeated elements
# (where it does not return garbage); so do we. Each level is one pass over its children.

_ERROR_NAMES = {
    "Response": frozenset(("Errors", "RequestID", "RequestId")),
    "Errors": frozenset(("Error",)),
    "ErrorResponse": frozenset(("Error", "RequestId")),
    "Error": frozenset(("Code", "Message")),
}


def _firsts(element: etree._Element | None, level: str) -> dict[str, etree._Element]:
    """The first child of each local name that ``level`` reads."""
    found: dict[str, etree._Element] = {}
    if element is None:
        return found
    names = _ERROR_NAMES[level]
    for child in element[:]:
        tag = child.tag
        if tag not in names:
            tag = split_tag(tag)[1]
            if tag not in names:
                continue
        if tag not in found:
            found[tag] = child
    return found


def _service_error(root: etree._Element, local: str) -> ResponseParseError | ServiceError:
    """The ServiceError an error document describes (ResponseParseError if it describes none)."""
    top = _firsts(root, local)
    if local == "Response":
        error = _firsts(_firsts(top.get("Errors"), "Errors").get("Error"), "Error")
        rid = top.get("RequestID")
        if rid is None:
            rid = top.get("RequestId")
    else:
        error = _firsts(top.get("Error"), "Error")
        rid = top.get("RequestId")
    code = error.get("Code")
    code_text = None if code is None else code.text
    if not code_text:
        return ResponseParseError(f"The error document <{local}> has no error code")
    message = error.get("Message")
    return ServiceError(
        code_text,
        (None if message is None else message.text) or "",
        request_id=None if rid is None else rid.text,
    )
