"""cli: wall time of one whole console process, ours against aws-cli's.

Ours prints the signed request of the seed example without sending it
(``--no-send``); aws-cli has no offline mode that builds a request, so its
side is the nearest thing that parses the same command line and exits before
the network: ``--generate-cli-skeleton``. Until ``--no-send`` exists, ours is
``ec2query convert`` of the seed params, and the row says so.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from . import inputs
from ._harness import Pair, Skipped

__all__ = ["pairs"]

ROOT = Path(__file__).resolve().parent.parent
RULE = ["--group-name", "websrv", "--protocol", "tcp", "--port", "80",
        "--cidr", "205.192.0.0/16"]
OURS_NO_SEND = [sys.executable, "-m", "ec2query._console", "revoke-security-group-ingress",
                *RULE, "--no-send"]
OURS_CONVERT = [sys.executable, "-m", "ec2query._console", "convert", "--from", "json",
                "--to", "query", "--operation", "RevokeSecurityGroupIngress",
                json.dumps(inputs.SEED)]
PEER = [sys.executable, "-m", "awscli", "ec2", "revoke-security-group-ingress", *RULE,
        "--generate-cli-skeleton"]


def _env() -> dict[str, str]:
    """The same clean environment for both: this checkout first, no user AWS config."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update({
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),
        "AWS_ACCESS_KEY_ID": inputs.ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": inputs.SECRET_KEY,
        "AWS_DEFAULT_REGION": inputs.REGION, "AWS_REGION": inputs.REGION,
        "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_EC2_METADATA_DISABLED": "true", "AWS_PAGER": "",
    })
    return env


def _run(argv: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, env=env, cwd=ROOT, capture_output=True, text=True, timeout=120,
                          check=False)


def pairs(group: str) -> list[Pair | Skipped]:
    """The console pair: --no-send if our console has it, else convert (labelled)."""
    env = _env()
    probe = _run(PEER, env)
    if probe.returncode != 0:
        return [Skipped("cli", "seed, one process", f"aws-cli failed: {probe.stderr[-200:]}")]
    ours_argv, name = OURS_NO_SEND, "seed, --no-send vs --generate-cli-skeleton"
    if _run(ours_argv, env).returncode != 0:
        ours_argv, name = OURS_CONVERT, "seed, convert (stand-in: no --no-send yet)"

    def ours() -> str:
        return _checked(ours_argv, env)

    def peer() -> str:
        return _checked(PEER, env)

    def compare() -> tuple[Any, Any]:
        # The two print different things; both must succeed on the same rule.
        return bool(ours()) and True, bool(peer()) and True

    return [Pair("cli", name, "aws-cli (python -m awscli)", ours, peer, compare,
                 target=2.0, process=True, unit="process",
                 note="whole process wall time, same interpreter and environment")]


def _checked(argv: list[str], env: dict[str, str]) -> str:
    done = _run(argv, env)
    if done.returncode != 0:
        raise RuntimeError(f"{argv[2:5]} exited {done.returncode}: {done.stderr[-300:]}")
    return done.stdout
