"""The aws-cli argv codec on its own: names, forms, round trips, skeleton, shell quoting."""

from __future__ import annotations

import json
import shlex
from functools import cache
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ec2query._codec.cliargs import (
    CliRequest,
    cli_skeleton,
    from_cli_args,
    option_name,
    parse_cli_args,
    shell_join,
    to_cli_args,
)
from ec2query._errors import EC2Error, UsageError
from ec2query._model import ListShape, Scalar, Structure, all_operations, operation

RIGI = "RevokeSecurityGroupIngress"

# --------------------------------------------------------------------------- strategies

_text = st.one_of(
    st.text(st.characters(exclude_categories=("Cs",)), max_size=10),
    st.sampled_from(["", "-1", "tcp", "sg-12", "file://x", "a,b", "[x", "{y", "x y", "'q\"", "\\"]),
)


@cache
def _ec2_model() -> Any:
    try:
        import botocore.session
    except ImportError:  # pragma: no cover - the test extras install it
        return None
    return botocore.session.get_session().get_service_model("ec2")


@cache
def _min_length(owner: str, name: str) -> int:
    """botocore's ``min`` length of string member ``name`` of ``owner`` (its validation refuses
    a shorter one: DescribeStaleSecurityGroups' NextToken is 1..1024); 0 without botocore."""
    model = _ec2_model()
    if model is None:
        return 0
    try:
        member = model.shape_for(owner).members[name]
    except (LookupError, AttributeError):
        return 0
    return int(member.metadata.get("min", 0)) if member.type_name == "string" else 0


def _value(shape: Any, owner: str, name: str) -> st.SearchStrategy[Any]:
    if isinstance(shape, Structure):
        return _structure(shape)
    if isinstance(shape, ListShape):
        return st.lists(_value(shape.member, owner, name), max_size=3)
    if shape.kind == "integer":
        low = shape.bounds[0] if shape.bounds else -3
        return st.integers(min_value=low, max_value=70000)
    if shape.kind == "boolean":
        return st.booleans()
    low = _min_length(owner, name)
    return _text.filter(lambda text: len(text) >= low) if low else _text


def _structure(shape: Structure) -> st.SearchStrategy[dict[str, Any]]:
    needed = shape.required
    return st.fixed_dictionaries(
        {m.name: _value(m.shape, shape.name, m.name) for m in shape.members if m.name in needed},
        optional={
            m.name: _value(m.shape, shape.name, m.name)
            for m in shape.members
            if m.name not in needed
        },
    )


def valid_params() -> st.SearchStrategy[tuple[str, dict[str, Any]]]:
    """(operation, params) that botocore's validation accepts, for every operation."""
    return st.sampled_from(all_operations()).flatmap(
        lambda op: st.tuples(st.just(op.name), _structure(op.input()))
    )


def _rule_params() -> st.SearchStrategy[tuple[str, dict[str, Any]]]:
    """Rule-operation params with one natural rule, where the simplified options fit."""
    rule = st.fixed_dictionaries(
        {},
        optional={
            "IpProtocol": st.sampled_from(["tcp", "udp", "icmp", "-1", "6", "50"]),
            "IpRanges": st.just([{"CidrIp": "10.0.0.0/8"}]),
            "UserIdGroupPairs": st.sampled_from(
                [[{"GroupId": "sg-1"}], [{"GroupName": "web", "UserId": "123456789012"}]]
            ),
        },
    )
    ports = st.one_of(
        st.just({}),
        st.tuples(st.integers(0, 65535), st.integers(-1, 65535)).map(
            lambda p: {"FromPort": p[0], "ToPort": p[1]}
        ),
        st.just({"FromPort": -1, "ToPort": -1}),
    )
    name = st.sampled_from([RIGI, "AuthorizeSecurityGroupEgress"])
    return st.tuples(name, rule, ports).map(
        lambda t: (
            t[0],
            {"GroupId": "sg-9", "IpPermissions": [{**t[1], **t[2]} or {"IpProtocol": "-1"}]},
        )
    )


# --------------------------------------------------------------------------- names


def test_option_names_are_botocores() -> None:
    xform_name = pytest.importorskip("botocore").xform_name
    for op in all_operations():
        for member in op.input().members:
            assert option_name(member.name) == xform_name(member.name, "-")


def test_option_names_of_the_brief() -> None:
    assert option_name("IpPermissions") == "ip-permissions"
    assert option_name("SecurityGroupRuleIds") == "security-group-rule-ids"
    assert option_name("SourceSecurityGroupOwnerId") == "source-security-group-owner-id"
    assert option_name("CidrIpv6") == "cidr-ipv6"


# --------------------------------------------------------------------------- argv -> params


def test_seed_example() -> None:
    argv = [
        "--group-name",
        "MySecurityGroup",
        "--protocol",
        "tcp",
        "--port",
        "22",
        "--cidr",
        "203.0.113.0/24",
    ]
    assert from_cli_args("revoke-security-group-ingress", argv) == {
        "GroupName": "MySecurityGroup",
        "IpPermissions": [
            {
                "IpProtocol": "tcp",
                "FromPort": 22,
                "ToPort": 22,
                "IpRanges": [{"CidrIp": "203.0.113.0/24"}],
            }
        ],
    }


def test_command_prefix_is_optional_and_checked() -> None:
    argv = ["--group-id", "sg-1", "--dry-run"]
    expected = {"GroupId": "sg-1", "DryRun": True}
    assert from_cli_args(RIGI, ["aws", "ec2", "revoke-security-group-ingress", *argv]) == expected
    with pytest.raises(UsageError, match="authorize-security-group-ingress"):
        from_cli_args(RIGI, ["aws", "ec2", "authorize-security-group-ingress", *argv])


def test_types_are_botocores() -> None:
    params = from_cli_args(
        "DescribeSecurityGroups", ["--max-results", "10", "--no-dry-run", "--group-ids", "sg-1"]
    )
    assert params == {"GroupIds": ["sg-1"], "MaxResults": 10, "DryRun": False}
    assert type(params["MaxResults"]) is int


def test_shorthand_permissions_get_model_types() -> None:
    params = from_cli_args(
        RIGI, ["--group-id", "sg-1", "--ip-permissions", "IpProtocol=tcp,FromPort=22,ToPort=22"]
    )
    assert params["IpPermissions"] == [{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22}]


def test_command_line_overrides_cli_input_json() -> None:
    params = from_cli_args(
        RIGI,
        [
            "--cli-input-json",
            '{"GroupId": "sg-json", "GroupName": "n", "DryRun": true}',
            "--group-id",
            "sg-cli",
            "--no-dry-run",
        ],
    )
    assert params == {"GroupId": "sg-cli", "DryRun": False, "GroupName": "n"}


def test_skeleton_request_is_a_marker() -> None:
    request = parse_cli_args(RIGI, ["--generate-cli-skeleton"])
    assert request == CliRequest(RIGI, {}, "input")
    with pytest.raises(UsageError, match="skeleton"):
        from_cli_args(RIGI, ["--generate-cli-skeleton"])


@pytest.mark.parametrize(
    "argv",
    [
        ["--group-id", "sg-1", "--port", "22-"],
        ["--group-id", "sg-1", "--protocol", "tcp", "--ip-permissions", "IpProtocol=udp"],
        ["--group-id", "sg-1", "--ip-permissions", "IpProtocol=tcp,,"],
        ["--group-id", "sg-1", "--nope"],
        ["--group-id", "sg-1", "help"],
        ["--group-id", "sg-1", "--ip-permissions", "https://example.com/rules.json"],
        ["--group-id", "sg-1", "--group-name", "fileb:///dev/null"],
    ],
)
def test_bad_command_lines_are_usage_errors(argv: list[str]) -> None:
    with pytest.raises(UsageError) as info:
        from_cli_args(RIGI, argv)
    assert info.value.code == "ParamValidation"
    assert info.value.http_status == 400


def test_non_text_argv_is_refused() -> None:
    with pytest.raises(UsageError):
        from_cli_args(RIGI, ["--group-id", b"sg-1"])  # type: ignore[list-item]


# --------------------------------------------------------------------------- params -> argv


def test_natural_form_is_simplified_options() -> None:
    params = {
        "GroupName": "MySecurityGroup",
        "IpPermissions": [
            {
                "IpProtocol": "tcp",
                "FromPort": 22,
                "ToPort": 22,
                "IpRanges": [{"CidrIp": "203.0.113.0/24"}],
            }
        ],
    }
    assert to_cli_args(RIGI, params) == [
        "--group-name",
        "MySecurityGroup",
        "--protocol",
        "tcp",
        "--port",
        "22",
        "--cidr",
        "203.0.113.0/24",
    ]


def test_two_rules_use_ip_permissions_json_or_shorthand() -> None:
    rules = [
        {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22},
        {"IpProtocol": "udp", "FromPort": 53, "ToPort": 53},
    ]
    params = {"GroupId": "sg-1", "IpPermissions": rules}
    argv = to_cli_args(RIGI, params)
    assert argv[:3] == ["--group-id", "sg-1", "--ip-permissions"]
    assert json.loads(argv[3]) == rules
    assert to_cli_args(RIGI, params, style="shorthand")[3:] == [
        "IpProtocol=tcp,FromPort=22,ToPort=22",
        "IpProtocol=udp,FromPort=53,ToPort=53",
    ]


def test_values_aws_cli_would_load_go_through_cli_input_json() -> None:
    params = {"NextToken": "file://etc/passwd", "GroupIds": ["-x"]}
    argv = to_cli_args("DescribeSecurityGroups", params)
    assert "--cli-input-json" in argv
    assert from_cli_args("DescribeSecurityGroups", argv) == params


def test_invalid_params_are_refused() -> None:
    with pytest.raises(UsageError, match="FromPort"):
        to_cli_args(RIGI, {"IpPermissions": [{"FromPort": "22"}]})
    with pytest.raises(UsageError, match="style"):
        to_cli_args(RIGI, {}, style="yaml")


@given(case=valid_params(), style=st.sampled_from(["json", "shorthand"]))
def test_round_trip(case: tuple[str, dict[str, Any]], style: str) -> None:
    name, params = case
    assert from_cli_args(name, to_cli_args(name, params, style=style)) == params


@given(case=_rule_params())
def test_one_rule_round_trips_through_simplified_options(case: tuple[str, dict[str, Any]]) -> None:
    name, params = case
    argv = to_cli_args(name, params)
    assert "--ip-permissions" not in argv
    assert from_cli_args(name, argv) == params


@given(case=valid_params())
def test_shell_join_is_copy_pasteable(case: tuple[str, dict[str, Any]]) -> None:
    name, params = case
    argv = to_cli_args(name, params)
    line = shell_join(argv, operation_name=name)
    words = shlex.split(line)
    assert words[:3] == ["aws", "ec2", operation(name).cli_name]
    assert from_cli_args(name, words) == params


# --------------------------------------------------------------------------- skeleton


def test_skeleton_has_every_member_with_a_sample() -> None:
    skeleton = cli_skeleton("revoke-security-group-ingress")
    assert list(skeleton) == [m.name for m in operation(RIGI).input().members]
    assert skeleton["FromPort"] == 0
    assert skeleton["DryRun"] is True
    assert skeleton["IpPermissions"][0]["IpRanges"] == [{"Description": "", "CidrIp": ""}]


def test_skeleton_is_valid_cli_input_json() -> None:
    for op in all_operations():
        skeleton = cli_skeleton(op.name)
        if "MaxResults" in skeleton:
            skeleton["MaxResults"] = 5  # the skeleton's 0 is below botocore's minimum
        params = from_cli_args(op.name, ["--cli-input-json", json.dumps(skeleton)])
        assert params == skeleton


def test_every_error_is_an_ec2_error() -> None:
    for argv in (
        ["--max-results", "1"],
        ["--filters", "Name"],
        ["--group-ids", "file:///nonexistent"],
    ):
        with pytest.raises(EC2Error):
            from_cli_args("DescribeSecurityGroups", argv)


def test_scalar_shapes_cover_the_model() -> None:
    kinds = set()
    for op in all_operations():
        for member in op.input().members:
            if isinstance(member.shape, Scalar):
                kinds.add(member.shape.kind)
    assert kinds == {"string", "integer", "boolean"}


@pytest.mark.parametrize("digits", [5_000, 100_000])
@pytest.mark.parametrize(
    ("op", "argv"),
    [
        ("describe-security-groups", ["--max-results", "{n}"]),
        ("describe-security-groups", ["--page-size", "{n}"]),
        ("describe-security-groups", ["--cli-input-json", '{{"MaxResults": {n}}}']),
        (RIGI, ["--group-id", "sg-1", "--ip-permissions", '[{{"FromPort": {n}}}]']),
        (RIGI, ["--group-id", "sg-1", "--ip-permissions", "FromPort={n}"]),
        ("authorize-security-group-ingress", ["--group-id", "sg-1", "--protocol", "tcp",
                                              "--port", "{n}"]),
    ],
)
def test_integers_of_any_length_are_refused_by_value(digits, op, argv) -> None:
    n = "9" * digits
    with pytest.raises(EC2Error) as info:
        from_cli_args(op, [arg.format(n=n) for arg in argv])
    assert info.value.code == "InvalidParameterValue"
    assert len(info.value.message) < 300
