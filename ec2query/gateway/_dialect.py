"""The SQL that differs between the backend's two databases, SQLite and PostgreSQL.

The backend's logic is written once (``_backend.py``), with ``?`` placeholders and
the statements both engines read alike. What they do not read alike is here, one
:class:`Dialect` per engine: the schema script, the inserts that skip a row whose
key is taken (the key *is* the duplicate check), the tag upserts, the row locks
that serialize PostgreSQL's writers per group (SQLite's ``BEGIN IMMEDIATE``
serializes them all), how a transaction begins, how a table is found, and the
database's mark. A PostgreSQL connection rewrites ``?`` to ``%s`` once per
statement text (:func:`pyformat`). docs/backend.md explains the locking.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from ._storage import APPLICATION_ID

__all__ = ["POSTGRES", "SQLITE", "Connection", "Cursor", "Dialect", "pyformat", "statements"]

_HERE = Path(__file__).parent


class Cursor(Protocol):
    """What the backend reads of a statement's result (sqlite3's and psycopg's cursors)."""

    @property
    def rowcount(self) -> int: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...

    def __iter__(self) -> Iterator[Any]: ...


class Connection(Protocol):
    """What the backend's logic asks of a connection: a ``sqlite3.Connection``, or a
    PostgreSQL connection speaking ``?`` placeholders (``_postgres``)."""

    def execute(self, sql: str, parameters: Any = ..., /) -> Cursor: ...

    def executemany(self, sql: str, parameters: Any, /) -> Any: ...


@dataclass(frozen=True)
class Dialect:
    """One engine's spelling of what the backend says to it."""

    name: str
    #: The idempotent statements that make the tables (run at every open).
    schema: tuple[str, ...]
    #: The type of a text column (a migration's ADD COLUMN).
    text_type: str
    #: Inserts that do nothing when a key is taken (``rowcount`` 0): vpc, sg, rule.
    insert_vpc: str
    insert_group: str
    insert_rule: str
    #: A tag set again takes its new value.
    upsert_group_tag: str
    upsert_rule_tag: str
    #: Suffixes of the SELECT of a group: the group a write changes (its rules), the
    #: group a delete removes, a group a rule references (it must outlive the write).
    lock_change: str
    lock_delete: str
    lock_reference: str
    begin_write: str
    begin_read: str
    #: Whether a table (the one parameter) exists where the backend keeps its tables.
    has_table: str
    #: The statement that marks a database as the backend's.
    mark: str


def statements(script: str) -> tuple[str, ...]:
    """A schema's statements, each complete as SQLite's tokenizer judges it (a trigger
    holds ``;``s; the tokenizer knows PostgreSQL's plain DDL as well)."""
    found, pending = [], ""
    for line in script.splitlines():
        pending += line.split("--", 1)[0] + "\n"
        if sqlite3.complete_statement(pending):
            found.append(pending.strip())
            pending = ""
    if pending.strip():
        raise ValueError(f"the schema ends inside a statement: {pending.strip()[:60]!r}")
    return tuple(found)


def pyformat(sql: str) -> str:
    """A statement with ``?`` placeholders as psycopg takes it (``%s``; a literal ``%`` doubled).
    The backend's statements hold no ``?`` or ``%`` inside a string literal."""
    return sql.replace("%", "%%").replace("?", "%s")


def _script(name: str) -> tuple[str, ...]:
    return statements((_HERE / name).read_text(encoding="utf-8"))


_RULE_VALUES = (
    " rule (rule_id, group_id, egress, protocol, from_port, to_port, kind, peer, description,"
    " peering, peer_vpc, seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_GROUP_VALUES = " sg (group_id, vpc_id, name, description) VALUES (?, ?, ?, ?)"
_VPC_VALUES = " vpc (vpc_id, is_default) VALUES (?, ?)"

SQLITE = Dialect(
    name="sqlite",
    schema=_script("_schema.sql"),
    text_type="TEXT",
    insert_vpc="INSERT OR IGNORE INTO" + _VPC_VALUES,
    insert_group="INSERT OR IGNORE INTO" + _GROUP_VALUES,
    insert_rule="INSERT OR IGNORE INTO" + _RULE_VALUES,
    upsert_group_tag="INSERT OR REPLACE INTO sg_tag (group_id, key, value) VALUES (?, ?, ?)",
    upsert_rule_tag="INSERT OR REPLACE INTO rule_tag (rule_id, key, value) VALUES (?, ?, ?)",
    lock_change="",
    lock_delete="",
    lock_reference="",
    begin_write="BEGIN IMMEDIATE",  # the write lock before the first read: one writer at a time
    begin_read="BEGIN",  # a snapshot that never blocks a writer (WAL)
    has_table="SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
    mark=f"PRAGMA application_id = {APPLICATION_ID}",
)

POSTGRES = Dialect(
    name="postgresql",
    schema=_script("_schema_postgres.sql"),
    text_type='TEXT COLLATE "C"',  # as _schema_postgres.sql's
    insert_vpc="INSERT INTO" + _VPC_VALUES + " ON CONFLICT DO NOTHING",
    insert_group="INSERT INTO" + _GROUP_VALUES + " ON CONFLICT DO NOTHING",
    insert_rule="INSERT INTO" + _RULE_VALUES + " ON CONFLICT DO NOTHING",
    upsert_group_tag="INSERT INTO sg_tag (group_id, key, value) VALUES (?, ?, ?)"
    " ON CONFLICT (group_id, key) DO UPDATE SET value = excluded.value",
    upsert_rule_tag="INSERT INTO rule_tag (rule_id, key, value) VALUES (?, ?, ?)"
    " ON CONFLICT (rule_id, key) DO UPDATE SET value = excluded.value",
    # Writers to one group queue on its row; a reference only keeps the row from going.
    # NO KEY UPDATE and KEY SHARE do not conflict, so two groups that reference each other
    # never deadlock two authorizes; only DELETE's FOR UPDATE waits for both.
    lock_change=" FOR NO KEY UPDATE",
    lock_delete=" FOR UPDATE",
    lock_reference=" FOR KEY SHARE",
    begin_write="BEGIN ISOLATION LEVEL READ COMMITTED",
    begin_read="BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY",
    has_table="SELECT 1 FROM information_schema.tables"
    " WHERE table_schema = current_schema() AND table_name = ?",
    mark="INSERT INTO meta (key, value) VALUES ('application', 'ec2query')"
    " ON CONFLICT DO NOTHING",
)
