"""The edge's request parser: waitress', with the edge's refusals (see the package's
docstring), and the budget of the body bytes one server process holds at once."""

from __future__ import annotations

import re
import threading
import time
from typing import Any

from waitress.adjustments import Adjustments
from waitress.parser import HTTPRequestParser, ParsingError
from waitress.utilities import (
    BadRequest,
    Error,
    InternalServerError,
    RequestEntityTooLarge,
    RequestHeaderFieldsTooLarge,
)

from .._app import _invalid_http, _too_large
from .._app import log as _log  # the gateway's logger
from ._answers import _overloaded, _Refusal
from ._sockets import _waiting

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
#: At ``max_bodies``, how long (seconds) a body must have received nothing before its
#: room may go to a new request's (_BodyBudget.take).
_STALLED_BODY = 1.0


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


class EdgeParser(HTTPRequestParser):  # type: ignore[misc]
    """waitress' request parser with the edge's refusals (see the package's docstring)."""

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
