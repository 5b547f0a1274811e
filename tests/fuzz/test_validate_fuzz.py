"""Property tests of the validator: the valid space passes; one bad value fails with its code.

The valid space is written here from the API reference (protocol names in
any case or numbers 0-255 and -1; ports 0-65535 for TCP/UDP, -1-255 for ICMP
with "-1 type implies -1 code"; CIDRs with or without host bits; descriptions
of up to 255 allowed characters), not from the validator's tables. The
duplicate oracle canonicalizes with :mod:`ipaddress`, independently of
``canonical_cidr``.
"""

from __future__ import annotations

import copy
import ipaddress
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from ec2query._errors import RequestError
from ec2query._validate import problems, validate

OPS = (
    "AuthorizeSecurityGroupIngress",
    "RevokeSecurityGroupIngress",
    "AuthorizeSecurityGroupEgress",
    "RevokeSecurityGroupEgress",
)
ALLOWED = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789. _-:/()#,@[]+=&;{}!$*"
HEX = "0123456789abcdef"
NUMBERS = {"tcp": "6", "udp": "17", "icmp": "1", "icmpv6": "58"}


def cased(name: str) -> st.SearchStrategy[str]:
    return st.sampled_from([name, name.upper(), name.capitalize(), NUMBERS[name]])


ids = st.builds(
    lambda prefix, n8, n17, long: prefix + (n17 if long else n8),
    st.just("sg-"),
    st.text(HEX, min_size=8, max_size=8),
    st.text(HEX, min_size=17, max_size=17),
    st.booleans(),
)
descriptions = st.text(ALLOWED, max_size=255)
ipv4 = st.builds(
    lambda value, prefix: f"{ipaddress.IPv4Address(value)}/{prefix}",
    st.integers(0, 2**32 - 1),
    st.integers(0, 32),
)
ipv6 = st.builds(
    lambda value, prefix, upper: (
        f"{ipaddress.IPv6Address(value)}/{prefix}".upper()
        if upper
        else f"{ipaddress.IPv6Address(value).exploded}/{prefix}"
    ),
    st.integers(0, 2**128 - 1),
    st.integers(0, 128),
    st.booleans(),
)


def with_description(item: dict) -> st.SearchStrategy[dict]:
    return st.one_of(st.just(item), descriptions.map(lambda d: {**item, "Description": d}))


sources = st.one_of(
    ipv4.flatmap(lambda c: with_description({"CidrIp": c})).map(lambda s: ("IpRanges", s)),
    ipv6.flatmap(lambda c: with_description({"CidrIpv6": c})).map(lambda s: ("Ipv6Ranges", s)),
    ids.flatmap(lambda g: with_description({"GroupId": g})).map(lambda s: ("UserIdGroupPairs", s)),
    st.text(HEX, min_size=8, max_size=8)
    .flatmap(lambda h: with_description({"PrefixListId": "pl-" + h}))
    .map(lambda s: ("PrefixListIds", s)),
)


@st.composite
def ports_for(draw: Any, protocol: str) -> dict:
    name = protocol.lower()
    if name in ("tcp", "udp", "6", "17"):
        low = draw(st.integers(0, 65535))
        return {"FromPort": low, "ToPort": draw(st.integers(low, 65535))}
    if name in ("icmp", "1", "icmpv6", "58"):
        if name in ("icmpv6", "58") and draw(st.booleans()):
            return {}
        icmp_type = draw(st.integers(-1, 255))
        code = -1 if icmp_type == -1 else draw(st.integers(-1, 255))
        return {"FromPort": icmp_type, "ToPort": code}
    # -1 and other numbers: ports are ignored whatever they are
    return draw(
        st.one_of(
            st.just({}),
            st.fixed_dictionaries(
                {"FromPort": st.integers(-1, 70000), "ToPort": st.integers(-1, 70000)}
            ),
        )
    )


@st.composite
def permissions(draw: Any) -> dict:
    protocol = draw(
        st.one_of(
            st.sampled_from(sorted(NUMBERS)).flatmap(cased),
            st.just("-1"),
            st.integers(0, 255).map(str),
        )
    )
    permission: dict[str, Any] = {"IpProtocol": protocol, **draw(ports_for(protocol))}
    for key, source in draw(st.lists(sources, min_size=1, max_size=4)):
        permission.setdefault(key, []).append(source)
    return permission


def oracle_keys(params: dict) -> list[tuple]:
    """What EC2 compares for 'the same permission', computed with ipaddress."""
    keys = []
    for p in params.get("IpPermissions", []):
        proto = p["IpProtocol"].lower()
        proto = {"6": "tcp", "17": "udp", "1": "icmp", "58": "icmpv6"}.get(proto, proto)
        ported = proto in ("tcp", "udp", "icmp", "icmpv6")
        ports = (p.get("FromPort"), p.get("ToPort")) if ported else None
        for r in p.get("IpRanges", []):
            keys.append((proto, ports, ipaddress.ip_network(r["CidrIp"], strict=False)))
        for r in p.get("Ipv6Ranges", []):
            keys.append((proto, ports, ipaddress.ip_network(r["CidrIpv6"], strict=False)))
        for r in p.get("UserIdGroupPairs", []):
            keys.append((proto, ports, r["GroupId"]))
        for r in p.get("PrefixListIds", []):
            keys.append((proto, ports, r["PrefixListId"]))
    return keys


@st.composite
def valid_requests(draw: Any) -> tuple[str, dict]:
    op = draw(st.sampled_from(OPS))
    params = {
        "GroupId": draw(ids),
        "IpPermissions": draw(st.lists(permissions(), min_size=1, max_size=3)),
    }
    keys = oracle_keys(params)
    assume(len(keys) == len(set(keys)))
    return op, params


@given(valid_requests(), st.sampled_from([None, True]))
def test_every_valid_request_passes(request: tuple[str, dict], vpc: bool | None) -> None:
    op, params = request
    assert problems(op, params, vpc=vpc) == []


# --------------------------------------------------------------------------- one mutation each


def _first(params: dict) -> dict:
    return params["IpPermissions"][0]


def _set_protocol(params: dict, value: str) -> None:
    _first(params)["IpProtocol"] = value


def _source_list(params: dict, key: str, item: dict) -> None:
    _first(params).setdefault(key, []).append(item)


def _repeat_a_source(params: dict) -> None:
    permission = _first(params)
    key = next(
        k
        for k in ("IpRanges", "Ipv6Ranges", "UserIdGroupPairs", "PrefixListIds")
        if k in permission
    )
    permission[key].append(copy.deepcopy(permission[key][0]))


MUTATIONS: dict[str, tuple[Any, Any, str]] = {
    # name: (strategy of a bad value, how to apply it, the code EC2 answers)
    "protocol name unknown": (
        st.text(st.characters(min_codepoint=33, max_codepoint=126), min_size=1, max_size=8).filter(
            lambda s: (
                s.lower() not in ("tcp", "udp", "icmp", "icmpv6") and not s.lstrip("-").isdigit()
            )
        ),
        _set_protocol,
        "InvalidParameterValue",
    ),
    "protocol number above 255": (
        st.integers(256, 999).map(str),
        _set_protocol,
        "InvalidParameterValue",
    ),
    "protocol missing": (
        st.just(None),
        lambda p, v: _first(p).pop("IpProtocol"),
        "InvalidParameterValue",
    ),
    "tcp port out of range": (
        st.one_of(st.integers(65536, 2**31 - 1), st.integers(-(2**31), -1)),
        lambda p, v: _first(p).update(IpProtocol="tcp", FromPort=0, ToPort=v),
        "InvalidPermission.Malformed",
    ),
    "tcp port missing": (
        st.sampled_from(["FromPort", "ToPort"]),
        lambda p, v: (_first(p).update(IpProtocol="udp", FromPort=1, ToPort=2), _first(p).pop(v)),
        "InvalidParameterValue",
    ),
    "tcp from above to": (
        st.integers(1, 65535),
        lambda p, v: _first(p).update(IpProtocol="tcp", FromPort=v, ToPort=v - 1),
        "InvalidParameterValue",
    ),
    "icmp code out of range": (
        st.one_of(st.integers(256, 65535), st.integers(-1000, -2)),
        lambda p, v: _first(p).update(IpProtocol="icmp", FromPort=3, ToPort=v),
        "InvalidParameterValue",
    ),
    "icmp -1 type with a code": (
        st.integers(0, 255),
        lambda p, v: _first(p).update(IpProtocol="icmp", FromPort=-1, ToPort=v),
        "InvalidParameterValue",
    ),
    "ipv6 text in CidrIp": (
        ipv6,
        lambda p, v: _source_list(p, "IpRanges", {"CidrIp": v}),
        "InvalidParameterValue",
    ),
    "ipv4 prefix above 32": (
        st.integers(33, 999).map(lambda n: f"10.0.0.0/{n}"),
        lambda p, v: _source_list(p, "IpRanges", {"CidrIp": v}),
        "InvalidParameterValue",
    ),
    "description with a character outside the set": (
        st.tuples(descriptions, st.characters().filter(lambda c: c not in ALLOWED)).map(
            lambda t: (t[0] + t[1])[-255:]
        ),
        lambda p, v: _source_list(p, "IpRanges", {"CidrIp": "192.0.2.0/24", "Description": v}),
        "InvalidParameterValue",
    ),
    "description of 256 characters": (
        st.text(ALLOWED, min_size=256, max_size=300),
        lambda p, v: _source_list(p, "IpRanges", {"CidrIp": "192.0.2.0/24", "Description": v}),
        "InvalidParameterValue",
    ),
    "group id malformed": (
        st.text(max_size=20).filter(lambda s: not (s.startswith("sg-") and len(s) in (11, 20))),
        lambda p, v: p.update(GroupId=v),
        "InvalidGroupId.Malformed",
    ),
    "source group id malformed": (
        st.text(HEX, min_size=1, max_size=7).map(lambda h: "sg-" + h),
        lambda p, v: _source_list(p, "UserIdGroupPairs", {"GroupId": v}),
        "InvalidGroupId.Malformed",
    ),
    "a source repeated": (st.just(None), lambda p, v: _repeat_a_source(p), "InvalidParameterValue"),
}


@pytest.mark.parametrize("mutation", sorted(MUTATIONS))
@given(data=st.data())
def test_one_bad_value_fails_with_its_code(mutation: str, data: st.DataObject) -> None:
    op, params = data.draw(valid_requests())
    strategy, apply, code = MUTATIONS[mutation]
    params = copy.deepcopy(params)
    apply(params, data.draw(strategy))
    with pytest.raises(RequestError) as raised:
        validate(op, params)
    assert raised.value.code == code, problems(op, params)
