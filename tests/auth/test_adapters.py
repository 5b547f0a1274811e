"""The requests adapters: prepare with requests (no network), verify, compare with botocore."""

from __future__ import annotations

from datetime import datetime, timezone

import requests
from botocore.awsrequest import AWSRequest
from hypothesis import given

from ec2query.auth import (
    SIGV2,
    SIGV4_HEADER,
    Credentials,
    RefreshingCredentials,
    SigV2Auth,
    SigV4Auth,
    verify_request,
)
from ec2query.auth._adapters import FORM_CONTENT_TYPE

from . import _botocore as boto
from .strategies import CREDENTIALS, PARAMS, TIMES

URL = "https://ec2.us-east-1.amazonaws.com/"
WHEN = datetime(2015, 8, 30, 12, 36, tzinfo=timezone.utc)


def prepare(method: str, auth, **kwargs) -> requests.PreparedRequest:  # type: ignore[no-untyped-def]
    return requests.Request(method, URL, auth=auth, **kwargs).prepare()


def verify(prepared: requests.PreparedRequest, creds: Credentials, when: datetime):  # type: ignore[no-untyped-def]
    target = prepared.path_url
    headers = [("Host", "ec2.us-east-1.amazonaws.com"), *prepared.headers.items()]
    return verify_request(method=prepared.method or "", url=target, headers=headers,
                          body=prepared.body, lookup={creds.access_key: creds}.get, now=when)


@given(params=PARAMS, creds=CREDENTIALS, when=TIMES)
def test_sigv4_form_dict_body(params, creds, when):
    auth = SigV4Auth(creds, "us-east-1", clock=lambda: when)
    prepared = prepare("POST", auth, data=params)  # requests encodes it (``+`` for space)
    assert isinstance(prepared.body, bytes)
    assert verify(prepared, creds, when).scheme == SIGV4_HEADER
    # botocore signing the very bytes requests sends gives the same Authorization.
    expected = boto.sigv4_header(
        AWSRequest(method="POST", url=URL, data=prepared.body,
                   headers={"Content-Type": prepared.headers["Content-Type"]}),
        creds, "us-east-1", "ec2", when)
    assert prepared.headers["Authorization"] == expected.headers["Authorization"]


@given(params=PARAMS, creds=CREDENTIALS, when=TIMES)
def test_sigv4_get_params_are_reencoded_and_verify(params, creds, when):
    prepared = prepare("GET", SigV4Auth(creds, "us-east-1", clock=lambda: when), params=params)
    assert "+" not in (prepared.url or "").partition("?")[2]
    assert verify(prepared, creds, when).access_key == creds.access_key


def test_sigv4_text_body_is_signed_as_utf8_bytes():
    creds = Credentials("AKID", "secret")
    body = "Action=X&GroupName=caf%C3%A9&Description=ü"
    prepared = prepare("POST", SigV4Auth(creds, "us-east-1", clock=lambda: WHEN), data=body)
    assert prepared.body == body.encode("utf-8")
    assert prepared.headers["Content-Length"] == str(len(body.encode("utf-8")))
    assert prepared.headers["Content-Type"] == FORM_CONTENT_TYPE
    verify(prepared, creds, WHEN)


@given(params=PARAMS, creds=CREDENTIALS, when=TIMES)
def test_sigv2_post_and_get(params, creds, when):
    for method, key in (("POST", "data"), ("GET", "params")):
        prepared = prepare(method, SigV2Auth(creds, clock=lambda: when), **{key: params})
        result = verify(prepared, creds, when)
        assert (result.scheme, result.algorithm) == (SIGV2, "HmacSHA256")


def test_sigv2_hmac_sha1_and_resigning():
    creds = Credentials("AKID", "secret", "token")
    auth = SigV2Auth(creds, "HmacSHA1", clock=lambda: WHEN)
    prepared = prepare("POST", auth, data={"Action": "X", "GroupName": "a b+c"})
    assert verify(prepared, creds, WHEN).algorithm == "HmacSHA1"
    again = auth(prepared.copy())  # a retry re-signs without duplicating auth params
    assert again.body == prepared.body


def test_provider_is_asked_at_each_signing():
    issued = []

    def fetch():  # type: ignore[no-untyped-def]
        issued.append(Credentials("ASIA", "s", f"t{len(issued) + 1}"))
        return issued[-1], WHEN  # already "expired": fetched again every time

    auth = SigV4Auth(RefreshingCredentials(fetch, clock=lambda: WHEN), "us-east-1",
                     clock=lambda: WHEN)
    first = prepare("POST", auth, data={"Action": "X"})
    second = prepare("POST", auth, data={"Action": "X"})
    assert first.headers["X-Amz-Security-Token"] == "t1"
    assert second.headers["X-Amz-Security-Token"] == "t2"
    assert "secret" not in repr(auth) and "'s'" not in repr(auth)
