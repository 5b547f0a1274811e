"""``python -m benchmarks._serve_bare PORT [WORKERS]``: the bare WSGI app on the gateway's
edge, in one process or in ``WORKERS`` forked ones sharing the port (as ``--workers``)."""

from __future__ import annotations

import sys

from ec2query.gateway._server import serve

from ._serve import bare_app

if __name__ == "__main__":
    serve(bare_app, port=int(sys.argv[1]), workers=int(sys.argv[2]) if len(sys.argv) > 2 else 1)
