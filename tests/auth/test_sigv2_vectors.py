"""SigV2 against the transcribed vectors (botocore's TestSigV2 and AWS's EMR example)."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from ec2query.auth import Credentials
from ec2query.auth import _sigv2 as sigv2

VECTORS = Path(__file__).parents[2] / ".." / "shared" / "conformance" / "sigv2-vectors.json"


def vectors() -> list[dict]:
    if not VECTORS.is_file():
        return []
    return json.loads(VECTORS.read_text(encoding="utf-8"))["vectors"]


def test_vectors_present(conformance: Path) -> None:
    assert len(vectors()) == 5


@pytest.mark.parametrize("vector", vectors(), ids=lambda v: v["id"])
def test_vector(vector: dict, conformance: Path) -> None:
    params = list(vector["params"].items())
    sts = sigv2.string_to_sign(method=vector["method"], host=vector["host"], path=vector["path"],
                               params=params)
    if "expected_canonical_query_string" in vector:
        assert sigv2.canonical_query(params) == vector["expected_canonical_query_string"]
    if "expected_string_to_sign" in vector:
        assert sts == vector["expected_string_to_sign"]
    if "expected_params_after_signing" not in vector:
        assert sigv2.signature(secret_key=vector["secret_key"], string_to_sign=sts) == \
            vector["expected_signature"]
        return
    # add_auth vectors: sign the bare params, as botocore's signer does.
    when = datetime.fromisoformat(vector["timestamp"].replace("Z", "+00:00"))
    signed = sigv2.sign_params(method=vector["method"], url=vector["url"], params=params,
                               credentials=Credentials(vector["access_key"], vector["secret_key"]),
                               timestamp=when)
    assert dict(signed) == vector["expected_params_after_signing"]
    assert signed[-1] == ("Signature", vector["expected_signature"])


def test_hmac_sha1_and_security_token() -> None:
    creds = Credentials("AKID", "secret", "tok+en/=")
    when = datetime(2014, 6, 20, 8, 40, 23, tzinfo=timezone.utc)
    signed = dict(sigv2.sign_params(method="GET", url="https://ec2.amazonaws.com/",
                                    params=[("Action", "X")], credentials=creds, timestamp=when,
                                    signature_method="HmacSHA1"))
    assert signed["SignatureMethod"] == "HmacSHA1"
    assert signed["SecurityToken"] == "tok+en/="
    import base64
    import hashlib
    import hmac

    sts = ("GET\nec2.amazonaws.com\n/\nAWSAccessKeyId=AKID&Action=X&SecurityToken=tok%2Ben%2F%3D"
           "&SignatureMethod=HmacSHA1&SignatureVersion=2&Timestamp=2014-06-20T08%3A40%3A23Z")
    expected = base64.b64encode(hmac.new(b"secret", sts.encode(), hashlib.sha1).digest()).decode()
    assert signed["Signature"] == expected


def test_resigning_drops_stale_auth_params() -> None:
    creds = Credentials("AKID", "secret")
    when = datetime(2014, 6, 20, 8, 40, 23, tzinfo=timezone.utc)
    once = sigv2.sign_params(method="POST", url="https://h/", params=[("A", "1")],
                             credentials=creds, timestamp=when)
    twice = sigv2.sign_params(method="POST", url="https://h/", params=once, credentials=creds,
                              timestamp=when)
    assert once == twice
    with pytest.raises(ValueError, match="exactly one"):
        sigv2.sign_params(method="GET", url="https://h/", params=[], credentials=creds)
