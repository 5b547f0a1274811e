"""Judge a request the way EC2 does, with EC2's own error codes and messages.

``validate(operation, params, vpc=None)`` raises the first
:class:`~ec2query._errors.RequestError` EC2 would report; ``problems(...)``
lists every one (as botocore's validator accumulates). The rules themselves
are the table in :mod:`ec2query._rules`; this module only walks the request
(nested ``IpPermissions`` and the legacy flat members alike) and applies
them. ``vpc``: ``True`` for a group in a VPC that is not the account's
default VPC, ``False`` for EC2-Classic, ``None`` when unknown (rules valid
for both apply; where they differ the VPC-era behaviour is preferred).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from ._codec.forms import normalize, rule_request_permission
from ._errors import RequestError
from ._grammar import (
    PREFIX_LIST_ID,
    canonical_cidr,
    canonical_ipv4,
    canonical_ipv6,
    canonical_protocol,
    shown,
)
from ._model import FLAT_RULE_MEMBERS, operation
from ._rules import (
    ALL_OPS,
    PERMISSION_KINDS,
    RULES,
    SOURCE_KINDS,
    STAGES,
    Context,
    Permission,
    Rule,
    Source,
)

__all__ = ["RULES", "canonical_cidr", "problems", "refusal", "rules_markdown", "validate"]

_ERAS = {
    None: ("any", "not-classic"),
    True: ("any", "vpc", "not-classic"),
    False: ("any", "classic"),
}
_FLAT = frozenset(FLAT_RULE_MEMBERS)
_KINDS = {"tcp": "tcpudp", "udp": "tcpudp", "icmp": "icmp", "icmpv6": "icmpv6", "-1": "all"}
_SOURCES = (
    ("UserIdGroupPairs", "pair"),
    ("IpRanges", "ipv4"),
    ("Ipv6Ranges", "ipv6"),
    ("PrefixListIds", "prefix"),
)


def validate(operation_name: str, params: Mapping[str, Any], *, vpc: bool | None = None) -> None:
    """Raise the first error EC2 would answer for this request; return ``None`` when it is valid."""
    found = _judge(operation_name, params, vpc, first=True)
    if found:
        try:
            raise found[0]
        finally:  # the list would hold the error, its traceback this frame: a cycle
            del found


def problems(
    operation_name: str, params: Mapping[str, Any], *, vpc: bool | None = None
) -> list[RequestError]:
    """Every problem of the request, in the order EC2 would report them; empty when valid."""
    return _judge(operation_name, params, vpc, first=False)


#: Operations whose rules are judged by another operation's permission and source rows:
#: a rule ModifySecurityGroupRules writes is judged as the rule an authorize would add
#: (inferred: EC2 documents no separate checks for it).
_PERMISSIONS_AS = {"ModifySecurityGroupRules": "AuthorizeSecurityGroupIngress"}
#: Operation -> the member holding the group ids the "group-id" rows judge, where it is not
#: ``GroupIds`` (DescribeSecurityGroupReferences' list is ``GroupId``, as botocore names it).
_GROUP_ID_LISTS = {"DescribeSecurityGroupReferences": "GroupId"}


@cache
def _table(op: str, vpc: bool | None) -> dict[Any, Any]:
    """The rows that apply to one operation and era, grouped by scope, and the permission
    and source rows also by the kind they judge (``"permission", kind``); computed once."""
    eras = _ERAS[vpc]
    rules_of = _PERMISSIONS_AS.get(op, op)
    table: dict[Any, Any] = {
        scope: tuple(
            r for r in RULES
            if r.scope == scope and r.era in eras
            and (rules_of if scope in ("permission", "source") else op) in r.ops
        )
        for scope in STAGES
    }
    for scope, kinds in (("permission", PERMISSION_KINDS), ("source", SOURCE_KINDS)):
        for kind in kinds:
            table[scope, kind] = tuple(
                r for r in table[scope] if r.kinds is None or kind in r.kinds
            )
    return table


def _judge(
    operation_name: str, params: Mapping[str, Any], vpc: bool | None, *, first: bool
) -> list[RequestError]:
    """The request's errors in EC2's order; with ``first``, stop at the first one found."""
    op = operation(operation_name).name
    table = _table(op, vpc)
    ctx = Context(op, vpc, params)
    out: list[RequestError] = []
    for rule in table["request"]:
        verdict = rule.test(params, ctx)
        if verdict is not None:
            _add(out, rule, verdict)
            if rule.gate or first:
                return out
    rules = table["rule-id"]
    if rules and _apply(rules, params.get("SecurityGroupRuleIds", ()), ctx, out, first):
        return out
    if table["permission"]:
        _collect(ctx)
        if ctx.flat and _apply(table["flat"], (ctx.flat,), ctx, out, first):
            return out
        for permission in ctx.permissions:
            if _apply(table["permission", permission.kind], (permission,), ctx, out, first):
                return out
            for source in permission.sources:
                if _apply(table["source", source.kind], (source,), ctx, out, first):
                    return out
    if _apply(table["request-after"], (params,), ctx, out, first):
        return out
    for scope, member in (
        ("group-id", _GROUP_ID_LISTS.get(ctx.op, "GroupIds")),
        ("filter", "Filters"),
        ("tag-spec", "TagSpecifications"),
    ):
        rules = table[scope]
        if rules and _apply(rules, params.get(member, ()), ctx, out, first):
            return out
    rules = table["tag"]
    if rules and _apply(rules, _tags(params), ctx, out, first):
        return out
    if _apply(table["tag-set"], (params,), ctx, out, first):
        return out
    _apply(table["request-last"], (params,), ctx, out, first)
    return out


def _tags(params: Mapping[str, Any]) -> list[Any]:
    """The tags a request names: its ``Tags``, then those of each ``TagSpecifications``."""
    tags = list(params.get("Tags", ()))
    for spec in params.get("TagSpecifications", ()):
        tags += spec.get("Tags", ()) if isinstance(spec, Mapping) else ()
    return tags


def _apply(
    rules: tuple[Rule, ...], items: Any, ctx: Context, out: list[RequestError], first: bool
) -> bool:
    """Judge each item by each rule, adding to ``out``; True when ``first`` and one failed."""
    for item in items:
        for rule in rules:
            verdict = rule.test(item, ctx)
            if verdict is not None:
                _add(out, rule, verdict)
                if first:
                    return True
    return False


def _add(out: list[RequestError], rule: Rule, verdict: Any) -> None:
    for fields in verdict if type(verdict) is list else (verdict,):
        out.append(_error(rule, fields))


def _error(rule: Rule, fields: Mapping[str, Any]) -> RequestError:
    # An integer is shown by its value, truncated: a port of 100,000 digits is out of range,
    # and str() of it would raise Python's int-to-str limit (ValueError) instead.
    if any(type(value) is int for value in fields.values()):
        fields = {k: shown(v) if type(v) is int else v for k, v in fields.items()}
    return RequestError(rule.code, rule.message.format(**fields))


_BY_NAME = {rule.name: rule for rule in RULES}


def refusal(rule_name: str, **fields: Any) -> RequestError:
    """The error rule ``rule_name`` answers, for a caller that judged the condition itself
    because it needs state the validator has not (the backend knows its groups are VPC
    groups): one text per refusal, the table's."""
    return _error(_BY_NAME[rule_name], fields)


def _collect(ctx: Context) -> None:
    """Build the rule views once: each ``IpPermissions`` entry, then the flat members folded."""
    params = ctx.params
    for data in params.get("IpPermissions", ()):
        ctx.permissions.append(_permission(data, flat=False, full=False))
    for update in params.get("SecurityGroupRules", ()):  # ModifySecurityGroupRules
        rule = update.get("SecurityGroupRule")
        if rule is not None:
            ctx.permissions.append(
                _permission(rule_request_permission(rule), flat=False, full=False))
    if "Ingress" in ctx.op and not _FLAT.isdisjoint(params):
        flat = {key: params[key] for key in FLAT_RULE_MEMBERS if key in params}
        if flat:
            ctx.flat = flat
            folded = normalize(ctx.op, flat)["IpPermissions"][0]
            full = (
                "IpProtocol" not in flat
                and "CidrIp" not in flat
                and ("SourceSecurityGroupName" in flat or "SourceSecurityGroupOwnerId" in flat)
            )
            ctx.permissions.append(_permission(folded, flat=True, full=full))


def _permission(data: Mapping[str, Any], *, flat: bool, full: bool) -> Permission:
    protocol = data.get("IpProtocol")
    canonical = canonical_protocol(protocol) if protocol is not None else None
    kind = "" if canonical is None else _KINDS.get(canonical, "other")
    permission = Permission(data, flat, protocol, canonical, kind, full)
    for key, kind_name in _SOURCES:
        for item in data.get(key, ()):
            permission.sources.append(_source(kind_name, item))
    return permission


def _source(kind: str, data: Mapping[str, Any]) -> Source:
    if kind == "ipv4":
        value = data.get("CidrIp")
        canonical = None if value is None else canonical_ipv4(value)
    elif kind == "ipv6":
        value = data.get("CidrIpv6")
        canonical = None if value is None else canonical_ipv6(value)
    elif kind == "prefix":
        value = data.get("PrefixListId")
        canonical = value if value is not None and PREFIX_LIST_ID.fullmatch(value) else None
    else:
        value = data.get("GroupId") or data.get("GroupName")
        canonical = None if value is None else f"{data.get('UserId', '')}/{value}"
    return Source(kind, data, value, canonical)


class _Shown(dict):  # type: ignore[type-arg]
    """Leaves ``{field}`` placeholders as they are when a message is shown as a template."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def rules_markdown() -> str:
    """The rule table as Markdown, for ``docs/validate.md`` and ``ec2query validate --rules``."""
    lines = [
        "| # | rule | applies to | era | code | message | evidence |",
        "|---|---|---|---|---|---|---|",
    ]
    for number, rule in enumerate(RULES, 1):
        ops = "every operation" if rule.ops == ALL_OPS else ", ".join(sorted(rule.ops))
        cells = [
            str(number),
            f"`{rule.name}` ({rule.scope})",
            ops,
            rule.era,
            f"`{rule.code}`",
            f"`{rule.message.format_map(_Shown())}`",
            rule.evidence,
        ]
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return "\n".join(lines) + "\n"
