"""atheris: the aws-cli shorthand parser, then model coercion for IpPermissions."""

from __future__ import annotations

import atheris

with atheris.instrument_imports():
    import _harness

    from ec2query._codec import shorthand
    from ec2query._model import operation

PERMISSION = next(
    m.shape.member
    for m in operation("RevokeSecurityGroupIngress").input("2016-11-15").members
    if m.name == "IpPermissions"
)


def test_one_input(data: bytes) -> None:
    """Parse any text; coerce what parses to the IpPermission shape."""
    text = atheris.FuzzedDataProvider(data).ConsumeUnicodeNoSurrogates(len(data))
    parsed = _harness.check(lambda: shorthand.parse(text))
    if parsed is not None:
        _harness.check(lambda: shorthand.coerce(parsed, PERMISSION))


if __name__ == "__main__":
    _harness.run(test_one_input)
