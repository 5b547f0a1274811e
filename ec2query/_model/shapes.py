"""Shape tables for the security-group operations, API 2016-11-15.

Written by this project as data: one row per member, in the order EC2's
model lists them. ``tests/model/test_against_botocore.py`` checks every row
against botocore's installed service model so the two cannot drift.

Row: ``(member name, type, Query name, XML name)``. A type is ``"string"``,
``"integer"``, ``"boolean"``, the name of another structure here, or a list
``"[T]"`` whose XML items are ``<item>`` (``"[T:name]"`` where the model names
the item otherwise). The Query name is what goes on the wire
(``IpPermissions.1.Groups.1.GroupId``), the XML name what responses use.
"""

from __future__ import annotations

STRUCTURES: dict[str, tuple[tuple[str, str, str, str], ...]] = {
    "RevokeSecurityGroupIngressRequest": (
        ("CidrIp", "string", "CidrIp", "CidrIp"),
        ("FromPort", "integer", "FromPort", "FromPort"),
        ("GroupId", "string", "GroupId", "GroupId"),
        ("GroupName", "string", "GroupName", "GroupName"),
        ("IpPermissions", "[IpPermission]", "IpPermissions", "IpPermissions"),
        ("IpProtocol", "string", "IpProtocol", "IpProtocol"),
        ("SourceSecurityGroupName", "string", "SourceSecurityGroupName", "SourceSecurityGroupName"),
        ("SourceSecurityGroupOwnerId", "string", "SourceSecurityGroupOwnerId", "SourceSecurityGroupOwnerId"),
        ("ToPort", "integer", "ToPort", "ToPort"),
        ("SecurityGroupRuleIds", "[string]", "SecurityGroupRuleId", "SecurityGroupRuleId"),
        ("DryRun", "boolean", "DryRun", "dryRun"),
    ),
    "IpPermission": (
        ("IpProtocol", "string", "IpProtocol", "ipProtocol"),
        ("FromPort", "integer", "FromPort", "fromPort"),
        ("ToPort", "integer", "ToPort", "toPort"),
        ("UserIdGroupPairs", "[UserIdGroupPair]", "Groups", "groups"),
        ("IpRanges", "[IpRange]", "IpRanges", "ipRanges"),
        ("Ipv6Ranges", "[Ipv6Range]", "Ipv6Ranges", "ipv6Ranges"),
        ("PrefixListIds", "[PrefixListId]", "PrefixListIds", "prefixListIds"),
    ),
    "UserIdGroupPair": (
        ("Description", "string", "Description", "description"),
        ("UserId", "string", "UserId", "userId"),
        ("GroupName", "string", "GroupName", "groupName"),
        ("GroupId", "string", "GroupId", "groupId"),
        ("VpcId", "string", "VpcId", "vpcId"),
        ("VpcPeeringConnectionId", "string", "VpcPeeringConnectionId", "vpcPeeringConnectionId"),
        ("PeeringStatus", "string", "PeeringStatus", "peeringStatus"),
    ),
    "IpRange": (
        ("Description", "string", "Description", "description"),
        ("CidrIp", "string", "CidrIp", "cidrIp"),
    ),
    "Ipv6Range": (
        ("Description", "string", "Description", "description"),
        ("CidrIpv6", "string", "CidrIpv6", "cidrIpv6"),
    ),
    "PrefixListId": (
        ("Description", "string", "Description", "description"),
        ("PrefixListId", "string", "PrefixListId", "prefixListId"),
    ),
    "RevokeSecurityGroupIngressResult": (
        ("Return", "boolean", "Return", "return"),
        ("UnknownIpPermissions", "[IpPermission]", "UnknownIpPermissionSet", "unknownIpPermissionSet"),
        ("RevokedSecurityGroupRules", "[RevokedSecurityGroupRule]", "RevokedSecurityGroupRuleSet", "revokedSecurityGroupRuleSet"),
    ),
    "RevokedSecurityGroupRule": (
        ("SecurityGroupRuleId", "string", "SecurityGroupRuleId", "securityGroupRuleId"),
        ("GroupId", "string", "GroupId", "groupId"),
        ("IsEgress", "boolean", "IsEgress", "isEgress"),
        ("IpProtocol", "string", "IpProtocol", "ipProtocol"),
        ("FromPort", "integer", "FromPort", "fromPort"),
        ("ToPort", "integer", "ToPort", "toPort"),
        ("CidrIpv4", "string", "CidrIpv4", "cidrIpv4"),
        ("CidrIpv6", "string", "CidrIpv6", "cidrIpv6"),
        ("PrefixListId", "string", "PrefixListId", "prefixListId"),
        ("ReferencedGroupId", "string", "ReferencedGroupId", "referencedGroupId"),
        ("Description", "string", "Description", "description"),
    ),
    "AuthorizeSecurityGroupIngressRequest": (
        ("CidrIp", "string", "CidrIp", "CidrIp"),
        ("FromPort", "integer", "FromPort", "FromPort"),
        ("GroupId", "string", "GroupId", "GroupId"),
        ("GroupName", "string", "GroupName", "GroupName"),
        ("IpPermissions", "[IpPermission]", "IpPermissions", "IpPermissions"),
        ("IpProtocol", "string", "IpProtocol", "IpProtocol"),
        ("SourceSecurityGroupName", "string", "SourceSecurityGroupName", "SourceSecurityGroupName"),
        ("SourceSecurityGroupOwnerId", "string", "SourceSecurityGroupOwnerId", "SourceSecurityGroupOwnerId"),
        ("ToPort", "integer", "ToPort", "ToPort"),
        ("TagSpecifications", "[TagSpecification]", "TagSpecification", "TagSpecification"),
        ("DryRun", "boolean", "DryRun", "dryRun"),
    ),
    "TagSpecification": (
        ("ResourceType", "string", "ResourceType", "resourceType"),
        ("Tags", "[Tag]", "Tag", "Tag"),
    ),
    "Tag": (
        ("Key", "string", "Key", "key"),
        ("Value", "string", "Value", "value"),
    ),
    "AuthorizeSecurityGroupIngressResult": (
        ("Return", "boolean", "Return", "return"),
        ("SecurityGroupRules", "[SecurityGroupRule]", "SecurityGroupRuleSet", "securityGroupRuleSet"),
    ),
    "SecurityGroupRule": (
        ("SecurityGroupRuleId", "string", "SecurityGroupRuleId", "securityGroupRuleId"),
        ("GroupId", "string", "GroupId", "groupId"),
        ("GroupOwnerId", "string", "GroupOwnerId", "groupOwnerId"),
        ("IsEgress", "boolean", "IsEgress", "isEgress"),
        ("IpProtocol", "string", "IpProtocol", "ipProtocol"),
        ("FromPort", "integer", "FromPort", "fromPort"),
        ("ToPort", "integer", "ToPort", "toPort"),
        ("CidrIpv4", "string", "CidrIpv4", "cidrIpv4"),
        ("CidrIpv6", "string", "CidrIpv6", "cidrIpv6"),
        ("PrefixListId", "string", "PrefixListId", "prefixListId"),
        ("ReferencedGroupInfo", "ReferencedSecurityGroup", "ReferencedGroupInfo", "referencedGroupInfo"),
        ("Description", "string", "Description", "description"),
        ("Tags", "[Tag]", "TagSet", "tagSet"),
        ("SecurityGroupRuleArn", "string", "SecurityGroupRuleArn", "securityGroupRuleArn"),
    ),
    "ReferencedSecurityGroup": (
        ("GroupId", "string", "GroupId", "groupId"),
        ("PeeringStatus", "string", "PeeringStatus", "peeringStatus"),
        ("UserId", "string", "UserId", "userId"),
        ("VpcId", "string", "VpcId", "vpcId"),
        ("VpcPeeringConnectionId", "string", "VpcPeeringConnectionId", "vpcPeeringConnectionId"),
    ),
    "RevokeSecurityGroupEgressRequest": (
        ("SecurityGroupRuleIds", "[string]", "SecurityGroupRuleId", "SecurityGroupRuleId"),
        ("DryRun", "boolean", "DryRun", "dryRun"),
        ("GroupId", "string", "GroupId", "groupId"),
        ("SourceSecurityGroupName", "string", "SourceSecurityGroupName", "sourceSecurityGroupName"),
        ("SourceSecurityGroupOwnerId", "string", "SourceSecurityGroupOwnerId", "sourceSecurityGroupOwnerId"),
        ("IpProtocol", "string", "IpProtocol", "ipProtocol"),
        ("FromPort", "integer", "FromPort", "fromPort"),
        ("ToPort", "integer", "ToPort", "toPort"),
        ("CidrIp", "string", "CidrIp", "cidrIp"),
        ("IpPermissions", "[IpPermission]", "IpPermissions", "ipPermissions"),
    ),
    "RevokeSecurityGroupEgressResult": (
        ("Return", "boolean", "Return", "return"),
        ("UnknownIpPermissions", "[IpPermission]", "UnknownIpPermissionSet", "unknownIpPermissionSet"),
        ("RevokedSecurityGroupRules", "[RevokedSecurityGroupRule]", "RevokedSecurityGroupRuleSet", "revokedSecurityGroupRuleSet"),
    ),
    "AuthorizeSecurityGroupEgressRequest": (
        ("TagSpecifications", "[TagSpecification]", "TagSpecification", "TagSpecification"),
        ("DryRun", "boolean", "DryRun", "dryRun"),
        ("GroupId", "string", "GroupId", "groupId"),
        ("SourceSecurityGroupName", "string", "SourceSecurityGroupName", "sourceSecurityGroupName"),
        ("SourceSecurityGroupOwnerId", "string", "SourceSecurityGroupOwnerId", "sourceSecurityGroupOwnerId"),
        ("IpProtocol", "string", "IpProtocol", "ipProtocol"),
        ("FromPort", "integer", "FromPort", "fromPort"),
        ("ToPort", "integer", "ToPort", "toPort"),
        ("CidrIp", "string", "CidrIp", "cidrIp"),
        ("IpPermissions", "[IpPermission]", "IpPermissions", "ipPermissions"),
    ),
    "AuthorizeSecurityGroupEgressResult": (
        ("Return", "boolean", "Return", "return"),
        ("SecurityGroupRules", "[SecurityGroupRule]", "SecurityGroupRuleSet", "securityGroupRuleSet"),
    ),
    "CreateSecurityGroupRequest": (
        ("Description", "string", "GroupDescription", "GroupDescription"),
        ("GroupName", "string", "GroupName", "GroupName"),
        ("VpcId", "string", "VpcId", "VpcId"),
        ("TagSpecifications", "[TagSpecification]", "TagSpecification", "TagSpecification"),
        ("DryRun", "boolean", "DryRun", "dryRun"),
    ),
    "CreateSecurityGroupResult": (
        ("GroupId", "string", "GroupId", "groupId"),
        ("Tags", "[Tag]", "TagSet", "tagSet"),
        ("SecurityGroupArn", "string", "SecurityGroupArn", "securityGroupArn"),
    ),
    "DescribeSecurityGroupsRequest": (
        ("GroupIds", "[string:groupId]", "GroupId", "GroupId"),
        ("GroupNames", "[string:GroupName]", "GroupName", "GroupName"),
        ("NextToken", "string", "NextToken", "NextToken"),
        ("MaxResults", "integer", "MaxResults", "MaxResults"),
        ("DryRun", "boolean", "DryRun", "dryRun"),
        ("Filters", "[Filter:Filter]", "Filter", "Filter"),
    ),
    "Filter": (
        ("Name", "string", "Name", "Name"),
        ("Values", "[string]", "Value", "Value"),
    ),
    "DescribeSecurityGroupsResult": (
        ("NextToken", "string", "NextToken", "nextToken"),
        ("SecurityGroups", "[SecurityGroup]", "SecurityGroupInfo", "securityGroupInfo"),
    ),
    "SecurityGroup": (
        ("GroupId", "string", "GroupId", "groupId"),
        ("IpPermissionsEgress", "[IpPermission]", "IpPermissionsEgress", "ipPermissionsEgress"),
        ("Tags", "[Tag]", "TagSet", "tagSet"),
        ("VpcId", "string", "VpcId", "vpcId"),
        ("SecurityGroupArn", "string", "SecurityGroupArn", "securityGroupArn"),
        ("OwnerId", "string", "OwnerId", "ownerId"),
        ("GroupName", "string", "GroupName", "groupName"),
        ("Description", "string", "GroupDescription", "groupDescription"),
        ("IpPermissions", "[IpPermission]", "IpPermissions", "ipPermissions"),
    ),
    "DescribeSecurityGroupRulesRequest": (
        ("Filters", "[Filter:Filter]", "Filter", "Filter"),
        ("SecurityGroupRuleIds", "[string]", "SecurityGroupRuleId", "SecurityGroupRuleId"),
        ("DryRun", "boolean", "DryRun", "DryRun"),
        ("NextToken", "string", "NextToken", "NextToken"),
        ("MaxResults", "integer", "MaxResults", "MaxResults"),
    ),
    "DescribeSecurityGroupRulesResult": (
        ("SecurityGroupRules", "[SecurityGroupRule]", "SecurityGroupRuleSet", "securityGroupRuleSet"),
        ("NextToken", "string", "NextToken", "nextToken"),
    ),
    "ModifySecurityGroupRulesRequest": (
        ("GroupId", "string", "GroupId", "GroupId"),
        ("SecurityGroupRules", "[SecurityGroupRuleUpdate]", "SecurityGroupRule", "SecurityGroupRule"),
        ("DryRun", "boolean", "DryRun", "DryRun"),
    ),
    "SecurityGroupRuleUpdate": (
        ("SecurityGroupRuleId", "string", "SecurityGroupRuleId", "SecurityGroupRuleId"),
        ("SecurityGroupRule", "SecurityGroupRuleRequest", "SecurityGroupRule", "SecurityGroupRule"),
    ),
    "SecurityGroupRuleRequest": (
        ("IpProtocol", "string", "IpProtocol", "IpProtocol"),
        ("FromPort", "integer", "FromPort", "FromPort"),
        ("ToPort", "integer", "ToPort", "ToPort"),
        ("CidrIpv4", "string", "CidrIpv4", "CidrIpv4"),
        ("CidrIpv6", "string", "CidrIpv6", "CidrIpv6"),
        ("PrefixListId", "string", "PrefixListId", "PrefixListId"),
        ("ReferencedGroupId", "string", "ReferencedGroupId", "ReferencedGroupId"),
        ("Description", "string", "Description", "Description"),
    ),
    "ModifySecurityGroupRulesResult": (
        ("Return", "boolean", "Return", "return"),
    ),
    "UpdateSecurityGroupRuleDescriptionsIngressRequest": (
        ("DryRun", "boolean", "DryRun", "DryRun"),
        ("GroupId", "string", "GroupId", "GroupId"),
        ("GroupName", "string", "GroupName", "GroupName"),
        ("IpPermissions", "[IpPermission]", "IpPermissions", "IpPermissions"),
        ("SecurityGroupRuleDescriptions", "[SecurityGroupRuleDescription]", "SecurityGroupRuleDescription", "SecurityGroupRuleDescription"),
    ),
    "UpdateSecurityGroupRuleDescriptionsIngressResult": (
        ("Return", "boolean", "Return", "return"),
    ),
    "UpdateSecurityGroupRuleDescriptionsEgressRequest": (
        ("DryRun", "boolean", "DryRun", "DryRun"),
        ("GroupId", "string", "GroupId", "GroupId"),
        ("GroupName", "string", "GroupName", "GroupName"),
        ("IpPermissions", "[IpPermission]", "IpPermissions", "IpPermissions"),
        ("SecurityGroupRuleDescriptions", "[SecurityGroupRuleDescription]", "SecurityGroupRuleDescription", "SecurityGroupRuleDescription"),
    ),
    "UpdateSecurityGroupRuleDescriptionsEgressResult": (
        ("Return", "boolean", "Return", "return"),
    ),
    "SecurityGroupRuleDescription": (
        ("SecurityGroupRuleId", "string", "SecurityGroupRuleId", "SecurityGroupRuleId"),
        ("Description", "string", "Description", "Description"),
    ),
    "CreateTagsRequest": (
        ("DryRun", "boolean", "DryRun", "dryRun"),
        ("Resources", "[string:member]", "ResourceId", "ResourceId"),
        ("Tags", "[Tag]", "Tag", "Tag"),
    ),
    # Not botocore's (it models CreateTags and DeleteTags without output): EC2's answer.
    "CreateTagsResult": (
        ("Return", "boolean", "Return", "return"),
    ),
    "DeleteTagsRequest": (
        ("DryRun", "boolean", "DryRun", "dryRun"),
        ("Resources", "[string:member]", "ResourceId", "resourceId"),
        ("Tags", "[Tag]", "Tag", "tag"),
    ),
    "DeleteTagsResult": (
        ("Return", "boolean", "Return", "return"),
    ),
    "DescribeTagsRequest": (
        ("DryRun", "boolean", "DryRun", "dryRun"),
        ("Filters", "[Filter:Filter]", "Filter", "Filter"),
        ("MaxResults", "integer", "MaxResults", "maxResults"),
        ("NextToken", "string", "NextToken", "nextToken"),
    ),
    "DescribeTagsResult": (
        ("NextToken", "string", "NextToken", "nextToken"),
        ("Tags", "[TagDescription]", "TagSet", "tagSet"),
    ),
    "TagDescription": (
        ("Key", "string", "Key", "key"),
        ("ResourceId", "string", "ResourceId", "resourceId"),
        ("ResourceType", "string", "ResourceType", "resourceType"),
        ("Value", "string", "Value", "value"),
    ),
    "DescribeSecurityGroupReferencesRequest": (
        ("DryRun", "boolean", "DryRun", "DryRun"),
        ("GroupId", "[string]", "GroupId", "GroupId"),
    ),
    "DescribeSecurityGroupReferencesResult": (
        ("SecurityGroupReferenceSet", "[SecurityGroupReference]", "SecurityGroupReferenceSet", "securityGroupReferenceSet"),
    ),
    "SecurityGroupReference": (
        ("GroupId", "string", "GroupId", "groupId"),
        ("ReferencingVpcId", "string", "ReferencingVpcId", "referencingVpcId"),
        ("VpcPeeringConnectionId", "string", "VpcPeeringConnectionId", "vpcPeeringConnectionId"),
        ("TransitGatewayId", "string", "TransitGatewayId", "transitGatewayId"),
    ),
    "DescribeStaleSecurityGroupsRequest": (
        ("DryRun", "boolean", "DryRun", "DryRun"),
        ("MaxResults", "integer", "MaxResults", "MaxResults"),
        ("NextToken", "string", "NextToken", "NextToken"),
        ("VpcId", "string", "VpcId", "VpcId"),
    ),
    "DescribeStaleSecurityGroupsResult": (
        ("NextToken", "string", "NextToken", "nextToken"),
        ("StaleSecurityGroupSet", "[StaleSecurityGroup]", "StaleSecurityGroupSet", "staleSecurityGroupSet"),
    ),
    "StaleSecurityGroup": (
        ("Description", "string", "Description", "description"),
        ("GroupId", "string", "GroupId", "groupId"),
        ("GroupName", "string", "GroupName", "groupName"),
        ("StaleIpPermissions", "[StaleIpPermission]", "StaleIpPermissions", "staleIpPermissions"),
        ("StaleIpPermissionsEgress", "[StaleIpPermission]", "StaleIpPermissionsEgress", "staleIpPermissionsEgress"),
        ("VpcId", "string", "VpcId", "vpcId"),
    ),
    "StaleIpPermission": (
        ("FromPort", "integer", "FromPort", "fromPort"),
        ("IpProtocol", "string", "IpProtocol", "ipProtocol"),
        ("IpRanges", "[string]", "IpRanges", "ipRanges"),
        ("PrefixListIds", "[string]", "PrefixListIds", "prefixListIds"),
        ("ToPort", "integer", "ToPort", "toPort"),
        ("UserIdGroupPairs", "[UserIdGroupPair]", "Groups", "groups"),
    ),
    "DeleteSecurityGroupRequest": (
        ("GroupId", "string", "GroupId", "GroupId"),
        ("GroupName", "string", "GroupName", "GroupName"),
        ("DryRun", "boolean", "DryRun", "dryRun"),
    ),
    "DeleteSecurityGroupResult": (
        ("Return", "boolean", "Return", "return"),
        ("GroupId", "string", "GroupId", "groupId"),
    ),
}
