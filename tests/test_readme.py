"""The README's copy-paste commands stay true: CI runs the test command verbatim."""

from __future__ import annotations

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


def test_readme_main_job_prints_the_canonical_params_of_the_api_reference_example():
    main_job = _commands()[0]
    convert = main_job.split("&& ", 1)[1]
    assert convert.startswith("ec2query convert")
    # Run the installed entry point's module, as the shell would run the script.
    args = re.findall(r"'[^']*'|\S+", convert)[1:]
    result = subprocess.run(
        [sys.executable, "-m", "ec2query.console", *[a.strip("'") for a in args]],
        capture_output=True,
        text=True,
        check=True,
    )
    import json

    assert json.loads(result.stdout) == {
        "GroupName": "websrv",
        "IpProtocol": "tcp",
        "FromPort": 80,
        "ToPort": 80,
        "CidrIp": "205.192.0.0/16",
    }
