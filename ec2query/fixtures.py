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
from pathlib import Path, PurePosixPath
from typing import Any

from ._data import data_dir
from ._errors import UsageError
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
    """The parsed ``manifest.json`` of the corpus at ``path`` (default: the packaged one);
    the caller's own copy, to change as it likes."""
    root = _root(path)
    return copy.deepcopy(dict(_manifest(root, _stamp(root))))


def _root(path: str | Path | None) -> str:
    return str((Path(path) if path is not None else CORPUS).resolve())


def _stamp(root: str) -> tuple[int, ...] | None:
    """What the read corpus at ``root`` is remembered by: its ``manifest.json``'s device,
    inode, size and modification time, so a corpus written again (``ec2query fixtures
    generate --out``, an edited manifest) is read again, not served from memory."""
    try:
        found = (Path(root) / "manifest.json").stat()
    except OSError:
        return None
    return found.st_dev, found.st_ino, found.st_size, found.st_mtime_ns


@lru_cache(maxsize=8)
def _manifest(root: str, stamp: tuple[int, ...] | None) -> Mapping[str, Any]:
    """The manifest of the corpus at ``root`` as it was at ``stamp``: a missing one is
    ``FileNotFoundError``, one that cannot be read is :func:`_unreadable` (a traceback of
    ``KeyError``, ``TypeError`` or ``RecursionError`` before)."""
    manifest_path = Path(root) / "manifest.json"
    if stamp is None or not manifest_path.is_file():
        raise FileNotFoundError(f"no corpus at {root} (manifest.json is missing)")
    manifest = _json(manifest_path)
    if not isinstance(manifest, dict) or not isinstance(manifest.get("cases"), list):
        raise _unreadable(manifest_path, "'cases' is not a list")
    return manifest


@lru_cache(maxsize=8)
def _cases(root: str, stamp: tuple[int, ...] | None) -> tuple[Case, ...]:
    """The cases of the corpus at ``root`` as its manifest was at ``stamp``."""
    out = []
    manifest_path = Path(root) / "manifest.json"
    for index, entry in enumerate(_manifest(root, stamp)["cases"]):
        why = _malformed_entry(entry) or _mistyped(entry)
        if why is not None:
            raise _unreadable(manifest_path, f"case {index}: {why}")
        folder = Path(root) / entry["name"]
        error = entry["error"] or {}
        out.append(Case(
            name=entry["name"], operation=entry["operation"], version=entry["version"],
            valid=entry["valid"], params=_json(folder / "params.json"),
            error_code=error.get("code"), error_message=error.get("message"),
            http_status=error.get("http_status", 200), vpc=entry["vpc"], note=entry["note"],
            folder=folder, sha256=dict(entry["files"]),
        ))
    return tuple(out)


def _malformed_entry(entry: Any) -> str | None:
    """Why a manifest entry names no case of the corpus, or None: it must name a folder
    inside the corpus and map file names in it to their SHA-256 (a name such as
    ``../../etc`` read files outside the corpus). ``ec2query fixtures check`` reads
    entries through it too."""
    if not isinstance(entry, dict):
        return "not an object"
    name, files = entry.get("name"), entry.get("files")
    if not isinstance(name, str) or not _inside(name):
        return "its name is not a folder inside the corpus"
    if not isinstance(files, dict) or not all(
            isinstance(file, str) and isinstance(digest, str) and "/" not in file
            and _inside(file) for file, digest in files.items()):
        return "its files are not an object of file name -> SHA-256"
    return None


def _inside(relative: str) -> bool:
    """Whether ``relative`` names something below the corpus root, as a manifest writes it."""
    parts = PurePosixPath(relative).parts
    return (bool(parts) and not relative.startswith("/") and "\\" not in relative
            and all(part not in ("..", ".") for part in parts))


#: What a case's entry holds besides its name and files, and the JSON types each may be.
_ENTRY_FIELDS: dict[str, tuple[type, ...]] = {
    "operation": (str,), "version": (str,), "valid": (bool,), "error": (dict, type(None)),
    "vpc": (bool, type(None)), "note": (str,)}


def _mistyped(entry: dict[str, Any]) -> str | None:
    """The first field of a case's entry missing or of another type, said, or None."""
    for key, types in _ENTRY_FIELDS.items():
        if key not in entry:
            return f"it has no {key!r}"
        if not isinstance(entry[key], types):
            return f"its {key!r} is not {' or '.join(_JSON_TYPE[t] for t in types)}"
    error = entry["error"]
    if error is not None and not (
            all(isinstance(error.get(k, ""), str) for k in ("code", "message"))
            and type(error.get("http_status", 200)) is int):
        return "its 'error' is not {code, message, http_status}"
    return None


_JSON_TYPE = {str: "a string", bool: "true or false", dict: "an object", type(None): "null"}


def _json(path: Path) -> Any:
    """The JSON document in ``path``, or :func:`_unreadable`."""
    try:
        return json.loads(path.read_bytes())
    except RecursionError:  # json recurses once per nested array or object
        raise _unreadable(path, "nested too deeply") from None
    except OSError as exc:
        raise _unreadable(path, exc.strerror or str(exc)) from None
    except ValueError as exc:
        raise _unreadable(path, f"not JSON: {exc}") from None


def _unreadable(path: Path, why: str) -> UsageError:
    """A corpus that cannot be loaded, naming the file and the problem (``InvalidCorpus``
    is this package's code: EC2 has no corpus)."""
    return UsageError(f"{path}: {why}", code="InvalidCorpus")


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
    root = _root(path)
    wanted = lookup_operation(operation).name if operation is not None else None
    return [
        replace(case, params=copy.deepcopy(case.params)) for case in _cases(root, _stamp(root))
        if (wanted is None or case.operation == wanted)
        and (valid is None or case.valid == valid)
        and (version is None or case.version == version)
        and (error is None or (case.error_code is not None) == error)
    ]
