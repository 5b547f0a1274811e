"""The two shapes of a rule in the params: legacy flat members and ``IpPermissions``.

Decoding keeps a request as it arrived; these two functions move between the
forms on request. ``normalize`` folds the flat members (``IpProtocol``,
``FromPort``, ``ToPort``, ``CidrIp``, ``SourceSecurityGroupName``,
``SourceSecurityGroupOwnerId``) into one ``IpPermissions`` entry and drops
what EC2 refuses in a request but describe output carries (empty lists, the
read-only ``PeeringStatus``), so a described rule can be revoked as shown.
``flatten`` does the reverse where one rule with one CIDR or one source group
allows it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._errors import RequestError
from .._model import FLAT_RULE_MEMBERS, operation

__all__ = ["flatten", "normalize", "rule_request_permission"]

#: Members that describe output carries and a request must not send.
READ_ONLY_MEMBERS = frozenset({"PeeringStatus"})

_RULE_LISTS = ("UserIdGroupPairs", "IpRanges", "Ipv6Ranges", "PrefixListIds")


#: A ``SecurityGroupRuleRequest`` source member -> the IpPermission list and item key it is.
_RULE_REQUEST_SOURCES = (
    ("CidrIpv4", "IpRanges", "CidrIp"),
    ("CidrIpv6", "Ipv6Ranges", "CidrIpv6"),
    ("PrefixListId", "PrefixListIds", "PrefixListId"),
    ("ReferencedGroupId", "UserIdGroupPairs", "GroupId"),
)


def rule_request_permission(rule: Mapping[str, Any]) -> dict[str, Any]:
    """The ``IpPermission`` a ``SecurityGroupRuleRequest`` (ModifySecurityGroupRules' new
    rule) describes: protocol and ports as they are, each source given as a one-item list
    carrying the rule's ``Description``. The one reading of a modified rule that the
    validator, the backend and the policy share."""
    permission: dict[str, Any] = {
        key: rule[key] for key in ("IpProtocol", "FromPort", "ToPort") if key in rule
    }
    for member, key, item_key in _RULE_REQUEST_SOURCES:
        if member in rule:
            item = {item_key: rule[member]}
            if "Description" in rule:
                item["Description"] = rule["Description"]
            permission[key] = [item]
    return permission


def normalize(operation_name: str, params: Mapping[str, Any]) -> dict[str, Any]:
    """Params with flat members folded into ``IpPermissions``; a new dict, input untouched."""
    op = operation(operation_name)
    result: dict[str, Any] = {}
    flat: dict[str, Any] = {}
    for key, value in params.items():
        if key in FLAT_RULE_MEMBERS and op.is_rule_operation:
            flat[key] = value
        elif key == "IpPermissions" and isinstance(value, list):
            result[key] = [_clean_permission(p) for p in value]
        else:
            result[key] = value
    if flat:
        result.setdefault("IpPermissions", []).append(_fold(flat))
    if result.get("IpPermissions") == []:
        del result["IpPermissions"]
    return result


def _fold(flat: Mapping[str, Any]) -> dict[str, Any]:
    permission: dict[str, Any] = {}
    for key in ("IpProtocol", "FromPort", "ToPort"):
        if key in flat:
            permission[key] = flat[key]
    pair: dict[str, Any] = {}
    if "SourceSecurityGroupOwnerId" in flat:
        pair["UserId"] = flat["SourceSecurityGroupOwnerId"]
    if "SourceSecurityGroupName" in flat:
        pair["GroupName"] = flat["SourceSecurityGroupName"]
    if pair:
        permission["UserIdGroupPairs"] = [pair]
    if "CidrIp" in flat:
        permission["IpRanges"] = [{"CidrIp": flat["CidrIp"]}]
    return permission


def _clean_permission(permission: Any) -> Any:
    if not isinstance(permission, Mapping):
        return permission
    cleaned: dict[str, Any] = {}
    for key, value in permission.items():
        if isinstance(value, list):
            if not value:
                continue
            value = [
                {k: v for k, v in item.items() if k not in READ_ONLY_MEMBERS}
                if isinstance(item, Mapping)
                else item
                for item in value
            ]
        cleaned[key] = value
    return cleaned


def flatten(operation_name: str, params: Mapping[str, Any]) -> dict[str, Any]:
    """Params with their one rule in flat members; ``InvalidParameterCombination`` otherwise."""
    op = operation(operation_name)
    if not op.is_rule_operation:
        raise _cannot(f"{op.name} has no flat rule members")
    params = normalize(op.name, params)
    permissions = params.pop("IpPermissions", [])
    if not permissions:
        return params
    if "Egress" in op.name:
        raise _cannot(f"{op.name} does not support the flat form; use IpPermissions")
    if not isinstance(permissions, (list, tuple)) or len(permissions) != 1:
        count = len(permissions) if isinstance(permissions, (list, tuple)) else "no list of"
        raise _cannot(f"{count} rules are given; the flat form holds one")
    if not isinstance(permissions[0], Mapping):
        raise _cannot("the rule is not a structure")
    permission = dict(permissions[0])
    for key in ("IpProtocol", "FromPort", "ToPort"):
        if key in permission:
            params[key] = permission.pop(key)
    for key in ("Ipv6Ranges", "PrefixListIds"):
        if key in permission:
            raise _cannot(f"{key} has no flat form")
    ranges = permission.pop("IpRanges", [])
    pairs = permission.pop("UserIdGroupPairs", [])
    for sources in (ranges, pairs):
        if not isinstance(sources, (list, tuple)) or not all(
            isinstance(source, Mapping) for source in sources
        ):
            raise _cannot("a source is not a list of structures")
    if len(ranges) + len(pairs) > 1:
        raise _cannot("the rule has more than one source; the flat form holds one")
    for cidr in ranges:
        if set(cidr) != {"CidrIp"}:
            raise _cannot("an IP range with a Description has no flat form")
        params["CidrIp"] = cidr["CidrIp"]
    for pair in pairs:
        if not set(pair) <= {"GroupName", "UserId"}:
            extra = _names(sorted((key for key in pair if key not in ("GroupName", "UserId")),
                                  key=lambda key: key if isinstance(key, str) else ""))
            raise _cannot(f"a source group with {extra} has no flat form")
        if "UserId" in pair:
            params["SourceSecurityGroupOwnerId"] = pair["UserId"]
        if "GroupName" in pair:
            params["SourceSecurityGroupName"] = pair["GroupName"]
    if permission:
        raise _cannot(f"{_names(permission)} has no flat form")
    return params


def _names(keys: Any) -> str:
    """Member names for a message, in order; a key that is not text shown by its type."""
    return ", ".join(key if isinstance(key, str) else f"a {type(key).__name__} key"
                     for key in keys)


def _cannot(why: str) -> RequestError:
    return RequestError(
        "InvalidParameterCombination", f"The rule cannot be expressed in flat parameters: {why}"
    )


def project(value: Any, shape: Any) -> Any:
    """``value`` cut down to the members ``shape`` has (recursively); other values as they are.

    Used to answer an older API version from a result built with the current
    one: a 2011-12-15 client gets no ``SecurityGroupRules``.
    """
    from .._model import ListShape, Structure

    if isinstance(shape, Structure) and isinstance(value, Mapping):
        members = shape.by_name
        return {
            key: project(item, members[key].shape)
            for key, item in value.items()
            if key in members
        }
    if isinstance(shape, ListShape) and isinstance(value, list):
        return [project(item, shape.member) for item in value]
    return value
