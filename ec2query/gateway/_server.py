"""Serving the gateway on the edge (waitress, bounded: ``_edge``) at a chosen address."""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import logging
import os
import select
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from .._errors import UsageError
from .._limits import STOP_GRACE

__all__ = ["bound_allocator", "create_server", "running", "serve"]


def create_server(
    app: Any, *, host: str = "127.0.0.1", port: int = 8773, threads: int | None = None,
    **options: Any
) -> Any:
    """The edge server for ``app`` (not started); ``port=0`` picks a free port. ``threads``:
    0 answers in the event loop's thread, N hands requests to N threads; by default 0,
    or 8 for an app whose requests wait on the network (it forwards upstream, or its
    backend is a PostgreSQL server).
    ``options``: the edge's bounds (``_limits.EDGE_BOUNDS``), ``sock`` (a listening socket
    to serve), or waitress adjustments."""
    if threads is None:
        networked = getattr(app, "forwarder", None) is not None or getattr(
            getattr(app, "backend", None), "networked", False)
        threads = 8 if networked else 0
    try:
        from ._edge import edge_server
    except ImportError:  # pragma: no cover - depends on the install
        raise UsageError(
            "ec2query serve needs waitress: python -m pip install 'ec2query[serve]'"
        ) from None
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    if "sock" in options:  # listening already
        return edge_server(app, host=host, port=port, threads=threads, **options)
    _resolve(host, port)
    try:
        return edge_server(app, host=host, port=port, threads=threads, **options)
    except OSError as exc:
        raise _cannot_listen(host, port, exc) from None


def _listen(host: str, port: int) -> socket.socket:
    """A socket listening at ``host:port`` for forked workers to share."""
    _resolve(host, port)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        return socket.create_server((host, port), family=family, backlog=1024)
    except OSError as exc:
        raise _cannot_listen(host, port, exc) from None


def _resolve(host: str, port: int) -> None:
    """``UsageError`` unless ``host:port`` is an address this host could listen at: a port
    number, a host name that resolves (waitress' own refusal says neither which nor why)."""
    if type(port) is not int or not 0 <= port <= 65535:
        raise UsageError(f"cannot listen on port {port!r}: a port is a number from 0 to 65535")
    try:
        socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except (OSError, ValueError) as exc:  # ValueError: a NUL; UnicodeError: a bad IDNA label
        raise _cannot_listen(host, port, exc) from None


def _cannot_listen(host: str, port: int, exc: Exception) -> UsageError:
    """One line for a failure to listen: where, and the system's reason (``Address already
    in use``, ``Cannot assign requested address``, ``Name or service not known``)."""
    errno = getattr(exc, "errno", None)
    if isinstance(errno, int) and errno > 0:  # the system's words alone: socket.create_server
        reason = os.strerror(errno)  # adds the address again to them
    else:  # getaddrinfo's (a negative errno), or a host name that cannot be encoded
        reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    where = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    return UsageError(f"cannot listen on {where[:128]!r}: {reason}")


@contextmanager
def running(app: Any, *, host: str = "127.0.0.1", port: int = 0, **options: Any) -> Iterator[str]:
    """Serve ``app`` in a background thread for the duration; yields the endpoint URL."""
    server = create_server(app, host=host, port=port, **options)
    thread = threading.Thread(target=server.run, name="ec2query-gateway", daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{server.effective_port}"
    finally:
        # The loop runs while any channel is open (clients' keep-alive ones too): close
        # them all from inside the loop's own thread, where it is safe to.
        def close_all() -> None:
            for channel in list(server._map.values()):
                channel.close()

        try:
            server.trigger.pull_trigger(close_all)
        except OSError:  # the wake-up pipe is gone: the loop has ended; close what is left
            close_all()
        thread.join(timeout=5)
        server.task_dispatcher.shutdown(timeout=1)


def serve(app: Any, *, host: str = "127.0.0.1", port: int = 8773, threads: int | None = None,
          workers: int = 1, ready: Callable[[int], None] | None = None,
          grace: float = STOP_GRACE, **options: Any) -> None:
    """Serve ``app`` until stopped, in this process or in ``workers`` forked ones
    sharing one listening socket (and whatever ``app`` holds: its SQLite file). ``ready``
    is called with the bound port once clients can connect (with workers: once each has
    begun to serve or has exited). New connections go to the worker holding fewest
    (``_balance``). A worker that dies is replaced; the workers stop with the parent,
    however it ends.

    SIGTERM, SIGINT (Ctrl-C) or SIGHUP (its terminal closed; there is nothing to reload)
    stops gracefully: no new connection is accepted, the
    requests begun are answered within ``grace`` seconds (``EdgeServer.drain``), then it
    returns; a second signal stops at once (the workers: SIGKILL). Signals are handled
    only when serving from the main thread, and once it has stopped they stay ignored: the
    process is on its way out (``serve`` is the command's, not a library call). A stop
    signal of a terminal the process started with ignored stays ignored (``nohup``'s
    SIGHUP, the SIGINT of a shell's background job), as Python leaves an ignored SIGINT:
    ``nohup ec2query serve &`` stopped when its terminal closed; SIGTERM stops it even so.
    A second ``serve`` in the same process finds the stop signals ignored (the first
    one's end) and handles none."""
    bound_allocator()
    if workers <= 1:
        server = create_server(app, host=host, port=port, threads=threads, **options)
        handled = threading.current_thread() is threading.main_thread()
        if handled:
            for stop_signal in _STOPS - _inherited_ignored():
                signal.signal(stop_signal, _stopping(server, grace))
        if ready is not None:
            ready(server.effective_port)
        try:
            server.run()
        finally:
            if handled:  # on its way out: a late stop signal is not a traceback or -15
                _ignore_stops()
            server.close()
        return
    if not hasattr(os, "fork"):  # pragma: no cover - Windows
        raise UsageError("--workers needs os.fork (POSIX); use one worker here")
    from ._balance import Loads

    listener = _listen(host, port)
    try:
        loads = Loads(workers)  # shared with every worker: who holds how many connections
    except OSError as exc:  # a pipe each: too many workers for the descriptors allowed
        listener.close()
        raise UsageError(f"cannot start {workers} workers: {exc.strerror or exc}") from None
    children: dict[int, int] = {}  # pid -> the worker's place in loads
    stopping = False

    def start_worker(index: int, pipe: tuple[int, int] | None = None) -> None:
        pid = os.fork()
        if pid == 0:  # the worker: serve until its parent is gone
            code = 0
            try:
                started = None
                if pipe is not None:  # a first worker: it tells the parent when it serves
                    os.close(pipe[0])
                    started = pipe[1]
                _worker(app, listener, os.getppid(), threads,
                        {**options, "loads": loads, "worker": index, "grace": grace},
                        started)
            except BaseException:  # a worker never returns into the parent's code
                code = 1
            finally:
                os._exit(code)
        children[pid] = index

    def stop(signum: int, frame: Any) -> None:
        """Each worker told to stop: to drain (SIGTERM, which a worker may also have been
        sent with its whole process group), or, a second time, at once (SIGKILL: what
        was committed stays, what was not is rolled back); no new connection queued."""
        nonlocal stopping
        again, stopping = stopping, True
        listener.close()  # the workers close theirs as they begin to drain
        for pid in children:
            with contextlib.suppress(ProcessLookupError):
                if again:
                    os.kill(pid, signal.SIGKILL)
                else:
                    os.kill(pid, signal.SIGTERM)
                    os.kill(pid, signal.SIGCONT)  # a stopped worker goes on, to its SIGTERM

    def start_unless_stopping(index: int, pipe: tuple[int, int] | None = None) -> None:
        """Worker ``index``, unless a stop came first. The stop signals wait while it is
        forked, until it is among ``children``, where ``stop`` finds it: a worker forked
        after a stop had signalled the others served on alone, the parent waiting on it."""
        held = signal.pthread_sigmask(signal.SIG_BLOCK, _STOPS)
        try:
            if not stopping:
                start_worker(index, pipe)
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, held)  # a held SIGINT raises here

    for stop_signal in {signal.SIGTERM, signal.SIGHUP} - _inherited_ignored():
        signal.signal(stop_signal, stop)  # SIGINT: a KeyboardInterrupt, unless ignored
    try:
        pipe = os.pipe()  # each first worker writes a byte once it serves
        try:
            for index in range(workers):
                start_unless_stopping(index, pipe)
        except KeyboardInterrupt:
            stop(signal.SIGINT, None)
        os.close(pipe[1])
        try:
            _wait_for(pipe[0], workers)
        except KeyboardInterrupt:
            stop(signal.SIGINT, None)
        if ready is not None and not stopping:
            ready(listener.getsockname()[1])
        while children:
            try:  # a Ctrl-C anywhere in a turn (the wait, the pause, a held one after a
                pid, _ = os.wait()  # fork) stops the workers; the turn is not left midway
                if pid not in children:
                    continue
                index = children.pop(pid)
                loads.retire(index)  # not waited for until its successor has started
                if not stopping:
                    time.sleep(0.1)  # a worker that cannot start must not spin
                    start_unless_stopping(index)
            except KeyboardInterrupt:
                stop(signal.SIGINT, None)
            except ChildProcessError:
                break
    finally:
        _ignore_stops()  # on its way out: a late stop signal is not a traceback or -15
        listener.close()
        loads.close()


def _stopping(server: Any, grace: float, *, again: bool = True) -> Callable[[int, Any], None]:
    """A handler for the stop signals: the first drains ``server`` within ``grace``
    seconds; with ``again``, a second stops it at once (``KeyboardInterrupt``, out of
    ``server.run``), else it changes nothing (a worker's parent stops it at once with
    SIGKILL)."""

    def stop(signum: int, frame: Any) -> None:
        if server.stop_by is None:
            server.drain(grace)
        elif again:
            raise KeyboardInterrupt

    return stop


def _inherited_ignored() -> set[signal.Signals]:
    """The terminal's stop signals (SIGINT, SIGHUP) ignored when this process began to
    serve (before ``serve`` handles any: once stopped, it ignores them all). SIGTERM is
    not among them: it is how a service manager stops a server, and one ignored by a
    wrapper left the manager to kill it, with the requests under way."""
    return {stop_signal for stop_signal in (signal.SIGINT, signal.SIGHUP)
            if signal.getsignal(stop_signal) == signal.SIG_IGN}


def stopped_by() -> str:
    """What stops the server ``serve`` starts now, for its start line: ``Ctrl-C``, or
    ``SIGTERM`` when SIGINT stays ignored (``_inherited_ignored``: a background job)."""
    return "SIGTERM" if signal.SIGINT in _inherited_ignored() else "Ctrl-C"


def _ignore_stops() -> None:
    """The stop signals ignored from now on: the process has stopped serving and is on its
    way out (the handlers put back, a signal a moment later killed it, status -2 or -15,
    or raised from its clean-up)."""
    for stop_signal in _STOPS:
        signal.signal(stop_signal, signal.SIG_IGN)


def _wait_for(waiting: int, workers: int, timeout: float = 30.0) -> None:
    """Until ``workers`` bytes arrive on ``waiting`` (then closed): every worker serves.
    Each first worker closes its end once it has written, or as it exits, so the wait
    also ends when those that could start have written and the rest have exited (they
    are restarted afterwards); only a worker that hangs while starting makes it last
    ``timeout`` seconds."""
    deadline, count = time.monotonic() + timeout, 0
    try:
        while count < workers:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([waiting], [], [], left)[0]:
                return
            data = os.read(waiting, workers)
            if not data:
                return
            count += len(data)
    finally:
        os.close(waiting)


#: The signals that stop the server (the workers' parent holds them back while it forks a
#: successor); SIGHUP killed it outright, dropping every request under way.
_STOPS = {signal.SIGTERM, signal.SIGINT, signal.SIGHUP}


def _worker(app: Any, listener: socket.socket, parent: int, threads: int | None,
            options: dict[str, Any], started: int | None) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent stops the workers (a closed
    signal.signal(signal.SIGHUP, signal.SIG_IGN)  # terminal signals them all: Ctrl-C too)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOPS)  # a successor is forked with them held

    def watch() -> None:  # a parent killed with SIGKILL cannot tell its workers
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(0)

    threading.Thread(target=watch, name="ec2query-parent-watch", daemon=True).start()
    grace = options.pop("grace", STOP_GRACE)
    server = create_server(app, threads=threads, sock=listener, **options)
    signal.signal(signal.SIGTERM, _stopping(server, grace, again=False))  # the parent's
    if started is not None:  # the parent's ready() waits for every first worker
        with contextlib.suppress(OSError):  # a parent that stopped waiting
            os.write(started, b".")
        os.close(started)
    server.run()


def bound_allocator() -> None:
    """Make glibc return large freed blocks to the system at once (``M_MMAP_THRESHOLD``
    fixed at 128 KiB; left dynamic, it rises after the first megabyte body is freed and
    later bodies stay in the heap), so memory falls back after a burst of large requests.
    A no-op where the C library is not glibc."""
    if not sys.platform.startswith("linux"):
        return
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # musl and others: nothing to tune
        return
    mallopt(_M_MMAP_THRESHOLD, 128 * 1024)


_M_MMAP_THRESHOLD = -3  # glibc's malloc.h
