"""Generated results of every operation and version: render, then compare with the oracles.

For each result ``r``: ``parse_response(render_response(r))`` equals botocore's
``EC2QueryParser`` on the same bytes and equals ``r`` plus ResponseMetadata;
the document validates against our XSD (with xmlschema directly).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import xmlschema
from hypothesis import given, settings
from hypothesis import strategies as st

from ec2query._codec.xml import parse_response, render_response, validate_document
from ec2query._model import (
    UNMODELED_OUTPUTS,
    ListShape,
    Scalar,
    Structure,
    all_operations,
    operation,
)
from tests.codec.test_xml import botocore_parse

SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"

#: Text XML can carry: any Unicode scalar value but the C0 controls other than TAB, LF, CR.
XML_TEXT = st.text(
    st.characters(
        blacklist_categories=("Cs",),
        blacklist_characters=[chr(c) for c in range(0x20) if c not in (9, 10, 13)]
        + ["\ufffe", "\uffff"],
    ),
    max_size=10,
)
INTS = st.integers(min_value=-(2**31), max_value=2**31 - 1)
REQUEST_IDS = st.text(st.sampled_from("0123456789abcdef-"), min_size=1, max_size=36)


def value_of(shape, depth: int = 0) -> st.SearchStrategy:
    """Any value of ``shape``, empty lists and structures included."""
    if isinstance(shape, Scalar):
        return {"string": XML_TEXT, "integer": INTS, "boolean": st.booleans()}[shape.kind]
    if isinstance(shape, ListShape):
        return st.lists(value_of(shape.member, depth + 1), max_size=3 if depth < 2 else 1)
    return result_of(shape, depth + 1)


def result_of(shape: Structure, depth: int = 0) -> st.SearchStrategy:
    return st.fixed_dictionaries(
        {},
        optional={m.name: st.deferred(lambda m=m: value_of(m.shape, depth)) for m in shape.members},
    )


CASES = [(op.name, version) for op in all_operations() for version in op.versions]


@st.composite
def documents(draw, operation_name: str, version: str):
    result = draw(result_of(operation(operation_name).output(version)))
    request_id = draw(REQUEST_IDS)
    body = render_response(operation_name, result, request_id=request_id, version=version)
    return result, request_id, body


def _schema(version: str) -> xmlschema.XMLSchema:
    return _SCHEMAS.setdefault(version, xmlschema.XMLSchema(str(SCHEMAS / f"ec2-{version}.xsd")))


_SCHEMAS: dict[str, xmlschema.XMLSchema] = {}


@pytest.mark.parametrize(("operation_name", "version"), CASES)
@given(data=st.data())
def test_round_trip_equals_botocore_and_the_input(operation_name, version, data):
    result, request_id, body = data.draw(documents(operation_name, version))
    ours = parse_response(operation_name, body)
    assert ours == botocore_parse(operation_name, body)
    metadata = {"RequestId": request_id, "HTTPStatusCode": 200, "HTTPHeaders": {}}
    if operation(operation_name).output_name in UNMODELED_OUTPUTS:
        result = {}  # EC2 writes <return>; botocore, modelling no output, reads nothing
    assert ours == {**result, "ResponseMetadata": metadata}


@pytest.mark.parametrize(("operation_name", "version"), CASES)
@settings(max_examples=15)  # xmlschema is pure Python: ~0.1 s a document
@given(data=st.data())
def test_every_rendered_document_validates_against_its_xsd(operation_name, version, data):
    _, _, body = data.draw(documents(operation_name, version))
    _schema(version).validate(body.decode("utf-8"))
    validate_document(body, version=version)


# --------------------------------------------------------------------------- moto


@pytest.fixture(scope="module")
def moto_bodies() -> dict[str, list[bytes]]:
    """Real moto 5.2.1 response bodies for a whole security-group life cycle."""
    boto3 = pytest.importorskip("boto3")
    moto = pytest.importorskip("moto")
    bodies: dict[str, list[bytes]] = {}

    def capture(operation_model, response_dict, **_):
        bodies.setdefault(operation_model.name, []).append(response_dict["body"])

    with moto.mock_aws():
        ec2 = boto3.client(
            "ec2",
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        ec2.meta.events.register("before-parse.ec2.*", capture)
        vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        group = ec2.create_security_group(
            GroupName="web", Description="web & <friends>", VpcId=vpc
        )["GroupId"]
        other = ec2.create_security_group(GroupName="db", Description="db", VpcId=vpc)["GroupId"]
        rule = {
            "IpProtocol": "tcp",
            "FromPort": 80,
            "ToPort": 80,
            "IpRanges": [{"CidrIp": "205.192.0.0/16", "Description": "office"}],
            "UserIdGroupPairs": [{"GroupId": other}],
        }
        ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[rule])
        ec2.authorize_security_group_egress(
            GroupId=group,
            IpPermissions=[
                {
                    "IpProtocol": "udp",
                    "FromPort": 53,
                    "ToPort": 53,
                    "Ipv6Ranges": [{"CidrIpv6": "::/0"}],
                }
            ],
        )
        ec2.describe_security_groups(GroupIds=[group, other])
        ec2.revoke_security_group_ingress(GroupId=group, IpPermissions=[rule])
        ec2.revoke_security_group_egress(
            GroupId=group,
            IpPermissions=[{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}],
        )
        ec2.delete_security_group(GroupId=other)
        ssh = {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
               "IpRanges": [{"CidrIp": "10.0.0.0/8", "Description": "admin"}]}
        rule_id = ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[ssh])[
            "SecurityGroupRules"][0]["SecurityGroupRuleId"]
        ec2.describe_security_group_rules(Filters=[{"Name": "group-id", "Values": [group]}])
        ec2.modify_security_group_rules(GroupId=group, SecurityGroupRules=[{
            "SecurityGroupRuleId": rule_id,
            "SecurityGroupRule": {"IpProtocol": "tcp", "FromPort": 2222, "ToPort": 2222,
                                  "CidrIpv4": "10.0.0.0/8"}}])
        ec2.describe_security_group_rules(SecurityGroupRuleIds=[rule_id])
        ec2.update_security_group_rule_descriptions_ingress(GroupId=group, IpPermissions=[{
            "IpProtocol": "tcp", "FromPort": 2222, "ToPort": 2222,
            "IpRanges": [{"CidrIp": "10.0.0.0/8", "Description": "moved"}]}])
        ec2.update_security_group_rule_descriptions_egress(GroupId=group, IpPermissions=[{
            "IpProtocol": "udp", "FromPort": 53, "ToPort": 53,
            "IpRanges": [{"CidrIp": "10.0.0.2/32", "Description": "dns"}]}])
        ec2.create_tags(Resources=[group], Tags=[{"Key": "team", "Value": "a & <b>"}])
        ec2.describe_tags(Filters=[{"Name": "resource-id", "Values": [group]}])
        ec2.delete_tags(Resources=[group], Tags=[{"Key": "team"}])
    return bodies


#: The operations moto 5.2.1 does not implement (its EC2 responses have no method for them);
#: their documents are checked against botocore by the round trip above and by the corpus.
MOTO_LACKS = frozenset({"DescribeSecurityGroupReferences", "DescribeStaleSecurityGroups"})


@pytest.mark.parametrize("operation_name", [op.name for op in all_operations()
                                            if op.name not in MOTO_LACKS])
def test_moto_responses_parse_as_botocore_does(moto_bodies, operation_name):
    bodies = moto_bodies.get(operation_name)
    assert bodies, f"moto gave no {operation_name} response"
    for body in bodies:
        assert parse_response(operation_name, body) == botocore_parse(operation_name, body)
