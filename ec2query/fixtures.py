"""The golden corpus as Python values: ``load_cases()`` returns typed :class:`Case` objects.

The corpus is the top-level ``fixtures/`` folder of the source tree, and a wheel
carries a copy inside the package, so an installed ``ec2query`` has it; ``path=``
reads another copy (a corpus written by ``ec2query fixtures generate --out``). See
``fixtures/README.md`` for the format and docs/fixtures.md for the tools.

    from ec2query.fixtures import load_cases
    for case in load_cases(operation="revoke-security-group-ingress", valid=True):
        body = case.bytes("request-sigv4.http")
"""

from __future__ import annotations

import builtins
import copy
import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from ._data import data_dir
from ._model import operation as lookup_operation

__all__ = [
    "ACCESS_KEY",
    "CORPUS",
    "ENDPOINT",
    "REGION",
    "REQUEST_ID",
    "SECRET_KEY",
    "TIMESTAMP",
    "Case",
    "load_cases",
    "load_manifest",
]

#: Where the corpus is: the wheel's copy, or the source tree's ``fixtures/``.
CORPUS = data_dir("fixtures")

# The fixed inputs every signed file and document was made with (also in manifest.json).
ACCESS_KEY = "AKIDEXAMPLE"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"  # noqa: S105 - AWS's documented example
REGION = "us-east-1"
ENDPOINT = "https://ec2.us-east-1.amazonaws.com"
TIMESTAMP = "2015-08-30T12:36:00Z"
REQUEST_ID = "59dbff89-35bd-4eac-99ed-be587EXAMPLE"


@dataclass(frozen=True)
class Case:
    """One case of the corpus: what the request is, what the answer must be, and its files."""

    name: str  # "<cli-operation-name>/<slug>", also its folder
    operation: str  # API name, e.g. "RevokeSecurityGroupIngress"
    version: str  # the API version of its requests, one of the model's (2011-12-15 to 2016-11-15)
    valid: bool  # does ec2query.validate (and EC2) accept the request?
    params: dict[str, Any]  # canonical params (params.json)
    error_code: str | None  # the answer's error code (invalid, DryRun, or refused in state)
    error_message: str | None
    http_status: int  # 200, or the error's status
    vpc: bool | None  # the validator's era for this case (docs/validate.md)
    note: str
    folder: Path
    sha256: Mapping[str, str] = field(repr=False)  # file name -> hex digest

    @property
    def files(self) -> dict[str, Path]:
        """The case's files by name (``params.json``, ``cli.txt``, ...)."""
        return {name: self.folder / name for name in self.sha256}

    def has(self, name: str) -> bool:
        """Whether the case has that file (e.g. ``query-legacy.txt`` is not always there)."""
        return name in self.sha256

    def bytes(self, name: str) -> bytes:
        """The file's bytes (raw: the ``.http`` files have CRLF line ends)."""
        if name not in self.sha256:
            raise FileNotFoundError(f"case {self.name} has no {name}")
        return (self.folder / name).read_bytes()

    def text(self, name: str) -> str:
        """A one-line text file (``cli.txt``, ``query.txt``, ...) without its final LF."""
        return self.bytes(name).decode("utf-8").removesuffix("\n")

    @property
    def response(self) -> builtins.bytes:
        """The expected answer: ``response.xml`` or ``error.xml``."""
        return self.bytes("error.xml" if self.error_code else "response.xml")

    @property
    def cli_name(self) -> str:
        """The operation's aws-cli name (``revoke-security-group-ingress``)."""
        return lookup_operation(self.operation).cli_name


def load_manifest(path: str | Path | None = None) -> dict[str, Any]:
    """The parsed ``manifest.json`` of the corpus at ``path`` (default: the packaged one)."""
    root = Path(path) if path is not None else CORPUS
    return dict(_manifest(str(root.resolve())))


@lru_cache(maxsize=8)
def _manifest(root: str) -> Mapping[str, Any]:
    manifest_path = Path(root) / "manifest.json"
    if not manifest_path.is_file():
        raise FileNotFoundError(f"no corpus at {root} (manifest.json is missing)")
    manifest: Mapping[str, Any] = json.loads(manifest_path.read_bytes())
    return manifest


@lru_cache(maxsize=8)
def _cases(root: str) -> tuple[Case, ...]:
    out = []
    for entry in _manifest(root)["cases"]:
        folder = Path(root) / entry["name"]
        error = entry["error"] or {}
        out.append(Case(
            name=entry["name"], operation=entry["operation"], version=entry["version"],
            valid=entry["valid"], params=json.loads((folder / "params.json").read_bytes()),
            error_code=error.get("code"), error_message=error.get("message"),
            http_status=error.get("http_status", 200), vpc=entry["vpc"], note=entry["note"],
            folder=folder, sha256=dict(entry["files"]),
        ))
    return tuple(out)


def load_cases(
    operation: str | None = None,
    valid: bool | None = None,
    path: str | Path | None = None,
    *,
    version: str | None = None,
    error: bool | None = None,
) -> list[Case]:
    """Cases of the corpus, in manifest order, filtered by operation (API or CLI name),
    validity, API version and whether the answer is an error; ``path``: another corpus."""
    root = str((Path(path) if path is not None else CORPUS).resolve())
    wanted = lookup_operation(operation).name if operation is not None else None
    return [
        replace(case, params=copy.deepcopy(case.params)) for case in _cases(root)
        if (wanted is None or case.operation == wanted)
        and (valid is None or case.valid == valid)
        and (version is None or case.version == version)
        and (error is None or (case.error_code is not None) == error)
    ]
