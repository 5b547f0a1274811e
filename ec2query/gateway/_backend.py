"""The gateway's embedded EC2 backend: security groups and their rules in SQLite or PostgreSQL.

``Backend(path).handle(operation, params)`` answers one request the way EC2
would, as the dict botocore would parse from EC2's response (no
``ResponseMetadata``), or raises :class:`~ec2query._errors.EC2Error` with
EC2's code and message for a state-dependent refusal (not found, duplicate,
limit, in use). It takes requests the validator passed (the gateway calls
``validate`` first): syntax is the validator's job and DryRun the gateway's.
The backend asserts what the validator guarantees; a request it did not
pass (a caller that skipped it) gets the validator's own error, as a
:class:`NotValidated`. Storage trouble is EC2's ``InternalError`` or
``Unavailable`` (:class:`StorageError`), never a driver's exception.

Each call is one transaction (a write serialized with the other writers, a
snapshot read for describe). On SQLite (a file or ``:memory:``), ``BEGIN
IMMEDIATE`` serializes the writers, and several threads and processes share
one file in WAL mode with ``synchronous=NORMAL`` and a busy timeout. On
PostgreSQL (a ``postgresql://`` URL, ``_postgres.py``), writers to one group
queue on its row. The SQL the two read differently is ``_dialect.py``; the
logic here is one. docs/backend.md has the schema, the semantics and the
trade-offs.
"""

from __future__ import annotations

import os
import random
import sqlite3
import threading
import time
import weakref
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from .._codec.forms import normalize, rule_request_permission
from .._errors import BACKEND_INTERNAL, OVERLOADED, EC2Error, RequestError
from .._grammar import (
    PORT_MAX,
    PREFIX_LIST_ID,
    canonical_ipv4,
    canonical_ipv6,
    canonical_ports,
    canonical_protocol,
)
from .._model import FLAT_RULE_MEMBERS, TAGGABLE
from .._model import operation as lookup_operation
from .._validate import refusal, validate
from ._canon import (
    Rule,
    Unvalidated,
    Want,
    arn,
    duplicate_message,
    group_permissions,
    new_id,
    revoked_rule,
    rule_type_message,
    security_group_rule,
    unknown_permission,
)
from ._describe import decode_token, encode_token, matches, page
from ._dialect import SQLITE, Connection, Dialect
from ._notfound import not_found
from ._postgres import PostgresStore, is_url
from ._references import describe_references, describe_stale
from ._storage import DatabaseFileError, StorageError, check_database_file, in_memory
from ._tags import create_tags, delete_tags, describe_tags

__all__ = ["DEFAULT_VPC_ID", "Backend", "NotValidated", "StorageError"]

#: The default VPC's id unless the caller names another.
DEFAULT_VPC_ID = "vpc-0a1b2c3d4e5f60718"
#: The layout of the tables (``meta.schema``); older databases are upgraded when opened.
SCHEMA_VERSION = "3"
_KNOWN_SCHEMAS = ("1", "2", SCHEMA_VERSION)  # those a database may have to be opened, oldest first
#: The first SQLite whose DELETE ... RETURNING the backend uses (3.35.4 fixed a defect in
#: the new syntax); older ones find, then delete.
RETURNING_SQLITE = (3, 35, 4)
#: How long a call waits for another writer before giving up, in milliseconds.
BUSY_TIMEOUT_MS = 30_000
#: The page size of a database file the backend creates, in bytes. A commit writes each
#: page it changed to the WAL and checksums it, so smaller pages make the commit of an
#: authorize or revoke (two pages) cheaper: about 7 µs for 1 KiB pages, 15 µs for 4 KiB
#: (SQLite's default). A database that exists keeps the page size it has.
PAGE_SIZE = 1024

_DEFAULT_NAME = "default"
_DEFAULT_DESCRIPTION = "default VPC security group"
_NO_DEFAULT_VPC = "No default VPC for this user"
_READ_ONLY = frozenset({"DescribeSecurityGroups", "DescribeSecurityGroupRules", "DescribeTags",
                        "DescribeSecurityGroupReferences", "DescribeStaleSecurityGroups"})
_FLAT = frozenset(FLAT_RULE_MEMBERS)
_RULE_OPS = frozenset(
    {"AuthorizeSecurityGroupIngress", "AuthorizeSecurityGroupEgress",
     "RevokeSecurityGroupIngress", "RevokeSecurityGroupEgress",
     "UpdateSecurityGroupRuleDescriptionsIngress", "UpdateSecurityGroupRuleDescriptionsEgress"}
)  # fmt: skip
# Columns in the order of _canon.Rule's fields (a test pins the two together).
_RULE_COLUMNS = (
    "rule_id, group_id, egress, protocol, from_port, to_port, kind, peer, description, peering,"
    " peer_vpc"
)
_SELECT_RULE = f"SELECT {_RULE_COLUMNS} FROM rule"  # noqa: S608 - constants only
_FIND_RULE = (
    _SELECT_RULE + " WHERE group_id = ? AND egress = ? AND protocol = ? AND from_port = ?"
    " AND to_port = ? AND kind = ? AND peer = ?"
)
_DELETE_RULE = (
    "DELETE FROM rule WHERE group_id = ? AND egress = ? AND protocol = ? AND "  # noqa: S608
    f"from_port = ? AND to_port = ? AND kind = ? AND peer = ? RETURNING {_RULE_COLUMNS}"
)
_RULE_BY_ID = _SELECT_RULE + " WHERE rule_id = ? AND group_id = ? AND egress = ?"
#: Groups whose rules one describe statement reads (a batch is read as it is reached).
_GROUP_BATCH = 100
_SELECT_TAGS = "SELECT group_id, key, value FROM sg_tag"
_RANKED_RULE = f"SELECT seq, {_RULE_COLUMNS} FROM rule"  # noqa: S608 - constants only
_SELECT_RULE_TAGS = "SELECT rule_id, key, value FROM rule_tag"
_VPC_ROW = "SELECT 1 FROM vpc WHERE vpc_id = ?"
_GROUP_BY_ID = "SELECT group_id, vpc_id, name FROM sg WHERE group_id = ?"
_GROUP_BY_NAME = "SELECT group_id, vpc_id, name FROM sg WHERE vpc_id = ? AND name = ?"
_NAME_TAKEN = "SELECT 1 FROM sg WHERE vpc_id = ? AND name = ?"
_NOT_FOUND_RULE = "The specified rule does not exist in this security group."
_LOCAL: tuple[str | None, str | None] = (None, None)  # a source within the group's VPC
#: What an unvalidated request can make the backend's own code raise where it asserts.
_ASSERTED = (Unvalidated, LookupError, TypeError, AttributeError, ValueError, ArithmeticError)
#: sqlite3's refusals of a value it cannot bind: the input's fault (when the validator agrees).
_UNBINDABLE = (sqlite3.InterfaceError, sqlite3.ProgrammingError)


class NotValidated(RequestError):
    """A request the backend was handed without the validator's consent, refused with the
    validator's own code and message (the gateway validates first, so it never sees one)."""


def _group_not_found(message: str) -> RequestError:
    return RequestError("InvalidGroup.NotFound", message)


def _check(condition: object, what: str) -> None:
    """Assert what the validator guarantees (not ``assert``: it must hold under ``-O`` too)."""
    if not condition:
        raise Unvalidated(what)


def _not_validated(operation: str, params: Any, cause: BaseException) -> EC2Error:
    """The validator's verdict on a request the backend could not take (computed only then)."""
    try:
        validate(operation, params)
    except EC2Error as error:
        return NotValidated(error.code, error.message)
    # The validator passes what the backend cannot take: the backend's defect, not the caller's.
    return EC2Error("InternalError", BACKEND_INTERNAL)


class Backend:
    """Security groups with EC2's semantics in one database: SQLite (``:memory:``, a file) or
    PostgreSQL (a ``postgresql://`` URL)."""

    def __init__(
        self,
        path: str | os.PathLike[str] = ":memory:",
        *,
        account_id: str = "123456789012",
        region: str = "us-east-1",
        default_vpc_id: str | None = DEFAULT_VPC_ID,
        rule_limit: int = 60,
        group_limit: int = 2500,
        rng: random.Random | None = None,
    ) -> None:
        """Open (creating if needed) the database at ``path``, a file, ``:memory:`` or a
        PostgreSQL URL; ``default_vpc_id=None``: the account has no default VPC."""
        path = os.fspath(path) if isinstance(path, os.PathLike) else path
        if not isinstance(path, str):
            raise DatabaseFileError(repr(path)[:64], "is not a path: give text or a Path")
        postgres = is_url(path)
        # One statement finds and deletes a revoked rule where the engine has a sound RETURNING.
        self._returning = postgres or sqlite3.sqlite_version_info >= RETURNING_SQLITE
        self._sql: Dialect = SQLITE
        self.account_id = account_id
        self.region = region
        self.default_vpc_id = default_vpc_id
        self.rule_limit = rule_limit
        self.group_limit = group_limit
        # Ids come from os.urandom (nothing to reseed in a forked worker) unless the caller
        # gives a generator; an id drawn twice is drawn again (_insert_group, _insert_rule).
        self._rng = rng
        self._memory = in_memory(path)
        self._local = threading.local()
        self._lock = threading.Lock()  # guards the one :memory: connection and _connections
        self._connections: list[sqlite3.Connection] = []
        self._closed = False
        _BACKENDS.add(self)
        self._ops: dict[str, Callable[[Connection, dict[str, Any]], dict[str, Any]]] = {
            "CreateSecurityGroup": self._create,
            "DescribeSecurityGroups": self._describe,
            "DeleteSecurityGroup": self._delete,
            "AuthorizeSecurityGroupIngress": lambda c, p: self._authorize(c, p, egress=False),
            "AuthorizeSecurityGroupEgress": lambda c, p: self._authorize(c, p, egress=True),
            "RevokeSecurityGroupIngress": lambda c, p: self._revoke(c, p, egress=False),
            "RevokeSecurityGroupEgress": lambda c, p: self._revoke(c, p, egress=True),
            "DescribeSecurityGroupRules": self._describe_rules,
            "ModifySecurityGroupRules": self._modify_rules,
            "UpdateSecurityGroupRuleDescriptionsIngress":
                lambda c, p: self._update_descriptions(c, p, egress=False),
            "UpdateSecurityGroupRuleDescriptionsEgress":
                lambda c, p: self._update_descriptions(c, p, egress=True),
            "CreateTags": lambda c, p: create_tags(self._sql, c, p),
            "DeleteTags": lambda c, p: delete_tags(self._sql, c, p),
            "DescribeTags": lambda c, p: describe_tags(self._sql, c, p),
            "DescribeSecurityGroupReferences": describe_references,
            "DescribeStaleSecurityGroups": describe_stale,
        }
        self._pg: PostgresStore | None = None
        self._unbindable: tuple[type[BaseException], ...] = _UNBINDABLE
        if postgres:  # opened, checked and set up in one transaction, or refused untouched
            self._sql = PostgresStore.dialect
            self._pg = PostgresStore(path, self._setup, _KNOWN_SCHEMAS)
            self._unbindable = self._pg.unbindable
            self.path = self._pg.name  # never the password
        else:
            self.path = path
            # ours, new or empty: or refused, untouched
            check_database_file(path, _KNOWN_SCHEMAS, busy_timeout=BUSY_TIMEOUT_MS / 1000)
            try:
                self._transaction(self._connection(), self._setup, {}, write=True)
            except StorageError as exc:  # one line for the operator: the file and its trouble
                self.close()
                raise _unusable(path, exc) from exc

    # ------------------------------------------------------------------ plumbing

    def _open(self) -> sqlite3.Connection:
        """A new connection to the database, in autocommit mode, waiting out other writers."""
        conn = sqlite3.connect(
            self.path,
            timeout=BUSY_TIMEOUT_MS / 1000,
            isolation_level=None,  # we issue BEGIN/COMMIT ourselves
            check_same_thread=False,  # used by one thread; closed by close() from any
            cached_statements=256,
            uri=self.path.startswith("file:"),
        )
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        return conn

    def _connect(self) -> sqlite3.Connection:
        """This thread's new request connection: WAL, ``synchronous=NORMAL``, registered."""
        conn = self._open()
        if not self._memory:
            try:
                conn.execute(f"PRAGMA page_size = {PAGE_SIZE}")  # before WAL creates the file
                _switch_to_wal(conn, time.monotonic() + BUSY_TIMEOUT_MS / 1000)
                conn.execute("PRAGMA synchronous = NORMAL")
            except BaseException:  # not a database, read-only, ...: not left open
                conn.close()
                raise
        with self._lock:
            self._connections.append(conn)
        return conn

    def _connection(self) -> sqlite3.Connection:
        """This thread's connection (one shared connection for ``:memory:``)."""
        if self._closed:
            raise StorageError("Unavailable", "The backend is closed.")
        conn = getattr(self._local, "conn", None)
        if conn is None:
            shared = self._memory and self._connections
            try:
                conn = self._connections[0] if shared else self._connect()
            except sqlite3.Error as exc:  # unopenable file, no WAL on it, ...
                raise _unavailable(exc) from exc
            self._local.conn = conn
        return conn

    @property
    def networked(self) -> bool:
        """Whether a call waits on the network (a PostgreSQL server), not on a local file:
        a server then answers in threads (``_server.create_server``)."""
        return self._pg is not None

    def _run(
        self,
        body: Callable[[Connection, dict[str, Any]], dict[str, Any]],
        params: dict[str, Any],
        *,
        write: bool,
    ) -> dict[str, Any]:
        """``body(connection, params)`` in one transaction of this backend's database."""
        if self._pg is not None:
            if self._closed:
                raise StorageError("Unavailable", "The backend is closed.")
            return self._pg.run(body, params, write=write)
        return self._transaction(self._connection(), body, params, write=write)

    def _forked(self) -> None:
        """In a forked child (a preloading WSGI server's worker), before any other thread
        runs: the parent's connections must not be used (SQLite forbids it), so a file
        database is opened afresh and those are left be; the lock may have been held."""
        self._lock = threading.Lock()
        if self._pg is not None:
            self._pg.forked()
        elif not self._memory:
            self._connections, self._local = [], threading.local()

    def _transaction(
        self,
        conn: sqlite3.Connection,
        body: Callable[[Connection, dict[str, Any]], dict[str, Any]],
        params: dict[str, Any],
        *,
        write: bool,
    ) -> dict[str, Any]:
        lock = self._lock if self._memory else None
        if lock is not None:
            lock.acquire()
        try:
            try:
                conn.execute(SQLITE.begin_write if write else SQLITE.begin_read)
            except sqlite3.OperationalError as exc:
                raise _unavailable(exc) from exc
            try:
                result = body(conn, params)
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            return result
        except sqlite3.Error as exc:
            raise _unavailable(exc) from exc
        finally:
            if lock is not None:
                lock.release()

    def handle(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        """Answer one request (API or CLI operation name) as botocore would parse EC2's reply."""
        name = operation if operation in self._ops else lookup_operation(operation).name
        body = self._ops.get(name)
        if body is None:
            raise RequestError(
                "InvalidAction", f"The action {operation} is not valid for this web service."
            )
        given = params
        try:
            if name in _RULE_OPS and not _FLAT.isdisjoint(params):  # nested: read as it is
                params = normalize(name, params)
            return self._run(body, params, write=name not in _READ_ONLY)
        except StorageError as exc:
            if isinstance(exc.__cause__, self._unbindable):  # a value no validated request has
                raise _not_validated(name, given, exc) from exc
            raise
        except EC2Error:
            raise
        except _ASSERTED as exc:  # a request the validator would refuse: its error, not ours
            raise _not_validated(name, given, exc) from exc

    def close(self) -> None:
        """Close every connection this backend opened; further calls raise ``RuntimeError``."""
        with self._lock:
            self._closed = True
            connections, self._connections = self._connections, []
        for conn in connections:
            conn.close()
        if self._pg is not None:
            self._pg.close()

    def __enter__(self) -> Backend:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # ------------------------------------------------------------------ VPCs and groups

    def _setup(self, conn: Connection, _params: dict[str, Any]) -> dict[str, Any]:
        version = _schema_version(conn, self._sql)  # None for a new database
        if version is not None and version not in _KNOWN_SCHEMAS:
            raise StorageError(
                "InternalError",
                f"the database has schema {version!r}, which this release (schema "
                f"{SCHEMA_VERSION}) cannot read",
            )
        # Not executescript(): it would COMMIT our transaction; run the statements one by one.
        for statement in self._sql.schema:
            conn.execute(statement)
        if version is not None and version != SCHEMA_VERSION:
            _migrate(conn, self._sql, version)  # schema 1 is SQLite's only: PostgreSQL began with 2
        conn.execute(self._sql.mark)  # our mark: _storage (SQLite), _postgres
        if self.default_vpc_id is not None:
            self._ensure_vpc(conn, self.default_vpc_id, default=True)
        return {}

    def _ensure_vpc(self, conn: Connection, vpc_id: str, *, default: bool) -> None:
        """Record ``vpc_id``; a VPC seen for the first time gets its ``default`` group (as EC2)."""
        cursor = conn.execute(self._sql.insert_vpc, (vpc_id, int(default)))
        if cursor.rowcount != 1:
            return
        group_id = self._insert_group(conn, vpc_id, _DEFAULT_NAME, _DEFAULT_DESCRIPTION)
        # EC2's default group: all traffic from members of the group, and out to anywhere.
        self._insert_rule(conn, group_id, False, Want("-1", -1, -1, "group", group_id, None, 0))
        self._insert_rule(conn, group_id, True, Want("-1", -1, -1, "cidr4", "0.0.0.0/0", None, 0))

    def _insert_group(self, conn: Connection, vpc_id: str, name: str, text: str) -> str:
        """A new group; its name taken in the VPC (UNIQUE, so also by a concurrent writer
        that committed first) is ``InvalidGroup.Duplicate``."""
        while True:
            group_id = new_id("sg", self._rng)
            if conn.execute(self._sql.insert_group, (group_id, vpc_id, name, text)).rowcount:
                return group_id
            if _exists(conn, _NAME_TAKEN, (vpc_id, name)):
                raise RequestError(
                    "InvalidGroup.Duplicate",
                    f"The security group '{name}' already exists for VPC '{vpc_id}'",
                )
            _check(_exists(conn, "SELECT 1 FROM sg WHERE group_id = ?", (group_id,)), "sg row")
            # an id collision: draw another

    def _insert_rule(
        self, conn: Connection, group_id: str, egress: bool, want: Want
    ) -> Rule:
        while True:
            rule = Rule(
                new_id("sgr", self._rng), group_id, int(egress), want.protocol,
                want.from_port, want.to_port, want.kind, want.peer, want.description,
                want.peering, want.peer_vpc,
            )  # fmt: skip
            if conn.execute(self._sql.insert_rule, (*rule, time.time_ns())).rowcount:
                return rule
            if self._find(conn, group_id, egress, want) is not None:
                raise RequestError(
                    "InvalidPermission.Duplicate",
                    duplicate_message(want.protocol, want.from_port, want.to_port, want.peer),
                )
            _check(_exists(conn, "SELECT 1 FROM rule WHERE rule_id = ?", (rule.rule_id,)),
                   "rule row")  # fmt: skip
            # an id collision: draw another

    def _default_vpc(self, conn: Connection, *, by_name: bool) -> str:
        if self.default_vpc_id is None:
            message = _NO_DEFAULT_VPC
            if by_name:
                message += ". GroupName is only supported for EC2-Classic and default VPC."
            raise RequestError("VPCIdNotSpecified", message)
        return self.default_vpc_id

    def _group_by_id(self, conn: Connection, group_id: Any, lock: str = "") -> tuple[str, str, str]:
        """The group ``group_id`` (its row locked as ``lock``, a dialect's suffix, says)."""
        _check(type(group_id) is str, "GroupId")  # never a number for the database to parse
        row = conn.execute(_GROUP_BY_ID + lock, (group_id,)).fetchone()
        if row is None:
            raise not_found(group_id, "sg")
        return (row[0], row[1], row[2])

    def _group_by_name(self, conn: Connection, name: Any, lock: str = "") -> tuple[str, str, str]:
        vpc_id = self._default_vpc(conn, by_name=True)
        row = conn.execute(_GROUP_BY_NAME + lock, (vpc_id, name)).fetchone()
        if row is None:
            raise _group_not_found(
                f"The security group '{name}' does not exist in default VPC '{vpc_id}'"
            )
        return (row[0], row[1], row[2])

    def _target(
        self,
        conn: Connection,
        params: dict[str, Any],
        *,
        egress: bool = False,
        delete: bool = False,
    ) -> tuple[str, str, str]:
        """The group a write names, its row locked for the write: by GroupId, else by
        GroupName in the default VPC (the validator has seen to it that there is one, and
        that an egress request has an id)."""
        lock = self._sql.lock_delete if delete else self._sql.lock_change
        group_id = params.get("GroupId")
        if group_id is not None:
            return self._group_by_id(conn, group_id, lock)
        _check(not egress, "egress GroupId")
        return self._group_by_name(conn, params["GroupName"], lock)

    def _tags(self, operation: str, params: dict[str, Any]) -> dict[str, str]:
        """The tags of the request's TagSpecifications (each of the operation's resource type)."""
        tags: dict[str, str] = {}
        for spec in params.get("TagSpecifications") or ():
            _check(spec["ResourceType"] == TAGGABLE[operation], "tag resource type")
            for tag in spec.get("Tags") or ():
                tags[tag.get("Key", "")] = tag.get("Value", "")
        return tags

    def _create(self, conn: Connection, params: dict[str, Any]) -> dict[str, Any]:
        name, text = params["GroupName"], params["Description"]
        vpc_id = params.get("VpcId")
        _check(type(name) is str and type(text) is str and type(vpc_id) in (str, type(None)),
               "CreateSecurityGroup's text")  # fmt: skip
        if vpc_id:
            self._ensure_vpc(conn, vpc_id, default=vpc_id == self.default_vpc_id)
        else:
            vpc_id = self._default_vpc(conn, by_name=False)
        self._check_group_quota(conn, vpc_id)
        group_id = self._insert_group(conn, vpc_id, name, text)
        self._insert_rule(conn, group_id, True, Want("-1", -1, -1, "cidr4", "0.0.0.0/0", None, 0))
        tags = self._tags("CreateSecurityGroup", params)
        conn.executemany(self._sql.upsert_group_tag, [(group_id, k, v) for k, v in tags.items()])
        result: dict[str, Any] = {
            "GroupId": group_id,
            "SecurityGroupArn": arn(self.region, self.account_id, f"security-group/{group_id}"),
        }
        if tags:
            result["Tags"] = [{"Key": k, "Value": v} for k, v in tags.items()]
        return result

    def _check_group_quota(self, conn: Connection, vpc_id: str) -> None:
        """EC2's quota of ``group_limit`` groups a VPC (AWS's default 2500, "VPC security
        groups per Region"), its default group counted (inferred). The VPC's row is
        locked for it, so that two creates cannot both take the last place."""
        conn.execute(_VPC_ROW + self._sql.lock_change, (vpc_id,))
        count = conn.execute("SELECT COUNT(*) FROM sg WHERE vpc_id = ?", (vpc_id,)).fetchone()[0]
        if count >= self.group_limit:
            raise RequestError("SecurityGroupLimitExceeded", "The maximum number of security "
                               f"groups for VPC '{vpc_id}' has been reached.")

    def _delete(self, conn: Connection, params: dict[str, Any]) -> dict[str, Any]:
        group_id, _, name = self._target(conn, params, delete=True)
        if name == _DEFAULT_NAME:
            raise RequestError(
                "CannotDelete",
                f'the specified group: "{group_id}" name: "default" cannot be deleted by a user',
            )
        if _exists(
            conn,
            "SELECT 1 FROM rule WHERE kind = 'group' AND peer = ? AND group_id != ?",
            (group_id, group_id),
        ):
            raise RequestError("DependencyViolation", f"resource {group_id} has a dependent object")
        conn.execute("DELETE FROM rule WHERE group_id = ?", (group_id,))  # tags go with them
        conn.execute("DELETE FROM sg_tag WHERE group_id = ?", (group_id,))
        conn.execute("DELETE FROM sg WHERE group_id = ?", (group_id,))
        return {"Return": True, "GroupId": group_id}

    # ------------------------------------------------------------------ describe

    def _describe(self, conn: Connection, params: dict[str, Any]) -> dict[str, Any]:
        rows = conn.execute(
            "SELECT seq, group_id, vpc_id, name, description FROM sg ORDER BY seq"
        ).fetchall()
        by_id = {row[1]: row for row in rows}
        wanted: set[str] | None = None
        if params.get("GroupIds"):
            wanted = set()
            for group_id in params["GroupIds"]:
                if group_id not in by_id:
                    raise not_found(group_id, "sg")
                wanted.add(group_id)
        if params.get("GroupNames"):
            wanted = wanted if wanted is not None else set()
            for name in params["GroupNames"]:
                wanted.add(self._group_by_name(conn, name)[0])
        start = decode_token(params["NextToken"]) if params.get("NextToken") else 0
        selected = [r for r in rows if r[0] > start and (wanted is None or r[1] in wanted)]
        if not selected:
            return {"SecurityGroups": []}
        names = {row[1]: row[3] for row in rows}
        filters = list(params.get("Filters") or ())
        limit = params.get("MaxResults")
        groups: list[dict[str, Any]] = []
        next_token = None
        last_seq = start
        for seq, group_id, vpc_id, name, text, rules, tags in _with_rules(conn, selected):
            group = self._group_dict(group_id, vpc_id, name, text, rules)
            if tags:
                group["Tags"] = tags
            if filters and not matches(group, filters, names):
                continue
            if limit is not None and len(groups) >= limit:
                next_token = encode_token(last_seq)
                break
            groups.append(group)
            last_seq = seq
        result: dict[str, Any] = {"SecurityGroups": groups}
        if next_token is not None:
            result["NextToken"] = next_token
        return result

    def _group_dict(
        self, group_id: str, vpc_id: str, name: str, text: str, rules: Iterable[Rule]
    ) -> dict[str, Any]:
        ingress = [r for r in rules if not r.egress]
        egress = [r for r in rules if r.egress]
        return {
            "GroupId": group_id,
            "GroupName": name,
            "Description": text,
            "OwnerId": self.account_id,
            "VpcId": vpc_id,
            "SecurityGroupArn": arn(self.region, self.account_id, f"security-group/{group_id}"),
            "IpPermissions": group_permissions(ingress, self.account_id),
            "IpPermissionsEgress": group_permissions(egress, self.account_id),
        }

    # ------------------------------------------------------------------ rules

    def _wants(self, conn: Connection, params: dict[str, Any], vpc_id: str) -> list[Want]:
        """Every rule the request's IpPermissions name, canonical, in request order.

        The values are the validator's, so the grammar's canonical forms are asserted, not
        judged. Two refusals need the backend's state: a rule without a protocol (the
        legacy source-group form, which EC2-Classic read as full access) cannot be had by
        a VPC group, and every group here is one; and a source group named twice, once by
        id and once by name, is one rule twice only once both are found.
        """
        wants: list[Want] = []
        seen: set[tuple[str, int, int, str, str]] = set()
        for index, permission in enumerate(params.get("IpPermissions") or ()):
            given = permission.get("IpProtocol")
            if given is None:
                raise refusal("protocol-required")
            canonical = canonical_protocol(given)
            _check(canonical is not None, "IpProtocol")
            protocol = str(canonical)
            from_port, to_port = canonical_ports(
                protocol, permission.get("FromPort"), permission.get("ToPort")
            )
            _check(_port_range(from_port) and _port_range(to_port), "ports")
            # In this order: IPv4 ranges, IPv6 ranges, prefix lists, groups (each only if given).
            sources: list[tuple[str, str, Any, tuple[str | None, str | None]]] = []
            for item in permission.get("IpRanges") or ():
                sources.append(("cidr4", _cidr(canonical_ipv4, item["CidrIp"]), item, _LOCAL))
            for item in permission.get("Ipv6Ranges") or ():
                sources.append(("cidr6", _cidr(canonical_ipv6, item["CidrIpv6"]), item, _LOCAL))
            for item in permission.get("PrefixListIds") or ():
                _check(PREFIX_LIST_ID.fullmatch(item["PrefixListId"]), "PrefixListId")
                sources.append(("pl", item["PrefixListId"], item, _LOCAL))
            for item in permission.get("UserIdGroupPairs") or ():
                group_id, across = self._source_group(conn, item, vpc_id)
                sources.append(("group", group_id, item, across))
            _check(sources, "source")
            for kind, peer, item, (peering, peer_vpc) in sources:
                key = (protocol, from_port, to_port, kind, peer)
                if key in seen:
                    raise refusal("same-permission-twice")
                seen.add(key)
                wants.append(
                    Want(*key, item.get("Description") or None, index, peering, peer_vpc)
                )
        return wants

    def _source_group(
        self, conn: Connection, pair: dict[str, Any], vpc_id: str
    ) -> tuple[str, tuple[str | None, str | None]]:
        """The group id a UserIdGroupPair references and (peering id, the group's
        VPC) for a reference across VPCs: the group must exist, and be in the target's VPC
        unless the pair names a ``VpcPeeringConnectionId`` (taken as given, and kept)."""
        lock = self._sql.lock_reference  # the source outlives this write (DeleteSecurityGroup)
        if pair.get("GroupId") is not None:
            group_id, source_vpc, _ = self._group_by_id(conn, pair["GroupId"], lock)
        else:
            name, default = pair["GroupName"], self.default_vpc_id or "none"
            row = conn.execute(_GROUP_BY_NAME + lock, (default, name)).fetchone()
            if row is None:
                raise _group_not_found(
                    f"The security group '{name}' does not exist in default VPC '{default}'"
                )
            group_id, source_vpc = row[0], row[1]
        if source_vpc == vpc_id:  # a peering named for a group of the same VPC is not kept
            return group_id, _LOCAL
        peering = pair.get("VpcPeeringConnectionId")
        if not peering:
            raise _group_not_found(
                "You have specified two resources that belong to different networks.")
        _check(type(peering) is str, "VpcPeeringConnectionId")
        return group_id, (peering, source_vpc)

    def _find(
        self, conn: Connection, group_id: str, egress: bool, want: Want
    ) -> Rule | None:
        row = conn.execute(_FIND_RULE, (group_id, int(egress), *want.key)).fetchone()
        return None if row is None else Rule._make(row)

    def _authorize(
        self, conn: Connection, params: dict[str, Any], *, egress: bool
    ) -> dict[str, Any]:
        group_id, vpc_id, _ = self._target(conn, params, egress=egress)
        wants = self._wants(conn, params, vpc_id)
        # The primary key is the rule's value: an insert that breaks it is a duplicate, and
        # raising rolls back the rules inserted before it. The quota is judged afterwards,
        # so a duplicate is reported before a quota breach (EC2's order is not documented).
        rules = [self._insert_rule(conn, group_id, egress, want) for want in wants]
        self._check_limit(conn, group_id, egress, wants)
        tags = self._tags(
            "AuthorizeSecurityGroupEgress" if egress else "AuthorizeSecurityGroupIngress", params
        )
        if tags:
            conn.executemany(
                self._sql.upsert_rule_tag,
                [(rule.rule_id, k, v) for rule in rules for k, v in tags.items()],
            )
        return {
            "Return": True,
            "SecurityGroupRules": [
                security_group_rule(rule, account_id=self.account_id, region=self.region, tags=tags)
                for rule in rules
            ],
        }

    def _check_limit(
        self, conn: Connection, group_id: str, egress: bool, wants: list[Want]
    ) -> None:
        """EC2's per-group quota: ``rule_limit`` IPv4 and ``rule_limit`` IPv6 rules per direction.

        Judged once ``wants`` are inserted. Group and prefix-list references count
        in both families, as EC2 enforces the quota "separately for IPv4 rules and
        IPv6 rules" (docs/backend.md).
        """
        if not wants:
            return
        v4, v6 = conn.execute(
            "SELECT coalesce(sum(CASE WHEN kind != 'cidr6' THEN 1 ELSE 0 END), 0),"
            " coalesce(sum(CASE WHEN kind != 'cidr4' THEN 1 ELSE 0 END), 0)"
            " FROM rule WHERE group_id = ? AND egress = ?",
            (group_id, int(egress)),
        ).fetchone()
        if v4 > self.rule_limit or v6 > self.rule_limit:
            raise RequestError(
                "RulesPerSecurityGroupLimitExceeded",
                "The maximum number of rules per security group has been reached.",
            )

    def _revoke(
        self, conn: Connection, params: dict[str, Any], *, egress: bool
    ) -> dict[str, Any]:
        group_id, vpc_id, _ = self._target(conn, params, egress=egress)
        revoked: dict[str, Rule] = {}
        for rule_id in params.get("SecurityGroupRuleIds") or ():
            row = conn.execute(_RULE_BY_ID, (rule_id, group_id, int(egress))).fetchone()
            if row is None:
                raise RequestError(
                    "InvalidSecurityGroupRuleId.NotFound",
                    f"The security group rule ID '{rule_id}' does not exist",
                )
            revoked[rule_id] = Rule._make(row)
        by_id = list(revoked)
        unknown: dict[int, list[Want]] = {}
        for want in self._wants(conn, params, vpc_id):
            # Found and deleted (one statement if it can be); an error below rolls it back.
            key = (group_id, int(egress), *want.key)
            if self._returning:
                rows = conn.execute(_DELETE_RULE, key).fetchall()
            else:
                rows = conn.execute(_FIND_RULE, key).fetchall()
                if rows:
                    conn.execute("DELETE FROM rule WHERE rule_id = ?", (rows[0][0],))
            if not rows:
                unknown.setdefault(want.index, []).append(want)
            else:  # the key is the primary key: one row at most
                revoked.setdefault(rows[0][0], Rule._make(rows[0]))
        if unknown and vpc_id != self.default_vpc_id:
            raise RequestError("InvalidPermission.NotFound", _NOT_FOUND_RULE)
        if by_id:  # each rule's tags go with it (SQLite's trigger, PostgreSQL's cascade)
            conn.executemany("DELETE FROM rule WHERE rule_id = ?", [(i,) for i in by_id])
        result: dict[str, Any] = {"Return": True}
        if unknown:
            result["UnknownIpPermissions"] = [
                unknown_permission(wants, self.account_id) for wants in unknown.values()
            ]
        result["RevokedSecurityGroupRules"] = [revoked_rule(rule) for rule in revoked.values()]
        return result

    # ------------------------------------------------------------------ rules by id

    def _describe_rules(self, conn: Connection, params: dict[str, Any]) -> dict[str, Any]:
        """DescribeSecurityGroupRules: every rule, in creation order, as ``SecurityGroupRule``.

        ``SecurityGroupRuleIds`` must all exist; the filters are ``group-id``,
        ``security-group-rule-id``, ``tag:KEY`` and ``tag-key`` (botocore's list), each
        matching any of its values; ``NextToken`` is the position after a page.
        """
        # Only the rules asked for are read where the request names them (by id, or by a
        # group-id filter, a key prefix), not every rule and tag of the database.
        ids = params.get("SecurityGroupRuleIds")
        groups = _filtered_groups(params.get("Filters") or ())
        if ids:
            wanted = list(dict.fromkeys(ids))
            ranked = list(_rows_among(conn, _RANKED_RULE, "rule_id", wanted))
            found = {row[1] for row in ranked}
            for rule_id in wanted:  # the first the request names that is not there
                if rule_id not in found:
                    raise not_found(rule_id, "sgr")
        elif groups is not None:
            ranked = list(_rows_among(conn, _RANKED_RULE, "group_id", sorted(groups)))
        else:
            ranked = conn.execute(_RANKED_RULE).fetchall()
        ranked.sort(key=lambda row: (row[0], row[1]))  # creation order: seq, then rule id
        rows = [Rule._make(row[1:]) for row in ranked]
        tags: dict[str, dict[str, str]] = {}
        tag_rows = (_rows_among(conn, _SELECT_RULE_TAGS, "rule_id", [r.rule_id for r in rows])
                    if ids or groups is not None else conn.execute(_SELECT_RULE_TAGS))
        for rule_id, key, value in tag_rows:
            tags.setdefault(rule_id, {})[key] = value
        for spec in params.get("Filters") or ():
            name, values = spec.get("Name", ""), set(spec.get("Values") or ())
            rows = [rule for rule in rows if _rule_matches(rule, tags.get(rule.rule_id, {}),
                                                           name, values)]
        shown, token = page(rows, params)
        result: dict[str, Any] = {"SecurityGroupRules": [
            security_group_rule(rule, account_id=self.account_id, region=self.region,
                                tags=tags.get(rule.rule_id, {}))
            for rule in shown
        ]}
        if token is not None:
            result["NextToken"] = token
        return result

    def _modify_rules(self, conn: Connection, params: dict[str, Any]) -> dict[str, Any]:
        """ModifySecurityGroupRules: each named rule of the group takes the new value in
        place (its id, direction, type and tags stay); another type of source, or a
        duplicate of another rule, is refused. A rule keeps its type, so the quota's
        counts stay as they were."""
        group_id, vpc_id, _ = self._group_by_id(conn, params["GroupId"], self._sql.lock_change)
        for update in params["SecurityGroupRules"]:
            rule_id = update["SecurityGroupRuleId"]
            row = conn.execute(
                _SELECT_RULE + " WHERE rule_id = ? AND group_id = ?", (rule_id, group_id)
            ).fetchone()
            if row is None:
                raise not_found(rule_id, "sgr")
            old = Rule._make(row)
            permission = rule_request_permission(update.get("SecurityGroupRule") or {})
            pairs = permission.get("UserIdGroupPairs")
            if old.peering and pairs and pairs[0].get("GroupId") == old.peer:
                # SecurityGroupRuleRequest has no peering member: the same group keeps it
                pairs[0]["VpcPeeringConnectionId"] = old.peering
            wants = self._wants(conn, {"IpPermissions": [permission]}, vpc_id)
            _check(len(wants) == 1, "one source")  # the validator's modify-rule-* rows
            want = wants[0]
            if want.kind != old.kind:
                raise RequestError("InvalidParameterValue", rule_type_message(old.kind, want.kind))
            found = self._find(conn, group_id, bool(old.egress), want)
            if found is not None and found.rule_id != rule_id:
                raise RequestError(
                    "InvalidPermission.Duplicate",
                    duplicate_message(want.protocol, want.from_port, want.to_port, want.peer),
                )
            conn.execute(
                "UPDATE rule SET protocol = ?, from_port = ?, to_port = ?, peer = ?,"
                " description = ?, peering = ?, peer_vpc = ? WHERE rule_id = ?",
                (want.protocol, want.from_port, want.to_port, want.peer,
                 want.description, want.peering, want.peer_vpc, rule_id),
            )
        return {"Return": True}

    def _update_descriptions(
        self, conn: Connection, params: dict[str, Any], *, egress: bool
    ) -> dict[str, Any]:
        """UpdateSecurityGroupRuleDescriptions*: each rule named by value (``IpPermissions``,
        each source's ``Description``, none to clear it) or by id
        (``SecurityGroupRuleDescriptions``) takes the new description; a rule that does not
        exist in the group's direction refuses the whole request."""
        group_id, vpc_id, _ = self._target(conn, params)
        for want in self._wants(conn, params, vpc_id):
            rule = self._find(conn, group_id, egress, want)
            if rule is None:
                raise RequestError("InvalidPermission.NotFound", _NOT_FOUND_RULE)
            conn.execute("UPDATE rule SET description = ? WHERE rule_id = ?",
                         (want.description, rule.rule_id))
        for item in params.get("SecurityGroupRuleDescriptions") or ():
            rule_id = item["SecurityGroupRuleId"]
            if conn.execute(_RULE_BY_ID, (rule_id, group_id, int(egress))).fetchone() is None:
                raise not_found(rule_id, "sgr")
            conn.execute("UPDATE rule SET description = ? WHERE rule_id = ?",
                         (item.get("Description") or None, rule_id))
        return {"Return": True}


def _with_rules(conn: Connection, groups: list[Any]) -> Iterator[tuple[Any, ...]]:
    """Each group row with its rules (creation order) and tags (key order), read for a
    batch of groups at a time as the batch is reached (a key prefix of their tables), in
    the describe's one snapshot: a page, or one group by id, reads its own. Every rule
    of the database was read for any describe (one group's took 1.5 s among 240k), and
    two statements a group would be thousands of round trips to a distant server."""
    for start in range(0, len(groups), _GROUP_BATCH):
        batch = groups[start:start + _GROUP_BATCH]
        ids = [row[1] for row in batch]
        rules: dict[str, list[Rule]] = {}
        for row in _rows_among(conn, _SELECT_RULE, "group_id", ids, "ORDER BY seq, rule_id"):
            rules.setdefault(row[1], []).append(Rule._make(row))
        tags: dict[str, list[dict[str, str]]] = {}
        for group_id, key, value in _rows_among(conn, _SELECT_TAGS, "group_id", ids,
                                                "ORDER BY group_id, key"):
            tags.setdefault(group_id, []).append({"Key": key, "Value": value})
        for row in batch:
            yield (*row, rules.get(row[1], []), tags.get(row[1], []))


def _rows_among(conn: Connection, select: str, column: str, keys: list[str],
                order: str = "") -> Iterator[Any]:
    """The rows of ``select`` whose ``column`` is one of ``keys`` (a key prefix of its
    table), :data:`_GROUP_BATCH` keys a statement: one statement a key would be thousands
    of round trips to a distant server. ``order`` orders each batch's rows."""
    for start in range(0, len(keys), _GROUP_BATCH):
        batch = keys[start:start + _GROUP_BATCH]
        marks = ", ".join("?" * len(batch))  # placeholders only
        yield from conn.execute(f"{select} WHERE {column} IN ({marks}) {order}", batch)


def _filtered_groups(filters: Iterable[dict[str, Any]]) -> set[str] | None:
    """The groups every ``group-id`` filter allows (each allows any of its values), or
    None when no filter names groups."""
    groups: set[str] | None = None
    for spec in filters:
        if spec.get("Name") == "group-id":
            values = set(spec.get("Values") or ())
            groups = values if groups is None else groups & values
    return groups


def _rule_matches(rule: Rule, tags: dict[str, str], name: str, values: set[str]) -> bool:
    """One DescribeSecurityGroupRules filter; a name it does not know matches nothing."""
    if name == "group-id":
        return rule.group_id in values
    if name == "security-group-rule-id":
        return rule.rule_id in values
    if name == "tag-key":
        return not values.isdisjoint(tags)
    if name.startswith("tag:"):
        return tags.get(name[4:]) in values
    return False


#: Every open Backend, to be told of a fork in the child (os.register_at_fork).
_BACKENDS: weakref.WeakSet[Backend] = weakref.WeakSet()


def _after_fork_in_child() -> None:
    for backend in list(_BACKENDS):
        backend._forked()


if hasattr(os, "register_at_fork"):  # POSIX; elsewhere there is no fork to notice
    os.register_at_fork(after_in_child=_after_fork_in_child)


def _schema_version(conn: Connection, dialect: Dialect) -> str | None:
    """``meta.schema`` of the database, or None when it has no tables yet."""
    if not _exists(conn, dialect.has_table, ("meta",)):
        return None
    row = conn.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
    return None if row is None else str(row[0])


def _migrate(conn: Connection, dialect: Dialect, version: str) -> None:
    """Bring a database of an older schema up to :data:`SCHEMA_VERSION`, in place.

    Schema 1 (SQLite) keyed ``rule`` by ``peer`` first, so counting or deleting
    a group's rules read the whole table: its table is renamed aside, the
    schema's own statements make the current one (and the trigger), and the
    rows are copied. Schema 2 had no ``peering`` and ``peer_vpc``: they are
    added, NULL (no peering recorded for the rules it holds).
    """
    if version == "1":
        conn.execute("DROP TRIGGER IF EXISTS rule_tag_follows_rule")
        conn.execute("ALTER TABLE rule RENAME TO rule_schema_1")
        for statement in SQLITE.schema:
            conn.execute(statement)
        columns = _SCHEMA_1_COLUMNS
        conn.execute(f"INSERT INTO rule ({columns}) SELECT {columns} FROM rule_schema_1")  # noqa: S608
        conn.execute("DROP TABLE rule_schema_1")
    else:
        for column in ("peering", "peer_vpc"):
            conn.execute(f"ALTER TABLE rule ADD COLUMN {column} {dialect.text_type}")
    conn.execute("UPDATE meta SET value = ? WHERE key = 'schema'", (SCHEMA_VERSION,))


_SCHEMA_1_COLUMNS = (
    "rule_id, group_id, egress, protocol, from_port, to_port, kind, peer, description, seq"
)


def _port_range(value: Any) -> bool:
    """A port, ICMP type or code as the validator passes it: an int from -1 to 65535."""
    return type(value) is int and -1 <= value <= PORT_MAX


def _cidr(canonical: Callable[[str], str | None], text: str) -> str:
    """The canonical form of a CIDR the validator passed (it judged it by the same grammar)."""
    value = canonical(text)
    _check(value is not None, "CIDR")
    return value  # type: ignore[return-value]


def _exists(conn: Connection, sql: str, args: tuple[Any, ...]) -> bool:
    return conn.execute(sql, args).fetchone() is not None


def _switch_to_wal(conn: sqlite3.Connection, deadline: float) -> None:
    """``journal_mode = WAL``, waiting for another connection's lock until ``deadline``
    (monotonic): SQLite does not call the busy handler for it, so two processes making
    a new database at once had one fail at once, "database is locked"."""
    while True:
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() >= deadline:
                raise
            time.sleep(0.01)


def _unusable(path: str, exc: StorageError) -> StorageError:
    """A database that could not be set up, as the file and its trouble (EC2's texts say
    only "internal error" or "overloaded")."""
    if isinstance(exc, DatabaseFileError):
        return exc
    cause = exc.__cause__
    if exc.code == "Unavailable":
        return DatabaseFileError(path, "is locked by another process")
    if isinstance(cause, sqlite3.Error):
        return DatabaseFileError(path, f"cannot be used: {cause}")
    return DatabaseFileError(path, exc.message)


def _unavailable(exc: sqlite3.Error) -> StorageError:
    """A storage failure as EC2 reports its own trouble: 503 when busy, 500 otherwise."""
    if isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc):
        return StorageError("Unavailable", OVERLOADED)
    return StorageError("InternalError", BACKEND_INTERNAL)
