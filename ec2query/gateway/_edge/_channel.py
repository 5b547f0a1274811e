"""One client's connection on the edge: answered in the loop or in a thread, its output
sent below the high-water mark, closed with the requests it leaves, lingering after a
refusal."""

from __future__ import annotations

import socket
import time
import weakref

from waitress.channel import ClientDisconnected, HTTPChannel

from ._answers import EdgeErrorTask, EdgeTask
from ._parser import EdgeParser
from ._sockets import _wait_writable

#: After a refusal: how long (seconds) and how much (bytes) of what the client still sends
#: is read and dropped before the socket is closed (see EdgeChannel.handle_close).
_LINGER_SECONDS = 2.0
_LINGER_BYTES = 16 * 1024 * 1024


class EdgeChannel(HTTPChannel):  # type: ignore[misc]
    """waitress' channel, answering in the loop (``threads=0``) and lingering after a
    refusal.

    A refused request may not have been read to its end: a header over the limit, a body
    over ``max_body`` that the client sends anyway, framing that stopped the parser. Closed
    with those bytes unread, the socket sends a reset (seen every time over loopback for a
    66 KB header: ECONNRESET after the answer, where the client expects its end), and a
    reset may erase the answer in the client's buffers before it is read. So, as RFC 9112
    9.6 and the lingering close of Apache and nginx have it, the answer is followed by a
    FIN (``shutdown(SHUT_WR)``) and what the client still sends is read and dropped until
    it closes, for at most :data:`_LINGER_SECONDS` (checked each second, so 2 to 3 s) and
    :data:`_LINGER_BYTES`; a lingering socket still counts against ``connection_limit``.
    """

    parser_class = EdgeParser
    task_class = EdgeTask
    error_task_class = EdgeErrorTask
    linger_after_close = False  # set by EdgeErrorTask: the next close lingers
    linger_until: float | None = None  # lingering: the monotonic deadline of the close
    linger_left = _LINGER_BYTES  # lingering: how much more is read and dropped
    answering = 0  # threads in service() (two, as one hands over to the next: one of them
    # answers the first of ``requests`` and closes it); under ``requests_lock``
    unsendable = False  # a thread's output met a reset or a closed socket: the answer ends
    waiting_on_client = False  # a thread waits for the client to read (_send_below_mark);
    # under ``requests_lock``
    _active_at = 0.0

    @property
    def last_activity(self) -> float:
        """When the channel last read or sent, on the monotonic clock: waitress stamps it
        with the wall clock, which a step backwards (NTP, a VM resumed) would hold in
        the future, and an idle connection open past its deadline."""
        return self._active_at

    @last_activity.setter
    def last_activity(self, _wall_clock: float) -> None:
        self._active_at = time.monotonic()

    def handle_read(self) -> None:
        if self.linger_until is not None:
            self._drain()
            return
        super().handle_read()
        self.server.run_inline()

    def received(self, data: bytes) -> bool:
        """waitress' reading, then the request holding room for its body told which
        channel reads it (:meth:`EdgeParser.stalled` asks it)."""
        done = bool(super().received(data))
        request = self.request
        if request is not None and request.taken and request.channel is None:
            request.channel = weakref.ref(self)
        return done

    def readable(self) -> bool:
        """Whether the loop should read; never once closed: a channel closed while the loop
        lists what to poll (shed, or lingered out, in ``EdgeServer.readable``) is still in
        that list, and its number, polled, may be a connection accepted in the same turn,
        which would take the closed one's POLLNVAL and be closed in turn."""
        if not self.connected:
            return False
        return self.linger_until is not None or bool(super().readable())

    def handle_expt(self) -> None:
        """TCP urgent data, which HTTP has no use for: dropped. Left unread it keeps the
        socket's priority event up, and waitress, logging each one, spun the loop at full
        CPU until the connection closed (15 s idle)."""
        try:
            self.socket.recv(1, socket.MSG_OOB)
        except OSError:
            self._close()  # urgent data that cannot be read: the connection ends

    def handle_close(self) -> None:
        """Close; after a refusal whose answer is out, shut the sending side and linger.
        A request still being read is closed with it (its body's budget given back)."""
        if self.request is not None:
            self.request.close()
        if self.linger_until is None and self.linger_after_close and self.connected and (
                not self.total_outbufs_len):
            try:
                self.socket.shutdown(socket.SHUT_WR)  # the answer, then the FIN
            except OSError:
                pass  # gone already: closed below
            else:
                self.linger_until = time.monotonic() + _LINGER_SECONDS
                return
        self._close()

    def shed(self) -> None:
        """Closed at once, to make room for a new connection (``EdgeServer._shed_one``):
        nothing is being answered on it (at most, a thread waits for its client to read,
        and lets go)."""
        self._close()

    def _close(self) -> None:
        """waitress' close, then the requests it leaves open: the one being read, and those
        waiting behind the one being answered (:meth:`service` closes that one), each
        giving its body's budget back. Left open, their budget was held for good: a
        connection shed at the limit with its headers read kept its body's room, and
        after a few rounds of that every POST was refused with 503."""
        self.connected = False  # first: a thread sending on it stops at its next look
        super().handle_close()
        if self.request is not None:
            self.request.close()
        self._close_waiting()

    def _close_waiting(self) -> None:
        """Close the requests no answer is being made of (see :meth:`_close`)."""
        with self.requests_lock:
            for request in self.requests[1 if self.answering else 0:]:
                request.close()

    def _drain(self) -> None:
        """Lingering: read what came and drop it; closed at the client's end or the limit."""
        try:
            data = self.socket.recv(65536)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        self.linger_left -= len(data)
        if not data or self.linger_left <= 0:
            self._close()

    def service(self) -> None:
        """Answer the channel's requests; in a thread of one of several workers, counted
        while it answers (``EdgeServer.readable`` publishes whether every one is). Closed
        meanwhile, the requests left behind the answer are closed here (waitress leaves
        them, and :meth:`_close` leaves the one being answered to this)."""
        server = self.server
        counted = not server.adj.edge_inline and server.loads is not None
        if counted:
            with server.threads_lock:
                server.threads_answering += 1
        with self.requests_lock:
            self.answering += 1
        try:
            super().service()
        finally:
            with self.requests_lock:
                self.answering -= 1
            if not self.connected:
                self._close_waiting()
            if counted:
                with server.threads_lock:
                    server.threads_answering -= 1

    def writable(self) -> bool:
        """Whether the loop should flush: not while a task runs in a thread. That thread
        sends what it writes itself and wakes the loop when it ends; left to waitress, the
        loop spins on the outbuf lock meanwhile (measured: most of a fast app's served
        time). Answering in the loop, no task runs while the loop waits."""
        if self.linger_until is not None or not self.connected:  # only reading is left
            return False
        pending = self.total_outbufs_len and (self.adj.edge_inline or not self.requests)
        return bool(pending or self.will_close or self.close_when_flushed)

    def write_soon(self, data: bytes) -> int:
        """waitress' write, after sending the output below the high-water mark without
        holding the output lock (:meth:`_send_below_mark`), so that waitress' own wait
        under that lock finds nothing to wait for; a reset met meanwhile ends the answer."""
        if data and not self.adj.edge_inline:
            self._send_below_mark()
            if self.unsendable:
                raise ClientDisconnected
        written: int = super().write_soon(data)
        return written

    def _flush_outbufs_below_high_watermark(self) -> None:
        """Before the next pipelined request is answered, the client's unread output must
        be below waitress' high-water mark. Answering in the loop: send what the socket
        takes and go on (:meth:`EdgeServer.run_inline` holds back the next request of a
        client whose output is over the mark). In a thread: :meth:`_send_below_mark`."""
        if self.adj.edge_inline:
            if self.total_outbufs_len > self.adj.outbuf_high_watermark:
                with self.outbuf_lock:
                    self._flush_exception(self._flush_some, do_close=False)
            return
        self._send_below_mark()

    def _send_below_mark(self) -> None:
        """In an answering thread: send the output until it is below the high-water mark,
        waiting for the socket a second at a time with the output lock free, until the
        connection is closed (:meth:`EdgeServer.maintenance` closes one whose client has
        read nothing for ``idle_timeout``) or the socket fails (a reset: the loop closes
        it). waitress' thread waited, with no deadline, for the loop to send, which this
        channel's loop does not do while a thread answers (:meth:`writable`): N clients
        pipelining large answers held N threads for good. Waiting under the lock (as
        waitress' ``write_soon`` calls this), it held the loop too, at its close of the
        channel; and a reset, which waitress' send takes for "nothing sent", spun the
        thread on a socket that polls as failed at once."""
        mark = self.adj.outbuf_high_watermark
        while self.connected and not self.unsendable and self.total_outbufs_len > mark:
            with self.outbuf_lock:
                _, failed = self._flush_exception(self._flush_some, do_close=False)
            if not failed and self.connected and self.total_outbufs_len > mark:
                with self.requests_lock:  # EdgeServer._shed_one may close it meanwhile
                    self.waiting_on_client = True
                try:
                    failed = not _wait_writable(self.socket, 1.0)
                finally:
                    with self.requests_lock:  # closed by then: seen by the loop's test
                        self.waiting_on_client = False
            if failed and self.connected:
                self.unsendable = self.will_close = True  # the loop closes it
                self.server.pull_trigger()
