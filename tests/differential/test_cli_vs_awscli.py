"""ec2query's aws-cli codec against aws-cli 1.45 itself.

aws-cli's real driver runs in-process on the same argv; a ``before-call``
handler captures the params it would send (after botocore's validation) and
answers with a fake response, so nothing leaves the process. Success must
give equal params; a refusal by either must be a refusal by both.
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ec2query._codec.cliargs import cli_skeleton, parse_cli_args, to_cli_args
from ec2query._errors import EC2Error, UsageError
from ec2query._model import operation
from tests.codec.test_cliargs import valid_params

clidriver = pytest.importorskip("awscli.clidriver")
awsrequest = pytest.importorskip("botocore.awsrequest")

_ENV = {
    "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE",
    "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
}
_UNSET = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_CA_BUNDLE")


@dataclass
class AwsResult:
    """What aws-cli did: its exit status, the params it sent (if any), its output."""

    rc: int
    params: dict[str, Any] | None
    stdout: str
    stderr: str


class AwsCli:
    """aws-cli's driver with the HTTP call intercepted before it leaves the process."""

    def __init__(self) -> None:
        self.driver = clidriver.create_clidriver()
        self.captured: dict[str, Any] = {}
        self.driver.session.register("before-parameter-build.ec2", self._build)
        self.driver.session.register("before-call.ec2", self._call)

    def _build(self, params: dict[str, Any], **_: Any) -> None:
        self.captured["params"] = copy.deepcopy(params)

    def _call(self, **_: Any) -> tuple[Any, dict[str, Any]]:
        self.captured["sent"] = True
        response = awsrequest.AWSResponse("https://ec2.us-east-1.amazonaws.com/", 200, {}, None)
        return response, {"ResponseMetadata": {"HTTPStatusCode": 200}}

    def run(self, argv: Sequence[str]) -> AwsResult:
        self.captured.clear()
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                rc = self.driver.main(["ec2", *argv])
            except SystemExit as exc:  # argparse errors exit 2 in aws-cli v1
                rc = int(exc.code or 0)
        params = _plain(self.captured.get("params")) if self.captured.get("sent") else None
        return AwsResult(rc, params, out.getvalue(), err.getvalue())


def _plain(value: Any) -> Any:
    """OrderedDicts (aws-cli's JSON hook) as plain dicts, for readable failures."""
    return json.loads(json.dumps(value)) if value is not None else None


@pytest.fixture(scope="module")
def env() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        for key, value in _ENV.items():
            patch.setenv(key, value)
        for key in _UNSET:
            patch.delenv(key, raising=False)
        yield


@pytest.fixture
def fresh_aws(env: None) -> AwsCli:
    return AwsCli()


@pytest.fixture(scope="module")
def shared_aws(env: None) -> AwsCli:
    """One driver for many runs (fast); fine while no run changes the session's state."""
    return AwsCli()


def ours(argv: Sequence[str]) -> tuple[str, Any]:
    try:
        request = parse_cli_args(argv[0], argv[1:])
    except EC2Error as exc:
        return "error", exc
    return ("skeleton", request) if request.skeleton else ("ok", request.params)


# --------------------------------------------------------------------------- hand-written

RIGI = "revoke-security-group-ingress"
AUTI = "authorize-security-group-ingress"
RIGE = "revoke-security-group-egress"
AUTE = "authorize-security-group-egress"
DESC = "describe-security-groups"
SSH = "IpProtocol=tcp,FromPort=22,ToPort=22,IpRanges=[{CidrIp=203.0.113.0/24}]"

ACCEPTED: list[list[str]] = [
    [
        RIGI,
        "--group-name",
        "MySecurityGroup",
        "--protocol",
        "tcp",
        "--port",
        "22",
        "--cidr",
        "203.0.113.0/24",
    ],
    [RIGI, "--group-id", "sg-1", "--ip-permissions", SSH],
    [
        RIGI,
        "--group-id",
        "sg-1",
        "--ip-permissions",
        SSH,
        "IpProtocol=udp,FromPort=53,ToPort=53,IpRanges=[{CidrIp=10.0.0.0/8}]",
    ],
    [
        AUTI,
        "--group-id",
        "sg-1",
        "--ip-permissions",
        "IpProtocol=tcp,FromPort=22,ToPort=22,IpRanges=[{CidrIp=1.2.3.4/32,Description=SSH from "
        "office}],Ipv6Ranges=[{CidrIpv6=::/0}]",
        "IpProtocol=-1,PrefixListIds=[{PrefixListId=pl-1}]",
    ],
    [
        AUTI,
        "--group-id",
        "sg-1",
        "--ip-permissions",
        "IpProtocol=tcp,FromPort=80,ToPort=80,UserIdGroupPairs=[{GroupId=sg-123,UserId=111122223333}]",
    ],
    [
        AUTI,
        "--group-id",
        "sg-1",
        "--ip-permissions",
        '[{"IpProtocol":"-1","IpRanges":[{"CidrIp":"10.0.0.0/16"}]}]',
    ],
    [
        AUTI,
        "--group-id",
        "sg-1",
        "--ip-permissions",
        '{"IpProtocol":"tcp"}',
        '{"IpProtocol":"udp"}',
    ],
    [AUTI, "--group-id", "sg-1", "--ip-permissions", "IpProtocol=tcp,IpRanges={CidrIp=1.1.1.1/32}"],
    [AUTI, "--group-id", "sg-1", "--ip-permissions"],
    [
        AUTI,
        "--group-id",
        "sg-1",
        "--protocol",
        "all",
        "--source-group",
        "web",
        "--group-owner",
        "123456789012",
        "--cidr",
        "1.1.1.1/32",
    ],
    [AUTI, "--group-id", "sg-1", "--protocol", "icmp", "--port", "8--1", "--source-group", "sg-9"],
    [AUTI, "--group-id", "sg-1", "--protocol", "6", "--port", "1000-2000"],
    [AUTI, "--group-id", "sg-1", "--protocol=-1", "--port=-1"],
    [AUTI, "--group-id", "sg-1", "--port", "all"],
    [AUTI, "--group-id", "sg-1", "--port", " 22 - 23"],
    [AUTI, "--group-id", "sg-1", "--protocol", "", "--port", ""],
    [AUTI, "--group-id", "sg-1", "--group-owner", "123456789012"],
    [
        AUTI,
        "--group-name",
        "g",
        "--ip-protocol",
        "tcp",
        "--from-port",
        "1",
        "--to-port",
        "2",
        "--cidr-ip",
        "10.0.0.0/8",
        "--source-security-group-name",
        "n",
        "--source-security-group-owner-id",
        "o",
    ],
    [
        AUTI,
        "--group-id",
        "sg-1",
        "--ip-protocol",
        "tcp",
        "--protocol",
        "udp",
        "--cidr",
        "c",
        "--cidr-ip",
        "d",
    ],
    [
        AUTI,
        "--group-id",
        "sg-1",
        "--tag-specifications",
        "ResourceType=security-group-rule,Tags=[{Key=k,Value=v}]",
        "--dry-run",
    ],
    [AUTE, "--group-id", "sg-1", "--protocol", "tcp", "--port", "443", "--cidr", "0.0.0.0/0"],
    [RIGI, "--group-id", "sg-1", "--security-group-rule-ids", "sgr-1", "sgr-2"],
    [RIGE, "--group-id", "sg-1", "--security-group-rule-ids", "sgr-1,sgr-2", "--no-dry-run"],
    [
        RIGE,
        "--group-id",
        "sg-1",
        "--cli-input-json",
        '{"GroupId":"sg-2","IpPermissions":[{"IpProtocol":"-1"}],"DryRun":true}',
        "--protocol",
        "tcp",
    ],
    [RIGE, "--cli-input-json", '{"GroupId":"sg-2"}', "--dry-run", "--no-dry-run"],
    [RIGI, "--group-n", "g", "--dry"],
    [RIGI, "--group-name=-weird", "--from-port=-1", "--to-port", "-1"],
    [DESC],
    [DESC, "--filters", "Name=group-name,Values=a,b", "--max-results", "5"],
    [DESC, "--filters", "Name=a,Values=[b,c]", "Name=c,Values=d"],
    [DESC, "--filters", "Name=a", "--group-ids", "a,b", "--group-names", "x y"],
    [DESC, "--filters", "Name=a,Values="],
    [DESC, "--group-ids", "--next-token", "abc"],
    [DESC, "--page-size", "7", "--max-items", "3"],
    [DESC, "--cli-input-json", '{"MaxResults":50,"NextToken":"x"}', "--page-size", "7"],
    [DESC, "--group-ids", '["-a","b"]'],
    [
        "create-security-group",
        "--group-name",
        "x",
        "--description",
        "d",
        "--vpc-id",
        "vpc-1",
        "--tag-specifications",
        "ResourceType=security-group,Tags=[{Key=k,Value=v},{Key=k2,Value=''}]",
    ],
    ["delete-security-group", "--group-id", "sg-1"],
    ["aws", "ec2", RIGI, "--group-id", "sg-1", "--protocol", "tcp", "--port", "22"],
]


def _case_id(argv: Sequence[str]) -> str:
    return " ".join(argv)[:80]


@pytest.mark.parametrize("argv", ACCEPTED, ids=_case_id)
def test_same_params_as_awscli(argv: list[str], fresh_aws: AwsCli) -> None:
    command = argv[2:] if argv[0] == "aws" else argv
    theirs = fresh_aws.run(command)
    assert theirs.rc == 0, theirs.stderr
    kind, params = ours(argv if argv[0] != "aws" else [argv[2], *argv])
    assert kind == "ok", params
    assert params == theirs.params
    assert list(params) == list(theirs.params)  # same order: the same Query bytes


REFUSED: list[list[str]] = [
    [RIGI, "--group-name", "g", "--port", "abc"],
    [RIGI, "--group-name", "g", "--port", "10-"],
    [RIGI, "--group-name", "g", "--port", "-5", "--protocol", "tcp"],
    [RIGI, "--group-name", "g", "--protocol", "TCP"],
    [RIGI, "--group-name", "g", "--protocol", "300"],
    [RIGI, "--group-name", "g", "--protocol", "icmpv6"],
    [RIGI, "--group-name", "g", "--protocol", "tcp", "--ip-permissions", "IpProtocol=tcp"],
    [RIGI, "--group-name", "g", "--cidr", "1.2.3.4/32", "--ip-permissions", SSH],
    [RIGI, "--group-name", "g", "--source-group", "x", "--ip-permissions", SSH],
    [RIGI, "--group-name", "g", "--ip-permissions", "--protocol", "tcp"],
    [RIGI, "--group-name", "g", "--ip-permissions", "IpProtocol=tcp,FromPort=x"],
    [RIGI, "--group-name", "g", "--ip-permissions", "IpProtocol=tcp,FromPort=[1]"],
    [RIGI, "--group-name", "g", "--ip-permissions", "IpProtocol"],
    [RIGI, "--group-name", "g", "--ip-permissions", "IpProtocol=tcp,IpProtocol=udp"],
    [RIGI, "--group-name", "g", "--ip-permissions", "IpProtocol=tcp,Foo=1"],
    [RIGI, "--group-name", "g", "--ip-permissions", "IpRanges=[{CidrIp=1}"],
    [RIGI, "--group-name", "g", "--ip-permissions", "[{"],
    [RIGI, "--group-name", "g", "--ip-permissions", ""],
    [RIGI, "--group-name", "g", "--ip-permissions", '[{"FromPort":"22"}]'],
    [RIGI, "--group-name", "g", "--ip-permissions", '{"IpProtocol":"tcp"}', "IpProtocol=udp"],
    [RIGI, "--group-name", "g", "--bogus"],
    [RIGI, "--group-name", "g", "extra"],
    [RIGI, "--group-name", "g", "--cid", "x"],
    [RIGI, "--group-name", "g", "--from-port", "abc"],
    [RIGI, "--cli-input-json", '{"GroupName":null}'],
    [RIGI, "--cli-input-json", "[1]"],
    [RIGI, "--cli-input-json", "{"],
    [RIGE, "--protocol", "tcp"],
    [RIGE, "--cli-input-json", '{"IpProtocol":"tcp"}'],
    [RIGE, "--cli-input-json", '{"GroupId":"sg-2","Bogus":1}'],
    [RIGE, "--cli-input-json", '{"GroupId":"sg-2","DryRun":"true"}'],
    [DESC, "--next-token", "abc", "--page-size", "5"],
    [DESC, "--no-paginate", "--page-size", "5"],
    [DESC, "--max-results", "abc"],
    [DESC, "--max-results", "2"],
    [DESC, "--page-size", "3"],
    [DESC, "--filters", '[{"Name":"a"}]', "Name=c,Values=d"],
    [DESC, "--filters", "Name=a,Foo=b"],
    [DESC, "--output", "xml"],
    ["create-security-group", "--group-name", "x"],
    ["create-security-group", "--group-name", "x", "--group-description", "d"],
]


@pytest.mark.parametrize("argv", REFUSED, ids=_case_id)
def test_refused_like_awscli(argv: list[str], fresh_aws: AwsCli) -> None:
    theirs = fresh_aws.run(argv)
    assert theirs.rc in (2, 252, 255), (theirs.rc, theirs.params)
    assert theirs.params is None
    kind, error = ours(argv)
    assert kind == "error", error
    assert isinstance(error, UsageError)
    assert error.code == "ParamValidation"


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        ([RIGI, "--group-name", "g", "--port", "abc"], ["--port", "<from[-to]>", "'abc'"]),
        ([RIGI, "--group-name", "g", "--protocol", "TCP"], ["--protocol", "tcp|udp|icmp|all"]),
        (
            [RIGI, "--group-id", "x", "--protocol", "tcp", "--ip-permissions", SSH],
            ["--protocol", "not compatible", "--ip-permissions"],
        ),
        (
            [RIGI, "--group-id", "x", "--ip-permissions", "IpProtocol=tcp,IpRanges=[{CidrIp=1}"],
            ["--ip-permissions", "position 35", "^"],
        ),
        ([RIGI, "--group-id", "x", "--ip-permissions", "[{"], ["--ip-permissions", "Invalid JSON"]),
        ([RIGI, "--group-id", "x", "--bogus"], ["Unknown options: --bogus"]),
        ([DESC, "--max-results", "2"], ["MaxResults", "min"]),
    ],
)
def test_messages_name_the_option_and_position(argv: list[str], words: list[str]) -> None:
    kind, error = ours(argv)
    assert kind == "error"
    for word in words:
        assert word in error.message


def test_file_values_and_cli_input_json_file(tmp_path: Path, fresh_aws: AwsCli) -> None:
    document = tmp_path / "in.json"
    document.write_text('{"GroupId": "sg-9", "IpProtocol": "udp", "FromPort": 53}')
    rules = tmp_path / "rules.json"
    rules.write_text('[{"IpProtocol": "tcp", "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}]')
    name = tmp_path / "name.txt"
    name.write_text("sg-from-file\n")
    for argv in (
        [RIGE, "--cli-input-json", f"file://{document}", "--from-port", "54"],
        [RIGE, "--group-id", f"file://{name}", "--ip-permissions", f"file://{rules}"],
        [
            AUTI,
            "--group-id",
            "sg-1",
            "--ip-permissions",
            f"IpProtocol=tcp,IpRanges=[{{CidrIp@=file://{name}}}]",
        ],
    ):
        theirs = fresh_aws.run(argv)
        assert theirs.rc == 0, theirs.stderr
        assert ours(argv) == ("ok", theirs.params)


def test_missing_file_is_refused(tmp_path: Path, fresh_aws: AwsCli) -> None:
    argv = [RIGE, "--cli-input-json", f"file://{tmp_path}/absent.json"]
    assert fresh_aws.run(argv).rc != 0
    kind, error = ours(argv)
    assert kind == "error"
    assert "absent.json" in error.message


@pytest.mark.parametrize(
    "name", [RIGI, AUTI, RIGE, AUTE, DESC, "create-security-group", "delete-security-group"]
)
def test_skeleton_is_awscli_skeleton(name: str, fresh_aws: AwsCli) -> None:
    theirs = fresh_aws.run([name, "--generate-cli-skeleton"])
    assert theirs.rc == 0
    printed = json.loads(theirs.stdout)
    ours_ = cli_skeleton(name)
    for skeleton in (printed, ours_):  # botocore picks a random enum value each time
        for spec in skeleton.get("TagSpecifications", []):
            spec["ResourceType"] = "<enum>"
    assert printed == ours_
    assert list(printed) == list(ours_)
    kind, request = ours([name, "--generate-cli-skeleton"])
    assert kind == "skeleton"
    assert request.skeleton == "input"


def test_skeleton_output_still_validates(fresh_aws: AwsCli) -> None:
    argv = [RIGE, "--generate-cli-skeleton", "output"]
    assert fresh_aws.run(argv).rc != 0
    assert ours(argv)[0] == "error"


# --------------------------------------------------------------------------- generated

_names = st.text(st.sampled_from("abcXYZ019-_. /:=,[]{}'\"@"), min_size=0, max_size=8)
_ports = st.integers(min_value=-2, max_value=70000)
_port_text = st.one_of(
    _ports.map(str),
    st.tuples(_ports, _ports).map(lambda p: f"{p[0]}-{p[1]}"),
    st.sampled_from(["all", "-1", "", "x", "1-", "-", "22-x", " 80 "]),
)
_protocols = st.sampled_from(["tcp", "udp", "icmp", "all", "-1", "6", "58", "256", "TCP", "", "x"])


@st.composite
def _rule_argv(draw: st.DrawFn) -> list[str]:
    name = draw(st.sampled_from([RIGI, AUTI, RIGE, AUTE]))
    argv = [name, "--group-id", "sg-" + draw(st.text("0123456789abcdef", min_size=1, max_size=4))]
    options = {
        "--protocol": _protocols,
        "--port": _port_text,
        "--cidr": st.sampled_from(["10.0.0.0/8", "0.0.0.0/0", "x"]),
        "--source-group": st.one_of(_names, st.just("sg-12")),
        "--group-owner": st.sampled_from(["123456789012", ""]),
        "--ip-protocol": _protocols,
        "--from-port": _ports.map(str),
        "--to-port": _ports.map(str),
        "--cidr-ip": st.sampled_from(["10.0.0.0/8", ""]),
        "--ip-permissions": st.sampled_from([SSH, "IpProtocol=-1", '[{"IpProtocol":"udp"}]']),
        "--dry-run": st.none(),
        "--no-dry-run": st.none(),
    }
    for option in draw(st.lists(st.sampled_from(sorted(options)), max_size=5, unique=True)):
        value = draw(options[option])
        argv += [option] if value is None else [f"{option}={value}"]
    return argv


def _compare(aws: AwsCli, argv: list[str]) -> None:
    theirs = aws.run(argv)
    kind, value = ours(argv)
    if theirs.rc == 0:
        assert kind == "ok", f"aws-cli accepted {argv} but we refused: {value}"
        assert value == theirs.params
    else:
        assert kind == "error", (
            f"aws-cli refused {argv} ({theirs.stderr.strip()[-200:]}), we gave {value}"
        )


@given(argv=_rule_argv())
def test_generated_rule_argv(argv: list[str], shared_aws: AwsCli) -> None:
    _compare(shared_aws, argv)


_shorthand_values = st.text(st.sampled_from("ab1=,[]{} '\"\\"), max_size=10)


@given(
    filters=st.lists(
        st.one_of(
            st.builds(lambda n, v: f"Name={n},Values={v}", _names, _names),
            _shorthand_values,
        ),
        max_size=3,
    )
)
def test_generated_filters_shorthand(filters: list[str], shared_aws: AwsCli) -> None:
    argv = [DESC, "--filters", *filters] if filters else [DESC]
    if any(item.startswith("-") for item in filters):
        return
    _compare(shared_aws, argv)


# --------------------------------------------------------------------------- to_cli_args


@given(case=valid_params(), style=st.sampled_from(["json", "shorthand"]))
def test_to_cli_args_is_what_awscli_sends(
    case: tuple[str, dict[str, Any]], style: str, shared_aws: AwsCli
) -> None:
    name, params = case
    argv = to_cli_args(name, params, style=style)
    theirs = shared_aws.run([_cli(name), *argv])
    assert theirs.rc == 0, (argv, theirs.stderr)
    assert theirs.params == json.loads(json.dumps(params))


def _cli(name: str) -> str:
    return operation(name).cli_name
