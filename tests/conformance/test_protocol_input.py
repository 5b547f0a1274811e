"""botocore's ec2-protocol input cases, run through our generic Query engine.

The cases use their own small shape models; a test-only adapter turns each
into the row format of ``ec2query._model.shapes`` and compiles it with the
same function that compiles ours, so what runs is the engine the seven
operations use. Cases that need features our model has no member for
(timestamps, floats, blobs, idempotency tokens, request compression) are
listed in ``NOT_APPLICABLE`` with the reason and skipped.
"""

from __future__ import annotations

import json

import pytest

from ec2query._codec.query import deserialize, serialize
from ec2query._model import compile_structure
from ec2query._percent import encode_pairs
from tests.conftest import SHARED, shared_path

NOT_APPLICABLE = {
    "timestamp": "no timestamp member exists in the security-group operations",
    "float": "no float member exists in the security-group operations",
    "double": "no double member exists in the security-group operations",
    "blob": "no blob member exists in the security-group operations",
    "idempotencyToken": "no idempotency token exists in the security-group operations",
    "requestcompression": "request compression is not part of the EC2 Query codec",
}


def _cases():
    path = SHARED / "conformance" / "protocols" / "input-ec2.json"
    if not path.exists():
        return [pytest.param(None, None, marks=pytest.mark.skip(reason="../shared is absent"))]
    params = []
    for suite in json.loads(path.read_text(encoding="utf-8")):
        for case in suite["cases"]:
            params.append(
                pytest.param(suite, case, id=case["given"]["name"] + ":" + case["description"][:50])
            )
    return params


def _rows(suite: dict) -> tuple[dict, dict]:
    """Adapter: botocore-style shapes -> our row tables, and the members left out (why)."""
    shapes = suite["shapes"]

    def type_of(name: str) -> str:
        shape = shapes[name]
        kind = shape["type"]
        if kind in ("string", "integer", "boolean"):
            return kind
        if kind == "list":
            return f"[{type_of(shape['member']['shape'])}]"
        if kind == "structure":
            return name
        raise KeyError(kind)

    tables, left_out = {}, {}
    for name, shape in shapes.items():
        if shape["type"] != "structure":
            continue
        rows = []
        for member_name, member in shape["members"].items():
            try:
                member_type = type_of(member["shape"])
            except KeyError as exc:
                left_out[member_name] = exc.args[0]
                continue
            if shapes[member["shape"]].get("idempotencyToken") or member.get("idempotencyToken"):
                left_out[member_name] = "idempotencyToken"
            location = member.get("locationName")
            # The ec2Query rule: ec2QueryName (queryName in botocore's copy), else the
            # xmlName (locationName), else the member name, first letter upper-cased.
            base = location or member_name
            query = member.get("queryName") or base[0].upper() + base[1:]
            rows.append((member_name, member_type, query, location or member_name))
        tables[name] = tuple(rows)
    return tables, left_out


@pytest.mark.parametrize(("suite", "case"), _cases())
def test_botocore_ec2_input_case(suite, case):
    shared_path("conformance", "protocols", "input-ec2.json")
    if "requestcompression" in json.dumps(case["given"]).lower():
        pytest.skip(NOT_APPLICABLE["requestcompression"])
    tables, left_out = _rows(suite)
    used = set(case["params"]) & set(left_out)
    if "idempotencyToken" in left_out.values() and "Token=" in case["serialized"]["body"]:
        used.add(next(k for k, v in left_out.items() if v == "idempotencyToken"))
    if used:
        pytest.skip(NOT_APPLICABLE[left_out[used.pop()]])
    given = case["given"]
    input_name = given.get("input", {}).get("shape")
    expected = case["serialized"]["body"]
    action = given["name"]
    version = suite["metadata"]["apiVersion"]
    pairs = [("Action", action), ("Version", version)]
    if input_name:
        shape = compile_structure(input_name, tables)
        serialize(pairs, case["params"], shape)
    assert encode_pairs(pairs) == expected
    if input_name:
        # Decoding gives the params back, less what has no Query form (empty lists).
        expected_params = {k: v for k, v in case["params"].items() if v != []}
        assert deserialize(dict(pairs[2:]), shape) == expected_params
