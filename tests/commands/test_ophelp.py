"""``ec2query <operation> help``: every option described, the required ones marked as
botocore's model requires them, and the validator's combination rules told."""

from __future__ import annotations

import re

import botocore.session
import pytest

from ec2query._codec.cliargs import option_name
from ec2query._commands.ophelp import MEMBER_HELP, RULE_HELP, usage
from ec2query._model import all_operations
from ec2query._rules import RULES

MODEL = botocore.session.get_session().get_service_model("ec2")


def test_every_member_of_every_operation_and_version_is_described() -> None:
    for op in all_operations():
        for version in op.versions:
            for member in op.input(version).members:
                assert MEMBER_HELP.get(member.name), (op.name, member.name)


def test_every_rule_that_binds_options_together_is_told() -> None:
    names = {rule.name for rule in RULES}
    assert set(RULE_HELP) <= names
    binding = {rule.name for rule in RULES
               if rule.code in ("MissingParameter", "InvalidParameterCombination")}
    assert binding <= set(RULE_HELP)


@pytest.mark.parametrize("op", all_operations(), ids=lambda op: op.cli_name)
def test_the_required_marks_are_botocores(op) -> None:
    text = usage(op.name)
    marked = set(re.findall(r"^  --([a-z-]+) .*\(required\)$", text, re.M))
    required = MODEL.operation_model(op.name).input_shape.required_members
    assert marked == {option_name(name) for name in required}


def test_ingress_help_says_what_may_not_be_combined() -> None:
    text = usage("authorize-security-group-ingress")
    assert "--cidr-ip may not be combined with" in text
    assert "name the group: --group-id or --group-name" in text
    assert re.search(r"^  --group-id STRING +the security group, by ID", text, re.M)
    assert "--max-results may not be combined with --group-ids" in usage(
        "describe-security-groups")
