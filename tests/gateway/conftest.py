"""Fixtures shared by the gateway's tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ec2query.auth import Credentials
from ec2query.gateway import make_app
from ec2query.gateway._server import running
from tests.servers import FAKE_ENV

#: The credentials the served gateway knows and boto3 signs with (moto_server takes any).
CREDS = Credentials(FAKE_ENV["AWS_ACCESS_KEY_ID"], FAKE_ENV["AWS_SECRET_ACCESS_KEY"])


@pytest.fixture(params=["sqlite", "postgresql"])
def gateway(request: pytest.FixtureRequest) -> Iterator[str]:
    """The URL of the served gateway on SQLite (``:memory:``) and on PostgreSQL (a schema of
    its own), knowing ``CREDS``. A module that needs another gateway defines its own."""
    db = ":memory:" if request.param == "sqlite" else request.getfixturevalue("pg_url")
    app = make_app(db=db, credentials=[CREDS])
    try:
        with running(app) as url:
            yield url
    finally:
        app.backend.close()
