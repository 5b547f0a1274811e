"""The validating gateway: a WSGI application that receives EC2 Query requests.

``make_app()`` verifies the signature, decodes, validates, and then answers
from the embedded backend, on SQLite or PostgreSQL (a :class:`Backend`, which
``make_app(backend=...)`` also takes) or forwards to an upstream endpoint. ``load_policy`` and
``check_request`` judge a change with the operator's policy (docs/policy.md), as
``make_app(policy=...)`` does on every request; ``decode_authorization_message``
reads the encoded message of a refusal.
"""

from __future__ import annotations

from .._policy import check_request, load_policy
from .._policy import decode_message as decode_authorization_message
from ._app import Gateway, make_app
from ._backend import Backend

__all__ = [
    "Backend",
    "Gateway",
    "check_request",
    "decode_authorization_message",
    "load_policy",
    "make_app",
]
