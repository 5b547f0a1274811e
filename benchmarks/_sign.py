"""sign: build_signed_request against botocore's serializer + AWSRequest + signer + prepare.

Ours signs as a ``Client`` does: with the one ``Signer`` it holds (credentials,
region, the day's derived key) and its endpoint read once; botocore likewise
keeps its signer and credentials for a client's life.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timezone
from typing import Any
from unittest import mock
from urllib.parse import parse_qsl, urlsplit

from ec2query._request import FORM_CONTENT_TYPE, Endpoint, build_signed_request
from ec2query.auth import Credentials, Signer
from ec2query.auth._sigv4 import signing_key

from . import inputs
from ._harness import Pair, Skipped
from ._peers import boto_operation, boto_serializer

__all__ = ["pairs"]

CREDENTIALS = Credentials(inputs.ACCESS_KEY, inputs.SECRET_KEY)
SIGNER = Signer(CREDENTIALS, inputs.REGION)
ENDPOINT = Endpoint.parse(inputs.ENDPOINT)
OPERATION = "RevokeSecurityGroupIngress"


def pairs(group: str) -> list[Pair | Skipped]:
    """The sign pairs: v4, v4-query and v2 on the seed, v4 on 50 rules, and the floor."""
    out: list[Pair | Skipped] = [
        _pair("v4", "seed", OPERATION, inputs.SEED, target=10.0),
        _pair("v4-query", "seed", OPERATION, inputs.SEED),
        _pair("v2", "seed", OPERATION, inputs.SEED),
        _pair("v4", "50 rules", "AuthorizeSecurityGroupIngress", inputs.RULES_50),
    ]
    out.append(_floor())
    return out


def _ours(op: str, params: dict[str, Any], signature: str) -> Callable[..., Any]:
    def ours(timestamp: Any = None) -> Any:
        return build_signed_request(op, params, endpoint=ENDPOINT, signer=SIGNER,
                                    signature=signature, timestamp=timestamp)

    return ours


def _peer(op: str, params: dict[str, Any], signature: str) -> Callable[[], Any]:
    import botocore.auth
    import botocore.credentials
    from botocore.awsrequest import create_request_object, prepare_request_dict

    serializer = boto_serializer()
    model = boto_operation(op)
    creds = botocore.credentials.Credentials(inputs.ACCESS_KEY, inputs.SECRET_KEY)

    def peer() -> Any:
        request_dict = serializer.serialize_to_request(params, model)
        if signature == "v4-query":  # everything in the URL, as our GET presign does
            request_dict["method"] = "GET"
            request_dict["query_string"] = request_dict.pop("body")
            request_dict["body"] = b""
            request_dict["headers"].pop("Content-Type", None)
        prepare_request_dict(request_dict, endpoint_url=inputs.ENDPOINT)
        request = create_request_object(request_dict)
        if signature == "v4":
            botocore.auth.SigV4Auth(creds, "ec2", inputs.REGION).add_auth(request)
        elif signature == "v4-query":
            botocore.auth.SigV4QueryAuth(creds, "ec2", inputs.REGION).add_auth(request)
        else:
            botocore.auth.SigV2Auth(creds).add_auth(request)
        return request.prepare()

    return peer


@contextmanager
def frozen_clock() -> Iterator[None]:
    """Pin botocore's clocks (SigV4's datetime, SigV2's gmtime) to ``inputs.TIMESTAMP``."""
    import botocore.auth

    naive = inputs.TIMESTAMP.astimezone(timezone.utc).replace(tzinfo=None)
    with mock.patch.object(botocore.auth, "get_current_datetime", return_value=naive), \
            mock.patch.object(botocore.auth.time, "gmtime",
                              return_value=inputs.TIMESTAMP.timetuple()):
        yield


def _signed_view(signature: str, prepared: Any) -> Any:
    """What must agree between the two sides: body, URL and the signature carriers."""
    headers = {k.lower(): v for k, v in prepared.headers.items()}
    body = prepared.body or b""
    body = body.encode() if isinstance(body, str) else bytes(body)
    if signature == "v4":
        return body, headers["authorization"], headers["x-amz-date"]
    if signature == "v4-query":
        parts = urlsplit(prepared.url)
        return sorted(parse_qsl(parts.query)), parts.path or "/"
    return sorted(parse_qsl(body.decode()))


def _pair(signature: str, case: str, op: str, params: dict[str, Any],
          target: float | None = None) -> Pair:
    ours = _ours(op, params, signature)
    peer = _peer(op, params, signature)

    def compare() -> tuple[Any, Any]:
        mine = ours(inputs.TIMESTAMP)
        with frozen_clock():
            theirs = peer()
        return _signed_view(signature, mine), _signed_view(signature, theirs)

    return Pair("sign", f"{signature}, {case}", "botocore serialize+AWSRequest+auth+prepare",
                ours, peer, compare, target=target)


def _floor() -> Pair:
    """Bare hashlib/hmac SigV4 of the seed's canonical request, signing key cached."""
    ours = _ours(OPERATION, inputs.SEED, "v4")
    body = ours(inputs.TIMESTAMP).body
    host = urlsplit(inputs.ENDPOINT).hostname
    date = inputs.TIMESTAMP.strftime("%Y%m%dT%H%M%SZ")
    scope = f"{date[:8]}/{inputs.REGION}/ec2/aws4_request"
    key = signing_key(inputs.SECRET_KEY, date[:8], inputs.REGION, "ec2")
    signed = "content-type;host;x-amz-date"
    sha256 = hashlib.sha256

    def floor() -> str:
        payload = sha256(body).hexdigest()
        creq = (f"POST\n/\n\ncontent-type:{FORM_CONTENT_TYPE}\nhost:{host}\n"
                f"x-amz-date:{date}\n\n{signed}\n{payload}")
        sts = f"AWS4-HMAC-SHA256\n{date}\n{scope}\n{sha256(creq.encode()).hexdigest()}"
        sig = hmac.new(key, sts.encode(), sha256).hexdigest()
        return (f"AWS4-HMAC-SHA256 Credential={inputs.ACCESS_KEY}/{scope}, "
                f"SignedHeaders={signed}, Signature={sig}")

    def compare() -> tuple[Any, Any]:
        return ours(inputs.TIMESTAMP).headers["Authorization"], floor()

    return Pair("sign", "v4, seed vs hashlib floor", "bare hashlib/hmac (floor)", ours, floor,
                compare, target=1 / 3,
                note="floor: canonical request already known, key cached; target ours <= 3x")
