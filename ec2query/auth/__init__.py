"""Signing and verification for the EC2 Query API: SigV4 (header and presigned), SigV2.

Pure, sans-I/O functions (the clock is always a parameter) plus thin
``requests`` adapters. See ``docs/auth.md``.
"""

from __future__ import annotations

from . import _sigv2 as sigv2
from . import _sigv4 as sigv4
from ._credentials import (
    Credentials,
    CredentialsProvider,
    RefreshingCredentials,
    resolve_credentials,
    resolve_region,
)
from ._sigv4 import canonical_request, presign_url, sign_headers, string_to_sign
from ._verify import (
    SIGV2,
    SIGV4_HEADER,
    SIGV4_QUERY,
    VerifiedRequest,
    verify_request,
    verify_sigv2,
    verify_sigv4_header,
    verify_sigv4_query,
)

sign_sigv2 = sigv2.sign_params


def __getattr__(name: str) -> object:
    # The requests adapters import requests: loaded on first use, not with the signers.
    if name in ("SigV4Auth", "SigV2Auth"):
        from . import _adapters as adapters

        return getattr(adapters, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__all__ = [
    "SIGV2",
    "SIGV4_HEADER",
    "SIGV4_QUERY",
    "Credentials",
    "CredentialsProvider",
    "RefreshingCredentials",
    "SigV2Auth",
    "SigV4Auth",
    "VerifiedRequest",
    "canonical_request",
    "presign_url",
    "resolve_credentials",
    "resolve_region",
    "sign_headers",
    "sign_sigv2",
    "sigv2",
    "sigv4",
    "string_to_sign",
    "verify_request",
    "verify_sigv2",
    "verify_sigv4_header",
    "verify_sigv4_query",
]
