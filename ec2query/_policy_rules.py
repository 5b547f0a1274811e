"""The guardrail rule types as one table: parameters, condition, evidence.

Like ``_rules.py`` for EC2's own rules (h11's ``_state.py`` tables): each
policy rule type is a row naming its parameters (with their readers and
defaults), the check that finds what breaks it, and the evidence for what it
means (AWS Config's managed rule of the same name, where there is one).
``_policy.py`` loads a policy file into these and runs them; the checks here
see only canonical permissions (:class:`Permission`), never request text.

A check yields ``(permission index, source, text)`` findings: the index of the
permission in the request's canonical ``IpPermissions`` (``None`` for a
finding about the whole request), the offending source (a CIDR, a group, a
prefix list; ``None`` when the permission as a whole breaks the rule) and the
default message.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from ._codec.forms import rule_request_permission
from ._grammar import PORT_MAX, canonical_cidr, canonical_protocol

__all__ = [
    "ACCESS",
    "COUNT",
    "DESCRIPTION",
    "RULE_TYPES",
    "Change",
    "Finding",
    "Permission",
    "RuleType",
    "Source",
    "current_permission",
    "permissions_of",
]

#: AWS Config's ``restricted-common-ports`` defaults, blockedPort1..5 (20 FTP data,
#: 21 FTP control, 3389 RDP, 3306 MySQL, 4333): the rule's documentation,
#: https://docs.aws.amazon.com/config/latest/developerguide/restricted-common-ports.html
COMMON_PORTS_DEFAULT = (20, 21, 3389, 3306, 4333)
SSH_PORT = 22
_ALL = "-1"
_PORTED = frozenset({"tcp", "udp"})


@dataclass(frozen=True)
class Source:
    """One source (ingress) or destination (egress) of a permission, canonical."""

    kind: str  # "cidr4" | "cidr6" | "group" | "prefix-list"
    value: str  # the canonical CIDR, the group id or name, the prefix list id
    member: str  # the request's member: IpRanges, Ipv6Ranges, UserIdGroupPairs, PrefixListIds
    entry: Mapping[str, Any]  # the entry as the canonical params hold it
    description: str | None


@dataclass(frozen=True)
class Permission:
    """One canonical ``IpPermissions`` entry: protocol, port range, sources."""

    protocol: str  # canonical: "tcp", "udp", "icmp", "icmpv6", "-1", "50", ...
    from_port: int | None
    to_port: int | None
    sources: tuple[Source, ...]

    @property
    def ports(self) -> tuple[int, int] | None:
        """The TCP/UDP port range opened, ``(0, 65535)`` for every protocol (``-1``);
        ``None`` for protocols without ports (ICMP's type and code are not ports)."""
        if self.protocol == _ALL:
            return (0, PORT_MAX)
        if self.protocol not in _PORTED:
            return None
        low = self.from_port if self.from_port is not None and self.from_port >= 0 else 0
        high = self.to_port if self.to_port is not None and self.to_port >= 0 else PORT_MAX
        return (low, high)

    def opens(self, protocol: str, port: int) -> bool:
        """Whether this permission lets ``protocol`` (tcp or udp) traffic reach ``port``."""
        if self.protocol not in (_ALL, protocol):
            return False
        ports = self.ports
        return ports is not None and ports[0] <= port <= ports[1]

    def within(self, other: Permission) -> bool:
        """Whether every packet this one-source permission lets through, ``other`` (one
        source too) lets through already: the source is the same or inside ``other``'s,
        the protocol is ``other``'s (or ``other``'s is ``-1``), and so are the ports (a
        TCP/UDP range inside ``other``'s; ICMP's type and code equal or ``-1`` there)."""
        if len(self.sources) != 1 or len(other.sources) != 1:
            return False
        if not _source_within(self.sources[0], other.sources[0]):
            return False
        if other.protocol == _ALL:
            return True
        if self.protocol != other.protocol:
            return False
        mine, theirs = self.ports, other.ports
        if mine is not None and theirs is not None:
            return theirs[0] <= mine[0] and mine[1] <= theirs[1]
        return all(outer in (None, -1, inner) for inner, outer in
                   ((self.from_port, other.from_port), (self.to_port, other.to_port)))

    def as_params(self, source: Source | None = None) -> dict[str, Any]:
        """The permission as canonical params, with only ``source`` when one is given."""
        result: dict[str, Any] = {"IpProtocol": self.protocol}
        if self.from_port is not None:
            result["FromPort"] = self.from_port
        if self.to_port is not None:
            result["ToPort"] = self.to_port
        for item in (source,) if source is not None else self.sources:
            result.setdefault(item.member, []).append(dict(item.entry))
        return result


#: A DescribeSecurityGroupRules source member -> the SecurityGroupRuleRequest member it is.
_DESCRIBED_SOURCES = (("CidrIpv4", "CidrIpv4"), ("CidrIpv6", "CidrIpv6"),
                      ("PrefixListId", "PrefixListId"))


def current_permission(rule: Mapping[str, Any]) -> Permission:
    """A rule as DescribeSecurityGroupRules describes it, as the one-source permission it is."""
    request = {key: rule[key] for key in ("IpProtocol", "FromPort", "ToPort", "Description")
               if rule.get(key) is not None}
    for member, key in _DESCRIBED_SOURCES:
        if rule.get(member):
            request[key] = rule[member]
    group = (rule.get("ReferencedGroupInfo") or {}).get("GroupId")
    if group:
        request["ReferencedGroupId"] = group
    return permissions_of({"IpPermissions": [rule_request_permission(request)]})[0]


def _source_within(inner: Source, outer: Source) -> bool:
    """Whether ``inner`` is ``outer`` or, for CIDRs of one family, a subnet of it."""
    if inner.kind != outer.kind:
        return False
    if inner.kind not in ("cidr4", "cidr6"):
        return inner.value == outer.value
    try:
        return ipaddress.ip_network(inner.value).subnet_of(ipaddress.ip_network(outer.value))  # type: ignore[arg-type]
    except ValueError:
        return False


def permissions_of(canonical: Mapping[str, Any]) -> list[Permission]:
    """The ``IpPermissions`` of normalized, validated params as :class:`Permission` values."""
    found = []
    for entry in canonical.get("IpPermissions") or ():
        protocol = canonical_protocol(str(entry.get("IpProtocol", _ALL))) or _ALL
        sources: list[Source] = []
        for item in entry.get("IpRanges") or ():
            sources.append(_cidr_source("cidr4", "IpRanges", item, item.get("CidrIp")))
        for item in entry.get("Ipv6Ranges") or ():
            sources.append(_cidr_source("cidr6", "Ipv6Ranges", item, item.get("CidrIpv6")))
        for item in entry.get("UserIdGroupPairs") or ():
            name = item.get("GroupId") or item.get("GroupName") or ""
            owner = item.get("UserId")
            value = f"{owner}/{name}" if owner else str(name)
            sources.append(
                Source("group", value, "UserIdGroupPairs", item, item.get("Description"))
            )
        for item in entry.get("PrefixListIds") or ():
            sources.append(
                Source(
                    "prefix-list",
                    str(item.get("PrefixListId", "")),
                    "PrefixListIds",
                    item,
                    item.get("Description"),
                )
            )
        found.append(
            Permission(
                protocol, _int(entry.get("FromPort")), _int(entry.get("ToPort")), tuple(sources)
            )
        )
    return found


def _cidr_source(kind: str, member: str, item: Mapping[str, Any], cidr: Any) -> Source:
    try:
        value = canonical_cidr(cidr)
    except ValueError:  # validated before; kept as sent if not
        value = str(cidr)
    return Source(kind, value, member, item, item.get("Description"))


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


@dataclass(frozen=True)
class Change:
    """What a rule judges: the request's direction, permissions, and what is known around it."""

    direction: str  # "ingress" | "egress"
    permissions: list[Permission]
    group_rule_count: int | None  # rules the group has in this direction now; None: unknown
    is_world: Callable[[Source], bool]


Finding = tuple["int | None", "Source | None", str]
Check = Callable[[Mapping[str, Any], Change], Iterator[Finding]]


@dataclass(frozen=True)
class RuleType:
    """One row: the parameters a rule of this type takes, its check, where it comes from."""

    name: str
    check: Check
    directions: frozenset[str]
    judges: str  # what of a change the rule judges: "access", "description" or "count"
    params: Mapping[str, Callable[[Any], Any]] = field(default_factory=dict)
    defaults: Mapping[str, Any] = field(default_factory=dict)
    required: frozenset[str] = frozenset()
    evidence: str = ""


# --------------------------------------------------------------------------- parameter readers
# Each reader returns the value in the form the check wants or raises ValueError
# with the problem; _policy.py adds the file, the line and the rule.


def _shown(value: Any) -> str:
    """A setting's value in a problem's text, as the TOML file spells it (``true``, not
    Python's ``True``)."""
    return ("true" if value else "false") if isinstance(value, bool) else repr(value)


def _port(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= PORT_MAX:
        raise ValueError(f"{_shown(value)} is not a port 0-{PORT_MAX}")
    return value


def read_ports(value: Any) -> tuple[int, ...]:
    """``[20, 21]``: a list of TCP ports."""
    if not isinstance(value, list):
        raise ValueError("must be a list of ports")
    return tuple(_port(item) for item in value)


def read_port_ranges(value: Any) -> tuple[tuple[int, int], ...]:
    """``["443", "1020-1025", 8080]``: AWS Config's authorized-ports syntax, as a list."""
    if not isinstance(value, list):
        raise ValueError('must be a list of ports or ranges such as ["443", "1020-1025"]')
    ranges = []
    for item in value:
        if isinstance(item, int) and not isinstance(item, bool):
            ranges.append((_port(item), item))
            continue
        if not isinstance(item, str):
            raise ValueError(f"{_shown(item)} is not a port or a range LOW-HIGH")
        low, _, high = item.strip().partition("-")
        try:
            first, last = int(low), int(high or low)
        except ValueError:
            raise ValueError(f"{item!r} is not a port or a range LOW-HIGH") from None
        _port(first), _port(last)
        if first > last:
            raise ValueError(f"{item!r}: the range ends before it starts")
        ranges.append((first, last))
    return tuple(ranges)


def read_cidrs(value: Any) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """``["10.0.0.0/8", "2001:db8::/32"]``: CIDRs in EC2's syntax (host bits cleared)."""
    if not isinstance(value, list) or not value:
        raise ValueError("must be a non-empty list of CIDRs")
    networks = []
    for item in value:
        try:
            networks.append(ipaddress.ip_network(canonical_cidr(item)))
        except ValueError:
            raise ValueError(f"{_shown(item)} is not a CIDR") from None
    return tuple(networks)


def read_limit(value: Any) -> int:
    """``20``: a count of rules, 0 or more."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{_shown(value)} is not a number of rules (an integer, 0 or more)")
    return value


# --------------------------------------------------------------------------- checks


def _world_sources(change: Change) -> Iterator[tuple[int, Permission, Source]]:
    for index, permission in enumerate(change.permissions):
        for source in permission.sources:
            if change.is_world(source):
                yield index, permission, source


def _port_text(permission: Permission) -> str:
    ports = permission.ports
    if permission.protocol == _ALL:
        return "all traffic"
    if ports is None:
        return permission.protocol
    return (
        f"{permission.protocol} {ports[0]}-{ports[1]}"
        if ports[0] != ports[1]
        else (f"{permission.protocol} {ports[0]}")
    )


def check_restricted_ssh(_rule: Mapping[str, Any], change: Change) -> Iterator[Finding]:
    for index, permission, source in _world_sources(change):
        if permission.opens("tcp", SSH_PORT):
            yield index, source, (f"{_port_text(permission)} opens SSH (TCP 22) to {source.value}")


def check_common_ports(rule: Mapping[str, Any], change: Change) -> Iterator[Finding]:
    for index, permission, source in _world_sources(change):
        hit = [port for port in rule["blocked_ports"] if permission.opens("tcp", port)]
        if hit:
            listed = ", ".join(str(port) for port in sorted(set(hit)))
            yield (
                index,
                source,
                (f"{_port_text(permission)} opens blocked TCP port(s) {listed} to {source.value}"),
            )


def _uncovered(ports: tuple[int, int], allowed: tuple[tuple[int, int], ...]) -> int | None:
    """The first port of ``ports`` no range of ``allowed`` covers, ``None`` if all are."""
    port = ports[0]
    for low, high in sorted(allowed):
        if low > port:
            break
        port = max(port, high + 1)
    return port if port <= ports[1] else None


def check_authorized_ports(rule: Mapping[str, Any], change: Change) -> Iterator[Finding]:
    for index, permission, source in _world_sources(change):
        ports = permission.ports
        if ports is None:
            continue  # ICMP and other protocols without ports: the rule judges TCP and UDP
        for protocol, allowed in (
            ("tcp", rule["authorized_tcp_ports"]),
            ("udp", rule["authorized_udp_ports"]),
        ):
            if permission.protocol not in (_ALL, protocol):
                continue
            port = _uncovered(ports, allowed)
            if port is not None:
                yield (
                    index,
                    source,
                    (
                        f"{_port_text(permission)} opens {protocol.upper()} port {port}, which is "
                        f"not authorized, to {source.value}"
                    ),
                )
                break


def check_description(_rule: Mapping[str, Any], change: Change) -> Iterator[Finding]:
    for index, permission in enumerate(change.permissions):
        for source in permission.sources:
            if not (source.description or "").strip():
                yield index, source, f"the rule for {source.value} has no description"


def check_allowed_cidrs(rule: Mapping[str, Any], change: Change) -> Iterator[Finding]:
    allowed = rule["cidrs"]
    for index, permission in enumerate(change.permissions):
        for source in permission.sources:
            if source.kind not in ("cidr4", "cidr6"):
                continue
            try:
                network = ipaddress.ip_network(source.value)
            except ValueError:
                yield index, source, f"{source.value} is not a CIDR"
                continue
            if not any(
                network.version == outer.version and network.subnet_of(outer) for outer in allowed
            ):
                yield index, source, f"{source.value} is outside the allowed CIDRs"


def check_max_rules(rule: Mapping[str, Any], change: Change) -> Iterator[Finding]:
    added = sum(len(permission.sources) for permission in change.permissions)
    existing = change.group_rule_count or 0
    limit = rule["limit"]
    if existing + added > limit:
        known = "" if change.group_rule_count is not None else " (the group's rules unknown)"
        yield (
            None,
            None,
            (
                f"{existing + added} {change.direction} rules after this change{known}; "
                f"the limit is {limit}"
            ),
        )


#: What a rule type judges of a change: the access it grants (a modify that grants no more
#: than the rule it replaces grants nothing), the descriptions it sets, the rules it adds.
ACCESS, DESCRIPTION, COUNT = "access", "description", "count"
_BOTH = frozenset({"ingress", "egress"})
_INGRESS = frozenset({"ingress"})
_CONFIG = "https://docs.aws.amazon.com/config/latest/developerguide/"

#: Every rule type a policy file may name.
RULE_TYPES: dict[str, RuleType] = {
    row.name: row
    for row in (
        RuleType(
            "restricted-ssh",
            check_restricted_ssh,
            _INGRESS,
            ACCESS,
            evidence=f"AWS Config INCOMING_SSH_DISABLED, {_CONFIG}restricted-ssh.html",
        ),
        RuleType(
            "restricted-common-ports",
            check_common_ports,
            _INGRESS,
            ACCESS,
            params={"blocked_ports": read_ports},
            defaults={"blocked_ports": COMMON_PORTS_DEFAULT},
            evidence="AWS Config RESTRICTED_INCOMING_TRAFFIC, "
            f"{_CONFIG}restricted-common-ports.html",
        ),
        RuleType(
            "vpc-sg-open-only-to-authorized-ports",
            check_authorized_ports,
            _INGRESS,
            ACCESS,
            params={
                "authorized_tcp_ports": read_port_ranges,
                "authorized_udp_ports": read_port_ranges,
            },
            defaults={"authorized_tcp_ports": (), "authorized_udp_ports": ()},
            evidence="AWS Config VPC_SG_OPEN_ONLY_TO_AUTHORIZED_PORTS, "
            f"{_CONFIG}vpc-sg-open-only-to-authorized-ports.html",
        ),
        RuleType(
            "require-description",
            check_description,
            _BOTH,
            DESCRIPTION,
            evidence="ec2query's own: every source carries a Description",
        ),
        RuleType(
            "allowed-cidrs",
            check_allowed_cidrs,
            _BOTH,
            ACCESS,
            params={"cidrs": read_cidrs},
            required=frozenset({"cidrs"}),
            evidence="ec2query's own: every CIDR source inside one of `cidrs`",
        ),
        RuleType(
            "max-rules-per-group",
            check_max_rules,
            _BOTH,
            COUNT,
            params={"limit": read_limit},
            required=frozenset({"limit"}),
            evidence="ec2query's own: a quota below EC2's per-group quota",
        ),
    )
}
