"""The three verifiers on arbitrary requests: a VerifiedRequest or an AuthError, quickly."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ec2query._errors import AuthError
from ec2query._request import sign_query_pairs
from ec2query.auth._verify import (
    VerifiedRequest,
    verify_request,
    verify_sigv2,
    verify_sigv4_header,
    verify_sigv4_query,
)
from tests.fuzz.hostile import CREDS, LOOKUP, MIXED_TEXT, NOW, bounded

VERIFIERS = {
    "request": verify_request,
    "sigv2": verify_sigv2,
    "sigv4-header": verify_sigv4_header,
    "sigv4-query": verify_sigv4_query,
}

DATES = st.sampled_from(
    [
        "20240501T120000Z",
        "99991231T235959Z",
        "00010101T000000Z",
        "20241301T000000Z",
        "2024-05-01T12:00:00Z",
        "0001-01-01T00:00:00+05:00",
        "9999-12-31T23:59:59-05:00",
        "Wed, 01 May 2024 12:00:00 GMT",
        "Mon, 01 Jan 99999 00:00:00 GMT",
        "Fri, 31 Dec 9999 23:59:59 -1200",
    ]
)
AUTH_VALUES = st.one_of(
    MIXED_TEXT,
    DATES,
    st.sampled_from(
        [
            "AWS4-HMAC-SHA256",
            f"{CREDS.access_key}/20240501/us-east-1/ec2/aws4_request",
            "host",
            "host;x-amz-date",
            "604800",
            "604801",
            "0",
            "2",
            "HmacSHA256",
            "HmacSHA1",
            CREDS.access_key,
            "0" * 64,
        ]
    ),
)
AUTH_NAMES = st.sampled_from(
    [
        "X-Amz-Algorithm",
        "X-Amz-Credential",
        "X-Amz-Date",
        "X-Amz-Expires",
        "X-Amz-SignedHeaders",
        "X-Amz-Signature",
        "X-Amz-Security-Token",
        "AWSAccessKeyId",
        "Signature",
        "SignatureMethod",
        "SignatureVersion",
        "Timestamp",
        "Expires",
        "SecurityToken",
        "Action",
    ]
)
HEADER_NAMES = st.one_of(
    st.sampled_from(
        [
            "Authorization",
            "X-Amz-Date",
            "Date",
            "Host",
            "Content-Type",
            "X-Amz-Content-Sha256",
            "X-Amz-Security-Token",
            "authorization",
            " Authorization ",
        ]
    ),
    MIXED_TEXT,
)
AUTHORIZATIONS = st.builds(
    lambda cred, signed, sig, sep: (
        f"AWS4-HMAC-SHA256 Credential={cred}{sep}SignedHeaders={signed}{sep}Signature={sig}"
    ),
    AUTH_VALUES,
    AUTH_VALUES,
    AUTH_VALUES,
    st.sampled_from([", ", ",", ",,", " "]),
)
HEADER_VALUES = st.one_of(AUTH_VALUES, AUTHORIZATIONS)
QUERIES = st.lists(st.tuples(AUTH_NAMES, AUTH_VALUES), max_size=8).map(
    lambda pairs: "&".join(f"{k}={v}" for k, v in pairs)
)
URLS = st.one_of(
    QUERIES.map(lambda q: "/?" + q),
    st.tuples(st.sampled_from(["http://", "https://", "", "ftp://"]), MIXED_TEXT, QUERIES).map(
        lambda t: f"{t[0]}{t[1]}/?{t[2]}"
    ),
    st.sampled_from(["http://[::1/", "http://[/x", "//", "", "#", "?", "http://h:99999999/"]),
    MIXED_TEXT,
)
REQUESTS = st.fixed_dictionaries(
    {
        "method": st.one_of(st.sampled_from(["GET", "POST", "PUT", "get"]), MIXED_TEXT),
        "url": URLS,
        "headers": st.one_of(
            st.none(),
            st.dictionaries(HEADER_NAMES, HEADER_VALUES, max_size=5),
            st.lists(st.tuples(HEADER_NAMES, HEADER_VALUES), max_size=5),
        ),
        "body": st.one_of(st.none(), st.binary(max_size=80), MIXED_TEXT, QUERIES),
    }
)
CLOCKS = st.one_of(
    st.just(NOW),
    st.datetimes(timezones=st.just(timezone.utc)),
    st.datetimes(),  # naive: taken as UTC
)


def verified_or_auth_error(verifier, request: dict, now: datetime) -> None:
    """The invariant of every verifier."""
    try:
        result = bounded(lambda: verifier(**request, lookup=LOOKUP, now=now))
    except AuthError as error:
        assert error.code in (
            "MissingAuthenticationToken",
            "IncompleteSignature",
            "AuthFailure",
            "RequestExpired",
            "SignatureDoesNotMatch",
        ), error
        assert error.http_status in (400, 401, 403)
        return
    assert isinstance(result, VerifiedRequest)


@pytest.mark.parametrize("name", sorted(VERIFIERS))
@given(request=REQUESTS, now=CLOCKS)
def test_arbitrary_requests(name, request, now):
    verified_or_auth_error(VERIFIERS[name], request, now)


SIGNED = {
    scheme: sign_query_pairs(
        [("Action", "DescribeSecurityGroups"), ("Version", "2016-11-15")],
        endpoint="http://localhost",
        credentials=CREDS,
        signature=scheme,
        timestamp=NOW,
        region="us-east-1",
    )
    for scheme in ("v4", "v4-query", "v2")
}


@pytest.mark.parametrize("scheme", sorted(SIGNED))
@given(
    data=st.data(),
    skew=st.one_of(st.just(timedelta(0)), st.timedeltas(timedelta(days=-3), timedelta(days=3))),
)
def test_mutated_signed_requests(scheme, data, skew):
    """A valid request with one part replaced: verified only when the signature still holds."""
    raw = SIGNED[scheme]
    request = {"method": raw.method, "url": raw.url, "headers": dict(raw.headers), "body": raw.body}
    part = data.draw(st.sampled_from(["method", "url", "header", "body", "none"]))
    if part == "method":
        request["method"] = data.draw(MIXED_TEXT)
    elif part == "url":
        cut = data.draw(st.integers(0, len(raw.url)))
        request["url"] = raw.url[:cut] + data.draw(MIXED_TEXT) + raw.url[cut:]
    elif part == "header":
        request["headers"][data.draw(HEADER_NAMES)] = data.draw(HEADER_VALUES)
    elif part == "body":
        request["body"] = data.draw(st.one_of(MIXED_TEXT, st.binary(max_size=40)))
    verified_or_auth_error(verify_request, request, NOW + skew)
    if part == "none" and abs(skew) < timedelta(minutes=15):
        assert verify_request(**request, lookup=LOOKUP, now=NOW + skew).access_key
