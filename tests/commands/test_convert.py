"""``ec2query convert`` between query, json, cli and xml, checked against the peers."""

from __future__ import annotations

import json

import botocore.session
import pytest
from botocore.parsers import EC2QueryParser

from ec2query._console import main

SEED_QUERY = (
    "Action=RevokeSecurityGroupIngress&GroupName=websrv&IpProtocol=tcp&FromPort=80"
    "&ToPort=80&CidrIp=205.192.0.0/16"
)
SEED_CLI = (
    "aws ec2 revoke-security-group-ingress --group-name MySecurityGroup --protocol tcp "
    "--port 22 --cidr 203.0.113.0/24"
)


def _run(capsys, *argv: str) -> str:
    assert main(list(argv)) == 0
    return capsys.readouterr().out


def test_query_to_json_gives_the_flat_members_of_the_api_reference_example(capsys):
    assert json.loads(_run(capsys, "convert", SEED_QUERY)) == {
        "GroupName": "websrv",
        "IpProtocol": "tcp",
        "FromPort": 80,
        "ToPort": 80,
        "CidrIp": "205.192.0.0/16",
    }


def test_cli_to_query_is_what_aws_cli_sends_for_the_seed_example(capsys):
    # aws-cli folds the simplified options into IpPermissions.1 (reference section 4).
    assert _run(capsys, "convert", "--from", "cli", "--to", "query", SEED_CLI).strip() == (
        "Action=RevokeSecurityGroupIngress&Version=2016-11-15&GroupName=MySecurityGroup"
        "&IpPermissions.1.IpProtocol=tcp&IpPermissions.1.FromPort=22&IpPermissions.1.ToPort=22"
        "&IpPermissions.1.IpRanges.1.CidrIp=203.0.113.0%2F24"
    )


def test_query_to_cli_and_back_is_the_same_request(capsys):
    cli = _run(capsys, "convert", "--normalize", "--to", "cli", SEED_QUERY).strip()
    assert cli == (
        "aws ec2 revoke-security-group-ingress --group-name websrv --protocol tcp "
        "--port 80 --cidr 205.192.0.0/16"
    )
    back = json.loads(_run(capsys, "convert", "--from", "cli", "--to", "json", cli))
    assert back == {
        "GroupName": "websrv",
        "IpPermissions": [
            {
                "IpProtocol": "tcp",
                "FromPort": 80,
                "ToPort": 80,
                "IpRanges": [{"CidrIp": "205.192.0.0/16"}],
            }
        ],
    }


def test_json_result_to_xml_is_read_back_by_botocore(capsys, tmp_path):
    result = {
        "Return": True,
        "UnknownIpPermissions": [
            {
                "IpProtocol": "tcp",
                "FromPort": 23,
                "ToPort": 23,
                "IpRanges": [{"CidrIp": "1.2.3.0/24"}],
            }
        ],
    }
    source = tmp_path / "result.json"
    source.write_text(json.dumps(result))
    xml = _run(
        capsys,
        "convert",
        "--from",
        "json",
        "--operation",
        "RevokeSecurityGroupIngress",
        "--to",
        "xml",
        "--request-id",
        "req-1",
        f"@{source}",
    )
    shape = (
        botocore.session.get_session()
        .get_service_model("ec2")
        .operation_model("RevokeSecurityGroupIngress")
        .output_shape
    )
    parsed = EC2QueryParser().parse(
        {"body": xml.encode(), "headers": {}, "status_code": 200}, shape
    )
    assert parsed["UnknownIpPermissions"] == result["UnknownIpPermissions"]
    assert parsed["ResponseMetadata"]["RequestId"] == "req-1"
    (tmp_path / "doc.xml").write_text(xml)
    assert (
        json.loads(_run(capsys, "convert", "--from", "xml", f"@{tmp_path / 'doc.xml'}")) == result
    )


def test_an_unknown_action_exits_non_zero_with_ec2s_message(capsys):
    assert main(["convert", "Action=Nope&Version=2016-11-15"]) != 0
    assert "The action Nope is not valid for this web service." in capsys.readouterr().err


@pytest.mark.parametrize("command", [
    ["convert", "--from", "json", "--to", "query"],
    ["sign", "--from", "json", "--access-key", "AKIDEXAMPLE", "--secret-key", "secret",
     "--region", "us-east-1"],
], ids=["convert", "sign"])  # fmt: skip
@pytest.mark.parametrize(("text", "message"), [
    ("[" * 50000, "Invalid JSON: nested too deeply"),  # json's RecursionError: a traceback
    ('{"GroupName": ', "Invalid JSON: Expecting value at line 1 column 15"),
    ("[]", "The JSON input must be an object of parameters"),
], ids=["nested too deeply", "cut short", "not an object"])  # fmt: skip
def test_json_input_that_is_not_an_object_is_one_line(capsys, tmp_path, command, text, message):
    (tmp_path / "in.json").write_text(text)
    argv = [*command, "--operation", "DescribeSecurityGroups", f"@{tmp_path / 'in.json'}"]
    assert main(argv) == 252
    assert capsys.readouterr().err.strip().endswith(message)
