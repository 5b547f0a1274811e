"""The operation model: compiled once from the data in ``shapes`` and ``operations``.

``operation("RevokeSecurityGroupIngress")`` (or its CLI name) gives an
:class:`Operation`; ``op.input(version)`` and ``op.output(version)`` give
:class:`Structure` values whose members carry their Query and XML names.
Codecs walk these; nothing here is operation-specific code.
"""

from __future__ import annotations

import enum
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Generic, TypeVar

from .._errors import RequestError
from .operations import (
    BOUNDS,
    CURRENT_VERSION,
    FLAT_RULE_MEMBERS,
    LEGACY_VERSION,
    OPERATION_SINCE,
    OPERATIONS,
    REQUIRED,
    SINCE,
    TAGGABLE,
    UNMODELED_OUTPUTS,
    UNTIL,
    VERSIONS,
    XML_ORDER,
)
from .shapes import STRUCTURES

__all__ = [
    "CURRENT_VERSION",
    "FLAT_RULE_MEMBERS",
    "LEGACY_VERSION",
    "TAGGABLE",
    "UNMODELED_OUTPUTS",
    "VERSIONS",
    "Kind",
    "ListShape",
    "Member",
    "Operation",
    "PlanCache",
    "Scalar",
    "Structure",
    "all_operations",
    "check_version",
    "compile_structure",
    "invalid_action",
    "operation",
    "structure",
]


class Kind(str, enum.Enum):
    """What a shape is: the one list of kinds every codec, the validator and the CLI read."""

    STRING = "string"
    INTEGER = "integer"
    BOOLEAN = "boolean"
    LIST = "list"
    STRUCTURE = "structure"


#: The scalar kinds, by the type names of the shape tables.
SCALAR_KINDS = {kind.value: kind for kind in (Kind.STRING, Kind.INTEGER, Kind.BOOLEAN)}


@dataclass(frozen=True)
class Scalar:
    """A leaf: a string, an integer (with its inclusive ``bounds``, if any) or a boolean."""

    kind: Kind
    bounds: tuple[int, int] | None = None


@dataclass(frozen=True)
class ListShape:
    """A list; on the wire ``Name.1``, ``Name.2``...; in XML ``<name><item>...``."""

    member: Shape
    item: str = "item"
    kind: Kind = field(default=Kind.LIST, init=False, repr=False)


@dataclass(frozen=True, eq=False)
class Member:
    """One member of a structure, with its wire names and whether it is required."""

    name: str
    shape: Shape
    query: str
    xml: str
    required: bool = False


@dataclass(frozen=True, eq=False)
class Structure:
    """A structure: its members in model order, indexed by each of their names."""

    name: str
    members: tuple[Member, ...]
    by_name: dict[str, Member] = field(repr=False)
    by_query: dict[str, Member] = field(repr=False)
    by_xml: dict[str, Member] = field(repr=False)
    kind: Kind = field(default=Kind.STRUCTURE, init=False, repr=False)

    @property
    def required(self) -> tuple[str, ...]:
        """The names of the members that a value of this structure must have, in the order
        EC2 reports them missing (``operations.REQUIRED``), then in model order."""
        names = [member.name for member in self.members if member.required]
        order = REQUIRED.get(self.name, ())
        return tuple(sorted(names, key=lambda n: order.index(n) if n in order else len(order)))

    @property
    def xml_members(self) -> tuple[Member, ...]:
        """The members in the order EC2 writes them in XML (``operations.XML_ORDER``)."""
        order = XML_ORDER.get(self.name)
        if order is None:
            return self.members
        rank = {name: i for i, name in enumerate(order)}
        return tuple(sorted(self.members, key=lambda m: rank.get(m.name, len(rank))))


Shape = Scalar | ListShape | Structure

P = TypeVar("P")

# Plans being compiled: only the thread holding the lock ever sees them, and they are
# published together when its outermost build ends (one lock for every codec's cache, as a
# plan of one codec may be built while another codec's is: a plan never waits on itself).
_PLAN_LOCK = threading.RLock()
_pending: dict[tuple[int, int], tuple[PlanCache[Any], Structure, Any]] = {}


class PlanCache(Generic[P]):
    """A codec's compiled plans, one per structure: owned by that codec, built once.

    ``get(shape)`` makes a plan with ``make()`` and fills it once with ``fill(shape, plan)``.
    Concurrent first uses are safe: ``fill`` may ask for other plans (its own shape's too,
    for a recursive shape, getting the unfinished one), and other threads see complete
    plans or none. Keys are the model's structures, never text a client sends.
    """

    def __init__(self, make: Callable[[], P], fill: Callable[[Structure, P], None]) -> None:
        self._make = make
        self._fill = fill
        self._plans: dict[Structure, P] = {}

    def get(self, shape: Structure) -> P:
        plan = self._plans.get(shape)
        if plan is not None:
            return plan
        with _PLAN_LOCK:
            plan = self._plans.get(shape)
            if plan is not None:
                return plan
            building = _pending.get((id(self), id(shape)))
            if building is not None:
                return building[2]  # type: ignore[no-any-return]
            outermost = not _pending
            plan = self._make()
            _pending[id(self), id(shape)] = (self, shape, plan)
            try:
                self._fill(shape, plan)
            except BaseException:
                if outermost:
                    _pending.clear()
                raise
            if outermost:
                for cache_, structure_, built in _pending.values():
                    cache_._plans[structure_] = built
                _pending.clear()
            return plan


_SCALARS = {name: Scalar(kind) for name, kind in SCALAR_KINDS.items()}


Row = tuple[str, str, str, str]
Rows = dict[str, tuple[Row, ...]]


def _shape(
    type_name: str, version: str, tables: Rows, memo: dict[str, Structure],
    bounds: tuple[int, int] | None = None,
) -> Shape:
    if type_name in _SCALARS:
        return _SCALARS[type_name] if bounds is None else Scalar(SCALAR_KINDS[type_name], bounds)
    if type_name.startswith("["):
        inner, _, item = type_name[1:-1].partition(":")
        return ListShape(_shape(inner, version, tables, memo), item or "item")
    if tables is STRUCTURES:
        return structure(type_name, version)
    return compile_structure(type_name, tables, version, _memo=memo)


def compile_structure(
    name: str,
    tables: Rows,
    version: str = CURRENT_VERSION,
    *,
    _memo: dict[str, Structure] | None = None,
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
    required: tuple[str, ...] = ()
    if tables is STRUCTURES:
        rows = _rows_at(name, rows, version)
        required = REQUIRED.get(name, ())
    members = tuple(
        Member(n, _shape(t, version, tables, memo, BOUNDS.get((name, n))), q, x, n in required)
        for n, t, q, x in rows
    )
    object.__setattr__(result, "members", members)
    for member in members:
        result.by_name[member.name] = member
        result.by_query[member.query] = member
        result.by_xml[member.xml] = member
    return result


def _rows_at(name: str, rows: tuple[Row, ...], version: str) -> tuple[Row, ...]:
    """The rows of structure ``name`` that API ``version`` has (``SINCE`` and ``UNTIL``)."""
    rank = _RANK[version]
    since = SINCE.get(name, {})
    kept = tuple(row for row in rows if _RANK[since.get(row[0], VERSIONS[0])] <= rank)
    return kept + tuple(row for last, row in UNTIL.get(name, ()) if rank <= _RANK[last])


_RANK = {version: rank for rank, version in enumerate(VERSIONS)}


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
        return structure(self.input_name, self._at(version))

    def output(self, version: str = CURRENT_VERSION) -> Structure:
        return structure(self.output_name, self._at(version))

    @property
    def versions(self) -> tuple[str, ...]:
        """The API versions that have this operation, oldest first."""
        since = _RANK[OPERATION_SINCE.get(self.name, VERSIONS[0])]
        return VERSIONS[since:]

    def _at(self, version: str) -> str:
        """``version``, if the model knows it and it has this operation (``OPERATION_SINCE``);
        otherwise EC2's ``NoSuchVersion`` or ``InvalidAction`` (inferred: the action is
        unknown to that version's web service)."""
        checked = check_version(version)
        since = OPERATION_SINCE.get(self.name)
        if since is not None and _RANK[checked] < _RANK[since]:
            raise invalid_action(self.name)
        return checked

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
        raise invalid_action(name) from None


def invalid_action(name: str) -> RequestError:
    """EC2's ``InvalidAction`` for an action its web service (at this version) lacks."""
    return RequestError("InvalidAction", f"The action {name} is not valid for this web service.")


def all_operations() -> tuple[Operation, ...]:
    """Every operation of the model, in table order."""
    return tuple(_BY_NAME[name] for name in OPERATIONS)


def check_version(version: str) -> str:
    """Return ``version`` if the model knows it; EC2's ``NoSuchVersion`` otherwise."""
    if isinstance(version, str) and version in _RANK:  # one hash, not a scan
        return version
    raise RequestError(
        "NoSuchVersion",
        f"The requested version ({version}) of service AmazonEC2 does not exist",
    )
