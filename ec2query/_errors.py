"""The one exception hierarchy of ec2query.

Every decoder, validator and verifier raises only these for bad input, each
carrying EC2's own error ``code``, ``message`` and ``http_status``, so that a
gateway can turn any of them into EC2's XML error document mechanically::

    EC2Error(Exception)                 code, message, http_status, request_id
    ├── RequestError(EC2Error, ValueError)   a request EC2 would refuse (HTTP 400):
    │                                        InvalidAction, UnknownParameter,
    │                                        InvalidParameterValue, MissingParameter, ...
    ├── AuthError(EC2Error)              signature and credential failures:
    │                                        AuthFailure, SignatureDoesNotMatch, ...
    ├── PolicyError(EC2Error)            a change the operator's policy refuses:
    │                                        UnauthorizedOperation (HTTP 403)
    ├── ServiceError(EC2Error)           an error document that EC2 (or a peer) answered
    │   ├── DryRunOperation(ServiceError)    the request would have succeeded (412)
    │   └── InternalError(ServiceError)      the service failed, not the request (500)
    ├── TransportError(EC2Error)         no answer: connection refused, timed out, reset
    ├── ResponseParseError(EC2Error, ValueError)
    │                                    a response that is not a well-formed EC2 document
    └── UsageError(EC2Error, ValueError) a command line or form that cannot be read
        │                                (the aws-cli's own client-side refusals)
        └── PolicyFileError              a policy file that cannot be loaded
"""

from __future__ import annotations

__all__ = [
    "HTTP_STATUS",
    "AuthError",
    "DryRunOperation",
    "EC2Error",
    "InternalError",
    "PolicyError",
    "PolicyFileError",
    "RequestError",
    "ResponseParseError",
    "ServiceError",
    "TransportError",
    "UsageError",
]

#: EC2's text for its 503 ``Unavailable`` (its own trouble: the edge at ``max_bodies``, a
#: busy or unreachable database).
OVERLOADED = "The server is overloaded and can't handle the request."
#: EC2's text for an ``InternalError`` of the backend (its SQLite or PostgreSQL storage, or
#: a request the validator passed that it cannot take).
BACKEND_INTERNAL = "An internal error has occurred. Please try again later."

#: EC2's HTTP status per error code; codes not listed answer 400.
HTTP_STATUS: dict[str, int] = {
    "AuthFailure": 401,
    "IncompleteSignature": 400,
    "RequestExpired": 400,
    "SignatureDoesNotMatch": 403,
    "MissingAuthenticationToken": 403,
    "InvalidClientTokenId": 403,
    "UnauthorizedOperation": 403,
    "OptInRequired": 403,
    "DryRunOperation": 412,
    "InternalError": 500,
    "InternalFailure": 500,
    "RequestLimitExceeded": 503,
    "Unavailable": 503,
    "ServiceUnavailable": 503,
}


class EC2Error(Exception):
    """An error as EC2 reports it: a code such as ``InvalidParameterValue`` and a message."""

    default_status = 400

    def __init__(
        self,
        code: str,
        message: str,
        *,
        http_status: int | None = None,
        request_id: str | None = None,
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.http_status = (
            http_status if http_status is not None else HTTP_STATUS.get(code, self.default_status)
        )
        self.request_id = request_id

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.code!r}, {self.message!r})"

    def __reduce__(self) -> tuple[object, tuple[object, ...]]:
        # keep pickling (multiprocessing, pytest-xdist) working
        return (_rebuild, (type(self), self.code, self.message, self.http_status, self.request_id))


def _rebuild(cls, code, message, http_status, request_id):  # type: ignore[no-untyped-def]
    return cls(code, message, http_status=http_status, request_id=request_id)


class RequestError(EC2Error, ValueError):
    """A request EC2 would refuse before acting on it."""


class AuthError(EC2Error):
    """A request whose signature or credentials EC2 would not accept."""

    default_status = 403


class ServiceError(EC2Error):
    """An error document received from EC2 or a compatible endpoint."""


class DryRunOperation(ServiceError):
    """``DryRunOperation`` (412): the request was valid and ``DryRun`` was set."""

    def __init__(self, code: str = "DryRunOperation",
                 message: str = "Request would have succeeded, but DryRun flag is set.", *,
                 http_status: int | None = 412, request_id: str | None = None) -> None:
        super().__init__(code, message, http_status=http_status, request_id=request_id)


class InternalError(ServiceError):
    """``InternalError`` (500): the service could not answer a request it accepted."""

    def __init__(self, code: str = "InternalError",
                 message: str = "An internal error has occurred", *,
                 http_status: int | None = 500, request_id: str | None = None) -> None:
        super().__init__(code, message, http_status=http_status, request_id=request_id)


class TransportError(EC2Error):
    """No usable answer reached us: the connection failed or timed out (code ``RequestTimeout``
    or ``EndpointConnectionError``, no HTTP status)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(code, message, http_status=0)


class ResponseParseError(EC2Error, ValueError):
    """A response body that is not a well-formed EC2 document (code ``MalformedResponse``)."""

    def __init__(self, message: str, *, request_id: str | None = None) -> None:
        super().__init__("MalformedResponse", message, http_status=502, request_id=request_id)


class UsageError(EC2Error, ValueError):
    """A command line, JSON document or shorthand value that cannot be read."""

    def __init__(self, message: str, *, code: str = "ParamValidation") -> None:
        super().__init__(code, message, http_status=400)


class PolicyError(EC2Error):
    """A change the operator's guardrail policy refuses (``UnauthorizedOperation``, HTTP 403);
    ``violations`` lists what broke it (empty after unpickling)."""

    default_status = 403
    violations: tuple[object, ...] = ()


class PolicyFileError(UsageError):
    """A policy file that cannot be loaded; the message names the file, the line, the problem."""

    path: str | None = None
    line: int | None = None
