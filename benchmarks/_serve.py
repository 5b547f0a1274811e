"""serve: end to end over HTTP, ``ec2query serve`` against moto_server and against the ceiling.

Every server runs in its own process on a loopback port; the load is the same
for all: ``CLIENTS`` keep-alive connections, each sending signed
authorize/revoke pairs of the seed rule on its own group, ``PER_CLIENT``
requests each. One timed operation is one such batch, so the ratio is the
ratio of served throughput. The ceiling is a bare WSGI app on the same edge
(waitress, bounded, same threads) that returns the gateway's answer without
doing any work: what the server alone can serve to this client.
"""

from __future__ import annotations

import atexit
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ec2query._request import build_signed_request
from ec2query.auth import Credentials
from ec2query.gateway._app import answer_headers

from . import inputs
from ._harness import Pair, Skipped

__all__ = ["BARE_BODY", "pairs"]

CLIENTS = 4
PER_CLIENT = 100
CREDENTIALS = Credentials(inputs.ACCESS_KEY, inputs.SECRET_KEY)
ROOT = Path(__file__).resolve().parent.parent
#: What the bare app answers: a RevokeSecurityGroupIngress response of the same size.
BARE_BODY = (b'<?xml version="1.0" encoding="UTF-8"?>\n<RevokeSecurityGroupIngressResponse '
             b'xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>'
             b"00000000-0000-4000-8000-000000000000</requestId><return>true</return>"
             b"</RevokeSecurityGroupIngressResponse>")


def pairs(group: str) -> list[Pair | Skipped]:
    """The serve pairs, or skips naming what is missing."""
    try:
        import moto.server  # noqa: F401
        import waitress  # noqa: F401
    except ImportError as exc:
        return [Skipped("serve", "authorize/revoke over HTTP", f"needs moto and waitress ({exc})")]
    workdir = _workdir("ec2query-serve-bench-")
    ours = _Server(_ours_command(workdir, 1))
    ours2 = _Server(_ours_command(workdir, 2, "two"))
    moto_server = _Server([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", "{port}"])
    bare = _Server([sys.executable, "-m", "benchmarks._serve_bare", "{port}"])
    bare2 = _Server([sys.executable, "-m", "benchmarks._serve_bare", "{port}", "2"])
    loads = {server: _Load(server) for server in (ours, ours2, moto_server, bare, bare2)}

    def pair(name: str, a: _Server, peer_name: str, b: _Server, target: float | None,
             note: str, *, cpu: bool = False) -> Pair:
        """The same batches timed by the wall clock, or (``cpu``) by each server's CPU
        time, per request."""
        batch = CLIENTS * PER_CLIENT
        clocks = None
        if cpu:
            clocks = (lambda: a.cpu_seconds() / batch, lambda: b.cpu_seconds() / batch)
        return Pair("serve", f"server CPU: {name}" if cpu else name, peer_name,
                    loads[a].run, loads[b].run, lambda: (loads[a].run(), loads[b].run()),
                    target=target, process=True, note=note, clocks=clocks,
                    unit="request (server CPU)" if cpu else f"{batch} requests")

    per = f"{CLIENTS} keep-alive clients x {PER_CLIENT} signed requests"
    out: list[Pair | Skipped] = [
        pair("ec2query serve vs moto_server", ours, "moto_server", moto_server, 10.0, per),
        pair("ec2query serve --workers 2 vs moto_server", ours2, "moto_server", moto_server,
             10.0, per),
        pair("ec2query serve vs the edge's ceiling", ours, "bare WSGI app, same edge", bare,
             0.5, "ratio = share of the ceiling served (target 0.5)"),
        pair("ec2query serve --workers 2 vs the edge's ceiling", ours2,
             "bare WSGI app, same edge, 2 workers", bare2, 0.5,
             "ceiling: the bare app in 2 processes too"),
    ]
    if not _CPU_CLOCKS:
        return [*out, Skipped("serve", "server CPU per request",
                              "needs Linux's per-process CPU clocks and /proc")]
    share = "ratio = bare / ours: the share of the ceiling our CPU per request allows"
    return [
        *out,
        pair("ec2query serve vs moto_server", ours, "moto_server", moto_server, None,
             "µs of server CPU per request, under the same load", cpu=True),
        pair("ec2query serve vs the edge's ceiling", ours, "bare WSGI app, same edge", bare,
             None, share, cpu=True),
        pair("ec2query serve --workers 2 vs the edge's ceiling", ours2,
             "bare WSGI app, same edge, 2 workers", bare2, None,
             share + "; all workers summed", cpu=True),
    ]


def _workdir(prefix: str) -> str:
    """A new temporary directory for the servers' databases, removed at exit: after the
    servers have stopped, since each registers its stop later (atexit runs last first)."""
    workdir = tempfile.mkdtemp(prefix=prefix)
    atexit.register(shutil.rmtree, workdir, ignore_errors=True)
    return workdir


def _ours_command(workdir: str, workers: int, name: str = "one") -> list[str]:
    return [sys.executable, "-m", "ec2query._console", "serve", "--port", "{port}",
            "--db", f"{workdir}/{name}.sqlite3", "--workers", str(workers)]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class _Server:
    """One server process on a free loopback port, started on first use, stopped at exit;
    ``database()``, when given, names its ``--db`` then (a PostgreSQL URL made on demand)."""

    def __init__(self, command: list[str], database: Callable[[], str] | None = None) -> None:
        self.command = command
        self.database = database
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None
        self._cpu_seen: dict[int, float] = {}  # cpu_seconds: each process's last reading
        self._cpu_total = 0.0

    def start(self) -> int:
        if self.process is not None:
            return self.port
        self.port = _free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(AWS_ACCESS_KEY_ID=inputs.ACCESS_KEY, AWS_SECRET_ACCESS_KEY=inputs.SECRET_KEY,
                   AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull,
                   PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])))
        command = [part.replace("{port}", str(self.port)) for part in self.command]
        if self.database is not None:
            command[command.index("--db") + 1] = self.database()
        self.process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL)
        atexit.register(self.stop)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return self.port
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"{command[:4]} did not start")

    def cpu_seconds(self) -> float:
        """CPU seconds the server has used so far, its forked workers' included (started
        if need be): Linux's process CPU clocks count every thread, ended ones too.

        A running count, so that a worker replaced between two readings does not take
        its history out of the difference: a process seen before adds what it used since,
        a new one (or a reused pid whose clock went back) all it has used, and one that
        ended adds nothing more (what it used after the last reading is lost).
        """
        from tests.servers import child_processes

        self.start()
        assert self.process is not None
        now: dict[int, float] = {}
        for pid in {self.process.pid, *child_processes(self.process.pid)}:
            try:
                now[pid] = time.clock_gettime(_cpu_clock(pid))
            except OSError:  # ended between the listing and the reading
                continue
        for pid, used in now.items():
            before = self._cpu_seen.get(pid, 0.0)
            self._cpu_total += used - before if used >= before else used
        self._cpu_seen = now
        return self._cpu_total

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()


def _cpu_clock(pid: int) -> int:
    """The clock id of process ``pid``'s CPU time (Linux: MAKE_PROCESS_CPUCLOCK, SCHED)."""
    return (~pid << 3) | 2


def _has_cpu_clocks() -> bool:
    if not sys.platform.startswith("linux"):  # the clock ids, and /proc for the children
        return False
    try:
        return time.clock_gettime(_cpu_clock(os.getpid())) > 0
    except OSError:
        return False


_CPU_CLOCKS = _has_cpu_clocks()


class _Load:
    """``clients`` connections replaying signed authorize/revoke pairs on their own groups,
    ``per_client`` requests each."""

    def __init__(self, server: _Server, clients: int = CLIENTS) -> None:
        self.server = server
        self.clients = clients
        self.per_client = PER_CLIENT
        self.requests: list[list[bytes]] = []

    def _prepare(self) -> None:
        port = self.server.start()
        endpoint = f"http://127.0.0.1:{port}"
        for client in range(self.clients):
            params = {**inputs.SEED, "GroupName": f"bench{client}"}
            create = build_signed_request(
                "CreateSecurityGroup", {"GroupName": f"bench{client}", "Description": "bench"},
                endpoint=endpoint, credentials=CREDENTIALS, region=inputs.REGION).to_http()
            cycle = [build_signed_request(op, params, endpoint=endpoint, credentials=CREDENTIALS,
                                          region=inputs.REGION).to_http()
                     for op in ("AuthorizeSecurityGroupIngress", "RevokeSecurityGroupIngress")]
            with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
                _exchange(sock, create)  # the group; already there on a second run
            self.requests.append(cycle)

    def run(self) -> list[int]:
        """One batch: the distinct statuses the servers answered (``[200]`` when all is well)."""
        if not self.requests:
            self._prepare()
        statuses: set[int] = set()

        def client(cycle: list[bytes]) -> None:
            sock = None
            for i in range(self.per_client):  # reconnecting whenever the server closes
                if sock is None:
                    sock = socket.create_connection(("127.0.0.1", self.server.port), timeout=30)
                status, closing = _exchange(sock, cycle[i % 2])
                statuses.add(status)
                if closing:
                    sock.close()
                    sock = None
            if sock is not None:
                sock.close()

        threads = [threading.Thread(target=client, args=(cycle,)) for cycle in self.requests]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return sorted(statuses)


def _exchange(sock: socket.socket, request: bytes) -> tuple[int, bool]:
    """Send one request, read its whole response (Content-Length framed): the status, and
    whether the server closes the connection after it."""
    sock.sendall(request)
    data = b""
    while b"\r\n\r\n" not in data:
        data += _recv(sock)
    head, _, body = data.partition(b"\r\n\r\n")
    length, closing = 0, False
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"connection":
            closing = value.strip().lower() == b"close"
    while len(body) < length:
        body += _recv(sock)
    return int(head.split(b" ", 2)[1]), closing


def _recv(sock: socket.socket) -> bytes:
    chunk = sock.recv(65536)
    if not chunk:
        raise ConnectionError("the server closed the connection")
    return chunk


def bare_app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    """The ceiling: read the body, answer the gateway's bytes, do nothing else."""
    stream = environ.get("wsgi.input")
    if stream is not None:
        stream.read(int(environ.get("CONTENT_LENGTH") or 0))
    start_response("200 OK", answer_headers("00000000-0000-4000-8000-000000000000",
                                            "text/xml;charset=UTF-8", len(BARE_BODY)))
    return [BARE_BODY]
