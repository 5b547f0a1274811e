"""The one XML reader against the oracle: botocore's ``EC2QueryParser`` on the same bytes.

Documents are the hostile suite's page and EC2's acknowledgement and error
envelopes, with fragments inserted anywhere, mutated at random, or written
in every construct XML allows (empty elements, tags with spaces, stray
elements, items under another tag, references, comments, CDATA). Where we
return a dict, botocore returns the same dict; where we refuse, it is with an
EC2Error: we are stricter than botocore where it returns garbage or crashes
(a repeated member, an integer that is not one, a wrong root or namespace,
a DOCTYPE, nesting beyond 64). Where we raise ServiceError, botocore's error
parse reads the same code, message and request id.
"""

from __future__ import annotations

import pytest
from botocore.parsers import ResponseParserError
from hypothesis import given
from hypothesis import strategies as st

from ec2query._codec.xml import parse_response
from ec2query._errors import EC2Error, ResponseParseError, ServiceError
from tests.codec.test_xml import REAL_ERROR, botocore_parse
from tests.fuzz.test_xml_hostile import GOOD, SNIPPETS, mutated

DESCRIBE = "DescribeSecurityGroups"
REVOKE = "RevokeSecurityGroupIngress"
NS = "http://ec2.amazonaws.com/doc/2016-11-15/"


def oracle(operation_name: str, body: bytes, status: int = 200) -> dict | None:
    """botocore's reading; None where only XML's editions differ.

    U+FEFF is a name character in XML 1.0's fifth edition (libxml2) but not in
    the fourth (expat, botocore's parser): ``<?\ufeffxml ...?>`` is a processing
    instruction to one and a fault to the other. No other difference is allowed.
    """
    try:
        return botocore_parse(operation_name, body, status)
    except ResponseParserError:
        assert "\ufeff".encode() in body, body
        return None


def agrees_with_botocore(operation_name: str, body: bytes) -> None:
    """Our dict is botocore's; or we refuse with an EC2Error; ServiceError as botocore reads it."""
    try:
        ours = parse_response(operation_name, body)
    except ServiceError as error:
        theirs = oracle(operation_name, body, status=400)
        if theirs is None:
            return
        code = theirs.get("Error", {}).get("Code")
        message = theirs.get("Error", {}).get("Message")
        request_id = theirs.get("ResponseMetadata", {}).get("RequestId")
        if not isinstance(code, str) or any(
            not isinstance(value, (str, type(None))) for value in (message, request_id)
        ):
            return  # botocore reads a nested element as a dict: garbage, nothing to compare
        assert error.code == code, body
        assert error.message == (message or ""), body
        assert error.request_id == request_id, body
        return
    except EC2Error:
        return
    theirs = oracle(operation_name, body)
    if theirs is not None:
        assert ours == theirs, body


# --------------------------------------------------------------------------- a page


@pytest.mark.parametrize("snippet", SNIPPETS)
def test_each_snippet_anywhere_in_a_page(snippet):
    text = GOOD.decode()
    for at in range(0, len(text), 7):
        agrees_with_botocore(DESCRIBE, (text[:at] + snippet + text[at:]).encode(
            "utf-8", "surrogatepass"))


@given(mutated())
def test_mutated_pages(body):
    agrees_with_botocore(DESCRIBE, body)


PAGE = f'<DescribeSecurityGroupsResponse xmlns="{NS}"><requestId>r</requestId>{{}}' + (
    "</DescribeSecurityGroupsResponse>"
)
GROUP = "<securityGroupInfo><item>{}</item></securityGroupInfo>"
RULE = GROUP.format("<ipPermissions><item>{}</item></ipPermissions>")

CONSTRUCTS = [
    GROUP.format("<groupName/><groupId /><vpcId></vpcId><ownerId>1</ownerId>"),
    GROUP.format("<ipPermissions/><ipPermissionsEgress /><tagSet></tagSet>"),
    RULE.format("<groups/><ipRanges><item/><item /></ipRanges><ipv6Ranges></ipv6Ranges>"),
    RULE.format("<fromPort>1</fromPort ><toPort>2</toPort\t>"),
    RULE.format("<fromPort> +1_0 </fromPort><toPort>\u0661\u0662</toPort>"),
    RULE.format("<ipRanges><member><cidrIp>a</cidrIp></member><x/></ipRanges>"),
    RULE.format("<ipRanges><item><cidrIp>a</cidrIp><unknown><a>b</a><c/></unknown></item></ipRanges>"),
    GROUP.format("<unknown>text</unknown><also/><groupName>g</groupName>"),
    GROUP.format("<groupName>a &amp; b &lt;c&gt; &quot;&apos; &#65;&#x42;</groupName>"),
    GROUP.format("<groupName>a<!-- c -->b<![CDATA[<c>]]><?pi x?>d</groupName>"),
    RULE.format("<fromPort>&#49;2</fromPort>"),
    GROUP.format("<groupName>a<b/>c</groupName>"),
    GROUP.format("<groupName>a<b>x</b>c</groupName><groupId>i</groupId>"),
    GROUP.format("<groupName>a</groupName>tail<groupId>i</groupId>"),
    GROUP.format('<g:groupName xmlns:g="urn:g" g:a="1">n</g:groupName>'),
    GROUP.format('<groupName xmlns="">n</groupName><groupId xmlns="urn:x">i</groupId>'),
    "",
]
CONSTRUCT_PAGES = [PAGE.format(inner) for inner in CONSTRUCTS] + [
    PAGE.replace("<requestId>r</requestId>", "<requestId/>").format(""),
    PAGE.replace("<requestId>r</requestId>", "<requestId />").format(""),
    PAGE.replace("<requestId>r</requestId>", "<requestId>a&amp;b</requestId>").format(""),
    PAGE.replace("<requestId>r</requestId>", "").format(""),
]


@pytest.mark.parametrize("document", CONSTRUCT_PAGES)
def test_every_construct_reads_as_botocore_reads_it(document):
    body = document.encode()
    assert parse_response(DESCRIBE, body) == botocore_parse(DESCRIBE, body)


FAULTS = [
    (RULE.format("<fromPort/>"), "fromPort is not an integer: ''"),
    (RULE.format("<fromPort>x</fromPort>"), "fromPort is not an integer: 'x'"),
    (RULE.format("<fromPort>1</fromPort><fromPort>2</fromPort>"),
     "fromPort appears more than once in item"),
    (RULE.format("<fromPort>1</fromPort><fromPort>x</fromPort>"),
     "fromPort appears more than once in item"),
    (GROUP.format("<groupName>a</groupName><groupName/>"),
     "groupName appears more than once in item"),
    (GROUP.format("<ipPermissions/><ipPermissions></ipPermissions>"),
     "ipPermissions appears more than once in item"),
    ("<requestId>s</requestId>",
     "requestId appears more than once in DescribeSecurityGroupsResponse"),
]


@pytest.mark.parametrize(("inner", "message"), FAULTS)
def test_faults_botocore_would_mangle_are_named(inner, message):
    with pytest.raises(ResponseParseError) as info:
        parse_response(DESCRIBE, PAGE.format(inner).encode())
    assert info.value.message == f"The element {message}"


# --------------------------------------------------------------------------- acknowledgements

SEED = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    f'<RevokeSecurityGroupIngressResponse xmlns="{NS}">\n'
    "  <requestId>59dbff89-35bd-4eac-99ed-be587EXAMPLE</requestId>\n"
    "  <return>true</return>\n"
    "</RevokeSecurityGroupIngressResponse>\n"
)
VARIANTS = [
    SEED.replace("true", "false"),
    SEED.replace("true", "True"),
    SEED.replace("true", " true "),
    SEED.replace("true", "tr&#117;e"),
    SEED.replace("true", "&#116;rue"),
    SEED.replace("59dbff89", "a&amp;b]]&gt;é\x7f"),
    SEED.replace("<return>true</return>", "<return/>"),
    SEED.replace("<return>true</return>", "<return>true</return >"),
    SEED.replace("<requestId>59dbff89-35bd-4eac-99ed-be587EXAMPLE</requestId>", "<requestId/>"),
    SEED.replace("  <return>true</return>\n", ""),
    SEED.replace('<?xml version="1.0" encoding="UTF-8"?>\n', ""),
    SEED.replace('encoding="UTF-8"', 'encoding="utf-8"'),
    SEED.replace("\n", "\r\n"),
    SEED.replace(NS, NS.rstrip("/")),
    SEED.replace("2016-11-15", "2011-12-15"),
    "<!-- a comment -->\n<?pi x?>" + SEED.partition("\n")[2],
    " \n" + SEED.partition("\n")[2],
    "\ufeff" + SEED,
]


@pytest.mark.parametrize("text", [SEED, *VARIANTS])
def test_acknowledgements_read_as_botocore_reads_them(text):
    body = text.encode()
    assert parse_response(REVOKE, body) == botocore_parse(REVOKE, body)


@pytest.mark.parametrize("snippet", SNIPPETS)
def test_each_snippet_anywhere_in_an_acknowledgement(snippet):
    for at in range(len(SEED) + 1):
        agrees_with_botocore(REVOKE, (SEED[:at] + snippet + SEED[at:]).encode(
            "utf-8", "surrogatepass"))


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
def test_mutated_acknowledgements(body):
    agrees_with_botocore(REVOKE, body)


# --------------------------------------------------------------------------- error documents

ENVELOPES = [
    REAL_ERROR,
    b'<ErrorResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><Error><Type>Sender</Type>'
    b"<Code>AuthFailure</Code><Message>a &amp; b</Message></Error><RequestId>r</RequestId>"
    b"</ErrorResponse>",
]


@pytest.mark.parametrize("envelope", ENVELOPES, ids=["Response", "ErrorResponse"])
@pytest.mark.parametrize("snippet", SNIPPETS)
def test_each_snippet_anywhere_in_an_error_envelope(envelope, snippet):
    text = envelope.decode()
    for at in range(0, len(text), 5):
        agrees_with_botocore(REVOKE, (text[:at] + snippet + text[at:]).encode(
            "utf-8", "surrogatepass"))


@pytest.mark.parametrize(
    "body",
    [
        b"<Response><Errors><Error><Code>C</Code></Error></Errors></Response>",
        b"<Response><RequestId>r</RequestId><Errors><Error><Message>m</Message><Code>C</Code>"
        b"</Error></Errors></Response>",
        b'<e:Response xmlns:e="urn:e"><e:Errors><Error><e:Code>C</e:Code></Error></e:Errors>'
        b"<RequestID>r</RequestID><RequestId>s</RequestId></e:Response>",
        b"<Response><Errors><Error><Code>C<x/></Code><Message>a<!-- -->b</Message></Error>"
        b"</Errors></Response>",
    ],
)
def test_error_envelopes_in_other_spellings(body):
    with pytest.raises(ServiceError):
        parse_response(REVOKE, body)
    agrees_with_botocore(REVOKE, body)
