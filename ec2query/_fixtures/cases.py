"""The case table of the golden corpus: one row per case, as data.

A row names the operation, the canonical params, the API version and what the
answer must be: ``ok`` (a valid request; the embedded backend answers it),
``bad`` (the validator refuses it with that code) or ``refused`` (a valid
request the backend refuses in the state the setup leaves, or DryRun).
Every case runs against the same small world (``WORLD``: four groups with
fixed ids) plus its own ``setup`` calls; a revoke by value is primed by
authorizing the same rules first unless it says ``prime=False``.

Folders are ``<cli-operation-name>/<slug>``. Add a case by adding a row; then
``ec2query fixtures generate`` and commit the corpus.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .._model import CURRENT_VERSION, LEGACY_VERSION, VERSIONS, operation

__all__ = [
    "ACCOUNT",
    "CASES",
    "LEGACY",
    "RULE_IDS",
    "WORLD",
    "Spec",
]

LEGACY = LEGACY_VERSION
ACCOUNT = "123456789012"
OTHER_ACCOUNT = "210987654321"
WEB = "sg-0c3a7f2e9b1d45a60"
DB = "sg-0d4b8e3f0c2e56b71"
ADMIN = "sg-0e5c9f4a1d3f67c82"
APP = "sg-0f6da05b2e4078d93"
APP_VPC = "vpc-0f1e2d3c4b5a69788"
DEFAULT_VPC = "vpc-0a1b2c3d4e5f60718"  # the backend's default VPC
PEERING = "pcx-0a1b2c3d4e5f60718"
MISSING = "sg-0123456789abcdef0"
PL_S3 = "pl-63a5400a"
PL_DDB = "pl-02cd2c6b"

#: The groups every case starts with: (fixed id, CreateSecurityGroup params).
WORLD: tuple[tuple[str, dict[str, Any]], ...] = (
    (WEB, {"GroupName": "websrv", "Description": "web servers"}),
    (DB, {"GroupName": "dbsrv", "Description": "database servers"}),
    (ADMIN, {"GroupName": "admin", "Description": "bastion hosts"}),
    (APP, {"GroupName": "app", "Description": "application tier", "VpcId": APP_VPC}),
)
#: Fixed ids given, in order, to the rules a case's setup creates.
RULE_IDS: tuple[str, ...] = tuple(f"sgr-0a1b2c3d4e5f6{n:04x}" for n in range(1, 65))

Params = dict[str, Any]
Call = tuple[str, Params]


@dataclass(frozen=True)
class Spec:
    """One row: a request and the answer it must get."""

    slug: str
    operation: str
    params: Params
    version: str = CURRENT_VERSION
    valid: bool = True
    error: str | None = None  # the expected error code, if the answer is an error
    vpc: bool | None = None  # the validator's era (see docs/validate.md)
    setup: tuple[Call, ...] | None = None  # None: the default (prime a revoke)
    note: str = ""
    tags: tuple[str, ...] = field(default=())

    @property
    def name(self) -> str:
        """The case's folder, relative to the corpus root."""
        return f"{operation(self.operation).cli_name}/{self.slug}"


def ok(slug: str, op: str, params: Params, note: str = "", **kw: Any) -> Spec:
    """A valid request that succeeds."""
    return Spec(slug, op, params, note=note, **kw)


def bad(slug: str, op: str, params: Params, code: str, note: str = "", **kw: Any) -> Spec:
    """An invalid request: the validator refuses it with ``code``."""
    return Spec(slug, op, params, valid=False, error=code, note=note, **kw)


def refused(slug: str, op: str, params: Params, code: str, note: str = "", **kw: Any) -> Spec:
    """A valid request answered with an error: DryRun, or refused in the given state."""
    return Spec(slug, op, params, error=code, note=note, **kw)


# ----------------------------------------------------------------------------- builders


def rule(protocol: str, from_port: int | None = None, to_port: int | None = None,
         **sources: Any) -> Params:
    """One ``IpPermission``; sources as keyword lists (``IpRanges=[...]``), strings allowed."""
    out: Params = {"IpProtocol": protocol}
    if from_port is not None:
        out["FromPort"] = from_port
    if to_port is not None:
        out["ToPort"] = to_port
    keys = {"IpRanges": "CidrIp", "Ipv6Ranges": "CidrIpv6", "PrefixListIds": "PrefixListId",
            "UserIdGroupPairs": "GroupId"}
    for member, items in sources.items():
        out[member] = [{keys[member]: i} if isinstance(i, str) else i for i in items]
    return out


def v4(*cidrs: str | Params) -> dict[str, Any]:
    return {"IpRanges": list(cidrs)}


def v6(*cidrs: str | Params) -> dict[str, Any]:
    return {"Ipv6Ranges": list(cidrs)}


def pl(*ids: str | Params) -> dict[str, Any]:
    return {"PrefixListIds": list(ids)}


def sg(*pairs: str | Params) -> dict[str, Any]:
    return {"UserIdGroupPairs": list(pairs)}


def perms(*rules: Params, group: str = WEB, **extra: Any) -> Params:
    """Params of a rule operation on ``group`` (an id, or a name when it has no ``sg-``)."""
    target = {"GroupId": group} if group.startswith("sg-") else {"GroupName": group}
    return {**target, "IpPermissions": list(rules), **extra}


def _modify(rule_id: str, **rule: Any) -> Params:
    """ModifySecurityGroupRules params: rule ``rule_id`` of WEB becomes ``rule``."""
    return {"GroupId": WEB, "SecurityGroupRules": [
        {"SecurityGroupRuleId": rule_id, "SecurityGroupRule": rule}]}


AI = "AuthorizeSecurityGroupIngress"
RI = "RevokeSecurityGroupIngress"
AE = "AuthorizeSecurityGroupEgress"
RE = "RevokeSecurityGroupEgress"
CR = "CreateSecurityGroup"
DS = "DescribeSecurityGroups"
DL = "DeleteSecurityGroup"
DR = "DescribeSecurityGroupRules"
MD = "ModifySecurityGroupRules"
UI = "UpdateSecurityGroupRuleDescriptionsIngress"
UE = "UpdateSecurityGroupRuleDescriptionsEgress"
CT = "CreateTags"
DT = "DeleteTags"
DE = "DescribeTags"
SR = "DescribeSecurityGroupReferences"
ST = "DescribeStaleSecurityGroups"
RULE_OPS = (AI, RI, AE, RE)
INGRESS = (AI, RI)
SHORT = {AI: "authorize-ingress", RI: "revoke-ingress", AE: "authorize-egress",
         RE: "revoke-egress"}

# ----------------------------------------------------------------------------- rule shapes

#: Rules valid for every rule operation: (slug, IpPermissions, note).
RULE_SHAPES: tuple[tuple[str, list[Params], str], ...] = (
    ("tcp-22-ipv4", [rule("tcp", 22, 22, **v4("203.0.113.0/24"))], "the seed example"),
    ("tcp-port-range", [rule("tcp", 8000, 8080, **v4("10.0.0.0/16"))], ""),
    ("tcp-all-ports", [rule("tcp", 0, 65535, **v4("10.1.0.0/16"))], ""),
    ("udp-53", [rule("udp", 53, 53, **v4("10.0.0.2/32"))], ""),
    ("ipv6-tcp-443", [rule("tcp", 443, 443, **v6("::/0"))], ""),
    ("ipv4-and-ipv6", [rule("tcp", 80, 80, **v4("0.0.0.0/0"), **v6("::/0"))], ""),
    ("prefix-list", [rule("tcp", 443, 443, **pl(PL_S3))], "S3's prefix list"),
    ("source-group-id", [rule("tcp", 3306, 3306, **sg(ADMIN))], ""),
    ("source-group-with-owner", [rule("tcp", 5432, 5432, **sg({"GroupId": ADMIN,
                                                               "UserId": ACCOUNT}))], ""),
    ("icmp-all", [rule("icmp", -1, -1, **v4("10.0.0.0/8"))], "every ICMP type and code"),
    ("icmp-echo-request", [rule("icmp", 8, 0, **v4("198.51.100.0/24"))], "type 8, code 0"),
    ("icmp-type-all-codes", [rule("icmp", 3, -1, **v4("198.51.100.0/24"))],
     "destination unreachable, every code"),
    ("icmpv6-all", [rule("icmpv6", -1, -1, **v6("2001:db8::/32"))], ""),
    ("icmpv6-echo", [rule("icmpv6", 128, 0, **v6("2001:db8::/32"))], "echo request"),
    ("all-traffic", [rule("-1", **v4("10.0.0.0/8"))], "protocol -1: every protocol and port"),
    ("all-traffic-ipv6", [rule("-1", **v6("fd00::/8"))], ""),
    ("protocol-6", [rule("6", 443, 443, **v4("192.0.2.0/24"))], "tcp by number"),
    ("protocol-17", [rule("17", 123, 123, **v4("192.0.2.0/24"))], "udp by number"),
    ("protocol-1", [rule("1", -1, -1, **v4("192.0.2.0/24"))], "icmp by number"),
    ("protocol-58", [rule("58", 135, 0, **v6("2001:db8:1::/48"))], "icmpv6 by number"),
    ("protocol-50-esp", [rule("50", **v4("198.51.100.7/32"))], "ports do not apply"),
    ("protocol-47-gre", [rule("47", **v4("198.51.100.7/32"))], ""),
    ("protocol-132-sctp", [rule("132", **v4("198.51.100.0/24"))], ""),
    ("descriptions", [rule("tcp", 443, 443,
                           **v4({"CidrIp": "203.0.113.0/24", "Description": "HQ office (NYC) #1"}),
                           **v6({"CidrIpv6": "2001:db8::/48", "Description": "HQ v6"}),
                           **pl({"PrefixListId": PL_DDB, "Description": "DynamoDB"}),
                           **sg({"GroupId": ADMIN, "Description": "bastions"}))],
     "a description on every kind of source"),
    ("many-sources", [rule("tcp", 443, 443, **v4(*[f"198.51.{i}.0/24" for i in range(12)]),
                           **v6("2001:db8:a::/48", "2001:db8:b::/48"), **pl(PL_S3, PL_DDB),
                           **sg(ADMIN, DB))], "18 sources in one permission"),
    ("many-rules", [rule("tcp", 22, 22, **v4("10.0.0.0/8")), rule("tcp", 80, 80, **v4("0.0.0.0/0")),
                    rule("tcp", 443, 443, **v4("0.0.0.0/0"), **v6("::/0")),
                    rule("udp", 1194, 1194, **v4("203.0.113.0/24")),
                    rule("icmp", -1, -1, **v4("10.0.0.0/8")),
                    rule("icmpv6", -1, -1, **v6("fd00::/8")),
                    rule("-1", **sg(ADMIN)), rule("50", **v4("198.51.100.7/32"))],
     "eight permissions in one request"),
)

def _rule_cases() -> list[Spec]:
    """Every shape of RULE_SHAPES for each of the four rule operations."""
    return [ok(slug, op, perms(*rules), note)
            for op in RULE_OPS for slug, rules, note in RULE_SHAPES]


# ----------------------------------------------------------------------------- the table

_SEED = rule("tcp", 22, 22, **v4("203.0.113.0/24"))
_FLAT = {"GroupName": "websrv", "IpProtocol": "tcp", "FromPort": 80, "ToPort": 80,
         "CidrIp": "205.192.0.0/16"}
_AUTH_DB_FROM_WEB = (AI, perms(rule("tcp", 3306, 3306, **sg(WEB)), group=DB))
_AUTH_WEB_22 = (AI, perms(_SEED))
_AUTH_WEB_EGRESS = (AE, perms(rule("tcp", 443, 443, **v4("0.0.0.0/0"))))
#: APP (in APP_VPC) lets WEB (the default VPC) in across a peering connection.
_AUTH_APP_FROM_WEB = (AI, perms(rule("tcp", 443, 443, **sg(
    {"GroupId": WEB, "VpcId": DEFAULT_VPC, "VpcPeeringConnectionId": PEERING})), group=APP))

_SPECIFIC: list[Spec] = [
    # -- by group name, DryRun, tags, canonical forms ------------------------------------
    ok("by-group-name", AI, perms(_SEED, group="websrv"), "GroupName in the default VPC"),
    ok("by-group-name", RI, perms(_SEED, group="websrv")),
    ok("source-group-by-name", AI, perms(rule("tcp", 6379, 6379, **sg({"GroupName": "admin",
                                                                          "UserId": ACCOUNT})),
                                         group="websrv"), "a default-VPC source group by name"),
    ok("source-group-other-account", AI, perms(rule("tcp", 443, 443, **sg(
        {"GroupId": ADMIN, "UserId": ACCOUNT})))),
    ok("protocol-uppercase", AI, perms(rule("TCP", 25, 25, **v4("192.0.2.0/24"))),
       "protocol names are case-insensitive"),
    ok("cidr-host-bits", AI, perms(rule("tcp", 80, 80, **v4("100.68.0.18/18"))),
       "stored as 100.68.0.0/18"),
    ok("ipv6-uncompressed", AI, perms(rule("tcp", 80, 80, **v6("2001:DB8:0:0:0:0:0:0/32"))),
       "stored compressed and lower-case"),
    ok("protocol-0", AI, perms(rule("0", **v4("10.0.0.0/8"))), "HOPOPT, a protocol number"),
    ok("protocol-255", AI, perms(rule("255", **v4("10.0.0.0/8")))),
    ok("icmpv6-no-ports", AI, perms(rule("icmpv6", **v6("::/0"))), "all types and codes"),
    ok("all-traffic-with-ports", AI, perms(rule("-1", -1, -1, **v4("10.2.0.0/16"))),
       "-1 with explicit -1 ports"),
    ok("dry-run-false", AI, perms(_SEED, DryRun=False)),
    refused("dry-run", AI, perms(_SEED, DryRun=True), "DryRunOperation"),
    refused("dry-run", RI, perms(_SEED, DryRun=True), "DryRunOperation"),
    refused("dry-run", AE, perms(_SEED, DryRun=True), "DryRunOperation"),
    refused("dry-run", RE, perms(_SEED, DryRun=True), "DryRunOperation"),
    refused("dry-run", CR, {"GroupName": "newgrp", "Description": "x", "DryRun": True},
            "DryRunOperation"),
    refused("dry-run", DS, {"DryRun": True}, "DryRunOperation"),
    refused("dry-run", DL, {"GroupId": WEB, "DryRun": True}, "DryRunOperation"),
    ok("tag-specifications", AI, perms(_SEED, TagSpecifications=[
        {"ResourceType": "security-group-rule", "Tags": [{"Key": "team", "Value": "web"}]}])),
    ok("tag-specifications", AE, perms(_SEED, TagSpecifications=[
        {"ResourceType": "security-group-rule", "Tags": [{"Key": "env", "Value": "prod"},
                                                          {"Key": "owner", "Value": "ops"}]}])),
    ok("twenty-permissions", AI, perms(*[rule("tcp", 10000 + i, 10000 + i, **v4("10.9.0.0/16"))
                                         for i in range(20)])),
    ok("fifty-cidrs", AE, perms(rule("tcp", 443, 443, **v4(*[f"172.16.{i}.0/24"
                                                             for i in range(50)])))),
    ok("non-default-vpc", AI, perms(_SEED, group=APP), "a group in a non-default VPC"),
    # -- revoke: by rule id, unknown rules, legacy flat -------------------------------------
    ok("by-rule-id", RI, {"GroupId": WEB, "SecurityGroupRuleIds": [RULE_IDS[0]]},
       setup=(_AUTH_WEB_22,)),
    ok("by-rule-ids", RI, {"GroupId": WEB, "SecurityGroupRuleIds": list(RULE_IDS[:3])},
       setup=((AI, perms(rule("tcp", 22, 22, **v4("10.0.0.0/8", "10.1.0.0/16", "10.2.0.0/16")))),)),
    ok("by-rule-id", RE, {"GroupId": WEB, "SecurityGroupRuleIds": [RULE_IDS[0]]},
       setup=(_AUTH_WEB_EGRESS,)),
    ok("rule-id-and-permission", RI, {**perms(rule("tcp", 80, 80, **v4("0.0.0.0/0"))),
                                      "SecurityGroupRuleIds": [RULE_IDS[0]]},
       setup=(_AUTH_WEB_22, (AI, perms(rule("tcp", 80, 80, **v4("0.0.0.0/0")))))),
    ok("unknown-permission", RI, perms(rule("tcp", 8443, 8443, **v4("192.0.2.0/24"))),
       "default VPC: Return true with UnknownIpPermissions", setup=()),
    ok("partly-unknown", RI, perms(rule("tcp", 22, 22, **v4("203.0.113.0/24", "192.0.2.0/24"))),
       "one source revoked, one reported unknown", setup=(_AUTH_WEB_22,)),
    ok("unknown-permission", RE, perms(rule("tcp", 8443, 8443, **v4("192.0.2.0/24"))),
       setup=()),
    ok("default-egress-rule", RE, perms(rule("-1", **v4("0.0.0.0/0"))),
       "every new group's default egress rule", setup=()),
    # -- legacy flat members and API 2011-12-15 --------------------------------------------
    ok("flat-cidr", AI, dict(_FLAT), "the API reference example, current version"),
    ok("flat-cidr", RI, dict(_FLAT)),
    ok("legacy-flat-cidr", AI, dict(_FLAT), version=LEGACY),
    ok("legacy-flat-cidr", RI, dict(_FLAT), "the API reference's 2011-12-15 example",
       version=LEGACY),
    ok("legacy-flat-source-group", AI, {"GroupName": "websrv", "IpProtocol": "tcp",
                                        "FromPort": 3306, "ToPort": 3306,
                                        "SourceSecurityGroupName": "dbsrv",
                                        "SourceSecurityGroupOwnerId": ACCOUNT}, version=LEGACY),
    ok("legacy-flat-icmp", AI, {"GroupName": "websrv", "IpProtocol": "icmp", "FromPort": -1,
                                "ToPort": -1, "CidrIp": "10.0.0.0/8"}, version=LEGACY),
    ok("legacy-flat-udp", RI, {"GroupId": WEB, "IpProtocol": "udp", "FromPort": 53,
                               "ToPort": 53, "CidrIp": "10.0.0.2/32"}, version=LEGACY),
    ok("legacy-nested", AI, perms(rule("tcp", 80, 80, **v4("0.0.0.0/0")),
                                  rule("tcp", 22, 22, **sg({"GroupName": "admin",
                                                            "UserId": ACCOUNT})),
                                  group="websrv"), version=LEGACY),
    ok("legacy-nested", RI, perms(rule("tcp", 80, 80, **v4("0.0.0.0/0", "10.0.0.0/8")),
                                  group="websrv"), version=LEGACY),
    ok("legacy-nested", AE, perms(rule("tcp", 443, 443, **v4("0.0.0.0/0"))), version=LEGACY),
    ok("legacy-nested", RE, perms(rule("-1", **v4("0.0.0.0/0"))), version=LEGACY, setup=()),
    ok("legacy-user-id", AI, {"UserId": ACCOUNT, **_FLAT}, "UserId: a 2011-12-15 member",
       version=LEGACY),
    # -- create ------------------------------------------------------------------------------
    ok("default-vpc", CR, {"GroupName": "cache", "Description": "memcached servers"}),
    ok("in-vpc", CR, {"GroupName": "cache", "Description": "memcached", "VpcId": APP_VPC}),
    ok("same-name-other-vpc", CR, {"GroupName": "websrv", "Description": "web in app vpc",
                                   "VpcId": APP_VPC}),
    ok("with-tags", CR, {"GroupName": "cache", "Description": "memcached",
                         "TagSpecifications": [{"ResourceType": "security-group", "Tags": [
                             {"Key": "Name", "Value": "cache"},
                             {"Key": "env", "Value": "prod"}]}]}),
    ok("punctuation", CR, {"GroupName": "web:prod/(blue)#1",
                           "Description": "a-z A-Z 0-9 . _-:/()#,@[]+=&;{}!$*"},
       "every character the VPC character set allows"),
    ok("legacy", CR, {"GroupName": "cache", "Description": "memcached"}, version=LEGACY),
    ok("legacy-in-vpc", CR, {"GroupName": "cache", "Description": "memcached",
                             "VpcId": APP_VPC}, version=LEGACY),
    # -- describe ----------------------------------------------------------------------------
    ok("all", DS, {}, "every group in the account", setup=(_AUTH_WEB_22, _AUTH_DB_FROM_WEB)),
    ok("by-id", DS, {"GroupIds": [WEB]}, setup=(_AUTH_WEB_22, _AUTH_WEB_EGRESS)),
    ok("by-ids", DS, {"GroupIds": [WEB, DB]}, setup=(_AUTH_DB_FROM_WEB,)),
    ok("by-name", DS, {"GroupNames": ["websrv"]}, setup=(_AUTH_WEB_22,)),
    ok("filter-vpc", DS, {"Filters": [{"Name": "vpc-id", "Values": [APP_VPC]}]}),
    ok("filter-port", DS, {"Filters": [{"Name": "ip-permission.from-port", "Values": ["22"]},
                                       {"Name": "ip-permission.protocol", "Values": ["tcp"]}]},
       setup=(_AUTH_WEB_22,)),
    ok("filter-group-name-wildcard", DS, {"Filters": [{"Name": "group-name",
                                                       "Values": ["*srv"]}]}),
    ok("page", DS, {"MaxResults": 5}, "the first page; NextToken is opaque"),
    ok("legacy-by-name", DS, {"GroupNames": ["websrv", "dbsrv"]}, version=LEGACY,
       setup=(_AUTH_WEB_22, _AUTH_DB_FROM_WEB)),
    ok("legacy-by-id", DS, {"GroupIds": [WEB]}, version=LEGACY, setup=(_AUTH_WEB_22,)),
    # -- delete ------------------------------------------------------------------------------
    ok("by-id", DL, {"GroupId": ADMIN}),
    ok("by-name", DL, {"GroupName": "admin"}),
    ok("legacy-by-name", DL, {"GroupName": "admin"}, version=LEGACY),
    ok("legacy-by-id", DL, {"GroupId": ADMIN}, version=LEGACY),
    # -- rules by id -------------------------------------------------------------------------
    ok("all", DR, {}, "every rule, the groups' default rules too", setup=(_AUTH_WEB_22,)),
    ok("by-id", DR, {"SecurityGroupRuleIds": [RULE_IDS[0]]}, setup=(_AUTH_WEB_22,)),
    ok("filter-group-id", DR, {"Filters": [{"Name": "group-id", "Values": [WEB]}]},
       setup=(_AUTH_WEB_22, _AUTH_WEB_EGRESS)),
    ok("page", DR, {"MaxResults": 5}, "the first page; NextToken is opaque"),
    ok("ports-and-description", MD, _modify(RULE_IDS[0], IpProtocol="tcp", FromPort=2222,
                                            ToPort=2222, CidrIpv4="203.0.113.0/24",
                                            Description="ssh moved"),
       "the rule keeps its id", setup=(_AUTH_WEB_22,)),
    refused("to-ipv6", MD, _modify(RULE_IDS[0], IpProtocol="tcp", FromPort=22, ToPort=22,
                                   CidrIpv6="2001:db8::/32"), "InvalidParameterValue",
            "a modify cannot change the rule's type (the API reference)",
            setup=(_AUTH_WEB_22,)),
    refused("to-source-group", MD, _modify(RULE_IDS[0], IpProtocol="tcp", FromPort=22,
                                           ToPort=22, ReferencedGroupId=ADMIN),
            "InvalidParameterValue", "a modify cannot change the rule's type (the API "
            "reference)", setup=(_AUTH_WEB_22,)),
    refused("dry-run", DR, {"DryRun": True}, "DryRunOperation"),
    refused("dry-run", MD, {**_modify(RULE_IDS[0], IpProtocol="tcp", FromPort=22, ToPort=22,
                                      CidrIpv4="10.0.0.0/8"), "DryRun": True},
            "DryRunOperation", setup=(_AUTH_WEB_22,)),
    refused("dry-run", UI, {"GroupId": WEB, "DryRun": True, "SecurityGroupRuleDescriptions": [
        {"SecurityGroupRuleId": RULE_IDS[0], "Description": "office"}]},
            "DryRunOperation", setup=(_AUTH_WEB_22,)),
    refused("dry-run", UE, {"GroupId": WEB, "DryRun": True, "SecurityGroupRuleDescriptions": [
        {"SecurityGroupRuleId": RULE_IDS[0], "Description": "https out"}]},
            "DryRunOperation", setup=(_AUTH_WEB_EGRESS,)),
    refused("rule-id-not-found", DR, {"SecurityGroupRuleIds": [RULE_IDS[9]]},
            "InvalidSecurityGroupRuleId.NotFound", setup=()),
    refused("rule-id-not-found", MD, _modify(RULE_IDS[9], IpProtocol="tcp", FromPort=22,
                                             ToPort=22, CidrIpv4="10.0.0.0/8"),
            "InvalidSecurityGroupRuleId.NotFound", setup=()),
    bad("max-results-4", DR, {"MaxResults": 4}, "InvalidParameterValue"),
    bad("rule-id-malformed", DR, {"SecurityGroupRuleIds": ["sgr-1"]},
        "InvalidSecurityGroupRuleId.Malformed"),
    bad("port-out-of-range", MD, _modify(RULE_IDS[0], IpProtocol="tcp", FromPort=22,
                                         ToPort=70000, CidrIpv4="10.0.0.0/8"),
        "InvalidPermission.Malformed", setup=(_AUTH_WEB_22,)),
    bad("rules-missing", MD, {"GroupId": WEB}, "MissingParameter"),
    ok("by-permission", UI, perms(rule("tcp", 22, 22, **v4({"CidrIp": "203.0.113.0/24",
                                                             "Description": "office"}))),
       setup=(_AUTH_WEB_22,)),
    ok("by-rule-id", UI, {"GroupId": WEB, "SecurityGroupRuleDescriptions": [
        {"SecurityGroupRuleId": RULE_IDS[0], "Description": "office"}]}, setup=(_AUTH_WEB_22,)),
    ok("by-name", UI, perms(rule("tcp", 22, 22, **v4("203.0.113.0/24")), group="websrv"),
       "no Description: the rule's description is cleared", setup=(_AUTH_WEB_22,)),
    ok("by-rule-id", UE, {"GroupId": WEB, "SecurityGroupRuleDescriptions": [
        {"SecurityGroupRuleId": RULE_IDS[0], "Description": "https out"}]},
       setup=(_AUTH_WEB_EGRESS,)),
    refused("rule-not-found", UI, perms(rule("tcp", 8443, 8443, **v4("192.0.2.0/24"))),
            "InvalidPermission.NotFound", setup=()),
    refused("rule-id-not-found", UE, {"GroupId": WEB, "SecurityGroupRuleDescriptions": [
        {"SecurityGroupRuleId": RULE_IDS[9], "Description": "x"}]},
            "InvalidSecurityGroupRuleId.NotFound", setup=()),
    bad("group-missing", UE, {"SecurityGroupRuleDescriptions": [
        {"SecurityGroupRuleId": RULE_IDS[0], "Description": "x"}]}, "MissingParameter"),
    bad("port-out-of-range", UI, perms(rule("tcp", 22, 70000, **v4("10.0.0.0/8"))),
        "InvalidPermission.Malformed"),
    # -- tags ----------------------------------------------------------------------------------
    ok("group", CT, {"Resources": [WEB], "Tags": [{"Key": "team", "Value": "web"}]}),
    ok("group-and-rule", CT, {"Resources": [WEB, RULE_IDS[0]],
                              "Tags": [{"Key": "env", "Value": "prod"}, {"Key": "owner",
                                                                         "Value": ""}]},
       setup=(_AUTH_WEB_22,)),
    ok("legacy", CT, {"Resources": [WEB], "Tags": [{"Key": "team", "Value": "web"}]},
       version=LEGACY),
    refused("dry-run", CT, {"Resources": [WEB], "Tags": [{"Key": "k", "Value": "v"}],
                            "DryRun": True}, "DryRunOperation"),
    refused("group-not-found", CT, {"Resources": [MISSING], "Tags": [{"Key": "k", "Value": "v"}]},
            "InvalidGroup.NotFound"),
    refused("instance", CT, {"Resources": ["i-0123456789abcdef0"],
                             "Tags": [{"Key": "k", "Value": "v"}]},
            "InvalidInstanceID.NotFound", "another type: EC2's not-found error of that type"),
    refused("not-an-id", CT, {"Resources": ["203.0.113.7"], "Tags": [{"Key": "k", "Value": "v"}]},
            "InvalidID"),
    bad("key-empty", CT, {"Resources": [WEB], "Tags": [{"Key": "", "Value": "v"}]},
        "InvalidParameterValue"),
    bad("key-reserved", CT, {"Resources": [WEB], "Tags": [{"Key": "aws:team", "Value": "v"}]},
        "InvalidParameterValue"),
    bad("tags-missing", CT, {"Resources": [WEB]}, "MissingParameter"),
    ok("by-key", DT, {"Resources": [WEB], "Tags": [{"Key": "team"}]},
       setup=((CT, {"Resources": [WEB], "Tags": [{"Key": "team", "Value": "web"}]}),)),
    ok("all", DT, {"Resources": [WEB]}, "no Tags: every tag of the resource",
       setup=((CT, {"Resources": [WEB], "Tags": [{"Key": "team", "Value": "web"}]}),)),
    ok("legacy", DT, {"Resources": [WEB], "Tags": [{"Key": "team"}]}, version=LEGACY),
    refused("dry-run", DT, {"Resources": [WEB], "DryRun": True}, "DryRunOperation"),
    bad("resources-missing", DT, {"Tags": [{"Key": "team"}]}, "MissingParameter"),
    ok("all", DE, {}, setup=((CT, {"Resources": [WEB, ADMIN],
                                   "Tags": [{"Key": "team", "Value": "web"}]}),)),
    ok("filter-resource-id", DE, {"Filters": [{"Name": "resource-id", "Values": [WEB]}]},
       setup=((CT, {"Resources": [WEB, ADMIN], "Tags": [{"Key": "team", "Value": "web"}]}),)),
    ok("page", DE, {"MaxResults": 5}, "the first page; NextToken is opaque",
       setup=((CT, {"Resources": [WEB, ADMIN, DB], "Tags": [
           {"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}]}),)),
    ok("legacy", DE, {"Filters": [{"Name": "resource-type", "Values": ["security-group"]}]},
       version=LEGACY,
       setup=((CT, {"Resources": [WEB], "Tags": [{"Key": "team", "Value": "web"}]}),)),
    refused("dry-run", DE, {"DryRun": True}, "DryRunOperation"),
    bad("filter-unknown", DE, {"Filters": [{"Name": "owner-id", "Values": [ACCOUNT]}]},
        "InvalidParameterValue"),
    bad("max-results-4", DE, {"MaxResults": 4}, "InvalidParameterValue"),
    # -- references across VPCs (the peering named is kept: docs/backend.md) ----------------------
    ok("peered", AI, _AUTH_APP_FROM_WEB[1],
       "WEB across a peering: the rule shows WEB's VPC and the connection"),
    ok("peered", DS, {"GroupIds": [APP]}, "the pair with VpcId, VpcPeeringConnectionId and status",
       setup=(_AUTH_APP_FROM_WEB,)),
    ok("peered", DR, {"Filters": [{"Name": "group-id", "Values": [APP]}]},
       "ReferencedGroupInfo with the peering", setup=(_AUTH_APP_FROM_WEB,)),
    ok("none", SR, {"GroupId": [WEB]}, "referenced from no other VPC"),
    ok("peered", SR, {"GroupId": [WEB, DB]}, "APP's rule references WEB across a peering",
       setup=(_AUTH_APP_FROM_WEB,)),
    refused("dry-run", SR, {"GroupId": [WEB], "DryRun": True}, "DryRunOperation"),
    refused("group-not-found", SR, {"GroupId": [MISSING]}, "InvalidGroup.NotFound"),
    bad("group-id-malformed", SR, {"GroupId": ["sg-xyz"]}, "InvalidGroupId.Malformed"),
    bad("group-id-missing", SR, {}, "MissingParameter"),
    ok("default-vpc", ST, {"VpcId": DEFAULT_VPC}),
    ok("peered", ST, {"VpcId": APP_VPC}, "a rule referencing a peer VPC's group is not stale",
       setup=(_AUTH_APP_FROM_WEB,)),
    ok("page", ST, {"VpcId": APP_VPC, "MaxResults": 5}),
    refused("dry-run", ST, {"VpcId": APP_VPC, "DryRun": True}, "DryRunOperation"),
    refused("vpc-not-found", ST, {"VpcId": "vpc-0123456789abcdef0"}, "InvalidVpcID.NotFound"),
    bad("vpc-id-missing", ST, {}, "MissingParameter"),
    bad("vpc-id-malformed", ST, {"VpcId": "vpc-xyz"}, "InvalidVpcId.Malformed"),
    bad("max-results-4", ST, {"VpcId": APP_VPC, "MaxResults": 4}, "InvalidParameterValue"),
    bad("max-results-256", ST, {"VpcId": APP_VPC, "MaxResults": 256}, "InvalidParameterValue",
        "5 to 255 (the API reference), not DescribeTags' 1000"),
    # -- refused in the world's state ----------------------------------------------------------
    refused("duplicate-rule", AI, perms(_SEED), "InvalidPermission.Duplicate",
            setup=(_AUTH_WEB_22,)),
    bad("duplicate-in-request", AI, perms(rule("tcp", 22, 22, **v4("10.0.0.0/8")),
                                          rule("tcp", 22, 22, **v4("10.0.0.1/8"))),
        "InvalidParameterValue", "the same rule once canonical"),
    refused("group-not-found", AI, perms(_SEED, group=MISSING), "InvalidGroup.NotFound"),
    refused("group-name-not-found", RI, perms(_SEED, group="nosuch"), "InvalidGroup.NotFound"),
    refused("rule-not-found-non-default-vpc", RI, perms(_SEED, group=APP),
            "InvalidPermission.NotFound", setup=()),
    refused("rule-id-not-found", RI, {"GroupId": WEB, "SecurityGroupRuleIds": [RULE_IDS[9]]},
            "InvalidSecurityGroupRuleId.NotFound", setup=()),
    refused("source-group-not-found", AI, perms(rule("tcp", 22, 22, **sg(MISSING))),
            "InvalidGroup.NotFound"),
    refused("duplicate-name", CR, {"GroupName": "websrv", "Description": "again"},
            "InvalidGroup.Duplicate"),
    refused("in-use", DL, {"GroupId": WEB}, "DependencyViolation", setup=(_AUTH_DB_FROM_WEB,)),
    refused("not-found", DL, {"GroupId": MISSING}, "InvalidGroup.NotFound"),
]

_P = rule("tcp", 22, 22, **v4("10.0.0.0/8"))

#: Invalid requests: (slug, operations, params, code).
_INVALID: list[tuple[str, tuple[str, ...], Params, str]] = [
    ("unknown-parameter", RULE_OPS, perms(_P, Colour="blue"), "UnknownParameter"),
    ("port-not-integer", RULE_OPS, perms(rule("tcp", "ssh", 22, **v4("10.0.0.0/8"))),  # type: ignore[arg-type]
     "InvalidParameterValue"),
    ("dry-run-not-boolean", (AI,), perms(_P, DryRun="yes"), "InvalidParameterValue"),
    ("group-id-malformed", RULE_OPS, perms(_P, group="sg-xyz"), "InvalidGroupId.Malformed"),
    ("no-group", INGRESS, {"IpPermissions": [_P]}, "MissingParameter"),
    ("no-group-id", (AE, RE), {"IpPermissions": [_P]}, "MissingParameter"),
    ("protocol-missing", RULE_OPS, perms({"FromPort": 22, "ToPort": 22, **v4("10.0.0.0/8")}),
     "InvalidParameterValue"),
    ("protocol-unknown", RULE_OPS, perms(rule("ssh", 22, 22, **v4("10.0.0.0/8"))),
     "InvalidParameterValue"),
    ("protocol-256", (AI,), perms(rule("256", **v4("10.0.0.0/8"))), "InvalidParameterValue"),
    ("tcp-without-ports", RULE_OPS, perms(rule("tcp", **v4("10.0.0.0/8"))),
     "InvalidParameterValue"),
    ("udp-to-port-only", (AI,), perms({"IpProtocol": "udp", "ToPort": 53, **v4("10.0.0.0/8")}),
     "InvalidParameterValue"),
    ("port-65536", RULE_OPS, perms(rule("tcp", 22, 65536, **v4("10.0.0.0/8"))),
     "InvalidPermission.Malformed"),
    ("port-negative", (AI, AE), perms(rule("tcp", -1, 22, **v4("10.0.0.0/8"))),
     "InvalidPermission.Malformed"),
    ("port-range-reversed", RULE_OPS, perms(rule("tcp", 443, 80, **v4("10.0.0.0/8"))),
     "InvalidParameterValue"),
    ("icmp-without-ports", (AI, AE), perms(rule("icmp", **v4("10.0.0.0/8"))),
     "InvalidParameterValue"),
    ("icmpv6-type-only", (AI,), perms({"IpProtocol": "icmpv6", "FromPort": 128,
                                       **v6("::/0")}), "InvalidParameterValue"),
    ("icmp-type-256", RULE_OPS, perms(rule("icmp", 256, 0, **v4("10.0.0.0/8"))),
     "InvalidParameterValue"),
    ("icmp-code-256", (AI,), perms(rule("icmp", 3, 256, **v4("10.0.0.0/8"))),
     "InvalidParameterValue"),
    ("icmp-all-types-one-code", (AI, RE), perms(rule("icmp", -1, 0, **v4("10.0.0.0/8"))),
     "InvalidParameterValue"),
    ("cidr-prefix-33", RULE_OPS, perms(rule("tcp", 22, 22, **v4("10.0.0.0/33"))),
     "InvalidParameterValue"),
    ("cidr-no-prefix", (AI,), perms(rule("tcp", 22, 22, **v4("10.0.0.1"))),
     "InvalidParameterValue"),
    ("cidr-octet-256", (RI,), perms(rule("tcp", 22, 22, **v4("10.0.256.0/24"))),
     "InvalidParameterValue"),
    ("cidr-ipv6-in-ipv4", (AI,), perms(rule("tcp", 22, 22, **v4("::/0"))),
     "InvalidParameterValue"),
    ("ipv6-malformed", (AI, AE), perms(rule("tcp", 22, 22, **v6("2001:db8:::/48"))),
     "InvalidParameterValue"),
    ("prefix-list-malformed", (AI, AE), perms(rule("tcp", 443, 443, **pl("s3"))),
     "InvalidPrefixListId.Malformed"),
    ("source-group-without-id", RULE_OPS, perms(rule("tcp", 22, 22, **sg({"UserId": ACCOUNT}))),
     "MissingParameter"),
    ("source-group-malformed", (AI, RE), perms(rule("tcp", 22, 22, **sg("sg-12"))),
     "InvalidGroupId.Malformed"),
    ("rule-description-chars", (AI, AE), perms(rule("tcp", 22, 22, **v4(
        {"CidrIp": "10.0.0.0/8", "Description": "caf\u00e9 <office>"}))), "InvalidParameterValue"),
    ("rule-description-too-long", (AI,), perms(rule("tcp", 22, 22, **v4(
        {"CidrIp": "10.0.0.0/8", "Description": "x" * 256}))), "InvalidParameterValue"),
    ("same-permission-twice", RULE_OPS, perms(_P, _P), "InvalidParameterValue"),
    ("same-permission-tcp-and-6", (AI,), perms(_P, rule("6", 22, 22, **v4("10.0.0.0/8"))),
     "InvalidParameterValue"),
    ("rule-id-malformed", (RI, RE), {"GroupId": WEB, "SecurityGroupRuleIds": ["sgr-1"]},
     "InvalidSecurityGroupRuleId.Malformed"),
    ("tag-resource-type-missing", (AI,), perms(_P, TagSpecifications=[
        {"Tags": [{"Key": "k", "Value": "v"}]}]), "InvalidParameterValue"),
    ("tag-resource-type-wrong", (AI, AE), perms(_P, TagSpecifications=[
        {"ResourceType": "instance", "Tags": [{"Key": "k", "Value": "v"}]}]),
     "InvalidParameterValue"),
    ("tag-key-duplicate", (AI,), perms(_P, TagSpecifications=[
        {"ResourceType": "security-group-rule", "Tags": [{"Key": "k", "Value": "1"},
                                                         {"Key": "k", "Value": "2"}]}]),
     "InvalidParameterValue"),
    ("tag-limit", (AE,), perms(_P, TagSpecifications=[
        {"ResourceType": "security-group-rule",
         "Tags": [{"Key": f"k{n}", "Value": "v"} for n in range(51)]}]), "TagLimitExceeded"),
    # legacy flat members
    ("egress-flat-members", (AE, RE), {"GroupId": WEB, "IpProtocol": "tcp", "FromPort": 22,
                                       "ToPort": 22, "CidrIp": "10.0.0.0/8"}, "UnknownParameter"),
    ("egress-group-name", (AE,), perms(_P, group="websrv"), "UnknownParameter"),
    ("flat-cidr-and-source-group", INGRESS, {**_FLAT, "SourceSecurityGroupName": "admin"},
     "InvalidParameterCombination"),
    ("flat-no-source", INGRESS, {"GroupName": "websrv", "IpProtocol": "tcp", "FromPort": 22,
                                 "ToPort": 22}, "MissingParameter"),
    ("flat-source-group-with-protocol", (RI,), {"GroupName": "websrv", "IpProtocol": "tcp",
                                                "SourceSecurityGroupName": "admin"},
     "InvalidParameterCombination"),
    ("flat-port-out-of-range", INGRESS, {"GroupName": "websrv", "IpProtocol": "tcp",
                                         "FromPort": -1, "ToPort": 22,
                                         "CidrIp": "10.0.0.0/8"}, "InvalidParameterValue"),
    ("flat-cidr-malformed", (AI,), {**_FLAT, "CidrIp": "205.192.0.0/16/1"},
     "InvalidParameterValue"),
    # create
    ("no-description", (CR,), {"GroupName": "cache"}, "MissingParameter"),
    ("no-name", (CR,), {"Description": "memcached"}, "MissingParameter"),
    ("name-sg-prefix", (CR,), {"GroupName": "sg-cache", "Description": "x"},
     "InvalidParameterValue"),
    ("name-not-ascii", (CR,), {"GroupName": "caché", "Description": "x"},
     "InvalidParameterValue"),
    ("name-bad-chars", (CR,), {"GroupName": "cache|1", "Description": "x"},
     "InvalidParameterValue"),
    ("description-not-ascii", (CR,), {"GroupName": "cache", "Description": "セキュリティグループ"},
     "InvalidParameterValue"),
    ("description-bad-chars", (CR,), {"GroupName": "cache", "Description": "a|b"},
     "InvalidParameterValue"),
    ("description-too-long", (CR,), {"GroupName": "cache", "Description": "d" * 256},
     "InvalidParameterValue"),
    ("tag-resource-type-wrong", (CR,), {"GroupName": "cache", "Description": "x",
                                        "TagSpecifications": [{"ResourceType": "vpc", "Tags": [
                                            {"Key": "k", "Value": "v"}]}]},
     "InvalidParameterValue"),
    ("tag-key-duplicate", (CR,), {"GroupName": "cache", "Description": "x",
                                  "TagSpecifications": [
                                      {"ResourceType": "security-group",
                                       "Tags": [{"Key": "env", "Value": "a"}]},
                                      {"ResourceType": "security-group",
                                       "Tags": [{"Key": "env", "Value": "b"}]}]},
     "InvalidParameterValue"),
    ("vpc-id-malformed", (CR,), {"GroupName": "cache", "Description": "x",
                                 "VpcId": "vpc-012345678"}, "InvalidVpcId.Malformed"),
    # describe
    ("max-results-4", (DS,), {"MaxResults": 4}, "InvalidParameterValue"),
    ("max-results-1001", (DS,), {"MaxResults": 1001}, "InvalidParameterValue"),
    ("max-results-with-ids", (DS,), {"GroupIds": [WEB], "MaxResults": 10},
     "InvalidParameterCombination"),
    ("group-id-malformed", (DS, DL), {"GroupIds": ["sg-nope"]}, "InvalidGroupId.Malformed"),
    ("filter-unknown", (DS,), {"Filters": [{"Name": "colour", "Values": ["blue"]}]},
     "InvalidParameterValue"),
    ("filter-value-too-long", (DS,), {"Filters": [{"Name": "group-name", "Values": ["n" * 256]}]},
     "FilterLimitExceeded"),
    # delete
    ("no-group", (DL,), {}, "MissingParameter"),
]

_ERA: list[Spec] = [
    bad("group-name-non-default-vpc", AI, perms(_P, group="websrv"), "VPCIdNotSpecified",
        "vpc=True: the target is known to be in a non-default VPC", vpc=True),
    bad("group-name-non-default-vpc", DL, {"GroupName": "websrv"}, "VPCIdNotSpecified", vpc=True),
    bad("classic-egress", AE, perms(_P), "InvalidParameterValue",
        "vpc=False: an EC2-Classic group", vpc=False),
    bad("classic-protocol-all", AI, perms(rule("-1", **v4("10.0.0.0/8"))),
        "InvalidPermission.Malformed", vpc=False),
    bad("legacy-classic-protocol-50", AI, {**_FLAT, "IpProtocol": "50"},
        "InvalidPermission.Malformed", vpc=False, version=LEGACY),
    bad("legacy-flat-no-source", AI, {"GroupName": "websrv", "IpProtocol": "tcp", "FromPort": 22,
                                      "ToPort": 22}, "MissingParameter", version=LEGACY),
    bad("legacy-flat-cidr-and-source-group", RI, {**_FLAT, "SourceSecurityGroupName": "admin"},
        "InvalidParameterCombination", version=LEGACY),
]


def _invalid_cases() -> list[Spec]:
    out: list[Spec] = []
    for slug, ops, params, code in _INVALID:
        for op in ops:
            p = dict(params)
            if op == DL and "GroupIds" in p:
                p = {"GroupId": p["GroupIds"][0]}
            out.append(bad(slug, op, p, code))
    return out


def _version_cases() -> list[Spec]:
    """The life cycle's requests at each API version between the legacy and the current one,
    each with the members that version added (``operations.ADDED``)."""
    out: list[Spec] = []
    for version in VERSIONS[1:-1]:
        nested = [rule("tcp", 22, 22, **v4("203.0.113.0/24"))]
        if version >= "2015-04-15":
            nested.append(rule("tcp", 443, 443, **pl(PL_S3)))
        if version >= "2015-10-01":
            nested.append(rule("tcp", 3306, 3306, **sg({"GroupId": DB, "VpcId": APP_VPC})))
        dry = {"DryRun": True} if version >= "2013-10-15" else {}
        at = f"at-{version}"
        out += [
            ok(at, CR, {"GroupName": "cache", "Description": "memcached"}, version=version),
            ok(at, AI, perms(*nested), version=version),
            ok(f"{at}-flat", AI, dict(_FLAT), version=version),
            ok(at, RI, perms(*nested), version=version),
            ok(at, AE, perms(rule("tcp", 443, 443, **v4("0.0.0.0/0"))), version=version),
            ok(at, RE, perms(rule("-1", **v4("0.0.0.0/0"))), version=version, setup=()),
            ok(at, DS, {"GroupIds": [WEB]}, version=version),
            ok(at, DL, {"GroupId": ADMIN}, version=version),
            ok(at, CT, {"Resources": [WEB], "Tags": [{"Key": "team", "Value": "web"}]},
               version=version),
            ok(at, DT, {"Resources": [WEB], "Tags": [{"Key": "team"}]}, version=version),
            ok(at, DE, {"Filters": [{"Name": "key", "Values": ["team"]}]}, version=version,
               setup=((CT, {"Resources": [WEB], "Tags": [{"Key": "team", "Value": "w"}]}),)),
        ]
        if version >= "2015-10-01":
            out += [ok(at, SR, {"GroupId": [WEB]}, version=version, setup=(_AUTH_APP_FROM_WEB,)),
                    ok(at, ST, {"VpcId": APP_VPC}, version=version)]
        if dry:
            out.append(refused(f"{at}-dry-run", DS, dry, "DryRunOperation", version=version))
    out.append(ok("user-id-at-2013-10-15", AI, {"UserId": ACCOUNT, **_FLAT},
                  "UserId: the last version that has it (its WSDL)", version="2013-10-15"))
    return out


CASES: tuple[Spec, ...] = (
    *_rule_cases(), *_SPECIFIC, *_invalid_cases(), *_ERA, *_version_cases(),
)
