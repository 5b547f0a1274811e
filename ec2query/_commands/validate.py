"""``ec2query validate``: every problem EC2 would find in one request, one a line.

The request is read as ``convert`` reads it (a Query string by default, or
JSON params with ``--from json --operation OP``), then judged by
:func:`ec2query._validate.problems`. Output is ``Code: message`` per problem
(or ``--format json``: a list of ``{"code", "message"}``); the exit status is
0 when the request is valid and 255 (aws-cli's "refused") when it is not.
``--xml FILE`` (or ``--from xml`` with the document as INPUT) checks a response or
error document against the project's XSDs instead; ``--rules`` prints the rule table.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from typing import Any

from .._errors import EC2Error, UsageError
from .._model import VERSIONS, operation
from .._validate import problems, rules_markdown
from .convert import READERS
from .inputs import INPUT_HELP, read_input, read_input_bytes

EXIT_OK = 0
EXIT_REFUSED = 255


def register(subparsers: Any) -> None:
    """Add the ``validate`` subcommand."""
    parser = subparsers.add_parser(
        "validate",
        help="list every problem EC2 would find in a request",
        description="Judge one request with EC2's rules and print every problem as "
        "'Code: message'. INPUT is " + INPUT_HELP + ". Exit status 0: valid; 255: refused.",
    )
    parser.add_argument("input", nargs="?", default="-", help=INPUT_HELP)
    parser.add_argument("--from", dest="source", choices=sorted(READERS), default="query")
    parser.add_argument("--operation", help="operation of JSON input (API or CLI name)")
    era = parser.add_mutually_exclusive_group()
    era.add_argument(
        "--vpc",
        dest="vpc",
        action="store_const",
        const=True,
        default=None,
        help="the group is in a VPC that is not the account's default VPC",
    )
    era.add_argument(
        "--classic", dest="vpc", action="store_const", const=False, help="an EC2-Classic group"
    )
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument(
        "--xml",
        metavar="FILE",
        help="validate a response or error XML document (FILE or - for stdin) against the XSDs",
    )
    parser.add_argument("--version", choices=VERSIONS, default=None, help="API version of --xml")
    parser.add_argument("--rules", action="store_true", help="print the rule table (Markdown)")
    parser.add_argument(
        "--policy", metavar="FILE", help="also list every violation of this guardrail policy"
    )
    parser.add_argument("--access-key", help="the caller, for policy rules scoped to accounts")
    parser.add_argument("--account-id", help="the account, for policy rules scoped to accounts")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Judge the input; print the problems; 0 when there are none, 255 otherwise."""
    if args.rules:
        sys.stdout.write(rules_markdown())
        return EXIT_OK
    if args.xml is not None:
        plain_path = args.xml != "-" and not args.xml.startswith(("@", "file://"))
        found = _xml_problems(read_input_bytes(f"@{args.xml}" if plain_path else args.xml), args)
    elif args.source == "xml":  # a document is a response: judged by the XSDs, as --xml
        found = _xml_problems(read_input(args.input).encode("utf-8"), args)
    else:
        found = _request_problems(args)
    if args.format == "json":
        print(json.dumps([{"code": e.code, "message": e.message} for e in found], indent=2))
    elif found:
        for error in found:
            print(f"{error.code}: {error.message}")
    else:
        print("valid")
    return EXIT_REFUSED if found else EXIT_OK


def _request_problems(args: argparse.Namespace) -> list[EC2Error]:
    policy = None
    if args.policy is not None:  # a bad policy file is refused first, whatever the request
        from .._policy import load_policy

        policy = load_policy(args.policy)
    text = read_input(args.input)
    try:
        name, params = READERS[args.source](text, args)
        if (
            args.operation is not None
            and args.source == "query"
            and operation(args.operation).name != name
        ):
            raise UsageError(f"--operation {args.operation} does not match Action={name}")
        found: list[EC2Error] = list(problems(name, params, vpc=args.vpc))
        if not found and policy is not None:  # the policy judges valid requests only
            from .._policy import violation_errors

            found.extend(
                violation_errors(
                    policy.violations(
                        name, params, access_key=args.access_key, account_id=args.account_id
                    )
                )
            )
        return found
    except UsageError:
        raise
    except EC2Error as error:  # a request the decoder already refuses is refused
        return [error]


def _xml_problems(body: bytes, args: argparse.Namespace) -> list[EC2Error]:
    try:
        xml = importlib.import_module("ec2query._codec.xml")
        validate_document = xml.validate_document
    except (ImportError, AttributeError):
        raise UsageError(
            "XML validation is not available: ec2query._codec.xml.validate_document is missing"
        ) from None
    try:
        result = validate_document(body, version=args.version)
    except EC2Error as error:
        return [error]
    if not result or result is True:
        return []
    return [
        item if isinstance(item, EC2Error) else EC2Error("InvalidDocument", str(item))
        for item in result
    ]
