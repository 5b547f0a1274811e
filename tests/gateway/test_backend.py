# ruff: noqa: E501  (the error table keeps one case per row, as model/shapes.py does)
"""The embedded backend: life cycle, canonical forms, describe, result shapes, every error path.

Expected codes and messages are EC2's, from ../shared/reference/ec2-behaviour.md
("ref" + row or E-number) and the error research of issue 9 ("research" + row);
where only moto's text exists that is said.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import given, settings

from ec2query._errors import EC2Error, RequestError
from ec2query._model import ListShape, Scalar, Structure, structure
from ec2query._validate import validate
from ec2query.gateway._backend import _SELECT_RULE, DEFAULT_VPC_ID, Backend, NotValidated
from ec2query.gateway._canon import Rule

from ..test_rules_shape import requests as corrupted_requests

OTHER_VPC = "vpc-0ffffffffffffffff"
ACCOUNT = "123456789012"


def tcp(port: int, *cidrs: str, **extra: Any) -> dict[str, Any]:
    return {
        "IpProtocol": "tcp",
        "FromPort": port,
        "ToPort": port,
        "IpRanges": [{"CidrIp": c} for c in cidrs],
        **extra,
    }


@dataclass
class World:
    backend: Backend
    web: str  # "web" in the default VPC
    app: str  # "app" in OTHER_VPC
    db: str  # "db" in OTHER_VPC
    default: str  # the default VPC's default group

    def call(self, op: str, params: dict[str, Any]) -> dict[str, Any]:
        return self.backend.handle(op, params)

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        """The rows of one SELECT, read in one of the backend's transactions."""
        return [tuple(row) for row in self.backend._run(
            lambda conn, _: {"rows": conn.execute(sql).fetchall()}, {}, write=False)["rows"]]


#: The two databases every test of the fixture runs on (the answers must be the same).
ENGINES = ["sqlite", "postgresql"]


def database(request: pytest.FixtureRequest) -> str:
    """``:memory:``, or a PostgreSQL schema of the test's own (tests/pg.py)."""
    return ":memory:" if request.param == "sqlite" else request.getfixturevalue("pg_url")


@pytest.fixture(params=ENGINES)
def world(request: pytest.FixtureRequest) -> World:
    backend = Backend(database(request), rng=random.Random(7), rule_limit=5)
    web = backend.handle("CreateSecurityGroup", {"GroupName": "web", "Description": "w"})
    app = backend.handle(
        "CreateSecurityGroup", {"GroupName": "app", "Description": "a", "VpcId": OTHER_VPC}
    )
    db = backend.handle(
        "CreateSecurityGroup", {"GroupName": "db", "Description": "d", "VpcId": OTHER_VPC}
    )
    default = backend.handle("DescribeSecurityGroups", {"GroupNames": ["default"]})
    yield World(
        backend,
        web["GroupId"],
        app["GroupId"],
        db["GroupId"],
        default["SecurityGroups"][0]["GroupId"],
    )
    backend.close()


def describe(world: World, group_id: str) -> dict[str, Any]:
    return world.call("DescribeSecurityGroups", {"GroupIds": [group_id]})["SecurityGroups"][0]


def assert_shape(value: Any, shape: Any, path: str = "") -> None:
    """``value`` is what botocore would parse for ``shape``: model member names and types only."""
    if isinstance(shape, Structure):
        assert isinstance(value, dict), path
        unknown = set(value) - set(shape.by_name)
        assert not unknown, f"{path}: {unknown} not in {shape.name}"
        for name, item in value.items():
            assert_shape(item, shape.by_name[name].shape, f"{path}.{name}")
    elif isinstance(shape, ListShape):
        assert isinstance(value, list), path
        for index, item in enumerate(value):
            assert_shape(item, shape.member, f"{path}[{index}]")
    else:
        assert isinstance(shape, Scalar)
        kind = {"string": str, "integer": int, "boolean": bool}[shape.kind]
        assert type(value) is kind, f"{path}: {value!r} is not {shape.kind}"


# ---------------------------------------------------------------------------- life cycle


def test_create_gives_ids_arn_tags_and_default_egress(world: World) -> None:
    result = world.call(
        "CreateSecurityGroup",
        {
            "GroupName": "tagged",
            "Description": "t",
            "TagSpecifications": [
                {"ResourceType": "security-group", "Tags": [{"Key": "env", "Value": "dev"}]}
            ],
        },
    )
    assert_shape(result, structure("CreateSecurityGroupResult"))
    assert result["GroupId"].startswith("sg-") and len(result["GroupId"]) == 20
    assert result["SecurityGroupArn"] == (
        f"arn:aws:ec2:us-east-1:{ACCOUNT}:security-group/{result['GroupId']}"
    )
    assert result["Tags"] == [{"Key": "env", "Value": "dev"}]
    group = describe(world, result["GroupId"])
    assert_shape(group, structure("SecurityGroup"))
    assert group["VpcId"] == DEFAULT_VPC_ID and group["OwnerId"] == ACCOUNT
    assert group["IpPermissions"] == []
    assert group["IpPermissionsEgress"] == [
        {
            "IpProtocol": "-1",
            "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
            "Ipv6Ranges": [],
            "PrefixListIds": [],
            "UserIdGroupPairs": [],
        }
    ]


def test_every_vpc_has_a_default_group_allowing_its_members(world: World) -> None:
    groups = world.call(
        "DescribeSecurityGroups", {"Filters": [{"Name": "group-name", "Values": ["default"]}]}
    )["SecurityGroups"]
    assert {g["VpcId"] for g in groups} == {DEFAULT_VPC_ID, OTHER_VPC}
    for group in groups:
        assert group["Description"] == "default VPC security group"
        pairs = group["IpPermissions"][0]["UserIdGroupPairs"]
        assert pairs == [{"GroupId": group["GroupId"], "UserId": ACCOUNT}]


def test_authorize_then_revoke_round_trip(world: World) -> None:
    result = world.call(
        "AuthorizeSecurityGroupIngress",
        {"GroupName": "web", "IpPermissions": [tcp(22, "203.0.113.0/24", "198.51.100.0/24")]},
    )
    assert_shape(result, structure("AuthorizeSecurityGroupIngressResult"))
    rules = result["SecurityGroupRules"]
    assert [r["CidrIpv4"] for r in rules] == ["203.0.113.0/24", "198.51.100.0/24"]
    for rule in rules:
        assert (
            rule["SecurityGroupRuleId"].startswith("sgr-")
            and len(rule["SecurityGroupRuleId"]) == 21
        )
        assert rule["SecurityGroupRuleArn"].endswith(
            f":security-group-rule/{rule['SecurityGroupRuleId']}"
        )
        assert (rule["GroupId"], rule["GroupOwnerId"], rule["IsEgress"]) == (
            world.web,
            ACCOUNT,
            False,
        )
        assert (rule["IpProtocol"], rule["FromPort"], rule["ToPort"], rule["Tags"]) == (
            "tcp",
            22,
            22,
            [],
        )
    assert describe(world, world.web)["IpPermissions"] == [
        {
            "IpProtocol": "tcp",
            "FromPort": 22,
            "ToPort": 22,
            "IpRanges": [{"CidrIp": "203.0.113.0/24"}, {"CidrIp": "198.51.100.0/24"}],
            "Ipv6Ranges": [],
            "PrefixListIds": [],
            "UserIdGroupPairs": [],
        }
    ]
    revoked = world.call(
        "RevokeSecurityGroupIngress",
        {"GroupId": world.web, "IpPermissions": [tcp(22, "203.0.113.0/24")]},
    )
    assert_shape(revoked, structure("RevokeSecurityGroupIngressResult"))
    assert revoked == {
        "Return": True,
        "RevokedSecurityGroupRules": [
            {
                "SecurityGroupRuleId": rules[0]["SecurityGroupRuleId"],
                "GroupId": world.web,
                "IsEgress": False,
                "IpProtocol": "tcp",
                "FromPort": 22,
                "ToPort": 22,
                "CidrIpv4": "203.0.113.0/24",
            }
        ],
    }
    revoked = world.call(
        "RevokeSecurityGroupIngress",
        {"GroupId": world.web, "SecurityGroupRuleIds": [rules[1]["SecurityGroupRuleId"]]},
    )
    assert [r["CidrIpv4"] for r in revoked["RevokedSecurityGroupRules"]] == ["198.51.100.0/24"]
    assert describe(world, world.web)["IpPermissions"] == []


def test_legacy_flat_members_are_folded(world: World) -> None:
    world.call(
        "AuthorizeSecurityGroupIngress",
        {
            "GroupName": "web",
            "IpProtocol": "tcp",
            "FromPort": 80,
            "ToPort": 80,
            "CidrIp": "0.0.0.0/0",
        },
    )
    world.call(
        "AuthorizeSecurityGroupIngress",
        {"GroupName": "web", "SourceSecurityGroupName": "default", "SourceSecurityGroupOwnerId": ACCOUNT,
         "IpProtocol": "tcp", "FromPort": 1, "ToPort": 65535},
    )  # fmt: skip
    permissions = describe(world, world.web)["IpPermissions"]
    assert permissions[0]["IpRanges"] == [{"CidrIp": "0.0.0.0/0"}]
    assert permissions[1]["UserIdGroupPairs"] == [{"GroupId": world.default, "UserId": ACCOUNT}]


def test_every_source_kind_with_descriptions_tags_and_egress(world: World) -> None:
    permission = {
        "IpProtocol": "udp",
        "FromPort": 53,
        "ToPort": 53,
        "IpRanges": [{"CidrIp": "10.0.0.0/8", "Description": "dns v4"}],
        "Ipv6Ranges": [{"CidrIpv6": "2001:db8::/32", "Description": "dns v6"}],
        "PrefixListIds": [{"PrefixListId": "pl-0123456789abcdef0"}],
        "UserIdGroupPairs": [{"GroupId": world.db, "Description": "peer"}],
    }
    result = world.call(
        "AuthorizeSecurityGroupEgress",
        {"GroupId": world.app, "IpPermissions": [permission],
         "TagSpecifications": [{"ResourceType": "security-group-rule", "Tags": [{"Key": "k", "Value": "v"}]}]},
    )  # fmt: skip
    assert_shape(result, structure("AuthorizeSecurityGroupEgressResult"))
    rules = result["SecurityGroupRules"]
    assert all(r["IsEgress"] and r["Tags"] == [{"Key": "k", "Value": "v"}] for r in rules)
    assert rules[0]["CidrIpv4"] == "10.0.0.0/8" and rules[0]["Description"] == "dns v4"
    assert rules[1]["CidrIpv6"] == "2001:db8::/32"
    assert rules[2]["PrefixListId"] == "pl-0123456789abcdef0" and "Description" not in rules[2]
    assert rules[3]["ReferencedGroupInfo"] == {"GroupId": world.db, "UserId": ACCOUNT}
    egress = describe(world, world.app)["IpPermissionsEgress"]
    assert egress[1] == {
        "IpProtocol": "udp",
        "FromPort": 53,
        "ToPort": 53,
        "IpRanges": [{"CidrIp": "10.0.0.0/8", "Description": "dns v4"}],
        "Ipv6Ranges": [{"CidrIpv6": "2001:db8::/32", "Description": "dns v6"}],
        "PrefixListIds": [{"PrefixListId": "pl-0123456789abcdef0"}],
        "UserIdGroupPairs": [{"GroupId": world.db, "UserId": ACCOUNT, "Description": "peer"}],
    }
    # Revoke by value needs no description (botocore doc, ref 5.4).
    stripped = {**permission, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}
    revoked = world.call(
        "RevokeSecurityGroupEgress", {"GroupId": world.app, "IpPermissions": [stripped]}
    )
    assert_shape(revoked, structure("RevokeSecurityGroupEgressResult"))
    assert revoked["RevokedSecurityGroupRules"][3]["ReferencedGroupId"] == world.db
    assert len(describe(world, world.app)["IpPermissionsEgress"]) == 1


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ({"IpProtocol": "TCP", "FromPort": 22, "ToPort": 22}, ("tcp", 22, 22)),
        ({"IpProtocol": "6", "FromPort": 22, "ToPort": 22}, ("tcp", 22, 22)),
        ({"IpProtocol": "17", "FromPort": 53, "ToPort": 53}, ("udp", 53, 53)),
        ({"IpProtocol": "1", "FromPort": 8, "ToPort": -1}, ("icmp", 8, -1)),
        ({"IpProtocol": "58"}, ("icmpv6", -1, -1)),
        ({"IpProtocol": "-1", "FromPort": 1, "ToPort": 2}, ("-1", -1, -1)),
        ({"IpProtocol": "50", "FromPort": 1, "ToPort": 2}, ("50", -1, -1)),
        ({"IpProtocol": "050"}, ("50", -1, -1)),
    ],
)
def test_protocols_and_ports_are_canonical(world: World, given: dict, stored: tuple) -> None:
    """Names lower-cased, 6/17/1/58 named, ports ignored where the protocol has none (ref 5.4, row 31)."""
    rule = world.call(
        "AuthorizeSecurityGroupIngress",
        {
            "GroupId": world.web,
            "IpPermissions": [{**given, "IpRanges": [{"CidrIp": "1.2.3.4/32"}]}],
        },
    )["SecurityGroupRules"][0]
    assert (rule["IpProtocol"], rule["FromPort"], rule["ToPort"]) == stored
    shown = describe(world, world.web)["IpPermissions"][0]
    assert shown["IpProtocol"] == stored[0]
    if stored[0] in ("tcp", "udp", "icmp", "icmpv6"):
        assert (shown["FromPort"], shown["ToPort"]) == stored[1:]
    else:
        assert "FromPort" not in shown and "ToPort" not in shown
    # the same rule in its other spellings is a duplicate, and revokes it
    revoked = world.call(
        "RevokeSecurityGroupIngress",
        {"GroupId": world.web, "IpPermissions": [{"IpProtocol": stored[0], "FromPort": stored[1],
         "ToPort": stored[2], "IpRanges": [{"CidrIp": "1.2.3.4/32"}]}]},
    )  # fmt: skip
    assert len(revoked["RevokedSecurityGroupRules"]) == 1


def test_cidrs_are_canonical(world: World) -> None:
    """``100.68.0.18/18`` is stored and matched as ``100.68.0.0/18`` (botocore CidrIp doc, ref 5.4)."""
    rules = world.call(
        "AuthorizeSecurityGroupIngress",
        {"GroupId": world.web, "IpPermissions": [
            {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "100.68.0.18/18"}],
             "Ipv6Ranges": [{"CidrIpv6": "2001:DB8:0:0::1/64"}]}]},
    )["SecurityGroupRules"]  # fmt: skip
    assert [rules[0]["CidrIpv4"], rules[1]["CidrIpv6"]] == ["100.68.0.0/18", "2001:db8::/64"]
    with pytest.raises(EC2Error) as caught:
        world.call(
            "AuthorizeSecurityGroupIngress",
            {
                "GroupId": world.web,
                "IpPermissions": [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "100.68.0.0/18"}]}],
            },
        )
    assert caught.value.code == "InvalidPermission.Duplicate"
    assert (
        caught.value.message
        == 'the specified rule "peer: 100.68.0.0/18, ALL, ALLOW" already exists'
    )
    revoked = world.call(
        "RevokeSecurityGroupIngress",
        {"GroupId": world.web, "IpPermissions": [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "100.68.63.255/18"}],
         "Ipv6Ranges": [{"CidrIpv6": "2001:db8::ffff/64"}]}]},
    )  # fmt: skip
    assert len(revoked["RevokedSecurityGroupRules"]) == 2


def test_revoke_in_default_vpc_reports_unknown_permissions(world: World) -> None:
    """Default VPC: no error, matched rules revoked, the rest echoed (botocore doc, ref 5.4, row 23)."""
    world.call(
        "AuthorizeSecurityGroupIngress",
        {"GroupId": world.web, "IpPermissions": [tcp(22, "10.0.0.0/8")]},
    )
    result = world.call(
        "RevokeSecurityGroupIngress",
        {
            "GroupId": world.web,
            "IpPermissions": [tcp(22, "10.0.0.0/8", "11.0.0.0/8"), tcp(23, "10.0.0.0/8")],
        },
    )
    assert result["Return"] is True
    assert [r["CidrIpv4"] for r in result["RevokedSecurityGroupRules"]] == ["10.0.0.0/8"]
    assert result["UnknownIpPermissions"] == [tcp(22, "11.0.0.0/8"), tcp(23, "10.0.0.0/8")]
    assert describe(world, world.web)["IpPermissions"] == []


def test_revoke_in_other_vpc_is_all_or_nothing(world: World) -> None:
    world.call(
        "AuthorizeSecurityGroupIngress",
        {"GroupId": world.app, "IpPermissions": [tcp(22, "10.0.0.0/8")]},
    )
    with pytest.raises(EC2Error) as caught:
        world.call(
            "RevokeSecurityGroupIngress",
            {"GroupId": world.app, "IpPermissions": [tcp(22, "10.0.0.0/8", "11.0.0.0/8")]},
        )
    assert (caught.value.code, caught.value.message) == (
        "InvalidPermission.NotFound",
        "The specified rule does not exist in this security group.",
    )
    assert len(describe(world, world.app)["IpPermissions"]) == 1


def test_authorize_is_all_or_nothing(world: World) -> None:
    world.call(
        "AuthorizeSecurityGroupIngress",
        {"GroupId": world.web, "IpPermissions": [tcp(22, "10.0.0.0/8")]},
    )
    with pytest.raises(EC2Error):
        world.call(
            "AuthorizeSecurityGroupIngress",
            {"GroupId": world.web, "IpPermissions": [tcp(80, "10.0.0.0/8"), tcp(22, "10.0.0.0/8")]},
        )
    assert [p["FromPort"] for p in describe(world, world.web)["IpPermissions"]] == [22]


def test_a_duplicate_is_reported_before_the_quota(world: World) -> None:
    """One request both over the quota (5 in the fixture) and repeating a rule: Duplicate."""
    world.call(
        "AuthorizeSecurityGroupIngress", {"GroupId": world.web, "IpPermissions": [tcp(1, "10.0.0.0/32")]}
    )
    over = [f"10.0.0.{i}/32" for i in range(6)]  # the first is the existing rule
    with pytest.raises(EC2Error) as caught:
        world.call(
            "AuthorizeSecurityGroupIngress", {"GroupId": world.web, "IpPermissions": [tcp(1, *over)]}
        )
    assert caught.value.code == "InvalidPermission.Duplicate"
    assert len(describe(world, world.web)["IpPermissions"][0]["IpRanges"]) == 1


def test_a_rules_tags_go_with_it(world: World) -> None:
    """Revoking by value or by id, or deleting the group, leaves no tag rows behind."""
    tagged = [{"ResourceType": "security-group-rule", "Tags": [{"Key": "k", "Value": "v"}]}]

    def authorize(*ports: int) -> list[str]:
        result = world.call(
            "AuthorizeSecurityGroupIngress",
            {"GroupId": world.app, "IpPermissions": [tcp(p, "10.0.0.0/8") for p in ports],
             "TagSpecifications": tagged},
        )  # fmt: skip
        return [rule["SecurityGroupRuleId"] for rule in result["SecurityGroupRules"]]

    def tag_rows() -> set[str]:
        return {row[0] for row in world.rows("SELECT rule_id FROM rule_tag")}

    by_value, by_id, kept = authorize(1, 2, 3)
    assert tag_rows() == {by_value, by_id, kept}
    world.call(
        "RevokeSecurityGroupIngress",
        {"GroupId": world.app, "IpPermissions": [tcp(1, "10.0.0.0/8")], "SecurityGroupRuleIds": [by_id]},
    )
    assert tag_rows() == {kept}
    world.call("DeleteSecurityGroup", {"GroupId": world.app})
    assert tag_rows() == set()


def test_rule_limit_counts_ipv4_and_ipv6_separately(world: World) -> None:
    """60 per family per direction by default (ref row 28); the fixture sets 5."""
    v4 = [f"10.0.0.{i}/32" for i in range(5)]
    world.call(
        "AuthorizeSecurityGroupIngress", {"GroupId": world.web, "IpPermissions": [tcp(1, *v4)]}
    )
    v6 = [{"CidrIpv6": f"2001:db8::{i}/128"} for i in range(5)]
    world.call(
        "AuthorizeSecurityGroupIngress",
        {"GroupId": world.web, "IpPermissions": [{"IpProtocol": "-1", "Ipv6Ranges": v6}]},
    )
    # egress is its own quota (the default egress rule is one of its 5)
    world.call(
        "AuthorizeSecurityGroupEgress", {"GroupId": world.web, "IpPermissions": [tcp(1, *v4[:4])]}
    )


def test_delete_by_id_and_name(world: World) -> None:
    assert world.call("DeleteSecurityGroup", {"GroupName": "web"}) == {
        "Return": True,
        "GroupId": world.web,
    }
    assert world.call("DeleteSecurityGroup", {"GroupId": world.app}) == {
        "Return": True,
        "GroupId": world.app,
    }
    names = {g["GroupName"] for g in world.call("DescribeSecurityGroups", {})["SecurityGroups"]}
    assert names == {"default", "db"}


def test_delete_allowed_once_references_are_gone(world: World) -> None:
    pair = {"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": world.db}]}
    world.call("AuthorizeSecurityGroupIngress", {"GroupId": world.app, "IpPermissions": [pair]})
    with pytest.raises(EC2Error):
        world.call("DeleteSecurityGroup", {"GroupId": world.db})
    world.call("RevokeSecurityGroupIngress", {"GroupId": world.app, "IpPermissions": [pair]})
    world.call("DeleteSecurityGroup", {"GroupId": world.db})


def test_self_reference_does_not_block_delete(world: World) -> None:
    pair = {"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": world.db}]}
    world.call("AuthorizeSecurityGroupIngress", {"GroupId": world.db, "IpPermissions": [pair]})
    world.call("DeleteSecurityGroup", {"GroupId": world.db})


def test_cli_operation_names_are_accepted(world: World) -> None:
    groups = world.call("describe-security-groups", {"GroupIds": [world.web]})["SecurityGroups"]
    assert groups[0]["GroupName"] == "web"


@pytest.fixture(params=ENGINES)
def db(request: pytest.FixtureRequest) -> str:
    return database(request)


def test_no_default_vpc(db: str) -> None:
    with Backend(db, default_vpc_id=None) as backend:
        with pytest.raises(EC2Error) as caught:
            backend.handle("CreateSecurityGroup", {"GroupName": "x", "Description": "d"})
        assert (caught.value.code, caught.value.message) == (
            "VPCIdNotSpecified",
            "No default VPC for this user",
        )
        with pytest.raises(EC2Error) as caught:
            backend.handle("DeleteSecurityGroup", {"GroupName": "x"})
        assert caught.value.message == (
            "No default VPC for this user. GroupName is only supported for EC2-Classic and default VPC."
        )
        created = backend.handle(
            "CreateSecurityGroup", {"GroupName": "x", "Description": "d", "VpcId": OTHER_VPC}
        )
        assert created["GroupId"].startswith("sg-")


def test_rule_columns_match_the_rule_tuple() -> None:
    columns = _SELECT_RULE.removeprefix("SELECT ").split(" FROM")[0].split(", ")
    assert tuple(columns) == Rule._fields


def test_ids_come_from_the_injected_random_source() -> None:
    def ids(seed: int) -> str:
        with Backend(rng=random.Random(seed)) as backend:
            return backend.handle("CreateSecurityGroup", {"GroupName": "x", "Description": "d"})[
                "GroupId"
            ]

    assert ids(1) == ids(1) != ids(2)


# ---------------------------------------------------------------------------- describe


def test_describe_filters(world: World) -> None:
    world.call(
        "AuthorizeSecurityGroupIngress",
        {"GroupId": world.app, "IpPermissions": [tcp(22, "10.0.0.0/8")]},
    )
    world.call(
        "AuthorizeSecurityGroupIngress",
        {"GroupId": world.web, "IpPermissions": [{"IpProtocol": "udp", "FromPort": 53, "ToPort": 54,
         "UserIdGroupPairs": [{"GroupId": world.default}], "Ipv6Ranges": [{"CidrIpv6": "::/0"}],
         "PrefixListIds": [{"PrefixListId": "pl-0123456789abcdef0"}]}]},
    )  # fmt: skip
    world.call(
        "CreateSecurityGroup",
        {"GroupName": "tagged", "Description": "x y", "TagSpecifications": [
            {"ResourceType": "security-group", "Tags": [{"Key": "env", "Value": "prod"}]}]},
    )  # fmt: skip

    def names(*filters: tuple[str, list[str]]) -> set[str]:
        spec = [{"Name": n, "Values": v} for n, v in filters]
        groups = world.call("DescribeSecurityGroups", {"Filters": spec})["SecurityGroups"]
        return {
            f"{g['GroupName']}@{'default' if g['VpcId'] == DEFAULT_VPC_ID else 'other'}"
            for g in groups
        }

    assert names(("group-id", [world.web, world.app])) == {"web@default", "app@other"}
    assert names(("group-name", ["a*"])) == {"app@other"}
    assert names(("group-name", ["?b"])) == {"db@other"}
    assert names(("vpc-id", [OTHER_VPC]), ("group-name", ["default"])) == {"default@other"}
    assert names(("description", ["x y"])) == {"tagged@default"}
    assert len(names(("owner-id", [ACCOUNT]))) == 6
    assert names(("tag:env", ["prod"])) == {"tagged@default"}
    assert names(("tag:env", ["dev"])) == set()
    assert names(("tag-key", ["env"])) == {"tagged@default"}
    assert names(("ip-permission.protocol", ["tcp"])) == {"app@other"}
    assert names(("ip-permission.protocol", ["6"])) == {"app@other"}
    assert names(("ip-permission.protocol", ["-1"])) == {"default@default", "default@other"}
    assert names(("ip-permission.from-port", ["53"])) == {"web@default"}
    assert names(("ip-permission.to-port", ["54"])) == {"web@default"}
    assert names(("ip-permission.cidr", ["10.*"])) == {"app@other"}
    assert names(("ip-permission.ipv6-cidr", ["::/0"])) == {"web@default"}
    assert names(("ip-permission.prefix-list-id", ["pl-0123456789abcdef0"])) == {"web@default"}
    assert names(("ip-permission.group-id", [world.default])) == {"web@default", "default@default"}
    assert names(("ip-permission.group-name", ["default"])) == {
        "web@default", "default@default", "default@other"}  # fmt: skip
    assert names(("ip-permission.user-id", [ACCOUNT]), ("vpc-id", [DEFAULT_VPC_ID])) == {
        "web@default", "default@default"}  # fmt: skip
    assert len(names(("egress.ip-permission.cidr", ["0.0.0.0/0"]))) == 6
    assert names(("egress.ip-permission.protocol", ["tcp"])) == set()
    # filters are AND-ed, values OR-ed
    assert names(("group-name", ["web", "app"]), ("vpc-id", [OTHER_VPC])) == {"app@other"}


def test_describe_by_name_is_the_default_vpc(world: World) -> None:
    groups = world.call("DescribeSecurityGroups", {"GroupNames": ["web", "default"]})[
        "SecurityGroups"
    ]
    assert {g["GroupId"] for g in groups} == {world.web, world.default}


def test_a_describe_of_one_group_reads_that_groups_rules_alone(tmp_path: Any) -> None:
    """Every rule and tag of the database was read for any describe: one group's took
    1.5 s among 240,000 rules. The statements SQLite runs say which rows are read."""
    backend = Backend(str(tmp_path / "g.db"))
    try:
        made = [backend.handle("CreateSecurityGroup", {"GroupName": f"g{n}", "Description": "d"})[
            "GroupId"] for n in range(3)]  # fmt: skip
        for group_id in made:
            backend.handle("AuthorizeSecurityGroupIngress",
                           {"GroupId": group_id, "IpPermissions": [tcp(22, "10.0.0.0/8")]})
        run: list[str] = []
        backend._connection().set_trace_callback(run.append)
        groups = backend.handle("DescribeSecurityGroups", {"GroupIds": [made[1]]})
    finally:
        backend.close()
    assert [g["GroupId"] for g in groups["SecurityGroups"]] == [made[1]]
    whole = [sql for sql in run if " FROM rule" in sql or " FROM sg_tag" in sql]
    others = (made[0], made[2])
    assert whole and all(made[1] in sql and not any(other in sql for other in others)
                         for sql in whole), whole


@pytest.mark.parametrize("by", ["rule id", "group-id filter"])
def test_a_describe_of_one_groups_rules_reads_those_alone(tmp_path: Any, by: str) -> None:
    """DescribeSecurityGroupRules read every rule and rule tag of the database, however
    few the request named."""
    backend = Backend(str(tmp_path / "g.db"))
    try:
        made = [backend.handle("CreateSecurityGroup", {"GroupName": f"g{n}", "Description": "d"})[
            "GroupId"] for n in range(3)]  # fmt: skip
        rules = [backend.handle("AuthorizeSecurityGroupIngress", {
            "GroupId": group_id, "IpPermissions": [tcp(22, "10.0.0.0/8")]})[
            "SecurityGroupRules"][0]["SecurityGroupRuleId"] for group_id in made]  # fmt: skip
        params: dict[str, Any] = (
            {"SecurityGroupRuleIds": [rules[1]]} if by == "rule id"
            else {"Filters": [{"Name": "group-id", "Values": [made[1]]}]})
        run: list[str] = []
        backend._connection().set_trace_callback(run.append)
        found = backend.handle("DescribeSecurityGroupRules", params)["SecurityGroupRules"]
    finally:
        backend.close()
    shown = {rule["SecurityGroupRuleId"] for rule in found}
    assert rules[1] in shown and {rule["GroupId"] for rule in found} == {made[1]}
    if by == "rule id":
        assert shown == {rules[1]}
    others = [made[0], made[2], rules[0], rules[2]]
    read = [sql for sql in run if " FROM rule" in sql]  # rule and rule_tag
    assert read and all(" WHERE " in sql and not any(other in sql for other in others)
                        for sql in read), read


def test_rules_named_by_id_are_read_a_hundred_a_statement(tmp_path: Any) -> None:
    """Each named rule was two statements (its row, its tags): 250 rules were 500 round
    trips to a PostgreSQL server. Now a statement reads a hundred; a missing one is still
    the first the request names."""
    backend = Backend(str(tmp_path / "g.db"))
    try:
        made = []
        for n in range(5):  # 50 rules a group: EC2's limit is 60
            group_id = backend.handle("CreateSecurityGroup", {
                "GroupName": f"g{n}", "Description": "d"})["GroupId"]
            made += [rule["SecurityGroupRuleId"] for rule in backend.handle(
                "AuthorizeSecurityGroupIngress", {"GroupId": group_id, "IpPermissions": [
                    tcp(port, "10.0.0.0/8") for port in range(1, 51)]})["SecurityGroupRules"]]
        backend.handle("CreateTags", {"Resources": made[:2],
                                      "Tags": [{"Key": "k", "Value": "v"}]})
        run: list[str] = []
        backend._connection().set_trace_callback(run.append)
        found = backend.handle("DescribeSecurityGroupRules",
                               {"SecurityGroupRuleIds": made[::-1]})["SecurityGroupRules"]
        with pytest.raises(EC2Error) as missing:
            backend.handle("DescribeSecurityGroupRules", {
                "SecurityGroupRuleIds": [made[0], "sgr-0123456789abcdef0", "sgr-0fffffffffffffff0"]})
    finally:
        backend.close()
    assert [rule["SecurityGroupRuleId"] for rule in found] == made  # creation order
    assert [rule.get("Tags") for rule in found[:3]] == [[{"Key": "k", "Value": "v"}]] * 2 + [[]]
    read = [sql for sql in run if " FROM rule" in sql]
    assert len(read) <= 8, len(read)  # 3 of rules, 3 of tags, then the refused request's
    assert missing.value.code == "InvalidSecurityGroupRuleId.NotFound"
    assert "sgr-0123456789abcdef0" in missing.value.message


def test_describe_pages(world: World) -> None:
    for i in range(7):
        world.call("CreateSecurityGroup", {"GroupName": f"g{i}", "Description": "d"})
    seen: list[str] = []
    token = None
    pages = 0
    while True:
        params: dict[str, Any] = {"MaxResults": 5}
        if token:
            params["NextToken"] = token
        page = world.call("DescribeSecurityGroups", params)
        pages += 1
        seen += [g["GroupId"] for g in page["SecurityGroups"]]
        token = page.get("NextToken")
        if not token:
            break
    everything = [g["GroupId"] for g in world.call("DescribeSecurityGroups", {})["SecurityGroups"]]
    assert seen == everything and len(everything) == 12 and pages == 3


# ---------------------------------------------------------------------------- error table

Params = Callable[[World], dict[str, Any]]
ERRORS: list[tuple[str, str, Params, str, Callable[[World], str]]] = [
    # (id, operation, params, code, message)
    ("unknown group id", "AuthorizeSecurityGroupIngress",
     lambda w: {"GroupId": "sg-0123456789abcdef0", "IpPermissions": [tcp(1, "1.1.1.1/32")]},
     "InvalidGroup.NotFound", lambda w: "The security group 'sg-0123456789abcdef0' does not exist"),  # research 8f
    ("unknown group name", "RevokeSecurityGroupIngress",
     lambda w: {"GroupName": "nope", "IpPermissions": [tcp(1, "1.1.1.1/32")]},
     "InvalidGroup.NotFound", lambda w: f"The security group 'nope' does not exist in default VPC '{DEFAULT_VPC_ID}'"),  # ref E22
    ("name of a group in another VPC", "AuthorizeSecurityGroupIngress",
     lambda w: {"GroupName": "app", "IpPermissions": [tcp(1, "1.1.1.1/32")]},
     "InvalidGroup.NotFound", lambda w: f"The security group 'app' does not exist in default VPC '{DEFAULT_VPC_ID}'"),  # ref row 30
    ("duplicate tcp", "AuthorizeSecurityGroupIngress",
     lambda w: {"GroupId": w.web, "IpPermissions": [tcp(22, "203.0.113.0/24")]},
     "InvalidPermission.Duplicate",
     lambda w: 'the specified rule "peer: 203.0.113.0/24, TCP, from port: 22, to port: 22, ALLOW" already exists'),  # ref E6
    ("duplicate by host bits", "AuthorizeSecurityGroupIngress",
     lambda w: {"GroupId": w.web, "IpPermissions": [tcp(22, "203.0.113.99/24")]},
     "InvalidPermission.Duplicate",
     lambda w: 'the specified rule "peer: 203.0.113.0/24, TCP, from port: 22, to port: 22, ALLOW" already exists'),  # ref row 19
    ("duplicate group peer", "AuthorizeSecurityGroupIngress",
     lambda w: {"GroupId": w.web, "IpPermissions": [{"IpProtocol": "tcp", "FromPort": 0, "ToPort": 65535,
                                                      "UserIdGroupPairs": [{"GroupId": w.default}]}]},
     "InvalidPermission.Duplicate",
     lambda w: f'the specified rule "peer: {w.default}, TCP, from port: 0, to port: 65535, ALLOW" already exists'),  # ref E1
    ("duplicate all protocols (default egress)", "AuthorizeSecurityGroupEgress",
     lambda w: {"GroupId": w.web, "IpPermissions": [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]},
     "InvalidPermission.Duplicate", lambda w: 'the specified rule "peer: 0.0.0.0/0, ALL, ALLOW" already exists'),  # ref E3
    ("duplicate protocol number", "AuthorizeSecurityGroupIngress",
     lambda w: {"GroupId": w.web, "IpPermissions": [{"IpProtocol": "50", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]},
     "InvalidPermission.Duplicate", lambda w: 'the specified rule "peer: 0.0.0.0/0, protocol: 50, ALLOW" already exists'),  # ref E4
    ("duplicate icmp all", "AuthorizeSecurityGroupIngress",
     lambda w: {"GroupId": w.web, "IpPermissions": [{"IpProtocol": "icmp", "FromPort": -1, "ToPort": -1,
                                                      "IpRanges": [{"CidrIp": "10.0.0.0/24"}]}]},
     "InvalidPermission.Duplicate",
     lambda w: 'the specified rule "peer: 10.0.0.0/24, ICMP, type: ALL, code: ALL, ALLOW" already exists'),  # research extra
    ("rule limit", "AuthorizeSecurityGroupIngress",
     lambda w: {"GroupId": w.web, "IpPermissions": [tcp(9, *(f"9.9.9.{i}/32" for i in range(3)))]},
     "RulesPerSecurityGroupLimitExceeded",
     lambda w: "The maximum number of rules per security group has been reached."),  # ref row 28
    ("unknown source group id", "AuthorizeSecurityGroupIngress",
     lambda w: {"GroupId": w.web, "IpPermissions": [{"IpProtocol": "-1",
                                                      "UserIdGroupPairs": [{"GroupId": "sg-0123456789abcdef0"}]}]},
     "InvalidGroup.NotFound", lambda w: "The security group 'sg-0123456789abcdef0' does not exist"),
    ("unknown source group name", "AuthorizeSecurityGroupIngress",
     lambda w: {"GroupId": w.web, "IpProtocol": "-1", "SourceSecurityGroupName": "nope"},
     "InvalidGroup.NotFound", lambda w: f"The security group 'nope' does not exist in default VPC '{DEFAULT_VPC_ID}'"),  # ref E32
    ("source group in another VPC", "AuthorizeSecurityGroupIngress",
     lambda w: {"GroupId": w.app, "IpPermissions": [{"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupName": "web"}]}]},
     "InvalidGroup.NotFound", lambda w: "You have specified two resources that belong to different networks."),  # ref E23
    ("no protocol, flat source group (a VPC group)", "AuthorizeSecurityGroupIngress",
     lambda w: {"GroupId": w.web, "SourceSecurityGroupName": "default"},
     "InvalidParameterValue",
     lambda w: "Invalid value 'null' for protocol. VPC security group rules must specify protocols explicitly."),  # ref E10; the validator, not knowing the group, passes it
    ("source group twice, by id and by name", "AuthorizeSecurityGroupIngress",
     lambda w: {"GroupId": w.web, "IpPermissions": [{"IpProtocol": "-1", "UserIdGroupPairs": [
         {"GroupId": w.default}, {"GroupName": "default"}]}]},
     "InvalidParameterValue", lambda w: "The same permission must not appear multiple times"),  # ref E19, once both are found
    ("revoke missing rule, other VPC", "RevokeSecurityGroupIngress",
     lambda w: {"GroupId": w.app, "IpPermissions": [tcp(1, "1.1.1.1/32")]},
     "InvalidPermission.NotFound", lambda w: "The specified rule does not exist in this security group."),  # ref E7
    ("revoke egress missing rule, other VPC", "RevokeSecurityGroupEgress",
     lambda w: {"GroupId": w.app, "IpPermissions": [tcp(1, "1.1.1.1/32")]},
     "InvalidPermission.NotFound", lambda w: "The specified rule does not exist in this security group."),
    ("revoke ports must match exactly", "RevokeSecurityGroupIngress",
     lambda w: {"GroupId": w.app, "IpPermissions": [{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 23,
                                                      "IpRanges": [{"CidrIp": "203.0.113.0/24"}]}]},
     "InvalidPermission.NotFound", lambda w: "The specified rule does not exist in this security group."),
    ("unknown rule id", "RevokeSecurityGroupIngress",
     lambda w: {"GroupId": w.web, "SecurityGroupRuleIds": ["sgr-0123456789abcdef0"]},
     "InvalidSecurityGroupRuleId.NotFound",
     lambda w: "The security group rule ID 'sgr-0123456789abcdef0' does not exist"),  # ref row 24 (moto's text)
    ("create duplicate", "CreateSecurityGroup",
     lambda w: {"GroupName": "app", "Description": "x", "VpcId": OTHER_VPC},
     "InvalidGroup.Duplicate", lambda w: f"The security group 'app' already exists for VPC '{OTHER_VPC}'"),  # research 10a
    ("create default", "CreateSecurityGroup",
     lambda w: {"GroupName": "default", "Description": "x"},
     "InvalidGroup.Duplicate", lambda w: f"The security group 'default' already exists for VPC '{DEFAULT_VPC_ID}'"),
    ("delete unknown id", "DeleteSecurityGroup",
     lambda w: {"GroupId": "sg-0123456789abcdef0"},
     "InvalidGroup.NotFound", lambda w: "The security group 'sg-0123456789abcdef0' does not exist"),
    ("delete unknown name", "DeleteSecurityGroup",
     lambda w: {"GroupName": "app"},
     "InvalidGroup.NotFound", lambda w: f"The security group 'app' does not exist in default VPC '{DEFAULT_VPC_ID}'"),
    ("delete default", "DeleteSecurityGroup",
     lambda w: {"GroupName": "default"},
     "CannotDelete", lambda w: f'the specified group: "{w.default}" name: "default" cannot be deleted by a user'),  # research 10h
    ("delete referenced", "DeleteSecurityGroup",
     lambda w: {"GroupId": w.db},
     "DependencyViolation", lambda w: f"resource {w.db} has a dependent object"),  # research 10g
    ("describe unknown id", "DescribeSecurityGroups",
     lambda w: {"GroupIds": [w.web, "sg-0123456789abcdef0"]},
     "InvalidGroup.NotFound", lambda w: "The security group 'sg-0123456789abcdef0' does not exist"),
    ("describe unknown name", "DescribeSecurityGroups",
     lambda w: {"GroupNames": ["db"]},
     "InvalidGroup.NotFound", lambda w: f"The security group 'db' does not exist in default VPC '{DEFAULT_VPC_ID}'"),
    ("describe bad token", "DescribeSecurityGroups",
     lambda w: {"NextToken": "garbage!", "MaxResults": 5},
     "InvalidPaginationToken", lambda w: "The pagination token 'garbage!' is invalid."),  # code: EC2 error list; text ours
    ("unknown action", "RunInstances", lambda w: {},
     "InvalidAction", lambda w: "The action RunInstances is not valid for this web service."),  # ref E29
]  # fmt: skip

#: Syntax: the validator's to judge (the gateway calls it first). A backend handed such a
#: request without it answers the validator's own error: a NotValidated, or for the two
#: conditions it must judge anyway (a rule without protocol, the same rule twice: see
#: Backend._wants) its own refusal with the rule table's text.
SYNTAX: list[tuple[str, str, Params, str, Callable[[World], str]]] = [
    ("same permission twice", "AuthorizeSecurityGroupIngress",
     lambda w: {"GroupId": w.web, "IpPermissions": [tcp(9, "9.9.9.9/32"), tcp(9, "9.9.9.9/32")]},
     "InvalidParameterValue", lambda w: "The same permission must not appear multiple times"),  # ref E19
    ("no protocol", "AuthorizeSecurityGroupIngress",
     lambda w: {"GroupId": w.web, "IpPermissions": [{"IpRanges": [{"CidrIp": "1.1.1.1/32"}]}]},
     "InvalidParameterValue",
     lambda w: "Invalid value 'null' for protocol. VPC security group rules must specify protocols explicitly."),  # ref E10
    ("no group at all", "AuthorizeSecurityGroupIngress",
     lambda w: {"IpPermissions": [tcp(1, "1.1.1.1/32")]},
     "MissingParameter", lambda w: "The request must contain the parameter groupName or groupId"),  # research 5a
    ("egress by name", "AuthorizeSecurityGroupEgress",
     lambda w: {"GroupName": "web", "IpPermissions": [tcp(1, "1.1.1.1/32")]},
     "UnknownParameter", lambda w: "The parameter GroupName is not recognized"),  # research 8a
    ("source pair without group", "AuthorizeSecurityGroupIngress",
     lambda w: {"GroupId": w.web, "IpPermissions": [{"IpProtocol": "-1", "UserIdGroupPairs": [{"UserId": ACCOUNT}]}]},
     "MissingParameter", lambda w: "Source group ID missing."),  # research 5b
    ("no source", "AuthorizeSecurityGroupIngress",
     lambda w: {"GroupId": w.web, "IpPermissions": [{"IpProtocol": "tcp", "FromPort": 1, "ToPort": 1}]},
     "MissingParameter", lambda w: "Missing source specification: include source security group or CIDR information"),  # research 5c
    ("unknown protocol", "AuthorizeSecurityGroupIngress",
     lambda w: {"GroupId": w.web, "IpPermissions": [{"IpProtocol": "all", "IpRanges": [{"CidrIp": "1.1.1.1/32"}]}]},
     "InvalidParameterValue", lambda w: "Invalid value 'all' for IP protocol. Unknown protocol."),  # ref E9
    ("malformed cidr", "AuthorizeSecurityGroupIngress",
     lambda w: {"GroupId": w.web, "IpPermissions": [tcp(1, "::/0")]},
     "InvalidParameterValue", lambda w: "CIDR block ::/0 is malformed"),  # ref E17
    ("netmask, not a prefix length", "AuthorizeSecurityGroupIngress",
     lambda w: {"GroupId": w.web, "IpPermissions": [tcp(1, "10.0.0.0/255.0.0.0")]},
     "InvalidParameterValue", lambda w: "CIDR block 10.0.0.0/255.0.0.0 is malformed"),  # the validator's grammar
    ("cidr that is not text", "AuthorizeSecurityGroupIngress",
     lambda w: {"GroupId": w.web, "IpPermissions": [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": ["10.0.0.0/8"]}]}]},
     "InvalidParameterValue",
     lambda w: "Value (list) for parameter IpPermissions.1.IpRanges.1.CidrIp is invalid. Expected: 'String'."),
    ("describe bad filter", "DescribeSecurityGroups",
     lambda w: {"Filters": [{"Name": "bogus", "Values": ["x"]}]},
     "InvalidParameterValue", lambda w: "The filter 'bogus' is invalid"),  # research 9a
]  # fmt: skip


def populate(world: World) -> None:
    """The state every error row starts from."""
    world.call(
        "AuthorizeSecurityGroupIngress",
        {
            "GroupId": world.web,
            "IpPermissions": [
                tcp(22, "203.0.113.0/24"),
                {"IpProtocol": "50", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
                {
                    "IpProtocol": "icmp",
                    "FromPort": -1,
                    "ToPort": -1,
                    "IpRanges": [{"CidrIp": "10.0.0.0/24"}],
                },
                {
                    "IpProtocol": "tcp",
                    "FromPort": 0,
                    "ToPort": 65535,
                    "UserIdGroupPairs": [{"GroupId": world.default}],
                },
            ],
        },
    )  # fmt: skip  -- 4 of the fixture's 5 rules
    world.call("AuthorizeSecurityGroupIngress", {"GroupId": world.app, "IpPermissions": [
        tcp(22, "203.0.113.0/24"), {"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": world.db}]}]})  # fmt: skip


@pytest.mark.parametrize(
    ("operation", "params", "code", "message"),
    [pytest.param(*row[1:], id=row[0]) for row in ERRORS],
)
def test_error(world: World, operation: str, params: Params, code: str, message: Callable) -> None:
    """State-dependent refusals are the backend's own; each request passes the validator."""
    populate(world)
    if operation != "RunInstances":
        validate(operation, params(world))  # the gateway's order: validated, then handled
    before = world.call("DescribeSecurityGroups", {})
    with pytest.raises(EC2Error) as caught:
        world.call(operation, params(world))
    assert (caught.value.code, caught.value.message) == (code, message(world))
    assert caught.value.http_status == 400
    assert not isinstance(caught.value, NotValidated)
    assert world.call("DescribeSecurityGroups", {}) == before  # nothing changed


#: The SYNTAX rows the backend refuses itself (it must judge them for its state's sake).
JUDGED_ANYWAY = {"same permission twice", "no protocol"}


@pytest.mark.parametrize(
    ("name", "operation", "params", "code", "message"),
    [pytest.param(*row, id=row[0]) for row in SYNTAX],
)
def test_a_request_the_validator_refuses_gets_its_error(
    world: World, name: str, operation: str, params: Params, code: str, message: Callable
) -> None:
    """The backend asserts what the validator guarantees; used without it, the validator's
    error is what a caller gets (a NotValidated, an EC2Error), and nothing changes."""
    populate(world)
    with pytest.raises(RequestError) as validated:
        validate(operation, params(world))
    assert (validated.value.code, validated.value.message) == (code, message(world))
    before = world.call("DescribeSecurityGroups", {})
    with pytest.raises(RequestError) as caught:
        world.call(operation, params(world))
    assert (caught.value.code, caught.value.message) == (code, message(world))
    assert caught.value.http_status == 400
    assert isinstance(caught.value, NotValidated) is (name not in JUDGED_ANYWAY)
    assert world.call("DescribeSecurityGroups", {}) == before


# ---------------------------------------------------------------------------- any input: an EC2Error

GARBAGE: list[tuple[str, Any]] = [
    ("DescribeSecurityGroups", ["not", "a", "dict"]),
    ("AuthorizeSecurityGroupIngress", {"GroupId": "$web", "IpPermissions": "tcp"}),
    ("AuthorizeSecurityGroupIngress", {"GroupId": "$web", "IpPermissions": [tcp(22, "1.1.1.1/32", FromPort="22")]}),
    ("AuthorizeSecurityGroupIngress", {"GroupId": "$web", "IpPermissions": [tcp(10**5000, "1.1.1.1/32")]}),
    ("AuthorizeSecurityGroupIngress", {"GroupId": "$web", "IpPermissions": [{"IpProtocol": 6, "IpRanges": [{"CidrIp": 5}]}]}),
    ("AuthorizeSecurityGroupIngress", {"GroupId": "$web", "IpPermissions": [{"IpProtocol": " tcp ", "FromPort": 1, "ToPort": 1, "IpRanges": [{"CidrIp": "1.1.1.1/32"}]}]}),
    ("AuthorizeSecurityGroupIngress", {"GroupId": "$web", "IpPermissions": [{"IpProtocol": "0006", "FromPort": 1, "ToPort": 1, "IpRanges": [{"CidrIp": "1.1.1.1/32"}]}]}),
    ("AuthorizeSecurityGroupIngress", {"GroupId": "$web", "IpPermissions": [{"IpProtocol": "-1", "PrefixListIds": [{"Description": "no id"}]}]}),
    ("AuthorizeSecurityGroupIngress", {"GroupId": "$web", "IpPermissions": [tcp(22, "1.1.1.1/32")], "TagSpecifications": [{"ResourceType": "instance"}]}),
    ("AuthorizeSecurityGroupIngress", {"GroupId": ["$web"], "IpPermissions": [tcp(22, "1.1.1.1/32")]}),
    ("RevokeSecurityGroupIngress", {"GroupId": "$web", "SecurityGroupRuleIds": [{}]}),
    ("DescribeSecurityGroups", {"MaxResults": "5"}),
    ("DescribeSecurityGroups", {"GroupIds": [1]}),
    ("DescribeSecurityGroups", {"Filters": [{"Name": 5, "Values": ["x"]}]}),
    ("DescribeSecurityGroups", {"Filters": "group-name"}),
    ("DescribeSecurityGroups", {"NextToken": 7}),
    ("CreateSecurityGroup", {"GroupName": None, "Description": "d"}),
    ("DeleteSecurityGroup", {"GroupId": 10**100_000}),
]  # fmt: skip


def _filled(value: Any, world: World) -> Any:
    if value == "$web":
        return world.web
    if isinstance(value, dict):
        return {k: _filled(v, world) for k, v in value.items()}
    if isinstance(value, list):
        return [_filled(v, world) for v in value]
    return value


@pytest.mark.parametrize(("operation", "params"), GARBAGE, ids=[f"{i}" for i in range(len(GARBAGE))])
def test_any_request_gets_the_validators_error_and_changes_nothing(
    world: World, operation: str, params: Any
) -> None:
    """The validator refuses each; the backend answers an EC2Error (the validator's own where
    one of its assertions fails; a value of the wrong type may also just not be found)."""
    params = _filled(params, world)
    with pytest.raises(RequestError) as validated:
        validate(operation, params)
    before = world.call("DescribeSecurityGroups", {})
    with pytest.raises(EC2Error) as caught:
        world.call(operation, params)
    if isinstance(caught.value, NotValidated):
        assert (caught.value.code, caught.value.message) == (
            validated.value.code, validated.value.message)  # fmt: skip
    else:
        assert caught.value.code in ("InvalidGroup.NotFound", "InvalidPaginationToken")
    assert caught.value.http_status == 400
    assert world.call("DescribeSecurityGroups", {}) == before


def test_the_one_canonicalizer_decides_what_a_rule_is() -> None:
    """Spellings the grammar does not know are not rules: the backend stores only its forms."""
    from ec2query._grammar import canonical_protocol

    assert [canonical_protocol(p) for p in ("TCP", "6", "006", "-1", "050", "58")] == [
        "tcp", "tcp", "tcp", "-1", "50", "icmpv6"]  # fmt: skip
    assert [canonical_protocol(p) for p in (" tcp ", "0006", "256", "all", 6, None)] == [None] * 6


@given(corrupted_requests())
@settings(max_examples=150, deadline=None)
def test_no_request_raises_anything_but_an_ec2_error(request: tuple[str, Any]) -> None:
    """Valid, invalid or corrupted: a result or an EC2Error, and a request the validator
    passed never trips the backend's assertions (no NotValidated, no InternalError)."""
    name, params = request
    try:
        validate(name, params)
        passed = True
    except EC2Error:
        passed = False
    with Backend(rng=random.Random(3)) as backend:
        backend.handle("CreateSecurityGroup", {"GroupName": "web", "Description": "w"})
        try:
            backend.handle(name, params)
        except NotValidated:
            assert not passed, "a validated request tripped the backend's assertions"
        except EC2Error as error:
            assert error.code != "InternalError"


# ---------------------------------------------------------------------------- peering

PEERING = "pcx-0a1b2c3d4e5f60718"


def test_a_reference_across_vpcs_keeps_its_peering_connection(world: World) -> None:
    """The pair as the API reference's UserIdGroupPair describes it: for a group of another
    VPC, "the ID of the VPC for the referenced security group" and the peering connection's
    id and status (the backend records no connection: the one named is taken as active)."""
    pair = {"GroupId": world.web, "VpcPeeringConnectionId": PEERING}
    authorized = world.call("AuthorizeSecurityGroupIngress", {"GroupId": world.app, "IpPermissions": [
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "UserIdGroupPairs": [pair]}]})
    shown = {"GroupId": world.web, "UserId": ACCOUNT, "VpcId": DEFAULT_VPC_ID,
             "VpcPeeringConnectionId": PEERING, "PeeringStatus": "active"}
    (rule,) = authorized["SecurityGroupRules"]
    assert rule["ReferencedGroupInfo"] == shown
    group = world.call("DescribeSecurityGroups", {"GroupIds": [world.app]})["SecurityGroups"][0]
    assert group["IpPermissions"][0]["UserIdGroupPairs"] == [shown]
    # Modified in place (a port): the rule still references web across the same connection.
    world.call("ModifySecurityGroupRules", {"GroupId": world.app, "SecurityGroupRules": [
        {"SecurityGroupRuleId": rule["SecurityGroupRuleId"], "SecurityGroupRule": {
            "IpProtocol": "tcp", "FromPort": 8443, "ToPort": 8443,
            "ReferencedGroupId": world.web}}]})
    (described,) = world.call("DescribeSecurityGroupRules", {"SecurityGroupRuleIds": [
        rule["SecurityGroupRuleId"]]})["SecurityGroupRules"]
    assert (described["FromPort"], described["ReferencedGroupInfo"]) == (8443, shown)
    assert world.call("DescribeSecurityGroupReferences", {"GroupId": [world.web]})[
        "SecurityGroupReferenceSet"] == [
        {"GroupId": world.web, "ReferencingVpcId": OTHER_VPC, "VpcPeeringConnectionId": PEERING}]
    # Revoked by value: a group of another VPC is named across a peering, as when authorized.
    world.call("RevokeSecurityGroupIngress", {"GroupId": world.app, "IpPermissions": [
        {"IpProtocol": "tcp", "FromPort": 8443, "ToPort": 8443, "UserIdGroupPairs": [pair]}]})
    assert world.call("DescribeSecurityGroupReferences", {"GroupId": [world.web]})[
        "SecurityGroupReferenceSet"] == []


def test_a_peering_named_within_one_vpc_is_not_kept(world: World) -> None:
    world.call("AuthorizeSecurityGroupIngress", {"GroupId": world.db, "IpPermissions": [
        {"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "UserIdGroupPairs": [
            {"GroupId": world.app, "VpcPeeringConnectionId": PEERING}]}]})
    group = world.call("DescribeSecurityGroups", {"GroupIds": [world.db]})["SecurityGroups"][0]
    assert group["IpPermissions"][0]["UserIdGroupPairs"] == [
        {"GroupId": world.app, "UserId": ACCOUNT}]


@pytest.fixture(params=ENGINES)
def three_a_vpc(request: pytest.FixtureRequest) -> Backend:
    return Backend(database(request), rng=random.Random(7), group_limit=3)


def test_a_vpc_holds_at_most_group_limit_groups_its_default_counted(three_a_vpc: Backend) -> None:
    """EC2's quota of security groups a VPC (2500 by default), in EC2's words (captured
    from EC2 in a public issue: "The maximum number of security groups for VPC
    'vpc-3311ce57' has been reached."). Without it, one describe of 38,000 groups took
    3 s and 33 MB."""
    backend = three_a_vpc
    for name in ("a", "b"):  # with the default group: three
        backend.handle("CreateSecurityGroup", {"GroupName": name, "Description": "d"})
    with pytest.raises(EC2Error) as info:
        backend.handle("CreateSecurityGroup", {"GroupName": "c", "Description": "d"})
    assert (info.value.code, info.value.http_status) == ("SecurityGroupLimitExceeded", 400)
    assert info.value.message == (f"The maximum number of security groups for VPC "
                                  f"'{DEFAULT_VPC_ID}' has been reached.")
    names = {g["GroupName"] for g in backend.handle("DescribeSecurityGroups", {})[
        "SecurityGroups"]}  # fmt: skip
    assert names == {"default", "a", "b"}  # the refused create left nothing
    backend.handle("CreateSecurityGroup",  # another VPC has its own quota
                   {"GroupName": "c", "Description": "d", "VpcId": OTHER_VPC})
    backend.handle("DeleteSecurityGroup", {"GroupName": "a"})  # a place again
    backend.handle("CreateSecurityGroup", {"GroupName": "c", "Description": "d"})
