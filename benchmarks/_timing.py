"""Loop timing in the manner of ``timeit``: calibrated loops, GC off, per-op seconds."""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["Stats", "calibrate", "loop", "summarize"]


@dataclass(frozen=True)
class Stats:
    """Seconds per operation over the repeats: best, median and the raw samples."""

    min: float
    median: float
    samples: tuple[float, ...]
    number: int


def loop(fn: Callable[[], Any], number: int,
         clock: Callable[[], float] = time.perf_counter) -> float:
    """Seconds per call of ``fn`` over ``number`` calls, with the garbage collector off,
    read from ``clock`` (the wall clock unless a pair measures something else)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        start = clock()
        for _ in range(number):
            fn()
        elapsed = clock() - start
    finally:
        if enabled:
            gc.enable()
    return elapsed / number


def calibrate(fn: Callable[[], Any], budget: float) -> int:
    """The smallest count of the 1-2-5 series whose loop lasts at least ``budget`` seconds."""
    fn()  # warm caches and lazy imports outside the measurement
    number = 1
    while True:
        for step in (1, 2, 5):
            count = number * step
            if loop(fn, count) * count >= budget:
                return count
        number *= 10


def summarize(samples: list[float], number: int) -> Stats:
    """Min and median of per-op samples."""
    return Stats(min(samples), statistics.median(samples), tuple(samples), number)
