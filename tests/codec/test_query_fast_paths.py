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
