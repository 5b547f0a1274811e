"""The Client end to end against moto's server on loopback, and its retry policy."""

from __future__ import annotations

import boto3
import botocore.exceptions
import pytest

from ec2query import EC2Error
from ec2query._client import Client, resolve_endpoint
from ec2query._errors import ServiceError, TransportError
from ec2query.auth import Credentials
from tests.servers import FAKE_ENV, free_port, moto_server, scripted_server

CREDS = Credentials(FAKE_ENV["AWS_ACCESS_KEY_ID"], FAKE_ENV["AWS_SECRET_ACCESS_KEY"])
SSH = {
    "IpProtocol": "tcp",
    "FromPort": 22,
    "ToPort": 22,
    "IpRanges": [{"CidrIp": "203.0.113.0/24"}],
}


@pytest.fixture(scope="module")
def endpoint():
    with moto_server() as url:
        yield url


@pytest.fixture
def boto(endpoint):
    return boto3.client(
        "ec2",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id=CREDS.access_key,
        aws_secret_access_key=CREDS.secret_key,
    )


@pytest.fixture
def client(endpoint):
    return Client(endpoint, CREDS, "us-east-1", env={})


def _ingress(boto, group_id):
    group = boto.describe_security_groups(GroupIds=[group_id])["SecurityGroups"][0]
    return [
        (
            p["IpProtocol"],
            p.get("FromPort"),
            p.get("ToPort"),
            sorted(r["CidrIp"] for r in p["IpRanges"]),
        )
        for p in group["IpPermissions"]
    ]


# moto's server picks the service from the SigV4 Authorization header, so SigV2 and
# presigned requests (no such header) reach its S3 backend: those two signatures are
# tested end to end against our own gateway instead.
@pytest.mark.parametrize("signature", ["v4"])
def test_authorize_then_revoke_is_seen_by_boto3(boto, endpoint, signature):
    group_id = boto.create_security_group(GroupName=f"web-{signature}", Description="d")["GroupId"]
    client = Client(endpoint, CREDS, "us-east-1", signature=signature, env={})
    result = client.authorize_security_group_ingress(GroupId=group_id, IpPermissions=[SSH])
    assert result["Return"] is True
    assert _ingress(boto, group_id) == [("tcp", 22, 22, ["203.0.113.0/24"])]
    result = client.call(
        "revoke-security-group-ingress", {"GroupId": group_id, "IpPermissions": [SSH]}
    )
    assert result["Return"] is True
    assert _ingress(boto, group_id) == []


def test_the_seed_example_by_group_name_in_the_default_vpc(boto, client):
    boto.create_security_group(GroupName="MySecurityGroupLib", Description="seed")
    client.authorize_security_group_ingress(GroupName="MySecurityGroupLib", IpPermissions=[SSH])
    client.revoke_security_group_ingress(
        GroupName="MySecurityGroupLib",
        IpProtocol="tcp",
        FromPort=22,
        ToPort=22,
        CidrIp="203.0.113.0/24",
    )
    group = boto.describe_security_groups(GroupNames=["MySecurityGroupLib"])["SecurityGroups"][0]
    assert group["IpPermissions"] == []


def test_egress_on_a_vpc_group(boto, client):
    vpc = boto.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    group_id = boto.create_security_group(GroupName="egress", Description="d", VpcId=vpc)["GroupId"]
    rule = {
        "IpProtocol": "udp",
        "FromPort": 53,
        "ToPort": 53,
        "IpRanges": [{"CidrIp": "8.8.8.8/32"}],
    }
    client.authorize_security_group_egress(GroupId=group_id, IpPermissions=[rule])
    egress = boto.describe_security_groups(GroupIds=[group_id])["SecurityGroups"][0][
        "IpPermissionsEgress"
    ]
    assert {"udp"} <= {p["IpProtocol"] for p in egress}
    client.revoke_security_group_egress(GroupId=group_id, IpPermissions=[rule])
    egress = boto.describe_security_groups(GroupIds=[group_id])["SecurityGroups"][0][
        "IpPermissionsEgress"
    ]
    assert "udp" not in {p["IpProtocol"] for p in egress}


def test_create_describe_delete_life_cycle(boto, client):
    created = client.create_security_group(GroupName="cycle", Description="life cycle")
    described = client.describe_security_groups(GroupIds=[created["GroupId"]])
    assert described["SecurityGroups"][0]["GroupName"] == "cycle"
    assert boto.describe_security_groups(GroupIds=[created["GroupId"]])["SecurityGroups"]
    client.delete_security_group(GroupId=created["GroupId"])
    with pytest.raises(botocore.exceptions.ClientError):
        boto.describe_security_groups(GroupIds=[created["GroupId"]])


def test_unknown_group_fails_with_the_code_boto3_gets_from_the_same_server(boto, client):
    params = {"GroupId": "sg-0123456789abcdef0", "IpPermissions": [SSH]}
    with pytest.raises(botocore.exceptions.ClientError) as theirs:
        boto.authorize_security_group_ingress(**params)
    with pytest.raises(ServiceError) as ours:
        client.authorize_security_group_ingress(**params)
    assert ours.value.code == theirs.value.response["Error"]["Code"]
    assert ours.value.message == theirs.value.response["Error"]["Message"]
    assert ours.value.http_status == theirs.value.response["ResponseMetadata"]["HTTPStatusCode"]


def test_a_bad_cidr_is_refused_before_sending(client):
    with pytest.raises(EC2Error) as error:
        client.authorize_security_group_ingress(
            GroupId="sg-0123456789abcdef0",
            IpPermissions=[{**SSH, "IpRanges": [{"CidrIp": "::/32"}]}],
        )
    assert (error.value.code, error.value.message) == (
        "InvalidParameterValue",
        "CIDR block ::/32 is malformed",
    )


# ------------------------------------------------------------------ retries and endpoints

OK = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<RevokeSecurityGroupIngressResponse '
    b'xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r-1</requestId>'
    b"<return>true</return></RevokeSecurityGroupIngressResponse>"
)
THROTTLED = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error>'
    b"<Code>RequestLimitExceeded</Code><Message>Request limit exceeded.</Message>"
    b"</Error></Errors><RequestID>r-0</RequestID></Response>"
)
NOT_FOUND = THROTTLED.replace(b"RequestLimitExceeded", b"InvalidGroup.NotFound")
PARAMS = {"GroupName": "websrv", "IpPermissions": [SSH]}


def _client(url, **kwargs):
    sleeps: list[float] = []
    client = Client(url, CREDS, "us-east-1", env={}, sleep=sleeps.append, **kwargs)
    return client, sleeps


def test_a_503_then_200_is_retried_and_succeeds():
    with scripted_server([(503, b"<html>busy</html>"), (200, OK)]) as (url, received):
        client, sleeps = _client(url)
        assert client.revoke_security_group_ingress(**PARAMS)["Return"] is True
    assert len(received) == 2 and len(sleeps) == 1


def test_throttling_is_retried_with_growing_capped_jittered_backoff():
    answers = [(503, THROTTLED)] * 4 + [(200, OK)]
    with scripted_server(answers) as (url, received):
        client, sleeps = _client(url, backoff=1.0, max_backoff=3.0)
        client.call("RevokeSecurityGroupIngress", PARAMS)
    assert len(received) == 5
    assert all(0 <= s <= cap for s, cap in zip(sleeps, [1, 2, 3, 3], strict=True))


def test_a_4xx_is_never_retried():
    with scripted_server([(400, NOT_FOUND), (200, OK)]) as (url, received):
        client, sleeps = _client(url)
        with pytest.raises(ServiceError) as error:
            client.call("RevokeSecurityGroupIngress", PARAMS)
    assert (error.value.code, error.value.http_status, error.value.request_id) == (
        "InvalidGroup.NotFound",
        400,
        "r-0",
    )
    assert len(received) == 1 and sleeps == []


def test_retries_give_up_with_the_last_error():
    with scripted_server([(503, THROTTLED)] * 3) as (url, received):
        client, _ = _client(url, retries=2)
        with pytest.raises(ServiceError) as error:
            client.call("RevokeSecurityGroupIngress", PARAMS)
    assert error.value.code == "RequestLimitExceeded" and len(received) == 3


def test_connection_refused_is_a_transport_error_after_retries():
    client, sleeps = _client(f"http://127.0.0.1:{free_port()}", retries=1)
    with pytest.raises(TransportError) as error:
        client.call("RevokeSecurityGroupIngress", PARAMS)
    assert error.value.code == "EndpointConnectionError" and len(sleeps) == 1


def test_endpoint_resolution_follows_the_aws_tools():
    assert resolve_endpoint("http://x", "eu-west-1", {"AWS_ENDPOINT_URL": "http://y"}) == "http://x"
    assert (
        resolve_endpoint(
            None, "eu-west-1", {"AWS_ENDPOINT_URL_EC2": "http://e", "AWS_ENDPOINT_URL": "http://y"}
        )
        == "http://e"
    )
    assert resolve_endpoint(None, "eu-west-1", {"AWS_ENDPOINT_URL": "http://y"}) == "http://y"
    assert resolve_endpoint(None, "eu-west-1", {}) == "https://ec2.eu-west-1.amazonaws.com"
    assert (
        Client(env={"AWS_REGION": "ap-south-1"}).endpoint == "https://ec2.ap-south-1.amazonaws.com"
    )


# ------------------------------------------------------------------ ResponseMetadata


def _metadata_shape(metadata):
    return {key: type(value) for key, value in metadata.items()}


def test_response_metadata_has_boto3s_keys_and_values(boto, client):
    """The same server's answer: the same keys, types, status, header names and attempts."""
    theirs = boto.describe_security_groups()["ResponseMetadata"]
    ours = client.describe_security_groups()["ResponseMetadata"]
    assert _metadata_shape(ours) == _metadata_shape(theirs)
    assert ours["HTTPStatusCode"] == theirs["HTTPStatusCode"] == 200
    assert set(ours["HTTPHeaders"]) == set(theirs["HTTPHeaders"])
    assert all(name == name.lower() for name in ours["HTTPHeaders"])
    assert ours["HTTPHeaders"]["content-type"] == theirs["HTTPHeaders"]["content-type"]
    assert ours["RetryAttempts"] == theirs["RetryAttempts"] == 0


def test_retry_attempts_count_as_boto3_counts_them():
    from botocore.config import Config

    answers = [(503, b"<html>busy</html>"), (200, OK)]
    with scripted_server(list(answers)) as (url, _):
        boto = boto3.client("ec2", endpoint_url=url, region_name="us-east-1",
                            aws_access_key_id=CREDS.access_key,
                            aws_secret_access_key=CREDS.secret_key,
                            config=Config(retries={"mode": "standard", "max_attempts": 3}))
        theirs = boto.revoke_security_group_ingress(**PARAMS)["ResponseMetadata"]
    with scripted_server(list(answers)) as (url, _):
        ours = _client(url)[0].revoke_security_group_ingress(**PARAMS)["ResponseMetadata"]
    assert _metadata_shape(ours) == _metadata_shape(theirs)
    assert ours["RetryAttempts"] == theirs["RetryAttempts"] == 1
    assert ours["RequestId"] == theirs["RequestId"] == "r-1"
    assert ours["HTTPHeaders"].keys() == theirs["HTTPHeaders"].keys()
