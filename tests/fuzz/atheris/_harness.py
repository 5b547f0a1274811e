"""What every atheris harness shares: the invariant, a time bound, and how to run."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))  # run from anywhere in the repo

from ec2query._errors import EC2Error

#: A single input must be answered within this many seconds.
TIME_BOUND = 2.0


def check(call: Callable[[], Any], allowed: type[BaseException] = EC2Error) -> Any:
    """``call()``: a result or an ``allowed`` exception, within :data:`TIME_BOUND`."""
    started = time.perf_counter()
    try:
        return call()
    except allowed:
        return None
    finally:
        elapsed = time.perf_counter() - started
        if elapsed > TIME_BOUND:
            raise AssertionError(f"took {elapsed:.2f}s")


def run(test_one_input: Callable[[bytes], None]) -> None:
    """Start atheris with the command line's libFuzzer options (corpus dirs, -max_total_time)."""
    import atheris

    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()
