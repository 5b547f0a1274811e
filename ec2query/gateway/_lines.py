"""Where the gateway's lines go: the audit log's JSON lines and the access log's.

A target is ``None`` (no line), ``"-"`` (standard error), a path (appended, opened
per line: nothing for the app to leak, and safe under rotation; one that cannot be
appended to is refused with ``UsageError`` at once), any object with
``write``, or a callable taking the line. Access lines written to a target start
with the local time, as ``logging``'s default format writes it, formatted once a
second (:func:`stamp`).
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .._errors import UsageError

__all__ = ["Sink", "access_sink", "line_sink", "stamp"]

Sink = Callable[[str], None]

_LOGGER = "ec2query.gateway"  # the name access lines carry, as the logger's lines do
_second: tuple[int, str] = (-1, "")  # stamp: the last second and its text, replaced whole


def line_sink(target: Any) -> Sink | None:
    """A writer of one line to ``target`` (see the module docstring)."""
    if target is None:
        return None
    if callable(target) and not hasattr(target, "write"):
        return target  # type: ignore[no-any-return]
    lock = threading.Lock()
    if not hasattr(target, "write") and str(target) != "-":
        path = Path(target)
        try:  # an unwritable path is refused at start, not at the first line
            path.open("a", encoding="utf-8").close()
        except OSError as exc:
            raise UsageError(f"{path}: cannot append lines to it ({exc.strerror})") from None

        def append(line: str) -> None:
            with lock, path.open("a", encoding="utf-8") as out:
                out.write(line + "\n")

        return append
    stream = target if hasattr(target, "write") else None

    def write(line: str) -> None:
        out = stream if stream is not None else sys.stderr  # stderr as it is now
        with lock:
            out.write(line + "\n")
            out.flush()

    return write


def access_sink(target: Any) -> Sink | None:
    """A writer of access lines to ``target``, each after its time and the gateway's
    logger name; a callable target gets the line alone."""
    if target is None or (callable(target) and not hasattr(target, "write")):
        return line_sink(target)
    write = line_sink(target)
    assert write is not None  # noqa: S101 - only None gives None

    def access(line: str) -> None:
        write(f"{stamp(time.time())} {_LOGGER} {line}")

    return access


def stamp(moment: float) -> str:
    """``moment`` (seconds since the epoch) in local time, ``2026-12-05 07:40:03,311``."""
    global _second
    second, text = _second
    if int(moment) != second:
        text = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(moment))
        _second = (int(moment), text)
    return f"{text},{int((moment - int(moment)) * 1000):03d}"  # logging's msecs, exactly
