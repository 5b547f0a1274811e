"""pytest plugin: run a test once per case of the golden corpus.

Registered as the ``ec2query`` entry point in ``pytest11``, so installing
ec2query enables it (or ``-p ec2query._fixtures.plugin``)::

    @pytest.mark.ec2query_fixtures(operation="revoke-security-group-ingress", valid=True)
    def test_my_parser(ec2query_case):
        assert my_parse(ec2query_case.bytes("query.txt")) == ec2query_case.params

The marker takes the filters of :func:`ec2query.fixtures.load_cases`
(``operation``, ``valid``, ``version``, ``error``, ``path``); test ids are the
case names. A test that asks for ``ec2query_case`` without the marker runs
over the whole corpus.
"""

from __future__ import annotations

from typing import Any

import pytest

MARKER = "ec2query_fixtures"
FIXTURE = "ec2query_case"


def pytest_configure(config: pytest.Config) -> None:
    """Declare the marker (so ``--strict-markers`` accepts it)."""
    config.addinivalue_line(
        "markers",
        f"{MARKER}(operation=None, valid=None, version=None, error=None, path=None): "
        f"parametrize the {FIXTURE} fixture over the matching cases of ec2query's corpus",
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrize ``ec2query_case`` over the cases the marker selects."""
    if FIXTURE not in metafunc.fixturenames:
        return
    from ..fixtures import load_cases

    marker = metafunc.definition.get_closest_marker(MARKER)
    filters: dict[str, Any] = dict(marker.kwargs) if marker is not None else {}
    if marker is not None and marker.args:
        raise pytest.UsageError(f"@pytest.mark.{MARKER} takes keyword arguments only")
    cases = load_cases(**filters)
    metafunc.parametrize(FIXTURE, cases, ids=[c.name for c in cases])
