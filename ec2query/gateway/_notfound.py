"""EC2's answer for an id that names nothing: the not-found error of the id's type.

One table for the backend and the tag operations. The texts of ``sg`` and ``sgr`` are
the ones the backend has always answered with (REAL: InvalidGroup.NotFound's text, and
InvalidSecurityGroupRuleId.NotFound's from the API reference's error list); of the other
types, InvalidInstanceID.NotFound (boto#3227 and others) and InvalidVpcID.NotFound
(terraform-aws-consul#29, aws-load-balancer-controller#1188) are REAL, the rest are
inferred from that pattern. An id of a type with no entry is ``InvalidID`` (inferred).
"""

from __future__ import annotations

from .._errors import RequestError

__all__ = ["not_found"]

#: Id prefix -> EC2's not-found error for a well-formed id of that type.
_NOT_FOUND = {
    "sg": ("InvalidGroup.NotFound", "The security group '{id}' does not exist"),
    "sgr": ("InvalidSecurityGroupRuleId.NotFound",
            "The security group rule ID '{id}' does not exist"),
    "i": ("InvalidInstanceID.NotFound", "The instance ID '{id}' does not exist"),
    "vpc": ("InvalidVpcID.NotFound", "The vpc ID '{id}' does not exist"),
    "subnet": ("InvalidSubnetID.NotFound", "The subnet ID '{id}' does not exist"),
    "vol": ("InvalidVolume.NotFound", "The volume '{id}' does not exist."),
    "snap": ("InvalidSnapshot.NotFound", "The snapshot '{id}' does not exist."),
    "ami": ("InvalidAMIID.NotFound", "The image id '[{id}]' does not exist"),
    "eni": ("InvalidNetworkInterfaceID.NotFound", "The networkInterface ID '{id}' does not exist"),
}


def not_found(resource_id: str, kind: str | None = None) -> RequestError:
    """The not-found error for ``resource_id``, of type ``kind`` (``"sg"``, ``"sgr"``, ...;
    by default the id's own prefix)."""
    code, text = _NOT_FOUND.get(kind or resource_id.rpartition("-")[0],
                                ("InvalidID", "The ID '{id}' is not valid"))
    return RequestError(code, text.format(id=resource_id))
