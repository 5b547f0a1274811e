"""Cross-check generated cases with the peers: botocore serializes, signs and parses, and
aws-cli reads ``cli.txt``, to the same values as the corpus says.

botocore and awscli are test-only dependencies (``pip install '.[test]'``); they are
imported when a cross-check runs, never by the loader. botocore's clock is frozen
at the corpus's timestamp the way tests/auth does it (``get_current_datetime`` for
SigV4, ``time.gmtime`` for SigV2). aws-cli runs in-process with its HTTP call
intercepted (as tests/differential/test_cli_vs_awscli.py does), so nothing leaves.
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
import os
import shlex
from collections.abc import Iterable, Iterator, Mapping
from datetime import timezone
from functools import cache
from typing import Any
from unittest import mock

from .._codec.cliargs import from_cli_args
from .._codec.forms import normalize
from .._codec.query import split_pairs
from .._codec.xml import parse_response
from .._errors import EC2Error, ServiceError, UsageError
from .._model import CURRENT_VERSION
from .._request import FORM_CONTENT_TYPE
from .build import CREDENTIALS, ENDPOINT, EXPIRES, REGION, WHEN
from .check import parse_http

__all__ = ["AwsCli", "cross_check_case", "cross_check_corpus"]

_ENV = {
    "AWS_ACCESS_KEY_ID": CREDENTIALS.access_key,
    "AWS_SECRET_ACCESS_KEY": CREDENTIALS.secret_key,
    "AWS_DEFAULT_REGION": REGION,
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
}
_UNSET = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_CA_BUNDLE")


def _require() -> None:
    try:
        import awscli.clidriver  # noqa: F401
        import botocore  # noqa: F401
    except ImportError as exc:
        raise UsageError(f"the cross-checks need botocore and awscli ({exc.name} is missing): "
                         "pip install 'ec2query[test]', or pass --no-cross-check") from None


@contextlib.contextmanager
def _aws_env() -> Iterator[None]:
    saved = dict(os.environ)
    os.environ.update(_ENV)
    for key in _UNSET:
        os.environ.pop(key, None)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


class AwsCli:
    """aws-cli's own driver with its HTTP call answered in-process: ``params(argv)``."""

    def __init__(self) -> None:
        from awscli import clidriver

        with _aws_env():
            self.driver = clidriver.create_clidriver()
        self.captured: dict[str, Any] = {}
        self.driver.session.register("before-parameter-build.ec2", self._build)
        self.driver.session.register("before-call.ec2", self._call)

    def _build(self, params: dict[str, Any], **_: Any) -> None:
        self.captured["params"] = copy.deepcopy(params)

    def _call(self, **_: Any) -> tuple[Any, dict[str, Any]]:
        from botocore.awsrequest import AWSResponse

        self.captured["sent"] = True
        return AWSResponse(ENDPOINT + "/", 200, {}, None), {"ResponseMetadata": {}}

    def params(self, argv: list[str]) -> dict[str, Any] | None:
        """The params aws-cli sends for ``aws ec2 ARGV``, or None if it refuses."""
        self.captured.clear()
        out = io.StringIO()
        with _aws_env(), contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
            try:
                self.driver.main(["ec2", *argv])
            except SystemExit:
                return None
        if not self.captured.get("sent"):
            return None
        return json.loads(json.dumps(self.captured["params"]))


@cache
def _botocore() -> tuple[Any, Any, Any]:
    import botocore.session
    from botocore import parsers, serialize

    model = botocore.session.get_session().get_service_model("ec2")
    serializer = serialize.create_serializer("ec2", include_validation=False)
    return model, serializer, parsers.create_parser("ec2")


@cache
def _aws() -> AwsCli:
    return AwsCli()


def _boto_credentials() -> Any:
    import botocore.credentials

    return botocore.credentials.Credentials(CREDENTIALS.access_key, CREDENTIALS.secret_key)


def _sign_v4(body: bytes) -> Any:
    import botocore.auth
    from botocore.awsrequest import AWSRequest

    request = AWSRequest(method="POST", url=ENDPOINT + "/", data=body,
                         headers={"Content-Type": FORM_CONTENT_TYPE})
    naive = WHEN.replace(tzinfo=None)
    with mock.patch.object(botocore.auth, "get_current_datetime", return_value=naive):
        botocore.auth.SigV4Auth(_boto_credentials(), "ec2", REGION).add_auth(request)
    return request.prepare()


def _presign(pairs: list[tuple[str, str]]) -> str:
    import botocore.auth
    from botocore.awsrequest import AWSRequest

    request = AWSRequest(method="GET", url=ENDPOINT + "/", params=dict(pairs))
    naive = WHEN.replace(tzinfo=None)
    with mock.patch.object(botocore.auth, "get_current_datetime", return_value=naive):
        botocore.auth.SigV4QueryAuth(_boto_credentials(), "ec2", REGION,
                                     expires=EXPIRES).add_auth(request)
    return str(request.prepare().url)


def _sign_v2(pairs: list[tuple[str, str]]) -> dict[str, str]:
    import botocore.auth
    from botocore.awsrequest import AWSRequest

    request = AWSRequest(method="POST", url=ENDPOINT + "/", data=dict(pairs))
    struct = WHEN.astimezone(timezone.utc).timetuple()
    with mock.patch.object(botocore.auth.time, "gmtime", return_value=struct):
        botocore.auth.SigV2Auth(_boto_credentials()).add_auth(request)
    return {k: str(v) for k, v in request.data.items()}


_V2_AUTH = ("AWSAccessKeyId", "SignatureVersion", "SignatureMethod", "Timestamp", "Signature")


def cross_check_case(entry: Mapping[str, Any], files: Mapping[str, bytes], *,
                     cli: bool = True) -> list[str]:
    """Problems the peers find with one case's files (``files``: name -> bytes)."""
    model, serializer, parser = _botocore()
    op = entry["operation"]
    op_model = model.operation_model(op)
    params = json.loads(files["params.json"])
    name = entry["name"]
    problems: list[str] = []

    def fail(file: str, why: str) -> None:
        problems.append(f"{name}/{file}: {why}")

    if "request-sigv4.http" in files:
        _, _, headers, body = parse_http(files["request-sigv4.http"])
        if entry["version"] == CURRENT_VERSION:
            # params.json is in model order, the order of the wire: botocore follows it.
            sent = serializer.serialize_to_request(params, op_model)
            from botocore.awsrequest import AWSRequest

            boto_body = AWSRequest(method="POST", url=ENDPOINT + "/", data=sent["body"],
                                   headers=sent["headers"]).prepare().body
            if boto_body.encode() != body:
                fail("request-sigv4.http", f"botocore serializes another body: {boto_body:.200}")
        signed = _sign_v4(body)
        if signed.headers["Authorization"] != dict(headers)["Authorization"]:
            fail("request-sigv4.http", "botocore's SigV4Auth signs differently")
    if "request-sigv4-presigned.http" in files:
        _, target, _, _ = parse_http(files["request-sigv4-presigned.http"])
        query = target.partition("?")[2]
        pairs = [(k, v) for k, v in split_pairs(query.encode()) if not k.startswith("X-Amz-")]
        if _presign(pairs) != ENDPOINT + target:
            fail("request-sigv4-presigned.http", "botocore's SigV4QueryAuth presigns differently")
    if "request-sigv2.http" in files:
        _, _, _, body = parse_http(files["request-sigv2.http"])
        ours = list(split_pairs(body))
        request_pairs = [(k, v) for k, v in ours if k not in _V2_AUTH]
        if _sign_v2(request_pairs) != dict(ours):
            fail("request-sigv2.http", "botocore's SigV2Auth signs differently")
    problems += _check_documents(entry, files, parser, op_model)
    if cli and "cli.txt" in files:
        argv = shlex.split(files["cli.txt"].decode())[2:]  # after "aws ec2"
        sent_by_aws = _aws().params(argv)
        try:
            ours_cli: Any = from_cli_args(op, argv[1:])
        except EC2Error as exc:
            ours_cli = exc
        if sent_by_aws is None or sent_by_aws != ours_cli:
            fail("cli.txt", f"aws-cli reads {json.dumps(sent_by_aws, sort_keys=True):.200}")
        elif normalize(op, sent_by_aws) != normalize(op, params):
            fail("cli.txt", "aws-cli sends other params than params.json")
    return problems


def _check_documents(entry: Mapping[str, Any], files: Mapping[str, bytes], parser: Any,
                     op_model: Any) -> list[str]:
    name, op = entry["name"], entry["operation"]
    problems = []
    if "response.xml" in files:
        body = files["response.xml"]
        theirs = parser.parse({"status_code": 200, "headers": {}, "body": body},
                              op_model.output_shape)
        if theirs != parse_response(op, body):
            problems.append(f"{name}/response.xml: botocore parses it to {theirs!r:.200}")
    if "error.xml" in files:
        body = files["error.xml"]
        error = entry["error"]
        theirs = parser.parse({"status_code": error["http_status"], "headers": {}, "body": body},
                              op_model.output_shape).get("Error", {})
        try:
            parse_response(op, body)
            ours: tuple[str | None, str | None] = (None, None)
        except ServiceError as exc:
            ours = (exc.code, exc.message)
        expected = (error["code"], error["message"])
        if (theirs.get("Code"), theirs.get("Message")) != expected or ours != expected:
            problems.append(f"{name}/error.xml: botocore reads {theirs!r:.200}")
    return problems


def cross_check_corpus(files: Mapping[str, bytes], *, names: Iterable[str] | None = None,
                       cli: bool = True) -> list[str]:
    """Cross-check every case of a built corpus (``{path: bytes}``), or only ``names``."""
    _require()
    manifest = json.loads(files["manifest.json"])
    wanted = set(names) if names is not None else None
    problems: list[str] = []
    for entry in manifest["cases"]:
        if wanted is not None and entry["name"] not in wanted:
            continue
        prefix = entry["name"] + "/"
        case_files = {p[len(prefix):]: d for p, d in files.items() if p.startswith(prefix)}
        problems += cross_check_case(entry, case_files, cli=cli)
    return problems
