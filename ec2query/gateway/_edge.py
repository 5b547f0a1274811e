"""The HTTP edge: waitress, bounded before the application runs, answering in EC2's XML.

waitress parses HTTP, buffers each request and runs the WSGI app in a thread
pool; left to its defaults it buffers up to 1 GiB of body (spilling to a
temporary file), never times a trickling request out, and answers malformed
framing with ``text/plain``. The edge closes those gaps with five small
subclasses of waitress' own classes, through its extension points
(``channel_class``, ``parser_class``, ``task_class``, ``error_task_class``,
``maintenance``);
waitress is pinned to one major version for them:

- :class:`EdgeParser` refuses, as soon as the headers are read, a
  ``Content-Length`` over the app's ``max_body`` (nothing of the body is read,
  nothing is written to disk: bodies stay in memory below ``max_body``), any
  ``Transfer-Encoding`` (EC2's clients send ``Content-Length``; no chunk
  parser, no chunk-size attack), bare-LF line ends (they would otherwise
  wait for a CRLF that never comes), and two ``Host`` headers or an HTTP/1.1
  request with none (RFC 9112: a proxy in front and the gateway could each take
  another host), and a request line without an HTTP version or of another major
  version than 1 (505), and a request line holding a control character (a raw
  tab, DEL or NUL in the target), a folded header line, whitespace before the request
  line, and a target ``urlsplit`` cannot read; a later HTTP/1 minor version is read as
  HTTP/1.1; it skips the empty lines before a request line itself, keeping the
  request's header deadline and counting them against ``max_header``; it reads a
  ``Content-Length`` of any length by its digits, sends no ``100 Continue`` to a
  request without a body, and notes ``close`` among the ``Connection`` options;
- :class:`EdgeErrorTask` answers every refusal waitress makes (bad
  ``Content-Length``, bad method, NUL or VT in a header, a bare CR, headers
  over ``max_header``) with EC2's XML error document, a request id and
  ``Connection: close``; the connection then lingers (:class:`EdgeChannel`), so that
  the answer reaches a client still sending what was refused;
- :class:`EdgeTask` and :class:`EdgeErrorTask` send each header named as the app
  named it (waitress capitalized ``x-amzn-RequestId``) and no ``Via`` (waitress adds
  one when the app names the server, as EC2's ``Server: AmazonEC2`` does), and close
  the connection after the answer when the request asked for it with ``close``;
- :class:`EdgeServer` times requests out: the headers must arrive within
  ``header_timeout`` seconds of the request's first byte and the body within
  ``body_timeout``; an idle keep-alive connection is closed after
  ``idle_timeout``. A request timed out after its headers gets EC2's XML error
  (``RequestTimeout``, inferred from S3's code for the same case); one timed
  out inside its headers is closed. Connections are watched with ``poll`` so
  that hundreds of slow sockets neither hit ``select``'s descriptor limit nor
  starve the others (``connection_limit``, default 1000); at the limit, a client
  waiting to connect gets the room of the connection that has waited longest for
  its request;
- :class:`EdgeChannel` and :class:`EdgeServer` answer each request in the
  event loop's own thread by default (``threads=0``: no hand-off to a worker
  thread and back), and keep the loop from spinning on a channel's output lock
  while a request is answered in a thread (``threads=N``);
- one of several forked workers sharing a listening socket leaves a new
  connection to a worker that holds fewer (``_balance``).
"""

from __future__ import annotations

import contextlib
import errno
import functools
import math
import re
import select
import socket
import threading
import time
import weakref
from collections.abc import Callable
from typing import Any

from waitress import wasyncore
from waitress.adjustments import Adjustments
from waitress.channel import ClientDisconnected, HTTPChannel
from waitress.parser import HTTPRequestParser, ParsingError
from waitress.server import TcpWSGIServer
from waitress.task import ErrorTask, ThreadedTaskDispatcher, WSGITask
from waitress.utilities import (
    BadRequest,
    Error,
    InternalServerError,
    RequestEntityTooLarge,
    RequestHeaderFieldsTooLarge,
)

from .. import _limits as limits
from .._codec.xml import render_error
from .._errors import OVERLOADED, EC2Error, InternalError, RequestError, ServiceError
from ._app import (
    _XML_TYPE,
    _invalid_http,
    _request_id,
    _status_line,
    _too_large,
    answer_headers,
)
from ._app import log as _log  # the gateway's logger
from ._balance import Loads

__all__ = ["DEFAULTS", "EdgeServer", "edge_server"]

#: The edge's bounds (seconds, bytes, connections), each overridable by ``edge_server``.
DEFAULTS: dict[str, Any] = {
    "header_timeout": 10.0,
    "body_timeout": 20.0,
    "idle_timeout": 15,
    "max_header": 64 * 1024,
    "connection_limit": 1000,
    "max_bodies": 64 * 1024 * 1024,
}

_BARE_LF = re.compile(rb"(?<!\r)\n")
#: Empty lines (CRLF pairs) before a request line.
_CRLFS = re.compile(rb"(?:\r\n)+")
#: The end of a request line naming its HTTP version: major, minor.
_VERSION = re.compile(rb" HTTP/([0-9])\.([0-9])$")
#: What may not begin a request line: whitespace, or a CR that does not end an empty line
#: (waitress stripped them all, so " GET" and "\rGET" were served).
_BEFORE_LINE = re.compile(rb"[ \t\x0b\x0c]|\r[^\n]")
#: The most digits of a Content-Length read as a number; a longer one is over any limit
#: (Python's int() refuses over 4300 digits: waitress let that ValueError through).
_LENGTH_DIGITS = 18
#: A header line continued on the next (obs-fold: CRLF, then a space or a tab).
_FOLD = re.compile(rb"\r\n[ \t]")
#: A control character, which no part of a request line may hold (RFC 9112 3; RFC 3986 2).
_CONTROL = re.compile(rb"[\x00-\x1f\x7f]")
#: The longest a worker that left new connections to another goes without looking again
#: (seconds; the event loop's poll timeout, waitress' is a second).
_YIELD_RECHECK = 0.1
#: Answering in the loop, what a write buffers before it is sent (waitress' former
#: default); a smaller answer goes out whole, in one send, once the app has returned.
_SEND_BYTES = 18000
#: The unsent output past which a client's next pipelined request is held back until it
#: reads (waitress' ``outbuf_high_watermark``): a client that reads nothing holds this and
#: one answer. With waitress' 16 MiB it held the answers to every request of one read
#: (8 KiB of requests; up to 16 MiB, in a temporary file past 1 MiB). A client that
#: reads its answers meets it only on a link slower than they come, and then just waits.
_UNSENT_MARK = 64 * 1024
#: After a refusal: how long (seconds) and how much (bytes) of what the client still sends
#: is read and dropped before the socket is closed (see EdgeChannel.handle_close).
_LINGER_SECONDS = 2.0
_LINGER_BYTES = 16 * 1024 * 1024
#: At the connection limit, how long (seconds) a connection must have waited for its
#: request before it may be closed to let a new client in (EdgeServer._shed_one).
_SHED_AFTER = 1.0
#: At ``max_bodies``, how long (seconds) a body must have received nothing before its
#: room may go to a new request's (_BodyBudget.take).
_STALLED_BODY = 1.0


def _pending(listener: socket.socket) -> bool:
    """Whether a client waits in ``listener``'s backlog (a connection to accept)."""
    waiting = select.poll()
    waiting.register(listener, select.POLLIN)
    return bool(waiting.poll(0))


class _BodyBudget:
    """The bytes of request bodies one server process holds at once, all connections
    together (``max_bodies``): each connection's body is bounded by ``max_body``, but
    1000 connections each holding a body one byte short took 1 GiB. A request's
    ``Content-Length`` is taken from it once its headers are read, and given back when
    the request is done or its connection closes. One that does not fit takes the room of
    bodies that have stopped coming or come too slowly to arrive in time
    (:meth:`EdgeParser.stalled`), longest stalled first (each is then answered 503 by
    :meth:`EdgeServer.maintenance`), as a new connection at the connection limit takes
    the room of the one waiting longest; if they do not free enough, it is refused.
    Without that, 64 sockets each sending the headers of a 1 MiB body and nothing more,
    or a byte of it now and then, had every POST refused for 20 s, again and again."""

    def __init__(self, limit: int) -> None:
        self.limit, self.held = limit, 0
        self._holders: dict[int, EdgeParser] = {}  # by id: the parsers holding room
        self._lock = threading.Lock()  # parsers in the loop, closes in answering threads

    def take(self, parser: EdgeParser, size: int, moment: float) -> bool:
        """Room for ``size`` bytes of ``parser``'s body (its ``taken``), at ``moment``
        (its ``progressed``)."""
        with self._lock:
            if self.held + size > self.limit:
                stalled = sorted((held for held in self._holders.values()
                                  if held.stalled(moment)),
                                 key=lambda held: held.progressed)
                if self.held - sum(held.taken for held in stalled) + size > self.limit:
                    return False
                for victim in stalled:
                    if self.held + size <= self.limit:
                        break
                    self._release(victim)
                    victim.evict()
            self.held += size
            parser.taken, parser.progressed = size, moment
            parser.body_began = moment
            self._holders[id(parser)] = parser
            return True

    def give(self, parser: EdgeParser) -> None:
        """``parser``'s room back, once (its request ended, or its connection closed)."""
        with self._lock:
            self._release(parser)

    def _release(self, parser: EdgeParser) -> None:
        if self._holders.pop(id(parser), None) is not None:
            self.held -= parser.taken
        parser.taken = 0


class _Timeout(Error):  # type: ignore[misc]  # waitress is untyped
    code = 400
    reason = "Bad Request"


class EdgeParser(HTTPRequestParser):  # type: ignore[misc]
    """waitress' request parser with the edge's refusals (see the module docstring)."""

    completed = False  # waitress' own defaults, declared for the type checker
    headers_finished = False
    header_plus = b""
    error: Error | None = None

    refusal: _Refusal | None = None  # set by parse_header: the answer to its ParsingError
    taken = 0  # bytes of the server's _BodyBudget this request holds for its body
    progressed = 0.0  # holding room: when its body last grew (the monotonic clock)
    body_began = 0.0  # holding room: when it took its room (its headers were read)
    evicted = False  # its room taken by another's body, for want of progress: answered 503
    channel: Any = None  # holding room: a weak reference to the channel reading it
    body_rcv: Any = None  # waitress' own default, declared for the type checker
    close_requested = False  # set by parse_header: "close" is one of Connection's options
    blank_bytes = 0  # empty lines read before the request line (CRLF pairs), in bytes

    def __init__(self, adj: Adjustments) -> None:
        super().__init__(adj)
        self.started = time.monotonic()

    def received(self, data: bytes) -> int:
        if self.evicted:  # its room is another's: the rest is read and dropped, and the
            return len(data)  # request answered 503 by the next maintenance
        skipped = 0  # bytes of ``data`` taken as empty lines before the request line
        if self.body_rcv is None and not self.completed and self.header_plus in (b"", b"\r"):
            # RFC 9112 2.2: empty lines before a request line are ignored, here by this
            # parser, which keeps its start (the header deadline) and counts them against
            # max_header. waitress made each pair an empty request and began anew: a
            # trickle of CRLFs met no deadline, and a flood of them held a CPU unbounded.
            text = self.header_plus + data
            blank = _CRLFS.match(text)
            dropped = blank.end() if blank is not None else 0
            if dropped:
                self.blank_bytes += dropped
                if self.blank_bytes >= self.adj.max_request_header_size:
                    self._refuse(RequestHeaderFieldsTooLarge("empty lines over max_header"))
                    return len(data)
                self.header_plus = b""
                rest = text[dropped:]  # a tail of data: a CR held over is in the first pair
                skipped, data = len(data) - len(rest), rest
                if not data:
                    return skipped
            if _BEFORE_LINE.match(self.header_plus + data):  # RFC 9112 2.2, 3
                self._refuse(BadRequest("The request line begins with whitespace or a bare CR"))
                return skipped + len(data)
        if self.body_rcv is None and not self.completed and _bare_lf(self.header_plus, data):
            self._refuse(BadRequest("Bare LF found in HTTP message"))
            return skipped + len(data)
        try:
            consumed: int = super().received(data)
        except Exception:  # a failure of the parser's own: waitress logged it, closed unanswered
            _log.exception("the request could not be parsed")
            self.expect_continue = False
            self._refuse(InternalServerError("the request could not be parsed"))
            return skipped + len(data)
        if isinstance(self.error, RequestEntityTooLarge):
            self.error = _Refusal(_too_large(self.adj.max_request_body_size - 1))
            self.expect_continue = False  # refused before the body: not asked for
        elif self.error is not None and self.refusal is not None:
            self.error = self.refusal
        if self.taken and consumed:
            self.progressed = time.monotonic()
        return skipped + consumed

    def stalled(self, moment: float) -> bool:
        """Whether its body has stopped coming (at ``moment``), or comes too slowly to
        arrive by its deadline: a part of it is still to come, its room was taken over
        :data:`_STALLED_BODY` seconds ago, and either nothing of it has been received for
        that long or, at the rate it has come so far, the rest would not come before its
        body deadline (it would be refused then anyway). Only while its connection is
        being read, with no byte of it waiting unread in the socket: a connection the loop
        does not read meanwhile (a request before it being answered, output unsent) may
        have a client sending all along. The rate is what bounds trickling: bodies sent a
        byte every half second kept the room to their deadline and, reconnecting, for
        good; to hold it now, a client must send its body whole within the deadline."""
        if self.completed or moment - self.body_began < _STALLED_BODY:
            return False
        if self.progressed >= moment - _STALLED_BODY:  # still coming: fast enough?
            body = self.body_rcv
            got = self.taken - getattr(body, "remain", self.taken)  # (a fixed length)
            rate = got / (moment - self.body_began)
            deadline = self.started + self.adj.edge_body_timeout
            if got + rate * max(deadline - moment, 0.0) >= self.taken:
                return False
        channel = self.channel() if self.channel is not None else None
        if channel is None:
            return True
        return bool(channel.readable()) and not _waiting(channel.socket)

    def evict(self) -> None:
        """Its room went to another body: what it holds of its body is freed now (in the
        loop's thread, which alone reads it), the rest is dropped as it comes, and
        :meth:`EdgeServer.maintenance` answers it 503."""
        self.evicted = True
        HTTPRequestParser.close(self)
        self.body_rcv = None

    def _refuse(self, error: Error) -> None:
        """End the request here, answered with ``error`` (as waitress ends one whose
        headers are over ``max_header``: a stand-in request line, then the error)."""
        self.parse_header(b"GET / HTTP/1.0\r\n")
        self.error = error
        self.completed = True
        self.headers_finished = True

    def parse_header(self, header_plus: bytes) -> None:
        # RFC 9110 2.5: a later minor version of HTTP/1 is answered as HTTP/1.1 (waitress
        # would answer it as HTTP/1.0 and close); another major version gets 505.
        first, crlf, rest = header_plus.partition(b"\r\n")
        version = _VERSION.search(first)
        if version is not None and version[1] == b"1" and version[2] > b"1":
            header_plus = first[: version.start()] + b" HTTP/1.1" + crlf + rest
        hosts = 0
        for line in header_plus.split(b"\r\n")[1:]:
            name = line[:18].lower()
            if name == b"transfer-encoding:":
                raise ParsingError("Transfer-Encoding is not supported; send Content-Length")
            hosts += name.startswith(b"host:")
            if name.startswith(b"content-length:") and len(line) > 15 + _LENGTH_DIGITS:
                header_plus = self._long_length(header_plus, line)
        try:
            # RFC 9112 5.2: a server refuses obs-fold or unfolds it. waitress joined the
            # lines as they were (tab included), so a folded Host was one header, and
            # what a proxy in front took from the first line need not be what we read.
            if _FOLD.search(header_plus):
                raise ParsingError("A header line is folded; send each header on one line")
            if _CONTROL.search(first):  # a raw tab, DEL or NUL in the target reached the app
                raise ParsingError("The request line holds a control character")
            try:
                super().parse_header(header_plus)
            except ValueError:  # urlsplit's, of a target like "http://[/" (waitress lets it by)
                raise ParsingError("The request target is not a valid URI") from None
            if version is None:  # waitress takes "GET /" (HTTP/0.9's request line)
                raise ParsingError("The request line has no HTTP version")
            if version[1] != b"1":
                self.refusal = _Refusal(_invalid_http(
                    f"HTTP/{self.version} is not supported; send HTTP/1.1", status=505))
                raise ParsingError(self.refusal.ec2_error.message)
            # RFC 9112 3.2: a request with two Host lines, or one of HTTP/1.1 or later
            # with none, is refused (waitress would join two into "a, b", take none).
            if hosts > 1:
                raise ParsingError("More than one Host header")
            if not hosts and self.version != "1.0":
                raise ParsingError("A Host header is required from HTTP/1.1 on")
        except ParsingError:
            self.expect_continue = False  # refused now: no "100 Continue", no body awaited
            raise
        budget: _BodyBudget | None = getattr(self.adj, "edge_bodies", None)
        body = (self.body_rcv is not None and not self.taken  # (a stand-in parse: taken)
                and 0 < self.content_length < self.adj.max_request_body_size)
        # (one over max_body is refused as too large)
        if (body and budget is not None
                and not budget.take(self, self.content_length, time.monotonic())):
            self.expect_continue = False
            self.refusal = _overloaded()
            self.body_rcv = None  # nothing of it is kept
            raise ParsingError(self.refusal.ec2_error.message)
        if self.body_rcv is None:  # no body to wait for: waitress sent "100 Continue" and
            self.expect_continue = False  # then waited for a body, 20 s, reading on into
            # the next request as if it were this one's rest (RFC 9110 10.1.1)
        # RFC 9112 9.6: "close" among Connection's options closes the connection after the
        # answer (waitress closed only for a value of "close" alone).
        connection = self.headers.get("CONNECTION", "").lower()
        self.close_requested = "close" in connection and "close" in (
            option.strip(" \t") for option in connection.split(","))

    def close(self) -> None:
        """Free the body, and give its bytes back to the server's budget (once)."""
        super().close()
        if self.taken:
            self.adj.edge_bodies.give(self)

    def _long_length(self, header_plus: bytes, line: bytes) -> bytes:
        """``header_plus`` with a Content-Length ``line`` of over :data:`_LENGTH_DIGITS`
        digits read by its value: refused as too large, or, all leading zeros but for
        a few digits, the same value without them."""
        value = line[15:].strip(b" \t")
        if not (value.isascii() and value.isdigit()):
            return header_plus  # refused by waitress as it is
        digits = value.lstrip(b"0")
        if len(digits) > _LENGTH_DIGITS:
            self.refusal = _Refusal(_too_large(self.adj.max_request_body_size - 1))
            raise ParsingError(self.refusal.ec2_error.message)
        return header_plus.replace(b"\r\n" + line, b"\r\nContent-Length: " + (digits or b"0"), 1)


def _bare_lf(before: bytes, data: bytes) -> bool:
    """Whether the header bytes of ``before + data`` hold an LF without its CR (only the
    new bytes and the one before them are searched: ``before`` was searched already)."""
    text = before + data
    end = text.find(b"\r\n\r\n")
    head = text if end < 0 else text[: end + 2]
    return _BARE_LF.search(head, max(0, len(before) - 1)) is not None


class _Refusal(Error):  # type: ignore[misc]
    """An EC2Error carried through waitress' error path unchanged."""

    def __init__(self, error: EC2Error) -> None:
        super().__init__(error.message)
        self.ec2_error = error
        self.code = error.http_status


def _overloaded() -> _Refusal:
    """EC2's 503 for a body the edge has no room for (``max_bodies``), or no longer."""
    return _Refusal(ServiceError("Unavailable", OVERLOADED, http_status=503))


class _AppHeaderNames:
    """An answer's header block with each header named as the app (or the edge) named it
    and no ``Via`` of waitress': waitress capitalizes every name (``x-amzn-RequestId``
    went out as ``X-Amzn-Requestid``) and, when the app names the server (EC2's
    ``Server: AmazonEC2``), adds ``Via: <ident>`` as a proxy would. EC2 sends no ``Via``."""

    response_headers: list[tuple[str, str]]
    channel: Any

    request: Any

    def build_response_header(self) -> bytes:
        if self.request.close_requested or _last_before_stop(self.channel):
            self.set_close_on_finish()  # type: ignore[attr-defined]
        spellings = [_spelling(name) for name, _ in self.response_headers]
        head: bytes = super().build_response_header()  # type: ignore[misc]
        if any(waitress_name == b"Server" for waitress_name, _ in spellings):
            # waitress' Via, the line it adds (before respelling, while every name is
            # waitress'); one the app sent with the same value is the same bytes: one stays
            ident = (self.channel.server.adj.ident or "waitress").encode("latin-1")
            head = head.replace(b"\r\nVia: %s\r\n" % ident, b"\r\n", 1)
        for waitress_name, name in spellings:  # names alike but for case take one spelling
            if waitress_name != name:
                head = head.replace(b"\r\n%s: " % waitress_name, b"\r\n%s: " % name)
        return head


def _last_before_stop(channel: Any) -> bool:
    """Whether the server is stopping and the answer being written is the last the
    connection has to give: no pipelined request waits behind it, none is being read
    (closing after this one would drop them, unanswered, as waitress' close does)."""
    return (channel.server.stop_by is not None and len(channel.requests) <= 1
            and channel.request is None)


@functools.lru_cache(maxsize=256)
def _spelling(name: str) -> tuple[bytes, bytes]:
    """A header name as waitress writes it (each part capitalized) and as it was given."""
    capitalized = "-".join(part.capitalize() for part in name.split("-"))
    return capitalized.encode("latin-1"), name.encode("latin-1")


class EdgeTask(_AppHeaderNames, WSGITask):  # type: ignore[misc]
    """waitress' WSGI task, its answer's header block as the app wrote it."""


class EdgeErrorTask(_AppHeaderNames, ErrorTask):  # type: ignore[misc]
    """waitress' refusal as EC2's XML error document, in an HTTP/1.1 answer with the
    app's headers, then the connection is closed."""

    def execute(self) -> None:
        error = self.request.error
        if isinstance(error, _Refusal):
            refusal = error.ec2_error
        elif isinstance(error, _Timeout):
            refusal = RequestError("RequestTimeout", error.body)
        elif isinstance(error, InternalServerError):  # the app failed before its answer
            refusal = InternalError()
        elif isinstance(error, RequestHeaderFieldsTooLarge):
            limit = self.channel.adj.max_request_header_size
            refusal = _invalid_http(f"The request line and headers are larger than {limit} bytes")
        else:  # waitress' BadRequest, RequestHeaderFieldsTooLarge, ...: its reason as ours
            refusal = _invalid_http(str(error.body)[:200])
        rid = _request_id()
        body = render_error(refusal, request_id=rid)
        # RFC 9110 6.2: the highest version the server conforms to, whatever was read of
        # the request's (waitress answered "HTTP/1.0" to one refused before its version).
        self.version = "1.1"
        self.status = _status_line(refusal.http_status)
        self.response_headers.extend(answer_headers(rid, _XML_TYPE, len(body)))  # the app's
        self.set_close_on_finish()
        self.channel.linger_after_close = True  # what was refused may still be arriving
        self.content_length = len(body)
        self.write(body)


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
        the high-water mark (``_UNSENT_MARK``). With workers, the loop counts as answering
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
    has not read its output down to the high-water mark (``_UNSENT_MARK``)."""
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


def _idle(channel: Any) -> bool:
    """Whether a stop may close ``channel`` now: no request in it is being read,
    answered or sent, and no byte of a next one has arrived unread."""
    if (channel.request is not None or channel.requests or channel.total_outbufs_len
            or not channel.connected):
        return False
    return not _waiting(channel.socket)


def _waiting(sock: socket.socket | None) -> bool:
    """Whether a byte waits unread in ``sock`` (not if it has ended, been reset or closed)."""
    if sock is None:
        return False
    try:
        return bool(sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT))
    except OSError:  # nothing has arrived (it would block), or reset
        return False


class _Wake(wasyncore.file_dispatcher):  # type: ignore[misc]  # waitress is untyped
    """A worker's wake pipe in its event loop: a byte from another worker that begins to
    leave it new connections makes the loop turn now, not at its next recheck."""

    def writable(self) -> bool:
        return False

    def handle_read(self) -> None:
        with contextlib.suppress(BlockingIOError, InterruptedError):
            self.recv(4096)


#: Stopping, how long (seconds) a connection must have been quiet before it is closed as
#: idle: a client sending its next request as the last answer arrives is answered too
#: (closed at once, that request met a closed connection, unanswered).
_STOP_IDLE = 0.5

#: accept's failures for want of descriptors or memory, and how long (seconds) the edge
#: waits before it accepts again.
_OUT_OF_DESCRIPTORS = frozenset({errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM})
_ACCEPT_PAUSE = 0.1
#: Descriptors kept beyond one per connection: the listener, the wake-up pipes (two per
#: worker), SQLite's files (three per thread's connection), logs, forwarding's upstream
#: connections.
_SPARE_DESCRIPTORS = 256


def descriptors_for(connections: int) -> int:
    """The connection limit this process can hold: the soft limit on open descriptors is
    raised (towards the hard one) to ``connections`` and :data:`_SPARE_DESCRIPTORS` more;
    where it cannot be, the limit is lowered to fit, with a warning. Out of descriptors,
    ``accept`` fails and the listener stays readable: waitress spun at full CPU, logging
    each failure (seen: 6,000 tracebacks in 4 s with a soft limit of 1005)."""
    try:
        import resource
    except ImportError:  # pragma: no cover - Windows: no such limit to keep
        return connections
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    need = connections + _SPARE_DESCRIPTORS
    if soft == resource.RLIM_INFINITY or soft >= need:
        return connections
    wanted = need if hard == resource.RLIM_INFINITY else min(need, hard)
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
        soft = wanted
    except (ValueError, OSError):
        pass
    fits = max(soft - _SPARE_DESCRIPTORS, 1)
    if fits < connections:
        _log.warning(
            "connection limit lowered from %d to %d: this process may open %d descriptors",
            connections, fits, soft)
        return fits
    return connections


def edge_server(app: Any, *, host: str = "127.0.0.1", port: int = 0, threads: int = 0,
                sock: Any = None, loads: Loads | None = None, worker: int = 0,
                **options: Any) -> EdgeServer:
    """An :class:`EdgeServer` for ``app`` (not started); ``sock`` is a listening socket to
    serve instead of binding ``host:port`` (several processes share one; ``loads`` is
    their table and ``worker`` this one's place in it, see ``_balance``). ``threads=0``
    answers each request in the event loop's thread, with no hand-off between threads
    (measured: a third more requests served with the embedded backend, whose requests
    never wait on the network); ``threads=N`` hands them to N threads. ``options`` are
    the edge's bounds (:data:`DEFAULTS`) and waitress adjustments."""
    bounds = {**DEFAULTS, **{k: options.pop(k) for k in list(options) if k in DEFAULTS}}
    bounds["connection_limit"] = descriptors_for(int(bounds["connection_limit"]))
    max_body = int(getattr(app, "max_body", limits.MAX_QUERY_BYTES))
    adjustments = Adjustments(
        host=host, port=port, threads=max(threads, 1), ident="AmazonEC2",
        clear_untrusted_proxy_headers=True,
        max_request_body_size=max_body + 1,  # waitress refuses >=, the app refuses >
        inbuf_overflow=max_body + 1,  # a body that is accepted stays in memory
        max_request_header_size=bounds["max_header"],
        channel_timeout=int(bounds["idle_timeout"]),
        cleanup_interval=1,
        connection_limit=bounds["connection_limit"],
        asyncore_use_poll=True,
        outbuf_high_watermark=options.pop("outbuf_high_watermark", _UNSENT_MARK),
        **options,
    )
    # the deadlines ride on the adjustments, which waitress hands to the server
    adjustments.edge_bodies = _BodyBudget(int(bounds["max_bodies"]))
    adjustments.edge_header_timeout = float(bounds["header_timeout"])
    adjustments.edge_body_timeout = float(bounds["body_timeout"])
    adjustments.edge_inline = threads <= 0
    if adjustments.edge_inline:  # header and body buffered, sent together by run_inline
        adjustments.send_bytes = _SEND_BYTES
    dispatcher = ThreadedTaskDispatcher()
    dispatcher.set_thread_count(0 if adjustments.edge_inline else adjustments.threads)
    if loads is not None:  # a worker that yields re-checks at least this often
        adjustments.asyncore_loop_timeout = _YIELD_RECHECK
    if sock is not None:
        sockinfo = (sock.family, sock.type, sock.proto, sock.getsockname())
        return EdgeServer(app, {}, True, sock, dispatcher=dispatcher, adj=adjustments,
                          bind_socket=False, sockinfo=sockinfo, loads=loads, worker=worker)
    return EdgeServer(app, {}, True, None, dispatcher=dispatcher, adj=adjustments,
                      sockinfo=adjustments.listen[0], loads=loads, worker=worker)
