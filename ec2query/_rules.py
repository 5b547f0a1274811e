"""EC2's conditional rules for the security-group operations: the whole set, as one table.

Each row of :data:`RULES` is a :class:`Rule`: the operations it applies to,
the *scope* it judges (the request, the flat members, one rule/permission,
one source of a rule, ...), the *era* (``any``, ``vpc``, ``classic`` or
``not-classic``, matched against ``validate(..., vpc=)``), a small test, and
the code and message EC2 answers. The rows are in the order EC2 reports
them within a scope; :data:`STAGES` gives the order of the scopes. The
engine in :mod:`ec2query._validate` only walks items and calls tests; no rule
lives anywhere else.

A test returns ``None`` when the item passes, otherwise the fields of the
message (``{}`` when it has none) or a list of them (one per problem).
``evidence`` says where the code and text come from: ``REAL`` (quoted from a
live EC2 response; E-numbers are in ``../shared/reference/ec2-behaviour.md``,
research rows in ``docs/validate.md``), ``DOC`` (AWS documentation or the
botocore model), ``EMU`` (an EC2-compatible implementation's text), or
``inferred`` (our extrapolation, with the reason).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any, NamedTuple

from ._grammar import (
    DESCRIPTION,
    FILTER_NAMES,
    FILTER_VALUE_MAX,
    GROUP_ID,
    GROUP_NAME_VPC,
    ICMP_MAX,
    PORT_MAX,
    RULE_ID,
    SHOWN_MAX,
    TAG_LIMIT,
    TAGGABLE,
    VPC_ID,
    canonical_ports,
    shown,
)
from ._limits import NOT_XML
from ._model import (
    CURRENT_VERSION,
    FLAT_RULE_MEMBERS,
    Kind,
    all_operations,
    operation,
)

__all__ = ["RULES", "STAGES", "Context", "Permission", "Rule", "Source"]

Fields = dict[str, Any]
Verdict = Fields | list[Fields] | None

# --------------------------------------------------------------------------- what the tests see


@dataclass(slots=True)
class Permission:
    """One rule of the request: an ``IpPermissions`` entry, or the flat members folded into one."""

    data: Mapping[str, Any]
    flat: bool
    protocol: Any  # as given (None when absent)
    canonical: str | None  # tcp / udp / icmp / icmpv6 / -1 / "50"; None if absent or unknown
    kind: str  # tcpudp / icmp / icmpv6 / all / other; "" if protocol absent or unknown
    full_access: bool  # flat source group without protocol: "grants full ICMP, UDP, and TCP access"
    sources: list[Source] = field(default_factory=list)


@dataclass(slots=True)
class Source:
    """One source of a rule: a group pair, an IPv4 or IPv6 range, or a prefix list."""

    kind: str  # pair / ipv4 / ipv6 / prefix
    data: Mapping[str, Any]
    value: Any  # the CIDR, prefix list id or group id/name as given
    canonical: str | None  # the form duplicates are judged by; None when malformed


@dataclass(slots=True)
class Context:
    """The request being judged and what the engine derived from it once."""

    op: str
    vpc: bool | None
    params: Mapping[str, Any]
    flat: dict[str, Any] = field(default_factory=dict)
    permissions: list[Permission] = field(default_factory=list)
    shape: tuple[list[Fields], list[Fields], list[Fields]] | None = None


class Rule(NamedTuple):
    """One row: which requests, what is tested, what EC2 answers, and how we know."""

    name: str
    scope: str
    ops: frozenset[str]
    era: str
    test: Callable[[Any, Context], Verdict]
    code: str
    message: str
    evidence: str
    gate: bool = False  # when it fails, nothing further is judged (EC2 parses before it validates)
    #: For "permission" and "source" rows: the kinds of rule or source judged (None: all).
    kinds: frozenset[str] | None = None


# --------------------------------------------------------------------------- operation groups

#: The operations that name rules by value, per direction (the rule-description updates
#: name the rules whose descriptions they set, as a revoke names what it removes).
INGRESS = frozenset({"AuthorizeSecurityGroupIngress", "RevokeSecurityGroupIngress",
                     "UpdateSecurityGroupRuleDescriptionsIngress"})
EGRESS = frozenset({"AuthorizeSecurityGroupEgress", "RevokeSecurityGroupEgress",
                    "UpdateSecurityGroupRuleDescriptionsEgress"})
RULE_OPS = INGRESS | EGRESS
#: The egress description update names its group by id or, in the default VPC, by name.
UPDATE_EGRESS = frozenset({"UpdateSecurityGroupRuleDescriptionsEgress"})
REVOKE = frozenset({"RevokeSecurityGroupIngress", "RevokeSecurityGroupEgress"})
CREATE = frozenset({"CreateSecurityGroup"})
DESCRIBE = frozenset({"DescribeSecurityGroups"})
DESCRIBE_RULES = frozenset({"DescribeSecurityGroupRules"})
MODIFY = frozenset({"ModifySecurityGroupRules"})
DELETE = frozenset({"DeleteSecurityGroup"})
TAGGING = frozenset(TAGGABLE)
#: The tag operations: the two that write tags, and DescribeTags.
WRITE_TAGS = frozenset({"CreateTags", "DeleteTags"})
DESCRIBE_TAGS = frozenset({"DescribeTags"})
#: The two operations that report references across VPCs (docs/backend.md: none are stale).
REFERENCES = frozenset({"DescribeSecurityGroupReferences"})
STALE = frozenset({"DescribeStaleSecurityGroups"})
ALL_OPS = (
    RULE_OPS | CREATE | DESCRIBE | DELETE | DESCRIBE_RULES | MODIFY | WRITE_TAGS | DESCRIBE_TAGS
    | REFERENCES | STALE
)
#: The operations with ``MaxResults``, each with the model's bounds (5..1000; the API
#: reference's DescribeTags "between 5 and 1000"; DescribeStaleSecurityGroups 5..255).
PAGED = DESCRIBE | DESCRIBE_RULES | DESCRIBE_TAGS | STALE
#: The operations whose input has members the model marks required.
REQUIRED_OPS = frozenset(
    op.name for op in all_operations() if any(op.input(v).required for v in op.versions)
)

# Kinds a permission or source row may be limited to (validate.py derives them).
TCP_UDP = frozenset({"tcpudp"})
ICMP = frozenset({"icmp"})
ICMPV6 = frozenset({"icmpv6"})
ICMP_ANY = ICMP | ICMPV6
PAIR = frozenset({"pair"})
CIDR = frozenset({"ipv4", "ipv6"})
PREFIX = frozenset({"prefix"})
#: Every kind of rule (tcpudp/icmp/icmpv6/all/other, "" when the protocol is absent or
#: unknown) and of source, for the engine's per-kind tables.
PERMISSION_KINDS = ("tcpudp", "icmp", "icmpv6", "all", "other", "")
SOURCE_KINDS = ("pair", "ipv4", "ipv6", "prefix")

#: The order in which scopes are judged; within a scope, the order of RULES.
STAGES: tuple[str, ...] = (
    "request",  # params as a whole
    "rule-id",  # each SecurityGroupRuleIds entry
    "flat",  # the legacy flat members together (ingress operations)
    "permission",  # each rule: IpPermissions.N, then the flat rule
    "source",  # each source of that rule (judged right after its rule)
    "request-after",  # the request again, once every rule is known
    "group-id",  # each DescribeSecurityGroups GroupIds entry
    "filter",  # each DescribeSecurityGroups Filters entry
    "tag-spec",  # each TagSpecifications entry
    "tag",  # each Tags entry of CreateTags and DeleteTags, and of each TagSpecifications entry
    "tag-set",  # the tags of the request's TagSpecifications together
    "request-last",  # the request's text, once nothing else is wrong with it
)

OK: None = None
NO_FIELDS: Fields = {}

# ------------------------------------------------------------------ the request's shape (model)
#
# One walk over the request and the model's input structure, compiled once into nested
# dicts. It allocates nothing for a request whose members and types are right: a fault is
# returned with only its own member's name, and each caller on the way back up puts its own
# Query name in front, so that a path is formatted only for a request that has a fault.


class _ListOf(tuple):  # type: ignore[type-arg]
    """A list in a compiled spec: ``_ListOf((element_spec, element_kind))``."""


#: The one type table: the Python type of each scalar kind (a bool is not an Integer).
_PYTHON_TYPES = {Kind.STRING: str, Kind.INTEGER: int, Kind.BOOLEAN: bool}


@cache
def _request_spec(op_name: str) -> dict[str, Any]:
    """The model's input structure compiled to nested dicts (the members of every API
    version that has the operation): member -> (Query name, spec, Kind); a scalar's spec is
    its Python type."""
    op = operation(op_name)
    spec: dict[str, Any] = {}
    for version in op.versions:
        spec.update(_spec(op.input(version)))
    return spec


def _spec(shape: Any) -> Any:
    if shape.kind is Kind.LIST:
        return _ListOf((_spec(shape.member), shape.member.kind))
    if shape.kind is Kind.STRUCTURE:
        return {m.name: (m.query, _spec(m.shape), m.shape.kind) for m in shape.members}
    return _PYTHON_TYPES[shape.kind]


class _Fault:
    """One fault of the request's shape or text: an unknown member (``name`` is its key), a
    value of the wrong kind (``expected``), or text holding a character XML cannot carry
    (``char``, as U+XXXX); ``path`` holds the Query names to it, innermost first, joined
    only when the message is made."""

    __slots__ = ("char", "expected", "name", "path", "value")

    def __init__(self, name: str | None, value: str = "", expected: str = "",
                 char: str = "") -> None:
        self.name = name
        self.path: list[str] = []
        self.value = value
        self.expected = expected
        self.char = char


def _text_fault(text: str) -> list[_Fault] | None:
    """A fault for text XML cannot carry; printable text is XML text, searched no further."""
    if text.isprintable():
        return None
    bad = NOT_XML.search(text)
    return None if bad is None else [_Fault(None, char=f"U+{ord(bad.group()):04X}")]


def _faults(value: Any, spec: Any, kind: Kind) -> list[_Fault] | None:
    """The faults of ``value`` against ``spec`` (of ``kind``), in request order; None if none.
    The one walk of the request: its members, its values' kinds and its text."""
    if type(spec) is type:
        if type(value) is spec:
            return _text_fault(value) if type(value) is str else None
        shown_value = value if spec is not str and type(value) in (int, str) else type(value)
        text = shown(shown_value) if type(shown_value) is not type else shown_value.__name__
        return [_Fault(None, text[:SHOWN_MAX], kind.value.title())]
    found: list[_Fault] | None = None
    if type(spec) is dict:
        if type(value) is not dict and not isinstance(value, Mapping):
            return [_Fault(None, type(value).__name__, "Structure")]
        get = spec.get
        for key, item in value.items():
            entry = get(key)
            if entry is None:
                found = found or []
                found.append(_Fault(key))
                continue
            if type(item) is not entry[1]:
                inner = _faults(item, entry[1], entry[2])
            elif entry[1] is str:  # a string of the right type: only its text is judged
                inner = _text_fault(item)
            else:  # a number or a flag of the right type stops here, uncalled
                continue
            if inner:
                for fault in inner:
                    fault.path.append(entry[0])
                found = inner if found is None else found + inner
        return found
    if type(value) is not list and not isinstance(value, (list, tuple)):
        return [_Fault(None, type(value).__name__, "List")]
    element, element_kind = spec
    for index, item in enumerate(value, 1):
        if type(item) is not element:
            inner = _faults(item, element, element_kind)
        elif element is str:
            inner = _text_fault(item)
        else:
            continue
        if inner:
            for fault in inner:
                fault.path.append(str(index))
            found = inner if found is None else found + inner
    return found


def _shape(ctx: Context) -> tuple[list[Fields], list[Fields], list[Fields]]:
    """Unknown members, wrongly typed values and text XML cannot carry, found once per
    request by one walk."""
    if ctx.shape is None:
        unknown: list[Fields] = []
        wrong: list[Fields] = []
        not_xml: list[Fields] = []
        for fault in _faults(ctx.params, _request_spec(ctx.op), Kind.STRUCTURE) or ():
            name = ".".join(reversed(fault.path)) or "params"
            if fault.name is not None:
                unknown.append({"name": fault.name})
            elif fault.char:
                not_xml.append({"name": name, "char": fault.char})
            else:
                wrong.append({"name": name, "value": fault.value, "expected": fault.expected})
        ctx.shape = (unknown, wrong, not_xml)
    return ctx.shape


def _characters_not_xml(params: Any, ctx: Context) -> Verdict:
    return _shape(ctx)[2] or None


def _unknown_members(params: Any, ctx: Context) -> Verdict:
    return _shape(ctx)[0] or None


def _wrong_types(params: Any, ctx: Context) -> Verdict:
    return _shape(ctx)[1] or None


# --------------------------------------------------------------------------- request tests

def _egress_flat_member(params: Mapping[str, Any], ctx: Context) -> Verdict:
    return [{"name": key} for key in FLAT_RULE_MEMBERS if key in params] or None


def _group_id_malformed(params: Mapping[str, Any], ctx: Context) -> Verdict:
    value = params.get("GroupId")
    return None if value is None or GROUP_ID.fullmatch(value) else {"value": value}


def _vpc_id_malformed(params: Mapping[str, Any], ctx: Context) -> Verdict:
    value = params.get("VpcId")
    if value is None or (value == "" and ctx.op == "CreateSecurityGroup"):
        return None  # CreateSecurityGroup without a VPC (or an empty one) is in the default VPC
    return None if VPC_ID.fullmatch(value) else {"value": value}


def _no_target_group(params: Mapping[str, Any], ctx: Context) -> Verdict:
    return None if "GroupId" in params or "GroupName" in params else NO_FIELDS


def _name_without_default_vpc(params: Mapping[str, Any], ctx: Context) -> Verdict:
    return NO_FIELDS if "GroupName" in params and "GroupId" not in params else None


def _always(item: Any, ctx: Context) -> Verdict:
    return NO_FIELDS


@cache
def _required(op_name: str) -> tuple[tuple[str, str], ...]:
    """The members the model marks required in an operation's input (``Member.required``), in
    the order EC2 reports them, with the name EC2's message gives each (its XML name:
    ``groupId`` of the egress operations, ``GroupDescription`` of CreateSecurityGroup)."""
    shape = operation(op_name).input(CURRENT_VERSION)
    return tuple((name, shape.by_name[name].xml) for name in shape.required)


def _required_members(params: Mapping[str, Any], ctx: Context) -> Verdict:
    return [{"name": xml} for name, xml in _required(ctx.op) if name not in params] or None


def _name_is_group_id(params: Mapping[str, Any], ctx: Context) -> Verdict:
    name = params.get("GroupName")
    return {"value": name} if name is not None and name.startswith("sg-") else None


def _not_ascii(member: str) -> Callable[[Mapping[str, Any], Context], Verdict]:
    def test(params: Mapping[str, Any], ctx: Context) -> Verdict:
        value = params.get(member)
        return {"value": value} if value is not None and not value.isascii() else None

    return test


def _name_chars(params: Mapping[str, Any], ctx: Context) -> Verdict:
    name = params.get("GroupName")
    if name is None or not name.isascii() or name.startswith("sg-"):
        return None
    return None if GROUP_NAME_VPC.fullmatch(name) else {"value": name}


def _group_description_chars(params: Mapping[str, Any], ctx: Context) -> Verdict:
    text = params.get("Description")
    if text is None or not text.isascii():
        return None
    return None if DESCRIPTION.fullmatch(text) else {"value": text}


#: ``MaxResults``' inclusive range, from the model (``Scalar.bounds``: botocore's min and max).
MAX_RESULTS: tuple[int, int] = (
    operation("DescribeSecurityGroups").input().by_name["MaxResults"].shape.bounds  # type: ignore[union-attr,assignment]
)


def max_results_bounds(op: str) -> tuple[int, int]:
    """The inclusive bounds of operation ``op``'s ``MaxResults``: the model's ``BOUNDS``, else
    DescribeSecurityGroups' (DescribeTags: botocore has none, the API reference 5..1000)."""
    bounds = operation(op).input().by_name["MaxResults"].shape.bounds  # type: ignore[union-attr]
    return bounds or MAX_RESULTS


def _max_results_outside(side: int) -> Callable[[Any, Context], Verdict]:
    """The test of one bound of ``MaxResults`` (``side`` 0: below the low one, 1: above the
    high one), looked up in the model only when the request has a ``MaxResults``."""
    def test(params: Mapping[str, Any], ctx: Context) -> Verdict:
        value = params.get("MaxResults")
        if value is None:
            return None
        bound = max_results_bounds(ctx.op)[side]
        outside = value < bound if side == 0 else value > bound
        return {"value": value, "bound": bound} if outside else None
    return test


_max_results_low, _max_results_high = _max_results_outside(0), _max_results_outside(1)


def _max_results_with_ids(params: Mapping[str, Any], ctx: Context) -> Verdict:
    return NO_FIELDS if params.get("GroupIds") and "MaxResults" in params else None


# --------------------------------------------------------------------------- flat-form tests


def _flat_cidr_with_group(flat: Mapping[str, Any], ctx: Context) -> Verdict:
    if "CidrIp" not in flat:
        return None
    return [
        {"other": other}
        for key, other in (
            ("SourceSecurityGroupName", "sourceSecurityGroupName"),
            ("SourceSecurityGroupOwnerId", "sourceSecurityGroupOwnerId"),
        )
        if key in flat
    ] or None


def _flat_source_name_with_ports(flat: Mapping[str, Any], ctx: Context) -> Verdict:
    if "SourceSecurityGroupName" not in flat:
        return None
    return [
        {"param": param}
        for key, param in (
            ("IpProtocol", "ipProtocol"),
            ("FromPort", "fromPort"),
            ("ToPort", "toPort"),
        )
        if key in flat
    ] or None


def _flat_without_source(flat: Mapping[str, Any], ctx: Context) -> Verdict:
    sourced = (
        "CidrIp" in flat
        or "SourceSecurityGroupName" in flat
        or "SourceSecurityGroupOwnerId" in flat
    )
    return None if sourced else NO_FIELDS


# --------------------------------------------------------------------------- permission tests


def _protocol_missing(p: Permission, ctx: Context) -> Verdict:
    # A flat source group without a protocol granted full access on EC2-Classic; a VPC
    # group must name its protocol even then (E10's "VPC security group rules ...").
    return NO_FIELDS if p.protocol is None and (not p.full_access or ctx.vpc) else None


def _protocol_unknown(p: Permission, ctx: Context) -> Verdict:
    return {"value": p.protocol} if p.protocol is not None and p.canonical is None else None


def _protocol_not_classic(p: Permission, ctx: Context) -> Verdict:
    if p.canonical is None or p.canonical in ("tcp", "udp", "icmp"):
        return None
    return {"value": p.protocol}


def _ports_missing(both_or_none: bool = False) -> Callable[[Permission, Context], Verdict]:
    def test(p: Permission, ctx: Context) -> Verdict:
        present = ("FromPort" in p.data) + ("ToPort" in p.data)
        return NO_FIELDS if present == 1 or (present == 0 and not both_or_none) else None

    return test


def _tcp_udp_port_range(p: Permission, ctx: Context) -> Verdict:
    if p.flat:
        return None
    return [
        {"value": p.data[key]}
        for key in ("FromPort", "ToPort")
        if key in p.data and not 0 <= p.data[key] <= PORT_MAX
    ] or None


def _tcp_udp_port_range_flat(p: Permission, ctx: Context) -> Verdict:
    if not p.flat:
        return None
    return [
        {"end": end, "value": p.data[key]}
        for key, end in (("FromPort", "from"), ("ToPort", "to"))
        if key in p.data and not 0 <= p.data[key] <= PORT_MAX
    ] or None


def _tcp_udp_port_order(p: Permission, ctx: Context) -> Verdict:
    if "FromPort" not in p.data or "ToPort" not in p.data:
        return None
    start, end = p.data["FromPort"], p.data["ToPort"]
    return (
        {"start": start, "end": end}
        if 0 <= start <= PORT_MAX and 0 <= end <= PORT_MAX and start > end
        else None
    )


_ICMP_LABEL = {"icmp": "ICMP", "icmpv6": "ICMPv6"}


def _icmp_range(key: str) -> Callable[[Permission, Context], Verdict]:
    def test(p: Permission, ctx: Context) -> Verdict:
        if key not in p.data:
            return None
        value = p.data[key]
        return None if -1 <= value <= ICMP_MAX else {"icmp": _ICMP_LABEL[p.kind], "value": value}

    return test


def _icmp_all_types_all_codes(p: Permission, ctx: Context) -> Verdict:
    if p.data.get("FromPort") != -1 or "ToPort" not in p.data:
        return None
    code = p.data["ToPort"]
    return {"icmp": _ICMP_LABEL[p.kind], "value": code} if 0 <= code <= ICMP_MAX else None


# --------------------------------------------------------------------------- source tests


def _pair_without_group(s: Source, ctx: Context) -> Verdict:
    if "GroupId" in s.data or "GroupName" in s.data:
        return None
    return NO_FIELDS


def _pair_group_id_malformed(s: Source, ctx: Context) -> Verdict:
    if "GroupId" not in s.data:
        return None
    value = s.data["GroupId"]
    return None if GROUP_ID.fullmatch(value) else {"value": value}


def _source_malformed(s: Source, ctx: Context) -> Verdict:
    # An IpRange without CidrIp (a prefix list entry without PrefixListId) has no value:
    # it is malformed as "None", the text the embedded backend has always answered.
    return None if s.canonical is not None else {"value": s.value}


def _rule_description(s: Source, ctx: Context) -> Verdict:
    text = s.data.get("Description")
    return None if text is None or DESCRIPTION.fullmatch(text) else {"value": text}


# --------------------------------------------------------------------------- whole-request tests


def _duplicate_permission(params: Any, ctx: Context) -> Verdict:
    seen: set[tuple[Any, ...]] = set()
    found: list[Fields] = []
    for p in ctx.permissions:
        if p.canonical is None and not p.full_access:
            continue
        # The backend's key: an ICMPv6 rule without type and code is its -1/-1 rule.
        ports = canonical_ports(p.canonical, p.data.get("FromPort"), p.data.get("ToPort"))
        for s in p.sources:
            if s.canonical is None:
                continue
            key = (p.canonical, ports, s.kind, s.canonical)
            if key in seen:
                found.append(NO_FIELDS)
            seen.add(key)
    return found or None


def _permission_without_source(params: Any, ctx: Context) -> Verdict:
    return [NO_FIELDS for p in ctx.permissions if not p.flat and not p.sources] or None


def _modified_rule_sources(count_ok: Callable[[int], bool]) -> Callable[[Any, Context], Verdict]:
    """A test of each rule a ModifySecurityGroupRules names: its number of sources."""
    def test(params: Any, ctx: Context) -> Verdict:
        return [NO_FIELDS for p in ctx.permissions if not count_ok(len(p.sources))] or None
    return test


# --------------------------------------------------------------------------- item tests


def _rule_id_malformed(value: Any, ctx: Context) -> Verdict:
    return None if RULE_ID.fullmatch(value) else {"value": value}


def _describe_id_malformed(value: Any, ctx: Context) -> Verdict:
    return None if GROUP_ID.fullmatch(value) else {"value": value}


#: Operation -> its filter names (botocore's Filters docs); ``tag:<key>`` is matched apart.
_FILTERS = {
    "DescribeSecurityGroups": FILTER_NAMES,
    "DescribeTags": frozenset({"key", "resource-id", "resource-type", "value"}),
}


def _filter_name(item: Mapping[str, Any], ctx: Context) -> Verdict:
    name = item.get("Name")
    if name in _FILTERS[ctx.op] or (
        name is not None and name.startswith("tag:") and len(name) > 4
    ):
        return None
    return {"name": "null" if name is None else name}


def _filter_value_length(item: Mapping[str, Any], ctx: Context) -> Verdict:
    return [NO_FIELDS for value in item.get("Values", ()) if len(value) > FILTER_VALUE_MAX] or None


def _tag_key_empty(item: Mapping[str, Any], ctx: Context) -> Verdict:
    return NO_FIELDS if not item.get("Key") and ctx.op == "CreateTags" else None


def _tag_key_reserved(item: Mapping[str, Any], ctx: Context) -> Verdict:
    key = item.get("Key")
    return {"value": key} if key is not None and key.lower().startswith("aws:") else None


def _tag_too_long(member: str, limit: int) -> Callable[[Any, Context], Verdict]:
    def test(item: Mapping[str, Any], ctx: Context) -> Verdict:
        value = item.get(member)
        return {"value": value} if value is not None and len(value) > limit else None
    return test


def _tag_resource_type_missing(item: Mapping[str, Any], ctx: Context) -> Verdict:
    return None if item.get("ResourceType") else NO_FIELDS


def _tag_resource_type_wrong(item: Mapping[str, Any], ctx: Context) -> Verdict:
    value = item.get("ResourceType")
    return {"value": value} if value and value != TAGGABLE[ctx.op] else None


def _spec_keys(params: Mapping[str, Any], ctx: Context) -> list[str]:
    """The tag keys the request's TagSpecifications give its new resource, in order (the
    "tag-spec" rows have seen to it that every entry names the operation's resource type)."""
    return [
        tag.get("Key", "")
        for spec in params.get("TagSpecifications") or ()
        for tag in spec.get("Tags") or ()
    ]


def _tag_key_twice(params: Mapping[str, Any], ctx: Context) -> Verdict:
    seen: set[str] = set()
    for key in _spec_keys(params, ctx):
        if key in seen:
            return {"value": key}
        seen.add(key)
    return None


def _too_many_tags(params: Mapping[str, Any], ctx: Context) -> Verdict:
    return NO_FIELDS if len(set(_spec_keys(params, ctx))) > TAG_LIMIT else None


# --------------------------------------------------------------------------- the table

_TEXT_SET = "a-zA-Z0-9. _-:/()#,@[]+=&;{{}}!$*"  # braces doubled: messages are format strings

# fmt: off
RULES: tuple[Rule, ...] = (
    # ---- request: shape first (EC2 parses before it validates)
    Rule("known-members", "request", ALL_OPS, "any", _unknown_members,
         "UnknownParameter",
         "The parameter {name} is not recognized",
         "REAL E12; research 4b, 8a (egress GroupName)",
         gate=True),
    Rule("member-types", "request", ALL_OPS, "any", _wrong_types,
         "InvalidParameterValue",
         "Value ({value}) for parameter {name} is invalid. Expected: '{expected}'.",
         "inferred: the Query codec's text; EC2's parse error was not found (research 3)",
         gate=True),
    Rule("egress-has-no-flat-form", "request", EGRESS, "any", _egress_flat_member,
         "UnknownParameter",
         "The parameter {name} is not recognized",
         "REAL research 8b (boto3#790): botocore's 'Not supported' members are refused"),
    # ---- request: the target group
    Rule("group-id-format", "request", RULE_OPS | DELETE, "any", _group_id_malformed,
         "InvalidGroupId.Malformed",
         "The security-group ID '{value}' is malformed",
         'REAL E31 (2023) and research 8e; older text: Invalid id: "x" (expecting "sg-...")'),
    Rule("group-id-or-name-required", "request", INGRESS | DELETE | UPDATE_EGRESS, "any",
         _no_target_group,
         "MissingParameter",
         "The request must contain the parameter groupName or groupId",
         "REAL research 5a (aws-cli#1503)"),
    Rule("required-members", "request", REQUIRED_OPS, "any", _required_members,
         "MissingParameter",
         "The request must contain the parameter {name}",
         "DOC: the members botocore marks required (the model's Member.required), named as EC2 "
         "names them: REAL template research 5d (egress groupId), research 10f "
         "(GroupDescription; moto identical), GroupName inferred"),
    Rule("group-name-only-in-default-vpc", "request", INGRESS | DELETE | UPDATE_EGRESS, "vpc",
         _name_without_default_vpc,
         "VPCIdNotSpecified",
         "No default VPC for this user. GroupName is only supported for EC2-Classic and default "
         "VPC.",
         "REAL research 8d; DOC: 'For security groups for a nondefault VPC, you must specify the "
         "ID'"),
    Rule("egress-only-for-vpc", "request", EGRESS, "classic", _always,
         "InvalidParameterValue",
         "Only Amazon VPC security groups may be used with this operation.",
         "REAL terraform#17832, streisand#676"),
    # ---- request: CreateSecurityGroup
    Rule("create-group-name-not-sg-", "request", CREATE, "any", _name_is_group_id,
         "InvalidParameterValue",
         "Value ({value}) for parameter GroupName is invalid. Group names may not be in the "
         "format sg-*.",
         "REAL research 10b (pulumi-awsx#328, #477)"),
    Rule("create-group-name-ascii", "request", CREATE, "any", _not_ascii("GroupName"),
         "InvalidParameterValue",
         "Value ({value}) for parameter GroupName is invalid. Character sets beyond ASCII are "
         "not supported.",
         "inferred from REAL research 10c (the description's text); EMU eucalyptus"),
    Rule("create-group-name-chars", "request", CREATE, "not-classic", _name_chars,
         "InvalidParameterValue",
         "Invalid security group name. Valid names are non-empty strings less than 256 "
         f"characters from the following set:  {_TEXT_SET}",
         "EMU eucalyptus (mirrors REAL research 10d); DOC: up to 255, same characters"),
    Rule("create-description-ascii", "request", CREATE, "any", _not_ascii("Description"),
         "InvalidParameterValue",
         "Value ({value}) for parameter GroupDescription is invalid. Character sets beyond ASCII "
         "are not supported.",
         "REAL research 10c (terraform-provider-aws#43854)"),
    Rule("create-description-chars", "request", CREATE, "not-classic", _group_description_chars,
         "InvalidParameterValue",
         "Invalid security group description. Valid descriptions are strings less than 256 "
         f"characters from the following set:  {_TEXT_SET}",
         "REAL research 10d; length over 255 inferred to give the same text"),
    Rule("vpc-id-format", "request", CREATE | STALE, "any", _vpc_id_malformed,
         "InvalidVpcId.Malformed",
         "The vpc ID {value} is malformed",
         "REAL ansible-collections/community.aws#1475 (2022, code and text as EC2 answered); "
         "the API reference's error list spells the code InvalidVpcID.Malformed"),
    # ---- request: DescribeSecurityGroups
    Rule("describe-max-results-min", "request", PAGED, "any", _max_results_low,
         "InvalidParameterValue",
         "Value ( {value} ) for parameter maxResults is invalid. Expecting a value greater than "
         "{bound}.",
         "REAL research 9c (aws-sdk-ruby#2575, DescribeInstances); DOC: between 5 and 1000 "
         "(DescribeStaleSecurityGroups: 5 and 255, its text inferred)"),
    Rule("describe-max-results-max", "request", PAGED, "any", _max_results_high,
         "InvalidParameterValue",
         "Value ( {value} ) for parameter maxResults is invalid. Expecting a value smaller than "
         "{bound}.",
         "EMU research 9c; DOC: between 5 and 1000 (DescribeStaleSecurityGroups: 5 and 255)"),
    Rule("describe-max-results-not-with-ids", "request", DESCRIBE, "any", _max_results_with_ids,
         "InvalidParameterCombination",
         "The parameter securityGroupIdSet cannot be used with the parameter maxResults",
         "REAL pattern research 9d (instancesSet, volumeSet); EMU for the securityGroupIdSet name"),
    # ---- each SecurityGroupRuleIds entry
    Rule("rule-id-format", "rule-id", REVOKE | DESCRIBE_RULES, "any", _rule_id_malformed,
         "InvalidSecurityGroupRuleId.Malformed",
         "The security-group-rule ID '{value}' is malformed",
         "inferred from REAL E31 (The security-group ID '...' is malformed)"),
    # ---- the flat (legacy) members of the ingress operations, together
    Rule("flat-cidr-xor-source-group", "flat", INGRESS, "any", _flat_cidr_with_group,
         "InvalidParameterCombination",
         "The parameter cidrIp cannot be used with the parameter {other}",
         "DOC 5.4 (CidrIp: 'You can't specify this parameter when specifying a source security "
         "group'); text from EC2's REAL InvalidParameterCombination template; research 6a found "
         "no EC2 quote"),
    Rule("flat-revoke-source-group-alone", "flat", REVOKE & INGRESS, "any",
         _flat_source_name_with_ports,
         "InvalidParameterCombination",
         "The parameter {param} cannot be used with the parameter sourceSecurityGroupName",
         "DOC 5.4 (Revoke SourceSecurityGroupName: not with protocol or ports); text from EC2's "
         "template"),
    Rule("flat-needs-source", "flat", INGRESS, "any", _flat_without_source,
         "MissingParameter",
         "Missing source specification: include source security group or CIDR information",
         "REAL research 5c (boto3#1078)"),
    # ---- each rule (IpPermissions.N, then the flat rule)
    Rule("protocol-required", "permission", RULE_OPS, "any", _protocol_missing,
         "InvalidParameterValue",
         "Invalid value 'null' for protocol. VPC security group rules must specify protocols "
         "explicitly.",
         "REAL E10 (nanovms/ops#735); also used for Classic, whose answer is unknown"),
    Rule("protocol-known", "permission", RULE_OPS, "any", _protocol_unknown,
         "InvalidParameterValue",
         "Invalid value '{value}' for IP protocol. Unknown protocol.",
         "REAL E9; DOC: names tcp, udp, icmp, icmpv6 (any case), numbers 0-255, -1"),
    Rule("classic-protocols", "permission", RULE_OPS, "classic", _protocol_not_classic,
         "InvalidPermission.Malformed",
         'Unsupported IP protocol "{value}"  - supported: [tcp, udp, icmp]',
         "REAL E11 (two spaces before '-')"),
    Rule("tcp-and-udp-need-ports", "permission", RULE_OPS, "any", _ports_missing(),
         "InvalidParameterValue",
         "Invalid value for portRange. Must specify both from and to ports with TCP/UDP.",
         "REAL E14/E15 (newer wording); DOC: 'If the protocol is TCP or UDP, you must also "
         "specify a port'",
         kinds=TCP_UDP),
    Rule("tcp-udp-port-range", "permission", RULE_OPS, "any", _tcp_udp_port_range,
         "InvalidPermission.Malformed",
         "TCP/UDP port ({value}) out of range",
         "REAL E16 (IpPermissions); range 0-65535",
         kinds=TCP_UDP),
    Rule("tcp-udp-port-range-flat", "permission", INGRESS, "any", _tcp_udp_port_range_flat,
         "InvalidParameterValue",
         "TCP/UDP ({end}) port ({value}) out of range",
         "REAL research 7b (aws-cli#1066, flat FromPort); '(to)' by symmetry",
         kinds=TCP_UDP),
    Rule("tcp-udp-from-not-above-to", "permission", RULE_OPS, "any", _tcp_udp_port_order,
         "InvalidParameterValue",
         "Invalid TCP/UDP port range.",
         "EMU openstack ec2-api; EC2's text not found (research 7a)",
         kinds=TCP_UDP),
    Rule("icmp-needs-type-and-code", "permission", RULE_OPS, "any", _ports_missing(),
         "InvalidParameterValue",
         "Invalid value for portRange. Must specify both from and to ports with ICMP.",
         "REAL E14/E15; DOC: 'If the protocol is ICMP or ICMPv6, you must also specify the "
         "ICMP/ICMPv6 type and code'",
         kinds=ICMP),
    Rule("icmpv6-type-and-code-together", "permission", RULE_OPS, "any",
         _ports_missing(both_or_none=True),
         "InvalidParameterValue",
         "Invalid value for portRange. Must specify both from and to ports with ICMPv6.",
         "inferred from E15; DOC: for icmpv6 the port range is optional",
         kinds=ICMPV6),
    Rule("icmp-type-range", "permission", RULE_OPS, "any", _icmp_range("FromPort"),
         "InvalidParameterValue",
         "{icmp} type ({value}) out of range",
         "inferred from REAL E21 (the code's text); range -1-255",
         kinds=ICMP_ANY),
    Rule("icmp-code-range", "permission", RULE_OPS, "any", _icmp_range("ToPort"),
         "InvalidParameterValue",
         "{icmp} code ({value}) out of range",
         "REAL E21 (terraform-aws-security-group#7); range -1-255",
         kinds=ICMP_ANY),
    Rule("icmp-all-types-means-all-codes", "permission", RULE_OPS, "any", _icmp_all_types_all_codes,
         "InvalidParameterValue",
         "{icmp} code ({value}) out of range",
         "DOC ToPort: 'If the start port is -1 (all ICMP types), then the end port must be -1'; "
         "text inferred from E21",
         kinds=ICMP_ANY),
    # ---- each source of a rule
    Rule("source-group-needs-id", "source", RULE_OPS, "any", _pair_without_group,
         "MissingParameter",
         "Source group ID missing.",
         "REAL research 5b (aws-sdk-js#417, terraform-provider-aws#38221)",
         kinds=PAIR),
    Rule("source-group-id-format", "source", RULE_OPS, "any", _pair_group_id_malformed,
         "InvalidGroupId.Malformed",
         "The security-group ID '{value}' is malformed",
         "REAL E31, as for the target group",
         kinds=PAIR),
    Rule("cidr-syntax", "source", RULE_OPS, "any", _source_malformed,
         "InvalidParameterValue",
         "CIDR block {value} is malformed",
         "REAL E17, E18 (CidrIp, value echoed verbatim); inferred for CidrIpv6 (research 7d)",
         kinds=CIDR),
    Rule("prefix-list-id-format", "source", RULE_OPS, "any", _source_malformed,
         "InvalidPrefixListId.Malformed",
         "The prefix-list ID '{value}' is malformed",
         "DOC D1 (code, form pl-xxxxxxxx); text inferred from E31",
         kinds=PREFIX),
    Rule("rule-description", "source", RULE_OPS, "any", _rule_description,
         "InvalidParameterValue",
         "Invalid rule description. Valid descriptions are strings less than 256 characters from "
         f"the following set:  {_TEXT_SET}",
         "REAL research 7e (two spaces after 'set:'); DOC: up to 255 characters"),
    # ---- the request again, with every rule known
    Rule("same-permission-twice", "request-after", RULE_OPS, "any", _duplicate_permission,
         "InvalidParameterValue",
         "The same permission must not appear multiple times",
         "REAL E19; duplicates judged on canonical CIDRs (DOC 5.4), protocols (6 = tcp) and "
         "ports (ICMPv6 without type and code = -1/-1)"),
    Rule("permission-needs-source", "request-after", RULE_OPS, "any", _permission_without_source,
         "MissingParameter",
         "Missing source specification: include source security group or CIDR information",
         "REAL research 5c (boto3#1078), as for the flat form; judged last, once every other "
         "rule passed, as the embedded backend did"),
    Rule("modify-rule-needs-source", "request-after", MODIFY, "any",
         _modified_rule_sources(lambda n: n > 0),
         "MissingParameter",
         "Either CidrIpv4, CidrIpv6, PrefixListId or ReferencedGroupId must be specified.",
         "inferred: DOC (SecurityGroupRuleRequest names one source of the four)"),
    Rule("modify-rule-one-source", "request-after", MODIFY, "any",
         _modified_rule_sources(lambda n: n < 2),
         "InvalidParameterCombination",
         "Only one of CidrIpv4, CidrIpv6, PrefixListId or ReferencedGroupId may be specified.",
         "inferred: DOC (SecurityGroupRuleRequest names one source of the four)"),
    # ---- DescribeSecurityGroups items
    Rule("describe-group-id-format", "group-id", DESCRIBE | REFERENCES, "any",
         _describe_id_malformed,
         "InvalidGroupId.Malformed",
         "The security-group ID '{value}' is malformed",
         "REAL E31 and research 8e (DeleteSecurityGroup); DescribeSecurityGroupReferences' "
         "GroupId.N inferred to be judged alike"),
    Rule("describe-filter-name", "filter", DESCRIBE | DESCRIBE_TAGS, "any", _filter_name,
         "InvalidParameterValue",
         "The filter '{name}' is invalid",
         "REAL research 9a (other Describe operations); names from botocore's Filters doc"),
    Rule("describe-filter-value-length", "filter", DESCRIBE | DESCRIBE_TAGS, "any",
         _filter_value_length,
         "FilterLimitExceeded",
         "The maximum length for a filter value is 255 characters",
         "REAL research 9b (DescribeInstances)"),
    # ---- TagSpecifications entries
    Rule("tag-resource-type-required", "tag-spec", TAGGING, "any", _tag_resource_type_missing,
         "InvalidParameterValue",
         "Tag specification resource type must have a value",
         "REAL rultor#1991 (RunInstances)"),
    Rule("tag-resource-type", "tag-spec", TAGGING, "any", _tag_resource_type_wrong,
         "InvalidParameterValue",
         "'{value}' is not a valid taggable resource type for this operation.",
         "REAL aws-cli#2865 (RunInstances); security-group-rule / security-group per operation"),
    # ---- Tags entries of CreateTags and DeleteTags, and of the TagSpecifications entries
    Rule("tag-key-required", "tag", WRITE_TAGS, "any", _tag_key_empty,
         "InvalidParameterValue",
         "Value ( '' ) for parameter Tag key is invalid. Tag key cannot be null or empty.",
         "REAL aws-cli#3283 (CreateTags); DeleteTags may name a value alone"),
    Rule("tag-key-reserved", "tag", WRITE_TAGS | TAGGING, "any", _tag_key_reserved,
         "InvalidParameterValue",
         "Value ( {value} ) for parameter key is invalid. Tag keys starting with 'aws:' are "
         "reserved for internal use",
         "REAL AWS-Automated-Daily-Instance-AMI-Snapshots#7 (CreateTags)"),
    Rule("tag-key-length", "tag", WRITE_TAGS | TAGGING, "any", _tag_too_long("Key", 128),
         "InvalidParameterValue",
         "Tag key exceeds the maximum length of 128 characters",
         "inferred: DOC (tag keys up to 128 characters); text by the value's below (openstack "
         "ec2-api and eucalyptus word both alike, with their 127 and 255)"),
    Rule("tag-value-length", "tag", WRITE_TAGS | TAGGING, "any", _tag_too_long("Value", 256),
         "InvalidParameterValue",
         "Tag value exceeds the maximum length of 256 characters",
         "REAL EC2's CreateFleet answer quoted in CloudSnorkel/cdk-github-runners "
         "(src/providers/ec2.ts) and in a MongoDB DSI/evergreen note; its code not shown"),
    # ---- the tags of the TagSpecifications together (the new resource's tags)
    Rule("tag-key-duplicate", "tag-set", TAGGING, "any", _tag_key_twice,
         "InvalidParameterValue",
         "Duplicate tag key '{value}' specified.",
         "REAL cloud-custodian#3792 (CreateSnapshot's TagSpecifications); inferred to hold "
         "across two entries of one resource type"),
    Rule("tag-limit", "tag-set", TAGGING, "any", _too_many_tags,
         "TagLimitExceeded",
         "The maximum number of Tags for a resource has been reached.",
         "DOC: 50 tags a resource; code and text moto's (moto#8150), CreateTags' too"),
    # ---- the request's text
    Rule("text-not-xml", "request-last", ALL_OPS, "any", _characters_not_xml,
         "InvalidParameterValue",
         "Invalid value for parameter {name}: character {char} is not allowed",
         "inferred: EC2 answers in XML, which cannot carry these characters (XML 1.0's Char); "
         "the code is EC2's for a value it refuses, the text ours"),
)
# fmt: on
