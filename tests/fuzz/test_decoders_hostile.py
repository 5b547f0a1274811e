"""Hostile text through every decoder: a result or an EC2Error, quickly.

Complements test_query_fuzz / test_cli_fuzz / test_xml_hostile (random
structure) with hostile *content*: encodings, controls, surrogates, nesting.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

import ec2query
from ec2query._codec import shorthand
from ec2query._codec.cliargs import from_cli_args
from ec2query._codec.query import encode_query
from ec2query._codec.xml import parse_response
from ec2query._errors import EC2Error
from tests.fuzz.hostile import MIXED_TEXT, NASTY, OPERATIONS, QUERY_PAIRS, result_or_ec2_error


@given(QUERY_PAIRS)
def test_from_query_pairs_strings_and_bytes(pairs):
    for data in (
        pairs,
        dict(pairs),
        "&".join(f"{k}={v}" for k, v in pairs),
        "&".join(f"{k}={v}" for k, v in pairs).encode("utf-8", "surrogatepass"),
    ):
        result = result_or_ec2_error(lambda data=data: ec2query.from_query(data))
        if not isinstance(result, EC2Error):
            operation, params = result
            assert operation in OPERATIONS and isinstance(params, dict)


@given(QUERY_PAIRS)
def test_what_decodes_re_encodes_and_decodes_the_same(pairs):
    result = result_or_ec2_error(lambda: ec2query.from_query(pairs))
    if isinstance(result, EC2Error):
        return
    operation, params = result
    version = dict(pairs).get("Version", "2016-11-15")
    again = ec2query.from_query(encode_query(operation, params, version=version))
    assert again == (operation, params)


SHORTHAND_PIECES = st.sampled_from(
    ["a", "=", ",", "[", "]", "{", "}", "'", '"', "\\", "\\,", " ", "@=", "file://x", "b=c", "\n"]
)
SHORTHAND = st.one_of(
    st.lists(st.one_of(SHORTHAND_PIECES, NASTY), max_size=30).map("".join),
    st.text(max_size=60),
)


@given(SHORTHAND)
def test_shorthand_parse(text):
    result = result_or_ec2_error(lambda: shorthand.parse(text))
    assert isinstance(result, (dict, EC2Error))


CLI_OPTIONS = st.sampled_from(
    [
        "--group-id",
        "--group-name",
        "--ip-permissions",
        "--cidr",
        "--port",
        "--protocol",
        "--description",
        "--cli-input-json",
        "--filters",
        "--group-ids",
        "--tag-specifications",
        "--max-results",
    ]
)
CLI_VALUES = st.one_of(
    MIXED_TEXT,
    SHORTHAND,
    st.sampled_from(
        [
            '{"GroupId": "\\ud800"}',
            '[{"IpProtocol": "\\u0000"}]',
            '{"IpPermissions": [{"FromPort": 1e400}]}',
            '{"IpPermissions": [{"FromPort": 99999999999999999999999}]}',
            "NaN",
            "[" * 2000,
            "IpProtocol=tcp,IpRanges=[{CidrIp=\x00}]",
            "file:///dev/null",
            "fileb:///dev/null",
            "http://169.254.169.254/latest/meta-data/",
        ]
    ),
)


@settings(max_examples=100)
@given(st.sampled_from(OPERATIONS), st.lists(st.one_of(CLI_OPTIONS, CLI_VALUES), max_size=6))
def test_from_cli_args(operation, argv):
    result = result_or_ec2_error(lambda: from_cli_args(operation, argv))
    assert isinstance(result, (dict, EC2Error))


@given(st.sampled_from(OPERATIONS), st.one_of(MIXED_TEXT, st.binary(max_size=100)))
def test_parse_response_on_hostile_text(operation, body):
    """Text (not only bytes) bodies, surrogates included, for every operation."""
    result = result_or_ec2_error(lambda: parse_response(operation, body))
    assert isinstance(result, (dict, EC2Error))
