"""The gateway as real clients see it: boto3 and the aws CLI against ``ec2query serve``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone

import boto3
import botocore.exceptions
import pytest
import requests

from ec2query._client import Client
from ec2query._request import build_signed_request
from ec2query.auth import Credentials
from tests.servers import FAKE_ENV, free_port, terminal_signals

CREDS = Credentials(FAKE_ENV["AWS_ACCESS_KEY_ID"], FAKE_ENV["AWS_SECRET_ACCESS_KEY"])
SSH = {
    "IpProtocol": "tcp",
    "FromPort": 22,
    "ToPort": 22,
    "IpRanges": [{"CidrIp": "203.0.113.0/24"}],
}


def _serve(tmp_path, *extra, ignored=()):
    """Start ``ec2query serve`` as a subprocess in the caller's AWS environment, with
    SIGINT and SIGHUP as at a terminal (the stop tests send them), but for ``ignored``."""
    port = free_port()
    env = {**os.environ, **FAKE_ENV}
    log = tmp_path / f"serve-{port}.log"
    with log.open("w") as sink, terminal_signals(ignored=ignored):  # sink: the child's own
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "ec2query._console",
                "serve",
                "--port",
                str(port),
                "--db",
                str(tmp_path / "gw.sqlite3"),
                *extra,
            ],
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            requests.get(url, timeout=0.5)
            return process, url
        except requests.ConnectionError:
            if process.poll() is not None:
                raise AssertionError(log.read_text()) from None
            time.sleep(0.1)
    process.kill()
    raise AssertionError("ec2query serve did not start")


@pytest.fixture(scope="module")
def gateway(tmp_path_factory):
    process, url = _serve(tmp_path_factory.mktemp("gw"))
    yield url
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def boto(gateway):
    return boto3.client(
        "ec2",
        endpoint_url=gateway,
        region_name="us-east-1",
        aws_access_key_id=CREDS.access_key,
        aws_secret_access_key=CREDS.secret_key,
    )


def _rules(boto, group_id):
    group = boto.describe_security_groups(GroupIds=[group_id])["SecurityGroups"][0]
    return [
        (
            p["IpProtocol"],
            p.get("FromPort"),
            p.get("ToPort"),
            [r["CidrIp"] for r in p.get("IpRanges", [])],
        )
        for p in group["IpPermissions"]
    ]


def test_boto3_runs_the_whole_life_cycle(boto):
    group_id = boto.create_security_group(GroupName="web", Description="web servers")["GroupId"]
    assert group_id.startswith("sg-")
    result = boto.authorize_security_group_ingress(GroupId=group_id, IpPermissions=[SSH])
    assert result["Return"] is True
    [rule] = result["SecurityGroupRules"]
    assert rule["SecurityGroupRuleId"].startswith("sgr-")
    assert (rule["IpProtocol"], rule["FromPort"], rule["CidrIpv4"]) == ("tcp", 22, "203.0.113.0/24")
    assert _rules(boto, group_id) == [("tcp", 22, 22, ["203.0.113.0/24"])]
    with pytest.raises(botocore.exceptions.ClientError) as dup:
        boto.authorize_security_group_ingress(GroupId=group_id, IpPermissions=[SSH])
    assert dup.value.response["Error"] == {
        "Code": "InvalidPermission.Duplicate",
        "Message": 'the specified rule "peer: 203.0.113.0/24, TCP, from port: 22, to port: 22, '
        'ALLOW" already exists',
    }
    assert boto.revoke_security_group_ingress(GroupId=group_id, IpPermissions=[SSH])["Return"]
    assert _rules(boto, group_id) == []
    boto.delete_security_group(GroupId=group_id)
    with pytest.raises(botocore.exceptions.ClientError) as gone:
        boto.describe_security_groups(GroupIds=[group_id])
    assert gone.value.response["Error"]["Code"] == "InvalidGroup.NotFound"


def test_boto3_gets_ec2s_codes_and_statuses_for_bad_requests(boto):
    group_id = boto.create_security_group(GroupName="bad", Description="d")["GroupId"]
    cases = [
        (
            {"GroupId": group_id, "IpPermissions": [{**SSH, "IpRanges": [{"CidrIp": "::/32"}]}]},
            "InvalidParameterValue",
            "CIDR block ::/32 is malformed",
        ),
        (
            {"GroupId": "sg-0123456789abcdef0", "IpPermissions": [SSH]},
            "InvalidGroup.NotFound",
            "The security group 'sg-0123456789abcdef0' does not exist",
        ),
        (
            {"GroupId": group_id, "IpPermissions": [SSH], "DryRun": True},
            "DryRunOperation",
            "Request would have succeeded, but DryRun flag is set.",
        ),
    ]
    for params, code, message in cases:
        with pytest.raises(botocore.exceptions.ClientError) as error:
            boto.authorize_security_group_ingress(**params)
        assert error.value.response["Error"] == {"Code": code, "Message": message}
        assert error.value.response["ResponseMetadata"]["RequestId"]
    assert _rules(boto, group_id) == []  # the dry run changed nothing


def test_revoking_a_missing_rule_in_a_default_vpc_group_reports_unknown_permissions(boto):
    group_id = boto.create_security_group(GroupName="dflt", Description="d")["GroupId"]
    result = boto.revoke_security_group_ingress(GroupId=group_id, IpPermissions=[SSH])
    assert result["Return"] is True
    assert result["UnknownIpPermissions"][0]["IpRanges"] == [{"CidrIp": "203.0.113.0/24"}]


def test_revoking_a_missing_rule_in_a_non_default_vpc_is_not_found(boto):
    group_id = boto.create_security_group(
        GroupName="vpcgrp", Description="d", VpcId="vpc-0a1b2c3d4e5f67890"
    )["GroupId"]
    with pytest.raises(botocore.exceptions.ClientError) as error:
        boto.revoke_security_group_ingress(GroupId=group_id, IpPermissions=[SSH])
    assert error.value.response["Error"] == {
        "Code": "InvalidPermission.NotFound",
        "Message": "The specified rule does not exist in this security group.",
    }


def _aws(gateway, *args, env_extra=None):
    env = {**os.environ, **FAKE_ENV, **(env_extra or {})}
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "awscli",
            "ec2",
            *args,
            "--endpoint-url",
            gateway,
            "--output",
            "json",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


SEED_ARGV = ("--group-name", "MySecurityGroup", "--protocol", "tcp", "--port", "22",
             "--cidr", "203.0.113.0/24")


def test_aws_cli_seed_example_works_as_documented(gateway):
    assert (
        _aws(
            gateway,
            "create-security-group",
            "--group-name",
            "MySecurityGroup",
            "--description",
            "seed",
        ).returncode
        == 0
    )
    auth = _aws(
        gateway,
        "authorize-security-group-ingress",
        *SEED_ARGV,
    )
    assert auth.returncode == 0, auth.stderr
    assert json.loads(auth.stdout)["Return"] is True
    revoke = _aws(
        gateway,
        "revoke-security-group-ingress",
        *SEED_ARGV,
    )
    assert revoke.returncode == 0, revoke.stderr
    described = _aws(gateway, "describe-security-groups", "--group-names", "MySecurityGroup")
    assert json.loads(described.stdout)["SecurityGroups"][0]["IpPermissions"] == []


def test_aws_cli_gets_ec2s_error_for_a_malformed_group_id(gateway):
    result = _aws(
        gateway,
        "revoke-security-group-ingress",
        "--group-id",
        "nope",
        "--protocol",
        "tcp",
        "--port",
        "22",
        "--cidr",
        "203.0.113.0/24",
    )
    assert result.returncode == 255  # aws-cli v1's status for a service error
    assert result.stderr.strip() == (
        "An error occurred (InvalidGroupId.Malformed) when calling the "
        "RevokeSecurityGroupIngress operation: The security-group ID 'nope' is malformed"
    )


# ------------------------------------------------------------------------ signatures


def _post(raw):
    return requests.request(
        raw.method, raw.url, data=raw.body or None, headers=raw.headers, timeout=10
    )


def _code(response):
    from ec2query._codec.xml import parse_response
    from ec2query._errors import ServiceError

    try:
        parse_response("DescribeSecurityGroups", response.content)
    except ServiceError as error:
        return response.status_code, error.code
    return response.status_code, "OK"


@pytest.mark.parametrize("signature", ["v4", "v4-query", "v2"])
def test_every_signature_scheme_is_accepted(gateway, signature):
    raw = build_signed_request(
        "DescribeSecurityGroups", {}, endpoint=gateway, credentials=CREDS, signature=signature
, region="us-east-1")
    assert _code(_post(raw)) == (200, "OK")


def test_a_wrong_secret_is_signature_does_not_match(gateway):
    wrong = Credentials(CREDS.access_key, "not-the-secret")
    raw = build_signed_request("DescribeSecurityGroups", {}, endpoint=gateway, credentials=wrong,
                               region="us-east-1")
    assert _code(_post(raw)) == (403, "SignatureDoesNotMatch")


def test_an_unknown_access_key_is_auth_failure(gateway):
    raw = build_signed_request(
        "DescribeSecurityGroups", {}, endpoint=gateway, credentials=Credentials("AKIDUNKNOWN", "x")
, region="us-east-1")
    assert _code(_post(raw)) == (401, "AuthFailure")


def test_a_stale_date_is_request_expired(gateway):
    stale = datetime.now(timezone.utc) - timedelta(minutes=20)
    raw = build_signed_request(
        "DescribeSecurityGroups", {}, endpoint=gateway, credentials=CREDS, timestamp=stale
, region="us-east-1")
    assert _code(_post(raw)) == (400, "RequestExpired")


def test_a_tampered_body_is_signature_does_not_match(gateway):
    raw = build_signed_request(
        "DescribeSecurityGroups", {"GroupNames": ["a"]}, endpoint=gateway, credentials=CREDS
, region="us-east-1")
    tampered = raw.body.replace(b"GroupName.1=a", b"GroupName.1=b")
    response = requests.post(raw.url, data=tampered, headers=raw.headers, timeout=10)
    assert _code(response) == (403, "SignatureDoesNotMatch")


def test_no_signature_at_all_is_missing_authentication_token(gateway):
    response = requests.post(
        gateway,
        data="Action=DescribeSecurityGroups&Version=2016-11-15",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        timeout=10,
    )
    assert _code(response) == (403, "MissingAuthenticationToken")


def test_every_answer_carries_a_request_id_header_equal_to_the_body(gateway):
    raw = build_signed_request("DescribeSecurityGroups", {}, endpoint=gateway, credentials=CREDS,
                               region="us-east-1")
    response = _post(raw)
    assert response.headers["x-amzn-RequestId"].encode() in response.content


def test_our_client_with_every_signature(gateway):
    for signature in ("v4", "v4-query", "v2"):
        client = Client(gateway, CREDS, "us-east-1", signature=signature, env={})
        group = client.create_security_group(GroupName=f"c-{signature}", Description="d")
        client.authorize_security_group_ingress(GroupId=group["GroupId"], IpPermissions=[SSH])
        described = client.describe_security_groups(GroupIds=[group["GroupId"]])
        assert described["SecurityGroups"][0]["IpPermissions"][0]["FromPort"] == 22


def test_serve_with_upstream_pass_through_policy_and_audit_on_stderr(tmp_path):
    """``ec2query serve --upstream MOTO --pass-through --policy FILE --audit-log -``: an
    operation outside the model reaches moto_server, a refused change does not, an allowed
    one does, and each decision is one JSON line on standard error."""
    from tests.servers import moto_server

    policy = tmp_path / "guardrails.toml"
    policy.write_text('[[rule]]\nid = "no-world-ssh"\ntype = "restricted-ssh"\n')
    with moto_server() as upstream:
        oracle = boto3.client("ec2", endpoint_url=upstream, region_name="us-east-1",
                              aws_access_key_id=CREDS.access_key,
                              aws_secret_access_key=CREDS.secret_key)
        group_id = oracle.create_security_group(GroupName="web", Description="d")["GroupId"]
        process, url = _serve(tmp_path, "--upstream", upstream, "--pass-through",
                              "--policy", str(policy), "--audit-log", "-")
        try:
            boto = boto3.client("ec2", endpoint_url=url, region_name="us-east-1",
                                aws_access_key_id=CREDS.access_key,
                                aws_secret_access_key=CREDS.secret_key)
            assert boto.describe_vpcs()["Vpcs"] == oracle.describe_vpcs()["Vpcs"]
            world = {**SSH, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
            with pytest.raises(botocore.exceptions.ClientError) as error:
                boto.authorize_security_group_ingress(GroupId=group_id, IpPermissions=[world])
            assert error.value.response["Error"]["Code"] == "UnauthorizedOperation"
            assert error.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
            boto.authorize_security_group_ingress(GroupId=group_id, IpPermissions=[SSH])
        finally:
            process.terminate()
            process.wait(timeout=10)
        assert _rules(oracle, group_id) == [("tcp", 22, 22, ["203.0.113.0/24"])]
    lines = [json.loads(line) for line in
             next(tmp_path.glob("serve-*.log")).read_text().splitlines() if line.startswith("{")]
    assert [(x["operation"], x["decision"], x["rules"], x["accessKey"], x["group"])
            for x in lines] == [
        ("AuthorizeSecurityGroupIngress", "refused", ["no-world-ssh"], CREDS.access_key,
         group_id),
        ("AuthorizeSecurityGroupIngress", "allowed", [], CREDS.access_key, group_id)]
    assert lines[0]["requestId"] == error.value.response["ResponseMetadata"]["RequestId"]
