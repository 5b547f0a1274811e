"""scale: ``ec2query serve`` with 1, 2 and 4 worker processes on PostgreSQL against the same
on SQLite, the same load (the serve group's signed authorize/revoke pairs, from
``CLIENTS`` keep-alive clients, each on its own group), in one run.

The ratio is SQLite's time over PostgreSQL's: the share of SQLite's served throughput that
PostgreSQL serves with as many workers (above 1: PostgreSQL serves more). PostgreSQL is a
throwaway cluster started for the run (``tests/pg.py``: initdb and pg_ctl on a loopback
port), on the same host, so the two compete for the same cores; across hosts, each
gateway host brings its own.
"""

from __future__ import annotations

import atexit
from typing import Any

from ._harness import Pair, Skipped
from ._serve import _Load, _ours_command, _Server, _workdir

__all__ = ["pairs"]

CLIENTS = 8
WORKERS = (1, 2, 4)


def pairs(group: str) -> list[Pair | Skipped]:
    name = "serve on PostgreSQL vs on SQLite"
    try:
        import psycopg  # noqa: F401
        import waitress  # noqa: F401

        from tests.pg import Cluster, binaries
    except ImportError as exc:
        return [Skipped(group, name, f"needs psycopg, waitress and tests/pg.py ({exc})")]
    bin_dir = binaries()
    if bin_dir is None:
        return [Skipped(group, name, "needs PostgreSQL's server binaries (initdb, pg_ctl)")]
    workdir = _workdir("ec2query-scale-bench-")
    cluster: list[Any] = []

    def database() -> str:
        if not cluster:
            cluster.append(Cluster(bin_dir))
            atexit.register(cluster[0].close)  # after the servers (atexit runs last first)
        return str(cluster[0].url())

    out: list[Pair | Skipped] = []
    for workers in WORKERS:
        sqlite = _Server(_ours_command(workdir, workers, f"scale{workers}"))
        postgres = _Server(_ours_command(workdir, workers), database=database)
        ours, peer = _Load(postgres, clients=CLIENTS), _Load(sqlite, clients=CLIENTS)
        out.append(Pair(
            group, f"{name}, --workers {workers}", f"SQLite, --workers {workers}",
            ours.run, peer.run, lambda ours=ours, peer=peer: (ours.run(), peer.run()),
            process=True, unit=f"{CLIENTS} x {ours.per_client} requests",
            note="ratio = PostgreSQL's served throughput / SQLite's, same workers"))  # fmt: skip
    return out

