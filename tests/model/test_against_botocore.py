"""The shape tables agree with botocore's installed EC2 service model, member by member."""

from __future__ import annotations

import botocore.session
import pytest

from ec2query._model import ListShape, Scalar, Structure, all_operations, operation, structure
from ec2query._model.operations import UNMODELED_OUTPUTS
from ec2query._model.shapes import STRUCTURES

_MODEL = botocore.session.get_session().get_service_model("ec2")
#: The structures botocore has (the model's others are EC2's answers botocore leaves out).
BOTOCORES = sorted(set(STRUCTURES) - UNMODELED_OUTPUTS)


def _botocore_type(shape) -> str:
    if shape.type_name in ("string", "integer", "boolean"):
        return shape.type_name
    if shape.type_name == "list":
        inner = _botocore_type(shape.member)
        item = shape.member.serialization.get("name", "member")
        return f"[{inner}]" if item == "item" else f"[{inner}:{item}]"
    return shape.name


def _botocore_query_name(member_name: str, shape) -> str:
    # botocore's EC2Serializer: queryName, else the locationName capitalised, else the member name.
    if "queryName" in shape.serialization:
        return shape.serialization["queryName"]
    if "name" in shape.serialization:
        name = shape.serialization["name"]
        return name[0].upper() + name[1:]
    return member_name


@pytest.mark.parametrize("name", BOTOCORES)
def test_structure_rows_match_botocore_member_by_member(name):
    theirs = _MODEL.shape_for(name)
    expected = [
        (
            member_name,
            _botocore_type(member),
            _botocore_query_name(member_name, member),
            member.serialization.get("name", member_name),
        )
        for member_name, member in theirs.members.items()
    ]
    assert list(STRUCTURES[name]) == expected


@pytest.mark.parametrize("op", all_operations(), ids=lambda op: op.name)
def test_operation_names_and_shapes_match_botocore(op):
    theirs = _MODEL.operation_model(op.name)
    assert op.input_name == theirs.input_shape.name
    if theirs.output_shape is None:  # EC2 answers <return>true</return>, botocore reads none
        assert op.output_name in UNMODELED_OUTPUTS
    else:
        assert op.output_name == theirs.output_shape.name
    # aws-cli derives command names with botocore's xform_name.
    assert op.cli_name == botocore.xform_name(op.name, "-")


def test_every_structure_botocore_reaches_from_the_seven_operations_is_in_the_tables():
    reached: set[str] = set()

    def walk(shape):
        if shape.type_name == "structure" and shape.name not in reached:
            reached.add(shape.name)
            for member in shape.members.values():
                walk(member)
        elif shape.type_name == "list":
            walk(shape.member)

    for op in all_operations():
        theirs = _MODEL.operation_model(op.name)
        walk(theirs.input_shape)
        if theirs.output_shape is not None:
            walk(theirs.output_shape)
    assert reached == set(BOTOCORES)


def test_operation_accepts_api_and_cli_names():
    assert operation("revoke-security-group-ingress") is operation("RevokeSecurityGroupIngress")


def test_user_id_group_pairs_travel_as_groups_on_the_wire_and_in_xml():
    member = structure("IpPermission").by_name["UserIdGroupPairs"]
    assert (member.query, member.xml) == ("Groups", "groups")
    assert isinstance(member.shape, ListShape) and isinstance(member.shape.member, Structure)


def test_legacy_view_has_the_2011_members_of_the_api_reference():
    ingress = operation("AuthorizeSecurityGroupIngress").input("2011-12-15")
    assert [m.name for m in ingress.members] == [
        "CidrIp",
        "FromPort",
        "GroupId",
        "GroupName",
        "IpPermissions",
        "IpProtocol",
        "SourceSecurityGroupName",
        "SourceSecurityGroupOwnerId",
        "ToPort",
        "UserId",
    ]
    permission = ingress.by_name["IpPermissions"].shape.member
    assert [m.query for m in permission.members] == [
        "IpProtocol",
        "FromPort",
        "ToPort",
        "Groups",
        "IpRanges",
    ]
    assert [m.name for m in structure("IpRange", "2011-12-15").members] == ["CidrIp"]
    egress = operation("RevokeSecurityGroupEgress").input("2011-12-15")
    assert [m.name for m in egress.members] == ["GroupId", "IpPermissions"]


def test_scalars_are_shared_leaves():
    assert structure("IpPermission").by_name["FromPort"].shape == Scalar("integer")


@pytest.mark.parametrize("name", BOTOCORES)
def test_required_members_match_botocore(name):
    theirs = _MODEL.shape_for(name).metadata.get("required", [])
    assert sorted(structure(name).required) == sorted(theirs)


@pytest.mark.parametrize("name", BOTOCORES)
def test_integer_bounds_match_botocore(name):
    theirs = _MODEL.shape_for(name)
    for member in structure(name).members:
        if isinstance(member.shape, Scalar) and member.shape.kind == "integer":
            meta = theirs.members[member.name].metadata
            expected = (meta["min"], meta["max"]) if "min" in meta or "max" in meta else None
            assert member.shape.bounds == expected, member.name


def test_paginators_match_botocore():
    from ec2query._model.operations import PAGINATORS

    model = botocore.session.get_session().get_paginator_model("ec2")
    expected = {}
    for op in all_operations():
        try:
            theirs = model.get_paginator(op.name)
        except ValueError:
            continue
        expected[op.name] = (theirs["input_token"], theirs["output_token"],
                             theirs["limit_key"], theirs["result_key"])
    assert expected == PAGINATORS
