"""Hostile and broken documents: each a typed ResponseParseError, never lxml's or an expansion."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from ec2query._codec import _xmlsafe
from ec2query._codec.xml import (
    MAX_XML_BYTES,
    MAX_XML_DEPTH,
    parse_response,
    render_response,
    validate_document,
)
from ec2query._errors import EC2Error, ResponseParseError

OP = "RevokeSecurityGroupIngress"
NS = "http://ec2.amazonaws.com/doc/2016-11-15/"
ROOT = f'<RevokeSecurityGroupIngressResponse xmlns="{NS}">'
END = "</RevokeSecurityGroupIngressResponse>"
GOOD = render_response(
    "DescribeSecurityGroups",
    {
        "SecurityGroups": [
            {
                "GroupId": "sg-1",
                "Description": "d",
                "IpPermissions": [{"IpProtocol": "tcp", "FromPort": 1, "ToPort": 2}],
            }
        ]
    },
    request_id="rid",
)


def refused(body, operation: str = OP) -> ResponseParseError:
    """Both entry points refuse ``body`` with ResponseParseError; the parser's error."""
    with pytest.raises(ResponseParseError) as info:
        parse_response(operation, body)
    with pytest.raises(ResponseParseError):
        validate_document(body)
    return info.value


def test_xxe_external_entity():
    body = (
        '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        f"{ROOT}<requestId>&x;</requestId>{END}"
    ).encode()
    error = refused(body)
    assert "DOCTYPE" in error.message
    assert "root:" not in error.message


def test_billion_laughs():
    entities = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10 if i else "lol"}">' for i in range(10))
    body = f"<!DOCTYPE r [{entities}]>{ROOT}<requestId>&l9;</requestId>{END}".encode()
    assert "DOCTYPE" in refused(body).message


def test_quadratic_blowup():
    body = (
        f'<!DOCTYPE r [<!ENTITY a "{"A" * 50_000}">]>'
        f"{ROOT}<requestId>{'&a;' * 20_000}</requestId>{END}"
    ).encode()
    assert "DOCTYPE" in refused(body).message


def test_external_dtd():
    body = f'<!DOCTYPE r SYSTEM "http://127.0.0.1:9/evil.dtd">{ROOT}{END}'.encode()
    assert "DOCTYPE" in refused(body).message


def test_doctype_hidden_in_utf16_is_still_refused():
    body = f'<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE r [<!ENTITY x "y">]>{ROOT}{END}'
    refused(body.encode("utf-16"))


def test_a_50_megabyte_document():
    body = (
        ROOT.encode() + b"<requestId>" + b"a" * (50 * 1024 * 1024) + b"</requestId>" + END.encode()
    )
    error = refused(body)
    assert str(MAX_XML_BYTES) in error.message


def test_a_document_just_under_the_size_bound_is_read():
    padding = b" " * (MAX_XML_BYTES - len(GOOD) - 100)
    parsed = parse_response("DescribeSecurityGroups", GOOD + padding)
    assert parsed["SecurityGroups"][0]["GroupId"] == "sg-1"


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"\x00\xff\xfe garbage",
        b'{"Return": true}',
        b"HTTP/1.1 500 Internal",
        b"<",
        b"\xff" * 9,
    ],
    ids=["empty", "binary", "json", "text", "lone-lt", "invalid-utf8"],
)
def test_non_xml_bytes(body):
    refused(body)


@pytest.mark.parametrize("cut", [10, 60, 120, 200, -40, -1])
def test_truncated_xml(cut):
    refused(GOOD[:cut], "DescribeSecurityGroups")


@pytest.mark.parametrize(
    "namespace",
    [
        "http://ec2.amazonaws.com/doc/2099-01-01/",
        "urn:evil",
        "",
        "HTTP://EC2.AMAZONAWS.COM/doc/2016-11-15/",
    ],
)
def test_wrong_namespace(namespace):
    xmlns = f' xmlns="{namespace}"' if namespace else ""
    body = f"<RevokeSecurityGroupIngressResponse{xmlns}><return>true</return>{END}".encode()
    assert "namespace" in refused(body).message


def test_wrong_root():
    body = render_response("AuthorizeSecurityGroupIngress", {"Return": True}, request_id="r")
    with pytest.raises(ResponseParseError) as info:
        parse_response(OP, body)
    assert "AuthorizeSecurityGroupIngressResponse" in info.value.message


def test_wrong_root_for_the_validator():
    body = f'<Nope xmlns="{NS}"/>'.encode()
    refused(body)


@pytest.mark.parametrize("depth", [MAX_XML_DEPTH + 1, 300, 5000])
def test_deep_nesting(depth):
    body = f"{ROOT}{'<x>' * depth}{'</x>' * depth}{END}".encode()
    refused(body)


def test_nesting_within_the_bound_is_read():
    depth = MAX_XML_DEPTH - 2
    body = f"{ROOT}<return>true</return>{'<x>' * depth}{'</x>' * depth}{END}".encode()
    assert parse_response(OP, body)["Return"] is True


def test_the_parser_itself_never_expands_entities():
    """Defence in depth: even past the DOCTYPE refusal, lxml is set not to expand."""
    body = b'<!DOCTYPE r [<!ENTITY a "EXPANDED">]><r>&a;</r>'
    root = etree.fromstring(body, _xmlsafe._local.parser)
    assert b"EXPANDED" not in etree.tostring(root)
    body = b'<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/hostname">]><r>&x;</r>'
    root = etree.fromstring(body, _xmlsafe._local.parser)
    assert root.text is None


@given(st.binary(max_size=300))
def test_any_bytes_give_a_dict_or_an_ec2_error(body):
    try:
        parsed = parse_response(OP, body)
    except EC2Error:
        return
    assert isinstance(parsed, dict)


# Fragments that move a document in or out of the fast reader's subset.
SNIPPETS = [
    "<",
    ">",
    "/",
    "&",
    "&amp;",
    "&#0;",
    "&#x41;",
    "&bogus;",
    "<!-- c -->",
    "<![CDATA[x]]>",
    "<?pi x?>",
    ' a="1"',
    ' xmlns="urn:x"',
    "<p:x/>",
    "\r",
    "\x00",
    "\ufeff",
    "]]>",
    "<item>",
    "</item>",
    "<x/>",
    "<return>false</return>",
    "é",
    "\t",
    "<requestId>2</requestId>",
    "&#1114112;",
    "&#xD800;",
    "&#65535;",
    "&#13;",
    "< item>",
    "</item >",
    "<1a>",
    "<a:b>",
    "\x85",
]


@st.composite
def mutated(draw) -> bytes:
    text = GOOD.decode()
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(text)))
        if draw(st.booleans()):
            text = text[:at] + draw(st.sampled_from(SNIPPETS)) + text[at:]
        else:
            text = text[:at] + text[at + draw(st.integers(1, 4)) :]
    return text.encode("utf-8", "surrogatepass")


@given(mutated())
def test_mutated_documents_give_a_dict_or_an_ec2_error(body):
    try:
        parsed = parse_response("DescribeSecurityGroups", body)
    except EC2Error:
        return
    assert isinstance(parsed, dict)


@given(st.binary(max_size=200) | mutated())
def test_validator_gives_none_or_a_response_parse_error(body):
    with contextlib.suppress(ResponseParseError):
        validate_document(body)
