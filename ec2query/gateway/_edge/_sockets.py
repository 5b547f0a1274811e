"""What poll and a peek say of a socket, at once or within a bound, without reading it:
whether a client waits in a listener's backlog, whether a byte waits unread, whether a
socket takes more output or has failed."""

from __future__ import annotations

import select
import socket


def _pending(listener: socket.socket) -> bool:
    """Whether a client waits in ``listener``'s backlog (a connection to accept)."""
    waiting = select.poll()
    waiting.register(listener, select.POLLIN)
    return bool(waiting.poll(0))


def _waiting(sock: socket.socket | None) -> bool:
    """Whether a byte waits unread in ``sock`` (not if it has ended, been reset or closed)."""
    if sock is None:
        return False
    try:
        return bool(sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT))
    except OSError:  # nothing has arrived (it would block), or reset
        return False


def _wait_writable(sock: socket.socket | None, seconds: float) -> bool:
    """Wait up to ``seconds`` for ``sock`` to take more output: False if it has failed
    (reset, hung up) or is closed, else True (writable, or not yet)."""
    flags = _output_flags(sock, seconds)
    return flags is not None and not flags & _FAILED


def _full(sock: socket.socket | None) -> bool:
    """Whether ``sock`` takes no more output now (its send buffer is full: the client
    reads nothing), or has failed or been closed."""
    flags = _output_flags(sock, 0.0)
    return flags is None or not flags & select.POLLOUT or bool(flags & _FAILED)


#: What poll says of a socket that has failed (reset, hung up) or whose number is stale.
_FAILED = select.POLLERR | select.POLLHUP | select.POLLNVAL


def _output_flags(sock: socket.socket | None, seconds: float) -> int | None:
    """The poll flags of ``sock`` for output after waiting up to ``seconds`` (0: none
    yet), or None if it is closed (meanwhile, by the loop)."""
    if sock is None:
        return None
    try:
        waiting = select.poll()
        waiting.register(sock, select.POLLOUT)
        events = waiting.poll(seconds * 1000)
    except (OSError, ValueError):
        return None
    flags = 0
    for _, found in events:
        flags |= found
    return flags
