"""The backend's storage errors, and whether a ``--db`` path is ours to open (judged before
anything is written to it).

A database is the backend's only if it carries the backend's mark, SQLite's
``application_id`` (:data:`APPLICATION_ID`, set when the backend creates the
tables), or, for a database made before the mark, the backend's own tables
with a ``meta.schema`` it knows. A new path, an empty file and an SQLite
database with nothing in it (no table, view, index or trigger, and no
``user_version`` set) are initialized. Everything else is refused
with one line naming the file and the problem (:class:`DatabaseFileError`),
and the file is left byte for byte as it was: it is only read here, through a
read-only connection.
"""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path
from typing import NamedTuple
from urllib.parse import parse_qsl, unquote

from .._errors import EC2Error

__all__ = ["APPLICATION_ID", "DatabaseFileError", "StorageError", "check_database_file"]

#: The backend's mark in the database header (``PRAGMA application_id``): "EC2Q".
APPLICATION_ID = int.from_bytes(b"EC2Q", "big")
#: The tables a database made before the mark must hold to be taken as ours.
OWN_TABLES = frozenset({"meta", "vpc", "sg", "rule"})

_MAGIC = b"SQLite format 3\x00"
#: How SQLite's URIs spell a true boolean option (``immutable=1``), besides a number not 0.
_TRUE = ("yes", "true", "on")


def _true(value: str) -> bool:
    """An SQLite URI option's boolean value, as ``sqlite3_uri_boolean`` reads it."""
    return value.lower() in _TRUE or (value.isascii() and value.isdigit()
                                      and value.strip("0") != "")
_HEADER = 100  # bytes of SQLite's database header


class StorageError(EC2Error, RuntimeError):
    """The database failed or cannot be used (closed, unreadable, of an unknown schema): EC2's
    ``InternalError`` (500) or, when it is busy, ``Unavailable`` (503)."""


class DatabaseFileError(StorageError):
    """A ``--db`` file the backend will not open: EC2's ``InternalError`` for a request, one
    line (``path: problem``) for an operator."""

    def __init__(self, path: str, problem: str) -> None:
        super().__init__("InternalError", f"{path}: {problem}")
        self.path = path


def in_memory(path: str) -> bool:
    """Whether ``path`` names no file: ``:memory:``, or a ``file:`` URI of ``:memory:`` or
    with ``mode=memory`` (each thread would otherwise open a database of its own)."""
    if path == ":memory:":
        return True
    if not path.startswith("file:"):
        return False
    location, options = _uri(path)
    return location == ":memory:" or options.get("mode") == "memory"


def _uri(path: str) -> tuple[str, dict[str, str]]:
    """The file an SQLite ``file:`` URI names (percent-decoded; after ``//``, an authority
    of "" or "localhost", as SQLite allows) and its query's options."""
    location, _, query = path[5:].partition("#")[0].partition("?")
    if location.startswith("//"):
        authority, slash, rest = location[2:].partition("/")
        if authority not in ("", "localhost"):
            raise DatabaseFileError(path, f"names the host {authority[:64]!r}; an SQLite URI "
                                          "names a local file")
        location = slash + rest
    return unquote(location), dict(parse_qsl(query, keep_blank_values=True))


def check_database_file(path: str, known_versions: tuple[str, ...], *,
                        busy_timeout: float = 5.0) -> None:
    """Refuse ``path`` unless it is new, empty or ours with a schema in ``known_versions``;
    a ``file:`` URI is judged by the file it names, a symbolic link by its target (where
    SQLite keeps the ``-wal`` and ``-shm`` files)."""
    if in_memory(path):
        return
    named = path
    if path.startswith("file:"):
        named, options = _uri(path)
        if options.get("mode") == "ro" or _true(options.get("immutable", "")):
            raise DatabaseFileError(path, "is opened read-only by its URI; the backend writes "
                                          "to its database")
    if not named or named.endswith("/") or "\0" in named:  # SQLite made "x" of "x/"
        raise DatabaseFileError(path, "does not name a file")
    file = Path(os.path.realpath(named))
    if file.is_dir():
        raise DatabaseFileError(path, "is a directory, not a database file")
    folder = file.parent
    if not file.exists():
        if not folder.is_dir():
            raise DatabaseFileError(path, f"cannot be created: no directory {str(folder)!r}")
        if not os.access(folder, os.W_OK | os.X_OK):
            raise DatabaseFileError(path, f"cannot be created: {str(folder)!r} is read-only")
        return
    if not stat.S_ISREG(file.stat().st_mode):  # a FIFO would block the open, /dev/null ...
        raise DatabaseFileError(path, "is not a regular file")
    try:
        with file.open("rb") as stream:
            header = stream.read(_HEADER)
    except OSError as exc:
        raise DatabaseFileError(path, f"cannot be read: {exc.strerror}") from None
    if not os.access(file, os.W_OK) or not file.stat().st_mode & 0o222:
        raise DatabaseFileError(path, "is read-only")  # no write bit: root's too
    if not os.access(folder, os.W_OK | os.X_OK):  # WAL mode keeps -wal and -shm files beside it
        raise DatabaseFileError(path, f"is in a read-only directory {str(folder)!r}")
    for suffix in ("-wal", "-shm"):
        side = Path(f"{file}{suffix}")
        if side.exists() and not os.access(side, os.R_OK | os.W_OK):
            raise DatabaseFileError(path, f"has a {suffix} file it cannot write: {str(side)!r}")
    if not header:
        return  # an empty file: initialized like a new one
    if len(header) < _HEADER or not header.startswith(_MAGIC):
        raise DatabaseFileError(path, "is not an SQLite database")
    # The header's application_id: another's is refused unopened (no reader touches its
    # -shm); one set since the last checkpoint is still in the log, and read from there.
    if header[21:24] == b"\x40\x20\x20":  # the header's fixed payload fractions: a header
        _refuse_marked(path, int.from_bytes(header[68:72], "big"))
    found = _read(str(file), path, wal=header[18:20] == b"\x02\x02", busy_timeout=busy_timeout)
    _refuse_marked(path, found.mark)
    mark, tables, version = found.mark, found.tables, found.version
    if mark == 0 and found.objects and not (tables >= OWN_TABLES and version is not None):
        raise DatabaseFileError(
            path, "is another application's SQLite database (no ec2query mark or tables)"
        )
    if mark == 0 and not found.objects and found.user_version:
        raise DatabaseFileError(path, "is another application's SQLite database "
                                      f"(user_version {found.user_version}, no ec2query mark)")
    if tables and version not in known_versions:
        newest = known_versions[-1]
        raise DatabaseFileError(
            path, f"has schema {version!r}, which this release (schema {newest}) cannot read"
        )


def _refuse_marked(path: str, mark: int) -> None:
    """Refuse a database marked by another application (an ``application_id`` not ours)."""
    if mark not in (0, APPLICATION_ID):
        raise DatabaseFileError(
            path, f"is another application's SQLite database (application_id {mark:#010x})"
        )


class _Found(NamedTuple):
    """What a database file holds, as far as whose it is."""

    mark: int  # PRAGMA application_id
    tables: frozenset[str]
    objects: int  # tables, views, indexes and triggers
    version: str | None  # meta.schema, if there is a meta table
    user_version: int


def _read(path: str, shown: str, *, wal: bool, busy_timeout: float) -> _Found:
    """The database's mark, its tables and other objects, ``meta.schema`` and
    ``user_version``, through a read-only connection
    (which sees a mark still in the write-ahead log, as the header bytes would not). A WAL
    database with no log beside it is read as immutable: a read-only connection would leave
    a new ``-wal`` and ``-shm`` behind, and there is no log to miss."""
    idle = wal and not Path(f"{path}-wal").exists()
    uri = Path(path).absolute().as_uri() + ("?immutable=1" if idle else "?mode=ro")
    try:
        conn = sqlite3.connect(uri, uri=True, isolation_level=None, timeout=busy_timeout)
    except sqlite3.Error as exc:
        raise DatabaseFileError(shown, f"cannot be opened: {exc}") from None
    try:
        mark = int(conn.execute("PRAGMA application_id").fetchone()[0]) & 0xFFFFFFFF
        user_version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        rows = conn.execute("SELECT type, name FROM sqlite_master").fetchall()
        tables = frozenset(str(name) for kind, name in rows if kind == "table")
        version = None
        if "meta" in tables:
            try:
                row = conn.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
            except sqlite3.OperationalError:  # "no such column": a meta table not ours
                row = None
            version = None if row is None else str(row[0])
    except sqlite3.Error as exc:
        if "locked" in str(exc):
            raise DatabaseFileError(shown, "is locked by another process") from None
        raise DatabaseFileError(shown, f"is not a usable SQLite database ({exc})") from None
    finally:
        conn.close()
    return _Found(mark, tables, len(rows), version, user_version)
