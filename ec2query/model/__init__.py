"""The operation model: compiled once from the data in ``shapes`` and ``operations``.

``operation("RevokeSecurityGroupIngress")`` (or its CLI name) gives an
:class:`Operation`; ``op.input(version)`` and ``op.output(version)`` give
:class:`Structure` values whose members carry their Query and XML names.
Codecs walk these; nothing here is operation-specific code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Union

from ..errors import RequestError
from .operations import (
    CURRENT_VERSION,
    FLAT_RULE_MEMBERS,
    LEGACY_EXTRA,
    LEGACY_MEMBERS,
    LEGACY_VERSION,
    OPERATIONS,
    VERSIONS,
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
    "operation",
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


Shape = Union[Scalar, ListShape, Structure]

_SCALARS = {kind: Scalar(kind) for kind in ("string", "integer", "boolean")}


def _shape(type_name: str, version: str) -> Shape:
    if type_name in _SCALARS:
        return _SCALARS[type_name]
    if type_name.startswith("["):
        inner, _, item = type_name[1:-1].partition(":")
        return ListShape(_shape(inner, version), item or "item")
    return structure(type_name, version)


@lru_cache(maxsize=None)
def structure(name: str, version: str = CURRENT_VERSION) -> Structure:
    """The structure ``name`` as API ``version`` defines it."""
    rows = STRUCTURES[name]
    if version == LEGACY_VERSION:
        keep = LEGACY_MEMBERS.get(name)
        if keep is not None:
            rows = tuple(row for row in rows if row[0] in keep)
        rows = rows + LEGACY_EXTRA.get(name, ())
    members = tuple(Member(n, _shape(t, version), q, x) for n, t, q, x in rows)
    return Structure(
        name,
        members,
        {m.name: m for m in members},
        {m.query: m for m in members},
        {m.xml: m for m in members},
    )


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
