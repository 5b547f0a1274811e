"""The region rule of build_signed_request, sign_query_pairs, the Client and ``sign``:
explicit, environment, profile, a regional EC2 endpoint's host, else aws-cli's refusal."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from ec2query._client import Client
from ec2query._errors import UsageError
from ec2query._request import build_signed_request, sign_query_pairs
from ec2query.auth import Credentials
from tests.servers import FAKE_ENV

CREDS = Credentials(FAKE_ENV["AWS_ACCESS_KEY_ID"], FAKE_ENV["AWS_SECRET_ACCESS_KEY"])
PAIRS = [("Action", "DescribeSecurityGroups"), ("Version", "2016-11-15")]
NO_REGION = {"AWS_ACCESS_KEY_ID": CREDS.access_key, "AWS_SECRET_ACCESS_KEY": CREDS.secret_key,
             "AWS_CONFIG_FILE": "/nonexistent", "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
             "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
             "PYTHONPATH": os.environ.get("PYTHONPATH", "")}


def _scope(raw) -> str:
    return raw.headers["Authorization"].split("Credential=")[1].split(",")[0]


@pytest.mark.parametrize("host, region", [
    ("https://ec2.eu-west-1.amazonaws.com", "eu-west-1"),
    ("https://ec2.cn-north-1.amazonaws.com.cn", "cn-north-1"),
    ("https://ec2-fips.us-gov-west-1.amazonaws.com", "us-gov-west-1"),
    ("ec2.ap-southeast-2.amazonaws.com", "ap-southeast-2"),
])
def test_a_regional_endpoint_names_the_region(host: str, region: str) -> None:
    raw = build_signed_request("DescribeSecurityGroups", {}, endpoint=host, credentials=CREDS,
                               timestamp="2015-08-30T12:36:00Z")
    assert _scope(raw) == f"{CREDS.access_key}/20150830/{region}/ec2/aws4_request"
    raw = sign_query_pairs(PAIRS, endpoint=host, credentials=CREDS)
    assert f"/{region}/ec2/" in _scope(raw)


def test_an_explicit_region_wins_over_the_host() -> None:
    raw = build_signed_request("DescribeSecurityGroups", {}, region="us-west-2",
                               endpoint="https://ec2.eu-west-1.amazonaws.com", credentials=CREDS)
    assert "/us-west-2/ec2/" in _scope(raw)


@pytest.mark.parametrize("host", ["http://127.0.0.1:8080", "https://ec2.amazonaws.com",
                                  "https://proxy.example/ec2.eu-west-1.amazonaws.com"])
def test_no_region_anywhere_is_refused_as_aws_cli_refuses(host: str) -> None:
    with pytest.raises(UsageError, match="You must specify a region") as caught:
        build_signed_request("DescribeSecurityGroups", {}, endpoint=host, credentials=CREDS)
    assert caught.value.code == "NoRegion"
    with pytest.raises(UsageError, match="You must specify a region"):
        Client(host, CREDS, env={})


def test_the_client_finds_the_region_in_env_then_the_endpoint() -> None:
    assert Client("http://x", CREDS, env={"AWS_REGION": "sa-east-1",
                                          "AWS_DEFAULT_REGION": "eu-north-1"}).region == "sa-east-1"
    assert Client(endpoint_url="https://ec2.eu-west-3.amazonaws.com", credentials=CREDS,
                  env={}).region == "eu-west-3"
    assert Client(None, CREDS, env={
        "AWS_ENDPOINT_URL_EC2": "https://ec2.me-south-1.amazonaws.com"}).region == "me-south-1"


def _run(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *argv], capture_output=True, text=True,
                          env=NO_REGION, timeout=120)


def test_the_console_and_sign_refuse_no_region_with_aws_clis_text() -> None:
    pytest.importorskip("awscli")
    aws = _run("awscli", "ec2", "describe-security-groups", "--endpoint-url", "http://127.0.0.1:9")
    ours = _run("ec2query", "describe-security-groups", "--endpoint-url", "http://127.0.0.1:9")
    signed = _run("ec2query", "sign", "Action=DescribeSecurityGroups&Version=2016-11-15",
                  "--endpoint", "http://127.0.0.1:9")
    first = "You must specify a region."
    assert aws.stderr.strip().startswith(first) and aws.returncode == 255  # aws-cli v1
    assert ours.stderr.strip().startswith(first) and ours.returncode == 253  # v2's status
    assert signed.stderr.strip().startswith(first) and signed.returncode == 253
    regional = _run("ec2query", "sign", "Action=DescribeSecurityGroups&Version=2016-11-15",
                    "--endpoint", "https://ec2.eu-west-1.amazonaws.com")
    assert regional.returncode == 0 and "/eu-west-1/ec2/aws4_request" in regional.stdout
