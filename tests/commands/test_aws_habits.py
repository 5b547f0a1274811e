"""The console as aws-cli users type it, side by side with aws-cli v1 on one served gateway:
global options before the operation, ``--query``, and aws-cli's paging."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

pytest.importorskip("awscli")

from ec2query.gateway import make_app
from ec2query.gateway._server import running
from tests.servers import FAKE_ENV

GROUPS = [f"group-{n}" for n in range(9)]


def _run(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *argv], capture_output=True, text=True,
                          env={**os.environ, **FAKE_ENV}, timeout=120)


def both(url: str, *args: str) -> tuple[subprocess.CompletedProcess[str], ...]:
    """The same command by aws-cli and by ec2query, against the same endpoint."""
    aws = _run("awscli", "ec2", *args, "--endpoint-url", url)
    ours = _run("ec2query", *args, "--endpoint-url", url)
    return aws, ours


@pytest.fixture(scope="module")
def url():
    app = make_app(credentials={FAKE_ENV["AWS_ACCESS_KEY_ID"]: FAKE_ENV["AWS_SECRET_ACCESS_KEY"]})
    with running(app) as endpoint:
        for name in GROUPS:
            created = _run("ec2query", "create-security-group", "--group-name", name,
                           "--description", name, "--endpoint-url", endpoint)
            assert created.returncode == 0, created.stderr
        yield endpoint


def _json(done: subprocess.CompletedProcess[str]):
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.mark.parametrize("paging", [[], ["--page-size", "5"], ["--page-size", "5", "--max-items",
                                    "7"], ["--max-items", "3"], ["--no-paginate"]])
def test_paging_gives_the_items_aws_cli_gives(url: str, paging: list[str]) -> None:
    aws, ours = both(url, "describe-security-groups", *paging)
    theirs, mine = _json(aws), _json(ours)
    assert [g["GroupId"] for g in mine["SecurityGroups"]] == [
        g["GroupId"] for g in theirs["SecurityGroups"]]
    assert ("NextToken" in mine) == ("NextToken" in theirs)
    if "--max-items" in paging:
        assert mine["NextToken"] == theirs["NextToken"]  # botocore's token, the same bytes


def test_a_token_printed_by_either_tool_resumes_in_the_other(url: str) -> None:
    aws, ours = both(url, "describe-security-groups", "--page-size", "5", "--max-items", "6")
    token = _json(aws)["NextToken"]
    assert _json(ours)["NextToken"] == token
    aws, ours = both(url, "describe-security-groups", "--page-size", "5",
                     "--starting-token", token)
    rest = [g["GroupId"] for g in _json(aws)["SecurityGroups"]]
    assert [g["GroupId"] for g in _json(ours)["SecurityGroups"]] == rest
    assert len(rest) == len(GROUPS) + 1 - 6  # the default group is there too


@pytest.mark.parametrize("output", ["json", "text"])
def test_query_is_applied_before_the_output_format(url: str, output: str) -> None:
    expression = "SecurityGroups[?starts_with(GroupName, 'group-')].[GroupName, GroupId]"
    aws, ours = both(url, "describe-security-groups", "--query", expression, "--output", output)
    assert aws.returncode == ours.returncode == 0, (aws.stderr, ours.stderr)
    if output == "json":
        assert json.loads(ours.stdout) == json.loads(aws.stdout)
    else:
        assert ours.stdout.split() == aws.stdout.split()


def test_a_query_on_a_quiet_operation_prints_what_it_selects(url: str) -> None:
    created = _run("ec2query", "create-security-group", "--group-name", "quiet", "--description",
                   "quiet", "--endpoint-url", url)
    assert created.returncode == 0, created.stderr
    done = _run("ec2query", "delete-security-group", "--group-name", "quiet", "--query",
                "Return", "--endpoint-url", url)
    assert (done.returncode, done.stdout.strip()) == (0, "true")


def test_a_bad_query_is_refused_before_anything_is_sent(url: str) -> None:
    done = _run("ec2query", "describe-security-groups", "--query", "SecurityGroups[",
                "--endpoint-url", "http://127.0.0.1:9")
    assert done.returncode == 252
    assert "Bad value for --query SecurityGroups[" in done.stderr


def test_global_options_stand_before_the_operation_as_in_aws_cli(url: str) -> None:
    aws = _run("awscli", "--endpoint-url", url, "--region", "us-east-1", "--output", "json",
               "ec2", "describe-security-groups", "--group-names", "group-1")
    ours = _run("ec2query", "--endpoint-url", url, "--region", "us-east-1", "--output", "json",
                "describe-security-groups", "--group-names", "group-1")
    assert _json(ours) == _json(aws)


def test_paging_options_are_refused_where_nothing_pages(url: str) -> None:
    done = _run("ec2query", "delete-security-group", "--group-name", "x", "--max-items", "2",
                "--endpoint-url", url)
    assert done.returncode == 252
    assert "Paging options do not apply to delete-security-group" in done.stderr


@pytest.mark.parametrize("value", ["0", "-1", "x", "1e3"])
def test_a_bad_number_is_bad_usage(url: str, value: str) -> None:
    done = _run("ec2query", "describe-security-groups", "--max-items", value,
                "--endpoint-url", url)
    assert done.returncode == 252
    assert "--max-items" in done.stderr


def test_version_help_and_python_m() -> None:
    from ec2query import __version__

    version = _run("ec2query", "--version")
    assert version.stdout.startswith(f"ec2query {__version__} Python/")
    helped = _run("ec2query", "help")
    assert helped.returncode == 0 and helped.stdout.startswith("usage: ec2query")
    op_help = _run("ec2query", "describe-security-groups", "help")
    assert op_help.returncode == 0 and "--max-items N" in op_help.stdout


@pytest.mark.parametrize("flags", [["--debug"], ["--output", "text"], ["--no-sign-request"],
                                   ["--query", "SecurityGroups[].GroupName"]])
def test_each_global_option_may_stand_before_the_operation(url: str, flags: list[str]) -> None:
    """Before the operation as after it, and as aws-cli answers (an unsigned request is
    refused by the gateway alike)."""
    aws = _run("awscli", *flags, "--endpoint-url", url, "ec2", "describe-security-groups",
               "--group-names", "group-1")
    before = _run("ec2query", *flags, "--endpoint-url", url, "describe-security-groups",
                  "--group-names", "group-1")
    after = _run("ec2query", "describe-security-groups", "--group-names", "group-1",
                 "--endpoint-url", url, *flags)
    assert before.returncode == after.returncode, (before.stderr, after.stderr)
    assert before.stdout == after.stdout
    if aws.returncode:  # aws-cli v1 exits 255 for EC2's errors, v2 and ec2query 254
        assert (aws.returncode, before.returncode) == (255, 254)
        assert "(MissingAuthenticationToken)" in aws.stderr
        assert "(MissingAuthenticationToken)" in before.stderr
    elif flags[0] != "--output":
        assert json.loads(before.stdout) == json.loads(aws.stdout)
    else:
        assert before.stdout.split() == aws.stdout.split()


def test_sign_without_credentials_exits_253_as_operations_do(tmp_path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(HOME=str(tmp_path), AWS_DEFAULT_REGION="us-east-1")
    for argv in (["sign", "Action=DescribeSecurityGroups&Version=2016-11-15"],
                 ["describe-security-groups", "--endpoint-url", "http://127.0.0.1:9"]):
        done = subprocess.run([sys.executable, "-m", "ec2query", *argv], capture_output=True,
                              text=True, env=env, timeout=60)
        assert done.returncode == 253, done.stderr
        assert "Unable to locate credentials" in done.stderr
