"""XML codec against hand-checked literals: the API reference, real EC2 envelopes, botocore."""

from __future__ import annotations

import functools

import pytest
from botocore.parsers import EC2QueryParser

from ec2query._codec.xml import parse_response, render_error, render_response
from ec2query._errors import EC2Error, RequestError, ResponseParseError, ServiceError, UsageError

RID = "59dbff89-35bd-4eac-99ed-be587EXAMPLE"


@functools.cache
def _output_shape(operation_name: str):
    import botocore.session

    model = botocore.session.get_session().get_service_model("ec2")
    return model.operation_model(operation_name).output_shape


def botocore_parse(operation_name: str, body: bytes, status: int = 200) -> dict:
    """The oracle: botocore's own EC2 parser on the same bytes, no HTTP headers."""
    response = {"body": body, "headers": {}, "status_code": status}
    return EC2QueryParser().parse(response, _output_shape(operation_name))


# --------------------------------------------------------------------------- rendering

# The API reference's 2011-12-15 example (reference file, section 3.2), verbatim.
API_REFERENCE_2011 = """\
<AuthorizeSecurityGroupIngressResponse xmlns="http://ec2.amazonaws.com/doc/2011-12-15/">
  <requestId>59dbff89-35bd-4eac-99ed-be587EXAMPLE</requestId>
  <return>true</return>
</AuthorizeSecurityGroupIngressResponse>"""


def test_2011_example_matches_the_api_reference_but_for_indentation():
    body = render_response(
        "AuthorizeSecurityGroupIngress", {"Return": True}, request_id=RID, version="2011-12-15"
    ).decode()
    declaration, _, document = body.partition("\n")
    assert declaration == '<?xml version="1.0" encoding="UTF-8"?>'
    # The reference indents by two spaces; EC2 itself (and we) by four.
    assert document == API_REFERENCE_2011.replace("\n  <", "\n    <")
    assert [line.strip() for line in document.splitlines()] == [
        line.strip() for line in API_REFERENCE_2011.splitlines()
    ]


def test_2016_revoke_example_from_the_api_reference():
    body = render_response("RevokeSecurityGroupIngress", {"Return": True}, request_id=RID)
    assert body == (
        b'<?xml version="1.0" encoding="UTF-8"?>\n'
        b'<RevokeSecurityGroupIngressResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">\n'
        b"    <requestId>59dbff89-35bd-4eac-99ed-be587EXAMPLE</requestId>\n"
        b"    <return>true</return>\n"
        b"</RevokeSecurityGroupIngressResponse>"
    )


def test_authorize_rule_set_element_tree_matches_the_reference():
    result = {
        "Return": True,
        "SecurityGroupRules": [
            {
                "SecurityGroupRuleId": "sgr-1",
                "GroupId": "sg-1",
                "GroupOwnerId": "123456789012",
                "IsEgress": False,
                "IpProtocol": "tcp",
                "FromPort": 22,
                "ToPort": 22,
                "CidrIpv4": "1.2.3.0/24",
                "Tags": [{"Key": "k", "Value": "v"}],
            }
        ],
    }
    body = render_response("AuthorizeSecurityGroupIngress", result, request_id="r").decode()
    assert body.splitlines()[2:] == [
        "    <requestId>r</requestId>",
        "    <return>true</return>",
        "    <securityGroupRuleSet>",
        "        <item>",
        "            <securityGroupRuleId>sgr-1</securityGroupRuleId>",
        "            <groupId>sg-1</groupId>",
        "            <groupOwnerId>123456789012</groupOwnerId>",
        "            <isEgress>false</isEgress>",
        "            <ipProtocol>tcp</ipProtocol>",
        "            <fromPort>22</fromPort>",
        "            <toPort>22</toPort>",
        "            <cidrIpv4>1.2.3.0/24</cidrIpv4>",
        "            <tagSet>",
        "                <item>",
        "                    <key>k</key>",
        "                    <value>v</value>",
        "                </item>",
        "            </tagSet>",
        "        </item>",
        "    </securityGroupRuleSet>",
        "</AuthorizeSecurityGroupIngressResponse>",
    ]


def test_empty_list_and_escaping():
    body = render_response(
        "CreateSecurityGroup", {"GroupId": "a&b<c>\r", "Tags": []}, request_id="r"
    ).decode()
    assert "    <groupId>a&amp;b&lt;c&gt;&#13;</groupId>" in body
    assert "    <tagSet/>" in body


# Real EC2 error envelope (reference file, section 2, E1), verbatim.
REAL_ERROR = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b"<Response><Errors><Error><Code>InvalidPermission.Duplicate</Code><Message>the specified "
    b'rule "peer: sg-8b3b99f3, TCP, from port: 0, to port: 65535, ALLOW" already exists'
    b"</Message></Error></Errors><RequestID>0b0a4d57-00f7-46d1-9be2-4da85221a3db</RequestID>"
    b"</Response>"
)


def test_render_error_is_the_real_envelope_byte_for_byte():
    error = EC2Error(
        "InvalidPermission.Duplicate",
        'the specified rule "peer: sg-8b3b99f3, TCP, from port: 0, to port: 65535, ALLOW" '
        "already exists",
    )
    assert render_error(error, request_id="0b0a4d57-00f7-46d1-9be2-4da85221a3db") == REAL_ERROR


def test_render_error_escapes():
    body = render_error(EC2Error("X", "a < b & c"), request_id="r")
    assert b"<Message>a &lt; b &amp; c</Message>" in body


@pytest.mark.parametrize(
    ("result", "fragment"),
    [
        ({"Return": "true"}, "Invalid type for parameter RevokeSecurityGroupIngress.Return"),
        ({"Return": 1}, "valid types: bool"),
        ({"Nope": 1}, 'Unknown parameter in RevokeSecurityGroupIngress: "Nope"'),
        ({"UnknownIpPermissions": {}}, "valid types: list"),
        ({"UnknownIpPermissions": [{"FromPort": True}]}, "valid types: int"),
        ({"UnknownIpPermissions": [{}, {"FromPort": True}]},
         "parameter RevokeSecurityGroupIngress.UnknownIpPermissions[1].FromPort, value: True"),
        ({"UnknownIpPermissions": [{"FromPort": 2**31}]}, "not a 32-bit integer"),
        ({"UnknownIpPermissions": [{"IpProtocol": "a\x00"}]}, "U+0000"),
        ({"UnknownIpPermissions": [{"IpRanges": [{}, {"CidrIp": "a\x00"}]}]},
         "parameter RevokeSecurityGroupIngress.UnknownIpPermissions[0].IpRanges[1].CidrIp: "
         "character U+0000"),
        ({"UnknownIpPermissions": [{"Bogus": 1}]},
         'Unknown parameter in RevokeSecurityGroupIngress.UnknownIpPermissions[0]: "Bogus"'),
        ([], "valid types: dict"),
        ({"UnknownIpPermissions": [{"FromPort": 10**10_000}]},
         "parameter RevokeSecurityGroupIngress.UnknownIpPermissions[0].FromPort: "
         "<an integer of 33220 bits> is not a 32-bit integer"),
        ({"UnknownIpPermissions": [{"IpProtocol": -(10**10_000)}]},
         "value: <an integer of 33220 bits>, type: int, valid types: str"),
        ({"UnknownIpPermissions": [{"IpRanges": [10**10_000]}]},
         "UnknownIpPermissions[0].IpRanges[0], value: <an integer of 33220 bits>, type: int, "
         "valid types: dict"),
        ({"UnknownIpPermissions": [{"UserIdGroupPairs": [[10**10_000]]}]},
         "value: <list>, type: list"),
    ],
)
def test_render_refuses_values_outside_the_model(result, fragment):
    with pytest.raises(UsageError) as info:
        render_response("RevokeSecurityGroupIngress", result, request_id="r")
    assert fragment in info.value.message


def test_render_legacy_version_refuses_members_it_lacks():
    with pytest.raises(UsageError):
        render_response(
            "RevokeSecurityGroupIngress",
            {"UnknownIpPermissions": []},
            request_id="r",
            version="2011-12-15",
        )


def test_render_unknown_version_and_operation():
    with pytest.raises(RequestError) as info:
        render_response("RevokeSecurityGroupIngress", {}, request_id="r", version="2099-01-01")
    assert info.value.code == "NoSuchVersion"
    with pytest.raises(RequestError) as info:
        render_response("Nope", {}, request_id="r")
    assert info.value.code == "InvalidAction"


def test_render_accepts_cli_name_and_ignores_response_metadata():
    body = render_response(
        "revoke-security-group-ingress",
        {"Return": False, "ResponseMetadata": {"RequestId": "x"}},
        request_id="r",
    )
    assert b"<return>false</return>" in body
    assert b"ResponseMetadata" not in body


# --------------------------------------------------------------------------- parsing


def test_parse_matches_botocore_metadata_exactly():
    body = render_response("RevokeSecurityGroupIngress", {"Return": True}, request_id=RID)
    expected = {
        "Return": True,
        "ResponseMetadata": {"RequestId": RID, "HTTPStatusCode": 200, "HTTPHeaders": {}},
    }
    assert parse_response("RevokeSecurityGroupIngress", body) == expected
    assert botocore_parse("RevokeSecurityGroupIngress", body) == expected


# moto 5.2.1's output, as observed in the reference file (section 3.1), with the group id
# filled in: no slash in xmlns, requestId last, utf-8 in lower case.
MOTO_AUTHORIZE = (
    b'<?xml version="1.0" encoding="utf-8"?>\n<AuthorizeSecurityGroupEgressResponse '
    b'xmlns="http://ec2.amazonaws.com/doc/2016-11-15"><return>true</return><securityGroupRuleSet>'
    b"<item><securityGroupRuleId>sgr-5ecc56c640176b2b3</securityGroupRuleId><groupId>sg-0123"
    b"</groupId><isEgress>true</isEgress><ipProtocol>udp</ipProtocol><fromPort>53</fromPort>"
    b"<toPort>53</toPort><cidrIpv4>8.8.8.8/32</cidrIpv4><tagSet/></item></securityGroupRuleSet>"
    b"<requestId>request-id</requestId></AuthorizeSecurityGroupEgressResponse>"
)


def test_moto_document_from_the_reference_parses_as_botocore_does():
    ours = parse_response("AuthorizeSecurityGroupEgress", MOTO_AUTHORIZE)
    assert ours == botocore_parse("AuthorizeSecurityGroupEgress", MOTO_AUTHORIZE)
    assert ours["SecurityGroupRules"][0]["Tags"] == []
    assert ours["ResponseMetadata"]["RequestId"] == "request-id"


@pytest.mark.parametrize(
    "body",
    [
        # CDATA, comments, a processing instruction, references: lxml's path
        b'<RevokeSecurityGroupIngressResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">'
        b"<!-- c --><requestId><![CDATA[a<b]]></requestId><?pi x?><return>true</return>"
        b"<unknownIpPermissionSet><item><ipProtocol>&#x74;cp&amp;</ipProtocol></item>"
        b"</unknownIpPermissionSet></RevokeSecurityGroupIngressResponse>",
        # prefixed names and foreign attributes: lxml's path
        b'<r:RevokeSecurityGroupIngressResponse xmlns:r="http://ec2.amazonaws.com/doc/2016-11-15/"'
        b' xmlns:x="urn:x" x:a="1"><r:requestId>id</r:requestId><r:return x:b="2">true</r:return>'
        b"</r:RevokeSecurityGroupIngressResponse>",
        # empty elements, whitespace, unknown elements, the legacy namespace: fast path
        b'<?xml version="1.0"?>\n<RevokeSecurityGroupIngressResponse '
        b'xmlns="http://ec2.amazonaws.com/doc/2011-12-15/">\n <requestId/>\n <return>True</return>'
        b"<extra><deep>1</deep></extra><unknownIpPermissionSet><item><groups/><ipRanges><item>"
        b"<cidrIp> </cidrIp><description></description></item></ipRanges></item>"
        b"</unknownIpPermissionSet></RevokeSecurityGroupIngressResponse>\n",
    ],
)
def test_unusual_but_valid_documents_parse_as_botocore_does(body):
    assert parse_response("RevokeSecurityGroupIngress", body) == botocore_parse(
        "RevokeSecurityGroupIngress", body
    )


def test_real_error_envelope_raises_service_error_like_botocore():
    with pytest.raises(ServiceError) as info:
        parse_response("AuthorizeSecurityGroupIngress", REAL_ERROR)
    oracle = botocore_parse("AuthorizeSecurityGroupIngress", REAL_ERROR, status=400)
    assert info.value.code == oracle["Error"]["Code"] == "InvalidPermission.Duplicate"
    assert info.value.message == oracle["Error"]["Message"]
    assert info.value.request_id == oracle["ResponseMetadata"]["RequestId"]
    assert info.value.http_status == 400


def test_rendered_errors_round_trip_with_their_status():
    body = render_error(EC2Error("DryRunOperation", "Request would have succeeded"), request_id="q")
    with pytest.raises(ServiceError) as info:
        parse_response("DeleteSecurityGroup", body)
    assert (info.value.code, info.value.request_id, info.value.http_status) == (
        "DryRunOperation",
        "q",
        412,
    )


def test_older_error_response_shape():
    body = (
        b'<ErrorResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><Error><Type>Sender'
        b"</Type><Code>AuthFailure</Code><Message>AWS was not able to validate the provided "
        b"access credentials</Message></Error><RequestId>abc</RequestId></ErrorResponse>"
    )
    with pytest.raises(ServiceError) as info:
        parse_response("DescribeSecurityGroups", body)
    assert (info.value.code, info.value.request_id, info.value.http_status) == (
        "AuthFailure",
        "abc",
        401,
    )
    assert info.value.message.startswith("AWS was not able")


def test_error_document_without_a_code_is_malformed():
    with pytest.raises(ResponseParseError):
        parse_response(
            "DeleteSecurityGroup", b"<Response><Errors/><RequestID>x</RequestID></Response>"
        )


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        (
            b'<DeleteSecurityGroupResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">'
            b"<return>true</return><return>false</return></DeleteSecurityGroupResponse>",
            "appears more than once",
        ),
        (
            b'<DescribeSecurityGroupsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">'
            b"<securityGroupInfo><item><ipPermissions><item><fromPort>eighty</fromPort></item>"
            b"</ipPermissions></item></securityGroupInfo></DescribeSecurityGroupsResponse>",
            "not an integer",
        ),
    ],
)
def test_documents_botocore_would_mangle_are_refused(body, fragment):
    with pytest.raises(ResponseParseError) as info:
        parse_response(
            "DescribeSecurityGroups" if b"Describe" in body else "DeleteSecurityGroup", body
        )
    assert fragment in info.value.message


def test_parse_takes_str_bytearray_and_memoryview():
    body = render_response("DeleteSecurityGroup", {"Return": True}, request_id="r")
    expected = parse_response("DeleteSecurityGroup", body)
    assert parse_response("DeleteSecurityGroup", body.decode()) == expected
    assert parse_response("DeleteSecurityGroup", bytearray(body)) == expected
    assert parse_response("delete-security-group", memoryview(body)) == expected
    with pytest.raises(ResponseParseError):
        parse_response("DeleteSecurityGroup", 42)


@pytest.mark.parametrize(
    ("operation_name", "version", "code"),
    [
        (["x"], "2016-11-15", "InvalidAction"),
        ("RevokeSecurityGroupIngress", ["v"], "NoSuchVersion"),
    ],
)
def test_render_names_an_unhashable_operation_or_version_as_ec2_does(operation_name, version, code):
    with pytest.raises(RequestError) as caught:
        render_response(operation_name, {}, request_id="r", version=version)
    assert caught.value.code == code


def test_threads_parsing_at_once_each_get_their_own_document():
    """lxml parsers are not thread safe: each thread reads with its own."""
    from concurrent.futures import ThreadPoolExecutor

    bodies = {
        str(i): render_response(
            "CreateSecurityGroup", {"GroupId": f"sg-{i}", "Tags": [{"Key": "k", "Value": str(i)}]},
            request_id=str(i),
        )
        for i in range(16)
    }

    def read(key: str) -> bool:
        parsed = parse_response("CreateSecurityGroup", bodies[key])
        return parsed["GroupId"] == f"sg-{key}" and parsed["ResponseMetadata"]["RequestId"] == key

    with ThreadPoolExecutor(max_workers=8) as pool:
        assert all(pool.map(read, [key for key in bodies for _ in range(50)]))
