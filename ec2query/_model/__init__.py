"""The operation model: compiled once from the data in ``shapes`` and ``operations``.

``operation("RevokeSecurityGroupIngress")`` (or its CLI name) gives an
:class:`Operation`; ``op.input(version)`` and ``op.output(version)`` give
:class:`Structure` values whose members carry their Query and XML names.
Codecs walk these; nothing here is operation-specific code.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any, TypeVar

from .._errors import RequestError
from .operations import (
    CURRENT_VERSION,
    FLAT_RULE_MEMBERS,
    LEGACY_EXTRA,
    LEGACY_MEMBERS,
    LEGACY_VERSION,
    OPERATIONS,
    VERSIONS,
    XML_ORDER,
)
from .shapes import STRUCTURES

__all__ = [
    "CURRENT_VERSION",
    "FLAT_RULE_MEMBERS",
    "LEGACY_VERSION",
    "VERSIONS",
    "ListShape",
    "Member",
    "Operation",
    "Scalar",
    "Structure",
    "all_operations",
    "check_version",
    "compile_structure",
    "compiled_plan",
    "operation",
    "structure",
]


@dataclass(frozen=True)
class Scalar:
    """A leaf: ``string``, ``integer`` or ``boolean``."""

    kind: str


@dataclass(frozen=True)
class ListShape:
    """A list; on the wire ``Name.1``, ``Name.2``...; in XML ``<name><item>...``."""

    member: Shape
    item: str = "item"


@dataclass(frozen=True, eq=False)
class Member:
    """One member of a structure, with its wire names."""

    name: str
    shape: Shape
    query: str
    xml: str


@dataclass(frozen=True, eq=False)
class Structure:
    """A structure: its members in model order, indexed by each of their names."""

    name: str
    members: tuple[Member, ...]
    by_name: dict[str, Member] = field(repr=False)
    by_query: dict[str, Member] = field(repr=False)
    by_xml: dict[str, Member] = field(repr=False)

    @property
    def xml_members(self) -> tuple[Member, ...]:
        """The members in the order EC2 writes them in XML (``operations.XML_ORDER``)."""
        order = XML_ORDER.get(self.name)
        if order is None:
            return self.members
        rank = {name: i for i, name in enumerate(order)}
        return tuple(sorted(self.members, key=lambda m: rank.get(m.name, len(rank))))
    #: Codec plans compiled from this structure, by codec (a cache that lives as long as it).
    plans: dict[str, Any] = field(default_factory=dict, repr=False)


Shape = Scalar | ListShape | Structure

P = TypeVar("P")

# Plans being compiled, by (id of the structure, codec): only the thread holding the
# lock ever sees them, and they are published together when its outermost build ends.
_PLAN_LOCK = threading.RLock()
_pending: dict[tuple[int, str], tuple[Structure, Any]] = {}


def compiled_plan(
    shape: Structure, codec: str, make: Callable[[], P], fill: Callable[[Structure, P], None]
) -> P:
    """``shape.plans[codec]``: made by ``make()``, filled once by ``fill(shape, plan)``.

    A codec compiles its plans through here so that concurrent first uses are safe:
    ``fill`` may ask for other plans (its own shape's too, for a recursive shape,
    getting the unfinished one), and other threads see complete plans or none.
    """
    plan = shape.plans.get(codec)
    if plan is not None:
        return plan  # type: ignore[no-any-return]
    with _PLAN_LOCK:
        plan = shape.plans.get(codec)
        if plan is None:
            building = _pending.get((id(shape), codec))
            if building is not None:
                return building[1]  # type: ignore[no-any-return]
            outermost = not _pending
            plan = make()
            _pending[id(shape), codec] = (shape, plan)
            try:
                fill(shape, plan)
            except BaseException:
                if outermost:
                    _pending.clear()
                raise
            if outermost:
                for (_, name), (structure_, built) in _pending.items():
                    structure_.plans[name] = built
                _pending.clear()
        return plan  # type: ignore[no-any-return]

_SCALARS = {kind: Scalar(kind) for kind in ("string", "integer", "boolean")}


Rows = dict[str, tuple[tuple[str, str, str, str], ...]]


def _shape(type_name: str, version: str, tables: Rows, memo: dict[str, Structure]) -> Shape:
    if type_name in _SCALARS:
        return _SCALARS[type_name]
    if type_name.startswith("["):
        inner, _, item = type_name[1:-1].partition(":")
        return ListShape(_shape(inner, version, tables, memo), item or "item")
    if tables is STRUCTURES:
        return structure(type_name, version)
    return compile_structure(type_name, tables, version, _memo=memo)


def compile_structure(
    name: str, tables: Rows, version: str = CURRENT_VERSION, *, _memo: dict | None = None
) -> Structure:
    """Compile structure ``name`` from shape tables in the format of ``shapes.STRUCTURES``.

    The model's own tables go through :func:`structure` (cached, with the
    legacy view applied); other tables (the conformance suites') come here.
    Recursive shapes are allowed: a structure is registered before its members.
    """
    memo: dict[str, Structure] = {} if _memo is None else _memo
    if name in memo:
        return memo[name]
    result = memo[name] = Structure(name, (), {}, {}, {})
    rows = tables[name]
    if tables is STRUCTURES and version == LEGACY_VERSION:
        keep = LEGACY_MEMBERS.get(name)
        if keep is not None:
            rows = tuple(row for row in rows if row[0] in keep)
        rows = rows + LEGACY_EXTRA.get(name, ())
    members = tuple(Member(n, _shape(t, version, tables, memo), q, x) for n, t, q, x in rows)
    object.__setattr__(result, "members", members)
    for member in members:
        result.by_name[member.name] = member
        result.by_query[member.query] = member
        result.by_xml[member.xml] = member
    return result


@cache
def structure(name: str, version: str = CURRENT_VERSION) -> Structure:
    """The structure ``name`` as API ``version`` defines it."""
    return compile_structure(name, STRUCTURES, version)


@dataclass(frozen=True)
class Operation:
    """One API operation: names and its input and output structures per version."""

    name: str
    cli_name: str
    input_name: str
    output_name: str

    def input(self, version: str = CURRENT_VERSION) -> Structure:
        return structure(self.input_name, check_version(version))

    def output(self, version: str = CURRENT_VERSION) -> Structure:
        return structure(self.output_name, check_version(version))

    @property
    def response_root(self) -> str:
        """The root element of the XML response, e.g. ``RevokeSecurityGroupIngressResponse``."""
        return self.name + "Response"

    @property
    def is_rule_operation(self) -> bool:
        return "FromPort" in STRUCTURES_MEMBERS[self.input_name]


STRUCTURES_MEMBERS = {name: {row[0] for row in rows} for name, rows in STRUCTURES.items()}

_BY_NAME: dict[str, Operation] = {}
for _name, (_cli, _in, _out) in OPERATIONS.items():
    _op = Operation(_name, _cli, _in, _out)
    _BY_NAME[_name] = _op
    _BY_NAME[_cli] = _op


def operation(name: str) -> Operation:
    """Look an operation up by API name or CLI name; ``InvalidAction`` otherwise."""
    try:
        return _BY_NAME[name]
    except (KeyError, TypeError):
        raise RequestError(
            "InvalidAction", f"The action {name} is not valid for this web service."
        ) from None


def all_operations() -> tuple[Operation, ...]:
    """Every operation of the model, in table order."""
    return tuple(_BY_NAME[name] for name in OPERATIONS)


def check_version(version: str) -> str:
    """Return ``version`` if the model knows it; EC2's ``NoSuchVersion`` otherwise."""
    if version in VERSIONS:
        return version
    raise RequestError(
        "NoSuchVersion",
        f"The requested version ({version}) of service AmazonEC2 does not exist",
    )
