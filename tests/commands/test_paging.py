"""``--starting-token``: botocore's resume tokens are read, anything else is bad usage."""

from __future__ import annotations

import base64

import pytest
from botocore.paginate import TokenEncoder

from ec2query._commands.paging import decode_token
from ec2query._errors import UsageError


def test_a_token_botocore_encodes_is_read_as_botocore_wrote_it():
    token = {"NextToken": "abc", "boto_truncate_amount": 2}
    assert decode_token(TokenEncoder().encode(token)) == token


@pytest.mark.parametrize("text", [
    "not base64!",
    base64.b64encode(b"[1, 2]").decode(),  # JSON, not an object
    base64.b64encode(b'{"boto_truncate_amount": "2"}').decode(),
    base64.b64encode(b"[" * 50000).decode(),  # json's RecursionError: a traceback
], ids=["not base64", "not an object", "a count that is text", "nested too deeply"])  # fmt: skip
def test_anything_else_is_bad_usage(text):
    with pytest.raises(UsageError, match="Bad value for --starting-token"):
        decode_token(text)
