"""The policy at the gateway: judge each validated change, write the audit line, refuse.

The gateway calls a :class:`Guard` once per request, after ``validate`` and
before the DryRun check, so ``DryRun=true`` answers the policy's verdict too
and a refused request reaches neither the backend nor the upstream. The guard
asks what the request alone cannot tell of whoever holds the groups (the
embedded backend, or the upstream endpoint in forwarding mode, through a
``reader`` that answers a read-only operation): the target group's current
rule count and its other name, and the rules a ModifySecurityGroupRules
replaces (docs/policy.md).

Audit: one JSON line per decision on a judged operation, to a file (appended),
to standard error (``"-"``), to any object with ``write``, or to a callable
(``_lines``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from typing import Any

from .._errors import EC2Error
from .._policy import Policy, Violation, load_policy
from ._lines import Sink, line_sink

__all__ = ["Guard"]

#: Answers a read-only operation (DescribeSecurityGroups, DescribeSecurityGroupRules) with
#: its result as ``Backend.handle`` gives it; raises EC2Error.
Reader = Callable[[str, dict[str, Any]], Mapping[str, Any]]
_SOURCE_LISTS = ("IpRanges", "Ipv6Ranges", "UserIdGroupPairs", "PrefixListIds")


class Guard:
    """One policy, the reader it asks about groups and rules (or none), the account id of
    the groups' owner when known, and the audit sink."""

    def __init__(
        self,
        policy: Policy,
        *,
        reader: Reader | None = None,
        account_id: str | None = None,
        audit: Sink | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.policy = policy
        self.reader = reader
        self.account_id = account_id
        self.audit = audit
        self.clock = clock or (lambda: datetime.now(timezone.utc))

    @classmethod
    def build(
        cls,
        policy: Any,
        *,
        reader: Reader | None = None,
        account_id: str | None = None,
        audit_log: Any = None,
    ) -> Guard:
        """A guard from a :class:`Policy` or the path of a policy file."""
        if not isinstance(policy, Policy):
            policy = load_policy(policy)
        return cls(policy, reader=reader, account_id=account_id, audit=line_sink(audit_log))

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
            account_id=self.account_id,
            group_rule_count=count,
            group_aliases=aliases,
            current_rules=self._current_rules(params),
        )
        if self.audit is not None:
            self.audit(self._audit_line(operation, params, access_key, request_id, found))
        if found:
            raise self.policy.refusal(found, request_id=request_id)

    def _current_rules(self, params: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
        """For ModifySecurityGroupRules, the rules it names as they are now, by id, from
        DescribeSecurityGroupRules; a rule of another group does not count. Empty without
        a reader or when the read fails (a rule that does not exist: the change is then
        refused by its owner), and the policy judges each rule as wholly new."""
        updates = params.get("SecurityGroupRules") or ()
        if self.reader is None or not updates:
            return {}
        ids = [update["SecurityGroupRuleId"] for update in updates]
        try:
            rules = self.reader("DescribeSecurityGroupRules",
                                {"SecurityGroupRuleIds": ids})["SecurityGroupRules"]
        except EC2Error:
            return {}
        return {rule["SecurityGroupRuleId"]: rule for rule in rules
                if rule.get("GroupId") == params.get("GroupId")}

    def _group_state(
        self, operation: str, params: Mapping[str, Any]
    ) -> tuple[int | None, tuple[str, ...]]:
        """The group's rule count in the request's direction and its id and name, from the
        reader's DescribeSecurityGroups; ``(None, ())`` without a reader or a group."""
        policy = self.policy
        if self.reader is None or not (policy.needs_rule_count or policy.needs_group_aliases):
            return None, ()
        if params.get("GroupId"):
            query = {"GroupIds": [params["GroupId"]]}
        elif params.get("GroupName"):
            query = {"GroupNames": [params["GroupName"]]}
        else:
            return None, ()
        try:
            groups = self.reader("DescribeSecurityGroups", query)["SecurityGroups"]
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
