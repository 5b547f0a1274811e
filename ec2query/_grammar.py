"""The syntax EC2 accepts for CIDRs, ports, protocols, ids and descriptions, compiled once.

Like h11's ``_abnf.py``: one commented module, every pattern with the EC2
reference it comes from. "Reference" below means
``../shared/reference/ec2-behaviour.md`` (section 5.4 for the botocore model
text, the E-numbers for real EC2 responses); "research" means the research
notes of issue 5 (``docs/validate.md`` lists both). Patterns are matched with
``fullmatch`` so that a trailing newline is never accepted (EC2 echoes
``208.157.160.147\\n/32`` as malformed, reference E18).
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any

from ._errors import RequestError
from ._model import TAGGABLE

__all__ = [
    "DESCRIPTION",
    "FILTER_NAMES",
    "FILTER_VALUE_MAX",
    "GROUP_ID",
    "GROUP_NAME_VPC",
    "ICMP_MAX",
    "IPV4_CIDR",
    "IPV6_CIDR_SHAPE",
    "PORTED",
    "PORT_MAX",
    "PREFIX_LIST_ID",
    "PROTOCOL_NAMES",
    "PROTOCOL_NUMBER",
    "PROTOCOL_NUMBER_NAMES",
    "RULE_ID",
    "TAGGABLE",
    "TAG_LIMIT",
    "VPC_ID",
    "canonical_cidr",
    "canonical_ipv4",
    "canonical_ipv6",
    "canonical_ports",
    "canonical_protocol",
    "shown",
]

# --------------------------------------------------------------------------- CIDR

# IPv4 CIDR: four decimal octets 0-255 without leading zeros, then "/" and a
# prefix length 0-32; the prefix is required. Source: the botocore model's
# ``CidrIp`` ("The IPv4 address range, in CIDR format") and EC2 refusing
# non-CIDR text as ``CIDR block {value} is malformed`` (reference E17, E18,
# row 17). Host bits are allowed: EC2 canonicalizes 100.68.0.18/18 to
# 100.68.0.0/18 (reference 5.4, row 19).
_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
IPV4_CIDR = re.compile(rf"({_OCTET})\.({_OCTET})\.({_OCTET})\.({_OCTET})/(3[0-2]|[12]?[0-9])")

# IPv6 CIDR: the characters an IPv6 address may use, then a prefix length
# 0-128, required. The address itself is then judged by ``ipaddress`` (RFC
# 4291 text forms, including ``::`` and an embedded IPv4 tail); zone ids
# (``%eth0``) are refused. Source: botocore ``Ipv6Range.CidrIpv6`` and the
# same canonicalization paragraph (reference 5.4).
IPV6_CIDR_SHAPE = re.compile(r"([0-9A-Fa-f:.]{2,45})/(12[0-8]|1[01][0-9]|[1-9]?[0-9])")


def canonical_ipv4(text: str) -> str | None:
    """``10.0.0.1/8`` -> ``10.0.0.0/8``; ``None`` when ``text`` is not an IPv4 CIDR."""
    match = IPV4_CIDR.fullmatch(text)
    if match is None:
        return None
    a, b, c, d, bits = match.groups()
    value = (int(a) << 24) | (int(b) << 16) | (int(c) << 8) | int(d)
    prefix = int(bits)
    host = (1 << (32 - prefix)) - 1
    if not value & host:
        return text  # already canonical: the common case costs no formatting
    value &= ~host
    return f"{value >> 24}.{(value >> 16) & 255}.{(value >> 8) & 255}.{value & 255}/{prefix}"


def canonical_ipv6(text: str) -> str | None:
    """``2001:DB8::1/32`` -> ``2001:db8::/32``; ``None`` when not an IPv6 CIDR."""
    if IPV6_CIDR_SHAPE.fullmatch(text) is None:
        return None
    try:
        return str(ipaddress.IPv6Network(text, strict=False))
    except ValueError:
        return None


def canonical_cidr(text: Any) -> str:
    """The form EC2 stores and compares a CIDR in (host bits cleared); EC2's
    ``InvalidParameterValue`` (a :class:`RequestError`, so also a ``ValueError``) if malformed."""
    if isinstance(text, str):
        canonical = canonical_ipv4(text) if "." in text and ":" not in text else None
        if canonical is None:
            canonical = canonical_ipv6(text)
        if canonical is not None:
            return canonical
    raise RequestError("InvalidParameterValue", f"CIDR block {shown(text)} is malformed")


# --------------------------------------------------------------------------- protocols and ports

# Names EC2 accepts in ``IpProtocol``, case-insensitively (``TCP`` works,
# boto/boto3#1012; terraform sends ``TCP``): botocore ``IpPermission.IpProtocol``
# "The IP protocol name (tcp, udp, icmp, icmpv6) or number". ``all`` is not a
# name: ``Invalid value 'all' for IP protocol. Unknown protocol.`` (reference E9).
PROTOCOL_NAMES = frozenset({"tcp", "udp", "icmp", "icmpv6"})
# A protocol number: -1 (all) or 0-255 (range checked by the caller), as in
# "Use -1 to specify all protocols" and "number (see Protocol Numbers)".
PROTOCOL_NUMBER = re.compile(r"-1|[0-9]{1,3}")
# Numbers EC2 treats as the named protocols (DescribeSecurityGroups answers
# ``tcp`` for a rule authorized as ``6``; reference row 31).
PROTOCOL_NUMBER_NAMES = {1: "icmp", 6: "tcp", 17: "udp", 58: "icmpv6"}
#: Canonical protocols whose rules carry a port (or ICMP type and code) range: "specifying
#: -1 or a protocol number other than tcp, udp, icmp, or icmpv6 allows traffic on all
#: ports, regardless of any port range you specify" (botocore ``IpPermission.IpProtocol``).
PORTED = frozenset({"tcp", "udp", "icmp", "icmpv6"})
_AS_STORED = PORTED | {"-1"}


def canonical_protocol(value: Any) -> str | None:
    """``TCP``/``6``/``006`` -> ``tcp``, ``-1`` -> ``-1``, ``050`` -> ``50``; ``None`` if EC2
    knows no such protocol (``" tcp "``, ``"0006"``, ``"256"``, or a value that is not text).

    The one canonicalizer: the validator judges a protocol with it and the
    backend stores what it returns, so that the two agree on every spelling.
    """
    if type(value) is not str:
        return None
    if value in _AS_STORED:  # the usual spelling costs no lower() and no int()
        return value
    lowered = value.lower()
    if lowered in PROTOCOL_NAMES:
        return lowered
    if PROTOCOL_NUMBER.fullmatch(value) is None:
        return None
    number = int(value)
    if number > 255:
        return None
    return PROTOCOL_NUMBER_NAMES.get(number, str(number))


# Ports: 0-65535 for TCP/UDP ("TCP/UDP port (-1) out of range", reference
# E16); ICMP type and code 0-255 or -1 for all ("ICMP code (65535) out of
# range", reference E21; botocore ``ToPort``: "If the start port is -1 (all
# ICMP types), then the end port must be -1 (all ICMP codes)").
PORT_MAX = 65535
ICMP_MAX = 255


def canonical_ports(protocol: str | None, from_port: Any, to_port: Any) -> tuple[Any, Any]:
    """The ports EC2 stores and compares a rule by: as given for a protocol of
    :data:`PORTED` (an absent one is -1, as for ICMPv6 without type and code), -1/-1
    for any other protocol (the ports are ignored)."""
    if protocol not in PORTED:
        return -1, -1
    return (-1 if from_port is None else from_port), (-1 if to_port is None else to_port)

# --------------------------------------------------------------------------- ids

# ``sg-`` then 8 (older) or 17 (current) lower-case hex digits: the EC2 error
# page's "in the form sg-xxxxxxxx" (reference D1) and the 17-digit ids EC2 has
# issued since 2018 (``sg-0fb34a435a022e5dd``, research row 8f).
GROUP_ID = re.compile(r"sg-(?:[0-9a-f]{8}|[0-9a-f]{17})")
# Security group rule ids, ``sgr-`` + 17 hex (``sgr-5ecc56c640176b2b3`` in the
# reference's moto sample; botocore ``SecurityGroupRuleIds``); 8 accepted as for groups.
RULE_ID = re.compile(r"sgr-(?:[0-9a-f]{8}|[0-9a-f]{17})")
# Prefix lists, "form pl-xxxxxxxx" (reference D1, InvalidPrefixListId.Malformed).
PREFIX_LIST_ID = re.compile(r"pl-(?:[0-9a-f]{8}|[0-9a-f]{17})")
# VPCs, "in the form vpc-xxxxxxxxxxxxxxxxx" (the API reference's InvalidVpcID.Malformed);
# 8 digits as for groups, and no other count: EC2 calls ``vpc-012345678`` malformed
# (REAL, ansible-collections/community.aws#1475).
VPC_ID = re.compile(r"vpc-(?:[0-9a-f]{8}|[0-9a-f]{17})")

# --------------------------------------------------------------------------- text

# Rule descriptions, group names and group descriptions: "Up to 255
# characters in length. Allowed characters are a-z, A-Z, 0-9, spaces, and
# ._-:/()#,@[]+=&;{}!$*" (botocore IpRange.Description and
# CreateSecurityGroup; EC2's own message lists the same set, research 7e, 10d).
_TEXT_CHARS = r"[a-zA-Z0-9. _\-:/()#,@\[\]+=&;{}!$*]"
DESCRIPTION = re.compile(rf"{_TEXT_CHARS}{{0,255}}")
GROUP_NAME_VPC = re.compile(rf"{_TEXT_CHARS}{{1,255}}")

# --------------------------------------------------------------------------- DescribeSecurityGroups

# ``MaxResults``' bounds are the model's (``Scalar.bounds``, botocore's min and max).
# Filter names listed by botocore's DescribeSecurityGroups ``Filters`` doc;
# ``tag:<key>`` is matched separately.
FILTER_NAMES = frozenset(
    {
        "description",
        "egress.ip-permission.cidr",
        "egress.ip-permission.from-port",
        "egress.ip-permission.group-id",
        "egress.ip-permission.group-name",
        "egress.ip-permission.ipv6-cidr",
        "egress.ip-permission.prefix-list-id",
        "egress.ip-permission.protocol",
        "egress.ip-permission.to-port",
        "egress.ip-permission.user-id",
        "group-id",
        "group-name",
        "ip-permission.cidr",
        "ip-permission.from-port",
        "ip-permission.group-id",
        "ip-permission.group-name",
        "ip-permission.ipv6-cidr",
        "ip-permission.prefix-list-id",
        "ip-permission.protocol",
        "ip-permission.to-port",
        "ip-permission.user-id",
        "owner-id",
        "tag-key",
        "vpc-id",
    }
)
#: "The maximum length for a filter value is 255 characters" (research 9b).
FILTER_VALUE_MAX = 255

# The resource type each operation tags on creation is the model's ``TAGGABLE``
# (``security-group-rule`` for the Authorize operations, ``security-group`` for
# CreateSecurityGroup), re-exported here for the validator's rules.

#: Tags per resource: EC2's quota (DOC, "Tag restrictions": 50 user tags a resource); a key
#: given again replaces its value and does not count twice.
TAG_LIMIT = 50

# --------------------------------------------------------------------------- values in messages

#: The most characters of a value a message shows.
SHOWN_MAX = 64


def shown(value: Any) -> str:
    """``value`` as a message shows it: text as it is; an integer of any length by its value,
    truncated to :data:`SHOWN_MAX` digits plus ``...`` (never Python's int-to-str limit)."""
    if type(value) is int:
        magnitude = -value if value < 0 else value
        if magnitude < _SHOWN_LIMIT:
            return str(value)
        # The leading digits only: one division, whatever the length (a 100,000-digit int
        # costs milliseconds; str() of it would raise, and be quadratic without the limit).
        drop = max(int(magnitude.bit_length() * _LOG10_2) - SHOWN_MAX, 0)
        head = magnitude // 10**drop
        while head >= _SHOWN_LIMIT:
            head //= 10
        return f"{'-' if value < 0 else ''}{head}..."
    if isinstance(value, str):
        return value
    try:
        text = str(value)
    except Exception:  # a value whose str() fails (a list of huge ints) is shown by its type
        text = type(value).__name__
    return text


_SHOWN_LIMIT = 10**SHOWN_MAX
_LOG10_2 = 0.30102999566398120
