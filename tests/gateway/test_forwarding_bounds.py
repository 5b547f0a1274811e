"""Forwarding mode against an upstream that misbehaves: what comes back is bounded in size
and time, carries no cookie or borrowed credential, and is an HTTP answer EC2 clients read.

The upstream is a raw socket server scripted per test (loopback, bounded), so that
headers, codings and timing can be anything an upstream could send. Each case was seen
to fail before the forwarder bounded it (a 4.9 GB peak, a request held for good, the
SigV4 signature replaced by Basic auth, a cookie replayed to the next caller).
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from urllib.parse import parse_qsl

import pytest
import requests

from ec2query._errors import ServiceError, UsageError
from ec2query._request import sign_query_pairs
from ec2query.auth import Credentials
from ec2query.gateway import make_app
from ec2query.gateway._forward import Forwarder
from ec2query.gateway._server import running
from tests.servers import (
    EMPTY_DESCRIBE,
    FAKE_ENV,
    boto_ec2,
    http_head,
    lend_netrc,
    raw_server,
    trickling,
)

CREDS = Credentials(FAKE_ENV["AWS_ACCESS_KEY_ID"], FAKE_ENV["AWS_SECRET_ACCESS_KEY"])
CALLER = Credentials("AKIDGATEWAYCLIENT", "gateway-client-secret")

Script = Callable[[socket.socket, bytes], None]


def _ask(url: str, **options: object) -> ServiceError:
    """The forwarder's refusal of one describe sent to ``url``."""
    forwarder = Forwarder(url, CREDS, **options)  # type: ignore[arg-type]
    with pytest.raises(ServiceError) as caught:
        forwarder("DescribeSecurityGroups", {}, "2016-11-15")
    assert caught.value.code == "ServiceUnavailable" and caught.value.http_status == 503
    return caught.value


def _endless(conn: socket.socket, request: bytes) -> None:
    conn.sendall(http_head(length=None, extra=b"Transfer-Encoding: chunked\r\n"))
    chunk = b"%x\r\n%s\r\n" % (65536, b"x" * 65536)
    for _ in range(100_000):  # 6.5 GB if nobody stops reading; the peer's close ends it
        conn.sendall(chunk)


def test_an_answer_over_the_bound_is_refused_without_holding_it():
    def declared(conn: socket.socket, request: bytes) -> None:
        conn.sendall(http_head(length=2 * 1024**3))  # 2 GiB announced, none of it sent

    with raw_server(declared) as (url, _):
        assert "larger than 10485760 bytes" in _ask(url).message
    with raw_server(_endless) as (url, _):
        started = time.monotonic()
        assert "larger than 10485760 bytes" in _ask(url).message
        assert time.monotonic() - started < 10


def test_no_content_coding_is_asked_for_and_one_sent_anyway_is_refused():
    """A 2 MB gzip body inflated to 2 GiB in the gateway's memory (requests asks for
    gzip and decodes it silently)."""
    def gzipped(conn: socket.socket, request: bytes) -> None:
        conn.sendall(http_head(length=4, extra=b"Content-Encoding: gzip\r\n") + b"\x1f\x8b\x08\x00")

    with raw_server(gzipped) as (url, received):
        assert "content coding" in _ask(url).message
    headers = received[0].split(b"\r\n\r\n")[0].lower()
    assert b"\r\naccept-encoding: identity" in headers


@pytest.mark.parametrize("where", ["header", "body"])
def test_an_upstream_that_trickles_is_cut_at_the_deadline(where):
    """Each byte came within the read timeout, so the request was held for good (and,
    with 8 such, every thread of the gateway)."""
    with raw_server(trickling(where)) as (url, _):
        started = time.monotonic()
        assert _ask(url, deadline=1.0).message.endswith("took longer than the deadline")
        assert time.monotonic() - started < 3


@pytest.mark.parametrize("status", ["101 Switching Protocols", "204 No Content",
                                    "304 Not Modified", "999 Nine"])
def test_a_status_that_is_not_an_answer_with_a_body_is_refused(status):
    def odd(conn: socket.socket, request: bytes) -> None:
        conn.sendall(http_head(status, length=0 if status[:3] in ("101", "999") else None))

    with raw_server(odd) as (url, _):
        assert _ask(url).message == f"The upstream endpoint answered HTTP {status[:3]}"


@pytest.mark.parametrize("content_type", [
    b"text/xml\x00\x0b\x7f",  # controls, relayed raw
    b"text/xml\r\n X-Injected: yes",  # obs-fold: waitress raised, a traceback and a 500
    b"x" * 300,
    b"",
], ids=["controls", "folded", "long", "empty"])  # fmt: skip
def test_a_content_type_that_is_not_a_media_type_is_ec2s_own(content_type):
    def typed(conn: socket.socket, request: bytes) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: " + content_type
                     + b"\r\nContent-Length: %d\r\n\r\n" % len(EMPTY_DESCRIBE) + EMPTY_DESCRIBE)

    with raw_server(typed) as (url, _):
        status, answered, body = Forwarder(url, CREDS)("DescribeSecurityGroups", {},
                                                       "2016-11-15")
    assert (status, answered, body) == (200, "text/xml;charset=UTF-8", EMPTY_DESCRIBE)


def _answer(conn: socket.socket, request: bytes) -> None:
    conn.sendall(http_head(extra=b"Set-Cookie: sess=SECRETCOOKIE; Path=/\r\n") + EMPTY_DESCRIBE)


def test_no_cookie_of_one_answer_goes_with_the_next_request():
    with raw_server(_answer) as (url, received):
        app = make_app(credentials=[CALLER], upstream=url, upstream_credentials=CREDS)
        with running(app) as gateway:
            for _ in range(2):
                boto_ec2(gateway, CALLER).describe_security_groups()
    assert len(received) == 2 and b"sess=" not in received[1]


def test_netrc_lends_no_credentials_over_the_signature(tmp_path, monkeypatch):
    """requests put ~/.netrc's entry in Authorization (Basic), replacing SigV4's."""
    lend_netrc(tmp_path, monkeypatch, "machine 127.0.0.1 login someone password netrcpw")
    with raw_server(_answer) as (url, received):
        Forwarder(url, CREDS)("DescribeSecurityGroups", {}, "2016-11-15")
    head = received[0].split(b"\r\n\r\n")[0].lower()
    assert b"\r\nauthorization: aws4-hmac-sha256 credential=" + CREDS.access_key.lower().encode() \
        in head


def test_an_upstream_with_a_user_part_is_refused_without_showing_it():
    """requests turned user:password@ into Basic auth over the signature, and serve's
    ready line printed the password."""
    with pytest.raises(UsageError) as caught:
        make_app(credentials=[CALLER], upstream="http://user:s3cretpw@127.0.0.1:1",
                 upstream_credentials=CREDS)
    assert "user part" in caught.value.message and "s3cretpw" not in caught.value.message


@pytest.mark.parametrize(("options", "text"), [
    ({"upstream": "http://127.0.0.1:abc"}, "Invalid endpoint"),  # every request got a 503
    ({"upstream": "http://127.0.0.1:99999"}, "Invalid endpoint"),
    ({"upstream": "http://127.0.0.1:1", "upstream_region": ""}, "Provided region_name ''"),
])  # fmt: skip
def test_an_upstream_no_request_could_reach_is_refused_at_start(options, text):
    with pytest.raises(UsageError, match=text):
        make_app(credentials=[CALLER], upstream_credentials=CREDS, **options)


def test_pass_through_relays_no_signature_parameter_of_another_scheme():
    """A header-signed request's X-Amz-* and SigV2 query parameters went upstream beside
    the gateway's own Authorization."""
    with raw_server(_answer) as (url, received):
        app = make_app(credentials=[CALLER], upstream=url, upstream_credentials=CREDS,
                       pass_through=True)
        with running(app) as gateway:
            signed = sign_query_pairs(
                [("Action", "DescribeVpcs"), ("Version", "2016-11-15"),
                 ("X-Amz-Signature", "00"), ("Signature", "x"), ("AWSAccessKeyId", "AKID"),
                 ("VpcId.1", "vpc-1")],
                endpoint=gateway, credentials=CALLER, region="us-east-1")  # fmt: skip
            answer = requests.post(signed.url, data=signed.body, headers=signed.headers,
                                   timeout=30)
            assert answer.status_code == 200, answer.text
    assert received, "the relayed request did not reach upstream"
    pairs = parse_qsl(received[0].split(b"\r\n\r\n", 1)[1].decode())
    assert {name for name, _ in pairs} == {"Action", "Version", "VpcId.1"}
