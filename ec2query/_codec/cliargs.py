"""aws-cli v1 command lines, both ways: argv <-> the canonical params.

``from_cli_args`` reads an ``aws ec2 <operation> ...`` argument list the way
aws-cli 1.45 does and returns the params it would send; ``to_cli_args`` writes
the most natural argument list for params. Both are driven by the model: an
option is its member's name in kebab case (``IpPermissions`` ->
``--ip-permissions``, ``DryRun`` -> ``--dry-run``/``--no-dry-run``), a list
takes several values, a list of structures JSON or shorthand. The only
per-operation data are aws-cli's own customizations, kept as small tables
below: the simplified security-group options (``--protocol``, ``--port``,
``--cidr``, ``--source-group``, ``--group-owner``, folded into one
``IpPermissions`` entry), pagination (``--page-size``, ``--max-items``), and
the skeleton's enum values; required members and integer minima are the
model's (``Member.required``, ``Scalar.bounds``).

Option parsing uses :mod:`argparse`, as aws-cli does, so abbreviations
(``--group-n``), ``--opt=value`` and negative numbers behave the same. Values
are read as aws-cli reads them: ``file://`` and ``fileb://`` load a local file,
``--cli-input-json`` fills in what the command line leaves out, and the result
is checked against the model as botocore would (``Parameter validation
failed: ...``). Every refusal is a :class:`~ec2query._errors.UsageError` naming
the option; where aws-cli crashes or guesses, we refuse (see ``docs/cli.md``).
"""

from __future__ import annotations

import argparse
import json
import re
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from .._errors import EC2Error, UsageError
from .._limits import MAX_QUERY_BYTES
from .._model import TAGGABLE, Kind, ListShape, Member, Operation, Scalar, Structure, operation
from .._model.operations import PAGINATORS
from . import shorthand

__all__ = [
    "CliRequest",
    "cli_skeleton",
    "from_cli_args",
    "option_name",
    "parse_cli_args",
    "shell_join",
    "to_cli_args",
]

Params = dict[str, Any]

# --------------------------------------------------------------------------- data

#: Operations that get aws-cli's simplified options (customizations/ec2/secgroupsimplify.py).
SIMPLIFIED_OPERATIONS = frozenset(
    {
        "AuthorizeSecurityGroupIngress",
        "AuthorizeSecurityGroupEgress",
        "RevokeSecurityGroupIngress",
        "RevokeSecurityGroupEgress",
    }
)
#: The simplified options, in the order aws-cli adds them to the one rule.
SIMPLIFIED_OPTIONS = ("protocol", "port", "cidr", "source-group", "group-owner")
#: ``--protocol`` names; ``all`` is sent as ``-1``.
PROTOCOL_NAMES = {"tcp": "tcp", "udp": "udp", "icmp": "icmp", "all": "-1"}

#: Paginated operations: (input token member, limit member) of botocore's paginator.
#: Operation -> (token member, limit member) of its paginator (model data).
PAGINATED: dict[str, tuple[str, str]] = {
    name: (input_token, limit_key) for name, (input_token, _, limit_key, _) in PAGINATORS.items()
}


#: aws-cli's global options (awscli/data/cli.json): name -> takes a value. None changes params.
GLOBAL_OPTIONS: dict[str, bool] = {
    "debug": False,
    "endpoint-url": True,
    "no-verify-ssl": False,
    "no-paginate": False,
    "output": True,
    "query": True,
    "profile": True,
    "region": True,
    "color": True,
    "no-sign-request": False,
    "ca-bundle": True,
    "cli-read-timeout": True,
    "cli-connect-timeout": True,
    "v2-debug": False,
}
_CHOICES = {"output": ("json", "text", "table"), "color": ("on", "off", "auto")}

_LOCAL_PREFIXES = ("file://", "fileb://")
_REMOTE_PREFIXES = ("http://", "https://")


@dataclass(frozen=True)
class CliRequest:
    """A read command line: the operation, its params, and whether a skeleton was asked for.

    ``skeleton`` is ``"input"`` or ``"output"`` when ``--generate-cli-skeleton``
    was given; aws-cli then prints a skeleton instead of sending ``params``.
    """

    operation: str
    params: Params
    skeleton: str | None = None


# --------------------------------------------------------------------------- names


def option_name(member_name: str) -> str:
    """The aws-cli option of a member: ``SecurityGroupRuleIds`` -> ``security-group-rule-ids``."""
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "-", member_name)
    return words.lower()


def _dest(name: str) -> str:
    return name.replace("-", "_")


# --------------------------------------------------------------------------- parsers


class _ArgParser(argparse.ArgumentParser):
    """argparse that raises ``UsageError`` instead of printing and exiting."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{self.prog}: error: {message}")


@cache
def _global_parser() -> _ArgParser:
    parser = _ArgParser(prog="aws", add_help=False, conflict_handler="resolve")
    for name, takes_value in GLOBAL_OPTIONS.items():
        if takes_value:
            parser.add_argument(f"--{name}", dest=_dest(name), choices=_CHOICES.get(name))
        elif name.startswith("no-"):
            parser.add_argument(f"--{name}", dest=_dest(name[3:]), action="store_false")
        else:
            parser.add_argument(f"--{name}", dest=_dest(name), action="store_true")
    return parser


@cache
def _operation_parser(name: str, required: bool) -> _ArgParser:
    op = operation(name)
    shape = op.input()
    needed = shape.required
    parser = _ArgParser(prog=f"ec2query {op.cli_name}", add_help=False, conflict_handler="resolve")
    for member in shape.members:
        flag = f"--{option_name(member.name)}"
        is_required = required and member.name in needed
        if member.shape == Scalar(Kind.BOOLEAN):
            parser.add_argument(flag, action="store_true", dest=member.name, default=None)
            no_flag = f"--no-{option_name(member.name)}"
            parser.add_argument(no_flag, action="store_false", dest=member.name, default=None)
        elif isinstance(member.shape, ListShape):
            parser.add_argument(flag, nargs="*", dest=member.name, required=is_required)
        else:
            parser.add_argument(flag, dest=member.name, required=is_required)
    if op.name in SIMPLIFIED_OPERATIONS:
        for option in SIMPLIFIED_OPTIONS:
            parser.add_argument(f"--{option}", dest=f"simplified:{option}")
    parser.add_argument("--cli-input-json", dest="cli:input-json")
    if op.name in PAGINATED:
        parser.add_argument("--starting-token", dest="page:starting-token")
        parser.add_argument("--page-size", dest="page:page-size", type=_page_int)
        parser.add_argument("--max-items", dest="page:max-items", type=_page_int)
    parser.add_argument(
        "--generate-cli-skeleton",
        dest="cli:skeleton",
        nargs="?",
        const="input",
        choices=("input", "output"),
    )
    parser.add_argument("help", nargs="?")
    return parser


def _page_int(text: str) -> int:
    """argparse's ``type=int`` (its message for a non-integer), an integer too long for
    ``int()`` judged by value instead (its error passes through argparse)."""
    return shorthand.integer(text)


_page_int.__name__ = "int"  # argparse names the type in "invalid int value: ..."


# --------------------------------------------------------------------------- argv -> params


def from_cli_args(operation_name: str, argv: Sequence[str]) -> Params:
    """The params aws-cli v1 sends for ``aws ec2 <operation> ARGV``; ``UsageError`` otherwise."""
    request = parse_cli_args(operation_name, argv)
    if request.skeleton is not None:
        raise UsageError(
            "--generate-cli-skeleton prints a skeleton and sends no request "
            "(use parse_cli_args to tell the two apart)"
        )
    return request.params


def parse_cli_args(operation_name: str, argv: Sequence[str]) -> CliRequest:
    """Read an aws-cli argument list: params plus the ``--generate-cli-skeleton`` request."""
    op = operation(operation_name)
    args = _strip_command(op, [_text(arg) for arg in argv])
    globals_, args = _global_parser().parse_known_args(args)
    override = "--cli-input-json" in args or (
        "--generate-cli-skeleton" in args and not _skeleton_for_output(args)
    )
    try:
        parsed, unknown = _operation_parser(op.name, not override).parse_known_args(args)
    except shorthand.IntegerOutOfRange as exc:
        raise UsageError(f"ec2query {op.cli_name}: error: {exc.message}", code=exc.code) from None
    values = vars(parsed)
    positional = values.pop("help")
    if positional == "help":
        raise UsageError("'help' shows aws-cli's manual page; it is not a request")
    if positional is not None:
        unknown.append(positional)
    if unknown:
        raise UsageError(f"Unknown options: {', '.join(unknown)}")
    _check_conflicts(op, values, paginate=globals_.paginate)

    params: Params = {}
    shape = op.input()
    for member in shape.members:
        value = values.get(member.name)
        if value is not None:
            flag = f"--{option_name(member.name)}"
            params[member.name] = _member_value(member, _load(flag, value), flag)
    if op.name in SIMPLIFIED_OPERATIONS:
        for option in SIMPLIFIED_OPTIONS:
            value = values.get(f"simplified:{option}")
            if value is not None:
                _simplified(params, option, _load(f"--{option}", value))
    document = values.get("cli:input-json")
    if document is not None:
        for key, value in _input_json(document).items():
            params.setdefault(key, value)
    skeleton = values.get("cli:skeleton")
    if skeleton == "input":
        return CliRequest(op.name, params, skeleton)
    if (
        skeleton is None
        and op.name in PAGINATED
        and globals_.paginate
        and not _manual_paging(op, values)
    ):
        _paginate(op, params, values)
    problems = check_params(op, params)
    if problems:
        raise UsageError("Parameter validation failed:\n" + "\n".join(problems))
    return CliRequest(op.name, params, skeleton)


def _text(arg: Any) -> str:
    if not isinstance(arg, str):
        raise UsageError(f"Command-line arguments must be text, not {type(arg).__name__}")
    return arg


def _strip_command(op: Operation, args: list[str]) -> list[str]:
    """Drop a leading ``aws ec2 <operation>`` (any prefix of it) from ``args``."""
    if args[:1] == ["aws"]:
        args = args[1:]
    if args[:1] == ["ec2"]:
        args = args[1:]
    if args[:1] and not args[0].startswith("-"):
        if args[0] in (op.cli_name, op.name):
            return args[1:]
        try:
            other = operation(args[0])
        except EC2Error:
            return args  # not an operation name: argparse reports it as an unknown option
        raise UsageError(f"The command line is for {other.cli_name}, not {op.cli_name}")
    return args


def _skeleton_for_output(args: list[str]) -> bool:
    where = args.index("--generate-cli-skeleton")
    return args[where + 1 : where + 2] == ["output"]


def _check_conflicts(op: Operation, values: Mapping[str, Any], *, paginate: bool) -> None:
    """aws-cli's own refusals of option combinations, with its meaning."""
    if op.name in SIMPLIFIED_OPERATIONS and values.get("IpPermissions"):
        for option in SIMPLIFIED_OPTIONS:
            if values.get(f"simplified:{option}"):
                raise UsageError(
                    f"The --{option} option is not compatible with the --ip-permissions option"
                )
    if op.name in PAGINATED and (not paginate or _manual_paging(op, values)):
        used = [
            f"--{name}"
            for name in ("starting-token", "page-size", "max-items")
            if values.get(f"page:{name}")
        ]
        if used:
            raise UsageError(
                "Cannot combine --next-token, --max-results or --no-paginate with "
                f"aws-cli's pagination options: {', '.join(used)}"
            )


def _manual_paging(op: Operation, values: Mapping[str, Any]) -> bool:
    return any(values.get(name) is not None for name in PAGINATED[op.name])


def _paginate(op: Operation, params: Params, values: Mapping[str, Any]) -> None:
    """What botocore's paginator puts in the first request."""
    token_member, limit_member = PAGINATED[op.name]
    if values.get("page:starting-token") is not None:
        raise UsageError(
            "--starting-token carries aws-cli's own encoded paging state; "
            f"pass the service's token with --{option_name(token_member)}"
        )
    size = values.get("page:page-size")
    if size is not None:
        params[limit_member] = size


def _load(flag: str, value: Any) -> Any:
    """A ``file://`` / ``fileb://`` value replaced by the file's contents, as aws-cli does."""
    probe = value[0] if isinstance(value, list) and len(value) == 1 else value
    if not isinstance(probe, str):
        return value
    if probe.startswith(_REMOTE_PREFIXES):
        raise UsageError(
            f"Error parsing parameter '{flag}': ec2query does not fetch {probe.split(':')[0]} "
            "values (aws-cli would download the URL); pass the value itself"
        )
    if probe.startswith(_LOCAL_PREFIXES):
        return _read_file(flag, probe)
    return value


def read_bounded(path: str | Path, what: str) -> bytes:
    """The bytes of the file at ``path``, read no further than the request limit
    (``MAX_QUERY_BYTES``): nothing larger could be sent, and ``/dev/zero`` never ends.
    ``what`` names the input in the ``UsageError`` for an unreadable or larger file."""
    try:
        with Path(path).expanduser().open("rb") as stream:
            data = stream.read(MAX_QUERY_BYTES + 1)
    except OSError as exc:
        raise UsageError(f"{what}: cannot read {path}: {exc.strerror or exc}") from None
    if len(data) > MAX_QUERY_BYTES:
        raise UsageError(f"{what}: {path} is larger than the request limit of "
                         f"{MAX_QUERY_BYTES} bytes")
    return data


def _read_file(flag: str, uri: str) -> str:
    binary = uri.startswith("fileb://")
    data = read_bounded(uri.split("://", 1)[1], f"Error parsing parameter '{flag}'")
    if binary:
        raise UsageError(
            f"Error parsing parameter '{flag}': {uri} gives binary data, and no member "
            "of these operations takes binary data; use file://"
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise UsageError(f"Error parsing parameter '{flag}': {uri} is not UTF-8 text") from None


def _member_value(member: Member, value: Any, flag: str) -> Any:
    shape = member.shape
    if isinstance(shape, Scalar):
        if shape.kind == "integer":
            return _integer(flag, value)
        return value  # strings as given; booleans come from store_true/store_false
    if isinstance(shape, ListShape):
        return _list_value(shape, value, flag)
    return _json(flag, value)  # a structure member: aws-cli accepts JSON only


def _integer(flag: str, value: str) -> int:
    try:
        return shorthand.integer(value)
    except shorthand.IntegerOutOfRange as exc:
        raise UsageError(
            f"Error parsing parameter '{flag}': {exc.message}", code=exc.code
        ) from None
    except ValueError:
        raise UsageError(
            f"Error parsing parameter '{flag}': expected an integer, received {value!r:.80}"
        ) from None


def _list_value(shape: ListShape, value: Any, flag: str) -> Any:
    member = shape.member
    first = value[0] if isinstance(value, list) and value else value
    looks_json = isinstance(first, str) and first.strip().startswith(("[", "{"))
    if isinstance(member, Structure) and not looks_json:
        return _shorthand_list(shape, value, flag)
    if isinstance(value, str):
        if value.lstrip().startswith("["):
            return _json(flag, value)
        raise UsageError(
            f"Error parsing parameter '{flag}': a file given for a list must hold a JSON "
            "list (aws-cli would split its text into single characters)"
        )
    if len(value) == 1 and value[0].strip().startswith("["):
        return _json(flag, value[0])
    if isinstance(member, Scalar):
        return list(value)
    items = []
    for position, item in enumerate(value, 1):
        if not item.lstrip().startswith("{"):
            raise UsageError(
                f"Error parsing parameter '{flag}': value {position} is not a JSON object "
                f"(when the first value is JSON, all must be): {item!r:.80}"
            )
        items.append(_json(flag, item))
    return items


def _shorthand_list(shape: ListShape, value: Any, flag: str) -> Any:
    texts = value if isinstance(value, list) else [value]
    parsed = []
    for position, text in enumerate(texts, 1):
        where = f"value {position} of " if len(texts) > 1 else ""
        try:
            item = shorthand.parse(text, read_file=lambda v: _load(flag, v))
            parsed.append(
                shorthand.coerce(item, shape.member, f"{shape_name(flag)}[{position - 1}]")
            )
        except shorthand.ShorthandError as exc:
            raise UsageError(
                f"Error parsing parameter '{flag}': {where}shorthand: {exc.message}"
            ) from None
        except UsageError as exc:
            raise UsageError(
                f"Error parsing parameter '{flag}': {where}{exc.message}", code=exc.code
            ) from None
    if isinstance(value, list):
        return parsed
    return parsed[0]  # aws-cli does not wrap a file's single shorthand value in a list


def shape_name(flag: str) -> str:
    """The member name behind an option, for messages: ``--ip-permissions`` -> ``IpPermissions``."""
    return "".join(word.capitalize() for word in flag.lstrip("-").split("-"))


def _json(flag: str, text: str) -> Any:
    try:
        return json.loads(text, parse_int=shorthand.integer)
    except shorthand.IntegerOutOfRange as exc:
        raise UsageError(
            f"Error parsing parameter '{flag}': {exc.message}", code=exc.code
        ) from None
    except json.JSONDecodeError as exc:
        raise UsageError(
            f"Error parsing parameter '{flag}': Invalid JSON: {exc.msg} at line {exc.lineno} "
            f"column {exc.colno} (char {exc.pos})\nJSON received: {text}"
        ) from None
    except RecursionError:
        raise UsageError(
            f"Error parsing parameter '{flag}': Invalid JSON: nested too deeply"
        ) from None


def _input_json(value: str) -> Mapping[str, Any]:
    text = _load("--cli-input-json", value)
    document = _json("--cli-input-json", text)
    if not isinstance(document, dict):
        raise UsageError(
            "Error parsing parameter '--cli-input-json': the JSON must be an object of "
            f"parameters, not {type(document).__name__}"
        )
    return document


def _simplified(params: Params, option: str, value: Any) -> None:
    """Fold one simplified option into the single rule, exactly as aws-cli does."""
    if not value:
        return
    permissions = params.setdefault("IpPermissions", [{}])
    if not permissions:
        raise UsageError(
            f"--{option} cannot add its rule to the empty list that --ip-permissions gave"
        )
    rule = permissions[0]
    if option == "protocol":
        rule["IpProtocol"] = _protocol(value)
    elif option == "port":
        rule["FromPort"], rule["ToPort"] = _port(value)
    elif option == "cidr":
        rule["IpRanges"] = [{"CidrIp": value}]
    else:
        pair = rule.setdefault("UserIdGroupPairs", [{}])[0]
        if option == "group-owner":
            pair["UserId"] = value
        elif value.startswith("sg-"):
            pair["GroupId"] = value
        else:
            pair["GroupName"] = value


def _protocol(value: str) -> str:
    try:
        number = int(value)
    except ValueError:
        number = None
    if number is not None and (0 <= number <= 255 or number == -1):
        return value  # sent as written: "6" stays "6"
    if value in PROTOCOL_NAMES:
        return PROTOCOL_NAMES[value]
    raise UsageError(
        "Error parsing parameter '--protocol': protocol parameter should be one of: "
        f"tcp|udp|icmp|all or any valid protocol number (0-255, or -1), not {value!r}"
    )


def _port(value: str) -> tuple[int, int]:
    if value in ("-1", "all"):
        return -1, -1
    low, dash, high = value.partition("-")
    try:
        return shorthand.integer(low), shorthand.integer(high if dash else low)
    except shorthand.IntegerOutOfRange as exc:
        raise UsageError(
            f"Error parsing parameter '--port': {exc.message}", code=exc.code
        ) from None
    except ValueError:
        position = len(low) + 1 if dash and low.strip() else 0
        raise UsageError(
            "Error parsing parameter '--port': port parameter should be of the form "
            f"<from[-to]> (e.g. 22 or 22-25), not {value!r} (problem at position {position})"
        ) from None


# --------------------------------------------------------------------------- validation


def check_params(op: Operation, params: Any) -> list[str]:
    """botocore's client-side parameter checks over the model; the problems found."""
    problems: list[str] = []
    _check_structure(params, op.input(), "", problems)
    return problems


def _check_structure(value: Any, shape: Structure, path: str, problems: list[str]) -> None:
    if not isinstance(value, Mapping):
        problems.append(_bad_type(path, value, "dict"))
        return
    where = path or "input"
    for name in shape.required:
        if name not in value:
            problems.append(f'Missing required parameter in {where}: "{name}"')
    for key, item in value.items():
        member = shape.by_name.get(key)
        if member is None:
            allowed = ", ".join(m.name for m in shape.members)
            problems.append(f'Unknown parameter in {where}: "{key}", must be one of: {allowed}')
            continue
        child = f"{path}.{key}" if path else key
        _check_value(item, member.shape, child, problems)


def _check_value(value: Any, shape: Any, path: str, problems: list[str]) -> None:
    if isinstance(shape, Structure):
        _check_structure(value, shape, path, problems)
    elif isinstance(shape, ListShape):
        if not isinstance(value, (list, tuple)):
            problems.append(_bad_type(path, value, "list"))
            return
        for index, item in enumerate(value):
            _check_value(item, shape.member, f"{path}[{index}]", problems)
    elif shape.kind == "string":
        if not isinstance(value, str):
            problems.append(_bad_type(path, value, "str"))
    elif shape.kind == "integer":
        if type(value) is not int:  # botocore also takes a bool here; EC2 never wants one
            problems.append(_bad_type(path, value, "int"))
        elif value.bit_length() > _MAX_INT_BITS:
            problems.append(f"Invalid value for parameter {path}, value: {_shown(value)}, "
                            "valid range: an EC2 integer (32 bits)")
        elif shape.bounds is not None and value < shape.bounds[0]:  # botocore checks min only
            problems.append(
                f"Invalid value for parameter {path}, value: {value}, "
                f"valid min value: {shape.bounds[0]}"
            )
    elif type(value) is not bool:
        problems.append(_bad_type(path, value, "bool"))


#: Integers longer than this are refused by value before ``str()`` (limited to 4,300
#: digits by default) is asked to print them; every EC2 integer is far shorter.
_MAX_INT_BITS = 4096


def _shown(value: Any) -> str:
    """``repr(value)`` for a message, or an integer too long to print by its size."""
    if isinstance(value, int) and value.bit_length() > _MAX_INT_BITS:
        return f"an integer of {value.bit_length()} bits"
    return repr(value)


def _bad_type(path: str, value: Any, expected: str) -> str:
    return (
        f"Invalid type for parameter {path or 'input'}, value: {_shown(value):.80}, "
        f"type: {type(value).__name__}, valid types: {expected}"
    )


# --------------------------------------------------------------------------- params -> argv


def to_cli_args(
    operation_name: str, params: Mapping[str, Any], *, style: str = "json"
) -> list[str]:
    """The most natural aws-cli options for ``params`` (without ``aws ec2 <operation>``)."""
    if style not in ("json", "shorthand"):
        raise UsageError(f"style must be 'json' or 'shorthand', not {style!r}")
    op = operation(operation_name)
    problems = check_params(op, params)
    if problems:
        raise UsageError("Parameter validation failed:\n" + "\n".join(problems))
    shape = op.input()
    argv: list[str] = []
    leftovers: Params = {}
    for key, value in params.items():
        member = shape.by_name[key]
        if key == "IpPermissions" and op.name in SIMPLIFIED_OPERATIONS:
            simple = _as_simplified(value)
            if simple is not None:
                argv += simple
                continue
        words = _as_option(member, value, style)
        if words is None:
            leftovers[key] = value
        else:
            argv += words
    if leftovers:
        argv += ["--cli-input-json", json.dumps(leftovers, ensure_ascii=False)]
    return argv


def _option(name: str, value: str) -> list[str]:
    if value.startswith("-"):
        return [f"--{name}={value}"]
    return [f"--{name}", value]


def _plain(value: str) -> bool:
    """A string aws-cli takes literally from the command line (no file:// or URL loading)."""
    return not value.startswith(_LOCAL_PREFIXES + _REMOTE_PREFIXES)


def _as_option(member: Member, value: Any, style: str) -> list[str] | None:
    name = option_name(member.name)
    shape = member.shape
    if isinstance(shape, Scalar):
        if shape.kind == "boolean":
            return [f"--{name}" if value else f"--no-{name}"]
        if shape.kind == "integer":
            return _option(name, str(value))  # check_params refused one too long to print
        return _option(name, value) if _plain(value) else None
    if isinstance(shape, ListShape):
        items = list(value)
        if isinstance(shape.member, Structure):
            if style == "shorthand" and items:
                texts = [shorthand.encode(item, shape.member) for item in items]
                if all(texts):
                    return [f"--{name}", *texts]  # type: ignore[list-item]
            return [f"--{name}", json.dumps(items, ensure_ascii=False)]
        literal = all(not item.startswith("-") for item in items) and not (
            len(items) == 1 and (items[0].strip().startswith("[") or not _plain(items[0]))
        )
        if literal:
            return [f"--{name}", *items]
        return [f"--{name}", json.dumps(items, ensure_ascii=False)]
    return [f"--{name}", json.dumps(value, ensure_ascii=False)]


def _as_simplified(permissions: Any) -> list[str] | None:
    """The simplified options that rebuild ``permissions`` exactly, or ``None``."""
    if len(permissions) != 1:
        return None
    rule = permissions[0]
    if not rule or not set(rule) <= {
        "IpProtocol",
        "FromPort",
        "ToPort",
        "IpRanges",
        "UserIdGroupPairs",
    }:
        return None
    argv: list[str] = []
    if "IpProtocol" in rule:
        protocol = rule["IpProtocol"]
        if not protocol or protocol == "all" or not _plain(protocol):
            return None
        try:
            if _protocol(protocol) != protocol:
                return None
        except UsageError:
            return None
        argv += _option("protocol", protocol)
    if ("FromPort" in rule) != ("ToPort" in rule):
        return None
    if "FromPort" in rule:
        port = _port_text(rule["FromPort"], rule["ToPort"])
        if port is None:
            return None
        argv += _option("port", port)
    if "IpRanges" in rule:
        ranges = rule["IpRanges"]
        if len(ranges) != 1 or set(ranges[0]) != {"CidrIp"}:
            return None
        cidr = ranges[0]["CidrIp"]
        if not cidr or not _plain(cidr):
            return None
        argv += _option("cidr", cidr)
    if "UserIdGroupPairs" in rule:
        pairs = rule["UserIdGroupPairs"]
        if len(pairs) != 1 or not pairs[0]:
            return None
        words = _source_group(pairs[0])
        if words is None:
            return None
        argv += words
    return argv


def _port_text(low: int, high: int) -> str | None:
    if low == high == -1:
        return "-1"
    if low < 0:
        return None
    return str(low) if low == high else f"{low}-{high}"


def _source_group(pair: Mapping[str, Any]) -> list[str] | None:
    if not set(pair) <= {"GroupId", "GroupName", "UserId"} or {"GroupId", "GroupName"} <= set(pair):
        return None
    if any(not text or not _plain(text) for text in pair.values()):
        return None
    argv: list[str] = []
    if "GroupId" in pair:
        if not pair["GroupId"].startswith("sg-"):
            return None
        argv += _option("source-group", pair["GroupId"])
    if "GroupName" in pair:
        if pair["GroupName"].startswith("sg-"):
            return None
        argv += _option("source-group", pair["GroupName"])
    if "UserId" in pair:
        argv += _option("group-owner", pair["UserId"])
    return argv


# --------------------------------------------------------------------------- skeleton, shell


def cli_skeleton(operation_name: str) -> Params:
    """The JSON ``--generate-cli-skeleton`` prints: every input member with a sample value."""
    op = operation(operation_name)
    skeleton = _skeleton(op.input())
    for spec in skeleton.get("TagSpecifications", ()):
        spec["ResourceType"] = TAGGABLE.get(op.name, "")  # botocore shows a random enum value
    return skeleton


def _skeleton(shape: Structure) -> Params:
    return {member.name: _sample(member.shape) for member in shape.members}


def _sample(shape: Any) -> Any:
    if isinstance(shape, Structure):
        return _skeleton(shape)
    if isinstance(shape, ListShape):
        return [_sample(shape.member)]
    return {Kind.STRING: "", Kind.INTEGER: 0, Kind.BOOLEAN: True}[shape.kind]


def shell_join(argv: Sequence[str], *, operation_name: str | None = None) -> str:
    """A copy-pasteable POSIX shell command line; ``aws ec2 <cli-name>`` first if named."""
    words = list(argv)
    if operation_name is not None:
        words = ["aws", "ec2", operation(operation_name).cli_name, *words]
    return shlex.join(words)
