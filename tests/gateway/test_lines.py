"""The gateway's lines (``_lines``): the access log's targets and its line, the audit log's.

Each answered request gets one access line (address, method, operation, code, status,
time taken), never a header, a signature or a body; to a stream or a path it starts with
the local time and the logger's name, exactly as ``logging``'s default format writes a
record of the ``ec2query.gateway`` logger (compared against ``logging`` itself).
"""

from __future__ import annotations

import io
import logging
import re
import time
from urllib.parse import urlencode

import pytest

from ec2query._errors import UsageError
from ec2query._request import build_signed_request
from ec2query.auth import Credentials
from ec2query.gateway import make_app
from ec2query.gateway._lines import access_sink, line_sink, stamp
from tests.fuzz.hostile import base_environ
from tests.gateway.conftest import CREDS

#: One access line after its stamp: address, method, operation, code, status, time taken.
LINE = re.compile(r"(\S+) (\S+) (\S+) (\S+) (\d{3}) \d+\.\dms")


def _app(**options):
    return make_app(credentials=[CREDS], **options)


def call(app, operation, params, *, secret=CREDS.secret_key):
    """One signed POST to the app from 127.0.0.1: its status line."""
    raw = build_signed_request(operation, params, endpoint="http://localhost",
                               credentials=Credentials(CREDS.access_key, secret),
                               region="us-east-1")
    environ = {**base_environ("POST", "/", "", raw.body), "REMOTE_ADDR": "127.0.0.1"}
    for name, value in raw.headers.items():
        key = name.upper().replace("-", "_")
        environ[key if key in ("CONTENT_TYPE", "CONTENT_LENGTH") else "HTTP_" + key] = value
    status: list[str] = []
    b"".join(app(environ, lambda line, headers: status.append(line)))
    return status[0]


def test_an_access_line_to_a_stream_reads_as_loggings_default_format():
    out = io.StringIO()
    app = _app(access_log=out)
    status = call(app, "CreateSecurityGroup", {"GroupName": "web", "Description": "d"})
    assert status == "200 OK"
    [line] = out.getvalue().splitlines()
    stamp_text, name, rest = line[:23], line[24:40], line[41:]
    assert name == "ec2query.gateway"
    assert LINE.fullmatch(rest).groups() == (
        "127.0.0.1", "POST", "CreateSecurityGroup", "OK", "200")
    record = logging.LogRecord("ec2query.gateway", logging.INFO, __file__, 1, rest, None, None)
    expected = logging.Formatter("%(asctime)s %(name)s %(message)s").format(record)
    assert abs(time.mktime(time.strptime(stamp_text[:19], "%Y-%m-%d %H:%M:%S"))
               - time.mktime(time.strptime(expected[:19], "%Y-%m-%d %H:%M:%S"))) <= 2
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}", stamp_text)


@pytest.mark.parametrize("moment", [0.0, 1_780_000_000.0, 1_780_000_000.999, 1_780_000_001.5,
                                    1_780_000_000.589])
def test_the_stamp_is_loggings_asctime(moment):
    record = logging.LogRecord("n", logging.INFO, __file__, 1, "m", None, None)
    record.created, record.msecs = moment, int((moment - int(moment)) * 1000) + 0.0
    assert stamp(moment) == logging.Formatter().formatTime(record)


def test_a_refusal_gets_its_code_and_status_and_never_a_secret():
    lines: list[str] = []
    app = _app(access_log=lines.append)
    call(app, "CreateSecurityGroup", {"GroupName": "web"})  # no Description
    call(app, "DescribeSecurityGroups", {}, secret="not-the-secret")
    assert [LINE.fullmatch(line).groups()[2:] for line in lines] == [
        ("CreateSecurityGroup", "MissingParameter", "400"),
        ("DescribeSecurityGroups", "SignatureDoesNotMatch", "403")]
    assert not any(CREDS.secret_key in line or "Signature=" in line for line in lines)


@pytest.mark.parametrize(("action", "logged"), [
    ("DescribeSecurityGroups", "DescribeSecurityGroups"),  # refused: unsigned
    ("describe-security-groups", "-"),  # a CLI name is no Action
    ("Forged 10.0.0.1 POST CreateSecurityGroup OK 200 0.1ms\n10.0.0.2", "-"),
    (None, "-"),
])
def test_a_refused_requests_line_names_only_a_modeled_operation(action, logged):
    """The operation of a refused request is the modeled one its Action names; any other
    text of the client's (spaces, a line end: a forged line) is never written."""
    lines: list[str] = []
    app = _app(access_log=lines.append)
    body = "" if action is None else urlencode({"Action": action})
    environ = {**base_environ("POST", "/", "", body.encode()), "REMOTE_ADDR": "127.0.0.1"}
    b"".join(app(environ, lambda status, headers: None))
    [line] = lines
    assert LINE.fullmatch(line).groups()[2] == logged, line


def test_without_a_target_the_line_goes_to_the_logger_at_info(caplog):
    app = _app()
    with caplog.at_level(logging.INFO, logger="ec2query.gateway"):
        call(app, "DescribeSecurityGroups", {"Filters": [  # a % in the line is no format
            {"Name": "group-name", "Values": ["100%"]}]})
    [record] = [r for r in caplog.records if r.name == "ec2query.gateway"]
    assert record.levelno == logging.INFO
    assert LINE.fullmatch(record.getMessage()).groups()[2:] == (
        "DescribeSecurityGroups", "OK", "200")


def test_a_path_is_appended_to_and_an_unwritable_one_is_refused_at_once(tmp_path):
    log = tmp_path / "access.log"
    log.write_text("kept\n")
    app = _app(access_log=str(log))
    call(app, "DescribeSecurityGroups", {})
    first, line = log.read_text().splitlines()
    assert first == "kept"
    assert LINE.fullmatch(line[41:]).groups()[2:] == ("DescribeSecurityGroups", "OK", "200")
    with pytest.raises(UsageError, match="cannot append lines to it"):
        _app(access_log=str(tmp_path / "missing" / "access.log"))
    with pytest.raises(UsageError, match="cannot append lines to it"):
        line_sink(str(tmp_path))  # a directory, as an audit log too


def test_stderr_and_a_callable(capsys):
    access_sink("-")("127.0.0.1 POST X OK 200 0.1ms")
    err = capsys.readouterr().err
    assert err.endswith(" ec2query.gateway 127.0.0.1 POST X OK 200 0.1ms\n")
    got: list[str] = []
    access_sink(got.append)("a line")
    assert got == ["a line"]
    assert access_sink(None) is None and line_sink(None) is None


def test_an_access_log_that_fails_later_leaves_the_answer_as_it_is(tmp_path, caplog):
    log = tmp_path / "access.log"
    app = _app(access_log=str(log))
    log.unlink()
    log.mkdir()  # the path can no longer be appended to
    with caplog.at_level(logging.ERROR, logger="ec2query.gateway"):
        status = call(app, "CreateSecurityGroup", {"GroupName": "web", "Description": "d"})
    assert status == "200 OK"  # the group is made: the client is told so
    [record] = [r for r in caplog.records if r.name == "ec2query.gateway"]
    assert "access log" in record.getMessage() and record.exc_info[0] is IsADirectoryError
    assert call(app, "CreateSecurityGroup", {"GroupName": "web", "Description": "d"}) == (
        "400 Bad Request")  # InvalidGroup.Duplicate: the first one was made
