"""Pairs of implementations, and running them side by side on the same inputs."""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ._timing import Stats, calibrate, loop, summarize

__all__ = ["GROUPS", "Pair", "Result", "Skipped", "build_pairs", "run_pair"]

#: Group name -> module under ``benchmarks`` whose ``pairs()`` builds that group's pairs.
GROUPS: dict[str, str] = {
    "encode": "_codec",
    "sign": "_sign",
    "decode": "_codec",
    "parse": "_codec",
    "gateway": "_gateway",
    "cli": "_cli",
    "serve": "_serve",
    "scale": "_scale",
}


@dataclass(frozen=True)
class Pair:
    """Our side and a peer's side of the same work, and how to check they agree.

    ``ours`` and ``peer`` are the timed calls. ``compare()`` runs both sides once
    under controlled conditions (a fixed clock where one matters) and returns
    two values that must be equal for the pair to be a fair comparison.
    ``target`` is the ratio peer/ours (median) the issue asks for, if any.
    ``clocks`` are what each side's time is read from, ours then the peer's: the wall
    clock by default; the serve group's CPU pairs read each server's CPU time.
    """

    group: str
    name: str
    peer_name: str
    ours: Callable[[], Any]
    peer: Callable[[], Any]
    compare: Callable[[], tuple[Any, Any]]
    target: float | None = None
    process: bool = False  # whole-process timing: one call per sample, no calibration
    unit: str = "op"
    note: str = ""
    clocks: tuple[Callable[[], float], Callable[[], float]] | None = None


@dataclass(frozen=True)
class Skipped:
    """A pair that cannot run here, and why."""

    group: str
    name: str
    reason: str


@dataclass(frozen=True)
class Result:
    """Timings of one pair; seconds per op."""

    pair: Pair
    ours: Stats
    peer: Stats

    @property
    def ratio(self) -> float:
        """Peer time over our time, medians: above 1 means we are faster."""
        return self.peer.median / self.ours.median

    @property
    def ratio_min(self) -> float:
        """Peer time over our time, best runs."""
        return self.peer.min / self.ours.min

    @property
    def met(self) -> bool | None:
        """Whether the median ratio reaches the target (None without a target)."""
        return None if self.pair.target is None else self.ratio >= self.pair.target

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready summary, times in microseconds."""
        pair = self.pair
        return {
            "group": pair.group, "name": pair.name, "peer": pair.peer_name, "unit": pair.unit,
            "ours_us": {"min": self.ours.min * 1e6, "median": self.ours.median * 1e6,
                        "number": self.ours.number, "repeat": len(self.ours.samples)},
            "peer_us": {"min": self.peer.min * 1e6, "median": self.peer.median * 1e6,
                        "number": self.peer.number, "repeat": len(self.peer.samples)},
            "ratio_median": self.ratio, "ratio_min": self.ratio_min,
            "target": pair.target, "met": self.met, "note": pair.note,
        }


@dataclass
class Plan:
    """How long to time: repeats, and the minimum length of one timed loop."""

    repeat: int = 7
    budget: float = 0.05
    process_repeat: int = 7
    tiny: bool = False  # one call per sample, no calibration: the smoke test's setting
    groups: tuple[str, ...] = field(default_factory=lambda: tuple(GROUPS))


def build_pairs(groups: tuple[str, ...] | None = None) -> list[Pair | Skipped]:
    """Every pair of the named groups (all by default), in table order."""
    wanted = tuple(GROUPS) if groups is None else groups
    out: list[Pair | Skipped] = []
    modules: dict[str, Any] = {}
    for group in wanted:
        name = GROUPS[group]
        if name not in modules:
            modules[name] = importlib.import_module(f"benchmarks.{name}")
        out.extend(modules[name].pairs(group))
    return out


def run_pair(pair: Pair, plan: Plan) -> Result:
    """Time both sides, alternating repeats so that drift hits both alike."""
    if plan.tiny:
        n_ours = n_peer = 1
        repeat = 1
    elif pair.process:
        n_ours = n_peer = 1
        repeat = plan.process_repeat
        pair.ours()
        pair.peer()
    else:
        n_ours = calibrate(pair.ours, plan.budget)
        n_peer = calibrate(pair.peer, plan.budget)
        repeat = plan.repeat
    ours_clock, peer_clock = pair.clocks or (time.perf_counter, time.perf_counter)
    ours: list[float] = []
    peer: list[float] = []
    for _ in range(repeat):
        ours.append(loop(pair.ours, n_ours, ours_clock))
        peer.append(loop(pair.peer, n_peer, peer_clock))
    return Result(pair, summarize(ours, n_ours), summarize(peer, n_peer))
