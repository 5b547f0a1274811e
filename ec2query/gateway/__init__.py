"""The validating gateway: a WSGI application that receives EC2 Query requests.

``make_app()`` verifies the signature, decodes, validates, and then answers
from the embedded SQLite backend (a :class:`Backend`, which ``make_app(backend=...)``
also takes) or forwards to an upstream endpoint.
"""

from __future__ import annotations

from ._app import Gateway, make_app
from ._backend import Backend

__all__ = ["Backend", "Gateway", "make_app"]
