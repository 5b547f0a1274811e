"""CreateTags, DeleteTags and DescribeTags over the backend's two tag tables.

The backend's resources are security groups (``sg_tag``) and their rules (``rule_tag``).
An id of any other resource type is answered as EC2 answers an id that does not exist
(``_notfound``: inferred, the backend holds no resource of those types, so none of them
exists).
"""

from __future__ import annotations

from typing import Any

from .._grammar import TAG_LIMIT
from .._validate import refusal
from ._describe import page
from ._dialect import Connection, Dialect
from ._notfound import not_found

__all__ = ["create_tags", "delete_tags", "describe_tags"]

#: Resource type -> (tag table, id column, the table of the resources, DescribeTags' type
#: name, the dialect's upsert of that tag table).
_TABLES = {
    "sg": ("sg_tag", "group_id", "sg", "security-group", "upsert_group_tag"),
    "sgr": ("rule_tag", "rule_id", "rule", "security-group-rule", "upsert_rule_tag"),
}

def _resources(
    sql: Dialect, conn: Connection, ids: list[str]
) -> list[tuple[str, str, str, str]]:
    """``(tag table, id column, id, upsert)`` of each resource, all of which must exist (none
    is changed otherwise: the first missing one in the request's order is the answer).

    Writers of a resource's tags are serialized, so that the tag limit holds and a
    group's delete waits for them, by the lock every writer takes first: the group's
    row (the dialect's ``lock_change``), here that of each named group and of each named
    rule's group, in id order. Every writer of a rule locks its group before the rule,
    so nothing here waits on a rule while holding one. Locked in the request's order,
    callers naming groups in other orders deadlocked (eight on PostgreSQL: 684 times, some
    calls 503), and so did rules locked in id order against a modify of them."""
    kinds = {resource_id: _TABLES.get(resource_id.rpartition("-")[0]) for resource_id in ids}
    rules = {resource_id for resource_id, kind in kinds.items()
             if kind is not None and kind[2] == "rule"}  # fmt: skip
    groups = {resource_id for resource_id, kind in kinds.items()
              if kind is not None and kind[2] == "sg"}  # fmt: skip
    for rule_id in sorted(rules):  # a rule's group, read without a lock: it never changes
        row = conn.execute("SELECT group_id FROM rule WHERE rule_id = ?", (rule_id,)).fetchone()
        if row is not None:
            groups.add(row[0])
    present = set()
    for group_id in sorted(groups):
        if conn.execute(
            "SELECT 1 FROM sg WHERE group_id = ?" + sql.lock_change,  # noqa: S608 - constants
            (group_id,),
        ).fetchone() is not None:
            present.add(group_id)
    for rule_id in rules:  # their groups locked: no writer can take one away now
        if conn.execute("SELECT 1 FROM rule WHERE rule_id = ?", (rule_id,)).fetchone():
            present.add(rule_id)
    found = []
    for resource_id in ids:
        kind = kinds[resource_id]
        if kind is None or resource_id not in present:
            raise not_found(resource_id)
        table, column, _, _, upsert = kind
        found.append((table, column, resource_id, getattr(sql, upsert)))
    return found


def create_tags(sql: Dialect, conn: Connection, params: dict[str, Any]) -> dict[str, Any]:
    """Add or overwrite each tag on each resource; at most ``TAG_LIMIT`` keys a resource."""
    tags = {tag.get("Key", ""): tag.get("Value", "") for tag in params["Tags"]}
    for table, column, resource_id, upsert in _resources(sql, conn, params["Resources"]):
        keys = {row[0] for row in conn.execute(
            f"SELECT key FROM {table} WHERE {column} = ?", (resource_id,))}  # noqa: S608
        if len(keys | tags.keys()) > TAG_LIMIT:
            raise refusal("tag-limit")
        conn.executemany(upsert, [(resource_id, key, value) for key, value in tags.items()])
    return {"Return": True}


def delete_tags(sql: Dialect, conn: Connection, params: dict[str, Any]) -> dict[str, Any]:
    """Remove tags: every tag without ``Tags``; a key alone whatever its value; a key and a
    value only where the value is that (the API reference's DeleteTags)."""
    given = params.get("Tags")
    for table, column, resource_id, _ in _resources(sql, conn, params["Resources"]):
        if not given:
            conn.execute(f"DELETE FROM {table} WHERE {column} = ?", (resource_id,))  # noqa: S608
            continue
        for tag in given:
            if "Value" in tag:
                conn.execute(
                    f"DELETE FROM {table} WHERE {column} = ? AND key = ? AND value = ?",  # noqa: S608
                    (resource_id, tag.get("Key", ""), tag["Value"]),
                )
            else:
                conn.execute(
                    f"DELETE FROM {table} WHERE {column} = ? AND key = ?",  # noqa: S608
                    (resource_id, tag.get("Key", "")),
                )
    return {"Return": True}


def describe_tags(sql: Dialect, conn: Connection, params: dict[str, Any]) -> dict[str, Any]:
    """Every tag, by resource id then key; the filters ``key``, ``resource-id``,
    ``resource-type``, ``tag:KEY`` and ``value`` (botocore's list), each matching any of
    its values; ``NextToken`` is the position after a page."""
    rows: list[dict[str, str]] = []
    for table, column, _, type_name, _ in _TABLES.values():
        rows += [
            {"Key": key, "ResourceId": rid, "ResourceType": type_name, "Value": value}
            for rid, key, value in conn.execute(
                f"SELECT {column}, key, value FROM {table}")  # noqa: S608
        ]
    rows.sort(key=lambda row: (row["ResourceId"], row["Key"]))
    for spec in params.get("Filters") or ():
        name, values = spec.get("Name", ""), set(spec.get("Values") or ())
        rows = [row for row in rows if _matches(row, name, values)]
    shown, token = page(rows, params)
    result: dict[str, Any] = {"Tags": list(shown)}
    if token is not None:
        result["NextToken"] = token
    return result


_FIELDS = {"key": "Key", "resource-id": "ResourceId", "resource-type": "ResourceType",
           "value": "Value"}


def _matches(row: dict[str, str], name: str, values: set[str]) -> bool:
    """One DescribeTags filter; a name it does not know matches nothing."""
    if name.startswith("tag:"):
        return row["Key"] == name[4:] and row["Value"] in values
    field = _FIELDS.get(name)
    return field is not None and row[field] in values
