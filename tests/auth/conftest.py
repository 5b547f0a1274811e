"""Shared fixtures for the auth tests: the conformance data and fixed credentials."""

from __future__ import annotations

from pathlib import Path

import pytest

#: ../shared/conformance next to the repository (third-party reference data).
CONFORMANCE = Path(__file__).parents[2] / ".." / "shared" / "conformance"


@pytest.fixture(scope="session")
def conformance() -> Path:
    if not CONFORMANCE.is_dir():
        pytest.skip(f"conformance data not found at ../shared/conformance ({CONFORMANCE})")
    return CONFORMANCE
