"""The ``ec2query`` console command.

Each subcommand lives in its own module under :mod:`ec2query._commands` and
exposes ``register(subparsers)``, which adds its parser and sets
``func=run`` on it; ``run(args) -> int`` returns the exit status. This module
only wires them together and maps errors to exit codes the way aws-cli v2 does:
0 success, 252 bad usage, 253 no region or no credentials, 254 a service error,
255 anything else refused.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence

from ._errors import EC2Error, UsageError

__all__ = ["main"]

#: Subcommand modules, in the order ``--help`` lists them.
COMMANDS: tuple[str, ...] = (
    "operations",
    "convert",
    "validate",
    "sign",
    "serve",
    "decode",
    "demo",
    "fixtures",
)

EXIT_OK = 0
EXIT_USAGE = 252
EXIT_CONFIG = 253
EXIT_SERVICE = 254
EXIT_REFUSED = 255
#: Interrupted (Ctrl-C): the shell's 128 + SIGINT, as aws-cli returns it.
EXIT_INTERRUPTED = 130
#: Codes of setup problems (no region, no credentials): aws-cli v2's status 253.
CONFIG_CODES = frozenset({"NoRegion", "MissingAuthenticationToken"})


class _Parser(argparse.ArgumentParser):
    """argparse that reports usage errors with aws-cli's exit status."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    """The whole command tree; every subcommand documents its options in --help."""
    parser = _Parser(
        prog="ec2query",
        description="The EC2 Query protocol for security-group rules: convert, validate, "
        "sign and send requests.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    subparsers.required = True
    for name in COMMANDS:
        importlib.import_module(f"ec2query._commands.{name}").register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the exit status. Ctrl-C ends a command
    with a new line and status 130, as aws-cli's (it was a ``KeyboardInterrupt``
    traceback; ``serve`` handles its own once it serves: a graceful stop, status 0)."""
    try:
        return _run(argv)
    except KeyboardInterrupt:
        sys.stdout.write("\n")
        return EXIT_INTERRUPTED


def _run(argv: Sequence[str] | None) -> int:
    argv = _command_first(list(sys.argv[1:] if argv is None else argv))
    if argv[:1] == ["--version"]:
        from . import __version__

        print(f"ec2query {__version__} Python/{sys.version.split()[0]}")
        return EXIT_OK
    if argv[:1] == ["help"]:
        build_parser().print_help()
        return EXIT_OK
    if argv and argv[0] in _operation_names():
        # aws-style operations read their own argv (the CLI codec's parser): argparse's
        # REMAINDER would stop at the first option. Building every subcommand's parser
        # would also import what this one request does not need.
        args = argparse.Namespace(func=_operation_run(), operation=argv[0], argv=argv[1:])
    else:
        args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except EC2Error as exc:
        if isinstance(exc, UsageError) or exc.code in CONFIG_CODES:
            print(f"\n{exc.message}\n", file=sys.stderr)
            return EXIT_CONFIG if exc.code in CONFIG_CODES else EXIT_USAGE
        print(f"\n{exc}\n", file=sys.stderr)
        return EXIT_REFUSED
    except BrokenPipeError:
        return EXIT_OK


def _command_first(argv: list[str]) -> list[str]:
    """``argv`` with the global options written before the command moved behind it.

    aws-cli takes its global options anywhere (``aws --region R ec2 ...``); the operations'
    own parser reads them wherever they stand after the command, so the console only has
    to find the command word behind them.
    """
    from ._commands.operations import FLAG_GLOBALS, VALUED_GLOBALS

    index = 0
    while index < len(argv):
        word = argv[index]
        name = word.partition("=")[0]
        if name in VALUED_GLOBALS:
            index += 1 if "=" in word else 2
        elif word in FLAG_GLOBALS:
            index += 1
        else:
            break
    if index == 0 or index >= len(argv):
        return argv
    return [argv[index], *argv[:index], *argv[index + 1:]]


def _operation_names() -> set[str]:
    from ._model import all_operations

    return {op.cli_name for op in all_operations()}


def _operation_run() -> Callable[[argparse.Namespace], int]:
    from ._commands.operations import run

    return run


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
