"""Which API version has which member and operation: the model against its sources.

The oracles: botocore's versioned EC2 models (2014-09-01 to 2016-09-15, the security-group
part stored in ``data/botocore-ec2-versions.json``, source named in the file; 2016-11-15 is
the installed botocore's, checked in ``test_against_botocore.py``) and EC2's WSDLs of
2012-05-01 and 2013-10-15 (``../shared/conformance/wsdl/``), parsed here.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from botocore.awsrequest import AWSRequest
from botocore.model import ServiceModel
from botocore.serialize import create_serializer
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

import ec2query
from ec2query import RequestError
from ec2query._model import VERSIONS, ListShape, Structure, all_operations, operation
from ec2query._model.operations import OPERATION_SINCE
from tests.strategies import request_params

_FIXTURE = json.loads((Path(__file__).parent / "data" / "botocore-ec2-versions.json").read_text())
BOTOCORE_VERSIONS = sorted(_FIXTURE["versions"])
WSDL_DIR = Path("../shared/conformance/wsdl")
WSDL_VERSIONS = ("2012-05-01", "2013-10-15")
OPERATIONS = [op.name for op in all_operations()]
_XS = "{http://www.w3.org/2001/XMLSchema}"


def test_the_versions_are_the_seed_the_wsdls_and_botocores_in_order():
    assert ("2011-12-15", *WSDL_VERSIONS, *BOTOCORE_VERSIONS, "2016-11-15") == VERSIONS
    assert list(VERSIONS) == sorted(VERSIONS)


# ---------------------------------------------------------------- botocore's versioned models


def _botocore_members(model: dict, name: str) -> dict[str, str]:
    """{member: its shape's name} of botocore's shape ``name``."""
    return {m: ref["shape"] for m, ref in model["shapes"][name].get("members", {}).items()}


def _pairs(ours: Structure, model: dict, theirs: str, seen: set[str]):
    """(structure, our members, botocore's members) for ``ours`` and the structures in it."""
    if ours.name in seen:
        return
    seen.add(ours.name)
    members = _botocore_members(model, theirs)
    yield ours.name, sorted(m.name for m in ours.members), sorted(members)
    for member in ours.members:
        shape, ref = member.shape, members.get(member.name)
        if isinstance(shape, ListShape) and ref is not None:
            shape, ref = shape.member, model["shapes"][ref]["member"]["shape"]
        if isinstance(shape, Structure) and ref is not None:
            yield from _pairs(shape, model, ref, seen)


@pytest.mark.parametrize("version", BOTOCORE_VERSIONS)
@pytest.mark.parametrize("name", OPERATIONS)
def test_members_at_each_version_are_botocores(version, name):
    model = _FIXTURE["versions"][version]
    theirs = model["operations"].get(name)
    if theirs is None:
        pytest.skip(f"botocore's {version} model has no {name}")
    op = operation(name)
    compared = list(_pairs(op.input(version), model, theirs["input"]["shape"], set()))
    if "output" in theirs:  # botocore's models before 2016-11-15 leave out a bare <return>
        compared += _pairs(op.output(version), model, theirs["output"]["shape"], set())
    for structure, ours, botocores in compared:
        if structure.endswith("Result"):  # ``Return`` is in every version's WSDL response
            ours = [m for m in ours if m != "Return"]
        assert ours == botocores, structure


@pytest.mark.parametrize("version", BOTOCORE_VERSIONS)
def test_operations_at_each_version_are_botocores(version):
    model = _FIXTURE["versions"][version]
    for name in OPERATIONS:
        has = _has(name, version)
        assert has == (name in model["operations"]), name
    for name, since in OPERATION_SINCE.items():  # also the operations the model may gain
        assert (since <= version) == (name in model["operations"]), name


def _has(name: str, version: str) -> bool:
    try:
        operation(name).input(version)
    except RequestError as error:
        assert error.code == "InvalidAction"
        return False
    return True


def _botocore_body(version: str, name: str, params: dict) -> str:
    model = _FIXTURE["versions"][version]
    service = ServiceModel(
        {"metadata": model["metadata"], "operations": model["operations"],
         "shapes": model["shapes"]}, "ec2")
    request = create_serializer("ec2", include_validation=False).serialize_to_request(
        params, service.operation_model(name))
    return AWSRequest(method="POST", url="https://ec2.amazonaws.com/",
                      data=request["body"]).prepare().body


@pytest.mark.parametrize(("name", "version"), [
    (name, version) for name in OPERATIONS for version in BOTOCORE_VERSIONS
    if version in operation(name).versions])
@settings(max_examples=20)
@given(data=st.data())
def test_encoding_at_each_version_is_byte_equal_to_botocores(version, name, data):
    params = data.draw(request_params(name, version))
    body = ec2query.encode_query(name, params, version=version)
    assert body == _botocore_body(version, name, params)
    assert ec2query.from_query(body) == (name, params)


# ---------------------------------------------------------------- the WSDLs

#: The Query-only parameters: the WSDL (a SOAP description) has no element for them.
QUERY_ONLY = {"DryRun", "IpProtocol", "FromPort", "ToPort", "CidrIp",
              "SourceSecurityGroupName", "SourceSecurityGroupOwnerId"}
#: Structure -> (the WSDL's type, {the WSDL's element: our member} where the names differ).
WSDL_TYPES: dict[str, tuple[str, dict[str, str]]] = {
    "AuthorizeSecurityGroupIngressRequest": ("AuthorizeSecurityGroupIngressType", {}),
    "RevokeSecurityGroupIngressRequest": ("RevokeSecurityGroupIngressType", {}),
    "AuthorizeSecurityGroupEgressRequest": ("AuthorizeSecurityGroupEgressType", {}),
    "RevokeSecurityGroupEgressRequest": ("RevokeSecurityGroupEgressType", {}),
    "CreateSecurityGroupRequest": ("CreateSecurityGroupType", {"groupDescription": "Description"}),
    "DeleteSecurityGroupRequest": ("DeleteSecurityGroupType", {}),
    "DescribeSecurityGroupsRequest": ("DescribeSecurityGroupsType", {
        "securityGroupSet": "GroupNames", "securityGroupIdSet": "GroupIds",
        "filterSet": "Filters"}),
    "IpPermission": ("IpPermissionType", {"groups": "UserIdGroupPairs"}),
    "UserIdGroupPair": ("UserIdGroupPairType", {}),
    "IpRange": ("IpRangeItemType", {}),
    "SecurityGroup": ("SecurityGroupItemType", {"groupDescription": "Description",
                                                "tagSet": "Tags"}),
    "Tag": ("ResourceTagSetItemType", {}),
    "AuthorizeSecurityGroupIngressResult": ("AuthorizeSecurityGroupIngressResponseType", {}),
    "RevokeSecurityGroupIngressResult": ("RevokeSecurityGroupIngressResponseType", {}),
    "AuthorizeSecurityGroupEgressResult": ("AuthorizeSecurityGroupEgressResponseType", {}),
    "RevokeSecurityGroupEgressResult": ("RevokeSecurityGroupEgressResponseType", {}),
    "CreateSecurityGroupResult": ("CreateSecurityGroupResponseType", {}),
    "DeleteSecurityGroupResult": ("DeleteSecurityGroupResponseType", {}),
    "DescribeSecurityGroupsResult": ("DescribeSecurityGroupsResponseType",
                                     {"securityGroupInfo": "SecurityGroups"}),
    "CreateTagsRequest": ("CreateTagsType", {"resourcesSet": "Resources", "tagSet": "Tags"}),
    "DeleteTagsRequest": ("DeleteTagsType", {"resourcesSet": "Resources", "tagSet": "Tags"}),
    "DescribeTagsRequest": ("DescribeTagsType", {"filterSet": "Filters"}),
    "CreateTagsResult": ("CreateTagsResponseType", {}),
    "DeleteTagsResult": ("DeleteTagsResponseType", {}),
    "DescribeTagsResult": ("DescribeTagsResponseType", {"tagSet": "Tags"}),
    "TagDescription": ("TagSetItemType", {}),
}

#: WSDL elements the model leaves out: CreateSecurityGroup's ``<return>``, which no botocore
#: model has (so no SDK reads it), and the model renders no member the SDKs do not have.
NOT_MODELED = {("CreateSecurityGroupResult", "return")}


def _wsdl(version: str):
    path = WSDL_DIR / f"{version}.ec2.wsdl"
    if not path.is_file():
        pytest.skip(f"{path} is absent (the conformance data is not checked out)")
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    return etree.parse(str(path), parser)


def _structures_at(version: str) -> dict[str, Structure]:
    found: dict[str, Structure] = {}

    def walk(shape: object) -> None:
        if isinstance(shape, ListShape):
            walk(shape.member)
        elif isinstance(shape, Structure) and shape.name not in found:
            found[shape.name] = shape
            for member in shape.members:
                walk(member.shape)

    for op in all_operations():
        if _has(op.name, version):
            walk(op.input(version))
            walk(op.output(version))
    return found


@pytest.mark.parametrize("version", WSDL_VERSIONS)
def test_members_at_the_wsdl_versions_are_the_wsdls(version):
    wsdl = _wsdl(version)
    structures = _structures_at(version)
    for name, (wsdl_type, renamed) in WSDL_TYPES.items():
        (complex_type,) = wsdl.findall(f".//{_XS}complexType[@name='{wsdl_type}']")
        elements = [e.get("name") for e in complex_type.iter(f"{_XS}element")]
        theirs = sorted(renamed.get(e, e[0].upper() + e[1:]) for e in elements
                        if e != "requestId" and (name, e) not in NOT_MODELED)
        query_only = QUERY_ONLY if name.endswith("Request") else set()
        ours = sorted(m.name for m in structures[name].members if m.name not in query_only)
        assert ours == theirs, name
    assert set(structures) <= {*WSDL_TYPES, "Filter"}  # nothing of a later version leaks in


@pytest.mark.parametrize("version", WSDL_VERSIONS)
def test_operations_at_the_wsdl_versions_are_the_wsdls(version):
    wsdl = _wsdl(version)
    actions = {e.get("name") for e in wsdl.iter("{http://schemas.xmlsoap.org/wsdl/}operation")}
    for name in OPERATIONS:
        assert _has(name, version) == (name in actions), name
    for name, since in OPERATION_SINCE.items():
        assert since > version and name not in actions, name


# ---------------------------------------------------------------- refusing at a version


@pytest.mark.parametrize(("version", "key", "value"), [
    ("2015-03-01", "IpPermissions.1.PrefixListIds.1.PrefixListId", "pl-12345678"),
    ("2015-04-15", "IpPermissions.1.Groups.1.VpcId", "vpc-12345678"),
    ("2016-09-15", "IpPermissions.1.Ipv6Ranges.1.CidrIpv6", "::/0"),
    ("2016-09-15", "IpPermissions.1.IpRanges.1.Description", "d"),
    ("2014-09-01", "UserId", "123456789012"),
    ("2012-05-01", "DryRun", "true"),
])
def test_decoding_refuses_a_member_the_version_does_not_have(version, key, value):
    with pytest.raises(RequestError) as caught:
        ec2query.from_query(_authorize(version, key, value))
    assert caught.value.code == "UnknownParameter"
    # EC2's text (../shared/reference/ec2-behaviour.md, E12), naming the parameter sent
    named = caught.value.message.removeprefix("The parameter ").removesuffix(" is not recognized")
    assert named != caught.value.message and key.startswith(named)


@pytest.mark.parametrize(("version", "key", "value"), [
    ("2015-04-15", "IpPermissions.1.PrefixListIds.1.PrefixListId", "pl-12345678"),
    ("2015-10-01", "IpPermissions.1.Groups.1.VpcId", "vpc-12345678"),
    ("2013-10-15", "UserId", "123456789012"),
    ("2013-10-15", "DryRun", "true"),
])
def test_decoding_takes_a_member_from_the_version_that_added_it(version, key, value):
    assert ec2query.from_query(_authorize(version, key, value))[0] == (
        "AuthorizeSecurityGroupIngress")


def _authorize(version: str, key: str, value: str) -> str:
    return (f"Action=AuthorizeSecurityGroupIngress&Version={version}&GroupId=sg-12345678"
            f"&IpPermissions.1.IpProtocol=tcp&{key}={value}")


def test_a_version_the_model_does_not_have_is_no_such_version():
    with pytest.raises(RequestError) as caught:
        ec2query.from_query("Action=DescribeSecurityGroups&Version=2013-02-01")
    assert caught.value.code == "NoSuchVersion"
    assert caught.value.message == (
        "The requested version (2013-02-01) of service AmazonEC2 does not exist")
