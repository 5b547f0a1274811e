"""The inputs every pair shares: the seed request, a 50-rule request, responses, keys."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

__all__ = [
    "ACCESS_KEY",
    "DESCRIBE_50",
    "ENDPOINT",
    "ERROR_DOCUMENT",
    "LEGACY_QUERY",
    "REGION",
    "RULES_50",
    "SECRET_KEY",
    "SEED",
    "SEED_FLAT",
    "SEED_RESPONSE",
    "TIMESTAMP",
    "describe_response",
]

OPERATION = "RevokeSecurityGroupIngress"
ENDPOINT = "https://ec2.us-east-1.amazonaws.com"
REGION = "us-east-1"
ACCESS_KEY = "AKIDEXAMPLE"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"  # noqa: S105 - the SigV4 suite's example
TIMESTAMP = datetime(2024, 5, 1, 12, 0, 0, tzinfo=timezone.utc)

#: The seed request, nested form: revoke tcp 80 from 205.192.0.0/16 on group websrv.
SEED: dict[str, Any] = {
    "GroupName": "websrv",
    "IpPermissions": [
        {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80,
         "IpRanges": [{"CidrIp": "205.192.0.0/16"}]},
    ],
}

#: The same rule in the legacy flat members (as the API reference's example spells it).
SEED_FLAT: dict[str, Any] = {
    "GroupName": "websrv", "IpProtocol": "tcp", "FromPort": 80, "ToPort": 80,
    "CidrIp": "205.192.0.0/16",
}

#: The API reference's legacy example, as the Query string a 2011-12-15 client sends.
LEGACY_QUERY = ("Action=RevokeSecurityGroupIngress&Version=2011-12-15&GroupName=websrv"
                "&IpProtocol=tcp&FromPort=80&ToPort=80&CidrIp=205.192.0.0%2F16")

#: Fifty rules, each with a described range (a space and a slash to encode).
RULES_50: dict[str, Any] = {
    "GroupId": "sg-0123456789abcdef0",
    "IpPermissions": [
        {"IpProtocol": "tcp", "FromPort": 1000 + i, "ToPort": 1000 + i,
         "IpRanges": [{"CidrIp": f"10.{i}.0.0/16", "Description": f"rule {i}"}]}
        for i in range(50)
    ],
}

SEED_RESPONSE = b"""<?xml version="1.0" encoding="UTF-8"?>
<RevokeSecurityGroupIngressResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
  <requestId>59dbff89-35bd-4eac-99ed-be587EXAMPLE</requestId>
  <return>true</return>
</RevokeSecurityGroupIngressResponse>
"""

ERROR_DOCUMENT = b"""<?xml version="1.0" encoding="UTF-8"?>
<Response><Errors><Error><Code>InvalidPermission.NotFound</Code><Message>The specified rule \
does not exist in this security group.</Message></Error></Errors>\
<RequestID>0f1d2e3c-4b5a-6978-8a9b-0c1d2e3f4a5b</RequestID></Response>
"""

_RULE = """\
        <item>
          <ipProtocol>tcp</ipProtocol>
          <fromPort>{port}</fromPort>
          <toPort>{port}</toPort>
          <groups/>
          <ipRanges>
            <item>
              <cidrIp>10.{i}.0.0/16</cidrIp>
              <description>rule {i}</description>
            </item>
          </ipRanges>
          <ipv6Ranges/>
          <prefixListIds/>
        </item>
"""

_GROUP = """\
    <item>
      <ownerId>123456789012</ownerId>
      <groupId>sg-{i:017x}</groupId>
      <groupName>group-{i}</groupName>
      <groupDescription>benchmark group {i}</groupDescription>
      <vpcId>vpc-0a1b2c3d4e5f67890</vpcId>
      <ipPermissions>
{rules}      </ipPermissions>
      <ipPermissionsEgress>
        <item>
          <ipProtocol>-1</ipProtocol>
          <groups/>
          <ipRanges>
            <item>
              <cidrIp>0.0.0.0/0</cidrIp>
            </item>
          </ipRanges>
          <ipv6Ranges/>
          <prefixListIds/>
        </item>
      </ipPermissionsEgress>
      <securityGroupArn>arn:aws:ec2:us-east-1:123456789012:security-group/sg-{i:017x}\
</securityGroupArn>
    </item>
"""


def describe_response(groups: int, rules: int = 2) -> bytes:
    """A DescribeSecurityGroups response with ``groups`` groups of ``rules`` rules each."""
    items = "".join(
        _GROUP.format(i=g, rules="".join(_RULE.format(i=r, port=1000 + r) for r in range(rules)))
        for g in range(groups)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<DescribeSecurityGroupsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">\n'
        "  <requestId>59dbff89-35bd-4eac-99ed-be587EXAMPLE</requestId>\n"
        f"  <securityGroupInfo>\n{items}  </securityGroupInfo>\n"
        "</DescribeSecurityGroupsResponse>\n"
    ).encode()


DESCRIBE_50 = describe_response(50)
