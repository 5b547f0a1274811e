"""``ec2query decode-authorization-message``: what a policy refusal's encoded message says.

The role of STS's ``DecodeAuthorizationMessage`` for the gateway's guardrail
policies: MESSAGE is the encoded message of an ``UnauthorizedOperation``
error (or the error's whole text); the decoded document is printed as JSON.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from .._policy import decode_message


def register(subparsers: Any) -> None:
    """Add the ``decode-authorization-message`` subcommand."""
    parser = subparsers.add_parser(
        "decode-authorization-message",
        help="print a policy refusal's encoded message as JSON",
        description="Decode the encoded authorization failure message of an "
        "UnauthorizedOperation that an ec2query policy answered (MESSAGE, or - to read it "
        "from standard input) and print the rules, permissions and sources it names.",
    )
    parser.add_argument("message", help="the encoded message, the whole error text, or -")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Print the decoded document; a text that is not one is a usage error (exit 252)."""
    text = sys.stdin.read() if args.message == "-" else args.message
    print(json.dumps(decode_message(text), indent=2, sort_keys=True))
    return 0
