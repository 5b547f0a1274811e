"""The gateway passes EC2's headers to the server in EC2's order."""

from __future__ import annotations

import io
from typing import Any

import pytest

from ec2query.gateway import make_app

#: EC2's answer headers as botocore recorded them from real answers (ResponseMetadata's
#: HTTPHeaders, 2022 and 2024: x-amzn-requestid, cache-control, strict-transport-security,
#: vary, content-type, content-length, date, server), less Date (the server's) and
#: Strict-Transport-Security (RFC 6797 7.2: never over plain HTTP, and the gateway cannot
#: know what a proxy in front of it serves).
EC2_HEADERS = ["x-amzn-RequestId", "Cache-Control", "Vary", "Content-Type", "Content-Length",
               "Server"]


@pytest.mark.parametrize(("method", "body"), [
    ("GET", b""),  # unsigned: MissingAuthenticationToken
    ("POST", b"Action=DescribeSecurityGroups&Version=2016-11-15"),
    ("PUT", b""),  # refused before the body is read
])
def test_every_answer_carries_ec2s_headers_in_its_order(method: str, body: bytes) -> None:
    seen: list[Any] = []
    app = make_app(credentials={"AKID": "secret"})
    environ = {"REQUEST_METHOD": method, "PATH_INFO": "/", "QUERY_STRING": "",
               "SERVER_NAME": "h", "SERVER_PORT": "80", "wsgi.url_scheme": "http",
               "wsgi.input": io.BytesIO(body), "CONTENT_LENGTH": str(len(body)),
               "CONTENT_TYPE": "application/x-www-form-urlencoded", "HTTP_HOST": "h"}
    answer = b"".join(app(environ, lambda status, headers: seen.append(headers)))
    (headers,) = seen
    assert [name for name, _ in headers] == EC2_HEADERS
    values = dict(headers)
    assert values["Cache-Control"] == "no-cache, no-store"
    assert values["Vary"] == "accept-encoding"
    assert values["Server"] == "AmazonEC2"
    assert values["Content-Length"] == str(len(answer))
    assert f"<RequestID>{values['x-amzn-RequestId']}</RequestID>".encode() in answer
