-- The embedded backend's tables (ec2query/gateway/backend.py); docs/backend.md explains them.
-- Every statement is idempotent: Backend runs this script once per open, inside BEGIN IMMEDIATE.
-- Rules are stored canonically (CIDR host bits cleared, protocol names lower-case, 6/17/1/58
-- as tcp/udp/icmp/icmpv6, ports -1/-1 where the protocol has none), so that duplicate
-- detection and revoke-by-value are one lookup in the UNIQUE index "rule_value".

CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
INSERT OR IGNORE INTO meta (key, value) VALUES ('schema', '1');

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

-- Keyed by the rule's value, "peer" first, so that one B-tree serves duplicate detection,
-- revoke-by-value and DeleteSecurityGroup's DependencyViolation check ("peer" = the group);
-- with the rule_id index that is two pages written per authorize or revoke. Every extra
-- index (or AUTOINCREMENT's sqlite_sequence) is one more page per commit. (A partial index
-- would be worse still: SQLite re-prepares every statement binding its column.)
CREATE TABLE IF NOT EXISTS rule (
    peer        TEXT NOT NULL,                       -- canonical CIDR, pl-..., or sg-...
    group_id    TEXT NOT NULL,
    egress      INTEGER NOT NULL,                    -- 0 ingress, 1 egress
    protocol    TEXT NOT NULL,                       -- tcp | udp | icmp | icmpv6 | -1 | 0..255
    from_port   INTEGER NOT NULL,
    to_port     INTEGER NOT NULL,
    kind        TEXT NOT NULL,                       -- cidr4 | cidr6 | pl | group
    rule_id     TEXT NOT NULL UNIQUE,
    description TEXT,
    seq         INTEGER NOT NULL,                    -- creation time in ns: describe order
    PRIMARY KEY (peer, group_id, egress, protocol, from_port, to_port, kind)
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
