"""``ec2query <operation> ...``: the seven operations, spoken like ``aws ec2``.

Each operation takes the aws-cli's own options (read by the CLI codec), plus
global ones (before or after the operation, as aws-cli takes them):
``--endpoint-url``, ``--region``, ``--profile``, ``--signature-version``,
``--api-version``, ``--output json|text|table|xml``, ``--query`` (JMESPath),
aws-cli's paging (``--max-items``, ``--page-size``, ``--starting-token``,
``--no-paginate``), ``--debug`` (the signed request and the response on stderr,
secrets redacted) and ``--no-send`` (print the signed request instead of sending it).
Exit status as aws-cli v2: 0 success, 252 bad usage, 254 an error from EC2
(or one the validator knows EC2 would give), 253 no credentials, 255 no answer.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from typing import Any

from .._codec.cliargs import cli_skeleton, parse_cli_args
from .._errors import EC2Error, TransportError, UsageError
from .._model import CURRENT_VERSION, VERSIONS, all_operations, operation
from .._model.operations import PAGINATORS
from .._request import UNSIGNED
from . import output, paging
from .ophelp import usage

EXIT_CONFIG = 253
EXIT_SERVICE = 254
EXIT_TRANSPORT = 255

#: Results that say only "done": aws-cli's documentation shows no output for them.
QUIET_OPERATIONS = frozenset(
    {"RevokeSecurityGroupIngress", "RevokeSecurityGroupEgress", "DeleteSecurityGroup"}
)

_SECRET_PARAMS = re.compile(r"((?:X-Amz-Security-Token|SecurityToken)=)[^&\s]+")
_SECRET_HEADER = re.compile(r"(?im)^(x-amz-security-token:\s*).+$")


class _Parser(argparse.ArgumentParser):
    """argparse that reports a bad global option as aws-cli does: usage, exit status 252."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"usage: ec2query <operation> [options]\nec2query: error: {message}")


def _positive(text: str) -> int:
    if not (text.isascii() and text.isdigit()) or len(text) > 9 or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text[:64]!r} is not a whole number from 1")
    return int(text)


def _seconds(text: str) -> int:
    """aws-cli's timeout value: whole seconds, 0 for no limit."""
    if not (text.isascii() and text.isdigit()) or len(text) > 9:
        raise argparse.ArgumentTypeError(f"{text[:64]!r} is not a whole number of seconds")
    return int(text)


#: The output formats; without --output, AWS_DEFAULT_OUTPUT, else the profile's ``output``.
OUTPUTS = ("json", "text", "table", "xml")


def _global_parser() -> argparse.ArgumentParser:
    parser = _Parser(add_help=False, allow_abbrev=False)
    parser.add_argument("--endpoint-url")
    parser.add_argument("--region")
    parser.add_argument("--profile")
    parser.add_argument("--signature-version", choices=("v4", "v4-query", "v2"), default="v4")
    parser.add_argument("--api-version", choices=VERSIONS, default=CURRENT_VERSION)
    parser.add_argument("--output", choices=OUTPUTS)
    parser.add_argument("--debug", action="store_true")
    parser.add_argument("--no-send", action="store_true")
    parser.add_argument("--no-validate", action="store_true")
    parser.add_argument("--query")
    parser.add_argument("--max-items", type=_positive)
    parser.add_argument("--page-size", type=_positive)
    parser.add_argument("--starting-token")
    parser.add_argument("--no-paginate", action="store_true")
    parser.add_argument("--no-sign-request", action="store_true")
    parser.add_argument("--no-verify-ssl", action="store_true")
    parser.add_argument("--ca-bundle")
    parser.add_argument("--cli-read-timeout", type=_seconds)
    parser.add_argument("--cli-connect-timeout", type=_seconds)
    parser.add_argument("--color", choices=("on", "off", "auto"), default="auto")
    return parser


#: Global options that take a value, for the console to find the operation behind them.
VALUED_GLOBALS = frozenset({
    "--endpoint-url", "--region", "--profile", "--signature-version", "--api-version",
    "--output", "--query", "--max-items", "--page-size", "--starting-token", "--ca-bundle",
    "--cli-read-timeout", "--cli-connect-timeout", "--color",
})
#: Global options that are flags.
FLAG_GLOBALS = frozenset({"--debug", "--no-send", "--no-validate", "--no-paginate",
                          "--no-sign-request", "--no-verify-ssl"})


def register(subparsers: Any) -> None:
    for op in all_operations():
        parser = subparsers.add_parser(
            op.cli_name,
            add_help=False,
            help=f"{op.name}, with aws-cli's options",
        )
        parser.add_argument("argv", nargs=argparse.REMAINDER)
        parser.set_defaults(func=run, operation=op.name)


def run(args: argparse.Namespace) -> int:
    name = operation(args.operation).name
    options, rest = _global_parser().parse_known_args(args.argv)
    if any(word in ("-h", "--help", "help") for word in rest):
        print(usage(name))
        return 0
    if options.query is not None:
        _compile_query(options.query)  # a bad expression is refused before anything is sent
    options.output = _output_format(options)
    request = parse_cli_args(name, rest)
    if request.skeleton == "input":
        print(json.dumps(cli_skeleton(name), indent=4))
        return 0
    if request.skeleton == "output":
        print(json.dumps(output.skeleton(operation(name).output()), indent=4))
        return 0
    return _send(name, request.params, options)


def _send(name: str, params: dict[str, Any], options: argparse.Namespace) -> int:
    from .._client import Client

    exchanges: list[tuple[Any, Any]] = []
    verify = _verify(options)
    try:
        client = Client(
            options.endpoint_url,
            region=options.region,
            profile=options.profile,
            signature=UNSIGNED if options.no_sign_request else options.signature_version,
            version=options.api_version,
            validate=not options.no_validate,
            timeout=(_timeout(options.cli_connect_timeout, 5.0),
                     _timeout(options.cli_read_timeout, 60.0)),
            verify=verify,
            observer=lambda raw, response: exchanges.append((raw, response)),
        )
        if not options.no_sign_request:
            client.credentials  # noqa: B018 - resolve now: a missing key is a setup problem
    except EC2Error as error:  # no region, no credentials: aws-cli v2's configuration status
        print(f"\n{error.message}\n", file=sys.stderr)
        return EXIT_CONFIG
    try:
        if options.no_send:
            if client.validate:
                from .._validate import validate

                validate(name, params)
            sys.stdout.write(client.build_request(name, params).to_http().decode("utf-8"))
            sys.stdout.write("\n")
            return 0
        try:
            result = _call(client, name, params, options)
        finally:
            if options.debug:
                for raw, response in exchanges:
                    _debug(raw, response)
    except TransportError as error:
        print(f"\n{_shown(error.message)}\n", file=sys.stderr)
        return EXIT_TRANSPORT
    except UsageError:
        raise
    except EC2Error as error:  # a server's code and text: shown, not acted on
        print(
            f"\nAn error occurred ({_shown(error.code)}) when calling the {name} operation: "
            f"{_shown(error.message)}\n",
            file=sys.stderr,
        )
        return EXIT_SERVICE
    terminal = sys.stdout.isatty()
    if options.output == "xml":
        body = exchanges[-1][1].content.decode("utf-8", "replace")
        print(_shown(body) if terminal else body)
        return 0
    result.pop("ResponseMetadata", None)
    if (
        options.query is None
        and name in QUIET_OPERATIONS
        and result.get("Return") is True
        and not result.get("UnknownIpPermissions")
    ):
        return 0
    if options.query is not None:
        result = _search(options.query, result)
    colour = options.color == "on" or (options.color == "auto" and terminal)
    if terminal and options.output != "json":
        result = _shown_values(result)
    text = output.render(result, options.output, title=name, colour=colour)
    if terminal and options.output == "json":  # json.dumps wrote C0 controls as escapes
        text = _UNSHOWN.sub(lambda found: f"\\u{ord(found.group()):04x}", text)
    if text:
        print(text)
    return 0


def _output_format(options: argparse.Namespace) -> str:
    """``--output``, else ``AWS_DEFAULT_OUTPUT``, else the profile's ``output``, else json,
    as aws-cli chooses; a value from the environment or the profile is checked alike."""
    if options.output is not None:
        return str(options.output)
    from ..auth._credentials import profile_setting

    chosen = os.environ.get("AWS_DEFAULT_OUTPUT") or profile_setting(
        "output", profile=options.profile)
    if chosen is None:
        return "json"
    if chosen not in OUTPUTS:
        raise UsageError(f"Unknown output type: {chosen[:64]}")
    return chosen


def _timeout(seconds: int | None, default: float) -> float | None:
    """aws-cli's timeout option as requests takes it: 0 waits forever."""
    if seconds is None:
        return default
    return None if seconds == 0 else float(seconds)


def _verify(options: argparse.Namespace) -> bool | str:
    """TLS verification as aws-cli chooses it: off, ``--ca-bundle``, ``AWS_CA_BUNDLE``, on."""
    if options.no_verify_ssl:
        return False
    bundle: str | None = options.ca_bundle or os.environ.get("AWS_CA_BUNDLE")
    if bundle and not os.path.exists(bundle):  # requests' own text, before anything is sent
        raise UsageError(f"Could not find a suitable TLS CA certificate bundle, "
                         f"invalid path: {bundle}")
    return bundle or True


def _call(client: Any, name: str, params: dict[str, Any], options: argparse.Namespace) -> Any:
    """One call, or every page of a paginated operation as aws-cli fetches them.

    As in aws-cli, a request that sets its own limit or token member is sent once."""
    paginator = PAGINATORS.get(name)
    paged = (options.max_items, options.page_size, options.starting_token)
    if paginator is None or options.output == "xml":
        if any(value is not None for value in paged):
            raise UsageError(f"Paging options do not apply to {operation(name).cli_name}"
                             + (" with --output xml" if paginator else ""))
        return client.call(name, params)
    if options.no_paginate or paginator[0] in params or paginator[2] in params:
        return client.call(name, params)
    return paging.paginate(lambda page: client.call(name, page), name, params,
                           page_size=options.page_size, max_items=options.max_items,
                           starting_token=options.starting_token)


def _compile_query(expression: str) -> Any:
    try:
        import jmespath
        from jmespath.exceptions import JMESPathError
    except ImportError:
        raise UsageError("--query needs the jmespath package: "
                         "pip install 'ec2query[cli]'") from None
    try:
        return jmespath.compile(expression)
    except JMESPathError as error:
        raise UsageError(f"Bad value for --query {expression}: {error}") from None


def _search(expression: str, result: Any) -> Any:
    from jmespath.exceptions import JMESPathError

    try:
        return _compile_query(expression).search(result)
    except JMESPathError as error:
        raise UsageError(f"Bad value for --query {expression}: {error}") from None


def redact(text: str) -> str:
    """``text`` with session tokens (header, query or form values) replaced by ``***``."""
    return _SECRET_HEADER.sub(r"\1***", _SECRET_PARAMS.sub(r"\1***", text))


def _debug(raw: Any, response: Any) -> None:
    print("--- request", file=sys.stderr)
    print(_shown(redact(raw.to_http().decode("utf-8", "replace"))), file=sys.stderr)
    if response is None:
        print("--- no response", file=sys.stderr)
        return
    print(f"--- response HTTP {response.status_code}", file=sys.stderr)
    for key, value in response.headers.items():
        print(_shown(f"{key}: {value}"), file=sys.stderr)
    print(file=sys.stderr)
    print(_shown(response.content.decode("utf-8", "replace")), file=sys.stderr)


#: What a terminal would act on rather than show: C0 controls but tab and LF (a bare CR
#: returns to the line's start, to write over it), DEL, C1 controls (CSI, OSC ...) and
#: the bidirectional overrides and isolates.
_UNSHOWN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _shown_values(value: Any) -> Any:
    """A result for a terminal: each of its strings :func:`_shown` (a server's values may
    hold what XML allows and a terminal acts on: a C1 control, a bare CR, U+202E). Only
    at a terminal: piped, the output is the bytes aws-cli writes."""
    if isinstance(value, str):
        return _shown(value)
    if isinstance(value, dict):
        return {key: _shown_values(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_shown_values(item) for item in value]
    return value


def _shown(text: str) -> str:
    """``text`` for a terminal: each character it would act on written as an escape
    (``\\x1b``), so that a server's header or body cannot clear the screen, set the
    window title or reorder the line (an answer's ESC[2J went through ``--debug``)."""
    text = text.replace("\r\n", "\n")  # HTTP's line ends are line ends here
    return _UNSHOWN.sub(lambda found: f"\\x{ord(found.group()):02x}" if ord(found.group())
                        < 0x100 else f"\\u{ord(found.group()):04x}", text)
