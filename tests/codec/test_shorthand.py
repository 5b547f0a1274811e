"""The shorthand parser and encoder, against aws-cli's own parser where it is installed."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ec2query._codec import shorthand
from ec2query._errors import UsageError
from ec2query._model import operation

PERMISSION = operation("RevokeSecurityGroupIngress").input().by_name["IpPermissions"].shape.member


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a=b", {"a": "b"}),
        ("a=b,c", {"a": ["b", "c"]}),
        ("a=b,c=d", {"a": "b", "c": "d"}),
        ("a=[b,c],d={e=f}", {"a": ["b", "c"], "d": {"e": "f"}}),
        ('a=\'x,y\',b="q\\""', {"a": "x,y", "b": 'q"'}),
        ("a=x\\,y", {"a": "x,y"}),
        ("a=", {"a": ""}),
        ("a=[]", {"a": []}),
        ("a = b ", {"a": "b"}),
        ("Values=a=b", {"Values": "a=b"}),
    ],
)
def test_parse(text: str, expected: dict) -> None:
    assert shorthand.parse(text) == expected


@pytest.mark.parametrize(
    ("text", "position"),
    [("IpProtocol", 10), ("a=[b", 4), ("a=b,a=c", 4), ("a='b", 2), ("", 0)],
)
def test_errors_carry_the_position(text: str, position: int) -> None:
    with pytest.raises(shorthand.ShorthandError) as info:
        shorthand.parse(text)
    assert info.value.position == position
    assert f"position {position}" in info.value.message
    assert isinstance(info.value, UsageError)


def test_coerce_uses_the_model() -> None:
    parsed = shorthand.parse("IpProtocol=tcp,FromPort=22,ToPort=-1,IpRanges={CidrIp=1.2.3.4/32}")
    assert shorthand.coerce(parsed, PERMISSION) == {
        "IpProtocol": "tcp",
        "FromPort": 22,
        "ToPort": -1,
        "IpRanges": [{"CidrIp": "1.2.3.4/32"}],
    }
    with pytest.raises(UsageError, match="FromPort"):
        shorthand.coerce(shorthand.parse("FromPort=x"), PERMISSION, "IpPermissions[0]")


def test_encode_falls_back_where_shorthand_cannot_say_it() -> None:
    assert shorthand.encode({}, PERMISSION) is None
    assert shorthand.encode({"IpProtocol": "tcp", "FromPort": 22}, PERMISSION) == (
        "IpProtocol=tcp,FromPort=22"
    )


_alphabet = st.sampled_from(list("ab=,[]{}'\"\\ @.-1\n:#"))


@given(text=st.text(_alphabet, max_size=14))
def test_same_as_awscli_parser(text: str) -> None:
    aws = pytest.importorskip("awscli.shorthand")
    try:
        theirs = aws.ShorthandParser().parse(text)
    except aws.ShorthandParseError:
        with pytest.raises(shorthand.ShorthandError):
            shorthand.parse(text)
        return
    assert shorthand.parse(text) == theirs


_strings = st.text(st.characters(exclude_categories=("Cs",)), max_size=8)
_ranges = st.lists(
    st.fixed_dictionaries({"CidrIp": _strings}, optional={"Description": _strings}), max_size=2
)


@given(
    rule=st.fixed_dictionaries(
        {},
        optional={"IpProtocol": _strings, "FromPort": st.integers(-5, 70000), "IpRanges": _ranges},
    )
)
def test_encode_round_trips(rule: dict) -> None:
    text = shorthand.encode(rule, PERMISSION)
    if text is not None:
        assert shorthand.coerce(shorthand.parse(text), PERMISSION) == rule


def test_parsing_formats_no_error_per_backtrack(monkeypatch) -> None:
    """Counting work: each key backtracks once in its csv list; formatting an error per
    backtrack (quoting the whole line) made 16,000 keys take seconds, quadratically."""
    made = []
    original = shorthand.ShorthandError.__init__

    def counting(self, text, position, problem):
        made.append(position)
        original(self, text, position, problem)

    monkeypatch.setattr(shorthand.ShorthandError, "__init__", counting)
    text = ",".join(f"k{i:0200}=v" for i in range(4900))  # ~1 MB: 4,900 keys of 200 chars
    assert len(shorthand.parse(text)) == 4900
    assert made == []


def test_more_keys_than_a_request_carries_are_refused_quickly() -> None:
    import time

    started = time.perf_counter()
    with pytest.raises(shorthand.ShorthandError, match="more than 5000"):
        shorthand.parse(",".join(f"k{i}=v" for i in range(110_000)))  # 1 MB
    assert time.perf_counter() - started < 5


@pytest.mark.parametrize("digits", [5_000, 100_000])
def test_a_long_integer_is_out_of_range_not_a_value_error(digits) -> None:
    with pytest.raises(UsageError) as info:
        shorthand.coerce(shorthand.parse(f"FromPort={'9' * digits}"), PERMISSION)
    assert info.value.code == "InvalidParameterValue"
