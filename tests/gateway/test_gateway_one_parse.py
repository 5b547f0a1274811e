"""The gateway reads a request once: what the verifier checked is what the decoder acts on.

Each request here is correctly signed in one reading and carries something else
in another (a second query source, a body the verifier might not count, a
Content-Type two checks could read differently). With one value made from the
environ by one form parser, none of them can pass.
"""

from __future__ import annotations

import pytest

from ec2query import _limits as limits
from ec2query._errors import DryRunOperation, EC2Error, InternalError, ServiceError, UsageError
from ec2query._percent import encode_pairs
from ec2query.auth import Credentials
from ec2query.auth import _sigv2 as sigv2
from ec2query.gateway import _app as app_module
from ec2query.gateway import make_app
from tests.fuzz.hostile import CREDS, NOW, base_environ, call_app, signed_environ

APP = make_app(db=":memory:", credentials={CREDS.access_key: CREDS.secret_key}, clock=lambda: NOW)
DESCRIBE = [("Action", "DescribeSecurityGroups"), ("Version", "2016-11-15")]
FORM = "application/x-www-form-urlencoded"


def _code(answer: tuple[int, dict[str, str], bytes]) -> tuple[int, str]:
    status, _, body = answer
    if status == 200:
        return status, "OK"
    return status, body.split(b"<Code>")[1].split(b"</Code>")[0].decode()


def _v2_post_with_signed_query(body: bytes, content_type: str, **extra: str) -> dict:
    """A SigV2 POST whose signed parameters all travel in the query string."""
    signed = sigv2.sign_params(method="POST", url="http://localhost/", params=DESCRIBE,
                               credentials=CREDS, timestamp=NOW)
    environ = base_environ("POST", "/", encode_pairs(signed), body)
    environ.update(CONTENT_TYPE=content_type, CONTENT_LENGTH=str(len(body)), **extra)
    return environ


def test_the_signed_query_alone_is_accepted():
    assert _code(call_app(APP, _v2_post_with_signed_query(b"", FORM))) == (200, "OK")


@pytest.mark.parametrize("content_type", [FORM, " application/x-www-form-urlencoded",
                                          "APPLICATION/X-WWW-FORM-URLENCODED ; charset=utf-8",
                                          ""])
def test_an_unsigned_body_parameter_is_never_acted_on(content_type):
    """The verifier counts the body's pairs exactly when the decoder does."""
    body = b"Filter.1.Name=group-name&Filter.1.Value.1=none"
    status, code = _code(call_app(APP, _v2_post_with_signed_query(body, content_type)))
    assert (status, code) == (403, "SignatureDoesNotMatch")


def test_a_second_content_type_cannot_hide_the_body_from_the_verifier():
    body = b"Filter.1.Name=group-name&Filter.1.Value.1=none"
    environ = _v2_post_with_signed_query(body, "", HTTP_CONTENT_TYPE="text/plain")
    status, _ = _code(call_app(APP, environ))
    assert status in (400, 403)


def test_the_query_is_read_from_one_source():
    """RAW_URI carries a validly presigned query, QUERY_STRING another request: the
    verifier and the decoder both read QUERY_STRING, so it does not verify."""
    good = signed_environ(DESCRIBE, signature="v4-query")
    other = signed_environ([("Action", "CreateSecurityGroup"), ("Version", "2016-11-15"),
                            ("GroupName", "sneaky"), ("GroupDescription", "d")],
                           signature="v4-query")
    environ = dict(other)
    environ["RAW_URI"] = "/?" + good["QUERY_STRING"]
    environ["QUERY_STRING"] = other["QUERY_STRING"].replace("sneaky", "sneakier")
    assert _code(call_app(APP, environ)) == (403, "SignatureDoesNotMatch")
    environ["QUERY_STRING"] = good["QUERY_STRING"]  # both readings agree: accepted
    environ["RAW_URI"] = "/?" + other["QUERY_STRING"]
    assert _code(call_app(APP, environ)) == (200, "OK")


def test_an_undecodable_sigv2_query_is_signature_does_not_match():
    environ = base_environ("GET", "/", "Action=DescribeSecurityGroups&GroupName=%FF", b"")
    assert _code(call_app(APP, environ)) == (403, "SignatureDoesNotMatch")


def test_a_signed_body_that_is_not_utf8_is_malformed_after_verification():
    """SigV4 signs the body's bytes, so it verifies; the decoder then refuses the text."""
    from ec2query._request import sign_query_pairs

    raw = sign_query_pairs(DESCRIBE, endpoint="http://localhost", credentials=CREDS,
                           timestamp=NOW, region="us-east-1")
    body = raw.body + b"&GroupName=%FF"
    from ec2query.auth import Signer

    headers = {"Host": "localhost", "Content-Type": raw.headers["Content-Type"]}
    headers.update(Signer(CREDS, "us-east-1").sign_headers(
        method="POST", url="http://localhost/", headers=headers, body=body, timestamp=NOW))
    environ = base_environ("POST", "/", "", body)
    environ.update(CONTENT_TYPE=headers["Content-Type"], HTTP_X_AMZ_DATE=headers["X-Amz-Date"],
                   HTTP_AUTHORIZATION=headers["Authorization"])
    assert _code(call_app(APP, environ)) == (400, "MalformedQueryString")


def test_the_header_name_table_is_a_constant():
    before = dict(app_module._HEADER_NAMES)
    environ = signed_environ(DESCRIBE)
    for i in range(300):
        environ[f"HTTP_X_CLIENT_CHOSEN_{i}"] = "v"
    assert _code(call_app(APP, environ))[0] == 200
    assert before == app_module._HEADER_NAMES


def test_the_app_owns_a_verifier_and_no_fork_hook():
    import inspect

    assert APP.verifier.region is None and APP.verifier.lookup(CREDS.access_key)
    source = inspect.getsource(app_module)
    assert "fork_safe_random" not in source and "register_at_fork" not in source


def test_dry_run_is_a_typed_service_error():
    pairs = [*DESCRIBE, ("DryRun", "true")]
    assert _code(call_app(APP, signed_environ(pairs))) == (412, "DryRunOperation")
    error = DryRunOperation()
    assert isinstance(error, ServiceError) and error.http_status == 412
    assert isinstance(InternalError(), ServiceError) and InternalError().http_status == 500
    import pickle

    assert pickle.loads(pickle.dumps(error)).code == "DryRunOperation"  # noqa: S301 - our own


def test_an_empty_secret_is_refused_where_the_app_is_made():
    with pytest.raises(UsageError) as info:
        make_app(db=":memory:", credentials={"AKIDEMPTY": ""})
    assert info.value.code == "PartialCredentials"
    assert isinstance(info.value, EC2Error)


def test_a_lookup_that_answers_an_empty_secret_authenticates_nobody():
    app = make_app(db=":memory:", credentials=lambda key: "", clock=lambda: NOW)
    assert _code(call_app(app, signed_environ(DESCRIBE))) == (401, "AuthFailure")


def test_too_many_parameters_in_the_query_is_still_refused():
    pairs = [*DESCRIBE, *((f"GroupId.{i}", "sg-12345678") for i in range(1, limits.MAX_PARAMS))]
    assert _code(call_app(APP, signed_environ(pairs, signature="v4-query")))[0] == 400


def test_credentials_given_as_a_list():
    other = Credentials("AKIDOTHEREXAMPLE", "other")
    app = make_app(db=":memory:", credentials=[other, CREDS], clock=lambda: NOW)
    assert _code(call_app(app, signed_environ(DESCRIBE))) == (200, "OK")
