"""The EC2 Query string, both ways, driven by the model.

Encoding walks the params in the caller's order (as botocore's serializer
does, so the body is byte-identical to botocore's); lists become ``Name.1``,
``Name.2``...; booleans ``true``/``false``. Decoding accepts what EC2 accepts:
any parameter order, sparse and unsorted list indexes, ``+`` or ``%20`` for a
space, and ``str``, ``bytes``, a mapping or ``(key, value)`` pairs; it
returns the operation's API name and the canonical params.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any
from urllib.parse import unquote_to_bytes

from .. import _limits as limits
from .._errors import RequestError
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
from .._percent import FORM_TABLE, form_encode, form_escape_joined

__all__ = ["QueryInput", "encode_query", "from_query", "from_text_pairs", "split_pairs",
           "to_query"]

QueryInput = str | bytes | Mapping[str, Any] | Iterable[tuple[str, str]]

Params = dict[str, Any]


def _unknown(name: str) -> RequestError:
    return RequestError("UnknownParameter", f"The parameter {name} is not recognized")


def _invalid(name: str, value: object, expected: str) -> RequestError:
    return RequestError(
        "InvalidParameterValue",
        f"Value ({value}) for parameter {name} is invalid. Expected: '{expected}'.",
    )


# --------------------------------------------------------------------------- encode


def to_query(
    operation_name: str, params: Mapping[str, Any], *, version: str = CURRENT_VERSION
) -> list[tuple[str, str]]:
    """The ``(key, value)`` pairs of the request, ``Action`` and ``Version`` first."""
    name, checked, plan = _root(operation_name, version)[:3]
    out: list[tuple[str, str]] = [("Action", name), ("Version", checked)]
    _pairs_structure(out.append, params, plan, "", "params")
    return out


def serialize(out: list[tuple[str, str]], params: Mapping[str, Any], shape: Structure) -> None:
    """Append the Query pairs of ``params`` (a value of ``shape``) to ``out``."""
    _pairs_structure(out.append, params, _plan(shape), "", "params")


def encode_query(
    operation_name: str, params: Mapping[str, Any], *, version: str = CURRENT_VERSION
) -> str:
    """The form-encoded request body: byte-identical to botocore's for the same params.

    Most requests (a dict of the model's types, ASCII text, short lists) are written by
    one walk over a precomputed layout (:func:`_layout_text`); anything else it meets, and
    every error, sends the whole request to the general walk, which starts over.
    """
    try:
        root = _ROOTS[operation_name, version]
    except (KeyError, TypeError):
        root = _root(operation_name, version)
    if type(params) is dict:
        out = [root[3]]
        try:
            _layout_text(out, params.items(), root[4])
        except (KeyError, _Unhandled):  # a member or position the layout lacks, or a value
            pass
        else:
            return "&".join(out)
    return _general_text(operation_name, params, version, root)


def _general_text(
    operation_name: str, params: Mapping[str, Any], version: str, root: Root
) -> str:
    """:func:`encode_query` of any params, by the walks that give every error."""
    if type(params) is dict and _long_list(params):
        # A long request: walk once emitting raw ``key<_EQ>value`` pieces, then escape the
        # whole body at once (cheaper than value by value past a few rules). It needs ASCII
        # text in which the stand-ins occur only as separators; otherwise (non-ASCII, or a
        # value holding a stand-in) the per-value walk below decides.
        raw: list[str] = []
        _raw_structure(raw.append, params, root[2], "", "params")
        body = form_escape_joined(raw, _EQ, _AMP)
        if body is not None:
            return f"{root[3]}&{body}"
    # Any other request: its pairs (every type and member error, in walk order, before
    # any value is encoded), then each value form-encoded.
    pairs = to_query(operation_name, params, version=version)
    out = [root[3]]
    try:
        out += [f"{key}={form_encode(value)}" for key, value in pairs[2:]]
    except UnicodeEncodeError as exc:
        raise RequestError(
            "InvalidParameterValue",
            f"A parameter value is not valid Unicode text: {exc.reason}",
        ) from None
    return "&".join(out)


# A compiled plan maps a structure's member names to ``(Query name, kind, detail)``:
# detail is None for a scalar, the plan of a structure, or ``(kind, detail)`` of a
# list's member. Plans are compiled once per structure and cached on it.
_STRING, _INTEGER, _BOOLEAN, _LIST, _STRUCTURE = range(5)
_SCALAR_KINDS = {Kind.STRING: _STRING, Kind.INTEGER: _INTEGER, Kind.BOOLEAN: _BOOLEAN}

Plan = dict[str, tuple[str, int, Any]]

#: What :func:`encode_query`'s layout walk writes directly: a member name (or, in a list's
#: layout, a 0-based position) -> (the exact type its value must have, the ``key=`` text
#: of a scalar, the layout of a structure's or a list's value); the two last are None
#: where they do not apply. Positions stop at :data:`_SHORT_LIST`, nesting at
#: :data:`_LAYOUT_DEPTH`.
Layout = dict[Any, tuple[type, Any, Any]]

#: (API name, version, input plan, body head ``Action=...&Version=...``, input layout).
Root = tuple[str, str, Plan, str, Layout]

#: ``(operation name as given, version)`` -> its :data:`Root`; only names and versions the
#: model accepts get in, so it stays small.
_ROOTS: dict[tuple[str, str], Root] = {}


def _root(operation_name: str, version: str) -> Root:
    try:
        return _ROOTS[operation_name, version]
    except (KeyError, TypeError):
        pass
    op = operation(operation_name)
    checked = check_version(version)
    plan = _plan(op.input(checked))
    root = (op.name, checked, plan, f"Action={op.name}&Version={checked}", _layout(plan, "", 0))
    _ROOTS[operation_name, version] = root
    return root


def _plan(shape: Structure) -> Plan:
    return _PLANS.get(shape)


def _fill_plan(shape: Structure, plan: Plan) -> None:
    for member in shape.members:
        plan[member.name] = (member.query, *_detail(member.shape))


_PLANS: PlanCache[Plan] = PlanCache(dict, _fill_plan)


def _detail(shape: Any) -> tuple[int, Any]:
    if isinstance(shape, Scalar):
        return _SCALAR_KINDS[shape.kind], None
    if isinstance(shape, ListShape):
        return _LIST, _detail(shape.member)
    return _STRUCTURE, _plan(shape)


#: A list longer than this is left to the general walk (its raw path writes long ones).
_SHORT_LIST = 3
#: Containers (structures and lists) nested deeper than this are left to the general walk;
#: the model's go four deep (rules, their ranges), and a recursive shape's layout stops.
_LAYOUT_DEPTH = 6
_PYTHON_TYPES = {_STRING: str, _INTEGER: int, _BOOLEAN: bool}


def _layout(plan: Plan, prefix: str, depth: int) -> Layout:
    """The :data:`Layout` of a structure whose members' keys start with ``prefix``."""
    layout: Layout = {}
    for key, (query, kind, detail) in plan.items():
        entry = _layout_entry(kind, detail, prefix + query, depth)
        if entry is not None:
            layout[key] = entry
    return layout


def _layout_entry(kind: int, detail: Any, name: str, depth: int) -> tuple[type, Any, Any] | None:
    """The :data:`Layout` entry of a value of ``kind`` whose key is ``name`` (None: too deep)."""
    if kind < _LIST:
        return _PYTHON_TYPES[kind], f"{name}=", None
    if depth == _LAYOUT_DEPTH:
        return None
    if kind == _STRUCTURE:
        return dict, None, _layout(detail, f"{name}.", depth + 1)
    item_kind, item_detail = detail
    positions: Layout = {}
    for index in range(_SHORT_LIST):
        entry = _layout_entry(item_kind, item_detail, f"{name}.{index + 1}", depth + 1)
        if entry is not None:
            positions[index] = entry
    return list, None, positions


class _Unhandled(Exception):
    """A value :func:`_layout_text` leaves to the general walk."""


def _layout_text(out: list[str], items: Iterable[tuple[Any, Any]], layout: Layout) -> None:
    """Append ``key=form-encoded value`` for each (member name or list position, value) of
    ``items`` to ``out``, as the general walk would.

    It writes only what it can write exactly as the general walk does: a value of another
    type than the layout's (a subclass, a tuple, a Mapping...), non-ASCII text or a long
    list raises :class:`_Unhandled`, and a member or position the layout lacks raises
    KeyError; the caller then hands the whole request to the general walk, which gives
    the body or the error.
    """
    for key, item in items:
        expected, text, detail = layout[key]
        if type(item) is not expected:
            raise _Unhandled
        if expected is str:
            if not item.isascii():
                raise _Unhandled  # UTF-8, and the error of text that has none
            # Escape the reserved characters, if any (an ID such as sg-0abc has none).
            if not item.isalnum() and ("-" not in item or not item.replace("-", "").isalnum()):
                item = item.translate(FORM_TABLE)
            out.append(text + item)
        elif expected is int:
            out.append(f"{text}{item}")
        elif expected is list:
            if len(item) > _SHORT_LIST:
                raise _Unhandled
            _layout_text(out, enumerate(item), detail)
        elif expected is dict:
            _layout_text(out, item.items(), detail)
        else:
            out.append(text + ("true" if item else "false"))


def _scalar_text(value: Any, kind: int, name: str) -> str:
    """The wire text of a scalar (not yet percent-encoded); the model's type is enforced."""
    if kind == _STRING:
        if type(value) is not str:
            raise _invalid(name, type(value).__name__, "String")
        return value
    if kind == _INTEGER:
        if type(value) is not int:
            raise _invalid(name, value, "Integer")
        return str(value)
    if type(value) is not bool:
        raise _invalid(name, value, "Boolean")
    return "true" if value else "false"


# The walkers below inline the common cases (a string or integer of the right
# type, a list of structures); everything else, and every error, goes through
# the general path, so the two cannot disagree.


def _pairs_structure(
    emit: Callable[[tuple[str, str]], None], value: Any, plan: Plan, prefix: str, path: str
) -> None:
    if type(value) is not dict and not isinstance(value, Mapping):
        raise _invalid(path, type(value).__name__, "structure")
    for key, item in value.items():
        entry = plan.get(key)
        if entry is None:
            raise _unknown(key if not prefix else f"{prefix}{key}")
        query, kind, detail = entry
        if kind == _STRING and type(item) is str:
            emit((prefix + query, item))
        elif kind == _LIST and detail[0] == _STRUCTURE and type(item) is list:
            name, plan_of_item = prefix + query, detail[1]
            for index, element in enumerate(item, 1):
                _pairs_structure(emit, element, plan_of_item, f"{name}.{index}.", key)
        elif kind < _LIST:
            emit((prefix + query, _scalar_text(item, kind, prefix + query)))
        else:
            _pairs_value(emit, item, kind, detail, prefix + query, key)


def _pairs_value(
    emit: Callable[[tuple[str, str]], None], value: Any, kind: int, detail: Any, name: str,
    path: str,
) -> None:
    if kind == _STRUCTURE:
        _pairs_structure(emit, value, detail, name + ".", path)
    elif kind == _LIST:
        if not isinstance(value, (list, tuple)):
            raise _invalid(name, type(value).__name__, "List")
        item_kind, item_detail = detail
        for index, element in enumerate(value, 1):
            _pairs_value(emit, element, item_kind, item_detail, f"{name}.{index}", path)
    else:
        emit((name, _scalar_text(value, kind, name)))


#: Stand-ins for ``=`` and ``&`` in the raw body of :func:`encode_query`'s fast path.
_EQ, _AMP = "\x01", "\x02"


def _long_list(params: dict[str, Any]) -> bool:
    """Whether a top-level list holds more than a few entries (several rules, say)."""
    for value in params.values():  # noqa: SIM110 - a plain loop: no generator per encode
        if type(value) is list and len(value) > _SHORT_LIST:
            return True
    return False


def _raw_structure(
    emit: Callable[[str], None], value: Any, plan: Plan, prefix: str, path: str
) -> None:
    """As :func:`_pairs_structure`, emitting ``key<_EQ>raw value`` (nothing encoded yet)."""
    if type(value) is not dict and not isinstance(value, Mapping):
        raise _invalid(path, type(value).__name__, "structure")
    for key, item in value.items():
        entry = plan.get(key)
        if entry is None:
            raise _unknown(key if not prefix else f"{prefix}{key}")
        query, kind, detail = entry
        if (kind == _STRING and type(item) is str) or (kind == _INTEGER and type(item) is int):
            emit(f"{prefix}{query}\x01{item}")
        elif kind == _LIST and detail[0] == _STRUCTURE and type(item) is list:
            name, plan_of_item = prefix + query, detail[1]
            for index, element in enumerate(item, 1):
                _raw_structure(emit, element, plan_of_item, f"{name}.{index}.", key)
        elif kind < _LIST:
            name = prefix + query
            emit(f"{name}\x01{_scalar_text(item, kind, name)}")
        else:
            _raw_value(emit, item, kind, detail, prefix + query, key)


def _raw_value(
    emit: Callable[[str], None], value: Any, kind: int, detail: Any, name: str, path: str
) -> None:
    if kind == _STRUCTURE:
        _raw_structure(emit, value, detail, name + ".", path)
    elif kind == _LIST:
        if not isinstance(value, (list, tuple)):
            raise _invalid(name, type(value).__name__, "List")
        item_kind, item_detail = detail
        for index, element in enumerate(value, 1):
            _raw_value(emit, element, item_kind, item_detail, f"{name}.{index}", path)
    else:
        emit(f"{name}\x01{_scalar_text(value, kind, name)}")


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
            raise RequestError(
                "InvalidParameterValue",
                f"The request has more than {limits.MAX_PARAMS} parameters",
            )
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
    # EC2 requires Version; a decoder reads its absence as the current API (the
    # API reference's own examples omit it) and leaves the refusal to the gateway.
    return op.name, deserialize(flat, op.input(flat.pop("Version", CURRENT_VERSION)))


def deserialize(flat: Mapping[str, str], shape: Structure) -> Params:
    """The params (a value of ``shape``) that the Query pairs in ``flat`` spell."""
    root: Params = {}
    plan = _read_plan(shape)
    paths = _KEY_PATHS.setdefault(shape, {})
    lists: list[tuple[dict[Any, Any], Any, _Sparse]] = []  # (holder, slot, list) as created
    for key, raw in flat.items():
        path = paths.get(key)
        if path is None:
            path = _compile_key(plan, key)  # raises what _place raises for this key
            if len(paths) < _MAX_KEY_PATHS:
                paths[key] = path
        steps, slot, kind = path
        holder: dict[Any, Any] = root
        for step, make in steps:
            child = holder.get(step)
            if child is None:
                child = holder[step] = make()
                if make is _Sparse:
                    lists.append((holder, step, child))
            holder = child
        holder[slot] = raw if kind == _STRING else _convert(raw, kind, key)
    # What _finish does, without walking the tree: a list is made after its holder, so
    # in reverse order of creation every list's elements are finished before it is.
    for holder, step, sparse in reversed(lists):
        holder[step] = [sparse[index] for index in sorted(sparse)]
    return root


#: A Query key compiled against a read plan: the containers to walk or create
#: ``((slot, dict or _Sparse), ...)``, then the final slot and its scalar kind.
KeyPath = tuple[tuple[tuple[Any, type], ...], Any, int]
#: Compiled keys kept per input shape (keys carry list indexes, so bound them).
_MAX_KEY_PATHS = 4096


def _compile_key(plan: Plan, key: str) -> KeyPath:
    """What :func:`_place` does for ``key``, as steps; the same errors in the same order."""
    parts = key.split(".")
    count = len(parts)
    steps: list[tuple[Any, type]] = []
    i = 0
    while True:
        entry = plan.get(parts[i])
        if entry is None:
            raise _unknown(key)
        i += 1
        slot: Any
        slot, kind, detail = entry
        while kind == _LIST:
            if i >= count:
                raise _unknown(key)
            index = _index(parts[i], key)
            i += 1
            steps.append((slot, _Sparse))
            slot = index
            kind, detail = detail
        if kind == _STRUCTURE:
            if i >= count:
                raise _unknown(key)
            steps.append((slot, dict))
            plan = detail
            continue
        if i != count:
            raise _unknown(key)
        return tuple(steps), slot, kind


def _read_plan(shape: Structure) -> Plan:
    """A structure's members by Query name: ``(member name, kind, detail)``."""
    return _READ_PLANS.get(shape)


def _fill_read_plan(shape: Structure, plan: Plan) -> None:
    for member in shape.members:
        plan[member.query] = (member.name, *_read_detail(member.shape))


_READ_PLANS: PlanCache[Plan] = PlanCache(dict, _fill_read_plan)
_KEY_PATHS: dict[Structure, dict[str, KeyPath]] = {}


def _read_detail(shape: Any) -> tuple[int, Any]:
    if isinstance(shape, Scalar):
        return _SCALAR_KINDS[shape.kind], None
    if isinstance(shape, ListShape):
        return _LIST, _read_detail(shape.member)
    return _STRUCTURE, _read_plan(shape)


def _place(root: Params, plan: Plan, key: str, raw: str) -> None:
    parts = key.split(".")
    count = len(parts)
    node: dict[Any, Any] = root
    i = 0
    while True:
        entry = plan.get(parts[i])
        if entry is None:
            raise _unknown(key)
        i += 1
        holder: dict[Any, Any] = node
        slot: Any
        slot, kind, detail = entry
        while kind == _LIST:
            if i >= count:
                raise _unknown(key)
            index = _index(parts[i], key)
            i += 1
            inner = holder.get(slot)
            if inner is None:
                inner = holder[slot] = _Sparse()
            holder, slot = inner, index
            kind, detail = detail
        if kind == _STRUCTURE:
            if i >= count:
                raise _unknown(key)
            child = holder.get(slot)
            if child is None:
                child = holder[slot] = {}
            node, plan = child, detail
            continue
        if i != count:
            raise _unknown(key)
        holder[slot] = raw if kind == _STRING else _convert(raw, kind, key)
        return


def _index(text: str, key: str) -> int:
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


def _convert(raw: str, kind: int, key: str) -> Any:
    if kind == _STRING:
        return raw
    if kind == _INTEGER:
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


def _finish(node: Any) -> Any:
    if type(node) is _Sparse:
        return [_finish(node[index]) for index in sorted(node)]
    if type(node) is dict:
        for key, value in node.items():
            if type(value) in (dict, _Sparse):
                node[key] = _finish(value)
    return node


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


def split_pairs(data: bytes) -> list[tuple[str, str]]:
    """The decoded ``(key, value)`` pairs of a form-encoded string, in order.

    The whole string is decoded before any pair is judged, so a malformed
    component is reported before, say, a repeated key.
    """
    if len(data) > limits.MAX_QUERY_BYTES:
        raise RequestError(
            "InvalidParameterValue",
            f"The request is larger than {limits.MAX_QUERY_BYTES} bytes",
        )
    pairs: list[tuple[str, str]] = []
    if data.isascii():  # the usual body: ASCII text is its own decoding unless escaped
        for text in data.decode("ascii").split("&"):
            if not text:
                continue
            key, _, value = text.partition("=")
            if "%" in key or "+" in key:
                key = _decode_component(key.encode("ascii"))
            if "%" in value or "+" in value:
                value = _decode_component(value.encode("ascii"))
            pairs.append((key, value))
        return pairs
    for piece in data.split(b"&"):
        if not piece:
            continue
        key, _, value = piece.partition(b"=")
        pairs.append((_decode_component(key), _decode_component(value)))
    return pairs


def _decode_component(raw: bytes) -> str:
    if b"%" in raw or b"+" in raw:
        raw = unquote_to_bytes(raw.replace(b"+", b" "))
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        shown = raw.decode("utf-8", "backslashreplace")[:64]
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
