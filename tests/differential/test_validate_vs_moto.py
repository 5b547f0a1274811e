"""The validator against moto 5.2.1 (in-process ``mock_aws`` + boto3) where the two overlap.

botocore's client-side validation is switched off so that moto sees exactly
what we judge. Where both accept or both refuse with the same code, the test
asserts agreement; every known disagreement is a row of ``DISAGREEMENTS``
that pins moto's answer, ours, and which side matches EC2 (with the
evidence), so a change on either side shows up here.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from ec2query._validate import problems

boto3 = pytest.importorskip("boto3")
moto = pytest.importorskip("moto")
from botocore.config import Config  # noqa: E402
from botocore.exceptions import ClientError  # noqa: E402

GROUP = "{group}"  # replaced by the id of a real moto group
OTHER = "{other}"  # the name of a second group, a valid source group


@pytest.fixture(scope="module")
def ec2() -> Iterator[Any]:
    with moto.mock_aws():
        client = boto3.client(
            "ec2",
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            config=Config(parameter_validation=False),
        )
        yield client


@pytest.fixture
def groups(ec2: Any) -> dict[str, str]:
    """A fresh target group (in the default VPC) and a source group for every case."""
    import uuid

    target = ec2.create_security_group(GroupName=f"t-{uuid.uuid4().hex[:8]}", Description="t")
    other = f"o-{uuid.uuid4().hex[:8]}"
    ec2.create_security_group(GroupName=other, Description="o")
    return {"group": target["GroupId"], "other": other}


def fill(value: Any, names: dict[str, str]) -> Any:
    if isinstance(value, str):
        return value.format(**names) if "{" in value and "}" in value else value
    if isinstance(value, list):
        return [fill(v, names) for v in value]
    if isinstance(value, dict):
        return {k: fill(v, names) for k, v in value.items()}
    return value


def moto_answer(ec2: Any, op: str, params: dict) -> tuple[str, str] | None:
    method = "".join("_" + c.lower() if c.isupper() else c for c in op).lstrip("_")
    try:
        getattr(ec2, method)(**params)
    except ClientError as exc:
        return exc.response["Error"]["Code"], exc.response["Error"]["Message"]
    return None


def ours(op: str, params: dict) -> tuple[str, str] | None:
    found = problems(op, params)
    return (found[0].code, found[0].message) if found else None


def perm(**kw: Any) -> dict:
    base: dict[str, Any] = {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22}
    base.update(kw)
    return base


AGREE: list[Any] = [
    pytest.param(
        "AuthorizeSecurityGroupIngress",
        {"GroupId": GROUP, "IpPermissions": [perm(IpRanges=[{"CidrIp": "10.0.0.0/8"}])]},
        None,
        id="tcp_22_accepted",
    ),
    pytest.param(
        "AuthorizeSecurityGroupIngress",
        {"GroupId": GROUP, "IpPermissions": [perm(IpRanges=[{"CidrIp": "10.0.0.1/8"}])]},
        None,
        id="host_bits_accepted",
    ),
    pytest.param(
        "AuthorizeSecurityGroupEgress",
        {
            "GroupId": GROUP,
            "IpPermissions": [{"IpProtocol": "-1", "Ipv6Ranges": [{"CidrIpv6": "::/0"}]}],
        },
        None,
        id="egress_all_ipv6_accepted",
    ),
    pytest.param(
        "AuthorizeSecurityGroupIngress",
        {
            "GroupId": GROUP,
            "IpPermissions": [
                perm(
                    IpProtocol="icmp",
                    FromPort=-1,
                    ToPort=-1,
                    IpRanges=[{"CidrIp": "0.0.0.0/0", "Description": "ping (all)"}],
                    UserIdGroupPairs=[{"GroupName": OTHER}],
                )
            ],
        },
        None,
        id="icmp_with_cidr_and_group_accepted",
    ),
    pytest.param(
        "AuthorizeSecurityGroupIngress",
        {
            "GroupId": GROUP,
            "IpProtocol": "udp",
            "FromPort": 53,
            "ToPort": 53,
            "CidrIp": "192.0.2.0/24",
        },
        None,
        id="flat_form_accepted",
    ),
    pytest.param(
        "AuthorizeSecurityGroupIngress",
        {"GroupId": GROUP, "IpPermissions": [perm(IpRanges=[{"CidrIp": "::/32"}])]},
        "InvalidParameterValue",
        id="ipv6_text_in_cidrip_refused",
    ),
    pytest.param(
        "AuthorizeSecurityGroupIngress",
        {"GroupId": GROUP, "IpPermissions": [perm(IpRanges=[{"CidrIp": "10.0.0.0/33"}])]},
        "InvalidParameterValue",
        id="prefix_33_refused",
    ),
    pytest.param(
        "AuthorizeSecurityGroupEgress",
        {"GroupId": GROUP, "IpPermissions": [perm(Ipv6Ranges=[{"CidrIpv6": "2001:db8::/129"}])]},
        "InvalidParameterValue",
        id="ipv6_prefix_129_refused",
    ),
    pytest.param(
        "CreateSecurityGroup",
        {"GroupName": "no-description"},
        "MissingParameter",
        id="create_without_description_refused",
    ),
]


@pytest.mark.parametrize(("op", "params", "code"), AGREE)
def test_agreement_with_moto(
    ec2: Any, groups: dict[str, str], op: str, params: dict, code: str | None
) -> None:
    params = fill(params, groups)
    mine, theirs = ours(op, params), moto_answer(ec2, op, params)
    assert (mine and mine[0]) == code
    assert (theirs and theirs[0]) == code


def test_create_without_description_same_message(ec2: Any) -> None:
    params = {"GroupName": "no-description-2"}
    assert ours("CreateSecurityGroup", params) == moto_answer(ec2, "CreateSecurityGroup", params)


# name, operation, params, moto's answer (code or None), ours (code), who matches EC2 and why
DISAGREEMENTS: list[Any] = [
    pytest.param(
        "AuthorizeSecurityGroupIngress",
        {
            "GroupId": GROUP,
            "IpPermissions": [
                perm(IpRanges=[{"CidrIp": "10.1.0.0/16"}, {"CidrIp": "10.1.0.0/16"}])
            ],
        },
        "InvalidPermission.Duplicate",
        "InvalidParameterValue",
        "ours: EC2 answers InvalidParameterValue 'The same permission must not appear multiple "
        "times' for a duplicate inside one request (reference E19); moto compares with the rules "
        "it has just added",
        id="duplicate_inside_one_request",
    ),
    pytest.param(
        "AuthorizeSecurityGroupIngress",
        {
            "GroupId": GROUP,
            "IpPermissions": [perm(IpProtocol="all", IpRanges=[{"CidrIp": "10.2.0.0/16"}])],
        },
        None,
        "InvalidParameterValue",
        "ours: 'Invalid value 'all' for IP protocol. Unknown protocol.' (reference E9); moto "
        "checks no protocol",
        id="protocol_all",
    ),
    pytest.param(
        "AuthorizeSecurityGroupIngress",
        {
            "GroupId": GROUP,
            "IpPermissions": [perm(FromPort=0, ToPort=70000, IpRanges=[{"CidrIp": "10.3.0.0/16"}])],
        },
        None,
        "InvalidPermission.Malformed",
        "ours: 'TCP/UDP port (70000) out of range' (reference E16); moto checks no port",
        id="tcp_port_70000",
    ),
    pytest.param(
        "AuthorizeSecurityGroupIngress",
        {
            "GroupId": GROUP,
            "IpPermissions": [
                perm(
                    IpProtocol="icmp",
                    FromPort=0,
                    ToPort=65535,
                    IpRanges=[{"CidrIp": "10.4.0.0/16"}],
                )
            ],
        },
        None,
        "InvalidParameterValue",
        "ours: 'ICMP code (65535) out of range' (reference E21)",
        id="icmp_code_65535",
    ),
    pytest.param(
        "AuthorizeSecurityGroupIngress",
        {
            "GroupId": GROUP,
            "IpPermissions": [perm(IpRanges=[{"CidrIp": "10.5.0.0/16", "Description": "bob's"}])],
        },
        None,
        "InvalidParameterValue",
        "ours: 'Invalid rule description...' (research 7e, real EC2 quotes)",
        id="rule_description_apostrophe",
    ),
    pytest.param(
        "AuthorizeSecurityGroupIngress",
        {"IpPermissions": [perm(IpRanges=[{"CidrIp": "10.6.0.0/16"}])]},
        "InvalidGroup.NotFound",
        "MissingParameter",
        "ours: 'The request must contain the parameter groupName or groupId' (research 5a); moto "
        "looks up a group named 'None'",
        id="no_target_group",
    ),
    pytest.param(
        "AuthorizeSecurityGroupIngress",
        {
            "GroupId": "tcp_elb_security_group",
            "IpPermissions": [perm(IpRanges=[{"CidrIp": "10.7.0.0/16"}])],
        },
        "InvalidGroup.NotFound",
        "InvalidGroupId.Malformed",
        "ours: EC2 refuses an id that is not sg- + hex (reference E30, E31); moto looks it up",
        id="group_id_malformed",
    ),
    pytest.param(
        "AuthorizeSecurityGroupIngress",
        {
            "GroupId": GROUP,
            "CidrIp": "10.8.0.0/16",
            "SourceSecurityGroupName": OTHER,
            "IpProtocol": "tcp",
            "FromPort": 1,
            "ToPort": 2,
        },
        None,
        "InvalidParameterCombination",
        "ours by the documentation (botocore CidrIp: 'You can't specify this parameter when "
        "specifying a source security group'); EC2's exact text was not found",
        id="flat_cidr_with_source_group",
    ),
    pytest.param(
        "AuthorizeSecurityGroupEgress",
        {
            "GroupId": GROUP,
            "IpProtocol": "tcp",
            "FromPort": 1,
            "ToPort": 2,
            "CidrIp": "10.9.0.0/16",
        },
        None,
        "UnknownParameter",
        "ours: 'The parameter CidrIp is not recognized' (research 8b, boto3#790)",
        id="egress_flat_form",
    ),
    pytest.param(
        "CreateSecurityGroup",
        {"GroupName": "sg-86c8964", "Description": "d"},
        None,
        "InvalidParameterValue",
        "ours: 'Group names may not be in the format sg-*.' (research 10b)",
        id="group_name_sg_prefix",
    ),
    pytest.param(
        "CreateSecurityGroup",
        {"GroupName": "descr", "Description": "セキュリティ"},
        None,
        "InvalidParameterValue",
        "ours: 'Character sets beyond ASCII are not supported.' (research 10c)",
        id="group_description_non_ascii",
    ),
]


@pytest.mark.parametrize(("op", "params", "moto_code", "our_code", "why"), DISAGREEMENTS)
def test_recorded_disagreement(
    ec2: Any,
    groups: dict[str, str],
    op: str,
    params: dict,
    moto_code: str | None,
    our_code: str,
    why: str,
) -> None:
    params = fill(params, groups)
    theirs = moto_answer(ec2, op, params)
    assert (theirs and theirs[0]) == moto_code, f"moto changed: {theirs}; review: {why}"
    mine = ours(op, params)
    assert mine is not None and mine[0] == our_code, why


def test_cidr_message_differs_ec2_echoes_the_value(ec2: Any, groups: dict[str, str]) -> None:
    """Same code, different text: EC2's is 'CIDR block ::/32 is malformed' (reference E17)."""
    params = fill(
        {"GroupId": GROUP, "IpPermissions": [perm(IpRanges=[{"CidrIp": "::/32"}])]}, groups
    )
    theirs = moto_answer(ec2, "AuthorizeSecurityGroupIngress", params)
    assert theirs is not None and theirs[1].startswith("invalid CIDR subnet specification")
    assert ours("AuthorizeSecurityGroupIngress", params) == (
        "InvalidParameterValue",
        "CIDR block ::/32 is malformed",
    )
