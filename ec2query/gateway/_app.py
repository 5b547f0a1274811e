"""The WSGI application: verify -> decode -> validate -> answer (backend or upstream).

Every response carries a request id, in the body and in ``x-amzn-RequestId``;
every refusal is EC2's XML error document with EC2's HTTP status. State lives
only in the backend, so the app scales out with the WSGI server's workers.
"""

from __future__ import annotations

import logging
import os
import re
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timezone
from typing import Any

from .. import _limits as limits
from .._codec.forms import project
from .._codec.query import from_text_pairs
from .._codec.xml import render_error, render_response
from .._errors import DryRunOperation, EC2Error, InternalError, RequestError, UsageError
from .._model import CURRENT_VERSION, invalid_action
from .._model import operation as operation_model
from .._model.operations import OPERATIONS
from .._validate import validate
from ..auth._credentials import Credentials, blank_secret, resolve_credentials
from ..auth._verify import SIGV2, SIGV4_QUERY, Received, Verifier, is_form_type
from ._lines import Sink, access_sink

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
#: Every scheme's signature parameters, none of which a relayed request carries upstream.
_ANY_AUTH = frozenset().union(*AUTH_PARAMS.values())
_XML_TYPE = "text/xml;charset=UTF-8"


def _store(credentials: Any) -> Lookup:
    """A ``lookup(access_key)`` from a mapping, a callable, Credentials, or the environment."""
    if callable(credentials):
        return credentials  # type: ignore[no-any-return]
    if credentials is None:
        try:
            credentials = resolve_credentials()
        except EC2Error as error:
            if error.code == "PartialCredentials":  # a key without its secret: refused,
                raise  # as serve and the aws-cli refuse it
            log.warning("no AWS credentials in the environment: every request will be refused")
            return lambda key: None
    if isinstance(credentials, Credentials):
        credentials = {credentials.access_key: credentials}
    elif not isinstance(credentials, Mapping):
        try:
            listed = list(credentials)
        except TypeError:
            listed = None
        if listed is None or not all(isinstance(c, Credentials) for c in listed):
            raise UsageError("credentials must be a mapping of access key -> secret, "
                             "Credentials or several, or a lookup callable")
        credentials = {c.access_key: c for c in listed}
    table = dict(credentials)
    for access_key, entry in table.items():
        _judge_entry(access_key, entry)
    return table.get


def _judge_entry(access_key: Any, entry: Any) -> None:
    """Refuse one credentials entry that no request could be verified with, or that any
    could: an access key id that is not text, a secret that is not text, or one empty
    or blank (anyone who knows the id could sign with it); the secret is never shown."""
    if not isinstance(access_key, str) or not access_key.strip():
        raise UsageError(f"credentials: an access key id must be non-empty text, not "
                         f"{access_key!r:.64}")
    if isinstance(entry, Credentials):
        if entry.access_key != access_key:
            raise UsageError(f"credentials: the entry of {access_key!r:.64} holds the "
                             f"credentials of {entry.access_key!r:.64}")
        secret = entry.secret_key
    elif isinstance(entry, str):
        secret = entry
    else:
        raise UsageError(f"credentials: the secret of {access_key!r:.64} must be text, "
                         f"not {type(entry).__name__}")
    if blank_secret(secret):
        # As Credentials(access_key, "") is refused (code inferred from aws-cli).
        raise UsageError(f"Partial credentials given for {access_key!r:.64}, missing: "
                         "secret_key", code="PartialCredentials")


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Gateway:
    """A WSGI application speaking EC2's Query protocol (see :func:`make_app`).

    It owns its :class:`~ec2query.auth.Verifier` (who may call, for which
    region, on which clock) and its backend or forwarder; each request is read
    from the environ once, into the one :class:`~ec2query.auth._verify.Received`
    value that the verifier and the decoder both read.
    """

    def __init__(
        self,
        *,
        backend: Any = None,
        lookup: Lookup | None = None,
        forwarder: Any = None,
        region: str | None = None,
        clock: Callable[[], datetime] | None = None,
        max_body: int = limits.MAX_QUERY_BYTES,
        verifier: Verifier | None = None,
        guard: Any = None,
        pass_through: bool = False,
        path: str = "/",
        access_log: Sink | None = None,
    ) -> None:
        if pass_through and forwarder is None:
            raise UsageError("pass_through needs an upstream to forward to")
        if not path.startswith("/"):
            raise UsageError(f"The gateway's path must start with '/', not {path[:64]!r}")
        if not _TARGET_PATH.fullmatch(path):  # compared with the path as sent: never equal
            raise UsageError("The gateway's path must be written as a request sends it, in "
                             "visible ASCII without '?' or '#' (percent-encode the rest), "
                             f"not {path[:64]!r}")
        self.path = path
        self.access_log = access_log  # each answer's line; None: the logger's, at INFO
        self.guard = guard  # the policy, if any (_guard.Guard)
        self.pass_through = pass_through
        if verifier is None:
            if lookup is None:
                raise UsageError("Gateway needs a lookup or a verifier")
            verifier = Verifier(lookup, region=region, clock=clock or _utcnow)
        self.verifier = verifier
        self.backend = backend
        self.forwarder = forwarder
        self.max_body = max_body

    def __call__(
        self, environ: Mapping[str, Any], start_response: StartResponse
    ) -> Iterable[bytes]:
        started = time.perf_counter()
        request_id = _request_id()
        request = None
        try:
            request = self._receive(environ)
            operation, status, content_type, body = self.handle(request, request_id)
            code = "OK"
        except EC2Error as error:
            status, content_type, code = error.http_status, _XML_TYPE, error.code
            body = render_error(error, request_id=request_id)
            operation = _named_operation(request)
            # The request may hold the error (its parser's refusal, raised by handle), and
            # the error's traceback this frame, which holds the request: a cycle that kept
            # a refused megabyte until the collector's next pass.
            error.__traceback__ = None
        except Exception:
            log.exception("internal error handling request %s", request_id)
            failure = InternalError()
            status, content_type, code = 500, _XML_TYPE, failure.code
            body = render_error(failure, request_id=request_id)
            operation = _named_operation(request)
        start_response(_status_line(status), answer_headers(request_id, content_type, len(body)))
        write = self.access_log
        if write is None and log.isEnabledFor(logging.INFO):  # the line costs more than this
            write = log.info  # a message without arguments: a % in it is not a format
        if write is not None:
            line = (f"{environ.get('REMOTE_ADDR', '-')} {environ.get('REQUEST_METHOD', '-')} "
                    f"{operation} {code} {status} {(time.perf_counter() - started) * 1000:.1f}ms")
            try:
                write(line)
            except Exception:  # the answer stands (a change it reports is made): said, sent
                log.exception("access log: the line of request %s was not written", request_id)
        if environ.get("REQUEST_METHOD") == "HEAD":  # RFC 9110 9.3.2: the header alone
            return []
        return [body]

    def _receive(self, environ: Mapping[str, Any]) -> Received:
        """The request as read from ``environ`` (method and body judged); raises EC2Error."""
        method = environ.get("REQUEST_METHOD", "GET")
        if method not in ("GET", "POST"):
            raise _invalid_http(f"Unsupported HTTP method {method[:64]}")
        return received(environ, method, self._read_body(environ, method))

    def handle(self, request: Received, request_id: str) -> tuple[str, int, str, bytes]:
        """Answer one request: ``(operation, status, content type, body)``; raises EC2Error."""
        verified = self.verifier.verify(request)
        if request.query is None:
            raise request.query_error or _invalid_http("The query string cannot be read")
        pairs = list(request.query)
        if request.method == "POST":
            if not request.is_form:  # the verifier did not read the body as parameters
                raise _invalid_http("Unsupported Content-Type")
            if request.form is None:
                raise request.form_error or _invalid_http("The body cannot be read")
            pairs.extend(request.form)
        if request.path != self.path:
            raise _not_here(pairs)
        if len(pairs) > limits.MAX_PARAMS:
            raise RequestError(
                "InvalidParameterValue", f"The request has more than {limits.MAX_PARAMS} parameters"
            )
        strip = AUTH_PARAMS.get(verified.scheme)
        if strip:
            pairs = [(k, v) for k, v in pairs if k not in strip]
        version = _first(pairs, "Version")
        if version is None:
            raise RequestError("MissingParameter", "The request must contain the parameter Version")
        if self.pass_through:
            action = _relayed_action(pairs)
            if action is not None:  # no scheme's signature parameters: upstream's is ours
                status, content_type, answer = self.forwarder.relay(
                    [(k, v) for k, v in pairs if k not in _ANY_AUTH])
                return _logged_name(action), status, content_type, answer
        operation, params = from_text_pairs(pairs)  # split_pairs decoded them: text
        validate(operation, params)
        if self.guard is not None:
            self.guard(operation, params, access_key=verified.access_key, request_id=request_id)
        if self.forwarder is not None:  # a dry run too: upstream's own authorization answers it
            status, content_type, answer = self.forwarder(operation, params, version)
            return operation, status, content_type, answer
        if params.pop("DryRun", False):
            raise DryRunOperation()
        if self.backend is None:
            raise InternalError(message="The gateway has neither a backend nor an upstream")
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
        if not is_form_type(content_type):
            raise _invalid_http(f"Unsupported Content-Type {content_type[:64]}")
        raw_length = environ.get("CONTENT_LENGTH") or "0"
        if not (raw_length.isascii() and raw_length.isdigit()):  # not "²" or "٣"
            raise _invalid_http("Invalid Content-Length")
        length = int(raw_length)
        if length > self.max_body:
            raise _too_large(self.max_body)
        stream = environ.get("wsgi.input")
        body = stream.read(length) if stream is not None and length else b""
        if len(body) != length:
            raise _invalid_http("The request body is shorter than its Content-Length")
        return body


def make_app(
    *,
    db: str | os.PathLike[str] = ":memory:",
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
    access_log: Any = None,
    pass_through: bool = False,
    path: str = "/",
    **backend_options: Any,
) -> Gateway:
    """The gateway as a WSGI application.

    ``credentials``: who may call — a mapping ``access key -> secret`` (or
    Credentials), Credentials or several (a list, a set), a ``lookup(access_key)``
    callable, or ``None`` for the caller's standard AWS environment; an empty or
    blank secret is refused (``UsageError``). Without ``upstream``
    the embedded backend at ``db`` answers (an SQLite file, ``:memory:``, or a
    PostgreSQL URL ``postgresql://user@host:port/dbname``; ``backend_options`` go
    to it); with it, valid requests are re-signed with ``upstream_credentials``
    and forwarded, and upstream's answer is returned unchanged. ``policy`` (a
    policy file's path or a loaded ``Policy``) refuses the changes it forbids;
    ``audit_log`` (a path, ``"-"``, a stream or a callable) gets one JSON line per
    decision (docs/policy.md). ``access_log`` gets one line per answered request
    (address, method, operation, code, status, time taken): ``None`` sends it to the
    ``ec2query.gateway`` logger at INFO; a path, ``"-"`` (stderr) or a stream gets it
    written straight, after its local time and that logger's name, as ``logging``'s
    default format would, at a third of the logger's cost (docs/gateway.md); a
    callable gets the line alone. ``pass_through`` (with ``upstream`` only) relays an
    operation outside the model as it came, re-signed, instead of refusing it with
    ``InvalidAction``: neither the validator nor the policy judges it. ``region`` is
    the only region a SigV4 request may be scoped to (``None``: any); ``path`` the only
    request path served (``"/"``).
    """
    # Who may call, and for which region, judged before a database is opened or made.
    verifier = Verifier(_store(credentials), region=region, clock=clock or _utcnow)
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

        reader = forwarder.read if forwarder is not None else backend.handle
        guard = Guard.build(policy, reader=reader, audit_log=audit_log,
                            account_id=getattr(backend, "account_id", None))
    return Gateway(
        backend=backend,
        verifier=verifier,
        forwarder=forwarder,
        max_body=max_body,
        guard=guard,
        pass_through=pass_through,
        path=path,
        access_log=access_sink(access_log),
    )


def _for_version(operation: str, result: dict[str, Any], version: str) -> dict[str, Any]:
    """The backend's (current-API) result as the request's API version has it."""
    if version == CURRENT_VERSION:
        return result
    projected: dict[str, Any] = project(result, operation_model(operation).output(version))
    return projected


def answer_headers(request_id: str, content_type: str, length: int) -> list[tuple[str, str]]:
    """An answer's headers, EC2's in EC2's order but for the server's own (``Date``;
    docs/gateway.md)."""
    return [
        ("x-amzn-RequestId", request_id),
        ("Cache-Control", "no-cache, no-store"),
        ("Vary", "accept-encoding"),
        ("Content-Type", content_type),
        ("Content-Length", str(length)),
        ("Server", "AmazonEC2"),
    ]


def _request_id() -> str:
    """A version-4 UUID string, as EC2's request ids are, from ``os.urandom`` (no
    generator state to reseed in a forked worker), without the UUID object."""
    text = f"{int.from_bytes(os.urandom(16), 'big') & _UUID_CLEAR | _UUID_SET:032x}"
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


# The version (4) and variant (RFC 4122) bits of a UUID, as in uuid.UUID(version=4).
_UUID_CLEAR = ~((0xF000 << 64) | (0xC000 << 48))
_UUID_SET = (0x4000 << 64) | (0x8000 << 48)


def _not_here(pairs: list[tuple[str, str]]) -> RequestError:
    """The answer to a request signed for a path the gateway does not serve: EC2's answer
    for an action it does not have (inferred: no capture of EC2 at another path)."""
    return invalid_action((_first(pairs, "Action") or "")[:128])


#: The modeled operations' API and CLI names folded: no spelling of one is relayed unjudged.
_FOLDED_OPERATIONS = frozenset(
    name.casefold() for api, (cli, _, _) in OPERATIONS.items() for name in (api, cli))


def _relayed_action(pairs: list[tuple[str, str]]) -> str | None:
    """The action pass-through relays as it came: one ``Action`` pair, naming no modeled
    operation in any case or spacing. Anything else takes the modeled path, which refuses
    a repeated ``Action`` and a misspelt name: an upstream that read the last ``Action``,
    or names without regard to case, must not receive a rule change the policy never saw."""
    actions = [value for name, value in pairs if name == "Action"]
    if len(actions) != 1 or actions[0].strip().casefold() in _FOLDED_OPERATIONS:
        return None
    return actions[0]


def _named_operation(request: Received | None) -> str:
    """A refused request's operation in its access line: the modeled one its first
    ``Action`` names, else ``-`` (no other text of the client's is written there)."""
    if request is None:
        return "-"
    for pairs in (request.query, request.form):
        action = _first(pairs or [], "Action")
        if action is not None:
            return action if action in OPERATIONS else "-"
    return "-"


#: A request target's path as a client sends it: visible ASCII, ending before a query.
_TARGET_PATH = re.compile(r'/[!"$->@-~]*')  # 0x21-0x7E but for '#' (0x23) and '?' (0x3F)

#: An action name as the access line writes one relayed outside the model: letters and
#: digits (EC2's actions are), so that no client text can add a field or a line.
_ACTION_NAME = re.compile(r"[A-Za-z][A-Za-z0-9]{0,63}")


def _logged_name(action: str) -> str:
    """A relayed action's name in its access line: as it came if it reads as one, else ``?``."""
    return action if _ACTION_NAME.fullmatch(action) else "?"


def _first(pairs: list[tuple[str, str]], key: str) -> str | None:
    """The value of the first pair named ``key``, or None."""
    return next((value for name, value in pairs if name == key), None)


def _too_large(max_body: int) -> RequestError:
    return RequestError("InvalidParameterValue", f"The request is larger than {max_body} bytes")


def _invalid_http(reason: str, *, status: int = 400) -> RequestError:
    return RequestError("InvalidHttpRequest", f"The HTTP request is invalid. Reason: {reason}",
                        http_status=status)


#: WSGI names of the headers every request carries, as the verifier names them (a
#: constant table; other names are computed).
_HEADER_NAMES = {f"HTTP_{n.upper().replace('-', '_')}": n for n in (
    "host", "authorization", "x-amz-date", "x-amz-security-token", "x-amz-content-sha256",
    "user-agent", "accept", "accept-encoding", "connection", "date", "expect",
    "amz-sdk-invocation-id", "amz-sdk-request", "x-amz-user-agent")}
#: The two headers WSGI passes without the HTTP_ prefix.
_CGI_HEADERS = (("CONTENT_TYPE", "content-type"), ("CONTENT_LENGTH", "content-length"))


def _headers(environ: Mapping[str, Any]) -> dict[str, list[str]]:
    """The request's headers, as the verifier groups them: name -> values."""
    headers: dict[str, list[str]] = {}
    known = _HEADER_NAMES
    for key, value in environ.items():
        name = known.get(key)
        if name is None:
            if not key.startswith("HTTP_"):
                continue
            name = key[5:].replace("_", "-").strip().lower()
        values = headers.get(name)
        if values is None:
            headers[name] = [value]
        else:
            values.append(value)
    for key, name in _CGI_HEADERS:
        value = environ.get(key)
        if value:
            headers.setdefault(name, []).append(value)
    return headers


def received(environ: Mapping[str, Any], method: str, body: bytes) -> Received:
    """The one value the gateway makes of a request: the verifier and the decoder read it.

    The path is the raw request target's (``RAW_URI``/``REQUEST_URI``, else
    ``SCRIPT_NAME`` + ``PATH_INFO``); an absolute-form target's host must be the
    ``Host`` header's, or stands in for a missing one. The query is ``QUERY_STRING``
    alone, decoded once by the one form parser; ``SERVER_NAME`` stands in for a
    missing ``Host``.
    """
    query = environ.get("QUERY_STRING", "")
    try:
        raw: bytes | None = query.encode("latin-1")  # PEP 3333: the bytes as received
        error = None
    except UnicodeEncodeError:
        raw, error = None, _invalid_http("The query string is not ASCII")
    target = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    authority = scheme = None
    if target:
        path = target.partition("?")[0].partition("#")[0]
        if not path.startswith("/"):
            path, authority, scheme = _absolute_form(path)
    else:
        path = (environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")) or "/"
    headers = _headers(environ)
    if authority is not None:
        hosts = headers.setdefault("host", [authority])
        if [_origin(host, scheme) for host in hosts] != [_origin(authority, scheme)]:
            # The signature covers Host: a target naming another host is taken as neither.
            raise _invalid_http("The request target's host is not the Host header's")
    if "host" not in headers:
        server = environ.get("SERVER_NAME", "localhost")
        if server:
            headers["host"] = [server]
    return Received(method=method, path=path, query=raw, query_error=error, headers=headers,
                    body=body, url_scheme=str(environ.get("wsgi.url_scheme", "http")).lower())


def _absolute_form(path: str) -> tuple[str, str | None, str | None]:
    """(path, authority, scheme) of an absolute-form target's path part
    (``http://host/a``: ``/a``, ``host``, ``http``), which RFC 9112 3.2.2 has a server
    accept; any other as it is, with neither."""
    scheme, sep, rest = path.partition("://")
    scheme = scheme.lower()
    if not sep or scheme not in _DEFAULT_PORTS:
        return path, None, None
    authority, slash, tail = rest.partition("/")
    return (slash + tail) or "/", authority, scheme


_DEFAULT_PORTS = {"http": "80", "https": "443"}


def _origin(authority: str, scheme: str | None) -> str:
    """An authority in RFC 9110 4.2.3's normal form for ``scheme``: lower case, without
    the scheme's default port or an empty one (``H:80`` for http is ``h``)."""
    host, colon, port = authority.lower().rpartition(":")
    if colon and "]" not in port and port in ("", _DEFAULT_PORTS.get(scheme or "")):
        return host
    return authority.lower()


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
    505: "HTTP Version Not Supported",
}


def _status_line(status: int) -> str:
    return f"{status} {_REASONS.get(status, 'Unknown')}"
