"""``--output table`` side by side with aws-cli v1 on one served gateway (the same response,
byte for byte), and the output format chosen as aws-cli chooses it: ``--output``, then
``AWS_DEFAULT_OUTPUT``, then the profile's ``output``, then json."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("awscli")

from ec2query._commands.table import render_table
from ec2query.gateway import make_app
from ec2query.gateway._server import running
from tests.servers import FAKE_ENV


def _run(*argv: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *argv], capture_output=True, text=True,
                          env={**os.environ, **FAKE_ENV, "AWS_CONFIG_FILE": os.devnull,
                               **(env or {})}, timeout=120)


def both(url: str, *args: str, env: dict[str, str] | None = None
         ) -> tuple[subprocess.CompletedProcess[str], subprocess.CompletedProcess[str]]:
    aws = _run("awscli", "ec2", *args, "--endpoint-url", url, env=env)
    ours = _run("ec2query", *args, "--endpoint-url", url, env=env)
    return aws, ours


@pytest.fixture(scope="module")
def url():
    app = make_app(credentials={FAKE_ENV["AWS_ACCESS_KEY_ID"]: FAKE_ENV["AWS_SECRET_ACCESS_KEY"]})
    with running(app) as endpoint:
        for name in ("web", "db", "tagged"):
            created = _run("ec2query", "create-security-group", "--group-name", name,
                           "--description", f"the {name} tier", "--endpoint-url", endpoint)
            assert created.returncode == 0, created.stderr
        tags = json.dumps([{"ResourceType": "security-group",
                            "Tags": [{"Key": "名前", "Value": "ünï"}, {"Key": "b", "Value": ""}]}])
        created = _run("ec2query", "create-security-group", "--group-name", "wide",
                       "--description", "wide", "--tag-specifications", tags,
                       "--endpoint-url", endpoint)
        assert created.returncode == 0, created.stderr
        rules = json.dumps([
            {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80,
             "IpRanges": [{"CidrIp": "10.0.0.0/8", "Description": "inside"},
                          {"CidrIp": "192.0.2.0/24"}],
             "UserIdGroupPairs": [{"GroupName": "db"}]},
            {"IpProtocol": "udp", "FromPort": 53, "ToPort": 53,
             "Ipv6Ranges": [{"CidrIpv6": "2001:db8::/32"}]}])
        done = _run("ec2query", "authorize-security-group-ingress", "--group-name", "web",
                    "--ip-permissions", rules, "--endpoint-url", endpoint)
        assert done.returncode == 0, done.stderr
        yield endpoint


CASES = [
    ["describe-security-groups"],
    ["describe-security-groups", "--group-names", "web"],
    ["describe-security-groups", "--group-names", "db"],
    ["describe-security-groups", "--group-names", "wide"],
    ["describe-security-group-rules"],
    ["describe-security-groups", "--query", "SecurityGroups[].GroupName"],
    ["describe-security-groups", "--query", "SecurityGroups[].[GroupName, Description]"],
    ["describe-security-groups", "--query", "SecurityGroups[?GroupName=='web'].IpPermissions"],
    ["describe-security-groups", "--query", "SecurityGroups[0].GroupName"],
    ["describe-security-groups", "--query", "SecurityGroups[?GroupName=='none']"],
    ["describe-security-groups", "--query", "{n: length(SecurityGroups)}"],
]


@pytest.mark.parametrize("args", CASES, ids=lambda args: " ".join(args[1:]) or args[0])
@pytest.mark.parametrize("color", ["off", "auto"])
def test_the_table_is_aws_clis(url: str, args: list[str], color: str) -> None:
    aws, ours = both(url, *args, "--output", "table", "--color", color)
    assert aws.returncode == ours.returncode == 0, (aws.stderr, ours.stderr)
    assert ours.stdout == aws.stdout


_RESET = "\x1b[0m"


def test_a_coloured_table_colours_what_aws_cli_colours(url: str) -> None:
    """aws-cli's colorama resets after every write as well; the codes that start a colour
    stand where aws-cli puts them."""
    aws, ours = both(url, "describe-security-groups", "--group-names", "web",
                     "--output", "table", "--color", "on")
    assert aws.returncode == ours.returncode == 0, (aws.stderr, ours.stderr)
    assert "\x1b[34m" in ours.stdout
    assert ours.stdout.replace(_RESET, "") == aws.stdout.replace(_RESET, "")


def test_a_table_wider_than_the_terminal_turns_rows_into_name_value_pairs() -> None:
    """aws-cli's own layout, checked against its MultiTable for a narrow and a wide terminal."""
    from awscli.formatter import TableFormatter
    from awscli.table import MultiTable, Styler

    result = {"SecurityGroups": [{"GroupName": "a" * 30, "Description": "b" * 30,
                                  "GroupId": "sg-1", "Tags": [{"Key": "k", "Value": "v"}]}]}
    for width in (60, 200):
        class Args:
            color = "off"
            query = None

        formatter = TableFormatter(Args())
        formatter.table = MultiTable(initial_section=False, column_separator="|",
                                     styler=Styler())
        formatter.table._terminal_width = width
        import io

        stream = io.StringIO()
        formatter("DescribeSecurityGroups", json.loads(json.dumps(result)), stream)
        assert render_table(result, "DescribeSecurityGroups", width=width) + "\n" == (
            stream.getvalue())


def test_an_empty_list_prints_the_title_alone(url: str) -> None:
    aws, ours = both(url, "describe-security-groups", "--filters", "Name=group-name,Values=x",
                     "--output", "table")
    assert (ours.returncode, ours.stdout) == (aws.returncode, aws.stdout)
    assert ours.stdout.splitlines()[1] == "|DescribeSecurityGroups|"


def _profile(tmp_path: Path, output: str) -> dict[str, str]:
    config = tmp_path / "config"
    config.write_text(f"[default]\noutput = {output}\n[profile other]\noutput = table\n")
    keys = tmp_path / "credentials"
    keys.write_text(f"[other]\naws_access_key_id = {FAKE_ENV['AWS_ACCESS_KEY_ID']}\n"
                    f"aws_secret_access_key = {FAKE_ENV['AWS_SECRET_ACCESS_KEY']}\n")
    return {"AWS_CONFIG_FILE": str(config), "AWS_SHARED_CREDENTIALS_FILE": str(keys)}


@pytest.mark.parametrize(("env", "flag", "expected"), [
    ({}, [], "json"),
    ({"AWS_DEFAULT_OUTPUT": "text"}, [], "text"),
    ({"AWS_DEFAULT_OUTPUT": "text"}, ["--output", "json"], "json"),
    ({"profile": "text"}, [], "text"),
    ({"profile": "text", "AWS_DEFAULT_OUTPUT": "table"}, [], "table"),
    ({"profile": "text"}, ["--profile", "other"], "table"),
    ({"profile": "text", "AWS_PROFILE": "other"}, [], "table"),
])
def test_the_output_format_is_chosen_as_aws_cli_chooses_it(
        url: str, tmp_path: Path, env: dict[str, str], flag: list[str], expected: str) -> None:
    env = dict(env)
    if "profile" in env:
        env.update(_profile(tmp_path, env.pop("profile")))
    aws, ours = both(url, "describe-security-groups", "--group-names", "db", *flag, env=env)
    assert aws.returncode == ours.returncode == 0, (aws.stderr, ours.stderr)
    if expected == "json":  # the members' order is the model's, not botocore's
        assert json.loads(ours.stdout) == json.loads(aws.stdout)
    else:
        assert ours.stdout == aws.stdout
    looks = ("json" if ours.stdout.startswith("{") else
             "table" if ours.stdout.startswith("-") else "text")
    assert looks == expected


def test_an_unknown_output_format_from_the_environment_is_refused(url: str) -> None:
    aws, ours = both(url, "describe-security-groups", env={"AWS_DEFAULT_OUTPUT": "yaml"})
    assert aws.returncode != 0
    assert ours.returncode == 252
    assert re.search(r"Unknown output type: yaml", ours.stderr)
    assert "Unknown output type: yaml" in aws.stderr
