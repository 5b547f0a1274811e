"""Forwarding: re-sign a validated request for the upstream endpoint and relay its answer.

A modeled operation is re-encoded from its validated params; with pass-through, an
operation outside the model is relayed as its pairs came (``relay``), re-signed.
"""

from __future__ import annotations

from typing import Any

import requests

from .._codec.xml import parse_response
from .._errors import ServiceError
from .._model import CURRENT_VERSION
from .._request import Endpoint, RawRequest, build_signed_request, sign_query_pairs
from ..auth._credentials import resolve_credentials
from ..auth._sigv4 import Signer

__all__ = ["Forwarder"]


class Forwarder:
    """Send validated params upstream, signed with the gateway's own credentials.

    The forwarder holds one :class:`~ec2query.auth.Signer` for upstream and the
    upstream endpoint read once.
    """

    def __init__(
        self,
        endpoint: str,
        credentials: Any = None,
        *,
        region: str = "us-east-1",
        timeout: float | tuple[float, float] = (5.0, 60.0),
    ) -> None:
        self.endpoint = endpoint
        self.credentials = credentials if credentials is not None else resolve_credentials()
        self.region = region
        self.signer = Signer(self.credentials, region)
        self._endpoint = Endpoint.parse(endpoint)
        self.timeout = timeout
        self.session = requests.Session()

    def __call__(
        self, operation: str, params: dict[str, Any], version: str
    ) -> tuple[int, str, bytes]:
        """Send a validated request, encoded from the model at ``version``."""
        return self._send(
            build_signed_request(
                operation, params, endpoint=self._endpoint, signer=self.signer, version=version
            )
        )

    def read(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        """A read-only operation's result from upstream, parsed as the backend gives it
        (the policy's view of the groups); upstream's error as ServiceError."""
        status, _, body = self(operation, params, CURRENT_VERSION)
        result = parse_response(operation, body)  # an error document raises ServiceError
        if status != 200:
            raise ServiceError("ServiceUnavailable", "The upstream endpoint answered "
                               f"HTTP {status}", http_status=503)
        return result

    def relay(self, pairs: list[tuple[str, str]]) -> tuple[int, str, bytes]:
        """Send the request's own pairs (``Action`` and ``Version`` included, the
        client's signature parameters removed) unchanged, signed for upstream."""
        return self._send(sign_query_pairs(pairs, endpoint=self._endpoint, signer=self.signer))

    def _send(self, raw: RawRequest) -> tuple[int, str, bytes]:
        try:
            response = self.session.request(
                raw.method,
                raw.url,
                data=raw.body or None,
                headers=raw.headers,
                timeout=self.timeout,
                allow_redirects=False,
            )
        except requests.RequestException as exc:
            raise ServiceError(
                "ServiceUnavailable",
                f"The upstream endpoint could not be reached: {type(exc).__name__}",
                http_status=503,
            ) from None
        content_type = response.headers.get("Content-Type", "text/xml;charset=UTF-8")
        return response.status_code, content_type, response.content
