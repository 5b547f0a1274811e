"""Forwarding: re-sign a validated request for the upstream endpoint and relay its answer.

A modeled operation is re-encoded from its validated params; with pass-through, an
operation outside the model is relayed as its pairs came (``relay``), re-signed.

The exchange is the client's one bounded exchange (``_http``): within ``deadline``
seconds, at most ``max_answer`` bytes, no content coding, no cookie, no lent credential.
Beyond it, the answer must be a final status that carries a body and have a
``Content-Type`` that is a media type. Anything else is EC2's 503 ``ServiceUnavailable``,
as an unreachable upstream is.
"""

from __future__ import annotations

import re
from typing import Any

from .._codec.xml import parse_response
from .._errors import ServiceError
from .._http import MAX_ANSWER, Unanswered, exchange, session
from .._model import CURRENT_VERSION
from .._request import Endpoint, RawRequest, build_signed_request, sign_query_pairs
from ..auth._credentials import resolve_credentials
from ..auth._sigv4 import Signer
from ..auth._verify import check_region

__all__ = ["Forwarder"]

#: The seconds one upstream exchange may take reading its answer (``_http``'s deadline).
DEADLINE = 30.0
_XML_TYPE = "text/xml;charset=UTF-8"
#: A media type as RFC 9110 8.3.1 writes one (type/subtype, then parameters), in
#: visible ASCII and spaces: nothing that could end the header or start another.
_MEDIA_TYPE = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+/[!#$%&'*+.^_`|~0-9A-Za-z-]+"
                         r"(?:[ \t]*;[ -~\t]*)?")


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
        deadline: float = DEADLINE,
        max_answer: int = MAX_ANSWER,
    ) -> None:
        check_region(region)  # an empty one signed a scope no endpoint accepts
        self._endpoint = Endpoint.parse(endpoint)
        self.endpoint = endpoint
        self.credentials = credentials if credentials is not None else resolve_credentials()
        self.region = region
        self.signer = Signer(self.credentials, region)
        self.timeout = timeout
        self.deadline = deadline
        self.max_answer = max_answer
        self.session = session()

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
            raise _unavailable(f"The upstream endpoint answered HTTP {status}")
        return result

    def relay(self, pairs: list[tuple[str, str]]) -> tuple[int, str, bytes]:
        """Send the request's own pairs (``Action`` and ``Version`` included, the
        client's signature parameters removed) unchanged, signed for upstream."""
        return self._send(sign_query_pairs(pairs, endpoint=self._endpoint, signer=self.signer))

    def _send(self, raw: RawRequest) -> tuple[int, str, bytes]:
        """Upstream's answer to ``raw``: ``(status, content type, body)``, within bounds."""
        try:
            answer = exchange(self.session, raw, timeout=self.timeout, deadline=self.deadline,
                              max_answer=self.max_answer)
        except Unanswered as exc:
            raise _unavailable(_REFUSED[exc.kind].format(
                reason=type(exc.error).__name__, limit=self.max_answer)) from None
        status = answer.status_code
        if not (200 <= status < 600) or status in _BODILESS:
            raise _unavailable(f"The upstream endpoint answered HTTP {status}")
        content_type = answer.headers.get("Content-Type", _XML_TYPE)
        if len(content_type) > 256 or not _MEDIA_TYPE.fullmatch(content_type):
            content_type = _XML_TYPE  # EC2's own, rather than a header that is not one
        return status, content_type, answer.content


#: Why no answer is relayed, by ``Unanswered.kind``.
_REFUSED = {
    "timeout": "The upstream endpoint could not be reached: took longer than the deadline",
    "connection": "The upstream endpoint could not be reached: {reason}",
    "too-large": "The upstream endpoint's answer is larger than {limit} bytes",
    "coding": "The upstream endpoint answered in a content coding it was not asked for",
}
#: Final statuses that carry no body (RFC 9110 15.3.5, 15.3.6, 15.4.5): not an answer.
_BODILESS = frozenset({204, 205, 304})


def _unavailable(message: str) -> ServiceError:
    return ServiceError("ServiceUnavailable", message, http_status=503)
