"""The rule-level operations (DescribeSecurityGroupRules, ModifySecurityGroupRules) through
boto3 against the served gateway, on SQLite and on PostgreSQL, side by side with moto_server
on the same calls."""

from __future__ import annotations

import botocore.config
import botocore.exceptions
import pytest

from tests.gateway.conftest import CREDS
from tests.servers import boto_ec2, moto_server

SSH = {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
       "IpRanges": [{"CidrIp": "10.0.0.0/8", "Description": "admin"}]}
KEYS = ("IsEgress", "IpProtocol", "FromPort", "ToPort", "CidrIpv4", "CidrIpv6")


def _life_cycle(ec2) -> list:  # type: ignore[no-untyped-def]
    """Authorize with tags, describe by filter and id, modify, describe, revoke by id."""
    seen = []
    group = ec2.create_security_group(GroupName="rules", Description="rules")["GroupId"]
    added = ec2.authorize_security_group_ingress(
        GroupId=group, IpPermissions=[SSH],
        TagSpecifications=[{"ResourceType": "security-group-rule",
                            "Tags": [{"Key": "team", "Value": "ops"}]}],
    )["SecurityGroupRules"][0]
    rule_id = added["SecurityGroupRuleId"]
    by_group = ec2.describe_security_group_rules(
        Filters=[{"Name": "group-id", "Values": [group]}])["SecurityGroupRules"]
    seen.append(sorted(tuple(r.get(k) for k in KEYS) for r in by_group))
    ec2.modify_security_group_rules(GroupId=group, SecurityGroupRules=[{
        "SecurityGroupRuleId": rule_id,
        "SecurityGroupRule": {"IpProtocol": "tcp", "FromPort": 2222, "ToPort": 2222,
                              "CidrIpv4": "192.0.2.0/24", "Description": "moved"}}])
    (after,) = ec2.describe_security_group_rules(SecurityGroupRuleIds=[rule_id])[
        "SecurityGroupRules"]
    seen.append((after["SecurityGroupRuleId"] == rule_id,
                 tuple(after.get(k) for k in KEYS), after.get("Description")))
    ec2.revoke_security_group_ingress(GroupId=group, SecurityGroupRuleIds=[rule_id])
    left = ec2.describe_security_group_rules(
        Filters=[{"Name": "group-id", "Values": [group]}])["SecurityGroupRules"]
    seen.append([r["IsEgress"] for r in left])
    return seen


def test_the_rule_life_cycle_matches_moto(gateway):
    with moto_server() as upstream:
        expected = _life_cycle(boto_ec2(upstream, CREDS))
    assert _life_cycle(boto_ec2(gateway, CREDS)) == expected


def test_rules_carry_their_tags_and_page_as_botocore_pages(gateway):
    ec2 = boto_ec2(gateway, CREDS)
    group = ec2.create_security_group(GroupName="paged", Description="paged")["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=group,
        IpPermissions=[{"IpProtocol": "tcp", "FromPort": p, "ToPort": p,
                        "IpRanges": [{"CidrIp": "10.0.0.0/8"}]} for p in range(1, 13)],
        TagSpecifications=[{"ResourceType": "security-group-rule",
                            "Tags": [{"Key": "team", "Value": "ops"}]}],
    )
    pages = ec2.get_paginator("describe_security_group_rules").paginate(
        Filters=[{"Name": "group-id", "Values": [group]}], PaginationConfig={"PageSize": 5})
    sizes = [len(page["SecurityGroupRules"]) for page in pages]
    assert sizes == [5, 5, 3]  # 12 ingress rules and the default egress rule
    tagged = ec2.describe_security_group_rules(
        Filters=[{"Name": "tag:team", "Values": ["ops"]}])["SecurityGroupRules"]
    assert len(tagged) == 12
    assert all(r["Tags"] == [{"Key": "team", "Value": "ops"}] for r in tagged)


def test_a_modified_rule_is_replaced_whole(gateway):
    """The new SecurityGroupRule is the whole rule (the API reference's SecurityGroupRuleRequest:
    one source of the four): the new protocol, ports and range, and no description when the
    new rule has none."""
    ec2 = boto_ec2(gateway, CREDS)
    group = ec2.create_security_group(GroupName="whole", Description="whole")["GroupId"]
    rule_id = ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[SSH])[
        "SecurityGroupRules"][0]["SecurityGroupRuleId"]
    ec2.modify_security_group_rules(GroupId=group, SecurityGroupRules=[{
        "SecurityGroupRuleId": rule_id,
        "SecurityGroupRule": {"IpProtocol": "udp", "FromPort": 53, "ToPort": 53,
                              "CidrIpv4": "192.0.2.0/24"}}])
    (rule,) = ec2.describe_security_group_rules(SecurityGroupRuleIds=[rule_id])[
        "SecurityGroupRules"]
    assert {k: rule.get(k) for k in (*KEYS, "Description")} == {
        "IsEgress": False, "IpProtocol": "udp", "FromPort": 53, "ToPort": 53,
        "CidrIpv4": "192.0.2.0/24", "CidrIpv6": None, "Description": None}
    (group_view,) = ec2.describe_security_groups(GroupIds=[group])["SecurityGroups"]
    assert group_view["IpPermissions"] == [{
        "IpProtocol": "udp", "FromPort": 53, "ToPort": 53,
        "IpRanges": [{"CidrIp": "192.0.2.0/24"}], "Ipv6Ranges": [], "PrefixListIds": [],
        "UserIdGroupPairs": []}]


#: The API reference (SecurityGroupRuleRequest): "When you modify a rule, you cannot change
#: the rule type." The texts for a referenced group and a prefix list given for an IPv4
#: rule are EC2's, as the console shows them; the others follow them (docs/backend.md).
_OTHER_TYPES = [
    ({"CidrIpv6": "2001:db8::/32"}, "CidrIpv6", "IPv4 CIDR"),
    ({"ReferencedGroupId": "SELF"}, "a referenced group id", "IPv4 CIDR"),
    ({"PrefixListId": "pl-0123456789abcdef0"}, "a prefix list", "IPv4 CIDR"),
]


@pytest.mark.parametrize(("source", "given", "existing"), _OTHER_TYPES,
                         ids=["ipv6", "group", "prefix-list"])
def test_a_modify_may_not_change_the_rule_type(gateway, source, given, existing):
    """The backend moved an IPv4 rule to IPv6 or to a group reference; EC2 refuses it."""
    ec2 = boto_ec2(gateway, CREDS)
    group = ec2.create_security_group(GroupName="type", Description="type")["GroupId"]
    rule_id = ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[SSH])[
        "SecurityGroupRules"][0]["SecurityGroupRuleId"]
    source = {k: group if v == "SELF" else v for k, v in source.items()}
    with pytest.raises(botocore.exceptions.ClientError) as error:
        ec2.modify_security_group_rules(GroupId=group, SecurityGroupRules=[{
            "SecurityGroupRuleId": rule_id,
            "SecurityGroupRule": {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, **source}}])
    assert error.value.response["Error"] == {
        "Code": "InvalidParameterValue",
        "Message": f"You may not specify {given} for an existing {existing} rule."}
    assert error.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    (rule,) = ec2.describe_security_group_rules(SecurityGroupRuleIds=[rule_id])[
        "SecurityGroupRules"]
    assert (rule["CidrIpv4"], rule.get("CidrIpv6"), rule["Description"]) == (
        "10.0.0.0/8", None, "admin")  # unchanged


@pytest.mark.parametrize(("call", "code"), [
    ({"SecurityGroupRuleIds": ["sgr-0123456789abcdef0"]}, "InvalidSecurityGroupRuleId.NotFound"),
    ({"MaxResults": 4}, "InvalidParameterValue"),
    ({"SecurityGroupRuleIds": ["sg-0123456789abcdef0"]}, "InvalidSecurityGroupRuleId.Malformed"),
])
def test_describe_refusals(gateway, call, code):
    ec2 = boto_ec2(  # botocore's own checks off: the gateway's answer is the point
        gateway, CREDS, config=botocore.config.Config(parameter_validation=False))
    with pytest.raises(botocore.exceptions.ClientError) as error:
        ec2.describe_security_group_rules(**call)
    assert error.value.response["Error"]["Code"] == code


def test_modify_refusals(gateway):
    ec2 = boto_ec2(gateway, CREDS)
    group = ec2.create_security_group(GroupName="m", Description="m")["GroupId"]
    first, second = (r["SecurityGroupRuleId"] for r in ec2.authorize_security_group_ingress(
        GroupId=group, IpPermissions=[SSH, {**SSH, "FromPort": 23, "ToPort": 23}],
    )["SecurityGroupRules"])

    def modify(rule_id, rule):  # type: ignore[no-untyped-def]
        with pytest.raises(botocore.exceptions.ClientError) as error:
            ec2.modify_security_group_rules(GroupId=group, SecurityGroupRules=[
                {"SecurityGroupRuleId": rule_id, "SecurityGroupRule": rule}])
        return error.value.response["Error"]["Code"]

    same_as_second = {"IpProtocol": "tcp", "FromPort": 23, "ToPort": 23, "CidrIpv4": "10.0.0.0/8"}
    assert modify(first, same_as_second) == "InvalidPermission.Duplicate"
    assert modify("sgr-0123456789abcdef0", same_as_second) == "InvalidSecurityGroupRuleId.NotFound"
    assert modify(first, {**same_as_second, "ToPort": 70000}) == "InvalidPermission.Malformed"
    assert modify(first, {"IpProtocol": "tcp", "FromPort": 1, "ToPort": 1}) == "MissingParameter"
    assert modify(first, {**same_as_second, "CidrIpv6": "::/0"}) == "InvalidParameterCombination"
    rules = ec2.describe_security_group_rules(SecurityGroupRuleIds=[first, second])
    assert sorted(r["FromPort"] for r in rules["SecurityGroupRules"]) == [22, 23]  # unchanged


def _descriptions(ec2) -> list:  # type: ignore[no-untyped-def]
    """Set a rule's description by value, then an egress rule's by id; read both back."""
    group = ec2.create_security_group(GroupName="texts", Description="texts")["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[SSH])
    ec2.update_security_group_rule_descriptions_ingress(GroupId=group, IpPermissions=[
        {**SSH, "IpRanges": [{"CidrIp": "10.0.0.0/8", "Description": "bastion only"}]}])
    egress = ec2.authorize_security_group_egress(GroupId=group, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
         "IpRanges": [{"CidrIp": "192.0.2.0/24"}]}])["SecurityGroupRules"][0]
    ec2.update_security_group_rule_descriptions_egress(
        GroupId=group, SecurityGroupRuleDescriptions=[
            {"SecurityGroupRuleId": egress["SecurityGroupRuleId"], "Description": "api"}])
    (view,) = ec2.describe_security_groups(GroupIds=[group])["SecurityGroups"]
    out = [r.get("Description") for p in view["IpPermissions"] for r in p["IpRanges"]]
    return out + sorted(str(r.get("Description")) for p in view["IpPermissionsEgress"]
                        for r in p["IpRanges"])


def test_rule_descriptions_are_updated_by_value_as_moto_and_by_id(gateway):
    """By value (IpPermissions) as moto_server updates it; by SecurityGroupRuleDescriptions,
    which moto_server ignores (its egress rule keeps no description), as the API reference
    says: the rule with that id takes the description."""
    with moto_server() as upstream:
        by_value, *_ = _descriptions(boto_ec2(upstream, CREDS))
    assert by_value == "bastion only"
    assert _descriptions(boto_ec2(gateway, CREDS)) == [
        "bastion only", "None", "api"]  # the default egress rule has none


def test_a_description_update_for_a_rule_that_does_not_exist_is_refused(gateway):
    ec2 = boto_ec2(gateway, CREDS)
    group = ec2.create_security_group(GroupName="none", Description="none")["GroupId"]
    for call, code in (
        (lambda: ec2.update_security_group_rule_descriptions_ingress(
            GroupId=group, IpPermissions=[SSH]), "InvalidPermission.NotFound"),
        (lambda: ec2.update_security_group_rule_descriptions_egress(
            GroupId=group, SecurityGroupRuleDescriptions=[
                {"SecurityGroupRuleId": "sgr-0123456789abcdef0", "Description": "d"}]),
         "InvalidSecurityGroupRuleId.NotFound"),
    ):
        with pytest.raises(botocore.exceptions.ClientError) as error:
            call()
        assert error.value.response["Error"]["Code"] == code
