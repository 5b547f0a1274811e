"""encode, decode and parse: the codecs against botocore, and decode against parse_qsl."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, urlencode

from ec2query import encode_query, from_query, to_query
from ec2query._codec.xml import parse_response
from ec2query._errors import ServiceError

from . import inputs
from ._harness import Pair, Skipped
from ._peers import boto_operation, boto_parser, boto_serializer

__all__ = ["pairs"]

ENCODE_CASES: dict[str, tuple[str, dict[str, Any]]] = {
    "seed, nested": ("RevokeSecurityGroupIngress", inputs.SEED),
    "seed, flat members": ("RevokeSecurityGroupIngress", inputs.SEED_FLAT),
    "50 rules": ("AuthorizeSecurityGroupIngress", inputs.RULES_50),
}

PARSE_CASES: dict[str, tuple[str, bytes, int]] = {
    "seed response": ("RevokeSecurityGroupIngress", inputs.SEED_RESPONSE, 200),
    "describe, 50 groups": ("DescribeSecurityGroups", inputs.DESCRIBE_50, 200),
    "error document": ("RevokeSecurityGroupIngress", inputs.ERROR_DOCUMENT, 400),
}


def pairs(group: str) -> list[Pair | Skipped]:
    """The pairs of ``group`` (encode, decode or parse)."""
    return {"encode": _encode, "decode": _decode, "parse": _parse}[group]()


def _encode() -> list[Pair | Skipped]:
    serializer = boto_serializer()
    out: list[Pair | Skipped] = []
    for name, (op, params) in ENCODE_CASES.items():
        model = boto_operation(op)

        def ours(op: str = op, params: dict[str, Any] = params) -> str:
            return encode_query(op, params)

        def peer(params: dict[str, Any] = params, model: Any = model) -> str:
            # botocore's AWSRequestPreparer form-encodes the serialized dict this way.
            body = serializer.serialize_to_request(params, model)["body"]
            return urlencode(list(body.items()), doseq=True)

        out.append(Pair("encode", name, "botocore serializer + urlencode", ours, peer,
                        _same(ours, peer), target=6.0))
    return out


def _decode() -> list[Pair | Skipped]:
    cases = {
        "seed, nested": encode_query("RevokeSecurityGroupIngress", inputs.SEED),
        "seed, legacy 2011-12-15": inputs.LEGACY_QUERY,
        "50 rules": encode_query("AuthorizeSecurityGroupIngress", inputs.RULES_50),
    }
    out: list[Pair | Skipped] = []
    for name, body in cases.items():

        def ours(body: str = body) -> tuple[str, dict[str, Any]]:
            return from_query(body)

        def floor(body: str = body) -> list[tuple[str, str]]:
            return parse_qsl(body, keep_blank_values=True)

        def compare(body: str = body) -> tuple[Any, Any]:
            # Both read the same pairs: ours, re-encoded to pairs, equals the floor's.
            op, params = from_query(body)
            version = dict(parse_qsl(body)).get("Version", "2016-11-15")
            return sorted(to_query(op, params, version=version)), sorted(floor(body))

        out.append(Pair("decode", name, "urllib.parse.parse_qsl (floor)", ours, floor, compare,
                        note="floor: pairs only, no model, no types"))
    return out


def _parse() -> list[Pair | Skipped]:
    parser = boto_parser()
    out: list[Pair | Skipped] = []
    for name, (op, body, status) in PARSE_CASES.items():
        shape = boto_operation(op).output_shape

        def ours(op: str = op, body: bytes = body) -> Any:
            try:
                return parse_response(op, body)
            except ServiceError as error:
                return {"Error": {"Code": error.code, "Message": error.message}}

        def peer(body: bytes = body, status: int = status, shape: Any = shape) -> Any:
            return parser.parse({"body": body, "headers": {}, "status_code": status}, shape)

        def compare(ours: Callable[[], Any] = ours, peer: Callable[[], Any] = peer,
                    status: int = status) -> tuple[Any, Any]:
            mine, theirs = ours(), peer()
            if status != 200:  # compare what an error carries; metadata layouts differ
                theirs = {"Error": {k: theirs["Error"][k] for k in ("Code", "Message")}}
            return mine, theirs

        out.append(Pair("parse", name, "botocore EC2QueryParser", ours, peer, compare,
                        target=3.0))
    return out


def _same(ours: Callable[[], Any], peer: Callable[[], Any]) -> Callable[[], tuple[Any, Any]]:
    return lambda: (ours(), peer())
