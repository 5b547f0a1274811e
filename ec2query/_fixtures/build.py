"""Turn the case table into the corpus's bytes, deterministically.

``build_corpus()`` returns ``{relative path: bytes}`` for every file the
generator writes, ``manifest.json`` included; nothing here reads a clock, the
network or the environment, so two runs give the same bytes. Text files end
in LF; the ``.http`` files are raw HTTP/1.1 with CRLF, as on the wire.
"""

from __future__ import annotations

import copy
import hashlib
import json
import random
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from .._codec.cliargs import from_cli_args, shell_join, to_cli_args
from .._codec.forms import flatten, normalize
from .._codec.query import encode_query
from .._codec.xml import render_error, render_response
from .._errors import EC2Error
from .._model import LEGACY_VERSION, ListShape, Structure, operation
from .._request import build_signed_request
from .._validate import validate
from ..auth import Credentials
from ..fixtures import ACCESS_KEY, ENDPOINT, REGION, REQUEST_ID, SECRET_KEY, TIMESTAMP
from ..gateway._backend import Backend
from .cases import ACCOUNT, CASES, RULE_IDS, WORLD, Spec

__all__ = [
    "CREDENTIALS",
    "ENDPOINT",
    "EXPIRES",
    "FILE_ORDER",
    "REGION",
    "REQUEST_ID",
    "SEED",
    "TIMESTAMP",
    "WHEN",
    "Built",
    "CorpusError",
    "build_case",
    "build_corpus",
    "dump_json",
    "model_order",
]

#: The documented test credentials (AWS's own example key pair; it signs nothing real).
CREDENTIALS = Credentials(ACCESS_KEY, SECRET_KEY)
WHEN = datetime(2015, 8, 30, 12, 36, tzinfo=timezone.utc)
EXPIRES = 3600
#: Seed of the backend's id generator (group and rule ids in responses).
SEED = 20150830
#: The gateway's answer to a valid DryRun request (ec2query.gateway._app).
DRY_RUN = EC2Error("DryRunOperation", "Request would have succeeded, but DryRun flag is set.")

FILE_ORDER = (
    "params.json",
    "cli.txt",
    "query.txt",
    "query-legacy.txt",
    "request-sigv4.http",
    "request-sigv4-presigned.http",
    "request-sigv2.http",
    "response.xml",
    "error.xml",
)
_SIGNATURES = {"request-sigv4.http": "v4", "request-sigv4-presigned.http": "v4-query",
               "request-sigv2.http": "v2"}


class CorpusError(Exception):
    """A case that does not do what its row says (a bug in the table or in ec2query)."""


@dataclass(frozen=True)
class Built:
    """One case's files and its manifest entry."""

    spec: Spec
    files: dict[str, bytes]
    entry: dict[str, Any]


def dump_json(value: Any, *, sort_keys: bool = True) -> bytes:
    """JSON as the corpus writes it: sorted keys (params: model order), two-space indent,
    UTF-8, final LF."""
    return (json.dumps(value, indent=2, sort_keys=sort_keys, ensure_ascii=False) + "\n").encode()


def model_order(value: Any, shape: Any) -> Any:
    """``value`` with every structure's members in model order (unknown ones last, as given).

    Both encoders, ours and botocore's, write members in the order of the input, so
    putting the params in model order makes the wire order a property of the model,
    not of the table, and makes botocore's body from params.json equal ours byte for byte.
    """
    if isinstance(shape, Structure) and isinstance(value, Mapping):
        known = [m.name for m in shape.members if m.name in value]
        rest = [k for k in value if k not in shape.by_name]
        return {k: model_order(value[k], shape.by_name[k].shape) if k in shape.by_name
                else value[k] for k in [*known, *rest]}
    if isinstance(shape, ListShape) and isinstance(value, list):
        return [model_order(v, shape.member) for v in value]
    return value


def _line(text: str) -> bytes:
    return (text + "\n").encode("utf-8")


def _attempt(make: Callable[[], bytes]) -> bytes | None:
    """The bytes, or None where the form cannot carry the request (an EC2Error says so)."""
    try:
        return make()
    except EC2Error:
        return None


def legacy_params(op_name: str, params: Mapping[str, Any]) -> dict[str, Any]:
    """The params in their legacy form: the rule flattened (rule operations), else as given."""
    op = operation(op_name)
    return flatten(op.name, params) if op.is_rule_operation else dict(params)


def _cli(op_name: str, params: Mapping[str, Any]) -> bytes:
    argv = to_cli_args(op_name, params)
    if normalize(op_name, from_cli_args(op_name, argv)) != normalize(op_name, params):
        raise EC2Error("ParamValidation", "aws-cli would read other params")
    return _line(shell_join(argv, operation_name=op_name))


def build_case(spec: Spec) -> Built:
    """Every file of one case; CorpusError when the answer is not the one the row expects."""
    op = operation(spec.operation).name
    params = model_order(copy.deepcopy(spec.params), operation(op).input(spec.version))
    files: dict[str, bytes] = {"params.json": dump_json(params, sort_keys=False)}
    made = {
        "cli.txt": lambda: _cli(op, params),
        "query.txt": lambda: _line(encode_query(op, normalize(op, params), version=spec.version)),
        "query-legacy.txt": lambda: _line(encode_query(op, legacy_params(op, params),
                                                       version=LEGACY_VERSION)),
    }
    for name, signature in _SIGNATURES.items():
        made[name] = lambda s=signature: build_signed_request(  # type: ignore[misc]
            op, params, endpoint=ENDPOINT, credentials=CREDENTIALS, region=REGION,
            signature=s, version=spec.version, timestamp=TIMESTAMP, expires=EXPIRES).to_http()
    for name, make in made.items():
        data = _attempt(make)
        if data is not None:
            files[name] = data
    error, result = _answer(spec, op, params)
    if error is not None:
        files["error.xml"] = render_error(error, request_id=REQUEST_ID)
    else:
        shaped = _project(result, operation(op).output(spec.version))
        files["response.xml"] = render_response(op, shaped, request_id=REQUEST_ID,
                                                version=spec.version)
    files = {name: files[name] for name in FILE_ORDER if name in files}
    entry = {
        "name": spec.name,
        "operation": op,
        "version": spec.version,
        "valid": spec.valid,
        "vpc": spec.vpc,
        "error": None if error is None else {"code": error.code, "message": error.message,
                                             "http_status": error.http_status},
        "note": spec.note,
        "files": {name: hashlib.sha256(data).hexdigest() for name, data in files.items()},
    }
    return Built(spec, files, entry)


def _answer(spec: Spec, op: str, params: dict[str, Any]) -> tuple[EC2Error | None, Any]:
    """(error, None) or (None, result): the validator's verdict, then DryRun, then the backend."""
    try:
        validate(op, params, vpc=spec.vpc)
    except EC2Error as exc:
        if spec.valid or exc.code != spec.error:
            raise CorpusError(f"{spec.name}: the validator says {exc.code}: {exc.message}"
                              ) from None
        return exc, None
    if not spec.valid:
        raise CorpusError(f"{spec.name}: the validator accepts it; the row expects {spec.error}")
    if params.get("DryRun"):
        error: EC2Error | None = DRY_RUN
        result = None
    else:
        error, result = _run_backend(spec, op, params)
    got = error.code if error is not None else None
    if got != spec.error:
        detail = f"{error.code}: {error.message}" if error is not None else "success"
        raise CorpusError(f"{spec.name}: the answer is {detail}; the row expects {spec.error}")
    return error, result


def _default_setup(spec: Spec, op: str, params: Mapping[str, Any]) -> tuple[tuple[str, Any], ...]:
    """A revoke by value is primed: the same rules are authorized first."""
    if not op.startswith("Revoke") or spec.error is not None:
        return ()
    grant = {k: v for k, v in params.items() if k not in ("DryRun", "SecurityGroupRuleIds")}
    return ((op.replace("Revoke", "Authorize"), grant),)


def _run_backend(spec: Spec, op: str, params: Mapping[str, Any]) -> tuple[EC2Error | None, Any]:
    """The backend's answer in the world plus the case's setup, with the fixed ids put back."""
    with Backend(account_id=ACCOUNT, region=REGION, rng=random.Random(SEED)) as backend:  # noqa: S311 - ids, not secrets
        fixed: dict[str, str] = {}  # backend id -> the id the table uses
        for group_id, create in WORLD:
            fixed[backend.handle("CreateSecurityGroup", create)["GroupId"]] = group_id
        to_backend = _Rewriter({v: k for k, v in fixed.items()})
        rule_ids = iter(RULE_IDS)
        setup = spec.setup if spec.setup is not None else _default_setup(spec, op, params)
        for setup_op, setup_params in setup:
            made = backend.handle(setup_op, to_backend(setup_params))
            for rule in made.get("SecurityGroupRules", ()):
                fixed[rule["SecurityGroupRuleId"]] = next(rule_ids)
        to_backend = _Rewriter({v: k for k, v in fixed.items()})
        to_table = _Rewriter(fixed)
        request = {k: v for k, v in params.items() if k != "DryRun"}
        try:
            result = backend.handle(op, to_backend(request))
        except EC2Error as exc:
            return EC2Error(exc.code, to_table(exc.message)), None
        return None, to_table(result)


class _Rewriter:
    """Replaces ids inside every string of a value (ARNs included)."""

    def __init__(self, mapping: Mapping[str, str]) -> None:
        self.mapping = dict(mapping)
        self.pattern = re.compile("|".join(map(re.escape, sorted(mapping, key=len, reverse=True))))

    def __call__(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.pattern.sub(lambda m: self.mapping[m.group()], value) if self.mapping \
                else value
        if isinstance(value, Mapping):
            return {k: self(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self(v) for v in value]
        return value


def _project(value: Any, shape: Any) -> Any:
    """Only the members ``shape`` has: the backend answers in the current model."""
    if isinstance(shape, Structure) and isinstance(value, Mapping):
        return {k: _project(v, shape.by_name[k].shape) for k, v in value.items()
                if k in shape.by_name}
    if isinstance(shape, ListShape) and isinstance(value, list):
        return [_project(v, shape.member) for v in value]
    return value


def build_corpus(specs: tuple[Spec, ...] = CASES) -> dict[str, bytes]:
    """Every file of the corpus, ``manifest.json`` included, by path relative to its root."""
    names = [s.name for s in specs]
    if len(set(names)) != len(names):
        dupes = sorted({n for n in names if names.count(n) > 1})
        raise CorpusError(f"duplicate case names: {', '.join(dupes)}")
    out: dict[str, bytes] = {}
    entries = []
    for spec in specs:
        built = build_case(spec)
        entries.append(built.entry)
        for name, data in built.files.items():
            out[f"{spec.name}/{name}"] = data
    out["manifest.json"] = dump_json(manifest(entries))
    return out


def manifest(entries: list[dict[str, Any]]) -> dict[str, Any]:
    """The top-level manifest: how the corpus was made, then one entry per case."""
    return {
        "format": 1,
        "license": "Apache-2.0",
        "generator": "ec2query fixtures generate",
        "signing": {
            "access_key": CREDENTIALS.access_key,
            "secret_key": CREDENTIALS.secret_key,
            "region": REGION,
            "service": "ec2",
            "endpoint": ENDPOINT,
            "timestamp": TIMESTAMP,
            "presigned_expires": EXPIRES,
            "sigv2_method": "HmacSHA256",
        },
        "request_id": REQUEST_ID,
        "count": len(entries),
        "cases": entries,
    }
