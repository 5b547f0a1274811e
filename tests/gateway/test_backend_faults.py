"""The gateway on PostgreSQL when the database goes away: EC2's ``Unavailable`` (HTTP 503,
the code and text of EC2's error list for a server that cannot handle the request), no
change half made, and serving again once the database is back, without a restart.

The client is boto3 (the oracle client) with its retries off, so that every answer it gets
is the gateway's own. Each writer repeats an operation until it is acknowledged (or EC2
says it already happened: Duplicate), so the expected state afterwards is exact.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from ec2query import Credentials
from ec2query.gateway import _postgres as postgres
from ec2query.gateway import make_app
from ec2query.gateway._server import running

from ..pg import Cluster
from ..servers import boto_ec2

pytest.importorskip("psycopg")
botocore_config = pytest.importorskip("botocore.config")
from botocore.exceptions import ClientError  # noqa: E402

#: EC2's text for its Unavailable code (ec2-behaviour.md, row 43); the runtime text is inferred.
UNAVAILABLE = "The server is overloaded and can't handle the request."
CREDS = Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")


@pytest.fixture
def gateway(postgres_cluster: Cluster, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """A gateway on its own schema, served in threads; a pooled connection is waited for
    half a second (so that an outage is answered at once), and the server is always
    running again afterwards."""
    monkeypatch.setattr(postgres, "POOL_TIMEOUT", 0.5)
    app = make_app(db=postgres_cluster.url(), credentials=[CREDS])
    try:
        with running(app) as endpoint:
            yield endpoint
    finally:
        app.backend.close()
        if not _up(postgres_cluster):
            postgres_cluster.start()


def _up(cluster: Cluster) -> bool:
    import psycopg

    try:
        psycopg.connect(cluster.server_url(), connect_timeout=2).close()
    except psycopg.OperationalError:
        return False
    return True


def client(endpoint: str) -> Any:
    config = botocore_config.Config(retries={"total_max_attempts": 1})
    return boto_ec2(endpoint, CREDS, config=config)


def permission(port: int, cidr: str) -> list[dict[str, Any]]:
    return [{"IpProtocol": "tcp", "FromPort": port, "ToPort": port, "IpRanges": [{"CidrIp": cidr}]}]


def test_served_again_within_seconds_of_a_long_outages_end(
    gateway: str, postgres_cluster: Cluster
) -> None:
    """The pool's tries to reconnect backed off to a minute apart (1, 2, 4 ... s, for five
    minutes): after a 40 s outage with calls throughout, 503s went on 26-49 s after the
    database was back; after this one's 16 s, up to 15 s."""
    ec2 = client(gateway)
    ec2.describe_security_groups()
    postgres_cluster.stop()
    try:
        until = time.monotonic() + 16
        while time.monotonic() < until:  # calls throughout, as clients keep calling
            with contextlib.suppress(ClientError):
                ec2.describe_security_groups()
            time.sleep(0.2)
    finally:
        postgres_cluster.start()
    back = time.monotonic()
    while True:
        try:
            ec2.describe_security_groups()
            break
        except ClientError as exc:
            assert exc.response["Error"]["Code"] == "Unavailable"
            assert time.monotonic() - back < 6, "not served again within 6 s"
            time.sleep(0.2)


def test_a_lost_database_is_unavailable_then_served_again(
    gateway: str, postgres_cluster: Cluster
) -> None:
    ec2 = client(gateway)
    group_id = ec2.create_security_group(GroupName="web", Description="w")["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=group_id,
                                         IpPermissions=permission(1, "10.0.0.0/8"))
    postgres_cluster.stop()
    try:
        with pytest.raises(ClientError) as caught:
            ec2.authorize_security_group_ingress(
                GroupId=group_id, IpPermissions=permission(2, "10.0.0.0/8") + permission(
                    3, "10.0.0.0/8"))  # fmt: skip
        error = caught.value.response
        assert error["ResponseMetadata"]["HTTPStatusCode"] == 503
        assert error["Error"] == {"Code": "Unavailable", "Message": UNAVAILABLE}
    finally:
        postgres_cluster.start()
    deadline = time.monotonic() + 30
    while True:  # the pool reconnects by itself: no restart of the gateway
        try:
            groups = ec2.describe_security_groups(GroupIds=[group_id])["SecurityGroups"]
            break
        except ClientError as exc:
            assert exc.response["Error"]["Code"] == "Unavailable"
            assert time.monotonic() < deadline, "not served again within 30 s"
            time.sleep(0.2)
    assert [p["FromPort"] for p in groups[0]["IpPermissions"]] == [1]  # nothing half made


WRITERS = 4
RULES = 24  # per writer: each authorized, every other one revoked again
CHURN = 6000  # the port of the rule a writer then authorizes and revokes until told to stop


def test_nothing_acknowledged_is_lost_when_the_database_crashes_under_load(
    gateway: str, postgres_cluster: Cluster
) -> None:
    ec2 = client(gateway)
    group_id = ec2.create_security_group(GroupName="load", Description="l")["GroupId"]
    codes: Counter[str] = Counter()
    failures: list[BaseException] = []
    started, stop = threading.Event(), threading.Event()

    def until_done(call: Any, settled: str) -> None:
        """Repeat ``call`` until acknowledged, or refused with ``settled`` (an earlier try,
        unacknowledged, was applied after all)."""
        for _ in range(600):
            try:
                call()
                codes["acknowledged"] += 1
                return
            except ClientError as exc:
                code = exc.response["Error"]["Code"]
                codes[code] += 1
                if code == settled:
                    return
                assert code == "Unavailable", exc.response["Error"]
                time.sleep(0.05)
        raise AssertionError("never acknowledged")

    def writer(n: int) -> None:
        """RULES rules, every other one revoked again; then, until the database is back
        (however fast the machine, the crash meets the writers at work), one more rule
        authorized and revoked again and again."""
        own = client(gateway)
        try:
            i = 0
            while i < RULES or not stop.is_set():
                rule = (permission(5000 + n, f"10.{n}.{i}.0/24") if i < RULES
                        else permission(CHURN + n, f"10.{n}.0.0/16"))
                until_done(lambda rule=rule: own.authorize_security_group_ingress(
                    GroupId=group_id, IpPermissions=rule), "InvalidPermission.Duplicate")
                started.set()
                if i % 2 == 0 or i >= RULES:
                    until_done(lambda rule=rule: own.revoke_security_group_ingress(
                        GroupId=group_id, IpPermissions=rule), "InvalidPermission.NotFound")
                i += 1
        except BaseException as exc:  # surfaced below
            failures.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    started.wait(30)
    time.sleep(0.3)
    postgres_cluster.stop("immediate")  # a crash: no shutdown checkpoint, clients cut off
    time.sleep(1.0)
    postgres_cluster.start()
    time.sleep(0.5)
    stop.set()
    for thread in threads:
        thread.join(120)
    assert not failures, failures
    assert codes["Unavailable"] > 0, codes  # the outage was met
    assert set(codes) <= {"acknowledged", "Unavailable", "InvalidPermission.Duplicate",
                          "InvalidPermission.NotFound"}  # fmt: skip
    group = ec2.describe_security_groups(GroupIds=[group_id])["SecurityGroups"][0]
    found = {(p["FromPort"], r["CidrIp"]) for p in group["IpPermissions"] for r in p["IpRanges"]}
    assert found == {(5000 + n, f"10.{n}.{i}.0/24") for n in range(WRITERS)
                     for i in range(1, RULES, 2)}  # fmt: skip


def test_a_database_that_turns_read_only_is_unavailable_not_an_internal_error(
    postgres_cluster: Cluster,
) -> None:
    """A standby, or ``default_transaction_read_only``, refused writes with a 500
    ``InternalError``: it is a database not taking changes for now, EC2's 503."""
    import psycopg

    from ec2query._errors import EC2Error
    from ec2query.gateway import Backend

    admin = postgres_cluster.server_url()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute("CREATE DATABASE turns_read_only")
    backend = Backend(postgres_cluster.server_url("turns_read_only"))
    try:
        backend.handle("CreateSecurityGroup", {"GroupName": "a", "Description": "d"})
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute("ALTER DATABASE turns_read_only SET default_transaction_read_only = on")
            conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                         " WHERE datname = 'turns_read_only'")  # new sessions take the setting
        with pytest.raises(EC2Error) as caught:
            backend.handle("CreateSecurityGroup", {"GroupName": "c", "Description": "d"})
        assert (caught.value.code, caught.value.http_status) == ("Unavailable", 503)
        names = [g["GroupName"] for g in backend.handle(
            "DescribeSecurityGroups", {})["SecurityGroups"]]  # fmt: skip
        assert "c" not in names  # reads go on
    finally:
        backend.close()
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute("DROP DATABASE turns_read_only WITH (FORCE)")

