"""The results table, the machine it ran on, and the JSON document."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

from ._harness import Result, Skipped

__all__ = ["document", "machine", "table"]

ROOT = Path(__file__).resolve().parent.parent


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def _commit() -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                             capture_output=True, text=True, timeout=5, check=True)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def machine() -> dict[str, Any]:
    """Where and with what the benchmarks ran."""
    try:
        load = os.getloadavg()[0]
    except OSError:
        load = None
    return {
        "cpu": _cpu(), "cores": os.cpu_count(), "load_1min": load,
        "python": platform.python_version(), "implementation": platform.python_implementation(),
        "platform": platform.platform(terse=True),
        "versions": {name: _version(name) for name in ("botocore", "awscli", "moto", "lxml")},
        "ec2query_commit": _commit(),
        "when": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }


def describe(info: dict[str, Any]) -> str:
    """One line naming the machine."""
    versions = ", ".join(f"{k} {v}" for k, v in info["versions"].items() if v)
    load = "" if info["load_1min"] is None else f", load {info['load_1min']:.1f}"
    return (f"{info['cpu']}, {info['cores']} cores{load}; {info['implementation']} "
            f"{info['python']} on {info['platform']}; {versions}; ec2query "
            f"{info['ec2query_commit'] or '?'}")


def _us(seconds: float) -> str:
    us = seconds * 1e6
    return f"{us:,.0f}" if us >= 100 else f"{us:.2f}" if us < 10 else f"{us:.1f}"


def _target(result: Result) -> str:
    target = result.pair.target
    if target is None:
        return ""
    shown = f"≥{target:g}x" if target >= 1 else f"≥{target:.2f}x"
    return f"{shown} {'ok' if result.met else 'MISSED'}"


def table(results: list[Result], skipped: list[Skipped], *, markdown: bool = False) -> str:
    """The results as a fixed-width (or Markdown) table: µs/op per side and the ratio."""
    head = ["pair", "case", "ours min", "ours med", "peer", "peer min", "peer med",
            "peer/ours", "target"]
    rows = [[r.pair.group, r.pair.name, _us(r.ours.min), _us(r.ours.median), r.pair.peer_name,
             _us(r.peer.min), _us(r.peer.median), f"{r.ratio:.2f}x", _target(r)]
            for r in results]
    rows += [[s.group, s.name, "-", "-", "skipped: " + s.reason, "-", "-", "-", ""]
             for s in skipped]
    if markdown:
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        lines += ["| " + " | ".join(row) + " |" for row in rows]
        return "\n".join(lines)
    widths = [max(len(row[i]) for row in [head, *rows]) for i in range(len(head))]
    right = {2, 3, 5, 6, 7}

    def fmt(row: list[str]) -> str:
        return "  ".join(cell.rjust(w) if i in right else cell.ljust(w)
                         for i, (cell, w) in enumerate(zip(row, widths, strict=True))).rstrip()

    return "\n".join([fmt(head), fmt(["-" * w for w in widths]), *map(fmt, rows)])


def document(results: list[Result], skipped: list[Skipped], info: dict[str, Any],
             settings: dict[str, Any]) -> dict[str, Any]:
    """The JSON document: machine, settings, one entry per pair, and the skips."""
    return {
        "machine": info, "settings": settings, "argv": sys.argv[1:],
        "results": [r.as_dict() for r in results],
        "skipped": [{"group": s.group, "name": s.name, "reason": s.reason} for s in skipped],
    }
