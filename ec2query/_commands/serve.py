"""``ec2query serve``: run the validating gateway on waitress.

By default it answers from the embedded SQLite backend and accepts the
credentials of the caller's standard AWS environment, so that a boto3 or
aws-cli client started in the same shell works against it out of the box.
"""

from __future__ import annotations

import argparse
import configparser
import json
import logging
from pathlib import Path
from typing import Any

from .._errors import UsageError
from ..auth._credentials import Credentials


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "serve",
        help="run the validating EC2 gateway",
        description="Serve EC2's Query API for security groups: verify signatures, decode, "
        "validate, then answer from the embedded SQLite backend (default) or forward to "
        "--upstream. One log line per request.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (%(default)s)")
    parser.add_argument("--port", type=int, default=8773, help="port (%(default)s; 0 picks one)")
    parser.add_argument(
        "--db",
        default="ec2query.sqlite3",
        help="SQLite file of the embedded backend (%(default)s; :memory: for none)",
    )
    parser.add_argument("--threads", type=int, default=8, help="worker threads (%(default)s)")
    parser.add_argument("--region", help="the only region clients may sign for (default: any)")
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
        "--policy", metavar="FILE", help="refuse the changes this guardrail policy forbids "
        "(TOML; docs/policy.md)"
    )
    parser.add_argument(
        "--audit-log", metavar="FILE", help="one JSON line per policy decision (- for stderr)"
    )
    parser.set_defaults(func=run)


def load_credentials_file(path: str) -> dict[str, Credentials]:
    """Access key -> Credentials from an AWS INI credentials file or a JSON object."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"Cannot read {path}: {exc.strerror}") from None
    if text.lstrip().startswith("{"):
        try:
            table = json.loads(text)
        except json.JSONDecodeError as exc:
            raise UsageError(f"{path}: invalid JSON: {exc.msg}") from None
        if not isinstance(table, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in table.items()
        ):
            raise UsageError(f"{path}: expected a JSON object of access key -> secret key")
        return {key: Credentials(key, secret) for key, secret in table.items()}
    parser = configparser.RawConfigParser()
    try:
        parser.read_string(text, source=path)
    except configparser.Error as exc:
        raise UsageError(f"{path}: not an AWS credentials file ({type(exc).__name__})") from None
    found = {}
    for section in parser.sections():
        key = parser.get(section, "aws_access_key_id", fallback=None)
        secret = parser.get(section, "aws_secret_access_key", fallback=None)
        if key and secret:
            token = parser.get(section, "aws_session_token", fallback=None)
            found[key] = Credentials(key, secret, token)
    return found


def accepted_credentials(files: list[str]) -> dict[str, Credentials]:
    """The environment's credentials (if any) plus those of every ``--credentials-file``."""
    from .._errors import EC2Error
    from ..auth._credentials import resolve_credentials

    table: dict[str, Credentials] = {}
    try:
        own = resolve_credentials()
        table[own.access_key] = own
    except EC2Error:
        pass
    for path in files:
        table.update(load_credentials_file(path))
    return table


def run(args: argparse.Namespace) -> int:
    from ..gateway import make_app
    from ..gateway._server import create_server
    from ..gateway._storage import DatabaseFileError, StorageError

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
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
    try:
        app = make_app(
            db=args.db,
            credentials=table,
            upstream=args.upstream,
            upstream_credentials=upstream_credentials,
            upstream_region=args.upstream_region,
            region=args.region,
            policy=policy,
            audit_log=args.audit_log,
        )
    except StorageError as exc:  # a --db that is not ours, or cannot be opened: one line
        message = exc.message if isinstance(exc, DatabaseFileError) else f"{args.db}: {exc.message}"
        raise UsageError(message, code=exc.code) from None
    server = create_server(app, host=args.host, port=args.port, threads=args.threads)
    where = f"http://{args.host}:{server.effective_port}"
    target = f"forwarding to {args.upstream}" if args.upstream else f"backend {args.db}"
    print(f"ec2query gateway on {where} ({target}); Ctrl-C stops it", flush=True)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
    return 0
