"""The parser's shortcuts give what the general path gives, or step aside.

* The plain acknowledgement (``requestId`` + ``return``, matched whole by one
  pattern) must give the general path's result, byte for byte, for every
  document it matches, and leave every other document to it.
* The fast walker must take every construct of the plain subset (``<x/>`` of
  each kind, tags with spaces, stray elements, items under another tag,
  references) and agree with lxml, in results and in error messages.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ec2query._codec import _xml_parse
from ec2query._codec._xmlsafe import fast_pieces, read_document
from ec2query._codec.xml import parse_response
from ec2query._errors import EC2Error, ResponseParseError
from tests.fuzz.test_xml_hostile import SNIPPETS

NS = "http://ec2.amazonaws.com/doc/2016-11-15/"
SEED = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    f'<RevokeSecurityGroupIngressResponse xmlns="{NS}">\n'
    "  <requestId>59dbff89-35bd-4eac-99ed-be587EXAMPLE</requestId>\n"
    "  <return>true</return>\n"
    "</RevokeSecurityGroupIngressResponse>\n"
)
ACKNOWLEDGING = ["RevokeSecurityGroupIngress", "AuthorizeSecurityGroupIngress",
                 "DeleteSecurityGroup"]


def _verdict(call) -> tuple:
    """A result (with its key order) or an error's type and message."""
    try:
        result = call()
    except EC2Error as exc:
        return type(exc).__name__, exc.code, exc.message, getattr(exc, "request_id", None)
    return "result", repr(result)


def _general(operation_name: str, body: bytes) -> tuple:
    """The verdict of the general path alone: fast pieces and walker, then lxml."""
    root_name, heads, plan = _xml_parse._root_plan(operation_name)
    return _verdict(
        lambda: _xml_parse._parse(body, root_name, heads, plan, _xml_parse.NAMESPACES)
    )


def _document(operation_name: str, text: str = SEED) -> str:
    return text.replace("RevokeSecurityGroupIngress", operation_name)


def _matches(operation_name: str, body: bytes) -> bool:
    acknowledgement = _xml_parse._acknowledgement(operation_name)
    return acknowledgement is not None and acknowledgement[1].fullmatch(body) is not None


def test_only_operations_answering_return_have_the_shortcut():
    for name in ACKNOWLEDGING:
        assert _xml_parse._acknowledgement(name) is not None
    assert _xml_parse._acknowledgement("DescribeSecurityGroups") is None


PLAIN_VARIANTS = [
    SEED,
    SEED.replace("true", "false"),
    SEED.replace("true", "True"),
    SEED.replace("true", ""),
    SEED.replace("true", " true "),
    SEED.replace("59dbff89-35bd-4eac-99ed-be587EXAMPLE", ""),
    SEED.replace("59dbff89-35bd-4eac-99ed-be587EXAMPLE", " a\tb\nc \x7f"),
    SEED.replace('<?xml version="1.0" encoding="UTF-8"?>\n', ""),
    SEED.replace('encoding="UTF-8"', 'encoding="utf-8"'),
    SEED.replace(' encoding="UTF-8"', ""),
    SEED.replace("\n", "").replace("  ", ""),
    SEED.replace("\n", "\n\t \n"),
    SEED.replace(NS, NS.rstrip("/")),
    SEED.replace("2016-11-15", "2011-12-15"),
    SEED.rstrip("\n"),
]

TRICKY_VARIANTS = [
    SEED.replace("\n", "\r\n"),
    SEED.replace("true", "tr&#117;e"),
    SEED.replace("true", "true&amp;"),
    SEED.replace("59dbff89", "a&amp;b"),
    SEED.replace("59dbff89", "a>b"),
    SEED.replace("59dbff89", "]]>"),
    SEED.replace("59dbff89", "é"),
    SEED.replace("59dbff89", "\x00"),
    SEED.replace("59dbff89", "\x0c"),
    SEED.replace("<return>true</return>", "<return/>"),
    SEED.replace("<return>true</return>", "<return>true</return >"),
    SEED.replace("<requestId>", "<requestId >"),
    SEED.replace("<requestId>59dbff89-35bd-4eac-99ed-be587EXAMPLE</requestId>", "<requestId/>"),
    SEED.replace("  <return>true</return>\n", ""),
    SEED.replace("  <return>true</return>\n", "  <return>true</return>\n" * 2),
    SEED.replace("<return>", "<return>true</return><return>"),
    SEED.replace("  <requestId>", "  <return>true</return>\n  <requestId>").replace(
        "  <return>true</return>\n</", "</"),
    SEED.replace("\n  <return>", "x<return>"),
    SEED.replace(NS, "urn:other"),
    SEED.replace(f'xmlns="{NS}"', f'xmlns="{NS}" a="1"'),
    SEED.replace('<?xml version="1.0" encoding="UTF-8"?>', '<?xml version="1.0"  ?>'),
    " " + SEED,
    "\ufeff" + SEED,
    SEED + "<x/>",
    SEED + "x",
    SEED + "\x00",
    SEED.replace("</RevokeSecurityGroupIngressResponse>", "</RevokeSecurityGroupIngressResponse >"),
]


@pytest.mark.parametrize("operation_name", ACKNOWLEDGING)
@pytest.mark.parametrize("text", PLAIN_VARIANTS + TRICKY_VARIANTS)
def test_the_acknowledgement_shortcut_is_the_general_path(operation_name, text):
    body = _document(operation_name, text).encode("utf-8", "surrogatepass")
    ours = _verdict(lambda: parse_response(operation_name, body))
    assert ours == _general(operation_name, body), body
    assert _matches(operation_name, body) == (text in PLAIN_VARIANTS), body


@pytest.mark.parametrize("snippet", SNIPPETS)
def test_each_snippet_anywhere_in_an_acknowledgement(snippet):
    for at in range(len(SEED) + 1):
        body = (SEED[:at] + snippet + SEED[at:]).encode("utf-8", "surrogatepass")
        name = "RevokeSecurityGroupIngress"
        assert _verdict(lambda: parse_response(name, body)) == _general(name, body)  # noqa: B023


@st.composite
def acknowledgements(draw) -> bytes:
    text = SEED
    alphabet = st.sampled_from([*SNIPPETS, " ", "\n", "true", "false", "<", "/", "a"])
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(text)))
        if draw(st.booleans()):
            text = text[:at] + draw(alphabet) + text[at:]
        else:
            text = text[:at] + text[at + draw(st.integers(1, 4)) :]
    return text.encode("utf-8", "surrogatepass")


@given(acknowledgements())
def test_mutated_acknowledgements_agree_with_the_general_path(body):
    name = "RevokeSecurityGroupIngress"
    assert _verdict(lambda: parse_response(name, body)) == _general(name, body)


# --------------------------------------------------------------------------- the fast walker

DESCRIBE = f'<DescribeSecurityGroupsResponse xmlns="{NS}"><requestId>r</requestId>{{}}' + (
    "</DescribeSecurityGroupsResponse>"
)
GROUP = "<securityGroupInfo><item>{}</item></securityGroupInfo>"
RULE = GROUP.format("<ipPermissions><item>{}</item></ipPermissions>")

TAKEN = [
    GROUP.format("<groupName/><groupId /><vpcId></vpcId><ownerId>1</ownerId>"),
    GROUP.format("<ipPermissions/><ipPermissionsEgress /><tagSet></tagSet>"),
    RULE.format("<groups/><ipRanges><item/><item /></ipRanges><ipv6Ranges></ipv6Ranges>"),
    RULE.format("<fromPort>1</fromPort ><toPort>2</toPort\t>"),
    RULE.format("<ipRanges><member><cidrIp>a</cidrIp></member><x/></ipRanges>"),
    RULE.format("<ipRanges><item><cidrIp>a</cidrIp><unknown><a>b</a><c/></unknown></item></ipRanges>"),
    GROUP.format("<unknown>text</unknown><also/><groupName>g</groupName>"),
    GROUP.format("<groupName>a &amp; b &lt;c&gt; &quot;&apos; &#65;&#x42;</groupName>"),
    RULE.format("<fromPort>&#49;2</fromPort>"),
    GROUP.format("<groupName>a<b/>c</groupName>"),
    GROUP.format("<groupName>a<b>x</b>c</groupName><groupId>i</groupId>"),
    GROUP.format("<groupName>a</groupName>tail<groupId>i</groupId>"),
    "",
]
TAKEN_DOCUMENTS = [DESCRIBE.format(inner) for inner in TAKEN] + [
    DESCRIBE.replace("<requestId>r</requestId>", "<requestId/>").format(""),
    DESCRIBE.replace("<requestId>r</requestId>", "<requestId />").format(""),
    DESCRIBE.replace("<requestId>r</requestId>", "<requestId>a&amp;b</requestId>").format(""),
]

FAULTS = [
    RULE.format("<fromPort/>"),
    RULE.format("<fromPort />"),
    RULE.format("<fromPort>x</fromPort>"),
    RULE.format("<fromPort>1</fromPort><fromPort>2</fromPort>"),
    RULE.format("<fromPort>1</fromPort><fromPort/>"),
    RULE.format("<fromPort>1</fromPort><fromPort>x</fromPort>"),
    GROUP.format("<groupName>a</groupName><groupName/>"),
    GROUP.format("<groupName>a</groupName><groupName>b</groupName>"),
    GROUP.format("<ipPermissions/><ipPermissions/>"),
    GROUP.format("<ipPermissions/><ipPermissions></ipPermissions>"),
]


def _fast(operation_name: str, body: bytes) -> tuple:
    _, heads, plan = _xml_parse._root_plan(operation_name)
    pieces = fast_pieces(body)
    assert pieces is not None, body
    return _verdict(lambda: _xml_parse._walk(pieces, heads, plan, True))


def _lxml(operation_name: str, body: bytes) -> tuple:
    root_name, _, plan = _xml_parse._root_plan(operation_name)
    return _verdict(lambda: _xml_parse._walk_tree(
        read_document(body), root_name, plan, _xml_parse.NAMESPACES))


@pytest.mark.parametrize("document", TAKEN_DOCUMENTS)
def test_the_fast_walker_takes_the_plain_subset(document):
    body = document.encode()
    fast = _fast("DescribeSecurityGroups", body)
    assert fast[0] == "result", fast
    assert fast == _lxml("DescribeSecurityGroups", body)


@pytest.mark.parametrize("inner", FAULTS)
def test_the_fast_walker_names_the_fault_lxml_names(inner):
    body = DESCRIBE.format(inner).encode()
    fast = _fast("DescribeSecurityGroups", body)
    assert fast[0] == ResponseParseError.__name__, fast
    assert fast == _lxml("DescribeSecurityGroups", body)


@pytest.mark.parametrize("returned", ["<return/>", "<return />", "<return>true</return>",
                                      "<return>false</return>", "<return>a&amp;b</return>",
                                      "<return>&#116;rue</return>", "<return>&#x74;rue</return>"])
def test_the_fast_walker_reads_booleans_as_lxml_does(returned):
    body = SEED.replace("<return>true</return>", returned)
    fast = _fast("RevokeSecurityGroupIngress", body.encode())
    assert fast[0] == "result"
    assert fast == _lxml("RevokeSecurityGroupIngress", body.encode())


def test_a_boolean_spelled_with_a_reference_is_read_as_botocore_reads_it():
    """``&#116;rue`` is ``true`` to every XML reader (botocore's ElementTree included)."""
    from tests.codec.test_xml import botocore_parse

    body = SEED.replace("<return>true</return>", "<return>&#116;rue</return>").encode()
    assert botocore_parse("RevokeSecurityGroupIngress", body)["Return"] is True
    assert parse_response("RevokeSecurityGroupIngress", body)["Return"] is True
