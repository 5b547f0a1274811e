"""Connections balanced over forked workers sharing one listening socket.

Every worker polls the shared socket, and whichever the kernel wakes first
accepts: with a few long-lived keep-alive connections (an SDK's pool, a proxy
in front) one worker often holds three of four while the other idles, and the
busy one sets the pace. Each worker therefore publishes, in a table the parent
maps before forking, how many connections it holds and whether it is in the
middle of answering; a worker holding more than another that is free to accept
leaves the next connection to that one. A worker answering for longer than
:data:`BUSY_AFTER` seconds, or gone, is not waited for: nobody holds a
connection back for it.
"""

from __future__ import annotations

import math
import mmap
import time

__all__ = ["BUSY_AFTER", "Loads"]

#: A worker that has been answering for longer than this (seconds) cannot take a
#: connection now: the others accept it rather than wait.
BUSY_AFTER = 0.01

_COUNT, _SINCE = 0, 1  # each worker's slot: open connections, when its answering began (0: not)
_GONE = math.inf


class Loads:
    """The workers' loads, in memory shared by every process forked after it was made."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._map = mmap.mmap(-1, workers * 2 * 8)  # MAP_SHARED | MAP_ANONYMOUS
        self._slots = memoryview(self._map).cast("d")
        for index in range(workers):
            self.retire(index)

    def __repr__(self) -> str:
        return f"Loads({[self._slots[i * 2 + _COUNT] for i in range(self.workers)]})"

    def start(self, index: int) -> None:
        """Worker ``index`` has started: no connections, not answering."""
        self._slots[index * 2 + _SINCE] = 0.0
        self._slots[index * 2 + _COUNT] = 0.0

    def retire(self, index: int) -> None:
        """Worker ``index`` is gone (or not yet started): never waited for."""
        self._slots[index * 2 + _COUNT] = _GONE

    def publish(self, index: int, connections: int) -> None:
        self._slots[index * 2 + _COUNT] = float(connections)

    def answering(self, index: int, since: float) -> None:
        """Worker ``index`` began answering at ``since`` (``time.monotonic()``; 0: done)."""
        self._slots[index * 2 + _SINCE] = since

    def should_yield(self, index: int, now: float | None = None) -> bool:
        """Whether worker ``index`` should leave the next connection to another: one with
        fewer connections that is not answering a long request."""
        slots = self._slots
        mine = slots[index * 2 + _COUNT]
        moment = time.monotonic() if now is None else now
        for other in range(self.workers):
            if other == index or slots[other * 2 + _COUNT] >= mine:
                continue
            since = slots[other * 2 + _SINCE]
            if not since or moment - since <= BUSY_AFTER:
                return True
        return False
