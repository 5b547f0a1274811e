"""A throwaway PostgreSQL cluster for the tests: initdb and pg_ctl in a temporary directory,
on a free loopback port, trust authentication, no Unix socket.

One cluster serves the whole session (``postgres_cluster``); each test takes a schema of
its own (``Cluster.url()``), so nothing is shared between tests and nothing is slow to make.
initdb refuses to run as root: as root the cluster is made and run by an unprivileged user
(``postgres`` where it exists, else ``nobody``) who owns the temporary directory. Where the
server's binaries are missing the tests skip, saying so, unless ``EC2QUERY_REQUIRE_POSTGRES``
is set (``.ci/run`` sets it after installing them): then they fail.
"""

from __future__ import annotations

import glob
import itertools
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from .servers import free_port

USER = "ec2query"  # the cluster's superuser (trust: no password)


def binaries() -> Path | None:
    """The directory of initdb, pg_ctl and postgres (Debian's /usr/lib/postgresql/N/bin, the
    newest first, else wherever PATH has initdb)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0)
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


class Cluster:
    """A running cluster; ``url()`` is a new schema's URL, ``stop()``/``start()`` for faults."""

    def __init__(self, bin_dir: Path) -> None:
        self.bin = bin_dir
        self.root = Path(tempfile.mkdtemp(prefix="ec2query-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        self._runas: list[str] = []
        self._names = itertools.count()
        if os.geteuid() == 0:  # initdb refuses root
            user = "postgres" if _user_exists("postgres") else "nobody"
            shutil.chown(self.root, user)
            self._runas = ["runuser", "-u", user, "--"]
        self._pg("initdb", "-D", str(self.data), "-U", USER, "-A", "trust", "-E", "UTF8",
                 "--locale=C", "--no-sync", "--no-instructions")  # fmt: skip
        self.start()

    def _pg(self, tool: str, *args: str) -> None:
        subprocess.run([*self._runas, str(self.bin / tool), *args], check=True,
                       capture_output=True, timeout=120)  # fmt: skip

    def start(self) -> None:
        options = (f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=''"
                   " -c fsync=off -c max_connections=200")  # fmt: skip
        self._pg("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.root / "log"),
                 "-w", "-t", "60", "start")  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        """Stop the server: ``fast`` (clients are cut off) or ``immediate`` (a crash)."""
        self._pg("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")

    def server_url(self, database: str = "postgres") -> str:
        return f"postgresql://{USER}@127.0.0.1:{self.port}/{database}"

    def url(self) -> str:
        """The URL of a new, empty schema of its own (the backend's tables go there)."""
        import psycopg

        name = f"t{next(self._names)}"
        with psycopg.connect(self.server_url(), autocommit=True) as conn:
            conn.execute(f"CREATE SCHEMA {name}")
        return f"{self.server_url()}?options=-csearch_path%3D{name}"

    def close(self) -> None:
        try:
            self.stop()
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


def _user_exists(name: str) -> bool:
    import pwd

    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[Cluster]:
    """The session's PostgreSQL cluster (started on first use, stopped at the end)."""
    bin_dir = binaries()
    if bin_dir is None:
        reason = "PostgreSQL's server binaries (initdb, pg_ctl) are not installed"
        if os.environ.get("EC2QUERY_REQUIRE_POSTGRES"):
            pytest.fail(reason + ", and EC2QUERY_REQUIRE_POSTGRES is set")
        pytest.skip(reason + " (Debian: apt-get install postgresql)")
    pytest.importorskip("psycopg", reason="the postgres extra (psycopg) is not installed")
    cluster = Cluster(bin_dir)
    try:
        yield cluster
    finally:
        cluster.close()


@pytest.fixture
def pg_url(postgres_cluster: Cluster) -> str:
    """A PostgreSQL URL of a schema of this test's own."""
    return postgres_cluster.url()
