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
tokenizer (``_xmlsafe.fast_pieces``) and one pass of the walker over its
pieces; a document outside the tokenizer's plain subset, or one the walker
finds fault with, is read again by hardened lxml, whose verdict stands. Two
documents are common and small enough to be matched whole by one pattern,
before any of this: EC2's plain error envelope and a mutating operation's
plain acknowledgement (``requestId`` and ``return``); a document either pattern
declines takes the general path, which gives the same verdict for the ones
they match.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from functools import cache
from typing import Any

from lxml import etree

from .._errors import ResponseParseError, ServiceError
from .._model import VERSIONS, Kind, ListShape, PlanCache, Scalar, Structure, operation
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

_STRING, _INTEGER, _BOOLEAN, _REQUEST_ID, _STRUCTURE, _LIST, _SKIP, _EMPTY = range(8)
_KINDS = {Kind.STRING: _STRING, Kind.INTEGER: _INTEGER, Kind.BOOLEAN: _BOOLEAN}
_RID = "\0requestId"  # the request id's slot while a root is walked; never a member name

#: What a start tag means in its parent: ``(member name, or None to append to a
#: list; kind; sub-plan; "/name>")``. For ``<name/>`` the kind is ``_EMPTY`` and the
#: sub-plan slot holds the element's own kind.
_Entry = tuple[str | None, int, Any, str]
_NOTHING: dict[str, _Entry] = {}  # the table of a skipped element: every child is a stray


class _Plan:
    """What each child's start tag means: ``local`` maps ``name`` and ``name/`` to entries.

    A structure's plan maps its members; a list's plan maps ``item`` to the
    list's item entry (any other child is an item too; see :func:`_stray`).
    """

    __slots__ = ("local",)

    def __init__(self) -> None:
        self.local: dict[str, _Entry] = {}


def _table(*members: tuple[str, str | None, int, Any]) -> dict[str, _Entry]:
    """The entries of ``(XML name, member name, kind, sub-plan)`` members."""
    table: dict[str, _Entry] = {}
    for xml, member, kind, sub in members:
        table[xml] = (member, kind, sub, f"/{xml}>")
        table[f"{xml}/"] = (member, _EMPTY, kind, f"/{xml}>")
    return table


def _kind(shape: Any) -> tuple[int, Any]:
    if isinstance(shape, Scalar):
        return _KINDS[shape.kind], None
    if isinstance(shape, ListShape):
        items = _Plan()
        items.local = _table(("item", None, *_kind(shape.member)))
        return _LIST, items
    return _STRUCTURE, _plan(shape)


def _plan(shape: Structure) -> _Plan:
    """The parse plan of ``shape``, compiled once (recursive shapes allowed)."""
    return _PLANS.get(shape)


def _fill_plan(shape: Structure, plan: _Plan) -> None:
    plan.local = _table(*((m.xml, m.name, *_kind(m.shape)) for m in shape.members))


_PLANS: PlanCache[_Plan] = PlanCache(_Plan, _fill_plan)


_REQUEST_ID_ENTRIES = _table(("requestId", _RID, _REQUEST_ID, None))


@cache
def _root_plan(operation_name: str) -> tuple[str, frozenset[str], _Plan]:
    """The root's local name, its start tags in each EC2 namespace, and its plan.

    The plan is the output's members plus ``requestId``.
    Documents of every version are read with the current model, as boto3 reads
    them: each older version's output is a subset of it.
    """
    op = operation(operation_name)  # an API or CLI name; InvalidAction otherwise
    plan = _Plan()
    plan.local = {**_REQUEST_ID_ENTRIES, **_plan(op.output()).local}
    root = op.response_root
    return root, frozenset(f'{root} xmlns="{ns}"' for ns in NAMESPACES), plan


def _walk(pieces: list[str], root_heads: frozenset[str], plan: _Plan, fast: bool) -> Any:
    """Build the result from ``pieces``, vetting the fast reader's pieces as it goes.

    ``root_heads`` are the root start tags accepted (``Name xmlns="..."``). A
    ``&`` in text starts a reference (``lxml_pieces`` escapes its text so);
    ``fast`` says the pieces come from the fast reader and must be vetted. Each
    frame of the stack is ``(element name, plan.local, container, "/name")``; the
    top frame is also kept unpacked in locals. A piece's tag is looked up in the
    top frame's table: a hit is a member (or a list's item), ``<x>`` or ``<x/>``;
    a miss is the frame's end tag or something rarer: a stray element, a tag
    with spaces, a fault. A scalar's end tag, when it follows at once, is
    consumed with its start.
    """
    head, gt, _ = pieces[0].partition(">")
    if not gt or head not in root_heads:
        raise Decline  # an error document, a wrong root, another namespace: lxml says which
    result: dict[str, Any] = {}
    name = head.partition(" ")[0]
    table, container, end = plan.local, result, f"/{name}"
    stack: list[tuple[str, dict[str, _Entry], Any, str]] = [(name, table, container, end)]
    count = len(pieces)
    index = 1
    try:
        while True:
            name, gt, text = pieces[index].partition(">")
            index += 1
            if not gt:
                raise Decline  # a "<" that opens no tag
            entry = table.get(name)
            if entry is None:
                if name == end or name[:1] == "/":
                    if fast and name != end and name.rstrip(WHITESPACE) != end:
                        raise Decline
                    stack.pop()
                    if not stack:
                        if index != count or text.strip(WHITESPACE):
                            raise Decline  # content after the root
                        return result
                    _, table, container, end = stack[-1]
                    continue
                if fast and name[-1:] == "/":  # <name />, or a stray <name/>
                    name = name[:-1].rstrip(WHITESPACE)
                    entry = table.get(f"{name}/") or _stray(name, table, container, fast, True)
                else:
                    entry = _stray(name, table, container, fast, False)
            member, kind, sub, close = entry
            if kind == _STRING:  # the most frequent kind first
                if "&" in text:
                    text = decode_text(text)
                if member is None:
                    container.append(text)
                elif member in container:
                    raise _repeated(name, stack)
                else:
                    container[member] = text
            elif kind == _STRUCTURE or kind == _LIST:  # noqa: SIM109 - faster than "in"
                value: Any = {} if kind == _STRUCTURE else []
                if member is None:
                    container.append(value)
                elif member in container:
                    raise _repeated(name, stack)
                else:
                    container[member] = value
                if len(stack) >= MAX_XML_DEPTH:
                    raise Decline
                table, container, end = sub.local, value, close[:-1]
                stack.append((name, table, container, end))
                continue
            elif kind == _EMPTY:  # <name/>: a value without text, and no frame
                if sub == _LIST and member is not None and member not in container:
                    container[member] = []  # the most frequent: an empty list member
                elif sub != _SKIP:
                    name = close[1:-1]
                    value = _empty(sub, name, member, container, stack)
                    _add(name, member, value, container, stack)
                continue
            elif kind != _SKIP:
                value = _scalar(kind, text, name, member, container, stack)
                _add(name, member, value, container, stack)
            if pieces[index].startswith(close):
                index += 1  # </name> at once: no frame needed
                continue
            if len(stack) >= MAX_XML_DEPTH:
                raise Decline
            table, container, end = _NOTHING, None, close[:-1]
            stack.append((name, table, container, end))
    except IndexError:  # past the last piece
        raise Decline from None  # the root was never closed


def _stray(name: str, table: dict[str, _Entry], container: Any, fast: bool, empty: bool) -> _Entry:
    """The entry of a child ``table`` lacks: in a list, an item; elsewhere, skipped."""
    if fast and not is_name(name):
        raise Decline  # attributes, prefixes, comments, "<!", "<?"...
    if type(container) is list:
        _, kind, sub, _ = table["item"]
    else:
        kind, sub = _SKIP, None
    return (None, _EMPTY, kind, f"/{name}>") if empty else (None, kind, sub, f"/{name}>")


def _add(name: str, member: str | None, value: Any, container: Any, stack: list[Any]) -> None:
    """Append ``value`` to a list, or set it as ``member`` of a structure (once only)."""
    if member is None:
        container.append(value)
    elif member in container:
        raise _repeated(name, stack)
    else:
        container[member] = value


def _repeated(name: str, stack: list[Any]) -> ResponseParseError:
    return ResponseParseError(f"The element {name} appears more than once in {stack[-1][0]}")


def _scalar(
    kind: int, text: str, name: str, member: str | None, container: Any, stack: list[Any]
) -> Any:
    """A boolean, integer or request id from its text (references not yet replaced)."""
    if "&" in text:
        text = decode_text(text)  # "&#116;rue" is "true", as every XML reader sees it
    if kind == _BOOLEAN:
        return text == "true"
    if kind == _REQUEST_ID:
        return text or None  # botocore takes the raw text, None for <requestId/>
    try:
        return int(text)
    except ValueError:
        if member is not None and member in container:
            raise _repeated(name, stack) from None  # the fault to name first
        raise ResponseParseError(f"The element {name} is not an integer: {text!r:.40}") from None


def _empty(kind: int, name: str, member: str | None, container: Any, stack: list[Any]) -> Any:
    """The value of ``<name/>``."""
    if kind == _STRUCTURE:
        return {}
    if kind == _LIST:
        return []
    if kind == _STRING:
        return ""
    return _scalar(kind, "", name, member, container, stack)


def parse_response(operation_name: str, body: Any) -> dict[str, Any]:
    """The dict botocore's EC2 parser returns for ``body``; ServiceError for an error document."""
    root_name, root_heads, plan = _root_plan(operation_name)
    return _parse(body, root_name, root_heads, plan, NAMESPACES, _acknowledgement(operation_name))


# The answer of most mutating operations, exactly as EC2 writes it: the root, its
# requestId and its return, with nothing but spaces, tabs and newlines between tags
# and after the root. Values are plain ASCII text: no markup, reference, control
# character or CR; any other document takes the general path, which gives such a
# document exactly this result. It needs no pieces at all.
_ACK_TEXT = r"([^<>&\x00-\x08\x0b-\x1f\x80-\xff]*)"
_ACK_SPACE = r"[ \t\n]*"


@cache
def _acknowledgement(operation_name: str) -> tuple[str, re.Pattern[bytes]] | None:
    """The ``Return`` member and the pattern of a plain acknowledgement, if the output has one."""
    root, _, plan = _root_plan(operation_name)
    entry = plan.local.get("return")
    if entry is None or entry[1] != _BOOLEAN or plan.local["requestId"][1] != _REQUEST_ID:
        return None
    root, namespaces = re.escape(root), "|".join(re.escape(ns) for ns in NAMESPACES)
    space, text = _ACK_SPACE, _ACK_TEXT
    pattern = (
        r'(?:<\?xml version="1\.0"(?: encoding="(?:UTF|utf)-8")?\?>)?'
        f'{space}<{root} xmlns="(?:{namespaces})">'
        f"{space}<requestId>{text}</requestId>{space}<return>{text}</return>"
        f"{space}</{root}>{space}"
    )
    return entry[0], re.compile(pattern.encode("ascii"))


def parse_structure(
    body: Any, shape: Structure, *, root_name: str, namespaces: Collection[str]
) -> dict[str, Any]:
    """Parse ``body`` as a ``root_name`` document holding ``shape``'s members.

    The generic form of :func:`parse_response`, for shapes outside the model
    (the conformance suites' own); ``namespaces`` are the root namespaces accepted.
    """
    plan = _Plan()
    plan.local = {**_plan(shape).local, **_REQUEST_ID_ENTRIES}
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
    body: Any,
    root_name: str,
    root_heads: frozenset[str],
    plan: _Plan,
    namespaces: Collection[str],
    acknowledgement: tuple[str, re.Pattern[bytes]] | None = None,
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
    elif acknowledgement is not None:
        plain = acknowledgement[1].fullmatch(data)
        if plain is not None:
            request_id, returned = plain.groups()
            metadata = {"RequestId": request_id.decode() or None, "HTTPStatusCode": 200}
            metadata["HTTPHeaders"] = {}
            return {acknowledgement[0]: returned == b"true", "ResponseMetadata": metadata}
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
    error.local = _table(("Code", "Code", _STRING, None), ("Message", "Message", _STRING, None))
    errors = _Plan()
    errors.local = _table(("Error", "Error", _STRUCTURE, error))
    response = _Plan()
    response.local = _table(
        ("Errors", "Errors", _STRUCTURE, errors),
        ("RequestID", "RequestID", _REQUEST_ID, None),
        ("RequestId", "RequestId", _REQUEST_ID, None),
    )
    older = _Plan()
    older.local = _table(
        ("Error", "Error", _STRUCTURE, error), ("RequestId", "RequestId", _REQUEST_ID, None)
    )
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
