"""Operations, API versions and the legacy 2011-12-15 view, as data.

The 2011-12-15 view is the 2016-11-15 model with members removed
(``LEGACY_MEMBERS``: a structure keeps only the members listed) and a few
members that later versions dropped (``LEGACY_EXTRA``: the top-level
``UserId``), as in the API reference of that version: nested
``IpPermissions.N`` with ``Groups.M.{UserId,GroupName,GroupId}`` and
``IpRanges.M.CidrIp``, and the flat ``IpProtocol``/``FromPort``/``ToPort``/
``CidrIp``/``SourceSecurityGroupName``/``SourceSecurityGroupOwnerId``.
"""

from __future__ import annotations

CURRENT_VERSION = "2016-11-15"
LEGACY_VERSION = "2011-12-15"
VERSIONS: tuple[str, ...] = (CURRENT_VERSION, LEGACY_VERSION)

#: API name -> (CLI name, input structure, output structure)
OPERATIONS: dict[str, tuple[str, str, str]] = {
    "RevokeSecurityGroupIngress": (
        "revoke-security-group-ingress",
        "RevokeSecurityGroupIngressRequest",
        "RevokeSecurityGroupIngressResult",
    ),
    "AuthorizeSecurityGroupIngress": (
        "authorize-security-group-ingress",
        "AuthorizeSecurityGroupIngressRequest",
        "AuthorizeSecurityGroupIngressResult",
    ),
    "RevokeSecurityGroupEgress": (
        "revoke-security-group-egress",
        "RevokeSecurityGroupEgressRequest",
        "RevokeSecurityGroupEgressResult",
    ),
    "AuthorizeSecurityGroupEgress": (
        "authorize-security-group-egress",
        "AuthorizeSecurityGroupEgressRequest",
        "AuthorizeSecurityGroupEgressResult",
    ),
    "CreateSecurityGroup": (
        "create-security-group",
        "CreateSecurityGroupRequest",
        "CreateSecurityGroupResult",
    ),
    "DescribeSecurityGroups": (
        "describe-security-groups",
        "DescribeSecurityGroupsRequest",
        "DescribeSecurityGroupsResult",
    ),
    "DeleteSecurityGroup": (
        "delete-security-group",
        "DeleteSecurityGroupRequest",
        "DeleteSecurityGroupResult",
    ),
}

_FLAT_RULE = (
    "IpProtocol",
    "FromPort",
    "ToPort",
    "CidrIp",
    "SourceSecurityGroupName",
    "SourceSecurityGroupOwnerId",
)
_INGRESS_2011 = ("UserId", "GroupId", "GroupName", "IpPermissions", *_FLAT_RULE)
_EGRESS_2011 = ("GroupId", "IpPermissions")
_RULE_RESULT_2011 = ("Return",)

#: Structure -> the members it keeps in API 2011-12-15.
LEGACY_MEMBERS: dict[str, tuple[str, ...]] = {
    "RevokeSecurityGroupIngressRequest": _INGRESS_2011,
    "AuthorizeSecurityGroupIngressRequest": _INGRESS_2011,
    "RevokeSecurityGroupEgressRequest": _EGRESS_2011,
    "AuthorizeSecurityGroupEgressRequest": _EGRESS_2011,
    "CreateSecurityGroupRequest": ("Description", "GroupName", "VpcId"),
    "DescribeSecurityGroupsRequest": ("GroupIds", "GroupNames", "Filters"),
    "DeleteSecurityGroupRequest": ("GroupId", "GroupName"),
    "IpPermission": ("IpProtocol", "FromPort", "ToPort", "UserIdGroupPairs", "IpRanges"),
    "UserIdGroupPair": ("UserId", "GroupName", "GroupId"),
    "IpRange": ("CidrIp",),
    "RevokeSecurityGroupIngressResult": _RULE_RESULT_2011,
    "AuthorizeSecurityGroupIngressResult": _RULE_RESULT_2011,
    "RevokeSecurityGroupEgressResult": _RULE_RESULT_2011,
    "AuthorizeSecurityGroupEgressResult": _RULE_RESULT_2011,
    "CreateSecurityGroupResult": ("GroupId",),
    "DescribeSecurityGroupsResult": ("SecurityGroups",),
    "SecurityGroup": (
        "OwnerId",
        "GroupId",
        "GroupName",
        "Description",
        "VpcId",
        "IpPermissions",
        "IpPermissionsEgress",
        "Tags",
    ),
    "DeleteSecurityGroupResult": ("Return",),
}

#: Structure -> members that exist only in API 2011-12-15 (same row format as shapes).
LEGACY_EXTRA: dict[str, tuple[tuple[str, str, str, str], ...]] = {
    "RevokeSecurityGroupIngressRequest": (("UserId", "string", "UserId", "UserId"),),
    "AuthorizeSecurityGroupIngressRequest": (("UserId", "string", "UserId", "UserId"),),
}

#: The flat (legacy) members of the rule operations that ``normalize`` folds into one rule.
FLAT_RULE_MEMBERS: tuple[str, ...] = _FLAT_RULE

#: Structure -> member order of EC2's XML documents, where it differs from the model's
#: (the API reference's DescribeSecurityGroups example: ``ownerId``, ``groupId``,
#: ``groupName``, ``groupDescription``, ``vpcId``, ``ipPermissions``,
#: ``ipPermissionsEgress``; inside a rule's lists the address or id comes before its
#: ``description``). Members not listed follow in model order.
XML_ORDER: dict[str, tuple[str, ...]] = {
    "SecurityGroup": (
        "OwnerId",
        "GroupId",
        "GroupName",
        "Description",
        "VpcId",
        "IpPermissions",
        "IpPermissionsEgress",
        "Tags",
        "SecurityGroupArn",
    ),
    "UserIdGroupPair": (
        "UserId",
        "GroupId",
        "GroupName",
        "VpcId",
        "VpcPeeringConnectionId",
        "PeeringStatus",
        "Description",
    ),
    "IpRange": ("CidrIp", "Description"),
    "Ipv6Range": ("CidrIpv6", "Description"),
    "PrefixListId": ("PrefixListId", "Description"),
}
