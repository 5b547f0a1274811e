"""Bounded load and a crash: concurrent clients lose nothing, a killed server loses no ack."""

from __future__ import annotations

import signal
import sqlite3
import threading
import time

from ec2query._client import Client
from ec2query._errors import EC2Error
from ec2query.auth import Credentials
from tests.gateway.test_gateway_clients import _serve
from tests.servers import FAKE_ENV

CREDS = Credentials(FAKE_ENV["AWS_ACCESS_KEY_ID"], FAKE_ENV["AWS_SECRET_ACCESS_KEY"])
CLIENTS = 8
PAIRS = 2000


def _rule(port: int) -> dict:
    return {
        "IpProtocol": "tcp",
        "FromPort": port,
        "ToPort": port,
        "IpRanges": [{"CidrIp": "10.0.0.0/8"}],
    }


def _ports(client: Client, group_id: str) -> list[int]:
    group = client.describe_security_groups(GroupIds=[group_id])["SecurityGroups"][0]
    return sorted(p["FromPort"] for p in group["IpPermissions"])


def test_eight_clients_doing_2000_authorize_revoke_pairs_leave_exactly_the_expected_rules(
    tmp_path,
):
    process, url = _serve(tmp_path, "--threads", "8")
    try:
        setup = Client(url, CREDS, "us-east-1", env={})
        group_id = setup.create_security_group(
            GroupName="load", Description="load", VpcId="vpc-0a1b2c3d4e5f67890"
        )["GroupId"]
        failures: list[BaseException] = []
        kept: list[int] = []

        def work(worker: int) -> None:
            client = Client(url, CREDS, "us-east-1", env={}, retries=0)
            try:
                for i in range(PAIRS // CLIENTS):
                    port = 1 + worker * 1000 + i
                    client.authorize_security_group_ingress(
                        GroupId=group_id, IpPermissions=[_rule(port)]
                    )
                    if i % 50 == 0:  # leave one rule in fifty in place
                        kept.append(port)
                        continue
                    client.revoke_security_group_ingress(
                        GroupId=group_id, IpPermissions=[_rule(port)]
                    )
            except BaseException as exc:  # reported below, with the worker's state
                failures.append(exc)

        threads = [threading.Thread(target=work, args=(n,)) for n in range(CLIENTS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=600)
        assert failures == []
        assert _ports(setup, group_id) == sorted(kept)
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_killing_the_server_mid_load_loses_no_acknowledged_change(tmp_path):
    process, url = _serve(tmp_path)
    setup = Client(url, CREDS, "us-east-1", env={})
    groups = [
        setup.create_security_group(
            GroupName=f"crash{n}", Description="crash", VpcId="vpc-0a1b2c3d4e5f67890"
        )["GroupId"]
        for n in range(4)
    ]
    acknowledged: dict[str, list[int]] = {group: [] for group in groups}

    def work(group_id: str) -> None:
        client = Client(url, CREDS, "us-east-1", env={}, retries=0, timeout=(1, 2))
        for port in range(1, 56):  # stays under the 60-rule limit of a group
            try:
                client.authorize_security_group_ingress(
                    GroupId=group_id, IpPermissions=[_rule(port)]
                )
            except EC2Error:
                return
            acknowledged[group_id].append(port)

    threads = [threading.Thread(target=work, args=(group,)) for group in groups]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 60
    while sum(map(len, acknowledged.values())) < 60 and time.monotonic() < deadline:
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    for thread in threads:
        thread.join(timeout=30)
    assert sum(map(len, acknowledged.values())) >= 60
    with sqlite3.connect(tmp_path / "gw.sqlite3") as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    process, url = _serve(tmp_path)
    try:
        client = Client(url, CREDS, "us-east-1", env={})
        for group_id, ports in acknowledged.items():
            assert set(ports) <= set(_ports(client, group_id))
    finally:
        process.terminate()
        process.wait(timeout=10)
