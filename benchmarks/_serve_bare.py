"""``python -m benchmarks._serve_bare PORT``: the bare WSGI app on the gateway's edge."""

from __future__ import annotations

import sys

from ec2query.gateway._server import serve

from ._serve import bare_app

if __name__ == "__main__":
    serve(bare_app, port=int(sys.argv[1]))
