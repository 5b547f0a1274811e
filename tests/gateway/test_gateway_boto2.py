"""boto 2.49, the legacy client, against ``ec2query serve`` with its defaults.

boto 2's ``EC2Connection`` sends ``Version=2014-10-01`` (its ``APIVersion``), the rule
operations with flat parameters when given a CIDR or a source group, and signs with
SigV4; for a host that is not AWS's it cannot guess the region and service from the
name, so they are set as boto 2 lets a caller set them (``auth_region_name``,
``auth_service_name``).
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tests.gateway.test_gateway_clients import _serve
from tests.servers import FAKE_ENV

boto = pytest.importorskip("boto", reason="boto 2 is in the test extras")

from boto.ec2.connection import EC2Connection  # noqa: E402
from boto.ec2.regioninfo import RegionInfo  # noqa: E402
from boto.exception import EC2ResponseError  # noqa: E402


@pytest.fixture(scope="module")
def connection(tmp_path_factory):
    process, url = _serve(tmp_path_factory.mktemp("gw-boto2"))
    parts = urlsplit(url)
    conn = EC2Connection(
        aws_access_key_id=FAKE_ENV["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=FAKE_ENV["AWS_SECRET_ACCESS_KEY"],
        region=RegionInfo(name="us-east-1", endpoint=parts.hostname),
        port=parts.port,
        is_secure=False,
    )
    conn.auth_region_name = "us-east-1"
    conn.auth_service_name = "ec2"
    yield conn
    for pool in conn._pool.host_to_pool.values():  # boto 2's close() closes none
        for http, _ in pool.queue:
            http.close()
    process.terminate()
    process.wait(timeout=10)


def _rules(conn, group_id):
    (group,) = conn.get_all_security_groups(group_ids=[group_id])
    return sorted(
        (r.ip_protocol, r.from_port, r.to_port, sorted(str(g) for g in r.grants))
        for r in group.rules
    )


def test_boto2_defaults_are_the_2014_10_01_api_and_sigv4(connection):
    assert connection.APIVersion == "2014-10-01"
    assert connection._required_auth_capability() == ["hmac-v4"]


def test_the_whole_life_cycle_through_boto2(connection):
    web = connection.create_security_group("boto2-web", "web servers")
    connection.create_security_group("boto2-admin", "bastion hosts")
    assert web.id.startswith("sg-") and web.name == "boto2-web"
    (admin,) = connection.get_all_security_groups(groupnames=["boto2-admin"])
    assert admin.owner_id.isdigit()

    # Flat parameters, as boto 2 sends them: IpProtocol/FromPort/ToPort/CidrIp, and
    # SourceSecurityGroupName/OwnerId for a source group.
    ingress = (
        {"ip_protocol": "tcp", "from_port": 22, "to_port": 22, "cidr_ip": "203.0.113.0/24"},
        {"src_security_group_name": "boto2-admin", "src_security_group_owner_id": admin.owner_id,
         "ip_protocol": "tcp", "from_port": 3306, "to_port": 3306},
    )
    egress = (web.id, "tcp", 443, 443)
    for flat in ingress:
        assert connection.authorize_security_group(group_name="boto2-web", **flat)
    assert connection.authorize_security_group_egress(*egress, cidr_ip="198.51.100.0/24")

    (described,) = connection.get_all_security_groups(groupnames=["boto2-web"])
    assert described.id == web.id and described.description == "web servers"
    assert _rules(connection, web.id) == [
        ("tcp", "22", "22", ["203.0.113.0/24"]),
        ("tcp", "3306", "3306", [f"{admin.id}-{admin.owner_id}"]),
    ]
    outbound = sorted((r.ip_protocol, r.from_port, r.to_port) for r in described.rules_egress)
    assert ("tcp", "443", "443") in outbound

    for flat in ingress:
        assert connection.revoke_security_group(group_name="boto2-web", **flat)
    assert connection.revoke_security_group_egress(*egress, cidr_ip="198.51.100.0/24")
    assert _rules(connection, web.id) == []

    assert connection.delete_security_group(group_id=web.id)
    assert connection.delete_security_group(name="boto2-admin")
    with pytest.raises(EC2ResponseError) as caught:
        connection.get_all_security_groups(group_ids=[web.id])
    assert caught.value.error_code == "InvalidGroup.NotFound"
