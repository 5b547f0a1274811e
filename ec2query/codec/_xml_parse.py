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
that is not one, a root that is not the operation's response in an EC2
namespace: each is a :class:`ResponseParseError`. An error document
(``<Response><Errors><Error>`` or ``<ErrorResponse><Error>``) raises
:class:`ServiceError` with its code, message and request id.

Plans are compiled once per structure. A parse is one pass of a strict
tokenizer (``_xmlsafe.fast_tokens``) and one pass of the walker over its
tokens; a document outside the tokenizer's plain subset, or one the walker
finds fault with, is read again by hardened lxml, whose verdict stands.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from functools import cache
from typing import Any

from lxml import etree

from ..errors import ResponseParseError, ServiceError
from ..model import VERSIONS, ListShape, Scalar, Structure, operation
from ._xml_render import NAMESPACE
from ._xmlsafe import (
    MAX_XML_DEPTH,
    WHITESPACE,
    Decline,
    as_bytes,
    check_size,
    decode_text,
    fast_pieces,
    is_name,
    lxml_pieces,
    read_document,
    split_tag,
)

__all__ = ["NAMESPACES", "parse_response", "parse_structure"]

#: Namespace -> API version: EC2's (with the slash) and moto's (without).
NAMESPACES: dict[str, str] = {}
for _version in VERSIONS:
    NAMESPACES[NAMESPACE.format(version=_version)] = _version
    NAMESPACES[NAMESPACE.format(version=_version).rstrip("/")] = _version

_STRING, _INTEGER, _BOOLEAN, _STRUCTURE, _LIST, _REQUEST_ID = range(6)
_KINDS = {"string": _STRING, "integer": _INTEGER, "boolean": _BOOLEAN}
_RID = "\0requestId"  # the request id's slot while a root is walked; never a member name


_SKIP = -1  # a frame whose children are ignored: a scalar, or an element the model lacks


class _Plan:
    """A structure's members by XML name: ``name -> (member name, kind, sub-plan, "/name>")``."""

    __slots__ = ("local",)

    def __init__(self) -> None:
        self.local: dict[str, tuple[str, int, Any, str]] = {}


def _kind(shape: Any) -> tuple[int, Any]:
    if isinstance(shape, Scalar):
        return _KINDS[shape.kind], None
    if isinstance(shape, ListShape):
        return _LIST, _kind(shape.member)
    return _STRUCTURE, _plan(shape)


_building: dict[int, _Plan] = {}


@cache
def _plan(shape: Structure) -> _Plan:
    """The parse plan of ``shape``, compiled once (recursive shapes allowed)."""
    plan = _building.get(id(shape))
    if plan is not None:
        return plan
    plan = _building[id(shape)] = _Plan()
    try:
        plan.local = {m.xml: (m.name, *_kind(m.shape), f"/{m.xml}>") for m in shape.members}
    finally:
        del _building[id(shape)]
    return plan


@cache
def _root_plan(operation_name: str) -> tuple[str, frozenset[str], _Plan]:
    """The root's local name, its start tags in each EC2 namespace, and its plan.

    The plan is the output's members plus ``requestId``.
    Documents of every version are read with the current model, as boto3 reads
    them: each older version's output is a subset of it.
    """
    op = operation(operation_name)  # an API or CLI name; InvalidAction otherwise
    plan = _Plan()
    plan.local = dict(_plan(op.output()).local)
    plan.local.setdefault("requestId", (_RID, _REQUEST_ID, None, "/requestId>"))
    root = op.response_root
    return root, frozenset(f'{root} xmlns="{ns}"' for ns in NAMESPACES), plan


def _scalar(kind: int, text: str, name: str, decode: bool) -> Any:
    if kind == _STRING:
        return decode_text(text) if decode else text
    if kind == _BOOLEAN:
        return text == "true"
    if kind == _INTEGER:
        try:
            return int(decode_text(text) if decode else text)
        except ValueError:
            raise ResponseParseError(
                f"The element {name} is not an integer: {text!r:.40}"
            ) from None
    # _REQUEST_ID: botocore takes the raw text, None for <requestId/>
    return (decode_text(text) if decode else text) or None


def _walk(pieces: list[str], root_heads: frozenset[str], plan: _Plan, fast: bool) -> Any:
    """Build the result from ``pieces``, vetting the fast reader's pieces as it goes.

    ``root_heads`` are the root start tags accepted (``Name xmlns="..."``). Each
    frame of the stack is ``(element name, kind, plan.local or item entry, container)``;
    the top frame is also kept unpacked in locals. A scalar's end tag, when it
    follows at once, is consumed with its start.
    """
    head, gt, _ = pieces[0].partition(">")
    if not gt or head not in root_heads:
        raise Decline  # an error document, a wrong root, another namespace: lxml says which
    result: dict[str, Any] = {}
    top_name = head.partition(" ")[0]
    top_kind, top_sub, container = _STRUCTURE, plan.local, result
    stack: list[tuple[str, int, Any, Any]] = [(top_name, top_kind, top_sub, container)]
    count = len(pieces)
    index = 1
    while index < count:
        name, gt, text = pieces[index].partition(">")
        index += 1
        if not gt:
            raise Decline  # a "<" that opens no tag
        if name[:1] == "/":
            if fast and name[1:] != top_name and name[1:].rstrip(WHITESPACE) != top_name:
                raise Decline
            stack.pop()
            if not stack:
                if index != count or text.strip(WHITESPACE):
                    raise Decline  # content after the root
                return result
            top_name, top_kind, top_sub, container = stack[-1]
            continue
        closed = False
        if fast and name[-1:] == "/":
            closed = True
            name = name[:-1].rstrip(WHITESPACE)
            text = ""  # what follows <x/> is not its text
        member = close = None
        if top_kind == _STRUCTURE:
            entry = top_sub.get(name)
            if entry is None:
                if fast and not is_name(name):
                    raise Decline  # attributes, prefixes, comments, "<!", "<?"...
                kind = _SKIP
            else:
                member, kind, sub, close = entry
                if member in container:
                    raise ResponseParseError(
                        f"The element {name} appears more than once in {top_name}"
                    )
        elif top_kind == _LIST:
            if fast and name != "item" and not is_name(name):
                raise Decline
            kind, sub = top_sub
        else:
            if fast and not is_name(name):
                raise Decline
            kind = _SKIP
        if kind == _STRING:  # the most frequent kind first
            value = decode_text(text) if fast and "&" in text else text
            if member is None:
                container.append(value)
            else:
                container[member] = value
        elif kind in (_STRUCTURE, _LIST):
            value = {} if kind == _STRUCTURE else []
            if member is None:
                container.append(value)
            else:
                container[member] = value
            if not closed:
                if len(stack) >= MAX_XML_DEPTH:
                    raise Decline
                if kind == _STRUCTURE:
                    sub = sub.local
                top_name, top_kind, top_sub, container = name, kind, sub, value
                stack.append((name, kind, sub, value))
            continue
        elif kind != _SKIP:
            if kind == _BOOLEAN:
                value = text == "true"
            elif kind == _INTEGER and "&" not in text:
                try:
                    value = int(text)
                except ValueError:
                    value = _scalar(kind, text, name, fast)  # raises, with the reason
            elif kind == _REQUEST_ID and not fast:
                value = text or None
            else:
                value = _scalar(kind, text, name, fast)
            if member is None:
                container.append(value)
            else:
                container[member] = value
        if not closed:
            if close is None:
                close = f"/{name}>"
            if index < count and pieces[index].startswith(close):
                index += 1  # </name> at once: no frame needed
                continue
            if len(stack) >= MAX_XML_DEPTH:
                raise Decline
            top_name, top_kind, top_sub, container = name, _SKIP, None, None
            stack.append((name, _SKIP, None, None))
    raise Decline  # the root was never closed


def parse_response(operation_name: str, body: Any) -> dict[str, Any]:
    """The dict botocore's EC2 parser returns for ``body``; ServiceError for an error document."""
    root_name, root_heads, plan = _root_plan(operation_name)
    return _parse(body, root_name, root_heads, plan, NAMESPACES)


def parse_structure(
    body: Any, shape: Structure, *, root_name: str, namespaces: Collection[str]
) -> dict[str, Any]:
    """Parse ``body`` as a ``root_name`` document holding ``shape``'s members.

    The generic form of :func:`parse_response`, for shapes outside the model
    (the conformance suites' own); ``namespaces`` are the root namespaces accepted.
    """
    plan = _Plan()
    plan.local = {**_plan(shape).local, "requestId": (_RID, _REQUEST_ID, None, "/requestId>")}
    heads = frozenset(f'{root_name} xmlns="{ns}"' for ns in namespaces)
    return _parse(body, root_name, heads, plan, frozenset(namespaces))


# EC2's own error envelope, exactly as EC2 writes it (render_error writes it too). Values
# hold no markup, reference, control character, CR or ">"; any other envelope takes
# the general path. A plain envelope needs no tree at all.
_PLAIN = "[^<>&\x00-\x08\x0b\x0c\x0e-\x1f\r\ufffe\uffff]*"
_ENVELOPE = re.compile(
    '(?:<\\?xml version="1.0" encoding="UTF-8"\\?>)?[ \t\n]*'
    f"<Response><Errors><Error><Code>({_PLAIN})</Code><Message>({_PLAIN})</Message>"
    f"</Error></Errors><RequestID>({_PLAIN})</RequestID></Response>[ \t\n]*"
)


def _parse(
    body: Any, root_name: str, root_heads: frozenset[str], plan: _Plan, namespaces: Collection[str]
) -> dict[str, Any]:
    data = check_size(as_bytes(body))
    if b"</Response>" in data[-16:]:
        try:
            envelope = _ENVELOPE.fullmatch(data.decode("utf-8"))
        except UnicodeDecodeError:
            envelope = None
        if envelope is not None:
            code, message, request_id = envelope.groups()
            raise _error("Response", code, message, request_id or None)
    parsed = None
    pieces = fast_pieces(data)
    if pieces is not None:
        try:
            parsed = _walk(pieces, root_heads, plan, True)
        except Decline:
            error = _fast_error(pieces)
            if error is not None:
                raise error from None
        except ResponseParseError:
            pass  # let lxml decide: it may find an earlier, different fault
    if parsed is None:
        parsed = _walk_tree(read_document(data), root_name, plan, namespaces)
    metadata: dict[str, Any] = {}
    if _RID in parsed:
        metadata["RequestId"] = parsed.pop(_RID)
    metadata["HTTPStatusCode"] = 200
    metadata["HTTPHeaders"] = {}
    parsed["ResponseMetadata"] = metadata
    return parsed


def _walk_tree(
    root: etree._Element, root_name: str, plan: _Plan, namespaces: Collection[str]
) -> dict[str, Any]:
    ns, local = split_tag(root.tag)
    if local != root_name:
        if local in ("Response", "ErrorResponse"):
            raise _service_error(root)
        raise ResponseParseError(
            f"The response root is <{local or root.tag!r}>, expected <{root_name}>"
        )
    if ns not in namespaces:
        raise ResponseParseError(
            f"The response namespace {ns!r} is not an EC2 API namespace "
            f"(expected {NAMESPACE.format(version='YYYY-MM-DD')!r})"
        )
    try:
        return _walk(lxml_pieces(root), frozenset((root_name,)), plan, False)
    except Decline:  # pragma: no cover - lxml's tokens are always well formed
        raise ResponseParseError("The response could not be read") from None


def _error_plans() -> dict[str, tuple[frozenset[str], _Plan]]:
    """Plans for the two error envelopes, read as :func:`_service_error` reads them."""
    error = _Plan()
    error.local = {
        "Code": ("Code", _STRING, None, "/Code>"),
        "Message": ("Message", _STRING, None, "/Message>"),
    }
    errors = _Plan()
    errors.local = {"Error": ("Error", _STRUCTURE, error, "/Error>")}
    response = _Plan()
    response.local = {
        "Errors": ("Errors", _STRUCTURE, errors, "/Errors>"),
        "RequestID": ("RequestID", _REQUEST_ID, None, "/RequestID>"),
        "RequestId": ("RequestId", _REQUEST_ID, None, "/RequestId>"),
    }
    older = _Plan()
    older.local = {
        "Error": ("Error", _STRUCTURE, error, "/Error>"),
        "RequestId": ("RequestId", _REQUEST_ID, None, "/RequestId>"),
    }
    plans = {}
    for root, plan in (("Response", response), ("ErrorResponse", older)):
        heads = {root, *(f'{root} xmlns="{ns}"' for ns in NAMESPACES)}
        plans[root] = (frozenset(heads), plan)
    return plans


_ERROR_PLANS = _error_plans()


def _fast_error(pieces: list[str]) -> ResponseParseError | ServiceError | None:
    """The error a plain error envelope describes; None to leave the document to lxml."""
    root = pieces[0].partition(">")[0].partition(" ")[0]
    found = _ERROR_PLANS.get(root)
    if found is None:
        return None
    try:
        parsed = _walk(pieces, *found, True)
    except (Decline, ResponseParseError):
        return None
    error = parsed.get("Errors", {}).get("Error") if root == "Response" else parsed.get("Error")
    rid = parsed.get("RequestID") if "RequestID" in parsed else parsed.get("RequestId")
    error = error or {}
    return _error(root, error.get("Code"), error.get("Message"), rid)


def _error(
    root: str, code: str | None, message: str | None, request_id: str | None
) -> ResponseParseError | ServiceError:
    if not code:
        return ResponseParseError(f"The error document <{root}> has no error code")
    return ServiceError(code, message or "", request_id=request_id)


def _child(node: Any, name: str) -> Any:
    for child in node:
        if split_tag(child.tag)[1] == name:
            return child
    return None


def _service_error(root: etree._Element) -> ResponseParseError | ServiceError:
    """The ServiceError an error document describes (ResponseParseError if it describes none)."""
    local = split_tag(root.tag)[1]
    if local == "Response":
        errors = _child(root, "Errors")
        error = _child(errors, "Error") if errors is not None else None
        rid = _child(root, "RequestID")
        if rid is None:
            rid = _child(root, "RequestId")
    else:
        error = _child(root, "Error")
        rid = _child(root, "RequestId")
    code = _child(error, "Code") if error is not None else None
    message = _child(error, "Message") if error is not None else None
    return _error(
        local,
        code.text if code is not None else None,
        message.text if message is not None else None,
        rid.text if rid is not None else None,
    )
