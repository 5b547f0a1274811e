"""ec2query: the EC2 Query protocol for security-group rules, at the level of bytes.

This module is the public API (see DESIGN.md); everything else is internal
and may move. ``ec2query.auth`` (signers, verifiers, requests adapters) and
``ec2query.gateway`` (the WSGI gateway) are public subpackages.
"""

from __future__ import annotations

from . import auth
from .auth import Credentials
from .client import Client
from .codec.cliargs import cli_skeleton, from_cli_args, to_cli_args
from .codec.forms import flatten, normalize
from .codec.query import encode_query, from_query, to_query
from .codec.xml import parse_response, render_error, render_response
from .errors import (
    AuthError,
    EC2Error,
    RequestError,
    ResponseParseError,
    ServiceError,
    TransportError,
    UsageError,
)
from .request import RawRequest, build_signed_request
from .validate import validate

__version__ = "0.1.0"

__all__ = [
    "AuthError",
    "Client",
    "Credentials",
    "EC2Error",
    "RawRequest",
    "RequestError",
    "ResponseParseError",
    "ServiceError",
    "TransportError",
    "UsageError",
    "__version__",
    "auth",
    "build_signed_request",
    "cli_skeleton",
    "encode_query",
    "flatten",
    "from_cli_args",
    "from_query",
    "normalize",
    "parse_response",
    "render_error",
    "render_response",
    "to_cli_args",
    "to_query",
    "validate",
]
