"""The database file is ours or it is refused: one line naming it, and the file untouched."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from ec2query.gateway._backend import Backend, StorageError
from ec2query.gateway._storage import APPLICATION_ID, DatabaseFileError

ROOT = Path(__file__).resolve().parents[2]


def _random(path: Path) -> None:
    path.write_bytes(os.urandom(5000))


def _magic_and_junk(path: Path) -> None:
    path.write_bytes(b"SQLite format 3\x00" + b"junk" * 1000)


def _users(path: Path) -> None:  # another application's database: a table of its own
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE users (name TEXT)")
        conn.execute("INSERT INTO users VALUES ('alice')")
    conn.close()


def _foreign_meta(path: Path) -> None:  # foreign tables that happen to share our names
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE meta (key TEXT, value TEXT)")
        conn.execute("CREATE TABLE rule (a TEXT)")
    conn.close()


def _foreign_meta_columns(path: Path) -> None:  # a meta table, but not of our columns
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE meta (x)")
        conn.execute("CREATE TABLE rule (y)")
    conn.close()


def _marked_by_another(path: Path) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA application_id = 1234")
        conn.execute("CREATE TABLE t (a)")
    conn.close()


def _view_only(path: Path) -> None:  # no table, but not empty: another application's view
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE VIEW v AS SELECT 1 AS one")
    conn.close()


def _user_version(path: Path) -> None:  # nothing in it yet, but another application's version
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version = 7")
    conn.close()


def _newer_schema(path: Path) -> None:
    Backend(str(path)).close()
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE meta SET value = '4' WHERE key = 'schema'")
    conn.close()


# (maker, the problem's words); each file is refused and left byte for byte as it was.
BAD = {
    "random bytes": (_random, "is not an SQLite database"),
    "magic and junk": (_magic_and_junk, "is not a usable SQLite database"),
    "another application's": (_users, "is another application's SQLite database"),
    "foreign meta and rule": (_foreign_meta, "is another application's SQLite database"),
    "foreign meta of other columns": (_foreign_meta_columns,
                                      "is another application's SQLite database (no ec2query"),
    "another application's mark": (_marked_by_another, "application_id 0x000004d2"),
    "a view and no table": (_view_only, "is another application's SQLite database (no ec2query"),
    "another application's user_version": (_user_version, "(user_version 7, no ec2query mark)"),
    "newer schema": (_newer_schema, "has schema '4', which this release (schema 3) cannot read"),
    # opening it for reading waited for a writer forever (make_app and serve hung)
    "a FIFO": (os.mkfifo, "is not a regular file"),
}


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.mark.parametrize("case", sorted(BAD))
def test_a_file_not_ours_is_refused_by_name_and_left_as_it_was(tmp_path: Path, case: str) -> None:
    maker, problem = BAD[case]
    path = tmp_path / "sg.db"
    maker(path)
    before = _snapshot(tmp_path)
    with pytest.raises(DatabaseFileError) as caught:
        Backend(str(path))
    assert caught.value.message.startswith(f"{path}: ")
    assert problem in caught.value.message
    assert isinstance(caught.value, StorageError)
    assert caught.value.code == "InternalError"
    assert _snapshot(tmp_path) == before  # no byte changed, no -wal or -journal left


def test_a_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DatabaseFileError, match="is a directory"):
        Backend(str(tmp_path))


@pytest.mark.parametrize("denied", ["file", "folder"])
def test_a_read_only_file_or_folder_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, denied: str
) -> None:
    path = tmp_path / "sg.db"
    Backend(str(path)).close()
    before = _snapshot(tmp_path)
    target = path if denied == "file" else tmp_path
    # Root writes through permission bits, so the check's view of them is what is denied.
    real: Callable[..., bool] = os.access

    def access(name: object, mode: int) -> bool:
        return False if Path(str(name)) == target and mode & os.W_OK else real(name, mode)

    monkeypatch.setattr(os, "access", access)
    with pytest.raises(DatabaseFileError, match="read-only"):
        Backend(str(path))
    assert _snapshot(tmp_path) == before


def test_new_paths_empty_files_and_table_less_databases_are_initialized_and_marked(
    tmp_path: Path,
) -> None:
    (tmp_path / "empty.db").write_bytes(b"")
    with sqlite3.connect(tmp_path / "bare.db") as conn:
        conn.execute("PRAGMA user_version = 0")
    conn.close()
    for name in ("new.db", "empty.db", "bare.db"):
        path = tmp_path / name
        with Backend(str(path)) as backend:
            backend.handle("CreateSecurityGroup", {"GroupName": "g", "Description": "d"})
        with Backend(str(path)) as again:  # ours now: opened again with its group
            names = {g["GroupName"] for g in again.handle("DescribeSecurityGroups", {})[
                "SecurityGroups"]}  # fmt: skip
        assert names == {"default", "g"}
        with sqlite3.connect(path) as conn:
            assert conn.execute("PRAGMA application_id").fetchone() == (APPLICATION_ID,)
        conn.close()
        # The mark in the header bytes, as SQLite's file format places it (offset 68).
        assert path.read_bytes()[68:72] == b"EC2Q" or (tmp_path / f"{name}-wal").exists()


def test_a_new_database_has_small_pages_and_an_older_one_keeps_its_own(tmp_path: Path) -> None:
    """A file the backend creates has 1 KiB pages (a commit writes and checksums each page
    it changed); one it did not create keeps the page size it has."""
    (tmp_path / "empty.db").write_bytes(b"")
    with sqlite3.connect(tmp_path / "older.db") as conn:  # SQLite's default, 4 KiB
        conn.execute("CREATE TABLE t (x)")
        conn.execute("DROP TABLE t")
    conn.close()
    for name, size in (("new.db", 1024), ("empty.db", 1024), ("older.db", 4096)):
        path = tmp_path / name
        with Backend(str(path)) as backend:
            backend.handle("CreateSecurityGroup", {"GroupName": "g", "Description": "d"})
        # The page size in the header, as SQLite's file format places it (offset 16, big-endian).
        assert int.from_bytes(path.read_bytes()[16:18], "big") == size, name
        with Backend(str(path)) as again:
            assert len(again.handle("DescribeSecurityGroups", {})["SecurityGroups"]) == 2


def _foreign_wal(path: Path) -> sqlite3.Connection:
    """Another application's WAL database, its table still only in the log (the connection
    returned holds it open: closing it would checkpoint the log into the file)."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA wal_autocheckpoint = 0")
    conn.execute("CREATE TABLE users (name TEXT)")
    return conn


def test_a_symbolic_link_is_judged_by_its_target(tmp_path: Path) -> None:
    """The check looked for the link's -wal (none), read the target's file alone and saw
    it empty, while SQLite keeps the log beside the target: the foreign database was
    taken and written into."""
    real = tmp_path / "real.db"
    holder = _foreign_wal(real)
    try:
        link = tmp_path / "link.db"
        link.symlink_to(real)
        before = {p: p.read_bytes() for p in (real, tmp_path / "real.db-wal")}
        with pytest.raises(DatabaseFileError, match="another application's") as caught:
            Backend(str(link))
        assert caught.value.message.startswith(f"{link}: ")
        assert {p: p.read_bytes() for p in before} == before
    finally:
        holder.close()


def test_a_file_uri_is_judged_by_the_file_it_names(tmp_path: Path) -> None:
    """A ``file:`` URI skipped the check: another application's database was adopted."""
    path = tmp_path / "other.db"
    _users(path)
    before = _snapshot(tmp_path)
    for uri in (f"file:{path}", f"file://{path}", f"file://localhost{path}?cache=private"):
        with pytest.raises(DatabaseFileError, match="another application's") as caught:
            Backend(uri)
        assert caught.value.message.startswith(f"{uri}: ")
    with pytest.raises(DatabaseFileError, match="names the host 'elsewhere'"):
        Backend(f"file://elsewhere{path}")
    assert _snapshot(tmp_path) == before
    ours = tmp_path / "ours.db"
    with Backend(f"file:{ours}") as backend:  # a URI of a new file: created, ours
        backend.handle("CreateSecurityGroup", {"GroupName": "g", "Description": "d"})
    with sqlite3.connect(ours) as conn:
        assert conn.execute("PRAGMA application_id").fetchone() == (APPLICATION_ID,)
    conn.close()


@pytest.mark.parametrize("options", ["mode=ro", "immutable=1", "immutable=2", "immutable=on"])
def test_a_uri_that_opens_the_database_read_only_is_refused(tmp_path: Path, options: str) -> None:
    # Before: "An internal error has occurred", and new -wal and -shm files left.
    path = tmp_path / "sg.db"
    Backend(str(path)).close()
    before = _snapshot(tmp_path)
    with pytest.raises(DatabaseFileError, match="is opened read-only by its URI"):
        Backend(f"file:{path}?{options}")
    assert _snapshot(tmp_path) == before


def test_a_uri_of_mode_memory_is_one_database_for_every_thread() -> None:
    """``mode=memory`` was taken for a file: each thread opened an empty database of its
    own, and a second thread's describe failed (no such table)."""
    import threading

    with Backend("file:sgmemory?mode=memory") as backend:
        backend.handle("CreateSecurityGroup", {"GroupName": "g", "Description": "d"})
        seen: list[set[str]] = []
        thread = threading.Thread(target=lambda: seen.append({
            g["GroupName"] for g in backend.handle("DescribeSecurityGroups", {})["SecurityGroups"]
        }))
        thread.start()
        thread.join()
    assert seen == [{"default", "g"}]


def test_another_applications_mark_is_refused_without_opening_it(tmp_path: Path) -> None:
    """A mark in the header is read from its bytes: SQLite's read-only open of a WAL
    database with a log beside it creates or writes its -shm file."""
    origin = tmp_path / "origin"
    origin.mkdir()
    with sqlite3.connect(origin / "o.db") as conn:
        conn.execute("PRAGMA application_id = 1234")
        conn.execute("CREATE TABLE t (a)")
    conn.close()
    holder = sqlite3.connect(origin / "o.db", isolation_level=None)
    try:
        holder.execute("PRAGMA journal_mode = WAL")
        holder.execute("PRAGMA wal_autocheckpoint = 0")
        holder.execute("INSERT INTO t VALUES (1)")
        for name in ("o.db", "o.db-wal"):  # the files as another host left them: no -shm
            (tmp_path / name).write_bytes((origin / name).read_bytes())
    finally:
        holder.close()
    before = _snapshot(tmp_path)
    with pytest.raises(DatabaseFileError, match="application_id 0x000004d2"):
        Backend(str(tmp_path / "o.db"))
    assert _snapshot(tmp_path) == before and not (tmp_path / "o.db-shm").exists()


def test_a_log_file_it_cannot_write_is_refused_by_name(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "sg.db"
    Backend(str(path)).close()
    wal = tmp_path / "sg.db-wal"
    wal.write_bytes(b"")
    real: Callable[..., bool] = os.access

    def access(name: object, mode: int) -> bool:  # root writes through permission bits
        return False if Path(str(name)) == wal else real(name, mode)

    monkeypatch.setattr(os, "access", access)
    with pytest.raises(DatabaseFileError, match="has a -wal file it cannot write"):
        Backend(str(path))


def test_a_database_another_process_holds_locked_is_named_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before: "The server is overloaded and can't handle the request." (EC2's text)."""
    from ec2query.gateway import _backend

    path = tmp_path / "sg.db"
    Backend(str(path)).close()
    holder = sqlite3.connect(path, isolation_level=None)
    try:
        holder.execute("BEGIN EXCLUSIVE")
        monkeypatch.setattr(_backend, "BUSY_TIMEOUT_MS", 200)
        with pytest.raises(DatabaseFileError) as caught:
            Backend(str(path))
        assert caught.value.message == f"{path}: is locked by another process"
    finally:
        holder.close()


def test_a_file_without_write_bits_is_refused_to_root_too(tmp_path: Path) -> None:
    """Root writes through permission bits: a chmod 444 database was served to it, and
    its -wal and -shm made. The operator's read-only is refused for every user."""
    path = tmp_path / "sg.db"
    Backend(str(path)).close()
    path.chmod(0o444)
    before = _snapshot(tmp_path)
    with pytest.raises(DatabaseFileError, match="is read-only"):
        Backend(str(path))
    assert _snapshot(tmp_path) == before


@pytest.mark.parametrize("given", ["", "sg.db/", "a\0b"])
def test_a_path_that_names_no_file_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              given: str) -> None:
    # "" was ": is a directory"; "sg.db/" made "sg.db"; a NUL was Python's ValueError.
    monkeypatch.chdir(tmp_path)
    with pytest.raises(DatabaseFileError, match="does not name a file"):
        Backend(given)
    assert list(tmp_path.iterdir()) == []


def test_a_path_object_is_a_path_and_bytes_are_refused(tmp_path: Path) -> None:
    with Backend(tmp_path / "sg.db") as backend:
        assert backend.path == str(tmp_path / "sg.db")
    with pytest.raises(DatabaseFileError, match="is not a path"):
        Backend(b"sg.db")  # type: ignore[arg-type]


def test_the_check_waits_out_a_lock_for_the_busy_timeout(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """The check read the file with sqlite3's own 5 s timeout, not the backend's."""
    from ec2query.gateway import _backend

    path = tmp_path / "sg.db"
    Backend(str(path)).close()
    holder = sqlite3.connect(path, isolation_level=None)
    try:
        holder.execute("PRAGMA locking_mode = EXCLUSIVE")  # readers locked out too
        holder.execute("BEGIN IMMEDIATE")
        holder.execute("UPDATE meta SET value = value")
        holder.execute("COMMIT")
        monkeypatch.setattr(_backend, "BUSY_TIMEOUT_MS", 300)
        started = time.monotonic()
        with pytest.raises(DatabaseFileError, match="is locked by another process"):
            Backend(str(path))
        assert 0.25 < time.monotonic() - started < 2.0
    finally:
        holder.close()


def test_a_new_database_being_made_by_another_process_is_waited_for(tmp_path: Path) -> None:
    """SQLite answers the switch to WAL "database is locked" at once, without its busy
    handler: of processes making one new database together, some failed at once."""
    path = tmp_path / "sg.db"
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")  # another process, midway through making it
    release = threading.Timer(0.3, lambda: (holder.execute("COMMIT"), holder.close()))
    release.start()
    try:
        with Backend(str(path)) as backend:
            assert backend.handle("DescribeSecurityGroups", {})["SecurityGroups"]
    finally:
        release.join()


def test_a_missing_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DatabaseFileError, match="cannot be created: no directory"):
        Backend(str(tmp_path / "no" / "sg.db"))
    assert not (tmp_path / "no").exists()


@pytest.mark.parametrize("case", ["another application's", "newer schema", "a FIFO"])
def test_serve_refuses_a_bad_db_in_one_line_without_traceback(tmp_path: Path, case: str) -> None:
    path = tmp_path / "sg.db"
    BAD[case][0](path)
    before = _snapshot(tmp_path)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE",
           "AWS_SECRET_ACCESS_KEY": "secret"}  # fmt: skip
    done = subprocess.run(
        [sys.executable, "-m", "ec2query", "serve", "--port", "0", "--db", str(path)],
        capture_output=True, text=True, timeout=60, env=env, check=False,
    )  # fmt: skip
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert done.returncode != 0
    assert lines == [f"{path}: {BAD[case][1]}"] or (
        len(lines) == 1 and lines[0].startswith(f"{path}: ") and BAD[case][1] in lines[0]
    )
    assert "Traceback" not in done.stderr and done.stdout == ""
    assert _snapshot(tmp_path) == before
