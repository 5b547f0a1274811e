"""Shared test helpers: where the reference data lives, and the hypothesis profile."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

REPO = Path(__file__).resolve().parents[1]
#: Reference material kept beside the repository (conformance suites, EC2 facts).
SHARED = REPO.parent / "shared"

settings.register_profile(
    "ci", max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", max_examples=60, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))


def shared_path(*parts: str) -> Path:
    """A path under ``../shared``; skips the test with the reason when it is absent."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"reference data {'/'.join(parts)} is not beside the repository (../shared)")
    return path


@pytest.fixture
def shared() -> Path:
    if not SHARED.is_dir():
        pytest.skip("reference data directory ../shared is not beside the repository")
    return SHARED


# The session's PostgreSQL cluster and a schema per test (tests/pg.py).
from .pg import pg_url, postgres_cluster  # noqa: E402, F401
