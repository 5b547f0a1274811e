"""The client's exchange with a hostile or broken endpoint (``ec2query._http``, which the
gateway's forwarder shares): bounded in size and time, no content coding, no cookie and
no borrowed credential, and a failure's status is a failure.

The endpoint is a raw loopback server scripted per test. Each case was seen to fail
before the client used the bounded exchange: 3.7 GiB for an endless body, 4.1 GiB for a
2 MB gzip body, a call held past 100 s by a trickle, ``~/.netrc``'s password sent as
Basic auth in place of the signature, a cookie sent back, a 503 read as a success.
"""

from __future__ import annotations

import socket
import time

import pytest

from ec2query._client import Client
from ec2query._errors import ResponseParseError, ServiceError, TransportError
from ec2query.auth import Credentials
from tests.servers import EMPTY_DESCRIBE, http_head, lend_netrc, raw_server, trickling

CREDS = Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")


def _client(url: str, **options: object) -> Client:
    return Client(url, CREDS, "us-east-1", env={}, retries=0, **options)  # type: ignore[arg-type]


def _answer(conn: socket.socket, request: bytes) -> None:
    conn.sendall(http_head(extra=b"Set-Cookie: sid=SECRETCOOKIE; Path=/\r\n") + EMPTY_DESCRIBE)


def test_a_plain_answer_is_read():
    with raw_server(_answer) as (url, received):
        assert _client(url).describe_security_groups()["SecurityGroups"] == []
    head = received[0].split(b"\r\n\r\n")[0].lower()
    assert b"\r\naccept-encoding: identity" in head


def test_an_answer_over_the_bound_is_refused_without_holding_it():
    def endless(conn: socket.socket, request: bytes) -> None:
        conn.sendall(http_head(length=None, extra=b"Transfer-Encoding: chunked\r\n"))
        chunk = b"%x\r\n%s\r\n" % (65536, b"x" * 65536)
        for _ in range(100_000):  # 6.5 GB if nobody stops reading
            conn.sendall(chunk)

    def declared(conn: socket.socket, request: bytes) -> None:
        conn.sendall(http_head(length=4 * 1024**3))

    for script in (declared, endless):
        with raw_server(script) as (url, _):
            started = time.monotonic()
            with pytest.raises(ResponseParseError, match="larger than 10485760 bytes"):
                _client(url).describe_security_groups()
            assert time.monotonic() - started < 10


def test_an_answer_in_a_content_coding_is_refused():
    def gzipped(conn: socket.socket, request: bytes) -> None:
        conn.sendall(http_head(length=4, extra=b"Content-Encoding: gzip\r\n") + b"\x1f\x8b\x08\x00")

    with raw_server(gzipped) as (url, _), pytest.raises(ResponseParseError, match="coding"):
        _client(url).describe_security_groups()


@pytest.mark.parametrize("where", ["header", "body"])
def test_a_trickling_endpoint_is_cut_at_the_deadline(where):
    with raw_server(trickling(where)) as (url, _):
        started = time.monotonic()
        with pytest.raises(TransportError) as caught:
            _client(url, deadline=1.0).describe_security_groups()
        assert caught.value.code == "RequestTimeout"
        assert time.monotonic() - started < 3


def test_no_cookie_goes_back_and_netrc_lends_nothing(tmp_path, monkeypatch):
    lend_netrc(tmp_path, monkeypatch, "default login someone password netrcpw")
    with raw_server(_answer) as (url, received):
        client = _client(url)
        client.describe_security_groups()
        client.describe_security_groups()
    second = received[1].split(b"\r\n\r\n")[0].lower()
    assert b"sid=" not in second
    assert b"\r\nauthorization: aws4-hmac-sha256 credential=akidexample/" in second


@pytest.mark.parametrize("status", ["503 Service Unavailable", "403 Forbidden", "302 Found"])
def test_a_failures_status_with_a_success_document_is_a_failure(status):
    """botocore reads a status of 300 and more as an error whatever the body says."""
    def odd(conn: socket.socket, request: bytes) -> None:
        conn.sendall(http_head(status) + EMPTY_DESCRIBE)

    with raw_server(odd) as (url, _), pytest.raises(ServiceError) as caught:
        _client(url).describe_security_groups()
    assert (caught.value.code, caught.value.http_status) == (status[:3], int(status[:3]))
    assert caught.value.message == status[4:]


class _Socket:
    def __init__(self) -> None:
        self.shut = 0

    def shutdown(self, how: int) -> None:
        self.shut += 1


def test_the_deadline_never_shuts_a_connection_given_back_to_the_pool():
    """urllib3 gives a connection back once the last byte is read, inside the exchange: a
    deadline passing then shut the socket another call had taken from the pool since."""
    from ec2query._http import _Watch

    watch, sock = _Watch(60), _Socket()
    with watch:
        watch.reading(sock)
        watch.released(sock)  # the pool has it again
        watch._expire()  # the deadline passes before the exchange ends
        assert sock.shut == 0 and not watch.cut
    reading = _Watch(60)
    with reading:
        reading.reading(sock)
        reading._expire()
    assert sock.shut == 1 and reading.cut  # one being read is cut


def test_the_deadline_shuts_tls_inside_a_tls_proxy_by_the_socket_under_it():
    """Through an HTTPS proxy urllib3 reads through an SSLTransport, which has no
    shutdown: the timer died with an AttributeError and the deadline was not kept."""
    from ec2query._http import _Watch

    class Transport:  # urllib3.util.ssltransport.SSLTransport's shape: .socket, no shutdown
        def __init__(self) -> None:
            self.socket = _Socket()

    transport = Transport()
    watch = _Watch(60)
    with watch:
        watch.reading(transport)
        watch._expire()
    assert transport.socket.shut == 1 and watch.cut
