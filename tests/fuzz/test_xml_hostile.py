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
from ec2query._errors import EC2Error, ResponseParseError, ServiceError

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
    """Ten unknown elements of a megabyte each: skipped, as botocore skips them."""
    head, _, tail = GOOD.partition(b"<securityGroupInfo>")
    chunk = b"<pad>" + b"a" * ((MAX_XML_BYTES - len(GOOD) - 500) // 10 - 11) + b"</pad>"
    body = head + chunk * 10 + b"<securityGroupInfo>" + tail
    assert MAX_XML_BYTES - 1000 < len(body) <= MAX_XML_BYTES
    parsed = parse_response("DescribeSecurityGroups", body)
    assert parsed["SecurityGroups"][0]["GroupId"] == "sg-1"


def test_a_text_beyond_libxml2s_bound_is_refused():
    """Without huge_tree, libxml2 takes no text run of more than 10,000,000 characters."""
    body = ROOT.encode() + b"<requestId>" + b"a" * 10_000_001 + b"</requestId>" + END.encode()
    assert len(body) <= MAX_XML_BYTES
    assert "limit" in refused(body).message


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


DEEP_MESSAGE = f"The response nests elements deeper than {MAX_XML_DEPTH}"


def _nested(levels: int, inner: str = "") -> str:
    """``levels`` elements below the root (which is level 1), ``inner`` in the deepest."""
    return f"{ROOT}{'<x>' * levels}{inner}{'</x>' * levels}{END}"


# The same 65-level document, written in every way that changes its bytes but not its tree.
DEEP_SPELLINGS = {
    "plain": _nested(MAX_XML_DEPTH),
    "self-closing innermost": _nested(MAX_XML_DEPTH - 1, "<x/>"),
    "declaration": '<?xml version="1.0" encoding="UTF-8"?>\n' + _nested(MAX_XML_DEPTH),
    "declaration without encoding": '<?xml version="1.0"?>' + _nested(MAX_XML_DEPTH),
    "comment first": "<!-- c -->" + _nested(MAX_XML_DEPTH),
    "processing instruction first": "<?pi x?>" + _nested(MAX_XML_DEPTH),
    "whitespace first": " \n\t" + _nested(MAX_XML_DEPTH),
    "whitespace everywhere": _nested(MAX_XML_DEPTH).replace("><", ">\n <"),
    "in a member": f"{ROOT}<return>{'<x>' * 63}{'</x>' * 63}</return>{END}",
    "in list items": f"{ROOT}<unknownIpPermissionSet>{'<item><ipRanges>' * 31}<item/>"
    f"{'</ipRanges></item>' * 31}</unknownIpPermissionSet>{END}",
    "in an error document": "<Response><Errors><Error><Code>C</Code>"
    f"{'<x>' * 62}{'</x>' * 62}</Error></Errors></Response>",
    "in an error document, comment first": "<!--c--><Response><Errors><Error><Code>C</Code>"
    f"{'<x>' * 62}{'</x>' * 62}</Error></Errors></Response>",
    "300 levels (libxml2's bound is 256)": _nested(300),
    "5000 levels": _nested(5000),
}


@pytest.mark.parametrize("body", DEEP_SPELLINGS.values(), ids=DEEP_SPELLINGS)
def test_deep_nesting_has_one_verdict_however_written(body):
    assert refused(body.encode()).message == DEEP_MESSAGE


@pytest.mark.parametrize(
    "body",
    [
        _nested(MAX_XML_DEPTH - 1),
        "<!-- c -->" + _nested(MAX_XML_DEPTH - 1),
        _nested(MAX_XML_DEPTH - 2, "<x/>"),
        f"{ROOT}<return>{'<x>' * 62}{'</x>' * 62}</return>{END}",
        "<Response><Errors><Error><Code>C</Code>"
        f"{'<x>' * 61}{'</x>' * 61}</Error></Errors></Response>",
    ],
    ids=["plain", "comment first", "self-closing innermost", "in a member", "error document"],
)
def test_64_levels_are_read(body):
    try:
        parse_response(OP, body.encode())
    except ServiceError as error:
        assert error.code == "C"


def test_nesting_within_the_bound_is_read():
    depth = MAX_XML_DEPTH - 2
    body = f"{ROOT}<return>true</return>{'<x>' * depth}{'</x>' * depth}{END}".encode()
    assert parse_response(OP, body)["Return"] is True


# --------------------------------------------------------------------------- long integers

RULE = (
    '<DescribeSecurityGroupsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">'
    "<securityGroupInfo><item><ipPermissions><item><fromPort>{}</fromPort></item>"
    "</ipPermissions></item></securityGroupInfo></DescribeSecurityGroupsResponse>"
)


def _from_port(text: str):
    parsed = parse_response("DescribeSecurityGroups", RULE.format(text).encode())
    return parsed["SecurityGroups"][0]["IpPermissions"][0]["FromPort"]


@pytest.mark.parametrize("digits", [4301, 10_000, 1_000_000])
def test_an_integer_python_will_not_convert_is_named(digits):
    with pytest.raises(ResponseParseError) as info:
        _from_port("9" * digits)
    assert info.value.message == (
        f"The element fromPort is an integer of {digits} digits, too large to read"
    )


def test_integers_are_judged_by_value_whatever_their_length():
    assert _from_port("0" * 10_000 + "80") == 80
    assert _from_port(" -" + "0_0" * 3000 + "1 ") == -1
    assert _from_port("\u0660" * 5000 + "\u0667") == 7  # int() reads any script's digits
    assert _from_port("9" * 4300) == int("9" * 4300)  # botocore's int(text), below the limit
    with pytest.raises(ResponseParseError, match="fromPort is not an integer"):
        _from_port("1" * 5000 + "x")


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


# Fragments that XML allows in some places and not in others.
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
