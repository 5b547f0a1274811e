"""``ec2query validate``: every problem one a line, JSON output, exit statuses, --xml."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from ec2query import _console as console

QUERY = (
    "Action=AuthorizeSecurityGroupIngress&Version=2016-11-15&GroupId=tcp_elb_security_group"
    "&IpPermissions.1.IpProtocol=all&IpPermissions.1.IpRanges.1.CidrIp=%3A%3A%2F32"
)
EXPECTED = [
    "InvalidGroupId.Malformed: The security-group ID 'tcp_elb_security_group' is malformed",
    "InvalidParameterValue: Invalid value 'all' for IP protocol. Unknown protocol.",
    "InvalidParameterValue: CIDR block ::/32 is malformed",
]
VALID_JSON = json.dumps(
    {
        "GroupId": "sg-0123456789abcdef0",
        "IpPermissions": [
            {
                "IpProtocol": "ICMP",
                "FromPort": -1,
                "ToPort": -1,
                "Ipv6Ranges": [{"CidrIpv6": "::/0"}],
            }
        ],
    }
)


@pytest.fixture(autouse=True)
def _wired(monkeypatch: pytest.MonkeyPatch) -> None:
    """Until console.COMMANDS lists "validate", wire it for these tests."""
    if "validate" not in console.COMMANDS:
        monkeypatch.setattr(console, "COMMANDS", (*console.COMMANDS, "validate"))


def run(argv: list[str], capsys: pytest.CaptureFixture[str], stdin: str = "") -> tuple[int, str]:
    old = sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        status = console.main(["validate", *argv])
    finally:
        sys.stdin = old
    return status, capsys.readouterr().out


def test_query_input_prints_every_problem_and_exits_255(capsys: pytest.CaptureFixture[str]) -> None:
    status, out = run([QUERY], capsys)
    assert status == 255
    assert out.splitlines() == EXPECTED


def test_json_format(capsys: pytest.CaptureFixture[str]) -> None:
    status, out = run(["--format", "json", QUERY], capsys)
    assert status == 255
    assert [f"{p['code']}: {p['message']}" for p in json.loads(out)] == EXPECTED


def test_valid_json_params_from_argument(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["--from", "json", "--operation", "authorize-security-group-ingress", VALID_JSON]
    assert run(argv, capsys) == (0, "valid\n")
    assert run([*argv, "--format", "json"], capsys) == (0, "[]\n")


def test_json_params_from_a_file_and_from_stdin(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "params.json"
    path.write_text(VALID_JSON.replace("ICMP", "all"), encoding="utf-8")
    argv = ["--from", "json", "--operation", "AuthorizeSecurityGroupIngress"]
    expected = "InvalidParameterValue: Invalid value 'all' for IP protocol. Unknown protocol.\n"
    assert run([*argv, f"file://{path}"], capsys) == (255, expected)
    assert run([*argv, f"@{path}"], capsys) == (255, expected)
    assert run([*argv, "-"], capsys, stdin=path.read_text()) == (255, expected)


def test_vpc_and_classic_flags(capsys: pytest.CaptureFixture[str]) -> None:
    query = (
        "Action=AuthorizeSecurityGroupIngress&GroupName=web&IpPermissions.1.IpProtocol=-1"
        "&IpPermissions.1.IpRanges.1.CidrIp=0.0.0.0%2F0"
    )
    assert run([query], capsys) == (0, "valid\n")
    classic = (
        'InvalidPermission.Malformed: Unsupported IP protocol "-1"  - supported: [tcp, udp, icmp]'
    )
    assert run(["--classic", query], capsys) == (255, classic + "\n")
    status, out = run(["--vpc", query], capsys)
    assert (status, out.split(":")[0]) == (255, "VPCIdNotSpecified")


def test_a_request_the_decoder_refuses_is_a_problem(capsys: pytest.CaptureFixture[str]) -> None:
    status, out = run(["Action=AuthorizeSecurityGroupIngress&Bogus=1"], capsys)
    assert (status, out) == (255, "UnknownParameter: The parameter Bogus is not recognized\n")


def test_bad_json_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    status = console.main(["validate", "--from", "json", "--operation", "DeleteSecurityGroup", "{"])
    assert status == 252
    assert "Invalid JSON" in capsys.readouterr().err


def test_rules_prints_the_table(capsys: pytest.CaptureFixture[str]) -> None:
    status, out = run(["--rules"], capsys)
    assert status == 0
    assert "`same-permission-twice` (request-after)" in out


def _xml_available() -> bool:
    try:
        from ec2query._codec import xml
    except ImportError:
        return False
    return hasattr(xml, "validate_document")


needs_xml = pytest.mark.skipif(not _xml_available(), reason="codec.xml.validate_document missing")

ERROR_DOC = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>'
    b'InvalidPermission.Duplicate</Code><Message>the specified rule "peer: sg-8b3b99f3, TCP, '
    b'from port: 0, to port: 65535, ALLOW" already exists</Message></Error></Errors>'
    b"<RequestID>0b0a4d57-00f7-46d1-9be2-4da85221a3db</RequestID></Response>"
)  # reference E1, the real EC2 error envelope


@needs_xml
def test_xml_error_document_of_real_ec2_is_valid(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "error.xml"
    path.write_bytes(ERROR_DOC)
    assert run(["--xml", str(path)], capsys) == (0, "valid\n")


@needs_xml
def test_xml_broken_document_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "broken.xml"
    path.write_bytes(ERROR_DOC.replace(b"</Errors>", b""))
    status, out = run(["--xml", str(path)], capsys)
    assert status == 255
    assert out.startswith("MalformedResponse: ")


@needs_xml
def test_from_xml_judges_the_document_by_the_xsds(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A document is a response, never a request: --from xml is --xml with the document as INPUT
    # (its elements are not judged as request params).
    good, broken = tmp_path / "error.xml", tmp_path / "broken.xml"
    good.write_bytes(ERROR_DOC)
    broken.write_bytes(ERROR_DOC.replace(b"<Code>", b"<Cod>").replace(b"</Code>", b"</Cod>"))
    assert run(["--from", "xml", f"@{good}"], capsys) == (0, "valid\n")
    status, out = run(["--from", "xml", f"@{broken}"], capsys)
    assert status == 255
    assert out.startswith("MalformedResponse: ")


def test_module_entry_point() -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from ec2query import _console as console\n"
            "console.COMMANDS = tuple(dict.fromkeys((*console.COMMANDS, 'validate')))\n"
            "sys.exit(console.main(sys.argv[1:]))",
            "validate",
            QUERY,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 255
    assert proc.stdout.splitlines() == EXPECTED
