"""The fast plain-XML reader never disagrees with hardened lxml: it agrees or declines.

The fast reader is an optimization; lxml is the authority. For any document,
if the fast reader produces a result, lxml's path must produce the same one.
"""

from __future__ import annotations

import pytest
from hypothesis import given

from ec2query._codec import _xml_parse
from ec2query._codec._xmlsafe import Decline, fast_pieces, read_document
from ec2query._codec.xml import parse_response
from ec2query._errors import EC2Error, ResponseParseError
from tests.codec.test_xml import REAL_ERROR
from tests.fuzz.test_xml_hostile import GOOD, SNIPPETS, mutated

OPERATION = "DescribeSecurityGroups"


def fast(body: bytes):
    """The fast reader's result, or None when it declines or finds fault."""
    _, heads, plan = _xml_parse._root_plan(OPERATION)
    pieces = fast_pieces(body)
    if pieces is None:
        return None
    try:
        return _xml_parse._walk(pieces, heads, plan, True)
    except (Decline, EC2Error):
        return None


def slow(body: bytes):
    root_name, _, plan = _xml_parse._root_plan(OPERATION)
    return _xml_parse._walk_tree(read_document(body), root_name, plan, _xml_parse.NAMESPACES)


def test_the_fast_reader_takes_plain_documents():
    assert fast(GOOD) == slow(GOOD)
    assert fast(GOOD) is not None


@pytest.mark.parametrize("snippet", SNIPPETS)
def test_each_snippet_anywhere_agrees_or_declines(snippet):
    text = GOOD.decode()
    for at in range(0, len(text), 7):
        body = (text[:at] + snippet + text[at:]).encode("utf-8", "surrogatepass")
        result = fast(body)
        if result is not None:
            assert result == slow(body), body


@given(mutated())
def test_mutations_agree_or_decline(body):
    result = fast(body)
    if result is not None:
        assert result == slow(body)


@given(mutated())
def test_parse_response_is_lxmls_verdict(body):
    try:
        expected = slow(body)
    except EC2Error as exc:
        with pytest.raises(type(exc)):
            parse_response(OPERATION, body)
        return
    parsed = parse_response(OPERATION, body)
    parsed.pop("ResponseMetadata")
    expected.pop("\0requestId", None)
    assert parsed == expected


ENVELOPES = [
    REAL_ERROR,
    b'<ErrorResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><Error><Type>Sender</Type>'
    b"<Code>AuthFailure</Code><Message>a &amp; b</Message></Error><RequestId>r</RequestId>"
    b"</ErrorResponse>",
]


def _verdict(call) -> tuple:
    try:
        call()
    except EC2Error as exc:
        return type(exc), exc.code, exc.message, exc.request_id
    return ("no error",)


@pytest.mark.parametrize("envelope", ENVELOPES, ids=["Response", "ErrorResponse"])
@pytest.mark.parametrize("snippet", SNIPPETS)
def test_error_envelopes_read_fast_as_lxml_reads_them(envelope, snippet):
    text = envelope.decode()
    for at in range(0, len(text), 5):
        body = (text[:at] + snippet + text[at:]).encode("utf-8", "surrogatepass")
        ours = _verdict(lambda body=body: parse_response(OPERATION, body))

        def lxml_only(body=body):
            root = read_document(body)
            raise _xml_parse._service_error(root)

        expected = _verdict(lxml_only)
        if expected[0] is ResponseParseError and ours[0] is ResponseParseError:
            continue  # both refuse; the messages may name different faults
        assert ours == expected, body


@pytest.mark.parametrize("snippet", SNIPPETS)
def test_the_plain_envelope_shortcut_agrees_with_lxml(snippet):
    """Values in the real envelope, with anything inserted into the message."""
    head, _, tail = REAL_ERROR.decode().partition("already")
    body = (head + snippet + tail).encode("utf-8", "surrogatepass")
    ours = _verdict(lambda: parse_response(OPERATION, body))

    def lxml_only():
        raise _xml_parse._service_error(read_document(body))

    expected = _verdict(lxml_only)
    if expected[0] is ResponseParseError:
        assert ours[0] is ResponseParseError
    else:
        assert ours == expected
