"""Every global option the console accepts does what aws-cli's does, or is refused;
one INPUT reader, bounded; the session token's one precedence order."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from ec2query._limits import MAX_QUERY_BYTES
from tests.servers import FAKE_ENV, scripted_server, terminal_signals

DESCRIBE = (b'<DescribeSecurityGroupsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">'
            b"<requestId>r-1</requestId><securityGroupInfo/></DescribeSecurityGroupsResponse>")


def _run(*argv: str, env: dict[str, str] | None = None,
         timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *argv], capture_output=True, text=True,
                          env={**os.environ, **FAKE_ENV, **(env or {})}, timeout=timeout)


def test_no_sign_request_sends_unsigned_as_aws_cli_does() -> None:
    pytest.importorskip("awscli")
    headers: list[dict[str, str]] = []
    with scripted_server([(200, DESCRIBE), (200, DESCRIBE)], headers) as (url, bodies):
        aws = _run("awscli", "ec2", "describe-security-groups", "--no-sign-request",
                   "--endpoint-url", url)
        ours = _run("ec2query", "--no-sign-request", "describe-security-groups",
                    "--endpoint-url", url,
                    env={"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": ""})
    assert aws.returncode == 0 and ours.returncode == 0, (aws.stderr, ours.stderr)
    assert ["Authorization" in h for h in headers] == [False, False]
    assert bodies[0] == bodies[1] == b"Action=DescribeSecurityGroups&Version=2016-11-15"


@contextmanager
def _silent_server() -> Iterator[str]:
    """Accepts connections and never answers."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(8)
        yield f"http://127.0.0.1:{server.getsockname()[1]}"


def _interrupted(*argv: str) -> tuple[int, str, str]:
    """``python -m argv... describe-security-groups`` against a server that never answers,
    sent SIGINT (Ctrl-C) once it has connected: its status, stdout and stderr. The child
    gets Python's own SIGINT handling (:func:`terminal_signals`: a clean-clone CI run
    started in the background, with SIGINT ignored, timed out on aws-cli, which went on
    waiting for its answer)."""
    with terminal_signals(), socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(8)
        server.settimeout(60)
        with subprocess.Popen(
                [sys.executable, "-m", *argv, "describe-security-groups", "--endpoint-url",
                 f"http://127.0.0.1:{server.getsockname()[1]}"],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                env={**os.environ, **FAKE_ENV}) as process:
            try:
                conn, _ = server.accept()  # past its imports: waiting for the answer
                with conn:
                    process.send_signal(signal.SIGINT)
                    out, err = process.communicate(timeout=30)
            finally:
                if process.poll() is None:
                    process.kill()
    return process.returncode, out, err


def test_ctrl_c_ends_a_command_as_aws_cli_does() -> None:
    """Ctrl-C while a command waited for its answer was a ``KeyboardInterrupt`` traceback
    and death by the signal (status -2); aws-cli prints a new line and returns 130, the
    shell's 128 + SIGINT, and so does ours."""
    pytest.importorskip("awscli")
    aws = _interrupted("awscli", "ec2")
    ours = _interrupted("ec2query")
    assert aws[:2] == (130, "\n"), aws
    assert ours[:2] == aws[:2] and "Traceback" not in ours[2], ours


def _timed(option: str, url: str) -> tuple[subprocess.CompletedProcess[str], float]:
    started = time.monotonic()
    done = _run("ec2query", "describe-security-groups", option, "1", "--endpoint-url", url,
                timeout=60)
    return done, time.monotonic() - started


def test_cli_read_timeout_bounds_the_wait_for_an_answer() -> None:
    with _silent_server() as url:
        done, elapsed = _timed("--cli-read-timeout", url)
    assert done.returncode == 255 and "No answer from" in done.stderr
    assert 1 <= elapsed < 15  # five attempts of 1 s and their backoff, not 60 s each


@contextmanager
def _full_backlog() -> Iterator[str]:
    """A listener whose accept queue is full, so a new connection is never completed."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(0)
    address = server.getsockname()
    fillers = []
    try:
        for _ in range(8):
            filler = socket.socket()
            filler.setblocking(False)
            filler.connect_ex(address)
            fillers.append(filler)
        probe = socket.socket()
        probe.settimeout(0.5)
        try:
            probe.connect(address)
        except TimeoutError:
            pass
        else:
            pytest.skip("this kernel completes connections past a full backlog")
        finally:
            probe.close()
        yield f"http://127.0.0.1:{address[1]}"
    finally:
        for filler in fillers:
            filler.close()
        server.close()


def test_cli_connect_timeout_bounds_the_wait_for_a_connection() -> None:
    with _full_backlog() as url:
        done, elapsed = _timed("--cli-connect-timeout", url)
    assert done.returncode == 255, done.stderr
    assert 1 <= elapsed < 15


def test_no_verify_ssl_and_ca_bundle_reach_the_tls_check() -> None:
    # Nothing listens with TLS here: the check is that the bundle is looked at (a missing
    # one refused with requests' text) and that --no-verify-ssl skips it.
    done = _run("ec2query", "describe-security-groups", "--ca-bundle", "/nonexistent/ca.pem",
                "--endpoint-url", "https://127.0.0.1:9", "--cli-connect-timeout", "1")
    assert done.returncode == 252 and "CA certificate bundle" in done.stderr, done.stderr
    unverified = _run("ec2query", "describe-security-groups", "--no-verify-ssl",
                      "--ca-bundle", "/nonexistent/ca.pem", "--endpoint-url",
                      "https://127.0.0.1:9", "--cli-connect-timeout", "1")
    assert unverified.returncode == 255 and "CA certificate bundle" not in unverified.stderr


@pytest.mark.parametrize("value", ["on", "off", "auto"])
def test_color_takes_aws_clis_values(value: str) -> None:
    done = _run("ec2query", "describe-security-groups", "--color", value, "--no-send",
                "--endpoint-url", "http://127.0.0.1:9")
    assert done.returncode == 0 and "\x1b[" not in done.stdout


def test_a_bad_color_is_bad_usage_as_in_aws_cli() -> None:
    done = _run("ec2query", "describe-security-groups", "--color", "blue")
    assert done.returncode == 252 and "--color" in done.stderr


@pytest.mark.parametrize("command", ["convert", "validate", "sign"])
def test_input_forms_are_read_alike(command: str, tmp_path) -> None:
    query = "Action=DescribeSecurityGroups&Version=2016-11-15"
    path = tmp_path / "q.txt"
    path.write_text(query)
    outputs = {_run("ec2query", command, form, "--region", "us-east-1", "--timestamp",
                    "2015-08-30T12:36:00Z").stdout if command == "sign" else
               _run("ec2query", command, form).stdout
               for form in (query, f"@{path}", f"file://{path}")}
    assert len(outputs) == 1 and outputs != {""}
    bare = _run("ec2query", command, str(path))
    assert bare.returncode == 252 and f"give @{path}" in bare.stderr


@pytest.mark.parametrize("command", ["convert", "validate", "sign"])
def test_input_past_the_request_limit_is_refused(command: str, tmp_path) -> None:
    big = tmp_path / "big.txt"
    big.write_bytes(b"A" * (MAX_QUERY_BYTES + 1))
    for form in (f"@{big}", "file:///dev/zero"):
        done = _run("ec2query", command, form, timeout=30)
        assert done.returncode == 252
        assert f"larger than the request limit of {MAX_QUERY_BYTES} bytes" in done.stderr


def test_a_file_value_past_the_request_limit_is_refused() -> None:
    done = _run("ec2query", "authorize-security-group-ingress", "--group-id", "sg-1",
                "--ip-permissions", "file:///dev/zero", "--no-send", timeout=30)
    assert done.returncode == 252
    assert "Error parsing parameter '--ip-permissions'" in done.stderr
    assert "larger than the request limit" in done.stderr


def test_argparse_refusals_exit_252_and_usage_names_ec2query() -> None:
    bad_choice = _run("ec2query", "sign", "--signature", "v9", "x")
    assert bad_choice.returncode == 252
    missing = _run("ec2query", "delete-security-group", "--no-send",
                   "--endpoint-url", "http://127.0.0.1:9", "--group-id")
    assert missing.returncode == 252 and "aws ec2" not in missing.stderr
    assert "ec2query delete-security-group" in missing.stderr


SIGN = ["sign", "Action=DescribeSecurityGroups&Version=2016-11-15", "--region", "us-east-1",
        "--timestamp", "2015-08-30T12:36:00Z"]


def _token(done: subprocess.CompletedProcess[str]) -> str | None:
    assert done.returncode == 0, done.stderr
    for line in done.stdout.splitlines():
        if line.lower().startswith("x-amz-security-token:"):
            return line.split(":", 1)[1].strip()
    return None


def test_the_session_token_comes_with_its_keys_and_the_option_wins(tmp_path) -> None:
    profile = tmp_path / "credentials"
    profile.write_text("[p]\naws_access_key_id = AKIDPROFILE\naws_secret_access_key = s\n"
                       "aws_session_token = from-profile\n")
    env = {"AWS_SESSION_TOKEN": "from-env", "AWS_SHARED_CREDENTIALS_FILE": str(profile)}
    assert _token(_run("ec2query", *SIGN, env=env)) == "from-env"  # env keys, env token
    assert _token(_run("ec2query", *SIGN, "--profile", "p", env=env)) == "from-profile"
    assert _token(_run("ec2query", *SIGN, "--session-token", "opt", env=env)) == "opt"
    assert _token(_run("ec2query", *SIGN, "--profile", "p", "--session-token", "opt",
                       env=env)) == "opt"
    explicit = [*SIGN, "--access-key", "AKIDX", "--secret-key", "s"]
    assert _token(_run("ec2query", *explicit, env=env)) is None  # explicit keys carry none
