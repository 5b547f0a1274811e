"""ec2query: the EC2 Query protocol for security-group rules, at the level of bytes.

This module is the public API (see DESIGN.md); everything else is internal
and may move. ``ec2query.auth`` (signers, verifiers, requests adapters) and
``ec2query.gateway`` (the WSGI gateway) are public subpackages.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._codec.forms import flatten, normalize
from ._codec.query import encode_query, from_query, to_query
from ._errors import (
    AuthError,
    EC2Error,
    RequestError,
    ResponseParseError,
    ServiceError,
    TransportError,
    UsageError,
)
from ._validate import validate  # eager: the submodule of the same name would shadow it

if TYPE_CHECKING:
    from . import auth
    from ._client import Client
    from ._codec.cliargs import cli_skeleton, from_cli_args, to_cli_args
    from ._codec.xml import parse_response, render_error, render_response
    from ._request import RawRequest, build_signed_request
    from .auth import Credentials

__version__ = "0.1.0"

#: Public names whose modules load on first use, so that ``import ec2query`` (and the
#: console's start-up) does not pay for requests, lxml and xmlschema up front.
_LAZY = {
    "auth": (".auth", None),
    "Credentials": (".auth._credentials", "Credentials"),
    "Client": ("._client", "Client"),
    "cli_skeleton": ("._codec.cliargs", "cli_skeleton"),
    "from_cli_args": ("._codec.cliargs", "from_cli_args"),
    "to_cli_args": ("._codec.cliargs", "to_cli_args"),
    "parse_response": ("._codec.xml", "parse_response"),
    "render_error": ("._codec.xml", "render_error"),
    "render_response": ("._codec.xml", "render_response"),
    "RawRequest": ("._request", "RawRequest"),
    "build_signed_request": ("._request", "build_signed_request"),
}


def __getattr__(name: str) -> object:
    import importlib

    try:
        module_name, attribute = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module 'ec2query' has no attribute {name!r}") from None
    module = importlib.import_module(module_name, __name__)
    value = module if attribute is None else getattr(module, attribute)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))

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
