"""The Query decoder's fast entry points give what ``from_query`` gives (no timing here)."""

from __future__ import annotations

from hypothesis import example, given
from hypothesis import strategies as st

from ec2query.codec.query import from_query, from_text_pairs, split_pairs

KEYS = st.sampled_from([
    "Action", "Version", "GroupName", "GroupId", "DryRun", "IpProtocol", "FromPort", "CidrIp",
    "IpPermissions.1.IpProtocol", "IpPermissions.1.FromPort", "IpPermissions.2.ToPort",
    "IpPermissions.1.IpRanges.1.CidrIp", "IpPermissions.1.IpRanges.3.Description",
    "IpPermissions.01.IpProtocol", "IpPermissions.x", "Bogus", "",
])
VALUES = st.one_of(st.sampled_from(["AuthorizeSecurityGroupIngress", "RevokeSecurityGroupEgress",
                                    "2016-11-15", "2011-12-15", "80", "-1", "true", "tcp",
                                    "10.0.0.0/8", "x" * 70000]),
                   st.text(max_size=8))
BODIES = st.lists(st.tuples(KEYS, VALUES), max_size=8).map(
    lambda pairs: "&".join(f"{k}={v}" for k, v in pairs).encode("utf-8", "surrogatepass"))


def _outcome(call):
    try:
        return call()
    except Exception as exc:
        return type(exc), getattr(exc, "code", None), str(exc)


@given(st.one_of(BODIES, st.binary(max_size=64)))
@example(b"Action=RevokeSecurityGroupIngress&Version=2016-11-15&GroupName=websrv"
         b"&IpPermissions.1.IpProtocol=tcp&IpPermissions.1.FromPort=80"
         b"&IpPermissions.1.ToPort=80&IpPermissions.1.IpRanges.1.CidrIp=205.192.0.0%2F16")
@example(b"Action=RevokeSecurityGroupIngress&GroupName=a&GroupName=b")
@example(b"\xff=1")
def test_from_text_pairs_of_split_pairs_equals_from_query(body: bytes) -> None:
    assert _outcome(lambda: from_text_pairs(split_pairs(body))) == _outcome(
        lambda: from_query(body))


TEXT = st.text(st.characters(codec="utf-8") | st.sampled_from("%+ /&=~-_.é\x01\x02"),
               max_size=12)
RULE = st.fixed_dictionaries({"IpProtocol": TEXT, "FromPort": st.integers(-1, 65535)},
                             optional={"IpRanges": st.lists(st.fixed_dictionaries(
                                 {"CidrIp": TEXT}, optional={"Description": TEXT}), max_size=2)})
PARAMS = st.fixed_dictionaries({}, optional={"GroupName": TEXT, "GroupId": TEXT,
                                             "IpPermissions": st.lists(RULE, max_size=6)})


@given(PARAMS)
@example({"GroupName": "a b/c+d%e", "IpPermissions": [{"IpRanges": [{"CidrIp": "1/2"}]}]})
@example({"GroupName": "a\x01b", "IpPermissions": [{"IpProtocol": "t\x02"}] * 5})
@example({"GroupName": "é", "IpPermissions": [{"IpProtocol": "%+ &="}] * 5})
@example({"IpPermissions": [{"IpRanges": [{"CidrIp": "1/2", "Description": "a b"}]}] * 5})
def test_encode_query_text_equals_form_encoding_of_to_query(params) -> None:
    from ec2query._percent import encode_form
    from ec2query.codec.query import encode_query, to_query

    assert encode_query("AuthorizeSecurityGroupIngress", params) == encode_form(
        to_query("AuthorizeSecurityGroupIngress", params))


@given(st.text(st.characters(max_codepoint=127), max_size=16))
@example("a b")
@example("%+%+ /")
def test_form_escape_found_equals_form_encode(text: str) -> None:
    from ec2query._percent import find_reserved, form_encode, form_escape_found

    reserved = find_reserved(text)
    if reserved:
        assert form_escape_found(text, reserved) == form_encode(text)


@given(st.lists(st.tuples(st.text("abcXYZ09.", min_size=1, max_size=6),
                          st.text(st.characters(max_codepoint=127, exclude_characters="\x01\x02"),
                                  max_size=10)), min_size=1, max_size=6))
def test_form_escape_joined_equals_encode_form(pairs) -> None:
    from ec2query._percent import encode_form, form_escape_joined

    text = "\x02".join(f"{k}\x01{v}" for k, v in pairs)
    assert form_escape_joined(text, "\x01", "\x02") == encode_form(pairs)


FLAT = st.dictionaries(KEYS.filter(lambda k: k not in ("Action", "Version")), VALUES,
                       max_size=6)


@given(FLAT, st.sampled_from(["2016-11-15", "2011-12-15"]))
@example({"IpPermissions.2.ToPort": "80", "IpPermissions.1.IpRanges.3.Description": "d"},
         "2016-11-15")
@example({"IpPermissions.x": "1"}, "2016-11-15")
def test_deserialize_with_compiled_keys_equals_placing_each_key(flat, version) -> None:
    from ec2query.codec import query
    from ec2query.model import operation

    shape = operation("AuthorizeSecurityGroupIngress").input(version)

    def reference():
        root: dict = {}
        plan = query._read_plan(shape)
        for key, raw in flat.items():
            query._place(root, plan, key, raw)
        return query._finish(root)

    expected = _outcome(reference)
    assert _outcome(lambda: query.deserialize(flat, shape)) == expected
    assert _outcome(lambda: query.deserialize(flat, shape)) == expected  # compiled keys cached


@given(st.one_of(BODIES, st.binary(max_size=48),
                 st.text(st.sampled_from("ab=&%+2F0Ce\x7f"), max_size=24).map(str.encode)))
@example(b"a=%ff&b=1")
@example(b"%=%&+=+&&=&a")
def test_split_pairs_equals_decoding_each_component(body: bytes) -> None:
    from ec2query.codec.query import _decode_component

    def reference():
        out = []
        for piece in body.split(b"&"):
            if piece:
                key, _, value = piece.partition(b"=")
                out.append((_decode_component(key), _decode_component(value)))
        return out

    assert _outcome(lambda: list(split_pairs(body))) == _outcome(reference)
