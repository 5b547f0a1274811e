"""The public surface of ec2query changes only on purpose (see DESIGN.md's Public API)."""

from __future__ import annotations

import inspect

import ec2query


def test_exported_names_are_exactly_the_public_api():
    exported = {name for name in ec2query.__all__ if not name.startswith("_")}
    assert exported == {
        "AuthError",
        "EC2Error",
        "RequestError",
        "ResponseParseError",
        "ServiceError",
        "UsageError",
        "Credentials",
        "RawRequest",
        "auth",
        "build_signed_request",
        "encode_query",
        "flatten",
        "from_query",
        "normalize",
        "to_query",
    }
    for name in exported:
        assert getattr(ec2query, name) is not None


def test_query_signatures_are_those_of_the_design():
    assert str(inspect.signature(ec2query.to_query)) == (
        "(operation_name: 'str', params: 'Mapping[str, Any]', *, version: 'str' = '2016-11-15')"
        " -> 'list[tuple[str, str]]'"
    )
    assert list(inspect.signature(ec2query.from_query).parameters) == ["data"]
    assert list(inspect.signature(ec2query.normalize).parameters) == ["operation_name", "params"]
    assert list(inspect.signature(ec2query.flatten).parameters) == ["operation_name", "params"]


def test_every_error_carries_code_message_and_status():
    error = ec2query.RequestError("InvalidParameterValue", "bad")
    assert (error.code, error.message, error.http_status) == ("InvalidParameterValue", "bad", 400)
    assert isinstance(error, ValueError) and isinstance(error, ec2query.EC2Error)
    assert ec2query.AuthError("AuthFailure", "x").http_status == 401
    assert ec2query.EC2Error("DryRunOperation", "x").http_status == 412
