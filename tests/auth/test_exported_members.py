"""The public surface of ``ec2query.auth``: it changes only on purpose (as httpx pins its own)."""

from __future__ import annotations

import ec2query.auth

EXPECTED = [
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


def test_all_is_exactly_the_documented_surface():
    assert ec2query.auth.__all__ == EXPECTED


def test_every_exported_name_resolves():
    for name in ec2query.auth.__all__:
        assert getattr(ec2query.auth, name) is not None, name


def test_the_implementation_modules_are_not_re_exported():
    public = {name for name in dir(ec2query.auth) if not name.startswith("_")}
    assert not {"sigv2", "sigv4", "adapters", "verify"} & public
    assert public - {"annotations", "TYPE_CHECKING"} <= set(EXPECTED)
