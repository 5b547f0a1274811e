"""atheris: ec2query.from_cli_args on arbitrary argument lists."""

from __future__ import annotations

import atheris

with atheris.instrument_imports():
    import _harness

    from ec2query._codec.cliargs import from_cli_args

OPERATIONS = [
    "revoke-security-group-ingress",
    "authorize-security-group-ingress",
    "revoke-security-group-egress",
    "authorize-security-group-egress",
    "create-security-group",
    "describe-security-groups",
    "delete-security-group",
]
OPTIONS = [
    "--group-id", "--group-name", "--ip-permissions", "--protocol", "--port", "--cidr",
    "--source-group", "--group-owner", "--cli-input-json", "--filters", "--group-ids",
    "--description", "--tag-specifications", "--max-results", "--dry-run",
]  # fmt: skip


def test_one_input(data: bytes) -> None:
    """An operation, then options and values chosen by the fuzzer."""
    fdp = atheris.FuzzedDataProvider(data)
    name = OPERATIONS[fdp.ConsumeIntInRange(0, len(OPERATIONS) - 1)]
    argv: list[str] = []
    for _ in range(fdp.ConsumeIntInRange(0, 8)):
        if fdp.ConsumeBool():
            argv.append(OPTIONS[fdp.ConsumeIntInRange(0, len(OPTIONS) - 1)])
        else:
            argv.append(fdp.ConsumeUnicode(fdp.ConsumeIntInRange(0, 200)))
    if any(a.startswith(("file://", "fileb://")) for a in argv):
        return  # would read local files: not an input surface
    _harness.check(lambda: from_cli_args(name, argv))


if __name__ == "__main__":
    _harness.run(test_one_input)
