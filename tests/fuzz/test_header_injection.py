"""No header injection: not in to_http(), not in to_curl(), not in forwarded requests."""

from __future__ import annotations

import itertools
import shlex
from typing import Any, ClassVar

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from ec2query._errors import EC2Error, UsageError
from ec2query._request import RawRequest, build_signed_request
from ec2query.auth import Credentials
from ec2query.gateway import make_app
from tests.fuzz.hostile import CREDS, MIXED_TEXT, NOW, OPERATIONS, QUERY_PAIRS, bounded, call_app
from tests.fuzz.hostile import signed_environ as signed

HEADER_TEXT = st.one_of(
    MIXED_TEXT,
    st.sampled_from(
        ["a\r\nX-Evil: 1", "a\nX-Evil: 1", "a\rX-Evil: 1", "\x00", "é", "\x85", "\u2028"]
    ),
)
#: Configuration text: anything but lone surrogates.
CONFIG_TEXT = HEADER_TEXT.filter(lambda t: not any("\ud800" <= c <= "\udfff" for c in t))
REQUESTS = st.fixed_dictionaries(
    {
        "method": st.one_of(st.sampled_from(["GET", "POST"]), HEADER_TEXT),
        "url": st.one_of(
            st.just("https://ec2.us-east-1.amazonaws.com/"),
            HEADER_TEXT.map(lambda t: "https://h/" + t),
            HEADER_TEXT.map(lambda t: f"https://{t}/?a=b"),
        ),
        "headers": st.dictionaries(HEADER_TEXT, HEADER_TEXT, max_size=4),
        "body": st.binary(max_size=40),
    }
)


def check_raw(raw: RawRequest) -> None:
    """to_http has one line per header and no stray CR/LF; to_curl re-splits to the same words."""
    try:
        wire = bounded(raw.to_http)
    except UsageError:
        pass
    else:
        head, sep, body = wire.partition(b"\r\n\r\n")
        assert sep and body == raw.body
        lines = head.split(b"\r\n")
        assert all(b"\r" not in line and b"\n" not in line and b"\0" not in line for line in lines)
        assert lines[0].count(b" ") == 2, lines[0]  # METHOD SP target SP HTTP/1.1
        names = [line.partition(b":")[0].decode("latin-1").lower() for line in lines[1:]]
        assert {n.lower() for n in raw.headers} <= set(names)
        assert len(lines) - 1 == len(names) <= len(raw.headers) + 2  # + Host, Content-Length
    words = shlex.split(bounded(raw.to_curl))
    assert words[0] == "curl" and raw.url in words
    for flag, value in itertools.pairwise(words):
        if flag == "-H":
            assert "\r" not in value and "\n" not in value


@given(REQUESTS)
def test_raw_requests_refuse_or_render_safely(request: dict[str, Any]) -> None:
    try:
        raw = RawRequest(**request)
    except UsageError:
        return
    check_raw(raw)


@pytest.mark.parametrize("signature", ["v4", "v4-query", "v2"])
@given(pairs=QUERY_PAIRS, operation=st.sampled_from(OPERATIONS))
@example(pairs=[("GroupName", "\ud800")], operation="RevokeSecurityGroupIngress")
@example(pairs=[("GroupName", "a\r\nX-Evil: 1")], operation="RevokeSecurityGroupIngress")
def test_signed_requests_with_hostile_values(signature: str, pairs: list, operation: str) -> None:
    params = {}
    for key, value in pairs:
        if key.isalpha() and key not in ("Action", "Version"):
            params[key] = value
    try:
        raw = build_signed_request(
            operation,
            params,
            endpoint="https://ec2.us-east-1.amazonaws.com",
            credentials=CREDS,
            signature=signature,
            timestamp=NOW,
            region="us-east-1",
        )
    except EC2Error:  # unknown or ill-typed params, text that is not Unicode
        return
    check_raw(raw)


@pytest.mark.parametrize("signature", ["v4", "v4-query", "v2"])
@given(
    region=st.one_of(st.just("us-east-1"), CONFIG_TEXT),
    access_key=st.one_of(st.just(CREDS.access_key), CONFIG_TEXT),
    token=st.one_of(st.none(), CONFIG_TEXT),
    host=st.one_of(st.just("ec2.example"), HEADER_TEXT),
)
def test_hostile_signing_settings(signature: str, region: str, access_key: str, token, host):
    """Region, keys, token and endpoint are text too: refused, or rendered without injection.

    Lone surrogates in keys, token and region are left out: those are the
    caller's own configuration, and they still raise UnicodeEncodeError.
    """
    try:
        raw = build_signed_request(
            "DescribeSecurityGroups",
            {"GroupIds": ["sg-12345678"]},
            endpoint=f"https://{host}/",
            credentials=Credentials(access_key, "secret", token),
            region=region,
            signature=signature,
            timestamp=NOW,
        )
    except EC2Error:
        return
    check_raw(raw)


class _Captured:
    """Stands in for requests' Session.request: records what would be sent upstream."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def __call__(self, method: str, url: str, **kwargs: Any) -> Any:
        self.calls.append({"method": method, "url": url, **kwargs})

        class Answer:
            status_code = 200
            headers: ClassVar[dict[str, str]] = {"Content-Type": "text/xml;charset=UTF-8"}
            content = (
                b'<?xml version="1.0" encoding="UTF-8"?>\n<RevokeSecurityGroupIngressResponse '
                b'xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r</requestId>'
                b"<return>true</return></RevokeSecurityGroupIngressResponse>"
            )

            def __enter__(self) -> Any:  # read as _http.exchange reads a streamed answer
                return self

            def __exit__(self, *exc: object) -> None:
                pass

            def iter_content(self, size: int) -> Any:
                return iter([self.content])

        return Answer()


FORWARDING = make_app(
    credentials={CREDS.access_key: CREDS.secret_key},
    upstream="https://upstream.example",
    upstream_credentials=CREDS,
    clock=lambda: NOW,
)
CAPTURED = _Captured()
FORWARDING.forwarder.session.request = CAPTURED  # type: ignore[union-attr]


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(pairs=QUERY_PAIRS, operation=st.sampled_from(OPERATIONS[:4]))
def test_forwarded_requests_carry_no_injected_header(pairs: list, operation: str) -> None:
    CAPTURED.calls.clear()
    environ = signed([("Action", operation), ("Version", "2016-11-15"), *pairs])
    status, _, _ = call_app(FORWARDING, environ)
    for call in CAPTURED.calls:
        for name, value in call["headers"].items():
            assert "\r" not in name + value and "\n" not in name + value and "\0" not in value
            assert set(name) <= set(
                "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
            )
        body = call.get("data") or b""
        assert all(32 < byte < 127 for byte in body), body  # form-encoded: printable ASCII only
    if status == 200:
        assert len(CAPTURED.calls) == 1


def test_a_forwarded_value_with_crlf_stays_in_the_encoded_body():
    CAPTURED.calls.clear()
    environ = signed(
        [
            ("Action", "RevokeSecurityGroupIngress"),
            ("Version", "2016-11-15"),
            ("GroupId", "sg-12345678"),
            ("IpPermissions.1.IpProtocol", "tcp"),
            ("IpPermissions.1.FromPort", "22"),
            ("IpPermissions.1.ToPort", "22"),
            ("IpPermissions.1.IpRanges.1.CidrIp", "10.0.0.0/8"),
            ("IpPermissions.1.IpRanges.1.Description", "a\r\nX-Evil: 1"),
        ]
    )
    status, _, body = call_app(FORWARDING, environ)
    if status == 200:
        (call,) = CAPTURED.calls
        assert b"X-Evil" not in b"".join(f"{k}{v}".encode() for k, v in call["headers"].items())
        assert b"a%0D%0AX-Evil%3A%201" in call["data"]
    else:  # the validator refused the description's characters before forwarding
        assert not CAPTURED.calls and b"InvalidParameterValue" in body
