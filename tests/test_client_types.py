"""The Client's typed methods: generated from the model (and regenerated here, so the two
cannot drift), visible to mypy with typed params and results, and named as botocore names
the operations."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import botocore
import botocore.session
import pytest

from ec2query import Client
from ec2query._model import all_operations
from ec2query._typegen import TARGET, render

REPO = Path(__file__).resolve().parents[1]


def test_the_generated_module_is_what_the_model_generates() -> None:
    assert TARGET.read_text(encoding="utf-8") == render(), (
        "ec2query/_client_types.py is stale: run python -m ec2query._typegen")


def test_every_operation_is_a_method_named_as_boto3_names_it() -> None:
    for op in all_operations():
        method = botocore.xform_name(op.name)
        assert getattr(Client, method).__qualname__ == f"Operations.{method}"


def test_the_typed_members_are_botocores() -> None:
    """Each request TypedDict has exactly the members of botocore's input shape (the flat
    legacy ones included), and each result's are botocore's output members."""
    from ec2query import _client_types

    model = botocore.session.get_session().get_service_model("ec2")
    for op in all_operations():
        botocore_op = model.operation_model(op.name)
        request = getattr(_client_types, op.input_name).__annotations__
        assert set(request) - {"UserId"} == set(botocore_op.input_shape.members), op.name
        result = set(getattr(_client_types, op.output_name).__annotations__)
        theirs = botocore_op.output_shape  # None: CreateTags, DeleteTags (no output)
        assert result - {"ResponseMetadata"} <= set(theirs.members if theirs else ()), op.name


SNIPPET = textwrap.dedent("""\
    from ec2query import Client

    client = Client(endpoint_url="http://127.0.0.1:1", region="us-east-1")
    groups = client.describe_security_groups(GroupIds=["sg-1"])["SecurityGroups"]
    reveal_type(groups[0]["IpPermissions"][0]["FromPort"])
    reveal_type(client.revoke_security_group_ingress(GroupId="sg-1")["Return"])
    reveal_type(client.create_security_group(GroupName="a", Description="b")
                ["ResponseMetadata"]["HTTPStatusCode"])
    client.describe_security_groups(GroupIds=["sg-1"])["SecurityGroup"]
    client.describe_security_groups(GroupId=["sg-1"])
    client.authorize_security_group_egress(IpPermissions=[])
    client.describe_security_groups(MaxResults="5")
    """)


def test_mypy_knows_the_methods_their_params_and_results(tmp_path: Path) -> None:
    snippet = tmp_path / "snippet.py"
    snippet.write_text(SNIPPET, encoding="utf-8")
    env = {**os.environ, "MYPYPATH": str(REPO)}
    run = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", str(REPO / "pyproject.toml"),
         "--cache-dir", str(tmp_path / "cache"), "--no-error-summary", snippet.name],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300, check=False)
    found = {int(line.split(":")[1]): line for line in run.stdout.splitlines()
             if line.startswith("snippet.py:")
             and (": error:" in line or "Revealed type" in line)}
    assert 'Revealed type is "int"' in found[5], run.stdout
    assert 'Revealed type is "bool"' in found[6], run.stdout
    assert 'Revealed type is "int"' in found[7], run.stdout
    assert 'has no key "SecurityGroup"' in found[9], run.stdout
    assert 'Unexpected keyword argument "GroupId"' in found[10], run.stdout
    assert 'Missing named argument "GroupId"' in found[11], run.stdout
    assert "incompatible type" in found[12], run.stdout
    assert sorted(found) == [5, 6, 7, 9, 10, 11, 12], run.stdout


@pytest.mark.parametrize("kwargs", [{"endpoint_url": "http://127.0.0.1:1"},
                                    {"endpoint": "http://127.0.0.1:1"}])
def test_endpoint_url_is_boto3s_spelling(kwargs: dict[str, str]) -> None:
    assert Client(region="us-east-1", **kwargs).endpoint == "http://127.0.0.1:1"
