"""atheris: ec2query.from_query on arbitrary bytes and text."""

from __future__ import annotations

import atheris

with atheris.instrument_imports():
    import _harness

    import ec2query


def test_one_input(data: bytes) -> None:
    """Bytes as a body, and the same bytes as text (surrogates kept)."""
    _harness.check(lambda: ec2query.from_query(data))
    _harness.check(lambda: ec2query.from_query(data.decode("utf-8", "surrogateescape")))


if __name__ == "__main__":
    _harness.run(test_one_input)
