"""Connections balanced over forked workers: the shared table, then two served workers."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time

import pytest

from ec2query.gateway._balance import BUSY_AFTER, STALE_AFTER, Loads
from tests.servers import all_gone, child_processes, free_port

# ------------------------------------------------------------------ the table


def _table(*counts: int, now: float = 100.0) -> Loads:
    """Workers started at ``now`` holding ``counts``, their loops turning at ``now``."""
    loads = Loads(len(counts))
    for index, count in enumerate(counts):
        loads.start(index, now)
        loads.publish(index, count, now)
    return loads


def test_a_worker_yields_to_one_that_holds_fewer_and_is_free():
    loads = _table(2, 1)
    assert loads.should_yield(0, now=100.0)
    assert not loads.should_yield(1, now=100.0)


def test_equal_loads_yield_to_nobody():
    loads = _table(4, 4, 4)
    assert not any(loads.should_yield(index, now=100.0) for index in range(3))


def test_a_worker_answering_a_long_request_is_not_waited_for():
    loads = _table(3, 0)
    loads.answering(1, since=100.0)
    assert loads.should_yield(0, now=100.0 + BUSY_AFTER / 2)  # a short answer: wait for it
    assert not loads.should_yield(0, now=100.0 + BUSY_AFTER * 2)  # a long one: accept
    loads.answering(1, 0.0)  # done answering
    assert loads.should_yield(0, now=100.0 + BUSY_AFTER * 2)


def test_a_worker_whose_threads_are_all_answering_yields_to_any_free_one():
    loads = _table(0, 5)
    loads.answering(0, since=100.0)
    assert loads.should_yield(0, now=100.0 + BUSY_AFTER * 2)
    assert not loads.should_yield(1, now=100.0 + BUSY_AFTER * 2)
    loads.answering(1, since=100.0)  # both taken: nobody to yield to
    assert not loads.should_yield(0, now=100.0 + BUSY_AFTER * 2)


def test_a_worker_whose_loop_stopped_turning_is_not_waited_for():
    loads = _table(3, 0)
    assert loads.should_yield(0, now=100.0 + STALE_AFTER / 2)
    assert not loads.should_yield(0, now=100.0 + STALE_AFTER * 2)  # stopped, frozen, starved
    loads.publish(1, 0, 100.0 + STALE_AFTER * 2)  # it turns again
    assert loads.should_yield(0, now=100.0 + STALE_AFTER * 2)


def test_a_worker_gone_or_not_started_is_not_waited_for():
    loads = Loads(2)
    loads.start(0, 100.0)
    loads.publish(0, 5, 100.0)
    assert not loads.should_yield(0, now=100.0)  # worker 1 has not started
    loads.start(1, 100.0)
    assert loads.should_yield(0, now=100.0)
    loads.retire(1)
    assert not loads.should_yield(0, now=100.0)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_the_table_is_shared_with_forked_workers():
    loads = _table(8, 9)
    pid = os.fork()
    if pid == 0:  # the worker publishes; the parent reads it
        loads.publish(1, 7, 100.0)
        os._exit(0)
    os.waitpid(pid, 0)
    assert loads.should_yield(0, now=100.0)
    assert "7.0" in repr(loads)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_worker_that_begins_to_yield_wakes_the_others():
    loads = Loads(3)
    pid = os.fork()
    if pid == 0:  # worker 2, in its own process, leaves the next connections to the others
        loads.wake_others(2)
        loads.wake_others(2)  # woken already: still one pipe each, nothing blocks
        os._exit(0)
    os.waitpid(pid, 0)
    try:
        assert os.read(loads.wake_fd(0), 16) == os.read(loads.wake_fd(1), 16) == b".."
        with pytest.raises(BlockingIOError):
            os.read(loads.wake_fd(2), 16)  # not itself
    finally:
        loads.close()


# ------------------------------------------------------------------ served

_SERVER = textwrap.dedent("""
    import os, signal, sys, time
    from ec2query.gateway import _server

    # Ctrl-C as at a terminal: a shell's background job (CI's) starts with SIGINT ignored
    signal.signal(signal.SIGINT, signal.default_int_handler)

    def app(environ, start_response):  # which worker answered; /slow keeps it answering
        if environ["PATH_INFO"] == "/slow":
            time.sleep(3)
        elif environ["PATH_INFO"] == "/brief":  # a turn of the loop shorter than BUSY_AFTER
            time.sleep(0.004)
        body = str(os.getpid()).encode()
        start_response("200 OK", [("Content-Length", str(len(body)))])
        return [body]

    port, threads, slow_start = map(int, sys.argv[1:])
    make = _server.create_server
    if slow_start > 0:  # each worker takes this long to make its server
        _server.create_server = lambda *a, **k: (time.sleep(slow_start), make(*a, **k))[1]
    elif slow_start < 0:  # worker 1 cannot start (each time it is restarted)
        def create_server(*a, **k):
            if k["worker"] == 1:
                raise OSError("cannot start")
            return make(*a, **k)
        _server.create_server = create_server
    _server.serve(app, port=port, workers=2, threads=threads,
                  ready=lambda port: print(port, flush=True))
""")


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


def _start(port: int, threads: int = 0, slow_start: int = 0) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-c", _SERVER, str(port), str(threads),
                             str(slow_start)], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)


def _serving(port: int, threads: int = 0) -> subprocess.Popen[bytes]:
    """The test server on ``port``, once its ready line (the port) is read."""
    process = _start(port, threads=threads)
    assert process.stdout is not None
    try:
        assert int(process.stdout.readline()) == port
    except BaseException:
        _stop(process)
        raise
    return process


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    process.wait(timeout=10)
    if process.stdout is not None:
        process.stdout.close()


served = pytest.mark.skipif(not sys.platform.startswith("linux"),
                            reason="forks workers and reads them from /proc")


@pytest.fixture(params=[0, 1], ids=["in-loop", "1-thread"])
def two_workers(request):
    port = free_port()
    process = _serving(port, threads=request.param)
    try:
        yield port
    finally:
        _stop(process)


@served
def test_keep_alive_connections_are_spread_over_the_workers(two_workers):
    # Bursts of connections, as a client's pool opens them: left to the kernel, the
    # worker woken first often accepts three or four of them
    for burst in range(3):
        sockets = [socket.create_connection(("127.0.0.1", two_workers), timeout=10)
                   for _ in range(4)]
        time.sleep(0.5)  # accepted while both workers are idle (a busy one is not waited for)
        try:
            pids = [_ask(sock) for sock in sockets]
            assert sorted(pids.count(pid) for pid in set(pids)) == [2, 2], (burst, pids)
        finally:
            for sock in sockets:
                sock.close()
        time.sleep(1)  # the workers see the connections close and publish it (loaded CI too)


@served
@pytest.mark.parametrize("how", ["answering", "stopped"])
def test_a_worker_stuck_does_not_hold_new_connections_back(two_workers, how):
    first = [socket.create_connection(("127.0.0.1", two_workers), timeout=10)
             for _ in range(3)]
    late = None
    lighter = 0
    try:
        pids = [_ask(sock) for sock in first]
        # the worker holding one connection is kept from answering (a 3 s request in
        # its loop or its only thread, or SIGSTOP): the other, holding two, would leave
        # it the next connection if it waited for it
        lighter = next(pid for pid in pids if pids.count(pid) == 1)
        if how == "answering":
            first[pids.index(lighter)].sendall(b"GET /slow HTTP/1.1\r\nHost: h\r\n\r\n")
        else:
            os.kill(lighter, signal.SIGSTOP)
        time.sleep(0.3)
        started = time.monotonic()
        late = socket.create_connection(("127.0.0.1", two_workers), timeout=10)
        answered_by = _ask(late)
        assert time.monotonic() - started < 1.5
        assert answered_by != lighter
    finally:
        if how == "stopped" and lighter:
            os.kill(lighter, signal.SIGCONT)
        for sock in [*first, *([late] if late else [])]:
            sock.close()


@served
def test_a_worker_answering_pipelined_requests_back_to_back_is_busy_between_its_turns(
        two_workers):
    """The worker holding one connection is kept answering 500 pipelined requests of 4 ms
    each (2 s), one a turn: in the loop, its "answering" mark was cleared after every
    turn, so it was seen free, and, holding fewer connections, given the next one."""
    first = [socket.create_connection(("127.0.0.1", two_workers), timeout=10)
             for _ in range(3)]
    late = None
    try:
        pids = [_ask(sock) for sock in first]
        lighter = next(pid for pid in pids if pids.count(pid) == 1)
        first[pids.index(lighter)].sendall(b"GET /brief HTTP/1.1\r\nHost: h\r\n\r\n" * 500)
        time.sleep(0.3)
        late = socket.create_connection(("127.0.0.1", two_workers), timeout=10)
        assert _ask(late) != lighter
    finally:
        for sock in [*first, *([late] if late else [])]:
            sock.close()


@served
def test_ready_waits_for_every_worker_and_a_stop_meanwhile_leaves_nothing_behind():
    port = free_port()
    process = _start(port, slow_start=5)
    try:
        deadline = time.monotonic() + 20
        children: set[int] = set()
        while len(children) < 2 and time.monotonic() < deadline:  # forked, making servers
            time.sleep(0.05)
            children = child_processes(process.pid)
        assert len(children) == 2
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
        assert process.stdout is not None
        assert process.stdout.read() == b""  # no ready line: nothing was to serve
        assert all_gone(children)
    finally:
        if process.poll() is None:
            _stop(process)
        elif process.stdout is not None:
            process.stdout.close()


@served
def test_ready_comes_once_both_workers_serve():
    port = free_port()
    started = time.monotonic()
    process = _start(port, slow_start=1)
    try:
        assert process.stdout is not None
        assert int(process.stdout.readline()) == port
        assert time.monotonic() - started >= 1
        sockets = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(2)]
        try:  # both serve at once: the two connections are the two workers'
            assert len({_ask(sock) for sock in sockets}) == 2
        finally:
            for sock in sockets:
                sock.close()
    finally:
        _stop(process)


@served
def test_ready_does_not_wait_for_a_worker_that_cannot_start():
    port = free_port()
    started = time.monotonic()
    process = _start(port, slow_start=-1)
    try:
        assert process.stdout is not None
        assert int(process.stdout.readline()) == port
        assert time.monotonic() - started < 10  # not the 30 s a missing worker could cost
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            assert _ask(sock) in child_processes(process.pid)  # worker 0 serves
    finally:
        _stop(process)


@served
def test_a_burst_of_silent_connections_does_not_keep_a_client_waiting(two_workers):
    # 300 sockets connect and send nothing (a slowloris' first step): each worker, holding
    # more than the other in turn, leaves the next to it; the one yielded to is woken at
    # once, so the backlog drains at loop speed and not a few connections per recheck
    silent = []
    try:
        for _ in range(300):
            silent.append(socket.create_connection(("127.0.0.1", two_workers), timeout=10))
        started = time.monotonic()
        with socket.create_connection(("127.0.0.1", two_workers), timeout=10) as sock:
            _ask(sock)
        assert time.monotonic() - started < 2.0
    finally:
        for sock in silent:
            sock.close()


@served
def test_a_stop_ends_a_stopped_worker_too():
    process = _serving(free_port())
    children: set[int] = set()
    try:
        children = child_processes(process.pid)
        assert len(children) == 2
        os.kill(min(children), signal.SIGSTOP)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
        assert all_gone(children)
    finally:
        for pid in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGCONT)
        if process.poll() is None:
            _stop(process)
        elif process.stdout is not None:
            process.stdout.close()


@served
@pytest.mark.parametrize(("stop_with", "after"), [
    (signal.SIGTERM, 0.03), (signal.SIGTERM, 0.06), (signal.SIGTERM, 0.09),
    (signal.SIGINT, 0.05)])
def test_a_stop_while_a_dead_worker_is_replaced_ends_every_worker(stop_with, after):
    """A stop that came in the pause before a dead worker's successor was forked: the
    successor was forked all the same, and no one told it to stop. It served on, and the
    parent waited on it for good (SIGINT: a KeyboardInterrupt traceback from the pause)."""
    process = _serving(free_port())
    seen: set[int] = set()
    try:
        seen = child_processes(process.pid)
        os.kill(min(seen), signal.SIGKILL)
        time.sleep(after)  # within the 0.1 s pause before the successor
        seen |= child_processes(process.pid)
        process.send_signal(stop_with)
        assert process.wait(timeout=10) == 0
        assert all_gone(seen | child_processes(process.pid))
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
        for pid in seen:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        if process.stdout is not None:
            process.stdout.close()
