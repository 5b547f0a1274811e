"""gateway: our WSGI app (verify + decode + validate + SQLite backend) against moto's, in-process.

Both apps receive the same signed requests, as WSGI environs built once:
authorize the seed rule, then revoke it, alternately, so that the state is
the same after every second request. One timed operation is one request.
"""

from __future__ import annotations

import io
import shutil
import tempfile
import weakref
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlsplit

from ec2query._codec.xml import parse_response
from ec2query._request import RawRequest, build_signed_request
from ec2query.auth import Credentials

from . import inputs
from ._harness import Pair, Skipped

__all__ = ["pairs"]

ENDPOINT = "http://127.0.0.1:8000"
CREDENTIALS = Credentials(inputs.ACCESS_KEY, inputs.SECRET_KEY)
CYCLE = ("AuthorizeSecurityGroupIngress", "RevokeSecurityGroupIngress")

App = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def pairs(group: str) -> list[Pair | Skipped]:
    """The gateway pair, or a skip naming what is missing."""
    try:
        from ec2query.gateway import make_app
    except ImportError as exc:
        return [Skipped("gateway", "authorize/revoke", f"our gateway is not available ({exc})")]
    try:
        from moto.moto_server.werkzeug_app import create_backend_app
    except ImportError as exc:
        return [Skipped("gateway", "authorize/revoke", f"moto is not installed ({exc})")]
    workdir = tempfile.mkdtemp(prefix="ec2query-bench-")
    try:
        ours_app = make_app(db=f"{workdir}/gateway.db",
                            credentials={inputs.ACCESS_KEY: inputs.SECRET_KEY})
    except Exception as exc:  # a gateway still being built: say so, run the rest
        shutil.rmtree(workdir, ignore_errors=True)
        return [Skipped("gateway", "authorize/revoke", f"make_app failed: {exc!r:.120}")]
    moto_app = create_backend_app("ec2")
    ours = _Driver(ours_app)
    weakref.finalize(ours, shutil.rmtree, workdir, True)  # the database goes with the app
    peer = _Driver(moto_app)

    def compare() -> tuple[Any, Any]:
        return ours.cycle(), peer.cycle()

    return [Pair("gateway", "authorize/revoke, seed rule", "moto WSGI app (in-process)",
                 ours.step, peer.step, compare, target=10.0, unit="request",
                 note="one op = one request; requests/s = 1e6 / µs")]


class _Driver:
    """Feeds an app the create request once, then authorize/revoke alternately."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.status = ""
        self.environs = [_environ(_signed(op, inputs.SEED)) for op in CYCLE]
        self.turn = 0
        self.call(_environ(_signed("CreateSecurityGroup",
                                   {"GroupName": "websrv", "Description": "benchmark"})))

    def _start(self, status: str, headers: list[tuple[str, str]], *_: Any) -> None:
        self.status = status

    def call(self, environ: dict[str, Any]) -> bytes:
        """One request: the response body."""
        environ = dict(environ)
        environ["wsgi.input"] = io.BytesIO(environ.pop("body"))
        body = b"".join(self.app(environ, self._start))
        return body

    def step(self) -> bytes:
        """The next request of the authorize/revoke cycle."""
        body = self.call(self.environs[self.turn])
        self.turn ^= 1
        return body

    def cycle(self) -> list[tuple[str, Any]]:
        """A whole cycle from the start: each request's status and parsed ``Return``."""
        if self.turn:
            self.step()
        out = []
        for op in CYCLE:
            body = self.step()
            out.append((self.status, parse_response(op, body).get("Return")))
        return out


def _signed(operation: str, params: dict[str, Any]) -> RawRequest:
    return build_signed_request(operation, params, endpoint=ENDPOINT, credentials=CREDENTIALS,
                                region=inputs.REGION)


def _environ(request: RawRequest) -> dict[str, Any]:
    """A WSGI environ for ``request`` (its body kept under ``body`` until the call)."""
    parts = urlsplit(request.url)
    environ: dict[str, Any] = {
        "REQUEST_METHOD": request.method, "SCRIPT_NAME": "", "PATH_INFO": parts.path or "/",
        "QUERY_STRING": parts.query, "SERVER_NAME": parts.hostname or "localhost",
        "SERVER_PORT": str(parts.port or 80), "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1", "wsgi.url_scheme": parts.scheme, "wsgi.version": (1, 0),
        "wsgi.errors": io.StringIO(), "wsgi.multithread": False, "wsgi.multiprocess": False,
        "wsgi.run_once": False, "body": request.body,
    }
    for name, value in request.headers.items():
        key = name.upper().replace("-", "_")
        if key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            environ[key] = value
        else:
            environ[f"HTTP_{key}"] = value
    environ.setdefault("CONTENT_LENGTH", str(len(request.body)))
    return environ
