"""The policy at the gateway: embedded backend and forwarding mode, DryRun, the audit line.

Requests are signed as a client signs them and go through the WSGI app (the
embedded backend) or a served gateway in front of a moto_server this test
starts (forwarding mode); every expectation is a hand-written literal.
"""

from __future__ import annotations

import io
import json
import re
from urllib.parse import parse_qsl

import boto3
import botocore.exceptions
import pytest
from lxml import etree

from ec2query._client import Client
from ec2query._errors import PolicyFileError, ServiceError
from ec2query._model import VERSIONS
from ec2query._policy import decode_message, parse_policy
from ec2query._request import build_signed_request
from ec2query.auth import Credentials
from ec2query.gateway import make_app
from ec2query.gateway._server import running
from tests.servers import FAKE_ENV, boto_ec2, moto_server, scripted_server

CREDS = Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
POLICY = parse_policy(
    """
[[rule]]
id = "no-world-ssh"
type = "restricted-ssh"

[[rule]]
type = "max-rules-per-group"
limit = 3
groups = ["limited"]
""",
    path="policy.toml",
)
PREFIX = "You are not authorized to perform this operation. Encoded authorization failure message: "
WORLD_SSH = {
    "IpProtocol": "tcp",
    "FromPort": 22,
    "ToPort": 22,
    "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
}
HTTPS = {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443}
HTTP = {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80}
OFFICE_SSH = {
    "IpProtocol": "tcp",
    "FromPort": 22,
    "ToPort": 22,
    "IpRanges": [{"CidrIp": "192.0.2.0/24"}],
}


def call(app, operation, params, version="2016-11-15"):
    raw = build_signed_request(
        operation, params, endpoint="http://gw.example", credentials=CREDS, version=version
, region="us-east-1")
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/",
        "QUERY_STRING": "",
        "HTTP_HOST": "gw.example",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(raw.body),
        "CONTENT_LENGTH": str(len(raw.body)),
        "CONTENT_TYPE": raw.headers["Content-Type"],
    }
    for name, value in raw.headers.items():
        if name.lower() not in ("content-type", "content-length", "host"):
            environ["HTTP_" + name.upper().replace("-", "_")] = value
    status: list[str] = []
    body = b"".join(app(environ, lambda line, headers: status.append(line)))
    return int(status[0].split()[0]), body


def error_of(body):
    root = etree.fromstring(body)
    return root.findtext("Errors/Error/Code"), root.findtext("Errors/Error/Message")


def ingress_of(app, group_id):
    status, body = call(app, "DescribeSecurityGroups", {"GroupIds": [group_id]})
    assert status == 200
    root = etree.fromstring(body)
    ns = {"e": root.nsmap[None]}
    group = root.find("e:securityGroupInfo/e:item", ns)
    return [
        (perm.findtext("e:fromPort", namespaces=ns), cidr.text)
        for perm in group.findall("e:ipPermissions/e:item", ns)
        for cidr in perm.findall("e:ipRanges/e:item/e:cidrIp", ns)
    ]


@pytest.fixture
def audit():
    return []


@pytest.fixture
def app(audit):
    app = make_app(credentials=[CREDS], policy=POLICY, audit_log=audit.append)
    status, body = call(app, "CreateSecurityGroup", {"GroupName": "web", "Description": "d"})
    assert status == 200
    app.group_id = etree.fromstring(body).findtext("{*}groupId")
    return app


def test_a_refused_change_is_403_unauthorized_operation_and_is_not_made(app, audit):
    status, body = call(
        app,
        "AuthorizeSecurityGroupIngress",
        {"GroupId": app.group_id, "IpPermissions": [WORLD_SSH]},
    )
    code, message = error_of(body)
    assert (status, code) == (403, "UnauthorizedOperation")
    assert message.startswith(PREFIX)
    document = decode_message(message[len(PREFIX) :])
    assert document["allowed"] is False
    assert [(v["rule"], v["source"], v["permission"]) for v in document["violations"]] == [
        ("no-world-ssh", "0.0.0.0/0", WORLD_SSH)
    ]
    assert ingress_of(app, app.group_id) == []
    [line] = audit
    record = json.loads(line)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", record.pop("time"))
    assert record.pop("requestId") == document["requestId"]
    assert record == {
        "accessKey": "AKIDEXAMPLE",
        "operation": "AuthorizeSecurityGroupIngress",
        "group": app.group_id,
        "dryRun": False,
        "decision": "refused",
        "rules": ["no-world-ssh"],
        "violations": [
            {
                "rule": "no-world-ssh",
                "type": "restricted-ssh",
                "line": 2,
                "message": "tcp 22 opens SSH (TCP 22) to 0.0.0.0/0",
                "operation": "AuthorizeSecurityGroupIngress",
                "direction": "ingress",
                "permission": WORLD_SSH,
                "source": "0.0.0.0/0",
            }
        ],
    }


def test_an_allowed_change_is_made_and_audited(app, audit):
    status, _ = call(
        app,
        "AuthorizeSecurityGroupIngress",
        {"GroupId": app.group_id, "IpPermissions": [OFFICE_SSH]},
    )
    assert status == 200
    assert ingress_of(app, app.group_id) == [("22", "192.0.2.0/24")]
    assert [json.loads(line)["decision"] for line in audit] == ["allowed"]
    assert json.loads(audit[0])["rules"] == []


def test_the_legacy_flat_form_is_refused_too(app):
    flat = {
        "GroupName": "web",
        "IpProtocol": "tcp",
        "FromPort": 0,
        "ToPort": 1000,
        "CidrIp": "0.0.0.0/0",
    }
    status, body = call(app, "AuthorizeSecurityGroupIngress", flat, version="2011-12-15")
    assert (status, error_of(body)[0]) == (403, "UnauthorizedOperation")
    assert ingress_of(app, app.group_id) == []


@pytest.mark.parametrize("version", VERSIONS)
def test_every_api_version_is_judged_nested_and_flat(app, audit, version):
    """Each version the model has, both forms where the version has them (egress takes
    only the nested form: EC2 refuses flat egress members, the validator with it)."""
    nested = {"GroupId": app.group_id, "IpPermissions": [WORLD_SSH]}
    flat = {"GroupId": app.group_id, "IpProtocol": "tcp", "FromPort": 0, "ToPort": 1024,
            "CidrIp": "0.0.0.0/0"}
    for params in (nested, flat):
        status, body = call(app, "AuthorizeSecurityGroupIngress", params, version=version)
        assert (status, error_of(body)[0]) == (403, "UnauthorizedOperation")
        [violation] = decode_message(error_of(body)[1])["violations"]
        assert (violation["rule"], violation["source"]) == ("no-world-ssh", "0.0.0.0/0")
    limited = call(app, "CreateSecurityGroup", {"GroupName": "limited", "Description": "d"})[1]
    four = {"GroupId": etree.fromstring(limited).findtext("{*}groupId"), "IpPermissions": [
        {**HTTPS, "IpRanges": [{"CidrIp": f"10.{n}.0.0/16"} for n in range(4)]}]}
    status, body = call(app, "AuthorizeSecurityGroupEgress", four, version=version)
    assert (status, error_of(body)[0]) == (403, "UnauthorizedOperation")
    assert ingress_of(app, app.group_id) == []
    assert [json.loads(line)["decision"] for line in audit] == ["refused"] * 3


def test_tag_specifications_do_not_take_a_change_past_the_policy(app):
    """TagSpecifications (2016-11-15) ride on the change: refused, no rule and no tag."""
    tagged = {"GroupId": app.group_id, "IpPermissions": [WORLD_SSH], "TagSpecifications": [
        {"ResourceType": "security-group-rule", "Tags": [{"Key": "team", "Value": "web"}]}]}
    status, body = call(app, "AuthorizeSecurityGroupIngress", tagged)
    assert (status, error_of(body)[0]) == (403, "UnauthorizedOperation")
    assert ingress_of(app, app.group_id) == []
    status, body = call(app, "DescribeTags", {})
    assert status == 200 and etree.fromstring(body).find("{*}tagSet/{*}item") is None
    allowed = {**tagged, "IpPermissions": [OFFICE_SSH]}
    status, body = call(app, "AuthorizeSecurityGroupIngress", allowed)
    assert status == 200, body
    assert [t.text for t in etree.fromstring(call(app, "DescribeTags", {})[1]).iter(
        "{*}value")] == ["web"]


def test_dry_run_answers_the_policys_verdict(app, audit):
    refused = {"GroupId": app.group_id, "IpPermissions": [WORLD_SSH], "DryRun": True}
    status, body = call(app, "AuthorizeSecurityGroupIngress", refused)
    assert (status, error_of(body)[0]) == (403, "UnauthorizedOperation")
    allowed = {"GroupId": app.group_id, "IpPermissions": [OFFICE_SSH], "DryRun": True}
    status, body = call(app, "AuthorizeSecurityGroupIngress", allowed)
    assert (status, error_of(body)[0]) == (412, "DryRunOperation")
    assert ingress_of(app, app.group_id) == []
    assert [(json.loads(x)["decision"], json.loads(x)["dryRun"]) for x in audit] == [
        ("refused", True),
        ("allowed", True),
    ]


def test_revokes_are_never_refused_nor_audited(audit):
    from ec2query.gateway import Backend

    backend = Backend()
    before = make_app(credentials=[CREDS], backend=backend)  # the rule predates the policy
    status, body = call(before, "CreateSecurityGroup", {"GroupName": "old", "Description": "d"})
    group_id = etree.fromstring(body).findtext("{*}groupId")
    permission = {"GroupId": group_id, "IpPermissions": [WORLD_SSH]}
    assert call(before, "AuthorizeSecurityGroupIngress", permission)[0] == 200
    guarded = make_app(credentials=[CREDS], backend=backend, policy=POLICY, audit_log=audit.append)
    assert ingress_of(guarded, group_id) == [("22", "0.0.0.0/0")]
    status, body = call(guarded, "RevokeSecurityGroupIngress", permission)
    assert status == 200, body
    assert ingress_of(guarded, group_id) == []
    assert audit == []
    backend.close()


def test_max_rules_per_group_asks_the_backend_and_scopes_by_the_groups_name(app):
    status, body = call(app, "CreateSecurityGroup", {"GroupName": "limited", "Description": "d"})
    limited = etree.fromstring(body).findtext("{*}groupId")
    two = {
        "IpProtocol": "tcp",
        "FromPort": 443,
        "ToPort": 443,
        "IpRanges": [{"CidrIp": "10.0.0.0/8"}, {"CidrIp": "10.1.0.0/16"}],
    }
    # named by id; the rule names the group by name: the backend says they are one group
    assert (
        call(app, "AuthorizeSecurityGroupIngress", {"GroupId": limited, "IpPermissions": [two]})[0]
        == 200
    )
    status, body = call(
        app,
        "AuthorizeSecurityGroupIngress",
        {"GroupId": limited, "IpPermissions": [{**two, "FromPort": 80, "ToPort": 80}]},
    )
    assert (status, error_of(body)[0]) == (403, "UnauthorizedOperation")
    [violation] = decode_message(error_of(body)[1])["violations"]
    assert violation["message"] == "4 ingress rules after this change; the limit is 3"
    one = {
        "IpProtocol": "tcp",
        "FromPort": 80,
        "ToPort": 80,
        "IpRanges": [{"CidrIp": "10.0.0.0/8"}],
    }
    assert (
        call(app, "AuthorizeSecurityGroupIngress", {"GroupId": limited, "IpPermissions": [one]})[0]
        == 200
    )
    # another group is not limited
    assert (
        call(
            app,
            "AuthorizeSecurityGroupIngress",
            {"GroupId": app.group_id, "IpPermissions": [two, one]},
        )[0]
        == 200
    )


def test_the_audit_log_goes_to_a_file(tmp_path):
    log = tmp_path / "audit.jsonl"
    app = make_app(credentials=[CREDS], policy=POLICY, audit_log=str(log))
    call(app, "AuthorizeSecurityGroupIngress", {"GroupName": "nope", "IpPermissions": [WORLD_SSH]})
    [line] = log.read_text().splitlines()
    assert json.loads(line)["decision"] == "refused"
    assert json.loads(line)["group"] == "nope"


def test_a_policy_file_path_is_loaded_and_a_bad_one_refused_at_start(tmp_path):
    good = tmp_path / "good.toml"
    good.write_text('[[rule]]\ntype = "restricted-ssh"\n')
    app = make_app(credentials=[CREDS], policy=str(good))
    status, body = call(
        app, "AuthorizeSecurityGroupIngress", {"GroupName": "default", "IpPermissions": [WORLD_SSH]}
    )
    assert (status, error_of(body)[0]) == (403, "UnauthorizedOperation")
    bad = tmp_path / "bad.toml"
    bad.write_text('[[rule]]\ntype = "restricted-ssh"\n\n[[rule]]\ntype = "open-everything"\n')
    with pytest.raises(PolicyFileError) as error:
        make_app(credentials=[CREDS], policy=str(bad))
    assert error.value.message.startswith(f"{bad}, line 5: rule 2: unknown type 'open-everything'")


GATEWAY_CLIENT = Credentials("AKIDGATEWAYCLIENT", "gateway-client-secret")
UPSTREAM = Credentials(FAKE_ENV["AWS_ACCESS_KEY_ID"], FAKE_ENV["AWS_SECRET_ACCESS_KEY"])


def test_forwarding_a_refused_change_never_reaches_upstream():
    with moto_server() as upstream:
        boto = boto3.client(
            "ec2",
            endpoint_url=upstream,
            region_name="us-east-1",
            aws_access_key_id=UPSTREAM.access_key,
            aws_secret_access_key=UPSTREAM.secret_key,
        )
        group_id = boto.create_security_group(GroupName="fwd-policy", Description="d")["GroupId"]
        audit: list[str] = []
        app = make_app(
            credentials=[GATEWAY_CLIENT],
            upstream=upstream,
            upstream_credentials=UPSTREAM,
            policy=POLICY,
            audit_log=audit.append,
        )
        with running(app) as gateway:
            client = Client(gateway, GATEWAY_CLIENT, "us-east-1", env={}, retries=0)
            with pytest.raises(ServiceError) as error:
                client.authorize_security_group_ingress(GroupId=group_id, IpPermissions=[WORLD_SSH])
            assert (error.value.code, error.value.http_status) == ("UnauthorizedOperation", 403)
            assert error.value.message.startswith(PREFIX)
            with pytest.raises(ServiceError) as dry:
                client.authorize_security_group_ingress(
                    GroupId=group_id, IpPermissions=[WORLD_SSH], DryRun=True
                )
            assert dry.value.code == "UnauthorizedOperation"
            result = client.authorize_security_group_ingress(
                GroupId=group_id, IpPermissions=[OFFICE_SSH]
            )
            assert result["Return"] is True
        group = boto.describe_security_groups(GroupIds=[group_id])["SecurityGroups"][0]
        assert [p["IpRanges"] for p in group["IpPermissions"]] == [[{"CidrIp": "192.0.2.0/24"}]]
        assert [json.loads(x)["decision"] for x in audit] == ["refused", "refused", "allowed"]
        assert json.loads(audit[0])["accessKey"] == "AKIDGATEWAYCLIENT"


_DRY_RUN = (b'<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error>'
            b"<Code>DryRunOperation</Code><Message>Request would have succeeded, but DryRun "
            b"flag is set.</Message></Error></Errors><RequestID>upstream-id</RequestID></Response>")


def test_forwarding_a_dry_run_the_policy_allows_is_answered_by_upstream():
    """Upstream's own authorization decides a dry run the policy allows: it is forwarded
    with DryRun=true and upstream's answer relayed (its request id shows whose it is);
    a dry run the policy refuses is never sent."""
    ssh_only = parse_policy('[[rule]]\nid = "no-world-ssh"\ntype = "restricted-ssh"\n')
    with scripted_server([(412, _DRY_RUN)]) as (upstream, received):  # no group read asked
        app = make_app(credentials=[GATEWAY_CLIENT], upstream=upstream,
                       upstream_credentials=UPSTREAM, policy=ssh_only)
        with running(app) as gateway:
            client = boto_ec2(gateway, GATEWAY_CLIENT)
            for permission, code in ((WORLD_SSH, "UnauthorizedOperation"),
                                     (OFFICE_SSH, "DryRunOperation")):
                with pytest.raises(botocore.exceptions.ClientError) as error:
                    client.authorize_security_group_ingress(
                        GroupId="sg-0123456789abcdef0", IpPermissions=[permission], DryRun=True)
                assert error.value.response["Error"]["Code"] == code
    assert error.value.response["ResponseMetadata"]["RequestId"] == "upstream-id"
    [body] = received
    assert ("DryRun", "true") in parse_qsl(body.decode())
    assert ("IpPermissions.1.IpRanges.1.CidrIp", "192.0.2.0/24") in parse_qsl(body.decode())


def test_forwarding_asks_upstream_for_the_groups_rules_and_its_other_name():
    """The rule is scoped to the group's name, the requests name it by id: the guard reads
    the group from moto_server (its id, name and ingress rules) as the backend would."""
    with moto_server() as upstream:
        boto = boto_ec2(upstream, UPSTREAM)
        limited = boto.create_security_group(GroupName="limited", Description="d")["GroupId"]
        boto.authorize_security_group_ingress(GroupId=limited, IpPermissions=[
            {**HTTPS, "IpRanges": [{"CidrIp": "10.0.0.0/16"}, {"CidrIp": "10.1.0.0/16"}]}])
        app = make_app(credentials=[GATEWAY_CLIENT], upstream=upstream,
                       upstream_credentials=UPSTREAM, policy=POLICY)
        two = {**HTTP, "IpRanges": [{"CidrIp": "10.2.0.0/16"}, {"CidrIp": "10.3.0.0/16"}]}
        with running(app) as gateway:
            client = Client(gateway, GATEWAY_CLIENT, "us-east-1", env={}, retries=0)
            with pytest.raises(ServiceError) as error:
                client.authorize_security_group_ingress(GroupId=limited, IpPermissions=[two])
            [violation] = decode_message(error.value.message)["violations"]
            assert violation["message"] == "4 ingress rules after this change; the limit is 3"
            one = {**HTTP, "IpRanges": [{"CidrIp": "10.2.0.0/16"}]}
            assert client.authorize_security_group_ingress(
                GroupId=limited, IpPermissions=[one])["Return"] is True
        group = boto.describe_security_groups(GroupIds=[limited])["SecurityGroups"][0]
        assert sorted(r["CidrIp"] for p in group["IpPermissions"] for r in p["IpRanges"]) == [
            "10.0.0.0/16", "10.1.0.0/16", "10.2.0.0/16"]


# ------------------------------------------------------------------- ModifySecurityGroupRules


def _rule_ids(app, group_id):
    status, body = call(app, "DescribeSecurityGroupRules",
                        {"Filters": [{"Name": "group-id", "Values": [group_id]}]})
    assert status == 200
    root = etree.fromstring(body)
    return {item.findtext("{*}isEgress"): item.findtext("{*}securityGroupRuleId")
            for item in root.iter("{*}item")}


def _modify(group_id, rule_id, **rule):
    return {"GroupId": group_id, "SecurityGroupRules": [
        {"SecurityGroupRuleId": rule_id, "SecurityGroupRule": rule}]}


def test_a_modify_that_opens_ssh_to_the_world_is_refused_and_not_made(app, audit):
    assert call(app, "AuthorizeSecurityGroupIngress",
                {"GroupId": app.group_id, "IpPermissions": [OFFICE_SSH]})[0] == 200
    rule_id = _rule_ids(app, app.group_id)["false"]
    world = _modify(app.group_id, rule_id, IpProtocol="tcp", FromPort=22, ToPort=22,
                    CidrIpv4="0.0.0.0/0")
    for params in (world, {**world, "DryRun": True}):
        status, body = call(app, "ModifySecurityGroupRules", params)
        assert status == 403
        code, message = error_of(body)
        assert code == "UnauthorizedOperation"
        (violation,) = decode_message(message)["violations"]
        assert violation["rule"] == "no-world-ssh"
        assert violation["operation"] == "ModifySecurityGroupRules"
        assert violation["direction"] == "ingress"
        assert violation["source"] == "0.0.0.0/0"
    assert ingress_of(app, app.group_id) == [("22", "192.0.2.0/24")]  # unchanged
    assert [json.loads(line)["decision"] for line in audit][-2:] == ["refused", "refused"]


def test_a_modified_egress_rule_is_judged_as_egress(app):
    """restricted-ssh judges ingress only (AWS Config's rule): the backend tells the guard
    that the group's default rule is an egress rule, so opening it to TCP 22 is allowed."""
    egress_id = _rule_ids(app, app.group_id)["true"]
    status, _ = call(app, "ModifySecurityGroupRules", _modify(
        app.group_id, egress_id, IpProtocol="tcp", FromPort=22, ToPort=22,
        CidrIpv4="0.0.0.0/0"))
    assert status == 200


def test_offline_a_modified_rule_of_unknown_direction_is_judged_as_both():
    params = _modify("sg-0123456789abcdef0", "sgr-0123456789abcdef0", IpProtocol="tcp",
                     FromPort=22, ToPort=22, CidrIpv4="0.0.0.0/0")
    found = POLICY.violations("ModifySecurityGroupRules", params)
    assert [(v.rule, v.direction) for v in found] == [("no-world-ssh", "ingress")]
    known = POLICY.violations("ModifySecurityGroupRules", params, current_rules={
        "sgr-0123456789abcdef0": {"IsEgress": True, "IpProtocol": "-1", "FromPort": -1,
                                  "ToPort": -1, "CidrIpv4": "0.0.0.0/0"}})
    assert known == []


DESCRIBED_POLICY = parse_policy(
    """
[[rule]]
id = "no-world-ssh"
type = "restricted-ssh"

[[rule]]
id = "described"
type = "require-description"
""",
    path="policy.toml",
)


def _moto_rules(boto, group_id):
    """moto_server's rules of the group: id -> (egress, protocol, from, to, CIDR, description)."""
    rules = boto.describe_security_group_rules(
        Filters=[{"Name": "group-id", "Values": [group_id]}])["SecurityGroupRules"]
    return {r["SecurityGroupRuleId"]: (r["IsEgress"], r["IpProtocol"], r["FromPort"],
                                       r["ToPort"], r.get("CidrIpv4"), r.get("Description"))
            for r in rules}


def _refused(call_, *, rule):
    with pytest.raises(botocore.exceptions.ClientError) as error:
        call_()
    response = error.value.response
    assert (response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Code"]) == (
        403, "UnauthorizedOperation")
    assert response["Error"]["Message"].startswith(PREFIX)
    document = decode_message(response["Error"]["Message"])
    assert [v["rule"] for v in document["violations"]] == [rule]
    return document["violations"][0]


def test_forwarding_a_modify_is_judged_as_the_rule_will_be_and_a_refused_one_never_arrives():
    """Against moto_server: each modify names a rule the test made there; the guard reads
    it from upstream (its direction, what it grants now) and judges the rule the modify
    leaves. Refused modifies leave moto_server's rules exactly as they were."""
    with moto_server() as upstream:
        boto = boto_ec2(upstream, UPSTREAM)
        group_id = boto.create_security_group(GroupName="fwd-modify", Description="d")["GroupId"]
        boto.authorize_security_group_ingress(GroupId=group_id, IpPermissions=[
            {**OFFICE_SSH, "IpRanges": [{"CidrIp": "192.0.2.0/24", "Description": "office"}]},
            {"IpProtocol": "tcp", "FromPort": 2222, "ToPort": 2222,
             "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": "alt ssh"}]}])
        boto.authorize_security_group_egress(GroupId=group_id, IpPermissions=[
            {**HTTPS, "IpRanges": [{"CidrIp": "192.0.2.0/24", "Description": "api"}]}])
        before = _moto_rules(boto, group_id)
        office = next(k for k, v in before.items() if v[4] == "192.0.2.0/24" and not v[0])
        alt = next(k for k, v in before.items() if v[2] == 2222)
        api = next(k for k, v in before.items() if v[0] and v[4] == "192.0.2.0/24")
        audit: list[str] = []
        app = make_app(credentials=[GATEWAY_CLIENT], upstream=upstream,
                       upstream_credentials=UPSTREAM, policy=DESCRIBED_POLICY,
                       audit_log=audit.append)

        def modify(rule_id, **rule):
            return lambda: client.modify_security_group_rules(GroupId=group_id, SecurityGroupRules=[
                {"SecurityGroupRuleId": rule_id, "SecurityGroupRule": rule}])

        with running(app) as gateway:
            client = boto_ec2(gateway, GATEWAY_CLIENT)
            # the office's SSH rule, its CIDR widened to the world
            violation = _refused(modify(office, IpProtocol="tcp", FromPort=22, ToPort=22,
                                        CidrIpv4="0.0.0.0/0", Description="office"),
                                 rule="no-world-ssh")
            assert violation == {
                "rule": "no-world-ssh", "type": "restricted-ssh", "line": 2,
                "message": "tcp 22 opens SSH (TCP 22) to 0.0.0.0/0",
                "operation": "ModifySecurityGroupRules", "direction": "ingress",
                "permission": {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
                               "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": "office"}]},
                "source": "0.0.0.0/0"}
            # the world's port 2222 moved to 22, and as a dry run
            _refused(modify(alt, IpProtocol="tcp", FromPort=22, ToPort=22, CidrIpv4="0.0.0.0/0",
                            Description="alt ssh"), rule="no-world-ssh")
            _refused(lambda: client.modify_security_group_rules(
                GroupId=group_id, DryRun=True, SecurityGroupRules=[{
                    "SecurityGroupRuleId": alt, "SecurityGroupRule": {
                        "IpProtocol": "tcp", "FromPort": 20, "ToPort": 30,
                        "CidrIpv4": "0.0.0.0/0", "Description": "alt ssh"}}]),
                rule="no-world-ssh")
            # a description taken away
            _refused(modify(office, IpProtocol="tcp", FromPort=22, ToPort=22,
                            CidrIpv4="192.0.2.0/24", Description=" "), rule="described")
            assert _moto_rules(boto, group_id) == before  # nothing refused arrived
            # an egress rule may open TCP 22 to the world: restricted-ssh judges ingress
            modify(api, IpProtocol="tcp", FromPort=22, ToPort=22, CidrIpv4="0.0.0.0/0",
                   Description="git over ssh")()
        assert _moto_rules(boto, group_id)[api] == (
            True, "tcp", 22, 22, "0.0.0.0/0", "git over ssh")
        assert [json.loads(line)["decision"] for line in audit] == [
            "refused", "refused", "refused", "refused", "allowed"]


def test_a_modify_that_grants_nothing_new_is_not_refused_for_what_the_rule_grants_already():
    """A rule open to the world on TCP 22 that predates the policy (made at moto_server
    directly): a modify that only describes it, or narrows it, opens nothing and passes
    (docs/policy.md: the policy judges the change, not the group); one that widens it is
    judged as the rule it leaves and refused."""
    with moto_server() as upstream:
        boto = boto_ec2(upstream, UPSTREAM)
        group_id = boto.create_security_group(GroupName="legacy", Description="d")["GroupId"]
        boto.authorize_security_group_ingress(GroupId=group_id, IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 0, "ToPort": 1024,
             "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
        [legacy] = [k for k, v in _moto_rules(boto, group_id).items() if not v[0]]
        app = make_app(credentials=[GATEWAY_CLIENT], upstream=upstream,
                       upstream_credentials=UPSTREAM, policy=DESCRIBED_POLICY)

        def modify(**rule):
            return lambda: client.modify_security_group_rules(GroupId=group_id, SecurityGroupRules=[
                {"SecurityGroupRuleId": legacy, "SecurityGroupRule": rule}])

        with running(app) as gateway:
            client = boto_ec2(gateway, GATEWAY_CLIENT)
            modify(IpProtocol="tcp", FromPort=0, ToPort=1024, CidrIpv4="0.0.0.0/0",
                   Description="legacy, ticket 42")()
            assert _moto_rules(boto, group_id)[legacy] == (
                False, "tcp", 0, 1024, "0.0.0.0/0", "legacy, ticket 42")
            modify(IpProtocol="tcp", FromPort=22, ToPort=80, CidrIpv4="0.0.0.0/0",
                   Description="legacy, narrowed")()
            assert _moto_rules(boto, group_id)[legacy][2:4] == (22, 80)
            _refused(modify(IpProtocol="tcp", FromPort=22, ToPort=81, CidrIpv4="0.0.0.0/0",
                            Description="legacy, widened"), rule="no-world-ssh")
            _refused(modify(IpProtocol="-1", FromPort=-1, ToPort=-1, CidrIpv4="0.0.0.0/0",
                            Description="legacy, all traffic"), rule="no-world-ssh")
            # the description rule still judges what the modify sets
            _refused(modify(IpProtocol="tcp", FromPort=22, ToPort=80, CidrIpv4="0.0.0.0/0"),
                     rule="described")
        assert _moto_rules(boto, group_id)[legacy] == (
            False, "tcp", 22, 80, "0.0.0.0/0", "legacy, narrowed")


def test_a_description_cannot_be_taken_away_past_require_description():
    """An open SSH rule that predates the policy may be described (restricted-ssh does
    not judge a description update); taking a description away, by value or by rule id,
    is refused and leaves it."""
    from ec2query.gateway import Backend

    backend = Backend()
    before = make_app(credentials=[CREDS], backend=backend)
    group_id = etree.fromstring(call(before, "CreateSecurityGroup", {
        "GroupName": "old", "Description": "d"})[1]).findtext("{*}groupId")
    assert call(before, "AuthorizeSecurityGroupIngress",
                {"GroupId": group_id, "IpPermissions": [WORLD_SSH]})[0] == 200
    rule_id = _rule_ids(before, group_id)["false"]
    guarded = make_app(credentials=[CREDS], backend=backend, policy=DESCRIBED_POLICY)
    update = "UpdateSecurityGroupRuleDescriptionsIngress"
    described = {**WORLD_SSH, "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": "bastion"}]}
    assert call(guarded, update, {"GroupId": group_id, "IpPermissions": [described]})[0] == 200
    for params in ({"GroupId": group_id, "IpPermissions": [WORLD_SSH]},
                   {"GroupId": group_id, "SecurityGroupRuleDescriptions": [
                       {"SecurityGroupRuleId": rule_id}]}):
        status, body = call(guarded, update, params)
        assert (status, error_of(body)[0]) == (403, "UnauthorizedOperation")
        [violation] = decode_message(error_of(body)[1])["violations"]
        assert violation["rule"] == "described"
    status, body = call(guarded, "DescribeSecurityGroupRules", {"SecurityGroupRuleIds": [rule_id]})
    assert etree.fromstring(body).findtext(".//{*}description") == "bastion"
    backend.close()
