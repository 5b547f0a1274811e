"""The backend on PostgreSQL: a connection pool per process, one transaction per call,
bounded retries, and PostgreSQL's failures as EC2's errors.

``--db postgresql://user@host:port/dbname`` (libpq's URI; a password in the URL,
``PGPASSWORD`` or ``.pgpass``) selects it. psycopg 3 and psycopg_pool (the
``postgres`` extra) are imported only then. The backend's logic is the same as
on SQLite; the SQL that differs is ``_dialect.POSTGRES``.

- **Opening**: one connection of its own (a server that is down fails at once,
  in one line naming the database without its password), an advisory lock, the
  check that the schema holds nothing but ours (:func:`check_database`), then
  the backend's setup; all in one transaction, so a refusal writes nothing.
- **Serving**: a pool per process, made at the first call (a preloading server's
  workers each make their own; a pool does not survive a fork). Writes run in
  READ COMMITTED under the dialect's row locks; reads in a REPEATABLE READ
  snapshot. A deadlock or serialization failure is retried (nothing was
  applied); a connection found dead before COMMIT sends the pool to check its
  others, and the call is tried again on a fresh one. What outlasts that, and a
  COMMIT whose outcome is unknown, is EC2's ``Unavailable`` (503).
"""

from __future__ import annotations

import contextlib
import os
import random
import re
import threading
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from .._errors import BACKEND_INTERNAL, OVERLOADED
from ._dialect import POSTGRES, Connection, pyformat
from ._storage import APPLICATION_ID, OWN_TABLES, DatabaseFileError, StorageError

if TYPE_CHECKING:
    import psycopg
    from psycopg_pool import ConnectionPool

__all__ = ["SCHEMES", "PostgresStore", "check_database", "is_url", "redacted"]

#: The URL schemes libpq takes.
SCHEMES = ("postgresql://", "postgres://")
#: Seconds to connect when opening, and to wait for a pooled connection when serving.
CONNECT_TIMEOUT = 5
POOL_TIMEOUT = 10.0
#: Seconds a pooled connection is tried again after a failure before that attempt gives up
#: (the next call starts another). psycopg_pool's own five minutes back off to a minute
#: between tries: after a 40 s outage, calls went on failing for 26-49 s once the server
#: was back.
RECONNECT_TIMEOUT = 5.0
#: How long a statement waits for a row lock (as SQLite's busy timeout), in milliseconds.
LOCK_TIMEOUT_MS = 30_000
#: Tries of one call that meets a deadlock, a serialization failure or a dead connection.
ATTEMPTS = 4

Body = Callable[[Connection, dict[str, Any]], dict[str, Any]]


def is_url(db: str) -> bool:
    """Whether ``--db`` names a PostgreSQL database rather than an SQLite file."""
    return db.startswith(SCHEMES)


def redacted(url: str) -> str:
    """``url`` with ``***`` for every password libpq would read in it (the user part's, a
    ``password`` parameter's): never raises, and keeps the rest as it was written."""
    out, last = [], 0
    for begin, end in _password_spans(url):
        out += [url[last:begin], "***"]
        last = end
    return "".join(out) + url[last:]


def _password_spans(url: str) -> list[tuple[int, int]]:
    """Where libpq reads a password in ``url``, by fe-connect.c's URI rules (not RFC 3986's,
    which Python's ``urlsplit`` follows): the user part ends at the first ``@`` before any
    ``/``, its password runs from its first ``:`` to that ``@`` (so ``?``, ``#`` and ``[``
    are a password's own there); the parameters follow the ``?`` that ends the hosts (a
    ``?`` inside an IPv6 host's brackets does not) or the database name, split on ``&``,
    and each whose name percent-decodes to ``password`` holds one. For a URL libpq
    refuses (but quotes in its refusal), the parameters after the first ``?`` are taken
    too.
    Spans that overlap are joined; empty ones (libpq ignores them) are left out."""
    start = next((len(scheme) for scheme in SCHEMES if url.startswith(scheme)), 0)
    spans = []
    cut = start
    designator = _USER_END.search(url, start)
    if designator is not None and designator.group() == "@":
        colon = url.find(":", start, designator.start())
        if colon != -1:
            spans.append((colon + 1, designator.start()))
        cut = designator.end()
    query, refused = _query_start(url, cut)
    starts = {query, url.find("?", cut)} if refused else {query}
    for query in starts - {-1}:
        position = query + 1
        for item in url[position:].split("&"):
            name, equals, _ = item.partition("=")
            if equals and unquote(name) == "password":
                spans.append((position + len(name) + 1, position + len(item)))
            position += len(item) + 1
    joined: list[tuple[int, int]] = []
    for begin, end in sorted(span for span in spans if span[1] > span[0]):
        if joined and begin <= joined[-1][1]:
            joined[-1] = (joined[-1][0], max(end, joined[-1][1]))
        else:
            joined.append((begin, end))
    return joined


def _query_start(url: str, position: int) -> tuple[int, bool]:
    """Where libpq's parameters begin (the ``?``), or -1, and whether libpq refuses the
    URL: past the hosts from ``position`` (``host[:port]`` or ``[IPv6][:port]``, joined
    by commas), then past the database name if a ``/`` begins one."""
    size = len(url)
    while True:
        if position < size and url[position] == "[":
            position = url.find("]", position + 1)
            if position == -1:  # no closing bracket: libpq refuses it
                return -1, True
            position += 1
            if position < size and url[position] not in ":/?,":
                return -1, True  # nor does it take anything else after one
        else:
            while position < size and url[position] not in ":/?,":
                position += 1
        if position < size and url[position] == ":":
            while position < size and url[position] not in "/?,":
                position += 1
        if position < size and url[position] == ",":
            position += 1
            continue
        break
    if position < size and url[position] == "/":
        return url.find("?", position), False
    return (position if position < size and url[position] == "?" else -1), False


_USER_END = re.compile("[@/]")


def _secrets(url: str) -> list[str]:
    """The passwords in ``url`` as written and as decoded, longest first: what no line may
    show (libpq quotes a token it cannot decode in its message)."""
    found = {text for begin, end in _password_spans(url)
             for text in (url[begin:end], unquote(url[begin:end]))}  # fmt: skip
    return sorted(found - {""}, key=len, reverse=True)


def _drivers() -> tuple[Any, Any]:
    try:
        import psycopg
        import psycopg_pool
    except ImportError:
        raise StorageError(
            "InternalError",
            "a PostgreSQL --db needs psycopg 3 and psycopg_pool: pip install 'ec2query[postgres]'",
        ) from None
    return psycopg, psycopg_pool


class _Connection:
    """A psycopg connection as the backend speaks to it: ``?`` placeholders, ``executemany``."""

    __slots__ = ("_raw", "_sql")

    def __init__(self, raw: psycopg.Connection[Any], sql: dict[str, str]) -> None:
        self._raw = raw
        self._sql = sql  # the store's: statement text -> psycopg's spelling

    def _text(self, sql: str) -> str:
        text = self._sql.get(sql)
        if text is None:
            text = self._sql[sql] = pyformat(sql)
        return text

    def execute(self, sql: str, parameters: Iterable[Any] = (), /) -> Any:
        return self._raw.execute(self._text(sql), tuple(parameters))

    def executemany(self, sql: str, rows: Iterable[Iterable[Any]], /) -> Any:
        rows = [tuple(row) for row in rows]
        if not rows:
            return None
        with self._raw.cursor() as cursor:
            cursor.executemany(self._text(sql), rows)  # type: ignore[arg-type]
        return None


def check_database(conn: Any, known_versions: tuple[str, ...], name: str) -> None:
    """Refuse a schema that is neither empty nor marked ours (our tables and the mark), or
    ours of a schema this release does not know (the SQLite file check's counterpart,
    inside the opening transaction). A marked schema may hold more beside ours, as a
    marked SQLite file may.

    What the schema holds is read from the catalogs, not ``information_schema``, which
    lists only the tables this user may use and no materialized view, sequence, type or
    function: a schema holding only those, or another role's tables, was taken for an
    empty one and had ours written beside them. What an extension installed there
    (``CREATE EXTENSION pgcrypto``) does not count: it is the database's, not an
    application's."""
    relations = conn.execute(_SCHEMA_RELATIONS).fetchall()
    others = conn.execute(_SCHEMA_OTHERS).fetchone()[0]
    if not relations and not others:
        return
    tables = {str(row[0]): bool(row[2]) for row in relations if row[1] in _TABLE_KINDS}
    mark = version = None
    if tables.get("meta"):  # there, and this user may read it
        found = dict(conn.execute("SELECT key, value FROM meta").fetchall())
        mark, version = found.get("application"), found.get("schema")
    if mark != "ec2query" or not tables.keys() >= OWN_TABLES:
        raise DatabaseFileError(name, "is another application's database (no ec2query mark)")
    if version not in known_versions:
        raise DatabaseFileError(
            name,
            f"has schema {version!r}, which this release (schema {known_versions[-1]}) cannot read",
        )


#: What the schema holds that an extension did not install (pg_depend's 'e' links an
#: object to its extension): its relations, with whether this user may read each; and
#: how many enums, domains, ranges and routines, which pg_class does not list.
_SCHEMA_RELATIONS = (
    "SELECT c.relname, c.relkind, has_table_privilege(c.oid, 'SELECT') FROM pg_class c"
    " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema()"
    " AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e'"
    " AND d.classid = 'pg_class'::regclass)"
)
_SCHEMA_OTHERS = (
    "SELECT (SELECT count(*) FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace"
    " WHERE n.nspname = current_schema() AND t.typtype IN ('e', 'd', 'r', 'm') AND NOT"
    " EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = t.oid AND d.deptype = 'e'"
    " AND d.classid = 'pg_type'::regclass))"
    " + (SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace"
    " WHERE n.nspname = current_schema() AND NOT"
    " EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e'"
    " AND d.classid = 'pg_proc'::regclass))"
)
#: pg_class kinds that hold or show rows: tables, partitioned tables, views, materialized
#: views, foreign tables.
_TABLE_KINDS = frozenset("rpvmf")


class PostgresStore:
    """The backend's PostgreSQL database: ``run(body, params, write=...)`` is one call."""

    dialect = POSTGRES

    def __init__(self, url: str, setup: Body, known_versions: tuple[str, ...]) -> None:
        psycopg, _ = _drivers()
        self._psycopg = psycopg
        self._url = url
        self.name = redacted(url)
        self._pool: ConnectionPool[Any] | None = None
        self._pid = os.getpid()
        self._lock = threading.Lock()
        self._inherited: list[Any] = []  # a parent's pools, never touched nor collected here
        self._sql: dict[str, str] = {}
        self.unbindable: tuple[type[BaseException], ...] = (
            psycopg.DataError, psycopg.ProgrammingError)  # fmt: skip
        try:
            raw = psycopg.connect(url, autocommit=True, connect_timeout=CONNECT_TIMEOUT)
        except psycopg.Error as exc:
            raise DatabaseFileError(self.name, f"cannot connect: {_first_line(exc, url)}") from None
        except UnicodeDecodeError:  # libpq decoded a %-escape to bytes psycopg cannot read
            raise DatabaseFileError(
                self.name, "cannot connect: a percent-encoded part of the URL is not UTF-8"
            ) from None

        def opening(conn: Any, params: dict[str, Any]) -> dict[str, Any]:
            conn.execute("SELECT pg_advisory_xact_lock(?)", (APPLICATION_ID,))
            check_database(conn, known_versions, self.name)
            return setup(conn, params)

        try:
            with raw:
                _configure(raw)  # a lock held elsewhere is waited for as long as a call waits
                self._transaction(raw, opening, {}, write=True)
        except DatabaseFileError:
            raise
        except StorageError as exc:  # the backend's own refusal (a later schema, ...)
            raise DatabaseFileError(self.name, exc.message) from None
        except _Committing as exc:
            raise DatabaseFileError(self.name, _first_line(exc.__cause__, url)) from None
        except psycopg.Error as exc:
            if getattr(exc, "sqlstate", None) == _LOCK_NOT_AVAILABLE:
                raise DatabaseFileError(
                    self.name, f"is locked by another session (waited {LOCK_TIMEOUT_MS / 1000:g} s"
                    " for it)") from None
            raise DatabaseFileError(self.name, _first_line(exc, url)) from None

    # ------------------------------------------------------------------ the pool

    def _here(self) -> ConnectionPool[Any]:
        """This process's pool, made at its first call."""
        pool = self._pool
        if pool is not None and self._pid == os.getpid():
            return pool
        with self._lock:
            if self._pid != os.getpid():  # forked where the fork hook could not tell us
                self._abandon()
            if self._pool is None:
                _, psycopg_pool = _drivers()
                self._pool = psycopg_pool.ConnectionPool(
                    self._url,
                    min_size=1,
                    max_size=8,
                    kwargs={"autocommit": True, "connect_timeout": CONNECT_TIMEOUT},
                    configure=_configure,
                    timeout=POOL_TIMEOUT,
                    reconnect_timeout=RECONNECT_TIMEOUT,
                    name="ec2query",
                    open=True,
                )
            return self._pool

    def forked(self) -> None:
        """In a forked child, before any other thread runs: a new lock (the parent's may
        have been held), and the parent's pool put aside."""
        self._lock = threading.Lock()
        self._abandon()

    def _abandon(self) -> None:
        """The parent's pool (its threads are not here, its sockets are the parent's) is kept
        from use and from collection, which would close the parent's connections."""
        if self._pool is not None and self._pid != os.getpid():
            self._inherited.append(self._pool)
            self._pool = None
        self._pid = os.getpid()

    def close(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None and self._pid == os.getpid():
            pool.close()

    # ------------------------------------------------------------------ one call

    def run(self, body: Body, params: dict[str, Any], *, write: bool) -> dict[str, Any]:
        psycopg = self._psycopg
        pool = self._here()
        for attempt in range(1, ATTEMPTS + 1):
            raw = None
            try:
                with pool.connection() as raw:
                    return self._transaction(raw, body, params, write=write)
            except _Committing as exc:  # it may or may not have been applied: EC2's 503
                raise StorageError("Unavailable", OVERLOADED) from exc.__cause__
            except psycopg.OperationalError as exc:
                if attempt == ATTEMPTS:
                    raise _storage_error(psycopg, exc) from exc
                if _rolled_back(exc):  # a deadlock, a serialization failure: nothing applied
                    time.sleep(random.uniform(0, 0.01 * attempt))  # noqa: S311 - jitter
                elif raw is not None and raw.broken:  # the server went away before COMMIT
                    pool.check()  # a restarted server: its other connections are dead too
                else:  # no connection within the pool's timeout, a lock timeout, ...
                    raise _storage_error(psycopg, exc) from exc
            except psycopg.Error as exc:
                raise _storage_error(psycopg, exc) from exc
        raise AssertionError("unreachable")  # pragma: no cover

    def _transaction(
        self, raw: psycopg.Connection[Any], body: Body, params: dict[str, Any], *, write: bool
    ) -> dict[str, Any]:
        raw.execute(self.dialect.begin_write if write else self.dialect.begin_read)
        try:
            result = body(_Connection(raw, self._sql), params)
        except BaseException:
            if not raw.broken:  # else the connection is gone and the server rolled back
                with contextlib.suppress(self._psycopg.Error):
                    raw.execute("ROLLBACK")
            raise
        try:
            raw.execute("COMMIT")
        except self._psycopg.Error as exc:
            if _rolled_back(exc):
                raise  # refused, so surely not applied: may be tried again
            raise _Committing from exc
        return result


class _Committing(Exception):
    """COMMIT failed: whether the change was applied is not known."""


def _configure(conn: psycopg.Connection[Any]) -> None:
    conn.execute(f"SET lock_timeout = {LOCK_TIMEOUT_MS}")


#: SQLSTATE read_only_sql_transaction: a write where the server takes none.
_READ_ONLY = "25006"
#: SQLSTATE lock_not_available: a lock waited for past lock_timeout.
_LOCK_NOT_AVAILABLE = "55P03"


def _rolled_back(exc: BaseException) -> bool:
    """Whether PostgreSQL rolled the transaction back (SQLSTATE class 40: a deadlock, a
    serialization failure), so that trying it again is safe."""
    return str(getattr(exc, "sqlstate", None) or "").startswith("40")


def _first_line(exc: BaseException | None, url: str) -> str:
    """The first line of ``exc``'s message without the passwords of ``url``: libpq quotes
    the whole URI, or a token it cannot decode, in some of its messages. A password is
    replaced where it is quoted, and anywhere once it is too long to occur by chance
    (a short one would take letters out of the words around it)."""
    line = (str(exc).strip() or type(exc).__name__).splitlines()[0]
    line = line.replace(url, redacted(url))
    for secret in _secrets(url):
        for quote in '"\'':
            line = line.replace(f"{quote}{secret}{quote}", f"{quote}***{quote}")
        if len(secret) >= _UNMISTAKABLE:
            line = line.replace(secret, "***")
    return line


#: The length from which a password is taken out of a message wherever it occurs.
_UNMISTAKABLE = 6


def _storage_error(psycopg: Any, exc: BaseException) -> StorageError:
    """PostgreSQL's trouble as EC2 reports its own: 503 when it is unreachable, busy or
    taking no writes (a standby, ``default_transaction_read_only``: it was a 500)."""
    if isinstance(exc, psycopg.OperationalError) or getattr(exc, "sqlstate", None) == _READ_ONLY:
        return StorageError("Unavailable", OVERLOADED)
    return StorageError("InternalError", BACKEND_INTERNAL)
