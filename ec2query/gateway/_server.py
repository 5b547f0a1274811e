"""Serving the gateway on the edge (waitress, bounded: ``_edge``) at a chosen address."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from .._errors import UsageError

__all__ = ["create_server", "running"]


def create_server(
    app: Any, *, host: str = "127.0.0.1", port: int = 8773, threads: int = 8, **options: Any
) -> Any:
    """The edge server for ``app`` (not started); ``port=0`` picks a free port. ``options``:
    the edge's bounds (``header_timeout``, ``body_timeout``, ``idle_timeout``,
    ``max_header``, ``connection_limit``), ``sock`` (a listening socket to serve), or
    waitress adjustments."""
    try:
        from ._edge import edge_server
    except ImportError:  # pragma: no cover - depends on the install
        raise UsageError(
            "ec2query serve needs waitress: python -m pip install 'ec2query[serve]'"
        ) from None
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    return edge_server(app, host=host, port=port, threads=threads, **options)


@contextmanager
def running(app: Any, *, host: str = "127.0.0.1", port: int = 0, **options: Any) -> Iterator[str]:
    """Serve ``app`` in a background thread for the duration; yields the endpoint URL."""
    options.setdefault("asyncore_loop_timeout", 0.05)
    server = create_server(app, host=host, port=port, **options)
    thread = threading.Thread(target=server.run, name="ec2query-gateway", daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{server.effective_port}"
    finally:
        # The loop runs while any channel is open (clients' keep-alive ones too): close
        # them all from inside the loop's own thread, where it is safe to.
        def close_all() -> None:
            for channel in list(server._map.values()):
                channel.close()

        server.trigger.pull_trigger(close_all)
        thread.join(timeout=5)
        server.task_dispatcher.shutdown(timeout=1)
