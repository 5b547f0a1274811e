"""Connections balanced over forked workers sharing one listening socket.

Every worker polls the shared socket, and whichever the kernel wakes first
accepts: with a few long-lived keep-alive connections (an SDK's pool, a proxy
in front) one worker often holds three of four while the other idles, and the
busy one sets the pace. Each worker therefore publishes, in a table the parent
maps before forking, how many connections it holds and whether it is in the
middle of answering, with a heartbeat at every turn of its event loop; a
worker holding more than another that is free to accept leaves the next
connection to that one, and so does a worker whose every thread is answering.
A worker answering for longer than :data:`BUSY_AFTER` seconds (in its loop, or
with every thread taken), one whose loop has not turned for :data:`STALE_AFTER`
seconds (stopped, frozen, starved of CPU) and one that is gone are not waited
for: nobody holds a connection back for them. A worker that begins to yield
wakes the others through their wake pipes (made here, before the fork), so the
one it yields to accepts at once even while its own connections are silent; a
worker that yields also looks again at least every ``_edge._YIELD_RECHECK``
seconds, so a connection waits at most about that long for a worker that has
just become taken.
"""

from __future__ import annotations

import contextlib
import math
import mmap
import os
import time

__all__ = ["BUSY_AFTER", "STALE_AFTER", "Loads"]

#: A worker that has been answering for longer than this (seconds) cannot take a
#: connection now: the others accept it rather than wait.
BUSY_AFTER = 0.01
#: A worker whose loop has not turned for this long (seconds; a waiting loop turns at
#: least every ``_edge._YIELD_RECHECK``) is not waited for either.
STALE_AFTER = 0.3

# Each worker's slot: open connections, when its answering began (0: not), its last turn.
_COUNT, _SINCE, _BEAT = 0, 1, 2
_SLOT = 3
_GONE = math.inf


class Loads:
    """The workers' loads, in memory shared by every process forked after it was made."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._map = mmap.mmap(-1, workers * _SLOT * 8)  # MAP_SHARED | MAP_ANONYMOUS
        self._slots = memoryview(self._map).cast("d")
        for index in range(workers):
            self.retire(index)
        self._wakes = [os.pipe() for _ in range(workers)]  # (read, write) per worker
        for read, write in self._wakes:
            os.set_blocking(read, False)
            os.set_blocking(write, False)  # a full pipe is a worker already woken

    def __repr__(self) -> str:
        return f"Loads({[self._slots[i * _SLOT + _COUNT] for i in range(self.workers)]})"

    def start(self, index: int, now: float | None = None) -> None:
        """Worker ``index`` has started: no connections, not answering."""
        base = index * _SLOT
        self._slots[base + _SINCE] = 0.0
        self._slots[base + _BEAT] = time.monotonic() if now is None else now
        self._slots[base + _COUNT] = 0.0

    def retire(self, index: int) -> None:
        """Worker ``index`` is gone (or not yet started): never waited for."""
        self._slots[index * _SLOT + _COUNT] = _GONE

    def publish(self, index: int, connections: int, now: float) -> None:
        """Worker ``index`` holds ``connections`` at this turn of its loop (``now``)."""
        base = index * _SLOT
        self._slots[base + _BEAT] = now
        self._slots[base + _COUNT] = float(connections)

    def answering(self, index: int, since: float) -> None:
        """Worker ``index`` began answering at ``since`` (``time.monotonic()``; 0: done)."""
        self._slots[index * _SLOT + _SINCE] = since

    def wake_fd(self, index: int) -> int:
        """The read end of worker ``index``'s wake pipe, for its event loop to watch."""
        return self._wakes[index][0]

    def wake_others(self, index: int) -> None:
        """Worker ``index`` begins to leave new connections to the others: their loops turn
        now (a byte on each one's wake pipe) and look at the listening socket again."""
        for other, (_, write) in enumerate(self._wakes):
            if other != index:
                with contextlib.suppress(BlockingIOError, BrokenPipeError):
                    os.write(write, b".")

    def close(self) -> None:
        """Close the wake pipes (the parent, once its workers are gone)."""
        for read, write in self._wakes:
            os.close(read)
            os.close(write)
        self._wakes = []

    def should_yield(self, index: int, now: float) -> bool:
        """Whether worker ``index`` should leave the next connection to another that is
        free at ``now`` (its loop turning, not answering a long request): one that holds
        fewer connections, or any, while ``index`` itself is taken (every thread answering)."""
        slots = self._slots
        mine = slots[index * _SLOT + _COUNT]
        taken = not self._free(index, now)
        return any(other != index and self._free(other, now)
                   and (taken or slots[other * _SLOT + _COUNT] < mine)
                   for other in range(self.workers))

    def _free(self, index: int, now: float) -> bool:
        base = index * _SLOT
        since = self._slots[base + _SINCE]
        return (self._slots[base + _COUNT] != _GONE
                and now - self._slots[base + _BEAT] <= STALE_AFTER
                and (not since or now - since <= BUSY_AFTER))
