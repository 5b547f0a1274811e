"""Operations, API versions and the legacy 2011-12-15 view, as data.

Which version has which member is data: ``SINCE`` names the members a version
added, ``UNTIL`` the members a later version dropped (the top-level ``UserId``).
The 2011-12-15 view is, as in the API reference of that version: nested
``IpPermissions.N`` with ``Groups.M.{UserId,GroupName,GroupId}`` and
``IpRanges.M.CidrIp``, and the flat ``IpProtocol``/``FromPort``/``ToPort``/
``CidrIp``/``SourceSecurityGroupName``/``SourceSecurityGroupOwnerId``.
"""

from __future__ import annotations

CURRENT_VERSION = "2016-11-15"
LEGACY_VERSION = "2011-12-15"
#: Every API version the model has, oldest first.
VERSIONS: tuple[str, ...] = (LEGACY_VERSION, CURRENT_VERSION)

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
    "DescribeSecurityGroupRules": (
        "describe-security-group-rules",
        "DescribeSecurityGroupRulesRequest",
        "DescribeSecurityGroupRulesResult",
    ),
    "ModifySecurityGroupRules": (
        "modify-security-group-rules",
        "ModifySecurityGroupRulesRequest",
        "ModifySecurityGroupRulesResult",
    ),
    "UpdateSecurityGroupRuleDescriptionsIngress": (
        "update-security-group-rule-descriptions-ingress",
        "UpdateSecurityGroupRuleDescriptionsIngressRequest",
        "UpdateSecurityGroupRuleDescriptionsIngressResult",
    ),
    "UpdateSecurityGroupRuleDescriptionsEgress": (
        "update-security-group-rule-descriptions-egress",
        "UpdateSecurityGroupRuleDescriptionsEgressRequest",
        "UpdateSecurityGroupRuleDescriptionsEgressResult",
    ),
}

#: Operation -> the first API version that has it (an operation not listed is in every
#: version of ``VERSIONS``). An older version refuses it as an action it does not know.
OPERATION_SINCE: dict[str, str] = {
    "DescribeSecurityGroupRules": CURRENT_VERSION,
    "ModifySecurityGroupRules": CURRENT_VERSION,
    "UpdateSecurityGroupRuleDescriptionsIngress": CURRENT_VERSION,
    "UpdateSecurityGroupRuleDescriptionsEgress": CURRENT_VERSION,
}

_FLAT_RULE = (
    "IpProtocol",
    "FromPort",
    "ToPort",
    "CidrIp",
    "SourceSecurityGroupName",
    "SourceSecurityGroupOwnerId",
)

#: Structure -> {member: the first API version that has it}. A member not listed is in
#: every version of ``VERSIONS``; a version that adds members is one more entry here.
SINCE: dict[str, dict[str, str]] = {
    structure: dict.fromkeys(members, CURRENT_VERSION)
    for structure, members in {
        "RevokeSecurityGroupIngressRequest": ("SecurityGroupRuleIds", "DryRun"),
        "AuthorizeSecurityGroupIngressRequest": ("TagSpecifications", "DryRun"),
        "RevokeSecurityGroupEgressRequest": (
            "SecurityGroupRuleIds", "DryRun", *_FLAT_RULE,
        ),
        "AuthorizeSecurityGroupEgressRequest": ("TagSpecifications", "DryRun", *_FLAT_RULE),
        "CreateSecurityGroupRequest": ("TagSpecifications", "DryRun"),
        "DescribeSecurityGroupsRequest": ("NextToken", "MaxResults", "DryRun"),
        "DeleteSecurityGroupRequest": ("DryRun",),
        "IpPermission": ("Ipv6Ranges", "PrefixListIds"),
        "UserIdGroupPair": ("Description", "VpcId", "VpcPeeringConnectionId", "PeeringStatus"),
        "IpRange": ("Description",),
        "RevokeSecurityGroupIngressResult": ("UnknownIpPermissions", "RevokedSecurityGroupRules"),
        "AuthorizeSecurityGroupIngressResult": ("SecurityGroupRules",),
        "RevokeSecurityGroupEgressResult": ("UnknownIpPermissions", "RevokedSecurityGroupRules"),
        "AuthorizeSecurityGroupEgressResult": ("SecurityGroupRules",),
        "CreateSecurityGroupResult": ("Tags", "SecurityGroupArn"),
        "DescribeSecurityGroupsResult": ("NextToken",),
        "SecurityGroup": ("SecurityGroupArn",),
        "DeleteSecurityGroupResult": ("GroupId",),
    }.items()
}

#: Structure -> ``(last API version that has it, row)`` for members later versions dropped
#: (rows as in ``shapes.STRUCTURES``; they follow the structure's other members).
UNTIL: dict[str, tuple[tuple[str, tuple[str, str, str, str]], ...]] = {
    "RevokeSecurityGroupIngressRequest": (
        (LEGACY_VERSION, ("UserId", "string", "UserId", "UserId")),
    ),
    "AuthorizeSecurityGroupIngressRequest": (
        (LEGACY_VERSION, ("UserId", "string", "UserId", "UserId")),
    ),
}

#: Structure -> the members botocore's model marks required (``required`` in its shapes), in
#: the order EC2 reports them missing (``CreateSecurityGroup`` without both: ``GroupName``).
REQUIRED: dict[str, tuple[str, ...]] = {
    "ModifySecurityGroupRulesRequest": ("GroupId", "SecurityGroupRules"),
    "SecurityGroupRuleUpdate": ("SecurityGroupRuleId",),
    "RevokeSecurityGroupEgressRequest": ("GroupId",),
    "AuthorizeSecurityGroupEgressRequest": ("GroupId",),
    "CreateSecurityGroupRequest": ("GroupName", "Description"),
}

#: (structure, member) -> the inclusive range an integer must be in (botocore's min/max).
BOUNDS: dict[tuple[str, str], tuple[int, int]] = {
    ("DescribeSecurityGroupsRequest", "MaxResults"): (5, 1000),
    ("DescribeSecurityGroupRulesRequest", "MaxResults"): (5, 1000),
}

#: Operation -> how its results come in pages (botocore's paginator model, which aws-cli
#: follows): (input token, output token, limit key, result key).
PAGINATORS: dict[str, tuple[str, str, str, str]] = {
    "DescribeSecurityGroups": ("NextToken", "NextToken", "MaxResults", "SecurityGroups"),
    "DescribeSecurityGroupRules": (
        "NextToken", "NextToken", "MaxResults", "SecurityGroupRules",
    ),
}

#: Operation -> the resource type its ``TagSpecifications`` tag on creation: the rule for the
#: Authorize operations ("The tags applied to the security group rule"), the group for
#: CreateSecurityGroup. The validator refuses another type; the CLI skeleton shows this one.
TAGGABLE: dict[str, str] = {
    "AuthorizeSecurityGroupIngress": "security-group-rule",
    "AuthorizeSecurityGroupEgress": "security-group-rule",
    "CreateSecurityGroup": "security-group",
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
