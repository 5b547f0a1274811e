"""Forwarding mode: valid requests are re-signed and reach upstream; invalid ones never do."""

from __future__ import annotations

import boto3
import pytest

from ec2query._client import Client
from ec2query._errors import ServiceError
from ec2query.auth import Credentials
from ec2query.gateway import make_app
from ec2query.gateway._server import running
from tests.servers import FAKE_ENV, moto_server, scripted_server

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
