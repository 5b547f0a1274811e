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
#: Every API version the model has, oldest first: 2011-12-15, the two of the published WSDLs,
#: and the eight of botocore's versioned models.
VERSIONS: tuple[str, ...] = (
    LEGACY_VERSION,
    "2012-05-01",
    "2013-10-15",
    "2014-09-01",
    "2014-10-01",
    "2015-03-01",
    "2015-04-15",
    "2015-10-01",
    "2016-04-01",
    "2016-09-15",
    CURRENT_VERSION,
)

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
    "CreateTags": ("create-tags", "CreateTagsRequest", "CreateTagsResult"),
    "DeleteTags": ("delete-tags", "DeleteTagsRequest", "DeleteTagsResult"),
    "DescribeTags": ("describe-tags", "DescribeTagsRequest", "DescribeTagsResult"),
    "DescribeSecurityGroupReferences": (
        "describe-security-group-references",
        "DescribeSecurityGroupReferencesRequest",
        "DescribeSecurityGroupReferencesResult",
    ),
    "DescribeStaleSecurityGroups": (
        "describe-stale-security-groups",
        "DescribeStaleSecurityGroupsRequest",
        "DescribeStaleSecurityGroupsResult",
    ),
}

#: The results EC2 writes that botocore models as no output at all: the API reference's
#: CreateTags and DeleteTags answers are ``<return>true</return>`` (botocore's parser, having
#: no shape, returns only ResponseMetadata; the model keeps the member EC2 sends).
UNMODELED_OUTPUTS = frozenset({"CreateTagsResult", "DeleteTagsResult"})

_FLAT_RULE = (
    "IpProtocol",
    "FromPort",
    "ToPort",
    "CidrIp",
    "SourceSecurityGroupName",
    "SourceSecurityGroupOwnerId",
)

_REQUESTS = tuple(input_ for _cli, input_, _output in OPERATIONS.values())

#: API version -> {structure: the members that version added}, from botocore's versioned
#: models (2014-09-01 on) and the WSDLs of 2012-05-01 and 2013-10-15
#: (tests/model/test_versions.py checks both). ``SINCE`` is its index.
ADDED: dict[str, dict[str, tuple[str, ...]]] = {
    # inferred: EC2 added DryRun to every action in API 2013-06-15; the WSDLs carry no
    # Query-only parameter (nor the flat rule members every version has), botocore's first
    # model (2014-09-01) has it everywhere.
    "2013-10-15": {
        **dict.fromkeys(_REQUESTS, ("DryRun",)),
        # The 2013-10-15 WSDL's DescribeTagsType has maxResults and nextToken; 2012-05-01's not.
        "DescribeTagsRequest": ("DryRun", "MaxResults", "NextToken"),
        "DescribeTagsResult": ("NextToken",),
    },
    # botocore's models have the flat members on the egress operations too (EC2 refuses
    # them: the validator's ``egress-has-no-flat-form``); the WSDLs and the 2011-12-15
    # reference have none.
    "2014-09-01": {
        "RevokeSecurityGroupEgressRequest": _FLAT_RULE,
        "AuthorizeSecurityGroupEgressRequest": _FLAT_RULE,
    },
    "2015-04-15": {"IpPermission": ("PrefixListIds",)},
    "2015-10-01": {"UserIdGroupPair": ("VpcId", "VpcPeeringConnectionId", "PeeringStatus")},
    CURRENT_VERSION: {
        "RevokeSecurityGroupIngressRequest": ("SecurityGroupRuleIds",),
        "AuthorizeSecurityGroupIngressRequest": ("TagSpecifications",),
        "RevokeSecurityGroupEgressRequest": ("SecurityGroupRuleIds",),
        "AuthorizeSecurityGroupEgressRequest": ("TagSpecifications",),
        "CreateSecurityGroupRequest": ("TagSpecifications",),
        "DescribeSecurityGroupsRequest": ("NextToken", "MaxResults"),
        "IpPermission": ("Ipv6Ranges",),
        "UserIdGroupPair": ("Description",),
        "IpRange": ("Description",),
        "PrefixListId": ("Description",),
        "RevokeSecurityGroupIngressResult": ("UnknownIpPermissions", "RevokedSecurityGroupRules"),
        "AuthorizeSecurityGroupIngressResult": ("SecurityGroupRules",),
        "RevokeSecurityGroupEgressResult": ("UnknownIpPermissions", "RevokedSecurityGroupRules"),
        "AuthorizeSecurityGroupEgressResult": ("SecurityGroupRules",),
        "CreateSecurityGroupResult": ("Tags", "SecurityGroupArn"),
        "DescribeSecurityGroupsResult": ("NextToken",),
        "SecurityGroup": ("SecurityGroupArn",),
        "DeleteSecurityGroupResult": ("GroupId",),
        "SecurityGroupReference": ("TransitGatewayId",),
    },
}

#: Structure -> {member: the first API version that has it}. A member not listed is in
#: every version of ``VERSIONS``.
SINCE: dict[str, dict[str, str]] = {}
for _version, _added in ADDED.items():
    for _structure, _members in _added.items():
        SINCE.setdefault(_structure, {}).update(dict.fromkeys(_members, _version))

#: Operation -> the first API version that has it (botocore's versioned models); an
#: operation not listed is in every version of ``VERSIONS``. A version without it answers
#: ``InvalidAction``, as for any action EC2 does not have.
OPERATION_SINCE: dict[str, str] = {
    "DescribeSecurityGroupReferences": "2015-10-01",
    "DescribeStaleSecurityGroups": "2015-10-01",
    "DescribeSecurityGroupRules": CURRENT_VERSION,
    "ModifySecurityGroupRules": CURRENT_VERSION,
    "UpdateSecurityGroupRuleDescriptionsIngress": CURRENT_VERSION,
    "UpdateSecurityGroupRuleDescriptionsEgress": CURRENT_VERSION,
}

#: Structure -> ``(last API version that has it, row)`` for members later versions dropped
#: (rows as in ``shapes.STRUCTURES``; they follow the structure's other members).
UNTIL: dict[str, tuple[tuple[str, tuple[str, str, str, str]], ...]] = {
    # The WSDLs of 2012-05-01 and 2013-10-15 have ``userId``; botocore's 2014-09-01 has not.
    "RevokeSecurityGroupIngressRequest": (
        ("2013-10-15", ("UserId", "string", "UserId", "UserId")),
    ),
    "AuthorizeSecurityGroupIngressRequest": (
        ("2013-10-15", ("UserId", "string", "UserId", "UserId")),
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
    "CreateTagsRequest": ("Resources", "Tags"),
    "DeleteTagsRequest": ("Resources",),
    "DescribeSecurityGroupReferencesRequest": ("GroupId",),
    "DescribeStaleSecurityGroupsRequest": ("VpcId",),
}

#: (structure, member) -> the inclusive range an integer must be in (botocore's min/max).
BOUNDS: dict[tuple[str, str], tuple[int, int]] = {
    ("DescribeSecurityGroupsRequest", "MaxResults"): (5, 1000),
    ("DescribeSecurityGroupRulesRequest", "MaxResults"): (5, 1000),
    ("DescribeStaleSecurityGroupsRequest", "MaxResults"): (5, 255),
}

#: Operation -> how its results come in pages (botocore's paginator model, which aws-cli
#: follows): (input token, output token, limit key, result key).
PAGINATORS: dict[str, tuple[str, str, str, str]] = {
    "DescribeSecurityGroups": ("NextToken", "NextToken", "MaxResults", "SecurityGroups"),
    "DescribeSecurityGroupRules": (
        "NextToken", "NextToken", "MaxResults", "SecurityGroupRules",
    ),
    "DescribeTags": ("NextToken", "NextToken", "MaxResults", "Tags"),
    "DescribeStaleSecurityGroups": (
        "NextToken", "NextToken", "MaxResults", "StaleSecurityGroupSet",
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
