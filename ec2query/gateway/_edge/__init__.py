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

One module each: ``_parser`` (:class:`EdgeParser` and the bodies held at once),
``_answers`` (:class:`EdgeTask`, :class:`EdgeErrorTask`), ``_channel``
(:class:`EdgeChannel`), ``_loop`` (:class:`EdgeServer`) and ``_sockets`` (what poll
and a peek say of a socket); this one builds the server (:func:`edge_server`).
"""

from __future__ import annotations

import sys
from typing import Any

from waitress.adjustments import Adjustments
from waitress.task import ThreadedTaskDispatcher

from ... import _limits as limits
from .._app import log as _log  # the gateway's logger
from .._balance import Loads
from ._loop import EdgeServer
from ._parser import _BodyBudget

__all__ = ["EdgeServer", "edge_server"]

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
#: Answers stay in memory until sent, however large (waitress' ``outbuf_overflow``):
#: waitress wrote each answer over 1 MiB (a describe of about 1,200 groups) to a
#: temporary file and read it back to send it, so an answer put the tenant's groups on
#: disk, and where no temporary file could be made (a read-only or full file system) the
#: answer's last byte was followed by a logged exception and a connection left open, its
#: client waiting for the close. What one connection holds is still bounded: one answer
#: and the mark above (the next request waits), for as long as its client reads.
_ANSWERS_IN_MEMORY = sys.maxsize
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
    the edge's bounds (``_limits.EDGE_BOUNDS``, their defaults) and waitress adjustments."""
    defaults = limits.EDGE_BOUNDS
    bounds = {**defaults, **{k: options.pop(k) for k in list(options) if k in defaults}}
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
        outbuf_overflow=options.pop("outbuf_overflow", _ANSWERS_IN_MEMORY),
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
