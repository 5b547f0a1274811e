"""Connections balanced over forked workers: the shared table, then two served workers."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import textwrap
import time

import pytest

from ec2query.gateway._balance import BUSY_AFTER, Loads

# ------------------------------------------------------------------ the table


def test_a_worker_yields_to_one_that_holds_fewer_and_is_free():
    loads = Loads(2)
    loads.start(0), loads.start(1)
    loads.publish(0, 2), loads.publish(1, 1)
    assert loads.should_yield(0)
    assert not loads.should_yield(1)


def test_equal_loads_yield_to_nobody():
    loads = Loads(3)
    for index in range(3):
        loads.start(index)
        loads.publish(index, 4)
    assert not any(loads.should_yield(index) for index in range(3))


def test_a_worker_answering_a_long_request_is_not_waited_for():
    loads = Loads(2)
    loads.start(0), loads.start(1)
    loads.publish(0, 3), loads.publish(1, 0)
    loads.answering(1, since=100.0)
    assert loads.should_yield(0, now=100.0 + BUSY_AFTER / 2)  # a short answer: wait for it
    assert not loads.should_yield(0, now=100.0 + BUSY_AFTER * 2)  # a long one: accept
    loads.answering(1, 0.0)  # done answering
    assert loads.should_yield(0, now=200.0)


def test_a_worker_gone_or_not_started_is_not_waited_for():
    loads = Loads(2)
    loads.start(0)
    loads.publish(0, 5)
    assert not loads.should_yield(0)  # worker 1 has not started
    loads.start(1)
    assert loads.should_yield(0)
    loads.retire(1)
    assert not loads.should_yield(0)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_the_table_is_shared_with_forked_workers():
    loads = Loads(2)
    loads.start(0)
    pid = os.fork()
    if pid == 0:  # the worker publishes; the parent reads it
        loads.start(1)
        loads.publish(1, 7)
        os._exit(0)
    os.waitpid(pid, 0)
    loads.publish(0, 8)
    assert loads.should_yield(0)
    assert "7.0" in repr(loads)


# ------------------------------------------------------------------ served

_SERVER = textwrap.dedent("""
    import os, sys, time
    from ec2query.gateway._server import serve

    def app(environ, start_response):  # which worker answered; /slow keeps it answering
        if environ["PATH_INFO"] == "/slow":
            time.sleep(3)
        body = str(os.getpid()).encode()
        start_response("200 OK", [("Content-Length", str(len(body)))])
        return [body]

    serve(app, port=int(sys.argv[1]), workers=2, ready=lambda port: print(port, flush=True))
""")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _ask(sock: socket.socket, path: str = "/") -> int:
    """One keep-alive request on ``sock``: the pid of the worker that answered."""
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: h\r\n\r\n".encode())
    data = b""
    while b"\r\n\r\n" not in data:
        data += sock.recv(4096)
    head, _, body = data.partition(b"\r\n\r\n")
    length = int(next(line.split(b":")[1] for line in head.split(b"\r\n")
                      if line.lower().startswith(b"content-length")))
    while len(body) < length:
        body += sock.recv(4096)
    return int(body)


@pytest.fixture
def two_workers():
    port = _free_port()
    process = subprocess.Popen([sys.executable, "-c", _SERVER, str(port)],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        assert process.stdout is not None
        assert int(process.stdout.readline()) == port
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="--workers needs os.fork")
def test_keep_alive_connections_are_spread_over_the_workers(two_workers):
    # Bursts of connections, as a client's pool opens them: left to the kernel, the
    # worker woken first often accepts three or four of them
    for _ in range(3):
        sockets = [socket.create_connection(("127.0.0.1", two_workers), timeout=10)
                   for _ in range(4)]
        try:
            pids = [_ask(sock) for sock in sockets]
            assert sorted(pids.count(pid) for pid in set(pids)) == [2, 2], pids
        finally:
            for sock in sockets:
                sock.close()
        time.sleep(0.2)  # the workers see the connections close


@pytest.mark.skipif(not hasattr(os, "fork"), reason="--workers needs os.fork")
def test_a_worker_stuck_answering_does_not_hold_new_connections_back(two_workers):
    first = [socket.create_connection(("127.0.0.1", two_workers), timeout=10)
             for _ in range(3)]
    late = None
    try:
        pids = [_ask(sock) for sock in first]
        # the worker holding one connection is made to answer for 3 s: the other, holding
        # two, would leave it the next connection if it waited for it
        lighter = next(pid for pid in pids if pids.count(pid) == 1)
        slow = first[pids.index(lighter)]
        slow.sendall(b"GET /slow HTTP/1.1\r\nHost: h\r\n\r\n")
        time.sleep(0.3)
        started = time.monotonic()
        late = socket.create_connection(("127.0.0.1", two_workers), timeout=10)
        answered_by = _ask(late)
        assert time.monotonic() - started < 1.5
        assert answered_by != lighter
    finally:
        for sock in [*first, *([late] if late else [])]:
            sock.close()
