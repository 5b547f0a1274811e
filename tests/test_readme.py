"""The README's copy-paste commands stay true: CI runs the test command verbatim."""

from __future__ import annotations

import json
import re
import subprocess
import sys

from tests.conftest import REPO


def _commands() -> list[str]:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    return re.findall(r"```sh\n(.+?)\n```", readme)[:2]


def test_ci_runs_the_readme_test_command_verbatim():
    test_command = _commands()[1]
    assert test_command in (REPO / ".ci" / "run").read_text(encoding="utf-8")


def test_readme_main_job_runs_the_seed_example_through_the_embedded_gateway():
    main_job = _commands()[0]
    command = main_job.split("&& ", 1)[1]
    assert command == "ec2query demo"
    result = subprocess.run(
        [sys.executable, "-m", "ec2query._console", *command.split()[1:]],
        capture_output=True, text=True, check=True, timeout=120,
    )
    assert "$ RevokeSecurityGroupIngress" in result.stdout
    last_answer = json.loads(result.stdout[result.stdout.rindex("\n{") :])
    assert last_answer["SecurityGroups"][0]["GroupName"] == "MySecurityGroup"
    assert last_answer["SecurityGroups"][0]["IpPermissions"] == []
