"""The backend on PostgreSQL: a URL selects it, the database is ours or refused, the driver
is needed only then, a password never shows, and EC2's invariants hold between writers
racing on one database (threads over several Backend objects, and forked processes).

The expected outcomes are EC2's (docs/backend.md): a rule authorized by many at once exists
once and every other caller gets ``InvalidPermission.Duplicate``; a group holds at most
``rule_limit`` rules per family and direction; a name is taken once per VPC; a deleted
group leaves nothing behind. The database itself is read through psycopg, not the backend.
"""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ec2query._errors import EC2Error
from ec2query.gateway._backend import Backend, StorageError
from ec2query.gateway._postgres import redacted
from ec2query.gateway._storage import DatabaseFileError

from ..pg import Cluster
from ..servers import free_port

ROOT = Path(__file__).resolve().parents[2]
psycopg = pytest.importorskip("psycopg")
from psycopg.conninfo import conninfo_to_dict  # noqa: E402 - after the skip


def tcp(port: int, cidr: str) -> dict[str, Any]:
    return {"IpProtocol": "tcp", "FromPort": port, "ToPort": port, "IpRanges": [{"CidrIp": cidr}]}


def sql(url: str, statement: str) -> list[tuple[Any, ...]]:
    """One statement on the test's schema, through psycopg (not the backend)."""
    with psycopg.connect(url, autocommit=True) as conn:
        cursor = conn.execute(statement)
        return cursor.fetchall() if cursor.description else []


def tables(url: str) -> set[str]:
    return {row[0] for row in sql(url, "SELECT table_name FROM information_schema.tables"
                                       " WHERE table_schema = current_schema()")}


def snapshot(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table of the schema."""
    return {table: sql(url, f"SELECT * FROM {table} ORDER BY 1") for table in tables(url)}  # noqa: S608


def create(backend: Backend, name: str = "g", **extra: Any) -> str:
    result = backend.handle("CreateSecurityGroup", {"GroupName": name, "Description": "d", **extra})
    return str(result["GroupId"])


# ---------------------------------------------------------------------------- opening


def test_a_url_makes_the_tables_and_marks_them(pg_url: str) -> None:
    with Backend(pg_url) as backend:
        create(backend)
    assert tables(pg_url) == {"meta", "vpc", "sg", "sg_tag", "rule", "rule_tag"}
    assert dict(sql(pg_url, "SELECT key, value FROM meta")) == {
        "schema": "3", "application": "ec2query"}  # fmt: skip
    for _ in range(2):  # reopened: the state is there, with one default group
        with Backend(pg_url) as backend:
            names = [g["GroupName"] for g in backend.handle("DescribeSecurityGroups", {})[
                "SecurityGroups"]]
            assert names == ["default", "g"]


FOREIGN = "is another application's database (no ec2query mark)"
REFUSALS: dict[str, tuple[list[str], str]] = {
    "another application's tables": (["CREATE TABLE customers (id int)"], FOREIGN),
    # Not in information_schema.tables: each was taken for an empty schema, ours added.
    "a materialized view alone": (["CREATE MATERIALIZED VIEW mv AS SELECT 1 AS x"], FOREIGN),
    "a sequence alone": (["CREATE SEQUENCE counter"], FOREIGN),
    "a type alone": (["CREATE TYPE mood AS ENUM ('calm')"], FOREIGN),
    "a function alone": (["CREATE FUNCTION one() RETURNS int LANGUAGE sql AS 'SELECT 1'"],
                         FOREIGN),
    "our tables without the mark": (["DELETE FROM meta WHERE key = 'application'"], FOREIGN),
    "a later schema": (
        ["UPDATE meta SET value = '4' WHERE key = 'schema'"],
        "has schema '4', which this release (schema 3) cannot read"),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(REFUSALS))
def test_a_database_not_ours_is_refused_untouched(pg_url: str, case: str) -> None:
    statements, problem = REFUSALS[case]
    if case in ("our tables without the mark", "a later schema"):  # ours, then changed
        Backend(pg_url).close()
    for statement in statements:
        sql(pg_url, statement)
    before = snapshot(pg_url)
    with pytest.raises(DatabaseFileError) as caught:
        Backend(pg_url)
    assert caught.value.message == f"{redacted(pg_url)}: {problem}"
    assert caught.value.code == "InternalError"
    assert snapshot(pg_url) == before


def test_what_an_extension_installed_is_not_another_applications(pg_url: str) -> None:
    """The catalogs list an extension's functions and types in the schema it went to;
    they are the database's (CREATE EXTENSION pgcrypto), not an application's."""
    schema = sql(pg_url, "SELECT current_schema()")[0][0]
    sql(pg_url, f"CREATE EXTENSION pgcrypto SCHEMA {schema}")
    try:
        for _ in range(2):  # made, then reopened
            with Backend(pg_url) as backend:
                create(backend, f"g{_}")
        assert {"meta", "sg", "rule"} <= tables(pg_url)
    finally:
        sql(pg_url, "DROP EXTENSION pgcrypto CASCADE")


def test_a_database_locked_elsewhere_is_refused_after_the_lock_timeout(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Opening waited as long as another session held its lock (74 s in the report), with
    no line: the opening connection had no lock_timeout."""
    from ec2query.gateway import _postgres as postgres
    from ec2query.gateway._storage import APPLICATION_ID

    monkeypatch.setattr(postgres, "LOCK_TIMEOUT_MS", 500)
    with psycopg.connect(pg_url, autocommit=True) as holder:
        holder.execute("SELECT pg_advisory_lock(%s)", (APPLICATION_ID,))
        release = threading.Timer(10, holder.execute, ("SELECT pg_advisory_unlock_all()",))
        release.start()
        try:
            with pytest.raises(DatabaseFileError) as caught:
                Backend(pg_url)
        finally:
            release.cancel()
    assert caught.value.message == (
        f"{redacted(pg_url)}: is locked by another session (waited 0.5 s for it)")
    assert tables(pg_url) == set()  # nothing made


def test_the_password_is_never_shown() -> None:
    assert redacted("postgresql://app:s3cret@db.example:5432/sg?password=x&sslmode=require") == (
        "postgresql://app:***@db.example:5432/sg?password=***&sslmode=require")
    assert redacted("postgresql://app@h1:5432,h2:5433/sg") == "postgresql://app@h1:5432,h2:5433/sg"
    assert redacted("postgres://h/sg") == "postgres://h/sg"
    assert redacted("postgresql:///sg") == "postgresql:///sg"  # written as it was


# Passwords as libpq reads them (checked with its parser, conninfo_to_dict): the user part
# ends at the first "@" before any "/", so "?", "#" and "[" are a password's own there, and
# a parameter's name is percent-decoded. Python's urlsplit reads all but the last otherwise.
LIBPQ_PASSWORDS = {
    "postgresql://app:pa?ss@h/sg": "postgresql://app:***@h/sg",
    "postgresql://app:pa#ss@h/sg": "postgresql://app:***@h/sg",
    "postgresql://app:p[a@h/sg": "postgresql://app:***@h/sg",
    "postgresql://app:s@e@h/sg": "postgresql://app:***@e@h/sg",  # password "s", host "e@h"
    "postgresql://h/sg?p%61ssword=hidden": "postgresql://h/sg?p%61ssword=***",
    "postgresql://h?password=zz/sg": "postgresql://h?password=***",
    "postgres://[::1": "postgres://[::1",  # urlsplit raised on it
    "postgresql://[?]/sg?password=hunter22": "postgresql://[?]/sg?password=***",  # a host's ?
    "postgresql://[?password=[?]": "postgresql://[?password=[?]",  # all a host: no password
}  # fmt: skip


@pytest.mark.parametrize("url", sorted(LIBPQ_PASSWORDS))
def test_the_password_is_the_one_libpq_reads(url: str) -> None:
    assert redacted(url) == LIBPQ_PASSWORDS[url]


_URL_PARTS = st.lists(st.one_of(
    st.sampled_from(["@", ":", "/", "?", "#", "[", "]", "&", "=", ",", "%", "%40", "%zz",
                     "password=", "p%61ssword=", "user=", "s3cret", "h", "sg", "[?]", "[::1]",
                     "[?password=", ":5432", ",h2"]),
    st.text(alphabet="ab:@/?#&=%", max_size=4)), max_size=12).map("".join)


@settings(max_examples=1000, deadline=None)
@given(scheme=st.sampled_from(["postgresql://", "postgres://"]), rest=_URL_PARTS)
def test_libpq_finds_no_password_in_a_redacted_url(scheme: str, rest: str) -> None:
    """The oracle is libpq's own parser: what it reads from ``redacted(url)`` is what it
    reads from ``url``, with every password ``***``."""
    url = scheme + rest
    shown = redacted(url)  # never raises
    try:
        read = conninfo_to_dict(url)
    except (psycopg.ProgrammingError, UnicodeDecodeError):  # libpq cannot read it (or
        return  # psycopg what it decoded): neither can a connection
    expected = {**read, "password": "***"} if read.get("password") else read  # "": none
    assert conninfo_to_dict(shown) == expected, shown


@pytest.mark.parametrize("url", [
    "postgresql://app:p%zzs3cretpw@127.0.0.1:1/sg",  # libpq quotes the token it cannot decode
    "postgresql://127.0.0.1:1/sg?password=a%zzs3cretpw",
    "postgresql://app:s3cretpw@[::1/sg",  # ... and the whole URI here
])  # fmt: skip
def test_a_message_of_libpq_shows_no_password(url: str) -> None:
    with pytest.raises(DatabaseFileError) as caught:
        Backend(url)
    assert "s3cretpw" not in caught.value.message
    assert caught.value.message.startswith(f"{redacted(url)}: cannot connect: ")


def test_a_server_that_is_down_at_start_is_one_line_without_the_password() -> None:
    url = f"postgresql://app:s3cret@127.0.0.1:{free_port()}/sg"
    with pytest.raises(DatabaseFileError) as caught:
        Backend(url)
    line = caught.value.message
    assert line.startswith(f"postgresql://app:***@127.0.0.1:{url.split(':')[3]}: cannot connect: ")
    assert "s3cret" not in line and "\n" not in line


def test_a_served_database_shows_its_password_nowhere(pg_url: str) -> None:
    """The cluster trusts local users, so it takes a URL whose password it never asks for:
    the backend's ``path``, its repr and ``serve``'s ready line show ``***``."""
    url = pg_url.replace("://ec2query@", "://ec2query:s3cret@", 1)
    assert "s3cret" in url
    with Backend(url) as backend:
        assert backend.path == redacted(url)
        assert "***" in backend.path and "s3cret" not in backend.path + repr(backend)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE",
           "AWS_SECRET_ACCESS_KEY": "secret"}  # fmt: skip
    served = subprocess.Popen(
        [sys.executable, "-m", "ec2query", "serve", "--port", "0", "--db", url],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    try:
        assert served.stdout is not None
        ready = served.stdout.readline()
    finally:
        served.terminate()
        _, errors = served.communicate(timeout=30)
    assert ready.startswith("ec2query gateway on http://127.0.0.1:"), (ready, errors)
    assert f"backend {redacted(url)}" in ready
    assert "s3cret" not in ready + errors


@pytest.mark.parametrize("where", ["127.0.0.1:{port}", "[::1", "127.0.0.1:{port}/%ff"])
def test_serve_refuses_an_unreachable_database_in_one_line(where: str) -> None:
    """A server that is down, and URLs that had ended in a traceback: one libpq cannot
    read, one whose %-escape is not UTF-8 (psycopg cannot read what libpq decoded)."""
    url = f"postgresql://app:s3cret@{where.format(port=free_port())}/sg"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE",
           "AWS_SECRET_ACCESS_KEY": "secret"}  # fmt: skip
    done = subprocess.run(
        [sys.executable, "-m", "ec2query", "serve", "--port", "0", "--db", url],
        capture_output=True, text=True, timeout=60, env=env, check=False,
    )  # fmt: skip
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert done.returncode != 0
    assert len(lines) == 1 and "cannot connect" in lines[0], done.stderr
    assert "s3cret" not in done.stderr and "Traceback" not in done.stderr


def test_without_the_extra_a_url_is_a_clear_error_and_sqlite_needs_no_driver() -> None:
    code = (
        "import sys\n"
        "sys.modules['psycopg'] = None  # as if the postgres extra were not installed\n"
        "from ec2query.gateway import Backend\n"
        "Backend(':memory:').close()\n"
        "try:\n"
        "    Backend('postgresql://app@127.0.0.1:1/sg')\n"
        "except Exception as exc:\n"
        "    print(type(exc).__name__, exc.code, exc.message)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(ROOT)}, check=True).stdout
    assert out.strip() == (
        "StorageError InternalError a PostgreSQL --db needs psycopg 3 and psycopg_pool: "
        "pip install 'ec2query[postgres]'")
    plain = subprocess.run(
        [sys.executable, "-c", "import sys; from ec2query.gateway import Backend; "
         "Backend(':memory:').close(); print('psycopg' in sys.modules)"],
        capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)}, check=True)
    assert plain.stdout.strip() == "False"


# ---------------------------------------------------------------------------- races

WRITERS = 16


def race(backends: list[Backend], work: Callable[[Backend, int], Any]) -> list[Any]:
    """``work(backend, n)`` for n in range(WRITERS), all released at once; each result or
    the EC2 error code it raised, in n's order. Any other exception fails the test."""
    barrier = threading.Barrier(WRITERS)
    results: list[Any] = [None] * WRITERS
    failures: list[BaseException] = []

    def run(n: int) -> None:
        try:
            barrier.wait()
            try:
                results[n] = work(backends[n % len(backends)], n)
            except EC2Error as exc:
                results[n] = exc.code
        except BaseException as exc:  # surfaced below
            failures.append(exc)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not failures, failures
    return results


@pytest.fixture
def backends(pg_url: str) -> Any:
    """Four Backend objects on one database: four gateway processes, each with its pool."""
    opened = [Backend(pg_url) for _ in range(4)]
    yield opened
    for backend in opened:
        backend.close()


def ingress_count(url: str, group_id: str) -> int:
    return int(sql(url, f"SELECT count(*) FROM rule WHERE group_id = '{group_id}'"  # noqa: S608
                        " AND egress = 0")[0][0])


def test_one_rule_authorized_by_sixteen_at_once_exists_once(
    backends: list[Backend], pg_url: str
) -> None:
    group_id = create(backends[0])
    params = {"GroupId": group_id, "IpPermissions": [tcp(22, "192.0.2.0/24")]}
    results = race(backends, lambda b, n: b.handle("AuthorizeSecurityGroupIngress", params))
    codes = Counter(r if isinstance(r, str) else "won" for r in results)
    assert codes == {"won": 1, "InvalidPermission.Duplicate": WRITERS - 1}
    assert ingress_count(pg_url, group_id) == 1


def test_eighty_distinct_rules_racing_into_one_group_stop_at_the_quota(
    backends: list[Backend], pg_url: str
) -> None:
    group_id = create(backends[0])

    def five(backend: Backend, n: int) -> list[str]:
        outcomes = []
        for i in range(5):
            params = {"GroupId": group_id, "IpPermissions": [tcp(1000 + n, f"10.{n}.{i}.0/24")]}
            try:
                backend.handle("AuthorizeSecurityGroupIngress", params)
                outcomes.append("won")
            except EC2Error as exc:
                outcomes.append(exc.code)
        return outcomes

    codes = Counter(code for result in race(backends, five) for code in result)
    assert codes == {"won": 60, "RulesPerSecurityGroupLimitExceeded": 20}
    assert ingress_count(pg_url, group_id) == 60


def deadlocks(url: str) -> int:
    """PostgreSQL's count of deadlocks in the test's database (its statistics; a backend
    reports its own as it exits, so close the pools first)."""
    return int(sql(url, "SELECT deadlocks FROM pg_stat_database"
                        " WHERE datname = current_database()")[0][0])


def test_tags_written_by_many_naming_groups_in_other_orders_never_deadlock(
    backends: list[Backend], pg_url: str
) -> None:
    """Each resource was locked in the request's order: half the callers naming four
    groups forwards and half backwards deadlocked (684 times for eight callers), and
    calls that met it four times got 503."""
    groups = [create(backends[0], f"g{n}") for n in range(4)]
    before = deadlocks(pg_url)

    def tag(backend: Backend, n: int) -> list[str]:
        named = groups if n % 2 else groups[::-1]
        for i in range(5):
            backend.handle("CreateTags", {"Resources": named, "Tags": [
                {"Key": f"k{n}", "Value": str(i)}]})  # fmt: skip
        return named

    assert all(isinstance(result, list) for result in race(backends, tag))
    for backend in backends:
        backend.close()  # the pools' backends exit, reporting their statistics
    assert _settled_deadlocks(pg_url, before) == before
    tags = sql(pg_url, "SELECT group_id, count(*) FROM sg_tag GROUP BY group_id")
    assert sorted(tags) == sorted((group, WRITERS) for group in groups)


def test_tags_on_rules_racing_a_modify_of_them_never_deadlock(
    backends: list[Backend], pg_url: str
) -> None:
    """Tags locked the rules they named in id order, a modify locks its group and then
    the rules in its request's order: a cycle (85 deadlocks in 300 calls, one 503)."""
    group_id = create(backends[0])
    made = backends[0].handle("AuthorizeSecurityGroupIngress", {
        "GroupId": group_id, "IpPermissions": [tcp(1, "10.0.0.0/8"), tcp(2, "10.0.0.0/8")]})
    ports = {rule["SecurityGroupRuleId"]: rule["FromPort"] for rule in made["SecurityGroupRules"]}
    named = sorted(ports, reverse=True)  # against the id order
    before = deadlocks(pg_url)

    def work(backend: Backend, n: int) -> str:
        for i in range(10):
            if n % 2:
                backend.handle("CreateTags", {"Resources": named, "Tags": [
                    {"Key": "k", "Value": str(i)}]})  # fmt: skip
            else:
                backend.handle("ModifySecurityGroupRules", {
                    "GroupId": group_id, "SecurityGroupRules": [
                        {"SecurityGroupRuleId": rule_id, "SecurityGroupRule": {
                            "IpProtocol": "tcp", "FromPort": ports[rule_id],
                            "ToPort": ports[rule_id], "CidrIpv4": "10.0.0.0/8",
                            "Description": f"{n}-{i}"}}
                        for rule_id in named]})  # fmt: skip
        return "done"

    assert race(backends, work) == ["done"] * WRITERS
    for backend in backends:
        backend.close()
    assert _settled_deadlocks(pg_url, before) == before


def _settled_deadlocks(url: str, before: int) -> int:
    """The deadlock count once the closed pools' backends have reported (two seconds at
    most for a change to show)."""
    for _ in range(20):
        time.sleep(0.1)
        sql(url, "SELECT pg_stat_clear_snapshot()")
        if deadlocks(url) != before:
            break
    return deadlocks(url)


def test_one_name_created_by_sixteen_at_once_is_one_group(
    backends: list[Backend], pg_url: str
) -> None:
    results = race(backends, lambda b, n: create(b, "web", VpcId="vpc-0123456789abcdef0"))
    assert sorted(r if r.startswith("Invalid") else "won" for r in results) == [
        "InvalidGroup.Duplicate"] * (WRITERS - 1) + ["won"]  # fmt: skip
    assert sql(pg_url, "SELECT name, count(*) FROM sg GROUP BY name ORDER BY name") == [
        ("default", 2), ("web", 1)]  # fmt: skip


def test_a_group_deleted_while_rules_are_added_leaves_nothing_behind(
    backends: list[Backend], pg_url: str
) -> None:
    """Each writer adds a rule to the doomed group, or one naming it as the source in
    another group; one deletes it. Before the delete: the rules are added and the delete
    meets a reference (DependencyViolation); after it: InvalidGroup.NotFound. Never a rule
    of or to a group that is gone."""
    for round_ in range(3):
        doomed = create(backends[0], f"doomed{round_}")
        other = create(backends[0], f"other{round_}")

        def work(backend: Backend, n: int, doomed: str = doomed, other: str = other) -> Any:
            if n == 0:
                return backend.handle("DeleteSecurityGroup", {"GroupId": doomed})["Return"]
            if n % 2:
                permission, target = tcp(n, "10.0.0.0/8"), doomed
            else:
                permission = {"IpProtocol": "tcp", "FromPort": n, "ToPort": n,
                              "UserIdGroupPairs": [{"GroupId": doomed}]}  # fmt: skip
                target = other
            return backend.handle("AuthorizeSecurityGroupIngress",
                                  {"GroupId": target, "IpPermissions": [permission]})["Return"]

        results = race(backends, work)
        assert set(results[1:]) <= {True, "InvalidGroup.NotFound"}
        assert results[0] in (True, "DependencyViolation")
        exists = bool(sql(pg_url, f"SELECT 1 FROM sg WHERE group_id = '{doomed}'"))  # noqa: S608
        assert exists is (results[0] == "DependencyViolation")
        refs = sql(pg_url, f"SELECT count(*) FROM rule WHERE peer = '{doomed}'")[0][0]  # noqa: S608
        if exists:  # a reference was there first, and none was refused
            assert refs > 0 and "InvalidGroup.NotFound" not in results
        else:  # nothing of it, nor to it, is left
            own = sql(pg_url, f"SELECT count(*) FROM rule WHERE group_id = '{doomed}'")  # noqa: S608
            assert (refs, own[0][0]) == (0, 0)


def test_tags_and_rule_ids_of_racing_writers(backends: list[Backend], pg_url: str) -> None:
    group_id = create(backends[0])
    tagged = [{"ResourceType": "security-group-rule", "Tags": [{"Key": "owner", "Value": "x"}]}]

    def work(backend: Backend, n: int) -> list[str]:
        ids = []
        for i in range(3):  # 48 rules: within the quota of 60, however they interleave
            result = backend.handle("AuthorizeSecurityGroupIngress", {
                "GroupId": group_id, "IpPermissions": [tcp(2000 + n, f"172.16.{i}.0/24")],
                "TagSpecifications": tagged})  # fmt: skip
            ids += [rule["SecurityGroupRuleId"] for rule in result["SecurityGroupRules"]]
        backend.handle("RevokeSecurityGroupIngress",
                       {"GroupId": group_id, "SecurityGroupRuleIds": ids[:1]})
        return ids

    results = race(backends, work)
    ids = [rule_id for result in results for rule_id in result]
    assert len(ids) == len(set(ids)) == WRITERS * 3
    kept = {rule_id for result in results for rule_id in result[1:]}
    assert {row[0] for row in sql(pg_url, "SELECT rule_id FROM rule_tag")} == kept
    described = backends[1].handle("DescribeSecurityGroupRules", {
        "Filters": [{"Name": "tag:owner", "Values": ["x"]}]})["SecurityGroupRules"]  # fmt: skip
    assert {rule["SecurityGroupRuleId"] for rule in described} == kept


def _forked_worker(backend: Backend, group_id: str, n: int) -> None:
    for i in range(20):
        permission = tcp(3000 + n, f"172.20.{i}.0/24")
        backend.handle("AuthorizeSecurityGroupIngress",
                       {"GroupId": group_id, "IpPermissions": [permission]})
        if i % 2 == 0:
            backend.handle("RevokeSecurityGroupIngress",
                           {"GroupId": group_id, "IpPermissions": [permission]})
    backend.close()


@pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="no fork")
def test_forked_workers_of_a_preloaded_backend_share_the_database(pg_url: str) -> None:
    """A preloading server forks workers holding a Backend that has served: each makes its
    own pool (the parent's sockets are not used, nor closed, in a child)."""
    with Backend(pg_url) as backend:
        group_id = create(backend)
        context = multiprocessing.get_context("fork")
        workers = [context.Process(target=_forked_worker, args=(backend, group_id, n))
                   for n in range(3)]  # fmt: skip
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(120)
            assert worker.exitcode == 0
        group = backend.handle("DescribeSecurityGroups", {"GroupIds": [group_id]})
        found = {(p["FromPort"], r["CidrIp"]) for p in group["SecurityGroups"][0]["IpPermissions"]
                 for r in p["IpRanges"]}  # fmt: skip
        assert found == {(3000 + n, f"172.20.{i}.0/24") for n in range(3) for i in range(1, 20, 2)}


def test_a_closed_backend_refuses_calls(pg_url: str) -> None:
    backend = Backend(pg_url)
    backend.close()
    with pytest.raises(StorageError) as caught:
        backend.handle("DescribeSecurityGroups", {})
    assert (caught.value.code, caught.value.http_status) == ("Unavailable", 503)


def test_the_cluster_fixture_runs_as_an_unprivileged_user(postgres_cluster: Cluster) -> None:
    owner = postgres_cluster.data.stat().st_uid
    assert owner != 0 or os.geteuid() != 0


# ---------------------------------------------------------------------------- served


def test_two_serve_processes_on_one_database_keep_the_invariants(
    pg_url: str, tmp_path: Path
) -> None:
    """Two ``ec2query serve`` processes (two gateway hosts, as far as the database can
    tell), 16 boto3 clients split between them, each racing for the same rule and then
    adding five distinct rules to one group: one rule once, and exactly the quota."""
    from botocore.config import Config
    from botocore.exceptions import ClientError

    from ec2query import Credentials

    from ..servers import FAKE_ENV, boto_ec2
    from .test_gateway_clients import _serve

    creds = Credentials(FAKE_ENV["AWS_ACCESS_KEY_ID"], FAKE_ENV["AWS_SECRET_ACCESS_KEY"])
    servers = [_serve(tmp_path, "--db", pg_url) for _ in range(2)]
    try:
        clients = [boto_ec2(url, creds, config=Config(retries={"total_max_attempts": 1}))
                   for _, url in servers]  # fmt: skip
        group_id = clients[0].create_security_group(GroupName="g", Description="d")["GroupId"]
        barrier = threading.Barrier(WRITERS)
        outcomes: list[str] = []

        def one(ec2: Any, permission: dict[str, Any]) -> None:
            try:
                ec2.authorize_security_group_ingress(GroupId=group_id,
                                                     IpPermissions=[permission])
                outcomes.append("won")
            except ClientError as exc:
                outcomes.append(exc.response["Error"]["Code"])

        def work(n: int) -> None:
            ec2 = boto_ec2(servers[n % 2][1], creds,
                           config=Config(retries={"total_max_attempts": 1}))
            barrier.wait()
            one(ec2, tcp(22, "192.0.2.0/24"))
            barrier.wait()  # then 80 distinct rules race for the 59 places left
            for i in range(5):
                one(ec2, tcp(1000 + n, f"10.{n}.{i}.0/24"))

        threads = [threading.Thread(target=work, args=(n,)) for n in range(WRITERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        assert Counter(outcomes) == {"won": 60, "InvalidPermission.Duplicate": WRITERS - 1,
                                     "RulesPerSecurityGroupLimitExceeded": 20 + 1}  # fmt: skip
        assert ingress_count(pg_url, group_id) == 60
        assert clients[1].describe_security_groups(GroupIds=[group_id])["SecurityGroups"]
    finally:
        for process, _ in servers:
            process.terminate()
            process.wait(10)


# ---------------------------------------------------------------------------- retries


def test_a_transaction_postgresql_rolls_back_is_tried_again_from_the_start(pg_url: str) -> None:
    """A serialization failure or a deadlock (SQLSTATE class 40) left nothing applied, so
    the call is run again; what outlasts the tries is Unavailable, and nothing is applied."""
    from ec2query.gateway._postgres import ATTEMPTS

    with Backend(pg_url) as backend:
        store = backend._pg
        assert store is not None
        tries: list[int] = []

        def body(conn: Any, failures: dict[str, Any]) -> dict[str, Any]:
            tries.append(1)
            conn.execute("INSERT INTO vpc (vpc_id, is_default) VALUES (?, 0)",
                         (f"vpc-{len(tries)}",))
            if len(tries) <= failures["n"]:
                raise failures["error"]("could not serialize access")
            return {"tries": len(tries)}

        for error in (psycopg.errors.SerializationFailure, psycopg.errors.DeadlockDetected):
            tries.clear()
            assert store.run(body, {"n": 2, "error": error}, write=True) == {"tries": 3}
            assert sql(pg_url, "SELECT vpc_id FROM vpc WHERE vpc_id LIKE 'vpc-_'") == [("vpc-3",)]
            sql(pg_url, "DELETE FROM vpc WHERE vpc_id LIKE 'vpc-_'")
        tries.clear()
        with pytest.raises(StorageError) as caught:
            store.run(body, {"n": ATTEMPTS, "error": psycopg.errors.SerializationFailure},
                      write=True)
        assert (caught.value.code, caught.value.http_status) == ("Unavailable", 503)
        assert len(tries) == ATTEMPTS
        assert sql(pg_url, "SELECT vpc_id FROM vpc WHERE vpc_id LIKE 'vpc-_'") == []


def test_a_write_locks_its_group_first_and_a_read_takes_a_snapshot(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The statements each call sends (one round trip each), pinned: the target group's row
    is locked before anything is read, a rule's source group is share-locked, a delete
    takes the strongest lock, and describe reads one snapshot without a lock."""
    with Backend(pg_url) as backend:
        group_id, other = create(backend), create(backend, "other")
        sent: list[str] = []
        caller = threading.current_thread()
        execute = psycopg.Connection.execute

        def recording(self: Any, query: Any, *args: Any, **kwargs: Any) -> Any:
            if threading.current_thread() is caller:  # not the pool's own (SET lock_timeout)
                text = str(query)
                sent.append(text.split()[0] + (" FOR " + text.split(" FOR ")[1]
                                               if " FOR " in text else ""))  # fmt: skip
            return execute(self, query, *args, **kwargs)

        monkeypatch.setattr(psycopg.Connection, "execute", recording)

        def statements(operation: str, params: dict[str, Any]) -> list[str]:
            sent.clear()
            backend.handle(operation, params)
            return list(sent)

        ssh = {"GroupId": group_id, "IpPermissions": [tcp(22, "10.0.0.0/8")]}
        assert statements("AuthorizeSecurityGroupIngress", ssh) == [
            "BEGIN", "SELECT FOR NO KEY UPDATE", "INSERT", "SELECT", "COMMIT"]
        assert statements("RevokeSecurityGroupIngress", ssh) == [
            "BEGIN", "SELECT FOR NO KEY UPDATE", "DELETE", "COMMIT"]
        from_other = {"GroupId": group_id, "IpPermissions": [
            {"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": other}]}]}
        assert statements("AuthorizeSecurityGroupIngress", from_other) == [
            "BEGIN", "SELECT FOR NO KEY UPDATE", "SELECT FOR KEY SHARE", "INSERT", "SELECT",
            "COMMIT"]
        assert statements("DescribeSecurityGroups", {})[0] == "BEGIN"
        assert not [s for s in statements("DescribeSecurityGroups", {}) if " FOR " in s]
        assert statements("RevokeSecurityGroupIngress", from_other)[1] == (
            "SELECT FOR NO KEY UPDATE")
        assert statements("DeleteSecurityGroup", {"GroupId": other})[1] == "SELECT FOR UPDATE"
