"""The gateway answers a request in its API version's terms (namespace and members)."""

from __future__ import annotations

import io

import botocore.session
import pytest
from botocore.parsers import EC2QueryParser

from ec2query._codec.query import to_query
from ec2query._codec.xml import validate_document
from ec2query._model import VERSIONS
from ec2query._request import build_signed_request, sign_query_pairs
from ec2query.auth import Credentials
from ec2query.gateway import make_app

CREDS = Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")


def _call(app, operation, params, version):
    return _send(app, build_signed_request(operation, params, endpoint="http://gw.example",
                                           credentials=CREDS, version=version,
                                           region="us-east-1"))


def _send_at(app, operation, params, version):
    """Send ``params`` encoded by the current model with another ``Version``: members that
    version may not have."""
    pairs = [(k, version if k == "Version" else v) for k, v in to_query(operation, params)]
    return _send(app, sign_query_pairs(pairs, endpoint="http://gw.example", credentials=CREDS,
                                         region="us-east-1"))


def _send(app, raw):
    environ = {"REQUEST_METHOD": "POST", "PATH_INFO": "/", "QUERY_STRING": "",
               "HTTP_HOST": "gw.example", "wsgi.url_scheme": "http",
               "wsgi.input": io.BytesIO(raw.body), "CONTENT_LENGTH": str(len(raw.body)),
               "CONTENT_TYPE": raw.headers["Content-Type"]}
    for name, value in raw.headers.items():
        if name.lower() not in ("content-type", "content-length", "host"):
            environ["HTTP_" + name.upper().replace("-", "_")] = value
    status: list[str] = []
    body = b"".join(app(environ, lambda line, headers: status.append(line)))
    return status[0], body


def test_a_legacy_authorize_and_revoke_get_legacy_documents():
    app = make_app(credentials=[CREDS])
    status, _ = _call(app, "CreateSecurityGroup", {"GroupName": "old", "Description": "d"},
                      "2016-11-15")
    assert status.startswith("200")
    flat = {"GroupName": "old", "IpProtocol": "tcp", "FromPort": 80, "ToPort": 80,
            "CidrIp": "205.192.0.0/16"}
    for operation in ("AuthorizeSecurityGroupIngress", "RevokeSecurityGroupIngress"):
        status, body = _call(app, operation, flat, "2011-12-15")
        assert status.startswith("200"), body
        assert b'xmlns="http://ec2.amazonaws.com/doc/2011-12-15/"' in body
        assert b"securityGroupRuleSet" not in body and b"revokedSecurityGroupRuleSet" not in body
        shape = botocore.session.get_session().get_service_model("ec2").operation_model(
            operation).output_shape
        parsed = EC2QueryParser().parse({"body": body, "headers": {}, "status_code": 200}, shape)
        assert parsed["Return"] is True


@pytest.mark.parametrize("version", VERSIONS)
def test_each_version_is_answered_in_its_namespace_with_its_members(version):
    app = make_app(credentials=[CREDS])
    status, body = _call(app, "CreateSecurityGroup", {"GroupName": "v", "Description": "d"},
                         version)
    assert status.startswith("200"), body
    nested = {"GroupName": "v", "IpPermissions": [
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
         "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}]}
    status, body = _call(app, "AuthorizeSecurityGroupIngress", nested, version)
    assert status.startswith("200"), body
    status, body = _call(app, "DescribeSecurityGroups", {"GroupNames": ["v"]}, version)
    assert status.startswith("200"), body
    assert f'xmlns="http://ec2.amazonaws.com/doc/{version}/"'.encode() in body
    validate_document(body, version=version)
    # what the version has (botocore's versioned models): prefix lists from 2015-04-15,
    # IPv6 ranges from 2016-11-15
    assert (b"<prefixListIds" in body) == (version >= "2015-04-15")
    assert (b"<ipv6Ranges" in body) == (version >= "2016-11-15")


def test_a_member_the_version_does_not_have_is_an_unknown_parameter():
    app = make_app(credentials=[CREDS])
    params = {"GroupName": "v", "IpPermissions": [
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
         "Ipv6Ranges": [{"CidrIpv6": "::/0"}]}]}
    status, answer = _send_at(app, "AuthorizeSecurityGroupIngress", params, "2016-09-15")
    assert status.startswith("400") and b"<Code>UnknownParameter</Code>" in answer, answer


def test_a_version_the_model_does_not_have_stays_no_such_version():
    app = make_app(credentials=[CREDS])
    status, answer = _send_at(app, "DescribeSecurityGroups", {}, "2013-02-01")
    assert status.startswith("400") and b"<Code>NoSuchVersion</Code>" in answer, answer
