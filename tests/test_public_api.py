"""The public surface of ec2query changes only on purpose (see DESIGN.md's Public API)."""

from __future__ import annotations

import inspect

import ec2query

DESIGN_NAMES = {
    "to_query",
    "encode_query",
    "from_query",
    "normalize",
    "flatten",
    "to_cli_args",
    "from_cli_args",
    "cli_skeleton",
    "validate",
    "render_response",
    "parse_response",
    "render_error",
    "EC2Error",
    "Credentials",
    "build_signed_request",
    "Client",
}
ERRORS = {
    "AuthError",
    "RequestError",
    "ResponseParseError",
    "ServiceError",
    "TransportError",
    "UsageError",
}


def test_exported_names_are_exactly_the_public_api():
    exported = {name for name in ec2query.__all__ if not name.startswith("_")}
    assert exported == DESIGN_NAMES | ERRORS | {"RawRequest", "auth"}
    for name in exported:
        assert getattr(ec2query, name) is not None


def test_the_design_signatures_hold():
    def params(function):
        return [(p.name, p.kind.name) for p in inspect.signature(function).parameters.values()]

    assert params(ec2query.to_query) == [
        ("operation_name", "POSITIONAL_OR_KEYWORD"),
        ("params", "POSITIONAL_OR_KEYWORD"),
        ("version", "KEYWORD_ONLY"),
    ]
    assert inspect.signature(ec2query.encode_query).parameters["version"].default == "2016-11-15"
    assert params(ec2query.from_query) == [("data", "POSITIONAL_OR_KEYWORD")]
    assert params(ec2query.validate)[1:] == [
        ("params", "POSITIONAL_OR_KEYWORD"),
        ("vpc", "KEYWORD_ONLY"),
    ]
    assert params(ec2query.render_error)[1] == ("request_id", "KEYWORD_ONLY")
    assert [n for n, k in params(ec2query.build_signed_request) if k == "KEYWORD_ONLY"][:6] == [
        "endpoint",
        "credentials",
        "region",
        "signature",
        "version",
        "timestamp",
    ]
    assert list(inspect.signature(ec2query.Client).parameters)[:5] == [
        "endpoint",
        "credentials",
        "region",
        "signature",
        "version",
    ]
    assert inspect.signature(ec2query.auth.SigV4Auth).parameters["service"].default == "ec2"
    from ec2query.gateway import make_app

    assert callable(make_app)


def test_every_error_carries_code_message_and_status():
    error = ec2query.RequestError("InvalidParameterValue", "bad")
    assert (error.code, error.message, error.http_status) == ("InvalidParameterValue", "bad", 400)
    assert isinstance(error, ValueError) and isinstance(error, ec2query.EC2Error)
    assert ec2query.AuthError("AuthFailure", "x").http_status == 401
    assert ec2query.EC2Error("DryRunOperation", "x").http_status == 412


def test_importing_ec2query_loads_no_http_or_xml_schema_library():
    # Start-up speed is a feature of the console (issue 11): the heavy imports wait.
    import subprocess
    import sys

    code = ("import sys, ec2query; print(sorted(m for m in ('requests', 'xmlschema', 'lxml') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"
    assert ec2query.validate.__module__ == "ec2query._validate"
    assert callable(ec2query.validate)


def test_the_other_public_namespaces_export_exactly_these_names():
    import ec2query.fixtures
    import ec2query.gateway

    assert sorted(ec2query.gateway.__all__) == [
        "Backend", "Gateway", "check_request", "decode_authorization_message", "load_policy",
        "make_app"]
    assert set(ec2query.fixtures.__all__) == {
        "ACCESS_KEY", "CORPUS", "ENDPOINT", "REGION", "REQUEST_ID", "SECRET_KEY", "TIMESTAMP",
        "Case", "load_cases", "load_manifest"}
