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


def _pages(tokens: list[str | None]) -> tuple[dict[str, object], list[dict[str, object]]]:
    """paginate over an endpoint whose pages carry ``tokens`` in turn: the result, and the
    requests it made."""
    from ec2query._commands.paging import paginate

    asked: list[dict[str, object]] = []

    def call(request: dict[str, object]) -> dict[str, object]:
        asked.append(request)
        following = tokens[min(len(asked), len(tokens)) - 1]
        page: dict[str, object] = {"SecurityGroups": [{"GroupId": f"sg-{len(asked)}"}]}
        if following is not None:
            page["NextToken"] = following
        return page

    return paginate(call, "DescribeSecurityGroups", {}), asked


def test_paging_stops_when_a_token_comes_round_again():
    """Tokens A, B, A, B, ... were paged 7,500 times in 20 s, without end (botocore too
    stops only at the same token twice running)."""
    result, asked = _pages(["A", "B", "A", "B", "A"])
    assert len(asked) == 3 and [g["GroupId"] for g in result["SecurityGroups"]] == [
        "sg-1", "sg-2", "sg-3"]  # fmt: skip
    result, asked = _pages(["A", "B", None])
    assert len(asked) == 3 and "NextToken" not in result


def test_paging_stops_at_the_page_bound(monkeypatch):
    from ec2query._commands import paging
    from ec2query._errors import ResponseParseError

    monkeypatch.setattr(paging, "MAX_PAGES", 50)
    counter = iter(range(10**6))
    with pytest.raises(ResponseParseError, match="50 pages of DescribeSecurityGroups"):
        paging.paginate(lambda request: {"SecurityGroups": [], "NextToken": str(next(counter))},
                        "DescribeSecurityGroups", {})
