"""Side-by-side benchmarks: ec2query against botocore, moto and aws-cli doing the same work.

Run everything in one process with ``python -m benchmarks`` (``--quick`` for a
smoke run, ``--json`` for machine-readable output). Each pair times our side
and the peer's side on the same inputs, interleaved repeat by repeat, and
reports µs/op (min and median) and the ratio peer/ours. See docs/performance.md.
"""

from __future__ import annotations

from ._harness import GROUPS, Pair, Result, Skipped, build_pairs, run_pair

__all__ = ["GROUPS", "Pair", "Result", "Skipped", "build_pairs", "run_pair"]
