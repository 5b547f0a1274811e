"""The Verifier: settings and a bounded key cache in one object, over the one Received value."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from ec2query._errors import AuthError
from ec2query._request import sign_query_pairs
from ec2query.auth import SIGV2, SIGV4_HEADER, SIGV4_QUERY, Credentials, Verifier
from ec2query.auth._verify import Received, received

NOW = datetime(2024, 5, 1, 12, tzinfo=timezone.utc)
CREDS = Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
PAIRS = [("Action", "DescribeSecurityGroups"), ("Version", "2016-11-15")]


def _request(signature: str, *, when: datetime = NOW, creds: Credentials = CREDS,
             region: str = "us-east-1") -> Received:
    raw = sign_query_pairs(PAIRS, endpoint="http://localhost", credentials=creds,
                           region=region, signature=signature, timestamp=when)
    return received(raw.method, raw.url, raw.headers, raw.body)


@pytest.mark.parametrize(("signature", "scheme"), [("v4", SIGV4_HEADER),
                                                   ("v4-query", SIGV4_QUERY), ("v2", SIGV2)])
def test_each_scheme_verifies_on_the_verifiers_clock(signature, scheme):
    verifier = Verifier({CREDS.access_key: CREDS.secret_key}.get, clock=lambda: NOW)
    assert verifier.verify(_request(signature)).scheme == scheme
    late = Verifier({CREDS.access_key: CREDS.secret_key}.get,
                    clock=lambda: NOW + timedelta(hours=2))
    with pytest.raises(AuthError) as info:
        late.verify(_request(signature))
    assert info.value.code == "RequestExpired"


def test_region_and_skew_are_the_verifiers():
    lookup = {CREDS.access_key: CREDS}.get
    request = _request("v4", region="eu-west-3")
    assert Verifier(lookup, clock=lambda: NOW).verify(request).region == "eu-west-3"
    with pytest.raises(AuthError) as info:
        Verifier(lookup, region="us-east-1", clock=lambda: NOW).verify(request)
    assert info.value.code == "SignatureDoesNotMatch"
    skewed = _request("v4", when=NOW - timedelta(minutes=10))
    Verifier(lookup, clock=lambda: NOW).verify(skewed)
    with pytest.raises(AuthError):
        Verifier(lookup, max_skew=timedelta(minutes=5), clock=lambda: NOW).verify(skewed)


def test_the_key_cache_is_bounded_and_never_shown():
    keys = {f"AKID{i:012d}": f"secret-{i}" for i in range(20)}
    verifier = Verifier(keys.get, clock=lambda: NOW, cache_size=4)
    for access_key, secret in keys.items():
        verifier.verify(_request("v4", creds=Credentials(access_key, secret)))
        assert len(verifier._keys) <= 4
    text = repr(verifier) + repr(verifier._keys)
    assert not any(secret in text for secret in keys.values())


def test_an_unknown_key_fills_no_cache():
    verifier = Verifier(lambda key: None, clock=lambda: NOW)
    with pytest.raises(AuthError) as info:
        verifier.verify(_request("v4"))
    assert info.value.code == "AuthFailure" and len(verifier._keys) == 0


def test_an_empty_secret_authenticates_nobody():
    verifier = Verifier(lambda key: "", clock=lambda: NOW)
    with pytest.raises(AuthError) as info:
        verifier.verify(_request("v4"))
    assert info.value.code == "AuthFailure"


def test_the_received_value_keeps_parse_errors_for_its_consumers():
    request = received("GET", "/?a=%FF&Action=X", {"Host": "h"}, b"b=%FE")
    assert request.query is None and request.query_error.code == "MalformedQueryString"
    assert request.form is None and request.form_error.code == "MalformedQueryString"
    with pytest.raises(AuthError) as info:  # SigV2 (no other scheme): cannot have been signed
        Verifier(lambda key: None, clock=lambda: NOW).verify(request)
    assert info.value.code == "SignatureDoesNotMatch"


def test_a_body_is_a_form_only_when_its_one_content_type_says_so():
    def body_of(headers):
        return received("POST", "/", headers, b"a=1")

    assert body_of({}).form == [("a", "1")]
    assert body_of({"Content-Type": " Application/X-WWW-Form-Urlencoded ; charset=utf-8"}
                   ).form == [("a", "1")]
    for headers in ({"Content-Type": "text/plain"},
                    [("Content-Type", "application/x-www-form-urlencoded")] * 2):
        request = body_of(headers)
        assert request.form == [] and not request.is_form


def test_a_lone_surrogate_in_the_query_is_signature_does_not_match():
    request = received("GET", "/?Action=\ud800", {"Host": "h"}, b"")
    with pytest.raises(AuthError) as info:
        Verifier(lambda key: None, clock=lambda: NOW).verify(request)
    assert info.value.code == "SignatureDoesNotMatch"


def test_a_scope_for_another_region_service_or_day_says_which():
    """AWS's texts for a wrong scope (as its Query services send them, HTTP 403)."""
    lookup = {CREDS.access_key: CREDS}.get
    request = _request("v4", region="eu-west-3")
    with pytest.raises(AuthError) as info:
        Verifier(lookup, region="us-east-1", service="sts", clock=lambda: NOW).verify(request)
    assert (info.value.code, info.value.http_status) == ("SignatureDoesNotMatch", 403)
    assert info.value.message == ("Credential should be scoped to a valid region, not "
                                  "'eu-west-3'. Credential should be scoped to correct "
                                  "service: 'sts'.")
