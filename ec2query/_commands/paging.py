"""aws-cli's paging: ``--max-items``, ``--page-size``, ``--starting-token``, ``--no-paginate``.

aws-cli (through botocore's paginators) fetches every page of a paginated operation
unless told otherwise and merges their result lists; ``--page-size`` sets the limit
member of each request, ``--max-items`` stops after that many items and prints a
``NextToken`` to resume from with ``--starting-token``. The token is botocore's: the
base64 of a JSON object with the service's token and how many items of that page were
already printed (``boto_truncate_amount``), so a token printed by either tool resumes
in the other. Which operations page, and with which members, is model data
(``_model.operations.PAGINATORS``).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from typing import Any

from .._errors import ResponseParseError, UsageError
from .._model.operations import PAGINATORS

__all__ = ["decode_token", "encode_token", "paginate"]

Call = Callable[[dict[str, Any]], dict[str, Any]]

_TRUNCATE = "boto_truncate_amount"
#: The most pages one command reads: an endpoint answering a new token with every page
#: (empty ones too, as EC2 may for a filtered describe) would be paged without end.
MAX_PAGES = 10_000


def encode_token(token: dict[str, Any]) -> str:
    """botocore's resume token: base64 of the JSON object."""
    return base64.b64encode(json.dumps(token).encode("utf-8")).decode("ascii")


def decode_token(text: str) -> dict[str, Any]:
    """The object behind a ``--starting-token``; UsageError for one that is not a token."""
    try:
        token = json.loads(base64.b64decode(text.encode("ascii"), validate=True))
    except (UnicodeEncodeError, binascii.Error, ValueError, RecursionError):  # json recurses
        token = None  # once per nested array or object
    if not isinstance(token, dict) or not isinstance(token.get(_TRUNCATE, 0), int):
        raise UsageError(f"Bad value for --starting-token: {text[:64]!r} is not a token "
                         "printed by a paginated command")
    return token


def paginate(
    call: Call,
    operation: str,
    params: dict[str, Any],
    *,
    page_size: int | None = None,
    max_items: int | None = None,
    starting_token: str | None = None,
) -> dict[str, Any]:
    """The whole result of a paginated ``operation``, page by page, as aws-cli prints it."""
    input_token, output_token, limit_key, result_key = PAGINATORS[operation]
    resume = decode_token(starting_token) if starting_token else {}
    token: str | None = resume.get(input_token)
    skip: int = resume.get(_TRUNCATE, 0)
    merged: dict[str, Any] = {}
    items: list[Any] = []
    seen = {token}
    for _ in range(MAX_PAGES):
        request = dict(params)
        if page_size is not None:
            request[limit_key] = page_size
        if token is not None:
            request[input_token] = token
        page = call(request)
        page_items = list(page.get(result_key, []))[skip:]
        following = page.get(output_token)
        for key, value in page.items():
            if key not in (result_key, output_token, "ResponseMetadata"):
                merged.setdefault(key, value)
        if max_items is not None and len(items) + len(page_items) > max_items:
            kept = max_items - len(items)
            items += page_items[:kept]
            merged[output_token] = encode_token({input_token: token, _TRUNCATE: skip + kept})
            break
        items += page_items
        skip = 0
        if not following or following in seen:  # the last page, or a token come round
            break  # again (A, B, A, ...: botocore pages such an endpoint without end)
        if max_items is not None and len(items) == max_items:
            merged[output_token] = encode_token({input_token: following})
            break
        token = following
        seen.add(token)
    else:
        raise ResponseParseError(f"The endpoint answered {MAX_PAGES} pages of {operation} "
                                 f"and a {output_token} still: paging stopped")
    return {result_key: items, **merged}
