"""``ec2query serve --workers N``: processes sharing one port and one database file."""

from __future__ import annotations

import signal
import sys

import pytest

from tests.gateway.test_gateway_clients import _serve
from tests.servers import FAKE_ENV, all_gone, child_processes

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="reads worker processes from /proc")


def test_two_workers_share_the_port_and_the_database_and_die_with_their_parent(tmp_path):
    import boto3

    process, url = _serve(tmp_path, "--workers", "2")
    try:
        workers = child_processes(process.pid)
        assert len(workers) == 2
        clients = [boto3.client("ec2", endpoint_url=url, region_name="us-east-1",
                                aws_access_key_id=FAKE_ENV["AWS_ACCESS_KEY_ID"],
                                aws_secret_access_key=FAKE_ENV["AWS_SECRET_ACCESS_KEY"])
                   for _ in range(4)]
        for n, client in enumerate(clients):  # new connections: spread over the workers
            client.create_security_group(GroupName=f"shared{n}", Description="d")
        for client in clients:  # every worker sees every write
            names = {g["GroupName"] for g in client.describe_security_groups()["SecurityGroups"]}
            assert {f"shared{n}" for n in range(4)} <= names
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
        assert all_gone(workers)
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=10)


def test_workers_must_be_a_positive_number(capsys):
    from ec2query._console import main

    with pytest.raises(SystemExit):
        main(["serve", "--workers", "0"])
    assert "at least 1" in capsys.readouterr().err
