"""Credentials, credential providers, and the resolution chain a user expects.

``Credentials`` is an immutable value (an empty secret key is refused with
``UsageError``, code ``PartialCredentials``) whose ``repr`` shows the access key id
only: the secret key and the session token never appear in a repr, a log line
or an error message raised here. Anything with ``get_credentials()`` is a
provider; a ``Credentials`` value is its own (static) provider, and
``RefreshingCredentials`` re-fetches temporary credentials before they expire,
so long-running clients and gateways pick up rotated session tokens.

``resolve_credentials`` and ``resolve_region`` follow the aws-cli order:
explicit values, then the environment, then the shared credentials and config
files. File locations are parameters so that tests (and sandboxes) can point
them anywhere.
"""

from __future__ import annotations

import configparser
import os
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Protocol, runtime_checkable

from .._errors import AuthError, UsageError

__all__ = [
    "Credentials",
    "CredentialsProvider",
    "RefreshingCredentials",
    "profile_setting",
    "resolve_credentials",
    "resolve_region",
]


@dataclass(frozen=True, slots=True)
class Credentials:
    """An access key id, its secret key and an optional session token."""

    access_key: str
    secret_key: str = field(repr=False)
    token: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        for name in ("access_key", "secret_key", "token"):
            value = getattr(self, name)
            if value is None and name == "token":
                continue
            try:
                if not isinstance(value, str):
                    raise TypeError
                value.encode("utf-8")
            except (TypeError, UnicodeEncodeError):
                # The value itself is never shown: it may be a secret. (Characters a
                # header cannot carry are refused where the request is built.)
                raise UsageError(f"Credentials.{name} must be text (valid Unicode)") from None
        if not self.secret_key:
            # aws-cli's PartialCredentialsError, for a key given without its secret
            # (code and wording inferred from botocore, not captured from EC2).
            raise UsageError("Partial credentials found in explicit, missing: secret_key",
                             code="PartialCredentials")

    def __repr__(self) -> str:
        token = "None" if self.token is None else "'***'"
        return f"Credentials(access_key={self.access_key!r}, secret_key='***', token={token})"

    __str__ = __repr__

    def get_credentials(self) -> Credentials:
        """Static credentials are their own provider."""
        return self


@runtime_checkable
class CredentialsProvider(Protocol):
    """Anything that hands out current credentials; signers call it at each signing."""

    def get_credentials(self) -> Credentials: ...


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


class RefreshingCredentials:
    """A provider for temporary credentials that calls ``fetch`` again shortly before expiry.

    ``fetch()`` returns ``(credentials, expires_at)``; ``expires_at`` is an aware
    datetime or ``None`` for "never". The clock is a parameter. Thread-safe.
    """

    def __init__(
        self,
        fetch: Callable[[], tuple[Credentials, datetime | None]],
        *,
        refresh_before: timedelta = timedelta(minutes=5),
        clock: Callable[[], datetime] = _utcnow,
    ) -> None:
        self._fetch = fetch
        self._refresh_before = refresh_before
        self._clock = clock
        self._lock = threading.Lock()
        self._current: Credentials | None = None
        self._expires_at: datetime | None = None

    def __repr__(self) -> str:
        key = self._current.access_key if self._current else None
        return f"RefreshingCredentials(access_key={key!r}, expires_at={self._expires_at!r})"

    def _fresh(self) -> bool:
        if self._current is None:
            return False
        if self._expires_at is None:
            return True
        return self._clock() < self._expires_at - self._refresh_before

    def get_credentials(self) -> Credentials:
        """Current credentials, fetching new ones when missing or about to expire."""
        with self._lock:
            if not self._fresh():
                self._current, self._expires_at = self._fetch()
            assert self._current is not None  # noqa: S101 - fetch contract
            return self._current


# --------------------------------------------------------------------------- resolution

_ENV_ACCESS = "AWS_ACCESS_KEY_ID"
_ENV_SECRET = "AWS_SECRET_ACCESS_KEY"  # noqa: S105 - a variable name, not a secret
_ENV_TOKEN = "AWS_SESSION_TOKEN"  # noqa: S105


def _home(env: Mapping[str, str]) -> Path:
    home = env.get("HOME") or env.get("USERPROFILE")
    return Path(home) if home else Path.home()


def _credentials_path(env: Mapping[str, str], explicit: str | os.PathLike[str] | None) -> Path:
    if explicit is not None:
        return Path(explicit)
    if env.get("AWS_SHARED_CREDENTIALS_FILE"):
        return Path(env["AWS_SHARED_CREDENTIALS_FILE"]).expanduser()
    return _home(env) / ".aws" / "credentials"


def _config_path(env: Mapping[str, str], explicit: str | os.PathLike[str] | None) -> Path:
    if explicit is not None:
        return Path(explicit)
    if env.get("AWS_CONFIG_FILE"):
        return Path(env["AWS_CONFIG_FILE"]).expanduser()
    return _home(env) / ".aws" / "config"


def ini_parser() -> configparser.RawConfigParser:
    """A parser of AWS's INI files as this package reads them: ``[DEFAULT]`` is a profile
    like any other (botocore's reader lends its keys to every profile instead), and a
    repeated section or key is an error, as in botocore's reader."""
    return configparser.RawConfigParser(default_section="\0no-defaults\0")


def blank_secret(secret: str) -> bool:
    """Whether a secret key is empty or whitespace: anyone who knows its key id could sign."""
    return not secret.strip()


def _read_ini(path: Path) -> configparser.RawConfigParser | None:
    """The parsed file, or None if it does not exist; parse errors never echo a line."""
    parser = ini_parser()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError):
        raise UsageError(f"Unable to read the AWS configuration file {path}") from None
    try:
        parser.read_string(text, source=str(path))
    except configparser.Error as exc:
        # configparser's own messages quote the offending line, which may hold a secret.
        line = getattr(exc, "lineno", None)
        where = f" (line {line})" if line else ""
        raise UsageError(f"Unable to parse the AWS configuration file {path}{where}") from None
    return parser


def _profile_name(profile: str | None, env: Mapping[str, str]) -> str:
    return profile or env.get("AWS_PROFILE") or env.get("AWS_DEFAULT_PROFILE") or "default"


def _section(
    parser: configparser.RawConfigParser | None, name: str, *, config: bool
) -> dict[str, str] | None:
    if parser is None:
        return None
    candidates = [name] if not config else ([f"profile {name}", name] if name == "default"
                                           else [f"profile {name}"])
    for section in candidates:
        if parser.has_section(section):
            return {k.lower(): v.strip() for k, v in parser.items(section)}
    return None


def _from_section(values: Mapping[str, str], where: str) -> Credentials | None:
    access = values.get("aws_access_key_id")
    secret = values.get("aws_secret_access_key")
    if not access and not secret:
        return None
    if not access or not secret:
        missing = "aws_access_key_id" if not access else "aws_secret_access_key"
        raise UsageError(f"Partial credentials found in {where}, missing: {missing}",
                         code="PartialCredentials")
    return Credentials(access, secret, values.get("aws_session_token") or None)


def resolve_credentials(
    profile: str | None = None,
    *,
    access_key: str | None = None,
    secret_key: str | None = None,
    token: str | None = None,
    env: Mapping[str, str] = os.environ,
    credentials_file: str | os.PathLike[str] | None = None,
    config_file: str | os.PathLike[str] | None = None,
) -> Credentials:
    """Find credentials the way the aws-cli does; raise ``AuthError`` if there are none.

    Order: explicit ``access_key``/``secret_key``; the ``AWS_ACCESS_KEY_ID`` /
    ``AWS_SECRET_ACCESS_KEY`` / ``AWS_SESSION_TOKEN`` environment (skipped when
    a ``profile`` is named explicitly, as ``--profile`` does); the profile in the
    shared credentials file; the profile in the config file. The profile is
    ``profile``, else ``AWS_PROFILE``, else ``default``.
    """
    if access_key or secret_key:
        if not (access_key and secret_key):
            missing = "secret key" if access_key else "access key"
            raise UsageError(f"Partial credentials given explicitly, missing: {missing}",
                             code="PartialCredentials")
        return Credentials(access_key, secret_key, token or None)

    if profile is None:
        env_access, env_secret = env.get(_ENV_ACCESS), env.get(_ENV_SECRET)
        if env_access or env_secret:
            if not (env_access and env_secret):
                missing = _ENV_SECRET if env_access else _ENV_ACCESS
                raise UsageError(f"Partial credentials found in env, missing: {missing}",
                                 code="PartialCredentials")
            return Credentials(env_access, env_secret, env.get(_ENV_TOKEN) or None)

    name = _profile_name(profile, env)
    cred_path = _credentials_path(env, credentials_file)
    conf_path = _config_path(env, config_file)
    cred_parser = _read_ini(cred_path)
    conf_parser = _read_ini(conf_path)
    cred_section = _section(cred_parser, name, config=False)
    conf_section = _section(conf_parser, name, config=True)

    if cred_section is not None:
        found = _from_section(cred_section, str(cred_path))
        if found is not None:
            return found
    if conf_section is not None:
        found = _from_section(conf_section, str(conf_path))
        if found is not None:
            return found
    if name != "default" and cred_section is None and conf_section is None:
        raise UsageError(f"The config profile ({name}) could not be found")
    raise AuthError(
        "MissingAuthenticationToken",
        "Unable to locate credentials. Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, "
        "use a profile in the shared credentials file, or pass them explicitly.",
    )


def resolve_region(
    region: str | None = None,
    *,
    profile: str | None = None,
    env: Mapping[str, str] = os.environ,
    config_file: str | os.PathLike[str] | None = None,
) -> str | None:
    """The region: explicit, ``AWS_REGION``, ``AWS_DEFAULT_REGION``, then the profile's ``region``.

    Returns ``None`` when nothing names one; callers choose their own default.
    """
    if region:
        return region
    for var in ("AWS_REGION", "AWS_DEFAULT_REGION"):
        if env.get(var):
            return env[var]
    return profile_setting("region", profile=profile, env=env, config_file=config_file)


def profile_setting(
    key: str,
    *,
    profile: str | None = None,
    env: Mapping[str, str] = os.environ,
    config_file: str | os.PathLike[str] | None = None,
) -> str | None:
    """The profile's ``key`` in the shared config file (``region``, ``output``), else None."""
    section = _section(_read_ini(_config_path(env, config_file)), _profile_name(profile, env),
                       config=True)
    return (section or {}).get(key) or None
