"""DescribeSecurityGroups' ``Filters`` over groups already shaped as EC2 shows them, and the
paging every Describe shares (its opaque ``NextToken``).

Filters follow EC2's documented semantics (botocore ``DescribeSecurityGroups``
doc): values of one filter are OR-ed, filters are AND-ed, ``*`` and ``?`` are
wildcards (``\\*`` a literal star), and each ``ip-permission.*`` filter is
matched on its own: two of them may be satisfied by different rules of the
group. Filter names are the validator's to judge (``describe-filter-name``,
EC2's ``The filter '{name}' is invalid``, research row 9a): here an unknown
one is an assertion that fails.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, TypeVar

from .._errors import RequestError
from .._grammar import canonical_protocol
from ._canon import Unvalidated

__all__ = ["decode_token", "encode_token", "matches", "page"]

T = TypeVar("T")

_GROUP_FIELDS = {
    "group-id": "GroupId",
    "group-name": "GroupName",
    "description": "Description",
    "vpc-id": "VpcId",
    "owner-id": "OwnerId",
}

Values = Callable[[dict[str, Any], Mapping[str, str]], Iterator[str]]


def _permission_values(direction: str, field: str) -> Values:
    def values(group: dict[str, Any], names: Mapping[str, str]) -> Iterator[str]:
        for permission in group[direction]:
            if field == "protocol":
                yield permission["IpProtocol"]
            elif field in ("from-port", "to-port"):
                port = permission.get("FromPort" if field == "from-port" else "ToPort")
                if port is not None:
                    yield str(port)
            elif field == "cidr":
                yield from (item["CidrIp"] for item in permission["IpRanges"])
            elif field == "ipv6-cidr":
                yield from (item["CidrIpv6"] for item in permission["Ipv6Ranges"])
            elif field == "prefix-list-id":
                yield from (item["PrefixListId"] for item in permission["PrefixListIds"])
            elif field == "group-id":
                yield from (item["GroupId"] for item in permission["UserIdGroupPairs"])
            elif field == "group-name":
                for item in permission["UserIdGroupPairs"]:
                    if item["GroupId"] in names:
                        yield names[item["GroupId"]]
            elif field == "user-id":
                yield from (item["UserId"] for item in permission["UserIdGroupPairs"])

    return values


_PERMISSION_FIELDS = (
    "protocol",
    "from-port",
    "to-port",
    "cidr",
    "ipv6-cidr",
    "prefix-list-id",
    "group-id",
    "group-name",
    "user-id",
)


def _group_values(member: str) -> Values:
    def values(group: dict[str, Any], _names: Mapping[str, str]) -> Iterator[str]:
        yield group[member]

    return values


FILTERS: dict[str, Values] = {name: _group_values(m) for name, m in _GROUP_FIELDS.items()}
FILTERS["tag-key"] = lambda group, _names: (tag["Key"] for tag in group.get("Tags", ()))
for _field in _PERMISSION_FIELDS:
    FILTERS[f"ip-permission.{_field}"] = _permission_values("IpPermissions", _field)
    FILTERS[f"egress.ip-permission.{_field}"] = _permission_values("IpPermissionsEgress", _field)


def _tag_values(key: str) -> Values:
    def values(group: dict[str, Any], _names: Mapping[str, str]) -> Iterator[str]:
        return (tag["Value"] for tag in group.get("Tags", ()) if tag["Key"] == key)

    return values


def _pattern(value: str) -> re.Pattern[str]:
    """EC2 filter wildcards: ``*`` any run, ``?`` one character, backslash escapes."""
    out = []
    chars = iter(value)
    for char in chars:
        if char == "\\":
            out.append(re.escape(next(chars, "\\")))
        elif char == "*":
            out.append(".*")
        elif char == "?":
            out.append(".")
        else:
            out.append(re.escape(char))
    return re.compile("".join(out), re.DOTALL)


def _wanted(name: str, values: list[Any]) -> list[re.Pattern[str]]:
    patterns = []
    for value in values:
        text = str(value)
        if name.endswith("ip-permission.protocol") and not any(c in text for c in "*?\\"):
            text = canonical_protocol(text) or text  # an unknown protocol matches nothing
        patterns.append(_pattern(text))
    return patterns


def matches(
    group: dict[str, Any], filters: list[Mapping[str, Any]], names: Mapping[str, str]
) -> bool:
    """Whether ``group`` passes every filter; ``names`` maps group ids to names (for group-name)."""
    for spec in filters:
        name = spec["Name"]
        values_of = _tag_values(name[4:]) if name.startswith("tag:") else FILTERS.get(name)
        if values_of is None:
            raise Unvalidated(f"filter {name!r}")
        patterns = _wanted(name, list(spec.get("Values") or ()))
        if not any(p.fullmatch(v) for v in values_of(group, names) for p in patterns):
            return False
    return True


def encode_token(seq: int) -> str:
    """An opaque NextToken naming the creation position to continue after."""
    return base64.urlsafe_b64encode(f"sg:{seq}".encode()).decode().rstrip("=")


def decode_token(token: Any) -> int:
    """The position a NextToken continues after; ``InvalidPaginationToken`` if it is not ours."""
    try:
        text = base64.urlsafe_b64decode(str(token) + "=" * (-len(str(token)) % 4)).decode()
        prefix, _, seq = text.partition(":")
        if prefix == "sg" and seq.isdigit():
            return int(seq)
    except (ValueError, UnicodeDecodeError):
        pass
    raise RequestError("InvalidPaginationToken", f"The pagination token '{token}' is invalid.")


def page(rows: Sequence[T], params: dict[str, Any]) -> tuple[Sequence[T], str | None]:
    """The page of ``rows`` that ``NextToken`` and ``MaxResults`` ask for, and the token of
    the next page (``None`` after the last). A token here is the position after the page,
    for Describes whose rows are listed afresh in one order on each call."""
    start = decode_token(params["NextToken"]) if params.get("NextToken") else 0
    limit = params.get("MaxResults")
    if limit is None:
        return rows[start:], None
    end = start + limit
    return rows[start:end], (encode_token(end) if end < len(rows) else None)
