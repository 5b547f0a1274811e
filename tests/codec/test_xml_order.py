"""Elements come in the order EC2 writes them, not the model's member order."""

from __future__ import annotations

import re

import ec2query

# The API reference's DescribeSecurityGroups example (2016-11-15): a group's children,
# and a rule's source lists with the address or id before its description.
GROUP_ORDER = [
    "ownerId",
    "groupId",
    "groupName",
    "groupDescription",
    "vpcId",
    "ipPermissions",
    "ipPermissionsEgress",
]


def _children(xml: str, parent: str) -> list[str]:
    body = re.search(rf"<{parent}>(.*?)\n    </{parent}>", xml, re.S).group(1)
    return re.findall(r"\n {12}<(\w+)", body)


def test_a_security_group_is_written_in_the_api_reference_order():
    result = {
        "SecurityGroups": [
            {
                "Description": "Web Servers",
                "GroupName": "WebServers",
                "IpPermissions": [],
                "OwnerId": "123456789012",
                "GroupId": "sg-1a2b3c4d",
                "IpPermissionsEgress": [],
                "VpcId": "vpc-614cc409",
            }
        ]
    }
    xml = ec2query.render_response("DescribeSecurityGroups", result, request_id="r").decode()
    assert _children(xml, "securityGroupInfo") == GROUP_ORDER
    assert (
        ec2query.parse_response("DescribeSecurityGroups", xml.encode())["SecurityGroups"]
        == result["SecurityGroups"]
    )


def test_a_source_is_written_before_its_description():
    result = {
        "UnknownIpPermissions": [
            {
                "IpProtocol": "tcp",
                "FromPort": 22,
                "ToPort": 22,
                "IpRanges": [{"Description": "office", "CidrIp": "203.0.113.0/24"}],
                "UserIdGroupPairs": [
                    {"Description": "lb", "GroupId": "sg-2", "UserId": "111122223333"}
                ],
            }
        ],
        "Return": True,
    }
    xml = ec2query.render_response("RevokeSecurityGroupIngress", result, request_id="r").decode()
    assert re.search(r"<cidrIp>203.0.113.0/24</cidrIp>\s*<description>office</description>", xml)
    assert re.search(
        r"<userId>111122223333</userId>\s*<groupId>sg-2</groupId>\s*"
        r"<description>lb</description>",
        xml,
    )
