"""Replay tests/fuzz/corpus/: every input that once broke ec2query, checked on every run.

One JSON file per input: ``target`` (the entry point), ``args``, ``bug`` (what
it did), ``fixed_in`` (the commit) and ``expect_code`` (EC2's code now, or
null for "any EC2Error"). In ``args``, ``{"$bytes": text}`` is ``text``
encoded as ISO-8859-1 and ``{"$repeat": [prefix, unit, n]}`` is
``prefix + unit * n`` (so a 10 MB input is a 100-byte file). JSON's
``\\ud800`` escapes carry lone surrogates.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

import ec2query
from ec2query._codec import shorthand
from ec2query._codec.cliargs import from_cli_args
from ec2query._errors import EC2Error
from ec2query._request import build_signed_request
from ec2query.gateway import make_app
from tests.fuzz.hostile import CREDS, LOOKUP, NOW, base_environ, bounded, call_app
from tests.fuzz.test_verify_hostile import VERIFIERS, verified_or_auth_error

CORPUS = Path(__file__).parent / "corpus"
FILES = sorted(CORPUS.glob("*.json"))


def decode(value: Any) -> Any:
    """Expand the corpus conventions ($bytes, $repeat) inside ``value``."""
    if isinstance(value, dict):
        if "$bytes" in value:
            return value["$bytes"].encode("latin-1")
        if "$repeat" in value:
            prefix, unit, count = value["$repeat"]
            return prefix + unit * count
        return {key: decode(item) for key, item in value.items()}
    if isinstance(value, list):
        return [decode(item) for item in value]
    return value


def replay_gateway(args: dict[str, Any]) -> str | None:
    app = make_app(
        db=":memory:", credentials={CREDS.access_key: CREDS.secret_key}, clock=lambda: NOW
    )
    body = args.get("body", b"")
    environ = base_environ("GET", "/", "", body)
    environ.update(args["environ"])
    status, _, answer = call_app(app, environ)
    assert status != 200
    return answer.split(b"<Code>")[1].split(b"</Code>")[0].decode()


def replay_verify(args: dict[str, Any]) -> str | None:
    args = dict(args)
    verifier = VERIFIERS[args.pop("verifier")]
    now = datetime.fromisoformat(args.pop("now")) if "now" in args else NOW
    try:
        verifier(**args, lookup=LOOKUP, now=now)
    except EC2Error as error:
        verified_or_auth_error(verifier, args, now)  # the full invariant, once more
        return error.code
    return None


def call_expecting_ec2_error(call: Any) -> str | None:
    try:
        bounded(call)
    except EC2Error as error:
        return error.code
    return None


REPLAY = {
    "gateway": replay_gateway,
    "verify": replay_verify,
    "from_query": lambda a: call_expecting_ec2_error(lambda: ec2query.from_query(a["data"])),
    "shorthand": lambda a: call_expecting_ec2_error(lambda: shorthand.parse(a["text"])),
    "from_cli_args": lambda a: call_expecting_ec2_error(
        lambda: from_cli_args(a["operation"], a["argv"])
    ),
    "build_signed_request": lambda a: call_expecting_ec2_error(
        lambda: [
            build_signed_request(
                "RevokeSecurityGroupIngress",
                a["params"],
                endpoint=a["endpoint"],
                credentials=CREDS,
                signature=signature,
                timestamp=NOW,
                region="us-east-1",
            )
            for signature in ("v4", "v4-query", "v2")
        ]
    ),
}


def test_the_corpus_is_there():
    assert len(FILES) >= 20
    for path in FILES:
        entry = json.loads(path.read_text())
        assert entry["target"] in REPLAY, path.name
        assert entry["bug"] and entry["fixed_in"], path.name


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_replay(path: Path) -> None:
    entry = json.loads(path.read_text())
    code = REPLAY[entry["target"]](decode(entry["args"]))
    if entry["expect_code"] is not None:
        assert code == entry["expect_code"], f"{path.name}: {entry['bug']}"
