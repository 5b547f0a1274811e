"""Trust at the gateway: empty secrets, session tokens, the region scope and the path.

Expected texts are EC2's and AWS's own, hand-copied: AuthFailure's from a captured
EC2 response (reference row 32) and, for a session token EC2 did not issue,
EC2's answer to misused temporary credentials; the scope texts as AWS's Query
services send them ("Credential should be scoped to a valid region, not
'us-west-1'." with SignatureDoesNotMatch, HTTP 403).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from lxml import etree

from ec2query._errors import UsageError
from ec2query._request import sign_query_pairs
from ec2query.auth import Credentials
from ec2query.gateway import make_app
from tests.fuzz.hostile import CREDS, NOW, base_environ, call_app

DESCRIBE = [("Action", "DescribeSecurityGroups"), ("Version", "2016-11-15")]
AUTH_FAILURE = "AWS was not able to validate the provided access credentials"


def _environ(*, credentials: Credentials = CREDS, region: str = "us-east-1",
             endpoint: str = "http://localhost", signature: str = "v4") -> dict[str, Any]:
    raw = sign_query_pairs(DESCRIBE, endpoint=endpoint, credentials=credentials,
                           region=region, signature=signature, timestamp=NOW)
    path, _, query = raw.target.partition("?")
    environ = base_environ(raw.method, path, query, raw.body)
    environ["RAW_URI"] = raw.target
    for name, value in raw.headers.items():
        key = name.upper().replace("-", "_")
        environ[key if key in ("CONTENT_TYPE", "CONTENT_LENGTH") else "HTTP_" + key] = value
    return environ


def _answer(app: Any, environ: dict[str, Any]) -> tuple[int, str, str]:
    status, _, body = call_app(app, environ)
    root = etree.fromstring(body)
    return status, root.findtext("Errors/Error/Code") or "OK", root.findtext(
        "Errors/Error/Message") or ""


def _app(**options: Any) -> Any:
    options.setdefault("credentials", {CREDS.access_key: CREDS})
    return make_app(clock=lambda: NOW, **options)


# ------------------------------------------------------------------ empty secrets


def test_an_empty_secret_is_refused_by_make_app_in_every_form():
    with pytest.raises(UsageError, match="AKIDEMPTYSECRET"):
        make_app(credentials={"AKIDEMPTYSECRET": ""})
    with pytest.raises(UsageError):
        Credentials("AKIDEMPTYSECRET", "")


def test_a_lookup_that_answers_an_empty_secret_authenticates_nobody():
    signed = _environ(credentials=Credentials("AKIDEMPTYSECRET", "x"))
    app = make_app(credentials=lambda key: "", clock=lambda: NOW)
    assert _answer(app, signed) == (401, "AuthFailure", AUTH_FAILURE)


def test_a_lookup_that_answers_a_blank_secret_authenticates_nobody():
    signed = _environ(credentials=Credentials("AKIDBLANK", "   "))  # signed with it: valid
    app = make_app(credentials=lambda key: "   ", clock=lambda: NOW)
    assert _answer(app, signed) == (401, "AuthFailure", AUTH_FAILURE)


@pytest.mark.parametrize(("credentials", "problem"), [
    ({"AKBLANK": "   "}, "Partial credentials given for 'AKBLANK', missing: secret_key"),
    ({"AKBLANK": "\t\n"}, "Partial credentials given for 'AKBLANK', missing: secret_key"),
    ({"AKBLANK": Credentials("AKBLANK", " ")},
     "Partial credentials given for 'AKBLANK', missing: secret_key"),
    # loaded before, and never verified anything (bytes) or verified as its str (5)
    ({"AKBYTES": b"s3cr3t"}, "the secret of 'AKBYTES' must be text, not bytes"),
    ({"AKINT": 5}, "the secret of 'AKINT' must be text, not int"),
    ({"": "s3cr3t"}, "an access key id must be non-empty text"),
    ({5: "s3cr3t"}, "an access key id must be non-empty text"),
    ({"AK1": Credentials("AK2", "s3cr3t")}, "the entry of 'AK1' holds the credentials of 'AK2'"),
    # an AttributeError and a TypeError before
    ([("AK", "s3cr3t")], "credentials must be a mapping"),
    ({Credentials("AK", "s3cr3t")}, None),
])
def test_make_app_refuses_credentials_no_request_could_be_judged_by(credentials, problem,
                                                                    tmp_path):
    if problem is None:  # a set of Credentials is several Credentials: accepted
        assert make_app(credentials=credentials) is not None
        return
    with pytest.raises(UsageError) as info:
        make_app(credentials=credentials, db=str(tmp_path / "sg.db"))
    assert problem in info.value.message and "s3cr3t" not in info.value.message
    assert list(tmp_path.iterdir()) == []  # refused before the database was made


@pytest.mark.parametrize("text", [
    json.dumps({"AKIDEMPTYSECRET": ""}),
    "[default]\naws_access_key_id = AKIDEMPTYSECRET\naws_secret_access_key =\n",
    "[p]\naws_access_key_id = AKIDEMPTYSECRET\n",
    "[p]\naws_secret_access_key = s3cr3t\n",
])
def test_a_credentials_file_with_an_empty_secret_or_key_is_refused_naming_it(tmp_path, text):
    from ec2query._commands.serve import load_credentials_file

    path = tmp_path / "creds"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(UsageError) as info:
        load_credentials_file(str(path))
    assert str(path) in info.value.message and "s3cr3t" not in info.value.message


def test_a_credentials_file_of_good_entries_still_loads(tmp_path):
    from ec2query._commands.serve import load_credentials_file

    path = tmp_path / "creds"
    path.write_text("[a]\naws_access_key_id = K1\naws_secret_access_key = S1\n"
                    "aws_session_token = T1\n[b]\nregion = eu-west-1\n", encoding="utf-8")
    assert load_credentials_file(str(path)) == {"K1": Credentials("K1", "S1", "T1")}


@pytest.mark.parametrize(("data", "problem"), [
    # not UTF-8: a UnicodeDecodeError traceback before
    ('{"AKL": "s\xe9cret"}'.encode("latin-1"), "not UTF-8 text"),
    (b"[p]\naws_access_key_id = AKL\naws_secret_access_key = s\xe9cret\n", "not UTF-8 text"),
    # a JSON list was read as INI, as a section header: zero keys, and no word of it
    (b'[["AK", "s3cr3t"]]', "expected a JSON object"),
    (b'[{"AK": ""}]', "expected a JSON object"),
    # blank secrets sign as well as any: refused as empty ones are
    (b'{"AKBLANK": "   "}', "is empty"),
    (b'{"AKBLANK": "\\t\\n"}', "is empty"),
    # [DEFAULT] lent its secret to [b], refused as "an empty access key id"
    (b"[DEFAULT]\naws_secret_access_key = s3cr3t\n[b]\nregion = eu-west-1\n",
     "[DEFAULT]: an entry has an empty access key id"),
])
def test_a_credentials_file_that_cannot_be_read_as_one_is_refused_saying_why(tmp_path, data,
                                                                            problem):
    from ec2query._commands.serve import load_credentials_file

    path = tmp_path / "creds"
    path.write_bytes(data)
    with pytest.raises(UsageError) as info:
        load_credentials_file(str(path))
    assert info.value.message.startswith(str(path)) and problem in info.value.message
    assert "s3cr3t" not in info.value.message


def test_a_credentials_file_with_a_byte_order_mark_or_a_default_profile_loads(tmp_path):
    from ec2query._commands.serve import load_credentials_file

    path = tmp_path / "creds"
    path.write_bytes(b'\xef\xbb\xbf{"K1": "S1"}')  # as Windows' editors save UTF-8
    assert load_credentials_file(str(path)) == {"K1": Credentials("K1", "S1")}
    path.write_bytes(b"[DEFAULT]\naws_access_key_id = K2\naws_secret_access_key = S2\n")
    assert load_credentials_file(str(path)) == {"K2": Credentials("K2", "S2")}


def test_a_credentials_file_is_read_to_a_bound(tmp_path, monkeypatch):
    from ec2query._commands import serve

    monkeypatch.setattr(serve, "_MAX_CREDENTIALS_FILE", 1000)
    path = tmp_path / "creds"
    path.write_bytes(b"{" + b" " * 1000 + b"}")
    with pytest.raises(UsageError, match="larger than 1000 bytes"):
        serve.load_credentials_file(str(path))
    with pytest.raises(UsageError, match="larger than 1000 bytes"):
        serve.load_credentials_file("/dev/zero")  # endless: read no further than the bound


@pytest.mark.parametrize("region", ["", " us-east-1", "us-east-1\n", "us_east_1", "123", "-x"])
def test_a_region_no_client_could_sign_for_is_refused(region, tmp_path):
    """Each started, and then every SigV4 request got the scope error. The text is
    botocore's InvalidRegionError (the rule too: a host label, not all digits). It is
    refused before the database is made."""
    with pytest.raises(UsageError) as info:
        make_app(credentials={"AK": "s3cr3t"}, region=region, db=str(tmp_path / "sg.db"))
    assert list(tmp_path.iterdir()) == []
    assert info.value.code == "InvalidRegion"
    assert info.value.message == (f"Provided region_name {region!r} doesn't match a "
                                  "supported format.")
    assert make_app(credentials={"AK": "s3cr3t"}, region="eu-central-2") is not None


@pytest.mark.parametrize(("data", "problem"), [
    # the last of each won, silently: an empty secret could hide behind a good one
    (b'{"AKDUP": "", "AKDUP": "s3cr3t"}',
     "the access key 'AKDUP' is given again with other credentials"),
    (b"[a]\naws_access_key_id = AKDUP\naws_secret_access_key = one\n"
     b"[b]\naws_access_key_id = AKDUP\naws_secret_access_key = s3cr3t\n",
     "[b]: the access key 'AKDUP' is given again with other credentials"),
    (b'{" ": "s3cr3t"}', "an entry has an empty access key id"),
])
def test_a_key_given_twice_or_blank_in_a_credentials_file_is_refused(tmp_path, data, problem):
    from ec2query._commands.serve import load_credentials_file

    path = tmp_path / "creds"
    path.write_bytes(data)
    with pytest.raises(UsageError) as info:
        load_credentials_file(str(path))
    assert problem in info.value.message and "s3cr3t" not in info.value.message


def test_a_credentials_file_nested_too_deeply_is_refused_without_a_traceback(tmp_path):
    # json's RecursionError went through: a traceback
    from ec2query._commands.serve import load_credentials_file

    path = tmp_path / "creds"
    for data, problem in ((b'{"AK": ' + b"[" * 100_000, "invalid JSON: nested too deeply"),
                          (b"[" * 100_000, "not an AWS credentials file")):
        path.write_bytes(data)
        with pytest.raises(UsageError) as info:
            load_credentials_file(str(path))
        assert info.value.message.startswith(f"{path}: ") and problem in info.value.message


def test_the_same_key_twice_with_the_same_secret_loads(tmp_path):
    from ec2query._commands.serve import load_credentials_file

    path = tmp_path / "creds"
    path.write_bytes(b'{"K": "S", "K": "S"}')
    assert load_credentials_file(str(path)) == {"K": Credentials("K", "S")}
    path.write_bytes(b"[a]\naws_access_key_id = K\naws_secret_access_key = S\n"
                     b"[b]\naws_access_key_id = K\naws_secret_access_key = S\n")
    assert load_credentials_file(str(path)) == {"K": Credentials("K", "S")}


def test_a_file_giving_the_environments_key_another_secret_is_refused(monkeypatch, tmp_path):
    from ec2query._commands.serve import accepted_credentials

    _no_aws_environment(monkeypatch, tmp_path)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKENV")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "one")
    path = tmp_path / "creds.json"
    path.write_text('{"AKENV": "s3cr3t"}', encoding="utf-8")
    with pytest.raises(UsageError) as info:
        accepted_credentials([str(path)])
    assert info.value.message == (f"{path}: the access key 'AKENV' is given again with "
                                  "other credentials")
    path.write_text('{"AKENV": "one"}', encoding="utf-8")
    assert accepted_credentials([str(path)]) == {"AKENV": Credentials("AKENV", "one")}


def test_make_app_refuses_half_credentials_in_the_environment(monkeypatch, tmp_path):
    """It warned "no AWS credentials in the environment" and refused every request;
    serve refused to start. Both refuse now, in the aws-cli's words."""
    _no_aws_environment(monkeypatch, tmp_path)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEMPTYSECRET")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "")
    with pytest.raises(UsageError) as info:
        make_app()
    assert info.value.code == "PartialCredentials"
    with pytest.raises(UsageError, match="an access key id must be non-empty text"):
        make_app(credentials={" ": "s3cr3t"})


def _no_aws_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
                 "AWS_PROFILE", "AWS_DEFAULT_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))


def test_serve_refuses_an_empty_secret_in_the_environment(monkeypatch, tmp_path):
    from ec2query._commands.serve import accepted_credentials

    _no_aws_environment(monkeypatch, tmp_path)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEMPTYSECRET")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "")
    with pytest.raises(UsageError) as info:
        accepted_credentials([])
    assert info.value.code == "PartialCredentials"
    assert info.value.message == "Partial credentials found in env, missing: AWS_SECRET_ACCESS_KEY"


def test_serve_refuses_an_empty_secret_in_the_shared_credentials_file(monkeypatch, tmp_path):
    from ec2query._commands.serve import accepted_credentials

    _no_aws_environment(monkeypatch, tmp_path)
    shared = tmp_path / "credentials"
    shared.write_text("[default]\naws_access_key_id = AKIDEMPTYSECRET\naws_secret_access_key =\n",
                      encoding="utf-8")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(shared))
    with pytest.raises(UsageError) as info:
        accepted_credentials([])
    assert info.value.code == "PartialCredentials"
    assert info.value.message == (
        f"Partial credentials found in {shared}, missing: aws_secret_access_key")


def test_serve_starts_with_no_credentials_in_the_environment(monkeypatch, tmp_path):
    from ec2query._commands.serve import accepted_credentials

    _no_aws_environment(monkeypatch, tmp_path)
    assert accepted_credentials([]) == {}  # the files may name every caller


@pytest.mark.parametrize("broken", ["missing profile", "unreadable config"])
def test_serve_still_starts_when_the_environment_names_no_credentials_it_can_read(
        monkeypatch, tmp_path, caplog, broken):
    from ec2query._commands.serve import accepted_credentials

    _no_aws_environment(monkeypatch, tmp_path)
    if broken == "missing profile":
        monkeypatch.setenv("AWS_PROFILE", "nope")
        expected = "The config profile (nope) could not be found"
    else:
        config = tmp_path / "config"
        config.write_text("not an ini file\n", encoding="utf-8")
        monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
        expected = "Unable to parse"
    listed = tmp_path / "callers.json"
    listed.write_text(json.dumps({"AKIDLISTED": "s3cr3t"}), encoding="utf-8")
    with caplog.at_level("WARNING", logger="ec2query.gateway"):
        table = accepted_credentials([str(listed)])
    assert list(table) == ["AKIDLISTED"]  # the file names every caller
    assert expected in caplog.text and "are not used" in caplog.text


def test_the_serve_command_exits_on_an_empty_secret_with_one_line(tmp_path):
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_ACCESS_KEY_ID="AKIDEMPTYSECRET", AWS_SECRET_ACCESS_KEY="",
               AWS_SHARED_CREDENTIALS_FILE=os.devnull, AWS_CONFIG_FILE=os.devnull,
               PYTHONPATH=str(Path(__file__).resolve().parents[2]))
    done = subprocess.run([sys.executable, "-m", "ec2query", "serve", "--port", "0",
                           "--db", str(tmp_path / "sg.db")],
                          capture_output=True, text=True, timeout=60, env=env, check=False)
    assert done.returncode != 0 and done.stdout == ""
    assert [line for line in done.stderr.splitlines() if line.strip()] == [
        "Partial credentials found in env, missing: AWS_SECRET_ACCESS_KEY"]
    assert not (tmp_path / "sg.db").exists()  # refused before the database was opened


# ------------------------------------------------------------------ session tokens


@pytest.mark.parametrize("signature", ["v4", "v4-query", "v2"])
def test_a_session_token_for_a_key_that_has_none_is_auth_failure(signature):
    with_token = Credentials(CREDS.access_key, CREDS.secret_key, "a-token-nobody-issued")
    app = _app()
    assert _answer(app, _environ(credentials=with_token, signature=signature)) == (
        401, "AuthFailure", AUTH_FAILURE)
    assert _answer(app, _environ(signature=signature))[:2] == (200, "OK")


def test_a_plain_secret_lookup_takes_no_session_token_either():
    with_token = Credentials(CREDS.access_key, CREDS.secret_key, "t")
    app = make_app(credentials={CREDS.access_key: CREDS.secret_key}, clock=lambda: NOW)
    assert _answer(app, _environ(credentials=with_token))[:2] == (401, "AuthFailure")


# ------------------------------------------------------------------ region scope


@pytest.mark.parametrize("signature", ["v4", "v4-query"])
def test_a_request_scoped_to_another_region_gets_the_scope_error(signature):
    app = _app(region="us-west-1")
    assert _answer(app, _environ(region="eu-west-3", signature=signature)) == (
        403, "SignatureDoesNotMatch",
        "Credential should be scoped to a valid region, not 'eu-west-3'.")
    assert _answer(app, _environ(region="us-west-1", signature=signature))[:2] == (200, "OK")


def test_without_a_region_any_region_is_accepted():
    app = _app()
    for region in ("us-east-1", "eu-west-3", "ap-south-2"):
        assert _answer(app, _environ(region=region))[:2] == (200, "OK")


# ------------------------------------------------------------------ path


@pytest.mark.parametrize("path", ["/foo", "/a/b/c"])
def test_a_request_signed_for_another_path_is_not_answered_as_slash(path):
    app = _app()
    signed = _environ(endpoint="http://localhost" + path)
    assert _answer(app, signed) == (
        400, "InvalidAction",
        "The action DescribeSecurityGroups is not valid for this web service.")


def test_a_configured_path_is_the_only_one_served():
    app = _app(path="/ec2/")
    assert _answer(app, _environ(endpoint="http://localhost/ec2/"))[:2] == (200, "OK")
    assert _answer(app, _environ())[:2] == (400, "InvalidAction")
    with pytest.raises(UsageError):
        _app(path="ec2")


@pytest.mark.parametrize("path", ["/ec2 api", "/ec2\nx", "/ec2?x", "/ec2#x", "/é"])
def test_a_path_no_request_can_have_is_refused(path):
    """A request's path is compared as sent: one with a space, a control, a query or text
    that is not ASCII would never be served (and wrote a line break into serve's line)."""
    with pytest.raises(UsageError, match="written as a request sends it"):
        _app(path=path)
