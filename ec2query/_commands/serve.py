"""``ec2query serve``: run the validating gateway on the edge (waitress, bounded).

By default it answers from the embedded backend (SQLite, or PostgreSQL for a
``--db postgresql://...`` URL) and accepts the credentials of the caller's
standard AWS environment, so that a boto3 or aws-cli client started in the same
shell works against it out of the box.
"""

from __future__ import annotations

import argparse
import configparser
import contextlib
import json
import logging
from collections.abc import Callable
from typing import Any

from .._errors import UsageError
from .._limits import EDGE_BOUNDS, MAX_QUERY_BYTES, STOP_GRACE
from ..auth._credentials import Credentials, blank_secret, ini_parser


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "serve",
        help="run the validating EC2 gateway",
        description="Serve EC2's Query API for security groups: verify signatures, decode, "
        "validate, then answer from the embedded SQLite backend (default) or forward to "
        "--upstream. One log line per request.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (%(default)s)")
    parser.add_argument("--port", type=_whole(0, 65535), default=8773,
                        help="port (%(default)s; 0 picks one)")
    parser.add_argument(
        "--db",
        default="ec2query.sqlite3",
        help="the embedded backend's database: an SQLite file (%(default)s; :memory: for "
        "none) or a PostgreSQL URL, postgresql://user@host:port/dbname (the postgres extra)",
    )
    parser.add_argument("--threads", type=_whole(0, MAX_THREADS), default=None, metavar="N",
                        help="threads per worker process: 0 answers in the event loop's "
                        "thread (the default with an SQLite --db), N hands requests to "
                        f"N threads, at most {MAX_THREADS} (default 8 with --upstream or "
                        "a PostgreSQL --db)")
    parser.add_argument("--workers", type=_whole(1, MAX_WORKERS), default=1, metavar="N",
                        help="worker processes sharing the port and the --db database "
                        f"(%(default)s; at most {MAX_WORKERS})")
    parser.add_argument("--grace", type=_whole(0, MAX_GRACE), default=STOP_GRACE,
                        metavar="SECONDS",
                        help="on SIGTERM, Ctrl-C or SIGHUP, how long the requests begun get to be "
                        "answered before it stops (%(default)s; a second signal stops at once)")
    parser.add_argument("--region", help="the only region clients may sign for (default: any)")
    parser.add_argument("--path", default="/", help="the only request path served (%(default)s)")
    parser.add_argument(
        "--credentials-file",
        action="append",
        default=[],
        metavar="FILE",
        help="accept these credentials too: an AWS shared-credentials INI file (every profile) "
        "or a JSON object {access key: secret key}; repeatable",
    )
    parser.add_argument(
        "--upstream", metavar="URL", help="forward valid requests to this EC2 endpoint instead"
    )
    parser.add_argument("--upstream-profile", help="AWS profile whose credentials sign upstream")
    parser.add_argument(
        "--upstream-region",
        default="us-east-1",
        help="region to sign upstream requests for (%(default)s)",
    )
    parser.add_argument(
        "--pass-through", action="store_true", help="with --upstream: relay operations outside "
        "the model unchanged, re-signed, instead of refusing them (neither validated nor "
        "judged by the policy)",
    )
    parser.add_argument(
        "--policy", metavar="FILE", help="refuse the changes this guardrail policy forbids "
        "(TOML; docs/policy.md)"
    )
    parser.add_argument(
        "--audit-log", metavar="FILE", help="one JSON line per policy decision (- for stderr)"
    )
    parser.add_argument(
        "--access-log", metavar="FILE", default="-",
        help="one line per answered request, appended to FILE (%(default)s: stderr)"
    )
    edge = parser.add_argument_group(
        "the edge's bounds", "what a client may hold or take before the app answers, per "
        "worker process (docs/gateway.md, The edge)")
    for name, (metavar, low, high, meaning) in _BOUND_OPTIONS.items():
        edge.add_argument(f"--{name.replace('_', '-')}", type=_whole(low, high),
                          default=EDGE_BOUNDS[name], metavar=metavar,
                          help=f"{meaning} (%(default)s; {low} to {high})")
    parser.set_defaults(func=run)


#: ``serve``'s option for each of the edge's bounds: its metavar, its range, its meaning.
_BOUND_OPTIONS: dict[str, tuple[str, int, int, str]] = {
    "header_timeout": ("SECONDS", 1, 86400, "a request's line and headers must arrive "
                       "within this of its first byte, or the connection is closed"),
    "body_timeout": ("SECONDS", 1, 86400, "the whole request, its body too, must arrive "
                     "within this of its first byte, or it is answered RequestTimeout"),
    "idle_timeout": ("SECONDS", 1, 86400, "a keep-alive connection with no request is "
                     "closed after this; behind a load balancer, set it above the "
                     "balancer's own idle timeout"),
    "max_header": ("BYTES", 1024, 1024 * 1024, "the most bytes of a request line and "
                   "headers"),
    "connection_limit": ("N", 1, 100_000, "the most connections held open at once; at the "
                         "limit a new one takes the room of the one waiting longest"),
    "max_bodies": ("BYTES", MAX_QUERY_BYTES, 64 * 1024**3, "the most bytes of request "
                   "bodies held at once, all connections together"),
}


#: The largest credentials file read (bytes): one line a key, far more keys than a gateway has.
_MAX_CREDENTIALS_FILE = 16 * 1024 * 1024


def load_credentials_file(path: str) -> dict[str, Credentials]:
    """Access key -> Credentials from an AWS INI credentials file or a JSON object."""
    try:
        with open(path, "rb") as stream:  # an endless one (/dev/zero): no more than the bound
            data = stream.read(_MAX_CREDENTIALS_FILE + 1)
    except OSError as exc:
        raise UsageError(f"Cannot read {path}: {exc.strerror}") from None
    if len(data) > _MAX_CREDENTIALS_FILE:
        raise UsageError(f"{path}: larger than {_MAX_CREDENTIALS_FILE} bytes")
    try:
        text = data.decode("utf-8-sig")  # a byte-order mark is not part of the text
    except UnicodeDecodeError:
        raise UsageError(f"{path}: not UTF-8 text") from None
    start = text.lstrip()[:1]
    table = None
    if start == "{":
        try:
            table = json.loads(text, object_pairs_hook=lambda pairs: _unique(path, pairs))
        except json.JSONDecodeError as exc:
            raise UsageError(f"{path}: invalid JSON: {exc.msg}") from None
        except RecursionError:  # json's decoder recurses once per nested array or object
            raise UsageError(f"{path}: invalid JSON: nested too deeply") from None
    elif start == "[":  # an INI section, or JSON that is not an object (refused below)
        with contextlib.suppress(json.JSONDecodeError, RecursionError):
            table = json.loads(text)
    if table is not None:
        if not isinstance(table, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in table.items()
        ):
            raise UsageError(f"{path}: expected a JSON object of access key -> secret key")
        return {key: _entry(path, key, secret) for key, secret in table.items()}
    parser = ini_parser()  # [DEFAULT] a profile like any other, as in resolve_credentials
    try:
        parser.read_string(text, source=path)
    except configparser.Error as exc:
        raise UsageError(f"{path}: not an AWS credentials file ({type(exc).__name__})") from None
    found: dict[str, Credentials] = {}
    for section in parser.sections():
        key = parser.get(section, "aws_access_key_id", fallback=None)
        secret = parser.get(section, "aws_secret_access_key", fallback=None)
        if key is None and secret is None:
            continue  # a profile of other settings
        token = parser.get(section, "aws_session_token", fallback=None) or None
        entry = _entry(path, key or "", secret or "", token, where=f"[{section}]")
        _add(found, entry, f"{path} [{section}]")
    return found


def _unique(path: str, pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object's members, refusing a name given twice with another value (json kept
    the last, silently)."""
    table: dict[str, Any] = {}
    for name, value in pairs:
        if name in table and table[name] != value:
            raise UsageError(f"{path}: the access key {name[:64]!r} is given again with "
                             "other credentials")
        table[name] = value
    return table


def _add(table: dict[str, Credentials], entry: Credentials, where: str) -> None:
    """Add ``entry``; the same key again is refused unless it is the same credentials
    (the last would have won, silently)."""
    known = table.get(entry.access_key)
    if known is not None and known != entry:
        raise UsageError(f"{where}: the access key {entry.access_key[:64]!r} is given "
                         "again with other credentials")
    table[entry.access_key] = entry


def _entry(path: str, key: str, secret: str, token: str | None = None, *,
           where: str = "") -> Credentials:
    """One accepted key; an empty key id or secret is refused, naming the file and the
    entry (never the secret): an empty secret would let anyone who knows the id sign."""
    place = f"{path}{' ' + where if where else ''}"
    if not key.strip():
        raise UsageError(f"{place}: an entry has an empty access key id")
    if blank_secret(secret):
        raise UsageError(f"{place}: the secret key of {key[:64]!r} is empty; "
                         "an empty (or blank) secret is never accepted")
    return Credentials(key, secret, token)


def accepted_credentials(files: list[str]) -> dict[str, Credentials]:
    """The environment's credentials (if any) plus those of every ``--credentials-file``.

    Having none in the environment is allowed (the files may name every caller), and so
    is an environment that names none it can read (a missing profile, an unreadable
    config file: a warning says so); having them half (a key without its secret, in the
    environment or the shared credentials file) is refused, as the aws-cli refuses it:
    ``UsageError`` ``PartialCredentials``.
    """
    from .._errors import AuthError, UsageError
    from ..auth._credentials import resolve_credentials

    table: dict[str, Credentials] = {}
    try:
        own = resolve_credentials()
        table[own.access_key] = own
    except AuthError:  # none at all
        pass
    except UsageError as error:
        if error.code == "PartialCredentials":
            raise
        logging.getLogger("ec2query.gateway").warning(
            "the environment's AWS credentials are not used: %s", error.message)
    for path in files:
        for entry in load_credentials_file(path).values():
            _add(table, entry, path)
    return table


def run(args: argparse.Namespace) -> int:
    from ..gateway import make_app
    from ..gateway._postgres import is_url, redacted
    from ..gateway._server import serve, stopped_by
    from ..gateway._storage import DatabaseFileError, StorageError, in_memory

    try:
        shared = args.upstream or args.workers == 1 or not in_memory(args.db)
    except DatabaseFileError as exc:  # a URI naming another host: one line, as below
        raise UsageError(exc.message, code=exc.code) from None
    if args.header_timeout > args.body_timeout:  # the body's deadline would come first
        raise UsageError(f"--header-timeout {args.header_timeout} is longer than "
                         f"--body-timeout {args.body_timeout}: the whole request, its "
                         "headers too, must arrive within the body timeout")
    if not shared:  # each forked worker would copy the parent's database and change its own
        raise UsageError(f"--workers {args.workers} needs a database the workers share: "
                         f"--db {args.db} is each process' own; give a file or a "
                         "PostgreSQL URL")
    # The access lines are written straight (make_app's access_log); the others, in the
    # same format, are log records without the thread and process names nobody prints.
    logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False
    handler = logging.StreamHandler()
    handler.setFormatter(_LineFormat("%(asctime)s %(name)s %(message)s"))
    logging.basicConfig(level=logging.INFO, handlers=[handler])
    policy = None
    if args.policy:  # a bad policy file is refused before anything is opened
        from .._policy import load_policy

        policy = load_policy(args.policy)
    table = accepted_credentials(args.credentials_file)
    if not table:
        logging.getLogger("ec2query.gateway").warning(
            "no credentials: set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or pass "
            "--credentials-file, or every request will fail with AuthFailure"
        )
    upstream_credentials = None
    if args.upstream and args.upstream_profile:
        from ..auth._credentials import resolve_credentials

        upstream_credentials = resolve_credentials(args.upstream_profile)
    db = redacted(args.db) if is_url(args.db) else args.db  # never the password in a line
    try:
        app = make_app(
            db=args.db,
            credentials=table,
            upstream=args.upstream,
            upstream_credentials=upstream_credentials,
            upstream_region=args.upstream_region,
            region=args.region,
            path=args.path,
            policy=policy,
            audit_log=args.audit_log,
            access_log=args.access_log,
            pass_through=args.pass_through,
        )
    except StorageError as exc:  # a --db that is not ours, or cannot be opened: one line
        message = exc.message if isinstance(exc, DatabaseFileError) else f"{db}: {exc.message}"
        raise UsageError(message, code=exc.code) from None
    target = f"forwarding to {args.upstream}" if args.upstream else f"backend {db}"
    workers = f", {args.workers} workers" if args.workers > 1 else ""

    stops = stopped_by()

    def ready(port: int) -> None:
        where = f"http://{args.host}:{port}"
        print(f"ec2query gateway on {where} ({target}{workers}); {stops} stops it", flush=True)

    bounds = {name: getattr(args, name) for name in EDGE_BOUNDS}
    serve(app, host=args.host, port=args.port, threads=args.threads, workers=args.workers,
          ready=ready, grace=args.grace, **bounds)
    return 0


#: The most threads a worker, and workers a host, are given: far more than a host's cores,
#: and few enough to start (100,000 threads aborted the process; 100,000 workers ran out
#: of file descriptors for their pipes).
MAX_THREADS = 256
MAX_WORKERS = 256
#: The longest ``--grace`` (seconds): an hour, far beyond the edge's own deadlines.
MAX_GRACE = 3600


def _whole(low: int, high: int) -> Callable[[str], int]:
    """An option's type: a whole number from ``low`` to ``high``, written in ASCII digits."""

    def whole(text: str) -> int:
        digits = text.isascii() and text.isdigit() and len(text) <= len(str(high))
        value = int(text) if digits else -1
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(
                f"expected a whole number from {low} to {high}, not {text[:64]!r}")
        return value

    return whole


class _LineFormat(logging.Formatter):
    """logging's default line, its time formatted as the access lines' (``_lines.stamp``)."""

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        from ..gateway._lines import stamp

        return stamp(record.created)
