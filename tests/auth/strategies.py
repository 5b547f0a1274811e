"""Hypothesis strategies for signing tests: Query pairs, times, endpoints, credentials."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from hypothesis import strategies as st

from ec2query.auth import Credentials

#: Text that stresses the encoder: space, +, %, /, ~, =, &, non-ASCII, astral.
TRICKY = st.text(
    alphabet=st.one_of(
        st.sampled_from(list(" +%/~=&?#;:,.-_*!'()[]@$\"\\\t")),
        st.characters(codec="utf-8", exclude_categories=("Cs",)),
    ),
    max_size=12,
)
KEYS = st.one_of(
    st.sampled_from(["GroupName", "GroupId", "IpPermissions.1.IpProtocol",
                     "IpPermissions.1.IpRanges.1.Description", "DryRun"]),
    TRICKY.filter(bool),
)

PARAMS = st.dictionaries(KEYS, TRICKY, max_size=6).map(
    lambda d: {"Action": "AuthorizeSecurityGroupIngress", "Version": "2016-11-15", **d}
)

TIMES = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31),
).map(lambda t: t.replace(microsecond=0, tzinfo=timezone.utc))

ENDPOINTS = st.sampled_from([
    "https://ec2.us-east-1.amazonaws.com/",
    "https://ec2.eu-west-3.amazonaws.com/",
    "http://localhost:5000/",
    "https://127.0.0.1:8443/",
])

REGIONS = st.sampled_from(["us-east-1", "eu-west-3", "ap-southeast-2", "cn-north-1"])

CREDENTIALS = st.builds(
    Credentials,
    st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", min_size=16, max_size=20),
    st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=126), min_size=1,
            max_size=40),
    st.one_of(st.none(), st.text(alphabet="ABCDEFabcdef0123456789/+=", min_size=1,
                                 max_size=60)),
)

SKEWS = st.integers(min_value=-900, max_value=900).map(lambda s: timedelta(seconds=s))
