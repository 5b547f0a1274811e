"""The embedded backend's rule values, and the dicts EC2 answers with.

A rule in a request (one source of one ``IpPermission``) becomes a
:class:`Want`; a stored rule is a :class:`Rule`. Both carry the canonical
form EC2 compares in, which is the grammar's (:mod:`ec2query._grammar`, the
one canonicalizer the validator judges with): CIDRs with host bits cleared
("Amazon Web Services canonicalizes IPv4 and IPv6 CIDRs", reference 5.4),
protocol names lower-case, 6/17/1/58 as tcp/udp/icmp/icmpv6 (reference row
31), ports -1/-1 where the protocol has none. "Reference" is
``shared/reference/ec2-behaviour.md``.
"""

from __future__ import annotations

import os
import random
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

from .._grammar import PORTED

__all__ = [
    "PORTED",
    "Rule",
    "Unvalidated",
    "Want",
    "arn",
    "duplicate_message",
    "group_permissions",
    "new_id",
    "revoked_rule",
    "security_group_rule",
    "unknown_permission",
]

#: Source kind -> (IpPermission list member, its value member, SecurityGroupRule member).
SOURCES: dict[str, tuple[str, str, str]] = {
    "cidr4": ("IpRanges", "CidrIp", "CidrIpv4"),
    "cidr6": ("Ipv6Ranges", "CidrIpv6", "CidrIpv6"),
    "pl": ("PrefixListIds", "PrefixListId", "PrefixListId"),
    "group": ("UserIdGroupPairs", "GroupId", "ReferencedGroupInfo"),
}


class Unvalidated(Exception):
    """The backend met a request the validator refuses (its input must be validated): raised
    where it asserts, turned by ``Backend.handle`` into the validator's own EC2 error."""


class Want(NamedTuple):
    """One rule a request asks for, canonical; ``index`` is its IpPermission's position."""

    protocol: str
    from_port: int
    to_port: int
    kind: str
    peer: str
    description: str | None
    index: int  # type: ignore[assignment]  # the permission's position; shadows tuple.index
    peering: str | None = None  # a group reference across VPCs: the pcx- id named
    peer_vpc: str | None = None  # and the referenced group's VPC (both or neither)

    @property
    def key(self) -> tuple[str, int, int, str, str]:
        return (self.protocol, self.from_port, self.to_port, self.kind, self.peer)


class Rule(NamedTuple):
    """One stored rule, in the column order of ``backend._SELECT_RULE``."""

    rule_id: str
    group_id: str
    egress: int
    protocol: str
    from_port: int
    to_port: int
    kind: str
    peer: str
    description: str | None
    peering: str | None  # Want's: set only for a group reference across VPCs
    peer_vpc: str | None


#: A peering connection's status as the backend reports it: it records no connection, so
#: one a rule names is taken as active (inferred; EC2 reports the connection's own status).
PEERING_STATUS = "active"


def new_id(prefix: str, rng: random.Random | None = None) -> str:
    """An EC2-style id, ``prefix`` + 17 lower-case hex digits (``sg-0fb34a435a022e5dd``).

    From ``os.urandom`` unless a generator is given (a test's seeded one): as fast as a
    Mersenne Twister here (~1 us of a ~40 us request) and nothing to reseed after a fork.
    """
    if rng is None:
        return f"{prefix}-0{os.urandom(8).hex()}"
    return f"{prefix}-0{rng.getrandbits(64):016x}"


def arn(region: str, account_id: str, resource: str) -> str:
    """``arn:aws:ec2:{region}:{account}:{resource}``, with the partition the region belongs to."""
    if region.startswith("cn-"):
        partition = "aws-cn"
    elif region.startswith("us-gov-"):
        partition = "aws-us-gov"
    else:
        partition = "aws"
    return f"arn:{partition}:ec2:{region}:{account_id}:{resource}"


#: How EC2 names a rule's source type in ModifySecurityGroupRules' refusal to change it:
#: as the new source (a referenced group id and a prefix list: the console's captures of
#: EC2's text; CidrIpv6: moto's copy of it; CidrIpv4 by analogy) and as the old rule's
#: (IPv4 CIDR captured; the other three inferred).
_GIVEN_KIND = {"cidr4": "CidrIpv4", "cidr6": "CidrIpv6", "pl": "a prefix list",
               "group": "a referenced group id"}
_RULE_KIND = {"cidr4": "IPv4 CIDR", "cidr6": "IPv6 CIDR", "pl": "prefix list",
              "group": "referenced group"}


def rule_type_message(old_kind: str, new_kind: str) -> str:
    """EC2's ``InvalidParameterValue`` text for a modify that changes a rule's type, which
    the API reference forbids ("When you modify a rule, you cannot change the rule type")."""
    return (f"You may not specify {_GIVEN_KIND[new_kind]} for an existing "
            f"{_RULE_KIND[old_kind]} rule.")


def duplicate_message(protocol: str, from_port: int, to_port: int, peer: str) -> str:
    """EC2's ``InvalidPermission.Duplicate`` text (reference E1-E6 and row 21; research)."""
    if protocol in ("tcp", "udp"):
        body = f"{protocol.upper()}, from port: {from_port}, to port: {to_port}"
    elif protocol in ("icmp", "icmpv6"):
        icmp_type = "ALL" if from_port == -1 else from_port
        icmp_code = "ALL" if to_port == -1 else to_port
        body = f"{protocol.upper()}, type: {icmp_type}, code: {icmp_code}"
    elif protocol == "-1":
        body = "ALL"
    else:
        body = f"protocol: {protocol}"
    return f'the specified rule "peer: {peer}, {body}, ALLOW" already exists'


def _pair(group_id: str, account_id: str, rule: Rule | Want) -> dict[str, Any]:
    """A ``UserIdGroupPair`` or ``ReferencedGroupInfo``: the group, its account and, for a
    reference across VPCs, the group's VPC and the peering connection (API reference,
    UserIdGroupPair: "The ID of the VPC for the referenced security group, if applicable")."""
    item: dict[str, Any] = {"GroupId": group_id, "UserId": account_id}
    if rule.peering:
        item["VpcId"] = rule.peer_vpc
        item["VpcPeeringConnectionId"] = rule.peering
        item["PeeringStatus"] = PEERING_STATUS
    return item


def _source(rule: Rule | Want, account_id: str) -> dict[str, Any]:
    """The IpRange / Ipv6Range / PrefixListId / UserIdGroupPair dict for one rule's source."""
    if rule.kind == "group":
        item = _pair(rule.peer, account_id, rule)
    else:
        item = {SOURCES[rule.kind][1]: rule.peer}
    if rule.description:
        item["Description"] = rule.description
    return item


def _permission_head(protocol: str, from_port: int, to_port: int) -> dict[str, Any]:
    head: dict[str, Any] = {"IpProtocol": protocol}
    if protocol in PORTED:
        head["FromPort"] = from_port
        head["ToPort"] = to_port
    return head


def group_permissions(rules: Iterable[Rule], account_id: str) -> list[dict[str, Any]]:
    """Rules as DescribeSecurityGroups shows them: one IpPermission per protocol and ports."""
    permissions: dict[tuple[str, int, int], dict[str, Any]] = {}
    for rule in rules:
        key = (rule.protocol, rule.from_port, rule.to_port)
        permission = permissions.get(key)
        if permission is None:
            permission = permissions[key] = _permission_head(*key)
            for list_member, _, _ in SOURCES.values():
                permission[list_member] = []
        list_member = SOURCES[rule.kind][0]
        permission[list_member].append(_source(rule, account_id))
    return list(permissions.values())


def unknown_permission(wants: list[Want], account_id: str) -> dict[str, Any]:
    """The ``UnknownIpPermissions`` entry for the unmatched rules of one requested IpPermission."""
    first = wants[0]
    permission = _permission_head(first.protocol, first.from_port, first.to_port)
    for want in wants:
        list_member = SOURCES[want.kind][0]
        permission.setdefault(list_member, []).append(_source(want, account_id))
    return permission


def security_group_rule(
    rule: Rule, *, account_id: str, region: str, tags: Mapping[str, str]
) -> dict[str, Any]:
    """A ``SecurityGroupRule`` as botocore parses it from Authorize*'s ``securityGroupRuleSet``."""
    result: dict[str, Any] = {
        "SecurityGroupRuleId": rule.rule_id,
        "GroupId": rule.group_id,
        "GroupOwnerId": account_id,
        "IsEgress": bool(rule.egress),
        "IpProtocol": rule.protocol,
        "FromPort": rule.from_port,
        "ToPort": rule.to_port,
    }
    member = SOURCES[rule.kind][2]
    if rule.kind == "group":
        result[member] = _pair(rule.peer, account_id, rule)
    else:
        result[member] = rule.peer
    if rule.description:
        result["Description"] = rule.description
    result["Tags"] = [{"Key": k, "Value": v} for k, v in tags.items()]
    result["SecurityGroupRuleArn"] = arn(region, account_id, f"security-group-rule/{rule.rule_id}")
    return result


def revoked_rule(rule: Rule) -> dict[str, Any]:
    """A ``RevokedSecurityGroupRule`` (note the flat ``ReferencedGroupId``, reference 3.1)."""
    result: dict[str, Any] = {
        "SecurityGroupRuleId": rule.rule_id,
        "GroupId": rule.group_id,
        "IsEgress": bool(rule.egress),
        "IpProtocol": rule.protocol,
        "FromPort": rule.from_port,
        "ToPort": rule.to_port,
    }
    if rule.kind == "group":
        result["ReferencedGroupId"] = rule.peer
    else:
        result[SOURCES[rule.kind][2]] = rule.peer
    if rule.description:
        result["Description"] = rule.description
    return result
