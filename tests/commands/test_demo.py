"""``ec2query demo`` runs the seed example for real through the embedded gateway."""

from __future__ import annotations

import json
import re

import pytest

from ec2query._console import main


@pytest.mark.parametrize("signature", ["v4", "v4-query", "v2"])
def test_demo_creates_authorizes_and_revokes_the_seed_rule(capsys, signature):
    assert main(["demo", "--signature", signature]) == 0
    out = capsys.readouterr().out
    answers = [json.loads(block) for block in re.findall(r"\n(\{.*?\n\})", out, re.S)]
    created, authorized, before, revoked, after = answers
    assert created["GroupId"].startswith("sg-")
    [rule] = authorized["SecurityGroupRules"]
    assert (rule["IpProtocol"], rule["FromPort"], rule["ToPort"], rule["CidrIpv4"]) == (
        "tcp",
        22,
        22,
        "203.0.113.0/24",
    )
    assert before["SecurityGroups"][0]["IpPermissions"][0]["IpRanges"] == [
        {"CidrIp": "203.0.113.0/24"}
    ]
    assert revoked["Return"] is True and "UnknownIpPermissions" not in revoked
    assert after["SecurityGroups"][0]["IpPermissions"] == []
