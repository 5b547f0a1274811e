"""The AWS SigV4 test suite (classic layout and aws-c-auth's v4 layout) against our signer.

Every stage is compared with the published files: canonical request, string to
sign and Authorization (classic), and the presigned canonical request, string
to sign and signature (v4 layout). The expected values come from the files,
never from our own output.

botocore's harness skips four classic cases; we run them all:
``normalize-path/get-space`` (a space in the request line: our .req reader
takes the request target verbatim, as the suite intends) and the three
``get-vanilla-query-order-*`` cases (repeated and unsorted query keys: we sort
encoded pairs by key then value, as the specification says).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import pytest

from ec2query.auth import Credentials, verify_request
from ec2query.auth import _sigv4 as sigv4

ACCESS_KEY = "AKIDEXAMPLE"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
WHEN = datetime(2015, 8, 30, 12, 36, tzinfo=timezone.utc)
REGION, SERVICE = "us-east-1", "service"
#: botocore's harness signs get-vanilla-with-session-token with this token (it shows in the .creq).
SUITE_TOKEN = "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267"

HERE = Path(__file__).parents[2] / ".." / "shared" / "conformance"
CLASSIC = HERE / "sigv4-testsuite"
V4 = HERE / "sigv4-testsuite-v4"


@dataclass
class RawReq:
    method: str
    target: str
    headers: list[tuple[str, str]]
    body: bytes

    @property
    def path(self) -> str:
        return self.target.partition("?")[0]

    @property
    def query(self) -> str:
        return self.target.partition("?")[2]

    def header(self, name: str) -> str | None:
        return next((v for n, v in self.headers if n.lower() == name), None)


def parse_req(raw: bytes) -> RawReq:
    """Read a suite .req: request line (target verbatim), headers with folding, body."""
    text = raw.decode("utf-8").replace("\r\n", "\n")
    head, _, body = text.partition("\n\n")
    lines = head.split("\n")
    method, _, rest = lines[0].partition(" ")
    target = rest.rsplit(" ", 1)[0]
    headers: list[tuple[str, str]] = []
    for line in lines[1:]:
        if line[:1] in (" ", "\t") and headers:
            name, value = headers[-1]
            headers[-1] = (name, f"{value} {line}")
        elif line:
            name, _, value = line.partition(":")
            headers.append((name, value))
    return RawReq(method, target, headers, body.encode("utf-8"))


def read(path: Path) -> str:
    return path.read_text(encoding="utf-8").replace("\r\n", "\n")


def classic_cases() -> list[str]:
    if not CLASSIC.is_dir():
        return []
    return sorted(str(p.parent.relative_to(CLASSIC)) for p in CLASSIC.rglob("*.req"))


def v4_cases() -> list[str]:
    if not V4.is_dir():
        return []
    return sorted(p.name for p in V4.iterdir() if (p / "context.json").is_file())


def test_suite_is_complete(conformance: Path) -> None:
    assert len(classic_cases()) == 34
    assert len(v4_cases()) == 38


@pytest.mark.parametrize("case", classic_cases())
def test_classic_case(case: str, conformance: Path) -> None:
    name = Path(case).name
    folder = CLASSIC / case
    req = parse_req((folder / f"{name}.req").read_bytes())
    token = None
    if name == "get-vanilla-with-session-token":
        token = SUITE_TOKEN
    elif name == "post-sts-header-before":
        token = req.header("x-amz-security-token")
    # post-sts-header-after: the token header is added after signing, so it is not signed.
    creds = Credentials(ACCESS_KEY, SECRET_KEY, token)
    url = f"https://{req.header('host')}{req.target}"

    added = sigv4.sign_headers(method=req.method, url=url, headers=req.headers, body=req.body,
                               credentials=creds, region=REGION, service=SERVICE, timestamp=WHEN)
    assert added["X-Amz-Date"] == req.header("x-amz-date")
    assert added["Authorization"] == read(folder / f"{name}.authz")

    replaced = ("x-amz-security-token", "x-amz-date")  # sign_headers sets these itself
    sent = [(n, v) for n, v in req.headers if n.lower() not in replaced]
    sent += [(n, v) for n, v in added.items() if n != "Authorization"]
    creq = sigv4.canonical_request(method=req.method, path=req.path, query=req.query,
                                   headers=sent, payload_hash=hashlib.sha256(req.body).hexdigest())
    assert creq == read(folder / f"{name}.creq")
    sts = sigv4.string_to_sign(canonical_request=creq, timestamp=added["X-Amz-Date"],
                               region=REGION, service=SERVICE)
    assert sts == read(folder / f"{name}.sts")

    # And the verifier accepts the request as it would arrive.
    verified = verify_request(method=req.method, url=req.target,
                              headers=[*sent, ("Authorization", added["Authorization"])],
                              body=req.body, lookup={ACCESS_KEY: creds}.get, now=WHEN,
                              service=SERVICE)
    assert verified.access_key == ACCESS_KEY


def _v4_context(case: str) -> dict:
    return json.loads((V4 / case / "context.json").read_text(encoding="utf-8"))


def _v4_skip(context: dict) -> None:
    if not context["normalize"]:
        pytest.skip("unnormalized (S3-style) paths: EC2 and every non-S3 service normalize")


@pytest.mark.parametrize("case", v4_cases())
def test_v4_layout_header(case: str, conformance: Path) -> None:
    context = _v4_context(case)
    _v4_skip(context)
    req = parse_req((V4 / case / "request.txt").read_bytes())
    cred = context["credentials"]
    token = None if context.get("omit_session_token") else cred.get("token")
    creds = Credentials(cred["access_key_id"], cred["secret_access_key"], token)
    url = f"https://{req.header('host')}{req.target}"
    when = datetime.fromisoformat(context["timestamp"].replace("Z", "+00:00"))
    added = sigv4.sign_headers(method=req.method, url=url, headers=req.headers, body=req.body,
                               credentials=creds, region=context["region"],
                               service=context["service"], timestamp=when,
                               content_sha256=context["sign_body"])
    expected_sig = read(V4 / case / "header-signature.txt").strip()
    assert added["Authorization"].endswith(f"Signature={expected_sig}")
    sent = [*req.headers, *((n, v) for n, v in added.items() if n != "Authorization")]
    creq = sigv4.canonical_request(method=req.method, path=req.path, query=req.query,
                                   headers=sent, payload_hash=hashlib.sha256(req.body).hexdigest())
    assert creq == read(V4 / case / "header-canonical-request.txt")
    sts = sigv4.string_to_sign(canonical_request=creq, timestamp=added["X-Amz-Date"],
                               region=context["region"], service=context["service"])
    assert sts == read(V4 / case / "header-string-to-sign.txt")


@pytest.mark.parametrize("case", v4_cases())
def test_v4_layout_presigned(case: str, conformance: Path) -> None:
    context = _v4_context(case)
    _v4_skip(context)
    req = parse_req((V4 / case / "request.txt").read_bytes())
    cred = context["credentials"]
    token = None if context.get("omit_session_token") else cred.get("token")
    creds = Credentials(cred["access_key_id"], cred["secret_access_key"], token)
    when = datetime.fromisoformat(context["timestamp"].replace("Z", "+00:00"))
    url = sigv4.presign_url(url=f"https://{req.header('host')}{req.target}", method=req.method,
                            headers=req.headers,
                            body=req.body if context["sign_body"] else b"",
                            credentials=creds, region=context["region"],
                            service=context["service"], timestamp=when,
                            expires=context["expiration_in_seconds"])
    expected_sig = read(V4 / case / "query-signature.txt").strip()
    assert url.endswith(f"&X-Amz-Signature={expected_sig}")

    query = url.partition("?")[2].rpartition("&X-Amz-Signature=")[0]
    payload = hashlib.sha256(req.body if context["sign_body"] else b"").hexdigest()
    signed = query.split("X-Amz-SignedHeaders=")[1].split("&")[0].split("%3B")
    creq = sigv4.canonical_request(method=req.method, path=req.path, query=query,
                                   headers=req.headers, signed_headers=signed,
                                   payload_hash=payload)
    assert creq == read(V4 / case / "query-canonical-request.txt")
    date = when.strftime("%Y%m%dT%H%M%SZ")
    sts = sigv4.string_to_sign(canonical_request=creq, timestamp=date,
                               region=context["region"], service=context["service"])
    assert sts == read(V4 / case / "query-string-to-sign.txt")
