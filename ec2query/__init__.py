"""ec2query: the EC2 Query protocol for security-group rules, at the level of bytes.

This module is the public API (see DESIGN.md); everything else is internal
and may move.
"""

from __future__ import annotations

from . import auth
from .auth import Credentials
from .codec.forms import flatten, normalize
from .codec.query import encode_query, from_query, to_query
from .errors import (
    AuthError,
    EC2Error,
    RequestError,
    ResponseParseError,
    ServiceError,
    UsageError,
)
from .request import RawRequest, build_signed_request

__version__ = "0.1.0"

__all__ = [
    "AuthError",
    "Credentials",
    "EC2Error",
    "RawRequest",
    "RequestError",
    "ResponseParseError",
    "ServiceError",
    "UsageError",
    "__version__",
    "auth",
    "build_signed_request",
    "encode_query",
    "flatten",
    "from_query",
    "normalize",
    "to_query",
]
