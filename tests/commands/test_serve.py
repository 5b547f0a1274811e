"""``ec2query serve``: ``--workers N`` (processes sharing one port and one database
file) and ``--access-log``."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time

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


def _refused(tmp_path, *args: str) -> subprocess.CompletedProcess[str]:
    """``serve`` with ``args``, expected to refuse at once (one that serves instead is
    killed at the timeout, and the test fails)."""
    return subprocess.run([sys.executable, "-m", "ec2query", "serve", *args],
                          cwd=tmp_path, env={**os.environ, **FAKE_ENV}, capture_output=True,
                          text=True, timeout=30, check=False)


@pytest.mark.parametrize(("option", "value", "low", "high"), [
    ("--workers", "0", 1, 256),
    ("--workers", "257", 1, 256),  # 100,000 ran out of file descriptors with a traceback
    ("--threads", "-3", 0, 256),  # accepted before
    ("--threads", "257", 0, 256),  # 100,000 aborted the process
    ("--port", "70000", 0, 65535),  # served on port 4464 (70000 - 65536) before
    ("--port", "-1", 0, 65535),  # a traceback before
    ("--header-timeout", "0", 1, 86400),
    ("--body-timeout", "1.5", 1, 86400),
    ("--idle-timeout", "86401", 1, 86400),
    ("--max-header", "1023", 1024, 1048576),
    ("--connection-limit", "100001", 1, 100000),
    ("--max-bodies", "1048575", 1048576, 68719476736),  # no room for one whole body
    ("--max-bodies", "1" + "0" * 12, 1048576, 68719476736),  # more digits than the top
])  # fmt: skip
def test_a_count_or_port_out_of_range_is_refused(tmp_path, option, value, low, high):
    done = _refused(tmp_path, "--port", "0", option, value)
    assert done.returncode != 0 and done.stdout == ""
    assert (f"argument {option}: expected a whole number from {low} to {high}, not "
            f"'{value}'") in done.stderr


def test_a_header_deadline_past_the_body_deadline_is_refused(tmp_path):
    done = _refused(tmp_path, "--port", "0", "--header-timeout", "30", "--body-timeout", "20")
    assert done.returncode != 0 and done.stdout == ""
    assert done.stderr.strip().splitlines()[-1].endswith(
        "--header-timeout 30 is longer than --body-timeout 20: the whole request, its "
        "headers too, must arrive within the body timeout")


@pytest.mark.parametrize("extra", [[], ["--workers", "2"]], ids=["one process", "workers"])
def test_the_edges_bounds_are_the_options_given(tmp_path, extra):
    """Each bound, set shorter than its default, holds in the served process (in each
    worker): an idle connection closed after 1 s (not 15), a short body answered
    RequestTimeout after 2 s (not 20), headers over 4096 bytes (not 65536) refused."""
    from tests.gateway.test_edge import ec2_error, exchange

    process, url = _serve(tmp_path, "--idle-timeout", "1", "--header-timeout", "1",
                          "--body-timeout", "2", "--max-header", "4096", *extra)
    address = _address(url)
    try:
        answer, took, closed = exchange(address, b"", wait=6)
        assert closed and answer == b"" and 0.5 < took < 3.5, took  # idle: 1 s, checked each second
        short = (b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n"
                 b"Content-Type: application/x-www-form-urlencoded\r\n\r\nab")
        answer, took, closed = exchange(address, short, wait=8)
        assert ec2_error(answer) == (400, "RequestTimeout") and 1.5 < took < 4.5, took
        large = b"GET / HTTP/1.1\r\nHost: h\r\nX-A: " + b"a" * 5000 + b"\r\n\r\n"
        answer, took, closed = exchange(address, large, wait=4)
        assert ec2_error(answer) == (400, "InvalidHttpRequest") and took < 1.5
        assert b"larger than 4096 bytes" in answer
        fits = (b"GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\nX-A: " + b"a" * 3000
                + b"\r\n\r\n")  # under the bound: it reaches the app
        answer, _, _ = exchange(address, fits, wait=4)
        assert ec2_error(answer) == (403, "MissingAuthenticationToken")
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.mark.parametrize("workers", ["1", "2"])
@pytest.mark.parametrize(("host", "reason"), [
    ("127.0.0.1", "Address already in use"),  # the port: one the test holds
    ("192.0.2.1", "Cannot assign requested address"),  # TEST-NET-1: no host's own
    ("a..b", "label empty or too long"),  # a name no resolver is asked about
])  # fmt: skip
def test_an_address_it_cannot_listen_at_is_one_line(tmp_path, workers, host, reason):
    """Each was a traceback (waitress' ValueError or the socket's OSError)."""
    with socket.create_server(("127.0.0.1", 0)) as held:
        port = held.getsockname()[1] if host == "127.0.0.1" else 0
        done = _refused(tmp_path, "--host", host, "--port", str(port), "--workers", workers,
                        "--db", str(tmp_path / "g.db"))
    lines = [line for line in done.stderr.splitlines()
             if line.strip() and "no credentials" not in line]  # fmt: skip
    assert done.returncode == 252 and done.stdout == ""
    assert len(lines) == 1 and lines[0].startswith(f"cannot listen on '{host}:{port}': ")
    assert reason in lines[0]


@pytest.mark.parametrize("db", [":memory:", "file:x?mode=memory"])
def test_workers_with_an_in_memory_database_are_refused(tmp_path, db):
    """Each forked worker had a copy of its own: of six acknowledged groups, four
    describes saw none, and a replaced worker began again from the start's data."""
    done = subprocess.run(  # a server that starts is killed at the timeout: the test fails
        [sys.executable, "-m", "ec2query", "serve", "--workers", "2", "--db", db, "--port", "0"],
        cwd=tmp_path, env={**os.environ, **FAKE_ENV}, capture_output=True, text=True,
        timeout=30, check=False)
    assert done.returncode != 0 and done.stdout == ""
    assert f"--workers 2 needs a database the workers share: --db {db} is each" in done.stderr
    assert "Traceback" not in done.stderr and list(tmp_path.iterdir()) == []


def test_access_lines_go_to_the_access_log_and_other_lines_stay_on_stderr(tmp_path):
    import boto3

    access = tmp_path / "access.log"
    process, url = _serve(tmp_path, "--access-log", str(access))
    try:
        client = boto3.client("ec2", endpoint_url=url, region_name="us-east-1",
                              aws_access_key_id=FAKE_ENV["AWS_ACCESS_KEY_ID"],
                              aws_secret_access_key=FAKE_ENV["AWS_SECRET_ACCESS_KEY"])
        client.describe_security_groups()
    finally:
        process.terminate()
        process.wait(timeout=10)
    lines = access.read_text().splitlines()
    assert any(line.endswith("ms") and " ec2query.gateway 127.0.0.1 POST "
               "DescribeSecurityGroups OK 200 " in line for line in lines), lines
    console = (tmp_path / f"serve-{url.rsplit(':', 1)[1]}.log").read_text()
    assert "DescribeSecurityGroups" not in console and "ec2query gateway on" in console


def test_an_access_log_that_cannot_be_appended_to_is_one_line_and_exit_status(capsys):
    from ec2query._console import main

    assert main(["serve", "--db", ":memory:", "--access-log", "/nonexistent/dir/a.log"]) != 0
    err = capsys.readouterr().err
    assert "/nonexistent/dir/a.log: cannot append lines to it" in err
    assert "Traceback" not in err


def test_one_process_stops_cleanly_on_sigterm(tmp_path):
    """It was killed outright (status -15, the server not closed), where --workers
    stops cleanly and exits 0: SIGTERM now stops it as Ctrl-C does."""
    process, _ = _serve(tmp_path)
    try:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
    log = next(tmp_path.glob("serve-*.log")).read_text()
    assert "Traceback" not in log


def test_workers_with_a_uri_naming_another_host_get_the_databases_one_line(tmp_path):
    # It was "InternalError: ..." with exit 255, where other bad databases get "PATH:
    # problem" and exit 252: the workers' in-memory check read the URI unguarded.
    uri = "file://elsewhere/x.db"
    runs = [subprocess.run(
        [sys.executable, "-m", "ec2query", "serve", *workers, "--db", uri, "--port", "0"],
        cwd=tmp_path, env={**os.environ, **FAKE_ENV}, capture_output=True, text=True,
        timeout=30, check=False) for workers in ([], ["--workers", "2"])]
    assert runs[0].returncode == runs[1].returncode != 0
    for done in runs:
        assert done.stderr.strip() == (f"{uri}: names the host 'elsewhere'; an SQLite URI "
                                       "names a local file")


def _begun(url: str) -> tuple[socket.socket, bytes]:
    """A connection holding a signed CreateSecurityGroup whose headers and the first bytes
    of its body are sent; and the rest of the body, to send later."""
    from ec2query import Credentials, build_signed_request

    request = build_signed_request(
        "CreateSecurityGroup", {"GroupName": "drained", "Description": "d"}, endpoint=url,
        credentials=Credentials(FAKE_ENV["AWS_ACCESS_KEY_ID"], FAKE_ENV["AWS_SECRET_ACCESS_KEY"]),
        region="us-east-1")
    host = url.removeprefix("http://")
    head = "".join(f"{name}: {value}\r\n" for name, value in request.headers.items()
                   if name.lower() not in ("host", "content-length"))
    conn = socket.create_connection(_address(url), timeout=10)
    conn.sendall(f"POST / HTTP/1.1\r\nHost: {host}\r\n{head}Content-Length: "
                 f"{len(request.body)}\r\n\r\n".encode() + request.body[:10])
    return conn, request.body[10:]


def _request_bytes(url: str, name: str) -> bytes:
    """A whole signed CreateSecurityGroup for group ``name``, as sent on a connection."""
    from ec2query import Credentials, build_signed_request

    request = build_signed_request(
        "CreateSecurityGroup", {"GroupName": name, "Description": "d"}, endpoint=url,
        credentials=Credentials(FAKE_ENV["AWS_ACCESS_KEY_ID"], FAKE_ENV["AWS_SECRET_ACCESS_KEY"]),
        region="us-east-1")
    return request.to_http()


def _address(url: str) -> tuple[str, int]:
    return "127.0.0.1", int(url.rsplit(":", 1)[1])


def _no_entry(url: str) -> bool:
    """Whether a connection to ``url`` is refused within two seconds."""
    for _ in range(40):
        try:
            socket.create_connection(_address(url), timeout=1).close()
        except ConnectionRefusedError:
            return True
        time.sleep(0.05)
    return False


def _read_all(conn: socket.socket) -> bytes:
    chunks = []
    while chunk := conn.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


def _stopped(process: subprocess.Popen[bytes], timeout: float) -> int:
    try:
        return process.wait(timeout=timeout)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)


@pytest.mark.parametrize(("extra", "stop"), [
    ([], signal.SIGTERM), (["--threads", "2"], signal.SIGTERM),
    (["--workers", "2"], signal.SIGTERM), (["--workers", "3"], signal.SIGTERM),
    ([], signal.SIGHUP), (["--workers", "3"], signal.SIGHUP),
], ids=["in-the-loop", "threads", "workers", "workers-and-group", "hup", "hup-group"])
def test_a_stop_answers_the_request_begun_and_closes_idle_connections(tmp_path, extra, stop):
    """SIGTERM dropped a request being received or answered (the client read nothing, the
    change maybe made); now the request begun is answered, with Connection: close, an
    idle keep-alive connection is closed at once, no new connection is accepted, and the
    process exits 0 once nothing is left. SIGHUP (a closed terminal) killed it outright;
    it now stops it the same way."""
    process, url = _serve(tmp_path, *extra)
    try:
        with socket.create_connection(_address(url), timeout=10) as kept:
            kept.sendall(b"GET / HTTP/1.1\r\nHost: h\r\n\r\n")
            first = b""
            while b"</Response>" not in first:  # the head and the body may come apart
                chunk = kept.recv(65536)
                assert chunk, first
                first += chunk
            assert first.startswith(b"HTTP/1.1 403 ")  # answered, kept alive
            begun, rest = _begun(url)
            with begun:
                time.sleep(0.3)  # the headers read
                process.send_signal(stop)
                if extra == ["--workers", "3"]:  # as systemd, `kill -TERM -PGID` and a closed
                    for worker in child_processes(process.pid):  # terminal stop it: the
                        with contextlib.suppress(ProcessLookupError):  # workers too (they
                            os.kill(worker, stop)  # stopped at once on a second); an idle
                            # one may have drained and gone already
                assert kept.recv(65536) == b""  # closed (within the socket's 10 s: at once)
                assert _no_entry(url)
                assert process.poll() is None  # still answering the request begun
                begun.sendall(rest)
                answer = _read_all(begun)
    finally:
        code = _stopped(process, timeout=10)
    assert answer.startswith(b"HTTP/1.1 200 OK\r\n"), answer[:300]
    assert b"\r\nConnection: close\r\n" in answer and b"<groupId>sg-" in answer
    assert code == 0
    log = next(tmp_path.glob("serve-*.log")).read_text()
    assert "stopping: " in log and "Traceback" not in log


def test_a_stop_ends_at_its_grace_and_a_second_signal_ends_it_at_once(tmp_path):
    process, url = _serve(tmp_path, "--grace", "1")
    begun, _ = _begun(url)  # never finished
    with begun:
        time.sleep(0.3)
        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        assert _stopped(process, timeout=10) == 0
        assert 0.9 < time.monotonic() - started < 4
        assert _read_all(begun) == b""
    log = next(tmp_path.glob("serve-*.log")).read_text()
    assert "1 connection(s) closed unfinished" in log and "Traceback" not in log

    process, url = _serve(tmp_path, "--grace", "60", "--workers", "2")
    begun, _ = _begun(url)
    with begun:
        time.sleep(0.3)
        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        time.sleep(0.5)
        assert process.poll() is None  # waiting for the request begun
        process.send_signal(signal.SIGTERM)
        assert _stopped(process, timeout=10) == 0
        assert time.monotonic() - started < 4
    assert "Traceback" not in next(tmp_path.glob("serve-*.log")).read_text()


def test_pipelined_requests_that_arrived_before_a_stop_are_all_answered(tmp_path):
    """The answer written as the stop began closed the connection, and waitress dropped
    the requests pipelined behind it, unanswered."""
    process, url = _serve(tmp_path)
    try:
        begun, rest = _begun(url)
        with begun:
            process.send_signal(signal.SIGSTOP)  # both arrive before the server reads on
            begun.sendall(rest + _request_bytes(url, "pipelined"))
            process.send_signal(signal.SIGTERM)
            process.send_signal(signal.SIGCONT)
            answers = _read_all(begun)
    finally:
        process.send_signal(signal.SIGCONT)
        code = _stopped(process, timeout=10)
    assert answers.count(b"HTTP/1.1 200 OK\r\n") == 2, answers[:600]
    assert answers.count(b"\r\nConnection: close\r\n") == 1 and code == 0


def test_a_request_sent_before_a_stop_to_a_connection_not_yet_accepted_is_answered(tmp_path):
    """Closing the listener at a stop reset the connections waiting in its backlog: a
    client whose whole request was sent before the stop, to a server too busy to have
    accepted it yet (here: stopped with SIGSTOP), got "connection reset" and no answer.
    Now they are accepted first: the request is answered, ``Connection: close``, and the
    quiet connection beside it is closed without a word."""
    process, url = _serve(tmp_path)
    try:
        process.send_signal(signal.SIGSTOP)
        with socket.create_connection(_address(url), timeout=10) as sent, \
                socket.create_connection(_address(url), timeout=10) as quiet:
            sent.sendall(_request_bytes(url, "queued"))
            process.send_signal(signal.SIGTERM)
            process.send_signal(signal.SIGCONT)
            answer, nothing = _read_all(sent), _read_all(quiet)
    finally:
        process.send_signal(signal.SIGCONT)
        code = _stopped(process, timeout=10)
    assert answer.startswith(b"HTTP/1.1 200 OK\r\n"), answer[:300]
    assert b"\r\nConnection: close\r\n" in answer and b"<groupId>sg-" in answer
    assert nothing == b"" and code == 0


def test_a_second_stop_signal_a_moment_later_still_exits_0(tmp_path):
    """A signal that came as the stopped server cleaned up met the handlers put back:
    status -15 (SIGTERM) or -2 (SIGINT), every time with 1 ms between the two."""
    for stop_signal in (signal.SIGTERM, signal.SIGINT):
        process, _ = _serve(tmp_path)
        process.send_signal(stop_signal)
        time.sleep(0.001)
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(stop_signal)
        assert _stopped(process, timeout=10) == 0


@pytest.mark.parametrize("extra", [[], ["--workers", "2"]], ids=["one process", "workers"])
def test_a_stop_signal_ignored_at_start_stays_ignored(tmp_path, extra):
    """``nohup ec2query serve &``: SIGHUP (and, in a shell's background job, SIGINT) is
    ignored when the server starts, and stays so: the server installed its stop handler
    over it, and stopped when its terminal closed. SIGTERM still stops it."""
    import boto3

    process, url = _serve(tmp_path, *extra, ignored=(signal.SIGHUP, signal.SIGINT))
    try:
        process.send_signal(signal.SIGHUP)
        process.send_signal(signal.SIGINT)
        time.sleep(1.5)  # a stop would have closed the listener at its next turn by now
        assert process.poll() is None
        client = boto3.client("ec2", endpoint_url=url, region_name="us-east-1",
                              aws_access_key_id=FAKE_ENV["AWS_ACCESS_KEY_ID"],
                              aws_secret_access_key=FAKE_ENV["AWS_SECRET_ACCESS_KEY"])
        assert client.create_security_group(GroupName="kept", Description="d")["GroupId"]
        process.send_signal(signal.SIGTERM)
    finally:
        code = _stopped(process, timeout=10)
    assert code == 0
    said = (tmp_path / f"serve-{url.rsplit(':', 1)[1]}.log").read_text()
    assert "); SIGTERM stops it\n" in said and "Ctrl-C" not in said, said  # Ctrl-C would not


@pytest.mark.parametrize("extra", [[], ["--workers", "2"]], ids=["one process", "workers"])
def test_sigterm_ignored_at_start_still_stops_the_server_gracefully(tmp_path, extra):
    """SIGTERM is how a service manager stops a server: one ignored by a wrapper is not
    kept ignored (only the terminal's SIGINT and SIGHUP are), or the manager, its stop
    unheeded, would kill the server with its requests under way."""
    process, url = _serve(tmp_path, *extra, ignored=(signal.SIGTERM,))
    log = tmp_path / f"serve-{url.rsplit(':', 1)[1]}.log"
    try:
        # Its start line first: a worker may answer before the other serves, and a stop
        # before the line (every worker serving) ends the start without it.
        deadline = time.monotonic() + 10
        while " stops it\n" not in log.read_text() and time.monotonic() < deadline:
            time.sleep(0.05)
        process.send_signal(signal.SIGTERM)
    finally:
        code = _stopped(process, timeout=10)
    assert code == 0
    said = log.read_text()
    assert "); Ctrl-C stops it\n" in said, said
