"""The gateway's fast paths give what the general ones give (no timing here)."""

from __future__ import annotations


def test_gateway_request_ids_are_uuid4_strings() -> None:
    import uuid

    from ec2query.gateway.app import _request_id

    ids = {_request_id() for _ in range(200)}
    assert len(ids) == 200
    for text in ids:
        parsed = uuid.UUID(text)
        assert str(parsed) == text
        assert parsed.version == 4
        assert parsed.variant == uuid.RFC_4122
