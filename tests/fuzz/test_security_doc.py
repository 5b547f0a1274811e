"""SECURITY.md's limits are the code's constants, and its guarantees hold as stated."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ec2query import _limits as limits
from ec2query._codec import _xmlsafe
from ec2query.auth import _sigv4 as sigv4
from ec2query.auth._credentials import Credentials
from ec2query.auth._verify import MAX_SKEW

DOC = (Path(__file__).resolve().parents[2] / "SECURITY.md").read_text()

EXPECTED = {
    "MAX_QUERY_BYTES": (limits.MAX_QUERY_BYTES, "bytes"),
    "MAX_PARAMS": (limits.MAX_PARAMS, None),
    "MAX_LIST_INDEX": (limits.MAX_LIST_INDEX, None),
    "MAX_VALUE_LENGTH": (limits.MAX_VALUE_LENGTH, "characters"),
    "MAX_SHORTHAND_DEPTH": (limits.MAX_SHORTHAND_DEPTH, None),
    "MAX_XML_BYTES": (_xmlsafe.MAX_XML_BYTES, "bytes"),
    "MAX_XML_DEPTH": (_xmlsafe.MAX_XML_DEPTH, None),
    "MAX_SKEW": (int(MAX_SKEW.total_seconds() // 60), "minutes"),
    "MAX_EXPIRES": (sigv4.MAX_EXPIRES, "seconds"),
    "STOP_GRACE": (limits.STOP_GRACE, "seconds"),
}


def table_row(name: str) -> list[str]:
    """The cells of the limits table row naming ``name``."""
    rows = [line for line in DOC.splitlines() if line.startswith("|") and f"`{name}`" in line]
    assert len(rows) == 1, f"SECURITY.md has {len(rows)} rows for {name}"
    return [cell.strip() for cell in rows[0].strip("|").split("|")]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_limit_is_documented_with_its_value(name):
    value, unit = EXPECTED[name]
    cell = table_row(name)[1]
    assert cell == (f"{value} {unit}" if unit else str(value)), cell


def test_the_integer_range():
    cell = table_row("INT_MIN")[1]
    assert cell == f"{limits.INT_MIN} .. {limits.INT_MAX}"


def test_the_edges_bounds_are_documented_with_their_values():
    cells = table_row("EDGE_BOUNDS")
    bounds = limits.EDGE_BOUNDS
    assert cells[1] == (
        f"headers {bounds['header_timeout']} seconds and the whole request "
        f"{bounds['body_timeout']} seconds from its first byte, {bounds['idle_timeout']} "
        f"seconds idle, {bounds['max_header']} bytes of request line and headers, "
        f"{bounds['max_bodies']} bytes of bodies held at once, "
        f"{bounds['connection_limit']} connections")


def test_every_constant_in_limits_is_documented():
    names = [n for n in vars(limits) if n.isupper()]
    missing = [n for n in names if f"`{n}`" not in DOC]
    assert not missing, missing


def test_credentials_do_not_show_secrets():
    creds = Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG", "session-token-value")
    for text in (repr(creds), str(creds), f"{creds}", repr([creds])):
        assert "wJalr" not in text and "session-token" not in text


def test_signature_comparisons_are_constant_time():
    source = (Path(__file__).resolve().parents[2] / "ec2query/auth/_verify.py").read_text()
    assert "hmac.compare_digest" in source
    assert not re.search(r"(signature|expected|sig)\s*[!=]=\s*(expected|sig|fields)", source)
