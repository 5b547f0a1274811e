"""The gateway's WSGI entry on hostile requests: always EC2's XML with a status, never a 500."""

from __future__ import annotations

import io
import logging
import re

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from ec2query import _limits as limits
from ec2query import parse_response
from ec2query.gateway import make_app
from tests.fuzz.hostile import (
    CREDS,
    MIXED_TEXT,
    NOW,
    OPERATIONS,
    QUERY_PAIRS,
    base_environ,
    call_app,
    signed_environ,
)

APP = make_app(db=":memory:", credentials={CREDS.access_key: CREDS.secret_key}, clock=lambda: NOW)
SETTINGS = settings(suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(autouse=True)
def _internal_errors_fail(caplog):
    """The gateway logs an internal error before answering 500: fail on that too."""
    caplog.set_level(logging.ERROR, logger="ec2query.gateway")
    yield
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors, errors


def latin1(text: str) -> str:
    """``text`` as a WSGI server hands it over (PEP 3333: bytes decoded as ISO-8859-1)."""
    return text.encode("utf-8", "surrogatepass").decode("latin-1")


ENVIRON_VALUES = st.one_of(
    MIXED_TEXT.map(latin1), st.binary(max_size=30).map(lambda b: b.decode("latin-1"))
)
METHODS = st.one_of(
    st.sampled_from(["GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "get", "CONNECT", ""]),
    ENVIRON_VALUES,
)
CONTENT_TYPES = st.one_of(
    st.sampled_from(
        [
            "",
            "application/x-www-form-urlencoded",
            "application/x-www-form-urlencoded; charset=utf-8",
            "APPLICATION/X-WWW-FORM-URLENCODED;charset=latin-1",
            "application/json",
            "text/xml",
            "multipart/form-data; boundary=x",
        ]
    ),
    ENVIRON_VALUES,
)
LENGTHS = st.one_of(
    st.sampled_from(["", "0", "-1", "²", "١٢", "1e3", " 5", "5 ", "99999999999999999999"]),
    st.just(str(limits.MAX_QUERY_BYTES + 1)),
    st.integers(0, 200).map(str),
)
HEADERS = st.dictionaries(
    st.sampled_from(
        [
            "HTTP_AUTHORIZATION",
            "HTTP_X_AMZ_DATE",
            "HTTP_HOST",
            "HTTP_X_AMZ_SECURITY_TOKEN",
            "HTTP_X_AMZ_CONTENT_SHA256",
            "HTTP_DATE",
            "HTTP_TRANSFER_ENCODING",
            "HTTP_X_FORWARDED_FOR",
            "RAW_URI",
            "REQUEST_URI",
            "SCRIPT_NAME",
            "PATH_INFO",
            "wsgi.url_scheme",
            "SERVER_NAME",
        ]
    ),
    ENVIRON_VALUES,
    max_size=4,
)


@SETTINGS
@given(
    method=METHODS,
    content_type=CONTENT_TYPES,
    length=LENGTHS,
    body=st.one_of(st.binary(max_size=200), QUERY_PAIRS.map(lambda p: "&".join(map("=".join, p)))),
    query=st.one_of(ENVIRON_VALUES, QUERY_PAIRS.map(lambda p: "&".join(map("=".join, p)))),
    extra=HEADERS,
)
def test_arbitrary_http_requests(method, content_type, length, body, query, extra):
    if isinstance(body, str):
        body = body.encode("utf-8", "surrogatepass")
    environ = base_environ(method, "/", latin1(query), body)
    environ.update(CONTENT_TYPE=content_type, CONTENT_LENGTH=length, **extra)
    status, _, _ = call_app(APP, environ)
    assert status != 200 or method in ("GET", "POST")


@SETTINGS
@given(
    pairs=QUERY_PAIRS,
    operation=st.sampled_from(OPERATIONS),
    scheme=st.sampled_from(["v4", "v4-query", "v2"]),
)
def test_signed_requests_with_hostile_parameters(pairs, operation, scheme):
    """Correctly signed, so every decoder, the validator and the backend see the content."""
    pairs = [("Action", operation), ("Version", "2016-11-15"), *pairs]
    call_app(APP, signed_environ(pairs, signature=scheme))


#: Names and descriptions as EC2 allows them (VPC: a-z A-Z 0-9 spaces ._-:/()#,@[]+=&;{}!$*;
#: EC2-Classic: any ASCII) and beyond: each is created, or refused with a typed 400.
NAMES = st.one_of(
    st.text(
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ._-:/()#,@[]+=&;{}!$*",
        min_size=1,
        max_size=255,
    ),
    st.text(st.characters(min_codepoint=0, max_codepoint=127), min_size=1, max_size=40),
    st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=40),
    st.sampled_from(["sg-12345678", "default", "群组", "é" * 255, "e" * 256, " ", "\x00"]),
)


@settings(SETTINGS, max_examples=60)
@given(name=NAMES, description=NAMES)
@example(name="*", description="*")  # a filter wildcard, found by hypothesis
def test_unicode_group_names_and_descriptions(name, description):
    create = [
        ("Action", "CreateSecurityGroup"),
        ("Version", "2016-11-15"),
        ("GroupName", name),
        ("GroupDescription", description),
    ]
    status, _, body = call_app(APP, signed_environ(create))
    if status != 200:
        assert status == 400, body
        return
    describe = [
        ("Action", "DescribeSecurityGroups"),
        ("Version", "2016-11-15"),
        ("Filter.1.Name", "group-name"),
        ("Filter.1.Value.1", re.sub(r"([*?\\])", r"\\\1", name)),  # the name, not a wildcard
    ]
    status, _, answer = call_app(APP, signed_environ(describe))
    assert status == 200
    groups = parse_response("DescribeSecurityGroups", answer)["SecurityGroups"]
    assert [(g["GroupName"], g["Description"]) for g in groups] == [(name, description)]
    delete = [("Action", "DeleteSecurityGroup"), ("Version", "2016-11-15"), ("GroupName", name)]
    assert call_app(APP, signed_environ(delete))[0] == 200


def test_a_body_that_says_it_is_huge_is_refused_before_reading():
    class Endless(io.RawIOBase):
        def read(self, size: int = -1) -> bytes:
            raise AssertionError("the gateway read the body")

    environ = base_environ("POST", "/", "", b"")
    environ.update(
        CONTENT_TYPE="application/x-www-form-urlencoded",
        CONTENT_LENGTH=str(10**12),
        **{"wsgi.input": Endless()},
    )
    status, _, body = call_app(APP, environ)
    assert status == 400 and str(limits.MAX_QUERY_BYTES).encode() in body


def test_too_many_parameters_is_refused():
    pairs = [("Action", "DescribeSecurityGroups"), ("Version", "2016-11-15")]
    pairs += [(f"GroupId.{i}", "sg-12345678") for i in range(1, limits.MAX_PARAMS + 1)]
    status, _, body = call_app(APP, signed_environ(pairs))
    assert status == 400 and str(limits.MAX_PARAMS).encode() in body


def test_every_character_ec2_allows_in_a_vpc_group_name_round_trips():
    name = "a-zA-Z09 ._-:/()#,@[]+=&;{}!$*"
    create = [
        ("Action", "CreateSecurityGroup"),
        ("Version", "2016-11-15"),
        ("GroupName", name),
        ("GroupDescription", name[::-1]),
    ]
    assert call_app(APP, signed_environ(create))[0] == 200
    describe = [("Action", "DescribeSecurityGroups"), ("Version", "2016-11-15")]
    groups = parse_response("DescribeSecurityGroups", call_app(APP, signed_environ(describe))[2])
    assert (name, name[::-1]) in [
        (g["GroupName"], g["Description"]) for g in groups["SecurityGroups"]
    ]
    delete = [("Action", "DeleteSecurityGroup"), ("Version", "2016-11-15"), ("GroupName", name)]
    assert call_app(APP, signed_environ(delete))[0] == 200
