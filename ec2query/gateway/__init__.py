"""The validating gateway: a WSGI application that receives EC2 Query requests.

``make_app()`` verifies the signature, decodes, validates, and then answers
from the embedded SQLite backend or forwards to an upstream endpoint.
"""

from __future__ import annotations

from ._app import Gateway, make_app

__all__ = ["Gateway", "make_app"]
