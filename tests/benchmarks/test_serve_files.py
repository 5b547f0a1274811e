"""The serve and scale groups leave no files behind: their servers' databases live in
temporary directories that go when the benchmark's process ends."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

#: Builds both groups' pairs, runs one served batch (a database with its WAL files on disk),
#: and exits as ``python -m benchmarks`` does.
_RUN = """
from benchmarks import _scale, _serve
from benchmarks._harness import Pair
served = [p for p in _serve.pairs("serve") if isinstance(p, Pair)]
_scale.pairs("scale")
assert served[0].ours() == [200]
"""


def test_the_servers_databases_are_removed_at_exit(tmp_path: Path) -> None:
    pytest.importorskip("moto.server")
    pytest.importorskip("waitress")
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    subprocess.run([sys.executable, "-c", _RUN], cwd=ROOT, env=env, check=True, timeout=120)
    assert list(tmp_path.iterdir()) == []

