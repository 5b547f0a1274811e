"""``ec2query sign``: print a signed raw HTTP request (or curl command) for one request.

Input forms are readers in a small table (``query``: a Query string, signed
pair for pair exactly as given; ``json``: canonical params plus
``--operation``), so aws-style argv is one more row when the CLI codec lands.
``--explain`` prints the canonical request and the string to sign, the first
thing to look at when EC2 answers ``SignatureDoesNotMatch``.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import sys
from collections.abc import Callable
from urllib.parse import urlsplit

from .._client import resolve_client_region, resolve_endpoint
from .._codec.query import split_pairs, to_query
from .._errors import RequestError, UsageError
from .._model import CURRENT_VERSION, operation
from .._request import SIGNATURES, RawRequest, sign_query_pairs
from ..auth import _sigv2 as sigv2
from ..auth import _sigv4 as sigv4
from ..auth._credentials import Credentials, resolve_credentials
from .inputs import INPUT_HELP, json_params, read_input

Pairs = list[tuple[str, str]]


def _pairs(text: str) -> Pairs:
    """The pairs of a query string, by the one form parser."""
    return split_pairs(text.encode("utf-8")) if text else []


def _read_query(text: str, args: argparse.Namespace) -> Pairs:
    try:
        pairs = _pairs(text.strip().lstrip("?"))
    except (RequestError, UnicodeEncodeError):
        raise UsageError("The Query string is not UTF-8 once percent-decoded") from None
    if not any(k == "Action" for k, _ in pairs):
        raise UsageError("The Query string has no Action parameter")
    return pairs


def _read_json(text: str, args: argparse.Namespace) -> Pairs:
    params = json_params(text)
    if args.operation is None:
        raise UsageError("--operation is required when reading JSON params")
    return to_query(operation(args.operation).name, params, version=args.api_version)


def _read_cli(text: str, args: argparse.Namespace) -> Pairs:
    from .convert import read_cli

    name, params = read_cli(text, args)
    return to_query(name, params, version=args.api_version)


#: Input form -> reader of (text, args) into the Query pairs to sign.
READERS: dict[str, Callable[[str, argparse.Namespace], Pairs]] = {
    "query": _read_query,
    "json": _read_json,
    "cli": _read_cli,
}


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``sign`` subcommand."""
    p = subparsers.add_parser(
        "sign",
        help="print a signed raw HTTP request or curl command",
        description="Sign one EC2 Query request and print it as raw HTTP/1.1 (default) or "
        "as a curl command. Credentials come from --access-key/--secret-key, else the "
        "environment, else the shared credentials and config files (--profile).",
    )
    p.add_argument("input", nargs="?", default="-",
                   help="the request (a Query string, JSON params or an 'aws ec2 ...' command "
                   "line): " + INPUT_HELP)
    p.add_argument("--from", dest="source", choices=sorted(READERS), default="query",
                   help="input form (default: query)")
    p.add_argument("--operation", help="operation name for JSON input, API or CLI spelling")
    p.add_argument("--api-version", default=CURRENT_VERSION,
                   help=f"API version for JSON input (default: {CURRENT_VERSION})")
    p.add_argument("--signature", choices=SIGNATURES, default="v4",
                   help="v4: Authorization header, POST (default); v4-query: presigned GET URL; "
                   "v2: SigV2 HmacSHA256, POST")
    p.add_argument("--endpoint", help="endpoint URL (default: AWS_ENDPOINT_URL_EC2, "
                   "AWS_ENDPOINT_URL, else https://ec2.REGION.amazonaws.com)")
    p.add_argument("--region", help="region (default: AWS_REGION, AWS_DEFAULT_REGION, the "
                   "profile's, else the one an ec2.REGION.amazonaws.com endpoint names)")
    p.add_argument("--timestamp", help="signing time, ISO 8601 (default: now), for "
                   "reproducible output")
    p.add_argument("--expires", type=int, default=3600,
                   help="lifetime of a v4-query URL in seconds (default: 3600)")
    p.add_argument("--profile", help="profile in the shared credentials/config files")
    p.add_argument("--access-key", help="access key id (overrides the resolution chain)")
    p.add_argument("--secret-key", help="secret access key (prefer the environment)")
    p.add_argument("--session-token", help="session token for temporary credentials (overrides "
                   "the one found with the keys)")
    p.add_argument("--curl", action="store_true", help="print a curl command instead")
    p.add_argument("--explain", action="store_true",
                   help="also print the canonical request and the string to sign")
    p.set_defaults(func=run)


def _credentials(args: argparse.Namespace) -> Credentials:
    """The keys as aws-cli finds them (explicit keys, else the environment unless
    ``--profile`` is given, else the profile), each with the token found beside them;
    ``--session-token``, when given, is the token whatever found the keys."""
    found = resolve_credentials(args.profile, access_key=args.access_key,
                                secret_key=args.secret_key)
    if args.session_token:
        return dataclasses.replace(found, token=args.session_token)
    return found


def explain(request: RawRequest, signature: str, region: str) -> str:
    """The canonical request (or SigV2 canonical query) and string to sign of ``request``,
    recomputed from the request itself with the same functions that signed it."""
    parts = urlsplit(request.url)
    if signature == "v2":
        params = _pairs(request.body.decode("ascii"))
        sts = sigv2.string_to_sign(method=request.method, host=request.headers["Host"],
                                   path=parts.path, params=params)
        return (f"--- canonical query string\n{sigv2.canonical_query(params)}\n"
                f"--- string to sign\n{sts}\n")
    if signature == "v4":
        auth = request.headers["Authorization"]
        signed = auth.split("SignedHeaders=")[1].split(",")[0].split(";")
        query: str | Pairs = parts.query
        timestamp = request.headers["X-Amz-Date"]
    else:
        pairs = _pairs(parts.query)
        signed = dict(pairs)["X-Amz-SignedHeaders"].split(";")
        query = [(k, v) for k, v in pairs if k != "X-Amz-Signature"]
        timestamp = dict(pairs)["X-Amz-Date"]
    creq = sigv4.canonical_request(method=request.method, path=parts.path, query=query,
                                   headers=request.headers, signed_headers=signed,
                                   payload_hash=hashlib.sha256(request.body).hexdigest())
    sts = sigv4.string_to_sign(canonical_request=creq, timestamp=timestamp, region=region,
                               service="ec2")
    return f"--- canonical request\n{creq}\n--- string to sign\n{sts}\n"


def run(args: argparse.Namespace) -> int:
    """Read, sign and print; the exit status is 0 on success."""
    pairs = READERS[args.source](read_input(args.input), args)
    region = resolve_client_region(args.region, args.endpoint, profile=args.profile)
    endpoint = resolve_endpoint(args.endpoint, region)
    request = sign_query_pairs(pairs, endpoint=endpoint, credentials=_credentials(args),
                               region=region, signature=args.signature,
                               timestamp=args.timestamp, expires=args.expires)
    out = sys.stdout
    if args.explain:
        out.write(explain(request, args.signature, region))
        out.write("--- request\n")
    if args.curl:
        out.write(request.to_curl() + "\n")
    else:
        out.write(request.to_http().decode("latin-1"))
        if request.body:
            out.write("\n")
    out.flush()
    return 0
