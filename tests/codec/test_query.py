"""The Query codec: byte-equality with botocore, round trips, EC2's decoding leniency, errors."""

from __future__ import annotations

import botocore.session
import pytest
from botocore.awsrequest import AWSRequest
from botocore.serialize import create_serializer
from hypothesis import given
from hypothesis import strategies as st

import ec2query
from ec2query import RequestError
from ec2query._model import all_operations
from tests.strategies import request_params

_MODEL = botocore.session.get_session().get_service_model("ec2")
_SERIALIZER = create_serializer("ec2", include_validation=False)
OPERATIONS = [op.name for op in all_operations()]

SEED = (
    "Action=RevokeSecurityGroupIngress&GroupName=websrv&IpProtocol=tcp"
    "&FromPort=80&ToPort=80&CidrIp=205.192.0.0/16"
)


def botocore_body(operation: str, params: dict) -> str:
    """The body bytes botocore puts on the wire (its AWSRequest form-encodes the dict)."""
    request = _SERIALIZER.serialize_to_request(params, _MODEL.operation_model(operation))
    prepared = AWSRequest(method="POST", url="https://ec2.amazonaws.com/",
                          data=request["body"]).prepare()
    return prepared.body


# ---------------------------------------------------------------- against botocore


@pytest.mark.parametrize("operation", OPERATIONS)
@given(data=st.data())
def test_encode_query_is_byte_identical_to_botocore_body(operation, data):
    params = data.draw(request_params(operation))
    assert ec2query.encode_query(operation, params) == botocore_body(operation, params)


@pytest.mark.parametrize("operation", OPERATIONS)
@given(data=st.data())
def test_decode_of_encode_gives_the_params_back(operation, data):
    params = data.draw(request_params(operation))
    assert ec2query.from_query(ec2query.encode_query(operation, params)) == (operation, params)


@pytest.mark.parametrize(
    "operation", [op.name for op in all_operations() if "2011-12-15" in op.versions])
@given(data=st.data())
def test_legacy_version_round_trips_its_own_members(operation, data):
    params = data.draw(request_params(operation, "2011-12-15"))
    body = ec2query.encode_query(operation, params, version="2011-12-15")
    assert "Version=2011-12-15" in body
    assert ec2query.from_query(body) == (operation, params)


@pytest.mark.parametrize("operation", ["DescribeSecurityGroupRules", "ModifySecurityGroupRules"])
def test_an_operation_newer_than_the_version_is_an_invalid_action(operation):
    with pytest.raises(RequestError) as error:
        ec2query.from_query(f"Action={operation}&Version=2011-12-15")
    assert error.value.code == "InvalidAction"


@pytest.mark.parametrize("action", ["authorize-security-group-ingress", "describe-tags"])
def test_a_cli_name_is_not_an_action(action):
    # Only the API names are EC2's actions (botocore's model); the CLI names are aws-cli's.
    with pytest.raises(RequestError) as error:
        ec2query.from_query(f"Action={action}&Version=2016-11-15")
    assert (error.value.code, str(error.value.message)) == (
        "InvalidAction", f"The action {action} is not valid for this web service.")


def test_seed_request_body_matches_botocore_literal():
    params = {
        "GroupName": "websrv",
        "IpPermissions": [
            {
                "IpProtocol": "tcp",
                "FromPort": 80,
                "ToPort": 80,
                "IpRanges": [{"CidrIp": "205.192.0.0/16"}],
            }
        ],
    }
    assert ec2query.encode_query("RevokeSecurityGroupIngress", params) == (
        "Action=RevokeSecurityGroupIngress&Version=2016-11-15&GroupName=websrv"
        "&IpPermissions.1.IpProtocol=tcp&IpPermissions.1.FromPort=80&IpPermissions.1.ToPort=80"
        "&IpPermissions.1.IpRanges.1.CidrIp=205.192.0.0%2F16"
    )


def test_user_id_group_pairs_are_sent_as_groups_like_botocore():
    params = {
        "GroupId": "sg-1",
        "IpPermissions": [
            {
                "IpProtocol": "-1",
                "UserIdGroupPairs": [{"GroupId": "sg-2", "UserId": "111122223333"}],
            }
        ],
    }
    body = ec2query.encode_query("AuthorizeSecurityGroupEgress", params)
    assert "IpPermissions.1.Groups.1.GroupId=sg-2" in body
    assert body == botocore_body("AuthorizeSecurityGroupEgress", params)


def test_to_query_gives_action_and_version_first_then_params_in_caller_order():
    pairs = ec2query.to_query(
        "revoke-security-group-egress",
        {"SecurityGroupRuleIds": ["sgr-1", "sgr-2"], "GroupId": "sg-1", "DryRun": False},
    )
    assert pairs == [
        ("Action", "RevokeSecurityGroupEgress"),
        ("Version", "2016-11-15"),
        ("SecurityGroupRuleId.1", "sgr-1"),
        ("SecurityGroupRuleId.2", "sgr-2"),
        ("GroupId", "sg-1"),
        ("DryRun", "false"),
    ]


def test_empty_lists_are_not_sent_as_botocore_does_not_send_them():
    params = {"GroupId": "sg-1", "IpPermissions": []}
    assert ec2query.encode_query("AuthorizeSecurityGroupIngress", params) == botocore_body(
        "AuthorizeSecurityGroupIngress", params
    )


@pytest.mark.parametrize(
    "text", ["a b", "a+b", "~tilde", "slash/ed", "é", "日本", "100%", "a&b=c", "%20", " + "]
)
def test_values_are_form_encoded_as_botocore_sends_them(text):
    params = {"GroupName": text, "Description": text}
    body = ec2query.encode_query("CreateSecurityGroup", params)
    assert body == botocore_body("CreateSecurityGroup", params)
    assert ec2query.from_query(body)[1] == params


def test_a_space_is_a_plus_in_the_body_exactly_as_botocore_sends_it():
    body = ec2query.encode_query("CreateSecurityGroup", {"GroupName": "a b"})
    assert body == "Action=CreateSecurityGroup&Version=2016-11-15&GroupName=a+b"


# ---------------------------------------------------------------- the legacy example


def test_api_reference_legacy_example_decodes_to_the_flat_members():
    assert ec2query.from_query(SEED) == (
        "RevokeSecurityGroupIngress",
        {
            "GroupName": "websrv",
            "IpProtocol": "tcp",
            "FromPort": 80,
            "ToPort": 80,
            "CidrIp": "205.192.0.0/16",
        },
    )


def test_legacy_example_with_its_version_reencodes_to_the_same_parameters():
    query = SEED.replace("&GroupName", "&Version=2011-12-15&GroupName")
    operation, params = ec2query.from_query(query)
    body = ec2query.encode_query(operation, params, version="2011-12-15")
    assert body == query.replace("/", "%2F")


def test_legacy_top_level_user_id_exists_only_in_2011():
    query = (
        "Action=AuthorizeSecurityGroupIngress&Version=2011-12-15&UserId=999988887777&GroupName=a"
    )
    assert ec2query.from_query(query)[1] == {"UserId": "999988887777", "GroupName": "a"}
    with pytest.raises(RequestError) as error:
        ec2query.from_query(query.replace("2011-12-15", "2016-11-15"))
    assert error.value.code == "UnknownParameter"
    assert error.value.message == "The parameter UserId is not recognized"


def test_legacy_version_refuses_members_added_later():
    query = (
        "Action=AuthorizeSecurityGroupIngress&Version=2011-12-15"
        "&IpPermissions.1.Ipv6Ranges.1.CidrIpv6=%3A%3A%2F0"
    )
    with pytest.raises(RequestError) as error:
        ec2query.from_query(query)
    assert error.value.code == "UnknownParameter"


# ---------------------------------------------------------------- what EC2 accepts


def test_sparse_and_unsorted_indexes_keep_index_order():
    query = (
        "Action=AuthorizeSecurityGroupIngress&Version=2016-11-15&GroupId=sg-1"
        "&IpPermissions.7.IpProtocol=udp&IpPermissions.3.IpProtocol=tcp"
        "&IpPermissions.3.IpRanges.9.CidrIp=10.0.0.0%2F8&IpPermissions.3.IpRanges.2.CidrIp=1.2.3.4%2F32"
    )
    assert ec2query.from_query(query)[1] == {
        "GroupId": "sg-1",
        "IpPermissions": [
            {"IpProtocol": "tcp", "IpRanges": [{"CidrIp": "1.2.3.4/32"}, {"CidrIp": "10.0.0.0/8"}]},
            {"IpProtocol": "udp"},
        ],
    }


@pytest.mark.parametrize(
    ("encoded", "text"),
    [
        ("a+b", "a b"),
        ("a%20b", "a b"),
        ("a%2Bb", "a+b"),
        ("%7e", "~"),
        ("%C3%A9", "é"),
        ("caf%c3%a9", "café"),
        ("x%2fy", "x/y"),
        ("", ""),
    ],
)
def test_percent_encoding_variants_decode_to_the_same_text(encoded, text):
    query = f"Action=CreateSecurityGroup&Version=2016-11-15&GroupName={encoded}"
    assert ec2query.from_query(query)[1] == {"GroupName": text}


def test_bytes_mapping_and_pairs_inputs_decode_alike():
    expected = ec2query.from_query(SEED)
    assert ec2query.from_query(SEED.encode()) == expected
    pairs = [tuple(p.split("=", 1)) for p in SEED.split("&")]
    assert ec2query.from_query(pairs) == expected
    assert ec2query.from_query(dict(pairs)) == expected
    assert ec2query.from_query({k: [v] for k, v in pairs}) == expected  # parse_qs shape


def test_booleans_decode_to_bool_and_integers_to_int():
    _, params = ec2query.from_query(
        "Action=DescribeSecurityGroups&Version=2016-11-15&DryRun=true&MaxResults=5"
    )
    assert params == {"DryRun": True, "MaxResults": 5}


# ---------------------------------------------------------------- bad input


def _error(query) -> RequestError:
    with pytest.raises(RequestError) as error:
        ec2query.from_query(query)
    assert error.value.http_status == 400
    return error.value


def test_unknown_action_is_invalid_action_with_ec2s_message():
    error = _error("Action=DescribeLoadBalancers&Version=2016-11-15")
    assert (error.code, error.message) == (
        "InvalidAction",
        "The action DescribeLoadBalancers is not valid for this web service.",
    )


def test_unsupported_version_is_no_such_version_with_ec2s_message():
    error = _error("Action=RevokeSecurityGroupIngress&Version=2015-12-01")
    assert (error.code, error.message) == (
        "NoSuchVersion",
        "The requested version (2015-12-01) of service AmazonEC2 does not exist",
    )


def test_unknown_parameter_is_unknown_parameter_naming_it():
    error = _error(SEED + "&Item=1")
    assert (error.code, error.message) == (
        "UnknownParameter",
        "The parameter Item is not recognized",
    )


def test_egress_has_no_group_name_as_ec2_says():
    error = _error("Action=AuthorizeSecurityGroupEgress&Version=2016-11-15&GroupName=a")
    assert error.message == "The parameter GroupName is not recognized"


@pytest.mark.parametrize("value", ["abc", "8o", "", " 80", "1e3", "99999999999", "٣"])
def test_non_integer_port_is_invalid_parameter_value_naming_it(value):
    error = _error(SEED.replace("FromPort=80", f"FromPort={value}"))
    assert error.code == "InvalidParameterValue"
    assert "FromPort" in error.message


@pytest.mark.parametrize(
    "key",
    [
        "IpPermissions.0.IpProtocol",
        "IpPermissions.x.IpProtocol",
        "IpPermissions.01.IpProtocol",
        "IpPermissions..IpProtocol",
        "IpPermissions.99999999.IpProtocol",
        "IpPermissions.1001.IpProtocol",
    ],
)
def test_malformed_or_out_of_bound_index_names_the_parameter(key):
    error = _error(f"Action=RevokeSecurityGroupIngress&Version=2016-11-15&{key}=tcp")
    assert error.code == "InvalidParameterValue"
    assert key in error.message


@pytest.mark.parametrize(
    "key",
    [
        "IpPermissions",
        "IpPermissions.1",
        "IpPermissions.1.IpRanges",
        "GroupId.1",
        "IpPermissions.1.IpProtocol.1",
        "ipprotocol",
    ],
)
def test_keys_that_stop_short_or_run_past_a_member_are_unknown_parameters(key):
    error = _error(f"Action=RevokeSecurityGroupIngress&Version=2016-11-15&{key}=x")
    assert (error.code, error.message) == (
        "UnknownParameter",
        f"The parameter {key} is not recognized",
    )


def test_a_key_given_twice_is_refused_naming_it():
    error = _error(SEED + "&CidrIp=10.0.0.0/8")
    assert error.code == "InvalidParameterValue"
    assert "CidrIp" in error.message


def test_invalid_utf8_after_percent_decoding_is_malformed_query_string():
    error = _error("Action=CreateSecurityGroup&Version=2016-11-15&GroupName=%C3%28")
    assert error.code == "MalformedQueryString"


def test_the_whole_query_is_decoded_before_any_key_is_judged():
    """Malformed text is reported even after a repeated key (the string is read first)."""
    error = _error(SEED + "&CidrIp=10.0.0.0/8&GroupName=%C3%28")
    assert error.code == "MalformedQueryString"


def test_missing_action_is_missing_action():
    assert _error("GroupName=a").code == "MissingAction"


def test_encoding_refuses_unknown_members_and_wrong_types():
    with pytest.raises(RequestError) as error:
        ec2query.encode_query("RevokeSecurityGroupIngress", {"Nope": 1})
    assert error.value.code == "UnknownParameter"
    with pytest.raises(RequestError) as error:
        ec2query.encode_query("RevokeSecurityGroupIngress", {"FromPort": "80"})
    assert error.value.code == "InvalidParameterValue"
    with pytest.raises(RequestError):
        ec2query.encode_query("RevokeSecurityGroupIngress", {"FromPort": True})
    with pytest.raises(RequestError):
        ec2query.encode_query("RevokeSecurityGroupIngress", {"GroupName": "\ud800"})


@pytest.mark.parametrize("digits", [5_000, 100_000])
@pytest.mark.parametrize("encode", [ec2query.encode_query, ec2query.to_query])
@pytest.mark.parametrize(
    "params",
    [
        lambda n: {"FromPort": n},
        lambda n: {"IpPermissions": [{"FromPort": -n}]},
        lambda n: {"DryRun": n},
        lambda n: {"SecurityGroupRuleIds": [n]},
        lambda n: {n: 1},
    ],
)
def test_an_integer_of_any_length_is_judged_by_its_value(digits, encode, params):
    """Past Python's 4,300-digit str() limit too: EC2's error, never a bare ValueError."""
    with pytest.raises(RequestError) as error:
        encode("RevokeSecurityGroupIngress", params(10**digits - 1))
    assert error.value.code in ("InvalidParameterValue", "UnknownParameter")
    assert len(error.value.message) < 200


@pytest.mark.parametrize("value", [2**31, -(2**31) - 1])
def test_integers_outside_ec2s_32_bit_range_are_refused_as_ec2_refuses_them(value):
    with pytest.raises(RequestError) as error:
        ec2query.encode_query("RevokeSecurityGroupIngress", {"FromPort": value})
    assert error.value.message == (
        f"Value ({value}) for parameter FromPort is invalid. Expected: 'Integer'."
    )
    assert ec2query.encode_query(
        "RevokeSecurityGroupIngress", {"FromPort": 2**31 - 1, "ToPort": -(2**31)}
    ).endswith("&FromPort=2147483647&ToPort=-2147483648")


# ---------------------------------------------------------------- the form codec


@given(st.text(st.characters(codec="utf-8") | st.sampled_from("%+ /&=~-_.é"), max_size=24))
def test_form_encode_is_the_standard_library_quote_with_plus_for_space(text):
    from urllib.parse import quote

    from ec2query._percent import form_encode, percent_encode

    assert percent_encode(text) == quote(text, safe="-_.~")
    assert form_encode(text) == quote(text, safe="-_.~").replace("%20", "+")


@given(st.binary(max_size=40) | st.text("%%%4aFg+=&", max_size=40).map(str.encode))
def test_split_pairs_decodes_each_component_as_the_standard_library(body):
    """The reference: split on ``&``, partition on ``=``, ``unquote_to_bytes``, UTF-8."""
    from urllib.parse import unquote_to_bytes

    from ec2query._codec.query import split_pairs

    def reference():
        out = []
        for piece in body.split(b"&"):
            if piece:
                key, _, value = piece.partition(b"=")
                out.append(tuple(unquote_to_bytes(part.replace(b"+", b" ")).decode("utf-8")
                                 for part in (key, value)))
        return out

    try:
        expected = reference()
    except UnicodeDecodeError:
        with pytest.raises(RequestError) as error:
            split_pairs(body)
        assert error.value.code == "MalformedQueryString"
    else:
        assert split_pairs(body) == expected


@given(st.text("%%%4aFg+é", max_size=40))
def test_components_unescaped_a_chunk_at_a_time_equal_unescaping_at_once(text):
    from urllib.parse import unquote_to_bytes

    from ec2query._codec import query

    raw = text.encode()
    original = query._CHUNK
    query._CHUNK = 5
    try:
        assert query._unquote(raw) == unquote_to_bytes(raw)
    finally:
        query._CHUNK = original


_MIB = 1024 * 1024 - 64


@pytest.mark.parametrize(
    "body",
    [
        b"GroupName.1=" + b"%" * (_MIB - 12),
        b"Action=X&GroupName=" + b"%C0%AF" * (_MIB // 6 - 4),
        b"=&" * (_MIB // 2),
        b"a=1&" * (_MIB // 4),
        b"&" * _MIB,
        b"GroupName=" + b"%41" * (_MIB // 3 - 4),
    ],
    ids=["percent signs", "overlong escapes", "empty pairs", "repeated pair", "separators",
         "long escaped value"],
)
def test_a_hostile_megabyte_costs_memory_on_the_order_of_its_size(body):
    import tracemalloc

    from ec2query._codec.query import from_text_pairs, split_pairs

    tracemalloc.start()
    try:
        with pytest.raises(RequestError):
            from_text_pairs(split_pairs(body))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 6 * len(body)


def test_more_pairs_than_the_limit_are_refused_before_the_rest_is_read():
    from ec2query import _limits as limits
    from ec2query._codec.query import split_pairs

    at = b"&".join(b"k%d=" % i for i in range(limits.MAX_PARAMS))
    assert len(split_pairs(at)) == limits.MAX_PARAMS
    with pytest.raises(RequestError) as error:
        split_pairs(at + b"&x=%C3%28")
    assert error.value.message == f"The request has more than {limits.MAX_PARAMS} parameters"


# ---------------------------------------------------------------- decoder reference


def _reference_deserialize(flat, shape):
    """Each key placed on its own by walking the model's shapes (no plans, no memo)."""
    from ec2query._model import ListShape, Structure

    root: dict = {}
    for key, raw in flat.items():
        parts, node, shape_here, i = key.split("."), root, shape, 0
        slot = None
        while True:
            member = shape_here.by_query.get(parts[i]) if i < len(parts) else None
            if member is None:
                raise RequestError("UnknownParameter", f"The parameter {key} is not recognized")
            slot, inner, i = member.name, member.shape, i + 1
            holder = node
            while isinstance(inner, ListShape):
                if i >= len(parts):
                    raise RequestError("UnknownParameter",
                                       f"The parameter {key} is not recognized")
                from ec2query._codec.query import _index
                index = _index(parts[i], key)
                i += 1
                holder = holder.setdefault(slot, {})
                slot, inner = index, inner.member
            if isinstance(inner, Structure):
                if i >= len(parts):
                    raise RequestError("UnknownParameter",
                                       f"The parameter {key} is not recognized")
                node, shape_here = holder.setdefault(slot, {"__struct__": True}), inner
                continue
            if i != len(parts):
                raise RequestError("UnknownParameter", f"The parameter {key} is not recognized")
            from ec2query._codec.query import _convert
            holder[slot] = raw if inner.kind == "string" else _convert(raw, inner.kind, key)
            break

    def finish(value):
        if isinstance(value, dict):
            if value.pop("__struct__", False) or not all(isinstance(k, int) for k in value):
                return {k: finish(v) for k, v in value.items()}
            return [finish(value[k]) for k in sorted(value)]
        return value

    return {k: finish(v) for k, v in root.items()}


_KEYS = st.sampled_from([
    "GroupName", "GroupId", "DryRun", "IpProtocol", "FromPort", "CidrIp", "Bogus", "",
    "IpPermissions.1.IpProtocol", "IpPermissions.1.FromPort", "IpPermissions.2.ToPort",
    "IpPermissions.1.IpRanges.1.CidrIp", "IpPermissions.1.IpRanges.3.Description",
    "IpPermissions.2.IpRanges.1.CidrIp", "IpPermissions.1.Groups.1.GroupId",
    "IpPermissions.01.IpProtocol", "IpPermissions.x", "IpPermissions.1", "IpPermissions",
    "IpPermissions.1.IpRanges", "IpPermissions.1.IpRanges.1", ".GroupName", "GroupName.",
    "IpPermissions.1..IpProtocol", "GroupName.1", "TagSpecification.1.Tag.2.Key",
    "SecurityGroupRuleId.1", "SecurityGroupRuleId.2.x", "IpPermissions.1001.IpProtocol",
])
_RAWS = st.sampled_from(["80", "-1", "true", "tcp", "x", "99999999999", "FALSE"])


def _outcome(call):
    try:
        return call()
    except RequestError as exc:
        return exc.code, exc.message


@given(st.dictionaries(_KEYS, _RAWS, max_size=8),
       st.sampled_from(["RevokeSecurityGroupIngress", "AuthorizeSecurityGroupIngress",
                        "RevokeSecurityGroupEgress"]),
       st.sampled_from(["2016-11-15", "2011-12-15"]))
def test_deserialize_equals_placing_each_key_by_the_model(flat, op, version):
    from ec2query._codec.query import deserialize
    from ec2query._model import operation

    shape = operation(op).input(version)
    assert _outcome(lambda: deserialize(flat, shape)) == _outcome(
        lambda: _reference_deserialize(flat, shape))
