"""The one SigV4 signer: a Signer owns its credentials, region, service and a bounded key cache."""

from __future__ import annotations

import hmac
import threading
from datetime import datetime, timedelta, timezone

import pytest
from botocore.awsrequest import AWSRequest
from hypothesis import given
from hypothesis import strategies as st

from ec2query._errors import AuthError, EC2Error, RequestError, UsageError
from ec2query._request import (
    FORM_CONTENT_TYPE,
    Endpoint,
    RawRequest,
    build_signed_request,
    sign_query_pairs,
)
from ec2query.auth import Credentials, RefreshingCredentials, Signer, sign_headers
from ec2query.auth import _sigv4 as sigv4
from ec2query.auth import _verify as verify

from . import _botocore as boto
from .strategies import CREDENTIALS, REGIONS, TIMES

WHEN = datetime(2024, 5, 1, 12, tzinfo=timezone.utc)
CREDS = Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "session-token")


def _sign(signer: Signer, when: datetime, body: bytes = b"Action=X") -> dict[str, str]:
    return signer.sign_headers(method="POST", url="https://h/",
                               headers={"Host": "h", "Content-Type": FORM_CONTENT_TYPE},
                               body=body, timestamp=when)


def test_the_repr_never_shows_a_secret_or_a_token():
    signer = Signer(CREDS, "eu-west-3")
    _sign(signer, WHEN)
    for text in (repr(signer), str(signer), repr(signer.keys), repr(signer.keys.get(
            CREDS.secret_key, "20240501", "eu-west-3", "ec2"))):
        assert CREDS.secret_key not in text and "session-token" not in text
    assert "AKIDEXAMPLE" in repr(signer) and "eu-west-3" in repr(signer)


def test_the_key_cache_is_bounded_and_keyed_by_day():
    signer = Signer(CREDS, "us-east-1", cache_size=2)
    for day in range(10):
        _sign(signer, WHEN + timedelta(days=day))
        assert len(signer.keys) <= 2
    again = _sign(signer, WHEN + timedelta(days=9))
    assert again == sign_headers(method="POST", url="https://h/",
                                 headers={"Host": "h", "Content-Type": FORM_CONTENT_TYPE},
                                 body=b"Action=X", credentials=CREDS, region="us-east-1",
                                 timestamp=WHEN + timedelta(days=9))


def test_a_cache_of_no_keys_is_refused():
    with pytest.raises(UsageError):
        Signer(CREDS, "us-east-1", cache_size=0)


def test_the_cache_is_safe_across_threads():
    signer = Signer(CREDS, "us-east-1", cache_size=2)
    errors: list[BaseException] = []

    def work(offset: int) -> None:
        try:
            for day in range(200):
                _sign(signer, WHEN + timedelta(days=(day + offset) % 7))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors and len(signer.keys) <= 2


def test_rotated_credentials_are_picked_up_at_the_next_signing():
    current = [Credentials("AKIDONE", "secret-one")]
    provider = RefreshingCredentials(lambda: (current[0], WHEN), clock=lambda: WHEN)
    signer = Signer(provider, "us-east-1")
    first = _sign(signer, WHEN)
    current[0] = Credentials("AKIDTWO", "secret-two")
    second = _sign(signer, WHEN)
    assert "AKIDONE/" in first["Authorization"] and "AKIDTWO/" in second["Authorization"]
    assert "RefreshingCredentials" in repr(signer)


@given(key=st.binary(min_size=32, max_size=32), message=st.binary(max_size=300))
def test_the_derived_key_hmac_is_hmac_sha256(key, message):
    assert sigv4.DerivedKey(key).hexdigest(message) == hmac.digest(key, message, "sha256").hex()


@given(creds=CREDENTIALS, region=REGIONS, when=TIMES, body=st.binary(max_size=64))
def test_a_held_signer_signs_as_a_new_one(creds, region, when, body):
    held = Signer(creds, region)
    for _ in range(2):
        assert _sign(held, when, body) == _sign(Signer(creds, region), when, body)


#: Requests as a client sends them, to one endpoint or several: the signer remembers the
#: last one's frame and the last second, so a series must mix repeats and changes.
_URLS = st.sampled_from(["https://ec2.us-east-1.amazonaws.com/", "http://localhost:5000/",
                         "https://h/a/b?b=2&a=%2F~x", "https://h:443/"])
_HEADERS = st.sampled_from([
    {"Content-Type": FORM_CONTENT_TYPE},
    {"Host": "h", "Content-Type": FORM_CONTENT_TYPE},
    {"Content-Type": FORM_CONTENT_TYPE, "X-Amz-Meta": "  a   b ", "X-Amz-Date": "stale"},
    {"x-amz-zeta": "z", "X-Amz-Apple": "a", "User-Agent": "ua", "Zed": "1\t2"},
])
_MOMENTS = st.integers(min_value=0, max_value=2_500_000).map(  # microseconds around WHEN
    lambda us: WHEN - timedelta(microseconds=1_000_000 - us))
_REQUEST = st.tuples(st.sampled_from(["POST", "GET", "get"]), _URLS, _HEADERS,
                     st.binary(max_size=16), _MOMENTS, st.sampled_from([0, 1]))


@given(series=st.lists(_REQUEST, min_size=1, max_size=8),
       keys=st.lists(CREDENTIALS, min_size=1, max_size=2))
def test_a_signer_signs_a_series_of_requests_as_botocore(series, keys):
    """One signer, many requests: each is signed as botocore signs it on its own."""
    current = [keys[0]]

    class Rotating:
        def get_credentials(self) -> Credentials:
            return current[0]

    signer = Signer(Rotating(), "eu-west-3")
    for method, url, headers, body, when, which in series:
        current[0] = keys[which % len(keys)]
        ours = signer.sign_headers(method=method, url=url, headers=headers, body=body,
                                   timestamp=when)
        request = AWSRequest(method=method.upper(), url=url, data=body,
                             headers={k: v for k, v in headers.items() if k != "X-Amz-Date"})
        expected = boto.sigv4_header(request, current[0], "eu-west-3", "ec2", when)
        assert ours["Authorization"] == expected.headers["Authorization"], (method, url)
        assert ours["X-Amz-Date"] == expected.headers["X-Amz-Date"]
        assert ours.get("X-Amz-Security-Token") == expected.headers.get("X-Amz-Security-Token")


@given(creds=CREDENTIALS, region=REGIONS, when=TIMES,
       signature=st.sampled_from(["v4", "v4-query", "v2"]))
def test_build_signed_request_with_a_signer_or_credentials_is_the_same(creds, region, when,
                                                                        signature):
    params = {"GroupName": "web srv+1/é"}
    with_creds = build_signed_request("RevokeSecurityGroupIngress", params,
                                      endpoint="https://ec2.example.com", credentials=creds,
                                      region=region, signature=signature, timestamp=when)
    with_signer = build_signed_request("RevokeSecurityGroupIngress", params,
                                       endpoint=Endpoint.parse("https://ec2.example.com"),
                                       signer=Signer(creds, region), signature=signature,
                                       timestamp=when)
    assert with_creds == with_signer


def test_signing_needs_credentials_or_a_signer():
    with pytest.raises(UsageError):
        build_signed_request("RevokeSecurityGroupIngress", {"GroupName": "g"},
                             endpoint="https://h", region="us-east-1")
    with pytest.raises(UsageError):
        Signer("not credentials", "us-east-1")  # type: ignore[arg-type]


def test_an_empty_secret_is_refused_when_the_credentials_are_made():
    with pytest.raises(UsageError) as info:
        Credentials("AKIDEXAMPLE", "")
    assert info.value.code == "PartialCredentials"
    assert isinstance(info.value, ValueError) and isinstance(info.value, EC2Error)


def test_refusals_are_typed():
    signer = Signer(CREDS, "us-east-1")
    with pytest.raises(UsageError):
        signer.presign_url(url="https://h/", timestamp=WHEN, expires=0)
    with pytest.raises(RequestError):  # the one form parser's refusal of a URL's query
        signer.sign_headers(method="GET", url="https://h/?a=%FF", timestamp=WHEN)
    with pytest.raises(RequestError):  # a lone surrogate cannot go on the wire
        sign_query_pairs([("Action", "\ud800")], endpoint="https://h", credentials=CREDS,
                         signature="v2", timestamp=WHEN, region="us-east-1")


def test_raw_requests_still_refuse_bad_header_values():
    creds = Credentials("AKID", "secret", "a\nb")
    with pytest.raises(UsageError, match="CR, LF or NUL"):
        build_signed_request("RevokeSecurityGroupIngress", {"GroupName": "x"},
                             endpoint="https://h", credentials=creds, region="us-east-1")
    with pytest.raises(UsageError, match="header name"):
        RawRequest("GET", "https://h/", {"Bad Name": "v"})
    with pytest.raises(UsageError, match="URL"):
        RawRequest("GET", "https://h/a b")


@given(st.one_of(st.from_regex(r"\A[0-9]{8}T[0-9]{6}Z\Z"), TIMES.map(sigv4.amz_date),
                 st.sampled_from(["20240230T000000Z", "20241301T000000Z", "20240101T240000Z",
                                  "20240101T006000Z", "20240101T000060Z", "00000101T000000Z",
                                  "09990101T000000Z"])))
def test_parse_amz_date_equals_strptime(value: str) -> None:
    try:
        expected = datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc)
    except ValueError:
        with pytest.raises(AuthError, match="conform"):
            verify._parse_amz_date(value)
    else:
        assert verify._parse_amz_date(value) == expected
        assert sigv4.amz_date(expected) == value
        verifier = verify.Verifier(lambda key: None, service=None)
        day = expected.strftime("%Y%m%d")
        verifier._check_scope(day, expected, "r", "s")  # the same day string
        with pytest.raises(AuthError):
            verifier._check_scope(day + "0", expected, "r", "s")


def test_no_module_level_cache_remains():
    import functools

    from ec2query import _request
    from ec2query.auth import _adapters, _sigv2, _util

    for module in (sigv4, _sigv2, verify, _util, _adapters, _request):
        for name, value in vars(module).items():
            ours = getattr(value, "__module__", "").startswith("ec2query")  # not urlsplit's
            assert not (ours and isinstance(value, functools._lru_cache_wrapper)), name
    assert not hasattr(sigv4, "FormPostSigner") and not hasattr(sigv4, "amz_date_now")
    assert not hasattr(_request, "_LAST_V4_PLAN") and not hasattr(_util, "parse_form")
