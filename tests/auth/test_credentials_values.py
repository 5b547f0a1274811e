"""Credentials refuse values no signer could encode, without echoing them."""

from __future__ import annotations

import pytest

from ec2query._errors import UsageError
from ec2query.auth import Credentials


@pytest.mark.parametrize(
    ("field", "value"),
    [("access_key", "AKID\ud800"), ("secret_key", "s\ud800cret"), ("token", "t\udfffoken"),
     ("access_key", None), ("secret_key", b"bytes")],
)
def test_values_a_signature_cannot_carry_are_refused_without_showing_them(field, value):
    values = {"access_key": "AKIDEXAMPLE", "secret_key": "secret", "token": None, field: value}
    with pytest.raises(UsageError) as error:
        Credentials(**values)
    assert field in error.value.message
    assert str(value) not in error.value.message
