"""Any input to from_query yields a result or an EC2Error, never another exception."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

import ec2query
from ec2query import EC2Error

_KEYS = st.sampled_from(
    [
        "Action",
        "Version",
        "GroupId",
        "GroupName",
        "IpPermissions.1.IpProtocol",
        "IpPermissions.2.FromPort",
        "IpPermissions.1.IpRanges.1.CidrIp",
        "IpPermissions.0.ToPort",
        "IpPermissions.1.Groups.1.GroupId",
        "DryRun",
        "MaxResults",
        "Filter.1.Value.1",
        "x",
        "",
        "IpPermissions.1",
        "IpPermissions.1.IpRanges.99999.CidrIp",
    ]
)
_VALUES = st.one_of(
    st.sampled_from(
        [
            "RevokeSecurityGroupIngress",
            "DescribeSecurityGroups",
            "2016-11-15",
            "2011-12-15",
            "true",
            "80",
            "-1",
            "%ZZ",
            "%C3%28",
            "a+b",
            "",
        ]
    ),
    st.text(max_size=20),
)


def _decodes_or_refuses(data) -> None:
    try:
        operation, params = ec2query.from_query(data)
    except EC2Error:
        return
    assert isinstance(operation, str) and isinstance(params, dict)


@given(st.binary(max_size=300))
def test_arbitrary_bytes(data):
    _decodes_or_refuses(data)


@given(st.text(max_size=300))
def test_arbitrary_text(data):
    _decodes_or_refuses(data)


@given(st.lists(st.tuples(_KEYS, _VALUES), max_size=12))
def test_structured_pairs(pairs):
    _decodes_or_refuses(pairs)
    _decodes_or_refuses("&".join(f"{k}={v}" for k, v in pairs))


@given(
    st.one_of(
        st.none(),
        st.integers(),
        st.lists(st.integers()),
        st.dictionaries(
            st.text(max_size=5), st.one_of(st.integers(), st.lists(st.text(max_size=3))), max_size=3
        ),
    )
)
def test_wrong_python_types(data):
    _decodes_or_refuses(data)
