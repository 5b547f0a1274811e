"""The WSGI application: verify -> decode -> validate -> answer (backend or upstream).

Every response carries a request id, in the body and in ``x-amzn-RequestId``;
every refusal is EC2's XML error document with EC2's HTTP status. State lives
only in the backend, so the app scales out with the WSGI server's workers.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timezone
from typing import Any

from .. import _limits as limits
from .._codec.forms import project
from .._codec.query import from_text_pairs, split_pairs
from .._codec.xml import render_error, render_response
from .._errors import EC2Error, RequestError
from .._model import CURRENT_VERSION
from .._model import operation as operation_model
from .._validate import validate
from ..auth._credentials import Credentials, resolve_credentials
from ..auth._verify import SIGV2, SIGV4_QUERY, verify_request
from ._canon import fork_safe_random

__all__ = ["Gateway", "make_app"]

log = logging.getLogger("ec2query.gateway")

Lookup = Callable[[str], "str | Credentials | None"]
StartResponse = Callable[..., Any]

#: Query parameters that carry a signature rather than the request, per scheme.
AUTH_PARAMS = {
    SIGV4_QUERY: frozenset(
        {
            "X-Amz-Algorithm",
            "X-Amz-Credential",
            "X-Amz-Date",
            "X-Amz-Expires",
            "X-Amz-SignedHeaders",
            "X-Amz-Signature",
            "X-Amz-Security-Token",
        }
    ),
    SIGV2: frozenset(
        {
            "AWSAccessKeyId",
            "Signature",
            "SignatureMethod",
            "SignatureVersion",
            "Timestamp",
            "Expires",
            "SecurityToken",
        }
    ),
}
_FORM = "application/x-www-form-urlencoded"
_XML_TYPE = "text/xml;charset=UTF-8"


def _store(credentials: Any) -> Lookup:
    """A ``lookup(access_key)`` from a mapping, a callable, Credentials, or the environment."""
    if callable(credentials):
        return credentials
    if credentials is None:
        try:
            credentials = resolve_credentials()
        except EC2Error:
            log.warning("no AWS credentials in the environment: every request will be refused")
            return lambda key: None
    if isinstance(credentials, Credentials):
        credentials = {credentials.access_key: credentials}
    elif isinstance(credentials, (list, tuple)):
        credentials = {c.access_key: c for c in credentials}
    table = dict(credentials)
    return table.get


class Gateway:
    """A WSGI application speaking EC2's Query protocol (see :func:`make_app`)."""

    def __init__(
        self,
        *,
        backend: Any = None,
        lookup: Lookup,
        forwarder: Any = None,
        region: str | None = None,
        clock: Callable[[], datetime] | None = None,
        max_body: int = limits.MAX_QUERY_BYTES,
        guard: Any = None,
    ) -> None:
        self.guard = guard  # the policy, if any (_guard.Guard)
        self.backend = backend
        self.lookup = lookup
        self.forwarder = forwarder
        self.region = region
        self.clock = clock or (lambda: datetime.now(timezone.utc))
        self.max_body = max_body

    def __call__(
        self, environ: Mapping[str, Any], start_response: StartResponse
    ) -> Iterable[bytes]:
        started = time.perf_counter()
        request_id = _request_id()
        operation = "-"
        try:
            operation, status, content_type, body = self.handle(environ, request_id)
            code = "OK"
        except EC2Error as error:
            status, content_type, code = error.http_status, _XML_TYPE, error.code
            body = render_error(error, request_id=request_id)
        except Exception:
            log.exception("internal error handling request %s", request_id)
            error = EC2Error("InternalError", "An internal error has occurred")
            status, content_type, code = 500, _XML_TYPE, error.code
            body = render_error(error, request_id=request_id)
        start_response(
            _status_line(status),
            [
                ("Content-Type", content_type),
                ("Content-Length", str(len(body))),
                ("x-amzn-RequestId", request_id),
                ("Server", "AmazonEC2"),
            ],
        )
        if log.isEnabledFor(logging.INFO):  # the arguments cost more than a disabled call
            log.info(
                "%s %s %s %s %d %.1fms",
                environ.get("REMOTE_ADDR", "-"),
                environ.get("REQUEST_METHOD", "-"),
                operation,
                code,
                status,
                (time.perf_counter() - started) * 1000,
            )
        return [body]

    def handle(self, environ: Mapping[str, Any], request_id: str) -> tuple[str, int, str, bytes]:
        """Answer one request: ``(operation, status, content type, body)``; raises EC2Error."""
        method = environ.get("REQUEST_METHOD", "GET")
        if method not in ("GET", "POST"):
            raise _invalid_http(f"Unsupported HTTP method {method}")
        body = self._read_body(environ, method)
        query = environ.get("QUERY_STRING", "")
        headers = _headers(environ)
        verified = verify_request(
            method=method,
            url=_url(environ, query),
            headers=headers,
            body=body,
            lookup=self.lookup,
            now=self.clock(),
            region=self.region,
        )
        try:
            pairs = split_pairs(query.encode("latin-1")) if query != "" else []
        except UnicodeEncodeError:
            raise _invalid_http("The query string is not ASCII") from None
        if method == "POST":
            pairs.extend(split_pairs(body))
        if len(pairs) > limits.MAX_PARAMS:
            raise RequestError(
                "InvalidParameterValue", f"The request has more than {limits.MAX_PARAMS} parameters"
            )
        strip = AUTH_PARAMS.get(verified.scheme)
        if strip:
            pairs = [(k, v) for k, v in pairs if k not in strip]
        version = None
        for key, value in pairs:
            if key == "Version":
                version = value
                break
        if version is None:
            raise RequestError("MissingParameter", "The request must contain the parameter Version")
        operation, params = from_text_pairs(pairs)  # split_pairs decoded them: text
        validate(operation, params)
        if self.guard is not None:
            self.guard(operation, params, access_key=verified.access_key, request_id=request_id)
        if params.pop("DryRun", False):
            raise EC2Error(
                "DryRunOperation", "Request would have succeeded, but DryRun flag is set."
            )
        if self.forwarder is not None:
            status, content_type, answer = self.forwarder(operation, params, version)
            return operation, status, content_type, answer
        if self.backend is None:
            raise EC2Error("InternalError", "The gateway has neither a backend nor an upstream")
        result = self.backend.handle(operation, params)
        return (
            operation,
            200,
            _XML_TYPE,
            render_response(
                operation, _for_version(operation, result, version), request_id=request_id,
                version=version,
            ),
        )

    def _read_body(self, environ: Mapping[str, Any], method: str) -> bytes:
        if method != "POST":
            return b""
        content_type = environ.get("CONTENT_TYPE", "")
        if content_type and content_type.split(";", 1)[0].strip().lower() != _FORM:
            raise _invalid_http(f"Unsupported Content-Type {content_type[:64]}")
        raw_length = environ.get("CONTENT_LENGTH") or "0"
        if not (raw_length.isascii() and raw_length.isdigit()):  # not "²" or "٣"
            raise _invalid_http("Invalid Content-Length")
        length = int(raw_length)
        if length > self.max_body:
            raise RequestError(
                "InvalidParameterValue", f"The request is larger than {self.max_body} bytes"
            )
        stream = environ.get("wsgi.input")
        body = stream.read(length) if stream is not None and length else b""
        if len(body) != length:
            raise _invalid_http("The request body is shorter than its Content-Length")
        return body


def make_app(
    *,
    db: str = ":memory:",
    backend: Any = None,
    credentials: Any = None,
    upstream: str | None = None,
    upstream_credentials: Any = None,
    upstream_region: str = "us-east-1",
    region: str | None = None,
    clock: Callable[[], datetime] | None = None,
    max_body: int = limits.MAX_QUERY_BYTES,
    policy: Any = None,
    audit_log: Any = None,
    **backend_options: Any,
) -> Gateway:
    """The gateway as a WSGI application.

    ``credentials``: who may call — a mapping ``access key -> secret`` (or
    Credentials), a list of Credentials, a ``lookup(access_key)`` callable, or
    ``None`` for the caller's standard AWS environment. Without ``upstream``
    the embedded SQLite backend at ``db`` answers (``backend_options`` go to
    it); with it, valid requests are re-signed with ``upstream_credentials``
    and forwarded, and upstream's answer is returned unchanged. ``policy`` (a
    policy file's path or a loaded ``Policy``) refuses the changes it forbids;
    ``audit_log`` (a path, ``"-"``, a stream or a callable) gets one JSON line per
    decision (docs/policy.md).
    """
    forwarder = None
    if upstream is not None:
        from ._forward import Forwarder

        forwarder = Forwarder(upstream, upstream_credentials, region=upstream_region)
    elif backend is None:
        from ._backend import Backend

        backend = Backend(db, **backend_options)
    guard = None
    if policy is not None:
        from ._guard import Guard

        guard = Guard.build(policy, backend=backend, audit_log=audit_log)
    return Gateway(
        backend=backend,
        lookup=_store(credentials),
        forwarder=forwarder,
        region=region,
        clock=clock,
        max_body=max_body,
        guard=guard,
    )


def _for_version(operation: str, result: dict[str, Any], version: str) -> dict[str, Any]:
    """The backend's (current-API) result as the request's API version has it."""
    if version == CURRENT_VERSION:
        return result
    return project(result, operation_model(operation).output(version))


def _request_id() -> str:
    """A version-4 UUID string, as EC2's request ids are, without the UUID object.

    Request ids name a request in logs; they are not secrets, so they come from a
    generator of their own (reseeded in a forked worker; see ``fork_safe_random``)
    rather than a system call each.
    """
    text = f"{_request_ids.getrandbits(128) & _UUID_CLEAR | _UUID_SET:032x}"
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


_request_ids = fork_safe_random()
# The version (4) and variant (RFC 4122) bits of a UUID, as in uuid.UUID(version=4).
_UUID_CLEAR = ~((0xF000 << 64) | (0xC000 << 48))
_UUID_SET = (0x4000 << 64) | (0x8000 << 48)


def _invalid_http(reason: str) -> RequestError:
    return RequestError("InvalidHttpRequest", f"The HTTP request is invalid. Reason: {reason}")


_HEADER_NAMES: dict[str, str] = {}  # "HTTP_X_AMZ_DATE" -> "x-amz-date", bounded


def _headers(environ: Mapping[str, Any]) -> list[tuple[str, str]]:
    headers = []
    names = _HEADER_NAMES
    for key, value in environ.items():
        name = names.get(key)
        if name is None:
            if not key.startswith("HTTP_"):
                continue
            name = key[5:].replace("_", "-").lower()
            if len(names) < 256:  # clients choose header names: keep the cache small
                names[key] = name
        headers.append((name, value))
    for key, name in _CGI_HEADERS:
        value = environ.get(key)
        if value:
            headers.append((name, value))
    return headers


#: The two headers WSGI passes without the HTTP_ prefix.
_CGI_HEADERS = (("CONTENT_TYPE", "content-type"), ("CONTENT_LENGTH", "content-length"))


def _url(environ: Mapping[str, Any], query: str) -> str:
    scheme = environ.get("wsgi.url_scheme", "http")
    host = environ.get("HTTP_HOST") or environ.get("SERVER_NAME", "localhost")
    path = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    if path is None:
        path = (environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")) or "/"
        if query:
            path += "?" + query
    return f"{scheme}://{host}{path}"


_REASONS = {
    200: "OK",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    412: "Precondition Failed",
    413: "Payload Too Large",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
}


def _status_line(status: int) -> str:
    return f"{status} {_REASONS.get(status, 'Unknown')}"
