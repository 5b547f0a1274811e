"""``ec2query convert``: one request (or result) from one form to another.

Forms are readers and writers in two small tables, so a new form is a new row:
``query`` (the form-encoded Query string, nested or legacy flat), ``json``
(the canonical params, as ``--cli-input-json`` takes them), ``cli`` (an
``aws ec2 ...`` command line) and ``xml`` (a response document; with it,
``json`` holds the result dict boto3 returns rather than request params).
"""

from __future__ import annotations

import argparse
import json
import re
import shlex
import uuid
from collections.abc import Callable
from typing import Any

from .._codec.cliargs import from_cli_args, shell_join, to_cli_args
from .._codec.forms import flatten, normalize
from .._codec.query import encode_query, from_query
from .._codec.xml import parse_response, render_response
from .._errors import UsageError
from .._model import CURRENT_VERSION, VERSIONS, operation
from .inputs import INPUT_HELP, json_params, read_input

Request = tuple[str, dict[str, Any]]


def _read_query(text: str, args: argparse.Namespace) -> Request:
    return from_query(text.strip())


def _read_json(text: str, args: argparse.Namespace) -> Request:
    params = json_params(text)
    if args.operation is None:
        raise UsageError("--operation is required when reading JSON params")
    return operation(args.operation).name, params


def read_cli(text: str, args: argparse.Namespace) -> Request:
    """An ``aws ec2 <operation> ...`` line (or argv for ``--operation``) as a request."""
    try:
        argv = shlex.split(text)
    except ValueError as exc:
        raise UsageError(f"Cannot split the command line: {exc}") from None
    name = args.operation
    if name is None:
        if argv[:2] != ["aws", "ec2"] or len(argv) < 3:
            raise UsageError(
                "Start the command line with 'aws ec2 <operation>' or give --operation"
            )
        name = argv[2]
    return operation(name).name, from_cli_args(name, argv)


_ROOT = re.compile(rb"<\s*(?:[\w.-]+:)?(\w+?)Response[\s>]")


def _read_xml(text: str, args: argparse.Namespace) -> Request:
    body = text.encode("utf-8")
    name = args.operation
    if name is None:
        found = _ROOT.search(body[:4096])
        if found is None:
            raise UsageError("Cannot tell the operation from the document; give --operation")
        name = found.group(1).decode("ascii")
    result = parse_response(name, body)
    result.pop("ResponseMetadata", None)
    return operation(name).name, result


def _write_cli(request: Request, args: argparse.Namespace) -> str:
    name, params = request
    return shell_join(to_cli_args(name, params, style=args.cli_style), operation_name=name)


def _write_xml(request: Request, args: argparse.Namespace) -> str:
    name, result = request
    request_id = args.request_id or str(uuid.uuid4())
    return render_response(name, result, request_id=request_id, version=args.version).decode(
        "utf-8"
    )


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
    "cli": read_cli,
    "xml": _read_xml,
}
WRITERS: dict[str, Callable[[Request, argparse.Namespace], str]] = {
    "query": _write_query,
    "json": _write_json,
    "cli": _write_cli,
    "xml": _write_xml,
}


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "convert",
        help="convert a request between its forms",
        description="Convert one request between its forms. INPUT is " + INPUT_HELP + ".",
    )
    parser.add_argument("input", nargs="?", default="-", help=INPUT_HELP)
    parser.add_argument("--from", dest="source", choices=sorted(READERS), default="query")
    parser.add_argument("--to", dest="target", choices=sorted(WRITERS), default="json")
    parser.add_argument(
        "--operation",
        help="operation of json input (API or CLI name); read from cli and xml input if absent",
    )
    parser.add_argument(
        "--version",
        choices=VERSIONS,
        default=CURRENT_VERSION,
        help="API version of query and xml output (default %(default)s)",
    )
    shape = parser.add_mutually_exclusive_group()
    shape.add_argument(
        "--normalize", action="store_true", help="fold legacy flat members into IpPermissions"
    )
    shape.add_argument(
        "--flatten", action="store_true", help="express the one rule in legacy flat members"
    )
    parser.add_argument(
        "--cli-style",
        choices=("json", "shorthand"),
        default="json",
        help="how cli output writes structures (default %(default)s)",
    )
    parser.add_argument("--request-id", help="request id of xml output (default: a new one)")
    parser.add_argument(
        "--with-operation",
        action="store_true",
        help='JSON output as {"Operation": ..., "Params": ...}',
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    name, params = READERS[args.source](read_input(args.input), args)
    if args.normalize:
        params = normalize(name, params)
    elif args.flatten:
        params = flatten(name, params)
    print(WRITERS[args.target]((name, params), args))
    return 0
