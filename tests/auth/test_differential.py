"""Our signers against botocore 1.43.11's: SigV4 header, SigV4 presigned, SigV2."""

from __future__ import annotations

from urllib.parse import urlsplit

from botocore.awsrequest import AWSRequest
from hypothesis import given
from hypothesis import strategies as st

from ec2query._percent import encode_pairs
from ec2query.auth import _sigv2 as sigv2
from ec2query.auth import _sigv4 as sigv4

from . import _botocore as boto
from .strategies import CREDENTIALS, ENDPOINTS, PARAMS, REGIONS, TIMES

FORM = "application/x-www-form-urlencoded; charset=utf-8"


@given(params=PARAMS, url=ENDPOINTS, creds=CREDENTIALS, region=REGIONS, when=TIMES)
def test_sigv4_post_header_equals_botocore(params, url, creds, region, when):
    body = encode_pairs(params.items()).encode("ascii")
    expected = boto.sigv4_header(
        AWSRequest(method="POST", url=url, data=body, headers={"Content-Type": FORM}),
        creds, region, "ec2", when)
    ours = sigv4.sign_headers(method="POST", url=url, headers={"Content-Type": FORM}, body=body,
                              credentials=creds, region=region, timestamp=when)
    assert ours["Authorization"] == expected.headers["Authorization"]
    assert ours["X-Amz-Date"] == expected.headers["X-Amz-Date"]
    assert ours.get("X-Amz-Security-Token") == expected.headers.get("X-Amz-Security-Token")


@given(params=PARAMS, url=ENDPOINTS, creds=CREDENTIALS, region=REGIONS, when=TIMES,
       service=st.sampled_from(["ec2", "sts", "service"]))
def test_sigv4_get_with_query_equals_botocore(params, url, creds, region, when, service):
    expected = boto.sigv4_header(AWSRequest(method="GET", url=url, params=params),
                                 creds, region, service, when)
    # botocore sends its params form-encoded (``+`` for space): sign the URL it sends.
    ours = sigv4.sign_headers(method="GET", url=expected.url, credentials=creds, region=region,
                              service=service, timestamp=when)
    assert ours["Authorization"] == expected.headers["Authorization"]


@given(params=PARAMS, url=ENDPOINTS, creds=CREDENTIALS, region=REGIONS, when=TIMES,
       expires=st.integers(min_value=1, max_value=604800))
def test_presigned_url_equals_botocore(params, url, creds, region, when, expires):
    expected = boto.sigv4_query(AWSRequest(method="GET", url=url, params=params),
                                creds, region, "ec2", when, expires)
    ours = sigv4.presign_url(url=url, params=params.items(), credentials=creds, region=region,
                             timestamp=when, expires=expires)
    assert ours == expected.url


@given(params=PARAMS, url=ENDPOINTS, creds=CREDENTIALS, when=TIMES,
       method=st.sampled_from(["GET", "POST"]))
def test_sigv2_equals_botocore(params, url, creds, when, method):
    if method == "POST":
        request = AWSRequest(method="POST", url=url, data=dict(params))
    else:
        request = AWSRequest(method="GET", url=url, params=dict(params))
    boto.sigv2(request, creds, when)
    expected = (request.data if method == "POST" else request.params)
    ours = dict(sigv2.sign_params(method=method, url=url, params=params.items(),
                                  credentials=creds, timestamp=when))
    assert ours == {k: str(v) for k, v in expected.items()}
    assert urlsplit(url).path == "/"
