"""Guardrail policies: each rule type against hand-checked requests, scoping, bad files.

Every expectation here is written by hand from the rule's definition
(docs/policy.md, AWS Config's documentation for the first three types).
"""

from __future__ import annotations

import base64
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ec2query._errors import EC2Error, PolicyError, PolicyFileError, RequestError
from ec2query._policy import (
    check_request,
    decode_message,
    load_policy,
    parse_policy,
    tomllib,  # tomllib, or tomli on Python 3.10
)

INGRESS = "AuthorizeSecurityGroupIngress"
EGRESS = "AuthorizeSecurityGroupEgress"
GROUP = "sg-0123456789abcdef0"


def policy(text: str):
    return parse_policy(text, path="policy.toml")


def ingress(*permissions, **extra):
    return {"GroupId": GROUP, "IpPermissions": list(permissions), **extra}


def tcp(low, high, cidr="0.0.0.0/0", **entry):
    return {
        "IpProtocol": "tcp",
        "FromPort": low,
        "ToPort": high,
        "IpRanges": [{"CidrIp": cidr, **entry}],
    }


def rules_broken(pol, params, operation=INGRESS, **kw):
    return [v.rule for v in pol.violations(operation, params, **kw)]


SSH = policy('[[rule]]\ntype = "restricted-ssh"\n')

# ----------------------------------------------------------------- restricted-ssh


@pytest.mark.parametrize(
    ("permission", "refused"),
    [
        (tcp(22, 22), True),
        (tcp(0, 1024), True),  # a range covering 22
        (tcp(23, 1024), False),
        (tcp(1, 21), False),
        (tcp(22, 22, "10.0.0.0/8"), False),
        (tcp(22, 22, "0.0.0.0/1"), False),  # not the world: AWS Config's exact match
        (tcp(22, 22, "203.0.113.7/0"), True),  # host bits: canonically 0.0.0.0/0
        ({"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}, True),
        (
            {
                "IpProtocol": "6",
                "FromPort": 22,
                "ToPort": 22,
                "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
            },
            True,
        ),
        (
            {
                "IpProtocol": "TCP",
                "FromPort": 22,
                "ToPort": 22,
                "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
            },
            True,
        ),
        (
            {
                "IpProtocol": "udp",
                "FromPort": 22,
                "ToPort": 22,
                "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
            },
            False,
        ),
        (
            {
                "IpProtocol": "17",
                "FromPort": 0,
                "ToPort": 65535,
                "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
            },
            False,
        ),
        # ICMP type 22 is not a port
        (
            {
                "IpProtocol": "icmp",
                "FromPort": 22,
                "ToPort": -1,
                "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
            },
            False,
        ),
        (
            {
                "IpProtocol": "icmp",
                "FromPort": -1,
                "ToPort": -1,
                "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
            },
            False,
        ),
        (
            {
                "IpProtocol": "tcp",
                "FromPort": 22,
                "ToPort": 22,
                "Ipv6Ranges": [{"CidrIpv6": "::/0"}],
            },
            True,
        ),
        (
            {
                "IpProtocol": "tcp",
                "FromPort": 22,
                "ToPort": 22,
                "Ipv6Ranges": [{"CidrIpv6": "2001:db8::/32"}],
            },
            False,
        ),
        (
            {
                "IpProtocol": "tcp",
                "FromPort": 22,
                "ToPort": 22,
                "UserIdGroupPairs": [{"GroupId": "sg-0fedcba9876543210"}],
            },
            False,
        ),
        (
            {
                "IpProtocol": "tcp",
                "FromPort": 22,
                "ToPort": 22,
                "PrefixListIds": [{"PrefixListId": "pl-12345678"}],
            },
            False,
        ),
    ],
)
def test_restricted_ssh(permission, refused):
    assert rules_broken(SSH, ingress(permission)) == (["restricted-ssh#1"] if refused else [])


def test_restricted_ssh_names_the_permission_and_the_source():
    request = ingress(
        {
            "IpProtocol": "tcp",
            "FromPort": 20,
            "ToPort": 30,
            "IpRanges": [{"CidrIp": "10.0.0.0/8"}, {"CidrIp": "0.0.0.0/0", "Description": "all"}],
        }
    )
    [found] = SSH.violations(INGRESS, request)
    assert found.as_dict() == {
        "rule": "restricted-ssh#1",
        "type": "restricted-ssh",
        "line": 1,
        "message": "tcp 20-30 opens SSH (TCP 22) to 0.0.0.0/0",
        "operation": INGRESS,
        "direction": "ingress",
        "permission": {
            "IpProtocol": "tcp",
            "FromPort": 20,
            "ToPort": 30,
            "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": "all"}],
        },
        "source": "0.0.0.0/0",
    }


def test_the_flat_legacy_form_is_judged_as_the_nested_one():
    flat = {
        "GroupName": "websrv",
        "IpProtocol": "tcp",
        "FromPort": 22,
        "ToPort": 22,
        "CidrIp": "0.0.0.0/0",
    }
    [found] = SSH.violations(INGRESS, flat)
    assert found.permission == {
        "IpProtocol": "tcp",
        "FromPort": 22,
        "ToPort": 22,
        "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
    }
    assert rules_broken(SSH, {**flat, "CidrIp": "192.0.2.0/24"}) == []


def test_the_cli_name_of_the_operation_is_accepted():
    assert rules_broken(SSH, ingress(tcp(22, 22)), "authorize-security-group-ingress") == [
        "restricted-ssh#1"
    ]


def test_aws_configs_three_rules_judge_ingress_only_and_revokes_are_never_judged():
    egress = {"GroupId": GROUP, "IpPermissions": [tcp(22, 22)]}
    assert rules_broken(SSH, egress, EGRESS) == []
    assert rules_broken(SSH, egress, "RevokeSecurityGroupIngress") == []
    assert rules_broken(SSH, egress, "DescribeSecurityGroups") == []


def test_a_stricter_world_prefix_counts_wide_cidrs_as_the_world():
    strict = policy(
        'world_ipv4_prefix = 8\nworld_ipv6_prefix = 16\n[[rule]]\ntype = "restricted-ssh"\n'
    )
    assert rules_broken(strict, ingress(tcp(22, 22, "0.0.0.0/1"))) == ["restricted-ssh#1"]
    assert rules_broken(strict, ingress(tcp(22, 22, "10.0.0.0/8"))) == ["restricted-ssh#1"]
    assert rules_broken(strict, ingress(tcp(22, 22, "10.0.0.0/9"))) == []
    six = {
        "IpProtocol": "tcp",
        "FromPort": 22,
        "ToPort": 22,
        "Ipv6Ranges": [{"CidrIpv6": "2000::/3"}],
    }
    assert rules_broken(strict, ingress(six)) == ["restricted-ssh#1"]


# ----------------------------------------------------------------- restricted-common-ports

COMMON = policy('[[rule]]\ntype = "restricted-common-ports"\n')


@pytest.mark.parametrize(
    ("permission", "message"),
    [
        (tcp(3389, 3389), "tcp 3389 opens blocked TCP port(s) 3389 to 0.0.0.0/0"),
        (tcp(3000, 4400), "tcp 3000-4400 opens blocked TCP port(s) 3306, 3389, 4333 to 0.0.0.0/0"),
        (tcp(20, 21), "tcp 20-21 opens blocked TCP port(s) 20, 21 to 0.0.0.0/0"),
        (
            {"IpProtocol": "-1", "Ipv6Ranges": [{"CidrIpv6": "::/0"}]},
            "all traffic opens blocked TCP port(s) 20, 21, 3306, 3389, 4333 to ::/0",
        ),
        (tcp(22, 22), None),
        (tcp(3306, 3306, "192.0.2.0/24"), None),
        (
            {
                "IpProtocol": "udp",
                "FromPort": 3389,
                "ToPort": 3389,
                "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
            },
            None,
        ),
    ],
)
def test_restricted_common_ports_defaults_are_aws_configs(permission, message):
    found = COMMON.violations(INGRESS, ingress(permission))
    assert [v.message for v in found] == ([message] if message else [])


def test_restricted_common_ports_with_own_ports():
    own = policy('[[rule]]\ntype = "restricted-common-ports"\nblocked_ports = [8080]\n')
    assert rules_broken(own, ingress(tcp(8000, 8100))) == ["restricted-common-ports#1"]
    assert rules_broken(own, ingress(tcp(3389, 3389))) == []


# ------------------------------------------------- vpc-sg-open-only-to-authorized-ports

AUTHORIZED = policy(
    '[[rule]]\ntype = "vpc-sg-open-only-to-authorized-ports"\n'
    'authorized_tcp_ports = ["443", "1020-1025"]\nauthorized_udp_ports = ["500"]\n'
)


@pytest.mark.parametrize(
    ("permission", "message"),
    [
        (tcp(443, 443), None),
        (tcp(1020, 1025), None),
        (tcp(1021, 1022), None),
        (
            tcp(1020, 1026),
            "tcp 1020-1026 opens TCP port 1026, which is not authorized, to 0.0.0.0/0",
        ),
        (tcp(80, 80), "tcp 80 opens TCP port 80, which is not authorized, to 0.0.0.0/0"),
        (tcp(80, 80, "10.1.0.0/16"), None),  # not open to the world: not applicable
        (
            {
                "IpProtocol": "udp",
                "FromPort": 500,
                "ToPort": 500,
                "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
            },
            None,
        ),
        (
            {
                "IpProtocol": "udp",
                "FromPort": 443,
                "ToPort": 443,
                "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
            },
            "udp 443 opens UDP port 443, which is not authorized, to 0.0.0.0/0",
        ),
        (
            {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
            "all traffic opens TCP port 0, which is not authorized, to 0.0.0.0/0",
        ),
        (
            {
                "IpProtocol": "icmp",
                "FromPort": 8,
                "ToPort": 0,
                "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
            },
            None,
        ),
        (
            {
                "IpProtocol": "tcp",
                "FromPort": 22,
                "ToPort": 22,
                "Ipv6Ranges": [{"CidrIpv6": "::/0"}],
            },
            "tcp 22 opens TCP port 22, which is not authorized, to ::/0",
        ),
    ],
)
def test_vpc_sg_open_only_to_authorized_ports(permission, message):
    found = AUTHORIZED.violations(INGRESS, ingress(permission))
    assert [v.message for v in found] == ([message] if message else [])


def test_no_authorized_ports_means_nothing_may_face_the_world():
    bare = policy('[[rule]]\ntype = "vpc-sg-open-only-to-authorized-ports"\n')
    assert rules_broken(bare, ingress(tcp(443, 443))) == ["vpc-sg-open-only-to-authorized-ports#1"]


# ----------------------------------------------------------------- require-description

DESCRIBED = policy('[[rule]]\ntype = "require-description"\n')


def test_require_description_judges_every_source_both_directions():
    request = ingress(
        {
            "IpProtocol": "tcp",
            "FromPort": 443,
            "ToPort": 443,
            "IpRanges": [
                {"CidrIp": "10.0.0.0/8", "Description": "office"},
                {"CidrIp": "10.1.0.0/16"},
            ],
            "UserIdGroupPairs": [{"GroupId": "sg-0fedcba9876543210", "Description": " "}],
        }
    )
    assert [v.source for v in DESCRIBED.violations(INGRESS, request)] == [
        "10.1.0.0/16",
        "sg-0fedcba9876543210",
    ]
    assert [v.source for v in DESCRIBED.violations(EGRESS, request)] == [
        "10.1.0.0/16",
        "sg-0fedcba9876543210",
    ]


def test_the_flat_form_can_carry_no_description():
    flat = {
        "GroupName": "websrv",
        "IpProtocol": "tcp",
        "FromPort": 443,
        "ToPort": 443,
        "CidrIp": "10.0.0.0/8",
    }
    assert rules_broken(DESCRIBED, flat) == ["require-description#1"]


# ----------------------------------------------------------------- allowed-cidrs

CIDRS = policy(
    '[[rule]]\ntype = "allowed-cidrs"\ncidrs = ["10.0.0.0/8", "192.0.2.0/24", "2001:db8::/32"]\n'
)


@pytest.mark.parametrize(
    ("source", "allowed"),
    [
        ({"IpRanges": [{"CidrIp": "10.20.0.0/16"}]}, True),
        ({"IpRanges": [{"CidrIp": "10.0.0.0/8"}]}, True),
        ({"IpRanges": [{"CidrIp": "10.0.0.0/7"}]}, False),  # wider than the allowed one
        ({"IpRanges": [{"CidrIp": "192.0.2.77/32"}]}, True),
        ({"IpRanges": [{"CidrIp": "192.0.3.0/24"}]}, False),
        ({"IpRanges": [{"CidrIp": "0.0.0.0/0"}]}, False),
        ({"Ipv6Ranges": [{"CidrIpv6": "2001:DB8:1::/48"}]}, True),
        ({"Ipv6Ranges": [{"CidrIpv6": "::/0"}]}, False),
        ({"UserIdGroupPairs": [{"GroupId": "sg-0fedcba9876543210"}]}, True),  # not a CIDR
        ({"PrefixListIds": [{"PrefixListId": "pl-12345678"}]}, True),
    ],
)
def test_allowed_cidrs(source, allowed):
    request = ingress({"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, **source})
    assert rules_broken(CIDRS, request) == ([] if allowed else ["allowed-cidrs#1"])
    assert rules_broken(CIDRS, request, EGRESS) == ([] if allowed else ["allowed-cidrs#1"])


# ----------------------------------------------------------------- max-rules-per-group

LIMITED = policy('[[rule]]\ntype = "max-rules-per-group"\nlimit = 3\n')


def test_max_rules_counts_sources_and_the_groups_current_rules():
    two = ingress(
        {
            "IpProtocol": "tcp",
            "FromPort": 443,
            "ToPort": 443,
            "IpRanges": [{"CidrIp": "10.0.0.0/8"}, {"CidrIp": "10.1.0.0/16"}],
        }
    )
    assert rules_broken(LIMITED, two) == []  # the request alone: 2 <= 3
    assert rules_broken(LIMITED, two, group_rule_count=1) == []  # 1 + 2 = 3
    [found] = LIMITED.violations(INGRESS, two, group_rule_count=2)
    assert found.message == "4 ingress rules after this change; the limit is 3"
    assert found.permission is None and found.source is None
    four = ingress(
        tcp(1, 1, "10.0.0.0/8"),
        tcp(2, 2, "10.0.0.0/8"),
        tcp(3, 3, "10.0.0.0/8"),
        tcp(4, 4, "10.0.0.0/8"),
    )
    assert [v.message for v in LIMITED.violations(INGRESS, four)] == [
        "4 ingress rules after this change (the group's rules unknown); the limit is 3"
    ]


# ----------------------------------------------------------------- scoping, ids, messages

SCOPED = policy("""
[[rule]]
id = "no-ssh-in-prod"
type = "restricted-ssh"
groups = ["sg-0123456789abcdef0", "prod-web"]
message = "SSH to the world is forbidden in production"

[[rule]]
type = "restricted-ssh"
accounts = ["AKIDDEVELOPER", "111122223333"]
""")


def test_groups_scope_by_id_or_name_and_accounts_by_key_or_account():
    by_id = SCOPED.violations(INGRESS, ingress(tcp(22, 22)), access_key="AKIDOTHER")
    assert [(v.rule, v.message) for v in by_id] == [
        ("no-ssh-in-prod", "SSH to the world is forbidden in production")
    ]
    by_name = {"GroupName": "prod-web", "IpPermissions": [tcp(22, 22)]}
    assert rules_broken(SCOPED, by_name, access_key="AKIDOTHER") == ["no-ssh-in-prod"]
    other = {"GroupId": "sg-0fedcba9876543210", "IpPermissions": [tcp(22, 22)]}
    assert rules_broken(SCOPED, other, access_key="AKIDOTHER", account_id="444455556666") == []
    assert rules_broken(SCOPED, other, access_key="AKIDDEVELOPER") == ["restricted-ssh#2"]
    assert rules_broken(SCOPED, other, account_id="111122223333") == ["restricted-ssh#2"]
    # the group's other name, when the gateway knows it
    aliased = rules_broken(SCOPED, other, access_key="AKIDOTHER", group_aliases=["prod-web"])
    assert aliased == ["no-ssh-in-prod"]


def test_a_rule_scoped_to_accounts_applies_when_the_caller_is_unknown():
    other = {"GroupId": "sg-0fedcba9876543210", "IpPermissions": [tcp(22, 22)]}
    assert rules_broken(SCOPED, other) == ["restricted-ssh#2"]


def test_every_rule_is_judged_and_every_source_reported():
    both = policy('[[rule]]\ntype = "restricted-ssh"\n[[rule]]\ntype = "require-description"\n')
    request = ingress(
        tcp(22, 22),
        {
            "IpProtocol": "tcp",
            "FromPort": 22,
            "ToPort": 22,
            "Ipv6Ranges": [{"CidrIpv6": "::/0", "Description": "x"}],
        },
    )
    assert [(v.rule, v.source) for v in both.violations(INGRESS, request)] == [
        ("restricted-ssh#1", "0.0.0.0/0"),
        ("restricted-ssh#1", "::/0"),
        ("require-description#2", "0.0.0.0/0"),
    ]


# ----------------------------------------------------------------- the refusal and its message


def test_the_refusal_is_ec2s_unauthorized_operation_and_decodes():
    [found] = SSH.violations(INGRESS, ingress(tcp(22, 22)))
    error = SSH.refusal([found], request_id="11111111-2222-4333-8444-555555555555")
    assert isinstance(error, PolicyError) and isinstance(error, EC2Error)
    assert (error.code, error.http_status) == ("UnauthorizedOperation", 403)
    prefix = (
        "You are not authorized to perform this operation. Encoded authorization failure message: "
    )
    assert error.message.startswith(prefix)
    encoded = error.message[len(prefix) :]
    assert "=" not in encoded and "+" not in encoded and "/" not in encoded
    expected = {
        "allowed": False,
        "requestId": "11111111-2222-4333-8444-555555555555",
        "violations": [
            {
                "rule": "restricted-ssh#1",
                "type": "restricted-ssh",
                "line": 1,
                "message": "tcp 22 opens SSH (TCP 22) to 0.0.0.0/0",
                "operation": INGRESS,
                "direction": "ingress",
                "permission": {
                    "IpProtocol": "tcp",
                    "FromPort": 22,
                    "ToPort": 22,
                    "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
                },
                "source": "0.0.0.0/0",
            }
        ],
    }
    raw = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
    assert json.loads(raw) == expected  # the format itself, not only the round trip
    assert decode_message(encoded) == expected
    assert decode_message(error.message) == expected  # the whole error text works too


def test_a_text_that_is_not_an_encoded_message_is_refused():
    with pytest.raises(EC2Error):
        decode_message("not-a-message!")
    with pytest.raises(EC2Error):
        decode_message(base64.urlsafe_b64encode(b'{"a": 1}').decode())


# ----------------------------------------------------------------- offline


def test_check_request_validates_then_lists_violations(tmp_path):
    path = tmp_path / "policy.toml"
    path.write_text('[[rule]]\ntype = "restricted-ssh"\n[[rule]]\ntype = "require-description"\n')
    found = check_request(path, INGRESS, ingress(tcp(22, 22)))
    assert [v.rule for v in found] == ["restricted-ssh#1", "require-description#2"]
    with pytest.raises(RequestError):
        check_request(path, INGRESS, ingress(tcp(22, 22, "300.0.0.0/8")))


# ----------------------------------------------------------------- bad policy files


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '[[rule]]\ntype = "restricted-ssh"\n\n[[rule]]\ntype = "restricted-sh"\n',
            "policy.toml, line 5: rule 2: unknown type 'restricted-sh' (one of restricted-ssh, "
            "restricted-common-ports, vpc-sg-open-only-to-authorized-ports, require-description, "
            "allowed-cidrs, max-rules-per-group)",
        ),
        (
            '[[rule]]\ntype = "restricted-common-ports"\nblocked_ports = [20, 70000]\n',
            "policy.toml, line 3: rule 1 (restricted-common-ports): blocked_ports 70000 is not "
            "a port 0-65535",
        ),
        (
            '# a comment\n\n[[rule]]\ntype = "allowed-cidrs"\n',
            "policy.toml, line 3: rule 1 (allowed-cidrs): cidrs is required",
        ),
        (
            '[[rule]]\ntype = "allowed-cidrs"\ncidrs = ["10.0.0.0/33"]\n',
            "policy.toml, line 3: rule 1 (allowed-cidrs): cidrs '10.0.0.0/33' is not a CIDR",
        ),
        (
            '[[rule]]\ntype = "max-rules-per-group"\nlimit = -1\n',
            "policy.toml, line 3: rule 1 (max-rules-per-group): limit -1 is not a number of rules "
            "(an integer, 0 or more)",
        ),
        (
            '[[rule]]\ntype = "vpc-sg-open-only-to-authorized-ports"\n'
            'authorized_tcp_ports = ["443", "1025-1020"]\n',
            "policy.toml, line 3: rule 1 (vpc-sg-open-only-to-authorized-ports): "
            "authorized_tcp_ports '1025-1020': the range ends before it starts",
        ),
        (
            '[[rule]]\ntype = "restricted-ssh"\nports = [22]\n',
            "policy.toml, line 3: rule 1 (restricted-ssh): unknown setting 'ports' (allowed: "
            "accounts, groups, id, message, type)",
        ),
        (
            '[[rule]]\nid = "x"\n',
            "policy.toml, line 1: rule 1: has no type (one of restricted-ssh, "
            "restricted-common-ports, vpc-sg-open-only-to-authorized-ports, require-description, "
            "allowed-cidrs, max-rules-per-group)",
        ),
        (
            '[[rule]]\ntype = "restricted-ssh"\ngroups = "sg-12345678"\n',
            "policy.toml, line 3: rule 1 (restricted-ssh): groups must be a list of strings",
        ),
        (
            '[[rule]]\nid = "a"\ntype = "restricted-ssh"\n'
            '[[rule]]\nid = "a"\ntype = "restricted-ssh"\n',
            "policy.toml, line 4: rule id 'a' is used twice (first on line 1)",
        ),
        (
            "world_ipv4_prefix = 40\n",
            "policy.toml, line 1: world_ipv4_prefix must be a prefix length 0-32",
        ),
        (
            "rules = []\n",
            "policy.toml, line 1: unknown setting 'rules' (expected [[rule]], "
            "world_ipv4_prefix, world_ipv6_prefix)",
        ),
        (
            '[[rule]]\ntype = "max-rules-per-group"\nlimit = true\n',
            "policy.toml, line 3: rule 1 (max-rules-per-group): limit true is not a number of "
            "rules (an integer, 0 or more)",
        ),
        (
            '[[rule]]\ntype = "restricted-ssh"\n\n[rule.options]\nports = [22]\n',
            "policy.toml, line 4: rule 1 (restricted-ssh): unknown setting 'options' (allowed: "
            "accounts, groups, id, message, type)",
        ),
        (
            '[[rule]]\ntype = "restricted-ssh"\naccounts = []\n',
            "policy.toml, line 3: rule 1 (restricted-ssh): accounts is empty: the rule would "
            "apply to nothing",
        ),
        (
            '[[rule]]\ntype = "restricted-ssh"\n\n  [[ rule ]]\n  type = "allowed-cidrs"\n'
            '  cidrs = ["10.0.0.0/33"]\n',
            "policy.toml, line 6: rule 2 (allowed-cidrs): cidrs '10.0.0.0/33' is not a CIDR",
        ),
        (
            '[[rule]]\ntype = "restricted-common-ports"\nblocked_ports = [22, 70000]\n',
            "policy.toml, line 3: rule 1 (restricted-common-ports): blocked_ports 70000 is not "
            "a port 0-65535",
        ),
        (
            '[[rule]]\ntype = "vpc-sg-open-only-to-authorized-ports"\n'
            'authorized_udp_ports = ["1-2-3"]\n',
            "policy.toml, line 3: rule 1 (vpc-sg-open-only-to-authorized-ports): "
            "authorized_udp_ports '1-2-3' is not a port or a range LOW-HIGH",
        ),
        (
            '[[rule]]\ntype = "restricted-ssh"\nmessage = " "\n',
            "policy.toml, line 3: rule 1 (restricted-ssh): message must be a non-empty string",
        ),
        ('[[rule]]\ntype = "restricted-ssh"\ngroups = [\n', None),
        ("[[rule]]\ntype = restricted-ssh\n", None),
    ],
)
def test_a_bad_policy_file_names_the_file_the_line_and_the_problem(text, message):
    with pytest.raises(PolicyFileError) as error:
        policy(text)
    if message is None:  # a TOML syntax error: tomllib's position
        assert error.value.message.startswith("policy.toml, line ")
        assert "not valid TOML" in error.value.message
    else:
        assert error.value.message == message
    assert error.value.path == "policy.toml"


def test_a_single_rule_table_is_refused_with_its_line():
    with pytest.raises(PolicyFileError) as error:
        policy('# guardrails\n[rule]\ntype = "restricted-ssh"\n')
    assert error.value.message == (
        "policy.toml, line 2: rules are written [[rule]] (an array of tables)"
    )


def test_toml_syntax_errors_carry_tomllibs_line():
    with pytest.raises(PolicyFileError) as error:
        policy('[[rule]]\ntype = "restricted-ssh"\n\n[[rule]]\ntype = restricted-ssh\n')
    assert error.value.line == 5
    assert error.value.message == ("policy.toml, line 5: not valid TOML: Invalid value (column 8)")


def test_a_file_that_is_not_utf8_is_refused(tmp_path):
    binary = tmp_path / "policy.toml"
    binary.write_bytes(b"\xff\xfe[[rule]]")
    with pytest.raises(PolicyFileError) as error:
        load_policy(binary)
    assert error.value.message == f"{binary}: the file is not UTF-8 text"


def test_a_missing_file_is_refused(tmp_path):
    missing = tmp_path / "nope.toml"
    with pytest.raises(PolicyFileError) as error:
        load_policy(missing)
    assert error.value.message == f"{missing}: cannot read the file (No such file or directory)"


def test_a_file_over_the_bound_is_refused_unread(tmp_path):
    """/dev/zero was read without end; a megabyte of TOML takes tomllib about a second."""
    from ec2query._policy import MAX_POLICY_BYTES

    large = tmp_path / "policy.toml"
    large.write_text("# " + "x" * MAX_POLICY_BYTES + "\n")
    with pytest.raises(PolicyFileError) as error:
        load_policy(large)
    assert error.value.message == f"{large}: larger than {MAX_POLICY_BYTES} bytes"


@pytest.mark.parametrize("nested", ["a = " + "[" * 5000, "a = " + "{b = " * 5000],
                         ids=["arrays", "inline tables"])
def test_toml_nested_too_deeply_is_refused(nested):
    """tomllib recurses once per array or inline table: a RecursionError traceback."""
    with pytest.raises(PolicyFileError) as error:
        policy(nested)
    assert error.value.message == "policy.toml: not valid TOML: nested too deeply"


@pytest.mark.parametrize("line", [
    "a." * 65 + "b = 1",  # a dotted key
    "[" + "a." * 65 + "b]",  # a table header
    "[[" + "a." * 65 + "b]]",
    "a = {" + "b." * 65 + "c = 1}",  # an inline table's key
    'a = [1, {"x" = 2, ' + "b." * 65 + "c = 1}]",
], ids=["key", "table", "array of tables", "inline table", "inline table in an array"])  # fmt: skip
def test_a_line_too_deep_for_tomllib_is_refused_before_it_is_read(line):
    """tomllib's time grows as the square of a key's depth: 200,000 parts (400 KB) took
    over two minutes. A policy's keys have one part."""
    with pytest.raises(PolicyFileError) as error:
        policy('[[rule]]\ntype = "restricted-ssh"\n' + line + "\n")
    assert error.value.line == 3
    assert "more than 64 dots outside strings" in error.value.message


def test_dots_in_strings_and_comments_do_not_count():
    text = ('# ' + "." * 100 + '\n[[rule]]\ntype = "restricted-ssh"\n'
            'message = "' + "." * 100 + '"\n')
    assert policy(text).violations(INGRESS, ingress(tcp(22, 22)))
    assert policy('[[rule]]\ntype = "restricted-ssh"\nmessage = """\n' + "." * 100
                  + '\n"""\n').violations(INGRESS, ingress(tcp(22, 22)))


_TOML_TEXT = st.one_of(st.text(max_size=200), st.text(alphabet="\"'#.\\\n=[]{}ab1, ", max_size=300))


@settings(max_examples=500, deadline=None)
@given(_TOML_TEXT)
def test_any_text_is_a_policy_or_a_policy_file_error(text):
    try:
        parse_policy(text, path="policy.toml")
    except PolicyFileError as error:
        assert error.message.startswith("policy.toml")


def test_an_empty_policy_allows_everything():
    assert policy("").violations(INGRESS, ingress(tcp(22, 22))) == []


# ----------------------------------------------------------------- ModifySecurityGroupRules

MODIFY = "ModifySecurityGroupRules"
RULE_ID = "sgr-0123456789abcdef0"
GUARDED = policy(
    '[[rule]]\ntype = "restricted-ssh"\n\n'
    '[[rule]]\ntype = "allowed-cidrs"\ncidrs = ["10.0.0.0/8"]\n\n'
    '[[rule]]\ntype = "require-description"\n\n'
    '[[rule]]\ntype = "max-rules-per-group"\nlimit = 0\n'
)


def modify(**rule):
    return {"GroupId": GROUP, "SecurityGroupRules": [
        {"SecurityGroupRuleId": RULE_ID, "SecurityGroupRule": {"Description": "d", **rule}}]}


def now(**rule):
    """A rule as DescribeSecurityGroupRules describes it (ingress unless IsEgress)."""
    return {RULE_ID: {"SecurityGroupRuleId": RULE_ID, "GroupId": GROUP, "IsEgress": False,
                      **rule}}


WORLD_0_1024 = now(IpProtocol="tcp", FromPort=0, ToPort=1024, CidrIpv4="0.0.0.0/0")


@pytest.mark.parametrize(
    ("params", "current", "broken"),
    [
        # the rule unknown: judged as wholly new, in both directions, each rule once
        (modify(IpProtocol="tcp", FromPort=22, ToPort=22, CidrIpv4="0.0.0.0/0"), None,
         ["restricted-ssh#1", "allowed-cidrs#2"]),
        # the same rule, only its description changed: it opens nothing
        (modify(IpProtocol="tcp", FromPort=0, ToPort=1024, CidrIpv4="0.0.0.0/0"),
         WORLD_0_1024, []),
        # narrowed: ports inside 0-1024, a CIDR inside 0.0.0.0/0, TCP 6 is tcp
        (modify(IpProtocol="6", FromPort=22, ToPort=22, CidrIpv4="198.51.100.0/24"),
         WORLD_0_1024, []),
        # widened by one port: judged as the rule it leaves
        (modify(IpProtocol="tcp", FromPort=0, ToPort=1025, CidrIpv4="0.0.0.0/0"),
         WORLD_0_1024, ["restricted-ssh#1", "allowed-cidrs#2"]),
        # another protocol is not inside tcp; all traffic is inside nothing but -1
        (modify(IpProtocol="udp", FromPort=22, ToPort=22, CidrIpv4="0.0.0.0/0"),
         WORLD_0_1024, ["allowed-cidrs#2"]),
        (modify(IpProtocol="-1", CidrIpv4="0.0.0.0/0"), WORLD_0_1024,
         ["restricted-ssh#1", "allowed-cidrs#2"]),
        (modify(IpProtocol="tcp", FromPort=22, ToPort=22, CidrIpv4="0.0.0.0/0"),
         now(IpProtocol="-1", FromPort=-1, ToPort=-1, CidrIpv4="0.0.0.0/0"), []),
        # a CIDR is inside a CIDR of its own family only; ::/0 is not inside 0.0.0.0/0
        (modify(IpProtocol="tcp", FromPort=22, ToPort=22, CidrIpv6="::/0"), WORLD_0_1024,
         ["restricted-ssh#1", "allowed-cidrs#2"]),
        # an egress rule: restricted-ssh judges ingress only
        (modify(IpProtocol="tcp", FromPort=22, ToPort=22, CidrIpv4="0.0.0.0/0"),
         now(IsEgress=True, IpProtocol="tcp", FromPort=443, ToPort=443, CidrIpv4="10.0.0.0/8"),
         ["allowed-cidrs#2"]),
        # ICMP: type and code equal, or -1 in the current rule
        (modify(IpProtocol="icmp", FromPort=8, ToPort=0, CidrIpv4="0.0.0.0/0"),
         now(IpProtocol="icmp", FromPort=8, ToPort=-1, CidrIpv4="0.0.0.0/0"), []),
        (modify(IpProtocol="icmp", FromPort=3, ToPort=0, CidrIpv4="0.0.0.0/0"),
         now(IpProtocol="icmp", FromPort=8, ToPort=-1, CidrIpv4="0.0.0.0/0"),
         ["allowed-cidrs#2"]),
        # a group reference or a prefix list is inside itself only
        (modify(IpProtocol="tcp", FromPort=22, ToPort=22, ReferencedGroupId="sg-0fedcba987654321f"),
         now(IpProtocol="tcp", FromPort=0, ToPort=1024,
             ReferencedGroupInfo={"GroupId": "sg-0fedcba987654321f", "UserId": "123456789012"}),
         []),
        (modify(IpProtocol="tcp", FromPort=22, ToPort=22, CidrIpv4="0.0.0.0/0"),
         now(IpProtocol="tcp", FromPort=0, ToPort=1024, PrefixListId="pl-12345678"),
         ["restricted-ssh#1", "allowed-cidrs#2"]),
    ],
)
def test_a_modify_is_refused_only_for_access_it_grants_anew(params, current, broken):
    assert rules_broken(GUARDED, params, MODIFY, current_rules=current) == broken


def test_a_modify_is_judged_by_the_description_it_sets_and_never_by_a_count():
    found = GUARDED.violations(MODIFY, modify(IpProtocol="tcp", FromPort=0, ToPort=1024,
                                              CidrIpv4="10.0.0.0/8", Description=""),
                               current_rules=WORLD_0_1024)
    assert [(v.rule, v.direction, v.message) for v in found] == [
        ("require-description#3", "ingress", "the rule for 10.0.0.0/8 has no description")]
    # unknown direction: reported once, not once per direction
    unknown = GUARDED.violations(MODIFY, modify(IpProtocol="tcp", FromPort=80, ToPort=80,
                                                CidrIpv4="10.0.0.0/8", Description=""))
    assert [v.rule for v in unknown] == ["require-description#3"]


# ----------------------------------------------------- group references and prefix lists

EVERY_RULE = policy(
    '[[rule]]\ntype = "restricted-ssh"\n\n'
    '[[rule]]\ntype = "restricted-common-ports"\n\n'
    '[[rule]]\ntype = "vpc-sg-open-only-to-authorized-ports"\n\n'
    '[[rule]]\ntype = "require-description"\n\n'
    '[[rule]]\ntype = "allowed-cidrs"\ncidrs = ["10.0.0.0/8"]\n\n'
    '[[rule]]\ntype = "max-rules-per-group"\nlimit = 2\n'
)


def test_group_references_and_prefix_lists_are_never_the_world_but_are_described_and_counted():
    """All traffic from a group, a group of another account and a prefix list: no access
    rule judges them (they are not CIDRs; a prefix list's entries are not read), the
    description rule does, and each is one rule of the count (3 > 2)."""
    request = ingress({
        "IpProtocol": "-1",
        "UserIdGroupPairs": [{"GroupId": "sg-0fedcba9876543210", "Description": "app"},
                             {"GroupId": "sg-0aaaaaaaaaaaaaaaa", "UserId": "111122223333"}],
        "PrefixListIds": [{"PrefixListId": "pl-12345678"}],
    })
    found = EVERY_RULE.violations(INGRESS, request)
    assert [(v.rule, v.source) for v in found] == [
        ("require-description#4", "111122223333/sg-0aaaaaaaaaaaaaaaa"),
        ("require-description#4", "pl-12345678"),
        ("max-rules-per-group#6", None),
    ]
    assert found[1].permission == {"IpProtocol": "-1",
                                   "PrefixListIds": [{"PrefixListId": "pl-12345678"}]}


def test_the_flat_form_names_its_source_group():
    flat = {"GroupName": "websrv", "SourceSecurityGroupName": "lb",
            "SourceSecurityGroupOwnerId": "111122223333"}
    assert [(v.rule, v.source) for v in EVERY_RULE.violations(INGRESS, flat)] == [
        ("require-description#4", "111122223333/lb")]


# ----------------------------------------------------- UpdateSecurityGroupRuleDescriptions*

UPDATE_INGRESS = "UpdateSecurityGroupRuleDescriptionsIngress"
UPDATE_EGRESS = "UpdateSecurityGroupRuleDescriptionsEgress"


def test_a_description_update_is_judged_by_the_description_rules_only():
    """It changes no access and adds no rule: restricted-ssh, allowed-cidrs and the count
    pass a world SSH rule; require-description refuses a description taken away, by value
    (the source) or by rule id (the id)."""
    by_value = {"GroupId": GROUP, "IpPermissions": [tcp(22, 22)]}  # no Description: cleared
    by_id = {"GroupId": GROUP, "SecurityGroupRuleDescriptions": [
        {"SecurityGroupRuleId": RULE_ID, "Description": "bastion"},
        {"SecurityGroupRuleId": "sgr-0fedcba9876543210"}]}
    for operation, direction in ((UPDATE_INGRESS, "ingress"), (UPDATE_EGRESS, "egress")):
        found = GUARDED.violations(operation, by_value) + GUARDED.violations(operation, by_id)
        assert [(v.rule, v.direction, v.source, v.message) for v in found] == [
            ("require-description#3", direction, "0.0.0.0/0",
             "the rule for 0.0.0.0/0 has no description"),
            ("require-description#3", direction, "sgr-0fedcba9876543210",
             "the rule sgr-0fedcba9876543210 has no description")]
        assert found[1].permission is None
    described = {"GroupId": GROUP, "IpPermissions": [tcp(22, 22, Description="bastion")]}
    assert GUARDED.violations(UPDATE_INGRESS, described) == []


_TOML_STRINGS = st.sampled_from([
    '"x"', "'x'", '""', "''", '""""""', '"a\\"b"', '"a\\\\"',
    '"""x""""', "'''x''''", '"""x"""""', "'''x'''''",  # a string may end in its own quotes
    '"""a\\"""b"""', '"""a\nb"""', "'''a\nb'''", '"""\na.b.c\n"""', '"""a\\\nb"""',
])  # fmt: skip


def _depth(value: object) -> int:
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return max((_depth(v) for v in value), default=0)
    return 0


@settings(max_examples=300, deadline=None)
@given(value=_TOML_STRINGS, shape=st.sampled_from(["inline", "array", "key", "header"]),
       depth=st.integers(50, 80))
def test_the_dot_bound_sees_every_key_tomllib_reads_after_any_string(value, shape, depth):
    """The oracle is tomllib: a key, table or inline table it reads more than 64 parts
    deep is on a line the bound refuses, whatever string stood before it; one under 60
    parts deep is not refused. ('\"\"\"x\"\"\"\"' had hidden the rest of its line.)"""
    deep = "k." * depth + "k"
    text = {"inline": f"t = {{a = {value}, {deep} = 1}}",
            "array": f"a = [{value}, {{{deep} = 1}}]",
            "key": f"s = {value}\n{deep} = 1",
            "header": f"s = {value}\n[{deep}]"}[shape]
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return
    from ec2query._policy import MAX_LINE_DOTS, _crowded_line

    if _depth(document) > MAX_LINE_DOTS + 2:
        assert _crowded_line(text) is not None, text
    elif depth < 60:
        assert _crowded_line(text) is None, text
