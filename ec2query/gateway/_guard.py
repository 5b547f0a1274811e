"""The policy at the gateway: judge each validated change, write the audit line, refuse.

The gateway calls a :class:`Guard` once per request, after ``validate`` and
before the DryRun check, so ``DryRun=true`` answers the policy's verdict too
and a refused request reaches neither the backend nor the upstream. The guard
asks the backend (when there is one) for what the request alone cannot tell:
the target group's current rule count and its other name; in forwarding mode
it judges the request alone (docs/policy.md).

Audit: one JSON line per decision on a judged operation, to a file (appended),
to standard error (``"-"``), to any object with ``write``, or to a callable.
"""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .._errors import EC2Error
from .._policy import Policy, Violation, load_policy

__all__ = ["Guard", "audit_sink"]

Sink = Callable[[str], None]
_SOURCE_LISTS = ("IpRanges", "Ipv6Ranges", "UserIdGroupPairs", "PrefixListIds")


def audit_sink(target: Any) -> Sink | None:
    """A writer of one line from ``None`` (no audit), ``"-"`` (stderr), a path, a stream,
    or a callable taking the line."""
    if target is None:
        return None
    if callable(target) and not hasattr(target, "write"):
        return target  # type: ignore[no-any-return]
    lock = threading.Lock()
    if not hasattr(target, "write") and str(target) != "-":
        path = Path(target)
        path.open("a", encoding="utf-8").close()  # refuse an unwritable path at start

        def append(line: str) -> None:
            # opened per line: no handle for the app to leak, and rotation-safe
            with lock, path.open("a", encoding="utf-8") as out:
                out.write(line + "\n")

        return append
    stream = target if hasattr(target, "write") else None

    def write(line: str) -> None:
        out = stream if stream is not None else sys.stderr  # stderr as it is now
        with lock:
            out.write(line + "\n")
            out.flush()

    return write


class Guard:
    """One policy, the backend it may ask about groups (or none), and the audit sink."""

    def __init__(
        self,
        policy: Policy,
        *,
        backend: Any = None,
        audit: Sink | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.policy = policy
        self.backend = backend
        self.audit = audit
        self.clock = clock or (lambda: datetime.now(timezone.utc))

    @classmethod
    def build(cls, policy: Any, *, backend: Any = None, audit_log: Any = None) -> Guard:
        """A guard from a :class:`Policy` or the path of a policy file."""
        if not isinstance(policy, Policy):
            policy = load_policy(policy)
        return cls(policy, backend=backend, audit=audit_sink(audit_log))

    def __call__(
        self,
        operation: str,
        params: Mapping[str, Any],
        *,
        access_key: str | None,
        request_id: str,
    ) -> None:
        """Nothing when the policy allows the change; raises its ``PolicyError`` otherwise."""
        if not self.policy.judges(operation):
            return
        count, aliases = self._group_state(operation, params)
        found = self.policy.violations(
            operation,
            params,
            access_key=access_key,
            account_id=getattr(self.backend, "account_id", None),
            group_rule_count=count,
            group_aliases=aliases,
            rule_directions=self._rule_directions(operation, params),
        )
        if self.audit is not None:
            self.audit(self._audit_line(operation, params, access_key, request_id, found))
        if found:
            raise self.policy.refusal(found, request_id=request_id)

    def _rule_directions(self, operation: str, params: Mapping[str, Any]) -> dict[str, str]:
        """For ModifySecurityGroupRules, each named rule's direction, from the backend's
        DescribeSecurityGroupRules; empty without a backend or when a rule is not found
        (the policy then judges the rule as both directions; the backend refuses it)."""
        updates = params.get("SecurityGroupRules") or ()
        if self.backend is None or not updates:
            return {}
        ids = [update["SecurityGroupRuleId"] for update in updates]
        try:
            rules = self.backend.handle(
                "DescribeSecurityGroupRules", {"SecurityGroupRuleIds": ids})["SecurityGroupRules"]
        except EC2Error:
            return {}
        return {r["SecurityGroupRuleId"]: "egress" if r["IsEgress"] else "ingress" for r in rules}

    def _group_state(
        self, operation: str, params: Mapping[str, Any]
    ) -> tuple[int | None, tuple[str, ...]]:
        """The group's rule count in the request's direction and its id and name, from the
        backend's DescribeSecurityGroups; ``(None, ())`` without a backend or a group."""
        policy = self.policy
        if self.backend is None or not (policy.needs_rule_count or policy.needs_group_aliases):
            return None, ()
        if params.get("GroupId"):
            query = {"GroupIds": [params["GroupId"]]}
        elif params.get("GroupName"):
            query = {"GroupNames": [params["GroupName"]]}
        else:
            return None, ()
        try:
            groups = self.backend.handle("DescribeSecurityGroups", query)["SecurityGroups"]
        except EC2Error:  # no such group: the backend will say so when the change is made
            return None, ()
        if len(groups) != 1:
            return None, ()
        group = groups[0]
        key = "IpPermissionsEgress" if operation.endswith("Egress") else "IpPermissions"
        count = sum(
            len(permission.get(name) or ())
            for permission in group.get(key) or ()
            for name in _SOURCE_LISTS
        )
        return count, (group.get("GroupId", ""), group.get("GroupName", ""))

    def _audit_line(
        self,
        operation: str,
        params: Mapping[str, Any],
        access_key: str | None,
        request_id: str,
        found: list[Violation],
    ) -> str:
        record = {
            "time": self.clock().astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "requestId": request_id,
            "accessKey": access_key,
            "operation": operation,
            "group": params.get("GroupId") or params.get("GroupName"),
            "dryRun": bool(params.get("DryRun")),
            "decision": "refused" if found else "allowed",
            "rules": sorted({v.rule for v in found}),
            "violations": [v.as_dict() for v in found],
        }
        return json.dumps(record, separators=(",", ":"))
