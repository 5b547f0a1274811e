"""The signing fast paths give exactly what the general paths give (no timing here)."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from ec2query._codec.query import to_query
from ec2query._errors import RequestError
from ec2query._percent import encode_form
from ec2query._request import (
    FORM_CONTENT_TYPE,
    RawRequest,
    _endpoint,
    build_signed_request,
    parse_timestamp,
    sign_query_pairs,
)
from ec2query.auth import Credentials, sigv4

from .strategies import CREDENTIALS, REGIONS, TIMES, TRICKY

HOSTS = st.one_of(
    st.sampled_from(["ec2.us-east-1.amazonaws.com", "localhost:5000", "127.0.0.1:8443", "",
                     "Mixed.Case.Example", " spaced  host "]),
    TRICKY,
)
URLS = st.builds(
    lambda scheme, path, query: f"{scheme}://h{path}{'?' + query if query else ''}",
    st.sampled_from(["http", "https"]),
    st.sampled_from(["", "/", "/a/b", "/a/../b/", "//x//y", "/é %20/", "/~user/x y"]),
    st.sampled_from(["", "a=1", "b=2&a=1", "x=%20+y"]),
)
TOKENS = st.one_of(st.none(), st.just(""), TRICKY, st.sampled_from(["a  b", " lead", "t\tab"]))
CONTENT_TYPES = st.sampled_from([FORM_CONTENT_TYPE, "text/plain", " a  b "])


@given(url=URLS, host=HOSTS, content_type=CONTENT_TYPES, body=st.binary(max_size=64),
       creds=CREDENTIALS, token=TOKENS, region=REGIONS, when=TIMES,
       service=st.sampled_from(["ec2", "sts"]))
def test_sign_form_post_equals_sign_headers(url, host, content_type, body, creds, token, region,
                                            when, service):
    creds = Credentials(creds.access_key, creds.secret_key, token)
    general = sigv4.sign_headers(method="POST", url=url,
                                 headers={"Host": host, "Content-Type": content_type},
                                 body=body, credentials=creds, region=region, service=service,
                                 timestamp=when)
    fast = sigv4.sign_form_post(url=url, host=host, content_type=content_type, body=body,
                                credentials=creds, region=region, service=service,
                                date=sigv4.amz_date(when))
    assert fast == general
    assert list(fast) == list(general)


def test_amz_date_now_is_the_date_of_now() -> None:
    before = sigv4.amz_date(datetime.now(timezone.utc))
    now = sigv4.amz_date_now()
    after = sigv4.amz_date(datetime.now(timezone.utc))
    assert before <= now <= after
    assert sigv4.amz_date_now() >= now


OPS = ["RevokeSecurityGroupIngress", "authorize-security-group-egress"]
PARAMS = st.one_of(
    st.fixed_dictionaries({"GroupName": TRICKY, "IpPermissions": st.lists(st.fixed_dictionaries(
        {"IpProtocol": TRICKY, "FromPort": st.integers(-1, 65535),
         "IpRanges": st.lists(st.fixed_dictionaries(
             {"CidrIp": TRICKY, "Description": TRICKY}), max_size=2)}), max_size=2)}),
    st.dictionaries(st.sampled_from(["GroupName", "GroupId", "DryRun", "FromPort", "Bogus"]),
                    st.one_of(TRICKY, st.integers(), st.booleans(), st.none()), max_size=3),
    st.just({"GroupName": "\ud800"}),
)
ENDPOINTS = st.sampled_from(["https://ec2.us-east-1.amazonaws.com", "http://localhost:5000/p",
                             "ec2.example.com:443", "https://h/a b", "https://h\x7f/"])


def _outcome(call):
    try:
        request = call()
        wire = request.to_http()
    except Exception as exc:  # the same exception, with the same arguments
        return type(exc), getattr(exc, "code", None), str(exc)
    return request.method, request.url, request.headers, request.body, wire


@given(op=st.sampled_from(OPS), params=PARAMS, endpoint=ENDPOINTS, creds=CREDENTIALS,
       token=TOKENS, region=st.one_of(REGIONS, st.just("bad\nregion")), when=TIMES)
@example(op=OPS[0], params={"GroupName": "web srv/é"}, endpoint="https://h", creds=None,
         token="a\r\nb", region="us-east-1", when=datetime(2024, 5, 1, tzinfo=timezone.utc))
def test_build_signed_request_v4_equals_signing_the_pairs(op, params, endpoint, creds, token,
                                                          region, when):
    """The v4 fast path (encoder text, template signer, trusted RawRequest) against
    ``sign_query_pairs`` of ``to_query``'s pairs through the general ``sign_headers``."""
    creds = Credentials(creds.access_key if creds else "AKID",
                        creds.secret_key if creds else "secret", token)

    def general():  # the implementation before the fast path, verbatim
        pairs = to_query(op, params)
        _, base, host = _endpoint(endpoint)
        try:
            body = encode_form(pairs).encode("ascii")
        except UnicodeEncodeError as exc:  # as build_signed_request reports a lone surrogate
            raise RequestError("InvalidParameterValue",
                               f"A parameter value is not valid Unicode text: {exc.reason}"
                               ) from None
        headers = {"Host": host, "Content-Type": FORM_CONTENT_TYPE}
        headers.update(sigv4.sign_headers(method="POST", url=base, headers=headers, body=body,
                                          credentials=creds, region=region,
                                          timestamp=parse_timestamp(when)))
        headers["Content-Length"] = str(len(body))
        return RawRequest("POST", base, headers, body)

    def fast():
        return build_signed_request(op, params, endpoint=endpoint, credentials=creds,
                                    region=region, timestamp=when)

    assert _outcome(fast) == _outcome(general)


def test_sign_query_pairs_v4_equals_sign_headers() -> None:
    creds = Credentials("AKID", "secret", "tok en")
    when = datetime(2024, 5, 1, 12, tzinfo=timezone.utc)
    request = sign_query_pairs([("Action", "X"), ("a b", "c+d")], endpoint="https://h/p",
                               credentials=creds, timestamp=when)
    headers = {"Host": "h", "Content-Type": FORM_CONTENT_TYPE}
    headers.update(sigv4.sign_headers(method="POST", url="https://h/p", headers=headers,
                                      body=request.body, credentials=creds,
                                      region="us-east-1", timestamp=when))
    headers["Content-Length"] = str(len(request.body))
    assert request == RawRequest("POST", "https://h/p", headers, request.body)
    assert list(request.headers) == list(headers)


def test_trusted_requests_still_refuse_bad_header_values() -> None:
    creds = Credentials("AKID", "secret", "a\nb")
    with pytest.raises(Exception, match="CR, LF or NUL"):
        build_signed_request("RevokeSecurityGroupIngress", {"GroupName": "x"},
                             endpoint="https://h", credentials=creds)


@given(dates=st.lists(TIMES, min_size=1, max_size=4), body=st.binary(max_size=16),
       token=TOKENS)
def test_one_signer_across_days_equals_sign_headers(dates, body, token) -> None:
    creds = Credentials("AKID", "secret", token)
    signer = sigv4.FormPostSigner(url="https://h/", host="h", content_type=FORM_CONTENT_TYPE,
                                  credentials=creds, region="eu-west-3")
    for when in dates:
        general = sigv4.sign_headers(method="POST", url="https://h/",
                                     headers={"Host": "h", "Content-Type": FORM_CONTENT_TYPE},
                                     body=body, credentials=creds, region="eu-west-3",
                                     timestamp=when)
        assert signer.sign(body, sigv4.amz_date(when)) == general


HEADER_NAMES = st.one_of(st.sampled_from(["Host", "host ", "X-Amz-Date", "content-type",
                                          "X-Custom", "x-custom", " X-CUSTOM"]), TRICKY)
HEADERS = st.lists(st.tuples(HEADER_NAMES, st.one_of(TRICKY, st.just(" a \t b  "))),
                   max_size=6)


@given(headers=HEADERS, signed=st.lists(HEADER_NAMES, min_size=1, max_size=4),
       path=st.sampled_from(["/", "", "/a/./b//c/", "/é x"]),
       query=st.sampled_from(["", "b=1&a=2", [("k", "v w")]]))
def test_canonical_request_grouped_equals_canonical_request(headers, signed, path, query):
    groups: dict[str, list[str]] = {}
    for name, value in headers:  # as the verifiers hold received headers
        groups.setdefault(name.strip().lower(), []).append(value)
    flat = [(n, v) for n, vs in groups.items() for v in vs]
    general = sigv4.canonical_request(method="POST", path=path, query=query, headers=flat,
                                      signed_headers=signed, payload_hash="p")
    fast = sigv4.canonical_request_grouped(method="POST", path=path, query=query,
                                           groups=groups, signed_headers=signed,
                                           payload_hash="p")
    assert fast == general


@given(st.one_of(st.from_regex(r"\A[0-9]{8}T[0-9]{6}Z\Z"), TIMES.map(sigv4.amz_date),
                 st.sampled_from(["20240230T000000Z", "20241301T000000Z", "20240101T240000Z",
                                  "20240101T006000Z", "20240101T000060Z", "20240101T000061Z",
                                  "00000101T000000Z", "09990101T000000Z"])))
def test_parse_amz_date_equals_strptime(value: str) -> None:
    from ec2query._errors import AuthError
    from ec2query.auth import _verify as verify

    try:
        expected = datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc)
    except ValueError:
        with pytest.raises(AuthError, match="conform"):
            verify._parse_amz_date(value)
    else:
        assert verify._parse_amz_date(value) == expected
        day = expected.strftime("%Y%m%d")
        verify._check_scope(day, expected, "r", "s", None, None)  # the same day string
        with pytest.raises(AuthError):
            verify._check_scope(day + "0", expected, "r", "s", None, None)


def test_cached_plans_follow_the_credentials_endpoint_and_region() -> None:
    when = datetime(2024, 5, 1, 12, tzinfo=timezone.utc)
    cases = [(Credentials("AKID1", "s1"), "https://h", "us-east-1"),
             (Credentials("AKID1", "s2", "tok"), "https://h", "us-east-1"),
             (Credentials("AKID1", "s1"), "https://h", "eu-west-3"),
             (Credentials("AKID1", "s1"), "http://other:8080/p", "us-east-1")]
    for creds, endpoint, region in cases * 2:
        fast = build_signed_request("RevokeSecurityGroupIngress", {"GroupName": "g"},
                                    endpoint=endpoint, credentials=creds, region=region,
                                    timestamp=when)
        _, base, host = _endpoint(endpoint)
        headers = {"Host": host, "Content-Type": FORM_CONTENT_TYPE}
        headers.update(sigv4.sign_headers(method="POST", url=base, headers=headers,
                                          body=fast.body, credentials=creds, region=region,
                                          timestamp=when))
        assert {k: fast.headers[k] for k in headers} == headers
