"""normalize() and flatten(): the legacy flat members and IpPermissions, both ways."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

import ec2query
from ec2query import RequestError

FLAT = {
    "GroupName": "websrv",
    "IpProtocol": "tcp",
    "FromPort": 80,
    "ToPort": 80,
    "CidrIp": "205.192.0.0/16",
}
NESTED = {
    "GroupName": "websrv",
    "IpPermissions": [
        {
            "IpProtocol": "tcp",
            "FromPort": 80,
            "ToPort": 80,
            "IpRanges": [{"CidrIp": "205.192.0.0/16"}],
        }
    ],
}


def test_normalize_folds_the_api_reference_example_into_one_permission():
    assert ec2query.normalize("RevokeSecurityGroupIngress", FLAT) == NESTED


def test_normalize_leaves_its_input_untouched():
    flat = dict(FLAT)
    ec2query.normalize("RevokeSecurityGroupIngress", flat)
    assert flat == FLAT


def test_normalized_and_flat_forms_send_the_same_rule_as_awscli_simplified_options():
    # aws-cli folds --protocol/--port/--cidr into IpPermissions.1 exactly like this.
    body = ec2query.encode_query(
        "RevokeSecurityGroupIngress", ec2query.normalize("RevokeSecurityGroupIngress", FLAT)
    )
    assert "IpPermissions.1.IpRanges.1.CidrIp=205.192.0.0%2F16" in body


def test_normalize_folds_a_source_group_into_user_id_group_pairs():
    params = {
        "GroupName": "web",
        "SourceSecurityGroupName": "lb",
        "SourceSecurityGroupOwnerId": "111122223333",
    }
    assert ec2query.normalize("AuthorizeSecurityGroupIngress", params) == {
        "GroupName": "web",
        "IpPermissions": [{"UserIdGroupPairs": [{"UserId": "111122223333", "GroupName": "lb"}]}],
    }


def test_normalize_appends_the_flat_rule_after_existing_permissions():
    params = {"GroupId": "sg-1", "IpPermissions": [{"IpProtocol": "udp"}], "IpProtocol": "tcp"}
    assert ec2query.normalize("AuthorizeSecurityGroupIngress", params)["IpPermissions"] == [
        {"IpProtocol": "udp"},
        {"IpProtocol": "tcp"},
    ]


def test_normalize_drops_what_describe_shows_but_a_request_must_not_send():
    described = {
        "GroupId": "sg-1",
        "IpPermissions": [
            {
                "IpProtocol": "tcp",
                "FromPort": 22,
                "ToPort": 22,
                "IpRanges": [{"CidrIp": "1.2.3.4/32"}],
                "Ipv6Ranges": [],
                "PrefixListIds": [],
                "UserIdGroupPairs": [],
            },
            {
                "IpProtocol": "-1",
                "UserIdGroupPairs": [
                    {"GroupId": "sg-2", "UserId": "111122223333", "PeeringStatus": "active"}
                ],
                "IpRanges": [],
                "Ipv6Ranges": [],
                "PrefixListIds": [],
            },
        ],
    }
    assert ec2query.normalize("RevokeSecurityGroupIngress", described) == {
        "GroupId": "sg-1",
        "IpPermissions": [
            {
                "IpProtocol": "tcp",
                "FromPort": 22,
                "ToPort": 22,
                "IpRanges": [{"CidrIp": "1.2.3.4/32"}],
            },
            {
                "IpProtocol": "-1",
                "UserIdGroupPairs": [{"GroupId": "sg-2", "UserId": "111122223333"}],
            },
        ],
    }


def test_flatten_is_the_inverse_of_normalize_for_one_rule_with_one_cidr():
    assert ec2query.flatten("RevokeSecurityGroupIngress", NESTED) == FLAT


@given(
    protocol=st.sampled_from(["tcp", "udp", "icmp", "-1", "6"]),
    ports=st.tuples(st.integers(-1, 65535), st.integers(-1, 65535)),
    source=st.one_of(
        st.builds(lambda c: {"CidrIp": c}, st.sampled_from(["10.0.0.0/8", "0.0.0.0/0"])),
        st.builds(lambda n: {"SourceSecurityGroupName": n}, st.sampled_from(["lb", "web"])),
        st.builds(
            lambda n, o: {"SourceSecurityGroupName": n, "SourceSecurityGroupOwnerId": o},
            st.sampled_from(["lb"]),
            st.sampled_from(["111122223333"]),
        ),
    ),
)
def test_flatten_of_normalize_gives_the_flat_request_back(protocol, ports, source):
    flat = {
        "GroupName": "g",
        "IpProtocol": protocol,
        "FromPort": ports[0],
        "ToPort": ports[1],
        **source,
    }
    nested = ec2query.normalize("AuthorizeSecurityGroupIngress", flat)
    assert ec2query.flatten("AuthorizeSecurityGroupIngress", nested) == flat


@pytest.mark.parametrize(
    "permissions",
    [
        [{"IpProtocol": "tcp"}, {"IpProtocol": "udp"}],
        [{"IpProtocol": "tcp", "IpRanges": [{"CidrIp": "1.0.0.0/8"}, {"CidrIp": "2.0.0.0/8"}]}],
        [{"IpProtocol": "tcp", "Ipv6Ranges": [{"CidrIpv6": "::/0"}]}],
        [{"IpProtocol": "tcp", "PrefixListIds": [{"PrefixListId": "pl-1"}]}],
        [{"IpProtocol": "tcp", "IpRanges": [{"CidrIp": "1.0.0.0/8", "Description": "d"}]}],
        [{"IpProtocol": "tcp", "UserIdGroupPairs": [{"GroupId": "sg-1"}]}],
        [
            {
                "IpProtocol": "tcp",
                "IpRanges": [{"CidrIp": "1.0.0.0/8"}],
                "UserIdGroupPairs": [{"GroupName": "a"}],
            }
        ],
    ],
)
def test_flatten_refuses_what_one_flat_rule_cannot_hold(permissions):
    with pytest.raises(RequestError) as error:
        ec2query.flatten(
            "AuthorizeSecurityGroupIngress", {"GroupName": "g", "IpPermissions": permissions}
        )
    assert error.value.code == "InvalidParameterCombination"
    assert "flat" in error.value.message


def test_flatten_refuses_egress_which_has_no_flat_form_in_practice():
    with pytest.raises(RequestError):
        ec2query.flatten(
            "AuthorizeSecurityGroupEgress",
            {
                "GroupId": "sg-1",
                "IpPermissions": [
                    {
                        "IpProtocol": "tcp",
                        "FromPort": 1,
                        "ToPort": 1,
                        "IpRanges": [{"CidrIp": "1.0.0.0/8"}],
                    }
                ],
            },
        )


def test_flatten_refuses_operations_without_rules():
    with pytest.raises(RequestError):
        ec2query.flatten("DescribeSecurityGroups", {})


def test_describe_output_given_as_ip_permissions_is_revocable_after_normalize():
    import json

    described = [{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [],
                  "Ipv6Ranges": [], "PrefixListIds": [],
                  "UserIdGroupPairs": [{"GroupId": "sg-2", "UserId": "111122223333",
                                        "PeeringStatus": "active"}]}]
    argv = ["--group-id", "sg-1", "--ip-permissions", json.dumps(described)]
    # aws-cli sends describe output as given (empty lists included), which EC2 refuses.
    params = ec2query.from_cli_args("revoke-security-group-ingress", argv)
    assert params["IpPermissions"] == described
    assert ec2query.normalize("RevokeSecurityGroupIngress", params) == {
        "GroupId": "sg-1",
        "IpPermissions": [{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
                           "UserIdGroupPairs": [{"GroupId": "sg-2", "UserId": "111122223333"}]}],
    }


@pytest.mark.parametrize("digits", [5_000, 100_000])
def test_long_integers_give_a_result_or_an_ec2_error(digits) -> None:
    from ec2query._errors import EC2Error

    n = 10**digits
    assert ec2query.normalize("RevokeSecurityGroupIngress", {"FromPort": n})["IpPermissions"] == [
        {"FromPort": n}]
    assert ec2query.flatten("RevokeSecurityGroupIngress", {"IpPermissions": [{"FromPort": n}]}) == {
        "FromPort": n}
    with pytest.raises(EC2Error):
        ec2query.flatten("RevokeSecurityGroupIngress", {"IpPermissions": [{n: 1}]})
