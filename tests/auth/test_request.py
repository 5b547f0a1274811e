"""RawRequest, build_signed_request and ``ec2query sign``: checked by verifiers and botocore."""

from __future__ import annotations

import argparse
import shlex
from datetime import datetime, timezone

import pytest
from botocore.awsrequest import AWSRequest

from ec2query._codec.query import split_pairs
from ec2query._commands import sign as sign_command
from ec2query._errors import UsageError
from ec2query._request import RawRequest, build_signed_request
from ec2query.auth import SIGV2, SIGV4_HEADER, SIGV4_QUERY, Credentials, verify_request

from . import _botocore as boto

CREDS = Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
WHEN = datetime(2015, 8, 30, 12, 36, tzinfo=timezone.utc)
ENDPOINT = "https://ec2.us-east-1.amazonaws.com"
SEED = {"GroupName": "websrv", "IpPermissions": [
    {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80,
     "IpRanges": [{"CidrIp": "205.192.0.0/16", "Description": "web + ü/~"}]}]}
OP = "RevokeSecurityGroupIngress"


def parse_http(raw: bytes) -> tuple[str, str, list[tuple[str, str]], bytes]:
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    method, target, version = lines[0].split(" ")
    assert version == "HTTP/1.1"
    headers = [tuple(line.split(": ", 1)) for line in lines[1:]]
    return method, target, headers, body  # type: ignore[return-value]


@pytest.mark.parametrize(("signature", "scheme"), [("v4", SIGV4_HEADER), ("v4-query", SIGV4_QUERY),
                                                   ("v2", SIGV2)])
def test_raw_http_verifies(signature: str, scheme: str) -> None:
    request = build_signed_request(OP, SEED, endpoint=ENDPOINT, credentials=CREDS,
                                   signature=signature, timestamp="2015-08-30T12:36:00Z")
    method, target, headers, body = parse_http(request.to_http())
    result = verify_request(method=method, url=target, headers=headers, body=body,
                            lookup={CREDS.access_key: CREDS}.get, now=WHEN)
    assert result.scheme == scheme
    assert dict(headers).get("Content-Length", "0") == str(len(body))


def test_v4_matches_botocore_serializer_and_signer() -> None:
    import botocore.session
    from botocore import serialize

    model = botocore.session.get_session().get_service_model("ec2")
    serialized = serialize.create_serializer("ec2").serialize_to_request(
        SEED, model.operation_model(OP))
    sent = AWSRequest(method="POST", url=ENDPOINT + "/", data=serialized["body"],
                      headers=serialized["headers"]).prepare()
    ours = build_signed_request(OP, SEED, endpoint=ENDPOINT, credentials=CREDS, timestamp=WHEN)
    # The body is byte for byte what botocore sends (form encoding: a space is ``+``).
    assert split_pairs(ours.body) == split_pairs(sent.body.encode())
    assert ours.body == sent.body.encode()
    assert ours.headers["Content-Type"] == sent.headers["Content-Type"]
    # botocore signing the bytes we send gives our Authorization.
    expected = boto.sigv4_header(
        AWSRequest(method="POST", url=ENDPOINT + "/", data=ours.body,
                   headers=serialized["headers"]), CREDS, "us-east-1", "ec2", WHEN)
    assert ours.headers["Authorization"] == expected.headers["Authorization"]


def test_v4_query_matches_botocore_presigner() -> None:
    from ec2query._codec.query import to_query

    expected = boto.sigv4_query(AWSRequest(method="GET", url=ENDPOINT + "/",
                                           params=dict(to_query(OP, SEED))),
                                CREDS, "us-east-1", "ec2", WHEN)
    ours = build_signed_request(OP, SEED, endpoint=ENDPOINT, credentials=CREDS,
                                signature="v4-query", timestamp=WHEN)
    assert ours.url == expected.url


def test_curl_is_shell_quoted() -> None:
    request = build_signed_request(OP, SEED, endpoint=ENDPOINT, credentials=CREDS, timestamp=WHEN)
    words = shlex.split(request.to_curl())
    assert words[:4] == ["curl", "-X", "POST", ENDPOINT + "/"]
    assert words[-2:] == ["--data-raw", request.body.decode()]
    assert f"Authorization: {request.headers['Authorization']}" in words


@pytest.mark.parametrize("bad", ["a\r\nX-Injected: 1", "a\nb", "a\rb", "a\0b"])
def test_no_header_injection(bad: str) -> None:
    with pytest.raises(UsageError):
        RawRequest("POST", ENDPOINT + "/", {"X-Test": bad})
    with pytest.raises(UsageError):
        RawRequest("POST", ENDPOINT + "/", {f"X{bad}": "v"})
    with pytest.raises(UsageError):
        RawRequest("POST", ENDPOINT + "/" + bad, {})
    with pytest.raises(UsageError):
        RawRequest(f"POST{bad}", ENDPOINT + "/", {})


def test_bad_signature_and_endpoint() -> None:
    with pytest.raises(UsageError):
        build_signed_request(OP, SEED, endpoint=ENDPOINT, credentials=CREDS, signature="v3")
    with pytest.raises(UsageError):
        build_signed_request(OP, SEED, endpoint="ftp://x", credentials=CREDS)
    with pytest.raises(UsageError):
        build_signed_request(OP, SEED, endpoint=ENDPOINT, credentials=CREDS, timestamp="yesterday")


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    parser = argparse.ArgumentParser()
    sign_command.register(parser.add_subparsers())
    args = parser.parse_args(["sign", *argv])
    assert args.func(args) == 0
    return capsys.readouterr().out


def test_sign_command_query_and_json_agree(capsys: pytest.CaptureFixture[str]) -> None:
    common = ["--access-key", CREDS.access_key, "--secret-key", CREDS.secret_key,
              "--timestamp", "2015-08-30T12:36:00Z", "--region", "us-east-1"]
    expected = build_signed_request(OP, SEED, endpoint=ENDPOINT, credentials=CREDS,
                                    timestamp=WHEN).to_http().decode("latin-1")
    import json

    from ec2query._codec.query import encode_query

    assert _run([encode_query(OP, SEED), *common], capsys).startswith(expected)
    out = _run(["--from", "json", "--operation", "revoke-security-group-ingress",
                json.dumps(SEED), *common], capsys)
    assert out.startswith(expected)
    assert CREDS.secret_key not in out


def test_sign_command_explain(capsys: pytest.CaptureFixture[str]) -> None:
    out = _run(["Action=RevokeSecurityGroupIngress&Version=2016-11-15&GroupName=a+b",
                "--access-key", "AKID", "--secret-key", "s", "--timestamp", "2015-08-30T12:36:00Z",
                "--region", "us-east-1", "--explain"], capsys)
    creq = ("POST\n/\n\ncontent-type:application/x-www-form-urlencoded; charset=utf-8\n"
            "host:ec2.us-east-1.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
            "content-type;host;x-amz-date\n")
    assert f"--- canonical request\n{creq}" in out
    assert "--- string to sign\nAWS4-HMAC-SHA256\n20150830T123600Z\n" in out
    assert out.endswith("GroupName=a+b\n")  # the body as botocore sends it: + for a space
    v2 = _run(["Action=X&Version=2016-11-15", "--access-key", "AKID", "--secret-key", "s",
               "--signature", "v2", "--explain", "--curl", "--region", "us-east-1"], capsys)
    assert "--- string to sign\nPOST\nec2.us-east-1.amazonaws.com\n/\nAWSAccessKeyId=AKID&" in v2
    assert "\ncurl -X POST" in v2


def test_sign_command_refuses_bad_input(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(UsageError, match="no Action"):
        _run(["GroupName=x", "--access-key", "A", "--secret-key", "s"], capsys)
    with pytest.raises(UsageError, match="--operation"):
        _run(["--from", "json", "{}", "--access-key", "A", "--secret-key", "s"], capsys)
