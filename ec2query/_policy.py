"""Guardrail policies: security-group changes an operator forbids, judged before they happen.

Sans-I/O but for reading the policy file: :func:`load_policy` reads a TOML
file into a :class:`Policy`; :meth:`Policy.violations` judges one validated
request (canonical params, any API version, nested or flat) and lists every
:class:`Violation`; :meth:`Policy.refusal` turns them into the
``UnauthorizedOperation`` error EC2 answers, whose encoded message
:func:`decode_message` reads back. The rule types themselves are one table,
``_policy_rules.RULE_TYPES``. ``docs/policy.md`` is the user's page.

The policy reads the request the way the backend does: ``normalize`` folds
legacy flat members into ``IpPermissions``, the grammar's canonicalizers give
protocols (``6`` is ``tcp``), CIDRs (host bits cleared) and port ranges.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import sys
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ._codec.forms import normalize, rule_request_permission
from ._errors import PolicyError, PolicyFileError, UsageError
from ._model import operation as operation_model
from ._policy_rules import (
    ACCESS,
    COUNT,
    RULE_TYPES,
    Change,
    Source,
    current_permission,
    permissions_of,
)

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib  # type: ignore[import-not-found]

__all__ = [
    "JUDGED",
    "Policy",
    "Rule",
    "Violation",
    "check_request",
    "decode_message",
    "encode_message",
    "load_policy",
    "parse_policy",
    "violation_errors",
]

#: The operations a policy judges, and the direction each changes. Revokes are
#: never refused: removing access is always allowed.
JUDGED: dict[str, str | None] = {
    "AuthorizeSecurityGroupIngress": "ingress",
    "AuthorizeSecurityGroupEgress": "egress",
    "ModifySecurityGroupRules": None,  # each rule's own direction (``current_rules``)
    "UpdateSecurityGroupRuleDescriptionsIngress": "ingress",
    "UpdateSecurityGroupRuleDescriptionsEgress": "egress",
}
_NOT_DESCRIPTIONS = frozenset({ACCESS, COUNT})
#: Operations that change descriptions only: judged by the rules that judge descriptions.
_DESCRIPTIONS_ONLY = frozenset(
    {"UpdateSecurityGroupRuleDescriptionsIngress", "UpdateSecurityGroupRuleDescriptionsEgress"})

#: EC2's text for UnauthorizedOperation with an encoded message (as the EC2 API and
#: STS DecodeAuthorizationMessage documentation and real EC2 answers word it, e.g. the
#: DisassociateAddress answer quoted in ClusterLabs/resource-agents#1794).
REFUSAL_TEXT = (
    "You are not authorized to perform this operation. Encoded authorization failure message: "
)
#: At most this many violations travel in one encoded message (the audit line has all).
MESSAGE_VIOLATIONS = 10

_COMMON_KEYS = frozenset({"type", "id", "groups", "accounts", "message"})
_TOP_KEYS = frozenset({"rule", "world_ipv4_prefix", "world_ipv6_prefix"})
_RULE_HEADER = re.compile(r"\s*\[\[\s*rule\s*\]\]")
_TABLE_HEADER = re.compile(r"\s*\[")
_TOML_POSITION = re.compile(r"\(at line (\d+), column (\d+)\)")


@dataclass(frozen=True)
class Rule:
    """One ``[[rule]]`` of a policy file, its parameters read and defaulted."""

    id: str
    type: str
    line: int
    params: Mapping[str, Any]
    groups: frozenset[str] = frozenset()
    accounts: frozenset[str] = frozenset()
    message: str | None = None

    def applies(
        self, params: Mapping[str, Any], identity: set[str], aliases: Iterable[str]
    ) -> bool:
        """Whether the rule governs this request's group and caller.

        ``identity`` is the caller's access key and account id as far as known; a
        rule scoped to ``accounts`` applies when nothing is known (offline), so that
        an offline check errs on the side of reporting.
        """
        if self.groups:
            named = {str(params[k]) for k in ("GroupId", "GroupName") if params.get(k)}
            if self.groups.isdisjoint(named.union(aliases)):
                return False
        return not (self.accounts and identity and self.accounts.isdisjoint(identity))


@dataclass(frozen=True)
class Violation:
    """A rule a request breaks: which rule, the permission and the source that break it."""

    rule: str  # the rule's id
    type: str
    line: int  # the line of its [[rule]] in the policy file
    message: str
    operation: str
    direction: str
    permission: Mapping[str, Any] | None  # canonical, cut down to ``source``
    source: str | None  # the canonical CIDR, group or prefix list

    def as_dict(self) -> dict[str, Any]:
        """The violation as the encoded message, the audit line and ``validate`` show it."""
        return {
            "rule": self.rule,
            "type": self.type,
            "line": self.line,
            "message": self.message,
            "operation": self.operation,
            "direction": self.direction,
            "permission": None if self.permission is None else dict(self.permission),
            "source": self.source,
        }

    def __str__(self) -> str:
        where = f" (source {self.source})" if self.source is not None else ""
        return f"{self.rule} [{self.type}, policy line {self.line}]: {self.message}{where}"


@dataclass(frozen=True)
class _Asked:
    """The request being judged: its operation, params and what is known of its caller
    (access key, account id) and of its group (its other names)."""

    name: str
    params: Mapping[str, Any]
    identity: set[str]
    aliases: tuple[str, ...]


class Policy:
    """A loaded policy: its rules, and how wide a CIDR must be to count as "the world"."""

    def __init__(
        self,
        rules: Iterable[Rule],
        *,
        path: str = "<policy>",
        world_ipv4_prefix: int = 0,
        world_ipv6_prefix: int = 0,
    ) -> None:
        self.rules = tuple(rules)
        self.path = path
        self.world_ipv4_prefix = world_ipv4_prefix
        self.world_ipv6_prefix = world_ipv6_prefix

    def __repr__(self) -> str:
        return f"Policy({self.path!r}, {len(self.rules)} rules)"

    @property
    def needs_rule_count(self) -> bool:
        """Whether a rule needs the group's current rule count (``max-rules-per-group``)."""
        return any(rule.type == "max-rules-per-group" for rule in self.rules)

    @property
    def needs_group_aliases(self) -> bool:
        """Whether a rule is scoped to ``groups`` (and so gains from the group's id and name)."""
        return any(rule.groups for rule in self.rules)

    def judges(self, operation: str) -> bool:
        """Whether requests of ``operation`` (API or CLI name) are judged at all."""
        return operation_model(operation).name in JUDGED

    def is_world(self, source: Source) -> bool:
        """``0.0.0.0/0`` and ``::/0``, or any CIDR at least as wide as the configured prefix."""
        if source.kind == "cidr4":
            limit = self.world_ipv4_prefix
        elif source.kind == "cidr6":
            limit = self.world_ipv6_prefix
        else:
            return False
        _, _, bits = source.value.rpartition("/")
        return bits.isdigit() and int(bits) <= limit

    def violations(
        self,
        operation: str,
        params: Mapping[str, Any],
        *,
        access_key: str | None = None,
        account_id: str | None = None,
        group_rule_count: int | None = None,
        group_aliases: Iterable[str] = (),
        current_rules: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> list[Violation]:
        """Every violation of this policy in one validated request, in rule order.

        ``group_rule_count``: the rules the target group has now in the request's
        direction (``None``: unknown; ``max-rules-per-group`` then judges the request
        alone). ``group_aliases``: other names of the target group (its id when the
        request names it by name, and the reverse), for rules scoped to ``groups``.
        ``current_rules``: for ModifySecurityGroupRules, the rules it names as they are
        now, by id, as DescribeSecurityGroupRules gives them. A rule among them is judged
        in its direction, and the access rules pass it when it grants no more than it
        does now; a rule not among them is judged in both directions (each violation
        reported once) as a rule that grants everything anew.
        """
        name = operation_model(operation).name
        if name not in JUDGED:
            return []
        asked = _Asked(name, params, {value for value in (access_key, account_id) if value},
                       tuple(group_aliases))
        direction = JUDGED[name]
        if name in _DESCRIPTIONS_ONLY and direction is not None:
            return self._judge_descriptions(asked, direction)
        if direction is not None:
            change = Change(direction, permissions_of(normalize(name, params)),
                            group_rule_count, self.is_world)
            return self._judge(asked, change)
        return self._judge_modify(asked, current_rules or {})

    def _judge_modify(
        self, asked: _Asked, current_rules: Mapping[str, Mapping[str, Any]]
    ) -> list[Violation]:
        """ModifySecurityGroupRules: each new rule, in its rule's direction (both when the
        rule is unknown), the access rules skipped when it grants nothing new."""
        found = []
        for update in asked.params.get("SecurityGroupRules") or ():
            new = permissions_of(
                {"IpPermissions": [rule_request_permission(update.get("SecurityGroupRule") or {})]})
            now = current_rules.get(update.get("SecurityGroupRuleId", ""))
            skip = {COUNT}  # a modify replaces a rule, it never adds one
            if now is None:
                sides: tuple[str, ...] = ("ingress", "egress")
            else:
                sides = ("egress",) if now.get("IsEgress") else ("ingress",)
                if new[0].within(current_permission(now)):
                    skip.add(ACCESS)  # it grants nothing the rule does not grant already
            seen: set[tuple[str, str | None, str]] = set()
            for side in sides:
                change = Change(side, new, None, self.is_world)
                for violation in self._judge(asked, change, skip=frozenset(skip)):
                    key = (violation.rule, violation.source, violation.message)
                    if key not in seen:  # a rule judging both sides reports the rule once
                        seen.add(key)
                        found.append(violation)
        return found

    def _judge_descriptions(self, asked: _Asked, direction: str) -> list[Violation]:
        """UpdateSecurityGroupRuleDescriptions*: the descriptions it sets, by value (its
        ``IpPermissions``, judged as an authorize's) and by rule id, whose violation names
        the rule id as its source (the rule's permission is not in the request)."""
        name = asked.name
        change = Change(direction, permissions_of(normalize(name, asked.params)), None,
                        self.is_world)
        found = self._judge(asked, change, skip=_NOT_DESCRIPTIONS)
        for item in asked.params.get("SecurityGroupRuleDescriptions") or ():
            if (item.get("Description") or "").strip():
                continue
            rule_id = str(item.get("SecurityGroupRuleId", ""))
            for rule in self._governing(asked, direction, _NOT_DESCRIPTIONS):
                found.append(Violation(
                    rule=rule.id, type=rule.type, line=rule.line,
                    message=rule.message or f"the rule {rule_id} has no description",
                    operation=name, direction=direction, permission=None, source=rule_id))
        return found

    def _judge(
        self, asked: _Asked, change: Change, *, skip: frozenset[str] = frozenset()
    ) -> list[Violation]:
        """The violations of one change (one direction's permissions), in rule order."""
        direction = change.direction
        found = []
        for rule in self._governing(asked, direction, skip):
            for index, source, text in RULE_TYPES[rule.type].check(rule.params, change):
                permission = None if index is None else change.permissions[index]
                found.append(
                    Violation(
                        rule=rule.id,
                        type=rule.type,
                        line=rule.line,
                        message=rule.message or text,
                        operation=asked.name,
                        direction=direction,
                        permission=None if permission is None else permission.as_params(source),
                        source=None if source is None else source.value,
                    )
                )
        return found

    def _governing(self, asked: _Asked, direction: str, skip: frozenset[str]) -> Iterator[Rule]:
        """The rules that judge this direction of this request, but those of ``skip``."""
        for rule in self.rules:
            kind = RULE_TYPES[rule.type]
            if (kind.judges not in skip and direction in kind.directions
                    and rule.applies(asked.params, asked.identity, asked.aliases)):
                yield rule

    def refusal(self, violations: list[Violation], *, request_id: str | None = None) -> PolicyError:
        """EC2's ``UnauthorizedOperation`` for these violations, the encoded message inside."""
        error = PolicyError(
            "UnauthorizedOperation",
            REFUSAL_TEXT + encode_message(violations, request_id=request_id),
            request_id=request_id,
        )
        error.violations = tuple(violations)
        return error


def check_request(
    policy: Policy | str | Path,
    operation: str,
    params: Mapping[str, Any],
    *,
    access_key: str | None = None,
    account_id: str | None = None,
    group_rule_count: int | None = None,
    current_rules: Mapping[str, Mapping[str, Any]] | None = None,
) -> list[Violation]:
    """Offline: every violation of ``policy`` (a Policy or a file's path) in one request.

    The request is validated first (the policy judges only requests EC2 would
    accept: an invalid one raises EC2's first ``RequestError``). Without
    ``group_rule_count``, ``max-rules-per-group`` judges the request alone; without
    ``current_rules`` (DescribeSecurityGroupRules' items by id), a modified rule is
    judged as wholly new, in both directions (:meth:`Policy.violations`).
    """
    from ._validate import validate

    if not isinstance(policy, Policy):
        policy = load_policy(policy)
    validate(operation, dict(params))
    return policy.violations(
        operation,
        params,
        access_key=access_key,
        account_id=account_id,
        group_rule_count=group_rule_count,
        current_rules=current_rules,
    )


def violation_errors(violations: Iterable[Violation]) -> list[PolicyError]:
    """One ``UnauthorizedOperation`` per violation, its text the violation's (for listing)."""
    errors = []
    for violation in violations:
        error = PolicyError("UnauthorizedOperation", str(violation))
        error.violations = (violation,)
        errors.append(error)
    return errors


# --------------------------------------------------------------------------- the encoded message


def encode_message(violations: list[Violation], *, request_id: str | None = None) -> str:
    """Base64url (no padding) of compact JSON: ``{"allowed": false, "violations": [...]}``.

    Not encrypted and not signed: it tells the refused caller what the policy
    found, as STS's decoded message does, and is no evidence by itself (the
    audit trail is). Padding is left out so the text is one token in logs.
    """
    shown = violations[:MESSAGE_VIOLATIONS]
    document: dict[str, Any] = {
        "allowed": False,
        "requestId": request_id,
        "violations": [v.as_dict() for v in shown],
    }
    if len(violations) > len(shown):
        document["more"] = len(violations) - len(shown)
    text = json.dumps(document, separators=(",", ":"), sort_keys=True)
    return base64.urlsafe_b64encode(text.encode("utf-8")).decode("ascii").rstrip("=")


def decode_message(message: str) -> dict[str, Any]:
    """The document :func:`encode_message` made; accepts EC2's whole error text too."""
    text = message.strip()
    if "message: " in text:
        text = text.rsplit("message: ", 1)[1].strip()
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        document = json.loads(raw.decode("utf-8"))
    except (binascii.Error, ValueError, RecursionError):  # json recurses once a level
        raise UsageError("Not an encoded authorization failure message of ec2query") from None
    if not isinstance(document, dict) or "violations" not in document:
        raise UsageError("Not an encoded authorization failure message of ec2query")
    return document


# --------------------------------------------------------------------------- loading


def load_policy(path: str | Path) -> Policy:
    """Read and check a policy file; :class:`PolicyFileError` names the file, line, problem."""
    name = str(path)
    try:
        with open(path, "rb") as stream:  # an endless one (/dev/zero): no more than the bound
            data = stream.read(MAX_POLICY_BYTES + 1)
    except OSError as exc:
        raise _file_error(name, None, f"cannot read the file ({exc.strerror})") from None
    if len(data) > MAX_POLICY_BYTES:
        raise _file_error(name, None, f"larger than {MAX_POLICY_BYTES} bytes")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise _file_error(name, None, "the file is not UTF-8 text") from None
    return parse_policy(text, path=name)


#: The largest policy file read: rules, not data (a megabyte of TOML takes tomllib about
#: a second and a hundred megabytes).
MAX_POLICY_BYTES = 1024 * 1024
#: The most dots a line may hold outside strings and comments: a key, a table header or
#: an inline table's keys are one line each, and tomllib's time grows as the square of
#: their depth (8,000 parts: 0.3-1.3 s; 200,000 parts, 400 KB of text: over two minutes).
#: A policy's keys have one part; its values are whole numbers and strings.
MAX_LINE_DOTS = 64


def _crowded_line(text: str) -> int | None:
    """The first line holding more than ``MAX_LINE_DOTS`` dots outside TOML's strings and
    comments, or None: one pass, multi-line strings followed across lines."""
    line, dots, state, i, size = 1, 0, "", 0, len(text)
    while i < size:
        char = text[i]
        if char == "\n":
            if dots > MAX_LINE_DOTS:
                return line
            line, dots = line + 1, 0
            if state in ('"', "'", "#"):  # a one-line string (or a comment) ends here
                state = ""
        elif state == "":
            if char == ".":
                dots += 1
            elif char == "#":
                state = "#"
            elif char in "\"'":
                state = char * 3 if text.startswith(char * 3, i) else char
                i += len(state) - 1
        elif state in ('"', '"""') and char == "\\":
            i += 1  # the escaped character, whatever it is (a newline: counted below)
            if i < size and text[i] == "\n":
                continue
        elif state in ('"', "'") and char == state:
            state = ""
        elif state in ('"""', "'''") and text.startswith(state, i):
            end = i + 3  # it ends with the run's last three quotes: TOML lets a string end
            while end < size and text[end] == state[0]:  # with one or two quotes of its
                end += 1  # own ('"""x""""' is 'x"')
            state, i = "", end - 1
        i += 1
    return line if dots > MAX_LINE_DOTS else None


def parse_policy(text: str, *, path: str = "<policy>") -> Policy:
    """A policy from TOML text (``path`` names it in errors)."""
    crowded = _crowded_line(text)
    if crowded is not None:
        raise _file_error(path, crowded, f"more than {MAX_LINE_DOTS} dots outside strings "
                          "(a key, a table header or an inline table this deep)")
    try:
        document = tomllib.loads(text)
    except RecursionError:  # an array or inline table nested a thousand deep
        raise _file_error(path, None, "not valid TOML: nested too deeply") from None
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        match = _TOML_POSITION.search(message)
        line = int(match.group(1)) if match else None
        problem = _TOML_POSITION.sub("", message).strip()
        if match:
            problem += f" (column {match.group(2)})"
        elif "(at end of document)" in problem:
            line = max(1, len(text.splitlines()))
            problem = problem.replace("(at end of document)", "(at the end of the file)")
        raise _file_error(path, line, f"not valid TOML: {problem}") from None
    lines = text.splitlines()
    for key in document:
        if key not in _TOP_KEYS:
            raise _file_error(
                path,
                _key_line(lines, 0, key),
                f"unknown setting {key!r} (expected [[rule]], "
                "world_ipv4_prefix, world_ipv6_prefix)",
            )
    prefixes = {}
    for key, most in (("world_ipv4_prefix", 32), ("world_ipv6_prefix", 128)):
        value = document.get(key, 0)
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= most:
            raise _file_error(
                path, _key_line(lines, 0, key), f"{key} must be a prefix length 0-{most}"
            )
        prefixes[key] = value
    tables = document.get("rule", [])
    if not isinstance(tables, list):
        single = [n for n, line in enumerate(lines, 1) if re.match(r"\s*\[\s*rule\s*\]", line)]
        line = single[0] if single else _key_line(lines, 0, "rule")
        raise _file_error(path, line, "rules are written [[rule]] (an array of tables)")
    headers = [n for n, line in enumerate(lines, 1) if _RULE_HEADER.match(line)]
    rules = []
    seen: dict[str, int] = {}
    for index, table in enumerate(tables):
        start = headers[index] if index < len(headers) else 1
        rule = _read_rule(path, lines, start, index + 1, table)
        if rule.id in seen:
            raise _file_error(
                path, start, f"rule id {rule.id!r} is used twice (first on line {seen[rule.id]})"
            )
        seen[rule.id] = start
        rules.append(rule)
    return Policy(rules, path=path, **prefixes)


def _read_rule(path: str, lines: list[str], start: int, number: int, table: Any) -> Rule:
    where = f"rule {number}"

    def fail(problem: str, key: str | None = None) -> PolicyFileError:
        line = _key_line(lines, start, key) if key else start
        return _file_error(path, line, f"{where}: {problem}")

    if not isinstance(table, dict):
        raise fail("expected a table of settings")
    kind_name = table.get("type")
    if kind_name is None:
        raise fail("has no type (one of " + ", ".join(RULE_TYPES) + ")")
    kind = RULE_TYPES.get(kind_name) if isinstance(kind_name, str) else None
    if kind is None:
        raise fail(f"unknown type {kind_name!r} (one of " + ", ".join(RULE_TYPES) + ")", "type")
    where = f"rule {number} ({kind.name})"
    for key in table:
        if key not in _COMMON_KEYS and key not in kind.params:
            allowed = sorted(_COMMON_KEYS | set(kind.params))
            raise fail(f"unknown setting {key!r} (allowed: {', '.join(allowed)})", key)
    for key in sorted(kind.required):
        if key not in table:
            raise fail(f"{key} is required")
    params = dict(kind.defaults)
    for key, reader in kind.params.items():
        if key in table:
            try:
                params[key] = reader(table[key])
            except ValueError as exc:
                raise fail(f"{key} {exc}", key) from None
    scopes = {}
    for key in ("groups", "accounts"):
        value = table.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise fail(f"{key} must be a list of strings", key)
        if key in table and not value:
            raise fail(f"{key} is empty: the rule would apply to nothing", key)
        scopes[key] = frozenset(value)
    message = table.get("message")
    if message is not None and (not isinstance(message, str) or not message.strip()):
        raise fail("message must be a non-empty string", "message")
    rule_id = table.get("id", f"{kind.name}#{number}")
    if not isinstance(rule_id, str) or not rule_id:
        raise fail("id must be a non-empty string", "id")
    return Rule(
        id=rule_id,
        type=kind.name,
        line=start,
        params=params,
        groups=scopes["groups"],
        accounts=scopes["accounts"],
        message=message,
    )


def _key_line(lines: list[str], start: int, key: str | None) -> int | None:
    """The line (1-based) of ``key = ...`` in the table that begins on line ``start``
    (0: the top of the file), else the table's own line."""
    if key is None:
        return start or None
    name = rf"(?:{re.escape(key)}|\"{re.escape(key)}\")"
    pattern = re.compile(rf"\s*{name}\s*=")
    subtable = re.compile(rf"\s*\[\s*rule\s*\.\s*{name}\s*\]")  # [rule.KEY] below [[rule]]
    for number in range(start + 1, len(lines) + 1):
        line = lines[number - 1]
        if start and subtable.match(line):
            return number
        if _TABLE_HEADER.match(line):
            break
        if pattern.match(line):
            return number
    return start or None


def _file_error(path: str, line: int | None, problem: str) -> PolicyFileError:
    where = f"{path}, line {line}" if line else path
    error = PolicyFileError(f"{where}: {problem}")
    error.path, error.line = path, line
    return error
