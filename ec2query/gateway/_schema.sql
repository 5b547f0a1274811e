-- The embedded backend's tables (ec2query/gateway/backend.py); docs/backend.md explains them.
-- Every statement is idempotent: Backend runs this script once per open, inside BEGIN IMMEDIATE,
-- then upgrades a database made by an older schema (backend._migrate).
-- Rules are stored canonically (CIDR host bits cleared, protocol names lower-case, 6/17/1/58
-- as tcp/udp/icmp/icmpv6, ports -1/-1 where the protocol has none), so that duplicate
-- detection and revoke-by-value are one lookup of rule's primary key.

CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
INSERT OR IGNORE INTO meta (key, value) VALUES ('schema', '3');  -- backend.SCHEMA_VERSION

CREATE TABLE IF NOT EXISTS vpc (
    vpc_id     TEXT PRIMARY KEY,
    is_default INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS sg (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,   -- creation order: describe order and paging key
    group_id    TEXT NOT NULL UNIQUE,
    vpc_id      TEXT NOT NULL,
    name        TEXT NOT NULL,
    description TEXT NOT NULL,
    UNIQUE (vpc_id, name)
);

CREATE TABLE IF NOT EXISTS sg_tag (
    group_id TEXT NOT NULL,
    key      TEXT NOT NULL,
    value    TEXT NOT NULL,
    PRIMARY KEY (group_id, key)
) WITHOUT ROWID;

-- Keyed by the group, the direction and the rule's value, so that one B-tree serves
-- duplicate detection and revoke-by-value (the whole key), the quota count and
-- DeleteSecurityGroup (a key prefix: the group's rules, not the whole table); with the
-- rule_id index that is two pages written per authorize or revoke. Every extra index (or
-- AUTOINCREMENT's sqlite_sequence) is one more page per commit, so the rare
-- DependencyViolation check (who references a group) scans instead. (A partial index
-- would be worse still: SQLite re-prepares every statement binding its column.)
-- Schema 1 led with "peer"; backend._migrate rebuilds such a table. Schema 2 had no
-- peering and peer_vpc; backend._migrate adds them (NULL: no peering recorded).
CREATE TABLE IF NOT EXISTS rule (
    group_id    TEXT NOT NULL,
    egress      INTEGER NOT NULL,                    -- 0 ingress, 1 egress
    peer        TEXT NOT NULL,                       -- canonical CIDR, pl-..., or sg-...
    protocol    TEXT NOT NULL,                       -- tcp | udp | icmp | icmpv6 | -1 | 0..255
    from_port   INTEGER NOT NULL,
    to_port     INTEGER NOT NULL,
    kind        TEXT NOT NULL,                       -- cidr4 | cidr6 | pl | group
    rule_id     TEXT NOT NULL UNIQUE,
    description TEXT,
    seq         INTEGER NOT NULL,                    -- creation time in ns: describe order
    peering     TEXT,                                -- pcx-... of a reference across VPCs
    peer_vpc    TEXT,                                -- and the referenced group's VPC
    PRIMARY KEY (group_id, egress, protocol, from_port, to_port, kind, peer)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS rule_tag (
    rule_id TEXT NOT NULL,
    key     TEXT NOT NULL,
    value   TEXT NOT NULL,
    PRIMARY KEY (rule_id, key)
) WITHOUT ROWID;

-- A rule's tags go with it, inside SQLite: a revoke or delete needs no statement of its own
-- for them (most rules have no tags, and each statement costs a round trip).
CREATE TRIGGER IF NOT EXISTS rule_tag_follows_rule AFTER DELETE ON rule
BEGIN
    DELETE FROM rule_tag WHERE rule_id = old.rule_id;
END;
