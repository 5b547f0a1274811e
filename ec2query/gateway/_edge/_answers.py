"""The edge's answers: the refusals the parser and the loop make (``_Refusal``,
``_Timeout``, ``_overloaded``), EC2's XML error document for each of them and for every
refusal of waitress' own (:class:`EdgeErrorTask`), and, for every answer, the app's or
the refusal's (``_AppHeaderNames``, shared by :class:`EdgeTask` and
:class:`EdgeErrorTask`), a header block with the header names as they were written and
no ``Via`` of waitress', closing the connection after it when the request asked for it
or the server is stopping."""

from __future__ import annotations

import functools
from typing import Any

from waitress.task import ErrorTask, WSGITask
from waitress.utilities import Error, InternalServerError, RequestHeaderFieldsTooLarge

from ..._codec.xml import render_error
from ..._errors import OVERLOADED, EC2Error, InternalError, RequestError, ServiceError
from .._app import _XML_TYPE, _invalid_http, _request_id, _status_line, answer_headers


class _Timeout(Error):  # type: ignore[misc]  # waitress is untyped
    code = 400
    reason = "Bad Request"


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
