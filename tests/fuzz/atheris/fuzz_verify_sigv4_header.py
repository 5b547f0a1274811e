"""atheris: verify_sigv4_header on arbitrary method, URL, headers, body and clock."""

from __future__ import annotations

import atheris

with atheris.instrument_imports():
    import _harness
    import _requests

    from ec2query._errors import AuthError
    from ec2query.auth._verify import verify_sigv4_header


def test_one_input(data: bytes) -> None:
    """A VerifiedRequest or an AuthError, within the time bound."""
    request = _requests.request(atheris.FuzzedDataProvider(data))
    _harness.check(lambda: verify_sigv4_header(**request), AuthError)


if __name__ == "__main__":
    _harness.run(test_one_input)
