"""A request leaves no reference cycles behind: its values are freed when it is answered.

Memory then falls back as soon as a request is done (reference counting), not at the
cyclic collector's next pass, which may come hundreds of requests later: a 1 MiB
request's decoded params would otherwise linger. The collector is told to keep
what it finds (``DEBUG_SAVEALL``), so anything a request leaves in a cycle is seen.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from typing import Any

import pytest

from ec2query._request import RawRequest, build_signed_request, sign_query_pairs
from ec2query.auth import sign_headers
from ec2query.gateway import make_app
from tests.fuzz.hostile import CREDS, NOW, base_environ, call_app

RULE = {"GroupName": "web", "IpPermissions": [
    {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
     "IpRanges": [{"CidrIp": "10.0.0.0/8", "Description": "admin"}],
     "Ipv6Ranges": [{"CidrIpv6": "2001:db8::/32"}]},
    {"IpProtocol": "icmp", "FromPort": 8, "ToPort": -1,
     "UserIdGroupPairs": [{"GroupName": "web"}]}]}
REQUESTS = [
    ("CreateSecurityGroup", {"GroupName": "web", "Description": "web"}),
    ("AuthorizeSecurityGroupIngress", RULE),
    ("DescribeSecurityGroups", {"GroupNames": ["web"]}),
    ("DescribeSecurityGroupRules", {"MaxResults": 5}),
    ("RevokeSecurityGroupIngress", RULE),
    ("RevokeSecurityGroupIngress", RULE),  # nothing left to revoke: the unknown permissions
    ("AuthorizeSecurityGroupIngress", {"GroupName": "web", "IpPermissions": [
        {"IpProtocol": "tcp", "FromPort": 99999, "ToPort": 1}]}),  # refused by the validator
    ("DeleteSecurityGroup", {"GroupName": "web"}),
]


def _signed(operation: str, params: dict[str, Any]) -> RawRequest:
    return build_signed_request(operation, params, endpoint="http://localhost",
                                credentials=CREDS, region="us-east-1", timestamp=NOW)


def _with_body(raw: RawRequest, body: bytes) -> RawRequest:
    return RawRequest(raw.method, raw.url, {**raw.headers, "Content-Length": str(len(body))},
                      body)


def _refused() -> list[RawRequest]:
    """Requests refused before the backend: by the decoder, the verifier, the parser."""
    unknown = sign_query_pairs(
        [("Action", "DescribeSecurityGroups"), ("Version", "2016-11-15"), ("Bogus", "1")],
        endpoint="http://localhost", credentials=CREDS, region="us-east-1", timestamp=NOW,
        signature="v4")
    good = _signed("DescribeSecurityGroups", {})
    tampered = _with_body(good, good.body + b"&DryRun=true")
    unsigned = RawRequest(good.method, good.url, {k: v for k, v in good.headers.items()
                                                  if k != "Authorization"}, good.body)
    malformed = _with_body(good, b"Action=%ZZ")
    # Signed as they are, so that the verifier passes them and the parser's refusal,
    # kept in the request, is raised: that refusal's traceback held the request.
    bad_escape = _signed_body(b"Action=DescribeSecurityGroups&Version=2016-11-15&GroupName.1=%ZZ")
    many = _signed_body(b"Action=DescribeSecurityGroups&Version=2016-11-15"
                        + b"".join(b"&GroupName.%d=g" % n for n in range(1, 6001)))
    return [unknown, tampered, unsigned, malformed, bad_escape, many]


def _signed_body(body: bytes) -> RawRequest:
    """A POST of ``body`` as it is, SigV4-signed over those bytes."""
    headers = {"Host": "localhost",
               "Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
    headers.update(sign_headers(method="POST", url="http://localhost/", headers=headers,
                                body=body, credentials=CREDS, region="us-east-1",
                                timestamp=NOW))
    return RawRequest("POST", "http://localhost/", {**headers, "Content-Length": str(len(body))},
                      body)


def _environ(raw: RawRequest) -> dict[str, Any]:
    environ = base_environ(raw.method, "/", "", raw.body)
    for name, value in raw.headers.items():
        key = name.upper().replace("-", "_")
        environ[key if key in ("CONTENT_TYPE", "CONTENT_LENGTH") else "HTTP_" + key] = value
    return environ


@pytest.fixture
def saving_garbage() -> Iterator[list[Any]]:
    gc.collect()
    gc.set_debug(gc.DEBUG_SAVEALL)
    del gc.garbage[:]
    try:
        yield gc.garbage
    finally:
        gc.set_debug(0)
        del gc.garbage[:]


def test_a_request_leaves_no_cycle(saving_garbage: list[Any]) -> None:
    app = make_app(credentials={CREDS.access_key: CREDS}, clock=lambda: NOW)
    requests = [_signed(op, params) for op, params in REQUESTS] + _refused()
    for raw in requests:  # the first requests compile the codecs' plans
        call_app(app, _environ(raw))
    gc.collect()
    del saving_garbage[:]
    for _ in range(3):
        statuses = [call_app(app, _environ(raw))[0] for raw in requests]
    assert statuses == [200, 200, 200, 200, 200, 200, 400, 200, 400, 403, 403, 403, 400, 400]
    gc.collect()
    left = sorted({type(o).__name__ for o in saving_garbage})
    assert not saving_garbage, f"{len(saving_garbage)} objects left in cycles: {left}"
