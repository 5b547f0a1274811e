"""DescribeSecurityGroupReferences and DescribeStaleSecurityGroups: references across VPCs.

Both operations exist to report what a VPC peering connection carries. The backend has one
account and records no peering connection of its own: a rule may still reference a group of
another of the account's VPCs when the request names a ``VpcPeeringConnectionId``, which
the backend takes as given and keeps with the rule. So:

- a group's references are the other VPCs holding a rule that references it, once per VPC
  and peering connection, with the connection's id (none for a rule stored by schema 2,
  which did not keep it);
- no rule is ever stale: a referenced group cannot be deleted (``DependencyViolation``,
  whichever VPC the rule is in) and no peering connection exists to be deleted, so a VPC's
  stale groups are always none.
"""

from __future__ import annotations

from typing import Any

from ._describe import decode_token
from ._dialect import Connection
from ._notfound import not_found

__all__ = ["describe_references", "describe_stale"]

_GROUP_VPC = "SELECT vpc_id FROM sg WHERE group_id = ?"
# The VPCs, other than the group's own, with a rule referencing the group (a scan of rule, as
# DeleteSecurityGroup's dependency check: no index on peer, docs/backend.md).
_REFERENCING_VPCS = (
    "SELECT DISTINCT sg.vpc_id, coalesce(rule.peering, '') FROM rule"  # '': none recorded
    " JOIN sg ON sg.group_id = rule.group_id"
    " WHERE rule.kind = 'group' AND rule.peer = ? AND sg.vpc_id != ? ORDER BY 1, 2"
)


def describe_references(conn: Connection, params: dict[str, Any]) -> dict[str, Any]:
    """The VPCs referencing each group named, in request order; every group must exist
    (``InvalidGroup.NotFound``, DescribeSecurityGroups' text; inferred for this operation)."""
    references: list[dict[str, str]] = []
    for group_id in dict.fromkeys(params["GroupId"]):
        row = conn.execute(_GROUP_VPC, (group_id,)).fetchone()
        if row is None:
            raise not_found(group_id, "sg")
        for vpc_id, peering in conn.execute(_REFERENCING_VPCS, (group_id, row[0])):
            reference = {"GroupId": group_id, "ReferencingVpcId": vpc_id}
            if peering:
                reference["VpcPeeringConnectionId"] = peering
            references.append(reference)
    return {"SecurityGroupReferenceSet": references}


def describe_stale(conn: Connection, params: dict[str, Any]) -> dict[str, Any]:
    """No stale group in a VPC the backend has; ``InvalidVpcID.NotFound`` for another (REAL
    text: terraform-aws-consul#29, aws-load-balancer-controller#1188). A ``NextToken`` is
    read as any page's (``InvalidPaginationToken`` when it is not one of ours)."""
    vpc_id = params["VpcId"]
    if conn.execute("SELECT 1 FROM vpc WHERE vpc_id = ?", (vpc_id,)).fetchone() is None:
        raise not_found(vpc_id, "vpc")
    if params.get("NextToken"):
        decode_token(params["NextToken"])
    return {"StaleSecurityGroupSet": []}
