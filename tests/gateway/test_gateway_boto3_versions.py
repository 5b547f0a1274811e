"""boto3 with ``api_version=`` for each of botocore's EC2 versions, against ``ec2query serve``.

The installed botocore ships only 2016-11-15; the older models are the security-group part
of botocore's own versioned models (``tests/model/data/botocore-ec2-versions.json``),
given to botocore's loader as a data path, so boto3 serializes and parses with them.
"""

from __future__ import annotations

import json

import boto3
import botocore.session
import pytest

from tests.gateway.test_gateway_clients import gateway  # noqa: F401 (the served gateway)
from tests.model.test_versions import _FIXTURE, BOTOCORE_VERSIONS
from tests.servers import FAKE_ENV


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    root = tmp_path_factory.mktemp("botocore-data")
    for version, model in _FIXTURE["versions"].items():
        folder = root / "ec2" / version
        folder.mkdir(parents=True)
        (folder / "service-2.json").write_text(json.dumps({"version": "2.0", **model}))
    return root


def _client(gateway, models, version):  # noqa: F811 (the fixture)
    session = botocore.session.get_session()
    session.get_component("data_loader").search_paths.insert(0, str(models))
    return boto3.Session(botocore_session=session).client(
        "ec2", api_version=version, endpoint_url=gateway, region_name="us-east-1",
        aws_access_key_id=FAKE_ENV["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=FAKE_ENV["AWS_SECRET_ACCESS_KEY"])


@pytest.mark.parametrize("version", [*BOTOCORE_VERSIONS, "2016-11-15"])
def test_the_life_cycle_through_boto3_at_each_version(gateway, models, version):  # noqa: F811
    ec2 = _client(gateway, models, version)
    assert ec2.meta.service_model.api_version == version
    name = f"v-{version}"
    group_id = ec2.create_security_group(GroupName=name, Description="d")["GroupId"]
    rule = {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
            "IpRanges": [{"CidrIp": "203.0.113.0/24"}]}
    ec2.authorize_security_group_ingress(GroupId=group_id, IpPermissions=[rule])
    (group,) = ec2.describe_security_groups(GroupIds=[group_id])["SecurityGroups"]
    (permission,) = group["IpPermissions"]
    assert permission["IpRanges"] == [{"CidrIp": "203.0.113.0/24"}]
    assert permission["FromPort"] == 22 and permission["UserIdGroupPairs"] == []
    assert ("PrefixListIds" in permission) == (version >= "2015-04-15")
    assert ("Ipv6Ranges" in permission) == (version >= "2016-11-15")
    ec2.revoke_security_group_ingress(GroupId=group_id, IpPermissions=[rule])
    (group,) = ec2.describe_security_groups(GroupIds=[group_id])["SecurityGroups"]
    assert group["IpPermissions"] == []
    ec2.delete_security_group(GroupId=group_id)
    assert name not in {g["GroupName"] for g in ec2.describe_security_groups()["SecurityGroups"]}
