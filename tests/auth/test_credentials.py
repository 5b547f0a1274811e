"""Credentials resolution with temporary files and a fake environment; no secret ever shown."""

from __future__ import annotations

import logging
import pickle
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from ec2query._errors import AuthError, UsageError
from ec2query.auth import (
    Credentials,
    CredentialsProvider,
    RefreshingCredentials,
    resolve_credentials,
    resolve_region,
)

SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
TOKEN = "FQoGZXIvYXdzEXAMPLETOKEN"


@pytest.fixture
def home(tmp_path: Path) -> Path:
    aws = tmp_path / ".aws"
    aws.mkdir()
    (aws / "credentials").write_text(
        "[default]\naws_access_key_id = AKIDDEFAULT\naws_secret_access_key = default-secret\n\n"
        f"[dev]\naws_access_key_id=AKIDDEV\naws_secret_access_key={SECRET}\n"
        f"aws_session_token={TOKEN}\n", encoding="utf-8")
    (aws / "config").write_text(
        "[default]\nregion = eu-west-3\n\n[profile dev]\nregion = ap-southeast-2\n\n"
        "[profile conf-only]\naws_access_key_id = AKIDCONF\naws_secret_access_key = conf-secret\n"
        "\n[profile partial]\naws_access_key_id = AKIDPART\n", encoding="utf-8")
    return tmp_path


def test_repr_never_shows_secret_or_token() -> None:
    creds = Credentials("AKIDEXAMPLE", SECRET, TOKEN)
    for text in (repr(creds), str(creds), f"{creds}", f"{creds!r}", repr([creds])):
        assert SECRET not in text and TOKEN not in text
        assert "AKIDEXAMPLE" in text
    assert pickle.loads(pickle.dumps(creds)) == creds  # noqa: S301 - our own bytes
    with pytest.raises(AttributeError):
        creds.secret_key = "x"  # type: ignore[misc]


def test_static_credentials_are_a_provider() -> None:
    creds = Credentials("AKID", "s")
    assert isinstance(creds, CredentialsProvider)
    assert creds.get_credentials() is creds


def test_explicit_wins(home: Path) -> None:
    env = {"HOME": str(home), "AWS_ACCESS_KEY_ID": "AKIDENV", "AWS_SECRET_ACCESS_KEY": "e"}
    assert resolve_credentials(access_key="AKIDX", secret_key="x", env=env) == \
        Credentials("AKIDX", "x")
    with pytest.raises(UsageError, match="missing: secret key"):
        resolve_credentials(access_key="AKIDX", env=env)


def test_environment_then_files(home: Path) -> None:
    env = {"HOME": str(home), "AWS_ACCESS_KEY_ID": "AKIDENV", "AWS_SECRET_ACCESS_KEY": "e",
           "AWS_SESSION_TOKEN": "t"}
    assert resolve_credentials(env=env) == Credentials("AKIDENV", "e", "t")
    # An explicit profile skips the environment, as --profile does.
    assert resolve_credentials("dev", env=env) == Credentials("AKIDDEV", SECRET, TOKEN)
    assert resolve_credentials(env={"HOME": str(home)}).access_key == "AKIDDEFAULT"
    assert resolve_credentials(env={"HOME": str(home), "AWS_PROFILE": "dev"}).token == TOKEN
    assert resolve_credentials("conf-only", env={"HOME": str(home)}).access_key == "AKIDCONF"


def test_file_locations_from_env_and_parameters(home: Path, tmp_path: Path) -> None:
    other = tmp_path / "elsewhere"
    other.write_text("[default]\naws_access_key_id=AKIDOTHER\naws_secret_access_key=o\n",
                     encoding="utf-8")
    env = {"HOME": str(home), "AWS_SHARED_CREDENTIALS_FILE": str(other)}
    assert resolve_credentials(env=env).access_key == "AKIDOTHER"
    assert resolve_credentials(env={}, credentials_file=other,
                               config_file=tmp_path / "none").access_key == "AKIDOTHER"
    conf = tmp_path / "conf"
    conf.write_text("[default]\nregion = sa-east-1\n", encoding="utf-8")
    assert resolve_region(env={"HOME": str(home), "AWS_CONFIG_FILE": str(conf)}) == "sa-east-1"


def test_errors_never_leak_secrets(home: Path, tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="could not be found"):
        resolve_credentials("nope", env={"HOME": str(home)})
    with pytest.raises(UsageError, match="missing: aws_secret_access_key"):
        resolve_credentials("partial", env={"HOME": str(home)})
    with pytest.raises(UsageError, match="missing: AWS_SECRET_ACCESS_KEY"):
        resolve_credentials(env={"AWS_ACCESS_KEY_ID": "AKID", "HOME": str(tmp_path)})
    with pytest.raises(AuthError) as info:
        resolve_credentials(env={"HOME": str(tmp_path / "empty")})
    assert info.value.code == "MissingAuthenticationToken"
    broken = tmp_path / "broken"
    broken.write_text(f"aws_secret_access_key = {SECRET}\n[default\n", encoding="utf-8")
    with pytest.raises(UsageError) as info2:
        resolve_credentials(env={}, credentials_file=broken, config_file=tmp_path / "none")
    assert SECRET not in str(info2.value) and SECRET not in repr(info2.value)


def test_region_order(home: Path) -> None:
    base = {"HOME": str(home)}
    assert resolve_region("us-west-2", env={**base, "AWS_REGION": "x"}) == "us-west-2"
    assert resolve_region(env={**base, "AWS_REGION": "a", "AWS_DEFAULT_REGION": "b"}) == "a"
    assert resolve_region(env={**base, "AWS_DEFAULT_REGION": "b"}) == "b"
    assert resolve_region(env=base) == "eu-west-3"
    assert resolve_region(profile="dev", env=base) == "ap-southeast-2"
    assert resolve_region(env={"HOME": str(home / "nowhere")}) is None


def test_refreshing_provider_refetches_before_expiry(caplog: pytest.LogCaptureFixture) -> None:
    now = [datetime(2024, 1, 1, tzinfo=timezone.utc)]
    calls = []

    def fetch():  # type: ignore[no-untyped-def]
        calls.append(now[0])
        return Credentials("ASIA", SECRET, f"token-{len(calls)}"), now[0] + timedelta(hours=1)

    provider = RefreshingCredentials(fetch, clock=lambda: now[0])
    assert isinstance(provider, CredentialsProvider)
    assert provider.get_credentials().token == "token-1"
    now[0] += timedelta(minutes=50)
    assert provider.get_credentials().token == "token-1"
    now[0] += timedelta(minutes=6)  # inside the 5-minute refresh margin
    assert provider.get_credentials().token == "token-2"
    assert SECRET not in repr(provider)
    logging.getLogger("test").info("%s %r", provider.get_credentials(), provider)
    assert SECRET not in caplog.text


@pytest.mark.parametrize("text", [
    "[a]\naws_access_key_id = K1\naws_secret_access_key = S1\n[a]\naws_secret_access_key = S2\n",
    "[a]\naws_access_key_id = K1\naws_secret_access_key = S1\naws_secret_access_key = S2\n",
])
def test_a_repeated_profile_or_key_is_refused_as_botocore_refuses_it(tmp_path: Path,
                                                                      text: str) -> None:
    """botocore's reader (configparser, strict) raises ConfigParseError for these; ours
    took the last value, so which secret signed depended on the reader."""
    from botocore.configloader import raw_config_parse
    from botocore.exceptions import ConfigParseError

    from ec2query._commands.serve import load_credentials_file

    path = tmp_path / "credentials"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigParseError):
        raw_config_parse(str(path))
    with pytest.raises(UsageError, match="Unable to parse the AWS configuration file"):
        resolve_credentials("a", env={}, credentials_file=path, config_file=tmp_path / "none")
    with pytest.raises(UsageError, match="not an AWS credentials file"):
        load_credentials_file(str(path))
