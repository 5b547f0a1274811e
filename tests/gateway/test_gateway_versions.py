"""The gateway answers a 2011-12-15 request in that version's terms."""

from __future__ import annotations

import io

import botocore.session
from botocore.parsers import EC2QueryParser

from ec2query._request import build_signed_request
from ec2query.auth import Credentials
from ec2query.gateway import make_app

CREDS = Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")


def _call(app, operation, params, version):
    raw = build_signed_request(operation, params, endpoint="http://gw.example", credentials=CREDS,
                               version=version, region="us-east-1")
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
