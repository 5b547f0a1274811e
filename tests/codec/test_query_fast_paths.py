"""The Query decoder's fast entry points give what ``from_query`` gives (no timing here)."""

from __future__ import annotations

from hypothesis import example, given
from hypothesis import strategies as st

from ec2query._codec.query import from_query, from_text_pairs, split_pairs
from ec2query._percent import form_encode

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
    from ec2query._codec.query import encode_query, to_query
    from ec2query._percent import encode_form

    assert encode_query("AuthorizeSecurityGroupIngress", params) == encode_form(
        to_query("AuthorizeSecurityGroupIngress", params))


@given(st.text(st.characters(max_codepoint=127), max_size=16))
@example("a b")
@example("%+%+ /")
@example("".join(map(chr, range(128))))
def test_form_table_translation_equals_form_encode(text: str) -> None:
    from ec2query._percent import FORM_TABLE, form_encode

    assert text.translate(FORM_TABLE) == form_encode(text)


@given(st.lists(st.tuples(st.text("abcXYZ09.", min_size=1, max_size=6),
                          st.text(st.characters(max_codepoint=127) | st.sampled_from("é\ud800"),
                                  max_size=10)), min_size=1, max_size=6))
@example([("a", "%+ /%+"), ("b", "")])
@example([("a", "x\x01"), ("b", "y")])
@example([("a", "x"), ("b", "\x02y")])
@example([("a", "é")])
def test_form_escape_joined_equals_encode_form(pairs) -> None:
    from ec2query._percent import encode_form, form_escape_joined

    body = form_escape_joined([f"{k}\x01{v}" for k, v in pairs], "\x01", "\x02")
    values = "".join(v for _, v in pairs)
    if values.isascii() and "\x01" not in values and "\x02" not in values:
        assert body == encode_form(pairs)
    else:
        assert body is None


FLAT = st.dictionaries(KEYS.filter(lambda k: k not in ("Action", "Version")), VALUES,
                       max_size=6)


@given(FLAT, st.sampled_from(["2016-11-15", "2011-12-15"]))
@example({"IpPermissions.2.ToPort": "80", "IpPermissions.1.IpRanges.3.Description": "d"},
         "2016-11-15")
@example({"IpPermissions.x": "1"}, "2016-11-15")
def test_deserialize_with_compiled_keys_equals_placing_each_key(flat, version) -> None:
    from ec2query._codec import query
    from ec2query._model import operation

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
    from ec2query._codec.query import _decode_component

    def reference():
        out = []
        for piece in body.split(b"&"):
            if piece:
                key, _, value = piece.partition(b"=")
                out.append((_decode_component(key), _decode_component(value)))
        return out

    assert _outcome(lambda: list(split_pairs(body))) == _outcome(reference)


# encode_query's layout walk against the general walk it falls back to: whenever the layout
# walk finishes, its body is the general walk's; anything else (errors included) comes from
# the general walk itself.

_MEMBERS = ["GroupName", "GroupId", "GroupIds", "GroupNames", "DryRun", "MaxResults",
            "NextToken", "Filters", "Name", "Values", "IpPermissions", "IpProtocol",
            "FromPort", "ToPort", "IpRanges", "CidrIp", "Description", "UserIdGroupPairs",
            "UserId", "Ipv6Ranges", "CidrIpv6", "PrefixListIds", "PrefixListId",
            "TagSpecifications", "Tags", "Key", "Value", "SecurityGroupRuleIds", "Bogus"]
ANY_TEXT = st.one_of(TEXT, st.text(st.characters(max_codepoint=127), max_size=12),
                     st.sampled_from(["sg-0abc", "-", "", "a-b c", "10.0.0.0/8", "\ud800"]))
ANY_SCALAR = st.one_of(ANY_TEXT, st.integers(-2, 70000), st.booleans(), st.none(),
                       st.floats(allow_nan=False))
ANY_VALUE = st.recursive(
    ANY_SCALAR,
    lambda inner: st.one_of(st.lists(inner, max_size=5), st.lists(inner, max_size=2).map(tuple),
                            st.dictionaries(st.sampled_from(_MEMBERS), inner, max_size=4)),
    max_leaves=12)
ANY_PARAMS = st.dictionaries(st.sampled_from(_MEMBERS), ANY_VALUE, max_size=5)
VALID_RULE = st.fixed_dictionaries({}, optional={
    "IpProtocol": ANY_TEXT, "FromPort": st.integers(-1, 65535), "ToPort": st.integers(-1, 65535),
    "IpRanges": st.lists(st.fixed_dictionaries({}, optional={
        "CidrIp": ANY_TEXT, "Description": ANY_TEXT}), max_size=4),
    "UserIdGroupPairs": st.lists(st.fixed_dictionaries({}, optional={
        "GroupId": ANY_TEXT, "UserId": ANY_TEXT}), max_size=2)})
VALID_PARAMS = st.fixed_dictionaries({}, optional={
    "GroupName": ANY_TEXT, "GroupId": ANY_TEXT, "DryRun": st.booleans(),
    "FromPort": st.integers(-1, 65535), "SecurityGroupRuleIds": st.lists(ANY_TEXT, max_size=4),
    "IpPermissions": st.lists(VALID_RULE, max_size=4)})
DESCRIBE_PARAMS = st.fixed_dictionaries({}, optional={
    "GroupIds": st.lists(ANY_TEXT, max_size=4), "DryRun": st.booleans(),
    "MaxResults": st.integers(5, 1000), "NextToken": ANY_TEXT,
    "Filters": st.lists(st.fixed_dictionaries({"Name": ANY_TEXT}, optional={
        "Values": st.lists(ANY_TEXT, max_size=4)}), max_size=4)})


def _general(operation: str, params, version: str = "2016-11-15"):
    from ec2query._codec import query

    return _outcome(lambda: query._general_text(
        operation, params, version, query._root(operation, version)))


@given(st.sampled_from(["RevokeSecurityGroupIngress", "AuthorizeSecurityGroupEgress",
                        "DescribeSecurityGroups", "CreateSecurityGroup"]),
       st.one_of(ANY_PARAMS, VALID_PARAMS, DESCRIBE_PARAMS))
@example("RevokeSecurityGroupIngress", {"GroupId": "sg-0a", "DryRun": True, "ToPort": -1})
@example("RevokeSecurityGroupIngress", {"FromPort": True})
@example("RevokeSecurityGroupIngress", {"SecurityGroupRuleIds": ["sgr-1", "a b", "", "é"]})
@example("RevokeSecurityGroupIngress", {"IpPermissions": [{"IpRanges": [{"CidrIp": "1/2"}] * 4}]})
@example("DescribeSecurityGroups", {"Filters": [{"Name": "n", "Values": ("a", "b")}]})
def test_encode_query_equals_the_general_walk(operation: str, params) -> None:
    from ec2query._codec.query import encode_query

    assert _outcome(lambda: encode_query(operation, params)) == _general(operation, params)


@given(st.one_of(ANY_PARAMS, VALID_PARAMS))
def test_encode_query_equals_the_general_walk_legacy(params) -> None:
    from ec2query._codec.query import encode_query

    op = "AuthorizeSecurityGroupIngress"
    assert _outcome(lambda: encode_query(op, params, version="2011-12-15")) == _general(
        op, params, "2011-12-15")


def test_layout_walk_writes_the_benchmark_requests() -> None:
    # The layout walk takes these itself (no fallback), and agrees with the general walk.
    from benchmarks import inputs
    from ec2query._codec import query

    op = "RevokeSecurityGroupIngress"
    root = query._root(op, "2016-11-15")
    texts = ["sg-0a-b", "a-b c", "-", "", "10.0.0.0/8", "a+b%c&d=e\x01", "~._-", "x" * 300]
    for params in (inputs.SEED, inputs.SEED_FLAT,
                   {"GroupId": "a-b/c", "DryRun": False, "SecurityGroupRuleIds": texts[:3]},
                   *({"GroupName": text, "IpProtocol": text, "DryRun": True} for text in texts)):
        out = [root[3]]
        query._layout_text(out, params.items(), root[4])
        assert "&".join(out) == query._general_text(op, params, "2016-11-15", root)


# Shapes the model does not have: a structure member, a list of lists, recursion.
SYNTHETIC = {
    "Top": (("Name", "string", "Name", "name"), ("Count", "integer", "Count", "count"),
            ("Flag", "boolean", "Flag", "flag"), ("Inner", "Inner", "In", "inner"),
            ("Grid", "[[string]]", "Grid", "grid"), ("Nodes", "[Node]", "Node", "node")),
    "Inner": (("Text", "string", "Text", "text"), ("Deeper", "Inner", "Deeper", "deeper")),
    "Node": (("Label", "string", "Label", "label"), ("Children", "[Node]", "Child", "child")),
}
_SYNTHETIC_KEYS = ["Name", "Count", "Flag", "Inner", "Grid", "Nodes", "Text", "Deeper", "Label",
                   "Children"]
SYNTHETIC_PARAMS = st.recursive(
    st.one_of(ANY_TEXT, st.integers(-2, 9), st.booleans()),
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(st.sampled_from(_SYNTHETIC_KEYS), inner, max_size=3)),
    max_leaves=20).filter(lambda value: type(value) is dict)


def _deep(key: str, leaf: dict, depth: int) -> dict:
    for _ in range(depth):
        leaf = {key: [leaf]} if key == "Children" else {key: leaf}
    return leaf


@given(SYNTHETIC_PARAMS)
@example({"Inner": _deep("Deeper", {"Text": "a b"}, 9)})
@example({"Nodes": [_deep("Children", {"Label": "x/y"}, 9)]})
@example({"Grid": [["a", "b c"], [], ["d"]], "Inner": {"Deeper": {"Text": "t"}}, "Flag": True})
def test_layout_walk_equals_the_general_walk_on_other_shapes(params) -> None:
    from ec2query._codec import query
    from ec2query._model import compile_structure

    plan = query._plan(compile_structure("Top", SYNTHETIC))
    pairs: list[tuple[str, str]] = []
    expected = _outcome(lambda: query._pairs_structure(pairs.append, params, plan, "", "params"))
    general = [f"{key}={form_encode(value)}" for key, value in pairs] if expected is None else []
    out: list[str] = []
    try:
        query._layout_text(out, params.items(), query._layout(plan, "", 0))
    except (KeyError, query._Unhandled):
        return  # left to the general walk
    assert expected is None
    assert out == general
