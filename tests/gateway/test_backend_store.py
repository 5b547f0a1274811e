"""The backend's storage: threads and processes sharing one file, durability, speed."""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from ec2query._errors import EC2Error
from ec2query.gateway._backend import Backend, StorageError

REPO = Path(__file__).resolve().parents[2]
THREADS = 8
PAIRS = 60  # authorize/revoke pairs per thread


def tcp(port: int, cidr: str) -> dict[str, Any]:
    return {"IpProtocol": "tcp", "FromPort": port, "ToPort": port, "IpRanges": [{"CidrIp": cidr}]}


def ingress(backend: Backend, group_id: str) -> set[tuple[int, str]]:
    group = backend.handle("DescribeSecurityGroups", {"GroupIds": [group_id]})["SecurityGroups"][0]
    found = [(p["FromPort"], r["CidrIp"]) for p in group["IpPermissions"] for r in p["IpRanges"]]
    assert len(found) == len(set(found)), "a rule is stored twice"
    return set(found)


def test_threads_share_one_file_without_lost_or_duplicated_rules(tmp_path: Path) -> None:
    path = str(tmp_path / "sg.db")
    # two Backend objects on one file stand for two worker processes; each has its threads
    backends = [Backend(path, rule_limit=10_000), Backend(path, rule_limit=10_000)]
    group_ids = [
        backends[0].handle("CreateSecurityGroup", {"GroupName": f"g{i}", "Description": "d"})[
            "GroupId"
        ]
        for i in range(2)
    ]
    barrier = threading.Barrier(THREADS)
    errors: list[BaseException] = []
    contested: list[str] = []
    rule_ids: list[str] = []

    def work(n: int) -> None:
        backend, group_id = backends[n % 2], group_ids[n // 4 % 2]
        try:
            barrier.wait()
            try:  # every thread races for the same rule: exactly one may win
                backend.handle(
                    "AuthorizeSecurityGroupIngress",
                    {"GroupId": group_ids[0], "IpPermissions": [tcp(1, "192.0.2.0/24")]},
                )
                contested.append("won")
            except EC2Error as exc:
                contested.append(exc.code)
            for i in range(PAIRS):
                permission = tcp(1000 + n, f"10.{n}.{i}.0/24")
                result = backend.handle(
                    "AuthorizeSecurityGroupIngress",
                    {"GroupId": group_id, "IpPermissions": [permission]},
                )
                rule_ids.extend(r["SecurityGroupRuleId"] for r in result["SecurityGroupRules"])
                if i % 2 == 0:  # keep the odd ones
                    revoked = backend.handle(
                        "RevokeSecurityGroupIngress",
                        {"GroupId": group_id, "IpPermissions": [permission]},
                    )
                    assert len(revoked["RevokedSecurityGroupRules"]) == 1
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    assert sorted(contested) == ["InvalidPermission.Duplicate"] * (THREADS - 1) + ["won"]
    assert len(rule_ids) == len(set(rule_ids)) == THREADS * PAIRS
    for g, group_id in enumerate(group_ids):
        expected = {
            (1000 + n, f"10.{n}.{i}.0/24")
            for n in range(THREADS)
            if n // 4 % 2 == g
            for i in range(1, PAIRS, 2)
        }
        if g == 0:
            expected.add((1, "192.0.2.0/24"))
        for backend in backends:
            assert ingress(backend, group_id) == expected
    for backend in backends:
        backend.close()


def _process_worker(path: str, group_id: str, n: int) -> None:
    backend = Backend(path, rule_limit=10_000)
    for i in range(40):
        permission = tcp(2000 + n, f"172.16.{i}.0/24")
        backend.handle(
            "AuthorizeSecurityGroupIngress", {"GroupId": group_id, "IpPermissions": [permission]}
        )
        if i % 2 == 0:
            backend.handle(
                "RevokeSecurityGroupIngress", {"GroupId": group_id, "IpPermissions": [permission]}
            )
    backend.close()


def test_processes_share_one_file(tmp_path: Path) -> None:
    path = str(tmp_path / "sg.db")
    with Backend(path, rule_limit=10_000) as backend:
        group_id = backend.handle("CreateSecurityGroup", {"GroupName": "g", "Description": "d"})[
            "GroupId"
        ]
    # fork where there is one (no re-import, fast); the backend opens its connections afresh
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    context = multiprocessing.get_context(method)
    workers = [context.Process(target=_process_worker, args=(path, group_id, n)) for n in range(3)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
        assert worker.exitcode == 0
    with Backend(path) as backend:
        assert ingress(backend, group_id) == {
            (2000 + n, f"172.16.{i}.0/24") for n in range(3) for i in range(1, 40, 2)
        }


def _use_inherited(backend: Backend, group_id: str, inherited: Any) -> None:
    backend.handle(
        "AuthorizeSecurityGroupIngress",
        {"GroupId": group_id, "IpPermissions": [tcp(3000, "192.0.2.0/24")]},
    )
    if backend._local.conn is inherited:  # SQLite connections must not cross a fork
        os._exit(3)
    backend.close()


@pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="no fork")
def test_a_forked_child_opens_its_own_connection(tmp_path: Path) -> None:
    """A WSGI server that preloads the app forks workers holding an open Backend."""
    with Backend(str(tmp_path / "sg.db")) as backend:
        group_id = backend.handle("CreateSecurityGroup", {"GroupName": "g", "Description": "d"})[
            "GroupId"
        ]
        child = multiprocessing.get_context("fork").Process(
            target=_use_inherited, args=(backend, group_id, backend._local.conn)
        )
        child.start()
        child.join(60)
        assert child.exitcode == 0
        assert ingress(backend, group_id) == {(3000, "192.0.2.0/24")}  # parent's still works


@pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="no fork")
def test_a_fork_while_another_thread_holds_the_lock_does_not_hang_the_child(
    tmp_path: Path,
) -> None:
    with Backend(str(tmp_path / "sg.db")) as backend:
        group_id = backend.handle("CreateSecurityGroup", {"GroupName": "g", "Description": "d"})[
            "GroupId"
        ]
        child = multiprocessing.get_context("fork").Process(
            target=_use_inherited, args=(backend, group_id, backend._local.conn)
        )
        with backend._lock:  # as if another thread were opening a connection right now
            child.start()
        child.join(60)
        assert child.exitcode == 0


def test_memory_backend_is_thread_safe() -> None:
    with Backend(rule_limit=10_000) as backend:
        group_id = backend.handle("CreateSecurityGroup", {"GroupName": "g", "Description": "d"})[
            "GroupId"
        ]

        def work(n: int) -> None:
            for i in range(30):
                backend.handle(
                    "AuthorizeSecurityGroupIngress",
                    {"GroupId": group_id, "IpPermissions": [tcp(n, f"10.0.{i}.0/24")]},
                )

        threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(ingress(backend, group_id)) == 120


def test_state_survives_close_and_reopen(tmp_path: Path) -> None:
    path = str(tmp_path / "sg.db")
    with Backend(path) as backend:
        group_id = backend.handle("CreateSecurityGroup", {"GroupName": "g", "Description": "d"})[
            "GroupId"
        ]
        rule = backend.handle(
            "AuthorizeSecurityGroupIngress",
            {"GroupId": group_id, "IpPermissions": [tcp(22, "203.0.113.0/24")]},
        )["SecurityGroupRules"][0]
        before = backend.handle("DescribeSecurityGroups", {})
    with Backend(path) as backend:
        assert backend.handle("DescribeSecurityGroups", {}) == before
        revoked = backend.handle(
            "RevokeSecurityGroupIngress",
            {"GroupId": group_id, "SecurityGroupRuleIds": [rule["SecurityGroupRuleId"]]},
        )
        assert revoked["RevokedSecurityGroupRules"][0]["CidrIpv4"] == "203.0.113.0/24"


def test_committed_state_survives_a_process_that_never_closes(tmp_path: Path) -> None:
    """A writer that dies without close() (os._exit) leaves every acknowledged change behind."""
    path = str(tmp_path / "sg.db")
    script = (
        "import os\n"
        "from ec2query.gateway._backend import Backend\n"
        f"b = Backend({path!r})\n"
        "g = b.handle('CreateSecurityGroup', {'GroupName': 'g', 'Description': 'd'})['GroupId']\n"
        "for i in range(20):\n"
        "    b.handle('AuthorizeSecurityGroupIngress', {'GroupId': g, 'IpPermissions': [\n"
        "        {'IpProtocol': 'tcp', 'FromPort': i, 'ToPort': i,\n"
        "         'IpRanges': [{'CidrIp': '10.0.0.0/8'}]}]})\n"
        "print(g, flush=True)\n"
        "os._exit(0)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True
    )
    group_id = done.stdout.strip()
    assert Path(path + "-wal").exists()  # the changes are in the WAL, never checkpointed
    with Backend(path) as backend:
        assert ingress(backend, group_id) == {(i, "10.0.0.0/8") for i in range(20)}


def test_reopening_with_a_default_vpc_keeps_one_default_group(tmp_path: Path) -> None:
    path = str(tmp_path / "sg.db")
    for _ in range(3):
        Backend(path).close()
    with Backend(path) as backend:
        groups = backend.handle("DescribeSecurityGroups", {})["SecurityGroups"]
        assert [g["GroupName"] for g in groups] == ["default"]


def test_closed_backend_refuses_calls() -> None:
    backend = Backend()
    backend.close()
    with pytest.raises(StorageError) as caught:
        backend.handle("DescribeSecurityGroups", {})
    assert (caught.value.code, caught.value.http_status) == ("Unavailable", 503)
    assert isinstance(caught.value, RuntimeError)  # what it raised before it was an EC2Error


def test_a_file_that_cannot_be_a_database_is_ec2s_internal_error(tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"this is not an SQLite database file, not even its header" * 100)
    for path in (str(garbage), str(tmp_path / "no" / "such" / "dir" / "sg.db")):
        with pytest.raises(StorageError) as caught:
            Backend(path)
        assert (caught.value.code, caught.value.http_status) == ("InternalError", 500)


def test_a_database_broken_under_the_backend_is_ec2s_internal_error(tmp_path: Path) -> None:
    import sqlite3

    path = str(tmp_path / "sg.db")
    with Backend(path) as backend:
        group = backend.handle("CreateSecurityGroup", {"GroupName": "g", "Description": "d"})
        with sqlite3.connect(path) as conn:
            conn.execute("DROP TABLE rule")
        conn.close()
        for operation, params in [
            ("DescribeSecurityGroups", {}),
            ("AuthorizeSecurityGroupIngress", {"GroupId": group["GroupId"], "IpPermissions": [
                {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}]}),
            ("DeleteSecurityGroup", {"GroupId": group["GroupId"]}),
        ]:  # fmt: skip
            with pytest.raises(StorageError) as caught:
                backend.handle(operation, params)
            assert caught.value.code == "InternalError"


class _CountingConnection:
    """A connection that records each statement the backend sends (one round trip each)."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn
        self.sent: list[str] = []

    def execute(self, sql: str, *args: Any) -> Any:
        self.sent.append(sql.split()[0] + (" RETURNING" if " RETURNING " in sql else ""))
        return self.conn.execute(sql, *args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.conn, name)


def test_one_rule_is_authorized_in_five_statements_and_revoked_in_four(tmp_path: Path) -> None:
    """The request path's round trips to SQLite, pinned (speed itself is benchmarks/' job):
    the duplicate check is the insert's primary key, a revoke by value is one DELETE ...
    RETURNING, and a trigger removes a revoked rule's tags."""
    with Backend(str(tmp_path / "sg.db")) as backend:
        group_id = backend.handle("CreateSecurityGroup", {"GroupName": "g", "Description": "d"})[
            "GroupId"
        ]
        counting = _CountingConnection(backend._connection())
        backend._local.conn = counting
        params = {"GroupId": group_id, "IpPermissions": [tcp(22, "10.0.0.0/16")]}
        backend.handle("AuthorizeSecurityGroupIngress", params)
        assert counting.sent == ["BEGIN", "SELECT", "INSERT", "SELECT", "COMMIT"]
        counting.sent.clear()
        backend.handle("RevokeSecurityGroupIngress", params)
        assert counting.sent == ["BEGIN", "SELECT", "DELETE RETURNING", "COMMIT"]
        assert ingress(backend, group_id) == set()


def test_an_sqlite_without_returning_finds_then_deletes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Debian 11's SQLite (3.34) has no RETURNING: a revoke is a SELECT and a DELETE."""
    import sqlite3

    monkeypatch.setattr(sqlite3, "sqlite_version_info", (3, 34, 1))
    with Backend(str(tmp_path / "sg.db")) as backend:
        group_id = backend.handle("CreateSecurityGroup", {"GroupName": "g", "Description": "d"})[
            "GroupId"
        ]
        counting = _CountingConnection(backend._connection())
        backend._local.conn = counting
        params = {"GroupId": group_id, "IpPermissions": [tcp(22, "10.0.0.0/16")],
                  "TagSpecifications": [{"ResourceType": "security-group-rule",
                                         "Tags": [{"Key": "k", "Value": "v"}]}]}  # fmt: skip
        rule_id = backend.handle("AuthorizeSecurityGroupIngress", params)["SecurityGroupRules"][
            0
        ]["SecurityGroupRuleId"]
        counting.sent.clear()
        del params["TagSpecifications"]
        revoked = backend.handle("RevokeSecurityGroupIngress", params)
        assert counting.sent == ["BEGIN", "SELECT", "SELECT", "DELETE", "COMMIT"]
        assert revoked["RevokedSecurityGroupRules"][0]["SecurityGroupRuleId"] == rule_id
        assert ingress(backend, group_id) == set()
        assert counting.conn.execute("SELECT count(*) FROM rule_tag").fetchone() == (0,)


#: Schema 1's rule table (ec2query 0.1's), keyed by peer first; the rest is unchanged.
SCHEMA_1 = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
INSERT INTO meta (key, value) VALUES ('schema', '1');
CREATE TABLE vpc (vpc_id TEXT PRIMARY KEY, is_default INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;
CREATE TABLE sg (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, group_id TEXT NOT NULL UNIQUE,
    vpc_id TEXT NOT NULL, name TEXT NOT NULL, description TEXT NOT NULL, UNIQUE (vpc_id, name)
);
CREATE TABLE sg_tag (
    group_id TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (group_id, key)
) WITHOUT ROWID;
CREATE TABLE rule (
    peer TEXT NOT NULL, group_id TEXT NOT NULL, egress INTEGER NOT NULL,
    protocol TEXT NOT NULL, from_port INTEGER NOT NULL, to_port INTEGER NOT NULL,
    kind TEXT NOT NULL, rule_id TEXT NOT NULL UNIQUE, description TEXT, seq INTEGER NOT NULL,
    PRIMARY KEY (peer, group_id, egress, protocol, from_port, to_port, kind)
) WITHOUT ROWID;
CREATE TABLE rule_tag (
    rule_id TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (rule_id, key)
) WITHOUT ROWID;
INSERT INTO vpc VALUES ('vpc-0a1b2c3d4e5f60718', 1);
INSERT INTO sg (group_id, vpc_id, name, description) VALUES
    ('sg-0000000000000000a', 'vpc-0a1b2c3d4e5f60718', 'default', 'default VPC security group'),
    ('sg-0000000000000000b', 'vpc-0a1b2c3d4e5f60718', 'web', 'w');
INSERT INTO rule VALUES
    ('sg-0000000000000000a', 'sg-0000000000000000a', 0, '-1', -1, -1, 'group',
     'sgr-00000000000000001', NULL, 1),
    ('0.0.0.0/0', 'sg-0000000000000000a', 1, '-1', -1, -1, 'cidr4',
     'sgr-00000000000000002', NULL, 2),
    ('0.0.0.0/0', 'sg-0000000000000000b', 1, '-1', -1, -1, 'cidr4',
     'sgr-00000000000000003', NULL, 3),
    ('10.0.0.0/8', 'sg-0000000000000000b', 0, 'tcp', 22, 22, 'cidr4',
     'sgr-00000000000000004', 'ssh', 4);
INSERT INTO rule_tag VALUES ('sgr-00000000000000004', 'k', 'v');
"""


def test_a_schema_1_database_is_upgraded_with_its_rules(tmp_path: Path) -> None:
    import sqlite3

    path = str(tmp_path / "sg.db")
    with sqlite3.connect(path) as old:
        old.executescript(SCHEMA_1)
    old.close()
    with Backend(path) as backend:
        conn = backend._connection()
        assert conn.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone() == ("3",)
        (table,) = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'rule'").fetchone()
        assert "PRIMARY KEY (group_id, egress," in table
        web = "sg-0000000000000000b"
        ssh = {"GroupId": web, "IpPermissions": [tcp(22, "10.0.0.0/8")]}
        described = backend.handle("DescribeSecurityGroups", {"GroupIds": [web]})
        assert described["SecurityGroups"][0]["IpPermissions"][0]["IpRanges"] == [
            {"CidrIp": "10.0.0.0/8", "Description": "ssh"}
        ]
        with pytest.raises(EC2Error) as caught:
            backend.handle("AuthorizeSecurityGroupIngress", ssh)
        assert caught.value.code == "InvalidPermission.Duplicate"
        revoked = backend.handle("RevokeSecurityGroupIngress", ssh)
        assert revoked["RevokedSecurityGroupRules"][0]["SecurityGroupRuleId"] == (
            "sgr-00000000000000004"
        )
        assert conn.execute("SELECT count(*) FROM rule_tag").fetchone() == (0,)  # the trigger
    with Backend(path) as backend:  # opened again: nothing left to upgrade, nothing lost
        rules = backend.handle("DescribeSecurityGroups", {})["SecurityGroups"]
        assert [len(g["IpPermissionsEgress"]) for g in rules] == [1, 1]


def _statements(backend: Backend, *statements: str) -> list[tuple[Any, ...]]:
    """Run SQL in one of the backend's write transactions; the last statement's rows."""
    def body(conn: Any, _: Any) -> dict[str, Any]:
        cursor = None
        for statement in statements:
            cursor = conn.execute(statement)
        rows = cursor.fetchall() if cursor is not None and cursor.description else []
        return {"rows": [tuple(row) for row in rows]}
    return list(backend._run(body, {}, write=True)["rows"])


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_a_schema_2_database_gains_the_peering_columns(
    tmp_path: Path, request: pytest.FixtureRequest, engine: str
) -> None:
    """Schema 2 kept no peering: opened, its rule table gains the two columns (NULL, so its
    rules show no peering) and a rule across VPCs made afterwards keeps its connection."""
    db = str(tmp_path / "sg.db") if engine == "sqlite" else request.getfixturevalue("pg_url")
    with Backend(db) as backend:  # made by this release, then taken back to schema 2
        web = backend.handle("CreateSecurityGroup", {"GroupName": "web", "Description": "w"})
        backend.handle("AuthorizeSecurityGroupIngress",
                       {"GroupId": web["GroupId"], "IpPermissions": [tcp(22, "10.0.0.0/8")]})
        _statements(backend, "ALTER TABLE rule DROP COLUMN peering",
                    "ALTER TABLE rule DROP COLUMN peer_vpc",
                    "UPDATE meta SET value = '2' WHERE key = 'schema'")
    with Backend(db) as backend:
        assert _statements(backend, "SELECT value FROM meta WHERE key = 'schema'") == [("3",)]
        assert ingress(backend, web["GroupId"]) == {(22, "10.0.0.0/8")}
        app = backend.handle("CreateSecurityGroup", {
            "GroupName": "app", "Description": "a", "VpcId": "vpc-0ffffffffffffffff"})
        pair = {"GroupId": web["GroupId"], "VpcPeeringConnectionId": "pcx-0123456789abcdef0"}
        rules = backend.handle("AuthorizeSecurityGroupIngress", {
            "GroupId": app["GroupId"], "IpPermissions": [{
                "IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "UserIdGroupPairs": [pair]}]})
        shown = rules["SecurityGroupRules"][0]["ReferencedGroupInfo"]
        assert shown["VpcPeeringConnectionId"] == "pcx-0123456789abcdef0"
        assert _statements(backend, "SELECT count(*) FROM rule WHERE peering IS NOT NULL") == [
            (1,)]


def test_a_database_of_an_unknown_schema_is_refused_by_name(tmp_path: Path) -> None:
    import sqlite3

    path = str(tmp_path / "sg.db")
    Backend(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE meta SET value = '4' WHERE key = 'schema'")
    conn.close()
    with pytest.raises(StorageError, match=r"schema '4', which this release \(schema 3\) cannot"):
        Backend(path)
