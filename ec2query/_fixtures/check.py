"""Verify a corpus on disk: every file against the manifest, the params, the schemas, the
signatures and the generator.

``check_corpus(root)`` returns one :class:`Problem` per disagreement (a file may
have several), sorted by path; an empty list means the corpus is true. It never
stops at the first problem, so a tampered corpus is reported file by file.
"""

from __future__ import annotations

import hashlib
import json
import shlex
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .._codec.cliargs import from_cli_args
from .._codec.forms import normalize
from .._codec.query import from_query, split_pairs
from .._codec.xml import parse_response, validate_document
from .._errors import EC2Error, ServiceError
from .._model import LEGACY_VERSION
from ..auth import SIGV2, SIGV4_HEADER, SIGV4_QUERY, verify_request
from ..fixtures import _malformed_entry
from ..gateway._app import AUTH_PARAMS
from .build import CREDENTIALS, REGION, WHEN, build_corpus, legacy_params

__all__ = ["IGNORED", "Problem", "check_corpus", "parse_http"]

#: Top-level files that belong to the folder, not to the corpus.
IGNORED = frozenset({"README.md", ".gitattributes"})
_SCHEMES = {"request-sigv4.http": SIGV4_HEADER, "request-sigv4-presigned.http": SIGV4_QUERY,
            "request-sigv2.http": SIGV2}


@dataclass(frozen=True, order=True)
class Problem:
    """One disagreement: the file (relative to the corpus root) and what is wrong with it."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


def parse_http(raw: bytes) -> tuple[str, str, list[tuple[str, str]], bytes]:
    """(method, target, headers, body) of a raw HTTP/1.1 request with CRLF line ends."""
    head, sep, body = raw.partition(b"\r\n\r\n")
    if not sep:
        raise ValueError("no CRLF CRLF between the head and the body")
    lines = head.decode("latin-1").split("\r\n")
    method, target, version = lines[0].split(" ")
    if version != "HTTP/1.1" or any("\n" in line for line in lines):
        raise ValueError("not an HTTP/1.1 request with CRLF line ends")
    headers = []
    for line in lines[1:]:
        name, colon, value = line.partition(": ")
        if not colon:
            raise ValueError(f"malformed header line {line!r}")
        headers.append((name, value))
    length = {n.lower(): v for n, v in headers}.get("content-length")
    if length is not None and int(length) != len(body):
        raise ValueError(f"Content-Length {length} but the body has {len(body)} bytes")
    return method, target, headers, body


def check_corpus(root: Path, *, regenerate: bool = True) -> list[Problem]:
    """Every problem with the corpus at ``root`` (its manifest, files, and regeneration)."""
    problems: list[Problem] = []
    try:
        manifest = json.loads((root / "manifest.json").read_bytes())
        cases = manifest["cases"]
    except RecursionError:  # json recurses once per nested array or object
        return [Problem("manifest.json", "unreadable: nested too deeply")]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return [Problem("manifest.json", f"unreadable: {exc}")]
    if not isinstance(cases, list):
        return [Problem("manifest.json", "unreadable: 'cases' is not a list")]
    listed: set[str] = {"manifest.json"}
    for entry in cases:
        why = _malformed_entry(entry)
        if why is not None:
            problems.append(Problem("manifest.json", f"malformed entry {entry!r:.80}: {why}"))
            continue
        listed.update(f"{entry['name']}/{n}" for n in entry["files"])
        problems += _check_case(root, entry)
    on_disk = set(_files(root))
    for path in sorted(on_disk - listed):
        problems.append(Problem(path, "not listed in manifest.json"))
    if regenerate:
        problems += _compare(root, build_corpus(), on_disk)
    return sorted(set(problems))


def _files(root: Path) -> Iterator[str]:
    for path in root.rglob("*"):
        rel = path.relative_to(root).as_posix()
        if path.is_file() and rel not in IGNORED and "__pycache__" not in path.parts:
            yield rel


def _compare(root: Path, expected: Mapping[str, bytes], on_disk: set[str]) -> list[Problem]:
    problems = []
    for path, data in expected.items():
        if path not in on_disk:
            problems.append(Problem(path, "missing: the generator writes it"))
        elif (root / path).read_bytes() != data:
            problems.append(Problem(path, "differs from what `ec2query fixtures generate` writes"))
    for path in sorted(on_disk - set(expected)):
        problems.append(Problem(path, "not written by the generator"))
    return problems


def _check_case(root: Path, entry: Mapping[str, Any]) -> list[Problem]:
    """The files of one case against its manifest entry and against each other."""
    name = entry["name"]
    folder = root / name
    problems: list[Problem] = []
    data: dict[str, bytes] = {}
    for file, digest in entry["files"].items():
        path = folder / file
        if not path.is_file():
            problems.append(Problem(f"{name}/{file}", "listed in manifest.json but missing"))
            continue
        data[file] = path.read_bytes()
        if hashlib.sha256(data[file]).hexdigest() != digest:
            problems.append(Problem(f"{name}/{file}", "sha256 differs from manifest.json"))
    if "params.json" not in data:
        return problems
    try:
        params = json.loads(data["params.json"])
    except RecursionError:
        return [*problems, Problem(f"{name}/params.json", "not JSON: nested too deeply")]
    except ValueError as exc:
        return [*problems, Problem(f"{name}/params.json", f"not JSON: {exc}")]
    for file, body in data.items():
        check = _CHECKS.get(file)
        if check is None:
            continue
        try:
            why = check(body, params, entry, file)
        except (EC2Error, ValueError, KeyError, TypeError, IndexError) as exc:
            why = f"{type(exc).__name__}: {exc}"
        if why:
            problems.append(Problem(f"{name}/{file}", why))
    return problems


def _text(body: bytes) -> str:
    text = body.decode("utf-8")
    if not text.endswith("\n") or text.count("\n") != 1 or "\r" in text:
        raise ValueError("expected one line ending in LF")
    return text[:-1]


def _version_of(pairs: list[tuple[str, str]]) -> str | None:
    return next((v for k, v in pairs if k == "Version"), None)


def _decoded(pairs: list[tuple[str, str]], entry: Mapping[str, Any], version: str,
             expected: Any) -> str | None:
    op, params = from_query(pairs)
    if op != entry["operation"]:
        return f"decodes to operation {op}, not {entry['operation']}"
    if _version_of(pairs) != version:
        return f"carries Version {_version_of(pairs)}, not {version}"
    if params != expected:
        return f"decodes to other params: {json.dumps(params, sort_keys=True):.200}"
    return None


def _query(body: bytes, params: Any, entry: Mapping[str, Any], file: str) -> str | None:
    pairs = list(split_pairs(_text(body).encode("ascii")))
    return _decoded(pairs, entry, entry["version"], normalize(entry["operation"], params))


def _query_legacy(body: bytes, params: Any, entry: Mapping[str, Any], file: str) -> str | None:
    pairs = list(split_pairs(_text(body).encode("ascii")))
    why = _decoded(pairs, entry, LEGACY_VERSION, legacy_params(entry["operation"], params))
    if why is None and normalize(entry["operation"], from_query(pairs)[1]) != normalize(
            entry["operation"], params):
        why = "normalizes to other params"
    return why


def _cli(body: bytes, params: Any, entry: Mapping[str, Any], file: str) -> str | None:
    argv = shlex.split(_text(body))
    op = entry["operation"]
    got = from_cli_args(op, argv)
    if got != params and normalize(op, got) != normalize(op, params):
        return f"aws-cli argv reads as other params: {json.dumps(got, sort_keys=True):.200}"
    return None


def _http(body: bytes, params: Any, entry: Mapping[str, Any], file: str) -> str | None:
    method, target, headers, payload = parse_http(body)
    verified = verify_request(method=method, url=target, headers=headers, body=payload,
                              lookup={CREDENTIALS.access_key: CREDENTIALS}.get, now=WHEN,
                              region=REGION)
    if verified.scheme != _SCHEMES[file]:
        return f"signed with {verified.scheme}, expected {_SCHEMES[file]}"
    _, _, query = target.partition("?")
    pairs = list(split_pairs(query.encode("ascii")))
    if method == "POST":
        pairs += split_pairs(payload)
    strip = AUTH_PARAMS.get(verified.scheme, frozenset())
    return _decoded([(k, v) for k, v in pairs if k not in strip], entry, entry["version"], params)


def _response(body: bytes, params: Any, entry: Mapping[str, Any], file: str) -> str | None:
    if entry["error"] is not None:
        return "a response document for a case whose answer is an error"
    validate_document(body, version=entry["version"])
    parse_response(entry["operation"], body)
    return None


def _error(body: bytes, params: Any, entry: Mapping[str, Any], file: str) -> str | None:
    expected = entry["error"]
    if expected is None:
        return "an error document for a case whose answer is a response"
    validate_document(body)
    try:
        parse_response(entry["operation"], body)
    except ServiceError as exc:
        if (exc.code, exc.message) != (expected["code"], expected["message"]):
            return f"says {exc.code}: {exc.message}; manifest.json says {expected['code']}"
        return None
    return "parses as a response, not an error"


_CHECKS: dict[str, Callable[[bytes, Any, Mapping[str, Any], str], str | None]] = {
    "query.txt": _query,
    "query-legacy.txt": _query_legacy,
    "cli.txt": _cli,
    "request-sigv4.http": _http,
    "request-sigv4-presigned.http": _http,
    "request-sigv2.http": _http,
    "response.xml": _response,
    "error.xml": _error,
}
