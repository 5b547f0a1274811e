"""Forwarding mode: valid requests are re-signed and reach upstream; invalid ones never do."""

from __future__ import annotations

from datetime import datetime, timezone
from urllib.parse import parse_qsl

import boto3
import botocore.exceptions
import botocore.session
import pytest
import requests
from botocore import serialize
from botocore.awsrequest import AWSRequest
from lxml import etree

from ec2query._client import Client
from ec2query._errors import ServiceError, UsageError
from ec2query.auth import Credentials
from ec2query.gateway import make_app
from ec2query.gateway._server import running
from tests.auth._botocore import sigv4_header
from tests.servers import FAKE_ENV, boto_ec2, moto_server, scripted_server

CREDS = Credentials(FAKE_ENV["AWS_ACCESS_KEY_ID"], FAKE_ENV["AWS_SECRET_ACCESS_KEY"])
GATEWAY_CLIENT = Credentials("AKIDGATEWAYCLIENT", "gateway-client-secret")
SSH = {
    "IpProtocol": "tcp",
    "FromPort": 22,
    "ToPort": 22,
    "IpRanges": [{"CidrIp": "203.0.113.0/24"}],
}


def test_a_signed_request_passes_through_and_changes_motos_state():
    with moto_server() as upstream:
        boto = boto3.client(
            "ec2",
            endpoint_url=upstream,
            region_name="us-east-1",
            aws_access_key_id=CREDS.access_key,
            aws_secret_access_key=CREDS.secret_key,
        )
        group_id = boto.create_security_group(GroupName="fwd", Description="d")["GroupId"]
        app = make_app(credentials=[GATEWAY_CLIENT], upstream=upstream, upstream_credentials=CREDS)
        with running(app) as gateway:
            client = Client(gateway, GATEWAY_CLIENT, "us-east-1", env={})
            result = client.authorize_security_group_ingress(GroupId=group_id, IpPermissions=[SSH])
            assert result["Return"] is True
            with pytest.raises(ServiceError) as error:  # moto's own answer, relayed unchanged
                client.authorize_security_group_ingress(
                    GroupId="sg-0123456789abcdef0", IpPermissions=[SSH]
                )
            assert error.value.code == "InvalidGroup.NotFound"
        group = boto.describe_security_groups(GroupIds=[group_id])["SecurityGroups"][0]
        assert group["IpPermissions"][0]["IpRanges"] == [{"CidrIp": "203.0.113.0/24"}]


def test_an_invalid_request_never_reaches_upstream():
    with scripted_server([]) as (upstream, received):
        app = make_app(credentials=[GATEWAY_CLIENT], upstream=upstream, upstream_credentials=CREDS)
        with running(app) as gateway:
            client = Client(gateway, GATEWAY_CLIENT, "us-east-1", env={}, validate=False, retries=0)
            bad = {
                "GroupId": "sg-0123456789abcdef0",
                "IpPermissions": [{**SSH, "IpRanges": [{"CidrIp": "300.1.1.1/8"}]}],
            }
            with pytest.raises(ServiceError) as error:
                client.authorize_security_group_ingress(**bad)
            assert error.value.code == "InvalidParameterValue"
            wrong = Client(
                gateway,
                Credentials(GATEWAY_CLIENT.access_key, "wrong"),
                "us-east-1",
                env={},
                retries=0,
            )
            with pytest.raises(ServiceError) as error:
                wrong.describe_security_groups()
            assert error.value.code == "SignatureDoesNotMatch"
    assert received == []


def test_pass_through_relays_an_operation_outside_the_model_to_moto():
    with moto_server() as upstream:
        expected = boto_ec2(upstream, CREDS).describe_vpcs()["Vpcs"]
        assert expected  # moto has a default VPC
        passing = make_app(credentials=[GATEWAY_CLIENT], upstream=upstream,
                           upstream_credentials=CREDS, pass_through=True)
        refusing = make_app(credentials=[GATEWAY_CLIENT], upstream=upstream,
                            upstream_credentials=CREDS)
        with running(passing) as gateway:
            assert boto_ec2(gateway, GATEWAY_CLIENT).describe_vpcs()["Vpcs"] == expected
        with running(refusing) as gateway, pytest.raises(botocore.exceptions.ClientError) as error:
            boto_ec2(gateway, GATEWAY_CLIENT).describe_vpcs()
        assert error.value.response["Error"]["Code"] == "InvalidAction"


_VPCS = (b'<?xml version="1.0" encoding="UTF-8"?><DescribeVpcsResponse '
         b'xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r</requestId>'
         b"<vpcSet/></DescribeVpcsResponse>")


def test_pass_through_forwards_the_pairs_unchanged_and_signed_for_upstream():
    """What upstream receives is botocore's own serialization of the client's call (the
    oracle), with a SigV4 signature that botocore computes the same for upstream's key."""
    headers: list[dict[str, str]] = []
    with scripted_server([(200, _VPCS)], headers) as (upstream, received):
        app = make_app(credentials=[GATEWAY_CLIENT], upstream=upstream,
                       upstream_credentials=CREDS, pass_through=True)
        with running(app) as gateway:
            call = {"VpcIds": ["vpc-1", "vpc-2"], "Filters": [{"Name": "state", "Values": ["a b"]}]}
            assert boto_ec2(gateway, GATEWAY_CLIENT).describe_vpcs(**call)["Vpcs"] == []
    model = botocore.session.get_session().get_service_model("ec2")
    oracle = serialize.create_serializer("ec2").serialize_to_request(
        call, model.operation_model("DescribeVpcs"))["body"]
    assert parse_qsl(received[0].decode()) == list(oracle.items())  # same pairs, same order
    sent = {k.lower(): v for k, v in headers[0].items()}
    authorization = sent["authorization"]
    assert f"Credential={CREDS.access_key}/" in authorization
    signed = authorization.split("SignedHeaders=")[1].split(",")[0].split(";")
    request = AWSRequest(method="POST", url=upstream + "/", data=received[0],
                         headers={name: sent[name] for name in signed if name != "x-amz-date"})
    when = datetime.strptime(sent["x-amz-date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc)
    assert authorization == sigv4_header(request, CREDS, "us-east-1", "ec2", when).headers[
        "Authorization"]


@pytest.mark.parametrize(("action", "logged"), [
    ("DescribeVpcs", "DescribeVpcs"),
    ("DescribeVpcs 10.0.0.1 POST CreateSecurityGroup OK 200 0.1ms\n10.0.0.2 POST X", "?"),
])
def test_a_relayed_actions_access_line_carries_no_text_but_a_name(action, logged):
    """A relayed action is outside the model: its line names it only if it reads as a
    name; one with spaces or a line end (a forged line) is written as ``?``."""
    from ec2query._request import sign_query_pairs

    lines: list[str] = []
    with scripted_server([(200, _VPCS)]) as (upstream, received):
        app = make_app(credentials=[GATEWAY_CLIENT], upstream=upstream,
                       upstream_credentials=CREDS, pass_through=True, access_log=lines.append)
        with running(app) as gateway:
            raw = sign_query_pairs([("Action", action), ("Version", "2016-11-15")],
                                   endpoint=gateway, credentials=GATEWAY_CLIENT,
                                   region="us-east-1")
            response = requests.post(raw.url, data=raw.body, headers=raw.headers, timeout=10)
    assert response.status_code == 200 and len(received) == 1  # relayed, answered
    [line] = lines
    assert line.split(" ")[2:5] == [logged, "OK", "200"], line


def test_pass_through_needs_an_upstream():
    with pytest.raises(UsageError):
        make_app(credentials=[GATEWAY_CLIENT], pass_through=True)


@pytest.mark.parametrize(
    ("pairs", "code"),
    [
        # a second Action: an upstream reading the last one would make the change unjudged
        ([("Action", "DescribeVpcs"), ("Action", "AuthorizeSecurityGroupIngress")],
         "InvalidParameterValue"),
        ([("Action", "authorizesecuritygroupingress")], "InvalidAction"),
        ([("Action", " AuthorizeSecurityGroupIngress")], "InvalidAction"),
        # a CLI name is aws-cli's, not an Action: refused as EC2 refuses an unknown action
        ([("Action", "authorize-security-group-ingress")], "InvalidAction"),
    ],
)
def test_pass_through_never_relays_a_spelling_of_a_modeled_operation(pairs, code):
    """Each takes the modeled path and is refused there, never sent on unjudged."""
    from ec2query._policy import parse_policy
    from ec2query._request import sign_query_pairs

    policy = parse_policy('[[rule]]\ntype = "restricted-ssh"\n')
    with scripted_server([]) as (upstream, received):
        app = make_app(credentials=[GATEWAY_CLIENT], upstream=upstream,
                       upstream_credentials=CREDS, pass_through=True, policy=policy)
        with running(app) as gateway:
            raw = sign_query_pairs(
                [*pairs, ("Version", "2016-11-15"), ("GroupId", "sg-0123456789abcdef0"),
                 ("IpPermissions.1.IpProtocol", "-1"),
                 ("IpPermissions.1.IpRanges.1.CidrIp", "0.0.0.0/0")],
                endpoint=gateway, credentials=GATEWAY_CLIENT, region="us-east-1")
            response = requests.post(raw.url, data=raw.body, headers=raw.headers, timeout=10)
    assert etree.fromstring(response.content).findtext("Errors/Error/Code") == code
    assert response.status_code == (403 if code == "UnauthorizedOperation" else 400)
    assert received == []
