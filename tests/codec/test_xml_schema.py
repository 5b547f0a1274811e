"""The XSDs: they cover the model, agree with the official WSDL, and refuse what EC2 never sends."""

from __future__ import annotations

import pytest
from lxml import etree

from ec2query._codec.xml import render_response, schema_for, validate_document
from ec2query._errors import ResponseParseError
from ec2query._model import ListShape, Scalar, all_operations
from tests.codec.test_xml import MOTO_AUTHORIZE, REAL_ERROR
from tests.conftest import shared_path

XS = "{http://www.w3.org/2001/XMLSchema}"
SCALARS = {"string": "string", "integer": "int", "boolean": "boolean"}


def _base(xsd_type) -> str:
    """The XSD built-in a simple type is (or restricts), e.g. ``int``."""
    while xsd_type.target_namespace != XS[1:-1]:
        xsd_type = xsd_type.base_type
    return xsd_type.local_name


def _children(xsd_type) -> dict:
    return {e.local_name: e for e in xsd_type.content.iter_elements()}


def _check(shape, element, path: str) -> None:
    xsd_type = element.type
    if isinstance(shape, Scalar):
        assert xsd_type.is_simple(), path
        assert _base(xsd_type) == SCALARS[shape.kind], path
    elif isinstance(shape, ListShape):
        items = _children(xsd_type)
        assert list(items) == [shape.item], path
        assert items[shape.item].max_occurs is None, path  # unbounded
        _check(shape.member, items[shape.item], f"{path}/{shape.item}")
    else:
        children = _children(xsd_type)
        for member in shape.members:
            assert member.xml in children, f"{path}/{member.xml}"
            assert children[member.xml].min_occurs == 0, f"{path}/{member.xml}"
            _check(member.shape, children[member.xml], f"{path}/{member.xml}")


@pytest.mark.parametrize(
    ("operation", "version"),
    [(op, version) for op in all_operations() for version in op.versions],
    ids=lambda value: getattr(value, "name", value),
)
def test_schema_covers_every_member_of_the_model(operation, version):
    schema = schema_for(version)
    ns = f"http://ec2.amazonaws.com/doc/{version}/"
    root = schema.elements[operation.response_root]
    assert root.target_namespace == ns
    children = _children(root.type)
    assert children["requestId"].min_occurs == 1
    _check(operation.output(version), root, operation.response_root)


WSDL_TYPES = [
    "IpPermissionType",
    "UserIdGroupPairType",
    "IpRangeItemType",
    "SecurityGroupItemType",
    "ResourceTagSetItemType",
    *(f"{op.response_root}Type" for op in all_operations() if "2011-12-15" in op.versions),
]


@pytest.mark.parametrize("wsdl", ["2012-05-01.ec2.wsdl", "2013-10-15.ec2.wsdl"])
@pytest.mark.parametrize("type_name", WSDL_TYPES)
def test_derived_types_declare_every_element_of_the_wsdl_type(wsdl, type_name):
    tree = etree.parse(str(shared_path("conformance", "wsdl", wsdl)))
    found = tree.findall(f".//{XS}complexType[@name='{type_name}']")
    assert len(found) == 1, type_name
    ours = schema_for("2011-12-15").types[type_name]
    children = _children(ours)
    for element in found[0].iter(f"{XS}element"):
        name, wsdl_type = element.get("name"), element.get("type")
        assert name in children, f"{type_name}/{name}"
        if wsdl_type.startswith("xs:"):
            assert _base(children[name].type) == wsdl_type[3:], f"{type_name}/{name}"


def test_real_error_envelope_validates():
    validate_document(REAL_ERROR)
    validate_document(
        b"<ErrorResponse><Error><Type>Sender</Type><Code>A</Code><Message>m</Message></Error>"
        b"<RequestId>r</RequestId></ErrorResponse>"
    )


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        (MOTO_AUTHORIZE, "trailing slash"),
        (REAL_ERROR.replace(b"<Response>", b'<Response xmlns="urn:x">'), "namespace"),
        (REAL_ERROR.replace(b"<Code>InvalidPermission.Duplicate</Code>", b"<Code/>"), "Code"),
        (
            render_response("DeleteSecurityGroup", {"Return": True}, request_id="r").replace(
                b"true", b"1"
            ),
            "return",
        ),
        (
            render_response("DeleteSecurityGroup", {"Return": True}, request_id="r").replace(
                b"<requestId>r</requestId>", b""
            ),
            "requestId",
        ),
        (
            render_response("DeleteSecurityGroup", {"Return": True}, request_id="r").replace(
                b"<return>", b"<bogus/><return>"
            ),
            "bogus",
        ),
    ],
    ids=["moto-namespace", "namespaced-error", "empty-code", "boolean-1", "no-request-id", "extra"],
)
def test_validator_refuses_what_ec2_never_sends(body, fragment):
    with pytest.raises(ResponseParseError) as info:
        validate_document(body)
    assert fragment in info.value.message


def test_validator_pins_the_version():
    body = render_response("DeleteSecurityGroup", {"Return": True}, request_id="r")
    validate_document(body, version="2016-11-15")
    with pytest.raises(ResponseParseError, match="expected 2011-12-15"):
        validate_document(body, version="2011-12-15")
