"""atheris: ec2query.parse_response on arbitrary documents, for every operation."""

from __future__ import annotations

import atheris

with atheris.instrument_imports():
    import _harness

    import ec2query

OPERATIONS = [
    "RevokeSecurityGroupIngress",
    "AuthorizeSecurityGroupIngress",
    "CreateSecurityGroup",
    "DescribeSecurityGroups",
    "DeleteSecurityGroup",
]


def test_one_input(data: bytes) -> None:
    """The first byte picks the operation; the rest is the response body."""
    if not data:
        return
    name = OPERATIONS[data[0] % len(OPERATIONS)]
    _harness.check(lambda: ec2query.parse_response(name, data[1:]))


if __name__ == "__main__":
    _harness.run(test_one_input)
