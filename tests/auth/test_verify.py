"""The verifiers accept what botocore signs and refuse every single-byte change of it."""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import datetime, timedelta, timezone
from urllib.parse import unquote, urlsplit

import pytest
from botocore.awsrequest import AWSRequest
from hypothesis import given
from hypothesis import strategies as st

from ec2query._errors import AuthError
from ec2query._percent import encode_pairs
from ec2query.auth import (
    SIGV2,
    SIGV4_HEADER,
    SIGV4_QUERY,
    Credentials,
    verify_request,
    verify_sigv2,
    verify_sigv4_header,
    verify_sigv4_query,
)
from ec2query.auth._util import host_for_signing

from . import _botocore as boto
from .strategies import CREDENTIALS, ENDPOINTS, PARAMS, REGIONS, SKEWS, TIMES

FORM = "application/x-www-form-urlencoded; charset=utf-8"
CREDS = Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
WHEN = datetime(2015, 8, 30, 12, 36, tzinfo=timezone.utc)
URL = "https://ec2.us-east-1.amazonaws.com/"
BODY = encode_pairs([("Action", "RevokeSecurityGroupIngress"), ("Version", "2016-11-15"),
                     ("GroupName", "web srv+1/ü~"), ("IpPermissions.1.IpProtocol", "tcp")])

SIG_MISMATCH = "SignatureDoesNotMatch"
ANY_REFUSAL = {"SignatureDoesNotMatch", "IncompleteSignature", "AuthFailure", "RequestExpired",
               "MissingAuthenticationToken"}


def lookup_for(*creds: Credentials):  # type: ignore[no-untyped-def]
    table = {c.access_key: c for c in creds}
    return table.get


def wire(prepared) -> tuple[str, str, list[tuple[str, str]], bytes]:  # type: ignore[no-untyped-def]
    """What arrives at the server: method, request target, headers (with Host), body."""
    parts = urlsplit(prepared.url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    headers = [("Host", host_for_signing(parts.scheme, parts.netloc)),
               *prepared.headers.items()]
    body = prepared.body or b""
    return prepared.method, target, headers, body.encode() if isinstance(body, str) else body


def refused(code: str | set[str], **request) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(AuthError) as info:
        verify_request(**request)
    codes = {code} if isinstance(code, str) else code
    assert info.value.code in codes, info.value
    return info.value.code


def mutate(text: str, index: int) -> str:
    ch = text[index]
    if ch.isdigit():
        return text[:index] + str((int(ch) + 1) % 10) + text[index + 1:]
    return text[:index] + ("x" if ch != "x" else "y") + text[index + 1:]


# --------------------------------------------------------------------------- accept


@given(params=PARAMS, url=ENDPOINTS, creds=CREDENTIALS, region=REGIONS, when=TIMES,
       skew=SKEWS)
def test_accepts_botocore_sigv4_header(params, url, creds, region, when, skew):
    body = encode_pairs(params.items()).encode("ascii")
    prepared = boto.sigv4_header(
        AWSRequest(method="POST", url=url, data=body, headers={"Content-Type": FORM}),
        creds, region, "ec2", when)
    method, target, headers, body = wire(prepared)
    result = verify_request(method=method, url=target, headers=headers, body=body,
                            lookup=lookup_for(creds), now=when + skew, region=region)
    assert (result.scheme, result.access_key, result.region) == (SIGV4_HEADER,
                                                                creds.access_key, region)
    assert result.timestamp == when


@given(params=PARAMS, url=ENDPOINTS, creds=CREDENTIALS, when=TIMES)
def test_accepts_botocore_sigv4_header_get(params, url, creds, when):
    prepared = boto.sigv4_header(AWSRequest(method="GET", url=url, params=params),
                                 creds, "us-east-1", "ec2", when)
    method, target, headers, body = wire(prepared)
    verify_sigv4_header(method=method, url=target, headers=headers, body=body,
                        lookup=lookup_for(creds), now=when)


@given(params=PARAMS, url=ENDPOINTS, creds=CREDENTIALS, region=REGIONS, when=TIMES,
       expires=st.integers(min_value=1, max_value=604800), data=st.data())
def test_accepts_botocore_presigned(params, url, creds, region, when, expires, data):
    prepared = boto.sigv4_query(AWSRequest(method="GET", url=url, params=params),
                                creds, region, "ec2", when, expires)
    method, target, headers, body = wire(prepared)
    now = when + timedelta(seconds=data.draw(st.integers(-900, expires)))
    result = verify_request(method=method, url=target, headers=headers, body=body,
                            lookup=lookup_for(creds), now=now)
    assert (result.scheme, result.access_key) == (SIGV4_QUERY, creds.access_key)
    # One second past X-Amz-Expires it has expired.
    refused("RequestExpired", method=method, url=target, headers=headers, body=body,
            lookup=lookup_for(creds), now=when + timedelta(seconds=expires + 1))


@pytest.mark.parametrize(("expires", "accepted"), [(1, True), (604800, True), (604801, False),
                                                 (0, False), (10**9, False)])
def test_a_presigned_lifetime_is_one_second_to_seven_days(expires, accepted):
    """SigV4's documented bounds of X-Amz-Expires (1 to 604800 seconds): botocore signs
    any lifetime, and one outside them is refused however valid its signature."""
    prepared = boto.sigv4_query(AWSRequest(method="GET", url=URL, params={"Action": "x"}),
                                CREDS, "us-east-1", "ec2", WHEN, expires)
    method, target, headers, body = wire(prepared)
    request = {"method": method, "url": target, "headers": headers, "body": body,
               "lookup": lookup_for(CREDS), "now": WHEN}
    if accepted:
        assert verify_request(**request).scheme == SIGV4_QUERY
    else:
        refused("IncompleteSignature", **request)


@given(params=PARAMS, url=ENDPOINTS, creds=CREDENTIALS, when=TIMES, skew=SKEWS,
       method=st.sampled_from(["GET", "POST"]))
def test_accepts_botocore_sigv2(params, url, creds, when, skew, method):
    if method == "POST":
        request = AWSRequest(method="POST", url=url, data=dict(params))
    else:
        request = AWSRequest(method="GET", url=url, params=dict(params))
    method, target, headers, body = wire(boto.sigv2(request, creds, when))
    result = verify_request(method=method, url=target, headers=headers, body=body,
                            lookup=lookup_for(creds), now=when + skew)
    assert (result.scheme, result.access_key, result.algorithm) == (SIGV2, creds.access_key,
                                                                    "HmacSHA256")


# --------------------------------------------------------------------------- mutations


def _header_request():  # type: ignore[no-untyped-def]
    prepared = boto.sigv4_header(
        AWSRequest(method="POST", url=URL + "a/b", data=BODY.encode(),
                   headers={"Content-Type": FORM}), CREDS, "us-east-1", "ec2", WHEN)
    return wire(prepared)


def test_sigv4_header_every_byte_mutation_is_refused():
    method, target, headers, body = _header_request()
    base = {"lookup": lookup_for(CREDS), "now": WHEN}
    verify_request(method=method, url=target, headers=headers, body=body, **base)

    for i in range(len(method)):
        refused(SIG_MISMATCH, method=mutate(method, i), url=target, headers=headers, body=body,
                **base)
    for i in range(len(target)):
        refused(SIG_MISMATCH, method=method, url=mutate(target, i), headers=headers, body=body,
                **base)
    for i in range(len(body)):
        changed = mutate(body.decode("ascii"), i).encode("ascii")
        refused(SIG_MISMATCH, method=method, url=target, headers=headers, body=changed, **base)

    for h, (name, value) in enumerate(headers):
        if name.lower() not in ("host", "content-type", "x-amz-date", "authorization"):
            continue  # not signed (Content-Length): the HTTP layer's business
        for i in range(len(value)):
            changed = [*headers[:h], (name, mutate(value, i)), *headers[h + 1:]]
            request = dict(method=method, url=target, headers=changed, body=body, **base)
            if name == "Authorization":
                signature_at = value.index("Signature=") + len("Signature=")
                if i >= signature_at:
                    refused(SIG_MISMATCH, **request)
                else:
                    refused(ANY_REFUSAL, **request)
            elif name == "X-Amz-Date":
                refused({SIG_MISMATCH, "RequestExpired", "IncompleteSignature"}, **request)
            else:  # Host, Content-Type: signed headers
                refused(SIG_MISMATCH, **request)


def test_sigv4_date_within_window_still_breaks_signature():
    method, target, headers, body = _header_request()
    changed = [(n, "20150830T123601Z" if n == "X-Amz-Date" else v) for n, v in headers]
    refused(SIG_MISMATCH, method=method, url=target, headers=changed, body=body,
            lookup=lookup_for(CREDS), now=WHEN)


def test_presigned_every_byte_mutation_is_refused():
    prepared = boto.sigv4_query(AWSRequest(method="GET", url=URL, params={
        "Action": "RevokeSecurityGroupIngress", "GroupName": "a b+c/ü"}),
        CREDS, "us-east-1", "ec2", WHEN)
    method, target, headers, body = wire(prepared)
    base = {"method": method, "headers": headers, "body": body, "lookup": lookup_for(CREDS),
            "now": WHEN}
    verify_sigv4_query(url=target, **base)
    signature_at = target.index("X-Amz-Signature=") + len("X-Amz-Signature=")
    for i in range(len(target)):
        code = refused(ANY_REFUSAL, url=mutate(target, i), **base)
        if i >= signature_at:
            assert code == SIG_MISMATCH


def test_sigv2_every_byte_mutation_is_refused():
    request = AWSRequest(method="POST", url=URL, data={"Action": "RevokeSecurityGroupIngress",
                                                       "GroupName": "a b+c/ü"})
    method, target, headers, body = wire(boto.sigv2(request, CREDS, WHEN))
    base = {"method": method, "url": target, "headers": headers, "lookup": lookup_for(CREDS),
            "now": WHEN}
    verify_sigv2(body=body, **base)
    text = body.decode("ascii")
    for i in range(len(text)):
        refused(ANY_REFUSAL, body=mutate(text, i).encode("ascii"), **base)
    refused(SIG_MISMATCH, method="PUT", url=target, headers=headers, body=body,
            lookup=lookup_for(CREDS), now=WHEN)


TEMP = Credentials("ASIATEMP", "secret", "the-token")
#: The five values SECURITY.md says are compared in constant time: where each travels (a
#: header's name, the query or the form) and the pattern its text matches there.
SECRET_BEARING = {
    "SigV4 signature": ("Authorization", r"Signature=(\w+)$"),
    "presigned signature": ("query", r"X-Amz-Signature=(\w+)"),
    "SigV2 signature": ("form", r"Signature=([^&]+)"),
    "X-Amz-Content-Sha256": ("X-Amz-Content-Sha256", r"^(\w+)$"),
    "session token": ("X-Amz-Security-Token", r"^(\S+)$"),
}


def _signed(value: str) -> tuple[str, str, list[tuple[str, str]], bytes]:
    """A request, signed by botocore, that carries ``value``."""
    if value == "presigned signature":
        return wire(boto.sigv4_query(AWSRequest(method="GET", url=URL, params={"Action": "x"}),
                                     CREDS, "us-east-1", "ec2", WHEN))
    if value == "SigV2 signature":
        return wire(boto.sigv2(AWSRequest(method="POST", url=URL, data={"Action": "x"}), CREDS,
                               WHEN))
    headers = {"Content-Type": FORM}
    if value == "X-Amz-Content-Sha256":
        headers[value] = hashlib.sha256(BODY.encode()).hexdigest()
    return wire(boto.sigv4_header(
        AWSRequest(method="POST", url=URL, data=BODY.encode(), headers=headers),
        TEMP if value == "session token" else CREDS, "us-east-1", "ec2", WHEN))


def _spoilt(text: str, pattern: str) -> tuple[str, str]:
    """``text`` with the last character of ``pattern``'s group changed, and that group as
    changed (percent-decoded, as the verifier reads a form)."""
    match = re.search(pattern, text)
    assert match is not None, (pattern, text)
    start, end = match.span(1)
    changed = text[:end - 1] + ("1" if text[end - 1] == "0" else "0") + text[end:]
    return changed, unquote(changed[start:end])


@pytest.mark.parametrize("value", SECRET_BEARING)
def test_each_secret_bearing_value_is_judged_by_compare_digest(value, monkeypatch):
    """A wrong value is refused by ``hmac.compare_digest`` given the client's own text: no
    ``==`` decides it (which would stop at the first differing byte)."""
    import ec2query.auth._verify as verifying

    compared: list[bytes] = []

    class Recording:
        @staticmethod
        def compare_digest(a: bytes, b: bytes) -> bool:
            compared.append(a)
            return hmac.compare_digest(a, b)

    monkeypatch.setattr(verifying, "hmac", Recording)
    method, target, headers, body = _signed(value)
    lookup = lookup_for(CREDS, TEMP)
    verify_request(method=method, url=target, headers=headers, body=body, lookup=lookup,
                   now=WHEN)  # as signed: accepted
    where, pattern = SECRET_BEARING[value]
    if where == "query":
        target, sent = _spoilt(target, pattern)
    elif where == "form":
        text, sent = _spoilt(body.decode("ascii"), pattern)
        body = text.encode("ascii")
    else:
        index = next(i for i, (name, _) in enumerate(headers) if name == where)
        text, sent = _spoilt(headers[index][1], pattern)
        headers = [*headers[:index], (where, text), *headers[index + 1:]]
    compared.clear()
    with pytest.raises(AuthError):
        verify_request(method=method, url=target, headers=headers, body=body, lookup=lookup,
                       now=WHEN)
    assert sent.encode("utf-8") in compared, (value, sent, compared)


# --------------------------------------------------------------------------- windows & keys


@pytest.mark.parametrize(("seconds", "ok"), [(-900, True), (900, True), (-901, False),
                                             (901, False)])
def test_fifteen_minute_window(seconds, ok):
    method, target, headers, body = _header_request()
    request = {"method": method, "url": target, "headers": headers, "body": body,
                   "lookup": lookup_for(CREDS), "now": WHEN + timedelta(seconds=seconds)}
    if ok:
        verify_request(**request)
    else:
        refused("RequestExpired", **request)


def test_sigv2_expires_parameter():
    from ec2query.auth import _sigv2 as sigv2

    signed = sigv2.sign_params(method="GET", url=URL, params=[("Action", "X")], credentials=CREDS,
                               expires=WHEN)
    target = "/?" + encode_pairs(signed)
    headers = [("Host", "ec2.us-east-1.amazonaws.com")]
    base = {"method": "GET", "url": target, "headers": headers, "lookup": lookup_for(CREDS)}
    verify_request(now=WHEN - timedelta(hours=5), **base)
    refused("RequestExpired", now=WHEN + timedelta(seconds=1), **base)


def test_unknown_key_and_missing_auth():
    method, target, headers, body = _header_request()
    refused("AuthFailure", method=method, url=target, headers=headers, body=body,
            lookup=lambda key: None, now=WHEN)
    unsigned = [(n, v) for n, v in headers if n != "Authorization"]
    with pytest.raises(AuthError) as info:
        verify_request(method=method, url=target, headers=unsigned, body=body,
                       lookup=lookup_for(CREDS), now=WHEN)
    error = info.value
    assert (error.code, error.http_status) == ("MissingAuthenticationToken", 403)
    assert error.message == ("The request must contain either a valid (registered) AWS access "
                             "key ID or X.509 certificate.")


def test_codes_statuses_and_messages():
    method, target, headers, body = _header_request()
    cases = {
        "AuthFailure": (401, "AWS was not able to validate the provided access credentials"),
        "SignatureDoesNotMatch": (403, "The request signature we calculated does not match the "
                                  "signature you provided. Check your AWS Secret Access Key and "
                                  "signing method. Consult the service documentation for "
                                  "details."),
        "RequestExpired": (400, None),
        "IncompleteSignature": (400, None),
    }
    wrong = Credentials(CREDS.access_key, "not-the-secret")
    attempts = {
        "AuthFailure": {"lookup": lambda key: None, "now": WHEN},
        "SignatureDoesNotMatch": {"lookup": lookup_for(wrong), "now": WHEN},
        "RequestExpired": {"lookup": lookup_for(CREDS), "now": WHEN + timedelta(hours=1)},
    }
    for code, extra in attempts.items():
        with pytest.raises(AuthError) as info:
            verify_request(method=method, url=target, headers=headers, body=body, **extra)
        status, message = cases[code]
        assert (info.value.code, info.value.http_status) == (code, status)
        if message:
            assert info.value.message == message
        assert CREDS.secret_key not in str(info.value)
    bad_auth = [(n, "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE" if n == "Authorization" else v)
                for n, v in headers]
    with pytest.raises(AuthError) as info:
        verify_request(method=method, url=target, headers=bad_auth, body=body,
                       lookup=lookup_for(CREDS), now=WHEN)
    assert (info.value.code, info.value.http_status) == ("IncompleteSignature", 400)


def test_session_token_must_match_when_the_key_has_one():
    temp = Credentials("ASIATEMP", "secret", "the-token")
    prepared = boto.sigv4_header(
        AWSRequest(method="POST", url=URL, data=BODY.encode(), headers={"Content-Type": FORM}),
        temp, "us-east-1", "ec2", WHEN)
    method, target, headers, body = wire(prepared)
    verify_request(method=method, url=target, headers=headers, body=body,
                   lookup=lookup_for(temp), now=WHEN)
    other = Credentials("ASIATEMP", "secret", "another-token")
    refused("AuthFailure", method=method, url=target, headers=headers, body=body,
            lookup=lookup_for(other), now=WHEN)


def test_region_and_service_scope_are_enforced():
    method, target, headers, body = _header_request()
    request = {"method": method, "url": target, "headers": headers, "body": body,
                   "lookup": lookup_for(CREDS), "now": WHEN}
    verify_request(region="us-east-1", **request)
    refused(SIG_MISMATCH, region="eu-west-1", **request)
    refused(SIG_MISMATCH, service="sts", **request)


def test_lookup_may_return_a_plain_secret():
    method, target, headers, body = _header_request()
    verify_request(method=method, url=target, headers=headers, body=body,
                   lookup={CREDS.access_key: CREDS.secret_key}.get, now=WHEN)


@pytest.mark.parametrize("where", ["header", "query"])
@pytest.mark.parametrize("key", ["foo/bar", "AKID/EXTRA/PART", "AKIDEXAMPLE/20150830/x/y"])
def test_a_credential_of_other_than_five_parts_is_ec2s_auth_failure(where, key):
    """EC2 answers AuthFailure (401), not IncompleteSignature, for a credential of more or
    fewer than five parts, with this text (captured: StreisandEffect/streisand#485, boto 2
    DescribeSecurityGroups; mitchellh/vagrant-aws#361, fog). The credential is echoed."""
    creds = Credentials(key, "secret")
    if where == "header":
        prepared = boto.sigv4_header(
            AWSRequest(method="POST", url=URL, data=BODY.encode(), headers={"Content-Type": FORM}),
            creds, "us-east-1", "ec2", WHEN)
    else:
        prepared = boto.sigv4_query(AWSRequest(method="GET", url=URL, params={"Action": "x"}),
                                    creds, "us-east-1", "ec2", WHEN, 300)
    method, target, headers, body = wire(prepared)
    with pytest.raises(AuthError) as info:
        verify_request(method=method, url=target, headers=headers, body=body,
                       lookup=lookup_for(creds), now=WHEN)
    credential = f"{key}/20150830/us-east-1/ec2/aws4_request"
    assert (info.value.code, info.value.http_status) == ("AuthFailure", 401)
    assert info.value.message == (
        "Credential must have exactly 5 slash-delimited elements, e.g. "
        f"keyid/date/region/service/term, got '{credential}'")
