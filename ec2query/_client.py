"""The client: validate, encode, sign, send with ``requests``, parse, retry.

This module and the console are where clocks, sockets and environment live;
everything it calls is a pure function. Endpoint and credentials are found the
way the AWS tools find them; retries use capped exponential backoff with full
jitter, for throttling, 5xx answers and connection failures, never for 4xx.
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from ._client_types import Operations
from ._errors import EC2Error, ResponseParseError, ServiceError, TransportError, UsageError
from ._model import CURRENT_VERSION, check_version, operation
from ._request import (
    SIGNATURES,
    UNSIGNED,
    Endpoint,
    RawRequest,
    build_signed_request,
    require_region,
)
from .auth._credentials import Credentials, CredentialsProvider, resolve_credentials, resolve_region
from .auth._sigv4 import Signer

if TYPE_CHECKING:  # requests is imported on first send: building a request needs none of it
    import requests

    from ._http import Answer

__all__ = ["RETRYABLE_CODES", "UNSIGNED", "Client", "resolve_endpoint"]

#: Error codes that mean "try again later" (EC2's throttling and overload answers).
RETRYABLE_CODES = frozenset(
    {
        "RequestLimitExceeded",
        "Throttling",
        "ThrottlingException",
        "ServiceUnavailable",
        "Unavailable",
        "InternalError",
        "InternalFailure",
    }
)


def _configured_endpoint(endpoint: str | None, env: Mapping[str, str]) -> str | None:
    for candidate in (endpoint, env.get("AWS_ENDPOINT_URL_EC2"), env.get("AWS_ENDPOINT_URL")):
        if candidate:
            return candidate
    return None


def resolve_endpoint(endpoint: str | None, region: str, env: Mapping[str, str] = os.environ) -> str:
    """``endpoint``, else ``AWS_ENDPOINT_URL_EC2``, else ``AWS_ENDPOINT_URL``, else EC2's own."""
    return _configured_endpoint(endpoint, env) or f"https://ec2.{region}.amazonaws.com"


def resolve_client_region(region: str | None, endpoint: str | None, *,
                          profile: str | None = None,
                          env: Mapping[str, str] = os.environ) -> str:
    """The region as aws-cli finds it: ``region``, ``AWS_REGION``, ``AWS_DEFAULT_REGION``,
    the profile's, else the one a regional EC2 endpoint names (``endpoint``, else the
    endpoint environment variables); ``UsageError`` (code ``NoRegion``) with none."""
    return require_region(resolve_region(region, profile=profile, env=env),
                          _configured_endpoint(endpoint, env))


class Client(Operations):
    """An EC2 client for the security-group operations, on one ``requests.Session``.

    ``call("RevokeSecurityGroupIngress", params)`` or
    ``revoke_security_group_ingress(**params)`` returns the parsed result (the
    dict boto3 returns, ``ResponseMetadata`` with ``RequestId``, ``HTTPStatusCode``,
    ``HTTPHeaders`` and ``RetryAttempts`` included) or raises
    :class:`~ec2query.EC2Error` with EC2's code, message, request id and HTTP status.

    ``endpoint`` may be spelled ``endpoint_url=`` as boto3 spells it. The region is
    found as aws-cli finds it (:func:`resolve_client_region`); with none,
    ``UsageError`` (code ``NoRegion``) here, as boto3 raises ``NoRegionError``.
    ``signature=UNSIGNED`` sends requests unsigned. ``timeout`` is requests'
    (connect, read) in seconds, None waiting forever; ``deadline`` bounds an exchange
    from sending to the answer's last byte, kept once the answer is being read (None: no
    bound but ``timeout``'s, which also bounds connecting and TLS, step by step);
    ``verify`` is requests' (False, or a CA bundle's path). An answer over 10 MiB, or in
    a content coding, is refused (``MalformedResponse``); the client's own session asks
    for none, keeps no cookies and lends no ``~/.netrc`` credential over the signature.
    A ``session`` given is used as it is (its adapters, cookies and auth are yours; the
    deadline is kept only by the client's own). ``observer(request, answer)`` gets each
    request sent and its answer, read whole: an ``Answer`` with ``status_code``,
    ``headers`` and ``content`` (it was requests' ``Response``), or None when none came.
    """

    def __init__(
        self,
        endpoint: str | None = None,
        credentials: Credentials | CredentialsProvider | None = None,
        region: str | None = None,
        signature: str = "v4",
        version: str = CURRENT_VERSION,
        *,
        profile: str | None = None,
        timeout: float | tuple[float | None, float | None] | None = (5.0, 60.0),
        deadline: float | None = 120.0,
        retries: int = 4,
        backoff: float = 0.1,
        max_backoff: float = 20.0,
        validate: bool = True,
        verify: bool | str = True,
        endpoint_url: str | None = None,
        session: requests.Session | None = None,
        env: Mapping[str, str] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], datetime] | None = None,
        observer: Callable[[RawRequest, Answer | None], None] | None = None,
    ) -> None:
        if signature not in (*SIGNATURES, UNSIGNED):
            raise UsageError(f"signature must be one of {', '.join(SIGNATURES)} or {UNSIGNED!r}",
                             code="InvalidParameterValue")
        if endpoint is not None and endpoint_url is not None and endpoint != endpoint_url:
            raise UsageError("Give the endpoint once: endpoint or endpoint_url")
        endpoint = endpoint if endpoint is not None else endpoint_url
        self._env = os.environ if env is None else env
        self.region = resolve_client_region(region, endpoint, profile=profile, env=self._env)
        self.endpoint = resolve_endpoint(endpoint, self.region, self._env)
        self.verify = verify
        self.signature = signature
        self.version = check_version(version)
        self.profile = profile
        self.timeout = timeout
        self.deadline = deadline
        self.retries = retries
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.validate = validate
        self._session = session
        self._credentials = credentials
        self._signer: Signer | None = None
        self._endpoint: tuple[str, Endpoint] | None = None
        self._sleep = sleep
        self._clock = clock or (lambda: datetime.now(timezone.utc))
        #: Called with each request sent and its response (None when none came).
        self.observer = observer

    def __repr__(self) -> str:
        return (
            f"Client(endpoint={self.endpoint!r}, region={self.region!r}, "
            f"signature={self.signature!r})"
        )

    @property
    def session(self) -> requests.Session:
        """The one ``requests.Session`` every call goes through (created on first use)."""
        if self._session is None:
            from ._http import session

            self._session = session()
        return self._session

    @property
    def credentials(self) -> Credentials | CredentialsProvider:
        """The credentials (or provider), resolved from the environment on first use."""
        if self._credentials is None:
            self._credentials = resolve_credentials(self.profile, env=self._env)
        return self._credentials

    @property
    def signer(self) -> Signer:
        """The client's one SigV4 :class:`~ec2query.auth.Signer` (its credentials and
        region, and its cache of derived keys), made on first use."""
        signer, credentials = self._signer, self.credentials
        if signer is None or signer.credentials is not credentials or signer.region != self.region:
            signer = self._signer = Signer(credentials, self.region)
        return signer

    def build_request(self, operation_name: str, params: Mapping[str, Any]) -> RawRequest:
        """The signed request ``call`` would send now, without sending it."""
        endpoint: str | Endpoint = self.endpoint
        if self._endpoint is not None and self._endpoint[0] == endpoint:
            endpoint = self._endpoint[1]
        else:
            try:
                parsed = Endpoint.parse(self.endpoint)
                self._endpoint = (self.endpoint, parsed)
                endpoint = parsed
            except UsageError:  # refused by build_signed_request, after the params' checks
                pass
        if self.signature == UNSIGNED:
            return build_signed_request(operation_name, params, endpoint=endpoint,
                                        signature=UNSIGNED, version=self.version)
        return build_signed_request(
            operation_name,
            params,
            endpoint=endpoint,
            signer=self.signer,
            signature=self.signature,
            version=self.version,
            timestamp=self._clock(),
        )

    def call(self, operation_name: str, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Validate, sign, send (with retries) and parse one request."""
        op = operation(operation_name)
        params = dict(params or {})
        if self.validate:
            from ._validate import validate

            validate(op.name, params)
        attempt = 0
        while True:
            try:
                return self._send_once(op.name, params, attempt)
            except EC2Error as error:
                if attempt >= self.retries or not _retryable(error):
                    raise
            delay = min(self.max_backoff, self.backoff * (2**attempt))
            self._sleep(random.uniform(0, delay))  # noqa: S311 - jitter, not secrecy
            attempt += 1

    def _send_once(self, operation_name: str, params: Mapping[str, Any],
                   attempt: int = 0) -> dict[str, Any]:
        from ._codec.xml import parse_response
        from ._http import Unanswered, exchange

        raw = self.build_request(operation_name, params)
        try:
            response = exchange(self.session, raw, timeout=self.timeout,
                                deadline=self.deadline, verify=self.verify)
        except Unanswered as exc:
            if self.observer is not None:
                self.observer(raw, None)
            raise _unanswered(exc, self.endpoint) from None
        if self.observer is not None:
            self.observer(raw, response)
        try:
            result = parse_response(operation_name, response.content)
        except ServiceError as error:
            error.http_status = response.status_code
            raise
        except ResponseParseError as error:
            if response.status_code >= 500:
                raise ServiceError(
                    "ServiceUnavailable",
                    f"HTTP {response.status_code} with a body that is not EC2's XML",
                    http_status=response.status_code,
                ) from None
            raise error
        if response.status_code >= 300:  # a success document under a failure's status
            raise ServiceError(str(response.status_code), _status_text(response.status_code),
                               http_status=response.status_code)
        metadata = result.setdefault("ResponseMetadata", {})
        metadata.update(HTTPStatusCode=response.status_code,
                        HTTPHeaders={k.lower(): v for k, v in response.headers.items()},
                        RetryAttempts=attempt)
        return result


def _unanswered(exc: Any, endpoint: str) -> EC2Error:
    """The error for an exchange that gave no answer to use (``_http.Unanswered``)."""
    if exc.kind == "timeout":
        detail = f": {exc.error}" if exc.error is not None else " within the deadline"
        return TransportError("RequestTimeout", f"No answer from {endpoint}{detail}")
    if exc.kind == "connection":
        return TransportError("EndpointConnectionError",
                              f"Could not connect to {endpoint}: {exc.error}")
    if exc.kind == "too-large":
        from ._http import MAX_ANSWER

        return ResponseParseError(f"The response is larger than {MAX_ANSWER} bytes")
    return ResponseParseError("The response is in a content coding that was not asked for")


def _status_text(status: int) -> str:
    """An HTTP status' reason phrase, as botocore reports a failure without EC2's error."""
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return f"HTTP {status}"


def _retryable(error: EC2Error) -> bool:
    if isinstance(error, TransportError):
        return True
    if not isinstance(error, ServiceError):
        return False
    return error.code in RETRYABLE_CODES or error.http_status >= 500
