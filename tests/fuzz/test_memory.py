"""Repeated hostile input does not grow memory: no cache, log or table fills up per request."""

from __future__ import annotations

import contextlib
import gc
import tracemalloc
from collections.abc import Callable

import ec2query
from ec2query._codec import shorthand
from ec2query._codec.cliargs import from_cli_args
from ec2query._codec.xml import parse_response
from ec2query._errors import EC2Error
from ec2query.auth._verify import verify_request
from ec2query.gateway import make_app
from tests.fuzz.hostile import CREDS, LOOKUP, NOW, base_environ, signed_environ

#: Growth allowed between the two measurements (allocator noise, interned strings).
SLACK = 256 * 1024


def hostile_calls(app) -> list[Callable[[int], object]]:
    """One call per entry point; ``i`` makes every input distinct (defeats caching by value)."""

    def gateway_unsigned(i: int) -> object:
        environ = base_environ("POST", "/", f"Action=Nope{i}&x={'%' * 50}", b"a=" + b"b" * 500)
        environ["CONTENT_TYPE"] = "application/x-www-form-urlencoded"
        return b"".join(app(environ, lambda *a: None))

    def gateway_signed(i: int) -> object:
        pairs = [
            ("Action", "RevokeSecurityGroupIngress"),
            ("Version", "2016-11-15"),
            ("GroupName", f"missing-{i}"),
            ("IpPermissions.1.IpProtocol", f"proto{i}"),
        ]
        return b"".join(app(signed_environ(pairs), lambda *a: None))

    return [
        lambda i: ec2query.from_query(f"Action=Revoke{i}&GroupName=%C0%AF"),
        lambda i: ec2query.from_query(
            f"Action=RevokeSecurityGroupIngress&IpPermissions.{i}9999.x=1"
        ),
        lambda i: shorthand.parse(f"k{i}=" + "[" * 100),
        lambda i: from_cli_args("revoke-security-group-ingress", ["--ip-permissions", "[" * 3000]),
        lambda i: parse_response("DescribeSecurityGroups", f"<a>{'<b>' * 100}{i}".encode()),
        lambda i: verify_request(
            method="GET",
            url=f"/?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential={CREDS.access_key}/x{i}",
            headers={"Host": "h"},
            lookup=LOOKUP,
            now=NOW,
        ),
        gateway_unsigned,
        gateway_signed,
    ]


def run(calls: list[Callable[[int], object]], start: int, count: int) -> None:
    for i in range(start, start + count):
        for call in calls:
            with contextlib.suppress(EC2Error):
                call(i)


def test_memory_stays_flat_over_repeated_hostile_requests():
    app = make_app(
        db=":memory:", credentials={CREDS.access_key: CREDS.secret_key}, clock=lambda: NOW
    )
    calls = hostile_calls(app)
    run(calls, 0, 50)  # warm every cache, plan and lazy import
    gc.collect()
    tracemalloc.start()
    try:
        run(calls, 1000, 100)
        gc.collect()
        first, _ = tracemalloc.get_traced_memory()
        run(calls, 2000, 300)
        gc.collect()
        second, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert second - first < SLACK, f"grew {second - first} bytes over 300 rounds"
    assert peak < 64 * 1024 * 1024, f"peak {peak} bytes"
