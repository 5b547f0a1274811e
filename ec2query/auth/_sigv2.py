"""AWS Signature Version 2 for the Query API (GET query or POST form body).

The string to sign is ``METHOD\\nhost\\npath\\ncanonical-query``, where the
canonical query is every parameter but ``Signature``, sorted by name (byte
order of the UTF-8 text, then by value for repeated names) and encoded with the
shared percent-encoder. Pure functions; the time is a parameter. Bad arguments
raise :class:`~ec2query._errors.UsageError` (also a ``ValueError``).
"""

from __future__ import annotations

import base64
import hmac
from collections.abc import Iterable
from datetime import datetime
from urllib.parse import urlsplit

from .._errors import UsageError
from .._percent import percent_encode
from ._credentials import Credentials
from ._util import host_for_signing, utc

__all__ = [
    "AUTH_PARAMS",
    "SIGNATURE_METHODS",
    "canonical_query",
    "format_time",
    "sign_params",
    "signature",
    "string_to_sign",
]

#: SignatureMethod value -> hashlib digest name.
SIGNATURE_METHODS = {"HmacSHA256": "sha256", "HmacSHA1": "sha1"}

#: The parameters SigV2 adds; stale copies are dropped before re-signing.
AUTH_PARAMS = frozenset(
    {"AWSAccessKeyId", "SignatureVersion", "SignatureMethod", "Timestamp", "Expires",
     "SecurityToken", "Signature"}
)


def _unsupported(method: str) -> UsageError:
    return UsageError(f"Unsupported SignatureMethod {method!r:.64}: expected HmacSHA256 or "
                      "HmacSHA1", code="InvalidParameterValue")


def format_time(moment: datetime) -> str:
    """``YYYY-MM-DDTHH:MM:SSZ`` in UTC, the form botocore and EC2 use."""
    t = utc(moment)
    return (f"{t.year:04d}-{t.month:02d}-{t.day:02d}T"
            f"{t.hour:02d}:{t.minute:02d}:{t.second:02d}Z")


def canonical_query(params: Iterable[tuple[str, str]]) -> str:
    """All pairs but ``Signature``, sorted by name then value, percent-encoded."""
    ordered = sorted((k, v) for k, v in params if k != "Signature")
    return "&".join(f"{percent_encode(k)}={percent_encode(v)}" for k, v in ordered)


def string_to_sign(*, method: str, host: str, path: str, params: Iterable[tuple[str, str]]) -> str:
    """``METHOD\\nhost\\npath\\ncanonical-query`` (``/`` for an empty path)."""
    return f"{method}\n{host}\n{path or '/'}\n{canonical_query(params)}"


def signature(*, secret_key: str, string_to_sign: str, method: str = "HmacSHA256") -> str:
    """Base64 HMAC of ``string_to_sign`` with ``HmacSHA256`` or ``HmacSHA1``."""
    try:
        digest = SIGNATURE_METHODS[method]
    except KeyError:
        raise _unsupported(method) from None
    mac = hmac.digest(secret_key.encode("utf-8"), string_to_sign.encode("utf-8"), digest)
    return base64.b64encode(mac).decode("ascii")


def sign_params(
    *,
    method: str,
    url: str,
    params: Iterable[tuple[str, str]],
    credentials: Credentials,
    timestamp: datetime | None = None,
    expires: datetime | None = None,
    signature_method: str = "HmacSHA256",
) -> list[tuple[str, str]]:
    """A new list: ``params`` plus AWSAccessKeyId, SignatureVersion, SignatureMethod,
    Timestamp (or Expires), SecurityToken (with a session token) and Signature.

    Exactly one of ``timestamp`` and ``expires`` is required. Stale auth
    parameters in ``params`` are dropped, so re-signing is safe. The host and
    path come from ``url``; put the result in the query (GET) or, encoded with
    ``encode_pairs``, in a form body (POST).
    """
    if (timestamp is None) == (expires is None):
        raise UsageError("Give exactly one of timestamp and expires")
    if signature_method not in SIGNATURE_METHODS:
        raise _unsupported(signature_method)
    parts = urlsplit(url)
    signed = [(k, v) for k, v in params if k not in AUTH_PARAMS]
    signed.append(("AWSAccessKeyId", credentials.access_key))
    signed.append(("SignatureVersion", "2"))
    signed.append(("SignatureMethod", signature_method))
    if timestamp is not None:
        signed.append(("Timestamp", format_time(timestamp)))
    else:
        assert expires is not None  # noqa: S101 - checked above
        signed.append(("Expires", format_time(expires)))
    if credentials.token:
        signed.append(("SecurityToken", credentials.token))
    sts = string_to_sign(method=method.upper(), host=host_for_signing(parts.scheme, parts.netloc),
                         path=parts.path, params=signed)
    signed.append(("Signature", signature(secret_key=credentials.secret_key, string_to_sign=sts,
                                          method=signature_method)))
    return signed
