"""Every example of README.md and docs/*.md runs as written.

Python blocks run in order, one namespace per page, with the names the prose leaves to the
reader (``params``, ``creds``, ``keys``, a received request's ``body`` and headers) defined
below; console lines (fenced, or indented four spaces) run as commands. Both speak to a
gateway this test serves (``AWS_ENDPOINT_URL``) with the README's example credentials, in a
folder holding the files the examples name (``params.json``, ``query.txt``, ...).

A console line is left out only for a reason this module states: it starts a server that
does not return (``serve``, granian, gunicorn), installs or runs the suite, rewrites the
committed corpus, or is a synopsis (``...``, an upper-case placeholder, ``[optional]``).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shlex
import subprocess
import sys
import warnings
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

import ec2query
from ec2query.auth import Credentials
from ec2query.gateway import make_app
from ec2query.gateway._server import running
from tests.servers import FAKE_ENV

# gateway.md's boto 2 example: boto 2's first import warns (``imp``, its vendored six), which
# the suite's warnings-as-errors would raise inside the example. Those warnings are boto's,
# not the example's: it is imported once here with them silenced.
with warnings.catch_warnings(), contextlib.suppress(ImportError):  # boto 2: test extras
    warnings.simplefilter("ignore")
    import boto.ec2.connection  # noqa: F401

REPO = Path(__file__).resolve().parents[1]
PAGES = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
CREDS = Credentials(FAKE_ENV["AWS_ACCESS_KEY_ID"], FAKE_ENV["AWS_SECRET_ACCESS_KEY"])
#: The request the examples speak of: the API reference's, by group name.
PARAMS = {"GroupName": "websrv",
          "IpPermissions": [{"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80,
                             "IpRanges": [{"CidrIp": "205.192.0.0/16"}]}]}
QUERY = ("Action=AuthorizeSecurityGroupIngress&Version=2016-11-15&GroupName=websrv"
         "&IpPermissions.1.IpProtocol=tcp&IpPermissions.1.FromPort=80"
         "&IpPermissions.1.ToPort=80&IpPermissions.1.IpRanges.1.CidrIp=205.192.0.0/16")

_FENCE = re.compile(r"^```([a-z]*)\n(.*?)^```", re.S | re.M)


def _blocks(page: Path) -> Iterator[tuple[str, str]]:
    """(language, text) of each fenced block, then ("console", text) of each paragraph
    indented four spaces whose lines are commands."""
    text = page.read_text(encoding="utf-8")
    for match in _FENCE.finditer(text):
        yield match.group(1) or "console", match.group(2)
    for paragraph in re.split(r"\n\s*\n", _FENCE.sub("", text)):
        lines = paragraph.splitlines()
        if lines and all(line.startswith("    ") for line in lines) and (
                lines[0].strip().startswith("ec2query ")):
            yield "console", "\n".join(line[4:] for line in lines)


def _commands(text: str) -> Iterator[str]:
    """The commands of a console block: continuation lines joined, comments dropped."""
    for line in text.replace("\\\n", " ").splitlines():
        for part in line.split(" && "):
            command = re.sub(r"\s+#\s.*$", "", part).strip()
            if command and not command.startswith("#"):
                yield command


def _skip_reason(command: str) -> str | None:
    words = command.split()
    if words[:2] in (["ec2query", "serve"], ["aws", "ec2"]) and command.endswith("&"):
        return "starts a server that does not return"
    if words[0] in ("granian", "gunicorn") or words[:2] == ["ec2query", "serve"]:
        return "starts a server that does not return (tests/commands/test_serve.py runs it)"
    if words[:3] == ["python", "-m", "pip"] or words[:3] == ["python", "-m", "pytest"]:
        return "installs the package or runs this suite"
    if words[:3] == ["ec2query", "fixtures", "generate"]:
        return "rewrites the committed corpus (tests/fixtures checks generation)"
    if "..." in command or re.search(r"\b[A-Z][A-Z_]{3,}\b(?!=)", command) or " [" in command:
        return "a synopsis, not a command"
    return None


def _examples() -> tuple[list[Any], list[Any]]:
    python, console = [], []
    for page in PAGES:
        blocks = list(_blocks(page))
        code = [text for lang, text in blocks if lang == "python"]
        if code:
            python.append(pytest.param(code, id=page.name))
        for lang, text in blocks:
            if lang not in ("console", "sh"):
                continue
            for command in _commands(text):
                if command.split()[0] not in ("ec2query", "aws", "export", "python",
                                              "granian", "gunicorn"):
                    continue
                reason = _skip_reason(command)
                marks = [pytest.mark.skip(reason=reason)] if reason else []
                console.append(pytest.param(command, id=f"{page.name}: {command[:60]}",
                                            marks=marks))
    return python, console


PYTHON, CONSOLE = _examples()


@pytest.fixture(scope="module")
def gateway() -> Iterator[str]:
    app = make_app(credentials={CREDS.access_key: CREDS.secret_key})
    with running(app) as url:
        client = ec2query.Client(url, CREDS, "us-east-1", env={})
        for name in ("websrv", "MySecurityGroup"):
            client.create_security_group(GroupName=name, Description=name)
        client.authorize_security_group_ingress(**PARAMS)
        ssh = {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
               "IpRanges": [{"CidrIp": "203.0.113.0/24"}]}
        client.authorize_security_group_ingress(GroupName="MySecurityGroup",
                                                IpPermissions=[ssh])
        yield url


@pytest.fixture
def folder(tmp_path: Path, gateway: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The examples' working folder and environment."""
    (tmp_path / "params.json").write_text(json.dumps(PARAMS))
    (tmp_path / "query.txt").write_text(QUERY + "\n")
    by_id = QUERY.replace("GroupName=websrv", "GroupId=sg-0123456789abcdef0")
    (tmp_path / "request.txt").write_text(by_id)
    (tmp_path / "result.json").write_text(json.dumps({"Return": True}))
    (tmp_path / "response.xml").write_bytes(ec2query.render_response(
        "RevokeSecurityGroupIngress", {"Return": True}, request_id="r-1"))
    policy = re.search(r"```toml\n(.*?)```", (REPO / "docs" / "policy.md").read_text("utf-8"),
                       re.S)
    assert policy is not None
    (tmp_path / "guardrails.toml").write_text(policy.group(1))
    (tmp_path / "credentials").write_text(
        f"[dev]\naws_access_key_id = {CREDS.access_key}\n"
        f"aws_secret_access_key = {CREDS.secret_key}\n")
    env = {**FAKE_ENV, "AWS_ENDPOINT_URL": gateway, "AWS_CONFIG_FILE": os.devnull,
           "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "credentials")}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _received(gateway: str) -> tuple[bytes, dict[str, str]]:
    raw = ec2query.build_signed_request("DescribeSecurityGroups", {}, endpoint=gateway,
                                        credentials=CREDS, region="us-east-1")
    return raw.body, dict(raw.headers)


@pytest.mark.parametrize("blocks", PYTHON)
def test_the_python_examples_run(blocks: list[str], folder: Path, gateway: str) -> None:
    body, headers = _received(gateway)
    namespace: dict[str, Any] = {
        "__name__": "example", "pytest": pytest, "params": dict(PARAMS), "creds": CREDS,
        "keys": {CREDS.access_key: CREDS.secret_key}, "body": body,
        "key_id": CREDS.access_key, "secret": CREDS.secret_key,
        "received_headers": headers, "url": gateway, "operation": "AuthorizeSecurityGroupIngress",
        "when": datetime(2015, 8, 30, 12, 36, tzinfo=timezone.utc),
    }
    for number, code in enumerate(blocks, 1):
        exec(compile(code, f"example {number}", "exec"), namespace)  # noqa: S102 - the docs' own code


#: Console examples that show a refusal: validate prints the problems and exits 255.
_REFUSING = {"ec2query validate 'Action=AuthorizeSecurityGroupIngress&GroupId=sg-1"
             "&IpPermissions.1.IpProtocol=all'"}


@pytest.mark.parametrize("command", CONSOLE)
def test_the_console_examples_run(command: str, folder: Path, gateway: str) -> None:
    if command.startswith("export "):
        return  # the fixture's environment holds the README's values
    command = command.replace("http://127.0.0.1:8773", gateway)
    stdin = None
    if " < " in command:
        command, _, source = command.partition(" < ")
        stdin = (folder / source.strip()).read_text()
    argv = shlex.split(command)
    program = {"ec2query": ["-m", "ec2query"], "aws": ["-m", "awscli"],
               "python": []}[argv[0]]
    done = subprocess.run([sys.executable, *program, *argv[1:]], input=stdin,
                          capture_output=True, text=True, timeout=300, check=False)
    assert "Traceback" not in done.stderr, done.stderr
    expected = 255 if command in _REFUSING else 0
    assert done.returncode == expected, (done.stdout[-2000:], done.stderr[-2000:])
