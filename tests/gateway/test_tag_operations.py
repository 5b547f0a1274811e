"""CreateTags, DeleteTags and DescribeTags through boto3 against the served gateway, on SQLite
and on PostgreSQL, side by side with moto_server on the same calls; and the gateway's
refusals, by EC2's codes."""

from __future__ import annotations

import botocore.exceptions
import pytest

from tests.gateway.conftest import CREDS
from tests.servers import boto_ec2, moto_server


def _tags(ec2, **filters: list[str]) -> list[tuple[str, str, str]]:  # type: ignore[no-untyped-def]
    spec = [{"Name": name.replace("_", "-"), "Values": values} for name, values in filters.items()]
    found = ec2.describe_tags(Filters=spec)["Tags"]
    return sorted((t["ResourceType"], t["Key"], t["Value"]) for t in found)


def _life_cycle(ec2) -> list:  # type: ignore[no-untyped-def]
    """Tag two groups, overwrite a value, read by filters, delete by key and by key+value."""
    seen = []
    web = ec2.create_security_group(GroupName="web", Description="web")["GroupId"]
    db = ec2.create_security_group(GroupName="db", Description="db")["GroupId"]
    seen.append(ec2.create_tags(Resources=[web, db], Tags=[
        {"Key": "team", "Value": "a"}, {"Key": "env", "Value": "prod"}]).keys() - {
        "ResponseMetadata"})
    ec2.create_tags(Resources=[web], Tags=[{"Key": "team", "Value": "b"}])  # overwrites
    seen.append(_tags(ec2, resource_id=[web]))
    seen.append(_tags(ec2, resource_id=[web, db], key=["team"]))
    seen.append(_tags(ec2, resource_id=[web, db], value=["prod"]))
    seen.append(_tags(ec2, resource_id=[web, db], resource_type=["security-group"]))
    ec2.delete_tags(Resources=[web], Tags=[{"Key": "env", "Value": "staging"}])  # no match
    ec2.delete_tags(Resources=[web], Tags=[{"Key": "team"}])  # whatever its value
    seen.append(_tags(ec2, resource_id=[web]))
    group = ec2.describe_security_groups(GroupIds=[web])["SecurityGroups"][0]
    seen.append(group.get("Tags"))
    return seen


def test_the_tag_life_cycle_matches_moto(gateway):
    with moto_server() as upstream:
        expected = _life_cycle(boto_ec2(upstream, CREDS))
    assert _life_cycle(boto_ec2(gateway, CREDS)) == expected


def test_delete_tags_without_tags_deletes_every_tag(gateway):
    """The API reference's DeleteTags: "If you omit this parameter, we delete all user-defined
    tags for the specified resources" (moto_server deletes none)."""
    ec2 = boto_ec2(gateway, CREDS)
    db = ec2.create_security_group(GroupName="db", Description="db")["GroupId"]
    ec2.create_tags(Resources=[db], Tags=[{"Key": "a", "Value": ""}, {"Key": "b", "Value": "x"}])
    ec2.delete_tags(Resources=[db], Tags=[{"Key": "b", "Value": ""}])  # only if its value is ""
    assert _tags(ec2, resource_id=[db]) == [("security-group", "a", ""),
                                            ("security-group", "b", "x")]
    ec2.delete_tags(Resources=[db])
    assert _tags(ec2, resource_id=[db]) == []


def test_a_rule_is_tagged_by_its_id(gateway):
    ec2 = boto_ec2(gateway, CREDS)
    group = ec2.create_security_group(GroupName="r", Description="r")["GroupId"]
    rule_id = ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[{
        "IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
        "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}])["SecurityGroupRules"][0]["SecurityGroupRuleId"]
    ec2.create_tags(Resources=[rule_id], Tags=[{"Key": "Name", "Value": "ssh"}])
    (rule,) = ec2.describe_security_group_rules(SecurityGroupRuleIds=[rule_id])[
        "SecurityGroupRules"]
    assert rule["Tags"] == [{"Key": "Name", "Value": "ssh"}]
    assert _tags(ec2, resource_id=[rule_id]) == [("security-group-rule", "Name", "ssh")]
    # tag:KEY (inferred: the entries of that key and value; moto_server ignores the filter)
    ec2.create_tags(Resources=[group], Tags=[{"Key": "Name", "Value": "other"}])
    assert _tags(ec2, **{"tag:Name": ["ssh"]}) == [("security-group-rule", "Name", "ssh")]


@pytest.mark.parametrize(("resources", "tags", "code"), [
    (["sg-0123456789abcdef0"], [{"Key": "k", "Value": "v"}], "InvalidGroup.NotFound"),
    (["sgr-0123456789abcdef0"], [{"Key": "k", "Value": "v"}],
     "InvalidSecurityGroupRuleId.NotFound"),
    (["i-0123456789abcdef0"], [{"Key": "k", "Value": "v"}], "InvalidInstanceID.NotFound"),
    (["107.20.243.249"], [{"Key": "k", "Value": "v"}], "InvalidID"),
    (["sg-0123456789abcdef0"], [{"Key": "aws:k", "Value": "v"}], "InvalidParameterValue"),
])
def test_refusals_have_ec2s_codes_and_change_nothing(gateway, resources, tags, code):
    ec2 = boto_ec2(gateway, CREDS)
    web = ec2.create_security_group(GroupName="t", Description="t")["GroupId"]
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        ec2.create_tags(Resources=[web, *resources], Tags=tags)
    assert caught.value.response["Error"]["Code"] == code
    assert _tags(ec2, resource_id=[web]) == []  # the first, existing, resource is untouched


def test_fifty_tags_a_resource(gateway):
    ec2 = boto_ec2(gateway, CREDS)
    web = ec2.create_security_group(GroupName="many", Description="m")["GroupId"]
    ec2.create_tags(Resources=[web], Tags=[{"Key": f"k{n}", "Value": ""} for n in range(50)])
    ec2.create_tags(Resources=[web], Tags=[{"Key": "k0", "Value": "again"}])  # not a new key
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        ec2.create_tags(Resources=[web], Tags=[{"Key": "k50", "Value": ""}])
    assert caught.value.response["Error"]["Code"] == "TagLimitExceeded"


def test_text_xml_cannot_carry_is_refused_on_both_engines(gateway):
    """A NUL in a tag, a name or a filter is refused by the validator, the same on SQLite and
    PostgreSQL (whose text cannot hold it), and nothing is stored that DescribeTags could not
    show."""
    ec2 = boto_ec2(gateway, CREDS)
    group = ec2.create_security_group(GroupName="nul", Description="nul")["GroupId"]
    calls = (
        lambda: ec2.create_tags(Resources=[group], Tags=[{"Key": "k\x00", "Value": "v"}]),
        lambda: ec2.describe_security_groups(GroupNames=["nul\x00"]),
        lambda: ec2.delete_security_group(GroupName="nul\x00"),
        lambda: ec2.describe_tags(Filters=[{"Name": "value", "Values": ["\x00"]}]),
    )
    for call in calls:
        with pytest.raises(botocore.exceptions.ClientError) as refused:
            call()
        assert refused.value.response["Error"]["Code"] == "InvalidParameterValue"
        assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert ec2.describe_tags()["Tags"] == []
