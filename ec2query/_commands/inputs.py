"""The one way ``convert``, ``validate`` and ``sign`` take their INPUT.

INPUT is the request itself, ``@FILE`` or ``file://FILE`` (the file's text), or
``-`` (standard input). Files and standard input are read no further than the
request limit, so ``@/dev/zero`` is refused at once rather than filling memory.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

from .._codec.cliargs import read_bounded
from .._errors import UsageError
from .._limits import MAX_QUERY_BYTES

#: What INPUT may be, for the subcommands' help.
INPUT_HELP = "the request itself, @FILE or file://FILE, or - (the default) for standard input"


def read_input(value: str) -> str:
    """The text of INPUT: itself, the file after ``@`` or ``file://``, or stdin for ``-``."""
    data, where = _read(value)
    if data is None:
        return value
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise UsageError(f"INPUT: {where} is not UTF-8 text") from None


def json_params(text: str) -> dict[str, Any]:
    """INPUT read as a JSON object of parameters; ``UsageError`` for anything else."""
    try:
        params = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(
            f"Invalid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    except RecursionError:  # json's decoder recurses once per nested array or object
        raise UsageError("Invalid JSON: nested too deeply") from None
    if not isinstance(params, dict):
        raise UsageError("The JSON input must be an object of parameters")
    return params


def read_input_bytes(value: str) -> bytes:
    """INPUT's bytes as :func:`read_input` finds them (a document that names its encoding)."""
    data, _ = _read(value)
    return value.encode("utf-8") if data is None else data


def _read(value: str) -> tuple[bytes | None, str]:
    if value == "-":
        stream = getattr(sys.stdin, "buffer", None)  # a text stream in place of stdin has none
        data = (stream.read(MAX_QUERY_BYTES + 1) if stream is not None
                else sys.stdin.read(MAX_QUERY_BYTES + 1).encode("utf-8"))
        if len(data) > MAX_QUERY_BYTES:
            raise UsageError(f"INPUT: standard input is larger than the request limit of "
                             f"{MAX_QUERY_BYTES} bytes")
        return data, "standard input"
    for prefix in ("@", "file://"):
        if value.startswith(prefix):
            path = value[len(prefix):]
            return read_bounded(path, "INPUT"), path
    if value and "=" not in value and os.path.isfile(value):  # no request is a bare file name
        raise UsageError(f"INPUT {value!r} is a file name: give @{value} or file://{value} "
                         "to read the file")
    return None, value
