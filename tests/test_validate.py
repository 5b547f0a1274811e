"""The validator, one row per rule and per edge, against EC2's own codes and messages.

Every expected message below is typed from ``../shared/reference/ec2-behaviour.md``
(E-numbers), the research notes quoted in ``docs/validate.md`` or the AWS API
reference, never produced by the code under test. Each row names the rule it
exercises; ``test_every_rule_has_a_row`` keeps the table and the rows in step.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ec2query._errors import RequestError
from ec2query._validate import RULES, canonical_cidr, problems, validate

AUTH_IN = "AuthorizeSecurityGroupIngress"
REVOKE_IN = "RevokeSecurityGroupIngress"
AUTH_OUT = "AuthorizeSecurityGroupEgress"
REVOKE_OUT = "RevokeSecurityGroupEgress"
CREATE = "CreateSecurityGroup"
DESCRIBE = "DescribeSecurityGroups"
DELETE = "DeleteSecurityGroup"

SG = "sg-0123456789abcdef0"
SG_OLD = "sg-8b3b99f3"  # an 8-digit id, as in reference E1
TEXT_SET = "a-zA-Z0-9. _-:/()#,@[]+=&;{}!$*"
RULE_DESCRIPTION = (
    "Invalid rule description. Valid descriptions are strings less than 256 characters "
    "from the following set:  a-zA-Z0-9. _-:/()#,@[]+=&;{}!$*"
)
GROUP_DESCRIPTION = (
    "Invalid security group description. Valid descriptions are strings less than 256 "
    "characters from the following set:  a-zA-Z0-9. _-:/()#,@[]+=&;{}!$*"
)
GROUP_NAME = (
    "Invalid security group name. Valid names are non-empty strings less than 256 characters "
    "from the following set:  a-zA-Z0-9. _-:/()#,@[]+=&;{}!$*"
)
PORTS_TCP = "Invalid value for portRange. Must specify both from and to ports with TCP/UDP."
PORTS_ICMP = "Invalid value for portRange. Must specify both from and to ports with ICMP."
NO_PROTOCOL = (
    "Invalid value 'null' for protocol. VPC security group rules must specify protocols explicitly."
)
DUPLICATE = "The same permission must not appear multiple times"


def rule(protocol: Any = "tcp", ports: tuple[Any, Any] | None = (22, 22), **sources: Any) -> dict:
    """One IpPermission; ``ports=None`` leaves FromPort/ToPort out."""
    permission: dict[str, Any] = {}
    if protocol is not None:
        permission["IpProtocol"] = protocol
    if ports is not None:
        if ports[0] is not None:
            permission["FromPort"] = ports[0]
        if ports[1] is not None:
            permission["ToPort"] = ports[1]
    if not sources:
        sources = {"IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
    permission.update(sources)
    return permission


def req(*permissions: dict, **top: Any) -> dict:
    params: dict[str, Any] = {"GroupId": SG}
    params.update(top)
    if permissions:
        params["IpPermissions"] = list(permissions)
    return {k: v for k, v in params.items() if v is not None}


def cidrs(*values: str, key: str = "IpRanges", field: str = "CidrIp") -> dict:
    return {key: [{field: value} for value in values]}


# --------------------------------------------------------------------------- valid requests

VALID: list[Any] = [
    pytest.param(AUTH_IN, req(rule()), None, id="tcp_22_from_anywhere"),
    pytest.param(AUTH_IN, req(rule(ports=(0, 65535))), None, id="tcp_port_bounds_0_65535"),
    pytest.param(AUTH_IN, req(rule("udp", (53, 53))), None, id="udp_53"),
    pytest.param(AUTH_IN, req(rule("TCP", (80, 443))), None, id="protocol_names_any_case"),
    pytest.param(AUTH_IN, req(rule("6", (80, 80))), None, id="six_is_tcp_with_ports"),
    pytest.param(AUTH_IN, req(rule("ICMP", (-1, -1))), None, id="ICMP_upper_case_all_types"),
    pytest.param(AUTH_IN, req(rule("icmp", (8, -1))), None, id="icmp_echo_all_codes"),
    pytest.param(AUTH_IN, req(rule("icmp", (3, 4))), None, id="icmp_type_3_code_4"),
    pytest.param(AUTH_IN, req(rule("icmp", (255, 255))), None, id="icmp_type_code_255"),
    pytest.param(AUTH_IN, req(rule("icmpv6", None)), None, id="icmpv6_ports_optional__doc"),
    pytest.param(AUTH_IN, req(rule("58", (128, 0))), None, id="icmpv6_by_number"),
    pytest.param(AUTH_IN, req(rule("-1", None)), None, id="all_protocols_no_ports"),
    pytest.param(AUTH_IN, req(rule("-1", (0, 70000))), None, id="all_protocols_ports_ignored__doc"),
    pytest.param(AUTH_IN, req(rule("50", None)), None, id="protocol_number_50_no_ports"),
    pytest.param(AUTH_IN, req(rule("0", None)), None, id="protocol_number_0"),
    pytest.param(AUTH_IN, req(rule("255", None)), None, id="protocol_number_255"),
    pytest.param(
        AUTH_IN,
        req(rule(**cidrs("::/0", key="Ipv6Ranges", field="CidrIpv6"))),
        None,
        id="ipv6_::/0",
    ),
    pytest.param(
        AUTH_IN,
        req(rule(**cidrs("2001:DB8::1/64", key="Ipv6Ranges", field="CidrIpv6"))),
        None,
        id="ipv6_host_bits_upper_case",
    ),
    pytest.param(AUTH_IN, req(rule(**cidrs("10.0.0.1/8"))), None, id="host_bits_are_not_an_error"),
    pytest.param(
        AUTH_IN, req(rule(**cidrs("100.68.0.18/18"))), None, id="api_reference_100.68.0.18"
    ),
    pytest.param(AUTH_IN, req(rule(**cidrs("1.2.3.4/32"))), None, id="single_host"),
    pytest.param(
        AUTH_IN,
        req(rule(**cidrs("10.0.0.0/8", "10.0.0.0/16"))),
        None,
        id="different_prefix_is_not_a_duplicate",
    ),
    pytest.param(
        AUTH_IN, req(rule(ports=(22, 22)), rule(ports=(80, 80))), None, id="same_cidr_other_ports"
    ),
    pytest.param(
        AUTH_IN,
        req(
            rule(
                IpRanges=[{"CidrIp": "10.0.0.0/8", "Description": "office " + TEXT_SET}],
                UserIdGroupPairs=[{"GroupId": SG_OLD, "UserId": "123456789012"}],
            )
        ),
        None,
        id="cidr_and_group_in_one_nested_permission",
    ),
    pytest.param(
        AUTH_IN,
        req(rule(IpRanges=[{"CidrIp": "10.0.0.0/8", "Description": "x" * 255}])),
        None,
        id="description_255_characters",
    ),
    pytest.param(
        AUTH_IN,
        req(rule("-1", None, PrefixListIds=[{"PrefixListId": "pl-1234abcd"}])),
        None,
        id="prefix_list",
    ),
    pytest.param(
        AUTH_IN,
        req(rule(UserIdGroupPairs=[{"GroupName": "default"}]), GroupId=None, GroupName="web"),
        None,
        id="group_name_for_default_vpc",
    ),
    pytest.param(
        AUTH_IN,
        {
            "GroupName": "websrv",
            "IpProtocol": "tcp",
            "FromPort": 80,
            "ToPort": 80,
            "CidrIp": "205.192.0.0/16",
        },
        None,
        id="api_reference_legacy_example__flat",
    ),
    pytest.param(
        AUTH_IN,
        {
            "GroupName": "websrv",
            "SourceSecurityGroupName": "OtherAccountGroup",
            "SourceSecurityGroupOwnerId": "999988887777",
        },
        None,
        id="flat_source_group_grants_full_access__doc",
    ),
    pytest.param(
        AUTH_IN,
        {
            "GroupName": "websrv",
            "UserId": "999988887777",
            "IpProtocol": "tcp",
            "FromPort": 22,
            "ToPort": 22,
            "CidrIp": "10.0.0.0/8",
        },
        None,
        id="legacy_2011_user_id",
    ),
    pytest.param(AUTH_IN, req(rule(), DryRun=True), None, id="dry_run_runs_the_same_rules"),
    pytest.param(
        AUTH_IN,
        req(
            rule(),
            TagSpecifications=[
                {"ResourceType": "security-group-rule", "Tags": [{"Key": "Name", "Value": "ssh"}]}
            ],
        ),
        None,
        id="tag_spec_security_group_rule",
    ),
    pytest.param(AUTH_OUT, req(rule("-1", None)), True, id="egress_in_a_vpc"),
    pytest.param(REVOKE_OUT, req(rule("udp", (53, 53))), None, id="revoke_egress"),
    pytest.param(
        REVOKE_IN,
        {"GroupId": SG, "SecurityGroupRuleIds": ["sgr-5ecc56c640176b2b3", "sgr-0123abcd"]},
        True,
        id="revoke_by_rule_ids",
    ),
    pytest.param(
        REVOKE_IN,
        {"GroupName": "websrv", "SourceSecurityGroupName": "lb"},
        None,
        id="revoke_flat_source_group_alone",
    ),
    pytest.param(DESCRIBE, {"MaxResults": 5}, None, id="describe_max_results_5"),
    pytest.param(DESCRIBE, {"MaxResults": 1000, "NextToken": "x"}, None, id="describe_max_1000"),
    pytest.param(
        DESCRIBE,
        {
            "GroupIds": [SG, SG_OLD],
            "Filters": [
                {"Name": "ip-permission.from-port", "Values": ["22"]},
                {"Name": "tag:Owner", "Values": ["TeamA"]},
            ],
        },
        None,
        id="describe_ids_and_filters",
    ),
    pytest.param(DESCRIBE, {"GroupNames": ["default"]}, None, id="describe_by_name"),
    pytest.param(
        CREATE,
        {
            "GroupName": "web servers (prod)",
            "Description": "HTTP & HTTPS: {80,443}!",
            "VpcId": "vpc-1a2b3c4d",
            "TagSpecifications": [{"ResourceType": "security-group", "Tags": []}],
        },
        True,
        id="create_allowed_characters",
    ),
    pytest.param(CREATE, {"GroupName": "n" * 255, "Description": "d" * 255}, None, id="create_255"),
    pytest.param(
        CREATE,
        {"GroupName": "web", "Description": "web", "VpcId": "vpc-0a1b2c3d4e5f60718",
         "TagSpecifications": [{"ResourceType": "security-group", "Tags": [
             {"Key": f"k{n}", "Value": "v"} for n in range(50)]}]},
        None,
        id="create_17_digit_vpc_and_50_tags",
    ),
    pytest.param(CREATE, {"GroupName": "web", "Description": "web", "VpcId": ""}, None,
                 id="create_empty_vpc_is_the_default"),
    pytest.param(DELETE, {"GroupName": "websrv"}, None, id="delete_by_name"),
    pytest.param(DELETE, {"GroupId": SG}, True, id="delete_by_id"),
]


@pytest.mark.parametrize(("op", "params", "vpc"), VALID)
def test_valid_requests_pass(op: str, params: dict, vpc: bool | None) -> None:
    assert problems(op, params, vpc=vpc) == []
    validate(op, params, vpc=vpc)


# ------------------------------------------------------------------- one row per rule and edge

MALFORMED_GROUP = "The security-group ID '{}' is malformed"
NO_DEFAULT_VPC = (
    "No default VPC for this user. GroupName is only supported for EC2-Classic and default VPC."
)

INVALID: list[Any] = [
    # request shape (EC2 parses before it validates)
    (
        "known-members",
        AUTH_IN,
        req(rule(), Foo="x"),
        None,
        "UnknownParameter",
        "The parameter Foo is not recognized",
    ),
    (
        "known-members",
        AUTH_OUT,
        req(rule(), GroupName="web"),
        None,
        "UnknownParameter",
        "The parameter GroupName is not recognized",
    ),  # research 8a
    (
        "known-members",
        AUTH_IN,
        req({**rule(), "Item": 1}),
        None,
        "UnknownParameter",
        "The parameter Item is not recognized",
    ),  # reference E12
    (
        "member-types",
        AUTH_IN,
        req(rule(ports=("22", 22))),
        None,
        "InvalidParameterValue",
        "Value (22) for parameter IpPermissions.1.FromPort is invalid. Expected: 'Integer'.",
    ),
    (
        "egress-has-no-flat-form",
        AUTH_OUT,
        {"GroupId": SG, "CidrIp": "0.0.0.0/0"},
        None,
        "UnknownParameter",
        "The parameter CidrIp is not recognized",
    ),  # research 8b (boto3#790)
    # the target group
    (
        "group-id-format",
        AUTH_IN,
        req(rule(), GroupId="tcp_elb_security_group"),
        None,
        "InvalidGroupId.Malformed",
        MALFORMED_GROUP.format("tcp_elb_security_group"),
    ),
    (
        "group-id-format",
        AUTH_IN,
        req(rule(), GroupId=""),
        None,
        "InvalidGroupId.Malformed",
        "The security-group ID '' is malformed",
    ),  # reference E31
    (
        "group-id-format",
        REVOKE_IN,
        req(rule(), GroupId="sg-1234567"),
        None,
        "InvalidGroupId.Malformed",
        MALFORMED_GROUP.format("sg-1234567"),
    ),
    (
        "group-id-format",
        DELETE,
        {"GroupId": "sg-0123456789ABCDEF0"},
        None,
        "InvalidGroupId.Malformed",
        MALFORMED_GROUP.format("sg-0123456789ABCDEF0"),
    ),
    (
        "group-id-or-name-required",
        AUTH_IN,
        req(rule(), GroupId=None),
        None,
        "MissingParameter",
        "The request must contain the parameter groupName or groupId",
    ),
    (
        "group-id-or-name-required",
        DELETE,
        {},
        None,
        "MissingParameter",
        "The request must contain the parameter groupName or groupId",
    ),
    (
        "required-members",
        REVOKE_OUT,
        req(rule(), GroupId=None),
        None,
        "MissingParameter",
        "The request must contain the parameter groupId",
    ),
    (
        "group-name-only-in-default-vpc",
        AUTH_IN,
        req(rule(), GroupId=None, GroupName="web"),
        True,
        "VPCIdNotSpecified",
        NO_DEFAULT_VPC,
    ),
    (
        "group-name-only-in-default-vpc",
        DELETE,
        {"GroupName": "web"},
        True,
        "VPCIdNotSpecified",
        NO_DEFAULT_VPC,
    ),
    (
        "egress-only-for-vpc",
        AUTH_OUT,
        req(rule()),
        False,
        "InvalidParameterValue",
        "Only Amazon VPC security groups may be used with this operation.",
    ),
    # CreateSecurityGroup
    (
        "required-members",
        CREATE,
        {"Description": "d"},
        None,
        "MissingParameter",
        "The request must contain the parameter GroupName",
    ),
    (
        "required-members",
        CREATE,
        {"GroupName": "g"},
        None,
        "MissingParameter",
        "The request must contain the parameter GroupDescription",
    ),
    (
        "required-members",
        CREATE,
        {},
        None,
        "MissingParameter",
        "The request must contain the parameter GroupName",
    ),  # both missing: GroupName first (the model's REQUIRED order)
    (
        "required-members",
        AUTH_OUT,
        req(rule(), GroupId=None),
        None,
        "MissingParameter",
        "The request must contain the parameter groupId",
    ),
    (
        "create-group-name-not-sg-",
        CREATE,
        {"GroupName": "sg-86c8964", "Description": "d"},
        None,
        "InvalidParameterValue",
        "Value (sg-86c8964) for parameter GroupName is invalid. Group names may not be in the "
        "format sg-*.",
    ),  # research 10b, quoted
    (
        "create-group-name-ascii",
        CREATE,
        {"GroupName": "grüppe", "Description": "d"},
        None,
        "InvalidParameterValue",
        "Value (grüppe) for parameter GroupName is invalid. Character sets beyond ASCII are not "
        "supported.",
    ),
    (
        "create-group-name-chars",
        CREATE,
        {"GroupName": "bob's", "Description": "d"},
        None,
        "InvalidParameterValue",
        GROUP_NAME,
    ),
    (
        "create-group-name-chars",
        CREATE,
        {"GroupName": "n" * 256, "Description": "d"},
        True,
        "InvalidParameterValue",
        GROUP_NAME,
    ),
    (
        "create-group-name-chars",
        CREATE,
        {"GroupName": "", "Description": "d"},
        None,
        "InvalidParameterValue",
        GROUP_NAME,
    ),
    (
        "create-description-ascii",
        CREATE,
        {"GroupName": "g", "Description": "セキュリティグループ"},
        None,
        "InvalidParameterValue",
        "Value (セキュリティグループ) for parameter GroupDescription is invalid. Character sets "
        "beyond ASCII are not supported.",
    ),  # research 10c, quoted
    (
        "create-description-chars",
        CREATE,
        {"GroupName": "g", "Description": "it's"},
        None,
        "InvalidParameterValue",
        GROUP_DESCRIPTION,
    ),
    (
        "create-description-chars",
        CREATE,
        {"GroupName": "g", "Description": "d" * 256},
        None,
        "InvalidParameterValue",
        GROUP_DESCRIPTION,
    ),
    # DescribeSecurityGroups
    (
        "describe-max-results-min",
        DESCRIBE,
        {"MaxResults": 4},
        None,
        "InvalidParameterValue",
        "Value ( 4 ) for parameter maxResults is invalid. Expecting a value greater than 5.",
    ),
    (
        "describe-max-results-max",
        DESCRIBE,
        {"MaxResults": 1001},
        None,
        "InvalidParameterValue",
        "Value ( 1001 ) for parameter maxResults is invalid. Expecting a value smaller than 1000.",
    ),
    (
        "describe-max-results-not-with-ids",
        DESCRIBE,
        {"MaxResults": 10, "GroupIds": [SG]},
        None,
        "InvalidParameterCombination",
        "The parameter securityGroupIdSet cannot be used with the parameter maxResults",
    ),
    (
        "describe-group-id-format",
        DESCRIBE,
        {"GroupIds": ["websrv"]},
        None,
        "InvalidGroupId.Malformed",
        MALFORMED_GROUP.format("websrv"),
    ),
    (
        "describe-filter-name",
        DESCRIBE,
        {"Filters": [{"Name": "public-ip", "Values": ["x"]}]},
        None,
        "InvalidParameterValue",
        "The filter 'public-ip' is invalid",
    ),
    (
        "describe-filter-name",
        DESCRIBE,
        {"Filters": [{"Name": "tag:", "Values": ["x"]}]},
        None,
        "InvalidParameterValue",
        "The filter 'tag:' is invalid",
    ),
    (
        "describe-filter-value-length",
        DESCRIBE,
        {"Filters": [{"Name": "description", "Values": ["v" * 256]}]},
        None,
        "FilterLimitExceeded",
        "The maximum length for a filter value is 255 characters",
    ),
    # rule ids
    (
        "rule-id-format",
        REVOKE_IN,
        {"GroupId": SG, "SecurityGroupRuleIds": ["sgr-12"]},
        None,
        "InvalidSecurityGroupRuleId.Malformed",
        "The security-group-rule ID 'sgr-12' is malformed",
    ),
    (
        "rule-id-format",
        REVOKE_OUT,
        {"GroupId": SG, "SecurityGroupRuleIds": [SG]},
        None,
        "InvalidSecurityGroupRuleId.Malformed",
        f"The security-group-rule ID '{SG}' is malformed",
    ),
    # the flat (legacy) form, judged with its own rules
    (
        "flat-cidr-xor-source-group",
        AUTH_IN,
        {"GroupName": "web", "CidrIp": "10.0.0.0/8", "SourceSecurityGroupName": "lb"},
        None,
        "InvalidParameterCombination",
        "The parameter cidrIp cannot be used with the parameter sourceSecurityGroupName",
    ),
    (
        "flat-cidr-xor-source-group",
        REVOKE_IN,
        {
            "GroupId": SG,
            "CidrIp": "10.0.0.0/8",
            "SourceSecurityGroupOwnerId": "123456789012",
            "SourceSecurityGroupName": "lb",
        },
        None,
        "InvalidParameterCombination",
        "The parameter cidrIp cannot be used with the parameter sourceSecurityGroupName",
    ),
    (
        "flat-revoke-source-group-alone",
        REVOKE_IN,
        {"GroupName": "web", "SourceSecurityGroupName": "lb", "IpProtocol": "tcp"},
        None,
        "InvalidParameterCombination",
        "The parameter ipProtocol cannot be used with the parameter sourceSecurityGroupName",
    ),
    (
        "flat-needs-source",
        AUTH_IN,
        {"GroupId": SG, "IpProtocol": "tcp", "FromPort": 22, "ToPort": 22},
        None,
        "MissingParameter",
        "Missing source specification: include source security group or CIDR information",
    ),
    # protocols
    (
        "protocol-required",
        AUTH_IN,
        req(rule(None, (22, 22))),
        True,
        "InvalidParameterValue",
        NO_PROTOCOL,
    ),  # reference E10
    (
        "protocol-required",
        AUTH_IN,
        {"GroupId": SG, "CidrIp": "10.0.0.0/8"},
        None,
        "InvalidParameterValue",
        NO_PROTOCOL,
    ),
    (
        "protocol-required",
        AUTH_IN,
        {"GroupId": SG, "SourceSecurityGroupName": "other"},
        True,
        "InvalidParameterValue",
        NO_PROTOCOL,
    ),  # reference E10: in a VPC the flat source group's "full access" needs a protocol too
    (
        "protocol-known",
        AUTH_IN,
        req(rule("all", None)),
        None,
        "InvalidParameterValue",
        "Invalid value 'all' for IP protocol. Unknown protocol.",
    ),  # E9
    (
        "protocol-known",
        AUTH_IN,
        req(rule("256", None)),
        None,
        "InvalidParameterValue",
        "Invalid value '256' for IP protocol. Unknown protocol.",
    ),
    (
        "protocol-known",
        AUTH_IN,
        req(rule("-2", None)),
        None,
        "InvalidParameterValue",
        "Invalid value '-2' for IP protocol. Unknown protocol.",
    ),
    (
        "protocol-known",
        AUTH_IN,
        req(rule("", None)),
        None,
        "InvalidParameterValue",
        "Invalid value '' for IP protocol. Unknown protocol.",
    ),
    (
        "classic-protocols",
        AUTH_IN,
        req(rule("-1", None), GroupId=None, GroupName="w"),
        False,
        "InvalidPermission.Malformed",
        'Unsupported IP protocol "-1"  - supported: [tcp, udp, icmp]',
    ),
    (
        "classic-protocols",
        REVOKE_IN,
        req(rule("icmpv6", None)),
        False,
        "InvalidPermission.Malformed",
        'Unsupported IP protocol "icmpv6"  - supported: [tcp, udp, icmp]',
    ),
    # ports: "TCP and UDP need ports, ICMP needs type and code" (the seed's rule)
    (
        "tcp-and-udp-need-ports",
        AUTH_IN,
        req(rule("tcp", None)),
        None,
        "InvalidParameterValue",
        PORTS_TCP,
    ),
    (
        "tcp-and-udp-need-ports",
        AUTH_IN,
        req(rule("udp", (None, 53))),
        None,
        "InvalidParameterValue",
        PORTS_TCP,
    ),
    (
        "tcp-and-udp-need-ports",
        AUTH_IN,
        req(rule("6", None)),
        None,
        "InvalidParameterValue",
        PORTS_TCP,
    ),
    (
        "tcp-udp-port-range",
        AUTH_IN,
        req(rule("udp", (0, 65536))),
        None,
        "InvalidPermission.Malformed",
        "TCP/UDP port (65536) out of range",
    ),
    (
        "tcp-udp-port-range",
        AUTH_OUT,
        req(rule("tcp", (-1, -1))),
        None,
        "InvalidPermission.Malformed",
        "TCP/UDP port (-1) out of range",
    ),  # reference E16
    (
        "tcp-udp-port-range-flat",
        AUTH_IN,
        {"GroupId": SG, "IpProtocol": "tcp", "FromPort": -1, "ToPort": -1, "CidrIp": "1.2.3.4/32"},
        None,
        "InvalidParameterValue",
        "TCP/UDP (from) port (-1) out of range",
    ),  # research 7b
    (
        "tcp-udp-from-not-above-to",
        AUTH_IN,
        req(rule("tcp", (443, 80))),
        None,
        "InvalidParameterValue",
        "Invalid TCP/UDP port range.",
    ),
    (
        "icmp-needs-type-and-code",
        AUTH_IN,
        req(rule("icmp", None)),
        None,
        "InvalidParameterValue",
        PORTS_ICMP,
    ),
    (
        "icmp-needs-type-and-code",
        AUTH_IN,
        req(rule("1", (8, None))),
        None,
        "InvalidParameterValue",
        PORTS_ICMP,
    ),
    (
        "icmpv6-type-and-code-together",
        AUTH_IN,
        req(rule("icmpv6", (128, None))),
        None,
        "InvalidParameterValue",
        "Invalid value for portRange. Must specify both from and to ports with ICMPv6.",
    ),
    (
        "icmp-code-range",
        AUTH_IN,
        req(rule("icmp", (0, 65535))),
        None,
        "InvalidParameterValue",
        "ICMP code (65535) out of range",
    ),  # reference E21
    (
        "icmp-type-range",
        AUTH_IN,
        req(rule("icmp", (256, 0))),
        None,
        "InvalidParameterValue",
        "ICMP type (256) out of range",
    ),
    (
        "icmp-type-range",
        AUTH_IN,
        req(rule("icmpv6", (-2, -1))),
        None,
        "InvalidParameterValue",
        "ICMPv6 type (-2) out of range",
    ),
    (
        "icmp-all-types-means-all-codes",
        AUTH_IN,
        req(rule("icmp", (-1, 0))),
        None,
        "InvalidParameterValue",
        "ICMP code (0) out of range",
    ),
    # sources
    (
        "source-group-needs-id",
        AUTH_IN,
        req(rule(UserIdGroupPairs=[{"UserId": "123456789012"}])),
        None,
        "MissingParameter",
        "Source group ID missing.",
    ),
    (
        "source-group-needs-id",
        AUTH_IN,
        {"GroupId": SG, "SourceSecurityGroupOwnerId": "123456789012"},
        None,
        "MissingParameter",
        "Source group ID missing.",
    ),  # research 5b (aws-sdk-js#417)
    (
        "source-group-id-format",
        AUTH_IN,
        req(rule(UserIdGroupPairs=[{"GroupId": "sg-xxxxxxxx, sg-xxxxxxxxx"}])),
        None,
        "InvalidGroupId.Malformed",
        MALFORMED_GROUP.format("sg-xxxxxxxx, sg-xxxxxxxxx"),
    ),
    (
        "cidr-syntax",
        AUTH_IN,
        req(rule(**cidrs("::/32"))),
        None,
        "InvalidParameterValue",
        "CIDR block ::/32 is malformed",
    ),  # reference E17
    (
        "cidr-syntax",
        AUTH_IN,
        req(rule(**cidrs("208.157.160.147\n/32"))),
        None,
        "InvalidParameterValue",
        "CIDR block 208.157.160.147\n/32 is malformed",
    ),  # reference E18
    (
        "cidr-syntax",
        AUTH_IN,
        req(rule(**cidrs("sg-05cbbd25a44de07f5"))),
        None,
        "InvalidParameterValue",
        "CIDR block sg-05cbbd25a44de07f5 is malformed",
    ),
    (
        "cidr-syntax",
        AUTH_IN,
        req(rule(**cidrs("10.0.0.0/33"))),
        None,
        "InvalidParameterValue",
        "CIDR block 10.0.0.0/33 is malformed",
    ),
    (
        "cidr-syntax",
        AUTH_IN,
        req(rule(**cidrs("256.0.0.0/8"))),
        None,
        "InvalidParameterValue",
        "CIDR block 256.0.0.0/8 is malformed",
    ),
    (
        "cidr-syntax",
        AUTH_IN,
        req(rule(**cidrs("10.0.0.1"))),
        None,
        "InvalidParameterValue",
        "CIDR block 10.0.0.1 is malformed",
    ),
    (
        "cidr-syntax",
        AUTH_IN,
        req(rule(**cidrs("010.0.0.0/8"))),
        None,
        "InvalidParameterValue",
        "CIDR block 010.0.0.0/8 is malformed",
    ),
    (
        "cidr-syntax",
        AUTH_IN,
        req(rule(**cidrs("2001:db8::/129", key="Ipv6Ranges", field="CidrIpv6"))),
        None,
        "InvalidParameterValue",
        "CIDR block 2001:db8::/129 is malformed",
    ),
    (
        "cidr-syntax",
        AUTH_IN,
        req(rule(**cidrs("0.0.0.0/0", key="Ipv6Ranges", field="CidrIpv6"))),
        None,
        "InvalidParameterValue",
        "CIDR block 0.0.0.0/0 is malformed",
    ),
    (
        "cidr-syntax",
        AUTH_IN,
        req(rule(**cidrs("fe80::1%eth0/64", key="Ipv6Ranges", field="CidrIpv6"))),
        None,
        "InvalidParameterValue",
        "CIDR block fe80::1%eth0/64 is malformed",
    ),
    (
        "cidr-syntax",
        REVOKE_IN,
        {"GroupId": SG, "IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "CidrIp": "::/0"},
        None,
        "InvalidParameterValue",
        "CIDR block ::/0 is malformed",
    ),  # research 7d (nixops#683)
    (
        "prefix-list-id-format",
        AUTH_IN,
        req(rule(PrefixListIds=[{"PrefixListId": "pl-xyz"}])),
        None,
        "InvalidPrefixListId.Malformed",
        "The prefix-list ID 'pl-xyz' is malformed",
    ),
    (
        "prefix-list-id-format",
        AUTH_IN,
        req(rule(PrefixListIds=[{"Description": "no id"}])),
        None,
        "InvalidPrefixListId.Malformed",
        "The prefix-list ID 'None' is malformed",
    ),  # no id at all (the backend stored a rule for peer "None")
    (
        "cidr-syntax",
        AUTH_IN,
        req(rule(IpRanges=[{"Description": "no cidr"}])),
        None,
        "InvalidParameterValue",
        "CIDR block None is malformed",
    ),  # the embedded backend's answer, now the validator's
    (
        "cidr-syntax",
        REVOKE_OUT,
        req(rule(Ipv6Ranges=[{"Description": "no cidr"}])),
        None,
        "InvalidParameterValue",
        "CIDR block None is malformed",
    ),
    (
        "rule-description",
        AUTH_IN,
        req(rule(IpRanges=[{"CidrIp": "10.0.0.0/8", "Description": "bob's laptop"}])),
        None,
        "InvalidParameterValue",
        RULE_DESCRIPTION,
    ),
    (
        "rule-description",
        AUTH_IN,
        req(rule(IpRanges=[{"CidrIp": "10.0.0.0/8", "Description": "d" * 256}])),
        None,
        "InvalidParameterValue",
        RULE_DESCRIPTION,
    ),
    (
        "rule-description",
        AUTH_OUT,
        req(rule(UserIdGroupPairs=[{"GroupId": SG_OLD, "Description": "§"}])),
        None,
        "InvalidParameterValue",
        RULE_DESCRIPTION,
    ),
    # duplicates, judged on the canonical form
    (
        "same-permission-twice",
        AUTH_IN,
        req(rule(**cidrs("10.0.0.0/8", "10.0.0.0/8"))),
        None,
        "InvalidParameterValue",
        DUPLICATE,
    ),  # reference E19
    (
        "same-permission-twice",
        AUTH_IN,
        req(rule(**cidrs("10.0.0.1/8", "10.9.9.9/8"))),
        None,
        "InvalidParameterValue",
        DUPLICATE,
    ),  # host bits: 10.0.0.0/8 twice (doc 5.4)
    (
        "same-permission-twice",
        AUTH_IN,
        req(rule("tcp"), rule("6")),
        None,
        "InvalidParameterValue",
        DUPLICATE,
    ),
    (
        "same-permission-twice",
        AUTH_IN,
        req(rule(**cidrs("2001:db8::/32", "2001:DB8:0::1/32", key="Ipv6Ranges", field="CidrIpv6"))),
        None,
        "InvalidParameterValue",
        DUPLICATE,
    ),
    (
        "same-permission-twice",
        AUTH_IN,
        {
            "GroupId": SG,
            "IpProtocol": "tcp",
            "FromPort": 22,
            "ToPort": 22,
            "CidrIp": "0.0.0.0/0",
            "IpPermissions": [rule()],
        },
        None,
        "InvalidParameterValue",
        DUPLICATE,
    ),
    (
        "same-permission-twice",
        AUTH_IN,
        req(rule("icmpv6", None), rule("icmpv6", (-1, -1))),
        None,
        "InvalidParameterValue",
        DUPLICATE,
    ),  # ICMPv6 without type and code is the -1/-1 rule (the backend's canonical ports)
    (
        "permission-needs-source",
        AUTH_IN,
        req({"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22}),
        None,
        "MissingParameter",
        "Missing source specification: include source security group or CIDR information",
    ),  # research 5c
    (
        "permission-needs-source",
        REVOKE_OUT,
        req(rule(), {"IpProtocol": "-1"}),
        None,
        "MissingParameter",
        "Missing source specification: include source security group or CIDR information",
    ),
    (
        "modify-rule-needs-source",
        "ModifySecurityGroupRules",
        {"GroupId": "sg-0123456789abcdef0", "SecurityGroupRules": [{
            "SecurityGroupRuleId": "sgr-0123456789abcdef0",
            "SecurityGroupRule": {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22}}]},
        None,
        "MissingParameter",
        "Either CidrIpv4, CidrIpv6, PrefixListId or ReferencedGroupId must be specified.",
    ),  # inferred (SecurityGroupRuleRequest: one source of the four)
    (
        "modify-rule-one-source",
        "ModifySecurityGroupRules",
        {"GroupId": "sg-0123456789abcdef0", "SecurityGroupRules": [{
            "SecurityGroupRuleId": "sgr-0123456789abcdef0",
            "SecurityGroupRule": {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
                                  "CidrIpv4": "10.0.0.0/8", "ReferencedGroupId":
                                  "sg-0123456789abcdef1"}}]},
        None,
        "InvalidParameterCombination",
        "Only one of CidrIpv4, CidrIpv6, PrefixListId or ReferencedGroupId may be specified.",
    ),
    # tags
    (
        "tag-resource-type",
        AUTH_IN,
        req(rule(), TagSpecifications=[{"ResourceType": "instance"}]),
        None,
        "InvalidParameterValue",
        "'instance' is not a valid taggable resource type for this operation.",
    ),
    (
        "tag-resource-type",
        CREATE,
        {
            "GroupName": "g",
            "Description": "d",
            "TagSpecifications": [{"ResourceType": "security-group-rule"}],
        },
        None,
        "InvalidParameterValue",
        "'security-group-rule' is not a valid taggable resource type for this operation.",
    ),
    (
        "tag-resource-type-required",
        AUTH_OUT,
        req(rule(), TagSpecifications=[{"Tags": [{"Key": "k", "Value": "v"}]}]),
        None,
        "InvalidParameterValue",
        "Tag specification resource type must have a value",
    ),
    (
        "describe-max-results-max",
        "DescribeStaleSecurityGroups",
        {"VpcId": "vpc-12345678", "MaxResults": 256},
        None,
        "InvalidParameterValue",
        "Value ( 256 ) for parameter maxResults is invalid. Expecting a value smaller than 255.",
    ),
    (
        "describe-group-id-format",
        "DescribeSecurityGroupReferences",
        {"GroupId": ["sg-12345678", "sg-xyz"]},
        None,
        "InvalidGroupId.Malformed",
        "The security-group ID 'sg-xyz' is malformed",
    ),
    (
        "required-members",
        "DescribeStaleSecurityGroups",
        {"MaxResults": 5},
        None,
        "MissingParameter",
        "The request must contain the parameter VpcId",
    ),
    (
        "tag-key-required",
        "CreateTags",
        {"Resources": ["sg-12345678"], "Tags": [{"Key": "", "Value": "v"}]},
        None,
        "InvalidParameterValue",
        "Value ( '' ) for parameter Tag key is invalid. Tag key cannot be null or empty.",
    ),
    (
        "tag-key-reserved",
        "CreateTags",
        {"Resources": ["sg-12345678"], "Tags": [{"Key": "aws:autoscaling:groupName"}]},
        None,
        "InvalidParameterValue",
        "Value ( aws:autoscaling:groupName ) for parameter key is invalid. Tag keys starting "
        "with 'aws:' are reserved for internal use",
    ),
    (
        "tag-key-length",
        "DeleteTags",
        {"Resources": ["sg-12345678"], "Tags": [{"Key": "k" * 129}]},
        None,
        "InvalidParameterValue",
        "Tag key exceeds the maximum length of 128 characters",
    ),
    (
        "tag-value-length",
        "CreateTags",
        {"Resources": ["sg-12345678"], "Tags": [{"Key": "k", "Value": "v" * 257}]},
        None,
        "InvalidParameterValue",
        "Tag value exceeds the maximum length of 256 characters",  # EC2's (docs/validate.md)
    ),
    (  # a tag of a TagSpecifications entry is judged as a CreateTags tag
        "tag-key-reserved",
        "CreateSecurityGroup",
        {"GroupName": "web", "Description": "web", "TagSpecifications": [
            {"ResourceType": "security-group", "Tags": [{"Key": "AWS:x", "Value": "1"}]}]},
        None,
        "InvalidParameterValue",
        "Value ( AWS:x ) for parameter key is invalid. Tag keys starting with 'aws:' are "
        "reserved for internal use",
    ),
    (  # the keys of two entries of one resource type are one resource's tags
        "tag-key-duplicate",
        "CreateSecurityGroup",
        {"GroupName": "web", "Description": "web", "TagSpecifications": [
            {"ResourceType": "security-group", "Tags": [{"Key": "env", "Value": "a"}]},
            {"ResourceType": "security-group", "Tags": [{"Key": "env", "Value": "b"}]}]},
        None,
        "InvalidParameterValue",
        "Duplicate tag key 'env' specified.",
    ),
    (
        "tag-limit",
        AUTH_IN,
        req(rule(), TagSpecifications=[{"ResourceType": "security-group-rule", "Tags": [
            {"Key": f"k{n}", "Value": "v"} for n in range(51)]}]),
        None,
        "TagLimitExceeded",
        "The maximum number of Tags for a resource has been reached.",
    ),
    (  # 9 digits: neither the 8 of older ids nor the 17 of current ones
        "vpc-id-format",
        "CreateSecurityGroup",
        {"GroupName": "web", "Description": "web", "VpcId": "vpc-012345678"},
        None,
        "InvalidVpcId.Malformed",
        "The vpc ID vpc-012345678 is malformed",
    ),
    (
        "vpc-id-format",
        "DescribeStaleSecurityGroups",
        {"VpcId": "vpc-0123456789ABCDEF0"},
        None,
        "InvalidVpcId.Malformed",
        "The vpc ID vpc-0123456789ABCDEF0 is malformed",
    ),
    # the request's text: what XML 1.0 cannot carry (NUL, other C0 controls, U+FFFE/U+FFFF)
    (
        "text-not-xml",
        "CreateTags",
        {"Resources": ["sg-12345678"], "Tags": [{"Key": "team", "Value": "a\x00b"}]},
        None,
        "InvalidParameterValue",
        "Invalid value for parameter Tag.1.Value: character U+0000 is not allowed",
    ),
    (
        "text-not-xml",
        "DescribeSecurityGroups",
        {"Filters": [{"Name": "tag:team", "Values": ["ok", "\x1b[0m"]}]},
        None,
        "InvalidParameterValue",
        "Invalid value for parameter Filter.1.Value.2: character U+001B is not allowed",
    ),
    (
        "text-not-xml",
        "DeleteSecurityGroup",
        {"GroupName": "web\uffff"},
        None,
        "InvalidParameterValue",
        "Invalid value for parameter GroupName: character U+FFFF is not allowed",
    ),
    (
        "text-not-xml",
        "CreateSecurityGroup",
        {"GroupName": "web", "Description": "web", "TagSpecifications": [
            {"ResourceType": "security-group", "Tags": [{"Key": "k\x7f\x01", "Value": ""}]}]},
        None,
        "InvalidParameterValue",
        "Invalid value for parameter TagSpecification.1.Tag.1.Key: character U+0001 is not "
        "allowed",
    ),
]


def test_text_xml_carries_is_not_refused() -> None:
    """Tab, line feed, carriage return, DEL, non-ASCII letters and characters beyond the BMP
    are XML text (XML 1.0's Char): a tag may hold them."""
    validate("CreateTags", {"Resources": ["sg-12345678"],
                            "Tags": [{"Key": "k", "Value": "a\tb\nc\rd\x7f é \U0001f389"}]})


def _row_id(row: tuple) -> str:
    return row[0].replace("-", "_")


@pytest.mark.parametrize(
    ("rule_name", "op", "params", "vpc", "code", "message"),
    [pytest.param(*row, id=f"{_row_id(row)}-{i}") for i, row in enumerate(INVALID)],
)
def test_each_rule_answers_ec2s_code_and_message(
    rule_name: str, op: str, params: dict, vpc: bool | None, code: str, message: str
) -> None:
    with pytest.raises(RequestError) as raised:
        validate(op, params, vpc=vpc)
    assert (raised.value.code, raised.value.message) == (code, message)
    assert raised.value.http_status == 400
    found = problems(op, params, vpc=vpc)
    assert (found[0].code, found[0].message) == (code, message)


def test_every_rule_has_a_row() -> None:
    assert {r.name for r in RULES} == {row[0] for row in INVALID}


def test_rule_names_are_unique_and_codes_are_ec2_shaped() -> None:
    names = [r.name for r in RULES]
    assert len(names) == len(set(names))
    for r in RULES:
        assert r.code[0].isupper() and " " not in r.code, r.name
        assert r.evidence, r.name


# --------------------------------------------------------------------------- named conditions


def test_tcp_and_udp_need_ports__seed_rule() -> None:
    for protocol in ("tcp", "udp", "TCP", "17"):
        with pytest.raises(RequestError, match="Must specify both from and to ports with TCP/UDP"):
            validate(AUTH_IN, req(rule(protocol, None)))


def test_icmp_needs_type_and_code__seed_rule() -> None:
    for ports in (None, (8, None), (None, 0)):
        with pytest.raises(RequestError, match="Must specify both from and to ports with ICMP"):
            validate(AUTH_IN, req(rule("icmp", ports)))


def test_exactly_one_target_group__api_reference_groupname_default_vpc_only() -> None:
    """ "For security groups for a nondefault VPC, you must specify the ID" (botocore GroupName)."""
    by_name = req(rule(), GroupId=None, GroupName="web")
    assert problems(AUTH_IN, by_name, vpc=None) == []
    assert problems(AUTH_IN, by_name, vpc=False) == []
    assert [e.code for e in problems(AUTH_IN, by_name, vpc=True)] == ["VPCIdNotSpecified"]


def test_icmp_minus_one_type_implies_minus_one_code__api_reference_toport() -> None:
    """Botocore ToPort: "If the start port is -1 (all ICMP types), then the end port must be -1"."""
    validate(AUTH_IN, req(rule("icmp", (-1, -1))))
    with pytest.raises(RequestError, match=r"ICMP code \(3\) out of range"):
        validate(AUTH_IN, req(rule("icmp", (-1, 3))))


def test_flat_cidr_with_source_group_is_refused__api_reference_cidrip() -> None:
    """Revoke ``CidrIp``: "You can't specify this parameter when specifying a source ..." group."""
    flat = {"GroupName": "w", "CidrIp": "1.2.3.4/32", "SourceSecurityGroupName": "lb"}
    assert problems(REVOKE_IN, flat)[0].code == "InvalidParameterCombination"
    nested = req(rule(IpRanges=[{"CidrIp": "1.2.3.4/32"}], UserIdGroupPairs=[{"GroupId": SG}]))
    assert problems(REVOKE_IN, nested) == []  # the nested form allows both (one rule per source)


def test_classic_accepts_only_tcp_udp_icmp__e11() -> None:
    for protocol in ("tcp", "udp", "icmp", "6"):
        ports = (-1, -1) if protocol == "icmp" else (1, 2)
        assert problems(AUTH_IN, req(rule(protocol, ports)), vpc=False) == []
    for protocol in ("-1", "50", "icmpv6", "58"):
        assert [e.code for e in problems(AUTH_IN, req(rule(protocol, None)), vpc=False)] == [
            "InvalidPermission.Malformed"
        ]


def test_unknown_era_prefers_vpc_behaviour() -> None:
    assert problems(AUTH_IN, req(rule("-1", None)), vpc=None) == []
    assert problems(AUTH_OUT, req(rule("-1", None)), vpc=None) == []
    assert problems(CREATE, {"GroupName": "a", "Description": "it's"}, vpc=False) == []
    assert problems(CREATE, {"GroupName": "a", "Description": "it's"}, vpc=None) != []


def test_validate_raises_the_first_problem_and_problems_lists_them_all() -> None:
    params = {
        "GroupId": "foo",
        "IpPermissions": [rule("all", None), rule("tcp", (22, 22), **cidrs("::/32"))],
    }
    found = problems(AUTH_IN, params)
    assert [(e.code, e.message) for e in found] == [
        ("InvalidGroupId.Malformed", "The security-group ID 'foo' is malformed"),
        ("InvalidParameterValue", "Invalid value 'all' for IP protocol. Unknown protocol."),
        ("InvalidParameterValue", "CIDR block ::/32 is malformed"),
    ]
    with pytest.raises(RequestError) as raised:
        validate(AUTH_IN, params)
    assert raised.value.message == found[0].message
    assert isinstance(raised.value, ValueError)


def test_shape_problems_stop_the_rules() -> None:
    found = problems(AUTH_IN, {"GroupId": 5, "IpPermissions": {"IpProtocol": "tcp"}})
    assert [e.code for e in found] == ["InvalidParameterValue", "InvalidParameterValue"]
    assert [e.code for e in problems(AUTH_IN, ["not", "a", "dict"])] == ["InvalidParameterValue"]


def test_cli_names_are_accepted_and_unknown_operations_refused() -> None:
    assert problems("authorize-security-group-ingress", req(rule())) == []
    with pytest.raises(RequestError) as raised:
        validate("AuthorizeSecurityGroupIngres", {})
    assert raised.value.code == "InvalidAction"


def test_params_are_not_modified() -> None:
    params = {
        "GroupName": "w",
        "IpProtocol": "tcp",
        "FromPort": 1,
        "ToPort": 2,
        "CidrIp": "1.2.3.4/8",
    }
    before = repr(params)
    validate(AUTH_IN, params)
    assert repr(params) == before


# --------------------------------------------------------------------------- canonical_cidr


@pytest.mark.parametrize(
    ("given", "canonical"),
    [
        ("100.68.0.18/18", "100.68.0.0/18"),  # the API reference's own example
        ("10.0.0.1/8", "10.0.0.0/8"),
        ("0.0.0.0/0", "0.0.0.0/0"),
        ("255.255.255.255/0", "0.0.0.0/0"),
        ("192.168.1.77/32", "192.168.1.77/32"),
        ("192.168.1.77/31", "192.168.1.76/31"),
        ("::/0", "::/0"),
        ("2001:DB8::1/32", "2001:db8::/32"),
        ("2001:0db8:0000:0000:0000:0000:0000:0001/128", "2001:db8::1/128"),
    ],
)
def test_canonical_cidr(given: str, canonical: str) -> None:
    assert canonical_cidr(given) == canonical


@pytest.mark.parametrize("bad", ["::/32x", "10.0.0.0", "10.0.0.0/8 ", "1.2.3/8", "", "a/b"])
def test_canonical_cidr_refuses_malformed(bad: str) -> None:
    with pytest.raises(ValueError, match="is malformed"):
        canonical_cidr(bad)


def test_docs_table_is_the_code_table() -> None:
    from ec2query._validate import rules_markdown

    docs = (Path(__file__).resolve().parents[1] / "docs" / "validate.md").read_text("utf-8")
    begin = docs.index("-->\n", docs.index("<!-- rules:begin")) + len("-->\n")
    end = docs.index("<!-- rules:end -->")
    assert docs[begin:end] == rules_markdown()


# --------------------------------------------------------------------------- integers of any length

HUGE = [10**5000 + 7, 10**100_000 + 7]


@pytest.mark.parametrize("value", HUGE, ids=["5000-digits", "100000-digits"])
def test_an_integer_of_any_length_is_judged_by_value(value: int) -> None:
    """EC2's range errors, the value shown truncated (str() of it would raise ValueError)."""
    digits = "1" + "0" * 63 + "..."
    cases = [
        (AUTH_IN, req(rule("tcp", (22, value))), "InvalidPermission.Malformed",
         f"TCP/UDP port ({digits}) out of range"),
        (AUTH_IN, req(rule("tcp", (-value, 22))), "InvalidPermission.Malformed",
         f"TCP/UDP port (-{digits}) out of range"),
        (AUTH_IN, {"GroupId": SG, "IpProtocol": "udp", "FromPort": value, "ToPort": 1,
                   "CidrIp": "10.0.0.0/8"}, "InvalidParameterValue",
         f"TCP/UDP (from) port ({digits}) out of range"),
        (AUTH_IN, req(rule("icmp", (value, 0))), "InvalidParameterValue",
         f"ICMP type ({digits}) out of range"),
        (DESCRIBE, {"MaxResults": value}, "InvalidParameterValue",
         f"Value ( {digits} ) for parameter maxResults is invalid. Expecting a value smaller "
         "than 1000."),
        (DELETE, {"GroupId": SG, "DryRun": value}, "InvalidParameterValue",
         f"Value ({digits[:64]}) for parameter DryRun is invalid. Expected: 'Boolean'."),
    ]  # fmt: skip
    for op, params, code, message in cases:
        with pytest.raises(RequestError) as raised:
            validate(op, params)
        assert (raised.value.code, raised.value.message) == (code, message)


@pytest.mark.parametrize(
    "bad", [None, 10**5000, ["10.0.0.0/8"], b"10.0.0.0/8"], ids=["None", "huge", "list", "bytes"]
)
def test_canonical_cidr_refuses_what_is_not_text_with_ec2s_error(bad: Any) -> None:
    with pytest.raises(RequestError, match="is malformed") as raised:
        canonical_cidr(bad)
    assert raised.value.code == "InvalidParameterValue"
