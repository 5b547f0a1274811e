"""Requests for the verifier harnesses, built from the fuzzer's bytes."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import atheris

KEY, SECRET = "AKIDFUZZEXAMPLE", "fuzz/secret+key"
NOW = datetime(2024, 5, 1, 12, 0, 0, tzinfo=timezone.utc)
HEADER_NAMES = ["Authorization", "X-Amz-Date", "Date", "Host", "Content-Type",
                "X-Amz-Content-Sha256", "X-Amz-Security-Token"]  # fmt: skip
SEEDS = [
    "AWS4-HMAC-SHA256",
    f"{KEY}/20240501/us-east-1/ec2/aws4_request",
    "20240501T120000Z",
    "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=",
    "&X-Amz-SignedHeaders=host&X-Amz-Signature=",
    f"AWSAccessKeyId={KEY}&SignatureVersion=2&SignatureMethod=HmacSHA256&Timestamp=",
    "Credential=",
    ", SignedHeaders=host, Signature=",
]


def _text(fdp: atheris.FuzzedDataProvider) -> str:
    if fdp.ConsumeBool():
        return SEEDS[fdp.ConsumeIntInRange(0, len(SEEDS) - 1)] + fdp.ConsumeUnicode(40)
    return fdp.ConsumeUnicode(fdp.ConsumeIntInRange(0, 120))


def request(fdp: atheris.FuzzedDataProvider) -> dict[str, Any]:
    """Keyword arguments for a verifier: method, url, headers, body, lookup, now."""
    headers = [
        (HEADER_NAMES[fdp.ConsumeIntInRange(0, len(HEADER_NAMES) - 1)], _text(fdp))
        for _ in range(fdp.ConsumeIntInRange(0, 5))
    ]
    return {
        "method": fdp.PickValueInList(["GET", "POST", _text(fdp)]),
        "url": ("/?" if fdp.ConsumeBool() else "") + _text(fdp),
        "headers": headers,
        "body": fdp.ConsumeBytes(100) if fdp.ConsumeBool() else _text(fdp),
        "lookup": {KEY: SECRET}.get,
        "now": NOW + timedelta(seconds=fdp.ConsumeIntInRange(-(10**10), 10**10) // 100),
    }
