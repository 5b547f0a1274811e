"""``ec2query convert``: one request (or result) from one form to another.

Forms are readers and writers in two small tables, so a new form is a new row:
``query`` (the form-encoded Query string, nested or legacy flat) and ``json``
(the canonical params, as ``--cli-input-json`` takes them).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..codec.forms import flatten, normalize
from ..codec.query import encode_query, from_query
from ..errors import UsageError
from ..model import CURRENT_VERSION, VERSIONS, operation

Request = tuple[str, dict[str, Any]]


def _read_query(text: str, args: argparse.Namespace) -> Request:
    return from_query(text.strip())


def _read_json(text: str, args: argparse.Namespace) -> Request:
    try:
        params = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(
            f"Invalid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from None
    if not isinstance(params, dict):
        raise UsageError("The JSON input must be an object of parameters")
    if args.operation is None:
        raise UsageError("--operation is required when reading JSON params")
    return operation(args.operation).name, params


def _write_query(request: Request, args: argparse.Namespace) -> str:
    name, params = request
    return encode_query(name, params, version=args.version)


def _write_json(request: Request, args: argparse.Namespace) -> str:
    name, params = request
    if args.with_operation:
        return json.dumps({"Operation": name, "Params": params}, indent=4, ensure_ascii=False)
    return json.dumps(params, indent=4, ensure_ascii=False)


READERS: dict[str, Callable[[str, argparse.Namespace], Request]] = {
    "query": _read_query,
    "json": _read_json,
}
WRITERS: dict[str, Callable[[Request, argparse.Namespace], str]] = {
    "query": _write_query,
    "json": _write_json,
}


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "convert",
        help="convert a request between its forms",
        description="Convert one request between its forms. INPUT is the request itself, "
        "@FILE to read it from a file, or - (the default) to read standard input.",
    )
    parser.add_argument("input", nargs="?", default="-", help="the request, @FILE, or - for stdin")
    parser.add_argument("--from", dest="source", choices=sorted(READERS), default="query")
    parser.add_argument("--to", dest="target", choices=sorted(WRITERS), default="json")
    parser.add_argument(
        "--operation",
        help="operation of JSON input (API name or CLI name, e.g. revoke-security-group-ingress)",
    )
    parser.add_argument(
        "--version",
        choices=VERSIONS,
        default=CURRENT_VERSION,
        help="API version of Query output (default %(default)s)",
    )
    shape = parser.add_mutually_exclusive_group()
    shape.add_argument(
        "--normalize", action="store_true", help="fold legacy flat members into IpPermissions"
    )
    shape.add_argument(
        "--flatten", action="store_true", help="express the one rule in legacy flat members"
    )
    parser.add_argument(
        "--with-operation",
        action="store_true",
        help='JSON output as {"Operation": ..., "Params": ...}',
    )
    parser.set_defaults(func=run)


def read_input(value: str) -> str:
    """The text of INPUT: itself, the file after ``@``, or standard input for ``-``."""
    if value == "-":
        return sys.stdin.read()
    if value.startswith("@"):
        try:
            return Path(value[1:]).read_text(encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"Cannot read {value[1:]}: {exc.strerror}") from None
    return value


def run(args: argparse.Namespace) -> int:
    name, params = READERS[args.source](read_input(args.input), args)
    if args.normalize:
        params = normalize(name, params)
    elif args.flatten:
        params = flatten(name, params)
    print(WRITERS[args.target]((name, params), args))
    return 0
