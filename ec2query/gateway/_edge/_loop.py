"""The edge's server and its event loop: requests answered in the loop's own thread or
handed to threads, the deadlines kept each second, the connection limit and who is shed
at it, the balance between workers, and the stop."""

from __future__ import annotations

import contextlib
import errno
import math
import threading
import time
from collections.abc import Callable
from typing import Any

from waitress import wasyncore
from waitress.server import TcpWSGIServer
from waitress.utilities import Error

from .._app import log as _log  # the gateway's logger
from .._balance import Loads
from ._answers import _overloaded, _Timeout
from ._channel import EdgeChannel
from ._sockets import _full, _pending, _waiting

#: At the connection limit, how long (seconds) a connection must have waited for its
#: request before it may be closed to let a new client in (EdgeServer._shed_one).
_SHED_AFTER = 1.0

#: Stopping, how long (seconds) a connection must have been quiet before it is closed as
#: idle: a client sending its next request as the last answer arrives is answered too
#: (closed at once, that request met a closed connection, unanswered).
_STOP_IDLE = 0.5

#: accept's failures for want of descriptors or memory, and how long (seconds) the edge
#: waits before it accepts again.
_OUT_OF_DESCRIPTORS = frozenset({errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM})
_ACCEPT_PAUSE = 0.1


class EdgeServer(TcpWSGIServer):  # type: ignore[misc]
    """waitress' TCP server with the edge's channel and its request deadlines; with
    ``loads``, worker ``worker`` of several sharing the listening socket."""

    channel_class = EdgeChannel
    in_connection_overflow = False  # waitress' own default, declared for the type checker
    accepting: bool  # wasyncore's, declared for the type checker

    def __init__(self, *args: Any, loads: Loads | None = None, worker: int = 0,
                 **kwargs: Any) -> None:
        self.inline: list[Any] = []  # channels with a request to answer in the loop's thread
        self.loads, self.worker = loads, worker
        self.taken_since = 0.0  # with threads: since when every thread has been answering
        self.threads_answering = 0  # with threads: how many are answering (EdgeChannel)
        self.threads_lock = threading.Lock()
        self.yielding = False  # leaving new connections to another worker (readable)
        self.woken = False  # run_inline has pulled the trigger in this turn of the loop
        self.answering_since = 0.0  # in the loop, with workers: since when (run_inline)
        self.next_maintenance = 0.0  # monotonic: when readable runs maintenance next
        self.accept_after = 0.0  # monotonic: out of descriptors, no accept before then
        self.stop_by: float | None = None  # stopping (drain): the monotonic deadline
        super().__init__(*args, **kwargs)
        self.next_channel_cleanup = math.inf  # waitress' schedule, on the wall clock: unused
        if loads is not None:
            loads.start(worker)
            _Wake(loads.wake_fd(worker), self._map)

    def add_task(self, channel: Any) -> None:
        """Hand the channel's next request to a thread, or with ``threads=0`` keep it for
        :meth:`run_inline`, once the parser has let go of the channel's lock."""
        if self.adj.edge_inline:
            self.inline.append(channel)
        else:
            super().add_task(channel)

    def run_inline(self) -> None:
        """Answer, in the loop's own thread, one request of each channel :meth:`add_task`
        kept, in turn. A channel's pipelined requests come back through ``add_task`` as
        each one ends, for the next turn, which comes at once (the trigger wakes the loop's
        poll): the loop reads and accepts between turns. It answered a channel's pipelined
        requests back to back, so two clients pipelining 20 large describes each held every
        other client for as long as 40 answers took. A client that does not read its
        answers has its next request held back until the loop has sent its output below
        the high-water mark (``_edge._UNSENT_MARK``). With workers, the loop counts as answering
        (``Loads.answering``) from the first of a spell of turns until a turn leaves no
        request it can answer: cleared after every turn, a worker answering pipelined
        requests back to back was seen idle between its turns, and given new connections."""
        if not self.inline:
            return
        if self.loads is not None and not self.answering_since:
            self.answering_since = time.monotonic()
            self.loads.answering(self.worker, self.answering_since)
        turn, self.inline = self.inline, []
        held = []
        try:
            while turn:
                channel = turn.pop(0)
                if _held(channel):
                    held.append(channel)
                else:
                    _guarded(channel, _answer_inline, channel)
        finally:
            self.inline[:0] = held + turn
            left = not all(_held(channel) for channel in self.inline)
            if self.loads is not None and not left:
                self.answering_since = 0.0
                self.loads.answering(self.worker, 0.0)
            if not self.woken and left:
                self.woken = True  # a next turn is due: the poll must not wait (once a turn:
                with contextlib.suppress(OSError):  # each read that left work wrote a
                    self.trigger.pull_trigger()  # byte); a trigger closed with the server

    def pull_trigger(self) -> None:
        """Wake the loop from a task's thread; answering in the loop, it is awake."""
        if not self.adj.edge_inline:
            super().pull_trigger()

    def readable(self) -> bool:
        """Whether the loop should accept: once per turn, after the requests held back
        above are answered, unless another worker holds fewer connections (``_balance``).
        Each ``cleanup_interval`` it runs :meth:`maintenance`, on the monotonic clock: on
        waitress' wall-clock schedule a step backwards stopped every deadline for as long
        as the step."""
        moment = time.monotonic()
        self.woken = False  # a new turn: its poll reads every byte the last one wrote
        if moment >= self.next_maintenance:
            self.next_maintenance = moment + self.adj.cleanup_interval
            self.maintenance(moment)
        self.run_inline()
        if self.stop_by is not None:
            self._drain_turn(moment, self.stop_by)
            return False
        readable = self._room(moment)
        loads = self.loads
        if loads is None:
            return readable
        now = time.monotonic()
        loads.publish(self.worker, len(self.active_channels), now)
        if not self.adj.edge_inline:  # answering in threads: busy while every one is taken
            taken = self.threads_answering >= self.adj.threads
            if taken != bool(self.taken_since):
                self.taken_since = now if taken else 0.0
                loads.answering(self.worker, self.taken_since)
        yielding = loads.should_yield(self.worker, now)
        if yielding and not self.yielding:  # the one yielded to may be asleep: wake it
            loads.wake_others(self.worker)
        self.yielding = yielding
        return readable and not yielding

    def run(self) -> None:
        """waitress' loop, until it ends (:meth:`drain`: the threads, idle or past the
        deadline, get a second to end) or a ``KeyboardInterrupt`` (a second stop signal)
        ends it at once: waitress then waited up to 5 s for the threads still answering;
        none is waited for now (they end with the process)."""
        try:
            self.asyncore.loop(timeout=self.adj.asyncore_loop_timeout, map=self._map,
                               use_poll=self.adj.asyncore_use_poll)
        except (SystemExit, KeyboardInterrupt):
            return
        with contextlib.suppress(KeyboardInterrupt):  # a second stop, while they end
            self.task_dispatcher.shutdown(timeout=1)

    def drain(self, grace: float) -> None:
        """Stop, gracefully, within ``grace`` seconds: accept no more connections, answer
        the requests already begun and those pipelined behind them (the last with
        ``Connection: close``), close each connection once it is idle and has been quiet
        for :data:`_STOP_IDLE`, and end :meth:`run` once none is left or at the deadline,
        closing what is still open then. Safe from a signal handler (it only
        marks the server and wakes its loop; the loop does the rest, in its own turn, so
        an answer under way in the loop's thread is never cut short)."""
        if self.stop_by is None:
            self.stop_by = time.monotonic() + max(grace, 0.0)
            with contextlib.suppress(OSError):  # the trigger's pipe, written without its lock
                self.trigger._physical_pull()

    def _drain_turn(self, moment: float, stop_by: float) -> None:
        """One turn of a stop (:meth:`drain`). The listening socket is closed first (its
        place in the loop's map stays until the end: nothing is accepted meanwhile that
        could take its number). A connection is idle when nothing is being read, answered
        or sent on it and no byte of a next request waits in its socket; a lingering one is
        left to its own (shorter) bound."""
        if self.accepting:  # the first turn
            self._accept_backlog()
            self.accepting = False
            with contextlib.suppress(OSError):
                self.socket.close()
            busy = sum(1 for channel in self.active_channels.values()
                       if channel.linger_until is None and not _idle(channel))
            _log.info("stopping: %d request(s) being received or answered get %.0f s to "
                      "finish", busy, max(stop_by - moment, 0.0))
        quiet_since = moment - _STOP_IDLE
        for channel in list(self.active_channels.values()):
            if (channel.linger_until is None and channel.last_activity < quiet_since
                    and _idle(channel)):
                channel.handle_close()
        left = list(self.active_channels.values())
        if left and moment < stop_by:
            return
        if left:
            _log.warning("stopped: %d connection(s) closed unfinished at the deadline",
                         len(left))
        for dispatcher in list(self._map.values()):  # the map emptied, the loop ends
            dispatcher.close()

    def _accept_backlog(self) -> None:
        """Stopping, before the listener closes: accept the connections waiting in its
        backlog (up to the connection limit), so that what they sent is answered as on an
        open connection and the quiet ones are closed as idle. Closing the listener reset
        them: a client that had sent a whole request before the stop, to a server too busy
        to have accepted it yet, got "connection reset" and no answer."""
        while (len(self.active_channels) < self.adj.connection_limit
               and time.monotonic() >= self.accept_after and _pending(self.socket)):
            accepted = len(self.active_channels)
            self.handle_accept()
            if len(self.active_channels) == accepted:  # another worker took it, or it failed
                return

    def maintenance(self, moment: float) -> None:
        """Each second (``moment``: the monotonic clock's): a request being read is held to
        its own deadlines, and a connection with none is closed once idle for
        ``channel_timeout`` (waitress' own rule, which would also close a request whose body
        stopped coming before its deadline answers it, as the defaults' order, body 20 s
        after idle 15 s, would have it). A defect met in one connection's upkeep closes
        that connection, logged, not the server (:func:`_guarded`)."""
        for channel in list(self.active_channels.values()):
            _guarded(channel, self._upkeep, channel, moment)
        self.run_inline()

    def _upkeep(self, channel: Any, moment: float) -> None:
        """:meth:`maintenance` of one connection."""
        if channel.linger_until is not None:
            if moment > channel.linger_until:
                channel.handle_close()  # lingered long enough: closed now
            return
        idle_since = moment - self.adj.channel_timeout
        if channel.total_outbufs_len and channel.last_activity < idle_since:
            # answers the client has read nothing of for channel_timeout: closed (a
            # thread waiting to send more is let go), or it was held for good
            channel.handle_close()
            return
        if channel.will_close:
            return
        request = channel.request
        if request is not None and not request.completed:
            age = moment - request.started
            if not request.headers_finished:
                if age > self.adj.edge_header_timeout:
                    channel.will_close = True  # not yet a request: nothing to answer
            elif age > self.adj.edge_body_timeout:
                self._time_out(channel, request)
            elif request.evicted:
                self._time_out(channel, request, _overloaded())
        elif not channel.requests and channel.last_activity < idle_since:
            channel.will_close = True

    def _room(self, moment: float) -> bool:
        """Whether there is room to accept a connection (waitress' ``readable``, whose
        maintenance schedule the edge keeps itself, and whose log lines come once per
        spell at the limit, not for every connection let in by :meth:`_shed_one`). The
        connections counted are the clients' (waitress counted its listener and wake-up
        pipe too, so a limit of 10 let in 8)."""
        if not self.accepting or moment < self.accept_after:
            return False
        full = len(self.active_channels) >= self.adj.connection_limit
        shed = full and self._shed_one(moment)
        if full and not self.in_connection_overflow:
            self.in_connection_overflow = True
            self.logger.warning("total open connections reached the connection limit: a "
                                "new one is let in by closing the one waiting longest")
        elif not full and self.in_connection_overflow:
            self.in_connection_overflow = False
            self.logger.info("total open connections dropped below the connection limit")
        return not full or shed

    def accept(self) -> Any:
        """A connection from the backlog, or None. Out of descriptors (or kernel memory),
        ``accept`` fails and leaves the client in the backlog, so the listener stays
        readable: waitress logged the failure and polled again at once, at full CPU. The
        edge says so once a spell, and stops accepting for :data:`_ACCEPT_PAUSE` seconds."""
        try:
            accepted = super().accept()
        except OSError as exc:
            if exc.errno not in _OUT_OF_DESCRIPTORS:
                raise
            if not self.accept_after:
                self.logger.warning("accept failed (%s): new connections wait until "
                                    "descriptors are free", exc.strerror)
            self.accept_after = time.monotonic() + _ACCEPT_PAUSE
            return None
        if accepted is not None and self.accept_after:
            self.accept_after = 0.0
            self.logger.info("accepting connections again")
        return accepted

    def _shed_one(self, moment: float) -> bool:
        """At ``connection_limit``, with a client waiting in the listen backlog: close the
        connection that has waited longest for its request (a lingering one first, then by
        when its partial request began or it went idle), if that was over
        :data:`_SHED_AFTER` seconds ago; failing that, of the connections holding unsent
        answers that their socket takes no more of (the client reads nothing), the one
        that has sent nothing for longest, if that was over :data:`_SHED_AFTER` seconds
        ago (the answers are dropped: its requests were answered, their changes made). One
        being answered is never closed, except one whose thread waits for its client to
        read (it lets go, as at the idle deadline). Without this, as many
        slow sockets as the limit kept every new client waiting until their header or idle
        deadline (seen: 10 s, with 1000 sockets), and as many clients reading a byte of
        their answers a little more often than the idle deadline kept them waiting for good."""
        if not _pending(self.socket):
            return False
        oldest, victim = moment - _SHED_AFTER, None
        slowest, reader = oldest, None  # of the connections holding unsent output
        for channel in self.active_channels.values():
            if channel.linger_until is not None:
                victim = channel
                break
            if _answering(channel) or channel.will_close or channel.close_when_flushed:
                continue
            if channel.total_outbufs_len:  # and the requests that wait behind it, if any
                if _unread_since(channel, slowest):
                    slowest, reader = channel.last_activity, channel
                continue
            if channel.requests:  # to be answered: in this turn, or by a thread
                continue
            request = channel.request
            since = request.started if request is not None else channel.last_activity
            if since < oldest:
                oldest, victim = since, channel
        if victim is None and reader is not None:
            with reader.requests_lock:  # as a waiting thread ends its wait, or after it
                if _answering(reader) or not _unread_since(reader, moment - _SHED_AFTER):
                    return False  # its client read meanwhile: the thread sends on
                reader.connected = False  # the thread, done waiting, sees it closed
            victim = reader
        if victim is None:
            return False
        victim.shed()
        return True

    @staticmethod
    def _time_out(channel: Any, request: Any, error: Error | None = None) -> None:
        """Answer a request whose body did not arrive in time (or ``error``), as waitress
        answers a refusal it found while parsing (this runs in the loop's thread, as
        parsing does)."""
        with channel.requests_lock:
            request.error = error or _Timeout(
                "The request body was not received within the time limit")
            request.completed = True
            channel.request = None
            channel.requests.append(request)
            if len(channel.requests) == 1:
                channel.server.add_task(channel)


def _answering(channel: Any) -> bool:
    """Whether a thread answers ``channel`` now, other than by waiting for its client to
    read (``EdgeServer._shed_one`` may close it then)."""
    return bool(channel.answering and not channel.waiting_on_client)


def _unread_since(channel: Any, moment: float) -> bool:
    """Whether ``channel`` has sent nothing since ``moment`` and its socket takes no more
    output: its client reads none of the answers waiting for it."""
    return bool(channel.last_activity < moment and _full(channel.socket))


def _held(channel: Any) -> bool:
    """Whether ``channel``'s next request waits (:meth:`EdgeServer.run_inline`): its client
    has not read its output down to the high-water mark (``_edge._UNSENT_MARK``)."""
    return bool(channel.connected
                and channel.total_outbufs_len > channel.adj.outbuf_high_watermark)


def _answer_inline(channel: Any) -> None:
    """Answer ``channel``'s next request in the loop's thread, and send the whole answer
    in one send, now (:meth:`EdgeServer.run_inline`)."""
    channel.service()
    if channel.total_outbufs_len:
        channel.handle_write()


def _guarded(channel: Any, step: Callable[..., None], *args: Any) -> None:
    """``step(*args)``, the loop's own work on ``channel``; a defect met there (an
    exception: the application's are waitress' to answer, with a 500) is logged with its
    traceback and closes that connection. It escaped the loop's ``readable``, and the
    loop, and the server, ended with it."""
    try:
        step(*args)
    except Exception:
        _log.exception("a defect in the server's own work on a connection: it is closed")
        with contextlib.suppress(Exception):
            channel._close()


def _idle(channel: Any) -> bool:
    """Whether a stop may close ``channel`` now: no request in it is being read,
    answered or sent, and no byte of a next one has arrived unread."""
    if (channel.request is not None or channel.requests or channel.total_outbufs_len
            or not channel.connected):
        return False
    return not _waiting(channel.socket)


class _Wake(wasyncore.file_dispatcher):  # type: ignore[misc]  # waitress is untyped
    """A worker's wake pipe in its event loop: a byte from another worker that begins to
    leave it new connections makes the loop turn now, not at its next recheck."""

    def writable(self) -> bool:
        return False

    def handle_read(self) -> None:
        with contextlib.suppress(BlockingIOError, InterruptedError):
            self.recv(4096)
