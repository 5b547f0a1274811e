"""The gateway's request ids: UUID 4 strings from os.urandom, distinct in forked workers."""

from __future__ import annotations


def test_gateway_request_ids_are_uuid4_strings() -> None:
    import uuid

    from ec2query.gateway._app import _request_id

    ids = {_request_id() for _ in range(200)}
    assert len(ids) == 200
    for text in ids:
        parsed = uuid.UUID(text)
        assert str(parsed) == text
        assert parsed.version == 4
        assert parsed.variant == uuid.RFC_4122


def test_forked_workers_draw_different_request_ids() -> None:
    """A preloading server forks its workers: each must not repeat its siblings' ids."""
    import os

    import pytest

    from ec2query.gateway._app import _request_id

    if not hasattr(os, "fork"):
        pytest.skip("needs os.fork")
    ids = set()
    for _ in range(3):
        reader, writer = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: one id, then out without running the parent's cleanup
            os.write(writer, _request_id().encode())
            os._exit(0)
        os.close(writer)
        with os.fdopen(reader, "rb") as stream:
            ids.add(stream.read())
        os.waitpid(pid, 0)
    ids.add(_request_id().encode())
    assert len(ids) == 4
