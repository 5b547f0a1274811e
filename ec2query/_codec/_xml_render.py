"""Render results and errors as the XML documents EC2 sends.

Success documents look like EC2's real responses (as captured in SDK debug
logs, e.g. aws/aws-sdk-go-v2#2559): the XML declaration, a newline, the
``<OperationResponse xmlns="http://ec2.amazonaws.com/doc/<version>/">`` root,
``<requestId>`` first, then the members in EC2's order (the model's, except
where ``model.operations.XML_ORDER`` says otherwise), each on its own line
indented by four spaces per level; lists are ``<name><item>...</item></name>``
and an empty list is ``<name/>``. The API reference's examples differ only in
indenting by two spaces. Error documents are EC2's single-line envelope with
no namespace and ``RequestID``.

One walker, driven by per-structure plans compiled once from the model. It carries
where it is as ``(parent, key)`` pairs and joins them into a member path
(``Op.Member[0].Name``) only to name a value at fault.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from typing import Any

from .. import _limits as limits
from .._errors import EC2Error, UsageError
from .._model import (
    CURRENT_VERSION,
    Kind,
    ListShape,
    PlanCache,
    Scalar,
    Structure,
    check_version,
    operation,
)

__all__ = ["INDENT", "NAMESPACE", "render_error", "render_response"]

#: The namespace of API ``version``'s documents (EC2 writes the trailing slash).
NAMESPACE = "http://ec2.amazonaws.com/doc/{version}/"
#: One level of indentation, as in EC2's real responses.
INDENT = "    "
_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'

# Characters XML 1.0 cannot carry at all, even as references, are limits.NOT_XML.
_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"}
_NEEDS_ESCAPE = re.compile("[&<>\r]")

_STRING, _INTEGER, _BOOLEAN, _STRUCTURE, _LIST = range(5)
_KINDS = {Kind.STRING: _STRING, Kind.INTEGER: _INTEGER, Kind.BOOLEAN: _BOOLEAN}


#: Where a value is: the operation's name (or an argument's), then ``(parent, key)`` pairs,
#: a key being a member name or a list index. Walks pass it down and join it only to name
#: a fault (see :func:`_where`).
_Path = Any


def _where(path: _Path, key: str | int | None = None) -> str:
    """``"Op.Member[2].Name"`` from a path and, optionally, one more key."""
    keys = [] if key is None else [key]
    while type(path) is tuple:
        path, parent_key = path
        keys.append(parent_key)
    head: str = path
    return head + "".join(f"[{k}]" if type(k) is int else f".{k}" for k in reversed(keys))


def _shown(value: object) -> str:
    """``repr(value)``, or a description when Python will not write it (a huge integer)."""
    try:
        return repr(value)
    except ValueError:  # int -> str is refused beyond sys.get_int_max_str_digits() digits
        if type(value) is int:
            return f"<an integer of {value.bit_length()} bits>"
        return f"<{type(value).__name__}>"


def _invalid_type(where: str, value: object, expected: str) -> UsageError:
    return UsageError(
        f"Invalid type for parameter {where}, value: {_shown(value)}, "
        f"type: {type(value).__name__}, valid types: {expected}"
    )


def _text(value: object, path: _Path, key: str | int | None = None) -> str:
    if (
        type(value) is str
        and value.isprintable()  # hence no control character, surrogate, U+FFFE or U+FFFF
        and "&" not in value
        and "<" not in value
        and ">" not in value
    ):
        return value  # XML carries it as it is: what the checks below would return
    if type(value) is not str:
        raise _invalid_type(_where(path, key), value, "str")
    bad = limits.NOT_XML.search(value)
    if bad is not None:
        raise UsageError(
            f"Invalid value for parameter {_where(path, key)}: character "
            f"U+{ord(bad.group()):04X} cannot be carried in XML"
        )
    if _NEEDS_ESCAPE.search(value) is None:
        return value
    return _NEEDS_ESCAPE.sub(lambda m: _ESCAPES[m.group()], value)


class _Plan:
    """A structure's members as ``(name, kind, sub-plan, "<xml>", "</xml>")``, in EC2's order."""

    __slots__ = ("members", "names")

    def __init__(self) -> None:
        self.members: tuple[tuple[str, int, Any, str, str], ...] = ()
        self.names: frozenset[str] = frozenset()


def _kind(shape: Any) -> tuple[int, Any]:
    if isinstance(shape, Scalar):
        return _KINDS[shape.kind], None
    if isinstance(shape, ListShape):
        return _LIST, (*_kind(shape.member), f"<{shape.item}>", f"</{shape.item}>")
    return _STRUCTURE, _plan(shape)


def _plan(shape: Structure) -> _Plan:
    """The render plan of ``shape``, compiled once (recursive shapes allowed)."""
    return _PLANS.get(shape)


def _fill_plan(shape: Structure, plan: _Plan) -> None:
    plan.members = tuple(
        (m.name, *_kind(m.shape), f"<{m.xml}>", f"</{m.xml}>") for m in shape.xml_members
    )
    plan.names = frozenset(m.name for m in shape.members)


_PLANS: PlanCache[_Plan] = PlanCache(_Plan, _fill_plan)


#: Indentation by depth (the model nests far less deeply than this).
_PADS = tuple(INDENT * depth for depth in range(32))


def _structure(out: list[str], value: Any, plan: _Plan, depth: int, path: _Path) -> None:
    """Render ``value``'s members; ``path`` says where ``value`` is, to name a fault."""
    if not isinstance(value, Mapping):
        raise _invalid_type(_where(path), value, "dict")
    names = plan.names
    if not names.issuperset(value):  # one C-level pass; the loop only names the stranger
        for key in value:
            if key not in names and not (depth == 1 and key == "ResponseMetadata"):
                raise UsageError(
                    f'Unknown parameter in {_where(path)}: "{key}", must be one of: '
                    + ", ".join(member[0] for member in plan.members)
                )
    pad = _PADS[depth]
    for name, kind, sub, start, end in plan.members:
        if name in value:
            item = value[name]
            if (  # the usual member, inline: _text's first test
                kind == _STRING and type(item) is str and item.isprintable()
                and "&" not in item and "<" not in item and ">" not in item
            ):  # fmt: skip
                out.append(f"{pad}{start}{item}{end}")
            else:
                _element(out, item, kind, sub, start, end, pad, depth, path, name)


def _element(
    out: list[str], value: Any, kind: int, sub: Any, start: str, end: str, pad: str, depth: int,
    path: _Path, key: str | int,
) -> None:
    """Render one value at ``key`` of ``path`` (a member name, or an index in a list)."""
    if kind == _STRING:
        out.append(f"{pad}{start}{_text(value, path, key)}{end}")
    elif kind == _INTEGER:
        if type(value) is not int:
            raise _invalid_type(_where(path, key), value, "int")
        if not limits.INT_MIN <= value <= limits.INT_MAX:
            raise UsageError(f"Invalid value for parameter {_where(path, key)}: "
                             f"{_shown(value)} is not a 32-bit integer")
        out.append(f"{pad}{start}{value}{end}")
    elif kind == _BOOLEAN:
        if type(value) is not bool:
            raise _invalid_type(_where(path, key), value, "bool")
        out.append(f"{pad}{start}{'true' if value else 'false'}{end}")
    elif kind == _LIST:
        if not isinstance(value, (list, tuple)):
            raise _invalid_type(_where(path, key), value, "list")
        if not value:
            out.append(f"{pad}{start[:-1]}/>")
            return
        item_kind, item_sub, item_start, item_end = sub
        out.append(pad + start)
        inner, here = _PADS[depth + 1], (path, key)
        for index, element in enumerate(value):
            _element(out, element, item_kind, item_sub, item_start, item_end, inner, depth + 1,
                     here, index)  # fmt: skip
        out.append(pad + end)
    else:
        first = len(out)
        out.append(pad + start)
        _structure(out, value, sub, depth + 1, (path, key))
        if len(out) == first + 1:
            out[first] = f"{pad}{start[:-1]}/>"
        else:
            out.append(pad + end)


def render_response(
    operation_name: str,
    result: Mapping[str, Any],
    *,
    request_id: str,
    version: str = CURRENT_VERSION,
) -> bytes:
    """The response document EC2 sends for ``result`` (a boto3-style result dict)."""
    try:
        opening, plan, closing, name = _document(operation_name, version)
    except TypeError:  # an unhashable name or version: the uncached call names the fault
        opening, plan, closing, name = _document.__wrapped__(operation_name, version)
    out = [opening, f"{INDENT}<requestId>{_text(request_id, 'request_id')}</requestId>"]
    _structure(out, result, plan, 1, name)
    out.append(closing)
    return "\n".join(out).encode("utf-8")


@cache
def _document(operation_name: str, version: str) -> tuple[str, _Plan, str, str]:
    """An operation's response in one API version: the declaration and root start tag,
    the output's plan, the root end tag and the operation's API name (raises for an
    unknown operation or version, and caches nothing then)."""
    op = operation(operation_name)
    version = check_version(version)
    root = op.response_root
    opening = f'{_DECLARATION}<{root} xmlns="{NAMESPACE.format(version=version)}">'
    return opening, _plan(op.output(version)), f"</{root}>", op.name


def render_error(error: EC2Error, *, request_id: str) -> bytes:
    """EC2's error envelope for ``error``: one line, no namespace, ``RequestID``."""
    code = _text(getattr(error, "code", None), "code")
    message = getattr(error, "message", None)
    if type(message) is str:  # a message may echo the request: keep the document well formed
        message = limits.NOT_XML.sub("\ufffd", message)
    message = _text(message, "message")
    rid = _text(request_id, "request_id")
    return (
        f"{_DECLARATION}<Response><Errors><Error><Code>{code}</Code>"
        f"<Message>{message}</Message></Error></Errors>"
        f"<RequestID>{rid}</RequestID></Response>"
    ).encode()
