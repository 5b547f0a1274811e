"""Signing and verification for the EC2 Query API: SigV4 (header and presigned), SigV2.

One signer per algorithm: :class:`Signer` for SigV4 (credentials, region,
service and a bounded cache of derived keys) and :func:`sign_sigv2`; one
:class:`Verifier` for the receiving side (credential lookup, region, service,
skew, clock). The canonical forms are pure functions, the clock is always a
parameter, and the ``requests`` adapters are thin layers over the signers.
See ``docs/auth.md``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._credentials import (
    Credentials,
    CredentialsProvider,
    RefreshingCredentials,
    resolve_credentials,
    resolve_region,
)
from ._sigv2 import sign_params as sign_sigv2
from ._sigv4 import (
    Signer,
    canonical_request,
    presign_url,
    sign_headers,
    string_to_sign,
)
from ._verify import (
    SIGV2,
    SIGV4_HEADER,
    SIGV4_QUERY,
    VerifiedRequest,
    Verifier,
    verify_request,
    verify_sigv2,
    verify_sigv4_header,
    verify_sigv4_query,
)

if TYPE_CHECKING:  # the requests adapters import requests: loaded on first use
    from ._adapters import SigV2Auth, SigV4Auth

__all__ = [
    "SIGV2",
    "SIGV4_HEADER",
    "SIGV4_QUERY",
    "Credentials",
    "CredentialsProvider",
    "RefreshingCredentials",
    "SigV2Auth",
    "SigV4Auth",
    "Signer",
    "VerifiedRequest",
    "Verifier",
    "canonical_request",
    "presign_url",
    "resolve_credentials",
    "resolve_region",
    "sign_headers",
    "sign_sigv2",
    "string_to_sign",
    "verify_request",
    "verify_sigv2",
    "verify_sigv4_header",
    "verify_sigv4_query",
]


def __getattr__(name: str) -> object:
    if name in ("SigV4Auth", "SigV2Auth"):
        from . import _adapters

        return getattr(_adapters, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
