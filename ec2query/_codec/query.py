"""The EC2 Query string, both ways, driven by the model.

Encoding walks the params in the caller's order (as botocore's serializer
does, so the body is byte-identical to botocore's): one walk yields the
``(key, value)`` pairs, each level carrying its immutable key prefix
(``IpPermissions.1.``), as smithy-python's Query serializer carries its path;
lists become ``Name.1``, ``Name.2``...; booleans ``true``/``false``.
:func:`to_query` returns those pairs and :func:`encode_query` their form
encoding. Decoding accepts what EC2 accepts: any parameter order, sparse and
unsorted list indexes, ``+`` or ``%20`` for a space, and ``str``, ``bytes``, a
mapping or ``(key, value)`` pairs; it returns the operation's API name and the
canonical params. Both directions read per-structure plans compiled once from
the model (a :class:`~ec2query._model.PlanCache` each).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from .. import _limits as limits
from .._errors import RequestError
from .._model import (
    CURRENT_VERSION,
    Kind,
    ListShape,
    PlanCache,
    Scalar,
    Structure,
    invalid_action,
    operation,
)
from .._percent import form_encode

__all__ = ["QueryInput", "encode_query", "from_query", "from_text_pairs", "split_pairs",
           "to_query"]

QueryInput = str | bytes | Mapping[str, Any] | Iterable[tuple[str, str]]

Params = dict[str, Any]
Pairs = list[tuple[str, str]]

_STRING, _INTEGER, _BOOLEAN, _LIST, _STRUCTURE = (
    Kind.STRING, Kind.INTEGER, Kind.BOOLEAN, Kind.LIST, Kind.STRUCTURE
)
_INT_MIN, _INT_MAX = limits.INT_MIN, limits.INT_MAX


def _shown(value: object) -> object:
    """``value`` as a message may print it: an integer too long for ``str`` by its size."""
    if isinstance(value, int) and value.bit_length() > 200:
        return f"an integer of {value.bit_length()} bits"
    return value


def _unknown(name: object) -> RequestError:
    return RequestError("UnknownParameter", f"The parameter {_shown(name)} is not recognized")


def _invalid(name: str, value: object, expected: str) -> RequestError:
    return RequestError(
        "InvalidParameterValue",
        f"Value ({_shown(value)}) for parameter {name} is invalid. Expected: '{expected}'.",
    )


# --------------------------------------------------------------------------- plans

#: A structure's plan: a member's name (encoding) or Query name (decoding) -> (the other
#: name, its kind, detail); detail is None for a scalar, the plan of a structure, or
#: ``(kind, detail)`` of a list's member.
Plan = dict[str, tuple[str, Kind, Any]]


def _fill(shape: Structure, plan: Plan) -> None:
    for member in shape.members:
        plan[member.name] = (member.query, *_detail(member.shape, _PLANS))


def _fill_read(shape: Structure, plan: Plan) -> None:
    for member in shape.members:
        plan[member.query] = (member.name, *_detail(member.shape, _READ_PLANS))


def _detail(shape: Any, plans: PlanCache[Plan]) -> tuple[Kind, Any]:
    if isinstance(shape, Scalar):
        return shape.kind, None
    if isinstance(shape, ListShape):
        return _LIST, _detail(shape.member, plans)
    return _STRUCTURE, plans.get(shape)


_PLANS: PlanCache[Plan] = PlanCache(dict, _fill)
_READ_PLANS: PlanCache[Plan] = PlanCache(dict, _fill_read)


# --------------------------------------------------------------------------- encode


def to_query(
    operation_name: str, params: Mapping[str, Any], *, version: str = CURRENT_VERSION
) -> Pairs:
    """The ``(key, value)`` pairs of the request, ``Action`` and ``Version`` first.

    Every member and type error is raised here, in walk order, before any value is encoded.
    """
    op = operation(operation_name)
    plan = _PLANS.get(op.input(version))  # the version checked (NoSuchVersion) first
    out: Pairs = [("Action", op.name), ("Version", version)]
    _structure(out, params, plan, "", "params")
    return out


def serialize(out: Pairs, params: Mapping[str, Any], shape: Structure) -> None:
    """Append the Query pairs of ``params`` (a value of ``shape``) to ``out``."""
    _structure(out, params, _PLANS.get(shape), "", "params")


def encode_query(
    operation_name: str, params: Mapping[str, Any], *, version: str = CURRENT_VERSION
) -> str:
    """The form-encoded request body (:func:`to_query`'s pairs): byte-identical to botocore's.

    Keys are the model's Query names and list indexes, which need no encoding.
    """
    pairs = to_query(operation_name, params, version=version)
    try:
        return "&".join([  # form_encode(value), its usual case inlined
            f"{key}={value}" if value.isalnum() and value.isascii() else
            f"{key}={form_encode(value)}" for key, value in pairs
        ])
    except UnicodeEncodeError as exc:
        raise RequestError(
            "InvalidParameterValue",
            f"A parameter value is not valid Unicode text: {exc.reason}",
        ) from None


def _structure(out: Pairs, value: Any, plan: Plan, prefix: str, path: str) -> None:
    """Append the pairs of structure ``value``; its members' keys start with ``prefix``."""
    if type(value) is not dict and not isinstance(value, Mapping):
        raise _invalid(path, type(value).__name__, "structure")
    for key, item in value.items():
        entry = plan.get(key)
        if entry is None:
            raise _unknown(prefix + key if type(key) is str else key if not prefix else
                           f"{prefix}{_shown(key)}")
        query, kind, detail = entry
        name = prefix + query
        if kind is _STRING and type(item) is str:
            out.append((name, item))
        elif kind is _INTEGER and type(item) is int and _INT_MIN <= item <= _INT_MAX:
            out.append((name, str(item)))
        elif kind is _LIST:
            _list(out, item, detail, name, key)
        elif kind is _STRUCTURE:
            _structure(out, item, detail, name + ".", key)
        else:
            out.append((name, _scalar(item, kind, name)))


def _list(out: Pairs, value: Any, member: tuple[Kind, Any], name: str, path: str) -> None:
    """Append the pairs of list ``value`` of ``member``s: ``name.1``, ``name.2``..."""
    if not isinstance(value, (list, tuple)):
        raise _invalid(name, type(value).__name__, "List")
    kind, detail = member
    for index, element in enumerate(value, 1):
        if kind is _STRUCTURE:
            _structure(out, element, detail, f"{name}.{index}.", path)
        elif kind is _LIST:
            _list(out, element, detail, f"{name}.{index}", path)
        else:
            key = f"{name}.{index}"
            out.append((key, _scalar(element, kind, key)))


def _scalar(value: Any, kind: Kind, name: str) -> str:
    """The wire text of a scalar (not yet percent-encoded); the model's type is enforced,
    and an integer is judged by its value against EC2's 32-bit range."""
    if kind is _STRING:
        if type(value) is not str:
            raise _invalid(name, type(value).__name__, "String")
        return value
    if kind is _INTEGER:
        if type(value) is not int or not _INT_MIN <= value <= _INT_MAX:
            raise _invalid(name, value, "Integer")
        return str(value)
    if type(value) is not bool:
        raise _invalid(name, value, "Boolean")
    return "true" if value else "false"


# --------------------------------------------------------------------------- decode


class _Sparse(dict):  # type: ignore[type-arg]
    """A list under construction: index -> element, ordered when finished."""


def from_query(data: QueryInput) -> tuple[str, Params]:
    """Decode a Query request into ``(operation API name, canonical params)``."""
    return from_text_pairs(_pairs(data))


def from_text_pairs(pairs: Iterable[tuple[str, str]]) -> tuple[str, Params]:
    """:func:`from_query` for pairs already known to be UTF-8 text (``split_pairs``'
    output): the same checks and result, without re-checking each key and value's type."""
    flat: dict[str, str] = {}
    for key, value in pairs:
        if key in flat:
            raise RequestError(
                "InvalidParameterValue", f"The parameter {key} must not appear more than once"
            )
        if len(flat) >= limits.MAX_PARAMS:
            raise _too_many()
        if len(value) > limits.MAX_VALUE_LENGTH:
            raise RequestError(
                "InvalidParameterValue",
                f"The value of parameter {key:.64} is longer than {limits.MAX_VALUE_LENGTH} "
                "characters",
            )
        flat[key] = value
    action = flat.pop("Action", None)
    if action is None:
        raise RequestError("MissingAction", "The request must contain the parameter Action")
    op = operation(action)
    if op.name != action:  # a CLI name (authorize-security-group-ingress) is not an Action
        raise invalid_action(action)
    # EC2 requires Version; a decoder reads its absence as the current API (the
    # API reference's own examples omit it) and leaves the refusal to the gateway.
    return op.name, deserialize(flat, op.input(flat.pop("Version", CURRENT_VERSION)))


def _too_many() -> RequestError:
    return RequestError(
        "InvalidParameterValue", f"The request has more than {limits.MAX_PARAMS} parameters"
    )


def deserialize(flat: Mapping[str, str], shape: Structure) -> Params:
    """The params (a value of ``shape``) that the Query pairs in ``flat`` spell."""
    root: Params = {}
    lists: list[tuple[dict[Any, Any], Any, _Sparse]] = []  # (holder, slot, list) as made
    # This request's structures by key prefix (``IpPermissions.1.``; the root's is ""):
    # the keys of one structure share it, so its path is walked once per request.
    plan = _READ_PLANS.get(shape)
    nodes: dict[str, tuple[dict[Any, Any], Plan]] = {"": (root, plan)}
    for key, raw in flat.items():
        head, dot, name = key.rpartition(".")
        prefix = head + dot
        node = nodes.get(prefix)
        if node is not None:
            entry = node[1].get(name)
            if entry is not None and entry[2] is None:  # a scalar member of that structure
                slot, kind, _ = entry
                node[0][slot] = raw if kind is _STRING else _convert(raw, kind, key)
                continue
        node = _place(root, plan, key, raw, lists)
        if node is not None:
            nodes[prefix] = node
    # A list is made after its holder, so in reverse order of making every list's
    # elements are finished before the list itself is.
    for holder, slot, sparse in reversed(lists):
        holder[slot] = [sparse[index] for index in sorted(sparse)]
    return root


def _place(
    root: Params, plan: Plan, key: str, raw: str, lists: list[tuple[dict[Any, Any], Any, _Sparse]]
) -> tuple[dict[Any, Any], Plan] | None:
    """Put the value of Query ``key`` where it goes under ``root``, noting each list made;
    the structure holding it (its dict and plan), or None if a list holds it."""
    parts = key.split(".")
    last = len(parts) - 1
    holder: dict[Any, Any] = root
    i = 0
    while True:
        entry = plan.get(parts[i])
        if entry is None:
            raise _unknown(key)
        slot: Any
        slot, kind, detail = entry
        if detail is None:  # a scalar member, the usual end of a key
            if i != last:
                raise _unknown(key)
            holder[slot] = raw if kind is _STRING else _convert(raw, kind, key)
            return holder, plan
        while kind is _LIST:
            if i == last:
                raise _unknown(key)
            i += 1
            index = _index(parts[i], key)
            inner = holder.get(slot)
            if inner is None:
                inner = holder[slot] = _Sparse()
                lists.append((holder, slot, inner))
            holder, slot = inner, index
            kind, detail = detail
        if i == last:
            if kind is _STRUCTURE:
                raise _unknown(key)
            holder[slot] = raw if kind is _STRING else _convert(raw, kind, key)
            return None
        i += 1
        if kind is not _STRUCTURE:
            raise _unknown(key)
        child = holder.get(slot)
        if child is None:
            child = holder[slot] = {}
        holder, plan = child, detail


def _index(text: str, key: str) -> int:
    if len(text) < 4 and text.isdigit() and text[0] != "0" and text.isascii():
        return int(text)  # 1 to 999: within MAX_LIST_INDEX
    if not (text.isascii() and text.isdigit()) or text[0] == "0":
        raise RequestError(
            "InvalidParameterValue",
            f"The parameter {key} has a malformed list index '{text}': "
            "indexes are whole numbers from 1",
        )
    index = int(text) if len(text) < 8 else limits.MAX_LIST_INDEX + 1
    if index > limits.MAX_LIST_INDEX:
        raise RequestError(
            "InvalidParameterValue",
            f"The parameter {key} has list index {text[:12]}, above the limit of "
            f"{limits.MAX_LIST_INDEX}",
        )
    return index


def _convert(raw: str, kind: Kind, key: str) -> Any:
    if kind is _INTEGER:
        digits = raw[1:] if raw[:1] == "-" else raw
        if digits.isascii() and digits.isdigit() and len(digits) <= 10:
            value = int(raw)
            if limits.INT_MIN <= value <= limits.INT_MAX:
                return value
        raise _invalid(key, raw[:64], "Integer")
    lowered = raw.lower()
    if lowered == "true":
        return True
    if lowered == "false":
        return False
    raise _invalid(key, raw[:64], "Boolean")


def _pairs(data: QueryInput) -> Iterable[tuple[str, str]]:
    if isinstance(data, str):
        try:
            data = data.encode("utf-8")
        except UnicodeEncodeError:
            raise RequestError(
                "MalformedQueryString", "The query string is not valid UTF-8 text"
            ) from None
    if isinstance(data, (bytes, bytearray, memoryview)):
        return split_pairs(bytes(data))
    if isinstance(data, Mapping):
        return _mapping_pairs(data)
    return _checked_pairs(data)


#: Pieces split off at a time (an oversized string is refused after ``MAX_PARAMS`` pairs).
_SPLIT = 4 * limits.MAX_PARAMS
#: Components are unescaped this many bytes at a time, so that the lists built (one entry
#: per ``%``) stay small.
_CHUNK = 1 << 14
#: A run of escapes: ``%`` and two hex digits (either case), repeated; any other ``%`` is
#: a literal.
_ESCAPES = re.compile(rb"(?:%[0-9A-Fa-f]{2})+")
#: ``%XX`` (hex digits, either case) -> the byte it stands for: a lone escape's decoding.
_ESCAPE = {
    f"%{high}{low}".encode(): bytes([int(high + low, 16)])
    for high in "0123456789abcdefABCDEF" for low in "0123456789abcdefABCDEF"
}


def _unquote(raw: bytes) -> bytearray:
    """What ``urllib.parse.unquote_to_bytes(raw)`` gives (a ``%`` not followed by two hex
    digits stays as it is), a chunk at a time into one buffer: a chunk never ends within
    the two bytes after a ``%`` (it ends at that ``%`` instead), so no escape is cut, and
    the pieces the substitution builds stay bounded by the chunk."""
    decoded = bytearray()
    start, size = 0, len(raw)
    while start < size:
        end = start + _CHUNK
        if end < size:
            cut = raw.rfind(b"%", end - 2, end)
            if cut >= 0:
                end = cut
        decoded += _ESCAPES.sub(_bytes_of, raw[start:end])
        start = end
    return decoded


def _bytes_of(escapes: re.Match[bytes]) -> bytes:
    """The bytes a run of escapes (``%C0%AF``) stands for, decoded in one call."""
    run = escapes[0]
    if len(run) == 3:
        return _ESCAPE[run]
    return bytes.fromhex(run.decode("ascii").replace("%", ""))


def split_pairs(data: bytes) -> Pairs:
    """The decoded ``(key, value)`` pairs of a form-encoded string, in order.

    The whole string is decoded before any pair is judged, so a malformed
    component is reported before, say, a repeated key. A string of more than
    ``MAX_PARAMS`` pairs is refused when its next pair is reached, and the
    string is split a bounded number of pieces at a time, so a hostile string
    costs memory on the order of its size.
    """
    if len(data) > limits.MAX_QUERY_BYTES:
        raise RequestError(
            "InvalidParameterValue",
            f"The request is larger than {limits.MAX_QUERY_BYTES} bytes",
        )
    pairs: Pairs = []
    # Latin-1 text is the bytes one for one; a component that is ASCII with nothing
    # escaped is its own decoding, any other is decoded from its bytes.
    rest = data.decode("latin-1")
    while rest:
        pieces = rest.split("&", _SPLIT)
        rest = pieces.pop() if len(pieces) > _SPLIT else ""
        for piece in pieces:
            if not piece:
                continue
            if len(pairs) == limits.MAX_PARAMS:
                raise _too_many()
            key, _, value = piece.partition("=")
            if "%" in key or "+" in key or not key.isascii():
                key = _decode_component(key.encode("latin-1"))
            if "%" in value or "+" in value or not value.isascii():
                value = _decode_component(value.encode("latin-1"))
            pairs.append((key, value))
    return pairs


def _decode_component(raw: bytes) -> str:
    if b"+" in raw:
        raw = raw.replace(b"+", b" ")
    text: bytes | bytearray = _unquote(raw) if b"%" in raw else raw
    try:
        return text.decode("utf-8")
    except UnicodeDecodeError:
        # The first 64 characters shown come from at most the first 256 bytes.
        shown = bytes(text[:260]).decode("utf-8", "backslashreplace")[:64]
        raise RequestError(
            "MalformedQueryString", f"The query string is not valid UTF-8: {shown}"
        ) from None


def _mapping_pairs(data: Mapping[str, Any]) -> Iterable[tuple[str, str]]:
    for key, value in data.items():
        if isinstance(value, (list, tuple)):
            if len(value) != 1:
                raise RequestError(
                    "InvalidParameterValue",
                    f"The parameter {key} must not appear more than once",
                )
            value = value[0]
        yield _text(key), _text(value)


def _checked_pairs(data: Iterable[Any]) -> Iterable[tuple[str, str]]:
    try:
        iterator = iter(data)
    except TypeError:
        raise RequestError(
            "MalformedQueryString",
            f"Cannot read a query from {type(data).__name__}: expected str, bytes, "
            "a mapping or (key, value) pairs",
        ) from None
    for pair in iterator:
        if not isinstance(pair, (tuple, list)) or len(pair) != 2:
            raise RequestError("MalformedQueryString", f"Not a (key, value) pair: {pair!r:.64}")
        yield _text(pair[0]), _text(pair[1])


def _text(value: Any) -> str:
    if type(value) is str and value.isascii():
        return value
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise RequestError(
                "MalformedQueryString", "The query string is not valid UTF-8 text"
            ) from None
        return value
    if isinstance(value, bytes):
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            raise RequestError(
                "MalformedQueryString", "The query string is not valid UTF-8"
            ) from None
    raise RequestError(
        "MalformedQueryString", f"Query keys and values must be text, not {type(value).__name__}"
    )
