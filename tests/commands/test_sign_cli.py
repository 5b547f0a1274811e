"""``ec2query sign --from cli``: an aws-cli command line, signed as botocore signs it."""

from __future__ import annotations

import datetime
from unittest import mock

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials as BotoCredentials

from ec2query._console import main

KEY, SECRET = "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
SEED_CLI = ("aws ec2 revoke-security-group-ingress --group-name MySecurityGroup --protocol tcp "
            "--port 22 --cidr 203.0.113.0/24")
# What aws-cli sends for the seed command line (reference section 4: one IpPermission).
SEED_BODY = ("Action=RevokeSecurityGroupIngress&Version=2016-11-15&GroupName=MySecurityGroup"
             "&IpPermissions.1.IpProtocol=tcp&IpPermissions.1.FromPort=22"
             "&IpPermissions.1.ToPort=22&IpPermissions.1.IpRanges.1.CidrIp=203.0.113.0%2F24")


def test_the_seed_command_line_is_signed_as_botocore_signs_its_body(capsys):
    assert main(["sign", "--from", "cli", SEED_CLI, "--access-key", KEY, "--secret-key", SECRET,
                 "--region", "us-east-1", "--timestamp", "2015-08-30T12:36:00Z"]) == 0
    raw = capsys.readouterr().out
    head, body = raw.rstrip("\n").split("\r\n\r\n")
    assert body == SEED_BODY
    request = AWSRequest(method="POST", url="https://ec2.us-east-1.amazonaws.com/", data=body,
                         headers={"Content-Type":
                                  "application/x-www-form-urlencoded; charset=utf-8"})
    frozen = datetime.datetime(2015, 8, 30, 12, 36, 0)
    with mock.patch("botocore.auth.get_current_datetime", return_value=frozen):
        SigV4Auth(BotoCredentials(KEY, SECRET), "ec2", "us-east-1").add_auth(request)
    assert f"Authorization: {request.headers['Authorization']}" in head.split("\r\n")
