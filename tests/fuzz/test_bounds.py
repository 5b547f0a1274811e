"""Every resource bound of SECURITY.md, at and just past its limit, refused with EC2's error."""

from __future__ import annotations

import pytest

import ec2query
from ec2query import _limits as limits
from ec2query._codec import shorthand
from ec2query._codec.cliargs import from_cli_args
from ec2query._errors import RequestError, UsageError
from tests.fuzz.hostile import bounded

OP = "RevokeSecurityGroupIngress"
HEAD = f"Action={OP}&Version=2016-11-15&GroupId=sg-12345678"


def refused(data: object, code: str) -> RequestError:
    """``from_query(data)`` raises RequestError ``code`` quickly; the error."""
    with pytest.raises(RequestError) as info:
        bounded(lambda: ec2query.from_query(data))
    assert info.value.code == code, info.value
    return info.value


def test_body_size_at_and_past_the_limit():
    piece = "&IpPermissions.{}.IpRanges.1.Description=" + "d" * 50_000
    body = HEAD + "".join(piece.format(i) for i in range(1, 21))
    assert len(body) < limits.MAX_QUERY_BYTES
    assert len(bounded(lambda: ec2query.from_query(body))[1]["IpPermissions"]) == 20
    error = refused((HEAD + "&" + "x" * limits.MAX_QUERY_BYTES).encode(), "InvalidParameterValue")
    assert str(limits.MAX_QUERY_BYTES) in error.message


def test_number_of_parameters():
    ok = [("Action", OP)] + [(f"IpPermissions.{i}.IpProtocol", "tcp") for i in range(1, 1000)]
    assert len(bounded(lambda: ec2query.from_query(ok))[1]["IpPermissions"]) == 999
    many = "&".join(f"p{i}=v" for i in range(limits.MAX_PARAMS + 1))
    error = refused(f"Action={OP}&{many}", "InvalidParameterValue")
    assert str(limits.MAX_PARAMS) in error.message


@pytest.mark.parametrize("index", ["1001", "99999999", "9" * 400, "18446744073709551617"])
def test_list_index_above_the_limit(index):
    error = refused(f"{HEAD}&IpPermissions.{index}.IpProtocol=tcp", "InvalidParameterValue")
    assert str(limits.MAX_LIST_INDEX) in error.message
    assert len(error.message) < len(index) + 200


@pytest.mark.parametrize("index", ["0", "01", "-1", "+1", "1e3", "١", "²", "", " 1"])
def test_malformed_list_indexes(index):
    refused(f"{HEAD}&IpPermissions.{index}.IpProtocol=tcp".encode(), "InvalidParameterValue")


def test_list_index_at_the_limit_is_read():
    _, params = ec2query.from_query(f"{HEAD}&IpPermissions.{limits.MAX_LIST_INDEX}.IpProtocol=tcp")
    assert params["IpPermissions"] == [{"IpProtocol": "tcp"}]


def test_value_length():
    at = [("Action", OP), ("GroupName", "g" * limits.MAX_VALUE_LENGTH)]
    assert len(ec2query.from_query(at)[1]["GroupName"]) == limits.MAX_VALUE_LENGTH
    past = [("Action", OP), ("GroupName", "g" * (limits.MAX_VALUE_LENGTH + 1))]
    error = refused(past, "InvalidParameterValue")
    assert str(limits.MAX_VALUE_LENGTH) in error.message and len(error.message) < 300
    refused({"Action": OP, "GroupName": "g" * 10_000_000}, "InvalidParameterValue")


@pytest.mark.parametrize("value", ["2147483648", "-2147483649", "9" * 5000, "١٢", "²", "0x1"])
def test_integers_are_32_bit_ascii(value):
    refused(f"{HEAD}&IpPermissions.1.FromPort={value}", "InvalidParameterValue")


@pytest.mark.parametrize(
    "encoded",
    [
        "%C0%AF",  # overlong "/"
        "%E0%80%80",  # overlong NUL
        "%ED%A0%80",  # UTF-8 of a surrogate
        "%F4%90%80%80",  # above U+10FFFF
        "%FF",
        "%C3",  # truncated sequence
    ],
)
def test_invalid_utf8_is_malformed_query_string(encoded):
    refused(f"{HEAD}&GroupName={encoded}", "MalformedQueryString")
    refused(f"{HEAD}&GroupName={encoded}".encode(), "MalformedQueryString")


def test_surrogates_in_text_input():
    refused(f"{HEAD}&GroupName=\ud800", "MalformedQueryString")
    refused([("Action", OP), ("GroupName", "\udcff")], "MalformedQueryString")


@pytest.mark.parametrize(
    ("raw", "decoded"),
    [
        ("%", "%"),
        ("%%", "%%"),
        ("%2", "%2"),
        ("%zz", "%zz"),
        ("%2525", "%25"),
        ("%00", "\x00"),
        ("%0D%0A", "\r\n"),
        ("a+b%20c", "a b c"),
    ],
)
def test_pathological_percent_encoding_decodes_like_ec2(raw, decoded):
    """Stray ``%`` are literal (as urllib reads them); NUL and CRLF are plain data here."""
    assert ec2query.from_query(f"{HEAD}&GroupName={raw}")[1]["GroupName"] == decoded


def test_a_megabyte_of_percent_signs_is_quick():
    value = "%" * (limits.MAX_VALUE_LENGTH - 1)
    body = HEAD + "".join(
        f"&IpPermissions.{i}.IpRanges.1.Description={value}" for i in range(1, 16)
    )
    assert len(body) < limits.MAX_QUERY_BYTES
    bounded(lambda: ec2query.from_query(body))
    assert ec2query.from_query(f"{HEAD}&GroupName={value}")[1]["GroupName"] == value


@pytest.mark.parametrize(("opener", "levels"), [("[", 1), ("{a=", 1), ("[{a=", 2)])
def test_shorthand_nesting(opener, levels):
    """32 levels parse (SECURITY.md's limit), one more is ParamValidation, and 100,000 are
    refused as fast."""
    depth = limits.MAX_SHORTHAND_DEPTH
    assert depth == 32
    closer = {"[": "]", "{a=": "}", "[{a=": "}]"}[opener]

    def nested(units: int) -> str:
        return "k=" + opener * units + "v" + closer * units

    bounded(lambda: shorthand.parse(nested(depth // levels)))
    for text in (nested(depth // levels + 1), "k=" + opener * 100_000):
        with pytest.raises(shorthand.ShorthandError) as info:
            bounded(lambda: shorthand.parse(text))  # noqa: B023 - called at once
        assert info.value.code == "ParamValidation"
        assert f"deeper than {depth} levels" in info.value.message


@pytest.mark.parametrize("flag", ["--ip-permissions", "--cli-input-json", "--filters"])
@pytest.mark.parametrize("text", ["[" * 100_000, '{"a":' * 100_000, "[" * 900 + "]" * 900])
def test_deep_json_in_cli_values(flag, text):
    operation = "describe-security-groups" if flag == "--filters" else OP
    with pytest.raises(UsageError):
        bounded(lambda: from_cli_args(operation, [flag, text]))


def test_deep_shorthand_in_cli_values():
    with pytest.raises(UsageError):
        bounded(lambda: from_cli_args(OP, ["--ip-permissions", "IpRanges=" + "[" * 100_000]))
