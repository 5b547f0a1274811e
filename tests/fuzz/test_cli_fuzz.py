"""Any argument list gives params or an EC2Error-family exception, never a crash."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from ec2query._codec.cliargs import parse_cli_args, to_cli_args
from ec2query._errors import EC2Error
from ec2query._model import all_operations

_options = st.sampled_from(
    [
        "--group-id",
        "--group-name",
        "--ip-permissions",
        "--protocol",
        "--port",
        "--cidr",
        "--source-group",
        "--group-owner",
        "--cli-input-json",
        "--generate-cli-skeleton",
        "--from-port",
        "--to-port",
        "--dry-run",
        "--no-dry-run",
        "--filters",
        "--group-ids",
        "--max-results",
        "--page-size",
        "--starting-token",
        "--next-token",
        "--tag-specifications",
        "--security-group-rule-ids",
        "--no-paginate",
        "--region",
        "--",
        "-",
        "help",
        "--g",
    ]
)
_values = st.one_of(
    st.text(max_size=20),
    st.sampled_from(
        [
            "[",
            "{",
            "[{}]",
            "{}",
            "null",
            "1",
            "-1",
            "a=b",
            "a=[{b=c}]",
            "file://",
            "IpProtocol=tcp,FromPort=x",
            '{"GroupId": 1}',
            '[{"FromPort": true}]',
        ]
    ),
)
_names = st.sampled_from(
    [op.name for op in all_operations()] + [op.cli_name for op in all_operations()]
)


@given(name=_names, argv=st.lists(st.one_of(_options, _values), max_size=8))
def test_any_argv(name: str, argv: list[str]) -> None:
    try:
        request = parse_cli_args(name, argv)
    except EC2Error:
        return
    assert isinstance(request.params, dict)
    if request.skeleton is None:
        assert parse_cli_args(name, to_cli_args(name, request.params)).params == request.params


@given(
    name=_names,
    params=st.dictionaries(
        st.text(max_size=12),
        st.recursive(
            st.none() | st.booleans() | st.integers() | st.text(max_size=6),
            lambda inner: (
                st.lists(inner, max_size=3)
                | st.dictionaries(st.text(max_size=6), inner, max_size=3)
            ),
            max_leaves=8,
        ),
        max_size=4,
    ),
)
def test_any_params(name: str, params: dict) -> None:
    try:
        to_cli_args(name, params)
    except EC2Error:
        return
