"""Servers that tests start on loopback: moto's EC2 server and tiny scripted stubs."""

from __future__ import annotations

import os
import signal
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

FAKE_ENV = {
    "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE",
    "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
    "AWS_DEFAULT_REGION": "us-east-1",
}


@contextmanager
def terminal_signals(*, ignored: tuple[signal.Signals, ...] = ()) -> Iterator[None]:
    """Around starting a child: SIGINT and SIGHUP as at a terminal, but for ``ignored``.
    The child inherits the dispositions (a handler becomes the default at exec; Python
    in it then turns SIGINT into ``KeyboardInterrupt``). A suite started in the
    background by a shell without job control, as a CI runner may be, has SIGINT ignored
    (and under nohup SIGHUP), a child inherits that, and a server or client keeps it
    ignored, as it should: a test's Ctrl-C or hang-up to it would be lost."""
    previous: dict[signal.Signals, Any] = {}
    try:
        for signum, handler in ((signal.SIGINT, signal.default_int_handler),
                                (signal.SIGHUP, signal.SIG_DFL),
                                *((signum, signal.SIG_IGN) for signum in ignored)):
            previous.setdefault(signum, signal.getsignal(signum))
            signal.signal(signum, handler)
        yield
    finally:
        for signum, handler in previous.items():  # None: set outside Python, as default
            signal.signal(signum, signal.SIG_DFL if handler is None else handler)


def child_processes(pid: int) -> set[int]:
    """The pids of ``pid``'s children (Linux: read from ``/proc``)."""
    found = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    fields = stat.read().rpartition(")")[2].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.add(int(entry))
    return found


def alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie does not; Linux: read from ``/proc``)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rpartition(")")[2].split()[0] != "Z"
    except OSError:
        return False


def all_gone(pids: set[int], timeout: float = 5.0) -> bool:
    """Whether every one of ``pids`` has stopped running within ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while any(map(alive, pids)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return not any(map(alive, pids))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def moto_server() -> Iterator[str]:
    """moto's server (all services, EC2 included) on a loopback port, its state fresh (moto
    keeps it in the process between servers); yields its URL."""
    import requests
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        requests.post(f"http://127.0.0.1:{port}/moto-api/reset", timeout=30).raise_for_status()
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@contextmanager
def scripted_server(
    answers: list[tuple[int, bytes]], headers: list[dict[str, str]] | None = None
) -> Iterator[tuple[str, list[bytes]]]:
    """Answer successive POSTs with ``answers`` (status, body); yields (URL, received
    bodies), and appends each request's headers to ``headers`` when given."""
    received: list[bytes] = []
    script = list(answers)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            received.append(self.rfile.read(length))
            if headers is not None:
                headers.append(dict(self.headers.items()))
            status, body = script.pop(0) if script else (500, b"exhausted")
            self.send_response(status)
            self.send_header("Content-Type", "text/xml;charset=UTF-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", received
    finally:
        server.shutdown()
        server.server_close()


def boto_ec2(endpoint: str, credentials: Any, region: str = "us-east-1",
             config: Any = None) -> Any:
    """A boto3 EC2 client (the oracle client) for ``endpoint`` with ec2query Credentials
    (``config``: a botocore ``Config``)."""
    import boto3

    return boto3.client(
        "ec2",
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id=credentials.access_key,
        aws_secret_access_key=credentials.secret_key,
        config=config,
    )


def _read_request(conn: socket.socket) -> bytes:
    """One request's head and body (Content-Length framed), or b"" once the peer closed."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return b""
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = next((int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                   if line.lower().startswith(b"content-length:")), 0)
    while len(body) < length:
        body += conn.recv(65536)
    return head + b"\r\n\r\n" + body


@contextmanager
def raw_server(script: Callable[[socket.socket, bytes], None]) -> Iterator[tuple[str, list[bytes]]]:
    """A loopback server that reads each request and lets ``script`` answer it on the raw
    socket (headers, codings and timing can be anything a peer could send); yields its
    URL and the requests it received, head and body."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    received: list[bytes] = []
    done = threading.Event()

    def serve(conn: socket.socket) -> None:
        with conn, suppress(OSError):
            conn.settimeout(10)
            while not done.is_set():
                request = _read_request(conn)
                if not request:
                    return
                received.append(request)
                script(conn, request)

    def accept() -> None:
        while not done.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            threading.Thread(target=serve, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}", received
    finally:
        done.set()
        thread.join(timeout=5)
        listener.close()


#: A DescribeSecurityGroups answer with no group, as EC2 writes it.
EMPTY_DESCRIBE = (b'<?xml version="1.0" encoding="UTF-8"?>\n<DescribeSecurityGroupsResponse '
                  b'xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r</requestId>'
                  b"<securityGroupInfo/></DescribeSecurityGroupsResponse>")


def http_head(status: str = "200 OK", extra: bytes = b"",
              length: int | None = len(EMPTY_DESCRIBE)) -> bytes:
    """An answer's status line and headers (``Content-Length: length`` unless None)."""
    framing = b"" if length is None else b"Content-Length: %d\r\n" % length
    return (b"HTTP/1.1 " + status.encode() + b"\r\nContent-Type: text/xml;charset=UTF-8\r\n"
            + framing + extra + b"\r\n")


def trickling(where: str) -> Callable[[socket.socket, bytes], None]:
    """A raw_server script sending EMPTY_DESCRIBE a byte every 0.1 s: its header too
    (``where="header"``), or its body alone."""

    def trickle(conn: socket.socket, request: bytes) -> None:
        head = http_head()
        data = head + EMPTY_DESCRIBE
        if where == "body":
            conn.sendall(head)
            data = EMPTY_DESCRIBE
        for byte in data:
            conn.sendall(bytes([byte]))
            time.sleep(0.1)

    return trickle


def lend_netrc(tmp_path: Any, monkeypatch: Any, entry: str) -> None:
    """Make ``entry`` the netrc requests reads (``NETRC``), as a user's ``~/.netrc`` with
    its private mode."""
    netrc = tmp_path / "netrc"
    netrc.write_text(entry + "\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
