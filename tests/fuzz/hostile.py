"""Shared pieces of the hostile-input suite: strategies, a time bound, a gateway harness."""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Any, TypeVar

from hypothesis import strategies as st
from lxml import etree

from ec2query._errors import EC2Error
from ec2query._request import sign_query_pairs
from ec2query.auth import Credentials

T = TypeVar("T")

#: Every call on hostile input must finish within this many seconds (generous for slow CI).
TIME_BOUND = 2.0
NOW = datetime(2024, 5, 1, 12, 0, 0, tzinfo=timezone.utc)
CREDS = Credentials("AKIDFUZZEXAMPLE", "fuzz/secret+key")
LOOKUP = {CREDS.access_key: CREDS.secret_key}.get
OPERATIONS = (
    "RevokeSecurityGroupIngress",
    "AuthorizeSecurityGroupIngress",
    "RevokeSecurityGroupEgress",
    "AuthorizeSecurityGroupEgress",
    "CreateSecurityGroup",
    "DescribeSecurityGroups",
    "DeleteSecurityGroup",
)

#: Text that breaks naive decoders: encodings, controls, separators, surrogates.
NASTY_TEXT = [
    "",
    "\x00",
    "\r\n",
    "\r\nX-Injected: 1",
    "\n\nHTTP/1.1 200 OK",
    "%",
    "%%",
    "%0",
    "%0d%0a",
    "%00",
    "%C0%AF",  # overlong "/"
    "%E0%80%80",  # overlong NUL
    "%ED%A0%80",  # an encoded surrogate
    "%F4%90%80%80",  # above U+10FFFF
    "%FF%FE",
    "%25",
    "%2525",
    "+",
    "&",
    "=",
    "==",
    "&&&",
    "\ud800",
    "\udfff",
    "\ufeff",
    "\u2028",
    "\x85",
    "é",
    "群组",
    "🔥",
    "\U0010ffff",
    "\uffff",
    "A" * 300,
    "[" * 50,
    "{" * 50,
    "99999999",
    "-0",
    "0x10",
    "1e9",
    "2147483648",
    "-2147483649",
    "١٢٣",  # Arabic-Indic digits: isdigit() is true
    "²",
]
NASTY = st.sampled_from(NASTY_TEXT)
#: Any text at all, surrogates included.
ANY_TEXT = st.text(max_size=40)
MIXED_TEXT = st.one_of(NASTY, ANY_TEXT, st.lists(NASTY, max_size=4).map("".join))

QUERY_KEYS = st.one_of(
    st.sampled_from(
        [
            "Action",
            "Version",
            "GroupId",
            "GroupName",
            "GroupDescription",
            "DryRun",
            "IpPermissions.1.IpProtocol",
            "IpPermissions.1.FromPort",
            "IpPermissions.1.ToPort",
            "IpPermissions.1.IpRanges.1.CidrIp",
            "IpPermissions.1.IpRanges.1.Description",
            "IpPermissions.1.Ipv6Ranges.1.CidrIpv6",
            "IpPermissions.1.Groups.1.GroupId",
            "IpPermissions.1.Groups.1.GroupName",
            "IpPermissions.1.PrefixListIds.1.PrefixListId",
            "IpPermissions.99999999.IpProtocol",
            "IpPermissions.1000.IpProtocol",
            "IpPermissions.1001.IpProtocol",
            "IpPermissions.01.IpProtocol",
            "IpPermissions.-1.IpProtocol",
            "IpPermissions..IpProtocol",
            "IpPermissions.1.IpRanges",
            "IpPermissions",
            "GroupId.1",
            "Filter.1.Name",
            "Filter.1.Value.1",
            "MaxResults",
            "NextToken",
            "IpProtocol",
            "CidrIp",
            "FromPort",
            "SourceSecurityGroupName",
            "TagSpecification.1.Tag.1.Key",
        ]
    ),
    MIXED_TEXT,
)
QUERY_VALUES = st.one_of(
    st.sampled_from(
        [
            *OPERATIONS,
            "2016-11-15",
            "2011-12-15",
            "tcp",
            "-1",
            "80",
            "true",
            "sg-12345678",
            "10.0.0.0/8",
            "::/0",
        ]
    ),
    MIXED_TEXT,
)
QUERY_PAIRS = st.lists(st.tuples(QUERY_KEYS, QUERY_VALUES), max_size=10)


def bounded(call: Callable[[], T]) -> T:
    """``call()``, asserting it returns (or raises) within :data:`TIME_BOUND` seconds."""
    started = time.perf_counter()
    try:
        return call()
    finally:
        elapsed = time.perf_counter() - started
        assert elapsed < TIME_BOUND, f"took {elapsed:.2f}s"


def result_or_ec2_error(call: Callable[[], T]) -> T | EC2Error:
    """The result of ``call()`` or the EC2Error it raised; any other exception propagates."""
    try:
        return bounded(call)
    except EC2Error as error:
        assert error.code and isinstance(error.code, str)
        assert isinstance(error.message, str)
        assert isinstance(error.http_status, int)
        return error


def wire(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """``pairs`` with lone surrogates replaced, so they can be signed and sent."""
    return [
        (k.encode("utf-8", "replace").decode(), v.encode("utf-8", "replace").decode())
        for k, v in pairs
    ]


def signed_environ(pairs: list[tuple[str, str]], *, signature: str = "v4") -> dict[str, Any]:
    """A WSGI environ for ``pairs`` signed with :data:`CREDS` at :data:`NOW`."""
    raw = sign_query_pairs(
        wire(pairs),
        endpoint="http://localhost",
        credentials=CREDS,
        signature=signature,
        timestamp=NOW,
        region="us-east-1",
    )
    target = raw.target
    path, _, query = target.partition("?")
    environ = base_environ(raw.method, path, query, raw.body)
    for name, value in raw.headers.items():
        key = name.upper().replace("-", "_")
        if key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            environ[key] = value
        else:
            environ["HTTP_" + key] = value
    return environ


def base_environ(method: str, path: str, query: str, body: bytes) -> dict[str, Any]:
    """The minimal WSGI environ a server passes for one request."""
    return {
        "REQUEST_METHOD": method,
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "localhost",
        "CONTENT_LENGTH": str(len(body)) if body else "",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": io.StringIO(),
    }


_SAFE_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


def call_app(app: Any, environ: dict[str, Any]) -> tuple[int, dict[str, str], bytes]:
    """Run the WSGI app once; check the answer is a well-formed EC2 document, never a 500."""
    seen: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        seen["status"], seen["headers"] = status, headers

    body = bounded(lambda: b"".join(app(environ, start_response)))
    code, _, reason = seen["status"].partition(" ")
    assert code.isdigit() and reason, seen["status"]
    status = int(code)
    headers = dict(seen["headers"])
    for name, value in seen["headers"]:
        assert "\r" not in name + value and "\n" not in name + value
        value.encode("latin-1")  # PEP 3333: header values are ISO-8859-1
    if environ.get("REQUEST_METHOD") == "HEAD":  # RFC 9110 9.3.2: the header alone
        assert body == b"" and headers["Content-Length"].isdigit(), body[:200]
        assert headers.get("x-amzn-RequestId") and 400 <= status < 500, seen["status"]
        return status, headers, body
    assert headers["Content-Length"] == str(len(body))
    assert headers.get("x-amzn-RequestId")
    root = etree.fromstring(body, _SAFE_PARSER)
    if status >= 400:
        assert root.tag == "Response", body[:200]
        error_code = root.findtext("Errors/Error/Code")
        assert error_code, body[:200]
        assert status != 500 and error_code not in ("InternalError", "InternalFailure"), body
        assert root.findtext("RequestID") == headers["x-amzn-RequestId"]
    else:
        assert status == 200, seen["status"]
        assert root.tag.endswith("Response")
    return status, headers, body


@contextmanager
def no_log_errors(caplog: Any) -> Iterator[None]:
    """Fail if the block logs at ERROR (the gateway logs internal errors with a traceback)."""
    yield
    bad = [r for r in caplog.records if r.levelname in ("ERROR", "CRITICAL")]
    assert not bad, bad[0].getMessage()
