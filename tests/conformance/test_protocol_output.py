"""botocore's ec2-protocol output cases, run through our generic XML parser.

The cases use their own small shape models; a test-only adapter turns each
into the row format of ``ec2query._model.shapes`` and compiles it with the
same function that compiles ours, so what runs is the walker the seven
operations use (``_xml_parse.parse_structure``, with the suite's namespace).
Members of types our model never has (timestamps, floats, doubles, blobs,
maps, flattened lists) are left out of the compiled shape and out of the
expected result; a case with nothing left to compare is skipped, with why.
Error cases check code, message and request id of the ServiceError.
"""

from __future__ import annotations

import json

import pytest

from ec2query._codec._xml_parse import parse_structure
from ec2query._errors import ServiceError
from ec2query._model import compile_structure
from tests.conftest import SHARED, shared_path

NOT_APPLICABLE = {
    "timestamp": "no timestamp member exists in the security-group operations",
    "float": "no float member exists in the security-group operations",
    "double": "no double member exists in the security-group operations",
    "blob": "no blob member exists in the security-group operations",
    "map": "no map member exists in the security-group operations",
    "flattened": "EC2 never flattens lists (every list is <name><item>...)",
    "nested": "no list of lists exists in the security-group operations",
}
INTEGERS = ("integer", "long", "short", "byte")


def _cases():
    path = SHARED / "conformance" / "protocols" / "output-ec2.json"
    if not path.exists():
        return [pytest.param(None, None, marks=pytest.mark.skip(reason="../shared is absent"))]
    params = []
    for suite in json.loads(path.read_text(encoding="utf-8")):
        for case in suite["cases"]:
            params.append(pytest.param(suite, case, id=case.get("id") or case["given"]["name"]))
    return params


def _rows(shapes: dict) -> tuple[dict, dict]:
    """Adapter: botocore-style shapes -> our row tables, and the members left out (why)."""

    def type_of(name: str) -> str:
        shape = shapes[name]
        kind = shape["type"]
        if kind == "string" or kind == "boolean":
            return kind
        if kind in INTEGERS:
            return "integer"
        if kind == "list":
            if shape.get("flattened"):
                raise KeyError("flattened")
            item = shape["member"].get("locationName", "member")
            inner = type_of(shape["member"]["shape"])
            if inner.startswith("["):
                raise KeyError("nested")
            return f"[{inner}:{item}]"
        if kind == "structure":
            return name
        raise KeyError(kind)

    tables: dict = {}
    left_out: dict = {}
    for name, shape in shapes.items():
        if shape["type"] != "structure":
            continue
        rows = []
        for member_name, member in shape["members"].items():
            try:
                if member.get("flattened"):
                    raise KeyError("flattened")
                member_type = type_of(member["shape"])
            except KeyError as exc:
                left_out[member_name] = exc.args[0]
                continue
            xml = member.get("locationName") or member_name
            rows.append((member_name, member_type, member_name, xml))
        tables[name] = tuple(rows)
    return tables, left_out


def _without(value, left_out: dict):
    if isinstance(value, dict):
        return {k: _without(v, left_out) for k, v in value.items() if k not in left_out}
    if isinstance(value, list):
        return [_without(v, left_out) for v in value]
    return value


@pytest.mark.parametrize(("suite", "case"), _cases())
def test_output_case(suite, case):
    shared_path("conformance", "protocols", "output-ec2.json")
    tables, left_out = _rows(suite["shapes"])
    body = case["response"]["body"].encode("utf-8")
    operation_name = case["given"]["name"]
    output = case["given"].get("output", {}).get("shape")
    shape = compile_structure(output, tables) if output else compile_structure("_", {"_": ()})
    namespaces = ("https://example.com/",)

    if "result" not in case:
        with pytest.raises(ServiceError) as info:
            parse_structure(
                body, shape, root_name=operation_name + "Response", namespaces=namespaces
            )
        assert info.value.code == case["errorCode"]
        assert info.value.message == case.get("errorMessage", info.value.message)
        assert info.value.request_id == "foo-id"
        return

    expected = _without(case["result"], left_out)
    if not expected and case["result"]:
        reasons = sorted({NOT_APPLICABLE[left_out[k]] for k in case["result"] if k in left_out})
        pytest.skip("; ".join(reasons))
    parsed = parse_structure(
        body, shape, root_name=operation_name + "Response", namespaces=namespaces
    )
    metadata = parsed.pop("ResponseMetadata")
    # As botocore: RequestId only when the document has a <requestId>.
    assert metadata.get("RequestId") == ("requestid" if b"<requestId>" in body else None)
    assert parsed == expected
