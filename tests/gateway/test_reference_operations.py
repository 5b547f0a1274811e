"""DescribeSecurityGroupReferences and DescribeStaleSecurityGroups through boto3 against the
served gateway, on SQLite and on PostgreSQL.

moto_server (5.2.1) has neither operation (it answers 500, "The describe_stale_security_groups
action has not been implemented": checked below, so a moto that gains them is noticed), so the
oracles are the API reference's (DescribeSecurityGroupReferences' example reports the VPC
of the referencing group; a stale rule references a deleted group or a deleted peering
connection) and botocore, which parses every answer.
"""

from __future__ import annotations

import json

import botocore.config
import botocore.exceptions
import botocore.parsers
import pytest

from tests.gateway.conftest import CREDS
from tests.gateway.test_gateway_boto3_versions import _client, models  # noqa: F401 (fixture)
from tests.servers import boto_ec2, moto_server

DEFAULT_VPC = "vpc-0a1b2c3d4e5f60718"  # the backend's default VPC
PEER_VPC = "vpc-0f1e2d3c4b5a69788"
PEERING = "pcx-0a1b2c3d4e5f60718"
#: botocore's own checks off, so that the gateway is the one judging.
UNCHECKED = botocore.config.Config(parameter_validation=False)


def _peered(ec2) -> tuple[str, str, str]:  # type: ignore[no-untyped-def]
    """web and db in the default VPC, app in PEER_VPC; app admits web across a peering
    (twice: one referencing VPC all the same) and db admits web in its own VPC."""
    web = ec2.create_security_group(GroupName="web", Description="web")["GroupId"]
    db = ec2.create_security_group(GroupName="db", Description="db")["GroupId"]
    app = ec2.create_security_group(GroupName="app", Description="app", VpcId=PEER_VPC)[
        "GroupId"]
    for port in (443, 8443):
        ec2.authorize_security_group_ingress(GroupId=app, IpPermissions=[{
            "IpProtocol": "tcp", "FromPort": port, "ToPort": port, "UserIdGroupPairs": [
                {"GroupId": web, "VpcId": DEFAULT_VPC, "VpcPeeringConnectionId": PEERING}]}])
    ec2.authorize_security_group_ingress(GroupId=db, IpPermissions=[{
        "IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432,
        "UserIdGroupPairs": [{"GroupId": web}]}])
    return web, db, app


def test_a_group_is_referenced_by_the_other_vpcs_whose_rules_name_it(gateway):
    ec2 = boto_ec2(gateway, CREDS)
    web, db, app = _peered(ec2)
    answer = ec2.describe_security_group_references(GroupId=[web, db, app])
    # The API reference's example: the group, the VPC of the group referencing it and the
    # peering connection; the reference from db (the same VPC) is none of these.
    assert answer["SecurityGroupReferenceSet"] == [
        {"GroupId": web, "ReferencingVpcId": PEER_VPC, "VpcPeeringConnectionId": PEERING}]
    assert ec2.describe_security_group_references(GroupId=[db])[
        "SecurityGroupReferenceSet"] == []


def test_no_rule_is_stale(gateway):
    ec2 = boto_ec2(gateway, CREDS)
    web, _, _ = _peered(ec2)
    for vpc in (DEFAULT_VPC, PEER_VPC):
        assert ec2.describe_stale_security_groups(VpcId=vpc)["StaleSecurityGroupSet"] == []
    pages = ec2.get_paginator("describe_stale_security_groups").paginate(
        VpcId=PEER_VPC, PaginationConfig={"PageSize": 5})
    assert [page["StaleSecurityGroupSet"] for page in pages] == [[]]
    # The referenced group cannot be deleted, so no rule comes to reference a deleted group.
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        ec2.delete_security_group(GroupId=web)
    assert caught.value.response["Error"]["Code"] == "DependencyViolation"


@pytest.mark.parametrize(("call", "params", "code", "message"), [
    ("describe_security_group_references", {"GroupId": ["sg-0123456789abcdef0"]},
     "InvalidGroup.NotFound", "The security group 'sg-0123456789abcdef0' does not exist"),
    ("describe_security_group_references", {"GroupId": ["sg-xyz"]},
     "InvalidGroupId.Malformed", "The security-group ID 'sg-xyz' is malformed"),
    ("describe_security_group_references", {}, "MissingParameter",
     "The request must contain the parameter GroupId"),
    ("describe_stale_security_groups", {"VpcId": "vpc-0123456789abcdef0"},
     "InvalidVpcID.NotFound", "The vpc ID 'vpc-0123456789abcdef0' does not exist"),
    ("describe_stale_security_groups", {"VpcId": DEFAULT_VPC, "MaxResults": 256},
     "InvalidParameterValue",
     "Value ( 256 ) for parameter maxResults is invalid. Expecting a value smaller than 255."),
    ("describe_stale_security_groups", {"VpcId": DEFAULT_VPC, "MaxResults": 4},
     "InvalidParameterValue",
     "Value ( 4 ) for parameter maxResults is invalid. Expecting a value greater than 5."),
    ("describe_stale_security_groups", {"VpcId": DEFAULT_VPC, "NextToken": "not-ours"},
     "InvalidPaginationToken", "The pagination token 'not-ours' is invalid."),
    ("describe_stale_security_groups", {"VpcId": DEFAULT_VPC, "DryRun": True},
     "DryRunOperation", "Request would have succeeded, but DryRun flag is set."),
])
def test_refusals_have_ec2s_codes_and_texts(gateway, call, params, code, message):
    ec2 = boto_ec2(gateway, CREDS, config=UNCHECKED)
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        getattr(ec2, call)(**params)
    assert caught.value.response["Error"] == {"Code": code, "Message": message}


def test_moto_server_has_neither_operation():
    with moto_server() as upstream:
        ec2 = boto_ec2(upstream, CREDS, config=botocore.config.Config(retries={"max_attempts": 0}))
        for call in (lambda: ec2.describe_stale_security_groups(VpcId=DEFAULT_VPC),
                     lambda: ec2.describe_security_group_references(GroupId=["sg-12345678"])):
            with pytest.raises(botocore.parsers.ResponseParserError):
                call()  # moto's 500 page: if moto gains them, compare with it here


@pytest.mark.parametrize("version", ["2015-10-01", "2016-04-01", "2016-09-15"])
def test_boto3_at_each_version_since_2015_10_01(gateway, models, version):  # noqa: F811
    ec2 = _client(gateway, models, version)
    web = ec2.create_security_group(GroupName="web", Description="web")["GroupId"]
    assert ec2.describe_security_group_references(GroupId=[web])[
        "SecurityGroupReferenceSet"] == []
    assert ec2.describe_stale_security_groups(VpcId=DEFAULT_VPC)["StaleSecurityGroupSet"] == []


def test_the_console_answers_as_aws_cli_prints(gateway):
    """``ec2query describe-security-group-references`` and ``describe-stale-security-groups``
    (the real entry point) print botocore's parse of the gateway's answer as aws-cli does."""
    from tests.commands.test_operations import ec2query

    web, _, _ = _peered(boto_ec2(gateway, CREDS))
    refs = ec2query("describe-security-group-references", "--group-id", web,
                    "--endpoint-url", gateway, "--region", "us-east-1")
    assert refs.returncode == 0, refs.stderr
    assert json.loads(refs.stdout) == {"SecurityGroupReferenceSet": [
        {"GroupId": web, "ReferencingVpcId": PEER_VPC, "VpcPeeringConnectionId": PEERING}]}
    stale = ec2query("describe-stale-security-groups", "--vpc-id", PEER_VPC,
                     "--endpoint-url", gateway, "--region", "us-east-1")
    assert stale.returncode == 0, stale.stderr
    assert json.loads(stale.stdout) == {"StaleSecurityGroupSet": []}
    missing = ec2query("describe-stale-security-groups", "--vpc-id", "vpc-0123456789abcdef0",
                       "--endpoint-url", gateway, "--region", "us-east-1")
    assert missing.returncode == 254
    assert "(InvalidVpcID.NotFound)" in missing.stderr
