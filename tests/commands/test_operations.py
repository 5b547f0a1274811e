"""``ec2query <operation>`` as aws-cli users run it: the real entry point in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import boto3
import pytest

from ec2query._commands.operations import redact
from ec2query._commands.output import render
from tests.servers import EMPTY_DESCRIBE, FAKE_ENV, http_head, moto_server, raw_server

SEED = [
    "--group-name",
    "MySecurityGroup",
    "--protocol",
    "tcp",
    "--port",
    "22",
    "--cidr",
    "203.0.113.0/24",
]


def ec2query(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "ec2query._console", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **FAKE_ENV, **(env or {})},
        timeout=120,
    )


@pytest.fixture(scope="module")
def moto():
    with moto_server() as url:
        boto = boto3.client(
            "ec2",
            endpoint_url=url,
            region_name="us-east-1",
            aws_access_key_id=FAKE_ENV["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=FAKE_ENV["AWS_SECRET_ACCESS_KEY"],
        )
        boto.create_security_group(GroupName="MySecurityGroup", Description="seed")
        yield url, boto


def _ingress(boto):
    group = boto.describe_security_groups(GroupNames=["MySecurityGroup"])["SecurityGroups"][0]
    return group["IpPermissions"]


def test_the_seed_example_prints_nothing_on_success_and_changes_state(moto):
    url, boto = moto
    authorized = ec2query("authorize-security-group-ingress", *SEED, "--endpoint-url", url)
    assert authorized.returncode == 0, authorized.stderr
    assert json.loads(authorized.stdout)["Return"] is True
    assert _ingress(boto)[0]["IpRanges"] == [{"CidrIp": "203.0.113.0/24"}]
    revoked = ec2query("revoke-security-group-ingress", *SEED, "--endpoint-url", url)
    assert (revoked.returncode, revoked.stdout, revoked.stderr) == (0, "", "")
    assert _ingress(boto) == []


def test_a_service_error_is_printed_like_aws_cli_with_status_254(moto):
    url, boto = moto
    result = ec2query(
        "revoke-security-group-ingress",
        "--group-id",
        "sg-0123456789abcdef0",
        "--protocol",
        "tcp",
        "--port",
        "22",
        "--cidr",
        "203.0.113.0/24",
        "--endpoint-url",
        url,
    )
    with pytest.raises(boto.exceptions.ClientError) as theirs:
        boto.revoke_security_group_ingress(
            GroupId="sg-0123456789abcdef0",
            IpPermissions=[
                {
                    "IpProtocol": "tcp",
                    "FromPort": 22,
                    "ToPort": 22,
                    "IpRanges": [{"CidrIp": "203.0.113.0/24"}],
                }
            ],
        )
    error = theirs.value.response["Error"]
    assert result.returncode == 254
    assert result.stderr.strip() == (
        f"An error occurred ({error['Code']}) when calling the RevokeSecurityGroupIngress "
        f"operation: {error['Message']}"
    )


def test_an_invalid_request_is_refused_locally_with_ec2s_error(moto):
    url, _ = moto
    result = ec2query(
        "authorize-security-group-ingress",
        "--group-name",
        "MySecurityGroup",
        "--protocol",
        "tcp",
        "--port",
        "22",
        "--cidr",
        "::/32",
        "--endpoint-url",
        url,
    )
    assert result.returncode == 254
    assert "(InvalidParameterValue)" in result.stderr
    assert "CIDR block ::/32 is malformed" in result.stderr


def test_bad_usage_exits_252_naming_the_option():
    result = ec2query(
        "revoke-security-group-ingress",
        "--group-name",
        "g",
        "--protocol",
        "tcp",
        "--port",
        "abc",
        "--cidr",
        "1.2.3.4/32",
        "--no-send",
    )
    assert result.returncode == 252
    assert "port" in result.stderr


def test_no_send_prints_the_signed_request_that_botocore_would_send():
    result = ec2query("revoke-security-group-ingress", *SEED, "--no-send", "--region", "us-east-1")
    assert result.returncode == 0, result.stderr
    # text mode reads the request's CRLF line ends as "\n"
    head, body = result.stdout.rstrip("\n").split("\n\n")
    assert head.startswith("POST / HTTP/1.1\nHost: ec2.us-east-1.amazonaws.com")
    assert body == (
        "Action=RevokeSecurityGroupIngress&Version=2016-11-15&GroupName=MySecurityGroup"
        "&IpPermissions.1.IpProtocol=tcp&IpPermissions.1.FromPort=22&IpPermissions.1.ToPort=22"
        "&IpPermissions.1.IpRanges.1.CidrIp=203.0.113.0%2F24"
    )


def test_output_formats(moto):
    url, _ = moto
    for fmt, check in [
        (
            "json",
            lambda out: json.loads(out)["SecurityGroups"][0]["GroupName"] == "MySecurityGroup",
        ),
        ("text", lambda out: out.startswith("SECURITYGROUPS\tseed\t")),
        ("table", lambda out: "DescribeSecurityGroups" in out.splitlines()[1]
                              and "MySecurityGroup" in out),
        (
            "xml",
            lambda out: out.startswith("<?xml") and "<groupName>MySecurityGroup</groupName>" in out,
        ),
    ]:
        result = ec2query(
            "describe-security-groups",
            "--group-names",
            "MySecurityGroup",
            "--endpoint-url",
            url,
            "--output",
            fmt,
        )
        assert result.returncode == 0, result.stderr
        assert check(result.stdout), (fmt, result.stdout)


def test_text_output_matches_aws_cli_for_the_same_result():
    from awscli.formatter import TextFormatter

    class Args:
        query = None

    result = {
        "Return": True,
        "SecurityGroupRules": [
            {
                "SecurityGroupRuleId": "sgr-1",
                "GroupId": "sg-1",
                "IsEgress": False,
                "IpProtocol": "tcp",
                "FromPort": 22,
                "ToPort": 22,
                "CidrIpv4": "1.2.3.4/32",
                "Tags": [{"Key": "k", "Value": "v"}],
            }
        ],
    }
    import io

    stream = io.StringIO()
    TextFormatter(Args())("authorize-security-group-ingress", result, stream)
    assert render(result, "text") == stream.getvalue().rstrip("\n")


def test_debug_shows_the_exchange_and_redacts_session_tokens(moto):
    url, _ = moto
    result = ec2query(
        "describe-security-groups",
        "--endpoint-url",
        url,
        "--debug",
        env={"AWS_SESSION_TOKEN": "SECRET-SESSION-TOKEN"},
    )
    assert result.returncode == 0
    assert "--- request" in result.stderr and "--- response HTTP 200" in result.stderr
    assert "SECRET-SESSION-TOKEN" not in result.stderr + result.stdout
    assert redact("a=1&X-Amz-Security-Token=abc%2F&b=2") == "a=1&X-Amz-Security-Token=***&b=2"


def test_debug_writes_what_a_terminal_would_act_on_as_escapes():
    """An answer's ESC[2J (clear the screen), OSC title and U+202E reached the terminal."""
    evil = "\x1b[2J\x1b]0;title\x07\u202e"
    body = EMPTY_DESCRIBE.replace(b"<requestId>r", ("<requestId>" + evil).encode())

    def answer(conn, request):
        conn.sendall(http_head(length=len(body), extra=b"X-Evil: \x1b[31mred\r\n") + body)

    with raw_server(answer) as (url, _):
        result = ec2query("describe-security-groups", "--endpoint-url", url, "--debug")
    assert "--- response HTTP 200" in result.stderr  # (the body is not XML: refused after)
    assert not any(char in result.stderr for char in ("\x1b", "\u202e", "\x07"))
    assert "\\x1b[31mred" in result.stderr and "\\x1b]0;title\\x07\\u202e" in result.stderr


def test_a_servers_error_text_is_shown_not_acted_on():
    """An EC2 error document's code and message may hold what XML allows and a terminal
    acts on (U+009B, a C1 CSI; U+202E, which reverses the rest of the line)."""
    body = ("<Response><Errors><Error><Code>Bad\u009b2J</Code><Message>text \u202edesrever"
            "</Message></Error></Errors><RequestID>r</RequestID></Response>").encode()

    def answer(conn, request):
        conn.sendall(http_head("400 Bad Request", length=len(body)) + body)

    with raw_server(answer) as (url, _):
        result = ec2query("describe-security-groups", "--endpoint-url", url)
    assert result.returncode != 0
    assert "\u009b" not in result.stderr and "\u202e" not in result.stderr
    assert "(Bad\\x9b2J)" in result.stderr and "text \\u202edesrever" in result.stderr


def test_generate_cli_skeleton_prints_the_input_skeleton():
    result = ec2query("revoke-security-group-ingress", "--generate-cli-skeleton")
    assert result.returncode == 0
    assert set(json.loads(result.stdout)) >= {"GroupId", "IpPermissions", "SecurityGroupRuleIds"}


def test_operation_help_documents_every_option():
    result = ec2query("authorize-security-group-ingress", "--help")
    for option in (
        "--group-id",
        "--ip-permissions",
        "--tag-specifications",
        "--protocol",
        "--port",
        "--cidr",
        "--source-group",
        "--group-owner",
        "--dry-run",
        "--endpoint-url",
        "--no-send",
        "--output",
        "--signature-version",
    ):
        assert option in result.stdout


def _at_a_terminal(*args: str) -> tuple[int, str]:
    """The console run with its standard output on a pseudo-terminal: its exit status and
    what it wrote there."""
    import pty

    main, secondary = pty.openpty()
    try:
        process = subprocess.Popen([sys.executable, "-m", "ec2query._console", *args],
                                   stdout=secondary, stderr=subprocess.DEVNULL,
                                   env={**os.environ, **FAKE_ENV, "COLUMNS": "200"})
        os.close(secondary)
        chunks = []
        while True:
            try:
                chunk = os.read(main, 65536)
            except OSError:  # EIO: the other end closed
                break
            if not chunk:
                break
            chunks.append(chunk)
        code = process.wait(timeout=60)
    finally:
        os.close(main)
    return code, b"".join(chunks).decode("utf-8").replace("\r\n", "\n")


@pytest.mark.parametrize("fmt", ["json", "text", "table", "xml"])
def test_a_servers_values_are_shown_not_acted_on_at_a_terminal(fmt):
    """A value may hold what XML allows and a terminal acts on (U+009B, a C1 CSI; a bare
    CR, which returns to the line's start to write over it; U+202E): they reached the
    terminal in every format. At a terminal they are now escapes (in JSON, JSON's own,
    the same string); piped, the output stays the bytes aws-cli writes."""
    group = ("<item><ownerId>123456789012</ownerId><groupId>sg-0123456789abcdef0</groupId>"
             "<groupName>g</groupName><groupDescription>a\u009b2Jb&#13;c\u202ed"
             "</groupDescription><vpcId>vpc-12345678</vpcId><ipPermissions/>"
             "<ipPermissionsEgress/></item>")
    body = EMPTY_DESCRIBE.replace(b"<securityGroupInfo/>",
                                  f"<securityGroupInfo>{group}</securityGroupInfo>".encode())

    def answer(conn, request):
        conn.sendall(http_head(length=len(body)) + body)

    args = ("describe-security-groups", "--output", fmt)
    with raw_server(answer) as (url, _):
        code, shown = _at_a_terminal(*args, "--endpoint-url", url)
        piped = ec2query(*args, "--endpoint-url", url)
    assert code == 0 and piped.returncode == 0
    assert not any(char in shown for char in ("\u009b", "\r", "\u202e")), shown
    if fmt == "json":
        assert '"a\\u009b2Jb\\rc\\u202ed"' in shown
        assert json.loads(shown) == json.loads(piped.stdout)
    else:
        cr = "&#13;" if fmt == "xml" else "\\x0d"  # the XML as received: its reference
        assert f"a\\x9b2Jb{cr}c\\u202ed" in shown
        assert "a\u009b2Jb" in piped.stdout
