"""The policy on the console: ``validate --policy``, ``decode-authorization-message``,
``serve --policy`` refusing a bad file at start."""

from __future__ import annotations

import base64
import io
import json

import pytest

from ec2query import _console as console
from ec2query._policy import parse_policy

POLICY = """\
[[rule]]
type = "restricted-ssh"

[[rule]]
id = "described"
type = "require-description"
accounts = ["AKIDDEVELOPER"]
"""
WORLD_SSH = (
    "Action=AuthorizeSecurityGroupIngress&Version=2016-11-15&GroupId=sg-0123456789abcdef0"
    "&IpPermissions.1.IpProtocol=tcp&IpPermissions.1.FromPort=22&IpPermissions.1.ToPort=22"
    "&IpPermissions.1.IpRanges.1.CidrIp=0.0.0.0%2F0"
)
FLAT_SSH = (
    "Action=AuthorizeSecurityGroupIngress&Version=2011-12-15&GroupName=websrv"
    "&IpProtocol=6&FromPort=0&ToPort=1024&CidrIp=0.0.0.0%2F0"
)


@pytest.fixture
def policy_file(tmp_path):
    path = tmp_path / "policy.toml"
    path.write_text(POLICY)
    return str(path)


def test_validate_lists_every_violation_and_exits_255(policy_file, capsys):
    status = console.main(["validate", "--policy", policy_file, WORLD_SSH])
    assert status == 255
    assert capsys.readouterr().out.splitlines() == [
        "UnauthorizedOperation: restricted-ssh#1 [restricted-ssh, policy line 1]: "
        "tcp 22 opens SSH (TCP 22) to 0.0.0.0/0 (source 0.0.0.0/0)",
        "UnauthorizedOperation: described [require-description, policy line 4]: "
        "the rule for 0.0.0.0/0 has no description (source 0.0.0.0/0)",
    ]


def test_validate_judges_the_legacy_flat_form_and_scopes_by_the_given_caller(policy_file, capsys):
    argv = ["validate", "--policy", policy_file, "--access-key", "AKIDOTHER", FLAT_SSH]
    assert console.main(argv) == 255
    assert capsys.readouterr().out.splitlines() == [
        "UnauthorizedOperation: restricted-ssh#1 [restricted-ssh, policy line 1]: "
        "tcp 0-1024 opens SSH (TCP 22) to 0.0.0.0/0 (source 0.0.0.0/0)",
    ]


def test_validate_passes_an_allowed_request(policy_file, capsys):
    allowed = WORLD_SSH.replace("0.0.0.0%2F0", "192.0.2.0%2F24") + (
        "&IpPermissions.1.IpRanges.1.Description=office"
    )
    assert console.main(["validate", "--policy", policy_file, allowed]) == 0
    assert capsys.readouterr().out == "valid\n"


def test_validate_json_output(policy_file, capsys):
    assert console.main(["validate", "--format", "json", "--policy", policy_file, WORLD_SSH]) == 255
    assert [p["code"] for p in json.loads(capsys.readouterr().out)] == [
        "UnauthorizedOperation",
        "UnauthorizedOperation",
    ]


def test_validate_refuses_a_bad_policy_file_with_its_line(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text('[[rule]]\ntype = "max-rules-per-group"\nlimit = "many"\n')
    assert console.main(["validate", "--policy", str(bad), WORLD_SSH]) == 252
    assert capsys.readouterr().err.strip() == (
        f"{bad}, line 3: rule 1 (max-rules-per-group): limit 'many' is not a number of rules "
        "(an integer, 0 or more)"
    )


def test_a_bad_policy_file_is_refused_even_when_the_request_is_invalid(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text('[[rule]]\ntype = "restricted-ssh"\nports = [22]\n')
    invalid = "Action=AuthorizeSecurityGroupIngress&Version=2016-11-15"
    assert console.main(["validate", "--policy", str(bad), invalid]) == 252
    assert capsys.readouterr().err.strip() == (
        f"{bad}, line 3: rule 1 (restricted-ssh): unknown setting 'ports' (allowed: "
        "accounts, groups, id, message, type)"
    )


SSH_ONLY = '[[rule]]\ntype = "restricted-ssh"\n'
SSH_PARAMS = {"GroupId": "sg-0123456789abcdef0", "IpPermissions": [
    {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]}
SSH_LINE = ("UnauthorizedOperation: restricted-ssh#1 [restricted-ssh, policy line 1]: "
            "tcp 22 opens SSH (TCP 22) to 0.0.0.0/0 (source 0.0.0.0/0)")


@pytest.mark.parametrize(
    ("options", "text"),
    [
        ([], WORLD_SSH),
        (["--from", "json", "--operation", "AuthorizeSecurityGroupIngress"],
         json.dumps(SSH_PARAMS)),
        (["--from", "json", "--operation", "authorize-security-group-ingress"],
         json.dumps(SSH_PARAMS)),
        (["--from", "cli"], "aws ec2 authorize-security-group-ingress --group-id "
         "sg-0123456789abcdef0 --protocol tcp --port 22 --cidr 0.0.0.0/0"),
        (["--from", "cli"], "aws ec2 authorize-security-group-ingress --group-id "
         "sg-0123456789abcdef0 --ip-permissions "
         "IpProtocol=tcp,FromPort=22,ToPort=22,IpRanges=[{CidrIp=0.0.0.0/0}]"),
        (["--from", "cli"], "aws ec2 modify-security-group-rules --group-id "
         "sg-0123456789abcdef0 --security-group-rules SecurityGroupRuleId=sgr-0123456789abcdef0,"
         "SecurityGroupRule={IpProtocol=tcp,FromPort=22,ToPort=22,CidrIpv4=0.0.0.0/0}"),
    ],
)
@pytest.mark.parametrize("where", ["argument", "@file", "file://", "stdin"])
def test_validate_judges_every_input_form(tmp_path, capsys, monkeypatch, options, text, where):
    policy = tmp_path / "policy.toml"
    policy.write_text(SSH_ONLY)
    request = tmp_path / "request.txt"
    request.write_text(text)
    given = {"argument": text, "@file": f"@{request}", "file://": f"file://{request}",
             "stdin": "-"}[where]
    if where == "stdin":
        monkeypatch.setattr("sys.stdin", io.StringIO(text))
    assert console.main(["validate", "--policy", str(policy), *options, given]) == 255
    assert capsys.readouterr().out.splitlines() == [SSH_LINE]


def test_decode_authorization_message_prints_the_document(capsys):
    policy = parse_policy('[[rule]]\ntype = "restricted-ssh"\n')
    params = {
        "GroupId": "sg-0123456789abcdef0",
        "IpPermissions": [{"IpProtocol": "-1", "Ipv6Ranges": [{"CidrIpv6": "::/0"}]}],
    }
    error = policy.refusal(policy.violations("AuthorizeSecurityGroupIngress", params))
    encoded = error.message.rsplit(" ", 1)[1]
    assert console.main(["decode-authorization-message", encoded]) == 0
    assert json.loads(capsys.readouterr().out) == {
        "allowed": False,
        "requestId": None,
        "violations": [
            {
                "rule": "restricted-ssh#1",
                "type": "restricted-ssh",
                "line": 1,
                "message": "all traffic opens SSH (TCP 22) to ::/0",
                "operation": "AuthorizeSecurityGroupIngress",
                "direction": "ingress",
                "permission": {"IpProtocol": "-1", "Ipv6Ranges": [{"CidrIpv6": "::/0"}]},
                "source": "::/0",
            }
        ],
    }


@pytest.mark.parametrize("encoded", [
    "bm90IGpzb24",  # "not json"
    base64.urlsafe_b64encode(b"[" * 30000).decode(),  # json's RecursionError: a traceback
], ids=["not json", "nested too deeply"])  # fmt: skip
def test_decode_refuses_what_is_not_a_message(capsys, encoded):
    assert console.main(["decode-authorization-message", encoded]) == 252
    assert "Not an encoded authorization failure message" in capsys.readouterr().err


def test_serve_refuses_a_bad_policy_file_before_it_starts(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    bad = tmp_path / "bad.toml"
    bad.write_text('[[rule]]\ntype = "restricted-ssh"\n[[rule]]\ntype = "restricted-ssh"\nid = 7\n')
    assert console.main(["serve", "--port", "0", "--policy", str(bad)]) == 252
    assert capsys.readouterr().err.strip() == (
        f"{bad}, line 5: rule 2 (restricted-ssh): id must be a non-empty string"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.toml"]  # no database opened
